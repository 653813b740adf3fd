//! K2-K5 behaviour and error cases.

use super::helpers::*;

shared::db_tests!(
    spawn,
    a_created_calendar_has_an_owner_membership_with_its_colour,
    calendar_validation,
    patch_changes_only_what_was_sent_and_an_empty_body_changes_nothing,
    main_and_holiday_calendars_can_be_renamed_but_not_deleted_or_shared,
    unknown_calendars,
    deleting_a_calendar_removes_every_membership_in_one_go
);

async fn a_created_calendar_has_an_owner_membership_with_its_colour(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let res = app
        .request(Method::POST, "/api/calendars/")
        .as_user(&alice)
        .json(&json!({"name": "Family", "description": "At home", "color": "#33B679"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let cal = res.json();
    let keys: Vec<&str> = cal
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "creatorId",
            "name",
            "description",
            "createdAt",
            "updatedAt"
        ]
    );
    assert_eq!(
        (
            cal["name"].clone(),
            cal["description"].clone(),
            cal["creatorId"].clone()
        ),
        (json!("Family"), json!("At home"), json!(alice.id))
    );
    let id = cal["id"].as_i64().unwrap();
    let me = app
        .request(
            Method::GET,
            &format!("/api/calendars/{id}/members/{}", alice.id),
        )
        .as_user(&alice)
        .send()
        .await
        .json();
    assert_eq!(
        (
            me["calendarType"].clone(),
            me["role"].clone(),
            me["color"].clone(),
            me["isConfirmed"].clone(),
            me["isVisible"].clone()
        ),
        (
            json!("additional"),
            json!("owner"),
            json!("#33B679"),
            json!(true),
            json!(true)
        )
    );
    assert_eq!(me["calendar"]["id"], id);

    let got = app
        .request(Method::GET, &format!("/api/calendars/{id}"))
        .as_user(&alice)
        .send()
        .await
        .json();
    assert_eq!(got["creator"]["id"], alice.id);
    assert!(got["creator"].get("timeZone").is_none());
}

async fn calendar_validation(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "empty",
            json!({}),
            json!(["name should not be empty", "color should not be empty"]),
        ),
        (
            "short",
            json!({"name": "ab", "color": "#123456"}),
            json!(["name must be longer than or equal to 3 characters"]),
        ),
        (
            "long description",
            json!({"name": "abc", "description": "d".repeat(256), "color": "#123456"}),
            json!(["description must be shorter than or equal to 255 characters"]),
        ),
        (
            "colour",
            json!({"name": "abc", "color": "red"}),
            json!(["Color must be a valid hex color code (e.g., #FF5733)"]),
        ),
        (
            "number name",
            json!({"name": 7, "color": "#123456"}),
            json!(["name must be a string"]),
        ),
    ];
    for (why, body, expected) in cases {
        let res = app
            .request(Method::POST, "/api/calendars")
            .as_user(&alice)
            .json(&body)
            .send()
            .await;
        assert_eq!(res.status, 400, "{why}");
        res.assert_error(400, expected);
    }
    let cal = app
        .request(Method::POST, "/api/calendars")
        .as_user(&alice)
        .json(&json!({"name": "abc", "description": null, "color": "#123456"}))
        .send()
        .await;
    assert_eq!(cal.json()["description"], Value::Null);
    let id = cal.json()["id"].as_i64().unwrap();
    app.request(Method::PATCH, &format!("/api/calendars/{id}"))
        .as_user(&alice)
        .json(&json!({"name": null}))
        .send()
        .await
        .assert_error(400, json!(["name should not be null"]));
}

async fn patch_changes_only_what_was_sent_and_an_empty_body_changes_nothing(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let id = app
        .request(Method::POST, "/api/calendars")
        .as_user(&alice)
        .json(&json!({"name": "Team", "description": "x", "color": "#123456"}))
        .send()
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    app.clock.advance(chrono::TimeDelta::seconds(3));
    let before = app
        .request(Method::GET, &format!("/api/calendars/{id}"))
        .as_user(&alice)
        .send()
        .await
        .json();
    let res = app
        .request(Method::PATCH, &format!("/api/calendars/{id}"))
        .as_user(&alice)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json(), before);
    let res = app
        .request(Method::PATCH, &format!("/api/calendars/{id}"))
        .as_user(&alice)
        .json(&json!({"description": null}))
        .send()
        .await;
    assert_eq!(res.json()["description"], Value::Null);
    assert_eq!(res.json()["name"], "Team");
    assert_ne!(res.json()["updatedAt"], before["updatedAt"]);
    assert_eq!(res.json()["creator"]["id"], alice.id);
}

