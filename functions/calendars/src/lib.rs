//! The calendars function: calendars, their members and invitations, and the holiday calendar
//! (contract 4.6, 4.7 M1-M6, 4.10).

mod calendars;
mod holidays;
mod members;

use axum::Router;
use axum::routing::{get, post};
use shared::AppState;

/// Every route of the function, in the contract's order. `/api/calendars/holidays` is a static
/// segment and therefore matched before `/api/calendars/{id}`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/calendars/holidays", get(holidays::list_holidays))
        .route(
            "/api/calendars/{id}",
            get(calendars::get_calendar)
                .patch(calendars::update_calendar)
                .delete(calendars::delete_calendar),
        )
        .route("/api/calendars", post(calendars::create_calendar))
        .route(
            "/api/calendars/{calendarId}/members",
            get(members::list_members).post(members::invite_member),
        )
        .route(
            "/api/calendars/{calendarId}/members/{userId}",
            get(members::get_member)
                .patch(members::update_member)
                .delete(members::remove_member),
        )
        .route(
            "/api/calendars/{anyId}/members/confirm-calendar/{token}",
            post(members::confirm_calendar),
        )
        .with_state(state)
}
