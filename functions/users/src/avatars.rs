//! Avatar upload and the static avatar route (U6, S1).

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use shared::AppState;
use shared::db::uploads;
use shared::domain::user::{DEFAULT_AVATAR, is_avatar_name};
use shared::http::{ApiError, ApiResult, CurrentUser, created};

/// The largest accepted file (4 MiB).
pub const FILE_LIMIT: usize = 4 * 1024 * 1024;
/// The largest accepted request: the file plus 64 KiB of multipart framing.
pub const REQUEST_LIMIT: usize = FILE_LIMIT + 64 * 1024;

const PNG: &[u8] = &[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF];

fn too_large() -> ApiError {
    ApiError::payload_too_large("File too large")
}

/// POST /api/users/upload-avatar (contract: 4.5 U6). Any authenticated user.
pub async fn upload_avatar(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let no_file = || ApiError::bad_request("No file uploaded.");
    let mut multipart = multipart.map_err(|_| no_file())?;
    let mut file: Option<Vec<u8>> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(no_file()),
        };
        if field.name() != Some("file") || file.is_some() {
            continue;
        }
        let mut buf = Vec::new();
        let mut field = field;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if buf.len() + chunk.len() > FILE_LIMIT {
                        return Err(too_large());
                    }
                    buf.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
                Err(_) => return Err(no_file()),
            }
        }
        file = Some(buf);
    }
    let bytes = file.ok_or_else(no_file)?;
    let ext = if bytes.starts_with(PNG) {
        "png"
    } else if bytes.starts_with(JPEG) {
        "jpg"
    } else {
        return Err(ApiError::bad_request(
            "Only allowed file types are accepted!",
        ));
    };
    let name = format!("{}.{ext}", uuid::Uuid::new_v4());
    state.avatars.save(&name, &bytes).await?;
    let mut c = state.db.acquire().await?;
    uploads::insert(c.conn(), user.id(), &name, state.clock.now_ms()).await?;
    Ok(created(&json!({"server_filename": name})))
}

/// GET /uploads/avatars/{name} (contract: 4.11 S1). Public.
pub async fn get_avatar(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let not_found = || ApiError::not_found(format!("Cannot GET /uploads/avatars/{name}"));
    if !is_avatar_name(&name) {
        return Err(not_found());
    }
    let known = name == DEFAULT_AVATAR || {
        let mut c = state.db.acquire().await?;
        uploads::exists(c.conn(), &name).await?
    };
    if !known {
        return Err(not_found());
    }
    let bytes = state.avatars.read(&name).await?.ok_or_else(not_found)?;
    let lower = name.to_ascii_lowercase();
    let content_type = if lower.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };
    let cache = if name == DEFAULT_AVATAR {
        "public, max-age=3600"
    } else {
        "public, max-age=31536000, immutable"
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}
