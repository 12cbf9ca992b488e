//! Documents (implements `app::ports::DocumentsPort`), uploads and downloads.
//!
//! Every document is sealed at rest under its own data key, wrapped by the master key
//! (`platform::vault`; `key_id` is the master key's fingerprint, for rotation: see
//! `rotate.rs`). The database alone reveals no content. Access follows the client
//! ([`crate::records::access::visible_to`], [`crate::records::access::find_visible_document`]).
use app::{
    domain::{
        Permission,
        documents::{DateRange, DocumentBody, DocumentKind},
        records::like_pattern,
    },
    dto::{
        DocumentDraft, DocumentFilter, DocumentListItem, DocumentRow, DocumentView, FileInfo, LIST_PAGE, PAGE_SIZE,
        Page,
    },
    error::AppError,
    ports::{DocumentsPort, StaffPrincipal},
};
use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, LikeExpr, SimpleExpr},
};
use serde_json::json;
use std::collections::HashSet;

use crate::{
    platform::audit,
    platform::crypto,
    platform::entities::{client, document, document_file, document_kind, staff},
    platform::error::{ServerError, boundary},
    platform::vault::{body_aad, data_key, decrypt_body, file_aad, insert_document},
    records::access::find_visible,
    records::access::find_visible_document,
    state::Services,
    web::caller::current_origin,
};

/// Largest upload accepted (lab reports and scans).
pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;

fn parse_title(raw: &str) -> Result<String, ServerError> {
    let t = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        return Err(AppError::invalid("title", "Enter a title.").into());
    }
    if t.chars().count() > 200 {
        return Err(AppError::invalid("title", "Keep the title under 200 characters.").into());
    }
    Ok(t)
}

fn parse_date(raw: &str) -> Result<String, ServerError> {
    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| AppError::invalid("date", "Enter the date as year-month-day.").into())
}

/// The columns a list shows (never the sealed body or key).
#[derive(Debug, FromQueryResult)]
struct Listed {
    id: String,
    client_id: String,
    kind: String,
    title: String,
    doc_date: String,
    author_id: String,
    is_psychotherapy: bool,
    created_at: chrono::DateTime<Utc>,
}

fn listed(q: sea_orm::Select<document::Entity>) -> sea_orm::Select<document::Entity> {
    use document::Column as C;
    q.select_only().columns([
        C::Id,
        C::ClientId,
        C::Kind,
        C::Title,
        C::DocDate,
        C::AuthorId,
        C::IsPsychotherapy,
        C::CreatedAt,
    ])
}

fn with_dates(mut q: sea_orm::Select<document::Entity>, dates: DateRange) -> sea_orm::Select<document::Entity> {
    if let Some(from) = dates.from {
        q = q.filter(document::Column::DocDate.gte(from.format("%Y-%m-%d").to_string()));
    }
    if let Some(to) = dates.to {
        q = q.filter(document::Column::DocDate.lte(to.format("%Y-%m-%d").to_string()));
    }
    q
}

/// The search box on one client's documents: the title contains it, or the date is it
/// ("2026-10-20", "20/10/2026") or contains it ("2026-10").
fn matches(query: &str, pattern: String) -> Condition {
    Condition::any().add(title_like(pattern.clone())).add(date_matches(query, pattern))
}

fn title_like(pattern: String) -> SimpleExpr {
    Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(document::Column::Title)))
        .like(LikeExpr::new(pattern).escape('\\'))
}

fn date_matches(query: &str, pattern: String) -> SimpleExpr {
    match app::domain::documents::parse_date(query) {
        Some(d) => document::Column::DocDate.eq(d.format("%Y-%m-%d").to_string()),
        None => document::Column::DocDate.like(LikeExpr::new(pattern).escape('\\')),
    }
}

