//! The practice's logo: uploaded by admins (a plain multipart form on the sharing
//! settings page), shown on the recipient portal, served publicly under an address that
//! carries its content hash so browsers cache it for good.
use app::{domain::Permission, error::AppError};
use axum::{
    extract::{Multipart, Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::Engine;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, EntityTrait, sea_query::OnConflict};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    platform::audit,
    platform::entities::practice_logo,
    platform::error::boundary,
    state::AppState,
    web::caller::{Caller, Staff, redirect},
};

/// Keeps the portal's first view well inside its 50 KB budget.
pub const MAX_LOGO_BYTES: usize = 24 * 1024;

/// `POST /app/settings/logo` (multipart: `file`, or `remove=1`). Answers with a redirect
/// to the settings page and a fixed notice code.
pub async fn upload(State(s): State<AppState>, c: Caller, Staff(p): Staff, mut form: Multipart) -> Response {
    let r = boundary(async {
        p.require(Permission::ManageSettings)?;
        let mut file: Option<Vec<u8>> = None;
        let mut remove = false;
        while let Ok(Some(field)) = form.next_field().await {
            match field.name() {
                Some("file") => {
                    let bytes = field.bytes().await.map_err(|_| AppError::invalid("file", "logo_unreadable"))?;
                    if !bytes.is_empty() {
                        file = Some(bytes.to_vec());
                    }
                }
                Some("remove") => remove = true,
                _ => {}
            }
        }
        if remove {
            practice_logo::Entity::delete_by_id(p.practice_id().to_owned()).exec(&s.db).await?;
            audit::by_staff(&s.db, &p, "settings.logo_removed", None, &c.origin(), json!({})).await?;
            return Ok("logo_removed");
        }
        let Some(bytes) = file else { return Ok("logo_missing") };
        if bytes.len() > MAX_LOGO_BYTES {
            return Ok("logo_too_big");
        }
        let media_type = match infer::get(&bytes).map(|t| t.mime_type()) {
            Some(t @ ("image/png" | "image/jpeg")) => t,
            _ => return Ok("logo_type"),
        };
        let hash = crate::platform::crypto::hex(&Sha256::digest(&bytes))[..16].to_owned();
        practice_logo::Entity::insert(practice_logo::ActiveModel {
            practice_id: Set(p.practice_id().to_owned()),
            media_type: Set(media_type.to_owned()),
            data: Set(base64::engine::general_purpose::STANDARD.encode(&bytes)),
            hash: Set(hash.clone()),
            updated_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::column(practice_logo::Column::PracticeId)
                .update_columns([
                    practice_logo::Column::MediaType,
                    practice_logo::Column::Data,
                    practice_logo::Column::Hash,
                    practice_logo::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(&s.db)
        .await?;
        audit::by_staff(
            &s.db,
            &p,
            "settings.logo_saved",
            None,
            &c.origin(),
            json!({ "bytes": bytes.len(), "hash": hash }),
        )
        .await?;
        Ok("logo_saved")
    })
    .await;
    match r {
        Ok(code) => redirect(&format!("/app/settings/sharing?m={code}")),
        Err(AppError::Unauthenticated) => redirect("/login"),
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            (status, e.to_string()).into_response()
        }
    }
}

/// `GET /brand/{practice}/logo`: public (a logo is no secret; practice ids are random).
pub async fn logo(State(s): State<AppState>, Path(practice_id): Path<String>) -> Response {
    match practice_logo::Entity::find_by_id(practice_id).one(&s.db).await {
        Ok(Some(l)) => match base64::engine::general_purpose::STANDARD.decode(&l.data) {
            Ok(bytes) => (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_str(&l.media_type).unwrap_or(HeaderValue::from_static("image/png")),
                    ),
                    (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
                ],
                bytes,
            )
                .into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        },
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "logo lookup failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
