//! Recurrence (contract 4.8.4): validation of RFC 5545 lines and expansion of a series into
//! occurrences in the event's time zone.
//!
//! The RRULE is evaluated by the `rrule` crate on *local wall-clock time* (a "floating" start in
//! UTC, which has no DST), and each local time is then mapped to an instant here, with the
//! contract's rules: a local time inside a DST gap moves forward by the gap's length, an
//! ambiguous one takes the earlier instant. UNTIL and COUNT are applied here (UNTIL compares
//! instants), and without COUNT the start is moved forward by whole periods to just before the
//! requested window, so the cost of an expansion depends on the window, not on the series' age.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike, Utc,
};
use chrono_tz::Tz;
use rrule::{Frequency, RRule, RRuleSet, Unvalidated};

/// At most this many lines in `recurrence`.
pub const MAX_LINES: usize = 100;
/// At most this many RDATE and EXDATE values in all of `recurrence` (issue 8). Every occurrence
/// item of a listing repeats the series' lines, so what one event may hold bounds what one
/// response may cost; 1,000 dates is far more than any real series cancels or adds.
pub const MAX_DATE_VALUES: usize = 1000;
/// At most this many bytes in all of `recurrence`'s lines, as stored (the lines are ASCII once
/// validated, so bytes are characters). 1,000 UTC values take about 17,000.
pub const MAX_BYTES: usize = 20 * 1024;
/// At most this many rule instances are examined per series and expansion.
const MAX_STEPS: usize = 20_000;

/// A validation failure: the 1-based number of the offending line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidLine(pub usize);

/// A date-time value of EXDATE/RDATE.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Point {
    Instant(i64),
    Local(NaiveDateTime, Option<Tz>),
    Date(NaiveDate),
}

/// UNTIL of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Until {
    Instant(i64),
    Date(NaiveDate),
}

/// A parsed `recurrence` array.
#[derive(Debug, Clone, Default)]
pub struct Recurrence {
    /// The lines as stored: property and parameter names upper-cased.
    pub lines: Vec<String>,
    rule: Option<Rule>,
    rdates: Vec<Point>,
    exdates: Vec<Point>,
}

#[derive(Debug, Clone)]
struct Rule {
    freq: Frequency,
    interval: u32,
    /// The rule without COUNT and UNTIL (applied here), as `KEY=VALUE;…`.
    parts: Vec<(String, String)>,
    count: Option<u32>,
    until: Option<Until>,
}

const RULE_KEYS: [&str; 11] = [
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYSETPOS",
    "WKST",
];

fn parse_utc(v: &str) -> Option<i64> {
    let s = v.strip_suffix('Z')?;
    let n = NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").ok()?;
    Some(n.and_utc().timestamp_millis())
}

fn parse_local(v: &str) -> Option<NaiveDateTime> {
    if v.len() != 15 {
        return None;
    }
    NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").ok()
}

fn parse_date(v: &str) -> Option<NaiveDate> {
    if v.len() != 8 {
        return None;
    }
    NaiveDate::parse_from_str(v, "%Y%m%d").ok()
}

/// Maps a local wall-clock time in `tz` to an instant (ms): a time in a DST gap moves forward by
/// the gap's length; an ambiguous time takes the earlier instant.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(dt) => dt.timestamp_millis(),
        LocalResult::Ambiguous(a, b) => a.timestamp_millis().min(b.timestamp_millis()),
        LocalResult::None => {
            // Read the time with the offset in force before the gap (as zoneinfo's fold=0 does).
            let before = tz
                .from_local_datetime(&(local - Duration::hours(24)))
                .earliest()
                .map_or(0, |d| chrono::Offset::fix(d.offset()).local_minus_utc());
            (local - Duration::seconds(i64::from(before)))
                .and_utc()
                .timestamp_millis()
        }
    }
}

/// The local wall-clock time of an instant in `tz`.
pub fn to_local(tz: Tz, ms: i64) -> NaiveDateTime {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .naive_local()
}

/// A content line: name, parameters, value.
type ContentLine = (String, Vec<(String, String)>, String);

