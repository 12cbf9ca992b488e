//! Documents sealed at rest: every document has its own random 256-bit data key; its body
//! (JSON) and any uploaded file are sealed with XChaCha20-Poly1305 under that key, bound to
//! the document's id, and the data key is stored wrapped under the master key. The
//! documents area writes and reads them through here, and so do the areas that create a
//! document (intake) or read one for its recipient (sharing, the portal).
use app::domain::documents::{DocumentBody, DocumentKind};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};

use crate::platform::{
    crypto::{self, Keys},
    entities::{client, document},
    error::ServerError,
};

pub(crate) fn dek_aad(id: &str) -> String {
    format!("doc:{id}:dek")
}
pub(crate) fn body_aad(id: &str) -> String {
    format!("doc:{id}:body")
}
pub fn file_aad(id: &str) -> String {
    format!("doc:{id}:file")
}

pub fn data_key(keys: &Keys, d: &document::Model) -> Result<[u8; 32], ServerError> {
    keys.unwrap_key(&d.wrapped_key, &dek_aad(&d.id))
        .ok_or_else(|| ServerError::fault(format!("document {} key does not unwrap", d.id)))
}

/// An uploaded file's bytes, opened with its document's data key.
pub fn open_file(keys: &Keys, d: &document::Model, ciphertext: &[u8]) -> Result<Vec<u8>, ServerError> {
    let dek = data_key(keys, d)?;
    crypto::open_bytes_with(&dek, ciphertext, &file_aad(&d.id))
        .ok_or_else(|| ServerError::fault("file does not decrypt"))
}

pub fn decrypt_body(keys: &Keys, d: &document::Model) -> Result<DocumentBody, ServerError> {
    let dek = data_key(keys, d)?;
    let plain = crypto::open_with(&dek, &d.body, &body_aad(&d.id))
        .ok_or_else(|| ServerError::fault(format!("document {} body does not decrypt", d.id)))?;
    serde_json::from_slice(&plain).map_err(ServerError::from)
}

/// Inserts a document sealed under a fresh data key (`dek`), for `author_id`.
#[allow(clippy::too_many_arguments)]
pub async fn insert_document<C: ConnectionTrait>(
    db: &C,
    keys: &Keys,
    author_id: &str,
    c: &client::Model,
    id: &str,
    kind: DocumentKind,
    title: &str,
    date: &str,
    psychotherapy: bool,
    body: &DocumentBody,
    dek: &[u8; 32],
) -> Result<(), ServerError> {
    let now = Utc::now();
    document::ActiveModel {
        id: Set(id.to_owned()),
        practice_id: Set(c.practice_id.clone()),
        client_id: Set(c.id.clone()),
        kind: Set(kind.key().to_owned()),
        title: Set(title.to_owned()),
        doc_date: Set(date.to_owned()),
        author_id: Set(author_id.to_owned()),
        is_psychotherapy: Set(psychotherapy),
        key_id: Set(keys.key_id().to_owned()),
        wrapped_key: Set(keys.wrap_key(dek, &dek_aad(id))),
        body: Set(crypto::seal_with(dek, &serde_json::to_vec(body)?, &body_aad(id))),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}
