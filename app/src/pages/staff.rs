//! The staff app: layout with navigation, and its pages.
pub mod audit;
pub mod clients;
pub mod contacts;
pub mod documents;
pub mod intake;
pub mod settings;
pub mod share;
pub mod shared;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Outlet};

use crate::api::staff::{CreateRole, InviteStaff, get_me, list_roles, list_staff};
use crate::domain::Permission;
use crate::dto::Me;

/// The signed-in layout. The server only lets requests with a live session reach `/app`.
#[component]
pub fn StaffLayout() -> impl IntoView {
    let me = Resource::new(|| (), |_| get_me());
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="app-shell">
            <header class="topbar">
                <a class="brand" href="/app">"Dossier"</a>
                <Suspense fallback=|| ()>
                    {move || me.get().and_then(Result::ok).map(|m| view! {
                        <span class="practice">{m.practice_name.clone()}</span>
                        <span class="zone" title="Times are shown in this time zone">{format!("Times in {}", m.time_zone.replace('_', " "))}</span>
                        <span class="spacer"></span>
                        <span class="who"><span class="who-name">{m.name.clone()}</span><span class="who-role">{m.role_name.clone()}</span></span>
                    })}
                </Suspense>
                <form method="post" action="/auth/logout"><button type="submit" class="button subtle">"Sign out"</button></form>
            </header>
            <nav class="sidenav" aria-label="Main">
                <Suspense fallback=|| ()>
                    {move || me.get().and_then(Result::ok).map(|m| view! { <NavLinks me=m/> })}
                </Suspense>
            </nav>
            <main class="content" id="main">
                <Outlet/>
            </main>
        </div>
    }
}

#[component]
fn NavLinks(me: Me) -> impl IntoView {
    let staff = me.can(Permission::ManageStaff);
    let audit = me.can(Permission::ViewAuditLog);
    let settings = me.can(Permission::ManageSettings);
    use crate::shell::{
        AuditLogPageRoute as Audit, ClientsPageRoute as Clients, ContactsPageRoute as Contacts,
        DocumentsPageRoute as Documents, IntakeInboxPageRoute as Intake, SettingsPageRoute as Settings,
        SharedPageRoute as Shared, StaffAdminPageRoute as Staff,
    };
    view! {
        <ul>
            <li><A href="/app" exact=true>"Overview"</A></li>
            {nav_item::<Clients>("/app/clients", "Clients")}
            {nav_item::<Contacts>("/app/contacts", "Contacts")}
            {nav_item::<Documents>("/app/documents", "Documents")}
            {nav_item::<Intake>("/app/intake", "Intake forms")}
            {nav_item::<Shared>("/app/shared", "Shared")}
            {audit.then(|| nav_item::<Audit>("/app/audit", "Audit log"))}
            {settings.then(|| nav_item::<Settings>("/app/settings", "Settings"))}
            {staff.then(|| nav_item::<Staff>("/app/staff", "Staff"))}
        </ul>
    }
}

/// A link of the side navigation to the lazy page `R` (`app/src/shell.rs`). When the pointer
/// reaches it or it takes focus, the page's code (its module and the chunks it names) starts
/// loading, so that on a slow network the click finds it loaded. A loaded page is not fetched
/// again; a failed fetch is retried.
fn nav_item<R: leptos_router::LazyRoute>(href: &'static str, label: &'static str) -> impl IntoView {
    let warm = || leptos::task::spawn_local(R::preload());
    view! { <li on:pointerenter=move |_| warm() on:focusin=move |_| warm()><A href=href>{label}</A></li> }
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| get_me());
    view! {
        <Title text="Overview"/><h1>"Overview"</h1>
        <Suspense fallback=|| ()>
            {move || me.get().and_then(Result::ok).map(|m| view! {
                <p class="lead">"Signed in to " {m.practice_name} " as " {m.name} " (" {m.role_name} ")."</p>
            })}
        </Suspense>
        <crate::components::AfterHydration><OverviewCards/></crate::components::AfterHydration>
        <shared::Notifications/>
    }
}

/// "12" or "50+" for a first page of a list.
fn count<T>(p: &crate::dto::Page<T>) -> String {
    if p.has_more { format!("{}+", p.items.len()) } else { p.items.len().to_string() }
}

/// One card of the Overview: a heading, what loads into it, and a link to the whole list.
#[component]
fn OverviewCard(
    id: &'static str,
    title: &'static str,
    href: &'static str,
    more: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    view! {
        <section class="panel card" aria-labelledby=id>
            <h2 id=id>{title}</h2>
            <Transition fallback=|| view! { <p class="hint">"Loading…"</p> }>{children()}</Transition>
            <a href=href>{more}</a>
        </section>
    }
}