fn split_line(line: &str) -> Option<ContentLine> {
    let (head, value) = line.split_once(':')?;
    let mut parts = head.split(';');
    let name = parts.next()?.trim().to_ascii_uppercase();
    let mut params = Vec::new();
    for p in parts {
        let (k, v) = p.split_once('=')?;
        params.push((k.trim().to_ascii_uppercase(), v.trim().to_string()));
    }
    Some((name, params, value.trim().to_string()))
}

fn parse_rule(value: &str, all_day: bool, validate: bool) -> Option<Rule> {
    let mut parts: Vec<(String, String)> = Vec::new();
    let (mut freq, mut interval, mut count, mut until) = (None, 1u32, None, None);
    for p in value.split(';').filter(|p| !p.is_empty()) {
        let (k, v) = p.split_once('=')?;
        let (k, v) = (k.trim().to_ascii_uppercase(), v.trim().to_ascii_uppercase());
        if !RULE_KEYS.contains(&k.as_str()) || parts.iter().any(|(x, _)| *x == k) {
            return None;
        }
        match k.as_str() {
            "FREQ" => {
                freq = Some(match v.as_str() {
                    "DAILY" => Frequency::Daily,
                    "WEEKLY" => Frequency::Weekly,
                    "MONTHLY" => Frequency::Monthly,
                    "YEARLY" => Frequency::Yearly,
                    _ => return None,
                });
            }
            "INTERVAL" => interval = v.parse().ok().filter(|i| (1..=1000).contains(i))?,
            "COUNT" => count = Some(v.parse().ok().filter(|c| (1..=5000).contains(c))?),
            "UNTIL" => {
                until = Some(if all_day {
                    Until::Date(parse_date(&v)?)
                } else {
                    Until::Instant(parse_utc(&v)?)
                });
            }
            _ => {}
        }
        parts.push((k, v));
    }
    if count.is_some() && until.is_some() {
        return None;
    }
    let rule = Rule {
        freq: freq?,
        interval,
        parts,
        count,
        until,
    };
    if validate {
        // Let the rrule crate check the BY* parts.
        rule.build(
            NaiveDate::from_ymd_opt(2000, 1, 1)?.and_time(NaiveTime::MIN),
            None,
        )?;
    }
    Some(rule)
}

fn parse_points(params: &[(String, String)], value: &str, all_day: bool) -> Option<Vec<Point>> {
    let mut tzid = None;
    let mut is_date = false;
    for (k, v) in params {
        match k.as_str() {
            "TZID" => tzid = Some(Tz::from_str(v).ok()?),
            "VALUE" if v.eq_ignore_ascii_case("DATE") => is_date = true,
            "VALUE" if v.eq_ignore_ascii_case("DATE-TIME") => is_date = false,
            _ => return None,
        }
    }
    if is_date != all_day || (is_date && tzid.is_some()) {
        return None;
    }
    value
        .split(',')
        .map(|v| {
            let v = v.trim();
            if is_date {
                parse_date(v).map(Point::Date)
            } else if v.ends_with('Z') {
                if tzid.is_some() {
                    return None;
                }
                parse_utc(v).map(Point::Instant)
            } else {
                parse_local(v).map(|n| Point::Local(n, tzid))
            }
        })
        .collect()
}

impl Recurrence {
    /// Validates `recurrence` lines; `[]` is "not recurring".
    pub fn parse(lines: &[String], all_day: bool) -> Result<Recurrence, InvalidLine> {
        Self::parse_with(lines, all_day, true)
    }

    /// Reads lines that were validated when they were stored (skips the rrule crate's check).
    pub fn parse_stored(lines: &[String], all_day: bool) -> Result<Recurrence, InvalidLine> {
        Self::parse_with(lines, all_day, false)
    }

