//! U8/U9: the user's event search, by cursor or by offset (contract 4.5).

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, Value, json};
use shared::AppState;
use shared::clock::format_ms;
use shared::db::events::{self, Event, ListingRow};
use shared::domain::validate::Validator;
use shared::http::{ApiError, ApiResult, CurrentUser, PathIds, QueryMap, ok};

use crate::listing::{Bounds, OCCURRENCE_CAP, date_param, overrides_for};
use crate::series::occurrences_in;
use crate::shape::{Core, OccurrenceView};

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
    let (from, to) = bounds.expansion_range(now);
    let recurring = if expand {
        occurrences_in(e, from, to, OCCURRENCE_CAP + 1)
    } else {
        None
    };
    match recurring {
        Some(list) => {
            let base = Core::of(e);
            list.iter()
                .map(|&o| {
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
