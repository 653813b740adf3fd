//! Profiles: lookup by e-mail, view, update, delete, and the caller's calendars (U1, U2, U4, U5, U7).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};
use shared::{AppState, accounts};

use shared::db::{calendars, sessions, uploads, users};
use shared::domain::calendar::MemberJson;
use shared::domain::user::{DEFAULT_AVATAR, OwnUser, PublicUser, is_avatar_name};
use shared::domain::validate::{Opt, Validator, is_email};
use shared::http::{ApiError, ApiResult, CurrentUser, JsonBody, PathIds, QueryMap, empty, ok};

const OWN_ACCOUNT_ONLY: &str = "You can only access your own account";

fn own_account(user: &CurrentUser, id: i64) -> ApiResult<()> {
    if user.id() == id {
        Ok(())
    } else {
        Err(ApiError::forbidden(OWN_ACCOUNT_ONLY))
    }
}

/// GET /api/users?email= (contract: 4.5 U1). Any authenticated user.
pub async fn find_user_by_email(
    State(state): State<AppState>,
    _user: CurrentUser,
    q: QueryMap,
) -> ApiResult<Response> {
    // The frontend does not URL-encode the value, so a `+` arrives as a space.
    let email = q
        .get("email")
        .map(|e| e.replace(' ', "+"))
        .ok_or_else(|| ApiError::bad_request("Email parameter is required"))?;
    let not_found = || ApiError::not_found("User with this email not found");
    if !is_email(&email) {
        return Err(not_found());
    }
    let mut c = state.db.acquire().await?;
    let found = users::find_by_email(&mut c, &email)
        .await?
        .ok_or_else(not_found)?;
    Ok(ok(&PublicUser::from(&found)))
}

/// GET /api/users/{id} (contract: 4.5 U2). Oneself, or a user sharing a calendar with the caller.
pub async fn get_user(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
) -> ApiResult<Response> {
    let id = ids.get("id");
    if id == user.id() {
        return Ok(ok(&OwnUser::from(&user.user)));
    }
    let not_found = || ApiError::not_found("User not found");
    let mut c = state.db.acquire().await?;
    let shares = users::share_a_calendar(&mut c, user.id(), id).await?
        || shared::db::participations::share_an_event(&mut c, user.id(), id).await?;
    if !shares {
        return Err(not_found());
    }
    let other = users::find_by_id(&mut c, id).await?.ok_or_else(not_found)?;
    Ok(ok(&PublicUser::from(&other)))
}

/// A validated U4 body.
#[derive(Default)]
struct ProfileUpdate {
    first_name: Option<String>,
    last_name: Opt<String>,
    email: bool,
    passwords: Option<(String, String)>,
    country_code: Option<String>,
    profile_picture_name: Option<String>,
    time_zone: Option<String>,
}

impl ProfileUpdate {
    /// Writes the profile fields it sets onto `u` (the picture already checked by the caller).
    fn apply(self, u: &mut users::User) {
        if let Some(name) = self.profile_picture_name {
            u.profile_picture_name = name;
        }
        if let Some(f) = self.first_name {
            u.first_name = f;
        }
        match self.last_name {
            Opt::Set(l) => u.last_name = Some(l),
            Opt::Null => u.last_name = None,
            Opt::Absent => {}
        }
        if let Some(cc) = self.country_code {
            u.country_code = cc;
        }
        if let Some(tz) = self.time_zone {
            u.time_zone = tz;
        }
    }
}

const RECOGNISED: [&str; 8] = [
    "firstName",
    "lastName",
    "email",
    "oldPassword",
    "newPassword",
    "countryCode",
    "profilePictureName",
    "timeZone",
];

