//! Single occurrences (E5, E6) and "this and following" series splits (E3 scope=following).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Duration;
use serde_json::{Map, Value};
use shared::AppState;
use shared::db::Tx;
use shared::db::events::{self, Event};
use shared::domain::validate::Opt;
use shared::http::{
    ApiError, ApiResult, CurrentUser, JsonBody, PathIds, PathParams, ResultExt, empty,
};

use crate::access::{Action, authorize, check_if_match, load, lock, save};
use crate::events::{apply_fields, check_order, set_recurrence, set_when, update_task, with_etag};
use crate::input::{EventInput, When, parse_date, parse_datetime, parse_event};
use crate::series::{recurrence_of, refresh_derived, series};
use crate::shape::{OccurrenceView, full_event};

const NOT_RECURRING: &str = "Event is not recurring";
const NO_OCCURRENCE: &str = "Occurrence not found";

/// Reads an `{originalStartedAt}` / `from` value: an instant, or a date for all-day series.
fn original_start(e: &Event, raw: &str) -> Option<i64> {
    if e.all_day {
        parse_date(raw).map(|d| crate::series::midnight(crate::series::tz_of(e), d))
    } else {
        parse_datetime(raw)
    }
}

/// The occurrence of `e` starting at `start`, cancelled ones included when asked.
fn find_occurrence(
    e: &Event,
    start: i64,
    include_cancelled: bool,
) -> Option<shared::domain::recurrence::Occurrence> {
    let r = recurrence_of(e)?;
    let s = series(e, &r);
    if !s.has_occurrence(start, include_cancelled) {
        return None;
    }
    let probe = if include_cancelled {
        shared::domain::recurrence::Recurrence::parse(&without_exdates(e), e.all_day).ok()?
    } else {
        r.clone()
    };
    let (list, _) = series(e, &probe).expand(start, start, usize::MAX);
    list.into_iter().find(|o| o.start_ms == start)
}

fn without_exdates(e: &Event) -> Vec<String> {
    crate::shape::lines_of(e)
        .unwrap_or_default()
        .into_iter()
        .filter(|l| !l.to_ascii_uppercase().starts_with("EXDATE"))
        .collect()
}

/// PATCH /api/events/{id}/occurrences/{originalStartedAt} (contract: 4.8.7 E5). As E3.
pub async fn update_occurrence(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    params: PathParams,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut tx = state.db.begin().await?;
    let found = events::find_for_update(tx.conn(), ids.get("id")).await?;
    let all_day = found.as_ref().is_some_and(|e| e.all_day);
    let mut allowed = Map::new();
    for k in ["name", "description", "category", "startedAt", "endedAt"] {
        if let Some(v) = body.get(k) {
            allowed.insert(k.to_string(), v.clone());
        }
    }
    let input = parse_event(&allowed, false, all_day).map_err(ApiError::validation)?;
    let e = found.ok_or_else(|| ApiError::not_found(crate::access::EVENT_NOT_FOUND))?;
    authorize(tx.conn(), &e, user.id(), Action::Edit).await?;
    if recurrence_of(&e).is_none_or(|r| !r.is_recurring()) {
        return Err(ApiError::bad_request(NOT_RECURRING));
    }
    let start = original_start(&e, params.get("originalStartedAt"))
        .ok_or_else(|| ApiError::not_found(NO_OCCURRENCE))?;
    let occ =
        find_occurrence(&e, start, false).ok_or_else(|| ApiError::not_found(NO_OCCURRENCE))?;
    check_if_match(&headers, &e)?;

    let overrides = events::overrides_of(tx.conn(), e.id).await?;
    let mut fields: Map<String, Value> = overrides
        .iter()
        .find(|o| o.original_start == start)
        .and_then(|o| serde_json::from_str(&o.fields).ok())
        .unwrap_or_default();
    merge_override(&mut fields, &input, &e);
    // The merged occurrence must still end after it starts.
    let view = OccurrenceView {
        occurrence: occ,
        fields: Some(Value::Object(fields.clone())),
    };
    let core = crate::shape::Core::occurrence(&e, &view);
    let (s, x) = (core.started_at.clone(), core.ended_at.clone());
    let bad = if e.all_day {
        x <= s
    } else {
        parse_datetime(&x) < parse_datetime(&s)
    };
    if bad {
        let msg = if e.all_day {
            "endedAt must be later than startedAt"
        } else {
            "endedAt must not be earlier than startedAt"
        };
        return Err(ApiError::validation(vec![msg.into()]));
    }
    let now = state.clock.now_ms();
    events::put_override(
        tx.conn(),
        e.id,
        start,
        &Value::Object(fields).to_string(),
        now,
    )
    .await?;
    events::bump_version(tx.conn(), e.id, now).await?;
    let e = load(tx.conn(), e.id).await?;
    let body = full_event(tx.conn(), &e, user.id(), Some(&view)).await?;
    tx.commit().await?;
    Ok(with_etag(StatusCode::OK, &e, &body))
}

