//! Account operations that span several tables: registration (user, main and holiday calendars,
//! confirmation e-mail, one transaction), deletion (U5 and the unverified-account job) and the
//! e-mails that carry account tokens.

use crate::auth::tokens::TokenKind;
use crate::db::calendars::{self, NewMember};
use crate::db::users::{self, NewUser, User};
use crate::db::{DbErrorExt, Tx};
use crate::db::{login_failures, uploads};
use crate::domain::kinds::{CalendarKind, Role};
use crate::http::{ApiError, ApiResult};
use crate::mail::templates;
use crate::state::AppState;

/// A validated registration.
#[derive(Clone, Debug)]
pub struct Registration {
    pub first_name: String,
    pub last_name: Option<String>,
    pub email: String,
    pub password: String,
    pub country_code: String,
    pub time_zone: String,
}

const EMAIL_IN_USE: &str = "Email already in use";
const DAY_MS: i64 = 86_400_000;

/// A2: creates the user, the main and holiday calendars with owner memberships and queues the
/// confirmation e-mail, in one transaction.
pub async fn register(state: &AppState, r: Registration) -> ApiResult<User> {
    {
        let mut c = state.db.acquire().await?;
        if users::find_by_email(&mut c, &r.email).await?.is_some() {
            return Err(ApiError::conflict(EMAIL_IN_USE));
        }
    }
    let hash = state.hasher.hash(r.password.clone()).await?;
    let now = state.clock.now_ms();
    let mut tx = state.db.begin().await?;
    let new = NewUser {
        first_name: &r.first_name,
        last_name: r.last_name.as_deref(),
        email: &r.email,
        password_hash: &hash,
        country_code: &r.country_code,
        time_zone: &r.time_zone,
    };
    let id = match users::insert(&mut tx, &new, now).await {
        Err(e) if e.is_unique_violation() => return Err(ApiError::conflict(EMAIL_IN_USE)),
        other => other?,
    };
    let cfg = &state.config;
    for (def, ty) in [
        (&cfg.main_calendar, CalendarKind::Main),
        (&cfg.holiday_calendar, CalendarKind::Holiday),
    ] {
        let cal = calendars::insert(&mut tx, id, &def.name, Some(&def.description), now).await?;
        let m = NewMember {
            calendar_id: cal,
            user_id: id,
            calendar_type: ty,
            role: Role::Owner,
            color: &def.color,
            is_confirmed: true,
        };
        calendars::insert_member(&mut tx, &m, now).await?;
    }
    let user = users::find_by_id(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("registered user vanished")))?;
    queue_confirmation(state, &mut tx, &user, false).await?;
    state.commit(tx).await?;
    Ok(user)
}

/// Queues email 1 (or email 2 when `reminder`) with a fresh confirm-email token.
pub async fn queue_confirmation(
    state: &AppState,
    tx: &mut Tx,
    user: &User,
    reminder: bool,
) -> ApiResult<()> {
    let token = state
        .tokens
        .issue(TokenKind::ConfirmEmail, user.id, |_| {})?;
    // Email 2 says when the account goes: 24 hours after registration (6.1), in the user's zone.
    let tz = user.time_zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let deleted_at = reminder.then(|| templates::format_instant(user.created_at + DAY_MS, tz));
    let mail = templates::confirm_email(
        &state.config,
        &user.email,
        &user.first_name,
        &token,
        deleted_at.as_deref(),
    );
    let dedupe = if reminder {
        format!("confirmation-reminder:{}", user.id)
    } else {
        format!("confirm-email:{}:{}", user.id, uuid::Uuid::new_v4())
    };
    templates::queue(tx, &mail, &dedupe, state.clock.now_ms()).await?;
    Ok(())
}

/// Queues email 3 with a reset-password token bound to the current password version.
pub async fn queue_reset(state: &AppState, tx: &mut Tx, user: &User) -> ApiResult<()> {
    let token = state.tokens.issue(TokenKind::ResetPassword, user.id, |c| {
        c.pv = Some(user.password_version)
    })?;
    let mail = templates::reset_password(&state.config, &user.email, &user.first_name, &token);
    let dedupe = format!("reset-password:{}:{}", user.id, uuid::Uuid::new_v4());
    templates::queue(tx, &mail, &dedupe, state.clock.now_ms()).await?;
    Ok(())
}

/// Deletes user `id` with everything that is theirs (U5; 6.1 for unverified accounts), if
/// `still` holds for the user once their row is locked: a condition read before, such as
/// "unverified and registered 24 h ago", is checked again where no confirmation can slip in.
/// Sessions, memberships and the calendars the user created (with their events) go by
/// foreign-key cascade in the same transaction; their avatar files after it. Returns whether
/// the user was deleted.
pub async fn delete_account(
    state: &AppState,
    id: i64,
    still: impl FnOnce(&User) -> bool,
) -> ApiResult<bool> {
    let mut tx = state.db.begin().await?;
    // Locked first: an upload or profile change of this user in flight finishes before, so
    // every file it stored is in the list below.
    let Some(user) = users::find_for_update(&mut tx, id).await? else {
        return Ok(false);
    };
    if !still(&user) {
        return Ok(false);
    }
    let files = uploads::names_of_user(&mut tx, id).await?;
    for name in &files {
        uploads::delete(&mut tx, name).await?;
    }
    login_failures::clear(&mut tx, &users::email_key(&user.email)).await?;
    users::delete(&mut tx, id).await?;
    tx.commit().await?;
    for name in &files {
        if let Err(e) = state.avatars.delete(name).await {
            tracing::warn!(error = %format!("{e:#}"), "could not delete an avatar file");
        }
    }
    Ok(true)
}
