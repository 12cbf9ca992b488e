//! Clients: the list with search, the new-client form, and the client's file in tabs, each
//! its own address: Details (with relationships, emergency contacts and the Client Access
//! Control dialog), Documents, Shared and History.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate, use_params_map};

use crate::api::records::{
    AddClientContact, ArchiveClient, CreateClient, RemoveClientContact, SetClientAccess, UpdateClient, get_client,
    list_clients, staff_options,
};
use crate::api::staff::get_me;
use crate::components::{ActionError, EmptyState, JsonForm, paged_table};
use crate::domain::records::{AccessMode, ClientContactKind};
use crate::dto::ClientDetail;

#[component]
pub fn ClientsPage() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let archived = RwSignal::new(false);
    let page = RwSignal::new(0u32);
    let create = ServerAction::<CreateClient>::new();
    let clients = Resource::new(
        move || (query.get(), archived.get(), page.get(), create.version().get()),
        |(q, a, p, _)| list_clients(q, a, p),
    );
    let owners = Resource::new(|| (), |_| staff_options());
    let me = Resource::new(|| (), |_| get_me());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&format!("/app/clients/{id}"), Default::default());
        }
    });
    view! {
        <div class="page-head">
            <Title text="Clients"/><h1>"Clients"</h1>
        </div>
        <div class="toolbar" role="search">
            <label for="client-search" class="visually-hidden">"Search clients"</label>
            <input id="client-search" type="search" placeholder="Search by name, email or phone"
                prop:value=query on:input=move |ev| { query.set(event_target_value(&ev)); page.set(0); }/>
            <label class="check"><input type="checkbox" prop:checked=archived on:change=move |ev| { archived.set(event_target_checked(&ev)); page.set(0); }/>"Show archived"</label>
        </div>
        {paged_table("Client list", "table", clients, page,
            || view! { <th scope="col">"Name"</th><th scope="col">"Date of birth"</th><th scope="col">"Email"</th><th scope="col">"Mobile"</th><th scope="col">"Owner"</th> },
            |c| view! {
                <tr>
                    <td><a href=format!("/app/clients/{}", c.id)>{c.last_name}", "{c.first_name}</a>{c.archived.then(|| view! { " " <span class="badge">"archived"</span> })}</td>
                    <td>{c.date_of_birth}</td>
                    <td>{c.email.unwrap_or_default()}</td>
                    <td>{c.mobile.unwrap_or_default()}</td>
                    <td>{c.owner_name}</td>
                </tr>
            },
            move || view! {
                <EmptyState title={Signal::derive(move || if query.get().is_empty() { "No clients yet" } else { "No clients match" })}
                    text="Clients you own or that are shared with you appear here. Add one below."/>
            },
        )}
        <section class="panel" aria-labelledby="new-client-h">
            <h2 id="new-client-h">"New client"</h2>
            <JsonForm action=create class="grid-form">
                <div class="field"><label for="nc-first">"First name"</label><input id="nc-first" name="first_name" required autocomplete="off"/></div>
                <div class="field"><label for="nc-last">"Last name"</label><input id="nc-last" name="last_name" required autocomplete="off"/></div>
                <div class="field"><label for="nc-dob">"Date of birth"</label><input id="nc-dob" name="date_of_birth" type="date" required/></div>
                <div class="field"><label for="nc-email">"Email"</label><input id="nc-email" name="email" type="email" autocomplete="off"/></div>
                <div class="field"><label for="nc-mobile">"Mobile phone"</label><input id="nc-mobile" name="mobile" type="tel" autocomplete="off"/></div>
                <div class="field">
                    <label for="nc-owner">"Owner"</label>
                    <select id="nc-owner" name="owner_id">
                        <Transition fallback=|| ()>
                            {move || {
                                let my_id = me.get().and_then(Result::ok).map(|m| m.staff_id).unwrap_or_default();
                                owners.get().and_then(Result::ok).map(|list| list.into_iter().map(|s| {
                                    let selected = s.id == my_id;
                                    view! { <option value=s.id selected=selected>{s.name}</option> }
                                }).collect_view())
                            }}
                        </Transition>
                    </select>
                </div>
                <div class="form-actions"><button type="submit" class="button primary" disabled=move || create.pending().get()>"Add client"</button></div>
            </JsonForm>
            {move || create.value().get().and_then(Result::err).map(|e| view! { <ActionError error=e/> })}
        </section>
    }
}

/// The tabs of a client's file; each is its own address under `/app/clients/:id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientTab {
    Details,
    Documents,
    Shared,
    History,
}

impl ClientTab {
    const ALL: [ClientTab; 4] = [ClientTab::Details, ClientTab::Documents, ClientTab::Shared, ClientTab::History];

