//! Step 2 of the share wizard: who receives the documents, how each one verifies, and (where
//! allowed) whether they get a secure link or a PDF attachment.
use leptos::prelude::*;
use std::collections::BTreeMap;

use crate::api::sharing::search_recipients;
use crate::domain::sharing::{Delivery, RecipientDraft, RecipientKind, RecipientOption, VerifyMethod};

use super::store::{Rcpt, Wizard};

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
pub(super) fn RecipientsStep(w: Wizard) -> impl IntoView {
    let Wizard { ctx, recipients, delivery, .. } = w;
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
                <RecipientCard w index=x.0/>
            </For>
        </ul>
    }
}

#[component]
fn RecipientCard(w: Wizard, index: usize) -> impl IntoView {
    let Wizard { ctx, recipients, delivery, .. } = w;
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
