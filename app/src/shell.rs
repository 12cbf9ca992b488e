//! HTML shells and routers: the hydrated staff app and the server-only portal.
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use crate::pages::{
    auth::*,
    staff::{audit::*, clients::*, contacts::*, documents::*, intake::*, settings::*, share::*, *},
};

/// Shell of the staff app and sign-in pages: hydrated to WebAssembly.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href=crate::assets::app_css()/>
                <link rel="icon" href=crate::assets::icon() type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|t: String| if t.is_empty() { "Dossier".to_string() } else { format!("{t} · Dossier") }/>
        <Router>
            <Routes fallback=|| view! { <main class="auth-page" id="main"><div class="auth-card"><h1>"Page not found"</h1><p><a href="/">"Go to Dossier"</a></p></div></main> }>
                <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/login/mfa") view=MfaPage ssr=SsrMode::Async/>
                <Route path=path!("/login/enrol") view=EnrolPage ssr=SsrMode::Async/>
                <Route path=path!("/login/recovery-codes") view=RecoveryCodesPage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/invite") view=InvitePage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/app") view=StaffLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=OverviewPage ssr=SsrMode::Async/>
                    <Route path=path!("clients") view=ClientsPage ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id") view=ClientProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id/documents") view=ClientProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id/shared") view=ClientProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id/history") view=ClientProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("contacts") view=ContactsPage ssr=SsrMode::Async/>
                    <Route path=path!("documents") view=DocumentsPage ssr=SsrMode::Async/>
                    <Route path=path!("documents/:id") view=DocumentPage ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id/documents/new") view=NewDocumentPage ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id/share") view=SharePage ssr=SsrMode::Async/>
                    <Route path=path!("shared") view=SharedPage ssr=SsrMode::Async/>
                    <Route path=path!("audit") view=AuditLogPage ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id/disclosures") view=DisclosuresPage ssr=SsrMode::Async/>
                    <Route path=path!("settings") view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/intake") view=IntakeSettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/sharing") view=SharingSettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("intake") view=IntakeInboxPage ssr=SsrMode::Async/>
                    <Route path=path!("staff") view=StaffAdminPage ssr=SsrMode::Async/>
                    <Route path=path!("forbidden") view=ForbiddenPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