    fn from_path(path: &str) -> Self {
        let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
        ClientTab::ALL
            .into_iter()
            .find(|t| !t.suffix().is_empty() && t.suffix() == format!("/{last}"))
            .unwrap_or(ClientTab::Details)
    }

    /// The path after `/app/clients/:id`.
    pub fn suffix(self) -> &'static str {
        match self {
            ClientTab::Details => "",
            ClientTab::Documents => "/documents",
            ClientTab::Shared => "/shared",
            ClientTab::History => "/history",
        }
    }

    fn label(self) -> &'static str {
        match self {
            ClientTab::Details => "Details",
            ClientTab::Documents => "Documents",
            ClientTab::Shared => "Shared",
            ClientTab::History => "History",
        }
    }
}

#[component]
fn ClientTabs(id: String, current: ClientTab) -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Client file">
            {ClientTab::ALL.into_iter().map(|t| view! {
                <a class="tab" href=format!("/app/clients/{id}{}", t.suffix()) aria-current=(t == current).then_some("page")>{t.label()}</a>
            }).collect_view()}
        </nav>
    }
}

#[component]
pub fn ClientProfilePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let location = use_location();
    let tab = Memo::new(move |_| ClientTab::from_path(&location.pathname.get()));
    let update = ServerAction::<UpdateClient>::new();
    let archive = ServerAction::<ArchiveClient>::new();
    let add_contact = ServerAction::<AddClientContact>::new();
    let remove_contact = ServerAction::<RemoveClientContact>::new();
    let set_access = ServerAction::<SetClientAccess>::new();
    let detail = Resource::new(
        move || {
            (
                id(),
                update.version().get(),
                archive.version().get(),
                add_contact.version().get(),
                remove_contact.version().get(),
                set_access.version().get(),
            )
        },
        |(id, ..)| get_client(id),
    );
    let editing = RwSignal::new(false);
    let access_open = RwSignal::new(false);
    let contact_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = add_contact.value().get()
            && let Some(f) = contact_form.get_untracked()
        {
            f.reset();
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            editing.set(false);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = set_access.value().get() {
            access_open.set(false);
        }
    });
    view! {
        <p class="crumbs"><a href="/app/clients">"Clients"</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || detail.get().map(|r| match r {
                Err(_) => view! {
                    <Title text="Client not found"/><h1>"Client not found"</h1>
                    <p class="lead">"This client does not exist, or you do not have access to it."</p>
                }.into_any(),
                Ok(d) => view! { <ClientProfile d=d tab=tab.get() editing access_open contact_form update archive add_contact remove_contact set_access/> }.into_any(),
            })}
        </Transition>
        // The other tabs are created at the page's top level (not inside the Transition
        // above), so their resources hydrate in the same order they were rendered.
        {move || match tab.get() {
            ClientTab::Details => ().into_any(),
            ClientTab::Documents => view! { <super::documents::ClientDocuments client_id=Signal::derive(id)/> }.into_any(),
            ClientTab::Shared => view! { <crate::pages::staff::shared::SharedTab client_id=id()/> }.into_any(),
            ClientTab::History => view! { <super::audit::ClientHistory client_id=id()/> }.into_any(),
        }}
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
fn ClientProfile(
    d: ClientDetail,
    tab: ClientTab,
    editing: RwSignal<bool>,
    access_open: RwSignal<bool>,
    contact_form: NodeRef<leptos::html::Form>,
    update: ServerAction<UpdateClient>,
    archive: ServerAction<ArchiveClient>,
    add_contact: ServerAction<AddClientContact>,
    remove_contact: ServerAction<RemoveClientContact>,
    set_access: ServerAction<SetClientAccess>,
) -> impl IntoView {
    let c = d.client.clone();
    let id = c.id.clone();
    let archived = c.archived;
    let full_name = format!("{} {}", c.first_name, c.last_name);
    let title = match tab {
        ClientTab::Details => format!("{full_name} · Clients"),
        other => format!("{} · {full_name} · Clients", other.label()),
    };
    view! {
        <div class="page-head">
            <Title text=title/>
            <h1>{full_name}{archived.then(|| view! { " " <span class="badge">"archived"</span> })}</h1>
            <div class="actions">
                {d.can_share.then(|| view! { <a class="button primary" href=format!("/app/clients/{}/share", id)>"Share documents"</a> })}
                <button class="button" on:click=move |_| editing.update(|e| *e = !*e)>{move || if editing.get() { "Cancel editing" } else { "Edit details" }}</button>
                {d.can_manage_access.then(|| view! {
                    <button class="button" aria-haspopup="dialog" on:click=move |_| access_open.set(true)>"Client access control"</button>
                })}
                {
                    let id = id.clone();
                    view! {
                        <button class="button" on:click=move |_| { archive.dispatch(ArchiveClient { id: id.clone(), archived: !archived }); }>
                            {if archived { "Restore client" } else { "Archive client" }}
                        </button>
                    }
                }
            </div>
        </div>
        <ClientTabs id=id.clone() current=tab/>
        {(tab == ClientTab::Details).then(|| view! { <ClientDetails d=d.clone() editing update add_contact remove_contact contact_form/> })}
        {
            let d = d.clone();
            move || access_open.get().then(|| view! { <AccessDialog d=d.clone() open=access_open action=set_access/> })
        }
    }
}

