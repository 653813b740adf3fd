//! E1-E4: one event (contract 4.8.7).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use shared::db::events::{self, Event, Task};
use shared::db::{Tx, calendars};
use shared::domain::calendar::{kind, role};
use shared::domain::validate::Opt;
use shared::http::{
    ApiError, ApiResult, CurrentUser, JsonBody, PathIds, QueryMap, ResultExt, empty,
};
use shared::{AppState, jobs};

use crate::access::{Action, authorize, check_if_match, etag, load, load_visible, lock, save};
use crate::input::{EventInput, When, parse_event, parse_recurrence};
use crate::participations::{invite, invitee};
use crate::series::{midnight, refresh_derived, tz_of};
use crate::shape::full_event;

/// A JSON response with the event's ETag.
pub fn with_etag(status: StatusCode, e: &Event, body: &Value) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag(e)) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// The merged start/end check of 4.8.3 (400 array).
pub fn check_order(e: &Event) -> ApiResult<()> {
    let bad = if e.all_day {
        e.end_date.as_deref().unwrap_or("") <= e.start_date.as_deref().unwrap_or("")
    } else {
        e.ended_at < e.started_at
    };
    if !bad {
        return Ok(());
    }
    let msg = if e.all_day {
        "endedAt must be later than startedAt"
    } else {
        "endedAt must not be earlier than startedAt"
    };
    Err(ApiError::validation(vec![msg.into()]))
}

/// Applies start/end values to an event (dates for all-day events).
pub fn set_when(e: &mut Event, start: Option<When>, end: Option<When>) {
    let tz = tz_of(e);
    for (w, is_start) in [(start, true), (end, false)] {
        match w {
            Some(When::At(ms)) => {
                if is_start {
                    e.started_at = ms;
                    e.start_date = None;
                } else {
                    e.ended_at = ms;
                    e.end_date = None;
                }
            }
            Some(When::Day(d)) => {
                let s = d.format("%Y-%m-%d").to_string();
                if is_start {
                    e.started_at = midnight(tz, d);
                    e.start_date = Some(s);
                } else {
                    e.ended_at = midnight(tz, d);
                    e.end_date = Some(s);
                }
            }
            None => {}
        }
    }
}

/// Stores the recurrence lines (normalised) or NULL.
pub fn set_recurrence(e: &mut Event, lines: Opt<Vec<String>>) -> ApiResult<()> {
    match lines {
        Opt::Set(l) if !l.is_empty() => {
            if e.event_type == "task" {
                return Err(ApiError::bad_request(
                    "recurrence is not supported for tasks",
                ));
            }
            let r = parse_recurrence(&l, e.all_day).map_err(ApiError::validation)?;
            e.recurrence = Some(serde_json::to_string(&r.lines).unwrap_or_default());
        }
        Opt::Set(_) | Opt::Null => e.recurrence = None,
        Opt::Absent => {
            if let Some(lines) = crate::shape::lines_of(e) {
                // A change of allDay must leave the stored lines valid.
                crate::input::valid_lines(&lines, e.all_day).map_err(ApiError::validation)?;
            }
        }
    }
    Ok(())
}

/// GET /api/events/{id} (contract: 4.8.7 E1). Any participant.
pub async fn get_event(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
) -> ApiResult<Response> {
    let mut c = state.db.acquire().await?;
    let (e, _) = load_visible(c.conn(), ids.get("id"), user.id()).await?;
    let body = full_event(c.conn(), &e, user.id(), None).await?;
    Ok(with_etag(StatusCode::OK, &e, &body))
}

fn default_reminders(t: &str) -> Vec<i64> {
    if t == "arrangement" {
        vec![15]
    } else {
        vec![0]
    }
}