/// Titles containing the search, through their trigram index: on SQLite the FTS5 table of
/// migration 000023 (three characters or more); otherwise `lower(title) LIKE`, which
/// PostgreSQL serves from its pg_trgm index.
fn title_matches(backend: sea_orm::DbBackend, query: &str, pattern: String) -> SimpleExpr {
    if backend == sea_orm::DbBackend::Sqlite
        && let Some(found) = crate::platform::search::search(backend, "document", document::Column::Title, query)
    {
        return found;
    }
    title_like(pattern)
}

/// How many of the newest documents a title search on PostgreSQL looks through first, and
/// how many of their matches it keeps, hoping to fill its page there.
const TITLE_WINDOW: u64 = 4000;
const WINDOW_MATCHES: u64 = 400;

/// The first page of `q`'s documents whose title contains the search, newest first.
/// `by_date` is `q` with only the conditions the date index serves (practice, dates, the
/// page's start); `q` adds the access rule and the other filters.
///
/// SQLite finds the titles through its FTS5 trigram table. PostgreSQL's planner guesses how
/// a term's matches fall in date order, and a wrong guess is expensive both ways: walking
/// the date index for a term whose matches are all old read 600,000 rows ("letter 3",
/// 1.15 s at 1,000,000 documents), and collecting every match of a common term from the
/// trigram index to sort them reads 140,000 ("letter", 130 ms). So it asks twice, each
/// time with a plan fixed by the query's shape. First it looks through the newest
/// `TITLE_WINDOW` documents under `by_date`, from the date index alone (it carries the
/// titles, migration 000025; a derived table with a `LIMIT` is never flattened), and reads
/// only the matching rows to apply the rest of `q`; a page filled there is exactly the
/// newest matches, since every other match is older than the whole window. Fewer means the
/// term is rare among recent documents: its matches come from the trigram index, sorted by
/// an order the date index cannot serve (`doc_date || ''`), so the planner cannot fall
/// back to the walk.
async fn newest_titled<C: ConnectionTrait>(
    db: &C,
    by_date: sea_orm::Select<document::Entity>,
    q: sea_orm::Select<document::Entity>,
    query: &str,
    pattern: String,
) -> Result<Vec<Listed>, ServerError> {
    use sea_orm::{
        QueryTrait,
        sea_query::{Alias, Func, Order, Query},
    };
    let backend = db.get_database_backend();
    if backend != sea_orm::DbBackend::Postgres {
        return newest(db, q.filter(title_matches(backend, query, pattern))).await;
    }
    let w = Alias::new("w");
    let col = |c: &str| (w.clone(), Alias::new(c));
    let recent = by_date
        .select_only()
        .columns([
            document::Column::Id,
            document::Column::Title,
            document::Column::DocDate,
            document::Column::CreatedAt,
        ])
        .order_by_desc(document::Column::DocDate)
        .order_by_desc(document::Column::CreatedAt)
        .order_by_desc(document::Column::Id)
        .limit(TITLE_WINDOW)
        .into_query();
    let matching = Query::select()
        .column(col("id"))
        .from_subquery(recent, w.clone())
        .and_where(Expr::expr(Func::lower(Expr::col(col("title")))).like(LikeExpr::new(pattern.clone()).escape('\\')))
        .order_by(col("doc_date"), Order::Desc)
        .order_by(col("created_at"), Order::Desc)
        .order_by(col("id"), Order::Desc)
        .limit(WINDOW_MATCHES)
        .to_owned();
    #[derive(FromQueryResult)]
    struct Id {
        id: String,
    }
    let ids: Vec<String> =
        Id::find_by_statement(backend.build(&matching)).all(db).await?.into_iter().map(|r| r.id).collect();
    if ids.len() as u64 > LIST_PAGE {
        let found = newest(db, q.clone().filter(document::Column::Id.is_in(ids))).await?;
        if found.len() as u64 > LIST_PAGE {
            return Ok(found);
        }
    }
    newest_of_few(db, q.filter(title_like(pattern))).await
}

