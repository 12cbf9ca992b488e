//! After sharing: the Shared tab of a client (every share of their documents, its life and
//! the actions on it), a document's sharing history, and the sender's notifications.
use leptos::prelude::*;

use crate::api::sharing::{
    ExtendShare, ResendShare, RevokeClientShares, RevokeShare, RevokeShares, UnlockShare, document_shares,
    list_client_shares, list_notifications, list_shares, mark_notifications_read,
};
use crate::components::{ActionError, AfterHydration, EmptyState};
use crate::domain::sharing::{DeliveryIssue, ShareFilter, ShareRow, ShareStatus};

fn when(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.format(crate::domain::sharing::DAY_TIME).to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

fn badge(s: ShareStatus) -> impl IntoView {
    let class = match s {
        ShareStatus::Opened | ShareStatus::Sent => "badge badge-active",
        ShareStatus::Queued => "badge",
        ShareStatus::Locked | ShareStatus::Failed => "badge badge-danger",
        ShareStatus::Expired | ShareStatus::Revoked => "badge badge-muted",
    };
    view! { <span class=class data-status=s.key()>{s.label()}</span> }
}

/// The share's details as plain text, for the practice's records.
fn details_text(r: &ShareRow) -> String {
    format!(
        "Share {}\nRecipient: {} <{}> ({})\nDocuments: {}\nDelivery: {}; verification: {}\nPurpose: {}\nSent by {} on {}\nExpires: {}\nStatus: {}; views: {}",
        r.id,
        r.recipient_name,
        r.recipient_email,
        r.recipient_kind,
        r.documents.join("; "),
        r.delivery,
        r.method,
        r.purpose,
        r.sender,
        when(&r.sent_at),
        r.expires_on,
        r.status.label(),
        r.views
    )
}

#[derive(Clone, Copy)]
struct Actions {
    revoke: ServerAction<RevokeShare>,
    extend: ServerAction<ExtendShare>,
    resend: ServerAction<ResendShare>,
    unlock: ServerAction<UnlockShare>,
}

impl Actions {
    fn new() -> Self {
        Actions {
            revoke: ServerAction::new(),
            extend: ServerAction::new(),
            resend: ServerAction::new(),
            unlock: ServerAction::new(),
        }
    }

    /// Changes whenever any action completes (the list reloads).
    fn track(self) {
        (
            self.revoke.version().get(),
            self.extend.version().get(),
            self.resend.version().get(),
            self.unlock.version().get(),
        );
    }

    /// The latest failure of any action, to show above the list.
    fn error(self) -> Option<crate::error::AppError> {
        self.revoke
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| self.extend.value().get().and_then(Result::err))
            .or_else(|| self.resend.value().get().and_then(Result::err))
            .or_else(|| self.unlock.value().get().and_then(Result::err))
    }
}

/// The Shared tab on a client's profile.
#[component]
pub fn SharedTab(client_id: String) -> impl IntoView {
    view! { <AfterHydration><SharedList client_id=client_id.clone()/></AfterHydration> }
}

