//! Sharing settings (admins): what the practice allows, how long shares last, the email
//! recipients get (with a preview and a test send), outgoing addresses, and a test of the
//! text-message provider. Every rule is checked again by the server, which audits changes.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::sharing::{PreviewShareEmail, SaveSharingSettings, SendTestEmail, SendTestSms, sharing_settings};
use crate::components::ActionError;
use crate::domain::sharing::{FromAddresses, MAX_EXPIRY_DAYS, SharingSettings, TEMPLATE_PLACEHOLDERS, VerifyMethod};
use crate::error::AppError;

/// `/app/settings/sharing`.
#[component]
pub fn SharingSettingsPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| sharing_settings());
    view! {
        <p class="crumbs"><a href="/app/settings">"Settings"</a></p>
        <Title text="Sharing settings"/><h1>"Sharing"</h1>
        <p class="lead">"How your practice shares documents: who may receive them, how recipients prove who they are, how long links last, and the email they receive."</p>
        <LogoNotice/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || settings.get().map(|r| match r {
                Ok(s) => view! { <SharingEditor s/> }.into_any(),
                Err(e) => view! { <ActionError error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

/// The outcome of a logo upload (a plain form post that comes back with `?m=<code>`).
#[component]
fn LogoNotice() -> impl IntoView {
    let q = leptos_router::hooks::use_query_map();
    move || {
        let (ok, text) = match q.with(|q| q.get("m")).as_deref() {
            Some("logo_saved") => (true, "Logo saved. Recipients see it on the portal."),
            Some("logo_removed") => (true, "Logo removed."),
            Some("logo_missing") => (false, "Choose an image to upload first."),
            Some("logo_too_big") => {
                (false, "The logo is too large: keep it under 24 KB (for example 320 × 96 pixels, PNG).")
            }
            Some("logo_type") => (false, "Use a PNG or JPEG image for the logo."),
            _ => return None,
        };
        Some(if ok {
            view! { <p class="notice" role="status">{text}</p> }.into_any()
        } else {
            view! { <p class="form-error" role="alert">{text}</p> }.into_any()
        })
    }
}

/// Upload or remove the logo: an ordinary multipart form, so it works before hydration.
#[component]
fn LogoForm(logo: Option<String>) -> impl IntoView {
    view! {
        <section class="panel stack" aria-labelledby="s-logo">
            <h2 id="s-logo">"Logo"</h2>
            <p class="hint">"Shown to recipients on the portal beside your practice's name. PNG or JPEG, at most 24 KB."</p>
            {logo.clone().map(|src| view! { <img class="logo-preview" src=src alt="Your current logo" height="48"/> })}
            <form method="post" action="/app/settings/logo" enctype="multipart/form-data" class="inline-form logo-form">
                <div class="field">
                    <label for="logo-file">"Image file"</label>
                    <input id="logo-file" name="file" type="file" accept="image/png,image/jpeg"/>
                </div>
                <button type="submit" class="button">"Upload logo"</button>
                {logo.is_some().then(|| view! { <button type="submit" class="button subtle" name="remove" value="1">"Remove logo"</button> })}
            </form>
        </section>
    }
}

/// The server's message for `field`, shown beside that field.
fn error_for(
    result: impl Fn() -> Option<Result<(), AppError>> + Send + Sync + 'static,
    field: &'static str,
) -> impl Fn() -> Option<AnyView> + Send + Sync + 'static {
    move || {
        result().and_then(Result::err).filter(|e| e.field() == Some(field)).map(|e| {
            view! { <p class="field-error" role="alert" id=format!("{field}-error")>{e.to_string()}</p> }.into_any()
        })
    }
}

/// The settings form. Each section is its own component whose view is erased
/// (`into_any`): one statically typed view of the whole form made the server render of a
/// direct load recurse through frames large enough, in a debug build, to overflow a
/// worker thread's 2 MiB stack and abort the process.
#[component]
fn SharingEditor(s: SharingSettings) -> impl IntoView {
    let logo = s.logo_url.clone();
    let form = RwSignal::new(s);
    let save = ServerAction::<SaveSharingSettings>::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveSharingSettings { settings: form.get_untracked() });
    };
    view! {
        <form class="settings-form" on:submit=submit aria-label="Sharing settings" novalidate>
            <PracticeSection form save/>
            <VerifySection form save/>
            <ExpirySection form save/>
            <FromSection form save/>
            <TemplateSection form save/>
            {move || save.value().get().map(|r| match r {
                Ok(()) => view! { <p class="notice" role="status">"Sharing settings saved."</p> }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{format!("Not saved: {e}")}</p> }.into_any(),
            })}
            <div class="form-actions sticky-actions">
                <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save sharing settings"</button>
            </div>
        </form>
        <LogoForm logo/>
        <SmsTest/>
    }
    .into_any()
}

