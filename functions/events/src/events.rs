//! E1-E4: one event (contract 4.8.7).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;
use shared::AppState;
use shared::db::Tx;
use shared::db::calendars::{self, Member};
use shared::db::events::{self, Event, Task};
use shared::db::participations;
use shared::domain::kinds::{CalendarKind, EventKind, ResponseStatus};
use shared::http::{
    ApiError, ApiResult, CurrentUser, JsonBody, PathIds, QueryMap, ResultExt, empty,
};
use shared::jobs::triggers;

use crate::access::{
    Action, EVENT_NOT_FOUND, authorize, check_if_match, load, load_visible, lock, save, with_etag,
};
use crate::editing::{apply_patch, new_event, save_task_changes};
use crate::input::{NewEventInput, parse_event, parse_new_event};
use crate::participations::{invite, invitee};
use crate::shape::{full_event, full_event_by};

const NO_ACCESS: &str = "You do not have access to this calendar";

/// GET /api/events/{id} (contract: 4.8.7 E1). Any participant.
pub async fn get_event(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
) -> ApiResult<Response> {
    let mut c = state.db.acquire().await?;
    let (e, _) = load_visible(&mut c, ids.get("id"), user.id()).await?;
    let body = full_event(&mut c, &e, user.id(), None).await?;
    Ok(with_etag(StatusCode::OK, &e, &body))
}

/// POST /api/events (contract: 4.8.7 E2). Confirmed owners and editors of `calendarId`.
pub async fn create_event(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let input = parse_new_event(&body).map_err(ApiError::validation)?;
    let mut draft = new_event(&input, &user.user)?;
    let mut tx = state.db.begin().await?;
    let (m, home) = creation_access(&mut tx, input.calendar_id, user.id()).await?;
    if input.rest.color.is_none() {
        draft.fields.color.clone_from(&m.color);
    }
    let mut invitees = Vec::new();
    if input.kind == EventKind::Arrangement {
        for id in input
            .rest
            .participant_ids
            .iter()
            .filter(|id| **id != user.id())
        {
            invitees.push(invitee(&mut tx, *id).await?);
        }
    }
    let now = state.clock.now_ms();
    // The calendar is locked; only the creator's own deletion (U5) can still fail the insert.
    // The row as stored (not read back): this transaction inserted it, so it holds the row's
    // lock and nothing else changes it until an invitation bumps its version.
    let mut e = events::insert_row(&mut tx, &draft, now)
        .await
        .on_foreign_key_violation(|| ApiError::forbidden(NO_ACCESS))?;
    let id = e.id;
    let listed = input.rest.participant_ids.contains(&user.id());
    create_participations(&mut tx, &e, &input, &m, home, listed, now).await?;
    for u in &invitees {
        invite(&mut tx, &state, &e, &user.user, u).await?;
    }
    if !invitees.is_empty() {
        e = load(&mut tx, id).await?;
    }
    triggers::refresh_for(&mut tx, &e, now).await?;
    let body = full_event_by(&mut tx, &e, &user.user, None).await?;
    state.commit(tx).await?;
    Ok(with_etag(StatusCode::CREATED, &e, &body))
}

/// E2's checks 1-3: the caller is a confirmed owner or editor of a calendar that is not a
/// holiday calendar. Locks the calendar first, so it cannot be deleted (nor a member confirmed)
/// half-way. Returns the caller's membership and the calendar's kind (its creator's
/// `calendarType`; none if the creator has no membership).
async fn creation_access(
    tx: &mut Tx,
    calendar_id: i64,
    caller: i64,
) -> ApiResult<(Member, Option<CalendarKind>)> {
    let no_access = || ApiError::forbidden(NO_ACCESS);
    let cal = calendars::find_for_update(&mut *tx, calendar_id)
        .await?
        .ok_or_else(no_access)?;
    let m = calendars::find_member(&mut *tx, calendar_id, caller)
        .await?
        .filter(|m| m.is_confirmed)
        .ok_or_else(no_access)?;
    if !m.role.creates_events() {
        return Err(ApiError::forbidden(
            "You need editor or owner role to perform this action",
        ));
    }
    // The calendar's kind is its creator's `calendarType`: the caller's own when they made it.
    let home = if cal.creator_id == caller {
        Some(m.calendar_type)
    } else {
        calendars::find_member(&mut *tx, cal.id, cal.creator_id)
            .await?
            .map(|m| m.calendar_type)
    };
    if home == Some(CalendarKind::Holiday) {
        return Err(ApiError::bad_request(
            "Events cannot be added to a holiday calendar",
        ));
    }
    Ok((m, home))
}

