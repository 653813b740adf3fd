//! M1-M6 behaviour and error cases.

use super::helpers::*;

shared::db_tests!(
    spawn,
    an_invitation_is_a_pending_membership_with_the_inviters_colour_and_an_email,
    invitation_errors_in_the_contract_order,
    confirming_is_public_idempotent_and_takes_the_calendar_from_the_token,
    member_updates_take_exactly_one_field,
    removal_errors_and_declining_an_invitation
);

async fn an_invitation_is_a_pending_membership_with_the_inviters_colour_and_an_email(
    app: &TestApp,
) {
    let alice = app.signed_up("alice").await;
    let bob = app.signed_up("bob").await;
    let cal = app
        .request(Method::POST, "/api/calendars")
        .as_user(&alice)
        .json(&json!({"name": "<Team>", "color": "#33B679"}))
        .send()
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let res = app
        .request(Method::POST, &format!("/api/calendars/{cal}/members"))
        .as_user(&alice)
        .json(&json!({"userEmail": "BOB@example.com", "role": "editor"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let m = res.json();
    let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
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
            "updatedAt"
        ]
    );
    assert_eq!(
        (
            m["userId"].clone(),
            m["calendarType"].clone(),
            m["role"].clone(),
            m["color"].clone(),
            m["isConfirmed"].clone(),
            m["isVisible"].clone()
        ),
        (
            json!(bob.id),
            json!("additional"),
            json!("editor"),
            json!("#33B679"),
            json!(false),
            json!(true)
        )
    );

    app.run_jobs().await;
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|r| r.recipient == "bob@example.com" && r.kind == "calendar-invitation")
        .unwrap();
    assert_eq!(mail.subject, "Calendar Access Invitation: <Team>");
    assert!(
        mail.html_body.contains("alice@example.com")
            && mail.html_body.contains("&lt;Team&gt;")
            && mail.html_body.contains("editor")
    );
    assert!(mail.text_body.contains("alice@example.com"));
    assert!(mail.links.contains(&format!(
        "http://localhost:5173/calendars/{cal}/confirm-calendar/"
    )));

    let mine = app
        .request(Method::GET, &format!("/api/users/{}/calendars", bob.id))
        .as_user(&bob)
        .send()
        .await;
    assert_eq!(
        mine.status, 404,
        "users routes are not part of this function"
    );
    let res = confirm(app, cal, &bob).await;
    assert_eq!(res.json()["isConfirmed"], true);
    assert_eq!(res.json()["id"], m["id"]);
    let listed = app
        .request(Method::GET, &format!("/api/calendars/{cal}/members"))
        .as_user(&bob)
        .send()
        .await
        .json();
    let keys: Vec<&str> = listed[1]
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
            "user"
        ]
    );
    assert_eq!(listed[1]["user"]["email"], "bob@example.com");
    assert!(listed[1]["user"].get("timeZone").is_none());
}