type Form = RwSignal<SharingSettings>;
type Save = ServerAction<SaveSharingSettings>;

/// The outcome of the last save, for inline errors.
fn saved_of(save: Save) -> impl Fn() -> Option<Result<(), AppError>> + Copy + Send + Sync + 'static {
    move || save.value().get().map(|r| r.map(|_| ()))
}

/// A labelled text input bound to one setting, with the server's error beside it.
fn text_field(
    form: Form,
    save: Save,
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    get: fn(&SharingSettings) -> String,
    set: fn(&mut SharingSettings, String),
) -> AnyView {
    let saved = saved_of(save);
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id type=kind prop:value=move || form.with(get)
                aria-invalid=move || saved().and_then(Result::err).is_some_and(|e| e.field() == Some(id)).then_some("true")
                on:input=move |ev| { let v = event_target_value(&ev); form.update(|s| set(s, v)) }/>
            {error_for(saved, id)}
        </div>
    }
    .into_any()
}

#[component]
fn PracticeSection(form: Form, save: Save) -> impl IntoView {
    view! {
        <section class="panel stack" aria-labelledby="s-general">
            <h2 id="s-general">"Practice"</h2>
            {text_field(form, save, "practice_name", "Practice name (recipients see it)", "text", |s| s.practice_name.clone(), |s, v| s.practice_name = v)}
            {zone_field(form, save)}
            <label class="check" for="s-enabled">
                <input type="checkbox" id="s-enabled" prop:checked=move || form.with(|s| s.enabled)
                    on:change=move |ev| { let v = event_target_checked(&ev); form.update(|s| s.enabled = v) }/>
                "Staff may share documents"
            </label>
            <div class="grid-form">
                {text_field(form, save, "contact_phone", "Phone recipients can call", "tel", |s| s.contact_phone.clone(), |s, v| s.contact_phone = v)}
                {text_field(form, save, "contact_email", "Email recipients can write to", "email", |s| s.contact_email.clone(), |s, v| s.contact_email = v)}
                {text_field(form, save, "contact_address", "Address", "text", |s| s.contact_address.clone(), |s, v| s.contact_address = v)}
            </div>
            <p class="hint">"Expired or locked links show these details so recipients know whom to contact."</p>
        </section>
    }
    .into_any()
}

/// The practice's time zone: typed, with the browser's zones as suggestions; the server
/// checks it against the IANA database.
fn zone_field(form: Form, save: Save) -> AnyView {
    let saved = saved_of(save);
    let zones = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        zones.set(crate::components::browser_time_zones());
    });
    view! {
        <div class="field">
            <label for="time_zone">"Time zone"</label>
            <input id="time_zone" list="time-zones" autocomplete="off" spellcheck="false" aria-describedby="time_zone-hint"
                prop:value=move || form.with(|s| s.time_zone.clone())
                aria-invalid=move || saved().and_then(Result::err).is_some_and(|e| e.field() == Some("time_zone")).then_some("true")
                on:input=move |ev| { let v = event_target_value(&ev); form.update(|s| s.time_zone = v) }/>
            <datalist id="time-zones">{move || zones.get().into_iter().map(|z| view! { <option value=z></option> }).collect_view()}</datalist>
            <p class="hint" id="time_zone-hint">"Staff see every time in this zone, and recipients are told it. For example Europe/London. The audit export stays in UTC."</p>
            {error_for(saved, "time_zone")}
        </div>
    }
    .into_any()
}

/// The checkboxes of the verification methods clients (or third parties) may use.
fn method_boxes(form: Form, third_party: bool) -> AnyView {
    VerifyMethod::ALL
        .into_iter()
        .filter(move |m| !(third_party && *m == VerifyMethod::DateOfBirth))
        .map(move |m| {
            let id = format!("m-{}-{}", if third_party { "tp" } else { "cl" }, m.key());
            let has = move || {
                form.with(
                    |s| if third_party { s.third_party_methods.contains(&m) } else { s.client_methods.contains(&m) },
                )
            };
            view! {
                <label class="check" for=id.clone()>
                    <input type="checkbox" id=id.clone() prop:checked=has on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        form.update(|s| {
                            let list = if third_party { &mut s.third_party_methods } else { &mut s.client_methods };
                            list.retain(|x| *x != m);
                            if on { list.push(m); list.sort(); }
                        })
                    }/>
                    {m.label()}
                </label>
            }
        })
        .collect_view()
        .into_any()
}

