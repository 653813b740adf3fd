//! The auth function: CSRF token, registration, login, sessions, e-mail confirmation and password
//! reset (contract 4.3, routes A1-A8).

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use shared::accounts::{self, Registration};
use shared::auth::tokens::TokenKind;
use shared::auth::{csrf, sessions, throttle};

use shared::AppState;
use shared::db::{login_failures, sessions as session_rows, users};
use shared::domain::user::OwnUser;
use shared::domain::validate::Validator;
use shared::http::{ApiError, ApiResult, JsonBody, PathParams, created, empty};

/// Every auth route, in the contract's order.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/auth/csrf-token", get(csrf_token))
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/access-token/refresh", post(refresh))
        .route("/api/auth/confirm-email/{token}", post(confirm_email))
        .route("/api/auth/reset-password", post(request_reset))
        .route("/api/auth/reset-password/{token}", post(reset_password))
        .with_state(state)
}

/// GET /api/auth/csrf-token (contract: 2.2 A1). Public.
async fn csrf_token(State(state): State<AppState>, req: Request) -> Response {
    match csrf::seed_from_headers(req.headers()) {
        Some(seed) => {
            axum::Json(json!({"csrfToken": csrf::token(&state.config, &seed)})).into_response()
        }
        None => {
            let seed = csrf::new_seed();
            let cookie = csrf::set_cookie(&seed, &state.config);
            (
                [(header::SET_COOKIE, cookie)],
                axum::Json(json!({"csrfToken": csrf::token(&state.config, &seed)})),
            )
                .into_response()
        }
    }
}

fn parse_registration(body: &Map<String, Value>) -> Result<Registration, Vec<String>> {
    let mut v = Validator::new();
    let first_name = v.str(body, "firstName").required().person_name().get();
    let last_name = v
        .str(body, "lastName")
        .nullable()
        .empty_as_null()
        .person_name()
        .get();
    let email = v
        .str(body, "email")
        .required()
        .trim()
        .email()
        .max_len(255)
        .get();
    let password = v.str(body, "password").required().strong_password().get();
    let country_code = v.str(body, "countryCode").required().country_code().get();
    let time_zone = v.str(body, "timeZone").optional().time_zone().get();
    v.finish()?;
    Ok(Registration {
        first_name: first_name.unwrap_or_default(),
        last_name,
        email: email.unwrap_or_default(),
        password: password.unwrap_or_default(),
        country_code: country_code.unwrap_or_default(),
        time_zone: time_zone.unwrap_or_else(|| "UTC".into()),
    })
}

/// POST /api/auth/register (contract: 4.3 A2). Public.
async fn register(State(state): State<AppState>, JsonBody(body): JsonBody) -> ApiResult<Response> {
    let r = parse_registration(&body).map_err(ApiError::validation)?;
    let user = accounts::register(&state, r).await?;
    Ok(created(&json!({"user": OwnUser::from(&user)})))
}

/// POST /api/auth/login (contract: 4.3 A3, 3.5). Public.
async fn login(State(state): State<AppState>, JsonBody(body): JsonBody) -> ApiResult<Response> {
    let mut v = Validator::new();
    let email = v.str(&body, "email").required().email().get();
    let password = v.str(&body, "password").required().len(1, 128).get();
    v.finish().map_err(ApiError::validation)?;
    let (email, password) = (email.unwrap_or_default(), password.unwrap_or_default());
    let key = users::email_key(&email);
    let now = state.clock.now_ms();

    let attempt = throttle::begin_attempt(&state.db, &key, now).await?;
    let user = users::find_by_email(state.db.acquire().await?.conn(), &email).await?;
    // No connection is held while argon2 runs (the pool would starve under a login flood).
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let invalid = || ApiError::unauthorized_msg("Invalid email or password");
    if !state.hasher.verify(password, hash).await? {
        return Err(invalid());
    }
    let user = user.ok_or_else(invalid)?;
    if !user.email_verified {
        throttle::forgive(&state.db, attempt).await?;
        return Err(ApiError::forbidden("Please verify your email."));
    }
    let tokens = match start_session(&state, &user, &key).await {
        Ok(t) => t,
        Err(e) => {
            // The password was right: the attempt is no failure, whatever went wrong after
            // (a retried request records a new one).
            throttle::forgive(&state.db, attempt).await?;
            return Err(e);
        }
    };
    Ok(created(&json!({
        "user": OwnUser::from(&user),
        "accessToken": tokens.access,
        "refreshToken": tokens.refresh,
    })))
}

