//! The editing rules of events (4.8.3, 4.8.4): what a body does to an event's fields, its start
//! and end, its recurrence and its task. Shared by E2, E3 (both scopes), E5 and E6; pure code
//! apart from [`save_task_changes`].

use shared::db::Tx;
use shared::db::events::{self, EventFields, NewEvent, Task};
use shared::db::users::User;
use shared::domain::kinds::EventKind;
use shared::domain::validate::Opt;
use shared::http::{ApiError, ApiResult};

use crate::input::{EventInput, NewEventInput, When, parse_date, parse_datetime, valid_lines};
use crate::series::refresh_derived;
use shared::domain::triggers::midnight;

/// The event an E2 body describes, with every field rule of 4.8.3 checked (validation, so it
/// comes before the route's access checks, contract 1.5). Its colour is the body's, or none yet
/// (E2 falls back to the caller's membership colour once that is known).
pub fn new_event(input: &NewEventInput, creator: &User) -> ApiResult<NewEvent> {
    let rest = &input.rest;
    let mut fields = EventFields {
        name: input.name.clone(),
        description: rest.description.clone().set(),
        category: input.category.clone(),
        kind: input.kind,
        started_at: 0,
        ended_at: 0,
        start_date: None,
        end_date: None,
        time_zone: rest
            .time_zone
            .clone()
            .unwrap_or_else(|| creator.time_zone.clone()),
        all_day: rest.all_day.unwrap_or(false),
        recurrence: None,
        reminders: rest
            .reminders
            .clone()
            .unwrap_or_else(|| input.kind.default_reminders()),
        color: rest.color.clone().unwrap_or_default(),
        range_end: None,
    };
    set_when(&mut fields, Some(input.started_at), Some(input.ended_at));
    check_order(&fields)?;
    set_recurrence(&mut fields, rest.recurrence.clone())?;
    refresh_derived(&mut fields);
    Ok(NewEvent {
        calendar_id: input.calendar_id,
        creator_id: creator.id,
        fields,
    })
}

/// Applies a PATCH body (E3) to the fields: `allDay` and `timeZone` first (the times are read
/// in them), then the plain fields, the times, the order check and the recurrence.
pub fn apply_patch(e: &mut EventFields, input: &EventInput) -> ApiResult<()> {
    if let Some(all_day) = input.all_day {
        if all_day != e.all_day && (input.started_at.is_none() || input.ended_at.is_none()) {
            return Err(ApiError::validation(vec![
                "startedAt and endedAt are required when allDay changes".into(),
            ]));
        }
        e.all_day = all_day;
    }
    if let Some(tz) = &input.time_zone {
        e.time_zone = tz.clone();
    }
    if let Some(n) = &input.name {
        e.name = n.clone();
    }
    match &input.description {
        Opt::Set(d) => e.description = Some(d.clone()),
        Opt::Null => e.description = None,
        Opt::Absent => {}
    }
    if let Some(c) = &input.category {
        e.category = c.clone();
    }
    if let Some(r) = &input.reminders {
        e.reminders = r.clone();
    }
    set_when(e, input.started_at, input.ended_at);
    check_order(e)?;
    set_recurrence(e, input.recurrence.clone())?;
    refresh_derived(e);
    Ok(())
}

/// Applies start and end values (dates for all-day events, stored with their zone's midnight).
pub fn set_when(e: &mut EventFields, start: Option<When>, end: Option<When>) {
    let tz = e.tz();
    if let Some(w) = start {
        (e.started_at, e.start_date) = stored_when(tz, w);
    }
    if let Some(w) = end {
        (e.ended_at, e.end_date) = stored_when(tz, w);
    }
}

fn stored_when(tz: chrono_tz::Tz, w: When) -> (i64, Option<String>) {
    match w {
        When::At(ms) => (ms, None),
        When::Day(d) => (midnight(tz, d), Some(d.to_string())),
    }
}

/// The start/end order rule of 4.8.3 (a 400 array): an all-day event ends on a later date, any
/// other ends no earlier than it starts.
pub fn check_order(e: &EventFields) -> ApiResult<()> {
    if e.all_day {
        let day = |d: &Option<String>| d.as_deref().and_then(parse_date);
        check_span(true, day(&e.start_date), day(&e.end_date))
    } else {
        check_span(false, Some(e.started_at), Some(e.ended_at))
    }
}

/// [`check_order`] on rendered times (an occurrence with its override, E5): dates when all-day,
/// instants otherwise.
pub fn check_rendered_order(all_day: bool, start: &str, end: &str) -> ApiResult<()> {
    if all_day {
        check_span(true, parse_date(start), parse_date(end))
    } else {
        check_span(false, parse_datetime(start), parse_datetime(end))
    }
}

fn check_span<T: PartialOrd>(all_day: bool, start: Option<T>, end: Option<T>) -> ApiResult<()> {
    let (ok, msg) = if all_day {
        (end > start, "endedAt must be later than startedAt")
    } else {
        (end >= start, "endedAt must not be earlier than startedAt")
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(vec![msg.into()]))
    }
}

/// Stores the recurrence lines (normalised), or none for `null` or `[]`. Absent, the stored
/// lines stay, but must still be valid for the (possibly changed) `allDay`.
pub fn set_recurrence(e: &mut EventFields, lines: Opt<Vec<String>>) -> ApiResult<()> {
    match lines {
        Opt::Set(l) if !l.is_empty() => {
            if e.kind == EventKind::Task {
                return Err(ApiError::bad_request(
                    "recurrence is not supported for tasks",
                ));
            }
            let r = crate::input::parse_recurrence(&l, e.all_day).map_err(ApiError::validation)?;
            e.recurrence = Some(r.lines);
        }
        Opt::Set(_) | Opt::Null => e.recurrence = None,
        Opt::Absent => {
            if let Some(lines) = e.lines() {
                valid_lines(lines, e.all_day).map_err(ApiError::validation)?;
            }
        }
    }
    Ok(())
}

/// The task after a body's `priority` and `isCompleted`, if that changes it.
pub fn patched_task(stored: &Task, input: &EventInput, now: i64) -> Option<Task> {
    let mut t = stored.clone();
    match &input.priority {
        Opt::Set(p) => t.priority = Some(p.clone()),
        Opt::Null => t.priority = None,
        Opt::Absent => {}
    }
    if let Some(done) = input.is_completed {
        t.is_completed = done;
    }
    if t == *stored {
        return None;
    }
    t.updated_at = now;
    Some(t)
}

/// Writes a body's task changes to the task of event `id` (of kind `kind`); returns whether
/// there were any (a PATCH that changes nothing writes nothing).
pub async fn save_task_changes(
    tx: &mut Tx,
    id: i64,
    kind: EventKind,
    input: &EventInput,
    now: i64,
) -> ApiResult<bool> {
    if kind != EventKind::Task || (!input.priority.is_present() && input.is_completed.is_none()) {
        return Ok(false);
    }
    let Some(stored) = events::find_task(&mut *tx, id).await? else {
        return Ok(false);
    };
    let Some(t) = patched_task(&stored, input, now) else {
        return Ok(false);
    };
    events::update_task(tx, &t).await?;
    Ok(true)
}
