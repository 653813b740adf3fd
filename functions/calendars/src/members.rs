//! M1-M6: calendar members, sharing and invitations.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use shared::AppState;
use shared::auth::tokens::TokenKind;
use shared::db::Tx;
use shared::db::calendars::{self, Calendar, Member, MemberWithUser, NewMember};
use shared::db::participations;
use shared::db::users;
use shared::domain::calendar::MemberJson;
use shared::domain::kinds::{CalendarKind, EventKind, ResponseStatus, Role};
use shared::domain::user::PublicUser;
use shared::domain::validate::Validator;
use shared::http::{
    ApiError, ApiResult, CurrentUser, JsonBody, PathIds, PathParams, ResultExt, created, empty, ok,
};
use shared::mail::templates;

use crate::calendars::{CREATOR_ONLY, NOT_FOUND, as_confirmed_member, kind_of};

const MEMBER_NOT_FOUND: &str = "Calendar-member is not found";
const ALREADY_MEMBER: &str = "User already has access to this calendar";

#[derive(serde::Serialize)]
struct MemberWithUserJson {
    #[serde(flatten)]
    member: MemberJson,
    user: PublicUser,
}

impl From<&MemberWithUser> for MemberWithUserJson {
    fn from(r: &MemberWithUser) -> Self {
        MemberWithUserJson {
            member: (&r.member).into(),
            user: (&r.user).into(),
        }
    }
}

/// GET /api/calendars/{calendarId}/members (contract: 4.7 M1). Confirmed members; pending
/// memberships only for the creator.
pub async fn list_members(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
) -> ApiResult<Response> {
    let mut c = state.db.acquire().await?;
    let cal = as_confirmed_member(&mut c, ids.get("calendarId"), user.id()).await?;
    let rows = calendars::list_members(&mut c, cal.id, cal.creator_id == user.id()).await?;
    let list: Vec<MemberWithUserJson> = rows.iter().map(Into::into).collect();
    Ok(ok(&list))
}

/// GET /api/calendars/{calendarId}/members/{userId} (contract: 4.7 M2). Confirmed members.
pub async fn get_member(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
) -> ApiResult<Response> {
    let mut c = state.db.acquire().await?;
    let cal = as_confirmed_member(&mut c, ids.get("calendarId"), user.id()).await?;
    let member = calendars::find_member(&mut c, cal.id, ids.get("userId"))
        .await?
        .filter(|m| m.is_confirmed || cal.creator_id == user.id())
        .ok_or_else(|| ApiError::not_found(MEMBER_NOT_FOUND))?;
    Ok(ok(&MemberJson::from(&member).with_calendar(&cal)))
}

/// POST /api/calendars/{calendarId}/members (contract: 4.7 M3). The creator of an additional calendar.
pub async fn invite_member(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut v = Validator::new();
    let email = v.str(&body, "userEmail").required().email().get();
    let new_role = v.str(&body, "role").required().word::<Role>().get();
    v.finish().map_err(ApiError::validation)?;
    let (email, new_role) = (email.unwrap_or_default(), new_role.unwrap_or(Role::Viewer));

    let mut tx = state.db.begin().await?;
    let cal = calendars::find_for_update(&mut tx, ids.get("calendarId"))
        .await?
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    if cal.creator_id != user.id() {
        return Err(ApiError::forbidden(CREATOR_ONLY));
    }
    if kind_of(&mut tx, &cal).await?.is_personal() {
        return Err(ApiError::bad_request(
            "Cannot invite users to your main calendar",
        ));
    }
    let invitee = new_member(&mut tx, cal.id, &email).await?;
    let now = state.clock.now_ms();
    let id = add_pending(&mut tx, &cal, invitee.id, new_role, now).await?;
    queue_invitation(&mut tx, &state, &cal, &user.user, &invitee, (id, new_role)).await?;
    let member = calendars::find_member_by_id(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("new membership vanished")))?;
    state.commit(tx).await?;
    Ok(created(&MemberJson::from(&member)))
}

const NO_SUCH_USER: &str = "User with this email not found";

/// M3's checks of the invitee: a verified user who is not yet a member of calendar `cal`.
async fn new_member(tx: &mut Tx, cal: i64, email: &str) -> ApiResult<users::User> {
    let invitee = users::find_by_email(&mut *tx, email)
        .await?
        .ok_or_else(|| ApiError::not_found(NO_SUCH_USER))?;
    if !invitee.email_verified {
        return Err(ApiError::bad_request("User must confirm their email first"));
    }
    if calendars::find_member(tx, cal, invitee.id).await?.is_some() {
        return Err(ApiError::conflict(ALREADY_MEMBER));
    }
    Ok(invitee)
}

