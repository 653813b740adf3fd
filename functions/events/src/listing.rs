//! Listings with occurrence expansion (contract 4.8.5): M7 (a member's view of a calendar) and
//! U8/U9 (the user's event search, cursor and offset pages).

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

use crate::input::parse_query_instant;
use crate::series::{recurrence_of, series};
use crate::shape::{Core, OccurrenceView, task_json};

/// At most this many occurrences per response.
pub const OCCURRENCE_CAP: usize = 2000;
const YEAR_MS: i64 = 365 * 86_400_000;

/// The date bounds of a listing.
#[derive(Clone, Copy, Debug)]
struct Bounds {
    from: Option<i64>,
    to: Option<i64>,
}

impl Bounds {
    /// The expansion window of recurring series (4.8.5).
    fn window(&self, now: i64) -> (i64, i64) {
        let start = self
            .from
            .unwrap_or_else(|| now.min(self.to.unwrap_or(now)) - YEAR_MS);
        let end = self
            .to
            .unwrap_or_else(|| now.max(self.from.unwrap_or(now)) + YEAR_MS);
        (start, end)
    }

    fn overlaps(&self, start: i64, end: i64) -> bool {
        self.to.is_none_or(|b| start <= b) && self.from.is_none_or(|a| end >= a)
    }

    fn empty(&self) -> bool {
        matches!((self.from, self.to), (Some(a), Some(b)) if a > b)
    }
}

/// One rendered item: its sort instant and its EventCore.
struct Item {
    core: Core,
    occurrences: usize,
}

/// Renders an event as items: itself, or its occurrences inside the bounds.
fn items_of(
    e: &Event,
    bounds: &Bounds,
    overrides: &HashMap<(i64, i64), Value>,
    now: i64,
    expand: bool,
) -> Vec<Item> {
    match recurrence_of(e).filter(|r| r.is_recurring()) {
        Some(r) if expand => {
            let (ws, we) = bounds.window(now);
            let (from, to) = (
                ws.max(bounds.from.unwrap_or(i64::MIN)),
                we.min(bounds.to.unwrap_or(i64::MAX)),
            );
            if from > to {
                return Vec::new();
            }
            let (list, _) = series(e, &r).expand(from, to, OCCURRENCE_CAP + 1);
            let base = Core::of(e);
            list.into_iter()
                .map(|o| {
                    let fields = overrides.get(&(e.id, o.start_ms)).cloned();
                    let view = OccurrenceView {
                        occurrence: o,
                        fields,
                    };
                    Item {
                        core: Core::occurrence_of(base.clone(), e, &view),
                        occurrences: 1,
                    }
                })
                .collect()
        }
        _ if bounds.overlaps(e.started_at, e.ended_at) || !expand => {
            vec![Item {
                core: Core::of(e),
                occurrences: 0,
            }]
        }
        _ => Vec::new(),
    }
}

async fn overrides_for(
    c: shared::db::Conn<'_>,
    evs: &[&Event],
) -> ApiResult<HashMap<(i64, i64), Value>> {
    let ids: Vec<i64> = evs
        .iter()
        .filter(|e| e.recurrence.is_some())
        .map(|e| e.id)
        .collect();
    Ok(events::overrides_of_events(c, &ids)
        .await?
        .into_iter()
        .filter_map(|o| {
            serde_json::from_str(&o.fields)
                .ok()
                .map(|f| ((o.event_id, o.original_start), f))
        })
        .collect())
}

fn date_param(v: &mut Validator, q: &QueryMap, name: &str) -> Option<i64> {
    v.param(q.get(name), name)
        .parse(
            |s| parse_query_instant(s),
            |f| format!("{f} must be a valid ISO 8601 date string"),
        )
        .get()
}

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

