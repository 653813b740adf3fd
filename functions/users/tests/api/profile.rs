//! U1, U2, U4, U5, U7.

use super::helpers::*;
use shared::auth::tokens::TokenKind;
use shared::db::sessions;

shared::db_tests!(
    spawn,
    users_are_found_by_exact_email_case_insensitively_as_public_users,
    a_plus_sent_unencoded_is_read_as_plus,
    a_user_sees_their_own_profile_and_others_only_through_a_shared_calendar,
    path_ids_must_be_positive_integers,
    the_profile_is_updated_and_returned,
    profile_update_validation,
    a_password_change_keeps_this_session_and_revokes_the_others,
    deleting_the_account_removes_the_user_their_calendars_and_sessions,
    the_caller_lists_their_confirmed_calendars_main_and_holiday_first
);

async fn users_are_found_by_exact_email_case_insensitively_as_public_users(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let bob = app.signed_up("bob").await;
    let res = app
        .request(Method::GET, "/api/users?email=BOB@example.com")
        .as_user(&alice)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(body["id"], bob.id);
    assert!(body.get("timeZone").is_none(), "PublicUser has no timeZone");
    assert_eq!(body.as_object().unwrap().len(), 8);

    app.request(Method::GET, "/api/users")
        .as_user(&alice)
        .send()
        .await
        .assert_error(400, json!("Email parameter is required"));
    app.request(Method::GET, "/api/users?email=")
        .as_user(&alice)
        .send()
        .await
        .assert_error(400, json!("Email parameter is required"));
    app.request(Method::GET, "/api/users?email=bo@example.com")
        .as_user(&alice)
        .send()
        .await
        .assert_error(404, json!("User with this email not found"));
    app.request(Method::GET, "/api/users?email=not-an-email")
        .as_user(&alice)
        .send()
        .await
        .assert_error(404, json!("User with this email not found"));
}

async fn a_plus_sent_unencoded_is_read_as_plus(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let res = app
        .request(Method::POST, "/api/users")
        .bearer(&alice.access)
        .send()
        .await;
    res.assert_error(501, json!("Not Implemented"));
    let id = app.registered("tagged").await;
    let mut c = app.state.db.acquire().await.unwrap();
    let mut u = shared::db::users::find_by_id(&mut c, id)
        .await
        .unwrap()
        .unwrap();
    drop(c);
    u.email = "a+b@example.com".into();
    let mut tx = app.state.db.begin().await.unwrap();
    sqlx_set_email(&mut tx, id, &u.email).await;
    tx.commit().await.unwrap();
    let res = app
        .request(Method::GET, "/api/users?email=a+b@example.com")
        .as_user(&alice)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["email"], "a+b@example.com");
}

async fn a_user_sees_their_own_profile_and_others_only_through_a_shared_calendar(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let bob = app.signed_up("bob").await;
    let carol = app.signed_up("carol").await;

    let own = app
        .request(Method::GET, &format!("/api/users/{}", alice.id))
        .as_user(&alice)
        .send()
        .await;
    assert_eq!(own.status, 200);
    assert_eq!(own.json()["timeZone"], "Europe/Kyiv");

    app.request(Method::GET, &format!("/api/users/{}", bob.id))
        .as_user(&alice)
        .send()
        .await
        .assert_error(404, json!("User not found"));
    share_calendar(app, &alice, &bob, true).await;
    let res = app
        .request(Method::GET, &format!("/api/users/{}", bob.id))
        .as_user(&alice)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert!(res.json().get("timeZone").is_none());
    assert_eq!(
        app.request(Method::GET, &format!("/api/users/{}", alice.id))
            .as_user(&bob)
            .send()
            .await
            .status,
        200,
        "symmetric"
    );

    share_calendar(app, &alice, &carol, false).await;
    app.request(Method::GET, &format!("/api/users/{}", carol.id))
        .as_user(&alice)
        .send()
        .await
        .assert_error(404, json!("User not found"));
    app.request(Method::GET, "/api/users/999999")
        .as_user(&alice)
        .send()
        .await
        .assert_error(404, json!("User not found"));
}

async fn path_ids_must_be_positive_integers(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    for bad in ["0", "-1", "abc", "2147483648", "1.5"] {
        let res = app
            .request(Method::GET, &format!("/api/users/{bad}"))
            .as_user(&alice)
            .send()
            .await;
        assert_eq!(res.status, 400, "{bad}");
        res.assert_error(400, json!(["id must be a positive integer"]));
    }
}