/// Inserts `user_id`'s unconfirmed membership in `cal`, in the creator's colour; returns its id.
async fn add_pending(
    tx: &mut Tx,
    cal: &Calendar,
    user_id: i64,
    role: Role,
    now: i64,
) -> ApiResult<i64> {
    let creator = calendars::find_member(&mut *tx, cal.id, cal.creator_id).await?;
    let color = creator.map_or_else(|| "#4285F4".to_string(), |m| m.color);
    let m = NewMember {
        calendar_id: cal.id,
        user_id,
        calendar_type: CalendarKind::Additional,
        role,
        color: &color,
        is_confirmed: false,
    };
    calendars::insert_member(tx, &m, now)
        .await
        .on_unique_violation(|| ApiError::conflict(ALREADY_MEMBER))
        .on_foreign_key_violation(|| ApiError::not_found(NO_SUCH_USER))
}

/// Queues e-mail 4 for the new membership `id` with role `role`.
async fn queue_invitation(
    tx: &mut Tx,
    state: &AppState,
    cal: &Calendar,
    inviter: &users::User,
    invitee: &users::User,
    (id, role): (i64, Role),
) -> ApiResult<()> {
    let token = state
        .tokens
        .issue(TokenKind::ConfirmCalendar, invitee.id, |c| {
            c.calendar_id = Some(cal.id)
        })?;
    let mail = templates::calendar_invitation(
        &state.config,
        &invitee.email,
        &inviter.email,
        (cal.id, &cal.name),
        role.as_str(),
        &token,
    );
    let now = state.clock.now_ms();
    templates::queue(tx, &mail, &format!("calendar-invitation:{id}"), now).await?;
    Ok(())
}

/// What an M4 body changes (exactly one field).
enum MemberChange {
    Role(Role),
    Color(String),
    Visible(bool),
}

fn parse_member_change(
    body: &serde_json::Map<String, serde_json::Value>,
) -> ApiResult<MemberChange> {
    let mut v = Validator::new();
    let new_role = v.str(body, "role").optional().word::<Role>().get();
    let color = v.str(body, "color").optional().hex_color().get();
    let visible = v.bool(body, "isVisible").optional().get();
    let sent = ["role", "color", "isVisible"]
        .iter()
        .filter(|k| body.contains_key(**k))
        .count();
    if sent == 0 {
        v.error("At least one field (role, color or isVisible) must be provided");
    } else if sent > 1 {
        v.error("You can update either role, color or isVisible, but not multiple fields at the same time");
    }
    v.finish().map_err(ApiError::validation)?;
    Ok(match (new_role, color, visible) {
        (Some(r), _, _) => MemberChange::Role(r),
        (_, Some(c), _) => MemberChange::Color(c),
        (_, _, Some(b)) => MemberChange::Visible(b),
        _ => {
            return Err(ApiError::internal(anyhow::anyhow!(
                "validated change has no field"
            )));
        }
    })
}

/// PATCH /api/calendars/{calendarId}/members/{userId} (contract: 4.7 M4). Roles: the creator;
/// colour and visibility: the member themself.
pub async fn update_member(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let change = parse_member_change(&body)?;
    let target = ids.get("userId");
    let mut tx = state.db.begin().await?;
    let cal = calendars::find_for_update(&mut tx, ids.get("calendarId"))
        .await?
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    match &change {
        MemberChange::Role(_) if cal.creator_id != user.id() => {
            return Err(ApiError::forbidden(CREATOR_ONLY));
        }
        MemberChange::Role(_) if target == cal.creator_id => {
            return Err(ApiError::bad_request(
                "Cannot change the role of the calendar creator",
            ));
        }
        MemberChange::Color(_) | MemberChange::Visible(_) if target != user.id() => {
            return Err(ApiError::forbidden("You can only access your own data"));
        }
        _ => {}
    }
    let mut m: Member = calendars::find_member(&mut tx, cal.id, target)
        .await?
        .ok_or_else(|| ApiError::not_found(MEMBER_NOT_FOUND))?;
    match change {
        MemberChange::Role(r) => m.role = r,
        MemberChange::Color(col) => m.color = col,
        MemberChange::Visible(b) => m.is_visible = b,
    }
    m.updated_at = state.clock.now_ms();
    calendars::update_member(&mut tx, &m).await?;
    tx.commit().await?;
    Ok(ok(&MemberJson::from(&m)))
}

