//! U8/U9: the user's event search, by cursor or by offset (contract 4.5).
//!
//! A search first decides which events match, cheaply (no JSON, occurrences as plain times from
//! the memoized expansion), then builds items only for the events of the requested page, within
//! the occurrence cap and the byte budget of [`OCCURRENCE_BYTES_CAP`]: a page of `limit` events
//! costs what it returns, not what matched (issue 8).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use shared::AppState;
use shared::clock::format_ms;
use shared::db::events::{Event, OverrideFields};
use shared::db::listing::{self, ListingRow};
use shared::domain::kinds::EventKind;
use shared::domain::recurrence::Occurrence;
use shared::domain::validate::Validator;
use shared::http::{ApiError, ApiResult, CurrentUser, PathIds, QueryMap, ok};

use crate::listing::{Bounds, OCCURRENCE_BYTES_CAP, OCCURRENCE_CAP, date_param, overrides_for};
use crate::series::occurrences_in;
use crate::shape::{Core, OccurrenceView};

/// The parsed search parameters of U8/U9.
struct Search {
    name: Option<String>,
    /// `name` lower-cased, as occurrence names are compared with it.
    needle: Option<String>,
    bounds: Bounds,
    /// `None`: every kind (`type=event`).
    kind: Option<EventKind>,
    limit: usize,
    after: Option<(i64, i64)>,
    after_raw: Value,
    page: usize,
}

impl Search {
    /// Whether recurring series are expanded into occurrences (a date bound was given).
    fn expanding(&self) -> bool {
        self.bounds.from.is_some() || self.bounds.to.is_some()
    }
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
        .and_then(|k| k.parse::<EventKind>().ok());
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
        needle: name.as_ref().map(|n| n.to_lowercase()),
        name,
        bounds: Bounds { from, to },
        kind,
        limit,
        after,
        after_raw,
        page,
    })
}

/// What a search read: the caller's listed events with their participations, and overrides.
struct Loaded {
    events: Vec<(Event, Vec<ListingRow>)>,
    overrides: HashMap<(i64, i64), OverrideFields>,
}

/// One matching event, with the participation it is listed through; its items are built only
/// when it lands on the requested page.
struct Match<'a> {
    e: &'a Event,
    member_calendar: i64,
    member_id: i64,
    /// The occurrences inside the bounds, when the event is a series being expanded.
    occurrences: Option<Arc<[Occurrence]>>,
}

async fn load(state: &AppState, user: &CurrentUser, s: &Search) -> ApiResult<Loaded> {
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
    let rows = listing::of_user(
        &mut c,
        user.id(),
        s.bounds.from.unwrap_or(i64::MIN / 4),
        s.bounds.to.unwrap_or(i64::MAX / 4),
        like.as_deref(),
        s.expanding(),
    )
    .await?;
    tracing::debug!(rows = rows.len(), fetched = ?started.elapsed(), "search rows");
    // Group rows per event (rows are ordered by createdAt DESC, id DESC, participation id).
    let mut grouped: Vec<(Event, Vec<ListingRow>)> = Vec::new();
    for r in rows {
        match grouped.last_mut() {
            Some((e, list)) if e.id == r.e.id => list.push(r),
            _ => grouped.push((r.e.clone(), vec![r])),
        }
    }
    let overrides = overrides_for(&mut c, grouped.iter().map(|(e, _)| e)).await?;
    Ok(Loaded {
        events: grouped,
        overrides,
    })
}

/// The name an occurrence is listed under: its override's, else the series'.
fn occurrence_name<'a>(e: &'a Event, fields: Option<&'a OverrideFields>) -> &'a str {
    fields.and_then(|f| f.name.as_deref()).unwrap_or(&e.name)
}

fn name_matches(needle: Option<&str>, name: &str) -> bool {
    needle.is_none_or(|n| name.to_lowercase().contains(n))
}

/// The events that match, newest first; nothing is rendered yet.
fn matches<'a>(loaded: &'a Loaded, s: &Search, now: i64) -> Vec<Match<'a>> {
    let needle = s.needle.as_deref();
    let (from, to) = s.bounds.expansion_range(now);
    let mut out = Vec::new();
    for (e, parts) in &loaded.events {
        if s.kind.is_some_and(|k| k != e.kind) {
            continue;
        }
        // The caller's listed participation in the home calendar, else the one with the lowest id.
        let chosen = parts
            .iter()
            .find(|p| p.m_calendar_id == e.calendar_id)
            .or_else(|| parts.iter().min_by_key(|p| p.p_id));
        let Some(chosen) = chosen else { continue };
        let occurrences = if s.expanding() {
            occurrences_in(e, from, to, OCCURRENCE_CAP + 1)
        } else {
            None
        };
        let matched = match &occurrences {
            Some(list) => list.iter().any(|o| {
                let fields = loaded.overrides.get(&(e.id, o.start_ms));
                name_matches(needle, occurrence_name(e, fields))
            }),
            None => {
                (!s.expanding() || s.bounds.overlaps(e.started_at, e.ended_at))
                    && name_matches(needle, &e.name)
            }
        };
        if matched {
            out.push(Match {
                e,
                member_calendar: chosen.m_calendar_id,
                member_id: chosen.p_calendar_member_id,
                occurrences,
            });
        }
    }
    out
}

