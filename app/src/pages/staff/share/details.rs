//! Step 3 of the share wizard: expiry, purpose, the psychotherapy authorisation, the
//! personal message, and which sections the client will see.
use leptos::prelude::*;

use crate::domain::documents::DocumentBody;
use crate::domain::sharing::{Purpose, RecipientKind, check_expiry};

use super::store::Wizard;

#[component]
pub(super) fn DetailsStep(w: Wizard) -> impl IntoView {
    let Wizard {
        recipients,
        selected,
        bodies,
        expires,
        purpose,
        purpose_text,
        message,
        authorisation,
        today,
        max_days,
        ..
    } = w;
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
