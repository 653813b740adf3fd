//! Participations (contract 4.9): the invitation procedure, P1-P5.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use shared::AppState;
use shared::auth::tokens::TokenKind;
use shared::db::calendars;
use shared::db::events::{self, Event};
use shared::db::participations::{self, ParticipationOf};
use shared::db::users::{self, User};
use shared::db::{Connection, Tx};
use shared::domain::kinds::{CalendarKind, EventKind, ResponseStatus};
use shared::domain::validate::Validator;
use shared::http::{
    ApiError, ApiResult, CurrentUser, JsonBody, PathIds, PathParams, ResultExt, created, empty, ok,
};
use shared::mail::templates;

use crate::access::{load, load_visible, lock};
use crate::shape::participation_detail;

pub const NOT_FOUND: &str = "Event participation not found";

/// The invitee checks shared by E2 and P2: the user exists and is verified.
pub async fn invitee(conn: impl Connection, id: i64) -> ApiResult<User> {
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
    let parts = participations::of_event(&mut *tx, e.id).await?;
    let mine: Vec<&ParticipationOf> = parts.iter().filter(|p| p.m_user_id == u.id).collect();
    if mine
        .iter()
        .any(|p| !ResponseStatus::is_open_invitation(p.p.response_status))
    {
        return Err(ApiError::bad_request(
            "User is already a participant of this event",
        ));
    }
    let status = if u.id == inviter.id {
        ResponseStatus::Pending
    } else {
        ResponseStatus::Invited
    };
    let mut invitation = None;
    for member_id in invitee_memberships(tx, e, u.id).await? {
        let id = match mine.iter().find(|p| p.p.calendar_member_id == member_id) {
            Some(p) => {
                participations::set_status(&mut *tx, p.p.id, Some(status), now).await?;
                p.p.id
            }
            // The invitee's membership goes only with the invitee (U5) during the request.
            None => participations::insert(&mut *tx, member_id, e.id, &e.color, Some(status), now)
                .await
                .on_foreign_key_violation(|| ApiError::not_found("User not found"))?,
        };
        invitation.get_or_insert((id, member_id));
    }
    let (pid, member_id) = invitation
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("invitee has no main calendar")))?;
    events::bump_version(&mut *tx, e.id, now).await?;
    if u.id != inviter.id {
        queue_invitation(tx, state, e, inviter, u, (pid, member_id)).await?;
    }
    Ok(pid)
}

/// The memberships an invitation goes through (4.9.1 a, b): the invitee's confirmed one in the
/// home calendar, then their main calendar's.
async fn invitee_memberships(tx: &mut Tx, e: &Event, user_id: i64) -> ApiResult<Vec<i64>> {
    let mut members = Vec::new();
    let home = calendars::find_member(&mut *tx, e.calendar_id, user_id).await?;
    if let Some(h) = home.filter(|m| m.is_confirmed) {
        members.push(h.id);
    }
    if let Some(main) = calendars::find_main_member(&mut *tx, user_id).await?
        && !members.contains(&main.id)
    {
        members.push(main.id);
    }
    Ok(members)
}

/// Queues e-mail 5 for participation `pid` (through membership `member_id`).
async fn queue_invitation(
    tx: &mut Tx,
    state: &AppState,
    e: &Event,
    inviter: &User,
    u: &User,
    (pid, member_id): (i64, i64),
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
    let dates = e.all_day.then(|| {
        let date = |d: &Option<String>| d.clone().unwrap_or_default();
        (date(&e.start_date), date(&e.end_date))
    });
    let dates = dates.as_ref().map(|(s, x)| (s.as_str(), x.as_str()));
    let when = templates::format_span(e.started_at, e.ended_at, dates, tz);
    let guests = guest_emails(tx, e.id).await?;
    let (to, from) = (&u.email, &inviter.email);
    let mail = templates::event_invitation(&state.config, to, from, &e.name, &when, &guests, &link);
    let dedupe = format!("event-invitation:{pid}:{}", uuid::Uuid::new_v4());
    templates::queue(tx, &mail, &dedupe, state.clock.now_ms()).await?;
    Ok(())
}