async fn main_and_holiday_calendars_can_be_renamed_but_not_deleted_or_shared(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let bob = app.signed_up("bob").await;
    for kind in ["main", "holiday"] {
        let id = own_calendar(app, &alice, kind).await;
        let res = app
            .request(Method::PATCH, &format!("/api/calendars/{id}"))
            .as_user(&alice)
            .json(&json!({"name": "Renamed"}))
            .send()
            .await;
        assert_eq!(res.status, 200, "{kind}");
        assert_eq!(res.json()["name"], "Renamed");
        app.request(Method::DELETE, &format!("/api/calendars/{id}"))
            .bearer(&alice.access)
            .send()
            .await
            .assert_error(
                403,
                json!("You do not have permission to modify main or holiday calendar"),
            );
        app.request(Method::POST, &format!("/api/calendars/{id}/members"))
            .as_user(&alice)
            .json(&json!({"userEmail": bob.email, "role": "viewer"}))
            .send()
            .await
            .assert_error(400, json!("Cannot invite users to your main calendar"));
        app.request(Method::DELETE, &format!("/api/calendars/{id}"))
            .bearer(&bob.access)
            .send()
            .await
            .assert_error(
                403,
                json!("You do not have permission to modify main or holiday calendar"),
            );
    }
}

async fn unknown_calendars(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    app.request(Method::GET, "/api/calendars/999999")
        .as_user(&alice)
        .send()
        .await
        .assert_error(404, json!("The user does not have access to this calendar"));
    app.request(Method::PATCH, "/api/calendars/999999")
        .as_user(&alice)
        .json(&json!({"name": "abc"}))
        .send()
        .await
        .assert_error(404, json!("Calendar not found"));
    app.request(Method::DELETE, "/api/calendars/999999")
        .bearer(&alice.access)
        .send()
        .await
        .assert_error(404, json!("Calendar not found"));
    app.request(Method::GET, "/api/calendars/0")
        .as_user(&alice)
        .send()
        .await
        .assert_error(400, json!(["id must be a positive integer"]));
    app.request(Method::GET, "/api/calendars/x/members")
        .as_user(&alice)
        .send()
        .await
        .assert_error(400, json!(["calendarId must be a positive integer"]));
    app.request(Method::GET, "/api/calendars/x/members/y")
        .as_user(&alice)
        .send()
        .await
        .assert_error(
            400,
            json!([
                "calendarId must be a positive integer",
                "userId must be a positive integer"
            ]),
        );
}

async fn deleting_a_calendar_removes_every_membership_in_one_go(app: &TestApp) {
    let cast = Cast::new(app).await;
    let cal = cast.calendar;
    let res = app
        .request(Method::DELETE, &format!("/api/calendars/{cal}"))
        .bearer(&cast.creator.access)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert!(res.body.is_empty());
    for user in [&cast.owner, &cast.editor, &cast.pending] {
        let mut c = app.state.db.acquire().await.unwrap();
        assert!(
            shared::db::calendars::find_member(&mut c, cal, user.id)
                .await
                .unwrap()
                .is_none()
        );
    }
    let mine = app
        .request(Method::GET, "/api/calendars/holidays")
        .as_user(&cast.editor)
        .send()
        .await;
    assert_eq!(mine.status, 200);
    app.request(Method::GET, &format!("/api/calendars/{cal}"))
        .as_user(&cast.editor)
        .send()
        .await
        .assert_error(404, json!("The user does not have access to this calendar"));
    let token = invitation_token(app, cal, &cast.pending).await;
    app.request(
        Method::POST,
        &format!("/api/calendars/0/members/confirm-calendar/{token}"),
    )
    .send()
    .await
    .assert_error(400, json!("Cannot confirm the calendar"));
}
