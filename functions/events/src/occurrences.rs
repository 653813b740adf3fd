//! Single occurrences of a series (E5, E6), and the overrides a series edit leaves behind.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};
use shared::AppState;
use shared::db::Tx;
use shared::db::events::{self, Event, EventFields, OverrideFields};
use shared::domain::recurrence::{MAX_LINES, Occurrence, Recurrence, to_local};
use shared::domain::validate::Opt;
use shared::http::{ApiError, ApiResult, CurrentUser, JsonBody, PathIds, PathParams, empty};
use shared::jobs::triggers;

use crate::access::{
    Action, EVENT_NOT_FOUND, authorize, check_if_match, load, lock, save, with_etag,
};
use crate::editing::check_rendered_order;
use crate::input::{EventInput, When, parse_date, parse_datetime, parse_event};
use crate::series::refresh_derived;
use crate::shape::{Core, OccurrenceView, full_event};
use shared::domain::triggers::midnight;

pub const NOT_RECURRING: &str = "Event is not recurring";
pub const NO_OCCURRENCE: &str = "Occurrence not found";

/// The fields E5 may change; any other key of its body is ignored.
const OCCURRENCE_FIELDS: [&str; 5] = ["name", "description", "category", "startedAt", "endedAt"];

/// Reads an `{originalStartedAt}` / `from` value: an instant, or a date for all-day series.
fn original_start(e: &EventFields, raw: &str) -> Option<i64> {
    if e.all_day {
        parse_date(raw).map(|d| midnight(e.tz(), d))
    } else {
        parse_datetime(raw)
    }
}

/// The occurrence of series `e` that `raw` names (400 if `e` does not recur, 404 if it has no
/// such occurrence; cancelled ones count when `include_cancelled`).
pub fn occurrence_at(
    e: &EventFields,
    raw: &str,
    include_cancelled: bool,
) -> ApiResult<(i64, Occurrence)> {
    if e.rule().is_none_or(|r| !r.is_recurring()) {
        return Err(ApiError::bad_request(NOT_RECURRING));
    }
    original_start(e, raw)
        .and_then(|start| Some((start, find_occurrence(e, start, include_cancelled)?)))
        .ok_or_else(|| ApiError::not_found(NO_OCCURRENCE))
}

/// The occurrence of `e` starting at `start`, cancelled ones included when asked.
fn find_occurrence(e: &EventFields, start: i64, include_cancelled: bool) -> Option<Occurrence> {
    let r = e.rule()?;
    if !e.series(&r).has_occurrence(start, include_cancelled) {
        return None;
    }
    let probe = if include_cancelled {
        let kept: Vec<String> = (e.lines()?.iter())
            .filter(|l| !l.to_ascii_uppercase().starts_with("EXDATE"))
            .cloned()
            .collect();
        Recurrence::parse(&kept, e.all_day).ok()?
    } else {
        r
    };
    let (list, _) = e.series(&probe).expand(start, start, usize::MAX);
    list.into_iter().find(|o| o.start_ms == start)
}

/// PATCH /api/events/{id}/occurrences/{originalStartedAt} (contract: 4.8.7 E5). As E3.
pub async fn update_occurrence(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    params: PathParams,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut tx = state.db.begin().await?;
    let found = events::find_for_update(&mut tx, ids.get("id")).await?;
    let allowed: Map<String, Value> = (body.into_iter())
        .filter(|(k, _)| OCCURRENCE_FIELDS.contains(&k.as_str()))
        .collect();
    let all_day = found.as_ref().is_some_and(|e| e.all_day);
    let input = parse_event(&allowed, false, all_day).map_err(ApiError::validation)?;
    let e = found.ok_or_else(|| ApiError::not_found(EVENT_NOT_FOUND))?;
    authorize(&mut tx, &e, user.id(), Action::Edit).await?;
    let (start, occurrence) = occurrence_at(&e, params.get("originalStartedAt"), false)?;
    check_if_match(&headers, &e)?;
    let stored = events::overrides_of(&mut tx, e.id).await?;
    let mut fields = (stored.into_iter())
        .find(|o| o.original_start == start)
        .map(|o| o.fields)
        .unwrap_or_default();
    merge_override(&mut fields, &input, &e);
    let view = OccurrenceView {
        occurrence,
        fields: Some(fields.clone()),
    };
    // The merged occurrence must still end after it starts.
    let core = Core::occurrence(&e, &view);
    check_rendered_order(e.all_day, &core.started_at, &core.ended_at)?;
    let now = state.clock.now_ms();
    events::put_override(&mut tx, e.id, start, &fields, now).await?;
    events::bump_version(&mut tx, e.id, now).await?;
    triggers::refresh(&mut tx, e.id, now).await?;
    let e = load(&mut tx, e.id).await?;
    let body = full_event(&mut tx, &e, user.id(), Some(&view)).await?;
    tx.commit().await?;
    Ok(with_etag(StatusCode::OK, &e, &body))
}

