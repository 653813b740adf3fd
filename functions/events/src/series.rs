//! The memoized expansion of a stored series, and the derived times of an edited event. (An
//! event's zone, rule and series view are methods of `EventFields` in `shared::domain::triggers`,
//! shared with the reminders.)

use quick_cache::sync::Cache;
use quick_cache::{Equivalent, Weighter};
use shared::db::events::EventFields;
use shared::domain::recurrence::{Occurrence, Recurrence};
use shared::domain::triggers::midnight;
use std::sync::{Arc, LazyLock};

use crate::input::parse_date;

/// The occurrences of a stored event overlapping `[from, to]`, at most `limit` (the earliest);
/// `None` when the event does not recur.
///
/// Expansions are memoized in-process (per warm Lambda, or in the local server). The key is
/// everything an expansion reads, not the event's id, so a changed or deleted event can never be
/// answered from a stale entry: its new fields are a new key, and unused entries age out. The
/// cache is bounded by the number of occurrences it holds.
pub fn occurrences_in(e: &EventFields, from: i64, to: i64, limit: usize) -> Listed {
    let lines = e.lines()?;
    let key = KeyRef {
        recurrence: lines,
        time_zone: &e.time_zone,
        all_day: e.all_day,
        started_at: e.started_at,
        ended_at: e.ended_at,
        start_date: e.start_date.as_deref(),
        end_date: e.end_date.as_deref(),
        window: (from, to, limit),
    };
    if let Some(found) = EXPANSIONS.get(&key) {
        return found;
    }
    let list: Listed = e
        .rule()
        .filter(Recurrence::is_recurring)
        .map(|r| e.series(&r).expand(from, to, limit).0.into());
    EXPANSIONS.insert(key.owned(), list.clone());
    list
}

/// At most this many occurrences are memoized (about 24 MB).
const CACHED_OCCURRENCES: u64 = 1 << 20;

/// A memoized expansion: `None` for an event that does not recur.
type Listed = Option<Arc<[Occurrence]>>;

static EXPANSIONS: LazyLock<Cache<Key, Listed, ByOccurrences>> =
    LazyLock::new(|| Cache::with_weighter(16_384, CACHED_OCCURRENCES, ByOccurrences));

#[derive(Clone)]
struct ByOccurrences;

impl Weighter<Key, Listed> for ByOccurrences {
    fn weight(&self, _: &Key, list: &Listed) -> u64 {
        // The key and entry themselves weigh about as much as eight occurrences.
        8 + list.as_ref().map_or(0, |l| l.len() as u64)
    }
}

/// The memo key. Field for field the same as [`KeyRef`], so both hash alike.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    recurrence: Vec<String>,
    time_zone: String,
    all_day: bool,
    started_at: i64,
    ended_at: i64,
    start_date: Option<String>,
    end_date: Option<String>,
    window: (i64, i64, usize),
}

/// A borrowed [`Key`], for lookups that allocate nothing.
#[derive(Hash)]
struct KeyRef<'a> {
    recurrence: &'a [String],
    time_zone: &'a str,
    all_day: bool,
    started_at: i64,
    ended_at: i64,
    start_date: Option<&'a str>,
    end_date: Option<&'a str>,
    window: (i64, i64, usize),
}

impl KeyRef<'_> {
    fn owned(&self) -> Key {
        Key {
            recurrence: self.recurrence.to_owned(),
            time_zone: self.time_zone.to_owned(),
            all_day: self.all_day,
            started_at: self.started_at,
            ended_at: self.ended_at,
            start_date: self.start_date.map(str::to_owned),
            end_date: self.end_date.map(str::to_owned),
            window: self.window,
        }
    }
}

impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, k: &Key) -> bool {
        self.recurrence == k.recurrence.as_slice()
            && self.time_zone == k.time_zone
            && self.all_day == k.all_day
            && self.started_at == k.started_at
            && self.ended_at == k.ended_at
            && self.start_date == k.start_date.as_deref()
            && self.end_date == k.end_date.as_deref()
            && self.window == k.window
    }
}

/// Recomputes `range_end` (and all-day instants) after a change.
pub fn refresh_derived(e: &mut EventFields) {
    let tz = e.tz();
    if e.all_day
        && let (Some(s), Some(x)) = (
            e.start_date.as_deref().and_then(parse_date),
            e.end_date.as_deref().and_then(parse_date),
        )
    {
        e.started_at = midnight(tz, s);
        e.ended_at = midnight(tz, x);
    }
    e.range_end = match e.rule() {
        Some(r) if r.is_recurring() => e.series(&r).last_end(),
        _ => Some(e.ended_at),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn daily(name: &str, rule: &str) -> EventFields {
        EventFields {
            name: name.into(),
            description: None,
            category: "work".into(),
            kind: shared::domain::kinds::EventKind::Arrangement,
            started_at: 1_748_761_200_000, // 2025-06-01T07:00Z, 10:00 in Kyiv
            ended_at: 1_748_763_000_000,
            start_date: None,
            end_date: None,
            time_zone: "Europe/Kyiv".into(),
            all_day: false,
            recurrence: Some(vec![rule.into()]),
            reminders: vec![],
            color: "#000000".into(),
            range_end: None,
        }
    }

    #[test]
    fn expansions_are_memoized_by_what_they_read() {
        let (from, to) = (1_748_736_000_000, 1_749_340_799_000); // 1–7 June 2025
        let e = daily("Standup", "RRULE:FREQ=DAILY");
        let first = occurrences_in(&e, from, to, 100).unwrap();
        assert_eq!(first.len(), 7);
        let again = occurrences_in(&e, from, to, 100).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the second lookup is a hit");
        let other_id = occurrences_in(&daily("Retro", "RRULE:FREQ=DAILY"), from, to, 100).unwrap();
        assert!(
            Arc::ptr_eq(&first, &other_id),
            "fields an expansion does not read are not part of the key"
        );

        let mut changed = e.clone();
        changed.recurrence = Some(vec!["RRULE:FREQ=DAILY;INTERVAL=2".into()]);
        assert_eq!(occurrences_in(&changed, from, to, 100).unwrap().len(), 4);
        changed = e.clone();
        changed.time_zone = "America/New_York".into();
        let ny = occurrences_in(&changed, from, to, 100).unwrap();
        assert_eq!(ny.len(), 7);
        assert_eq!(
            ny[0].start_ms, e.started_at,
            "a floating start keeps its instant on day one"
        );
        changed = e.clone();
        changed.started_at += 3_600_000;
        changed.ended_at += 3_600_000;
        assert_eq!(
            occurrences_in(&changed, from, to, 100).unwrap()[0].start_ms,
            e.started_at + 3_600_000
        );
        assert_eq!(
            occurrences_in(&e, from, to, 3).unwrap().len(),
            3,
            "the limit is part of the key"
        );
        assert!(Arc::ptr_eq(
            &first,
            &occurrences_in(&e, from, to, 100).unwrap()
        ));

        let mut single = e.clone();
        single.recurrence = None;
        assert!(occurrences_in(&single, from, to, 100).is_none());
        single.recurrence = Some(vec![]);
        assert!(occurrences_in(&single, from, to, 100).is_none());
    }
}
