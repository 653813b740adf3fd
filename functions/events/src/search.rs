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
use shared::db::PoolConn;
use shared::db::events::{Event, OverrideFields};
use shared::db::listing::{self, ListingRow, SearchFilter, SearchKey};
use shared::db::participations::name_key;
use shared::domain::kinds::EventKind;
use shared::domain::recurrence::Occurrence;
use shared::domain::validate::Validator;
use shared::http::{ApiError, ApiResult, CurrentUser, PathIds, QueryMap, ok};

use crate::listing::{Bounds, OCCURRENCE_BYTES_CAP, OCCURRENCE_CAP, date_param, overrides_for};
use crate::series::occurrences_in;
use crate::shape::{Core, OccurrenceView};

/// The parsed search parameters of U8/U9.
struct Search {
    /// The `name` term's key ([`name_key`]), as names are compared with it.
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
        needle: name.as_deref().map(name_key),
        bounds: Bounds { from, to },
        kind,
        limit,
        after,
        after_raw,
        page,
    })
}

impl Search {
    /// The filter the queries apply, for `user_id`.
    fn filter(&self, user_id: i64) -> SearchFilter<'_> {
        SearchFilter {
            user_id,
            name_key: self.needle.as_deref(),
            kind: self.kind,
            from: self.bounds.from.unwrap_or(i64::MIN / 4),
            to: self.bounds.to.unwrap_or(i64::MAX / 4),
            expanding: self.expanding(),
        }
    }
}

/// Events with the caller's listed participations in them, by event id.
type Listed = HashMap<i64, (Event, Vec<ListingRow>)>;

/// Groups listing rows by event.
fn listed(rows: Vec<ListingRow>) -> Listed {
    let mut out: Listed = HashMap::new();
    for r in rows {
        out.entry(r.e.id)
            .or_insert_with(|| (r.e.clone(), Vec::new()))
            .1
            .push(r);
    }
    out
}

/// The series that match an expanding search (decided in Rust: an occurrence inside the
/// bounds bears a matching name), newest first, with what their items are built from.
#[derive(Default)]
struct Series {
    keys: Vec<SearchKey>,
    occurrences: HashMap<i64, Option<Arc<[Occurrence]>>>,
    listed: Listed,
    overrides: HashMap<(i64, i64), OverrideFields>,
}

impl Series {
    /// Reads the candidates SQL names (their own name matches, or an occurrence is renamed) and
    /// keeps those that match.
    async fn load(c: &mut PoolConn, f: &SearchFilter<'_>, s: &Search, now: i64) -> ApiResult<Self> {
        if !f.expanding {
            return Ok(Series::default());
        }
        let candidates = listing::series_candidates(&mut *c, f).await?;
        let ids: Vec<i64> = candidates.iter().map(|k| k.1).collect();
        let listed = listed(listing::of_user_in(&mut *c, f.user_id, &ids).await?);
        let overrides = overrides_for(&mut *c, listed.values().map(|(e, _)| e)).await?;
        let (from, to) = s.bounds.expansion_range(now);
        let needle = s.needle.as_deref();
        let mut out = Series {
            overrides,
            ..Series::default()
        };
        for key in candidates {
            let Some((e, _)) = listed.get(&key.1) else {
                continue;
            };
            let occurrences = occurrences_in(e, from, to, OCCURRENCE_CAP + 1);
            let matched = match &occurrences {
                Some(list) => list.iter().any(|o| {
                    let fields = out.overrides.get(&(e.id, o.start_ms));
                    name_matches(needle, occurrence_name(e, fields))
                }),
                None => {
                    s.bounds.overlaps(e.started_at, e.ended_at) && name_matches(needle, &e.name)
                }
            };
            if matched {
                out.keys.push(key);
                out.occurrences.insert(e.id, occurrences);
            }
        }
        out.listed = listed;
        Ok(out)
    }

    /// The matching series after `after` in the search order.
    fn after(&self, cursor: Option<SearchKey>) -> &[SearchKey] {
        after(&self.keys, cursor)
    }
}

