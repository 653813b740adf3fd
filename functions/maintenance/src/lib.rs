//! The account upkeep jobs (contract 6.1, 6.2), one `run(state, now, job)` for the Lambda
//! function (an EventBridge Scheduler event per cadence) and the local server's intervals.
//!
//! Every job is idempotent and safe when two instances run at once: each row it acts on is
//! claimed with one conditional statement (an `UPDATE … WHERE` with the row count checked, a
//! delete of what is still due) or re-checked under a row lock, so a second worker finds
//! nothing left to do. One bad row is logged and skipped; the sweep goes on.

use serde::Deserialize;
use shared::AppState;
use shared::accounts;
use shared::db::{login_failures, reminders, sessions, uploads, users};

const HOUR_MS: i64 = 3_600_000;
/// Rows one run handles per step; the next run takes the rest.
const BATCH: i64 = 500;

/// Which of the jobs a schedule runs (its EventBridge Scheduler input, `{"job": "…"}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Job {
    /// 6.1, every 15 minutes: remind, then delete, unverified accounts.
    Unverified,
    /// 6.2, hourly: login failure records.
    Hourly,
    /// 6.2, daily: expired sessions, unreferenced avatars, reminder records.
    Daily,
}

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub reminded: usize,
    pub deleted_accounts: usize,
    pub deleted_nonces: u64,
    pub deleted_sessions: u64,
    pub deleted_login_failures: u64,
    pub deleted_avatars: usize,
    pub deleted_reminder_records: u64,
    /// Rows that failed and were skipped (logged with their id).
    pub failed: usize,
}

/// Runs `job` as of `now` (milliseconds).
pub async fn run(state: &AppState, now: i64, job: Job) -> anyhow::Result<Report> {
    let mut report = Report::default();
    match job {
        Job::Unverified => {
            remind_unverified(state, now, &mut report).await?;
            delete_unverified(state, now, &mut report).await?;
        }
        Job::Hourly => {
            let mut c = state.db.acquire().await?;
            // 15 minutes: the throttle's window (3.5).
            report.deleted_login_failures =
                login_failures::delete_before(&mut c, now - 15 * 60_000).await?;
        }
        Job::Daily => {
            let mut c = state.db.acquire().await?;
            let lifetime = state.config.jwt.refresh.ttl_secs * 1000;
            (report.deleted_nonces, report.deleted_sessions) =
                sessions::delete_expired(&mut c, now - lifetime).await?;
            report.deleted_reminder_records =
                reminders::delete_deliveries_before(&mut c, now - 30 * 24 * HOUR_MS).await?;
            drop(c);
            delete_avatars(state, now, &mut report).await?;
        }
    }
    tracing::info!(?job, ?report, "maintenance run");
    Ok(report)
}

/// 6.1: email 2, once, to unverified users registered 12 to 24 hours ago.
async fn remind_unverified(state: &AppState, now: i64, report: &mut Report) -> anyhow::Result<()> {
    let due = {
        let mut c = state.db.acquire().await?;
        users::unverified_to_remind(&mut c, now - 24 * HOUR_MS, now - 12 * HOUR_MS, BATCH).await?
    };
    for user in due {
        match remind(state, &user, now).await {
            Ok(true) => report.reminded += 1,
            Ok(false) => {}
            Err(e) => {
                report.failed += 1;
                tracing::error!(user_id = user.id, error = ?e, "confirmation reminder failed");
            }
        }
    }
    Ok(())
}

/// Marks one user reminded and queues email 2 in one transaction; `false` when another worker
/// (or a confirmation) came first.
async fn remind(state: &AppState, user: &users::User, now: i64) -> shared::http::ApiResult<bool> {
    let mut tx = state.db.begin().await?;
    if !users::mark_reminded(&mut tx, user.id, now).await? {
        return Ok(false);
    }
    accounts::queue_confirmation(state, &mut tx, user, true).await?;
    state.commit(tx).await?;
    Ok(true)
}

/// 6.1: deletes unverified users registered 24 hours ago or more, as U5 would.
async fn delete_unverified(state: &AppState, now: i64, report: &mut Report) -> anyhow::Result<()> {
    let cutoff = now - 24 * HOUR_MS;
    let ids = {
        let mut c = state.db.acquire().await?;
        users::unverified_before(&mut c, cutoff, BATCH).await?
    };
    for id in ids {
        let still_due = |u: &users::User| !u.email_verified && u.created_at <= cutoff;
        match accounts::delete_account(state, id, still_due).await {
            Ok(true) => report.deleted_accounts += 1,
            Ok(false) => {}
            Err(e) => {
                report.failed += 1;
                tracing::error!(user_id = id, error = ?e, "deleting an unverified account failed");
            }
        }
    }
    Ok(())
}

/// 6.2: uploaded files no user references, older than 24 hours (a file replaced through U4 is
/// deleted at once; its row stays for the upload quota until now).
async fn delete_avatars(state: &AppState, now: i64, report: &mut Report) -> anyhow::Result<()> {
    let names = {
        let mut c = state.db.acquire().await?;
        uploads::unreferenced_before(&mut c, now - 24 * HOUR_MS, BATCH).await?
    };
    for name in names {
        match delete_avatar(state, &name).await {
            Ok(true) => report.deleted_avatars += 1,
            Ok(false) => {}
            Err(e) => {
                report.failed += 1;
                tracing::error!(upload = %name, error = ?e, "deleting an avatar failed");
            }
        }
    }
    Ok(())
}

async fn delete_avatar(state: &AppState, name: &str) -> anyhow::Result<bool> {
    let mut tx = state.db.begin().await?;
    if !uploads::delete_if_unreferenced(&mut tx, name).await? {
        return Ok(false);
    }
    tx.commit().await?;
    // After the commit: a failed file deletion leaves a file without a row, never a row
    // without its file. Deleting a file that is already gone is not an error.
    state.avatars.delete(name).await?;
    Ok(true)
}
