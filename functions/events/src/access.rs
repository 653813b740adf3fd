//! Loading events, the permission rules of 4.8.2 (through `shared::domain::kinds::Role`), and
//! ETag / If-Match (4.8.6).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shared::db::Connection;
use shared::db::calendars::{self, Member};
use shared::db::events::{self, Event};
use shared::db::participations::{self, ParticipationOf};
use shared::http::{ApiError, ApiResult};

pub const EVENT_NOT_FOUND: &str = "Event not found";

/// The event, or 404.
pub async fn load(conn: impl Connection, id: i64) -> ApiResult<Event> {
    events::find_by_id(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(EVENT_NOT_FOUND))
}

/// The event, locked for the rest of the transaction (see [`events::find_for_update`]), or 404.
/// Every write to one event starts with this, so concurrent writes take turns on MySQL as they
/// do on SQLite, and `If-Match` is compared with the version the write will replace.
pub async fn lock(conn: impl Connection, id: i64) -> ApiResult<Event> {
    events::find_for_update(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(EVENT_NOT_FOUND))
}

/// 412: the event changed since its version was read.
pub fn modified() -> ApiError {
    ApiError::new(
        http::StatusCode::PRECONDITION_FAILED,
        "The event has been modified",
    )
}

/// Writes an edited event; 412 if its version moved since it was read (a guard: the row is
/// locked by [`lock`], so this does not happen in the handlers' own transactions). `renamed`:
/// its name differs from the locked row's.
pub async fn save(conn: impl Connection, e: &Event, renamed: bool) -> ApiResult<()> {
    if events::update(conn, e, renamed).await? {
        Ok(())
    } else {
        Err(modified())
    }
}

/// The event if the caller holds any participation in it (E1, P1), or 404.
pub async fn load_visible(
    mut conn: impl Connection,
    id: i64,
    caller: i64,
) -> ApiResult<(Event, Vec<ParticipationOf>)> {
    let e = load(&mut conn, id).await?;
    let parts = participations::of_event(conn, id).await?;
    if !parts.iter().any(|p| p.m_user_id == caller) {
        return Err(ApiError::not_found(EVENT_NOT_FOUND));
    }
    Ok((e, parts))
}

/// What is being done to the event.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Edit,
    Delete,
}

/// Checks 1-4 of 4.8.2 (after the event was found); returns the caller's home membership.
pub async fn authorize(
    conn: impl Connection,
    e: &Event,
    caller: i64,
    action: Action,
) -> ApiResult<Member> {
    let m = calendars::find_member(conn, e.calendar_id, caller)
        .await?
        .filter(|m| m.is_confirmed)
        .ok_or_else(|| ApiError::forbidden("You do not have access to this calendar"))?;
    if !m.role.edits_event(e.kind, e.creator_id, caller) {
        return Err(ApiError::forbidden(
            "You do not have permission to delete or patch this event",
        ));
    }
    if action == Action::Delete && !m.role.deletes_event(e.kind, e.creator_id, caller) {
        return Err(ApiError::forbidden(
            "Editors can only delete their own events",
        ));
    }
    Ok(m)
}

/// A JSON response with the event's ETag.
pub fn with_etag(status: StatusCode, e: &Event, body: &impl Serialize) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag(e)) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// The strong ETag of an event's current version.
pub fn etag(e: &Event) -> String {
    format!("\"e{}v{}\"", e.id, e.version)
}

/// 412 when `If-Match` is present and names neither `*` nor the current tag.
pub fn check_if_match(headers: &HeaderMap, e: &Event) -> ApiResult<()> {
    let values: Vec<&str> = headers
        .get_all(http::header::IF_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        return Ok(());
    }
    let current = etag(e);
    let matches = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t == current);
    if matches { Ok(()) } else { Err(modified()) }
}
