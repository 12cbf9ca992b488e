//! The practice's contact book: search, add and edit people and organisations.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::records::{SaveContact, list_contacts};
use crate::api::staff::get_me;
use crate::components::{ActionError, EmptyState, JsonForm, paged_table};
use crate::domain::{Permission, records::ContactKind};
use crate::dto::ContactRow;

#[component]
pub fn ContactsPage() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let page = RwSignal::new(0u32);
    let save = ServerAction::<SaveContact>::new();
    let contacts =
        Resource::new(move || (query.get(), page.get(), save.version().get()), |(q, p, _)| list_contacts(q, p));
    let me = Resource::new(|| (), |_| get_me());
    let editing = RwSignal::new(None::<ContactRow>);
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
            if let Some(f) = form.get_untracked() {
                f.reset();
            }
        }
    });
    let can_manage = move || me.get().and_then(Result::ok).is_some_and(|m| m.can(Permission::ManageContacts));
    view! {
        <div class="page-head"><Title text="Contacts"/><h1>"Contacts"</h1></div>
        <div class="toolbar" role="search">
            <label for="contact-search" class="visually-hidden">"Search contacts"</label>
            <input id="contact-search" type="search" placeholder="Search by name, organisation, email or phone"
                prop:value=query on:input=move |ev| { query.set(event_target_value(&ev)); page.set(0); }/>
        </div>
        {paged_table("Contact list", "table", contacts, page,
            || view! { <th scope="col">"Name"</th><th scope="col">"Organisation"</th><th scope="col">"Kind"</th><th scope="col">"Email"</th><th scope="col">"Phone"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th> },
            move |c| {
                let row = c.clone();
                let label = format!("Edit {}", c.name);
                view! {
                    <tr>
                        <td>{c.name}</td><td>{c.organisation.unwrap_or_default()}</td><td>{c.kind.label()}</td>
                        <td>{c.email.unwrap_or_default()}</td><td>{c.phone.unwrap_or_default()}</td>
                        <td>{move || can_manage().then(|| {
                            let row = row.clone();
                            view! { <button class="button subtle" aria-label=label.clone() on:click=move |_| editing.set(Some(row.clone()))>"Edit"</button> }
                        })}</td>
                    </tr>
                }
            },
            move || view! {
                <EmptyState title={Signal::derive(move || if query.get().is_empty() { "Your contact book is empty" } else { "No contacts match" })}
                    text="Insurers, specialists, GPs and others you share documents with. Add them once; the share wizard offers them later."/>
            },
        )}
        <Transition fallback=|| ()>
        {move || can_manage().then(|| view! {
            <section class="panel" aria-labelledby="contact-form-h">
                {move || {
                    let e = editing.get();
                    let title = if e.is_some() { "Edit contact" } else { "Add a contact" };
                    let e = e.unwrap_or(ContactRow { id: String::new(), name: String::new(), organisation: None, kind: ContactKind::Specialist, email: None, phone: None });
                    view! {
                        <h2 id="contact-form-h">{title}</h2>
                        <JsonForm action=save node_ref=form class="grid-form">
                            <input type="hidden" name="id" value=e.id.clone()/>
                            <div class="field"><label for="ct-name">"Name"</label><input id="ct-name" name="name" value=e.name.clone() required autocomplete="off"/></div>
                            <div class="field"><label for="ct-org">"Organisation"</label><input id="ct-org" name="organisation" value=e.organisation.clone().unwrap_or_default() autocomplete="off"/></div>
                            <div class="field">
                                <label for="ct-kind">"Kind"</label>
                                <select id="ct-kind" name="kind">
                                    {ContactKind::ALL.into_iter().map(|k| view! { <option value=k.key() selected=k == e.kind>{k.label()}</option> }).collect_view()}
                                </select>
                            </div>
                            <div class="field"><label for="ct-email">"Email"</label><input id="ct-email" name="email" type="email" value=e.email.clone().unwrap_or_default() autocomplete="off"/></div>
                            <div class="field"><label for="ct-phone">"Phone"</label><input id="ct-phone" name="phone" type="tel" value=e.phone.clone().unwrap_or_default() autocomplete="off"/></div>
                            <div class="form-actions">
                                {(!e.id.is_empty()).then(|| view! { <button type="button" class="button" on:click=move |_| editing.set(None)>"Cancel"</button> })}
                                <button type="submit" class="button primary">{if e.id.is_empty() { "Add contact" } else { "Save contact" }}</button>
                            </div>
                        </JsonForm>
                    }
                }}
                {move || save.value().get().and_then(Result::err).map(|e| view! { <ActionError error=e/> })}
            </section>
        })}
        </Transition>
    }
}