async fn invitation_errors_in_the_contract_order(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let bob = app.signed_up("bob").await;
    // Carol registers but never confirms her e-mail.
    app.registered("carol").await;
    let cal = app
        .request(Method::POST, "/api/calendars")
        .as_user(&alice)
        .json(&json!({"name": "Team", "color": "#33B679"}))
        .send()
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/calendars/{cal}/members");
    app.request(Method::POST, &path)
        .as_user(&alice)
        .json(&json!({}))
        .send()
        .await
        .assert_error(
            400,
            json!(["userEmail should not be empty", "role should not be empty"]),
        );
    app.request(Method::POST, &path)
        .as_user(&alice)
        .json(&json!({"userEmail": "x", "role": "admin"}))
        .send()
        .await
        .assert_error(
            400,
            json!([
                "userEmail must be an email",
                "role must be one of the following values: owner, editor, viewer"
            ]),
        );
    app.request(Method::POST, "/api/calendars/999999/members")
        .as_user(&alice)
        .json(&json!({"userEmail": bob.email, "role": "viewer"}))
        .send()
        .await
        .assert_error(404, json!("Calendar not found"));
    app.request(Method::POST, &path)
        .as_user(&alice)
        .json(&json!({"userEmail": "nobody@example.com", "role": "viewer"}))
        .send()
        .await
        .assert_error(404, json!("User with this email not found"));
    app.request(Method::POST, &path)
        .as_user(&alice)
        .json(&json!({"userEmail": "carol@example.com", "role": "viewer"}))
        .send()
        .await
        .assert_error(400, json!("User must confirm their email first"));
    app.request(Method::POST, &path)
        .as_user(&alice)
        .json(&json!({"userEmail": alice.email, "role": "viewer"}))
        .send()
        .await
        .assert_error(409, json!("User already has access to this calendar"));
    invite(app, &alice, cal, &bob, "viewer").await;
    app.request(Method::POST, &path)
        .as_user(&alice)
        .json(&json!({"userEmail": bob.email, "role": "owner"}))
        .send()
        .await
        .assert_error(409, json!("User already has access to this calendar"));
    confirm(app, cal, &bob).await;
    app.request(Method::POST, &path)
        .as_user(&alice)
        .json(&json!({"userEmail": bob.email, "role": "owner"}))
        .send()
        .await
        .assert_error(409, json!("User already has access to this calendar"));
}

