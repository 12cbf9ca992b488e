//! The share wizard: documents, recipients, how each recipient verifies, expiry, sections,
//! purpose and message, a preview of exactly what each recipient will see, review, send.
//! Every rule is checked here for quick feedback and again by the server.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::collections::BTreeMap;

use crate::api::documents::{get_document, list_documents};
use crate::api::sharing::{CheckRecipients, CreateShares, search_recipients, share_context};
use crate::components::{ActionError, AfterHydration};
use crate::domain::documents::{DocumentBody, DocumentKind};
use crate::domain::sharing::{
    Delivery, Purpose, RecipientDraft, RecipientKind, RecipientOption, ShareContext, ShareRequest, VerifyMethod,
    check_expiry,
};
use crate::dto::DocumentRow;
use crate::pages::staff::documents::DocumentContent;

/// `/app/clients/:id/share` (`?doc=<id>[,<id>…]` preselects documents). The wizard is an
/// interactive page through and through: it is built in the browser after hydration, with
/// its data loaded there, so nothing the server rendered can disagree with it.
#[component]
pub fn SharePage() -> impl IntoView {
    let params = use_params_map();
    let client_id = move || params.with(|p| p.get("id").unwrap_or_default());
    view! {
        <p class="crumbs"><a href=move || format!("/app/clients/{}", client_id())>"Back to the client"</a></p>
        <AfterHydration><ShareLoader/></AfterHydration>
    }
}

