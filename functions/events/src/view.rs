//! M7: a member's view of a calendar, with recurring series expanded (contract 4.7, 4.8.5).

use std::collections::HashMap;

use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use shared::AppState;
use shared::clock::format_ms;
use shared::db::calendars;
use shared::db::events::{self, Event, ListingRow};
use shared::domain::calendar::role;
use shared::domain::validate::Validator;
use shared::http::{ApiError, ApiResult, CurrentUser, PathIds, QueryMap, ok};

use crate::listing::{Bounds, OCCURRENCE_CAP, cap_items, date_param, overrides_for};
use crate::series::{recurrence_of, series};
use crate::shape::{Core, task_json};

/// GET /api/calendars/{calendarId}/members/{userId}/events (contract: 4.7 M7). Confirmed
/// members for themselves; calendar owners for anyone.
pub async fn list_member_events(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    q: QueryMap,
) -> ApiResult<Response> {
    let mut v = Validator::new();
    let from = date_param(&mut v, &q, "startDate");
    let to = date_param(&mut v, &q, "endDate");
    v.finish().map_err(ApiError::validation)?;
    let bounds = Bounds { from, to };
    let (cal_id, target) = (ids.get("calendarId"), ids.get("userId"));
    let mut c = state.db.acquire().await?;
    let me = calendars::find_member(c.conn(), cal_id, user.id())
        .await?
        .filter(|m| m.is_confirmed);
    let me =
        me.ok_or_else(|| ApiError::not_found("The user does not have access to this calendar"))?;
    if target != user.id() {
        let cal = calendars::find_by_id(c.conn(), cal_id).await?;
        let owner = cal.is_some_and(|x| x.creator_id == user.id()) || me.role == role::OWNER;
        if !owner {
            return Err(ApiError::forbidden(
                "Only calendar owners can view other members' events",
            ));
        }
    }
    let member = calendars::find_member(c.conn(), cal_id, target)
        .await?
        .ok_or_else(|| ApiError::not_found("Calendar member not found"))?;
    if bounds.empty() {
        return Ok(ok(&json!([])));
    }
    let started = std::time::Instant::now();
    let rows = events::listing_of_member(
        c.conn(),
        member.id,
        from.unwrap_or(i64::MIN / 4),
        to.unwrap_or(i64::MAX / 4),
    )
    .await?;
    let fetched = started.elapsed();
    let evs: Vec<Event> = rows.iter().map(|r| r.e.event()).collect();
    let overrides = overrides_for(c.conn(), &evs.iter().collect::<Vec<_>>()).await?;
    let now = state.clock.now_ms();
    // What is the same for every occurrence of a row is rendered once per row; an occurrence
    // adds only its own three timestamps and borrows the rest.
    let per_row: Vec<RowParts> = rows.iter().map(RowParts::new).collect();
    let bases: Vec<Core> = evs.iter().map(Core::of).collect();
    let mut items: Vec<ViewItem<'_>> = Vec::new();
    for (n, e) in evs.iter().enumerate() {
        view_items(n, e, &bounds, &overrides, now, &mut items);
    }
    items.sort_by_key(|i| (i.start, evs[i.row].id, rows[i.row].p.id));
    let truncated = cap_items(&mut items, |i| (i.start, i.original.is_some()));
    let list: Vec<ListingItem<'_>> = items
        .iter()
        .map(|i| ListingItem::new(&rows[i.row], &per_row[i.row], &bases[i.row], i))
        .collect();
    let built = started.elapsed();
    let mut res = ok(&list).into_response();
    tracing::debug!(rows = rows.len(), items = list.len(), ?fetched, ?built, total = ?started.elapsed(), "calendar view");
    if truncated {
        res.headers_mut()
            .insert("x-chronos-truncated", HeaderValue::from_static("true"));
    }
    Ok(res)
}

/// One M7 item before rendering: a row, and for an occurrence its times and override.
struct ViewItem<'a> {
    row: usize,
    start: i64,
    /// For occurrences: `startedAt`, `endedAt` (override applied) and `originalStartedAt`.
    times: Option<(String, String)>,
    original: Option<String>,
    fields: Option<&'a Map<String, Value>>,
}

