//! "This and following" (E3 `scope=following`): a series split at one of its occurrences into
//! the original, now ending before it, and a new series that starts there and takes the body.

use chrono::Duration;
use shared::AppState;
use shared::db::Tx;
use shared::db::events::{self, Event, EventFields, NewEvent};
use shared::db::participations;
use shared::domain::recurrence::{Occurrence, Recurrence, to_local};
use shared::http::{ApiError, ApiResult, ResultExt};
use shared::jobs::triggers;

use crate::access::{EVENT_NOT_FOUND, load, save};
use crate::editing::{apply_patch, save_task_changes, set_when};
use crate::input::{EventInput, When, parse_date};
use crate::occurrences::occurrence_at;
use crate::series::refresh_derived;

/// Splits `stored` at `from` and returns the new series (stored), or `None` when `from` is the
/// first occurrence (the request then behaves like `scope=all`).
pub async fn split(
    tx: &mut Tx,
    state: &AppState,
    stored: &Event,
    input: &EventInput,
    from: Option<&str>,
) -> ApiResult<Option<Event>> {
    let from = from.ok_or_else(|| {
        ApiError::validation(vec!["from is required when scope is following".into()])
    })?;
    let (start, occurrence) = occurrence_at(stored, from, false)?;
    if start <= stored.started_at {
        return Ok(None);
    }
    let now = state.clock.now_ms();
    let (old_lines, new_lines) = split_lines(stored, start);
    let mut old = stored.clone();
    old.recurrence = Some(old_lines);
    refresh_derived(&mut old);
    old.updated_at = now;
    save(&mut *tx, &old, false).await?;

    let new = NewEvent {
        calendar_id: stored.calendar_id,
        creator_id: stored.creator_id,
        fields: following_fields(stored, &occurrence, new_lines, input)?,
    };
    let id = events::insert(&mut *tx, &new, now)
        .await
        .on_foreign_key_violation(|| ApiError::not_found(EVENT_NOT_FOUND))?;
    move_rows(tx, stored, id, start, now).await?;
    save_task_changes(tx, id, stored.kind, input, now).await?;
    triggers::refresh(&mut *tx, stored.id, now).await?;
    triggers::refresh(&mut *tx, id, now).await?;
    Ok(Some(load(tx, id).await?))
}

/// The new series: the original's fields from the occurrence on, then the body applied.
fn following_fields(
    stored: &Event,
    occurrence: &Occurrence,
    lines: Vec<String>,
    input: &EventInput,
) -> ApiResult<EventFields> {
    let mut new = stored.fields.clone();
    if stored.all_day {
        let day = |d: &Option<String>| d.as_deref().and_then(parse_date);
        let days = match (day(&stored.start_date), day(&stored.end_date)) {
            (Some(s), Some(x)) => (x - s).num_days(),
            _ => 1,
        };
        let d = occurrence.date.unwrap_or_default();
        let (start, end) = (When::Day(d), When::Day(d + Duration::days(days)));
        set_when(&mut new, Some(start), Some(end));
    } else {
        new.started_at = occurrence.start_ms;
        new.ended_at = occurrence.end_ms;
    }
    new.recurrence = Some(lines);
    apply_patch(&mut new, input)?;
    Ok(new)
}

/// Gives the new series `id` the original's participations and task, and moves the overrides
/// from `start` on to it.
async fn move_rows(tx: &mut Tx, stored: &Event, id: i64, start: i64, now: i64) -> ApiResult<()> {
    for p in participations::of_event(&mut *tx, stored.id).await? {
        let (member, color, status) = (p.p.calendar_member_id, &p.p.color, p.p.response_status);
        participations::insert(&mut *tx, member, id, color, status, now)
            .await
            .skip_on_foreign_key_violation()?;
    }
    if let Some(t) = events::find_task(&mut *tx, stored.id).await? {
        let task = events::Task { event_id: id, ..t };
        events::insert_task(&mut *tx, &task).await?;
    }
    for o in events::overrides_of(&mut *tx, stored.id).await? {
        if o.original_start >= start {
            events::put_override(&mut *tx, id, o.original_start, &o.fields, now).await?;
            events::delete_overrides(&mut *tx, stored.id, Some(o.original_start)).await?;
        }
    }
    Ok(())
}

/// The lines of the truncated original and of the new series. A `COUNT` is shared out: the
/// new series keeps what the rule alone had left at `start`.
fn split_lines(e: &EventFields, start: i64) -> (Vec<String>, Vec<String>) {
    let lines = e.lines().unwrap_or_default();
    let rule_only: Vec<String> = (lines.iter())
        .filter(|l| l.starts_with("RRULE"))
        .cloned()
        .collect();
    let rule_before = Recurrence::parse(&rule_only, e.all_day)
        .map(|rr| {
            e.series(&rr)
                .expand(e.started_at, start - 1, usize::MAX)
                .0
                .len()
        })
        .unwrap_or(0);
    let until = if e.all_day {
        let d = to_local(e.tz(), start).date() - Duration::days(1);
        d.format("%Y%m%d").to_string()
    } else {
        let t = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(start - 1000)
            .unwrap_or_default();
        t.format("%Y%m%dT%H%M%SZ").to_string()
    };
    let (mut old, mut new) = (Vec::new(), Vec::new());
    for line in lines {
        if let Some(rule) = line.strip_prefix("RRULE:") {
            let (o, n) = split_rule(rule, &until, rule_before);
            old.push(o);
            new.push(n);
            continue;
        }
        // EXDATE/RDATE: values at or after `from` move to the new series.
        let (head, values) = line.split_once(':').unwrap_or((line, ""));
        let (a, b): (Vec<&str>, Vec<&str>) = values
            .split(',')
            .partition(|v| value_instant(e, &format!("{head}:{v}")).is_none_or(|x| x < start));
        if !a.is_empty() {
            old.push(format!("{head}:{}", a.join(",")));
        }
        if !b.is_empty() {
            new.push(format!("{head}:{}", b.join(",")));
        }
    }
    (old, new)
}

/// An RRULE's parts for the original (`UNTIL` the day or second before) and the new series (the
/// remaining `COUNT`, if any).
fn split_rule(rule: &str, until: &str, rule_before: usize) -> (String, String) {
    let parts: Vec<&str> = rule.split(';').collect();
    let base: Vec<&str> = (parts.iter().copied())
        .filter(|p| !p.starts_with("COUNT=") && !p.starts_with("UNTIL="))
        .collect();
    let old = format!("RRULE:{};UNTIL={until}", base.join(";"));
    let count = (parts.iter())
        .find_map(|p| p.strip_prefix("COUNT="))
        .and_then(|c| c.parse::<usize>().ok());
    let keep: Vec<&str> = (parts.iter().copied())
        .filter(|p| !p.starts_with("COUNT="))
        .collect();
    let mut new = keep.join(";");
    if let Some(c) = count {
        new = format!("{new};COUNT={}", c.saturating_sub(rule_before).max(1));
    }
    (old, format!("RRULE:{new}"))
}

/// The instant of a one-value EXDATE/RDATE line, through the series expansion rules.
fn value_instant(e: &EventFields, line: &str) -> Option<i64> {
    let as_rdate = line.replacen("EXDATE", "RDATE", 1);
    let r = Recurrence::parse(&[as_rdate], e.all_day).ok()?;
    let (list, _) = e.series(&r).expand(i64::MIN / 4, i64::MAX / 4, 10);
    list.into_iter()
        .map(|o| o.start_ms)
        .filter(|ms| *ms != e.started_at)
        .max()
        .or(Some(e.started_at))
}
