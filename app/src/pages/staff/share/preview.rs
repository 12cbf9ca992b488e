//! The share wizard's preview, beside every step: the chosen documents as a given recipient
//! will see them.
use leptos::prelude::*;

use crate::domain::sharing::RecipientKind;
use crate::pages::staff::documents::DocumentContent;

use super::store::Wizard;

/// Exactly what each recipient will see: internal sections removed, and for the client
/// only the chosen sections.
#[component]
pub(super) fn Preview(w: Wizard) -> impl IntoView {
    let Wizard { recipients, bodies, .. } = w;
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