/// Writes E5's fields over an occurrence's override (times as rendered: dates when all-day).
fn merge_override(fields: &mut OverrideFields, input: &EventInput, e: &EventFields) {
    if let Some(n) = &input.name {
        fields.name = Some(n.clone());
    }
    match &input.description {
        Opt::Set(d) => fields.description = Some(Some(d.clone())),
        Opt::Null => fields.description = Some(None),
        Opt::Absent => {}
    }
    if let Some(c) = &input.category {
        fields.category = Some(c.clone());
    }
    let rendered = |w: Option<When>| match w {
        Some(When::At(ms)) if !e.all_day => Some(shared::clock::format_ms(ms)),
        Some(When::Day(d)) if e.all_day => Some(d.to_string()),
        _ => None,
    };
    if let Some(s) = rendered(input.started_at) {
        fields.started_at = Some(s);
    }
    if let Some(x) = rendered(input.ended_at) {
        fields.ended_at = Some(x);
    }
}

/// The EXDATE line for an occurrence.
fn exdate_line(e: &EventFields, start: i64) -> String {
    if e.all_day {
        let d = to_local(e.tz(), start).date();
        format!("EXDATE;VALUE=DATE:{}", d.format("%Y%m%d"))
    } else {
        let t = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(start).unwrap_or_default();
        format!("EXDATE:{}", t.format("%Y%m%dT%H%M%SZ"))
    }
}

/// Adds an EXDATE for the occurrence at `start`, within the series' size limits.
fn cancel(e: &mut EventFields, start: i64) -> ApiResult<()> {
    let line = exdate_line(e, start);
    let room = e.rule().is_some_and(|r| r.has_room_for(line.len()));
    let lines = e.recurrence.get_or_insert_with(Vec::new);
    if lines.len() >= MAX_LINES || !room {
        return Err(ApiError::bad_request("Too many exceptions for this series"));
    }
    lines.push(line);
    refresh_derived(e);
    Ok(())
}

/// DELETE /api/events/{id}/occurrences/{originalStartedAt} (contract: 4.8.7 E6). As E4.
pub async fn delete_occurrence(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    params: PathParams,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut tx = state.db.begin().await?;
    let mut e = lock(&mut tx, ids.get("id")).await?;
    authorize(&mut tx, &e, user.id(), Action::Delete).await?;
    let (start, _) = occurrence_at(&e, params.get("originalStartedAt"), true)?;
    check_if_match(&headers, &e)?;
    // An occurrence already cancelled only loses its override.
    let now = state.clock.now_ms();
    if find_occurrence(&e, start, false).is_some() {
        cancel(&mut e, start)?;
        e.updated_at = now;
        save(&mut tx, &e, false).await?;
    }
    events::delete_overrides(&mut tx, e.id, Some(start)).await?;
    triggers::refresh(&mut tx, e.id, now).await?;
    tx.commit().await?;
    Ok(empty(StatusCode::OK))
}

/// After a series PATCH: drops overrides whose occurrence no longer exists.
pub async fn discard_stale_overrides(tx: &mut Tx, before: &Event, after: &Event) -> ApiResult<()> {
    let changed = before.started_at != after.started_at
        || before.ended_at != after.ended_at
        || before.time_zone != after.time_zone
        || before.all_day != after.all_day
        || before.recurrence != after.recurrence;
    if !changed {
        return Ok(());
    }
    let Some(r) = after.rule().filter(|r| r.is_recurring()) else {
        events::delete_overrides(tx, after.id, None).await?;
        return Ok(());
    };
    let s = after.series(&r);
    for o in events::overrides_of(&mut *tx, after.id).await? {
        if !s.has_occurrence(o.original_start, false) {
            events::delete_overrides(&mut *tx, after.id, Some(o.original_start)).await?;
        }
    }
    Ok(())
}
