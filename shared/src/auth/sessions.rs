//! Sessions and refresh nonces (contract 3.4): login creates a session, refresh rotates its
//! nonce once a day with a two-minute grace period for parallel tabs, and reuse of a nonce
//! replaced longer ago revokes every session of the user.

use rand::RngCore;

use super::tokens::{Claims, TokenKind};
use crate::db::{Tx, sessions};
use crate::http::{ApiError, ApiResult, ResultExt};
use crate::state::AppState;

/// A nonce older than this is rotated on refresh.
pub const ROTATE_AFTER_MS: i64 = 86_400_000;
/// A replaced nonce still refreshes within this grace period.
pub const GRACE_MS: i64 = 120_000;

const INVALID: &str = "Invalid or expired refresh token";

/// The tokens of a new session.
pub struct SessionTokens {
    pub access: String,
    pub refresh: String,
}

/// The outcome of a refresh.
pub struct Refreshed {
    pub access: String,
    pub new_refresh: Option<String>,
}

fn new_nonce() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn access_token(state: &AppState, user_id: i64, sid: i64) -> ApiResult<String> {
    Ok(state
        .tokens
        .issue(TokenKind::Access, user_id, |c| c.sid = Some(sid))?)
}

/// A refresh token for nonce N always expires at `N.createdAt + JWT_REFRESH_EXPIRES_IN`.
fn refresh_token(state: &AppState, n: &sessions::Nonce) -> ApiResult<String> {
    let ttl = state.tokens.ttl_secs(TokenKind::Refresh);
    Ok(state.tokens.issue(TokenKind::Refresh, n.user_id, |c| {
        c.iat = n.created_at.div_euclid(1000);
        c.exp = c.iat + ttl;
        c.nonce = Some(n.nonce.clone());
    })?)
}

/// Creates a session with its first nonce, inside the caller's transaction, for a user whose
/// password is still at `password_version`; 401 `Invalid email or password` otherwise (A3).
pub async fn create(
    tx: &mut Tx,
    state: &AppState,
    user_id: i64,
    password_version: i64,
) -> ApiResult<SessionTokens> {
    let now = state.clock.now_ms();
    let sid = sessions::insert_session(&mut *tx, user_id, password_version, now)
        .await?
        .ok_or_else(|| ApiError::unauthorized_msg("Invalid email or password"))?;
    let nonce = new_nonce();
    let id = sessions::insert_nonce(&mut *tx, sid, user_id, &nonce, now).await?;
    let n = sessions::Nonce {
        id,
        session_id: sid,
        user_id,
        nonce,
        created_at: now,
        replaced_at: None,
    };
    Ok(SessionTokens {
        access: access_token(state, user_id, sid)?,
        refresh: refresh_token(state, &n)?,
    })
}

fn verify(state: &AppState, token: &str) -> ApiResult<Claims> {
    let c = state
        .tokens
        .verify(TokenKind::Refresh, token)
        .map_err(|_| ApiError::bad_request(INVALID))?;
    if c.nonce.is_none() {
        return Err(ApiError::bad_request(INVALID));
    }
    Ok(c)
}

/// What a presented nonce turned out to be.
enum Found {
    Current(sessions::Nonce),
    InGrace(sessions::Nonce),
}

/// Steps 1, 2 and 5 of 3.4: rejects unknown nonces and detects reuse (revoking every session,
/// committed even though the request fails).
async fn find(state: &AppState, tx: &mut Tx, c: &Claims) -> ApiResult<Found> {
    let nonce = c.nonce.as_deref().unwrap_or_default();
    let n = sessions::find_nonce(&mut *tx, c.sub, nonce)
        .await?
        .ok_or_else(|| ApiError::bad_request(INVALID))?;
    match n.replaced_at {
        None => Ok(Found::Current(n)),
        Some(at) if state.clock.now_ms() - at <= GRACE_MS => Ok(Found::InGrace(n)),
        Some(_) => {
            sessions::delete_user_sessions(&mut *tx, c.sub, 0).await?;
            tracing::warn!(
                user_id = c.sub,
                "refresh token reuse detected; sessions revoked"
            );
            Err(ApiError::bad_request(INVALID))
        }
    }
}