#[component]
fn VerifySection(form: Form, save: Save) -> impl IntoView {
    let saved = saved_of(save);
    view! {
        <section class="panel stack" aria-labelledby="s-verify">
            <h2 id="s-verify">"Recipients and verification"</h2>
            <fieldset class="checks" aria-describedby="client_methods-error">
                <legend>"Clients may verify with"</legend>
                {method_boxes(form, false)}
            </fieldset>
            {error_for(saved, "client_methods")}
            <fieldset class="checks" aria-describedby="third_party_methods-error">
                <legend>"Third parties may verify with"</legend>
                {method_boxes(form, true)}
            </fieldset>
            {error_for(saved, "third_party_methods")}
            <p class="hint">"\"Link only\" lets anyone holding the email read the documents: allow it only if your practice accepts that risk."</p>
            <label class="check" for="s-free">
                <input type="checkbox" id="s-free" prop:checked=move || form.with(|s| s.free_typed_recipients)
                    on:change=move |ev| { let v = event_target_checked(&ev); form.update(|s| s.free_typed_recipients = v) }/>
                "Staff may type in new recipients (otherwise only the client, their contacts, the contact book and previous recipients)"
            </label>
            <label class="check" for="s-attach">
                <input type="checkbox" id="s-attach" prop:checked=move || form.with(|s| s.attachments_allowed)
                    on:change=move |ev| { let v = event_target_checked(&ev); form.update(|s| s.attachments_allowed = v) }/>
                "Allow sending documents as email attachments"
            </label>
            {move || form.with(|s| s.attachments_allowed).then(|| view! {
                <p class="warning" role="note">"Attachments leave your control: they cannot be revoked, expire or be audited once sent, and they travel without a second factor. Prefer secure links."</p>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn ExpirySection(form: Form, save: Save) -> impl IntoView {
    let saved = saved_of(save);
    view! {
        <section class="panel stack" aria-labelledby="s-expiry">
            <h2 id="s-expiry">"Expiry"</h2>
            <div class="grid-form">
                <div class="field">
                    <label for="max_expiry_days">{format!("Longest a share may last, in days (1–{MAX_EXPIRY_DAYS})")}</label>
                    <input id="max_expiry_days" type="number" min="1" max=MAX_EXPIRY_DAYS inputmode="numeric"
                        prop:value=move || form.with(|s| s.max_expiry_days.to_string())
                        on:input=move |ev| { let v = event_target_value(&ev).trim().parse().unwrap_or(0); form.update(|s| s.max_expiry_days = v) }/>
                    {error_for(saved, "max_expiry_days")}
                </div>
                <div class="field">
                    <label for="link_ageing_hours">"Send a fresh link when one older than this many hours is opened"</label>
                    <input id="link_ageing_hours" type="number" min="1" max="336" inputmode="numeric"
                        prop:value=move || form.with(|s| s.link_ageing_hours.to_string())
                        on:input=move |ev| { let v = event_target_value(&ev).trim().parse().unwrap_or(0); form.update(|s| s.link_ageing_hours = v) }/>
                    {error_for(saved, "link_ageing_hours")}
                    <p class="hint">"Only links that were never used age: once a recipient has verified with a link, it stays valid until the share expires."</p>
                </div>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn FromSection(form: Form, save: Save) -> impl IntoView {
    let saved = saved_of(save);
    let from_fields: [(&'static str, &'static str, fn(&FromAddresses) -> String, fn(&mut FromAddresses, String)); 6] = [
        ("from_general", "General (and mixed kinds)", |f| f.general.clone(), |f, v| f.general = v),
        ("from_invoices", "Invoices", |f| f.invoices.clone(), |f, v| f.invoices = v),
        (
            "from_consultation_notes",
            "Consultation and treatment notes",
            |f| f.consultation_notes.clone(),
            |f, v| f.consultation_notes = v,
        ),
        ("from_prescriptions", "Prescriptions", |f| f.prescriptions.clone(), |f, v| f.prescriptions = v),
        ("from_letters", "Letters", |f| f.letters.clone(), |f, v| f.letters = v),
        ("from_labs", "Lab results", |f| f.labs.clone(), |f, v| f.labs = v),
    ];
    view! {
        <section class="panel stack" aria-labelledby="s-from">
            <h2 id="s-from">"Outgoing addresses"</h2>
            <p class="hint">"The email comes from the address for the kind of document shared; documents of several kinds use the general address. Empty fields use the server's address."</p>
            <div class="grid-form">
                {from_fields.into_iter().map(|(id, label, get, set)| view! {
                    <div class="field">
                        <label for=id>{label}</label>
                        <input id=id type="email" prop:value=move || form.with(|s| get(&s.from))
                            on:input=move |ev| { let v = event_target_value(&ev); form.update(|s| set(&mut s.from, v)) }/>
                        {error_for(saved, id)}
                    </div>
                }).collect_view()}
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn TemplateSection(form: Form, save: Save) -> impl IntoView {
    let saved = saved_of(save);
    let preview = ServerAction::<PreviewShareEmail>::new();
    let test_mail = ServerAction::<SendTestEmail>::new();
    let template = move || form.with_untracked(|s| s.template.clone());
    view! {
        <section class="panel stack" aria-labelledby="s-template">
            <h2 id="s-template">"The email recipients receive"</h2>
            <p class="hint">"It never contains clinical information: only who shared, until when, and the secure link. A personal message is shown as written and is not protected."</p>
            <div class="field">
                <label for="subject">"Subject"</label>
                <input id="subject" prop:value=move || form.with(|s| s.template.subject.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); form.update(|s| s.template.subject = v) }/>
                {error_for(saved, "subject")}
            </div>
            <div class="field">
                <label for="body">"Message"</label>
                <textarea id="body" rows="9" aria-describedby="placeholders" prop:value=move || form.with(|s| s.template.body.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); form.update(|s| s.template.body = v) }></textarea>
                {error_for(saved, "body")}
            </div>
            <div id="placeholders" class="hint">
                "Placeholders: "
                {TEMPLATE_PLACEHOLDERS.iter().map(|(k, what)| view! { <code>{format!("{{{{ {k} }}}}")}</code>" "{*what}"; " }).collect_view()}
                "A part can be kept for when a placeholder has a value: "<code>"{% if message %}"</code>" … "<code>"{% endif %}"</code>"."
            </div>
            <div class="actions-row">
                <button type="button" class="button" on:click=move |_| { preview.dispatch(PreviewShareEmail { template: template() }); }>"Preview"</button>
                <button type="button" class="button" disabled=move || test_mail.pending().get()
                    on:click=move |_| { test_mail.dispatch(SendTestEmail { template: template() }); }>"Send a test to me"</button>
            </div>
            {move || test_mail.value().get().map(|r| match r {
                Ok(to) => view! { <p class="notice" role="status">{format!("A test email is on its way to {to}.")}</p> }.into_any(),
                Err(e) => view! { <ActionError error=e/> }.into_any(),
            })}
            {move || preview.value().get().map(|r| match r {
                Ok(p) => view! {
                    <figure class="email-preview" aria-label="Email preview">
                        <dl>
                            <dt>"From"</dt><dd>{p.from}</dd>
                            <dt>"Subject"</dt><dd class="email-subject">{p.subject}</dd>
                        </dl>
                        <pre class="email-body">{p.text}</pre>
                    </figure>
                }.into_any(),
                Err(e) => view! { <ActionError error=e/> }.into_any(),
            })}
        </section>
    }
    .into_any()
}

/// Sends a test text or call through the configured provider.
#[component]
fn SmsTest() -> impl IntoView {
    let phone = RwSignal::new(String::new());
    let send = ServerAction::<SendTestSms>::new();
    let go = move |voice: bool| send.dispatch(SendTestSms { phone: phone.get_untracked(), voice });
    view! {
        <section class="panel stack" aria-labelledby="s-sms">
            <h2 id="s-sms">"Text messages and calls"</h2>
            <p class="hint">"Verification codes go out by text message or phone call through your provider. Check it works with your own phone."</p>
            <div class="inline-form">
                <div class="field">
                    <label for="test_phone">"Your mobile number"</label>
                    <input id="test_phone" type="tel" autocomplete="tel" prop:value=phone
                        aria-invalid=move || send.value().get().is_some_and(|r| r.is_err()).then_some("true")
                        on:input=move |ev| phone.set(event_target_value(&ev))/>
                </div>
                <button type="button" class="button" disabled=move || send.pending().get() on:click=move |_| { go(false); }>"Send a test text"</button>
                <button type="button" class="button" disabled=move || send.pending().get() on:click=move |_| { go(true); }>"Call me"</button>
            </div>
            {move || send.value().get().map(|r| match r {
                Ok(hint) => view! { <p class="notice" role="status">{format!("Sent to the number ending {hint}.")}</p> }.into_any(),
                Err(e) => view! { <p class="field-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}