fn view_items<'a>(
    n: usize,
    e: &Event,
    bounds: &Bounds,
    overrides: &'a HashMap<(i64, i64), Value>,
    now: i64,
    out: &mut Vec<ViewItem<'a>>,
) {
    let Some(r) = recurrence_of(e).filter(|r| r.is_recurring()) else {
        if bounds.overlaps(e.started_at, e.ended_at) {
            out.push(ViewItem {
                row: n,
                start: e.started_at,
                times: None,
                original: None,
                fields: None,
            });
        }
        return;
    };
    let (ws, we) = bounds.window(now);
    let (from, to) = (
        ws.max(bounds.from.unwrap_or(i64::MIN)),
        we.min(bounds.to.unwrap_or(i64::MAX)),
    );
    if from > to {
        return;
    }
    let (list, _) = series(e, &r).expand(from, to, OCCURRENCE_CAP + 1);
    for o in list {
        let fields = overrides
            .get(&(e.id, o.start_ms))
            .and_then(Value::as_object);
        let (mut s, mut x, original) = crate::shape::occurrence_times(e, &o);
        let mut start = o.start_ms;
        if let Some(f) = fields {
            if let Some(v) = f.get("startedAt").and_then(Value::as_str) {
                s = v.to_string();
                start = crate::input::parse_datetime(v).unwrap_or(start);
            }
            if let Some(v) = f.get("endedAt").and_then(Value::as_str) {
                x = v.to_string();
            }
        }
        out.push(ViewItem {
            row: n,
            start,
            times: Some((s, x)),
            original: Some(original),
            fields,
        });
    }
}

/// A ListingItem (M7), serialized directly (the view can hold thousands of items).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ListingItem<'a> {
    id: i64,
    calendar_member_id: i64,
    event_id: i64,
    color: &'a str,
    response_status: Option<&'a str>,
    created_at: &'a str,
    updated_at: &'a str,
    event: ListingEvent<'a>,
}

/// The parts of a listing row shared by all of its occurrences.
struct RowParts {
    created_at: String,
    updated_at: String,
    task: Option<Value>,
}

impl RowParts {
    fn new(row: &ListingRow) -> Self {
        RowParts {
            created_at: format_ms(row.p.created_at),
            updated_at: format_ms(row.p.updated_at),
            task: row.task().as_ref().map(task_json),
        }
    }
}

/// EventCore + `task` (+ the occurrence fields), borrowed from the row's base.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ListingEvent<'a> {
    id: i64,
    creator_id: i64,
    calendar_id: i64,
    name: &'a str,
    description: Option<&'a str>,
    category: &'a str,
    started_at: &'a str,
    ended_at: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
    created_at: &'a str,
    updated_at: &'a str,
    time_zone: &'a str,
    all_day: bool,
    recurrence: &'a Option<Vec<String>>,
    reminders: &'a [i64],
    task: &'a Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recurring_event_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_started_at: Option<&'a str>,
}

impl<'a> ListingItem<'a> {
    fn new(
        row: &'a ListingRow,
        parts: &'a RowParts,
        base: &'a Core,
        item: &'a ViewItem<'a>,
    ) -> Self {
        let f = item.fields;
        let text = |k: &str| f.and_then(|f| f.get(k)).and_then(Value::as_str);
        let description = match f.and_then(|f| f.get("description")) {
            Some(d) => d.as_str(),
            None => base.description.as_deref(),
        };
        let (started_at, ended_at) = match &item.times {
            Some((s, x)) => (s.as_str(), x.as_str()),
            None => (base.started_at.as_str(), base.ended_at.as_str()),
        };
        ListingItem {
            id: row.p.id,
            calendar_member_id: row.p.calendar_member_id,
            event_id: row.p.event_id,
            color: &row.p.color,
            response_status: row.p.response_status.as_deref(),
            created_at: &parts.created_at,
            updated_at: &parts.updated_at,
            event: ListingEvent {
                id: base.id,
                creator_id: base.creator_id,
                calendar_id: base.calendar_id,
                name: text("name").unwrap_or(&base.name),
                description,
                category: text("category").unwrap_or(&base.category),
                started_at,
                ended_at,
                event_type: &base.event_type,
                created_at: &base.created_at,
                updated_at: &base.updated_at,
                time_zone: &base.time_zone,
                all_day: base.all_day,
                recurrence: &base.recurrence,
                reminders: &base.reminders,
                task: &parts.task,
                recurring_event_id: item.original.as_ref().map(|_| base.id),
                original_started_at: item.original.as_deref(),
            },
        }
    }
}
