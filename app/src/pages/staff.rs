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
    view! {
        <ul>
            <li><A href="/app" exact=true>"Overview"</A></li>
            <li><A href="/app/clients">"Clients"</A></li>
            <li><A href="/app/contacts">"Contacts"</A></li>
            <li><A href="/app/documents">"Documents"</A></li>
            <li><A href="/app/intake">"Intake forms"</A></li>
            <li><A href="/app/shared">"Shared"</A></li>
            {audit.then(|| view! { <li><A href="/app/audit">"Audit log"</A></li> })}
            {settings.then(|| view! { <li><A href="/app/settings">"Settings"</A></li> })}
            {staff.then(|| view! { <li><A href="/app/staff">"Staff"</A></li> })}
        </ul>
    }
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
        <shared::Notifications/>
    }
}

/// A section whose content arrives with a later part of Dossier: says so plainly.
#[component]
pub fn SectionPage(title: &'static str, empty_title: &'static str, empty_text: &'static str) -> impl IntoView {
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <div class="empty-state">
            <h2>{empty_title}</h2>
            <p>{empty_text}</p>
        </div>
    }
}

#[component]
pub fn DocumentsPage() -> impl IntoView {
    view! {
        <Title text="Documents"/><h1>"Documents"</h1>
        <div class="empty-state">
            <h2>"Documents live in each client's file"</h2>
            <p>"Open a client to see their documents, add notes, letters, forms, prescriptions and invoices, upload lab results, and download any of them as PDF."</p>
            <p><a class="button primary" href="/app/clients">"Go to clients"</a></p>
        </div>
    }
}

#[component]
pub fn SharedPage() -> impl IntoView {
    view! { <SectionPage title="Shared" empty_title="Shares are kept with each client" empty_text="Open a client to see every share of their documents in its Shared section: recipient, status, views, and revoke, extend, resend or unlock. Notifications about your shares are on the Overview."/> }
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
            <ActionForm action=invite attr:class="inline-form">
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
            </ActionForm>
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