/// The first `limit` keys of two lists in the search order (each newest first), after
/// skipping `skip`.
fn merge(a: &[SearchKey], b: &[SearchKey], skip: usize, limit: usize) -> Vec<SearchKey> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while out.len() < skip + limit && (i < a.len() || j < b.len()) {
        let take_a = j == b.len() || (i < a.len() && a[i] > b[j]);
        if take_a {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.split_off(skip.min(out.len()))
}

/// The events of one page, in order, with the participation each is listed through; items are
/// built from them within the budget.
struct Page {
    keys: Vec<SearchKey>,
    plain: Listed,
}

impl Page {
    /// Reads the page's plain events (the series' rows were read by [`Series::load`]).
    async fn load(
        c: &mut PoolConn,
        user_id: i64,
        keys: Vec<SearchKey>,
        series: &Series,
    ) -> ApiResult<Self> {
        let ids: Vec<i64> = keys
            .iter()
            .map(|k| k.1)
            .filter(|id| !series.occurrences.contains_key(id))
            .collect();
        let plain = listed(listing::of_user_in(&mut *c, user_id, &ids).await?);
        Ok(Page { keys, plain })
    }

    /// The page's matches, in order. An event deleted since it was counted is left out.
    fn matches<'a>(&'a self, series: &'a Series) -> Vec<Match<'a>> {
        let mut out = Vec::new();
        for &(_, id) in &self.keys {
            let (found, occurrences) = match series.occurrences.get(&id) {
                Some(occ) => (series.listed.get(&id), occ.clone()),
                None => (self.plain.get(&id), None),
            };
            let Some((e, parts)) = found else { continue };
            // The caller's listed participation in the home calendar, else the lowest id.
            let chosen = parts
                .iter()
                .find(|p| p.m_calendar_id == e.calendar_id)
                .or_else(|| parts.iter().min_by_key(|p| p.p_id));
            let Some(chosen) = chosen else { continue };
            out.push(Match {
                e,
                member_calendar: chosen.m_calendar_id,
                member_id: chosen.p_calendar_member_id,
                occurrences,
            });
        }
        out
    }
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

/// The name an occurrence is listed under: its override's, else the series'.
fn occurrence_name<'a>(e: &'a Event, fields: Option<&'a OverrideFields>) -> &'a str {
    fields.and_then(|f| f.name.as_deref()).unwrap_or(&e.name)
}

/// The contract's name test: the name's key contains the term's (as the `LIKE` on the keys in
/// SQL).
fn name_matches(needle: Option<&str>, name: &str) -> bool {
    needle.is_none_or(|n| name_key(name).contains(n))
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

/// The items of the matches; returns them, the matches taken, and whether the cap or the byte
/// budget cut the page.
fn page_of(
    matches: &[Match<'_>],
    s: &Search,
    overrides: &HashMap<(i64, i64), OverrideFields>,
) -> ApiResult<(Vec<Box<RawValue>>, usize, bool)> {
    let (mut items, mut taken, mut budget) = (Vec::new(), 0, Budget::new());
    for m in matches {
        taken += 1;
        if items_of(m, s, overrides, &mut budget, &mut items)? {
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
///
/// Three reads: the series that may match (expanding searches only), the keys of the other
/// matches (one range of an index per membership), and the rows of the page's events.
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
    if s.bounds.empty() {
        return cursor_page(&s, &[], None, 0, 0, false);
    }
    let f = s.filter(user.id());
    let mut c = state.db.acquire().await?;
    let series = Series::load(&mut c, &f, &s, state.clock.now_ms()).await?;
    let plain = listing::plain_matches(&mut c, &f).await?;
    let plain_rest = after(&plain, s.after);
    let series_rest = series.after(s.after);
    let keys = merge(plain_rest, series_rest, 0, s.limit);
    let page = Page::load(&mut c, user.id(), keys, &series).await?;
    drop(c);
    let matches = page.matches(&series);
    let (items, taken, truncated) = page_of(&matches, &s, &series.overrides)?;
    let total = plain.len() + series.keys.len();
    let rest = plain_rest.len() + series_rest.len();
    let last = taken.checked_sub(1).map(|i| matches[i].e);
    cursor_page(
        &s,
        &items,
        last,
        total,
        rest.saturating_sub(taken),
        truncated,
    )
}

/// The keys after `after` in the search order (all of them without a cursor).
fn after(keys: &[SearchKey], after: Option<SearchKey>) -> &[SearchKey] {
    match after {
        Some(a) => &keys[keys.partition_point(|k| *k >= a)..],
        None => keys,
    }
}

/// The U8 body.
fn cursor_page(
    s: &Search,
    items: &[Box<RawValue>],
    last: Option<&Event>,
    total: usize,
    remaining: usize,
    truncated: bool,
) -> ApiResult<Response> {
    Ok(ok(&CursorPage {
        events: items,
        next_cursor: last.map(|e| Cursor {
            created_at: format_ms(e.created_at),
            id: e.id,
        }),
        has_more: remaining > 0,
        total,
        after: &s.after_raw,
        limit: s.limit,
        remaining,
        truncated,
    }))
}

/// GET /api/users/{id}/events/offset (contract: 4.5 U9). Own account only. As U8, the page
/// taken from the merged keys.
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
    if s.bounds.empty() {
        return offset_page(&s, &[], 0, false);
    }
    let f = s.filter(user.id());
    let mut c = state.db.acquire().await?;
    let series = Series::load(&mut c, &f, &s, state.clock.now_ms()).await?;
    let plain = listing::plain_matches(&mut c, &f).await?;
    let total = plain.len() + series.keys.len();
    let skip = (s.page - 1).saturating_mul(s.limit);
    if skip >= total {
        return offset_page(&s, &[], total, false);
    }
    let keys = merge(&plain, &series.keys, skip, s.limit);
    let page = Page::load(&mut c, user.id(), keys, &series).await?;
    drop(c);
    let matches = page.matches(&series);
    let (items, _, truncated) = page_of(&matches, &s, &series.overrides)?;
    offset_page(&s, &items, total, truncated)
}

/// The U9 body.
fn offset_page(
    s: &Search,
    items: &[Box<RawValue>],
    total: usize,
    truncated: bool,
) -> ApiResult<Response> {
    Ok(ok(&OffsetPage {
        events: items,
        total,
        page: s.page,
        limit: s.limit,
        total_pages: total.div_ceil(s.limit),
        truncated,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_the_search_order_and_skips_then_takes() {
        let plain = [(9, 1), (7, 3), (7, 2), (1, 8)];
        let series = [(8, 5), (7, 4), (0, 9)];
        let all = merge(&plain, &series, 0, 10);
        assert_eq!(
            all,
            [(9, 1), (8, 5), (7, 4), (7, 3), (7, 2), (1, 8), (0, 9)]
        );
        assert_eq!(merge(&plain, &series, 2, 3), [(7, 4), (7, 3), (7, 2)]);
        assert_eq!(merge(&plain, &series, 6, 3), [(0, 9)]);
        assert!(merge(&plain, &series, 9, 3).is_empty());
        assert_eq!(after(&all, Some((7, 4))), &all[3..]);
        assert_eq!(
            after(&all, Some((7, 5))),
            &all[2..],
            "strictly after a key not listed"
        );
        assert_eq!(after(&all, None), &all[..]);
    }
}