/// Drops the latest occurrences beyond the cap (plain events are never dropped); `key` gives an
/// item's start and whether it is an occurrence.
fn cap_items<T>(items: &mut Vec<T>, key: impl Fn(&T) -> (i64, bool)) -> bool {
    let mut starts: Vec<i64> = items
        .iter()
        .map(&key)
        .filter(|(_, occ)| *occ)
        .map(|(s, _)| s)
        .collect();
    if starts.len() <= OCCURRENCE_CAP {
        return false;
    }
    starts.sort_unstable();
    let limit = starts[OCCURRENCE_CAP - 1];
    let mut kept = 0;
    items.retain(|i| {
        let (start, occ) = key(i);
        if !occ {
            return true;
        }
        let keep = start <= limit && kept < OCCURRENCE_CAP;
        kept += usize::from(keep);
        keep
    });
    true
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

/// The parsed search parameters of U8/U9.
struct Search {
    name: Option<String>,
    bounds: Bounds,
    kind: String,
    limit: usize,
    after: Option<(i64, i64)>,
    after_raw: Value,
    page: usize,
}

fn parse_search(q: &QueryMap, offset: bool) -> ApiResult<Search> {
    let mut v = Validator::new();
    let dates_given = q.get("startedAt").is_some() || q.get("endedAt").is_some();
    let name_field = v.param(q.get("name"), "name");
    let name = if dates_given {
        name_field
    } else {
        name_field.required()
    }
    .len(3, 100)
    .get();
    let from = date_param(&mut v, q, "startedAt");
    let to = date_param(&mut v, q, "endedAt");
    let kind = v
        .param(q.get("type"), "type")
        .one_of(&["event", "arrangement", "reminder", "task"])
        .get()
        .unwrap_or_else(|| "event".into());
    let int = |v: &mut Validator, k: &str, min: i64, max: i64| {
        v.param(q.get(k), k)
            .parse(
                |s| {
                    s.parse::<i64>()
                        .ok()
                        .filter(|_| s.bytes().all(|b| b.is_ascii_digit()))
                },
                |f| format!("{f} must be an integer"),
            )
            .min(min)
            .max(max)
            .get()
    };
    let limit = int(&mut v, "limit", 1, 100).unwrap_or(10) as usize;
    let (mut after, mut after_raw, mut page) = (None, Value::Null, 1);
    if offset {
        page = int(&mut v, "page", 1, i64::from(i32::MAX)).unwrap_or(1) as usize;
    } else {
        let created = date_param(&mut v, q, "after[createdAt]");
        let id = v
            .param(q.get("after[id]"), "after[id]")
            .parse(
                |s| shared::http::extract::parse_path_id(s),
                |f| format!("{f} must be a positive integer"),
            )
            .get();
        if q.get("after[createdAt]").is_some() != q.get("after[id]").is_some() {
            v.error("after[id] and after[createdAt] must be given together");
        }
        if let (Some(c), Some(i)) = (created, id) {
            after = Some((c, i));
            after_raw = json!({"createdAt": q.get("after[createdAt]"), "id": i});
        }
    }
    v.finish().map_err(ApiError::validation)?;
    Ok(Search {
        name,
        bounds: Bounds { from, to },
        kind,
        limit,
        after,
        after_raw,
        page,
    })
}

/// One matching event with its items.
struct Match {
    created_at: i64,
    id: i64,
    items: Vec<Value>,
    occurrences: usize,
}

async fn search(state: &AppState, user: &CurrentUser, s: &Search) -> ApiResult<Vec<Match>> {
    if s.bounds.empty() {
        return Ok(Vec::new());
    }
    let mut c = state.db.acquire().await?;
    let started = std::time::Instant::now();
    // LIKE is case-insensitive for ASCII on SQLite (and for all text under MySQL's _ci
    // collation), so only an ASCII needle is pushed down without losing matches.
    let like = s.name.as_ref().filter(|n| n.is_ascii()).map(|n| {
        format!(
            "%{}%",
            n.replace('!', "!!").replace('%', "!%").replace('_', "!_")
        )
    });
    let expanding = s.bounds.from.is_some() || s.bounds.to.is_some();
    let rows = events::listing_of_user(
        c.conn(),
        user.id(),
        s.bounds.from.unwrap_or(i64::MIN / 4),
        s.bounds.to.unwrap_or(i64::MAX / 4),
        like.as_deref(),
        expanding,
    )
    .await?;
    tracing::debug!(rows = rows.len(), fetched = ?started.elapsed(), "search rows");
    // Group rows per event (rows are ordered by createdAt DESC, id DESC, participation id).
    let mut grouped: Vec<(Event, Vec<&ListingRow>)> = Vec::new();
    for r in &rows {
        match grouped.last_mut() {
            Some((e, list)) if e.id == r.e.e_id => list.push(r),
            _ => grouped.push((r.e.event(), vec![r])),
        }
    }
    let evs: Vec<&Event> = grouped.iter().map(|(e, _)| e).collect();
    let overrides = overrides_for(c.conn(), &evs).await?;
    let now = state.clock.now_ms();
    let expand = s.bounds.from.is_some() || s.bounds.to.is_some();
    let needle = s.name.as_ref().map(|n| n.to_lowercase());
    let mut out = Vec::new();
    for (e, parts) in &grouped {
        if s.kind != "event" && e.event_type != s.kind {
            continue;
        }
        // The caller's listed participation in the home calendar, else the one with the lowest id.
        let chosen = parts
            .iter()
            .find(|p| p.m_calendar_id == e.calendar_id)
            .or_else(|| parts.iter().min_by_key(|p| p.p.id));
        let Some(chosen) = chosen else { continue };
        let member_calendar = chosen.m_calendar_id;
        let mut items = Vec::new();
        let mut occurrences = 0;
        for item in items_of(e, &s.bounds, &overrides, now, expand) {
            if needle
                .as_ref()
                .is_some_and(|n| !item.core.name.to_lowercase().contains(n.as_str()))
            {
                continue;
            }
            occurrences += item.occurrences;
            let mut core = item.core;
            core.calendar_id = member_calendar;
            items.push(search_item(&core, chosen.p.calendar_member_id));
        }
        if !items.is_empty() {
            out.push(Match {
                created_at: e.created_at,
                id: e.id,
                items,
                occurrences,
            });
        }
    }
    Ok(out)
}

fn search_item(core: &Core, member_id: i64) -> Value {
    let v = serde_json::to_value(core).unwrap_or(Value::Null);
    let mut out = Map::new();
    if let Value::Object(obj) = v {
        for (k, val) in obj {
            out.insert(k.clone(), val);
            if k == "calendarId" {
                out.insert("calendarMemberId".into(), json!(member_id));
            }
        }
    }
    Value::Object(out)
}

/// Takes matches for one page, respecting the occurrence cap; returns items, the events taken,
/// and whether the cap cut the page.
fn page_of(matches: &[Match], limit: usize) -> (Vec<Value>, usize, bool) {
    let (mut items, mut taken, mut occ, mut truncated) = (Vec::new(), 0, 0, false);
    for m in matches.iter().take(limit) {
        if occ + m.occurrences > OCCURRENCE_CAP {
            let room = OCCURRENCE_CAP - occ;
            items.extend(m.items.iter().take(room).cloned());
            taken += 1;
            truncated = true;
            break;
        }
        occ += m.occurrences;
        items.extend(m.items.iter().cloned());
        taken += 1;
    }
    (items, taken, truncated)
}

/// GET /api/users/{id}/events (contract: 4.5 U8). Own account only.
pub async fn search_events(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    q: QueryMap,
) -> ApiResult<Response> {
    let s = parse_search(&q, false)?;
    if ids.get("id") != user.id() {
        return Err(ApiError::forbidden("You can only access your own account"));
    }
    let all = search(&state, &user, &s).await?;
    let total = all.len();
    let rest: Vec<Match> = match s.after {
        Some((c, i)) => all
            .into_iter()
            .filter(|m| (m.created_at, m.id) < (c, i))
            .collect(),
        None => all,
    };
    let (items, taken, truncated) = page_of(&rest, s.limit);
    let next = rest
        .get(taken.saturating_sub(1))
        .filter(|_| taken > 0)
        .map(|m| json!({"createdAt": format_ms(m.created_at), "id": m.id}));
    let remaining = rest.len() - taken;
    Ok(ok(&json!({
        "events": items,
        "nextCursor": next.unwrap_or(Value::Null),
        "hasMore": remaining > 0,
        "total": total,
        "after": s.after_raw,
        "limit": s.limit,
        "remaining": remaining,
        "truncated": truncated,
    })))
}

/// GET /api/users/{id}/events/offset (contract: 4.5 U9). Own account only.
pub async fn search_events_offset(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    q: QueryMap,
) -> ApiResult<Response> {
    let s = parse_search(&q, true)?;
    if ids.get("id") != user.id() {
        return Err(ApiError::forbidden("You can only access your own account"));
    }
    let all = search(&state, &user, &s).await?;
    let total = all.len();
    let skip = (s.page - 1).saturating_mul(s.limit);
    let rest: Vec<Match> = all.into_iter().skip(skip).collect();
    let (items, _, truncated) = page_of(&rest, s.limit);
    Ok(ok(&json!({
        "events": items,
        "total": total,
        "page": s.page,
        "limit": s.limit,
        "totalPages": total.div_ceil(s.limit),
        "truncated": truncated,
    })))
}