/// The transaction of a refresh or logout, with the token's session locked first (see
/// [`sessions::lock_session`]). The session is looked up outside the transaction, so that the
/// lock is the transaction's first read and every later read sees the latest commits.
async fn begin_locked(state: &AppState, c: &Claims) -> ApiResult<Tx> {
    let nonce = c.nonce.as_deref().unwrap_or_default();
    let session = sessions::find_nonce(state.db.acquire().await?.conn(), c.sub, nonce)
        .await?
        .map(|n| n.session_id)
        .ok_or_else(|| ApiError::bad_request(INVALID))?;
    let mut tx = state.db.begin().await?;
    if !sessions::lock_session(&mut tx, session).await? {
        return Err(ApiError::bad_request(INVALID));
    }
    Ok(tx)
}

/// A5: refreshes, rotating the nonce when it is older than a day.
pub async fn refresh(state: &AppState, token: &str) -> ApiResult<Refreshed> {
    let claims = verify(state, token)?;
    let mut tx = begin_locked(state, &claims).await?;
    let found = find(state, &mut tx, &claims).await;
    let found = match found {
        Ok(f) => f,
        Err(e) => {
            tx.commit().await?;
            return Err(e);
        }
    };
    let now = state.clock.now_ms();
    let out = match found {
        Found::Current(n) if now - n.created_at <= ROTATE_AFTER_MS => Refreshed {
            access: access_token(state, n.user_id, n.session_id)?,
            new_refresh: None,
        },
        Found::Current(n) => {
            // Rotation is atomic: only the request whose UPDATE replaced N creates the successor;
            // a concurrent one (the UPDATE found N already replaced) takes the grace path.
            if sessions::mark_replaced(&mut tx, n.id, now).await? {
                let nonce = new_nonce();
                // The session is locked, so its foreign key holds; mapped all the same.
                let id = sessions::insert_nonce(&mut tx, n.session_id, n.user_id, &nonce, now)
                    .await
                    .on_foreign_key_violation(|| ApiError::bad_request(INVALID))?;
                let s = sessions::Nonce {
                    id,
                    nonce,
                    created_at: now,
                    replaced_at: None,
                    ..n.clone()
                };
                Refreshed {
                    access: access_token(state, n.user_id, n.session_id)?,
                    new_refresh: Some(refresh_token(state, &s)?),
                }
            } else {
                successor(state, &mut tx, &n).await?
            }
        }
        Found::InGrace(n) => successor(state, &mut tx, &n).await?,
    };
    tx.commit().await?;
    Ok(out)
}

/// Step 4: a token for the session's current nonce.
async fn successor(state: &AppState, tx: &mut Tx, n: &sessions::Nonce) -> ApiResult<Refreshed> {
    let cur = sessions::current_nonce(&mut *tx, n.session_id)
        .await?
        .ok_or_else(|| ApiError::bad_request(INVALID))?;
    Ok(Refreshed {
        access: access_token(state, n.user_id, n.session_id)?,
        new_refresh: Some(refresh_token(state, &cur)?),
    })
}

/// A4: deletes the token's session.
pub async fn logout(state: &AppState, token: &str) -> ApiResult<()> {
    let claims = verify(state, token)?;
    let mut tx = begin_locked(state, &claims).await?;
    let res = match find(state, &mut tx, &claims).await {
        Ok(Found::Current(n) | Found::InGrace(n)) => {
            sessions::delete_session(&mut tx, n.session_id).await?;
            Ok(())
        }
        Err(e) => Err(e),
    };
    tx.commit().await?;
    res
}