fn parse_update(body: &Map<String, Value>) -> Result<ProfileUpdate, Vec<String>> {
    let mut v = Validator::new();
    let first_name = v.str(body, "firstName").optional().person_name().get();
    let last_name = v
        .str(body, "lastName")
        .nullable()
        .empty_as_null()
        .person_name()
        .opt();
    let email = v.str(body, "email").optional().email().opt();
    let old = v.str(body, "oldPassword").optional().len(1, 128).get();
    let new = v
        .str(body, "newPassword")
        .optional()
        .strong_password()
        .get();
    let country_code = v.str(body, "countryCode").optional().country_code().get();
    let picture = v
        .str(body, "profilePictureName")
        .optional()
        .check(
            |n| is_avatar_name(n),
            |_| "Profile picture must be in format {uuid}.jpg|jpeg|png".into(),
        )
        .get();
    let time_zone = v.str(body, "timeZone").optional().time_zone().get();

    let present: Vec<&str> = RECOGNISED
        .iter()
        .copied()
        .filter(|k| body.contains_key(*k))
        .collect();
    let has_old = body.contains_key("oldPassword");
    let has_new = body.contains_key("newPassword");
    if present.is_empty() {
        v.error("At least one field must be provided for update");
    } else if has_old != has_new {
        v.error("Both old and new passwords are required to update password");
    }
    if (has_old || has_new)
        && present
            .iter()
            .any(|k| *k != "oldPassword" && *k != "newPassword")
    {
        v.error("Password update must be performed separately from other field updates");
    }
    v.finish()?;
    Ok(ProfileUpdate {
        first_name,
        last_name,
        email: email.is_present(),
        passwords: old.zip(new),
        country_code,
        profile_picture_name: picture,
        time_zone,
    })
}

/// PATCH /api/users/{id} (contract: 4.5 U4). Own account only.
pub async fn update_user(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let upd = parse_update(&body).map_err(ApiError::validation)?;
    own_account(&user, ids.get("id"))?;
    if upd.email {
        return Err(ApiError::bad_request(
            "Email update is temporarily unavailable",
        ));
    }
    if let Some((old, new)) = upd.passwords {
        return change_password(&state, &user, old, new).await;
    }
    let mut tx = state.db.begin().await?;
    let mut u = users::find_for_update(&mut tx, user.id())
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let previous_picture = u.profile_picture_name.clone();
    if let Some(name) = &upd.profile_picture_name
        && name != DEFAULT_AVATAR
        && !uploads::is_owned_by(&mut tx, u.id, name).await?
    {
        return Err(ApiError::bad_request("Profile picture not found"));
    }
    upd.apply(&mut u);
    u.updated_at = state.clock.now_ms();
    users::update_profile(&mut tx, &u).await?;
    let replaced = previous_picture != u.profile_picture_name && previous_picture != DEFAULT_AVATAR;
    if replaced {
        // The replaced upload is no longer referenced: its file goes now (contract 6.2 allows
        // it); its row stays, marked, so the upload quota still counts it.
        uploads::mark_deleted(&mut tx, &previous_picture, u.updated_at).await?;
    }
    tx.commit().await?;
    if replaced {
        state.avatars.delete(&previous_picture).await?;
    }
    Ok(ok(&OwnUser::from(&u)))
}

async fn change_password(
    state: &AppState,
    user: &CurrentUser,
    old: String,
    new: String,
) -> ApiResult<Response> {
    let hash = Some(user.user.password_hash.clone());
    if !state.hasher.verify(old, hash).await? {
        // 400, not 401: a 401 would send the frontend into its refresh-and-retry path.
        return Err(ApiError::bad_request("Old password does not match"));
    }
    let new_hash = state.hasher.hash(new).await?;
    let mut tx = state.db.begin().await?;
    let version = user.user.password_version;
    if !users::set_password(&mut tx, user.id(), &new_hash, version, state.clock.now_ms()).await? {
        // Changed (or reset) since the old password was checked against it.
        return Err(ApiError::bad_request("Old password does not match"));
    }
    sessions::delete_user_sessions(&mut tx, user.id(), user.session_id).await?;
    let updated = users::find_by_id(&mut tx, user.id())
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    tx.commit().await?;
    Ok(ok(&OwnUser::from(&updated)))
}

/// DELETE /api/users/{id} (contract: 4.5 U5). Own account only.
pub async fn delete_user(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
) -> ApiResult<Response> {
    own_account(&user, ids.get("id"))?;
    if !accounts::delete_account(&state, user.id(), |_| true).await? {
        return Err(ApiError::unauthorized());
    }
    Ok(empty(StatusCode::OK))
}

/// GET /api/users/{id}/calendars (contract: 4.5 U7). Own account only.
pub async fn list_user_calendars(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: PathIds,
) -> ApiResult<Response> {
    own_account(&user, ids.get("id"))?;
    let mut c = state.db.acquire().await?;
    let rows = calendars::list_confirmed_of_user(&mut c, user.id()).await?;
    let list: Vec<MemberJson> = rows
        .iter()
        .map(|r| MemberJson::from(&r.member).with_calendar(&r.calendar()))
        .collect();
    Ok(ok(&list))
}