/// The distinct e-mail addresses of an event's participants (a status other than none).
async fn guest_emails(tx: &mut Tx, event_id: i64) -> ApiResult<Vec<String>> {
    let parts = participations::details_of_event(&mut *tx, event_id).await?;
    let mut guests: Vec<String> = Vec::new();
    for p in parts.iter().filter(|p| p.of.p.response_status.is_some()) {
        if !guests.contains(&p.user.u_email) {
            guests.push(p.user.u_email.clone());
        }
    }
    Ok(guests)
}

/// GET /api/events/{eventId}/calendar-members/{calendarMemberId} (contract: 4.9 P1). Participants.
pub async fn get_participation(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
) -> ApiResult<Response> {
    let mut c = state.db.acquire().await?;
    let (e, parts) = load_visible(&mut c, ids.get("eventId"), user.id()).await?;
    let p = of_member(&parts, ids.get("calendarMemberId"))?;
    Ok(ok(&participation_detail(&mut c, p.p.id, &e).await?))
}

/// The participation through membership `member_id`, or 404.
fn of_member(parts: &[ParticipationOf], member_id: i64) -> ApiResult<&ParticipationOf> {
    (parts.iter())
        .find(|p| p.p.calendar_member_id == member_id)
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))
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
    let e = lock(&mut tx, ids.get("eventId")).await?;
    if calendar_id != Some(e.calendar_id) {
        return Err(ApiError::bad_request(
            "Event does not belong to this calendar",
        ));
    }
    may_invite(&mut tx, &e, user.id()).await?;
    let u = invitee(&mut tx, user_id.unwrap_or_default()).await?;
    let pid = invite(&mut tx, &state, &e, &user.user, &u).await?;
    let e = load(&mut tx, e.id).await?;
    let body = participation_detail(&mut tx, pid, &e).await?;
    state.commit(tx).await?;
    Ok(created(&body))
}

/// P2's checks 2-4: the caller created the event or is a confirmed owner or editor of its
/// calendar, and the event is an arrangement.
async fn may_invite(tx: &mut Tx, e: &Event, caller: i64) -> ApiResult<()> {
    let m = calendars::find_member(tx, e.calendar_id, caller).await?;
    let may = e.creator_id == caller
        || m.is_some_and(|m| m.is_confirmed && m.role.invites_participants());
    if !may {
        return Err(ApiError::forbidden(
            "You need editor or owner role to perform this action",
        ));
    }
    if e.kind != EventKind::Arrangement {
        return Err(ApiError::bad_request(
            "Only arrangements can have invited participants",
        ));
    }
    Ok(())
}

/// What a P3 body changes (exactly one field).
enum ParticipationChange {
    Status(ResponseStatus),
    Color(String),
}

fn parse_participation_change(
    body: &serde_json::Map<String, serde_json::Value>,
) -> ApiResult<ParticipationChange> {
    let mut v = Validator::new();
    let status = v
        .str(body, "responseStatus")
        .optional()
        .one_of(&["pending", "accepted", "declined"])
        .word::<ResponseStatus>()
        .get();
    let color = v.str(body, "color").optional().hex_color().get();
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
    match (status, color) {
        (Some(s), _) => Ok(ParticipationChange::Status(s)),
        (_, Some(c)) => Ok(ParticipationChange::Color(c)),
        _ => Err(ApiError::internal(anyhow::anyhow!(
            "validated change has no field"
        ))),
    }
}

