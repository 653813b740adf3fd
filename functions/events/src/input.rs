//! Request parsing for events (contract 1.2 date-times, 4.8.3 fields, 4.8.4 recurrence).

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};
use shared::domain::kinds::EventKind;
use shared::domain::recurrence::{InvalidLine, MAX_LINES, Recurrence};
use shared::domain::validate::{Opt, Validator, parse_int};

/// Parses `YYYY-MM-DDTHH:MM[:SS[.fraction]]` + `Z` or `±HH:MM` into milliseconds (fractions
/// beyond milliseconds are truncated; a value without an offset is rejected).
pub fn parse_datetime(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 17 || b[10] != b'T' {
        return None;
    }
    let (body, offset_secs) = if let Some(x) = s.strip_suffix('Z') {
        (x, 0)
    } else {
        let (x, off) = s.split_at(s.len().checked_sub(6)?);
        let ob = off.as_bytes();
        if !(ob[0] == b'+' || ob[0] == b'-') || ob[3] != b':' {
            return None;
        }
        let h: i32 = off.get(1..3)?.parse().ok()?;
        let m: i32 = off.get(4..6)?.parse().ok()?;
        if h > 23 || m > 59 {
            return None;
        }
        let sign = if ob[0] == b'-' { -1 } else { 1 };
        (x, sign * (h * 3600 + m * 60))
    };
    let (main, frac) = match body.split_once('.') {
        Some((m, f)) if !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()) && m.len() == 19 => {
            (m, f)
        }
        Some(_) => return None,
        None => (body, ""),
    };
    let naive = match main.len() {
        16 => NaiveDateTime::parse_from_str(main, "%Y-%m-%dT%H:%M").ok()?,
        19 => NaiveDateTime::parse_from_str(main, "%Y-%m-%dT%H:%M:%S").ok()?,
        _ => return None,
    };
    if !main
        .bytes()
        .enumerate()
        .all(|(i, c)| matches!(i, 4 | 7 | 10 | 13 | 16) || c.is_ascii_digit())
    {
        return None;
    }
    let millis: i64 = format!("{frac:0<3}")[..3].parse().ok()?;
    let ms = naive.and_utc().timestamp_millis() + millis - i64::from(offset_secs) * 1000;
    DateTime::from_timestamp_millis(ms).map(|_| ms)
}

/// Parses a date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A query bound: a date-time, or a plain date read as 00:00Z.
pub fn parse_query_instant(s: &str) -> Option<i64> {
    parse_datetime(s).or_else(|| {
        parse_date(s).map(|d| {
            d.and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_millis()
        })
    })
}

/// A start or end value: an instant, or a date for all-day events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    At(i64),
    Day(NaiveDate),
}

/// The event fields of a body (create or patch). Absent fields are `None`/`Opt::Absent`.
#[derive(Clone, Debug, Default)]
pub struct EventInput {
    pub kind: Option<EventKind>,
    pub name: Option<String>,
    pub description: Opt<String>,
    pub category: Option<String>,
    pub started_at: Option<When>,
    pub ended_at: Option<When>,
    pub color: Option<String>,
    pub calendar_id: Option<i64>,
    pub priority: Opt<String>,
    pub is_completed: Option<bool>,
    pub participant_ids: Vec<i64>,
    pub time_zone: Option<String>,
    pub all_day: Option<bool>,
    pub recurrence: Opt<Vec<String>>,
    pub reminders: Option<Vec<i64>>,
}

/// An E2 body: the fields every new event must have, and the rest as for a PATCH.
#[derive(Clone, Debug)]
pub struct NewEventInput {
    pub kind: EventKind,
    pub calendar_id: i64,
    pub name: String,
    pub category: String,
    pub started_at: When,
    pub ended_at: When,
    /// The optional fields (its required ones are the `None`s taken above).
    pub rest: EventInput,
}

/// Parses an E2 body (4.8.3).
pub fn parse_new_event(body: &Map<String, Value>) -> Result<NewEventInput, Vec<String>> {
    let mut input = parse_event(body, true, false)?;
    // Validation passed, so every required field is set.
    let missing = || vec!["a required field was not parsed".to_string()];
    Ok(NewEventInput {
        kind: input.kind.take().ok_or_else(missing)?,
        calendar_id: input.calendar_id.take().ok_or_else(missing)?,
        name: input.name.take().ok_or_else(missing)?,
        category: input.category.take().ok_or_else(missing)?,
        started_at: input.started_at.take().ok_or_else(missing)?,
        ended_at: input.ended_at.take().ok_or_else(missing)?,
        rest: input,
    })
}

fn when(
    v: &mut Validator,
    body: &Map<String, Value>,
    name: &str,
    all_day: bool,
    required: bool,
) -> Option<When> {
    let f = v.str(body, name);
    let f = if required { f.required() } else { f.optional() };
    if all_day {
        f.parse(
            |s| parse_date(s).map(When::Day),
            |f| format!("{f} must be a valid date (YYYY-MM-DD)"),
        )
        .get()
    } else {
        f.parse(
            |s| parse_datetime(s).map(When::At),
            |f| format!("{f} must be a valid ISO 8601 date string"),
        )
        .get()
    }
}