    fn parse_with(
        lines: &[String],
        all_day: bool,
        validate: bool,
    ) -> Result<Recurrence, InvalidLine> {
        let mut r = Recurrence::default();
        for (i, line) in lines.iter().enumerate() {
            let bad = InvalidLine(i + 1);
            let (name, params, value) = split_line(line).ok_or(bad)?;
            match name.as_str() {
                "RRULE" if params.is_empty() && r.rule.is_none() => {
                    r.rule = Some(parse_rule(&value, all_day, validate).ok_or(bad)?);
                    r.lines
                        .push(format!("RRULE:{}", value.to_ascii_uppercase()));
                }
                "EXDATE" | "RDATE" => {
                    let pts = parse_points(&params, &value, all_day).ok_or(bad)?;
                    let head: String = std::iter::once(name.clone())
                        .chain(params.iter().map(|(k, v)| format!("{k}={v}")))
                        .collect::<Vec<_>>()
                        .join(";");
                    r.lines
                        .push(format!("{head}:{}", value.to_ascii_uppercase()));
                    if name == "EXDATE" {
                        r.exdates.extend(pts);
                    } else {
                        r.rdates.extend(pts);
                    }
                }
                _ => return Err(bad),
            }
        }
        Ok(r)
    }

    /// Whether there is anything to expand.
    pub fn is_recurring(&self) -> bool {
        !self.lines.is_empty()
    }

    /// The validation message when the lines exceed [`MAX_DATE_VALUES`] or [`MAX_BYTES`].
    pub fn size_problem(&self) -> Option<String> {
        if self.exdates.len() + self.rdates.len() > MAX_DATE_VALUES {
            return Some(format!(
                "recurrence must contain no more than {MAX_DATE_VALUES} RDATE and EXDATE values"
            ));
        }
        let bytes: usize = self.lines.iter().map(String::len).sum();
        (bytes > MAX_BYTES).then(|| {
            format!("recurrence must be shorter than or equal to {MAX_BYTES} characters in total")
        })
    }

    /// Whether one more value of `bytes` bytes (an E6 cancellation) stays within the limits.
    pub fn has_room_for(&self, bytes: usize) -> bool {
        let used: usize = self.lines.iter().map(String::len).sum();
        self.exdates.len() + self.rdates.len() < MAX_DATE_VALUES && used + bytes <= MAX_BYTES
    }
}

impl Rule {
    /// The rrule set for a floating start, optionally with the defaults that the original start
    /// implied made explicit (so the start can move).
    fn build(
        &self,
        start: NaiveDateTime,
        defaults_from: Option<NaiveDateTime>,
    ) -> Option<RRuleSet> {
        let mut parts = self.parts.clone();
        parts.retain(|(k, _)| k != "COUNT" && k != "UNTIL");
        if let Some(orig) = defaults_from {
            let has = |k: &str| parts.iter().any(|(x, _)| x == k);
            let day_rules =
                has("BYWEEKNO") || has("BYYEARDAY") || has("BYMONTHDAY") || has("BYDAY");
            if !day_rules {
                match self.freq {
                    Frequency::Yearly => {
                        if !has("BYMONTH") {
                            parts.push(("BYMONTH".into(), orig.month().to_string()));
                        }
                        parts.push(("BYMONTHDAY".into(), orig.day().to_string()));
                    }
                    Frequency::Monthly => parts.push(("BYMONTHDAY".into(), orig.day().to_string())),
                    Frequency::Weekly => {
                        let wd = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
                            [orig.weekday().num_days_from_monday() as usize];
                        parts.push(("BYDAY".into(), wd.into()));
                    }
                    _ => {}
                }
            }
        }
        let text: Vec<String> = parts.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let rule = RRule::<Unvalidated>::from_str(&text.join(";")).ok()?;
        let start = rrule::Tz::UTC.from_utc_datetime(&start);
        let rule = rule.validate(start).ok()?;
        Some(RRuleSet::new(start).rrule(rule))
    }

    /// A start moved forward by whole periods to at most `target` (never past it).
    fn shifted_start(&self, start: NaiveDateTime, target: NaiveDateTime) -> NaiveDateTime {
        if target <= start {
            return start;
        }
        let n = i64::from(self.interval);
        match self.freq {
            Frequency::Daily => {
                let days = (target.date() - start.date()).num_days() / n * n;
                start + Duration::days(days)
            }
            Frequency::Weekly => {
                let weeks = (target.date() - start.date()).num_days() / 7 / n * n;
                start + Duration::days(weeks * 7)
            }
            Frequency::Monthly => {
                let months = (i64::from(target.year()) * 12 + i64::from(target.month0()))
                    - (i64::from(start.year()) * 12 + i64::from(start.month0()));
                let m = months / n * n;
                let total = i64::from(start.year()) * 12 + i64::from(start.month0()) + m;
                NaiveDate::from_ymd_opt((total / 12) as i32, (total % 12) as u32 + 1, 1)
                    .map_or(start, |d| d.and_time(start.time()))
            }
            Frequency::Yearly => {
                let years = i64::from(target.year() - start.year()) / n * n;
                NaiveDate::from_ymd_opt(start.year() + years as i32, 1, 1)
                    .map_or(start, |d| d.and_time(start.time()))
            }
            _ => start,
        }
    }
}