/// A3's effect once the password checked out: a session, and the key's failures cleared.
async fn start_session(
    state: &AppState,
    user: &users::User,
    key: &str,
) -> ApiResult<sessions::SessionTokens> {
    let mut tx = state.db.begin().await?;
    let tokens = sessions::create(&mut tx, state, user.id, user.password_version).await?;
    login_failures::clear(&mut tx, key).await?;
    tx.commit().await?;
    Ok(tokens)
}

/// The refresh token of A4/A5; every failure is the same 400.
fn refresh_token_of(body: &Map<String, Value>) -> ApiResult<String> {
    match body.get("refreshToken") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(ApiError::bad_request("Invalid or expired refresh token")),
    }
}

/// POST /api/auth/logout (contract: 4.3 A4, 3.4). Public (refresh token).
async fn logout(State(state): State<AppState>, JsonBody(body): JsonBody) -> ApiResult<Response> {
    let token = refresh_token_of(&body)?;
    sessions::logout(&state, &token).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// POST /api/auth/access-token/refresh (contract: 4.3 A5, 3.4). Public (refresh token).
async fn refresh(State(state): State<AppState>, JsonBody(body): JsonBody) -> ApiResult<Response> {
    let token = refresh_token_of(&body)?;
    let r = sessions::refresh(&state, &token).await?;
    Ok(match r.new_refresh {
        Some(n) => created(&json!({"accessToken": r.access, "newRefreshToken": n})),
        None => created(&json!({"accessToken": r.access})),
    })
}

const INVALID_TOKEN: &str = "Invalid or expired token";

/// POST /api/auth/confirm-email/{token} (contract: 4.3 A6). Public (token); idempotent.
async fn confirm_email(State(state): State<AppState>, path: PathParams) -> ApiResult<Response> {
    let claims = state
        .tokens
        .verify(TokenKind::ConfirmEmail, path.get("token"))
        .map_err(|_| ApiError::bad_request(INVALID_TOKEN))?;
    let mut c = state.db.acquire().await?;
    users::find_by_id(&mut c, claims.sub)
        .await?
        .ok_or_else(|| ApiError::not_found("User not found"))?;
    users::set_verified(&mut c, claims.sub, state.clock.now_ms()).await?;
    Ok(created(&json!({"message": "Email confirmed successfully"})))
}

/// POST /api/auth/reset-password (contract: 4.3 A7). Public; 201 whether or not the address exists.
async fn request_reset(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut v = Validator::new();
    let email = v.str(&body, "email").required().email().get();
    v.finish().map_err(ApiError::validation)?;
    let mut tx = state.db.begin().await?;
    let user = users::find_by_email(&mut tx, &email.unwrap_or_default()).await?;
    if let Some(user) = &user {
        accounts::queue_reset(&state, &mut tx, user).await?;
    }
    state.commit(tx).await?;
    Ok(empty(StatusCode::CREATED))
}

/// POST /api/auth/reset-password/{token} (contract: 4.3 A8). Public (token).
async fn reset_password(
    State(state): State<AppState>,
    path: PathParams,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut v = Validator::new();
    let password = v
        .str(&body, "newPassword")
        .required()
        .strong_password()
        .get();
    v.finish().map_err(ApiError::validation)?;
    let claims = state
        .tokens
        .verify(TokenKind::ResetPassword, path.get("token"))
        .map_err(|_| ApiError::bad_request(INVALID_TOKEN))?;
    let pv = claims
        .pv
        .ok_or_else(|| ApiError::bad_request(INVALID_TOKEN))?;
    let user = {
        let mut c = state.db.acquire().await?;
        users::find_by_id(&mut c, claims.sub).await?
    };
    let user = user.ok_or_else(|| ApiError::not_found("User not found"))?;
    if user.password_version != pv {
        return Err(ApiError::bad_request(INVALID_TOKEN));
    }
    let hash = state.hasher.hash(password.unwrap_or_default()).await?;
    let now = state.clock.now_ms();
    let mut tx = state.db.begin().await?;
    if !users::reset_password(&mut tx, user.id, &hash, pv, now).await? {
        return Err(ApiError::bad_request(INVALID_TOKEN));
    }
    session_rows::delete_user_sessions(&mut tx, user.id, 0).await?;
    login_failures::clear(&mut tx, &users::email_key(&user.email)).await?;
    tx.commit().await?;
    Ok(created(
        &json!({"message": "Password has been reset successfully"}),
    ))
}
