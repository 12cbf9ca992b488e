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

/// Checks a field's value in the browser; `Some(message)` when it is not acceptable.
/// The same domain parsers run again on the server.
pub type Check = fn(&str) -> Option<String>;

pub fn check_email(v: &str) -> Option<String> {
    crate::domain::EmailAddress::parse("email", v).err().map(|e| e.to_string())
}

pub fn check_new_password(v: &str) -> Option<String> {
    crate::domain::NewPassword::parse("password", v).err().map(|e| e.to_string())
}

pub fn check_required_name(v: &str) -> Option<String> {
    crate::domain::DisplayName::parse("name", "a name", v).err().map(|e| e.to_string())
}

/// A labelled input with an optional hint and inline validation (after hydration: checked
/// when the field loses focus, re-checked as the person corrects it). Labels are real
/// `<label for>` elements; the error is tied to the field with `aria-describedby`.
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
    #[prop(optional)] check: Option<Check>,
) -> impl IntoView {
    let hint_id = format!("{name}-hint");
    let error_id = format!("{name}-error");
    let error = RwSignal::new(None::<String>);
    let described = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let run_check = move |value: String| {
        if let Some(f) = check {
            error.set(f(&value));
        }
    };
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
                aria-invalid=move || error.get().is_some().then_some("true")
                on:blur=move |ev| run_check(event_target_value(&ev))
                on:input=move |ev| {
                    if error.get_untracked().is_some() {
                        run_check(event_target_value(&ev));
                    }
                }
            />
            {move || error.get().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
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
