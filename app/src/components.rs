//! Reusable pieces shared by the staff app and the auth pages.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::auth::read_feedback;

/// Fixed notices selected by the `m` query parameter (never free text from the URL).
pub fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "setup_done" => "Practice created. Sign in to continue.",
        "signed_out" => "You have signed out.",
        "session_ended" => "Your session has ended. Please sign in again.",
        "password_changed" => "Your password has been changed. Sign in with your new password.",
        "reset_sent" => "If an account exists for that address, we have sent a link. It works for one hour.",
        "invite_invalid" => "This invitation link is not valid or has expired. Ask your practice admin for a new one.",
        "reset_invalid" => "This reset link is not valid or has expired. Request a new one below.",
        _ => return None,
    })
}

/// A status line from the `m` query parameter.
#[component]
pub fn QueryNotice() -> impl IntoView {
    let q = use_query_map();
    let text = move || q.with(|q| q.get("m")).and_then(|m| notice_text(&m));
    view! {
        {move || text().map(|t| view! { <p class="notice" role="status">{t}</p> })}
    }
}

/// Feedback on a failed form post, from the server-signed `e` query parameter.
#[component]
pub fn QueryFeedback() -> impl IntoView {
    let q = use_query_map();
    let feedback = Resource::new(
        move || q.with(|q| q.get("e")),
        |token| async move {
            match token {
                Some(t) if !t.is_empty() => read_feedback(t).await.ok().flatten(),
                _ => None,
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || {
                feedback
                    .get()
                    .flatten()
                    .map(|f| view! { <p class="form-error" role="alert" data-field=f.field>{f.message}</p> })
            }}
        </Suspense>
    }
}

/// A labelled input with an optional hint. Labels are real `<label for>` elements.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = true)] required: bool,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] minlength: Option<u32>,
    #[prop(optional)] maxlength: Option<u32>,
) -> impl IntoView {
    let hint_id = format!("{name}-hint");
    let described = hint.map(|_| hint_id.clone());
    view! {
        <div class="field">
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                inputmode=inputmode
                minlength=minlength
                maxlength=maxlength
                aria-describedby=described
            />
        </div>
    }
}

/// The centred card used by the sign-in pages.
#[component]
pub fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <main class="auth-page" id="main">
            <div class="auth-card">
                <p class="brand">"Dossier"</p>
                <h1>{title}</h1>
                {children()}
            </div>
        </main>
    }
}