async fn the_profile_is_updated_and_returned(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    app.clock.advance(chrono::TimeDelta::seconds(5));
    let body = json!({"firstName": "Alicia", "lastName": "Jones", "countryCode": "pl",
        "timeZone": "america/new_york"});
    let res = app
        .request(Method::PATCH, &format!("/api/users/{}", alice.id))
        .as_user(&alice)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let u = res.json();
    assert_eq!(
        (
            u["firstName"].clone(),
            u["lastName"].clone(),
            u["countryCode"].clone(),
            u["timeZone"].clone()
        ),
        (
            json!("Alicia"),
            json!("Jones"),
            json!("PL"),
            json!("America/New_York")
        )
    );
    assert_ne!(u["updatedAt"], u["createdAt"]);

    let res = app
        .request(Method::PATCH, &format!("/api/users/{}", alice.id))
        .as_user(&alice)
        .json(&json!({"lastName": ""}))
        .send()
        .await;
    assert_eq!(res.json()["lastName"], Value::Null);
    let stored = app
        .request(Method::GET, &format!("/api/users/{}", alice.id))
        .as_user(&alice)
        .send()
        .await
        .json();
    assert_eq!(stored["firstName"], "Alicia");
    assert_eq!(stored["lastName"], Value::Null);
}

async fn profile_update_validation(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let path = format!("/api/users/{}", alice.id);
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "empty",
            json!({}),
            json!(["At least one field must be provided for update"]),
        ),
        (
            "unknown only",
            json!({"nickname": "x"}),
            json!(["At least one field must be provided for update"]),
        ),
        (
            "null first name",
            json!({"firstName": null}),
            json!(["firstName should not be null"]),
        ),
        (
            "bad first name",
            json!({"firstName": "A1"}),
            json!(["firstName must be longer than or equal to 3 characters"]),
        ),
        (
            "bad email",
            json!({"email": "x"}),
            json!(["email must be an email"]),
        ),
        (
            "only old",
            json!({"oldPassword": PASSWORD}),
            json!(["Both old and new passwords are required to update password"]),
        ),
        (
            "weak new",
            json!({"oldPassword": PASSWORD, "newPassword": "weak"}),
            json!(["newPassword is not strong enough"]),
        ),
        (
            "password with other",
            json!({"oldPassword": PASSWORD, "newPassword": "N3w!password", "firstName": "Alicia"}),
            json!(["Password update must be performed separately from other field updates"]),
        ),
        (
            "only new with other",
            json!({"newPassword": "N3w!password", "timeZone": "UTC"}),
            json!([
                "Both old and new passwords are required to update password",
                "Password update must be performed separately from other field updates"
            ]),
        ),
        (
            "country",
            json!({"countryCode": "ZZ"}),
            json!(["Invalid country code, must be cca2"]),
        ),
        (
            "picture",
            json!({"profilePictureName": "../../etc/passwd"}),
            json!(["Profile picture must be in format {uuid}.jpg|jpeg|png"]),
        ),
        (
            "zone",
            json!({"timeZone": "Nowhere/City"}),
            json!(["timeZone must be a valid IANA time zone"]),
        ),
    ];
    for (why, body, expected) in cases {
        let res = app
            .request(Method::PATCH, &path)
            .as_user(&alice)
            .json(&body)
            .send()
            .await;
        assert_eq!(res.status, 400, "{why}: {}", res.text());
        res.assert_error(400, expected);
    }
    app.request(Method::PATCH, &path)
        .as_user(&alice)
        .json(&json!({"email": "new@example.com"}))
        .send()
        .await
        .assert_error(400, json!("Email update is temporarily unavailable"));
    app.request(Method::PATCH, &path)
        .as_user(&alice)
        .json(&json!({"profilePictureName": "3f1c2a4e-9b7d-4c1e-8f2a-6d5e4c3b2a10.png"}))
        .send()
        .await
        .assert_error(400, json!("Profile picture not found"));
}

