//! Reading the audit log (implements `app::ports::AuditPort`): the filtered, paged list,
//! the hash-chain check, a CSV export streamed in pages (never built in memory), and the
//! accounting of disclosures of a client, as data and as a PDF.
use app::{
    domain::{
        Permission,
        audit::{Accounting, AuditFilter, AuditRow, ChainCheck, Disclosure},
        sharing::Purpose,
    },
    dto::Page,
    error::AppError,
    ports::{AuditPort, StaffPrincipal},
};
use async_trait::async_trait;
use axum::{
    body::{Body, Bytes},
    extract::{Path, Query, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use chrono::{NaiveDate, Utc};
use futures::StreamExt;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::{Expr, LikeExpr, Query as SqlQuery},
};
use serde_json::json;
use std::collections::{HashMap, HashSet};

use crate::{
    platform::audit,
    platform::entities::{audit_event, document, practice, share, share_document, staff},
    platform::error::{ServerError, boundary},
    records::access::find_visible,
    state::AppState,
    state::Services,
    web::caller::current_origin,
    web::caller::{Caller, Refused, Staff},
};

pub const PAGE: u64 = 50;
const EXPORT_BATCH: u64 = 1000;

fn day(field: &str, v: &str) -> Result<NaiveDate, ServerError> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid(field, "Use a date like 2026-11-23.").into())
}

/// The practice's events matching `f`.
fn filtered(practice_id: &str, f: &AuditFilter) -> Result<Select<audit_event::Entity>, ServerError> {
    let mut q = audit_event::Entity::find().filter(audit_event::Column::PracticeId.eq(practice_id));
    let some = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    if let Some(staff_id) = some(&f.staff_id) {
        q = q.filter(audit_event::Column::ActorKind.eq("staff")).filter(audit_event::Column::ActorId.eq(staff_id));
    }
    if let Some(action) = some(&f.action) {
        q = if let Some(prefix) = action.strip_suffix('.') {
            let esc = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            q.filter(Expr::col(audit_event::Column::Action).like(LikeExpr::new(format!("{esc}.%")).escape('\\')))
        } else {
            q.filter(audit_event::Column::Action.eq(action))
        };
    }
    if let Some(from) = some(&f.from) {
        let d = day("from", &from)?;
        q = q.filter(audit_event::Column::At.gte(d.and_hms_opt(0, 0, 0).expect("valid").and_utc()));
    }
    if let Some(to) = some(&f.to) {
        let d = day("to", &to)? + chrono::Duration::days(1);
        q = q.filter(audit_event::Column::At.lt(d.and_hms_opt(0, 0, 0).expect("valid").and_utc()));
    }
    if let Some(client_id) = some(&f.client_id) {
        // The client's own events, and those of its shares and documents.
        let shares = SqlQuery::select()
            .column(share::Column::Id)
            .from(share::Entity)
            .and_where(share::Column::ClientId.eq(client_id.clone()))
            .to_owned();
        let docs = SqlQuery::select()
            .column(document::Column::Id)
            .from(document::Entity)
            .and_where(document::Column::ClientId.eq(client_id.clone()))
            .to_owned();
        q = q.filter(
            Condition::any()
                .add(audit_event::Column::Target.eq(client_id))
                .add(audit_event::Column::Target.in_subquery(shares))
                .add(audit_event::Column::Target.in_subquery(docs)),
        );
    }
    Ok(q)
}

/// Names for the actors of `events`: staff by name, recipients by their share.
async fn actor_names<C: ConnectionTrait>(
    db: &C,
    events: &[audit_event::Model],
) -> Result<HashMap<String, String>, ServerError> {
    let staff_ids: HashSet<String> =
        events.iter().filter(|e| e.actor_kind == "staff").filter_map(|e| e.actor_id.clone()).collect();
    let share_ids: HashSet<String> =
        events.iter().filter(|e| e.actor_kind == "recipient").filter_map(|e| e.actor_id.clone()).collect();
    let mut names = staff::display_names(db, staff::Column::Id.is_in(staff_ids)).await?;
    for s in share::Entity::find().filter(share::Column::Id.is_in(share_ids)).all(db).await? {
        names.insert(s.id, format!("Recipient: {}", s.recipient_name));
    }
    Ok(names)
}

/// A row for the screen: `at` in the practice's zone `tz` (the CSV export writes UTC).
fn to_row(e: audit_event::Model, names: &HashMap<String, String>, tz: chrono_tz::Tz) -> AuditRow {
    let actor = match e.actor_kind.as_str() {
        "system" => "System".to_owned(),
        "anonymous" => "Someone not signed in".to_owned(),
        _ => e.actor_id.as_ref().and_then(|id| names.get(id).cloned()).unwrap_or_else(|| e.actor_kind.clone()),
    };
    AuditRow {
        seq: e.seq,
        at: crate::platform::zone::rfc3339(e.at, tz),
        actor,
        action: e.action,
        target: e.target,
        network: e.client_network,
        user_agent: e.user_agent,
        detail: e.detail,
    }
}

