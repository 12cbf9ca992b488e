//! Step 1 of the share wizard: which of the client's documents to share (filters, search,
//! pages of results, a checkbox each).
use leptos::prelude::*;

use crate::components::ActionError;
use crate::domain::documents::DocumentKind;

use super::store::Wizard;

#[component]
pub(super) fn DocumentsStep(w: Wizard) -> impl IntoView {
    let Wizard { docs, selected, kind, doc_query, doc_dates, doc_page, .. } = w;
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
