//! From a stored event to a recurrence series, and the stored times of new values.

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;
use shared::db::events::Event;
use shared::domain::recurrence::{Recurrence, Series, resolve_local};

use crate::input::parse_date;

/// The event's zone (UTC if the stored name is unknown).
pub fn tz_of(e: &Event) -> Tz {
    e.time_zone.parse().unwrap_or(Tz::UTC)
}

/// The parsed recurrence of a stored event (`None` when single).
pub fn recurrence_of(e: &Event) -> Option<Recurrence> {
    let lines = crate::shape::lines_of(e)?;
    Recurrence::parse_stored(&lines, e.all_day).ok()
}

/// The series view of an event.
pub fn series<'a>(e: &Event, r: &'a Recurrence) -> Series<'a> {
    let start_date = e.start_date.as_deref().and_then(parse_date);
    let end_date = e.end_date.as_deref().and_then(parse_date);
    Series {
        tz: tz_of(e),
        all_day: e.all_day,
        start_ms: e.started_at,
        end_ms: e.ended_at,
        start_date,
        days: match (start_date, end_date) {
            (Some(s), Some(x)) => (x - s).num_days(),
            _ => 0,
        },
        recurrence: r,
    }
}

/// 00:00 of a date in a zone.
pub fn midnight(tz: Tz, d: NaiveDate) -> i64 {
    resolve_local(tz, d.and_time(NaiveTime::MIN))
}

/// Recomputes `range_end` (and all-day instants) after a change.
pub fn refresh_derived(e: &mut Event) {
    let tz = tz_of(e);
    if e.all_day {
        if let (Some(s), Some(x)) = (
            e.start_date.as_deref().and_then(parse_date),
            e.end_date.as_deref().and_then(parse_date),
        ) {
            e.started_at = midnight(tz, s);
            e.ended_at = midnight(tz, x);
        }
    }
    e.range_end = match recurrence_of(e) {
        Some(r) if r.is_recurring() => series(e, &r).last_end(),
        _ => Some(e.ended_at),
    };
}
