//! The reminder sweep (contract 6.3), every minute: one `run(state, now)` for the Lambda function
//! and the local server's minute loop.
//!
//! It reads only what is due: each (event, offset) keeps its next trigger in `event_triggers`
//! (indexed by instant), written with the event by every event write. For a due trigger the
//! sweep locks the event (the order every event write takes), walks the triggers up to `now`
//! (those more than 60 minutes late are skipped), claims the row by moving it to the next
//! trigger with one conditional `UPDATE`, and for each recipient inserts the delivery record and
//! the outbox row of email 6 in the same transaction (up to 25 triggers share one, in event-id
//! order; a chunk that fails is redone trigger by trigger). Only the sweep whose claim and insert
//! succeed queues an e-mail, so two sweeps at once queue one per (occurrence, user, offset).

use chrono_tz::Tz;
use shared::AppState;
use shared::db::calendars;
use shared::db::events::{self, Event, Override};
use shared::db::reminders::{self, DueTrigger, Recipient};
use shared::domain::kinds::EventKind;
use shared::domain::recurrence::to_local;
use shared::domain::triggers::{Schedule, Trigger};
use shared::http::ApiResult;
use shared::jobs::triggers;
use shared::mail::templates::{self, ReminderOf};

/// Due triggers handled per run; the next run takes the rest.
const BATCH: i64 = 500;
/// Due triggers fired in one transaction.
const CHUNK: usize = 25;
/// Events given their triggers per run by the back-fill of events older than the reminders.
const BACKFILL: i64 = 200;

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Due triggers read.
    pub due: usize,
    /// E-mails queued.
    pub queued: usize,
    /// Triggers skipped for being more than 60 minutes late.
    pub late: usize,
    /// Events given their triggers by the back-fill.
    pub backfilled: usize,
    /// Triggers that failed and were left for the next run (logged with their event).
    pub failed: usize,
}

impl Report {
    fn add(&mut self, (queued, late): (usize, usize)) {
        self.queued += queued;
        self.late += late;
    }
}

/// Sends the reminders due at `now` (milliseconds).
pub async fn run(state: &AppState, now: i64) -> anyhow::Result<Report> {
    let mut report = Report::default();
    backfill(state, now, &mut report).await?;
    let due = {
        let mut c = state.db.acquire().await?;
        reminders::due(&mut c, now, BATCH).await?
    };
    report.due = due.len();
    // In event-id order, the order every lock on events is taken in, and a chunk to a
    // transaction: one commit (one log flush on MySQL) for many reminders.
    let mut due = due;
    due.sort_by_key(|t| (t.event_id, t.offset_minutes));
    for chunk in due.chunks(CHUNK) {
        match fire_chunk(state, chunk, now).await {
            Ok(done) => report.add(done),
            // One bad trigger must not hold back the rest: each goes again on its own.
            Err(e) => {
                tracing::warn!(error = ?e, triggers = chunk.len(), "a reminder chunk failed; one by one");
                for t in chunk {
                    match fire_chunk(state, std::slice::from_ref(t), now).await {
                        Ok(done) => report.add(done),
                        Err(e) => {
                            report.failed += 1;
                            tracing::error!(event_id = t.event_id, offset = t.offset_minutes,
                                error = ?e, "reminder failed; tried again next run");
                        }
                    }
                }
            }
        }
    }
    // What a crash left committed but never handed off goes to delivery now.
    state.outbox.requeue_forgotten(now).await?;
    if report.due > 0 || report.backfilled > 0 {
        tracing::info!(?report, "reminders run");
    }
    Ok(report)
}

/// Fires due triggers in one transaction; returns the e-mails queued and the triggers skipped
/// as late.
async fn fire_chunk(state: &AppState, ts: &[DueTrigger], now: i64) -> ApiResult<(usize, usize)> {
    let mut tx = state.db.begin().await?;
    let (mut queued, mut late) = (0, 0);
    for t in ts {
        let (q, l) = fire(state, &mut tx, t, now).await?;
        queued += q;
        late += l;
    }
    state.commit(tx).await?;
    Ok((queued, late))
}