async fn disclosures(svc: &Services, p: &StaffPrincipal, client_id: &str) -> Result<Accounting, ServerError> {
    if !(p.can(Permission::ShareDocuments) || p.can(Permission::ViewAuditLog)) {
        return Err(AppError::Forbidden.into());
    }
    let db = &svc.s.db;
    let c = find_visible(db, p, client_id).await?;
    let practice = practice::Entity::find_by_id(p.practice_id().to_owned())
        .one(db)
        .await?
        .ok_or_else(|| ServerError::fault("practice missing"))?;
    let tz = crate::platform::zone::of(&practice);
    let shares = share::Entity::find()
        .filter(share::Column::PracticeId.eq(p.practice_id()))
        .filter(share::Column::ClientId.eq(&c.id))
        .order_by_asc(share::Column::CreatedAt)
        .all(db)
        .await?;
    let ids: Vec<String> = shares.iter().map(|s| s.id.clone()).collect();
    let mut titles: HashMap<String, Vec<String>> = HashMap::new();
    for d in share_document::Entity::find()
        .filter(share_document::Column::ShareId.is_in(ids))
        .order_by_asc(share_document::Column::Position)
        .all(db)
        .await?
    {
        titles.entry(d.share_id).or_default().push(format!("{} ({})", d.title, d.doc_date));
    }
    let disclosures = shares
        .into_iter()
        .map(|s| {
            let purpose = Purpose::from_key(&s.purpose).map(|p| p.label()).unwrap_or("Other");
            let status = s.effective_status(Utc::now());
            Disclosure {
                delivery: s.delivered_by().label().to_owned(),
                date: s.created_at.with_timezone(&tz).date_naive().format("%Y-%m-%d").to_string(),
                recipient_name: s.recipient_name,
                recipient_address: s.recipient_email,
                documents: titles.remove(&s.id).unwrap_or_default(),
                purpose: if s.purpose_text.is_empty() {
                    purpose.to_owned()
                } else {
                    format!("{purpose}: {}", s.purpose_text)
                },
                status: status.label().to_owned(),
            }
        })
        .collect();
    Ok(Accounting {
        client_name: format!("{} {}", c.first_name, c.last_name),
        practice_name: practice.name,
        generated_at: crate::platform::zone::date_time(Utc::now(), tz),
        disclosures,
    })
}

#[async_trait]
impl AuditPort for Services {
    async fn list_audit(&self, p: &StaffPrincipal, filter: AuditFilter, page: u32) -> Result<Page<AuditRow>, AppError> {
        boundary(async move {
            p.require(Permission::ViewAuditLog)?;
            let db = &self.s.db;
            let mut events = filtered(p.practice_id(), &filter)?
                .order_by_desc(audit_event::Column::Seq)
                .offset(u64::from(page) * PAGE)
                .limit(PAGE + 1)
                .all(db)
                .await?;
            let has_more = events.len() as u64 > PAGE;
            events.truncate(PAGE as usize);
            let names = actor_names(db, &events).await?;
            let tz = crate::platform::zone::of_practice(db, p.practice_id()).await?;
            Ok(Page { items: events.into_iter().map(|e| to_row(e, &names, tz)).collect(), has_more })
        })
        .await
    }

    async fn verify_audit_chain(&self, p: &StaffPrincipal) -> Result<ChainCheck, AppError> {
        boundary(async move {
            p.require(Permission::ViewAuditLog)?;
            let result = audit::verify_chain(&self.s.db, p.practice_id()).await?;
            let check = match result {
                Ok(n) => ChainCheck { events: n, first_broken: None },
                Err(seq) => ChainCheck { events: 0, first_broken: Some(seq) },
            };
            audit::by_staff(
                &self.s.db,
                p,
                "audit.verified",
                None,
                &current_origin(&self.s),
                json!({ "intact": check.first_broken.is_none(), "first_broken": check.first_broken }),
            )
            .await?;
            Ok(check)
        })
        .await
    }

    async fn accounting(&self, p: &StaffPrincipal, client_id: &str) -> Result<Accounting, AppError> {
        boundary(async move { disclosures(self, p, client_id).await }).await
    }
}

/// A cell a spreadsheet will not run: text that begins with `=`, `+`, `-`, `@`, a tab or
/// a carriage return (a formula trigger) gets a leading `'` (OWASP: CSV injection). Some
/// of these fields (the user agent of a failed sign-in) are chosen by strangers.
fn csv_cell(v: String) -> String {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{v}") } else { v }
}

