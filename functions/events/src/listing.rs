//! What the calendar view (M7) and the search (U8/U9) share (contract 4.8.5): date bounds,
//! the expansion window, overrides, and the occurrence cap. The routes live in `view` and
//! `search`.

use std::collections::HashMap;

use shared::db::Connection;
use shared::db::events::{self, Event, OverrideFields};
use shared::domain::validate::Validator;
use shared::http::{ApiError, ApiResult, QueryMap};

use crate::input::parse_query_instant;

/// At most this many occurrences per response.
pub const OCCURRENCE_CAP: usize = 2000;

/// At most this many bytes of occurrence items per response (issue 8), on top of the count cap:
/// occurrence items repeat their series' lines, so 2,000 of a series at the recurrence size
/// limit would be 40 MB. The earliest occurrences that fit are kept and the response is marked
/// truncated, as for the count cap. 2,000 ordinary occurrences take about 1.3 MB.
pub const OCCURRENCE_BYTES_CAP: usize = 4 << 20;

const YEAR_MS: i64 = 365 * 86_400_000;

/// The date bounds of a listing.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    pub(crate) from: Option<i64>,
    pub(crate) to: Option<i64>,
}

impl Bounds {
    /// The bounds named by two query parameters (a 400 array if either is not a date).
    pub(crate) fn of_query(q: &QueryMap, from: &str, to: &str) -> ApiResult<Bounds> {
        let mut v = Validator::new();
        let from = date_param(&mut v, q, from);
        let to = date_param(&mut v, q, to);
        v.finish().map_err(ApiError::validation)?;
        Ok(Bounds { from, to })
    }

    /// The expansion window of recurring series (4.8.5).
    pub(crate) fn window(&self, now: i64) -> (i64, i64) {
        let start = self
            .from
            .unwrap_or_else(|| now.min(self.to.unwrap_or(now)) - YEAR_MS);
        let end = self
            .to
            .unwrap_or_else(|| now.max(self.from.unwrap_or(now)) + YEAR_MS);
        (start, end)
    }

    /// The expansion window clipped to the bounds: where occurrences are listed.
    pub(crate) fn expansion_range(&self, now: i64) -> (i64, i64) {
        let (start, end) = self.window(now);
        (
            start.max(self.from.unwrap_or(i64::MIN)),
            end.min(self.to.unwrap_or(i64::MAX)),
        )
    }

    pub(crate) fn overlaps(&self, start: i64, end: i64) -> bool {
        self.to.is_none_or(|b| start <= b) && self.from.is_none_or(|a| end >= a)
    }

    pub(crate) fn empty(&self) -> bool {
        matches!((self.from, self.to), (Some(a), Some(b)) if a > b)
    }
}

/// The overrides of the recurring ones of `evs`, by (event id, original start).
pub(crate) async fn overrides_for(
    c: impl Connection,
    evs: impl Iterator<Item = &Event>,
) -> ApiResult<HashMap<(i64, i64), OverrideFields>> {
    let ids: Vec<i64> = evs
        .filter(|e| e.recurrence.is_some())
        .map(|e| e.id)
        .collect();
    Ok(events::overrides_of_events(c, &ids)
        .await?
        .into_iter()
        .map(|o| ((o.event_id, o.original_start), o.fields))
        .collect())
}

pub(crate) fn date_param(v: &mut Validator, q: &QueryMap, name: &str) -> Option<i64> {
    v.param(q.get(name), name)
        .parse(
            |s| parse_query_instant(s),
            |f| format!("{f} must be a valid ISO 8601 date string"),
        )
        .get()
}

/// Drops the latest occurrences beyond the cap (plain events are never dropped); `key` gives an
/// item's start and whether it is an occurrence.
pub(crate) fn cap_items<T>(items: &mut Vec<T>, key: impl Fn(&T) -> (i64, bool)) -> bool {
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
