//! HTML shells and routers: the hydrated staff app and the server-only portal.
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    Lazy, LazyRoute, SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    lazy_route, path,
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

/// Every page but the layout and the overview (a signed-in user's first view) is a lazy route:
/// its code is split out of the main wasm by `wasm-split-cli` in Trunk's post-build hook
/// (`scripts/trunk-hook.mjs`) and fetched when the page is first shown. The pages own their
/// resources, so `data()` has nothing to start.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        #[doc = concat!("The lazy route of [`", stringify!($page), "`].")]
        pub struct $route;
        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }
            fn view(this: Self) -> AnyView {
                let _ = this;
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    SetupPageRoute => SetupPage,
    LoginPageRoute => LoginPage,
    MfaPageRoute => MfaPage,
    EnrolPageRoute => EnrolPage,
    RecoveryCodesPageRoute => RecoveryCodesPage,
    ForgotPasswordPageRoute => ForgotPasswordPage,
    ResetPasswordPageRoute => ResetPasswordPage,
    InvitePageRoute => InvitePage,
    ClientsPageRoute => ClientsPage,
    ClientProfilePageRoute => ClientProfilePage,
    ContactsPageRoute => ContactsPage,
    DocumentsPageRoute => DocumentsPage,
    DocumentPageRoute => DocumentPage,
    NewDocumentPageRoute => NewDocumentPage,
    SharePageRoute => SharePage,
    SharedPageRoute => SharedPage,
    AuditLogPageRoute => AuditLogPage,
    DisclosuresPageRoute => DisclosuresPage,
    SettingsPageRoute => SettingsPage,
    IntakeSettingsPageRoute => IntakeSettingsPage,
    SharingSettingsPageRoute => SharingSettingsPage,
    IntakeInboxPageRoute => IntakeInboxPage,
    StaffAdminPageRoute => StaffAdminPage,
    ForbiddenPageRoute => ForbiddenPage,
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|t: String| if t.is_empty() { "Dossier".to_string() } else { format!("{t} · Dossier") }/>
        <Router>
            <Routes fallback=|| view! { <main class="auth-page" id="main"><div class="auth-card"><h1>"Page not found"</h1><p><a href="/">"Go to Dossier"</a></p></div></main> }>
                <Route path=path!("/setup") view={Lazy::<SetupPageRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/login") view={Lazy::<LoginPageRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/login/mfa") view={Lazy::<MfaPageRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/login/enrol") view={Lazy::<EnrolPageRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/login/recovery-codes") view={Lazy::<RecoveryCodesPageRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view={Lazy::<ForgotPasswordPageRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/reset-password") view={Lazy::<ResetPasswordPageRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/invite") view={Lazy::<InvitePageRoute>::new()} ssr=SsrMode::Async/>
                <ParentRoute path=path!("/app") view=StaffLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=OverviewPage ssr=SsrMode::Async/>
                    <Route path=path!("clients") view={Lazy::<ClientsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id") view={Lazy::<ClientProfilePageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id/documents") view={Lazy::<ClientProfilePageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id/shared") view={Lazy::<ClientProfilePageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id/history") view={Lazy::<ClientProfilePageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("contacts") view={Lazy::<ContactsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("documents") view={Lazy::<DocumentsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("documents/:id") view={Lazy::<DocumentPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id/documents/new") view={Lazy::<NewDocumentPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id/share") view={Lazy::<SharePageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("shared") view={Lazy::<SharedPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("audit") view={Lazy::<AuditLogPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("clients/:id/disclosures") view={Lazy::<DisclosuresPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings") view={Lazy::<SettingsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/intake") view={Lazy::<IntakeSettingsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/sharing") view={Lazy::<SharingSettingsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("intake") view={Lazy::<IntakeInboxPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("staff") view={Lazy::<StaffAdminPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("forbidden") view={Lazy::<ForbiddenPageRoute>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
