//! Participations (contract 4.9): the invitation procedure, P1-P5.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use shared::auth::tokens::TokenKind;
use shared::db::calendars;
use shared::db::events::{self, Event};
use shared::db::users::{self, User};
use shared::db::{Conn, Tx};
use shared::domain::calendar::role;
use shared::domain::validate::Validator;
use shared::http::{
    ApiError, ApiResult, CurrentUser, JsonBody, PathIds, PathParams, ResultExt, created, empty, ok,
};
use shared::mail::templates;
use shared::{AppState, jobs};

use crate::access::{EVENT_NOT_FOUND, load, load_visible, lock};
use crate::shape::participation_detail;

const NOT_FOUND: &str = "Event participation not found";

/// The invitee checks shared by E2 and P2: the user exists and is verified.
pub async fn invitee(conn: Conn<'_>, id: i64) -> ApiResult<User> {
    let u = users::find_by_id(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("User not found"))?;
    if !u.email_verified {
        return Err(ApiError::bad_request("User must verify their email first"));
    }
    Ok(u)
}

/// The invitation procedure (4.9.1) inside the caller's transaction; returns the invitation
/// participation's id. E-mail 5 is queued unless the invitee is the inviter.
pub async fn invite(
    tx: &mut Tx,
    state: &AppState,
    e: &Event,
    inviter: &User,
    u: &User,
) -> ApiResult<i64> {
    let now = state.clock.now_ms();
    let parts = events::participations_of_event(tx.conn(), e.id).await?;
    let mine: Vec<_> = parts.iter().filter(|p| p.m_user_id == u.id).collect();
    if mine.iter().any(|p| {
        matches!(
            p.p.response_status.as_deref(),
            Some("pending" | "accepted" | "declined")
        )
    }) {
        return Err(ApiError::bad_request(
            "User is already a participant of this event",
        ));
    }
    let status = if u.id == inviter.id {
        "pending"
    } else {
        "invited"
    };
    let mut members = Vec::new();
    if let Some(h) = calendars::find_member(tx.conn(), e.calendar_id, u.id)
        .await?
        .filter(|m| m.is_confirmed)
    {
        members.push(h.id);
    }
    if let Some(main) = calendars::find_main_member(tx.conn(), u.id).await? {
        if !members.contains(&main.id) {
            members.push(main.id);
        }
    }
    let mut invitation = None;
    for member_id in members {
        let id = match mine.iter().find(|p| p.p.calendar_member_id == member_id) {
            Some(p) => {
                events::set_status(tx.conn(), p.p.id, Some(status), now).await?;
                p.p.id
            }
            None => {
                // The invitee's membership goes only with the invitee (U5) during the request.
                events::insert_participation(
                    tx.conn(),
                    member_id,
                    e.id,
                    &e.color,
                    Some(status),
                    now,
                )
                .await
                .on_foreign_key_violation(|| ApiError::not_found("User not found"))?
            }
        };
        invitation.get_or_insert((id, member_id));
    }
    let (pid, member_id) = invitation
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("invitee has no main calendar")))?;
    events::bump_version(tx.conn(), e.id, now).await?;
    if u.id != inviter.id {
        queue_invitation(tx, state, e, inviter, u, pid, member_id).await?;
    }
    Ok(pid)
}

async fn queue_invitation(
    tx: &mut Tx,
    state: &AppState,
    e: &Event,
    inviter: &User,
    u: &User,
    pid: i64,
    member_id: i64,
) -> ApiResult<()> {
    let token = state
        .tokens
        .issue(TokenKind::ConfirmArrangement, u.id, |c| {
            c.event_participation_id = Some(pid)
        })?;
    let link = format!(
        "{}/events/{}/calendar-members/{member_id}/confirm-participation/{token}",
        state.config.frontend_url, e.id
    );
    let tz: chrono_tz::Tz = u.time_zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let when = templates::format_span(
        e.started_at,
        e.ended_at,
        e.all_day.then(|| {
            (
                e.start_date.as_deref().unwrap_or(""),
                e.end_date.as_deref().unwrap_or(""),
            )
        }),
        tz,
    );
    let parts = events::participations_of_event(tx.conn(), e.id).await?;
    let mut guests = Vec::new();
    for p in parts.iter().filter(|p| p.p.response_status.is_some()) {
        if let Some(g) = users::find_by_id(tx.conn(), p.m_user_id).await? {
            if !guests.contains(&g.email) {
                guests.push(g.email);
            }
        }
    }
    let mail = templates::event_invitation(
        &state.config,
        &u.email,
        &inviter.email,
        &e.name,
        &when,
        &guests,
        &link,
    );
    let dedupe = format!("event-invitation:{pid}:{}", uuid::Uuid::new_v4());
    templates::queue(tx, &mail, &dedupe, state.clock.now_ms()).await?;
    Ok(())
}