fn merge_override(fields: &mut Map<String, Value>, input: &EventInput, e: &Event) {
    if let Some(n) = &input.name {
        fields.insert("name".into(), Value::String(n.clone()));
    }
    match &input.description {
        Opt::Set(d) => {
            fields.insert("description".into(), Value::String(d.clone()));
        }
        Opt::Null => {
            fields.insert("description".into(), Value::Null);
        }
        Opt::Absent => {}
    }
    if let Some(c) = &input.category {
        fields.insert("category".into(), Value::String(c.clone()));
    }
    for (k, w) in [("startedAt", input.started_at), ("endedAt", input.ended_at)] {
        match w {
            Some(When::At(ms)) if !e.all_day => {
                fields.insert(k.into(), Value::String(shared::clock::format_ms(ms)));
            }
            Some(When::Day(d)) if e.all_day => {
                fields.insert(k.into(), Value::String(d.format("%Y-%m-%d").to_string()));
            }
            _ => {}
        }
    }
}

/// The EXDATE line for an occurrence.
fn exdate_line(e: &Event, start: i64) -> String {
    if e.all_day {
        let d = shared::domain::recurrence::to_local(crate::series::tz_of(e), start).date();
        format!("EXDATE;VALUE=DATE:{}", d.format("%Y%m%d"))
    } else {
        let t = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(start).unwrap_or_default();
        format!("EXDATE:{}", t.format("%Y%m%dT%H%M%SZ"))
    }
}

/// DELETE /api/events/{id}/occurrences/{originalStartedAt} (contract: 4.8.7 E6). As E4.
pub async fn delete_occurrence(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    params: PathParams,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut tx = state.db.begin().await?;
    let mut e = lock(tx.conn(), ids.get("id")).await?;
    authorize(tx.conn(), &e, user.id(), Action::Delete).await?;
    if recurrence_of(&e).is_none_or(|r| !r.is_recurring()) {
        return Err(ApiError::bad_request(NOT_RECURRING));
    }
    let start = original_start(&e, params.get("originalStartedAt"))
        .ok_or_else(|| ApiError::not_found(NO_OCCURRENCE))?;
    find_occurrence(&e, start, true).ok_or_else(|| ApiError::not_found(NO_OCCURRENCE))?;
    check_if_match(&headers, &e)?;
    if find_occurrence(&e, start, false).is_some() {
        let mut lines = crate::shape::lines_of(&e).unwrap_or_default();
        let line = exdate_line(&e, start);
        let room = recurrence_of(&e).is_some_and(|r| r.has_room_for(line.len()));
        if lines.len() >= shared::domain::recurrence::MAX_LINES || !room {
            return Err(ApiError::bad_request("Too many exceptions for this series"));
        }
        lines.push(line);
        e.recurrence = Some(serde_json::to_string(&lines).unwrap_or_default());
        refresh_derived(&mut e);
        e.updated_at = state.clock.now_ms();
        save(tx.conn(), &e).await?;
    }
    events::delete_overrides(tx.conn(), e.id, Some(start)).await?;
    tx.commit().await?;
    Ok(empty(StatusCode::OK))
}