/// The participations of a new event (4.8.1 "Creation"). `listed`: the creator named
/// themself in `participantIds`.
async fn create_participations(
    tx: &mut Tx,
    e: &Event,
    input: &NewEventInput,
    m: &Member,
    home: Option<CalendarKind>,
    listed: bool,
    now: i64,
) -> ApiResult<()> {
    let accepted = Some(ResponseStatus::Accepted);
    let add = async |tx: &mut Tx, member: i64, status| {
        participations::insert_for(tx, member, e, status, now)
            .await
            .skip_on_foreign_key_violation()
    };
    match e.kind {
        EventKind::Task => {
            let priority = input.rest.priority.clone().set();
            let task = Task {
                event_id: e.id,
                is_completed: false,
                priority,
                created_at: now,
                updated_at: now,
            };
            events::insert_task(&mut *tx, &task).await?;
            add(tx, m.id, accepted).await?;
        }
        EventKind::Reminder => {
            for member in calendars::confirmed_members(&mut *tx, e.calendar_id).await? {
                add(tx, member.id, accepted).await?;
            }
        }
        EventKind::Arrangement => {
            let pending = Some(ResponseStatus::Pending);
            for member in calendars::confirmed_members(&mut *tx, e.calendar_id).await? {
                let status = if member.id == m.id && listed {
                    pending
                } else {
                    None
                };
                add(tx, member.id, status).await?;
            }
            if listed
                && home == Some(CalendarKind::Additional)
                && let Some(main) = calendars::find_main_member(&mut *tx, e.creator_id).await?
            {
                add(tx, main.id, pending).await?;
            }
        }
    }
    Ok(())
}

/// PATCH /api/events/{id}[?scope=all|following&from=…] (contract: 4.8.7 E3). Owners and editors
/// of the home calendar; tasks only by their creator.
pub async fn update_event(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    q: QueryMap,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let following = is_following(&q)?;
    let mut tx = begin_edit(&state, ids.get("id"), following).await?;
    let found = events::find_for_update(&mut tx, ids.get("id")).await?;
    let all_day_now = match body.get("allDay") {
        Some(Value::Bool(b)) => *b,
        _ => found.as_ref().is_some_and(|e| e.all_day),
    };
    // Validation (400) comes before the route's own checks (contract 1.5).
    let input = parse_event(&body, false, all_day_now).map_err(ApiError::validation)?;
    let stored = found.ok_or_else(|| ApiError::not_found(EVENT_NOT_FOUND))?;
    authorize(&mut tx, &stored, user.id(), Action::Edit).await?;
    check_if_match(&headers, &stored)?;
    let mut e = stored.clone();
    apply_patch(&mut e, &input)?;
    if following {
        let split = crate::split::split(&mut tx, &state, &stored, &input, q.get("from")).await?;
        if let Some(new) = split {
            let body = full_event(&mut tx, &new, user.id(), None).await?;
            tx.commit().await?;
            return Ok(with_etag(StatusCode::OK, &new, &body));
        }
    }
    let e = save_patch(&mut tx, &stored, e, &input, state.clock.now_ms()).await?;
    let body = full_event(&mut tx, &e, user.id(), None).await?;
    tx.commit().await?;
    Ok(with_etag(StatusCode::OK, &e, &body))
}

/// E3's `scope`: whether the edit is "this and following".
fn is_following(q: &QueryMap) -> ApiResult<bool> {
    match q.get("scope").unwrap_or("all") {
        "all" => Ok(false),
        "following" => Ok(true),
        _ => Err(ApiError::validation(vec![
            "scope must be one of the following values: all, following".into(),
        ])),
    }
}

/// E3's transaction. A split adds an event to the calendar: its row is locked (shared) before
/// the event's, in the order a calendar deletion takes them. Events never move, so the calendar
/// is read before the transaction (which must not wait for a second connection of the pool).
async fn begin_edit(state: &AppState, id: i64, following: bool) -> ApiResult<Tx> {
    let split_calendar = if following {
        let mut c = state.db.acquire().await?;
        events::find_by_id(&mut c, id).await?.map(|e| e.calendar_id)
    } else {
        None
    };
    let mut tx = state.db.begin().await?;
    if let Some(cal) = split_calendar {
        calendars::lock_shared(&mut tx, cal).await?;
    }
    Ok(tx)
}

/// Writes a patched event (and its task); returns the stored result. A PATCH that changes
/// nothing changes nothing: not `updatedAt`, not the version (4.8.7).
async fn save_patch(
    tx: &mut Tx,
    stored: &Event,
    mut e: Event,
    input: &crate::input::EventInput,
    now: i64,
) -> ApiResult<Event> {
    let task_changed = save_task_changes(tx, e.id, e.kind, input, now).await?;
    if e != *stored {
        e.updated_at = now;
        save(&mut *tx, &e, e.name != stored.name).await?;
        crate::occurrences::discard_stale_overrides(tx, stored, &e).await?;
    } else if task_changed {
        events::bump_version(&mut *tx, e.id, now).await?;
    }
    if e != *stored || task_changed {
        triggers::refresh(&mut *tx, e.id, now).await?;
    }
    load(tx, e.id).await
}

/// DELETE /api/events/{id} (contract: 4.8.7 E4). Owners (any event) and editors (their own) of
/// the home calendar; tasks only by their creator.
pub async fn delete_event(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut tx = state.db.begin().await?;
    let e = lock(&mut tx, ids.get("id")).await?;
    authorize(&mut tx, &e, user.id(), Action::Delete).await?;
    check_if_match(&headers, &e)?;
    events::delete(&mut tx, e.id).await?;
    tx.commit().await?;
    Ok(empty(StatusCode::OK))
}