/// GET /api/events/{eventId}/calendar-members/{calendarMemberId} (contract: 4.9 P1). Participants.
pub async fn get_participation(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
) -> ApiResult<Response> {
    let mut c = state.db.acquire().await?;
    let (e, parts) = load_visible(c.conn(), ids.get("eventId"), user.id()).await?;
    let p = parts
        .into_iter()
        .find(|p| p.p.calendar_member_id == ids.get("calendarMemberId"))
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    Ok(ok(&participation_detail(c.conn(), &p.p, &e).await?))
}

/// POST /api/events/{eventId}/calendar-members (contract: 4.9 P2). The event creator or a
/// confirmed owner/editor of the home calendar; arrangements only.
pub async fn invite_participant(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut v = Validator::new();
    let calendar_id = v.int(&body, "calendarId").required().positive_id().get();
    let user_id = v.int(&body, "userId").required().positive_id().get();
    v.finish().map_err(ApiError::validation)?;
    let mut tx = state.db.begin().await?;
    let e = lock(tx.conn(), ids.get("eventId")).await?;
    if calendar_id != Some(e.calendar_id) {
        return Err(ApiError::bad_request(
            "Event does not belong to this calendar",
        ));
    }
    let m = calendars::find_member(tx.conn(), e.calendar_id, user.id()).await?;
    let may = e.creator_id == user.id()
        || m.is_some_and(|m| m.is_confirmed && (m.role == role::OWNER || m.role == role::EDITOR));
    if !may {
        return Err(ApiError::forbidden(
            "You need editor or owner role to perform this action",
        ));
    }
    if e.event_type != "arrangement" {
        return Err(ApiError::bad_request(
            "Only arrangements can have invited participants",
        ));
    }
    let u = invitee(tx.conn(), user_id.unwrap_or_default()).await?;
    let pid = invite(&mut tx, &state, &e, &user.user, &u).await?;
    let p = events::find_participation(tx.conn(), pid)
        .await?
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    let e = load(tx.conn(), e.id).await?;
    let body = participation_detail(tx.conn(), &p.p, &e).await?;
    tx.commit().await?;
    jobs::committed(&state).await;
    Ok(created(&body))
}

/// PATCH /api/events/{eventId}/calendar-members/{calendarMemberId} (contract: 4.9 P3). The
/// participant themself.
pub async fn update_participation(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut v = Validator::new();
    let status = v
        .str(&body, "responseStatus")
        .optional()
        .one_of(&["pending", "accepted", "declined"])
        .get();
    let color = v.str(&body, "color").optional().hex_color().get();
    let sent = ["responseStatus", "color"]
        .iter()
        .filter(|k| body.contains_key(**k))
        .count();
    if sent == 0 {
        v.error("At least one field (responseStatus or color) must be provided");
    } else if sent > 1 {
        v.error("You can update either responseStatus or color, but not multiple fields at the same time");
    }
    v.finish().map_err(ApiError::validation)?;
    let mut tx = state.db.begin().await?;
    // Lock first (a missing event falls through to the participation's 404 below).
    events::find_for_update(tx.conn(), ids.get("eventId")).await?;
    let parts = events::participations_of_event(tx.conn(), ids.get("eventId")).await?;
    let p = parts
        .iter()
        .find(|p| p.p.calendar_member_id == ids.get("calendarMemberId"))
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    if p.m_user_id != user.id() {
        return Err(ApiError::forbidden(
            "You can only change your own participation",
        ));
    }
    let now = state.clock.now_ms();
    if let Some(s) = status {
        if p.p.response_status.is_none() {
            return Err(ApiError::bad_request(
                "You are not a participant of this event",
            ));
        }
        for mine in parts.iter().filter(|x| x.m_user_id == user.id()) {
            events::set_status(tx.conn(), mine.p.id, Some(&s), now).await?;
        }
    } else if let Some(col) = color {
        events::set_color(tx.conn(), p.p.id, &col, now).await?;
    }
    events::bump_version(tx.conn(), p.p.event_id, now).await?;
    let fresh = events::find_participation(tx.conn(), p.p.id)
        .await?
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    let e = load(tx.conn(), p.p.event_id).await?;
    let body = participation_detail(tx.conn(), &fresh.p, &e).await?;
    tx.commit().await?;
    Ok(ok(&body))
}

