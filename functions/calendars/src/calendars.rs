//! K2-K5: one calendar.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};
use shared::AppState;
use shared::db::calendars::{self, Calendar, NewMember};
use shared::db::{Connection, users};
use shared::domain::calendar::CalendarJson;
use shared::domain::kinds::{CalendarKind, Role};
use shared::domain::user::PublicUser;
use shared::domain::validate::{Opt, Validator};
use shared::http::{
    ApiError, ApiResult, CurrentUser, JsonBody, PathIds, ResultExt, created, empty, ok,
};

pub(crate) const NO_ACCESS: &str = "The user does not have access to this calendar";
pub(crate) const NOT_FOUND: &str = "Calendar not found";
pub(crate) const CREATOR_ONLY: &str = "Only the direct creator can perform this action";

/// Calendar + `creator` (K2, K4).
#[derive(serde::Serialize)]
struct CalendarWithCreator {
    #[serde(flatten)]
    calendar: CalendarJson,
    creator: Option<PublicUser>,
}

async fn with_creator(conn: impl Connection, cal: &Calendar) -> ApiResult<CalendarWithCreator> {
    let creator = users::find_by_id(conn, cal.creator_id).await?;
    Ok(CalendarWithCreator {
        calendar: cal.into(),
        creator: creator.as_ref().map(PublicUser::from),
    })
}

/// The calendar if the caller is a confirmed member of it.
pub(crate) async fn as_confirmed_member(
    conn: &mut shared::db::PoolConn,
    calendar_id: i64,
    user_id: i64,
) -> ApiResult<Calendar> {
    let member = calendars::find_member(&mut *conn, calendar_id, user_id).await?;
    if !member.is_some_and(|m| m.is_confirmed) {
        return Err(ApiError::not_found(NO_ACCESS));
    }
    calendars::find_by_id(&mut *conn, calendar_id)
        .await?
        .ok_or_else(|| ApiError::not_found(NO_ACCESS))
}

/// The calendar's kind: the `calendarType` of its creator's membership.
pub(crate) async fn kind_of(conn: impl Connection, cal: &Calendar) -> ApiResult<CalendarKind> {
    Ok(calendars::find_member(conn, cal.id, cal.creator_id)
        .await?
        .map_or(CalendarKind::Additional, |m| m.calendar_type))
}

/// GET /api/calendars/{id} (contract: 4.6 K2). Confirmed members.
pub async fn get_calendar(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
) -> ApiResult<Response> {
    let mut c = state.db.acquire().await?;
    let cal = as_confirmed_member(&mut c, ids.get("id"), user.id()).await?;
    Ok(ok(&with_creator(&mut c, &cal).await?))
}

fn description(v: &mut Validator, body: &Map<String, Value>) -> Opt<String> {
    v.str(body, "description").nullable().max_len(255).opt()
}

/// POST /api/calendars (contract: 4.6 K3). Any authenticated user.
pub async fn create_calendar(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut v = Validator::new();
    let name = v.str(&body, "name").required().len(3, 100).get();
    let description = description(&mut v, &body).set();
    let color = v.str(&body, "color").required().hex_color().get();
    v.finish().map_err(ApiError::validation)?;
    let (name, color) = (name.unwrap_or_default(), color.unwrap_or_default());

    let now = state.clock.now_ms();
    let mut tx = state.db.begin().await?;
    // Only the caller's own deletion (U5) during the request fails the foreign key.
    let id = calendars::insert(&mut tx, user.id(), &name, description.as_deref(), now)
        .await
        .on_foreign_key_violation(ApiError::unauthorized)?;
    let member = NewMember {
        calendar_id: id,
        user_id: user.id(),
        calendar_type: CalendarKind::Additional,
        role: Role::Owner,
        color: &color,
        is_confirmed: true,
    };
    calendars::insert_member(&mut tx, &member, now).await?;
    let cal = calendars::find_by_id(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("created calendar vanished")))?;
    tx.commit().await?;
    Ok(created(&CalendarJson::from(&cal)))
}

/// PATCH /api/calendars/{id} (contract: 4.6 K4). Calendar owners (the creator included).
pub async fn update_calendar(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut v = Validator::new();
    let name = v.str(&body, "name").optional().len(3, 100).get();
    let description = description(&mut v, &body);
    v.finish().map_err(ApiError::validation)?;

    let mut tx = state.db.begin().await?;
    let mut cal = calendars::find_for_update(&mut tx, ids.get("id"))
        .await?
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    let member = calendars::find_member(&mut tx, cal.id, user.id()).await?;
    let owner = cal.creator_id == user.id()
        || member.is_some_and(|m| m.is_confirmed && m.role.manages_calendar());
    if !owner {
        return Err(ApiError::forbidden(
            "You do not have permission to modify this calendar",
        ));
    }
    if name.is_some() || description.is_present() {
        if let Some(n) = name {
            cal.name = n;
        }
        match description {
            Opt::Set(d) => cal.description = Some(d),
            Opt::Null => cal.description = None,
            Opt::Absent => {}
        }
        cal.updated_at = state.clock.now_ms();
        calendars::update(&mut tx, &cal).await?;
    }
    let body = with_creator(&mut tx, &cal).await?;
    tx.commit().await?;
    Ok(ok(&body))
}

/// DELETE /api/calendars/{id} (contract: 4.6 K5). The creator, not for main or holiday calendars.
pub async fn delete_calendar(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
) -> ApiResult<Response> {
    let mut tx = state.db.begin().await?;
    let cal = calendars::find_for_update(&mut tx, ids.get("id"))
        .await?
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    if kind_of(&mut tx, &cal).await?.is_personal() {
        return Err(ApiError::forbidden(
            "You do not have permission to modify main or holiday calendar",
        ));
    }
    if cal.creator_id != user.id() {
        return Err(ApiError::forbidden(CREATOR_ONLY));
    }
    // Memberships go by foreign-key cascade in the same transaction; the events are locked
    // first, so the cascade takes event rows before their participations, as event writes do.
    shared::db::events::lock_of_calendar(&mut tx, cal.id).await?;
    calendars::delete(&mut tx, cal.id).await?;
    tx.commit().await?;
    Ok(empty(StatusCode::OK))
}