/// [`newest`] for a condition that few documents meet and an index other than the date
/// index finds (a title's trigrams, a few clients' documents): on PostgreSQL sorted by an
/// order the date index cannot serve (`doc_date || ''`), so the planner finds the rows
/// through that index and sorts them, rather than walking the practice's documents in date
/// order testing each (80 ms for 200 clients' documents at 1,000,000 documents).
async fn newest_of_few<C: ConnectionTrait>(
    db: &C,
    q: sea_orm::Select<document::Entity>,
) -> Result<Vec<Listed>, ServerError> {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return newest(db, q).await;
    }
    first_page(db, q, Expr::cust("(\"document\".\"doc_date\" || '')")).await
}

/// The first page (and one more row, to tell whether there is more) of `q`, newest first.
async fn newest<C: ConnectionTrait>(db: &C, q: sea_orm::Select<document::Entity>) -> Result<Vec<Listed>, ServerError> {
    first_page(db, q, Expr::col((document::Entity, document::Column::DocDate)).into()).await
}

/// One page of `q`, ordered by `date` (the document's date, as a column or an expression),
/// then created and id, newest first.
async fn first_page<C: ConnectionTrait>(
    db: &C,
    q: sea_orm::Select<document::Entity>,
    date: SimpleExpr,
) -> Result<Vec<Listed>, ServerError> {
    listed(q)
        .order_by(date, sea_orm::Order::Desc)
        .order_by_desc(document::Column::CreatedAt)
        .order_by_desc(document::Column::Id)
        .limit(LIST_PAGE + 1)
        .into_model::<Listed>()
        .all(db)
        .await
        .map_err(ServerError::from)
}

/// Rows for listed documents: their authors' names and whether each is an uploaded file.
async fn rows<C: ConnectionTrait>(
    db: &C,
    p: &StaffPrincipal,
    docs: &[Listed],
) -> Result<Vec<DocumentRow>, ServerError> {
    let ids: HashSet<String> = docs.iter().map(|d| d.author_id.clone()).collect();
    let authors = staff::display_names(db, staff::of_practice(p.practice_id(), ids)).await?;
    let with_files: HashSet<String> = document_file::Entity::find()
        .select_only()
        .column(document_file::Column::DocumentId)
        .filter(document_file::Column::DocumentId.is_in(docs.iter().map(|d| d.id.clone())))
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(docs
        .iter()
        .map(|d| DocumentRow {
            id: d.id.clone(),
            client_id: d.client_id.clone(),
            kind: document_kind(&d.kind),
            title: d.title.clone(),
            date: d.doc_date.clone(),
            author_name: authors.get(&d.author_id).cloned().unwrap_or_default(),
            is_psychotherapy: d.is_psychotherapy,
            has_file: with_files.contains(&d.id),
        })
        .collect())
}

fn row(d: &document::Model, author: String, has_file: bool) -> DocumentRow {
    DocumentRow {
        id: d.id.clone(),
        client_id: d.client_id.clone(),
        kind: document_kind(&d.kind),
        title: d.title.clone(),
        date: d.doc_date.clone(),
        author_name: author,
        is_psychotherapy: d.is_psychotherapy,
        has_file,
    }
}