#[component]
fn SharedList(client_id: String) -> impl IntoView {
    let status = RwSignal::new(None::<ShareStatus>);
    let newest_first = RwSignal::new(true);
    // "Sent since" (a date, empty for all): filtered here, the list is one client's.
    let since = RwSignal::new(String::new());
    let a = Actions::new();
    let revoke_all = ServerAction::<RevokeClientShares>::new();
    let confirm_all = RwSignal::new(false);
    let versions = move || {
        a.track();
        revoke_all.version().get();
    };
    // Loaded in the browser after hydration (the page's own data comes first; this list
    // is never part of the server-rendered HTML, so it cannot upset hydration).
    let list = LocalResource::new({
        let client_id = client_id.clone();
        move || {
            versions();
            list_client_shares(client_id.clone(), status.get())
        }
    });
    let error = move || a.error().or_else(|| revoke_all.value().get().and_then(Result::err));
    // Revoking is offered only to who may do it (the rows say so).
    let may_act = move || list.get().and_then(Result::ok).is_some_and(|rows| rows.iter().any(|r| r.can_act));
    let cid = client_id.clone();
    view! {
        <section class="panel" id="shared" aria-labelledby="shared-h">
            <div class="section-head">
                <h2 id="shared-h">"Shared"</h2>
                <p class="links">
                    <a href=format!("/app/clients/{client_id}/disclosures")>"Accounting of disclosures"</a>
                    " · "
                    <a href=format!("/app/audit?client={client_id}")>"Audit events"</a>
                </p>
                <div class="toolbar">
                    <div class="field">
                        <label for="shared-status">"Status"</label>
                        <select id="shared-status" on:change=move |ev| status.set(ShareStatus::from_key(&event_target_value(&ev)))>
                            <option value="">"All"</option>
                            {ShareStatus::ALL.into_iter().map(|s| view! { <option value=s.key()>{s.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="shared-since">"Sent since"</label>
                        <input id="shared-since" type="date" on:input=move |ev| since.set(event_target_value(&ev))/>
                    </div>
                    <div class="field">
                        <label for="shared-sort">"Order"</label>
                        <select id="shared-sort" on:change=move |ev| newest_first.set(event_target_value(&ev) == "new")>
                            <option value="new">"Newest first"</option>
                            <option value="old">"Oldest first"</option>
                        </select>
                    </div>
                    // Both states are in the page and toggled by `hidden` (no node swapped
                    // in or out while the page hydrates).
                    <button class="button" hidden=move || confirm_all.get() || !may_act() on:click=move |_| confirm_all.set(true)>"Revoke all shares…"</button>
                    <span class="confirm" hidden=move || !confirm_all.get()>
                        "Revoke every live share of this client? Recipients lose access at once. "
                        <button class="button danger" on:click=move |_| { revoke_all.dispatch(RevokeClientShares { client_id: cid.clone() }); confirm_all.set(false); }>"Revoke all"</button>
                        <button class="button subtle" on:click=move |_| confirm_all.set(false)>"Cancel"</button>
                    </span>
                </div>
            </div>
            {move || revoke_all.value().get().and_then(Result::ok).map(|n| view! { <p class="notice" role="status">{format!("{n} shares revoked.")}</p> })}
            {move || error().map(|e| view! { <ActionError error=e/> })}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || list.get().map(|r| match r {
                    Ok(mut rows) if !rows.is_empty() => {
                        let since = since.get();
                        rows.retain(|r| since.is_empty() || r.sent_at.get(..10).is_some_and(|d| d >= since.as_str()));
                        if rows.is_empty() {
                            return view! { <p class="empty">"No shares sent on or after this date."</p> }.into_any();
                        }
                        if !newest_first.get() { rows.reverse(); }
                        view! { <ShareTable rows a show_client=false picked=None/> }.into_any()
                    }
                    Ok(_) => view! {
                        <div class="empty-state">
                            <h3>{move || if status.get().is_some() { "No shares with this status" } else { "Nothing shared yet" }}</h3>
                            <p>"Every share of this client's documents appears here with its recipient, expiry and status."</p>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <ActionError error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// Every share of the practice the user may see (`/app/shared`): what needs attention
/// first, then everything, filtered by status, sender and date, a page at a time, with
/// the same actions as a client's Shared tab and bulk revoke.
#[component]
pub fn PracticeSharedPage() -> impl IntoView {
    view! {
        <leptos_meta::Title text="Shared"/>
        <div class="page-head">
            <h1>"Shared"</h1>
        </div>
        <AfterHydration><PracticeShared/></AfterHydration>
    }
}

#[component]
fn PracticeShared() -> impl IntoView {
    let attention = RwSignal::new(true);
    let status = RwSignal::new(None::<ShareStatus>);
    let mine = RwSignal::new(false);
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    // Keyset pages: the cursors of the pages before this one.
    let pages = RwSignal::new(Vec::<String>::new());
    let picked = RwSignal::new(Vec::<String>::new());
    let confirm = RwSignal::new(false);
    let a = Actions::new();
    let bulk = ServerAction::<RevokeShares>::new();
    let filter = move || ShareFilter {
        status: status.get(),
        attention: attention.get(),
        mine: mine.get(),
        since: since.get(),
        until: until.get(),
        after: pages.with(|p| p.last().cloned()),
    };
    // Any change of filter starts again at the first page with nothing selected.
    let refilter = move || {
        pages.set(Vec::new());
        picked.set(Vec::new());
    };
    let list = LocalResource::new(move || {
        a.track();
        bulk.version().get();
        list_shares(filter())
    });
    let error = move || a.error().or_else(|| bulk.value().get().and_then(Result::err));
    // Bulk revoke is offered only to who may revoke (the rows say so).
    let may_act = move || list.get().and_then(Result::ok).is_some_and(|p| p.items.iter().any(|r| r.can_act));
    Effect::new(move |_| {
        if bulk.value().with(|v| matches!(v, Some(Ok(_)))) {
            picked.set(Vec::new());
        }
    });
    view! {
        <div class="tabs" role="tablist" aria-label="Which shares">
            <button type="button" role="tab" class="tab" aria-selected=move || attention.get().to_string()
                on:click=move |_| { attention.set(true); refilter(); }>"Needs attention"</button>
            <button type="button" role="tab" class="tab" aria-selected=move || (!attention.get()).to_string()
                on:click=move |_| { attention.set(false); refilter(); }>"All shares"</button>
        </div>
        <section class="panel" aria-label="Shares">
            <div class="toolbar filters">
                <div class="field" hidden=move || attention.get()>
                    <label for="shares-status">"Status"</label>
                    <select id="shares-status" on:change=move |ev| { status.set(ShareStatus::from_key(&event_target_value(&ev))); refilter(); }>
                        <option value="">"All"</option>
                        {ShareStatus::ALL.into_iter().map(|s| view! { <option value=s.key()>{s.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="shares-since">"Sent from"</label>
                    <input id="shares-since" type="date" on:change=move |ev| { since.set(event_target_value(&ev)); refilter(); }/>
                </div>
                <div class="field">
                    <label for="shares-until">"Sent until"</label>
                    <input id="shares-until" type="date" on:change=move |ev| { until.set(event_target_value(&ev)); refilter(); }/>
                </div>
                <label class="check"><input type="checkbox" on:change=move |ev| { mine.set(event_target_checked(&ev)); refilter(); }/>"Shared by me"</label>
                <span class="spacer"></span>
                <button class="button" disabled=move || picked.with(Vec::is_empty) hidden=move || confirm.get() || !may_act()
                    on:click=move |_| confirm.set(true)>
                    {move || match picked.with(Vec::len) { 0 => "Revoke selected".to_string(), n => format!("Revoke selected ({n})…") }}
                </button>
                <span class="confirm" role="alert" hidden=move || !confirm.get()>
                    {move || format!("Revoke {} selected shares? Their recipients lose access at once. ", picked.with(Vec::len))}
                    <button class="button danger" on:click=move |_| { bulk.dispatch(RevokeShares { share_ids: picked.get_untracked() }); confirm.set(false); }>"Revoke them"</button>
                    <button class="button subtle" on:click=move |_| confirm.set(false)>"Cancel"</button>
                </span>
            </div>
            {move || bulk.value().get().and_then(Result::ok).map(|n| view! {
                <p class="notice" role="status">{if n == 1 { "1 share revoked.".to_string() } else { format!("{n} shares revoked.") }}</p>
            })}
            {move || error().map(|e| view! { <ActionError error=e/> })}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || list.get().map(|r| match r {
                    Ok(page) if !page.items.is_empty() => {
                        let next = page.has_more.then(|| page.items.last().map(ShareRow::cursor)).flatten();
                        view! {
                            <ShareTable rows=page.items a show_client=true picked=Some(picked)/>
                            <div class="pager">
                                <button class="button subtle" hidden=move || pages.with(Vec::is_empty)
                                    on:click=move |_| { pages.update(|p| { p.pop(); }); picked.set(Vec::new()); }>"Newer"</button>
                                {next.map(|c| view! {
                                    <button class="button subtle" on:click=move |_| { pages.update(|p| p.push(c.clone())); picked.set(Vec::new()); }>"Older"</button>
                                })}
                            </div>
                        }.into_any()
                    }
                    Ok(_) if attention.get_untracked() => view! {
                        <EmptyState title="Nothing needs attention"
                            text="Locked shares, emails that could not be delivered, and shares not yet opened that expire within a day appear here."/>
                    }.into_any(),
                    Ok(_) => view! {
                        <EmptyState title="No shares match"
                            text="Every share of your practice's documents appears here with its client, recipient, expiry and status. Share documents from a client's file or from Documents."/>
                    }.into_any(),
                    Err(e) => view! { <ActionError error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// The shares as a table; `show_client` names each share's client (the practice-wide
/// list), `picked` adds a checkbox per live share for bulk revoke.
#[component]
fn ShareTable(
    rows: Vec<ShareRow>,
    a: Actions,
    show_client: bool,
    picked: Option<RwSignal<Vec<String>>>,
) -> impl IntoView {
    view! {
        <table class="table shares phone-cards">
            <thead><tr>
                {picked.map(|_| view! { <th scope="col"><span class="visually-hidden">"Select"</span></th> })}
                <th scope="col">"Recipient"</th><th scope="col">"Documents"</th><th scope="col">"How"</th>
                <th scope="col">"Sent · expires"</th><th scope="col">"Status"</th>
                <th scope="col">"Views"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! { <ShareLine r a show_client picked/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn ShareLine(r: ShareRow, a: Actions, show_client: bool, picked: Option<RwSignal<Vec<String>>>) -> impl IntoView {
    let extending = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let new_date = RwSignal::new(r.expires_on.clone());
    let show_details = RwSignal::new(false);
    let details = details_text(&r);
    let id = r.id.clone();
    let live = r.status.is_live();
    let can_act = r.can_act;
    let (id1, id2, id3, id4) = (id.clone(), id.clone(), id.clone(), id.clone());
    let name = r.recipient_name.clone();
    view! {
        <tr data-share=r.id.clone()>
            {picked.map(|picked| {
                let (on, flip) = (r.id.clone(), r.id.clone());
                view! {
                    <td>{(can_act && live).then(|| view! {
                        <input type="checkbox" aria-label=format!("Select the share with {}", r.recipient_name)
                            prop:checked=move || picked.with(|p| p.contains(&on))
                            on:change=move |ev| {
                                let yes = event_target_checked(&ev);
                                picked.update(|p| { p.retain(|x| x != &flip); if yes { p.push(flip.clone()); } });
                            }/>
                    })}</td>
                }
            })}
            <td class="who">
                <strong>{r.recipient_name.clone()}</strong><br/><span class="hint">{r.recipient_email.clone()}" · "{r.recipient_kind.clone()}</span>
                {show_client.then(|| view! {
                    <br/><span class="hint">"Client: "<a href=format!("/app/clients/{}/shared", r.client_id)>{r.client_name.clone()}</a></span>
                })}
            </td>
            <td>{r.documents.join(", ")}<br/><span class="hint">{r.purpose.clone()}</span></td>
            <td>{r.delivery.clone()}<br/><span class="hint">{r.method.clone()}</span></td>
            <td><span class="when">{when(&r.sent_at)}</span><br/><span class="hint">{format!("by {}", r.sender)}</span>
                <br/><span class="hint">{format!("expires {}", r.expires_on)}</span></td>
            <td>
                {badge(r.status)}
                {(r.failed_attempts > 0).then(|| view! { <br/><span class="hint">{match r.failed_attempts { 1 => "1 failed attempt".to_string(), n => format!("{n} failed attempts") }}</span> })}
                {r.delivery_issue.as_ref().map(|d| view! { <br/><span class="hint delivery-issue" data-delivery=if matches!(d, DeliveryIssue::Delayed { .. }) { "delayed" } else { "given-up" }>{d.describe(when)}</span> })}
            </td>
            <td>{r.views}{r.last_viewed_at.as_deref().map(|t| view! { <br/><span class="hint">{format!("last {}", when(t))}</span> })}</td>
            <td class="row-actions">
                {(can_act && live && r.status != ShareStatus::Revoked).then(|| view! {
                    <Show when=move || confirming.get() fallback=move || view! {
                        <button class="button subtle" aria-label=format!("Revoke the share with {}", name.clone()) on:click=move |_| confirming.set(true)>"Revoke"</button>
                    }>
                        {
                            let id1 = id1.clone();
                            view! {
                                <button class="button danger" on:click=move |_| { a.revoke.dispatch(RevokeShare { share_id: id1.clone() }); confirming.set(false); }>"Confirm revoke"</button>
                                <button class="button subtle" on:click=move |_| confirming.set(false)>"Keep"</button>
                            }
                        }
                    </Show>
                })}
                {(can_act && r.status == ShareStatus::Locked).then(|| view! {
                    <button class="button subtle" on:click=move |_| { a.unlock.dispatch(UnlockShare { share_id: id2.clone() }); }>"Unlock"</button>
                })}
                {(can_act && matches!(r.status, ShareStatus::Queued | ShareStatus::Sent | ShareStatus::Opened | ShareStatus::Failed))
                    .then(|| r.delivery == "Secure link")
                    .unwrap_or(false)
                    .then(|| view! {
                        <button class="button subtle" on:click=move |_| { a.resend.dispatch(ResendShare { share_id: id3.clone() }); }>"Resend link"</button>
                    })}
                {(can_act && (live || r.status == ShareStatus::Expired)).then(|| view! {
                    <button class="button subtle" aria-expanded=move || extending.get().to_string() on:click=move |_| extending.update(|e| *e = !*e)>"Extend"</button>
                })}
                <button class="button subtle" aria-expanded=move || show_details.get().to_string() on:click=move |_| show_details.update(|d| *d = !*d)>"Details"</button>
                {move || extending.get().then(|| {
                    let id4 = id4.clone();
                    let input_id = format!("extend-{}", id4);
                    view! {
                        <div class="inline-edit">
                            <label for=input_id.clone()>"New expiry"</label>
                            <input id=input_id type="date" prop:value=new_date on:input=move |ev| new_date.set(event_target_value(&ev))/>
                            <button class="button" on:click=move |_| { a.extend.dispatch(ExtendShare { share_id: id4.clone(), expires_on: new_date.get_untracked() }); extending.set(false); }>"Save"</button>
                        </div>
                    }
                })}
                {
                    let details = details.clone();
                    move || show_details.get().then(|| view! { <CopyDetails text=details.clone()/> })
                }
            </td>
        </tr>
    }
}

/// The share's details, selectable, with a copy button.
#[component]
fn CopyDetails(text: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let t = text.clone();
    view! {
        <div class="copy-details">
            <textarea readonly rows="6" aria-label="Share details">{text}</textarea>
            <button class="button subtle" on:click=move |_| {
                #[cfg(feature = "hydrate")]
                if let Some(w) = web_sys::window() {
                    let _ = w.navigator().clipboard().write_text(&t);
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = &t;
                copied.set(true);
            }>{move || if copied.get() { "Copied" } else { "Copy details" }}</button>
        </div>
    }
}

/// A loaded list as a `<ul>` with the classes `class`, one `item` a row; `empty` when it has
/// no rows, or the error that kept it from loading.
fn list_or_empty<T, I, E>(
    loaded: Result<Vec<T>, crate::error::AppError>,
    class: &'static str,
    item: impl FnMut(T) -> I,
    empty: impl FnOnce() -> E,
) -> AnyView
where
    I: IntoView + 'static,
    E: IntoView + 'static,
{
    match loaded {
        Ok(rows) if rows.is_empty() => empty().into_any(),
        Ok(rows) => view! { <ul class=class>{rows.into_iter().map(item).collect_view()}</ul> }.into_any(),
        Err(e) => view! { <ActionError error=e/> }.into_any(),
    }
}

/// A document's sharing history (on the document page).
#[component]
pub fn DocumentSharing(document_id: String) -> impl IntoView {
    view! { <AfterHydration><DocumentSharingList document_id=document_id.clone()/></AfterHydration> }
}

#[component]
fn DocumentSharingList(document_id: String) -> impl IntoView {
    let list = LocalResource::new(move || document_shares(document_id.clone()));
    view! {
        <section class="panel" aria-labelledby="doc-shared-h">
            <h2 id="doc-shared-h">"Sharing history"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || list.get().map(|r| list_or_empty(r, "history",
                    |r| view! {
                        <li>
                            {format!("{} · {} <{}> by {} · ", when(&r.sent_at), r.recipient_name, r.recipient_email, r.sender)}
                            {r.delivery.clone()}" · "{badge(r.status)}
                            {format!(" · {} views", r.views)}
                            {r.last_viewed_at.as_deref().map(|t| format!(", last {}", when(t)))}
                            {r.delivery_issue.as_ref().map(|d| view! { <br/><span class="hint delivery-issue">{d.describe(when)}</span> })}
                        </li>
                    },
                    || view! { <p class="empty">"This document has not been shared."</p> },
                ))}
            </Transition>
        </section>
    }
}

/// The sender's notifications, newest first, on the overview.
#[component]
pub fn Notifications() -> impl IntoView {
    view! { <AfterHydration><NotificationList/></AfterHydration> }
}

#[component]
fn NotificationList() -> impl IntoView {
    // A plain action: the list has no form to post without JavaScript, and a ServerAction
    // would link the no-JavaScript error decoding (base64) into the overview's wasm.
    let read = Action::new(|_: &()| mark_notifications_read());
    let list = LocalResource::new(move || {
        read.version().get();
        list_notifications()
    });
    view! {
        <section class="panel" aria-labelledby="notes-h">
            <div class="section-head">
                <h2 id="notes-h">"Notifications"</h2>
                <button class="button subtle" on:click=move |_| { read.dispatch(()); }>"Mark all as read"</button>
            </div>
            <Transition fallback=|| ()>
                {move || list.get().map(|r| list_or_empty(r, "notifications",
                    |n| view! {
                        <li class:unread=!n.read>
                            <a href=n.href>{n.text}</a>" "<span class="hint"><time datetime=n.at>{n.at_label}</time></span>
                        </li>
                    },
                    || view! { <p class="empty">"Nothing new. You are told here when a recipient opens a share, when one is locked, and a day before an unopened share expires."</p> },
                ))}
            </Transition>
        </section>
    }
}
