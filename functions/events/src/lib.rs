//! The events function: events, occurrences, participations, the calendar view and the user's
//! event search (contract 4.8, 4.9, M7, U8, U9).

// Imports run one way: handlers (`events`, `occurrences`, `split`, `participations`, `view`,
// `search`) use the rules (`access`, `editing`, `input`, `series`), the shapes (`shape`,
// `render`) and `listing`; nothing imports a handler module but `events` (the split of E3).
mod access;
mod editing;
mod events;
mod input;
mod listing;
mod occurrences;
mod participations;
mod render;
mod search;
mod series;
mod shape;
mod split;
mod view;

use axum::Router;
use axum::routing::{get, patch, post};
use shared::AppState;

pub use listing::OCCURRENCE_CAP;

/// Every route of the function, in the contract's order.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/users/{id}/events", get(search::search_events))
        .route("/api/users/{id}/events/offset", get(search::search_events_offset))
        .route(
            "/api/calendars/{calendarId}/members/{userId}/events",
            get(view::list_member_events),
        )
        .route(
            "/api/events/{id}",
            get(events::get_event)
                .patch(events::update_event)
                .delete(events::delete_event),
        )
        .route("/api/events", post(events::create_event))
        .route(
            "/api/events/{id}/occurrences/{originalStartedAt}",
            patch(occurrences::update_occurrence).delete(occurrences::delete_occurrence),
        )
        .route(
            "/api/events/{eventId}/calendar-members/{calendarMemberId}",
            get(participations::get_participation)
                .patch(participations::update_participation)
                .delete(participations::remove_participation),
        )
        .route(
            "/api/events/{eventId}/calendar-members",
            post(participations::invite_participant),
        )
        .route(
            "/api/events/{eventId}/calendar-members/{calendarMemberId}/confirm-participation/{token}",
            post(participations::confirm_participation),
        )
        .with_state(state)
}