/// What a practitioner can act on today, each linking to its list: shares that need
/// attention, new intake forms, recently opened shares, and their own recent documents.
#[component]
fn OverviewCards() -> impl IntoView {
    use crate::api::documents::list_practice_documents;
    use crate::api::intake::list_intake_submissions;
    use crate::api::sharing::list_shares;
    use crate::domain::sharing::{ShareFilter, ShareStatus};
    let me = LocalResource::new(get_me);
    let attention = LocalResource::new(|| list_shares(ShareFilter { attention: true, ..Default::default() }));
    let opened =
        LocalResource::new(|| list_shares(ShareFilter { status: Some(ShareStatus::Opened), ..Default::default() }));
    let intake = LocalResource::new(|| list_intake_submissions(0));
    let mine = LocalResource::new(move || {
        let author = me.get().and_then(Result::ok).map(|m| m.staff_id);
        async move {
            match author {
                Some(a) => {
                    list_practice_documents(crate::dto::DocumentFilter { author_id: Some(a), ..Default::default() })
                        .await
                        .map(Some)
                }
                None => Ok(None),
            }
        }
    });
    let when = |t: &str| t.get(..10).unwrap_or(t).to_owned();
    view! {
        <div class="overview-cards">
            <OverviewCard id="ov-attention" title="Needs attention" href="/app/shared" more="All shares">
                    {move || attention.get().map(|r| match r {
                        Ok(p) if p.items.is_empty() => view! { <p class="empty">"Nothing is locked, undelivered or about to expire unopened."</p> }.into_any(),
                        Ok(p) => view! {
                            <p class="count" data-count="attention">{count(&p)}</p>
                            <ul class="short-list">
                                {p.items.into_iter().take(5).map(|s| view! {
                                    <li><a href=format!("/app/clients/{}/shared", s.client_id)>{format!("{} · {}", s.client_name, s.recipient_name)}</a>
                                        " "<span class="hint">{s.status.label()}{format!(" · expires {}", s.expires_on)}</span></li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <crate::components::ActionError error=e/> }.into_any(),
                    })}
            </OverviewCard>
            <OverviewCard id="ov-intake" title="New intake forms" href="/app/intake" more="All intake forms">
                    {move || intake.get().map(|r| match r {
                        Ok(p) => {
                            let new: Vec<_> = p.items.into_iter().filter(|s| s.status == "new").collect();
                            if new.is_empty() {
                                view! { <p class="empty">"No intake forms waiting for review."</p> }.into_any()
                            } else {
                                view! {
                                    <p class="count" data-count="intake">{new.len()}</p>
                                    <ul class="short-list">
                                        {new.into_iter().take(5).map(|s| view! {
                                            <li><a href=format!("/app/clients/{}", s.client_id)>{s.client_name}</a>" "<span class="hint">{when(&s.received_at)}</span></li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }
                        }
                        Err(e) => view! { <crate::components::ActionError error=e/> }.into_any(),
                    })}
            </OverviewCard>
            <OverviewCard id="ov-opened" title="Recently opened" href="/app/shared" more="All shares">
                    {move || opened.get().map(|r| match r {
                        Ok(p) if p.items.is_empty() => view! { <p class="empty">"No share has been opened yet."</p> }.into_any(),
                        Ok(p) => view! {
                            <ul class="short-list">
                                {p.items.into_iter().take(5).map(|s| view! {
                                    <li><a href=format!("/app/clients/{}/shared", s.client_id)>{format!("{} · {}", s.recipient_name, s.documents.join(", "))}</a>
                                        " "<span class="hint">{s.last_viewed_at.as_deref().map(when).unwrap_or_default()}</span></li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <crate::components::ActionError error=e/> }.into_any(),
                    })}
            </OverviewCard>
            <OverviewCard id="ov-docs" title="My recent documents" href="/app/documents" more="All documents">
                    {move || mine.get().map(|r| match r {
                        Ok(None) => ().into_any(),
                        Ok(Some(p)) if p.items.is_empty() => view! { <p class="empty">"Documents you write appear here."</p> }.into_any(),
                        Ok(Some(p)) => view! {
                            <ul class="short-list">
                                {p.items.into_iter().take(5).map(|d| view! {
                                    <li><a href=format!("/app/documents/{}", d.row.id)>{d.row.title}</a>" "<span class="hint">{format!("{} · {}", d.client_name, d.row.date)}</span></li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <crate::components::ActionError error=e/> }.into_any(),
                    })}
            </OverviewCard>
        </div>
    }
}

#[component]
pub fn DocumentsPage() -> impl IntoView {
    view! { <documents::PracticeDocumentsPage/> }
}

#[component]
pub fn SharedPage() -> impl IntoView {
    view! { <shared::PracticeSharedPage/> }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings"/><h1>"Settings"</h1>
        <ul class="settings-list">
            <li class="panel">
                <h2><a href="/app/settings/intake">"Intake form"</a></h2>
                <p>"The questions new clients answer on your website, your public links, and who receives new clients."</p>
            </li>
            <li class="panel">
                <h2><a href="/app/settings/sharing">"Sharing"</a></h2>
                <p>"Who may receive documents, how recipients verify, how long shares last, the email they receive, and text-message delivery."</p>
            </li>
        </ul>
    }
}

#[component]
pub fn ForbiddenPage() -> impl IntoView {
    view! {
        <Title text="You don't have access to this page"/><h1>"You don't have access to this page"</h1>
        <p class="lead">"Your role does not include this part of Dossier. If you need it, ask a practice administrator."</p>
        <p><a href="/app">"Back to the overview"</a></p>
    }
}

#[component]
pub fn StaffAdminPage() -> impl IntoView {
    let invite = ServerAction::<InviteStaff>::new();
    let create_role = ServerAction::<CreateRole>::new();
    let staff = Resource::new(move || invite.version().get(), |_| list_staff());
    let roles = Resource::new(move || create_role.version().get(), |_| list_roles());

    let invite_result = move || invite.value().get();
    let role_name = RwSignal::new(String::new());
    let role_perms = RwSignal::new(Vec::<String>::new());

    view! {
        <Title text="Staff"/><h1>"Staff"</h1>
        <section class="panel" aria-labelledby="staff-list-h">
            <h2 id="staff-list-h">"People"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || staff.get().map(|r| match r {
                    Ok(rows) if rows.is_empty() => view! { <p class="empty">"No staff yet."</p> }.into_any(),
                    Ok(rows) => view! {
                        <table class="table">
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Status"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|s| view! {
                                    <tr><td>{s.name}</td><td>{s.email}</td><td>{s.role_name}</td><td><span class=format!("badge badge-{}", s.status)>{s.status.clone()}</span></td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </section>

        <section class="panel" aria-labelledby="invite-h">
            <h2 id="invite-h">"Invite staff"</h2>
            <p class="hint">"We email them a link to set a password and two-step verification. The link works for 72 hours."</p>
            <crate::components::JsonForm action=invite class="inline-form">
                <div class="field"><label for="invite-name">"Name"</label><input id="invite-name" name="name" required autocomplete="off"/></div>
                <div class="field"><label for="invite-email">"Email"</label><input id="invite-email" name="email" type="email" required autocomplete="off"/></div>
                <div class="field">
                    <label for="invite-role">"Role"</label>
                    <select id="invite-role" name="role_id" required>
                        <Suspense fallback=|| ()>
                            {move || roles.get().and_then(Result::ok).map(|rs| rs.into_iter().map(|r| {
                                let selected = r.name == "Practitioner";
                                view! { <option value=r.id selected=selected>{r.name}</option> }
                            }).collect_view())}
                        </Suspense>
                    </select>
                </div>
                <button type="submit" class="button primary" disabled=move || invite.pending().get()>"Send invite"</button>
            </crate::components::JsonForm>
            {move || invite_result().map(|r| match r {
                Ok(email) => view! { <p class="notice" role="status">"Invitation sent to " {email} "."</p> }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </section>

        <section class="panel" aria-labelledby="roles-h">
            <h2 id="roles-h">"Roles"</h2>
            <Suspense fallback=|| ()>
                {move || roles.get().and_then(Result::ok).map(|rs| view! {
                    <table class="table">
                        <thead><tr><th scope="col">"Role"</th><th scope="col">"Permissions"</th></tr></thead>
                        <tbody>
                            {rs.into_iter().map(|r| {
                                let perms = if r.is_admin { "Everything".to_string() } else if r.permissions.is_empty() { "None".to_string() } else {
                                    r.permissions.iter().map(|p| p.label()).collect::<Vec<_>>().join(", ")
                                };
                                view! { <tr><td>{r.name}{r.is_builtin.then_some(" (built-in)")}</td><td>{perms}</td></tr> }
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
            </Suspense>
            <h3>"Create a custom role"</h3>
            <form class="stack" on:submit=move |ev| {
                ev.prevent_default();
                create_role.dispatch(CreateRole { name: role_name.get_untracked(), permissions: role_perms.get_untracked() });
            }>
                <div class="field">
                    <label for="role-name">"Role name"</label>
                    <input id="role-name" required prop:value=role_name on:input=move |ev| role_name.set(event_target_value(&ev))/>
                </div>
                <fieldset class="checks">
                    <legend>"Permissions"</legend>
                    {Permission::ALL.into_iter().map(|p| {
                        let id = format!("perm-{}", p.key());
                        view! {
                            <label for=id.clone() class="check">
                                <input type="checkbox" id=id.clone() value=p.key() on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    role_perms.update(|v| { v.retain(|k| k != p.key()); if on { v.push(p.key().to_string()); } });
                                }/>
                                {p.label()}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="button">"Create role"</button>
            </form>
            {move || create_role.value().get().map(|r| match r {
                Ok(role) => view! { <p class="notice" role="status">"Role " {role.name} " created."</p> }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}
