//! The audit log (staff who may view it): filters, pages, CSV export and the hash-chain
//! check; and a client's accounting of disclosures.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::audit::{VerifyAuditChain, client_accounting, list_audit};
use crate::api::staff::list_staff;
use crate::components::{ActionError, paged_table};
use crate::domain::audit::{AUDIT_ACTIONS, AuditFilter};

fn when(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// `/app/audit` (`?client=<id>` filters by client, as linked from a client's profile).
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let q = use_query_map();
    let client = q.with_untracked(|q| q.get("client"));
    let filter = RwSignal::new(AuditFilter { client_id: client, ..Default::default() });
    let page = RwSignal::new(0u32);
    let rows = Resource::new(move || (filter.get(), page.get()), |(f, p)| list_audit(f, p));
    let staff = Resource::new(|| (), |_| list_staff());
    let verify = ServerAction::<VerifyAuditChain>::new();
    let set = move |f: &dyn Fn(&mut AuditFilter, Option<String>), v: String| {
        filter.update(|x| f(x, (!v.is_empty()).then_some(v)));
        page.set(0);
    };
    view! {
        <div class="page-head">
            <Title text="Audit log"/><h1>"Audit log"</h1>
            <div class="actions">
                <a class="button" href=move || format!("/app/audit/export.csv?{}", filter.with(AuditFilter::to_query)) download>"Export CSV"</a>
                <button class="button" on:click=move |_| { verify.dispatch(VerifyAuditChain {}); }>"Verify the log"</button>
            </div>
        </div>
        <p class="lead">"Every sign-in, share, view, download and change, with who, when and from where. Entries cannot be changed: each carries the hash of the one before."</p>
        {move || verify.value().get().map(|r| match r {
            Ok(c) if c.first_broken.is_none() => view! { <p class="notice" role="status">{format!("The log is intact: {} events checked.", c.events)}</p> }.into_any(),
            Ok(c) => view! { <p class="form-error" role="alert">{format!("The log has been altered: event {} does not match its hash.", c.first_broken.unwrap_or_default())}</p> }.into_any(),
            Err(e) => view! { <ActionError error=e/> }.into_any(),
        })}
        <div class="toolbar audit-filters">
            {move || filter.with(|f| f.client_id.clone()).map(|c| view! {
                <span class="badge">"One client" " "<button class="link" on:click=move |_| set(&|f, _| f.client_id = None, String::new())>"show all"</button></span>
                <a class="hint" href=format!("/app/clients/{c}")>"Back to the client"</a>
            })}
            <div class="field">
                <label for="audit-kind">"Events"</label>
                <select id="audit-kind" on:change=move |ev| set(&|f, v| f.action = v, event_target_value(&ev))>
                    <option value="">"All events"</option>
                    {AUDIT_ACTIONS.iter().map(|(k, label)| view! { <option value=*k>{*label}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="audit-staff">"Staff member"</label>
                <select id="audit-staff" on:change=move |ev| set(&|f, v| f.staff_id = v, event_target_value(&ev))>
                    <option value="">"Anyone"</option>
                    <Suspense fallback=|| ()>
                        {move || staff.get().and_then(Result::ok).map(|list| list.into_iter().map(|s| view! { <option value=s.id>{s.name}</option> }).collect_view())}
                    </Suspense>
                </select>
            </div>
            <div class="field">
                <label for="audit-from">"From"</label>
                <input id="audit-from" type="date" on:change=move |ev| set(&|f, v| f.from = v, event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="audit-to">"To"</label>
                <input id="audit-to" type="date" on:change=move |ev| set(&|f, v| f.to = v, event_target_value(&ev))/>
            </div>
        </div>
        {paged_table("Audit events", "table audit", rows, page,
            || view! { <th scope="col">"#"</th><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Event"</th><th scope="col">"Details"</th><th scope="col">"From"</th> },
            |e| view! {
                <tr>
                    <td>{e.seq}</td>
                    <td class="nowrap">{when(&e.at)}</td>
                    <td>{e.actor}</td>
                    <td><code>{e.action}</code></td>
                    <td class="detail"><code>{e.detail}</code></td>
                    <td><span class="hint">{e.network.unwrap_or_default()}</span></td>
                </tr>
            },
            || view! { <p class="empty">"No events match these filters."</p> },
        )}
    }
}

#[component]
fn DisclosureTable(disclosures: Vec<crate::domain::audit::Disclosure>) -> impl IntoView {
    if disclosures.is_empty() {
        return view! { <p class="empty">"No documents of this client have been disclosed."</p> }.into_any();
    }
    view! {
        <table class="table">
            <thead><tr><th scope="col">"Date"</th><th scope="col">"Recipient"</th><th scope="col">"What"</th><th scope="col">"Purpose"</th><th scope="col">"How"</th></tr></thead>
            <tbody>
                {disclosures.into_iter().map(|d| view! {
                    <tr>
                        <td class="nowrap">{d.date}</td>
                        <td>{d.recipient_name}<br/><span class="hint">{d.recipient_address}</span></td>
                        <td>{d.documents.join("; ")}</td>
                        <td>{d.purpose}</td>
                        <td>{d.delivery}<br/><span class="hint">{d.status}</span></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The History tab of a client's file: the accounting of disclosures (what went to whom,
/// when and why), and for staff who may read the audit log, the client's audit events.
#[component]
pub fn ClientHistory(client_id: String) -> impl IntoView {
    view! { <crate::components::AfterHydration><ClientHistoryInner client_id=client_id.clone()/></crate::components::AfterHydration> }
}

#[component]
fn ClientHistoryInner(client_id: String) -> impl IntoView {
    let a = LocalResource::new({
        let id = client_id.clone();
        move || client_accounting(id.clone())
    });
    let me = LocalResource::new(crate::api::staff::get_me);
    let may_audit =
        move || me.get().and_then(Result::ok).is_some_and(|m| m.can(crate::domain::Permission::ViewAuditLog));
    let id = client_id.clone();
    view! {
        <section class="panel" aria-labelledby="history-h">
            <div class="section-head">
                <h2 id="history-h">"Disclosures"</h2>
                <p class="links">
                    <a href=format!("/app/clients/{id}/disclosures")>"Accounting of disclosures (page and PDF)"</a>
                    <Show when=may_audit>" · "<a href=format!("/app/audit?client={}", client_id.clone())>"Audit events"</a></Show>
                </p>
            </div>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || a.get().map(|r| match r {
                    Ok(a) => view! { <DisclosureTable disclosures=a.disclosures/> }.into_any(),
                    Err(e) => view! { <ActionError error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// `/app/clients/:id/disclosures`: every disclosure of the client's documents.
#[component]
pub fn DisclosuresPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let a = Resource::new(id, client_accounting);
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || a.get().map(|r| match r {
                Ok(a) => view! {
                    <p class="crumbs"><a href=format!("/app/clients/{}", id())>{a.client_name.clone()}</a></p>
                    <div class="page-head">
                        <Title text="Accounting of disclosures"/><h1>"Accounting of disclosures"</h1>
                        <div class="actions"><a class="button primary" href=format!("/app/clients/{}/disclosures.pdf", id()) download>"Download PDF for the client"</a></div>
                    </div>
                    <p class="lead">{format!("Every disclosure of {}'s documents by {}: when, to whom, what and why.", a.client_name, a.practice_name)}</p>
                    <section class="panel"><DisclosureTable disclosures=a.disclosures/></section>
                }.into_any(),
                Err(e) => view! { <Title text="Accounting of disclosures"/><h1>"Accounting of disclosures"</h1><ActionError error=e/> }.into_any(),
            })}
        </Transition>
    }
}