/// A new file document: content type checked from the bytes (PDF, PNG or JPEG only).
#[allow(clippy::too_many_arguments)]
pub async fn create_file_document(
    s: &crate::state::AppState,
    p: &StaffPrincipal,
    client_id: &str,
    kind: DocumentKind,
    title: &str,
    date: &str,
    description: &str,
    file_name: &str,
    bytes: &[u8],
    origin: &crate::platform::audit::Origin,
) -> Result<String, ServerError> {
    if !kind.is_file() {
        return Err(AppError::invalid("kind", "Only lab results and other files are uploaded.").into());
    }
    p.require(kind.edit_permission())?;
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "Choose a file to upload.").into());
    }
    if bytes.len() > MAX_UPLOAD {
        return Err(AppError::invalid("file", "The file is larger than 10 MB.").into());
    }
    let media_type = sniff_upload(bytes)?.to_owned();
    let body = DocumentBody::File { description: description.trim().to_owned() };
    body.validate(kind)?;
    let title = parse_title(title)?;
    let date = parse_date(date)?;
    let safe_name = safe_file_name(file_name);
    let txn = crate::platform::db::begin_write(&s.db).await?;
    let c = find_visible(&txn, p, client_id).await?;
    let id = uuid::Uuid::now_v7().to_string();
    let dek = crypto::new_data_key();
    insert_document(&txn, &s.keys, p.staff_id(), &c, &id, kind, &title, &date, false, &body, &dek).await?;
    document_file::ActiveModel {
        document_id: Set(id.clone()),
        practice_id: Set(p.practice_id().to_owned()),
        media_type: Set(media_type),
        file_name: Set(if safe_name.is_empty() { "file".into() } else { safe_name }),
        size_bytes: Set(bytes.len() as i64),
        ciphertext: Set(crypto::seal_bytes_with(&dek, bytes, &file_aad(&id))),
    }
    .insert(&txn)
    .await?;
    audit::by_staff(
        &txn,
        p,
        "document.uploaded",
        Some(&id),
        origin,
        json!({ "client": c.id, "kind": kind.key(), "bytes": bytes.len() }),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// What an upload is, from its content (never its name): PDF, PNG or JPEG, or refused.
pub(crate) fn sniff_upload(bytes: &[u8]) -> Result<&'static str, ServerError> {
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some(m @ ("application/pdf" | "image/png" | "image/jpeg")) => Ok(m),
        _ => {
            Err(AppError::invalid("file", "Upload a PDF, PNG or JPEG file (the content decides, not the name).").into())
        }
    }
}

/// The uploaded file's name as kept: letters, digits and ` ._-()`, at most 120 characters
/// (it goes into a Content-Disposition header on download).
pub(crate) fn safe_file_name(raw: &str) -> String {
    raw.chars().filter(|c| c.is_alphanumeric() || " ._-()".contains(*c)).take(120).collect()
}

#[async_trait]
impl DocumentsPort for Services {
    async fn list_documents(
        &self,
        p: &StaffPrincipal,
        client_id: &str,
        kind: Option<DocumentKind>,
        query: &str,
        dates: DateRange,
        page: u32,
    ) -> Result<Page<DocumentRow>, AppError> {
        boundary(async move {
            let db = &self.s.db;
            // Access is checked on the client; the documents are then read by the
            // (practice, client, date) index alone.
            let c = find_visible(db, p, client_id).await?;
            let mut q = document::Entity::find()
                .filter(document::Column::PracticeId.eq(p.practice_id()))
                .filter(document::Column::ClientId.eq(c.id));
            if let Some(k) = kind {
                q = q.filter(document::Column::Kind.eq(k.key()));
            }
            // The search matches the title, or the date ("2026-10", "2026-10-20", "20/10/2026").
            if let Some(pattern) = like_pattern(query) {
                q = q.filter(matches(query, pattern));
            }
            q = with_dates(q, dates);
            let mut docs = listed(q)
                .order_by_desc(document::Column::DocDate)
                .order_by_desc(document::Column::CreatedAt)
                .offset(page as u64 * PAGE_SIZE)
                .limit(PAGE_SIZE + 1)
                .into_model::<Listed>()
                .all(db)
                .await?;
            let has_more = docs.len() as u64 > PAGE_SIZE;
            docs.truncate(PAGE_SIZE as usize);
            Ok(Page { has_more, items: rows(db, p, &docs).await? })
        })
        .await
    }