async fn a_password_change_keeps_this_session_and_revokes_the_others(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let laptop = app.logged_in(alice.id).await;
    let path = format!("/api/users/{}", alice.id);

    app.request(Method::PATCH, &path)
        .as_user(&alice)
        .json(&json!({"oldPassword": "Wrong!pass1", "newPassword": "N3w!password"}))
        .send()
        .await
        .assert_error(400, json!("Old password does not match"));

    let reset_token = app
        .state
        .tokens
        .issue(TokenKind::ResetPassword, alice.id, |c| c.pv = Some(0))
        .unwrap();
    let res = app
        .request(Method::PATCH, &path)
        .as_user(&alice)
        .json(&json!({"oldPassword": PASSWORD, "newPassword": "N3w!password"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["id"], alice.id);

    let mut c = app.state.db.acquire().await.unwrap();
    assert_eq!(
        sessions::count_user_sessions(&mut c, alice.id)
            .await
            .unwrap(),
        1
    );
    let u = shared::db::users::find_by_id(&mut c, alice.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        u.password_version, 1,
        "outstanding reset tokens are invalidated"
    );
    let reset = app
        .state
        .tokens
        .verify(TokenKind::ResetPassword, &reset_token)
        .unwrap();
    assert_ne!(
        reset.pv,
        Some(u.password_version),
        "the reset route refuses a token of an older password version"
    );
    let laptop = app
        .state
        .tokens
        .verify(TokenKind::Refresh, &laptop.refresh)
        .unwrap();
    let nonce = laptop.nonce.unwrap_or_default();
    assert!(
        sessions::find_nonce(&mut c, alice.id, &nonce)
            .await
            .unwrap()
            .is_none(),
        "the other session's refresh token is gone"
    );
    assert!(
        app.state
            .hasher
            .verify("N3w!password".into(), Some(u.password_hash))
            .await
            .unwrap()
    );
}

async fn deleting_the_account_removes_the_user_their_calendars_and_sessions(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let bob = app.signed_up("bob").await;
    let cal = share_calendar(app, &alice, &bob, true).await;
    let name = upload(app, &alice, &png()).await.json()["server_filename"]
        .as_str()
        .unwrap()
        .to_string();
    app.request(Method::PATCH, &format!("/api/users/{}", alice.id))
        .as_user(&alice)
        .json(&json!({"profilePictureName": name}))
        .send()
        .await;

    let res = app
        .request(Method::DELETE, &format!("/api/users/{}", alice.id))
        .bearer(&alice.access)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert!(res.body.is_empty());

    app.request(Method::GET, &format!("/api/users/{}", alice.id))
        .as_user(&alice)
        .send()
        .await
        .assert_error(401, json!("Unauthorized"));
    let mut c = app.state.db.acquire().await.unwrap();
    assert_eq!(
        sessions::count_user_sessions(&mut c, alice.id)
            .await
            .unwrap(),
        0
    );
    let bobs = shared::db::calendars::list_confirmed_of_user(&mut c, bob.id)
        .await
        .unwrap();
    assert!(
        bobs.iter().all(|m| m.member.calendar_id != cal),
        "the calendar alice created is gone"
    );
    assert_eq!(bobs.len(), 2);
    drop(c);
    app.request(Method::GET, &format!("/uploads/avatars/{name}"))
        .send()
        .await
        .assert_error(404, json!(format!("Cannot GET /uploads/avatars/{name}")));
    let again = app.request(Method::POST, "/api/users/x").send().await;
    assert_eq!(again.status, 404);
}

async fn the_caller_lists_their_confirmed_calendars_main_and_holiday_first(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let bob = app.signed_up("bob").await;
    let shared_cal = share_calendar(app, &alice, &bob, true).await;
    share_calendar(app, &alice, &bob, false).await;

    let res = app
        .request(Method::GET, &format!("/api/users/{}/calendars", bob.id))
        .as_user(&bob)
        .send()
        .await;
    assert_eq!(res.status, 200);
    let list = res.json();
    let kinds: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["calendarType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["main", "holiday", "additional"],
        "pending memberships are not listed"
    );
    let team = &list[2];
    assert_eq!(team["calendarId"], shared_cal);
    assert_eq!(team["role"], "editor");
    assert_eq!(team["isConfirmed"], true);
    assert_eq!(team["isVisible"], true);
    assert_eq!(team["calendar"]["name"], "Team");
    assert_eq!(team["calendar"]["creatorId"], alice.id);
    assert_eq!(team["calendar"]["description"], Value::Null);
    assert!(team["calendar"].get("creator").is_none());
    let keys: Vec<&str> = team
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "userId",
            "calendarId",
            "calendarType",
            "isVisible",
            "role",
            "color",
            "isConfirmed",
            "createdAt",
            "updatedAt",
            "calendar"
        ]
    );
}

async fn sqlx_set_email(mut tx: &mut shared::db::Tx, id: i64, email: &str) {
    shared::with_conn!(tx, |c| sqlx::query(
        "UPDATE users SET email = ?, email_key = ? WHERE id = ?"
    )
    .bind(email)
    .bind(email.to_lowercase())
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))
    .unwrap();
}