/// After a series PATCH: drops overrides whose occurrence no longer exists.
pub async fn discard_stale_overrides(tx: &mut Tx, before: &Event, after: &Event) -> ApiResult<()> {
    let changed = before.started_at != after.started_at
        || before.ended_at != after.ended_at
        || before.time_zone != after.time_zone
        || before.all_day != after.all_day
        || before.recurrence != after.recurrence;
    if !changed {
        return Ok(());
    }
    let Some(r) = recurrence_of(after).filter(|r| r.is_recurring()) else {
        events::delete_overrides(tx.conn(), after.id, None).await?;
        return Ok(());
    };
    let s = series(after, &r);
    for o in events::overrides_of(tx.conn(), after.id).await? {
        if !s.has_occurrence(o.original_start, false) {
            events::delete_overrides(tx.conn(), after.id, Some(o.original_start)).await?;
        }
    }
    Ok(())
}

/// Splits a series at `from` (E3 scope=following). `None` when `from` is the first occurrence
/// (the request then behaves like scope=all).
pub async fn split(
    tx: &mut Tx,
    state: &AppState,
    stored: &Event,
    input: &EventInput,
    from: Option<&str>,
    caller: i64,
) -> ApiResult<Option<Response>> {
    let from = from.ok_or_else(|| {
        ApiError::validation(vec!["from is required when scope is following".into()])
    })?;
    if recurrence_of(stored).is_none_or(|r| !r.is_recurring()) {
        return Err(ApiError::bad_request(NOT_RECURRING));
    }
    let start = original_start(stored, from).ok_or_else(|| ApiError::not_found(NO_OCCURRENCE))?;
    let occ =
        find_occurrence(stored, start, false).ok_or_else(|| ApiError::not_found(NO_OCCURRENCE))?;
    if start <= stored.started_at {
        return Ok(None);
    }
    let now = state.clock.now_ms();
    let lines = crate::shape::lines_of(stored).unwrap_or_default();
    // Rule instances before `from` (for COUNT), counted on the rule alone.
    let rule_only: Vec<String> = lines
        .iter()
        .filter(|l| l.starts_with("RRULE"))
        .cloned()
        .collect();
    let before = shared::domain::recurrence::Recurrence::parse(&rule_only, stored.all_day)
        .map(|rr| {
            series(stored, &rr)
                .expand(stored.started_at, start - 1, usize::MAX)
                .0
                .len()
        })
        .unwrap_or(0);
    let (old_lines, new_lines) = split_lines(stored, &lines, start, before);

    // The original series ends before `from`.
    let mut old = stored.clone();
    old.recurrence = Some(serde_json::to_string(&old_lines).unwrap_or_default());
    refresh_derived(&mut old);
    old.updated_at = now;
    save(tx.conn(), &old).await?;

    // The new series starts at `from` and then takes the body.
    let mut new = stored.clone();
    new.created_at = now;
    new.updated_at = now;
    if stored.all_day {
        let days = match (
            stored.start_date.as_deref().and_then(parse_date),
            stored.end_date.as_deref().and_then(parse_date),
        ) {
            (Some(s), Some(x)) => (x - s).num_days(),
            _ => 1,
        };
        let d = occ.date.unwrap_or_default();
        set_when(
            &mut new,
            Some(When::Day(d)),
            Some(When::Day(d + Duration::days(days))),
        );
    } else {
        new.started_at = occ.start_ms;
        new.ended_at = occ.end_ms;
    }
    new.recurrence = Some(serde_json::to_string(&new_lines).unwrap_or_default());
    if let Some(ad) = input.all_day {
        new.all_day = ad;
    }
    if let Some(tz) = &input.time_zone {
        new.time_zone = tz.clone();
    }
    apply_fields(&mut new, input);
    set_when(&mut new, input.started_at, input.ended_at);
    check_order(&new)?;
    set_recurrence(&mut new, input.recurrence.clone())?;
    refresh_derived(&mut new);
    new.id = events::insert(tx.conn(), &new)
        .await
        .on_foreign_key_violation(|| ApiError::not_found(crate::access::EVENT_NOT_FOUND))?;
    for p in events::participations_of_event(tx.conn(), stored.id).await? {
        events::insert_participation(
            tx.conn(),
            p.p.calendar_member_id,
            new.id,
            &p.p.color,
            p.p.response_status.as_deref(),
            now,
        )
        .await
        .skip_on_foreign_key_violation()?;
    }
    if let Some(t) = events::find_task(tx.conn(), stored.id).await? {
        events::upsert_task(
            tx.conn(),
            &shared::db::events::Task {
                event_id: new.id,
                ..t
            },
            true,
        )
        .await?;
    }
    for o in events::overrides_of(tx.conn(), stored.id).await? {
        if o.original_start >= start {
            events::put_override(tx.conn(), new.id, o.original_start, &o.fields, now).await?;
            events::delete_overrides(tx.conn(), stored.id, Some(o.original_start)).await?;
        }
    }
    update_task(tx, &new, input, now).await?;
    let new = load(tx.conn(), new.id).await?;
    let body = full_event(tx.conn(), &new, caller, None).await?;
    Ok(Some(with_etag(StatusCode::OK, &new, &body)))
}

