//! SQL for the `users` table.

use sqlx::FromRow;

use super::Connection;
use crate::{execute, fetch_all, fetch_optional, fetch_scalar, insert, with_conn};

/// A stored user.
#[derive(Clone, Debug, FromRow)]
pub struct User {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub email: String,
    pub password_hash: String,
    pub password_version: i64,
    pub profile_picture_name: String,
    pub country_code: String,
    pub time_zone: String,
    pub email_verified: bool,
    pub confirmation_reminded_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The columns of a public user (4.1 User), read with `u_` names beside another table's row.
#[derive(Clone, Debug, FromRow)]
pub struct PublicUserRow {
    pub u_id: i64,
    pub u_first_name: String,
    pub u_last_name: Option<String>,
    pub u_email: String,
    pub u_profile_picture_name: String,
    pub u_country_code: String,
    pub u_created_at: i64,
    pub u_updated_at: i64,
}

/// The select list of [`PublicUserRow`] from a table aliased `u`.
macro_rules! public_user_cols {
    () => {
        "u.id AS u_id, u.first_name AS u_first_name, u.last_name AS u_last_name, \
         u.email AS u_email, u.profile_picture_name AS u_profile_picture_name, \
         u.country_code AS u_country_code, u.created_at AS u_created_at, \
         u.updated_at AS u_updated_at"
    };
}
pub(crate) use public_user_cols;

macro_rules! user_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, first_name, last_name, email, password_hash, password_version, ",
            "profile_picture_name, country_code, time_zone, email_verified, ",
            "confirmation_reminded_at, created_at, updated_at FROM users ",
            $tail
        )
    };
}

/// The fields of a new registration.
pub struct NewUser<'a> {
    pub first_name: &'a str,
    pub last_name: Option<&'a str>,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub country_code: &'a str,
    pub time_zone: &'a str,
}

/// The lookup key of an e-mail address: addresses compare case-insensitively everywhere.
pub fn email_key(email: &str) -> String {
    email.to_lowercase()
}

/// Finds a user by id.
#[tracing::instrument(skip_all, fields(id))]
pub async fn find_by_id(mut conn: impl Connection, id: i64) -> sqlx::Result<Option<User>> {
    fetch_optional!(conn, User, user_select!("WHERE id = ?"), id)
}

/// Finds a user and locks the row until the transaction ends (`FOR UPDATE` on MySQL): a user's
/// profile writes and avatar uploads take turns.
pub async fn find_for_update(mut conn: impl Connection, id: i64) -> sqlx::Result<Option<User>> {
    crate::with_conn_locking!(conn, user_select!("WHERE id = ?"), |c, sql| {
        sqlx::query_as::<_, User>(sql)
            .bind(id)
            .fetch_optional(c)
            .await
    })
}

/// Finds a user by e-mail address, case-insensitively.
#[tracing::instrument(skip_all)]
pub async fn find_by_email(mut conn: impl Connection, email: &str) -> sqlx::Result<Option<User>> {
    let key = email_key(email);
    fetch_optional!(conn, User, BY_EMAIL, &key)
}

/// The SQL of [`find_by_email`]: the login lookup.
pub(crate) const BY_EMAIL: &str = user_select!("WHERE email_key = ?");

/// Inserts an unverified user with the default avatar; returns its id.
#[tracing::instrument(skip_all)]
pub async fn insert(mut conn: impl Connection, u: &NewUser<'_>, now: i64) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO users (first_name, last_name, email, email_key, password_hash, \
        password_version, profile_picture_name, country_code, time_zone, email_verified, \
        created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 'default-avatar.png', ?, ?, FALSE, ?, ?)";
    let key = email_key(u.email);
    insert!(
        conn,
        SQL,
        u.first_name,
        u.last_name,
        u.email,
        &key,
        u.password_hash,
        u.country_code,
        u.time_zone,
        now,
        now
    )
}

/// Marks the e-mail address verified (idempotent).
pub async fn set_verified(mut conn: impl Connection, id: i64, now: i64) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE users SET email_verified = TRUE, updated_at = ? \
        WHERE id = ? AND email_verified = FALSE";
    execute!(conn, SQL, now, id).map(drop)
}

