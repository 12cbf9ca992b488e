//! Plain axum routes for document files: upload (multipart, streamed into memory up to
//! the limit, type checked by content) and downloads (the original file, or the document
//! rendered to PDF). Same session, access and audit rules as the server functions.
use app::{domain::documents::DocumentKind, error::AppError};
use axum::{
    Json,
    extract::{Multipart, Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sea_orm::EntityTrait;
use serde_json::json;

use crate::{
    documents::store,
    platform::audit,
    platform::entities::{client, document_file, document_kind, practice, staff},
    platform::error::ServerError,
    platform::vault::{decrypt_body, open_file},
    records::access::find_visible_document,
    state::AppState,
    web::caller::{Caller, Refused, Staff, redirect},
};

fn attachment(name: &str) -> HeaderValue {
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")).unwrap_or(HeaderValue::from_static("attachment"))
}

/// `POST /app/api/documents/upload` (multipart: client_id, kind, title, date, description, file).
pub async fn upload(
    State(s): State<AppState>,
    c: Caller,
    Staff(p): Staff,
    mut form: Multipart,
) -> Result<Response, Refused> {
    let id = async {
        let mut fields = std::collections::HashMap::new();
        let mut file: Option<(String, Vec<u8>)> = None;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|_| AppError::invalid("file", "The upload was interrupted or malformed."))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" {
                let file_name = field.file_name().unwrap_or("file").to_owned();
                let bytes =
                    field.bytes().await.map_err(|_| AppError::invalid("file", "The file is larger than 10 MB."))?;
                file = Some((file_name, bytes.to_vec()));
            } else {
                let value =
                    field.text().await.map_err(|_| AppError::invalid(&name, "That field could not be read."))?;
                fields.insert(name, value);
            }
        }
        let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
        let kind = DocumentKind::from_key(get("kind"))
            .ok_or_else(|| AppError::invalid("kind", "Choose lab result or other file."))?;
        let (file_name, bytes) = file.ok_or_else(|| AppError::invalid("file", "Choose a file to upload."))?;
        store::create_file_document(
            &s,
            &p,
            get("client_id"),
            kind,
            get("title"),
            get("date"),
            get("description"),
            &file_name,
            &bytes,
            &c.origin(),
        )
        .await
    }
    .await?;
    Ok(if c.html {
        redirect(&format!("/app/documents/{id}"))
    } else {
        (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
    })
}

/// `GET /app/documents/{id}/file`: the uploaded original.
pub async fn download_file(
    State(s): State<AppState>,
    c: Caller,
    Staff(p): Staff,
    Path(id): Path<String>,
) -> Result<Response, Refused> {
    let d = find_visible_document(&s.db, &p, &id).await?;
    let f = document_file::Entity::find_by_id(d.id.clone()).one(&s.db).await?.ok_or(AppError::NotFound)?;
    let bytes = open_file(&s.keys, &d, &f.ciphertext)?;
    audit::by_staff(&s.db, &p, "document.downloaded", Some(&d.id), &c.origin(), json!({ "format": "original" }))
        .await?;
    let ct = HeaderValue::from_str(&f.media_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok(([(header::CONTENT_TYPE, ct), (header::CONTENT_DISPOSITION, attachment(&f.file_name))], bytes).into_response())
}

/// `GET /app/documents/{id}/pdf`: the document rendered to PDF.
pub async fn download_pdf(
    State(s): State<AppState>,
    c: Caller,
    Staff(p): Staff,
    Path(id): Path<String>,
) -> Result<Response, Refused> {
    let d = find_visible_document(&s.db, &p, &id).await?;
    let body = decrypt_body(&s.keys, &d)?;
    let cl = client::Entity::find_by_id(d.client_id.clone()).one(&s.db).await?.ok_or(AppError::NotFound)?;
    let pr = practice::Entity::find_by_id(p.practice_id().to_owned()).one(&s.db).await?.ok_or(AppError::NotFound)?;
    let author =
        staff::Entity::find_by_id(d.author_id.clone()).one(&s.db).await?.map(|a| a.display_name).unwrap_or_default();
    let kind = document_kind(&d.kind);
    let client_name = format!("{} {}", cl.first_name, cl.last_name);
    let meta = crate::platform::pdf::PdfMeta {
        practice: &pr.name,
        title: &d.title,
        kind,
        client_name: &client_name,
        date: &d.doc_date,
        author: &author,
        watermark: None,
    };
    let pdf = crate::platform::pdf::render(&meta, &body).map_err(ServerError::fault)?;
    audit::by_staff(&s.db, &p, "document.downloaded", Some(&d.id), &c.origin(), json!({ "format": "pdf" })).await?;
    let name = format!("{}.pdf", d.title);
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/pdf")),
            (header::CONTENT_DISPOSITION, attachment(&name)),
        ],
        pdf,
    )
        .into_response())
}