/// The lines of the truncated original and of the new series.
fn split_lines(
    e: &Event,
    lines: &[String],
    start: i64,
    rule_before: usize,
) -> (Vec<String>, Vec<String>) {
    let (mut old, mut new) = (Vec::new(), Vec::new());
    let until = if e.all_day {
        let d = shared::domain::recurrence::to_local(crate::series::tz_of(e), start).date()
            - Duration::days(1);
        d.format("%Y%m%d").to_string()
    } else {
        let t = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(start - 1000)
            .unwrap_or_default();
        t.format("%Y%m%dT%H%M%SZ").to_string()
    };
    for line in lines {
        if let Some(rule) = line.strip_prefix("RRULE:") {
            let parts: Vec<&str> = rule.split(';').collect();
            let base: Vec<&str> = parts
                .iter()
                .copied()
                .filter(|p| !p.starts_with("COUNT=") && !p.starts_with("UNTIL="))
                .collect();
            old.push(format!("RRULE:{};UNTIL={until}", base.join(";")));
            let count = parts
                .iter()
                .find_map(|p| p.strip_prefix("COUNT="))
                .and_then(|c| c.parse::<usize>().ok());
            let keep: Vec<String> = parts
                .iter()
                .filter(|p| !p.starts_with("COUNT="))
                .map(|p| p.to_string())
                .collect();
            let mut rule = keep.join(";");
            if let Some(c) = count {
                rule = format!("{rule};COUNT={}", c.saturating_sub(rule_before).max(1));
            }
            new.push(format!("RRULE:{rule}"));
            continue;
        }
        // EXDATE/RDATE: values at or after `from` move to the new series.
        let (head, values) = line.split_once(':').unwrap_or((line, ""));
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for v in values.split(',') {
            let probe = format!("{head}:{v}");
            let at = value_instant(e, &probe);
            if at.is_some_and(|x| x >= start) {
                b.push(v.to_string());
            } else {
                a.push(v.to_string());
            }
        }
        if !a.is_empty() {
            old.push(format!("{head}:{}", a.join(",")));
        }
        if !b.is_empty() {
            new.push(format!("{head}:{}", b.join(",")));
        }
    }
    (old, new)
}

/// The instant of a one-value EXDATE/RDATE line, through the series expansion rules.
fn value_instant(e: &Event, line: &str) -> Option<i64> {
    let as_rdate = line.replacen("EXDATE", "RDATE", 1);
    let r = shared::domain::recurrence::Recurrence::parse(&[as_rdate], e.all_day).ok()?;
    let s = series(e, &r);
    let (list, _) = s.expand(i64::MIN / 4, i64::MAX / 4, 10);
    list.into_iter()
        .map(|o| o.start_ms)
        .filter(|ms| *ms != e.started_at)
        .max()
        .or(Some(e.started_at))
}
