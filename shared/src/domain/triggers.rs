//! Event reminders (contract 6.3) as instants: for each event, occurrence and offset in
//! `reminders`, trigger = occurrence start (the overridden one, if any; 00:00 in the event's zone
//! for all-day events) − offset minutes. Pure code: the events function stores each
//! (event, offset)'s next trigger when it writes the event, and the reminders sweep reads only
//! the due ones and advances them.

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;

use crate::db::events::{Event, EventFields, Override};
use crate::domain::recurrence::{Occurrence, Recurrence, Series, resolve_local};

const MINUTE_MS: i64 = 60_000;
/// How far one expansion step looks ahead for the next occurrence.
const STEP_MS: i64 = 400 * 86_400_000;
/// A series with no occurrence in this long is treated as over (about 30 years).
const HORIZON_MS: i64 = 30 * 366 * 86_400_000;

impl EventFields {
    /// The event's zone (UTC if the stored name is unknown).
    pub fn tz(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    /// The parsed recurrence (`None` when single or unparseable).
    pub fn rule(&self) -> Option<Recurrence> {
        Recurrence::parse_stored(self.lines()?, self.all_day).ok()
    }

    /// The series view of the event under recurrence `r`.
    pub fn series<'a>(&self, r: &'a Recurrence) -> Series<'a> {
        let date = |d: &Option<String>| {
            d.as_deref()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        };
        let (start_date, end_date) = (date(&self.start_date), date(&self.end_date));
        Series {
            tz: self.tz(),
            all_day: self.all_day,
            start_ms: self.started_at,
            end_ms: self.ended_at,
            start_date,
            days: match (start_date, end_date) {
                (Some(s), Some(x)) => (x - s).num_days(),
                _ => 0,
            },
            recurrence: r,
        }
    }
}

/// 00:00 of a date in a zone.
pub fn midnight(tz: Tz, d: NaiveDate) -> i64 {
    resolve_local(tz, d.and_time(NaiveTime::MIN))
}

/// One reminder of one occurrence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Trigger {
    /// When it fires.
    pub at: i64,
    /// The occurrence's own start (before any override): its identity.
    pub original_start: i64,
    /// Its start as listed (the override's, if any).
    pub start: i64,
}

/// The occurrences of an event as reminders see them, overrides applied.
pub struct Schedule<'e> {
    event: &'e Event,
    rule: Option<Recurrence>,
    /// (original start, overridden start) of every override that moves an existing occurrence.
    moved: Vec<(i64, i64)>,
}

impl<'e> Schedule<'e> {
    pub fn new(event: &'e Event, overrides: &[Override]) -> Self {
        let rule = event.rule().filter(Recurrence::is_recurring);
        let mut s = Schedule {
            event,
            rule,
            moved: Vec::new(),
        };
        if let Some(r) = &s.rule {
            let series = event.series(r);
            s.moved = overrides
                .iter()
                .filter(|o| series.has_occurrence(o.original_start, false))
                .filter_map(|o| Some((o.original_start, s.overridden_start(o)?)))
                .collect();
        }
        s
    }

    /// An override's start as an instant: an instant, or 00:00 of its date for all-day events.
    fn overridden_start(&self, o: &Override) -> Option<i64> {
        let text = o.fields.started_at.as_deref()?;
        if self.event.all_day {
            let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
            Some(midnight(self.event.tz(), d))
        } else {
            chrono::DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.timestamp_millis())
        }
    }

    /// The first trigger of `offset` (minutes) at or after `from`, or `None` when there is none
    /// left. Triggers before the event's `createdAt` never count (6.3).
    pub fn next(&self, offset: i64, from: i64) -> Option<Trigger> {
        let from = from.max(self.event.created_at);
        let lead = offset * MINUTE_MS;
        let Some(r) = &self.rule else {
            let start = self.event.started_at;
            return (start - lead >= from).then_some(Trigger {
                at: start - lead,
                original_start: start,
                start,
            });
        };
        let moved = (self.moved.iter())
            .filter(|(_, start)| start - lead >= from)
            .map(|&(original_start, start)| Trigger {
                at: start - lead,
                original_start,
                start,
            })
            .min();
        let plain = self.next_plain(r, from + lead, lead);
        match (moved, plain) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The first occurrence without an override that starts at or after `start_from`.
    ///
    /// An expansion lists the occurrences that overlap its window, so the probe starts one
    /// occurrence length (less a margin for daylight-saving days) after `start_from`: the
    /// occurrences that started earlier have ended by then, however long they last. The probe
    /// only moves forward, so the walk ends.
    fn next_plain(&self, r: &Recurrence, start_from: i64, lead: i64) -> Option<Trigger> {
        let series = self.event.series(r);
        let length = (self.event.ended_at - self.event.started_at).max(0);
        let end = self.event.range_end.unwrap_or(i64::MAX / 4);
        let mut probe = start_from + (length - 2 * 3_600_000).max(0);
        while probe <= end && probe - start_from <= HORIZON_MS {
            let (list, _) = series.expand(probe, probe + STEP_MS, 64);
            let found = list
                .iter()
                .find(|o| o.start_ms >= start_from && !self.is_moved(o));
            if let Some(o) = found {
                return Some(Trigger {
                    at: o.start_ms - lead,
                    original_start: o.start_ms,
                    start: o.start_ms,
                });
            }
            probe = match list.last() {
                // A full window of earlier or moved occurrences: go on after the last one.
                Some(o) if list.len() == 64 => (o.start_ms + length).max(probe + MINUTE_MS),
                _ => probe + STEP_MS + 1,
            };
        }
        None
    }

    fn is_moved(&self, o: &Occurrence) -> bool {
        self.moved
            .iter()
            .any(|(original, _)| *original == o.start_ms)
    }

    /// Whether the event recurs.
    pub fn recurs(&self) -> bool {
        self.rule.is_some()
    }
}

