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

/// The checks of the fields inside a [`CheckedForm`].
#[derive(Clone, Copy, Default)]
pub struct FormChecks(StoredValue<Vec<(ArcFn<bool>, ArcFn<()>)>>);

type ArcFn<T> = std::sync::Arc<dyn Fn() -> T + Send + Sync>;

impl FormChecks {
    fn register(&self, check: impl Fn() -> bool + Send + Sync + 'static, focus: impl Fn() + Send + Sync + 'static) {
        self.0.update_value(|v| v.push((std::sync::Arc::new(check), std::sync::Arc::new(focus))));
    }

    /// Runs every check (each shows its own message) and focuses the first field that
    /// failed; true when all pass.
    fn run_all(&self) -> bool {
        let checks = self.0.get_value();
        let mut first_failure: Option<ArcFn<()>> = None;
        for (check, focus) in &checks {
            if !check() && first_failure.is_none() {
                first_failure = Some(focus.clone());
            }
        }
        match first_failure {
            Some(focus) => {
                focus();
                false
            }
            None => true,
        }
    }
}

/// A form that posts normally, but once hydrated first checks its fields in the browser:
/// if any is wrong it stays put, shows each message beside its field and focuses the first.
#[component]
pub fn CheckedForm(action: &'static str, children: Children) -> impl IntoView {
    let checks = FormChecks(StoredValue::new(Vec::new()));
    provide_context(checks);
    view! {
        <form
            method="post"
            action=action
            class="stack"
            novalidate
            on:submit=move |ev| {
                if !checks.run_all() {
                    ev.prevent_default();
                }
            }
        >
            {children()}
        </form>
    }
}

/// A hidden `time_zone` field that the browser fills with its own zone once the page is
/// hydrated (`Intl.DateTimeFormat().resolvedOptions().timeZone`, e.g. `Europe/London`), so
/// a practice set up from a browser starts in that browser's zone. Without JavaScript it
/// stays empty and the server uses UTC until an administrator chooses a zone.
#[component]
pub fn BrowserTimeZone() -> impl IntoView {
    let zone = RwSignal::new(String::new());
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let options =
                js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
            if let Some(z) = js_sys::Reflect::get(&options, &wasm_bindgen::JsValue::from_str("timeZone"))
                .ok()
                .and_then(|v| v.as_string())
            {
                zone.set(z);
            }
        }
    });
    view! { <input type="hidden" name="time_zone" prop:value=move || zone.get()/> }
}

/// The time zones the browser knows (`Intl.supportedValuesOf("timeZone")`), for a
/// field's suggestions; empty where the browser cannot list them.
#[cfg(feature = "hydrate")]
pub fn browser_time_zones() -> Vec<String> {
    use wasm_bindgen::{JsCast, JsValue};
    let zones = (|| {
        let intl = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
        let f = js_sys::Reflect::get(&intl, &JsValue::from_str("supportedValuesOf"))
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        let list = f.call1(&intl, &JsValue::from_str("timeZone")).ok()?.dyn_into::<js_sys::Array>().ok()?;
        Some(list.iter().filter_map(|v| v.as_string()).collect::<Vec<_>>())
    })();
    zones.unwrap_or_default()
}