/// Sets a new password hash and increments the password version.
/// Only if the password is still at `version` (the one the caller verified the old password
/// against): returns whether it changed, so a concurrent change or reset wins (U4, 3.3).
pub async fn set_password(
    mut conn: impl Connection,
    id: i64,
    hash: &str,
    version: i64,
    now: i64,
) -> sqlx::Result<bool> {
    const SQL: &str = "UPDATE users SET password_hash = ?, password_version = password_version + 1, \
        updated_at = ? WHERE id = ? AND password_version = ?";
    execute!(conn, SQL, hash, now, id, version).map(|n| n == 1)
}

/// Writes the profile fields of `u` (names, country, zone, picture) and `updated_at`.
pub async fn update_profile(mut conn: impl Connection, u: &User) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE users SET first_name = ?, last_name = ?, country_code = ?, \
        time_zone = ?, profile_picture_name = ?, updated_at = ? WHERE id = ?";
    execute!(
        conn,
        SQL,
        &u.first_name,
        &u.last_name,
        &u.country_code,
        &u.time_zone,
        &u.profile_picture_name,
        u.updated_at,
        u.id
    )
    .map(drop)
}

/// Deletes a user; sessions, memberships and calendars they created cascade.
pub async fn delete(mut conn: impl Connection, id: i64) -> sqlx::Result<u64> {
    execute!(conn, "DELETE FROM users WHERE id = ?", id).map(|n| n)
}

/// Whether two users are both confirmed members of at least one common calendar.
pub async fn share_a_calendar(mut conn: impl Connection, a: i64, b: i64) -> sqlx::Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM calendar_members x \
        JOIN calendar_members y ON y.calendar_id = x.calendar_id \
        WHERE x.user_id = ? AND x.is_confirmed = TRUE AND y.user_id = ? AND y.is_confirmed = TRUE";
    let n: i64 = fetch_scalar!(conn, i64, SQL, a, b)?;
    Ok(n > 0)
}

/// Sets the password from a reset link, only if the password version is still `expected_pv`
/// (so a reset token works once even under concurrency), and marks the e-mail verified.
pub async fn reset_password(
    mut conn: impl Connection,
    id: i64,
    hash: &str,
    expected_pv: i64,
    now: i64,
) -> sqlx::Result<bool> {
    const SQL: &str = "UPDATE users SET password_hash = ?, password_version = password_version + 1, \
        email_verified = TRUE, updated_at = ? WHERE id = ? AND password_version = ?";
    execute!(conn, SQL, hash, now, id, expected_pv).map(|n| n == 1)
}

/// Unverified users registered in `(from, to]` who were not reminded yet (contract 6.1), oldest
/// first, at most `limit`.
pub async fn unverified_to_remind(
    mut conn: impl Connection,
    from: i64,
    to: i64,
    limit: i64,
) -> sqlx::Result<Vec<User>> {
    const SQL: &str = user_select!(
        "WHERE email_verified = FALSE AND created_at > ? AND created_at <= ? \
         AND confirmation_reminded_at IS NULL ORDER BY created_at, id LIMIT ?"
    );
    fetch_all!(conn, User, SQL, from, to, limit)
}

/// Records the confirmation reminder of an unverified user, once: `false` when the user was
/// reminded, verified or deleted meanwhile (another worker got there first).
pub async fn mark_reminded(mut conn: impl Connection, id: i64, now: i64) -> sqlx::Result<bool> {
    const SQL: &str = "UPDATE users SET confirmation_reminded_at = ? \
        WHERE id = ? AND email_verified = FALSE AND confirmation_reminded_at IS NULL";
    execute!(conn, SQL, now, id).map(|n| n == 1)
}

/// The ids of unverified users registered at or before `cutoff` (6.1: to delete), at most `limit`.
pub async fn unverified_before(
    mut conn: impl Connection,
    cutoff: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    const SQL: &str = "SELECT id FROM users WHERE email_verified = FALSE AND created_at <= ? \
        ORDER BY created_at, id LIMIT ?";
    with_conn!(conn, |c| sqlx::query_scalar(SQL)
        .bind(cutoff)
        .bind(limit)
        .fetch_all(c)
        .await)
}

/// Every distinct country code of existing users (the holiday sync's countries).
pub async fn country_codes(mut conn: impl Connection) -> sqlx::Result<Vec<String>> {
    const SQL: &str = "SELECT DISTINCT country_code FROM users ORDER BY country_code";
    with_conn!(conn, |c| sqlx::query_scalar(SQL).fetch_all(c).await)
}