/// `GET /app/audit/export.csv?client=&staff=&action=&from=&to=`: the filtered log as CSV,
/// oldest first, read and written 1,000 events at a time.
pub async fn export_csv(
    State(s): State<AppState>,
    c: Caller,
    Staff(p): Staff,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Refused> {
    p.require(Permission::ViewAuditLog)?;
    let filter = AuditFilter {
        client_id: q.get("client").cloned(),
        staff_id: q.get("staff").cloned(),
        action: q.get("action").cloned(),
        from: q.get("from").cloned(),
        to: q.get("to").cloned(),
    };
    filtered(p.practice_id(), &filter)?;
    audit::by_staff(&s.db, &p, "audit.exported", None, &c.origin(), json!({ "filter": filter.to_query() })).await?;
    let practice_id = p.practice_id().to_owned();
    let db = s.db.clone();
    // State: the last sequence number written, and whether the header row is out.
    let stream = futures::stream::unfold((0i64, false, false), move |(after, header_done, finished)| {
        let db = db.clone();
        let practice_id = practice_id.clone();
        let filter = filter.clone();
        async move {
            if finished {
                return None;
            }
            let mut w = csv::Writer::from_writer(Vec::new());
            if !header_done {
                let _ =
                    w.write_record(["seq", "at_utc", "actor", "action", "target", "network", "user_agent", "detail"]);
            }
            let batch = match filtered(&practice_id, &filter) {
                Ok(q) => q
                    .filter(audit_event::Column::Seq.gt(after))
                    .order_by_asc(audit_event::Column::Seq)
                    .limit(EXPORT_BATCH)
                    .all(&db)
                    .await
                    .map_err(|e| std::io::Error::other(e.to_string())),
                Err(e) => Err(std::io::Error::other(e.to_string())),
            };
            let batch = match batch {
                Ok(b) => b,
                Err(e) => return Some((Err(e), (after, true, true))),
            };
            let done = (batch.len() as u64) < EXPORT_BATCH;
            let last = batch.last().map(|e| e.seq).unwrap_or(after);
            let names = actor_names(&db, &batch).await.unwrap_or_default();
            for e in batch {
                // UTC, ISO 8601 with `Z`: the export is a record, whatever zone staff see.
                let at = e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                let r = AuditRow { at, ..to_row(e, &names, chrono_tz::Tz::UTC) };
                let _ = w.write_record(
                    [
                        r.seq.to_string(),
                        r.at,
                        r.actor,
                        r.action,
                        r.target.unwrap_or_default(),
                        r.network.unwrap_or_default(),
                        r.user_agent.unwrap_or_default(),
                        r.detail,
                    ]
                    .map(csv_cell),
                );
            }
            let bytes = w.into_inner().unwrap_or_default();
            Some((Ok::<Bytes, std::io::Error>(Bytes::from(bytes)), (last, true, done)))
        }
    })
    // The compression layer polls once more after the end: a fused stream answers None.
    .fuse();
    let name = format!("attachment; filename=\"audit-{}.csv\"", Utc::now().format("%Y%m%d-%H%M"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&name).expect("ascii")),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// `GET /app/clients/{id}/disclosures.pdf`: the accounting of disclosures as a PDF the
/// practice can hand to the client.
pub async fn accounting_pdf(
    State(s): State<AppState>,
    c: Caller,
    Staff(p): Staff,
    Path(id): Path<String>,
) -> Result<Response, Refused> {
    let svc = Services { s: s.clone() };
    let a = disclosures(&svc, &p, &id).await?;
    let entries: Vec<(String, Vec<String>)> = a
        .disclosures
        .iter()
        .map(|d| {
            (
                format!("{} - {} <{}>", d.date, d.recipient_name, d.recipient_address),
                vec![
                    format!("Disclosed: {}", d.documents.join("; ")),
                    format!("Purpose: {}", d.purpose),
                    format!("Delivery: {}; status now: {}", d.delivery, d.status),
                ],
            )
        })
        .collect();
    let subtitle = format!("{} - {} disclosures - prepared {}", a.client_name, a.disclosures.len(), a.generated_at);
    let entries = if entries.is_empty() {
        vec![("No disclosures".to_owned(), vec!["No documents of this client have been shared.".to_owned()])]
    } else {
        entries
    };
    let pdf = crate::platform::pdf::render_report(&a.practice_name, "Accounting of disclosures", &subtitle, &entries)
        .map_err(ServerError::fault)?;
    audit::by_staff(
        &s.db,
        &p,
        "client.accounting_downloaded",
        Some(&id),
        &c.origin(),
        json!({ "disclosures": a.disclosures.len() }),
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/pdf")),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"accounting-of-disclosures.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn formula_triggers_are_neutralised() {
        for bad in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(bad.into()), format!("'{bad}"));
        }
        for fine in ["Mozilla/5.0", "{\"step\":\"password\"}", "2026-12-01T20:05:00Z", "::1", ""] {
            assert_eq!(csv_cell(fine.into()), fine);
        }
    }
}