/// DELETE /api/calendars/{calendarId}/members/{userId} (contract: 4.7 M5). A member leaving or
/// declining, or the creator removing someone or withdrawing an invitation.
pub async fn remove_member(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
) -> ApiResult<Response> {
    let target = ids.get("userId");
    let mut tx = state.db.begin().await?;
    let cal = calendars::find_for_update(&mut tx, ids.get("calendarId"))
        .await?
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    if target == user.id() && cal.creator_id == user.id() {
        return Err(ApiError::forbidden(
            "Owners cannot remove themselves. Delete the calendar instead.",
        ));
    }
    if target != user.id() && cal.creator_id != user.id() {
        return Err(ApiError::forbidden(CREATOR_ONLY));
    }
    let m = calendars::find_member(&mut tx, cal.id, target)
        .await?
        .ok_or_else(|| ApiError::not_found(MEMBER_NOT_FOUND))?;
    let now = state.clock.now_ms();
    // The membership's participations go by foreign-key cascade; the events they were in
    // are locked first and change version. The tasks the member created here go with them
    // (a task's creator always holds a participation in it through this membership).
    let events = shared::db::events::lock_of_member(&mut tx, m.id).await?;
    shared::db::events::leave_events(&mut tx, &events, target, now).await?;
    calendars::delete_member(&mut tx, m.id).await?;
    tx.commit().await?;
    Ok(empty(StatusCode::OK))
}

/// POST /api/calendars/{anyId}/members/confirm-calendar/{token} (contract: 4.7 M6). Public
/// (token); `{anyId}` is ignored, the calendar comes from the token; idempotent.
pub async fn confirm_calendar(
    State(state): State<AppState>,
    path: PathParams,
) -> ApiResult<Response> {
    let claims = state
        .tokens
        .verify(TokenKind::ConfirmCalendar, path.get("token"))
        .map_err(|_| ApiError::bad_request("Invalid or expired token"))?;
    let calendar_id = claims
        .calendar_id
        .ok_or_else(|| ApiError::bad_request("Invalid or expired token"))?;
    let mut tx = state.db.begin().await?;
    // Locked first: two clicks of one link take turns (the second finds the membership
    // confirmed and answers 201 unchanged), and so do a confirmation and a new event.
    calendars::find_for_update(&mut tx, calendar_id)
        .await?
        .ok_or_else(|| ApiError::bad_request("Cannot confirm the calendar"))?;
    let mut m = calendars::find_member(&mut tx, calendar_id, claims.sub)
        .await?
        .ok_or_else(|| ApiError::bad_request("Cannot confirm the calendar"))?;
    if !m.is_confirmed {
        m.is_confirmed = true;
        m.updated_at = state.clock.now_ms();
        calendars::update_member(&mut tx, &m).await?;
        add_participations(&mut tx, &m, claims.sub, m.updated_at).await?;
    }
    tx.commit().await?;
    Ok(created(&MemberJson::from(&m)))
}

/// M6: the new member's participations in every event of the calendar (insert-if-absent):
/// reminders `accepted`, arrangements the status of their main-calendar participation (or
/// null), tasks none; each with the event's colour.
async fn add_participations(tx: &mut Tx, m: &Member, user_id: i64, now: i64) -> ApiResult<()> {
    use shared::db::events;
    for e in events::list_of_calendar(&mut *tx, m.calendar_id).await? {
        let parts = participations::of_event(&mut *tx, e.id).await?;
        if e.kind == EventKind::Task || parts.iter().any(|p| p.p.calendar_member_id == m.id) {
            continue;
        }
        let status = if e.kind == EventKind::Reminder {
            Some(ResponseStatus::Accepted)
        } else {
            parts
                .iter()
                .find(|p| p.m_user_id == user_id && p.m_calendar_type == CalendarKind::Main)
                .and_then(|p| p.p.response_status)
        };
        // An event deleted meanwhile simply gets no participation.
        if participations::insert(&mut *tx, m.id, e.id, &e.color, status, now)
            .await
            .skip_on_foreign_key_violation()?
            .is_none()
        {
            continue;
        }
        events::bump_version(&mut *tx, e.id, now).await?;
    }
    Ok(())
}