/// PATCH /api/events/{eventId}/calendar-members/{calendarMemberId} (contract: 4.9 P3). The
/// participant themself.
pub async fn update_participation(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let change = parse_participation_change(&body)?;
    let mut tx = state.db.begin().await?;
    // Lock first (a missing event falls through to the participation's 404 below).
    events::find_for_update(&mut tx, ids.get("eventId")).await?;
    let parts = participations::of_event(&mut tx, ids.get("eventId")).await?;
    let p = of_member(&parts, ids.get("calendarMemberId"))?;
    if p.m_user_id != user.id() {
        return Err(ApiError::forbidden(
            "You can only change your own participation",
        ));
    }
    let now = state.clock.now_ms();
    match change {
        ParticipationChange::Status(_) if p.p.response_status.is_none() => {
            return Err(ApiError::bad_request(
                "You are not a participant of this event",
            ));
        }
        ParticipationChange::Status(s) => {
            for mine in parts.iter().filter(|x| x.m_user_id == user.id()) {
                participations::set_status(&mut tx, mine.p.id, Some(s), now).await?;
            }
        }
        ParticipationChange::Color(c) => {
            participations::set_color(&mut tx, p.p.id, &c, now).await?
        }
    }
    events::bump_version(&mut tx, p.p.event_id, now).await?;
    let e = load(&mut tx, p.p.event_id).await?;
    let body = participation_detail(&mut tx, p.p.id, &e).await?;
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
    events::find_for_update(&mut tx, ids.get("eventId")).await?;
    let parts = participations::of_event(&mut tx, ids.get("eventId")).await?;
    let p = of_member(&parts, ids.get("calendarMemberId"))?;
    let e = load(&mut tx, p.p.event_id).await?;
    let cal = calendars::find_by_id(&mut tx, e.calendar_id).await?;
    let home_member = calendars::find_member(&mut tx, e.calendar_id, user.id()).await?;
    let home_owner = cal.is_some_and(|c| c.creator_id == user.id())
        || home_member.is_some_and(|m| m.is_confirmed && m.role.manages_calendar());
    if p.m_user_id != user.id() && e.creator_id != user.id() && !home_owner {
        return Err(ApiError::forbidden(
            "You do not have permission to remove this participant",
        ));
    }
    let now = state.clock.now_ms();
    for mine in parts.iter().filter(|x| x.m_user_id == p.m_user_id) {
        if mine.m_calendar_id == e.calendar_id {
            participations::set_status(&mut tx, mine.p.id, None, now).await?;
        } else if mine.m_calendar_type == CalendarKind::Main {
            participations::delete(&mut tx, mine.p.id).await?;
        }
    }
    events::bump_version(&mut tx, e.id, now).await?;
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
    let claims = state
        .tokens
        .verify(TokenKind::ConfirmArrangement, params.get("token"))
        .map_err(|_| invalid())?;
    let pid = claims.event_participation_id.ok_or_else(invalid)?;
    // The event is locked before the participation is read (the order every event write
    // takes); its id comes from a read outside the transaction, which only names the lock.
    let event_id = {
        let mut c = state.db.acquire().await?;
        participations::find(&mut c, pid)
            .await?
            .map(|p| p.p.event_id)
    };
    let mut tx = state.db.begin().await?;
    if let Some(id) = event_id {
        events::find_for_update(&mut tx, id).await?;
    }
    let p = participations::find(&mut tx, pid)
        .await?
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    if p.m_user_id != claims.sub {
        return Err(invalid());
    }
    match p.p.response_status {
        None => return Err(ApiError::bad_request("Invitation is no longer valid")),
        Some(ResponseStatus::Invited) => {
            accept_invitation(&mut tx, &p, state.clock.now_ms()).await?;
        }
        Some(_) => {}
    }
    let e = load(&mut tx, p.p.event_id).await?;
    let body = participation_detail(&mut tx, pid, &e).await?;
    tx.commit().await?;
    Ok(created(&body))
}

/// P5: the invitee's open invitations to the event (`null` or `invited`) become `pending`.
async fn accept_invitation(tx: &mut Tx, p: &ParticipationOf, now: i64) -> ApiResult<()> {
    let parts = participations::of_event(&mut *tx, p.p.event_id).await?;
    for mine in parts.iter().filter(|x| x.m_user_id == p.m_user_id) {
        if ResponseStatus::is_open_invitation(mine.p.response_status) {
            let pending = Some(ResponseStatus::Pending);
            participations::set_status(&mut *tx, mine.p.id, pending, now).await?;
        }
    }
    events::bump_version(tx, p.p.event_id, now).await?;
    Ok(())
}
