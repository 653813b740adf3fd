//! M7: a member's view of a calendar, with recurring series expanded (contract 4.7, 4.8.5).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use shared::AppState;
use shared::db::calendars::{self, Member};
use shared::db::{Connection, listing};
use shared::http::{ApiError, ApiResult, Caller, PathIds, QueryMap, ok};

use crate::listing::{Bounds, cap_items, overrides_for};
use crate::render::{RowParts, ViewItem, render, view_items};
use crate::shape::Core;

/// GET /api/calendars/{calendarId}/members/{userId}/events (contract: 4.7 M7). Confirmed
/// members for themselves; calendar owners for anyone.
///
/// The caller's user row is not read when the caller views themself and has rows: their
/// confirmed membership proves it exists (its deletion removes the membership), which saves a
/// statement and a connection checkout on the route's common case (issue 11). Every other
/// answer first checks it as [`shared::http::CurrentUser`] does, errors included, so a
/// deleted user's token still gets 401 before anything about the request.
pub async fn list_member_events(
    State(state): State<AppState>,
    caller: Caller,
    ids: Result<PathIds, ApiError>,
    q: QueryMap,
) -> ApiResult<Response> {
    let mut c = state.db.acquire().await?;
    let request = ids.and_then(|ids| Ok((ids, Bounds::of_query(&q, "startDate", "endDate")?)));
    let (ids, bounds) = match request {
        Ok(r) => r,
        Err(e) => {
            caller.current(&mut c).await?;
            return Err(e);
        }
    };
    let (calendar_id, target) = (ids.get("calendarId"), ids.get("userId"));
    let (from, to) = (
        bounds.from.unwrap_or(i64::MIN / 4),
        bounds.to.unwrap_or(i64::MAX / 4),
    );
    let started = std::time::Instant::now();
    // A member viewing themself (the common case) is answered by one statement: rows prove a
    // confirmed membership, and so the user. Without rows, or for another member, the checks
    // run as they are.
    let own = if target == caller.id && !bounds.empty() {
        listing::of_own_membership(&mut c, calendar_id, target, from, to).await?
    } else {
        Vec::new()
    };
    let rows = if !own.is_empty() {
        own
    } else {
        let user = caller.current(&mut c).await?;
        let member = viewed_member(&mut c, calendar_id, target, user.id()).await?;
        if bounds.empty() || target == user.id() {
            // Nothing to list, or the caller's own rows were read above: none.
            return Ok(ok(&serde_json::json!([])));
        }
        listing::of_member(&mut c, member.id, from, to).await?
    };
    let fetched = started.elapsed();
    let overrides = overrides_for(&mut c, rows.iter().map(|r| &r.e)).await?;
    let overridden = started.elapsed();
    let now = state.clock.now_ms();
    // What is the same for every occurrence of a row is rendered once per row; an occurrence
    // adds only its own three timestamps and borrows the rest.
    let per_row: Vec<RowParts> = rows.iter().map(RowParts::new).collect();
    let bases: Vec<Core> = rows.iter().map(|r| Core::of(&r.e)).collect();
    let mut items: Vec<ViewItem<'_>> = Vec::new();
    for (n, r) in rows.iter().enumerate() {
        view_items(n, &r.e, &bounds, &overrides, now, &mut items);
    }
    items.sort_by_key(|i| (i.start, rows[i.row].e.id, rows[i.row].p_id));
    let capped = cap_items(&mut items, |i| (i.start, i.occurrence.is_some()));
    let built = started.elapsed();
    let (body, cut) = render(&rows, &per_row, &bases, &items).map_err(ApiError::internal)?;
    tracing::debug!(rows = rows.len(), items = items.len(), ?fetched, ?overridden, ?built,
        total = ?started.elapsed(), "calendar view");
    let json = HeaderValue::from_static("application/json");
    let mut res = ([(header::CONTENT_TYPE, json)], body).into_response();
    if capped || cut {
        res.headers_mut()
            .insert("x-chronos-truncated", HeaderValue::from_static("true"));
    }
    Ok(res)
}

/// M7's checks: the caller is a confirmed member of the calendar, and views themself or, as
/// its owner, another member. Returns the viewed membership.
async fn viewed_member(
    mut c: impl Connection,
    calendar_id: i64,
    target: i64,
    caller: i64,
) -> ApiResult<Member> {
    let me = calendars::find_member(&mut c, calendar_id, caller)
        .await?
        .filter(|m| m.is_confirmed)
        .ok_or_else(|| ApiError::not_found("The user does not have access to this calendar"))?;
    if target == caller {
        return Ok(me);
    }
    let cal = calendars::find_by_id(&mut c, calendar_id).await?;
    if !(cal.is_some_and(|x| x.creator_id == caller) || me.role.manages_calendar()) {
        return Err(ApiError::forbidden(
            "Only calendar owners can view other members' events",
        ));
    }
    calendars::find_member(&mut c, calendar_id, target)
        .await?
        .ok_or_else(|| ApiError::not_found("Calendar member not found"))
}