/// A series to expand.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    pub tz: Tz,
    pub all_day: bool,
    /// Start and end instants (all-day: 00:00 local of the start and end dates).
    pub start_ms: i64,
    pub end_ms: i64,
    /// All-day: the start date and the length in days.
    pub start_date: Option<NaiveDate>,
    pub days: i64,
    pub recurrence: &'a Recurrence,
}

/// One occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Occurrence {
    /// The start instant (before any override).
    pub start_ms: i64,
    pub end_ms: i64,
    /// All-day occurrences: the start date.
    pub date: Option<NaiveDate>,
}

impl Series<'_> {
    fn date_instant(&self, d: NaiveDate) -> i64 {
        resolve_local(self.tz, d.and_time(NaiveTime::MIN))
    }

    fn occurrence_at_local(&self, local: NaiveDateTime) -> Occurrence {
        if self.all_day {
            let d = local.date();
            Occurrence {
                start_ms: self.date_instant(d),
                end_ms: self.date_instant(d + Duration::days(self.days)),
                date: Some(d),
            }
        } else {
            let s = resolve_local(self.tz, local);
            Occurrence {
                start_ms: s,
                end_ms: s + (self.end_ms - self.start_ms),
                date: None,
            }
        }
    }

    fn point_occurrence(&self, p: &Point) -> Option<Occurrence> {
        match (p, self.all_day) {
            (Point::Date(d), true) => Some(self.occurrence_at_local(d.and_time(NaiveTime::MIN))),
            (Point::Instant(ms), false) => Some(Occurrence {
                start_ms: *ms,
                end_ms: ms + (self.end_ms - self.start_ms),
                date: None,
            }),
            (Point::Local(n, tz), false) => {
                let ms = resolve_local(tz.unwrap_or(self.tz), *n);
                Some(Occurrence {
                    start_ms: ms,
                    end_ms: ms + (self.end_ms - self.start_ms),
                    date: None,
                })
            }
            _ => None,
        }
    }

    fn start_local(&self) -> NaiveDateTime {
        match self.start_date {
            Some(d) if self.all_day => d.and_time(NaiveTime::MIN),
            _ => to_local(self.tz, self.start_ms),
        }
    }

    /// The cancelled starts, in whole seconds: EXDATE values have no milliseconds, and a series
    /// that starts at `09:00:00.250` must still lose its `09:00:00` occurrence to one.
    fn excluded(&self) -> BTreeSet<i64> {
        self.recurrence
            .exdates
            .iter()
            .filter_map(|p| self.point_occurrence(p))
            .map(|o| o.start_ms.div_euclid(1000))
            .collect()
    }

    /// Every occurrence overlapping `[from, to]` (inclusive), sorted by start; at most `limit`
    /// (the earliest). Returns the occurrences and whether `limit` cut the list.
    pub fn expand(&self, from: i64, to: i64, limit: usize) -> (Vec<Occurrence>, bool) {
        let mut found: BTreeSet<Occurrence> = BTreeSet::new();
        let overlaps = |o: &Occurrence| o.start_ms <= to && o.end_ms >= from;
        let first = self.occurrence_at_local(self.start_local());
        let consider = |o: Occurrence, found: &mut BTreeSet<Occurrence>| {
            if overlaps(&o) {
                found.insert(o);
            }
        };
        consider(first, &mut found);
        for p in &self.recurrence.rdates {
            if let Some(o) = self.point_occurrence(p) {
                consider(o, &mut found);
            }
        }
        if let Some(rule) = &self.recurrence.rule {
            self.expand_rule(rule, first, from, to, &mut |o| consider(o, &mut found));
        }
        let excluded = self.excluded();
        let mut list: Vec<Occurrence> = found
            .into_iter()
            .filter(|o| !excluded.contains(&o.start_ms.div_euclid(1000)))
            .collect();
        let truncated = list.len() > limit;
        list.truncate(limit);
        (list, truncated)
    }

    fn expand_rule(
        &self,
        rule: &Rule,
        first: Occurrence,
        from: i64,
        to: i64,
        emit: &mut dyn FnMut(Occurrence),
    ) {
        // The rrule crate counts in whole seconds: the rule runs from the start's whole second,
        // and each instance gets the start's milliseconds back (a series at 09:00:00.250 recurs
        // at 09:00:00.250, and COUNT still recognises the start as the first instance).
        let exact = self.start_local();
        let frac = exact - exact.with_nanosecond(0).unwrap_or(exact);
        let start = exact - frac;
        // How far before `from` an occurrence may start and still overlap it (plus a day of slack
        // for DST and zone offsets).
        let span = (first.end_ms - first.start_ms).max(0) + 2 * 86_400_000;
        let target = to_local(self.tz, from - span);
        let (set, mut budget) = if rule.count.is_none() {
            let s = rule.shifted_start(start, target);
            (rule.build(s, Some(start)), None)
        } else {
            (rule.build(start, None), rule.count)
        };
        let Some(set) = set else { return };
        if let Some(b) = budget.as_mut() {
            // COUNT counts DTSTART even when the rule does not generate it.
            let generates_start = (&set)
                .into_iter()
                .next()
                .is_some_and(|d| d.naive_utc() == start);
            if !generates_start {
                *b = b.saturating_sub(1);
            }
        }
        for (steps, d) in (&set).into_iter().enumerate() {
            if steps >= MAX_STEPS || budget == Some(0) {
                break;
            }
            if let Some(b) = budget.as_mut() {
                *b -= 1;
            }
            let o = self.occurrence_at_local(d.naive_utc() + frac);
            let past_until = match rule.until {
                Some(Until::Instant(u)) => o.start_ms > u,
                Some(Until::Date(u)) => o.date.is_some_and(|x| x > u),
                None => false,
            };
            if past_until || o.start_ms > to {
                break;
            }
            emit(o);
        }
    }

    /// The end of the last occurrence when the series is bounded (COUNT, UNTIL, or no RRULE);
    /// `None` for an unbounded series. Used to pre-filter listings in SQL.
    pub fn last_end(&self) -> Option<i64> {
        let duration = self.end_ms - self.start_ms;
        let rdate_end = self
            .recurrence
            .rdates
            .iter()
            .filter_map(|p| self.point_occurrence(p))
            .map(|o| o.end_ms)
            .max()
            .unwrap_or(self.end_ms)
            .max(self.end_ms);
        match &self.recurrence.rule {
            None => Some(rdate_end),
            Some(r) => match (r.count, r.until) {
                (Some(_), _) => {
                    let (list, _) = self.expand(self.start_ms, i64::MAX / 4, usize::MAX);
                    Some(
                        list.iter()
                            .map(|o| o.end_ms)
                            .max()
                            .unwrap_or(self.end_ms)
                            .max(rdate_end),
                    )
                }
                (None, Some(Until::Instant(u))) => Some((u + duration).max(rdate_end)),
                (None, Some(Until::Date(d))) => {
                    Some((self.date_instant(d + Duration::days(self.days + 1))).max(rdate_end))
                }
                (None, None) => None,
            },
        }
    }

    /// Whether `start_ms` (an original start) is an occurrence of the series, cancelled ones
    /// included when `include_cancelled`.
    pub fn has_occurrence(&self, start_ms: i64, include_cancelled: bool) -> bool {
        let probe = Series {
            recurrence: &Recurrence {
                exdates: if include_cancelled {
                    Vec::new()
                } else {
                    self.recurrence.exdates.clone()
                },
                ..self.recurrence.clone()
            },
            ..self.clone()
        };
        let (list, _) = probe.expand(start_ms, start_ms, usize::MAX);
        list.iter().any(|o| o.start_ms == start_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn occurrences_keep_the_milliseconds_of_the_series_start() {
        let start = ms("2025-04-01T09:00:00.250Z");
        for rule in ["RRULE:FREQ=DAILY;COUNT=3", "RRULE:FREQ=DAILY"] {
            let r = Recurrence::parse(&[rule.to_string()], false).unwrap();
            let s = Series {
                tz: Tz::Europe__Kyiv,
                all_day: false,
                start_ms: start,
                end_ms: start + 3_600_000,
                start_date: None,
                days: 0,
                recurrence: &r,
            };
            let (list, _) = s.expand(start, start + 10 * 86_400_000, 3);
            let starts: Vec<i64> = list.iter().map(|o| o.start_ms).collect();
            assert_eq!(starts, [0, 1, 2].map(|d| start + d * 86_400_000), "{rule}");
        }
    }

    #[test]
    fn size_limits_count_date_values_and_bytes() {
        let values = |n: usize| {
            (0..n)
                .map(|i| format!("2020{:02}{:02}T090000Z", 1 + i / 28 % 12, 1 + i % 28))
                .collect::<Vec<_>>()
        };
        let series = |exdates: Vec<String>| {
            let mut lines = vec!["RRULE:FREQ=DAILY".to_string()];
            lines.extend(exdates);
            Recurrence::parse(&lines, false).unwrap()
        };
        let at_limit: Vec<String> = values(MAX_DATE_VALUES)
            .chunks(100)
            .map(|c| format!("EXDATE:{}", c.join(",")))
            .collect();
        let r = series(at_limit.clone());
        assert_eq!(
            r.size_problem(),
            None,
            "1,000 values in 10 lines are allowed"
        );
        assert!(!r.has_room_for(24));
        let mut over = at_limit;
        over.push("EXDATE:20300101T090000Z".into());
        assert_eq!(
            series(over).size_problem().as_deref(),
            Some("recurrence must contain no more than 1000 RDATE and EXDATE values")
        );
        // Fewer values, in long local-time lines with parameters, exceed the bytes.
        let long: Vec<String> = (0..99)
            .map(|_| {
                let local: Vec<String> = values(10).iter().map(|v| v.replace('Z', "")).collect();
                let head = "EXDATE;TZID=America/Argentina/ComodRivadavia;VALUE=DATE-TIME";
                format!("{head}:{}", local.join(","))
            })
            .collect();
        assert_eq!(
            series(long).size_problem().as_deref(),
            Some("recurrence must be shorter than or equal to 20480 characters in total")
        );
        assert!(series(vec!["EXDATE:20300101T090000Z".into()]).has_room_for(24));
    }

    #[test]
    fn invalid_lines_are_reported_by_number() {
        let cases: Vec<(Vec<&str>, bool, usize)> = vec![
            (vec!["RRULE:FREQ=HOURLY"], false, 1),
            (vec!["RRULE:FREQ=DAILY;BYHOUR=9"], false, 1),
            (vec!["RRULE:FREQ=DAILY", "RRULE:FREQ=WEEKLY"], false, 2),
            (
                vec!["RRULE:FREQ=DAILY;COUNT=2;UNTIL=20250101T000000Z"],
                false,
                1,
            ),
            (vec!["RRULE:INTERVAL=2"], false, 1),
            (vec!["RRULE:FREQ=DAILY;INTERVAL=1001"], false, 1),
            (vec!["RRULE:FREQ=DAILY;COUNT=5001"], false, 1),
            (vec!["DTSTART:20250101T000000Z"], false, 1),
            (
                vec!["RRULE:FREQ=DAILY", "EXDATE;VALUE=DATE:20250101"],
                false,
                2,
            ),
            (vec!["EXDATE:20250101T000000Z"], true, 1),
            (vec!["RRULE:FREQ=DAILY;UNTIL=20250101"], false, 1),
            (vec!["RRULE:FREQ=DAILY;UNTIL=20250101T000000Z"], true, 1),
            (vec!["EXDATE;TZID=Mars/Base:20250101T090000"], false, 1),
            (vec!["garbage"], false, 1),
        ];
        for (l, all_day, n) in cases {
            assert_eq!(
                Recurrence::parse(&lines(&l), all_day).unwrap_err(),
                InvalidLine(n),
                "{l:?}"
            );
        }
        let ok = Recurrence::parse(
            &lines(&[
                "rrule:freq=weekly;byday=tu",
                "exdate;tzid=Europe/Kyiv:20250408T090000",
            ]),
            false,
        )
        .unwrap();
        assert_eq!(
            ok.lines,
            [
                "RRULE:FREQ=WEEKLY;BYDAY=TU",
                "EXDATE;TZID=Europe/Kyiv:20250408T090000"
            ]
        );
    }

    #[test]
    fn a_daily_series_keeps_its_wall_clock_time_across_dst_and_skips_history_quickly() {
        let r = Recurrence::parse(&lines(&["RRULE:FREQ=DAILY"]), false).unwrap();
        let s = Series {
            tz: chrono_tz::America::New_York,
            all_day: false,
            start_ms: ms("2020-01-01T14:00:00Z"),
            end_ms: ms("2020-01-01T15:00:00Z"),
            start_date: None,
            days: 0,
            recurrence: &r,
        };
        let (list, truncated) =
            s.expand(ms("2025-03-08T00:00:00Z"), ms("2025-03-10T23:59:59Z"), 100);
        assert!(!truncated);
        let starts: Vec<i64> = list.iter().map(|o| o.start_ms).collect();
        assert_eq!(
            starts,
            [
                ms("2025-03-08T14:00:00Z"),
                ms("2025-03-09T13:00:00Z"),
                ms("2025-03-10T13:00:00Z")
            ]
        );
    }

    #[test]
    fn gap_times_move_forward_and_ambiguous_times_take_the_earlier_instant() {
        let ny = chrono_tz::America::New_York;
        let gap = NaiveDate::from_ymd_opt(2025, 3, 9)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(resolve_local(ny, gap), ms("2025-03-09T07:30:00Z"));
        let overlap = NaiveDate::from_ymd_opt(2025, 11, 2)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        assert_eq!(resolve_local(ny, overlap), ms("2025-11-02T05:30:00Z"));
    }

    /// The cases of `shared/tests/fixtures/recurrence_cases.json`, generated once with
    /// python-dateutil and zoneinfo by `scripts/gen_recurrence_cases.py`.
    #[test]
    fn expansion_matches_the_independent_dateutil_cases() {
        let cases: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/recurrence_cases.json"))
                .unwrap();
        let mut failures = Vec::new();
        for case in cases.as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let tz: Tz = case["timeZone"].as_str().unwrap().parse().unwrap();
            let all_day = case["allDay"].as_bool().unwrap();
            let lines: Vec<String> = serde_json::from_value(case["recurrence"].clone()).unwrap();
            let r = Recurrence::parse(&lines, all_day).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let (start_ms, end_ms, start_date, days) = if all_day {
                let d = |k: &str| {
                    NaiveDate::parse_from_str(case[k].as_str().unwrap(), "%Y-%m-%d").unwrap()
                };
                let (s, e) = (d("startedAt"), d("endedAt"));
                let at = |x: NaiveDate| resolve_local(tz, x.and_time(NaiveTime::MIN));
                (at(s), at(e), Some(s), (e - s).num_days())
            } else {
                (
                    ms(case["startedAt"].as_str().unwrap()),
                    ms(case["endedAt"].as_str().unwrap()),
                    None,
                    0,
                )
            };
            let series = Series {
                tz,
                all_day,
                start_ms,
                end_ms,
                start_date,
                days,
                recurrence: &r,
            };
            let (list, _) = series.expand(
                ms(case["windowStart"].as_str().unwrap()),
                ms(case["windowEnd"].as_str().unwrap()),
                10_000,
            );
            let got: Vec<(String, String)> = list
                .iter()
                .map(|o| match o.date {
                    Some(d) => (
                        d.format("%Y-%m-%d").to_string(),
                        (d + Duration::days(days)).format("%Y-%m-%d").to_string(),
                    ),
                    None => (
                        crate::clock::format_ms(o.start_ms),
                        crate::clock::format_ms(o.end_ms),
                    ),
                })
                .collect();
            let expected: Vec<(String, String)> = case["expected"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    (
                        o["startedAt"].as_str().unwrap().to_string(),
                        o["endedAt"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            if got != expected {
                failures.push(format!(
                    "{name}:\n  got      {got:?}\n  expected {expected:?}"
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases differ:\n{}",
            failures.len(),
            cases.as_array().unwrap().len(),
            failures.join("\n")
        );
    }
}