/// The distinct reminder offsets of an event, in minutes.
pub fn offsets(e: &EventFields) -> Vec<i64> {
    let mut v = e.reminders.clone();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::events::OverrideFields;
    use crate::domain::kinds::EventKind;

    fn ms(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    fn event(start: &str, minutes: i64, zone: &str, rule: Option<&str>) -> Event {
        let started_at = ms(start);
        let fields = EventFields {
            name: "Standup".into(),
            description: None,
            category: "work".into(),
            kind: EventKind::Arrangement,
            started_at,
            ended_at: started_at + minutes * MINUTE_MS,
            start_date: None,
            end_date: None,
            time_zone: zone.into(),
            all_day: false,
            recurrence: rule.map(|r| vec![r.to_string()]),
            reminders: vec![10, 60],
            color: "#000000".into(),
            range_end: None,
        };
        Event {
            id: 1,
            calendar_id: 1,
            creator_id: 1,
            fields,
            version: 1,
            created_at: started_at - 86_400_000,
            updated_at: 0,
        }
    }

    #[test]
    fn a_single_event_has_one_trigger_per_offset_not_before_its_creation() {
        let e = event("2026-06-01T09:00:00Z", 30, "UTC", None);
        let s = Schedule::new(&e, &[]);
        let t = s.next(10, 0).unwrap();
        assert_eq!((t.at, t.start), (ms("2026-06-01T08:50:00Z"), e.started_at));
        assert_eq!(s.next(10, t.at + 1), None, "one occurrence, one trigger");
        // Created at 08:55: the 60-minute trigger (08:00) came before it.
        let mut late = e.clone();
        late.created_at = ms("2026-06-01T08:55:00Z");
        assert_eq!(Schedule::new(&late, &[]).next(60, 0), None);
        assert_eq!(
            Schedule::new(&late, &[]).next(0, 0).unwrap().at,
            e.started_at
        );
    }

    #[test]
    fn a_series_walks_its_occurrences_with_overrides_and_cancellations() {
        let mut e = event(
            "2026-06-01T09:00:00Z",
            30,
            "UTC",
            Some("RRULE:FREQ=DAILY;COUNT=4"),
        );
        e.recurrence
            .as_mut()
            .unwrap()
            .push("EXDATE:20260603T090000Z".into());
        e.range_end = Some(ms("2026-06-04T09:30:00Z"));
        let moved = Override {
            event_id: 1,
            original_start: ms("2026-06-02T09:00:00Z"),
            fields: OverrideFields {
                started_at: Some("2026-06-02T15:00:00.000Z".into()),
                ..Default::default()
            },
        };
        let s = Schedule::new(&e, &[moved]);
        let mut at = 0;
        let mut seen = Vec::new();
        while let Some(t) = s.next(10, at) {
            seen.push((t.at, t.original_start));
            at = t.at + 1;
        }
        assert_eq!(
            seen,
            [
                (ms("2026-06-01T08:50:00Z"), ms("2026-06-01T09:00:00Z")),
                (ms("2026-06-02T14:50:00Z"), ms("2026-06-02T09:00:00Z")),
                (ms("2026-06-04T08:50:00Z"), ms("2026-06-04T09:00:00Z")),
            ],
            "the moved one at its new start, the cancelled one gone"
        );
    }

    #[test]
    fn occurrences_longer_than_their_interval_are_walked_forward() {
        // Daily, each lasting 70 days: every window overlaps dozens of earlier occurrences.
        let mut e = event(
            "2026-06-01T09:00:00Z",
            70 * 24 * 60,
            "UTC",
            Some("RRULE:FREQ=DAILY"),
        );
        e.created_at = e.started_at;
        let s = Schedule::new(&e, &[]);
        let mut at = e.started_at;
        for day in 0..5 {
            let t = s.next(0, at).unwrap();
            assert_eq!(t.start, e.started_at + day * 86_400_000);
            at = t.at + 1;
        }
        let far = e.started_at + 400 * 86_400_000;
        assert_eq!(s.next(0, far).unwrap().start, far);
    }

    #[test]
    fn an_all_day_series_fires_at_local_midnight_across_a_dst_change() {
        let mut e = event(
            "2026-03-07T05:00:00Z",
            0,
            "America/New_York",
            Some("RRULE:FREQ=DAILY"),
        );
        e.all_day = true;
        e.start_date = Some("2026-03-07".into());
        e.end_date = Some("2026-03-08".into());
        e.started_at = midnight(e.tz(), NaiveDate::from_ymd_opt(2026, 3, 7).unwrap());
        e.ended_at = midnight(e.tz(), NaiveDate::from_ymd_opt(2026, 3, 8).unwrap());
        e.created_at = e.started_at - 86_400_000;
        let s = Schedule::new(&e, &[]);
        let first = s.next(0, 0).unwrap();
        let second = s.next(0, first.at + 1).unwrap();
        let third = s.next(0, second.at + 1).unwrap();
        // 00:00 EST is 05:00Z; after the change on 8 March, 00:00 EDT is 04:00Z.
        assert_eq!(first.at, ms("2026-03-07T05:00:00Z"));
        assert_eq!(second.at, ms("2026-03-08T05:00:00Z"));
        assert_eq!(third.at, ms("2026-03-09T04:00:00Z"));
    }
}