fn string_array(
    v: &mut Validator,
    body: &Map<String, Value>,
    name: &str,
    max: usize,
) -> Opt<Vec<String>> {
    match body.get(name) {
        None => Opt::Absent,
        Some(Value::Null) => Opt::Null,
        Some(Value::Array(items)) => {
            if items.len() > max {
                v.error(format!("{name} must contain no more than {max} elements"));
                return Opt::Absent;
            }
            let strings: Option<Vec<String>> = items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect();
            match strings {
                Some(s) => Opt::Set(s),
                None => {
                    v.error(format!("each value in {name} must be a string"));
                    Opt::Absent
                }
            }
        }
        Some(_) => {
            v.error(format!("{name} must be an array"));
            Opt::Absent
        }
    }
}

fn int_array(
    v: &mut Validator,
    body: &Map<String, Value>,
    name: &str,
    max: usize,
    check: impl Fn(i64) -> Option<String>,
) -> Option<Vec<i64>> {
    match body.get(name) {
        None => None,
        Some(Value::Null) => {
            v.error(format!("{name} should not be null"));
            None
        }
        Some(Value::Array(items)) => {
            if items.len() > max {
                v.error(format!("{name} must contain no more than {max} elements"));
                return None;
            }
            let mut out = Vec::new();
            for i in items {
                let Some(n) = parse_int(i) else {
                    v.error(format!("each value in {name} must be an integer"));
                    return None;
                };
                if let Some(msg) = check(n) {
                    v.error(format!("each value in {name} {msg}"));
                    return None;
                }
                if !out.contains(&n) {
                    out.push(n);
                }
            }
            Some(out)
        }
        Some(_) => {
            v.error(format!("{name} must be an array"));
            None
        }
    }
}

fn req(
    f: shared::domain::validate::Field<'_, String>,
    creating: bool,
) -> shared::domain::validate::Field<'_, String> {
    if creating { f.required() } else { f.optional() }
}

/// Parses an event body in the order of the contract's field table. `all_day_default` is the
/// stored value on PATCH (dates are parsed as dates when the merged `allDay` is true).
pub fn parse_event(
    body: &Map<String, Value>,
    creating: bool,
    all_day_default: bool,
) -> Result<EventInput, Vec<String>> {
    let mut v = Validator::new();
    let all_day_hint = match body.get("allDay") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s == "true" => true,
        Some(Value::String(s)) if s == "false" => false,
        _ => all_day_default,
    };
    let mut input = EventInput::default();
    if creating {
        input.kind = v.str(body, "type").required().word::<EventKind>().get();
    }
    input.name = req(v.str(body, "name"), creating).len(3, 100).get();
    input.description = v.str(body, "description").nullable().max_len(255).opt();
    input.category = req(v.str(body, "category"), creating)
        .one_of(&["home", "work"])
        .get();
    input.started_at = when(&mut v, body, "startedAt", all_day_hint, creating);
    input.ended_at = when(&mut v, body, "endedAt", all_day_hint, creating);
    if creating {
        input.color = v.str(body, "color").optional().hex_color().get();
        input.calendar_id = v.int(body, "calendarId").required().positive_id().get();
    }
    input.priority = v
        .str(body, "priority")
        .nullable()
        .one_of(&["low", "medium", "high"])
        .opt();
    if !creating {
        input.is_completed = v.bool(body, "isCompleted").optional().get();
    }
    if creating {
        input.participant_ids = int_array(&mut v, body, "participantIds", 100, |n| {
            (!(1..=i64::from(i32::MAX)).contains(&n))
                .then(|| "must be a positive integer".to_string())
        })
        .unwrap_or_default();
    }
    input.time_zone = v.str(body, "timeZone").optional().time_zone().get();
    input.all_day = v.bool(body, "allDay").optional().get();
    input.recurrence = string_array(&mut v, body, "recurrence", MAX_LINES);
    input.reminders = int_array(&mut v, body, "reminders", 5, |n| {
        if n < 0 {
            Some("must not be less than 0".into())
        } else if n > 40320 {
            Some("must not be greater than 40320".into())
        } else {
            None
        }
    });
    v.finish()?;
    Ok(input)
}

/// Validates recurrence lines: `["recurrence line {n} is invalid"]` on failure.
/// Checks each line (4.8.4) but not the size limits: for lines already stored, which may predate
/// the limits and must not block an unrelated PATCH.
pub fn valid_lines(lines: &[String], all_day: bool) -> Result<Recurrence, Vec<String>> {
    Recurrence::parse(lines, all_day)
        .map_err(|InvalidLine(n)| vec![format!("recurrence line {n} is invalid")])
}

/// Validates `recurrence` as sent: each line, then the size limits (issue 8).
pub fn parse_recurrence(lines: &[String], all_day: bool) -> Result<Recurrence, Vec<String>> {
    let r = valid_lines(lines, all_day)?;
    match r.size_problem() {
        Some(p) => Err(vec![p]),
        None => Ok(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_need_an_offset_and_keep_milliseconds() {
        let at = |s: &str| parse_datetime(s);
        assert_eq!(at("2025-04-01T09:00:00.000Z"), Some(1_743_498_000_000));
        assert_eq!(at("2025-04-01T09:00Z"), Some(1_743_498_000_000));
        assert_eq!(at("2025-04-01T12:00:00+03:00"), Some(1_743_498_000_000));
        assert_eq!(at("2025-04-01T09:00:00.1239Z"), Some(1_743_498_000_123));
        for bad in [
            "2025-04-01T09:00:00",
            "2025-04-01",
            "2025-04-01 09:00:00Z",
            "2025-13-01T09:00:00Z",
            "x",
            "2025-04-01T09:00:00+3:00",
            "2025-04-01T09:00:00.Z",
        ] {
            assert_eq!(at(bad), None, "{bad}");
        }
        assert_eq!(parse_query_instant("2025-04-01"), Some(1_743_465_600_000));
    }
}