/// POST /api/events (contract: 4.8.7 E2). Confirmed owners and editors of `calendarId`.
pub async fn create_event(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let input = parse_event(&body, true, false).map_err(ApiError::validation)?;
    let now = state.clock.now_ms();
    let event_type = input.event_type.clone().unwrap_or_default();
    let mut e = Event {
        id: 0,
        calendar_id: input.calendar_id.unwrap_or_default(),
        creator_id: user.id(),
        name: input.name.clone().unwrap_or_default(),
        description: input.description.clone().set(),
        category: input.category.clone().unwrap_or_default(),
        event_type: event_type.clone(),
        started_at: 0,
        ended_at: 0,
        start_date: None,
        end_date: None,
        time_zone: input
            .time_zone
            .clone()
            .unwrap_or_else(|| user.user.time_zone.clone()),
        all_day: input.all_day.unwrap_or(false),
        recurrence: None,
        reminders: serde_json::to_string(
            &input
                .reminders
                .clone()
                .unwrap_or_else(|| default_reminders(&event_type)),
        )
        .unwrap_or_default(),
        color: String::new(),
        range_end: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    set_when(&mut e, input.started_at, input.ended_at);
    check_order(&e)?;
    set_recurrence(&mut e, input.recurrence.clone())?;
    refresh_derived(&mut e);

    let mut tx = state.db.begin().await?;
    let no_access = || ApiError::forbidden("You do not have access to this calendar");
    // Locked first, so the calendar cannot be deleted (nor a member confirmed) half-way.
    let cal = calendars::find_for_update(tx.conn(), e.calendar_id)
        .await?
        .ok_or_else(no_access)?;
    let m = calendars::find_member(tx.conn(), e.calendar_id, user.id())
        .await?
        .filter(|m| m.is_confirmed)
        .ok_or_else(no_access)?;
    if m.role == role::VIEWER {
        return Err(ApiError::forbidden(
            "You need editor or owner role to perform this action",
        ));
    }
    let home_kind = calendars::find_member(tx.conn(), cal.id, cal.creator_id)
        .await?
        .map(|m| m.calendar_type)
        .unwrap_or_default();
    if home_kind == kind::HOLIDAY {
        return Err(ApiError::bad_request(
            "Events cannot be added to a holiday calendar",
        ));
    }
    let mut invitees = Vec::new();
    if event_type == "arrangement" {
        for id in input.participant_ids.iter().filter(|id| **id != user.id()) {
            invitees.push(invitee(tx.conn(), *id).await?);
        }
    }
    e.color = input.color.clone().unwrap_or_else(|| m.color.clone());
    // The calendar is locked; only the creator's own deletion (U5) can still fail the insert.
    e.id = events::insert(tx.conn(), &e)
        .await
        .on_foreign_key_violation(no_access)?;
    create_participations(
        &mut tx,
        &state,
        &e,
        &input,
        &m,
        home_kind == kind::ADDITIONAL,
        &user.user,
    )
    .await?;
    for u in &invitees {
        invite(&mut tx, &state, &e, &user.user, u).await?;
    }
    let e = load(tx.conn(), e.id).await?;
    let body = full_event(tx.conn(), &e, user.id(), None).await?;
    tx.commit().await?;
    jobs::committed(&state).await;
    Ok(with_etag(StatusCode::CREATED, &e, &body))
}

/// The participations of a new event (4.8.1 "Creation").
async fn create_participations(
    tx: &mut Tx,
    state: &AppState,
    e: &Event,
    input: &EventInput,
    m: &calendars::Member,
    home_is_additional: bool,
    creator: &shared::db::users::User,
) -> ApiResult<()> {
    let now = state.clock.now_ms();
    match e.event_type.as_str() {
        "task" => {
            let priority = input.priority.clone().set();
            events::upsert_task(
                tx.conn(),
                &Task {
                    event_id: e.id,
                    is_completed: false,
                    priority,
                    created_at: now,
                    updated_at: now,
                },
                true,
            )
            .await?;
            events::insert_participation(tx.conn(), m.id, e.id, &e.color, Some("accepted"), now)
                .await
                .skip_on_foreign_key_violation()?;
        }
        "reminder" => {
            for member in calendars::confirmed_members(tx.conn(), e.calendar_id).await? {
                events::insert_participation(
                    tx.conn(),
                    member.id,
                    e.id,
                    &e.color,
                    Some("accepted"),
                    now,
                )
                .await
                .skip_on_foreign_key_violation()?;
            }
        }
        _ => {
            let listed = input.participant_ids.contains(&creator.id);
            for member in calendars::confirmed_members(tx.conn(), e.calendar_id).await? {
                let status = (member.id == m.id && listed).then_some("pending");
                events::insert_participation(tx.conn(), member.id, e.id, &e.color, status, now)
                    .await
                    .skip_on_foreign_key_violation()?;
            }
            if listed && home_is_additional {
                if let Some(main) = calendars::find_main_member(tx.conn(), creator.id).await? {
                    events::insert_participation(
                        tx.conn(),
                        main.id,
                        e.id,
                        &e.color,
                        Some("pending"),
                        now,
                    )
                    .await
                    .skip_on_foreign_key_violation()?;
                }
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
    // A split adds an event to the calendar: its row is locked (shared) before the event's, in
    // the order a calendar deletion takes them. Events never move, so the calendar is read
    // before the transaction (which must not wait for a second connection of the pool).
    let split_calendar = match q.get("scope") {
        Some("following") => {
            let mut c = state.db.acquire().await?;
            events::find_by_id(c.conn(), ids.get("id"))
                .await?
                .map(|e| e.calendar_id)
        }
        _ => None,
    };
    let mut tx = state.db.begin().await?;
    if let Some(cal) = split_calendar {
        calendars::lock_shared(tx.conn(), cal).await?;
    }
    let found = events::find_for_update(tx.conn(), ids.get("id")).await?;
    let all_day_now = match body.get("allDay") {
        Some(Value::Bool(b)) => *b,
        _ => found.as_ref().is_some_and(|e| e.all_day),
    };
    // Validation (400) comes before the route's own checks (contract 1.5).
    let input = parse_event(&body, false, all_day_now).map_err(ApiError::validation)?;
    let stored = found.ok_or_else(|| ApiError::not_found(crate::access::EVENT_NOT_FOUND))?;
    authorize(tx.conn(), &stored, user.id(), Action::Edit).await?;
    check_if_match(&headers, &stored)?;

    let mut e = stored.clone();
    if let Some(ad) = input.all_day {
        if ad != e.all_day && (input.started_at.is_none() || input.ended_at.is_none()) {
            return Err(ApiError::validation(vec![
                "startedAt and endedAt are required when allDay changes".into(),
            ]));
        }
        e.all_day = ad;
    }
    if let Some(tz) = &input.time_zone {
        e.time_zone = tz.clone();
    }
    apply_fields(&mut e, &input);
    set_when(&mut e, input.started_at, input.ended_at);
    check_order(&e)?;
    set_recurrence(&mut e, input.recurrence.clone())?;
    refresh_derived(&mut e);

    let scope = q.get("scope").unwrap_or("all");
    if scope != "all" && scope != "following" {
        return Err(ApiError::validation(vec![
            "scope must be one of the following values: all, following".into(),
        ]));
    }
    if scope == "following" {
        if let Some(res) =
            crate::occurrences::split(&mut tx, &state, &stored, &input, q.get("from"), user.id())
                .await?
        {
            tx.commit().await?;
            return Ok(res);
        }
    }
    // A PATCH that changes nothing changes nothing: not `updatedAt`, not the version (4.8.7).
    let now = state.clock.now_ms();
    let task_changed = update_task(&mut tx, &e, &input, now).await?;
    if e != stored {
        e.updated_at = now;
        save(tx.conn(), &e).await?;
        crate::occurrences::discard_stale_overrides(&mut tx, &stored, &e).await?;
    } else if task_changed {
        events::bump_version(tx.conn(), e.id, now).await?;
    }
    let e = load(tx.conn(), e.id).await?;
    let body = full_event(tx.conn(), &e, user.id(), None).await?;
    tx.commit().await?;
    Ok(with_etag(StatusCode::OK, &e, &body))
}

/// Copies the plain fields of a PATCH body.
pub fn apply_fields(e: &mut Event, input: &EventInput) {
    if let Some(n) = &input.name {
        e.name = n.clone();
    }
    match &input.description {
        Opt::Set(d) => e.description = Some(d.clone()),
        Opt::Null => e.description = None,
        Opt::Absent => {}
    }
    if let Some(c) = &input.category {
        e.category = c.clone();
    }
    if let Some(r) = &input.reminders {
        e.reminders = serde_json::to_string(r).unwrap_or_default();
    }
}

/// Applies `priority` and `isCompleted` to a task; returns whether that changed it (only then is
/// it written).
pub async fn update_task(tx: &mut Tx, e: &Event, input: &EventInput, now: i64) -> ApiResult<bool> {
    if e.event_type != "task" || (!input.priority.is_present() && input.is_completed.is_none()) {
        return Ok(false);
    }
    let Some(stored) = events::find_task(tx.conn(), e.id).await? else {
        return Ok(false);
    };
    let mut t = stored.clone();
    match &input.priority {
        Opt::Set(p) => t.priority = Some(p.clone()),
        Opt::Null => t.priority = None,
        Opt::Absent => {}
    }
    if let Some(done) = input.is_completed {
        t.is_completed = done;
    }
    if t == stored {
        return Ok(false);
    }
    t.updated_at = now;
    events::upsert_task(tx.conn(), &t, false).await?;
    Ok(true)
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
    let e = lock(tx.conn(), ids.get("id")).await?;
    authorize(tx.conn(), &e, user.id(), Action::Delete).await?;
    check_if_match(&headers, &e)?;
    events::delete(tx.conn(), e.id).await?;
    tx.commit().await?;
    Ok(empty(StatusCode::OK))
}