#[component]
fn ShareLoader() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let ctx = LocalResource::new(move || share_context(params.with(|p| p.get("id").unwrap_or_default())));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || ctx.get().map(|r| match r {
                Ok(c) if !c.enabled => view! {
                    <Title text="Sharing is switched off"/><h1>"Sharing is switched off"</h1>
                    <p class="lead">"An admin can switch sharing on under Settings."</p>
                }.into_any(),
                Ok(c) => {
                    let pre = query.with_untracked(|q| q.get("doc"));
                    view! { <ShareWizard ctx=c preselect=pre/> }.into_any()
                }
                Err(e) => view! { <Title text="Share documents"/><h1>"Share documents"</h1><ActionError error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

/// A recipient in the wizard: what will be sent, and how to show it.
#[derive(Clone, Debug, PartialEq)]
struct Rcpt {
    draft: RecipientDraft,
    detail: String,
}

const STEPS: [&str; 4] = ["Documents", "Recipients", "Details", "Review and send"];

#[component]
fn ShareWizard(ctx: ShareContext, preselect: Option<String>) -> impl IntoView {
    let preselect: Vec<String> = preselect
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .take(50)
        .map(str::to_owned)
        .collect();
    let ctx = StoredValue::new(ctx);
    let client_id = ctx.with_value(|c| c.client_id.clone());
    let step = RwSignal::new(0usize);
    let step_error = RwSignal::new(None::<String>);
    // Documents.
    let selected = RwSignal::new(Vec::<DocumentRow>::new());
    let kind = RwSignal::new(None::<DocumentKind>);
    let doc_query = RwSignal::new(String::new());
    let doc_page = RwSignal::new(0u32);
    let doc_dates = RwSignal::new((String::new(), String::new()));
    let docs = Resource::new(
        {
            let client_id = client_id.clone();
            move || (client_id.clone(), kind.get(), doc_query.get(), doc_dates.get(), doc_page.get())
        },
        |(c, k, q, (from, to), p)| list_documents(c, k, q, from, to, p),
    );
    if !preselect.is_empty() {
        let client = client_id.clone();
        leptos::task::spawn_local(async move {
            for id in preselect {
                // Only this client's documents (a document of another client is skipped).
                if let Ok(v) = get_document(id).await
                    && v.row.client_id == client
                {
                    selected.update(|s| {
                        if !s.iter().any(|d| d.id == v.row.id) {
                            s.push(v.row)
                        }
                    });
                }
            }
        });
    }
    // Bodies of the chosen documents, for sections and the preview.
    let bodies = Resource::new(
        move || selected.with(|s| s.iter().map(|d| d.id.clone()).collect::<Vec<_>>()),
        |ids| async move {
            let mut out = Vec::new();
            for id in ids {
                if let Ok(v) = get_document(id).await {
                    out.push((v.row, v.body));
                }
            }
            out
        },
    );
    // Recipients.
    let recipients = RwSignal::new(Vec::<Rcpt>::new());
    // Details.
    let today = ctx.with_value(|c| chrono::NaiveDate::parse_from_str(&c.today, "%Y-%m-%d").unwrap_or_default());
    let max_days = ctx.with_value(|c| c.max_expiry_days);
    let default_days = max_days.min(crate::domain::sharing::DEFAULT_EXPIRY_DAYS);
    let expires =
        RwSignal::new((today + chrono::Duration::days(i64::from(default_days))).format("%Y-%m-%d").to_string());
    let delivery = RwSignal::new(Delivery::Link);
    let purpose = RwSignal::new(Purpose::Treatment);
    let purpose_text = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let authorisation = RwSignal::new(String::new());
    let confirmed = RwSignal::new(false);
    let notify = RwSignal::new(false);
    let check = ServerAction::<CheckRecipients>::new();
    // Leaving the recipients step asks the server to check each recipient with its own
    // rules (address, phone number, method), so a wrong number is named there, not at Send.
    let vet = ServerAction::<CheckRecipients>::new();
    let vetting_for = RwSignal::new(None::<usize>);
    let send = ServerAction::<CreateShares>::new();
    let popped = RwSignal::new(false);

    let build = move || ShareRequest {
        client_id: ctx.with_value(|c| c.client_id.clone()),
        document_ids: selected.with_untracked(|s| s.iter().map(|d| d.id.clone()).collect()),
        recipients: recipients.with_untracked(|r| r.iter().map(|r| r.draft.clone()).collect()),
        delivery: delivery.get_untracked(),
        expires_on: expires.get_untracked(),
        purpose: purpose.get_untracked(),
        purpose_text: purpose_text.get_untracked(),
        message: message.get_untracked(),
        psychotherapy_authorisation: authorisation.get_untracked(),
        confirmed_warnings: confirmed.get_untracked(),
        notify_on_open: notify.get_untracked(),
    };
    let validate = move |s: usize| -> Result<(), String> {
        match s {
            0 => build().check_documents().map(|_| ()).map_err(|e| e.to_string()),
            1 => {
                let rs = recipients.get_untracked();
                if rs.is_empty() {
                    return Err("Add at least one recipient.".into());
                }
                for r in &rs {
                    let d = &r.draft;
                    if crate::components::check_email(&d.email).is_some() {
                        return Err(format!("{}: enter an email address like name@example.com.", d.name));
                    }
                    if delivery.get_untracked() == Delivery::Attachment {
                        continue;
                    }
                    if d.method.needs_phone() && d.phone.trim().is_empty() {
                        return Err(format!("{}: add a mobile number for the code, or choose another method.", d.name));
                    }
                    if d.method == VerifyMethod::Passcode && d.passcode.chars().count() < 10 {
                        return Err(format!("{}: the passcode needs at least 10 characters.", d.name));
                    }
                }
                Ok(())
            }
            2 => {
                let psychotherapy = selected.with_untracked(|s| s.iter().any(|d| d.is_psychotherapy));
                build().check_details(today, max_days, psychotherapy).map(|_| ()).map_err(|e| e.to_string())
            }
            _ => Ok(()),
        }
    };
    let arrive = move |to: usize| {
        step_error.set(None);
        if to == 3 {
            confirmed.set(false);
            check.dispatch(CheckRecipients { request: build() });
        }
        step.set(to);
    };
    let go = move |to: usize| {
        let from = step.get_untracked();
        if to > from {
            for s in from..to {
                if let Err(e) = validate(s) {
                    step_error.set(Some(e));
                    return;
                }
            }
            if from <= 1 && to > 1 {
                step_error.set(None);
                vetting_for.set(Some(to));
                vet.dispatch(CheckRecipients { request: build() });
                return;
            }
        }
        arrive(to);
    };
    Effect::new(move |_| {
        let Some(answer) = vet.value().get() else { return };
        let Some(to) = vetting_for.get_untracked() else { return };
        vetting_for.set(None);
        match answer {
            Ok(_) => arrive(to),
            Err(e) => step_error.set(Some(e.to_string())),
        }
    });

    view! {
        <Title text=format!("Share documents of {}", ctx.with_value(|c| c.client_name.clone()))/>
        <h1>"Share documents of " {ctx.with_value(|c| c.client_name.clone())}</h1>
        <Show when=move || send.value().with(|v| matches!(v, Some(Ok(_)))) fallback=move || view! {
            <ol class="stepper" aria-label="Steps">
                {STEPS.iter().enumerate().map(|(i, label)| view! {
                    <li class:current={move || step.get() == i} class:done={move || step.get() > i}>
                        <button type="button" class="link" aria-current=move || (step.get() == i).then_some("step") on:click=move |_| go(i)>
                            {format!("{}. {label}", i + 1)}
                        </button>
                    </li>
                }).collect_view()}
            </ol>
            <div class="wizard">
                <div class="wizard-main panel">
                    {move || match step.get() {
                        0 => view! { <DocumentsStep docs selected kind doc_query doc_dates doc_page/> }.into_any(),
                        1 => view! { <RecipientsStep ctx recipients delivery/> }.into_any(),
                        2 => view! { <DetailsStep recipients selected bodies expires purpose purpose_text message authorisation today max_days/> }.into_any(),
                        _ => view! { <ReviewStep recipients selected expires purpose delivery check confirmed notify/> }.into_any(),
                    }}
                    {move || step_error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                    {move || send.value().get().and_then(Result::err).map(|e| view! { <ActionError error=e/> })}
                    <div class="form-actions">
                        {move || (step.get() > 0).then(|| view! { <button type="button" class="button" on:click=move |_| go(step.get_untracked() - 1)>"Back"</button> })}
                        {move || if step.get() < 3 {
                            view! {
                                <button type="button" class="button primary" disabled=move || vet.pending().get()
                                    on:click=move |_| go(step.get_untracked() + 1)>
                                    {move || if vet.pending().get() { "Checking…" } else { "Next" }}
                                </button>
                            }.into_any()
                        } else {
                            view! {
                                <button type="button" class="button primary" disabled=move || send.pending().get()
                                    on:click=move |_| { send.dispatch(CreateShares { request: build() }); }>
                                    {move || if send.pending().get() { "Sending…" } else { "Send" }}
                                </button>
                            }.into_any()
                        }}
                    </div>
                </div>
                <aside class="wizard-preview panel" class:popped=popped aria-label="Preview" role=move || popped.get().then_some("dialog")
                    aria-modal=move || popped.get().then_some("true")
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { popped.set(false) }>
                    <button type="button" class="button subtle popout" aria-pressed=move || popped.get().to_string()
                        on:click=move |_| popped.update(|p| *p = !*p)>
                        {move || if popped.get() { "Close the large preview" } else { "Pop out" }}
                    </button>
                    <Preview recipients bodies/>
                </aside>
            </div>
        }>
            {move || send.value().get().and_then(Result::ok).map(|o| {
                let back = format!("/app/clients/{}", ctx.with_value(|c| c.client_id.clone()));
                view! {
                    <section class="panel" role="status">
                        <h2>"Shared"</h2>
                        <p>"Each recipient gets their own secure link by email:"</p>
                        <ul>{o.shares.into_iter().map(|(_, name)| view! { <li>{name}</li> }).collect_view()}</ul>
                        <p><a class="button primary" href=back>"Back to the client"</a></p>
                    </section>
                }
            })}
        </Show>
    }
}

#[component]
fn DocumentsStep(
    docs: Resource<Result<crate::dto::Page<DocumentRow>, crate::error::AppError>>,
    selected: RwSignal<Vec<DocumentRow>>,
    kind: RwSignal<Option<DocumentKind>>,
    doc_query: RwSignal<String>,
    doc_dates: RwSignal<(String, String)>,
    doc_page: RwSignal<u32>,
) -> impl IntoView {
    view! {
        <h2>"Which documents?"</h2>
        <div class="toolbar filters" role="search">
            <div class="field">
                <label for="doc-kind">"Kind"</label>
                <select id="doc-kind" on:change=move |ev| { kind.set(DocumentKind::from_key(&event_target_value(&ev))); doc_page.set(0); }>
                    <option value="">"All kinds"</option>
                    {DocumentKind::ALL.into_iter().map(|k| view! { <option value=k.key() selected=move || kind.get() == Some(k)>{k.label()}</option> }).collect_view()}
                </select>
            </div>
            <div class="field grow">
                <label for="doc-search">"Search documents"</label>
                <input id="doc-search" type="search" placeholder="Title or date" prop:value=doc_query
                    on:input=move |ev| { doc_query.set(event_target_value(&ev)); doc_page.set(0); }/>
            </div>
            <div class="field">
                <label for="doc-from">"From"</label>
                <input id="doc-from" type="date" prop:value=move || doc_dates.with(|d| d.0.clone())
                    on:change=move |ev| { let v = event_target_value(&ev); doc_dates.update(|d| d.0 = v); doc_page.set(0); }/>
            </div>
            <div class="field">
                <label for="doc-to">"To"</label>
                <input id="doc-to" type="date" prop:value=move || doc_dates.with(|d| d.1.clone())
                    on:change=move |ev| { let v = event_target_value(&ev); doc_dates.update(|d| d.1 = v); doc_page.set(0); }/>
            </div>
        </div>
        <p class="hint">{move || match selected.with(Vec::len) { 0 => "Nothing chosen yet.".to_string(), 1 => "1 document chosen.".to_string(), n => format!("{n} documents chosen.") }}</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || docs.get().map(|r| match r {
                Ok(p) if p.items.is_empty() => view! { <p class="empty">"No documents match."</p> }.into_any(),
                Ok(p) => {
                    let more = p.has_more;
                    view! {
                        <ul class="checks doc-checks">
                            {p.items.into_iter().map(|d| {
                                let id = d.id.clone();
                                let id2 = d.id.clone();
                                let row = d.clone();
                                view! {
                                    <li>
                                        <label class="check">
                                            <input type="checkbox" prop:checked=move || selected.with(|s| s.iter().any(|x| x.id == id))
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    selected.update(|s| {
                                                        s.retain(|x| x.id != id2);
                                                        if on { s.push(row.clone()); }
                                                    });
                                                }/>
                                            <span class="doc-name" title=d.title.clone()>{d.title.clone()}</span>
                                            <span class="hint doc-meta">{format!("{} · {}", d.kind.label(), d.date)}</span>
                                            {d.is_psychotherapy.then(|| view! { <span class="badge">"Psychotherapy note"</span> })}
                                        </label>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {more.then(|| view! { <button type="button" class="button" on:click=move |_| doc_page.update(|p| *p += 1)>"More documents"</button> })}
                        {move || (doc_page.get() > 0).then(|| view! { <button type="button" class="button subtle" on:click=move |_| doc_page.set(0)>"Back to the most recent"</button> })}
                    }.into_any()
                }
                Err(e) => view! { <ActionError error=e/> }.into_any(),
            })}
        </Transition>
    }
}

fn draft_from(o: &RecipientOption, method: VerifyMethod) -> Rcpt {
    Rcpt {
        draft: RecipientDraft {
            kind: o.kind,
            ref_id: o.ref_id.clone(),
            name: o.name.clone(),
            email: o.email.clone().unwrap_or_default(),
            phone: o.phone.clone().unwrap_or_default(),
            method,
            passcode: String::new(),
            sections: BTreeMap::new(),
        },
        detail: o.detail.clone(),
    }
}

#[component]
fn RecipientsStep(
    ctx: StoredValue<ShareContext>,
    recipients: RwSignal<Vec<Rcpt>>,
    delivery: RwSignal<Delivery>,
) -> impl IntoView {
    let attachments = ctx.with_value(|c| c.attachments_allowed);
    let add = move |o: RecipientOption| {
        let methods = ctx.with_value(|c| c.client_methods.clone());
        let third = ctx.with_value(|c| c.third_party_methods.clone());
        let list = if o.kind == RecipientKind::Client { methods } else { third };
        // Default: a phone code when there is a phone, else the first allowed method.
        let m = list
            .iter()
            .copied()
            .find(|m| *m == VerifyMethod::Sms && o.phone.is_some())
            .or_else(|| list.iter().copied().find(|m| !m.needs_phone()))
            .unwrap_or(VerifyMethod::Passcode);
        recipients.update(|r| {
            if !r.iter().any(|x| x.draft.email == o.email.clone().unwrap_or_default() && !x.draft.email.is_empty()) {
                r.push(draft_from(&o, m));
            }
        });
    };
    let query = RwSignal::new(String::new());
    let suggestions = RwSignal::new(Vec::<RecipientOption>::new());
    let active = RwSignal::new(None::<usize>);
    let seq = StoredValue::new(0u64);
    let on_input = move |ev: leptos::ev::Event| {
        let q = event_target_value(&ev);
        query.set(q.clone());
        seq.update_value(|s| *s += 1);
        let mine = seq.get_value();
        if q.trim().len() < 2 {
            suggestions.set(Vec::new());
            return;
        }
        // Debounced; answers to older keystrokes are dropped.
        set_timeout(
            move || {
                if seq.get_value() != mine {
                    return;
                }
                leptos::task::spawn_local(async move {
                    if let Ok(found) = search_recipients(q).await
                        && seq.get_value() == mine
                    {
                        suggestions.set(found);
                        active.set(None);
                    }
                });
            },
            std::time::Duration::from_millis(200),
        );
    };
    let pick = move |o: RecipientOption| {
        add(o);
        query.set(String::new());
        suggestions.set(Vec::new());
        active.set(None);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = suggestions.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % n)));
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(n - 1, |i| (i + n - 1) % n)));
            }
            "Enter" => {
                if let Some(i) = active.get_untracked()
                    && let Some(o) = suggestions.with_untracked(|s| s.get(i).cloned())
                {
                    ev.prevent_default();
                    pick(o);
                }
            }
            "Escape" => suggestions.set(Vec::new()),
            _ => {}
        }
    };
    let new_name = RwSignal::new(String::new());
    let new_email = RwSignal::new(String::new());
    let new_phone = RwSignal::new(String::new());
    let new_error = RwSignal::new(None::<String>);
    let c = ctx.get_value();
    let client = c.client.clone();
    view! {
        <h2>"Who receives them?"</h2>
        {attachments.then(|| view! {
            <fieldset class="sections delivery">
                <legend>"Delivery"</legend>
                <label class="check"><input type="radio" name="delivery" checked=move || delivery.get() == Delivery::Link on:change=move |_| delivery.set(Delivery::Link)/>"Secure link (recommended: recipients verify who they are; can be revoked)"</label>
                <label class="check"><input type="radio" name="delivery" checked=move || delivery.get() == Delivery::Attachment on:change=move |_| delivery.set(Delivery::Attachment)/>"PDF attached to the email"</label>
                {move || (delivery.get() == Delivery::Attachment).then(|| view! {
                    <p class="warning" role="note">"Attachments cannot be revoked, do not expire and are not protected by a second factor: anyone who reads the email can open them."</p>
                })}
            </fieldset>
        })}
        <div class="quick-add">
            {client.email.is_some().then(|| {
                let o = client.clone();
                view! { <button type="button" class="button" on:click=move |_| add(o.clone())>{format!("Add {} (client)", client.name)}</button> }
            })}
            {c.relations.iter().filter(|r| r.email.is_some()).cloned().map(|r| {
                let label = format!("Add {} ({})", r.name, r.detail);
                view! { <button type="button" class="button" on:click=move |_| add(r.clone())>{label}</button> }
            }).collect_view()}
        </div>
        <div class="field combo">
            <label for="rcpt-search">"Find a contact or previous recipient"</label>
            <input id="rcpt-search" type="text" role="combobox" autocomplete="off" aria-autocomplete="list"
                aria-expanded=move || (!suggestions.with(Vec::is_empty)).to_string() aria-controls="rcpt-list"
                aria-activedescendant=move || active.get().map(|i| format!("rcpt-opt-{i}"))
                prop:value=query on:input=on_input on:keydown=on_key placeholder="Name, organisation or email"/>
            <ul id="rcpt-list" role="listbox" class="suggestions" aria-label="Suggestions" hidden=move || suggestions.with(Vec::is_empty)>
                {move || suggestions.get().into_iter().enumerate().map(|(i, o)| {
                    let o2 = o.clone();
                    view! {
                        <li id=format!("rcpt-opt-{i}") role="option" aria-selected=move || (active.get() == Some(i)).to_string()
                            class:active=move || active.get() == Some(i) on:mousedown=move |ev| { ev.prevent_default(); pick(o2.clone()); }>
                            <strong>{o.name.clone()}</strong>" "<span class="hint">{o.detail.clone()}" · "{o.email.clone().unwrap_or_default()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
        {c.free_typed_recipients.then(|| view! {
            <fieldset class="sections new-recipient">
                <legend>"Someone new"</legend>
                <div class="grid-form">
                    <div class="field"><label for="new-name">"Their name"</label><input id="new-name" prop:value=new_name on:input=move |ev| new_name.set(event_target_value(&ev))/></div>
                    <div class="field"><label for="new-email">"Their email"</label><input id="new-email" type="email" prop:value=new_email on:input=move |ev| new_email.set(event_target_value(&ev))/></div>
                    <div class="field"><label for="new-phone">"Their mobile (for codes)"</label><input id="new-phone" type="tel" prop:value=new_phone on:input=move |ev| new_phone.set(event_target_value(&ev))/></div>
                </div>
                {move || new_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <button type="button" class="button" on:click=move |_| {
                    let (n, e, p) = (new_name.get_untracked(), new_email.get_untracked(), new_phone.get_untracked());
                    if n.trim().is_empty() { new_error.set(Some("Enter the recipient's name.".into())); return; }
                    if let Some(err) = crate::components::check_email(&e) { new_error.set(Some(err)); return; }
                    new_error.set(None);
                    add(RecipientOption { kind: RecipientKind::Other, ref_id: None, name: n.trim().to_owned(), email: Some(e.trim().to_lowercase()),
                        phone: (!p.trim().is_empty()).then(|| p.trim().to_owned()), detail: "New recipient".into() });
                    new_name.set(String::new()); new_email.set(String::new()); new_phone.set(String::new());
                }>"Add recipient"</button>
            </fieldset>
        })}
        <h3>"Recipients"</h3>
        {move || recipients.with(Vec::is_empty).then(|| view! { <p class="hint">"No recipients yet."</p> })}
        <ul class="recipients">
            <For each={move || recipients.get().into_iter().enumerate().map(|(i, r)| (i, r.draft.email.clone(), r.draft.name.clone())).collect::<Vec<_>>()}
                key={|x: &(usize, String, String)| x.clone()} let:x>
                <RecipientCard ctx recipients delivery index=x.0/>
            </For>
        </ul>
    }
}

#[component]
fn RecipientCard(
    ctx: StoredValue<ShareContext>,
    recipients: RwSignal<Vec<Rcpt>>,
    delivery: RwSignal<Delivery>,
    index: usize,
) -> impl IntoView {
    let link = move || delivery.get() == Delivery::Link;
    let get = move || recipients.with(|r| r.get(index).cloned());
    let upd = move |f: &dyn Fn(&mut RecipientDraft)| {
        recipients.update(|r| {
            if let Some(x) = r.get_mut(index) {
                f(&mut x.draft)
            }
        })
    };
    let Some(r) = get() else { return ().into_any() };
    let is_client = r.draft.kind == RecipientKind::Client;
    let methods = ctx.with_value(|c| if is_client { c.client_methods.clone() } else { c.third_party_methods.clone() });
    let name = r.draft.name.clone();
    let id = move |f: &str| format!("r{index}-{f}");
    view! {
        <li class="recipient-card">
            <div class="recipient-head">
                <strong>{name.clone()}</strong>" "<span class="hint">{r.detail.clone()}</span>
                <button type="button" class="button subtle" aria-label=format!("Remove {name}")
                    on:click=move |_| recipients.update(|r| { r.remove(index); })>"Remove"</button>
            </div>
            <div class="grid-form">
                <div class="field"><label for=id("email")>"Email"</label>
                    <input id=id("email") type="email" prop:value=move || get().map(|r| r.draft.email).unwrap_or_default()
                        on:change=move |ev| { let v = event_target_value(&ev); upd(&|d| d.email = v.trim().to_lowercase()) }/></div>
                <div class="field"><label for=id("phone")>"Mobile"</label>
                    <input id=id("phone") type="tel" prop:value=move || get().map(|r| r.draft.phone).unwrap_or_default()
                        on:change=move |ev| { let v = event_target_value(&ev); upd(&|d| d.phone = v.trim().to_owned()) }/></div>
                <Show when=link>
                    <div class="field"><label for=id("method")>"Verification"</label>
                        <select id=id("method") on:change=move |ev| if let Some(m) = VerifyMethod::from_key(&event_target_value(&ev)) { upd(&|d| d.method = m) }>
                            {methods.iter().copied().map(|m| view! { <option value=m.key() selected=move || get().is_some_and(|r| r.draft.method == m)>{m.label()}</option> }).collect_view()}
                        </select></div>
                </Show>
            </div>
            {move || (link() && get().is_some_and(|r| r.draft.method == VerifyMethod::Passcode)).then(|| view! {
                <div class="field">
                    <label for=id("passcode")>"Secret passcode"</label>
                    <input id=id("passcode") type="text" autocomplete="off" aria-describedby=id("passcode-hint")
                        prop:value=move || get().map(|r| r.draft.passcode).unwrap_or_default()
                        on:input=move |ev| { let v = event_target_value(&ev); upd(&|d| d.passcode = v.clone()) }/>
                    <p class="hint" id=id("passcode-hint")>
                        {move || strength(&get().map(|r| r.draft.passcode).unwrap_or_default())}
                        " It is never emailed: give it to the recipient another way (phone, in person)."
                    </p>
                </div>
            })}
            {move || (link() && get().is_some_and(|r| r.draft.method.needs_phone() && r.draft.phone.trim().is_empty())).then(|| view! {
                <p class="field-error">"Add a mobile number for the code, or choose another method."</p>
            })}
        </li>
    }
    .into_any()
}

fn strength(p: &str) -> &'static str {
    let n = p.chars().count();
    let classes = [
        p.chars().any(char::is_lowercase),
        p.chars().any(char::is_uppercase),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    match (n, classes) {
        (0, _) => "Choose at least 10 characters.",
        (1..=9, _) => "Too short: at least 10 characters.",
        (10..=13, 0..=1) => "Strength: fair.",
        (10..=15, _) => "Strength: good.",
        _ => "Strength: strong.",
    }
}

#[allow(clippy::too_many_arguments)]
#[component]
fn DetailsStep(
    recipients: RwSignal<Vec<Rcpt>>,
    selected: RwSignal<Vec<DocumentRow>>,
    bodies: Resource<Vec<(DocumentRow, DocumentBody)>>,
    expires: RwSignal<String>,
    purpose: RwSignal<Purpose>,
    purpose_text: RwSignal<String>,
    message: RwSignal<String>,
    authorisation: RwSignal<String>,
    today: chrono::NaiveDate,
    max_days: u32,
) -> impl IntoView {
    let min = (today + chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
    let max = (today + chrono::Duration::days(i64::from(max_days))).format("%Y-%m-%d").to_string();
    let expiry_error = move || check_expiry(&expires.get(), today, max_days).err().map(|e| e.to_string());
    let client_index = move || recipients.with(|r| r.iter().position(|x| x.draft.kind == RecipientKind::Client));
    view! {
        <h2>"How, for how long, and why"</h2>
        <div class="field">
            <label for="expires">"Expires on"</label>
            <input id="expires" type="date" min=min max=max.clone() prop:value=expires on:input=move |ev| expires.set(event_target_value(&ev))
                aria-invalid=move || expiry_error().map(|_| "true") aria-describedby="expires-hint"/>
            <p class="hint" id="expires-hint">{format!("At most {max_days} days from today (until {max}).")}</p>
            {move || expiry_error().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </div>
        <div class="field">
            <label for="purpose">"Purpose of the disclosure"</label>
            <select id="purpose" on:change=move |ev| if let Some(p) = Purpose::from_key(&event_target_value(&ev)) { purpose.set(p) }>
                {Purpose::ALL.into_iter().map(|p| view! { <option value=p.key() selected=move || purpose.get() == p>{p.label()}</option> }).collect_view()}
            </select>
        </div>
        <div class="field">
            <label for="purpose-text">{move || if purpose.get() == Purpose::Other { "Describe the purpose" } else { "Details (optional)" }}</label>
            <input id="purpose-text" prop:value=purpose_text on:input=move |ev| purpose_text.set(event_target_value(&ev))/>
        </div>
        {move || selected.with(|s| s.iter().any(|d| d.is_psychotherapy)).then(|| view! {
            <div class="field">
                <label for="authorisation">"Client's authorisation for the psychotherapy note"</label>
                <input id="authorisation" placeholder="e.g. Signed authorisation form, 20 November 2026" prop:value=authorisation
                    on:input=move |ev| authorisation.set(event_target_value(&ev))/>
            </div>
        })}
        <div class="field">
            <label for="message">"Personal message (optional)"</label>
            <textarea id="message" rows="3" prop:value=message on:input=move |ev| message.set(event_target_value(&ev)) aria-describedby="message-hint"></textarea>
            <p class="hint" id="message-hint">"The message goes in the email itself, which is not protected: keep clinical details out of it."</p>
        </div>
        {move || client_index().map(|ci| view! {
            <fieldset class="sections">
                <legend>"Sections the client will see"</legend>
                <p class="hint">"Third parties receive whole notes. Sections marked office use only are never shared."</p>
                <Suspense fallback=|| ()>
                    {move || bodies.get().map(|bs| bs.into_iter().filter_map(|(row, body)| match body {
                        DocumentBody::Sections { sections } => Some((row, sections)),
                        _ => None,
                    }).map(|(row, sections)| {
                        let doc = row.id.clone();
                        view! {
                            <div class="section-toggles">
                                <p><strong>{row.title.clone()}</strong></p>
                                {sections.into_iter().enumerate().filter(|(_, s)| !s.internal).map(|(i, s)| {
                                    let doc = doc.clone();
                                    let doc2 = doc.clone();
                                    let label = s.title.clone();
                                    view! {
                                        <label class="check">
                                            <input type="checkbox"
                                                prop:checked=move || recipients.with(|r| r.get(ci).is_none_or(|x| x.draft.sections.get(&doc).is_none_or(|k| k.contains(&i))))
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    let all: Vec<usize> = bodies.get_untracked().and_then(|bs| bs.into_iter().find(|(r, _)| r.id == doc2).map(|(_, b)| match b {
                                                        DocumentBody::Sections { sections } => (0..sections.len()).collect(),
                                                        _ => Vec::new(),
                                                    })).unwrap_or_default();
                                                    recipients.update(|r| if let Some(x) = r.get_mut(ci) {
                                                        let keep = x.draft.sections.entry(doc2.clone()).or_insert(all);
                                                        keep.retain(|k| *k != i);
                                                        if on { keep.push(i); keep.sort(); }
                                                    });
                                                }/>
                                            {label}
                                        </label>
                                    }
                                }).collect_view()}
                            </div>
                        }
                    }).collect_view())}
                </Suspense>
            </fieldset>
        })}
    }
}

#[component]
fn ReviewStep(
    recipients: RwSignal<Vec<Rcpt>>,
    selected: RwSignal<Vec<DocumentRow>>,
    expires: RwSignal<String>,
    purpose: RwSignal<Purpose>,
    delivery: RwSignal<Delivery>,
    check: ServerAction<CheckRecipients>,
    confirmed: RwSignal<bool>,
    notify: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <h2>"Review and send"</h2>
        <dl class="facts">
            <dt>"Documents"</dt><dd>{move || selected.with(|s| s.iter().map(|d| d.title.clone()).collect::<Vec<_>>().join(", "))}</dd>
            <dt>"Recipients"</dt>
            <dd><ul>{move || recipients.get().into_iter().map(|r| view! {
                <li>{format!("{} <{}> · {}", r.draft.name, r.draft.email, if delivery.get() == Delivery::Link { r.draft.method.label() } else { "PDF attached" })}</li>
            }).collect_view()}</ul></dd>
            <dt>"Delivery"</dt><dd>{move || if delivery.get() == Delivery::Link { "Secure link" } else { "PDF attached to the email (cannot be revoked)" }}</dd>
            <dt>"Expires"</dt><dd>{move || expires.get()}</dd>
            <dt>"Purpose"</dt><dd>{move || purpose.get().label()}</dd>
        </dl>
        <Show when=move || delivery.get() == Delivery::Link>
            <label class="check"><input type="checkbox" prop:checked=notify on:change=move |ev| notify.set(event_target_checked(&ev))/>
                "Email me when a recipient first opens the documents"</label>
        </Show>
        {move || match check.value().get() {
            None => view! { <p class="hint">"Checking the recipients…"</p> }.into_any(),
            Some(Ok(w)) if w.is_empty() => view! { <p class="notice">"Recipients checked: nothing unusual."</p> }.into_any(),
            Some(Ok(w)) => view! {
                <div class="warning" role="alert">
                    <p><strong>"Check before sending:"</strong></p>
                    <ul>{w.into_iter().map(|w| view! { <li>{w.message}</li> }).collect_view()}</ul>
                    <label class="check"><input type="checkbox" prop:checked=confirmed on:change=move |ev| confirmed.set(event_target_checked(&ev))/>"I have checked these recipients"</label>
                </div>
            }.into_any(),
            Some(Err(e)) => view! { <ActionError error=e/> }.into_any(),
        }}
    }
}

/// Exactly what each recipient will see: internal sections removed, and for the client
/// only the chosen sections.
#[component]
fn Preview(recipients: RwSignal<Vec<Rcpt>>, bodies: Resource<Vec<(DocumentRow, DocumentBody)>>) -> impl IntoView {
    let who = RwSignal::new(0usize);
    view! {
        <h2>"Preview"</h2>
        <Show when=move || !recipients.with(Vec::is_empty) fallback=|| view! { <p class="hint">"Add a recipient to see what they will receive."</p> }>
            <div class="field">
                <label for="preview-who">"As seen by"</label>
                <select id="preview-who" on:change=move |ev| who.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {move || recipients.get().into_iter().enumerate().map(|(i, r)| view! { <option value=i.to_string() selected=move || who.get() == i>{r.draft.name}</option> }).collect_view()}
                </select>
            </div>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    let r = recipients.with(|rs| rs.get(who.get()).or(rs.first()).cloned());
                    bodies.get().map(|bs| bs.into_iter().map(|(row, body)| {
                        let keep = r.as_ref().filter(|r| r.draft.kind == RecipientKind::Client).and_then(|r| r.draft.sections.get(&row.id).cloned());
                        let shown = body.for_recipient(keep.as_deref());
                        view! {
                            <article class="doc preview-doc">
                                <h3>{row.title.clone()}</h3>
                                <p class="hint">{format!("{} · {}", row.kind.label(), row.date)}</p>
                                <DocumentContent body=shown/>
                            </article>
                        }
                    }).collect_view())
                }}
            </Suspense>
        </Show>
    }
}