    async fn list_practice_documents(
        &self,
        p: &StaffPrincipal,
        f: &DocumentFilter,
    ) -> Result<Page<DocumentListItem>, AppError> {
        boundary(async move {
            let db = &self.s.db;
            let dates = DateRange::parse(&f.from, &f.to)?;
            // What the date index serves (practice, dates, the page's start) first: a title
            // search looks through the newest documents under these alone (`newest_titled`).
            let mut q = document::Entity::find().filter(document::Column::PracticeId.eq(p.practice_id()));
            q = with_dates(q, dates);
            if let Some(cursor) = &f.after {
                let bad = || AppError::invalid("after", "That page of the list is no longer valid: start again.");
                let mut parts = cursor.splitn(3, '|');
                let (Some(date), Some(at), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
                    return Err(bad().into());
                };
                let at = chrono::DateTime::parse_from_rfc3339(at).map_err(|_| bad())?.with_timezone(&Utc);
                q = q.filter(
                    Condition::any()
                        .add(document::Column::DocDate.lt(date))
                        .add(document::Column::DocDate.eq(date).and(document::Column::CreatedAt.lt(at)))
                        .add(
                            document::Column::DocDate
                                .eq(date)
                                .and(document::Column::CreatedAt.eq(at))
                                .and(document::Column::Id.lt(id)),
                        ),
                );
            }
            let by_date = q.clone();
            // The access rule (skipped for those who see every client: the practice is the rule).
            if let Some(visible) =
                crate::records::access::rows_visible_to(p, (document::Entity, document::Column::ClientId))
            {
                q = q.filter(visible);
            }
            if let Some(k) = f.kind {
                q = q.filter(document::Column::Kind.eq(k.key()));
            }
            if let Some(c) = f.client_id.as_deref().filter(|c| !c.is_empty()) {
                q = q.filter(document::Column::ClientId.eq(c));
            }
            if let Some(a) = f.author_id.as_deref().filter(|a| !a.is_empty()) {
                q = q.filter(document::Column::AuthorId.eq(a));
            }
            let mut docs = match like_pattern(&f.query) {
                None => newest(db, q).await?,
                // The search's ways in, each its own query that an index serves, merged newest
                // first: the title (its trigram index), the date when the search looks like
                // one (digits and separators), and the documents of clients found by name (through the clients' search
                // index, at most 200 of them). One query with their `OR` made the database walk
                // the practice's documents testing each (130 ms at 1,000,000 documents).
                Some(pattern) => {
                    let mut ways = Vec::new();
                    let q_text = f.query.trim();
                    if q_text.chars().any(|c| c.is_ascii_digit())
                        && q_text.chars().all(|c| c.is_ascii_digit() || "-/.".contains(c))
                    {
                        ways.push(q.clone().filter(date_matches(&f.query, pattern.clone())));
                    }
                    let clients =
                        crate::platform::search::first_matches(db, "client", p.practice_id(), &f.query, 200).await?;
                    let mut found = newest_titled(db, by_date, q.clone(), &f.query, pattern).await?;
                    if !clients.is_empty() {
                        found.extend(newest_of_few(db, q.filter(document::Column::ClientId.is_in(clients))).await?);
                    }
                    for way in ways {
                        found.extend(newest(db, way).await?);
                    }
                    found.sort_by(|a, b| (&b.doc_date, b.created_at, &b.id).cmp(&(&a.doc_date, a.created_at, &a.id)));
                    found.dedup_by(|a, b| a.id == b.id);
                    found
                }
            };
            let has_more = docs.len() as u64 > LIST_PAGE;
            docs.truncate(LIST_PAGE as usize);
            let clients =
                crate::records::access::client_names(db, p.practice_id(), docs.iter().map(|d| d.client_id.clone()))
                    .await?;
            let items = rows(db, p, &docs)
                .await?
                .into_iter()
                .zip(&docs)
                .map(|(row, d)| DocumentListItem {
                    client_name: clients.get(&d.client_id).cloned().unwrap_or_default(),
                    cursor: format!("{}|{}|{}", d.doc_date, d.created_at.to_rfc3339(), d.id),
                    row,
                })
                .collect();
            Ok(Page { has_more, items })
        })
        .await
    }