/// A labelled input with an optional hint and inline validation: inside a
/// [`CheckedForm`] it is checked on submit, then re-checked as the person corrects it.
/// Labels are real `<label for>` elements; the message is tied to the field with
/// `aria-describedby`.
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
    let input = NodeRef::<leptos::html::Input>::new();
    if let (Some(f), Some(form)) = (check, use_context::<FormChecks>()) {
        form.register(
            move || {
                let value = input.get_untracked().map(|i| i.value()).unwrap_or_default();
                let e = f(&value);
                let ok = e.is_none();
                error.set(e);
                ok
            },
            move || {
                if let Some(i) = input.get_untracked() {
                    let _ = i.focus();
                }
            },
        );
    }
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
    view! {
        <div class="field">
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input
                node_ref=input
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
                on:input=move |ev| {
                    if let (Some(f), true) = (check, error.get_untracked().is_some()) {
                        error.set(f(&event_target_value(&ev)));
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
                <leptos_meta::Title text=title/>
                <h1>{title}</h1>
                {children()}
            </div>
        </main>
    }
}

/// The message of a failed server-function call, shown as an alert.
#[component]
pub fn ActionError(error: crate::error::AppError) -> impl IntoView {
    view! { <p class="form-error" role="alert" data-field=error.field().map(str::to_owned)>{error.to_string()}</p> }
}

/// Previous / next for a paged list (`page` counts from 0).
#[component]
pub fn Pager(page: RwSignal<u32>, has_more: bool) -> impl IntoView {
    view! {
        <div class="pager">
            <button class="button" disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"Previous"</button>
            <span>"Page " {move || page.get() + 1}</span>
            <button class="button" disabled=!has_more on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
        </div>
    }
}

/// One page of a list in its panel (named `label` for assistive technology): "Loading…"
/// until the page arrives, then its rows as a table with the classes `class`, the header
/// cells `head` and a [`Pager`] below; `empty` when the page has no rows, or the error that
/// kept it from loading.
pub fn paged_table<T, H, R, E>(
    label: &'static str,
    class: &'static str,
    rows: Resource<Result<crate::dto::Page<T>, crate::error::AppError>>,
    page: RwSignal<u32>,
    head: impl Fn() -> H + Send + 'static,
    row: impl Fn(T) -> R + Send + 'static,
    empty: impl Fn() -> E + Send + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    H: IntoView + 'static,
    R: IntoView + 'static,
    E: IntoView + 'static,
{
    view! {
        <section class="panel" aria-label=label>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || rows.get().map(|r| match r {
                    Ok(p) if p.items.is_empty() => empty().into_any(),
                    Ok(p) => {
                        let has_more = p.has_more;
                        view! {
                            <table class=class>
                                <thead><tr>{head()}</tr></thead>
                                <tbody>{p.items.into_iter().map(&row).collect_view()}</tbody>
                            </table>
                            <Pager page has_more/>
                        }.into_any()
                    }
                    Err(e) => view! { <ActionError error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// What a list shows when it has no rows: a heading, and a line on what would appear there.
/// One component for every list (not generic over the heading, so it is built once in the
/// bundle).
#[component]
pub fn EmptyState(
    /// The heading: fixed text, or `Signal::derive(…)` when it depends on a search or filter.
    #[prop(into)]
    title: Signal<&'static str>,
    /// What the list shows once there is something to show.
    text: &'static str,
) -> impl IntoView {
    view! {
        <div class="empty-state">
            <h2>{move || title.get()}</h2>
            <p>{text}</p>
        </div>
    }
}

/// Renders `children` only in the browser, once the page has hydrated: for interactive
/// parts whose data loads in the browser (lists on a profile, the share wizard). They are
/// never part of the server's HTML, so they cannot disturb hydration (a resource that
/// resolved differently on the server and in the browser made tachys panic mid-page).
#[component]
pub fn AfterHydration(children: ChildrenFn) -> impl IntoView {
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    move || mounted.get().then(|| children())
}

/// The form behind a server action: on submit it reads the form's fields and dispatches
/// `action` with them as the function's arguments, which travel as JSON like every other
/// call the app makes. It replaces leptos' `ActionForm`, whose URL encoding (serde_qs)
/// would link a second set of serde code into the bundle (issue 14). The arguments of
/// such functions are all text, so each field becomes a string.
#[component]
pub fn JsonForm<F>(
    action: ServerAction<F>,
    /// Where the `<form>` element is stored (to reset it after a save).
    #[prop(optional)]
    node_ref: Option<NodeRef<leptos::html::Form>>,
    #[prop(into)] class: String,
    children: Children,
) -> impl IntoView
where
    F: serde::de::DeserializeOwned + leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    F::Output: Send + Sync + 'static,
    F::Error: Send + Sync + 'static,
{
    let node_ref = node_ref.unwrap_or_default();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(args) = form_arguments::<F>(&ev) {
            action.dispatch(args);
        }
    };
    view! { <form node_ref=node_ref class=class method="post" on:submit=on_submit>{children()}</form> }
}

/// The fields of the submitted form as the arguments `F` (each field a string).
#[cfg(feature = "hydrate")]
fn form_arguments<F: serde::de::DeserializeOwned>(ev: &leptos::ev::SubmitEvent) -> Option<F> {
    use wasm_bindgen::JsCast;
    let form: web_sys::HtmlFormElement = ev.target()?.dyn_into().ok()?;
    let data = web_sys::FormData::new_with_form(&form).ok()?;
    let mut fields = serde_json::Map::new();
    for entry in js_sys::try_iter(&data).ok()??.flatten() {
        let pair: js_sys::Array = entry.unchecked_into();
        if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            fields.insert(name, serde_json::Value::String(value));
        }
    }
    match serde_json::from_value(serde_json::Value::Object(fields)) {
        Ok(args) => Some(args),
        Err(e) => {
            leptos::logging::error!("form fields do not fit the server function: {e}");
            None
        }
    }
}

/// On the server a form is never submitted.
#[cfg(not(feature = "hydrate"))]
fn form_arguments<F>(_: &leptos::ev::SubmitEvent) -> Option<F> {
    None
}