/// Fires one due trigger inside `tx`: locks its event, walks its triggers up to `now`, claims
/// the row and queues the e-mails.
async fn fire(
    state: &AppState,
    tx: &mut shared::db::Tx,
    t: &DueTrigger,
    now: i64,
) -> ApiResult<(usize, usize)> {
    let Some(e) = events::find_for_update(&mut *tx, t.event_id).await? else {
        return Ok((0, 0));
    };
    let overrides = events::overrides_of(&mut *tx, e.id).await?;
    let completed = e.kind == EventKind::Task
        && (events::find_task(&mut *tx, e.id).await?).is_some_and(|t| t.is_completed);
    let schedule = Schedule::new(&e, &overrides);
    let (mut fires, mut late) = (Vec::new(), 0);
    let mut next = schedule.next(t.offset_minutes, t.next_at);
    while let Some(tr) = next.filter(|tr| tr.at <= now) {
        if now - tr.at <= triggers::LATE_MS {
            fires.push(tr);
        } else {
            late += 1;
        }
        next = schedule.next(t.offset_minutes, tr.at + 1);
    }
    if !reminders::advance(&mut *tx, t, next.map(|n| n.at)).await? {
        return Ok((0, 0));
    }
    let mut queued = 0;
    if !completed && !fires.is_empty() {
        let recipients = reminders::recipients(&mut *tx, e.id).await?;
        let calendar = calendars::find_by_id(&mut *tx, e.calendar_id).await?;
        let calendar_name = calendar.map(|c| c.name).unwrap_or_default();
        for tr in &fires {
            for r in &recipients {
                let reminder = (e.id, tr.original_start, r.user_id, t.offset_minutes);
                if !reminders::record_delivery(&mut *tx, reminder, now).await? {
                    continue;
                }
                let mail = email(state, &e, &overrides, &schedule, tr, r, &calendar_name);
                let dedupe = format!(
                    "event-reminder:{}:{}:{}:{}",
                    e.id, tr.original_start, r.user_id, t.offset_minutes
                );
                templates::queue(tx, &mail, &dedupe, now).await?;
                queued += 1;
            }
        }
    }
    Ok((queued, late))
}

/// Email 6 for one occurrence and recipient, with the occurrence's own name and description
/// when an override changed them, its start in the recipient's zone (dates when all-day).
fn email(
    state: &AppState,
    e: &Event,
    overrides: &[Override],
    schedule: &Schedule<'_>,
    tr: &Trigger,
    r: &Recipient,
    calendar_name: &str,
) -> templates::Email {
    let fields = (overrides.iter())
        .find(|o| o.original_start == tr.original_start)
        .map(|o| &o.fields);
    let name = fields.and_then(|f| f.name.as_deref()).unwrap_or(&e.name);
    let description = match fields.and_then(|f| f.description.as_ref()) {
        Some(d) => d.as_deref(),
        None => e.description.as_deref(),
    };
    let starts = if e.all_day {
        format!("{} (all day)", to_local(e.tz(), tr.start).date())
    } else {
        let tz: Tz = r.time_zone.parse().unwrap_or(Tz::UTC);
        templates::format_instant(tr.start, tz)
    };
    let of = ReminderOf {
        event_name: name,
        description,
        calendar_name,
        starts: &starts,
        recurring: schedule.recurs(),
    };
    templates::event_reminder(&state.config, &r.email, &of)
}

/// Gives events stored before the reminders existed their triggers, a batch per run.
async fn backfill(state: &AppState, now: i64, report: &mut Report) -> anyhow::Result<()> {
    let mut c = state.db.acquire().await?;
    let Some((position, until)) = reminders::backfill_cursor(&mut c).await? else {
        return Ok(());
    };
    if position >= until {
        return Ok(());
    }
    let ids = reminders::event_ids_between(&mut c, position, until, BACKFILL).await?;
    drop(c);
    for &id in &ids {
        let mut tx = state.db.begin().await?;
        if events::find_for_update(&mut tx, id).await?.is_some() {
            triggers::refresh(&mut tx, id, now).await?;
        }
        tx.commit().await?;
        report.backfilled += 1;
    }
    let to = ids.last().copied().unwrap_or(until);
    let mut c = state.db.acquire().await?;
    reminders::move_backfill_cursor(&mut c, position, to).await?;
    Ok(())
}
