//! Step 4 of the share wizard: a summary, the server's warnings about the recipients (to be
//! confirmed), and the open notification.
use leptos::prelude::*;

use crate::components::ActionError;
use crate::domain::sharing::Delivery;

use super::store::Wizard;

#[component]
pub(super) fn ReviewStep(w: Wizard) -> impl IntoView {
    let Wizard { recipients, selected, expires, purpose, delivery, check, confirmed, notify, .. } = w;
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