/// The Details tab: the client's particulars (editable), relationships and emergency contacts.
#[component]
fn ClientDetails(
    d: ClientDetail,
    editing: RwSignal<bool>,
    update: ServerAction<UpdateClient>,
    add_contact: ServerAction<AddClientContact>,
    remove_contact: ServerAction<RemoveClientContact>,
    contact_form: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    let c = d.client.clone();
    let id = c.id.clone();
    view! {
        <dl class="facts">
            <div><dt>"Date of birth"</dt><dd>{c.date_of_birth.clone()}</dd></div>
            <div><dt>"Email"</dt><dd>{c.email.clone().unwrap_or_else(|| "—".into())}</dd></div>
            <div><dt>"Mobile"</dt><dd>{c.mobile.clone().unwrap_or_else(|| "—".into())}</dd></div>
            <div><dt>"Owner"</dt><dd>{d.access.owner.name.clone()}</dd></div>
            <div><dt>"Access"</dt><dd>{d.access.mode.label()}{(d.access.mode == AccessMode::Selected).then(|| format!(": {}", d.access.selected.iter().map(|s| s.name.clone()).collect::<Vec<_>>().join(", ")))}</dd></div>
        </dl>
        {move || update.value().get().and_then(Result::err).map(|e| view! { <ActionError error=e/> })}
        {
            let c = c.clone();
            move || { let c = c.clone(); editing.get().then(move || view! {
                <section class="panel" aria-labelledby="edit-h">
                    <h2 id="edit-h">"Edit details"</h2>
                    <JsonForm action=update class="grid-form">
                        <input type="hidden" name="id" value=c.id.clone()/>
                        <div class="field"><label for="ed-first">"First name"</label><input id="ed-first" name="first_name" value=c.first_name.clone() required/></div>
                        <div class="field"><label for="ed-last">"Last name"</label><input id="ed-last" name="last_name" value=c.last_name.clone() required/></div>
                        <div class="field"><label for="ed-dob">"Date of birth"</label><input id="ed-dob" name="date_of_birth" type="date" value=c.date_of_birth.clone() required/></div>
                        <div class="field"><label for="ed-email">"Email"</label><input id="ed-email" name="email" type="email" value=c.email.clone().unwrap_or_default()/></div>
                        <div class="field"><label for="ed-mobile">"Mobile phone"</label><input id="ed-mobile" name="mobile" type="tel" value=c.mobile.clone().unwrap_or_default()/></div>
                        <div class="form-actions"><button type="submit" class="button primary">"Save details"</button></div>
                    </JsonForm>
                </section>
            }) }
        }
        <section class="panel" aria-labelledby="contacts-h">
            <h2 id="contacts-h">"Relationships and emergency contacts"</h2>
            {if d.contacts.is_empty() {
                view! { <p class="empty">"None recorded yet."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Relationship"</th><th scope="col">"Type"</th><th scope="col">"Email"</th><th scope="col">"Phone"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                        <tbody>
                            {d.contacts.iter().cloned().map(|k| {
                                let client_id = id.clone();
                                let label = format!("Remove {}", k.name);
                                view! {
                                    <tr>
                                        <td>{k.name.clone()}</td><td>{k.relationship}</td>
                                        <td>{k.kind.label()}</td>
                                        <td>{k.email.unwrap_or_default()}</td><td>{k.phone.unwrap_or_default()}</td>
                                        <td><button class="button subtle" aria-label=label on:click=move |_| { remove_contact.dispatch(RemoveClientContact { client_id: client_id.clone(), contact_id: k.id.clone() }); }>"Remove"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <h3>"Add a contact"</h3>
            <JsonForm action=add_contact node_ref=contact_form class="grid-form">
                <input type="hidden" name="client_id" value=id.clone()/>
                <div class="field">
                    <label for="cc-kind">"Type"</label>
                    <select id="cc-kind" name="kind">{ClientContactKind::ALL.into_iter().map(|k| view! { <option value=k.key()>{k.label()}</option> }).collect_view()}</select>
                </div>
                <div class="field"><label for="cc-name">"Contact name"</label><input id="cc-name" name="name" required autocomplete="off"/></div>
                <div class="field"><label for="cc-rel">"Relationship"</label><input id="cc-rel" name="relationship" required placeholder="Mother, partner, guardian…" autocomplete="off"/></div>
                <div class="field"><label for="cc-email">"Contact email"</label><input id="cc-email" name="email" type="email" autocomplete="off"/></div>
                <div class="field"><label for="cc-phone">"Contact phone"</label><input id="cc-phone" name="phone" type="tel" autocomplete="off"/></div>
                <div class="form-actions"><button type="submit" class="button">"Add contact"</button></div>
            </JsonForm>
            {move || add_contact.value().get().and_then(Result::err).map(|e| view! { <ActionError error=e/> })}
        </section>
    }
}

/// The Client Access Control dialog: owner, and who else may open the file.
#[component]
fn AccessDialog(d: ClientDetail, open: RwSignal<bool>, action: ServerAction<SetClientAccess>) -> impl IntoView {
    let staff = Resource::new(|| (), |_| staff_options());
    let owner = RwSignal::new(d.access.owner.id.clone());
    let mode = RwSignal::new(d.access.mode);
    let selected = RwSignal::new(d.access.selected.iter().map(|s| s.id.clone()).collect::<Vec<_>>());
    let client_id = d.client.id.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SetClientAccess {
            id: client_id.clone(),
            owner_id: owner.get_untracked(),
            mode: mode.get_untracked().key().to_owned(),
            selected: if mode.get_untracked() == AccessMode::Selected { selected.get_untracked() } else { vec![] },
        });
    };
    view! {
        <div class="dialog-backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="access-h"
                on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
                <h2 id="access-h">"Client access control"</h2>
                <p class="hint">"Admins and roles that can access all clients always see this client."</p>
                <form class="stack" on:submit=save>
                    <div class="field">
                        <label for="ac-owner">"Owner"</label>
                        <select id="ac-owner" on:change=move |ev| owner.set(event_target_value(&ev))>
                            <Transition fallback=|| ()>
                                {move || staff.get().and_then(Result::ok).map(|list| list.into_iter().map(|s| {
                                    let is_owner = s.id == owner.get_untracked();
                                    view! { <option value=s.id selected=is_owner>{s.name}</option> }
                                }).collect_view())}
                            </Transition>
                        </select>
                    </div>
                    <fieldset class="radios">
                        <legend>"Who else can access this client"</legend>
                        {[AccessMode::OwnerOnly, AccessMode::AllPractitioners, AccessMode::Selected].into_iter().map(|m| {
                            let id = format!("ac-mode-{}", m.key());
                            let for_id = id.clone();
                            view! {
                                <label for=for_id class="check">
                                    <input type="radio" name="mode" id=id value=m.key() prop:checked=move || mode.get() == m on:change=move |_| mode.set(m)/>
                                    {m.label()}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <Show when=move || mode.get() == AccessMode::Selected>
                        <fieldset class="checks">
                            <legend>"Practitioners with access"</legend>
                            <Transition fallback=|| ()>
                                {move || staff.get().and_then(Result::ok).map(|list| {
                                    let others: Vec<_> = list.into_iter().filter(|s| s.id != owner.get()).collect();
                                    if others.is_empty() {
                                        return view! { <p class="hint">"There is nobody else in the practice yet. Invite staff on the Staff page."</p> }.into_any();
                                    }
                                    others.into_iter().map(|s| {
                                    let id = format!("ac-sel-{}", s.id);
                                    let for_id = id.clone();
                                    let sid = s.id.clone();
                                    let sid2 = s.id.clone();
                                    view! {
                                        <label for=for_id class="check">
                                            <input type="checkbox" id=id prop:checked=move || selected.get().contains(&sid)
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    selected.update(|v| { v.retain(|x| x != &sid2); if on { v.push(sid2.clone()); } });
                                                }/>
                                            {s.name}
                                        </label>
                                    }
                                }).collect_view().into_any()
                                })}
                            </Transition>
                        </fieldset>
                    </Show>
                    {move || action.value().get().and_then(Result::err).map(|e| view! { <ActionError error=e/> })}
                    <div class="form-actions">
                        <button type="button" class="button" on:click=move |_| open.set(false)>"Cancel"</button>
                        <button type="submit" class="button primary" disabled=move || action.pending().get()>"Save access"</button>
                    </div>
                </form>
            </div>
        </div>
    }
}
