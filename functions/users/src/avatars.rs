//! Avatar upload and the static avatar route (U6, S1).

use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use shared::AppState;
use shared::db::{uploads, users};
use shared::domain::user::{DEFAULT_AVATAR, is_avatar_name};
use shared::http::{ApiError, ApiResult, CurrentUser, PathParams, created};

/// The largest accepted file (4 MiB).
pub const FILE_LIMIT: usize = 4 * 1024 * 1024;
/// The largest accepted request: the file plus 64 KiB of multipart framing.
pub const REQUEST_LIMIT: usize = FILE_LIMIT + 64 * 1024;

const PNG: &[u8] = &[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF];

fn too_large() -> ApiError {
    ApiError::payload_too_large("File too large")
}

/// At most this many uploads per user per rolling hour (issue 8), replaced ones included.
pub const UPLOADS_PER_HOUR: i64 = 10;
const HOUR_MS: i64 = 3_600_000;

/// POST /api/users/upload-avatar (contract: 4.5 U6). Any authenticated user.
///
/// Quota (an extension, issue 8): an upload replaces the user's previous unreferenced upload
/// (not yet their profile picture), whose file is deleted at once, so a user keeps at most their
/// picture and one pending upload; and at most [`UPLOADS_PER_HOUR`] uploads per hour, beyond which
/// `429 "Too many uploads. Try again later."` with `Retry-After`.
pub async fn upload_avatar(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let multipart = multipart.map_err(|_| no_file())?;
    // A slow upload is cut off like a slow JSON body, with three times the time for 4 MiB.
    let deadline = state.config.http.body_timeout * 3;
    let bytes = tokio::time::timeout(deadline, read_file(multipart))
        .await
        .map_err(|_| ApiError::request_timeout())??;
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
    let now = state.clock.now_ms();
    // The file is written before the transaction, which then holds the user's row only for a
    // few statements; every way out without a commit deletes it again.
    state.avatars.save(&name, &bytes).await?;
    match record_upload(&state, user.id(), &name, now).await {
        Ok(replaced) => {
            // The upload succeeded; a file that cannot be removed now is only logged.
            for old in &replaced {
                forget_file(&state, old).await;
            }
            Ok(created(&json!({"server_filename": name})))
        }
        Err(e) => {
            forget_file(&state, &name).await;
            Err(e)
        }
    }
}

/// Deletes a stored file, logging (not answering) a failure.
async fn forget_file(state: &AppState, name: &str) {
    if let Err(e) = state.avatars.delete(name).await {
        tracing::warn!(error = %format!("{e:#}"), name, "could not delete an avatar file");
    }
}

/// Records a new upload within the quota, marking the user's previous unreferenced uploads
/// replaced; returns their names (their files are deleted once this has committed).
async fn record_upload(
    state: &AppState,
    user_id: i64,
    name: &str,
    now: i64,
) -> ApiResult<Vec<String>> {
    let mut tx = state.db.begin().await?;
    // One user's uploads take turns, so the count and the replacement cannot be raced.
    let me = users::find_for_update(&mut tx, user_id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let (recent, oldest) = uploads::count_since(&mut tx, me.id, now - HOUR_MS).await?;
    if recent >= UPLOADS_PER_HOUR {
        return Err(ApiError::too_many_requests(
            "Too many uploads. Try again later.",
            oldest.unwrap_or(now) + HOUR_MS - now,
        ));
    }
    let replaced = uploads::unreferenced_of_user(&mut tx, me.id, &me.profile_picture_name).await?;
    for old in &replaced {
        uploads::mark_deleted(&mut tx, old, now).await?;
    }
    uploads::insert(&mut tx, me.id, name, now).await?;
    tx.commit().await?;
    Ok(replaced)
}

fn no_file() -> ApiError {
    ApiError::bad_request("No file uploaded.")
}

/// The bytes of the multipart field `file` (at most [`FILE_LIMIT`]).
async fn read_file(mut multipart: Multipart) -> ApiResult<Vec<u8>> {
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
    file.ok_or_else(no_file)
}

/// GET /uploads/avatars/{name} (contract: 4.11 S1). Public.
pub async fn get_avatar(
    State(state): State<AppState>,
    uri: axum::http::Uri,
    path: PathParams,
) -> ApiResult<Response> {
    let name = path.get("name");
    // The path as requested (still percent-encoded), like every unknown route's 404 (1.1).
    let not_found = || ApiError::not_found(format!("Cannot GET {}", uri.path()));
    if !is_avatar_name(name) {
        return Err(not_found());
    }
    let known = name == DEFAULT_AVATAR || {
        let mut c = state.db.acquire().await?;
        uploads::exists(&mut c, name).await?
    };
    if !known {
        return Err(not_found());
    }
    let bytes = state.avatars.read(name).await?.ok_or_else(not_found)?;
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
