//! P1-P5: answering, colours, removal, confirmation links, re-invitation.

use super::helpers::*;

shared::db_tests!(
    spawn,
    an_invitee_confirms_from_the_link_then_answers_everywhere_at_once,
    participation_updates_are_validated_and_owned,
    invitations_are_checked_in_the_contract_order,
    reinviting_resends_the_email_and_leaving_voids_the_link,
    a_removed_home_member_is_set_to_null_and_their_invitation_voided,
    someone_who_answered_cannot_be_invited_again,
    confirmation_tokens_are_checked
);

async fn an_invitee_confirms_from_the_link_then_answers_everywhere_at_once(app: &TestApp) {
    let cast = Cast::new(app).await;
    let e = create(
        app,
        &cast.creator,
        arrangement(cast.calendar, &[cast.viewer.id]),
    )
    .await;
    let id = e["id"].as_i64().unwrap();
    // The viewer is a member of the home calendar: home row + main row, both invited.
    let link = participation_link(app, &cast.viewer, id).await;
    let token = link.rsplit('/').next().unwrap();
    let home = membership(app, &cast.viewer, cast.calendar).await;
    assert!(
        link.contains(&format!("/calendar-members/{home}/")),
        "the invitation row is the home one"
    );
    let res = app
        .request(
            Method::POST,
            &format!("/api/events/0/calendar-members/0/confirm-participation/{token}"),
        )
        .bearer("stale")
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let detail = res.json();
    let keys: Vec<&str> = detail
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "calendarMemberId",
            "eventId",
            "color",
            "responseStatus",
            "createdAt",
            "updatedAt",
            "calendarMember",
            "event"
        ]
    );
    assert_eq!(detail["responseStatus"], "pending");
    assert_eq!(detail["calendarMember"]["user"]["id"], cast.viewer.id);
    assert!(detail["event"].get("participations").is_none());
    let again = app
        .request(
            Method::POST,
            &format!("/api/events/0/calendar-members/0/confirm-participation/{token}"),
        )
        .send()
        .await;
    assert_eq!(again.status, 201, "idempotent");

    let res = app
        .request(
            Method::PATCH,
            &format!("/api/events/{id}/calendar-members/{home}"),
        )
        .as_user(&cast.viewer)
        .json(&json!({"responseStatus": "accepted"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let full = app
        .request(Method::GET, &format!("/api/events/{id}"))
        .as_user(&cast.viewer)
        .send()
        .await
        .json();
    let mine: Vec<Value> = full["participations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["calendarMember"]["userId"] == cast.viewer.id)
        .map(|p| p["responseStatus"].clone())
        .collect();
    assert_eq!(
        mine,
        vec![json!("accepted"), json!("accepted")],
        "every participation of the user"
    );

    let res = app
        .request(
            Method::PATCH,
            &format!("/api/events/{id}/calendar-members/{home}"),
        )
        .as_user(&cast.viewer)
        .json(&json!({"color": "#000000"}))
        .send()
        .await;
    assert_eq!(res.json()["color"], "#000000");
    let main = membership(app, &cast.viewer, main_calendar(app, &cast.viewer).await).await;
    let other = app
        .request(
            Method::GET,
            &format!("/api/events/{id}/calendar-members/{main}"),
        )
        .as_user(&cast.viewer)
        .send()
        .await
        .json();
    assert_eq!(other["color"], "#4285F4", "colour changes only that row");
}

async fn participation_updates_are_validated_and_owned(app: &TestApp) {
    let cast = Cast::new(app).await;
    let id = create(
        app,
        &cast.creator,
        arrangement(cast.calendar, &[cast.guest.id]),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let editor_home = membership(app, &cast.editor, cast.calendar).await;
    let path = format!("/api/events/{id}/calendar-members/{editor_home}");
    app.request(Method::PATCH, &path)
        .as_user(&cast.editor)
        .json(&json!({}))
        .send()
        .await
        .assert_error(
            400,
            json!(["At least one field (responseStatus or color) must be provided"]),
        );
    let both =
        "You can update either responseStatus or color, but not multiple fields at the same time";
    app.request(Method::PATCH, &path)
        .as_user(&cast.editor)
        .json(&json!({"responseStatus": "accepted", "color": "#000000"}))
        .send()
        .await
        .assert_error(400, json!([both]));
    app.request(Method::PATCH, &path)
        .as_user(&cast.editor)
        .json(&json!({"responseStatus": "invited"}))
        .send()
        .await
        .assert_error(
            400,
            json!([
                "responseStatus must be one of the following values: pending, accepted, declined"
            ]),
        );
    app.request(Method::PATCH, &path)
        .as_user(&cast.editor)
        .json(&json!({"responseStatus": "accepted"}))
        .send()
        .await
        .assert_error(400, json!("You are not a participant of this event"));
    app.request(Method::PATCH, &path)
        .as_user(&cast.creator)
        .json(&json!({"color": "#000000"}))
        .send()
        .await
        .assert_error(403, json!("You can only change your own participation"));
    app.request(
        Method::PATCH,
        &format!("/api/events/{id}/calendar-members/999999"),
    )
    .as_user(&cast.editor)
    .json(&json!({"color": "#000000"}))
    .send()
    .await
    .assert_error(404, json!("Event participation not found"));
    assert_eq!(
        app.request(Method::PATCH, &path)
            .as_user(&cast.editor)
            .json(&json!({"color": "#000000"}))
            .send()
            .await
            .status,
        200
    );
    app.request(
        Method::GET,
        &format!("/api/events/{id}/calendar-members/{editor_home}"),
    )
    .as_user(&cast.stranger)
    .send()
    .await
    .assert_error(404, json!("Event not found"));
    app.request(
        Method::GET,
        &format!("/api/events/{id}/calendar-members/999999"),
    )
    .as_user(&cast.editor)
    .send()
    .await
    .assert_error(404, json!("Event participation not found"));
}

async fn invitations_are_checked_in_the_contract_order(app: &TestApp) {
    let (cast, _, path) = invitable(app).await;
    let c = cast.calendar;
    app.request(Method::POST, &path)
        .as_user(&cast.creator)
        .json(&json!({}))
        .send()
        .await
        .assert_error(
            400,
            json!([
                "calendarId should not be empty",
                "userId should not be empty"
            ]),
        );
    app.request(Method::POST, "/api/events/999999/calendar-members")
        .as_user(&cast.creator)
        .json(&json!({"calendarId": c, "userId": cast.guest.id}))
        .send()
        .await
        .assert_error(404, json!("Event not found"));
    app.request(Method::POST, &path)
        .as_user(&cast.creator)
        .json(&json!({"calendarId": c + 1, "userId": cast.guest.id}))
        .send()
        .await
        .assert_error(400, json!("Event does not belong to this calendar"));
    app.request(Method::POST, &path)
        .as_user(&cast.viewer)
        .json(&json!({"calendarId": c, "userId": cast.guest.id}))
        .send()
        .await
        .assert_error(
            403,
            json!("You need editor or owner role to perform this action"),
        );
    app.request(Method::POST, &path)
        .as_user(&cast.creator)
        .json(&json!({"calendarId": c, "userId": 999_999}))
        .send()
        .await
        .assert_error(404, json!("User not found"));
    let mut task = arrangement(c, &[]);
    task["type"] = json!("task");
    let t = create(app, &cast.creator, task).await["id"]
        .as_i64()
        .unwrap();
    app.request(Method::POST, &format!("/api/events/{t}/calendar-members"))
        .as_user(&cast.creator)
        .json(&json!({"calendarId": c, "userId": cast.guest.id}))
        .send()
        .await
        .assert_error(
            400,
            json!("Only arrangements can have invited participants"),
        );
}

async fn reinviting_resends_the_email_and_leaving_voids_the_link(app: &TestApp) {
    let (cast, id, path) = invitable(app).await;
    let c = cast.calendar;
    let res = app
        .request(Method::POST, &path)
        .as_user(&cast.creator)
        .json(&json!({"calendarId": c, "userId": cast.guest.id}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let guest_main = res.json()["calendarMemberId"].as_i64().unwrap();
    assert_eq!(res.json()["responseStatus"], "invited");
    // Re-inviting an invited user re-sends the e-mail.
    assert_eq!(
        app.request(Method::POST, &path)
            .as_user(&cast.creator)
            .json(&json!({"calendarId": c, "userId": cast.guest.id}))
            .send()
            .await
            .status,
        201
    );
    let link = participation_link(app, &cast.guest, id).await;
    let token = link.rsplit('/').next().unwrap().to_string();
    let sent = app
        .outbox()
        .await
        .iter()
        .filter(|r| r.recipient == cast.guest.email && r.kind == "event-invitation")
        .count();
    assert_eq!(sent, 2);
    // The guest removes themself: their main row is deleted; the link is then void.
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/events/{id}/calendar-members/{guest_main}"),
        )
        .bearer(&cast.guest.access)
        .send()
        .await;
    assert_eq!(res.status, 200);
    app.request(
        Method::POST,
        &format!("/api/events/1/calendar-members/1/confirm-participation/{token}"),
    )
    .send()
    .await
    .assert_error(404, json!("Event participation not found"));
}

async fn a_removed_home_member_is_set_to_null_and_their_invitation_voided(app: &TestApp) {
    let (cast, id, path) = invitable(app).await;
    let c = cast.calendar;
    // A home-calendar member removed is set to null and the invitation becomes invalid.
    let res = app
        .request(Method::POST, &path)
        .as_user(&cast.creator)
        .json(&json!({"calendarId": c, "userId": cast.viewer.id}))
        .send()
        .await;
    let viewer_home = res.json()["calendarMemberId"].as_i64().unwrap();
    let link = participation_link(app, &cast.viewer, id).await;
    let token = link.rsplit('/').next().unwrap().to_string();
    app.request(
        Method::DELETE,
        &format!("/api/events/{id}/calendar-members/{viewer_home}"),
    )
    .bearer(&cast.stranger.access)
    .send()
    .await
    .assert_error(
        403,
        json!("You do not have permission to remove this participant"),
    );
    assert_eq!(
        app.request(
            Method::DELETE,
            &format!("/api/events/{id}/calendar-members/{viewer_home}")
        )
        .bearer(&cast.owner.access)
        .send()
        .await
        .status,
        200
    );
    let still = app
        .request(
            Method::GET,
            &format!("/api/events/{id}/calendar-members/{viewer_home}"),
        )
        .as_user(&cast.viewer)
        .send()
        .await;
    assert_eq!(
        still.json()["responseStatus"],
        Value::Null,
        "the event stays in the shared calendar"
    );
    app.request(
        Method::POST,
        &format!("/api/events/1/calendar-members/1/confirm-participation/{token}"),
    )
    .send()
    .await
    .assert_error(400, json!("Invitation is no longer valid"));
    assert_eq!(
        app.request(
            Method::DELETE,
            &format!("/api/events/{id}/calendar-members/{viewer_home}")
        )
        .bearer(&cast.viewer.access)
        .send()
        .await
        .status,
        200,
        "null again is fine"
    );
}

async fn someone_who_answered_cannot_be_invited_again(app: &TestApp) {
    let (cast, id, path) = invitable(app).await;
    let c = cast.calendar;
    // Someone who already answered cannot be invited again.
    let res = app
        .request(Method::POST, &path)
        .as_user(&cast.creator)
        .json(&json!({"calendarId": c, "userId": cast.editor.id}))
        .send()
        .await;
    assert_eq!(res.status, 201);
    let editor_home = membership(app, &cast.editor, c).await;
    app.request(
        Method::PATCH,
        &format!("/api/events/{id}/calendar-members/{editor_home}"),
    )
    .as_user(&cast.editor)
    .json(&json!({"responseStatus": "declined"}))
    .send()
    .await;
    app.request(Method::POST, &path)
        .as_user(&cast.creator)
        .json(&json!({"calendarId": c, "userId": cast.editor.id}))
        .send()
        .await
        .assert_error(400, json!("User is already a participant of this event"));
}

/// An arrangement of the editor in the team calendar, with its P2 path.
async fn invitable(app: &TestApp) -> (Cast, i64, String) {
    let cast = Cast::new(app).await;
    let id = create(app, &cast.editor, arrangement(cast.calendar, &[])).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/events/{id}/calendar-members");
    (cast, id, path)
}

async fn confirmation_tokens_are_checked(app: &TestApp) {
    let cast = Cast::new(app).await;
    let id = create(
        app,
        &cast.creator,
        arrangement(cast.calendar, &[cast.guest.id]),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let link = participation_link(app, &cast.guest, id).await;
    let token = link.rsplit('/').next().unwrap();
    for bad in ["junk".to_string(), cast.guest.access.clone()] {
        app.request(
            Method::POST,
            &format!("/api/events/1/calendar-members/1/confirm-participation/{bad}"),
        )
        .send()
        .await
        .assert_error(400, json!("Invalid or expired token"));
    }
    let claims = app
        .state
        .tokens
        .verify(shared::auth::tokens::TokenKind::ConfirmArrangement, token)
        .unwrap();
    let forged = app
        .state
        .tokens
        .issue(
            shared::auth::tokens::TokenKind::ConfirmArrangement,
            cast.stranger.id,
            |c| c.event_participation_id = claims.event_participation_id,
        )
        .unwrap();
    app.request(
        Method::POST,
        &format!("/api/events/1/calendar-members/1/confirm-participation/{forged}"),
    )
    .send()
    .await
    .assert_error(400, json!("Invalid or expired token"));
    app.clock.advance(chrono::TimeDelta::hours(24));
    app.request(
        Method::POST,
        &format!("/api/events/1/calendar-members/1/confirm-participation/{token}"),
    )
    .send()
    .await
    .assert_error(400, json!("Invalid or expired token"));
}