/// DELETE /api/events/{eventId}/calendar-members/{calendarMemberId} (contract: 4.9 P4). The
/// participant, the event creator, or an owner of the home calendar.
pub async fn remove_participation(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
) -> ApiResult<Response> {
    let mut tx = state.db.begin().await?;
    events::find_for_update(tx.conn(), ids.get("eventId")).await?;
    let parts = events::participations_of_event(tx.conn(), ids.get("eventId")).await?;
    let p = parts
        .iter()
        .find(|p| p.p.calendar_member_id == ids.get("calendarMemberId"))
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?
        .clone();
    let e = load(tx.conn(), p.p.event_id).await?;
    let cal = calendars::find_by_id(tx.conn(), e.calendar_id).await?;
    let home_member = calendars::find_member(tx.conn(), e.calendar_id, user.id()).await?;
    let home_owner = cal.is_some_and(|c| c.creator_id == user.id())
        || home_member.is_some_and(|m| m.is_confirmed && m.role == role::OWNER);
    if p.m_user_id != user.id() && e.creator_id != user.id() && !home_owner {
        return Err(ApiError::forbidden(
            "You do not have permission to remove this participant",
        ));
    }
    let now = state.clock.now_ms();
    for mine in parts.iter().filter(|x| x.m_user_id == p.m_user_id) {
        if mine.m_calendar_id == e.calendar_id {
            events::set_status(tx.conn(), mine.p.id, None, now).await?;
        } else if mine.m_calendar_type == "main" {
            events::delete_participation(tx.conn(), mine.p.id).await?;
        }
    }
    events::bump_version(tx.conn(), e.id, now).await?;
    tx.commit().await?;
    Ok(empty(StatusCode::OK))
}

/// POST /api/events/{eventId}/calendar-members/{calendarMemberId}/confirm-participation/{token}
/// (contract: 4.9 P5). Public (token); the path ids are ignored; idempotent.
pub async fn confirm_participation(
    State(state): State<AppState>,
    params: PathParams,
) -> ApiResult<Response> {
    let invalid = || ApiError::bad_request("Invalid or expired token");
    let token = params.get("token");
    let claims = state
        .tokens
        .verify(TokenKind::ConfirmArrangement, token)
        .map_err(|_| invalid())?;
    let pid = claims.event_participation_id.ok_or_else(invalid)?;
    // The event is locked before the participation is read (the order every event write
    // takes); its id comes from a read outside the transaction, which only names the lock.
    let event_id = {
        let mut c = state.db.acquire().await?;
        events::find_participation(c.conn(), pid)
            .await?
            .map(|p| p.p.event_id)
    };
    let mut tx = state.db.begin().await?;
    if let Some(id) = event_id {
        events::find_for_update(tx.conn(), id).await?;
    }
    let p = events::find_participation(tx.conn(), pid)
        .await?
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    if p.m_user_id != claims.sub {
        return Err(invalid());
    }
    match p.p.response_status.as_deref() {
        None => return Err(ApiError::bad_request("Invitation is no longer valid")),
        Some("invited") => {
            let now = state.clock.now_ms();
            let parts = events::participations_of_event(tx.conn(), p.p.event_id).await?;
            for mine in parts.iter().filter(|x| x.m_user_id == claims.sub) {
                if matches!(mine.p.response_status.as_deref(), None | Some("invited")) {
                    events::set_status(tx.conn(), mine.p.id, Some("pending"), now).await?;
                }
            }
            events::bump_version(tx.conn(), p.p.event_id, now).await?;
        }
        Some(_) => {}
    }
    let fresh = events::find_participation(tx.conn(), pid)
        .await?
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    let e = events::find_by_id(tx.conn(), p.p.event_id)
        .await?
        .ok_or_else(|| ApiError::not_found(EVENT_NOT_FOUND))?;
    let body = participation_detail(tx.conn(), &fresh.p, &e).await?;
    tx.commit().await?;
    Ok(created(&body))
}