/// What one response may still spend on occurrence items: the count cap of 4.8.5 and the byte
/// budget. Plain events never count against it (the contract never drops them).
struct Budget {
    occurrences: usize,
    bytes: usize,
}

impl Budget {
    fn new() -> Self {
        Budget {
            occurrences: OCCURRENCE_CAP,
            bytes: OCCURRENCE_BYTES_CAP,
        }
    }

    /// Spends room for one occurrence item of `bytes`; `false` when there is none left.
    fn take(&mut self, bytes: usize) -> bool {
        if self.occurrences == 0 || bytes > self.bytes {
            return false;
        }
        self.occurrences -= 1;
        self.bytes -= bytes;
        true
    }
}

/// The items of one matching event (itself, or its occurrences with the name filter applied),
/// each serialized once; `true` when the budget cut them short.
fn items_of(
    m: &Match<'_>,
    s: &Search,
    overrides: &HashMap<(i64, i64), OverrideFields>,
    budget: &mut Budget,
    out: &mut Vec<Box<RawValue>>,
) -> ApiResult<bool> {
    let e = m.e;
    let mut base = Core::of(e);
    base.calendar_id = m.member_calendar;
    base.calendar_member_id = Some(m.member_id);
    let Some(list) = &m.occurrences else {
        out.push(search_item(&base)?);
        return Ok(false);
    };
    for &o in list.iter() {
        let fields = overrides.get(&(e.id, o.start_ms));
        if !name_matches(s.needle.as_deref(), occurrence_name(e, fields)) {
            continue;
        }
        let view = OccurrenceView {
            occurrence: o,
            fields: fields.cloned(),
        };
        let item = search_item(&Core::occurrence_of(base.clone(), e, &view))?;
        if !budget.take(item.get().len()) {
            return Ok(true);
        }
        out.push(item);
    }
    Ok(false)
}

/// A search item: EventCore with its `calendarMemberId` (4.1), serialized once.
fn search_item(core: &Core) -> ApiResult<Box<RawValue>> {
    serde_json::value::to_raw_value(core).map_err(ApiError::internal)
}

/// The items of up to `limit` matches; returns them, the matches taken, and whether the cap
/// or the byte budget cut the page.
fn page_of(
    matches: &[Match<'_>],
    limit: usize,
    s: &Search,
    loaded: &Loaded,
) -> ApiResult<(Vec<Box<RawValue>>, usize, bool)> {
    let (mut items, mut taken, mut budget) = (Vec::new(), 0, Budget::new());
    for m in matches.iter().take(limit) {
        taken += 1;
        if items_of(m, s, &loaded.overrides, &mut budget, &mut items)? {
            return Ok((items, taken, true));
        }
    }
    Ok((items, taken, false))
}

/// The `nextCursor` of U8.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Cursor {
    created_at: String,
    id: i64,
}

/// The U8 response (4.5).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CursorPage<'a> {
    events: &'a [Box<RawValue>],
    next_cursor: Option<Cursor>,
    has_more: bool,
    total: usize,
    after: &'a Value,
    limit: usize,
    remaining: usize,
    truncated: bool,
}

/// The U9 response (4.5).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OffsetPage<'a> {
    events: &'a [Box<RawValue>],
    total: usize,
    page: usize,
    limit: usize,
    total_pages: usize,
    truncated: bool,
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
    let loaded = load_unless_empty(&state, &user, &s).await?;
    let all = matches(&loaded, &s, state.clock.now_ms());
    let start = match s.after {
        Some(after) => all.partition_point(|m| (m.e.created_at, m.e.id) >= after),
        None => 0,
    };
    let rest = &all[start..];
    let (items, taken, truncated) = page_of(rest, s.limit, &s, &loaded)?;
    let next_cursor = taken.checked_sub(1).map(|last| Cursor {
        created_at: format_ms(rest[last].e.created_at),
        id: rest[last].e.id,
    });
    let remaining = rest.len() - taken;
    Ok(ok(&CursorPage {
        events: &items,
        next_cursor,
        has_more: remaining > 0,
        total: all.len(),
        after: &s.after_raw,
        limit: s.limit,
        remaining,
        truncated,
    }))
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
    let loaded = load_unless_empty(&state, &user, &s).await?;
    let all = matches(&loaded, &s, state.clock.now_ms());
    let skip = (s.page - 1).saturating_mul(s.limit).min(all.len());
    let (items, _, truncated) = page_of(&all[skip..], s.limit, &s, &loaded)?;
    Ok(ok(&OffsetPage {
        events: &items,
        total: all.len(),
        page: s.page,
        limit: s.limit,
        total_pages: all.len().div_ceil(s.limit),
        truncated,
    }))
}

/// The search's data, or nothing when the bounds are empty (A > B).
async fn load_unless_empty(state: &AppState, user: &CurrentUser, s: &Search) -> ApiResult<Loaded> {
    if s.bounds.empty() {
        return Ok(Loaded {
            events: Vec::new(),
            overrides: HashMap::new(),
        });
    }
    load(state, user, s).await
}