async fn confirming_is_public_idempotent_and_takes_the_calendar_from_the_token(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let bob = app.signed_up("bob").await;
    let cal = app
        .request(Method::POST, "/api/calendars")
        .as_user(&alice)
        .json(&json!({"name": "Team", "color": "#33B679"}))
        .send()
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    invite(app, &alice, cal, &bob, "viewer").await;
    let token = invitation_token(app, cal, &bob).await;
    let first = app
        .request(
            Method::POST,
            &format!("/api/calendars/424242/members/confirm-calendar/{token}"),
        )
        .bearer("stale")
        .send()
        .await;
    assert_eq!(first.status, 201, "{}", first.text());
    let second = app
        .request(
            Method::POST,
            &format!("/api/calendars/0/members/confirm-calendar/{token}/"),
        )
        .send()
        .await;
    assert_eq!(second.status, 201);
    assert_eq!(first.json(), second.json(), "unchanged the second time");
    assert_eq!(
        app.request(Method::GET, &format!("/api/calendars/{cal}/members"))
            .as_user(&alice)
            .send()
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    for bad in ["nonsense".to_string(), bob.access.clone()] {
        app.request(
            Method::POST,
            &format!("/api/calendars/0/members/confirm-calendar/{bad}"),
        )
        .send()
        .await
        .assert_error(400, json!("Invalid or expired token"));
    }
    app.request(
        Method::DELETE,
        &format!("/api/calendars/{cal}/members/{}", bob.id),
    )
    .bearer(&alice.access)
    .send()
    .await;
    app.request(
        Method::POST,
        &format!("/api/calendars/0/members/confirm-calendar/{token}"),
    )
    .send()
    .await
    .assert_error(400, json!("Cannot confirm the calendar"));
    app.clock.advance(chrono::TimeDelta::hours(24));
    let alice = app.logged_in(alice.id).await;
    invite(app, &alice, cal, &bob, "viewer").await;
    app.request(
        Method::POST,
        &format!("/api/calendars/0/members/confirm-calendar/{token}"),
    )
    .send()
    .await
    .assert_error(400, json!("Invalid or expired token"));
}

async fn member_updates_take_exactly_one_field(app: &TestApp) {
    let cast = Cast::new(app).await;
    let cal = cast.calendar;
    let path = format!("/api/calendars/{cal}/members/{}", cast.editor.id);
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "none",
            json!({}),
            json!(["At least one field (role, color or isVisible) must be provided"]),
        ),
        (
            "two",
            json!({"role": "viewer", "color": "#000000"}),
            json!([
                "You can update either role, color or isVisible, but not multiple fields at the same time"
            ]),
        ),
        (
            "bad role",
            json!({"role": "boss"}),
            json!(["role must be one of the following values: owner, editor, viewer"]),
        ),
        (
            "bad colour",
            json!({"color": "blue"}),
            json!(["Color must be a valid hex color code (e.g., #FF5733)"]),
        ),
        (
            "bad bool",
            json!({"isVisible": "yes"}),
            json!(["isVisible must be a boolean value"]),
        ),
    ];
    for (why, body, expected) in cases {
        let res = app
            .request(Method::PATCH, &path)
            .as_user(&cast.creator)
            .json(&body)
            .send()
            .await;
        assert_eq!(res.status, 400, "{why}");
        res.assert_error(400, expected);
    }
    let res = app
        .request(Method::PATCH, &path)
        .as_user(&cast.creator)
        .json(&json!({"role": "viewer"}))
        .send()
        .await;
    assert_eq!(res.json()["role"], "viewer");
    let res = app
        .request(Method::PATCH, &path)
        .as_user(&cast.editor)
        .json(&json!({"isVisible": "false"}))
        .send()
        .await;
    assert_eq!(res.json()["isVisible"], false);
    let res = app
        .request(Method::PATCH, &path)
        .as_user(&cast.editor)
        .json(&json!({"color": "#abcdef"}))
        .send()
        .await;
    assert_eq!(res.json()["color"], "#abcdef");
    app.request(
        Method::PATCH,
        &format!("/api/calendars/{cal}/members/{}", cast.creator.id),
    )
    .as_user(&cast.creator)
    .json(&json!({"role": "viewer"}))
    .send()
    .await
    .assert_error(400, json!("Cannot change the role of the calendar creator"));
    app.request(
        Method::PATCH,
        &format!("/api/calendars/{cal}/members/{}", cast.stranger.id),
    )
    .as_user(&cast.creator)
    .json(&json!({"role": "viewer"}))
    .send()
    .await
    .assert_error(404, json!("Calendar-member is not found"));
    app.request(Method::PATCH, "/api/calendars/999999/members/1")
        .as_user(&cast.creator)
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .assert_error(404, json!("Calendar not found"));
    let main = own_calendar(app, &cast.editor, "main").await;
    let res = app
        .request(
            Method::PATCH,
            &format!("/api/calendars/{main}/members/{}", cast.editor.id),
        )
        .as_user(&cast.editor)
        .json(&json!({"color": "#111111"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "colour of a main membership may change");
}

async fn removal_errors_and_declining_an_invitation(app: &TestApp) {
    let cast = Cast::new(app).await;
    let cal = cast.calendar;
    app.request(Method::DELETE, "/api/calendars/999999/members/1")
        .bearer(&cast.creator.access)
        .send()
        .await
        .assert_error(404, json!("Calendar not found"));
    app.request(
        Method::DELETE,
        &format!("/api/calendars/{cal}/members/{}", cast.stranger.id),
    )
    .bearer(&cast.creator.access)
    .send()
    .await
    .assert_error(404, json!("Calendar-member is not found"));
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/calendars/{cal}/members/{}", cast.pending.id),
        )
        .bearer(&cast.pending.access)
        .send()
        .await;
    assert_eq!(res.status, 200, "a pending invitee declines");
    let members = app
        .request(Method::GET, &format!("/api/calendars/{cal}/members"))
        .as_user(&cast.creator)
        .send()
        .await
        .json();
    assert_eq!(members.as_array().unwrap().len(), 4);
    invite(app, &cast.creator, cal, &cast.pending, "viewer").await;
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/calendars/{cal}/members/{}", cast.pending.id),
        )
        .bearer(&cast.creator.access)
        .send()
        .await;
    assert_eq!(res.status, 200, "the creator withdraws an invitation");
}
