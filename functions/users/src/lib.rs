//! The users function: profiles, avatars, the caller's calendars, countries and health
//! (contract 4.4, 4.5, 4.11).

mod avatars;
mod profile;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use shared::AppState;
use shared::data;
use shared::http::{ApiError, ApiResult, CurrentUser};

/// Every route of the function, in the contract's order.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/countries", get(list_countries))
        .route("/api/health", get(health))
        .route(
            "/api/users",
            get(profile::find_user_by_email).post(create_user),
        )
        .route(
            "/api/users/{id}",
            get(profile::get_user)
                .patch(profile::update_user)
                .delete(profile::delete_user),
        )
        .route(
            "/api/users/upload-avatar",
            post(avatars::upload_avatar).layer(DefaultBodyLimit::max(avatars::REQUEST_LIMIT)),
        )
        .route(
            "/api/users/{id}/calendars",
            get(profile::list_user_calendars),
        )
        .route("/uploads/avatars/{name}", get(avatars::get_avatar))
        .with_state(state)
}

/// GET /api/countries (contract: 4.4 C1). Public.
async fn list_countries() -> Response {
    axum::Json(data::countries()).into_response()
}

/// GET /api/health (contract: 4.4 C2). Public.
async fn health(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        axum::Json(json!({"status": "ok"})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"status": "unavailable"})),
        )
            .into_response()
    }
}

/// POST /api/users (contract: 4.5 U3). Authenticated; always 501.
async fn create_user(_user: CurrentUser) -> ApiResult<Response> {
    Err(ApiError::not_implemented())
}