    async fn get_document(&self, p: &StaffPrincipal, id: &str) -> Result<DocumentView, AppError> {
        boundary(async move {
            let db = &self.s.db;
            let d = find_visible_document(db, p, id).await?;
            let c = client::Entity::find_by_id(d.client_id.clone()).one(db).await?.ok_or(AppError::NotFound)?;
            let body = decrypt_body(&self.s.keys, &d)?;
            let file = document_file::Entity::find_by_id(d.id.clone())
                .select_only()
                .columns([
                    document_file::Column::MediaType,
                    document_file::Column::FileName,
                    document_file::Column::SizeBytes,
                ])
                .into_tuple::<(String, String, i64)>()
                .one(db)
                .await?
                .map(|(media_type, file_name, size_bytes)| FileInfo { media_type, file_name, size_bytes });
            let authors = staff::display_names(db, staff::of_practice(p.practice_id(), [d.author_id.clone()])).await?;
            audit::by_staff(
                db,
                p,
                "document.viewed",
                Some(&d.id),
                &current_origin(&self.s),
                json!({ "client": d.client_id }),
            )
            .await?;
            Ok(DocumentView {
                row: row(&d, authors.get(&d.author_id).cloned().unwrap_or_default(), file.is_some()),
                client_name: format!("{} {}", c.first_name, c.last_name),
                body,
                file,
                can_share: p.can(Permission::ShareDocuments),
            })
        })
        .await
    }

    async fn save_document(
        &self,
        p: &StaffPrincipal,
        client_id: &str,
        id: Option<String>,
        draft: DocumentDraft,
    ) -> Result<String, AppError> {
        boundary(async move {
            p.require(draft.kind.edit_permission())?;
            if draft.kind.is_file() && id.is_none() {
                return Err(AppError::invalid("kind", "Lab results and other files are uploaded as files.").into());
            }
            draft.body.validate(draft.kind)?;
            let title = parse_title(&draft.title)?;
            let date = parse_date(&draft.date)?;
            let txn = crate::platform::db::begin_write(&self.s.db).await?;
            let c = find_visible(&txn, p, client_id).await?;
            let saved_id = match id {
                None => {
                    let id = uuid::Uuid::now_v7().to_string();
                    insert_document(
                        &txn,
                        &self.s.keys,
                        p.staff_id(),
                        &c,
                        &id,
                        draft.kind,
                        &title,
                        &date,
                        draft.is_psychotherapy,
                        &draft.body,
                        &crypto::new_data_key(),
                    )
                    .await?;
                    audit::by_staff(
                        &txn,
                        p,
                        "document.created",
                        Some(&id),
                        &current_origin(&self.s),
                        json!({ "client": c.id, "kind": draft.kind.key() }),
                    )
                    .await?;
                    id
                }
                Some(id) => {
                    let d = find_visible_document(&txn, p, &id).await?;
                    if d.client_id != c.id || d.kind != draft.kind.key() {
                        return Err(AppError::NotFound.into());
                    }
                    let dek = data_key(&self.s.keys, &d)?;
                    let mut am = d.into_active_model();
                    am.title = Set(title);
                    am.doc_date = Set(date);
                    am.is_psychotherapy = Set(draft.is_psychotherapy);
                    am.body = Set(crypto::seal_with(&dek, &serde_json::to_vec(&draft.body)?, &body_aad(&id)));
                    am.updated_at = Set(Utc::now());
                    am.update(&txn).await?;
                    audit::by_staff(
                        &txn,
                        p,
                        "document.edited",
                        Some(&id),
                        &current_origin(&self.s),
                        json!({ "client": c.id }),
                    )
                    .await?;
                    id
                }
            };
            txn.commit().await?;
            Ok(saved_id)
        })
        .await
    }
}
