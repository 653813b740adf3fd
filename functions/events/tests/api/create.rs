//! E1-E4: creation with the participation model, validation, updates, deletion, ETag.

use super::helpers::*;

shared::db_tests!(
    spawn,
    an_arrangement_creates_home_participations_and_invites_participants,
    a_reminder_is_accepted_by_every_member_and_a_task_by_its_creator,
    creation_is_validated_field_by_field,
    who_may_create_events_where,
    patch_merges_values_keeps_absent_fields_and_checks_if_match,
    deleting_needs_the_right_role_and_removes_everything,
    calendar_deletion_cascades_and_membership_changes_follow_events
);

async fn an_arrangement_creates_home_participations_and_invites_participants(app: &TestApp) {
    let cast = Cast::new(app).await;
    let res = app
        .request(Method::POST, "/api/events/")
        .as_user(&cast.editor)
        .json(&arrangement(
            cast.calendar,
            &[cast.editor.id, cast.guest.id],
        ))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let etag = res.header("etag").unwrap().to_string();
    let e = res.json();
    let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "creatorId",
            "calendarId",
            "name",
            "description",
            "category",
            "startedAt",
            "endedAt",
            "type",
            "createdAt",
            "updatedAt",
            "timeZone",
            "allDay",
            "recurrence",
            "reminders",
            "creator",
            "task",
            "participations"
        ]
    );
    assert_eq!(
        (
            e["description"].clone(),
            e["timeZone"].clone(),
            e["allDay"].clone(),
            e["recurrence"].clone(),
            e["reminders"].clone(),
            e["task"].clone()
        ),
        (
            json!(""),
            json!("Europe/Kyiv"),
            json!(false),
            Value::Null,
            json!([15]),
            Value::Null
        )
    );
    assert_eq!(e["startedAt"], "2025-04-01T09:00:00.000Z");
    let parts = e["participations"].as_array().unwrap();
    let summary: Vec<(i64, i64, Value)> = parts
        .iter()
        .map(|p| {
            (
                p["calendarMember"]["userId"].as_i64().unwrap(),
                p["calendarMember"]["calendarId"].as_i64().unwrap(),
                p["responseStatus"].clone(),
            )
        })
        .collect();
    let main_editor = main_calendar(app, &cast.editor).await;
    let main_guest = main_calendar(app, &cast.guest).await;
    let c = cast.calendar;
    assert_eq!(
        summary,
        vec![
            (cast.editor.id, c, json!("pending")),
            (cast.creator.id, c, Value::Null),
            (cast.owner.id, c, Value::Null),
            (cast.viewer.id, c, Value::Null),
            (cast.editor.id, main_editor, json!("pending")),
            (cast.guest.id, main_guest, json!("invited")),
        ]
    );
    assert!(parts.iter().all(|p| p["color"] == "#4285F4"));
    assert_eq!(parts[0]["calendarMember"]["calendar"]["name"], "Team");
    assert!(parts[0]["calendarMember"]["user"].get("timeZone").is_none());

    let link = participation_link(app, &cast.guest, e["id"].as_i64().unwrap()).await;
    let mail = app
        .outbox()
        .await
        .into_iter()
        .rev()
        .find(|r| r.recipient == cast.guest.email)
        .unwrap();
    assert_eq!(mail.subject, "Event Invitation: Team sync");
    assert!(mail.text_body.contains("editor@example.com"));
    assert!(
        mail.text_body
            .contains("When: Tue, 1 Apr 2025, 12:00 – Tue, 1 Apr 2025, 13:00 (Europe/Kyiv)"),
        "{}",
        mail.text_body
    );
    assert!(mail.text_body.contains("guest@example.com") && mail.text_body.contains("Guests:"));
    let member = membership(app, &cast.guest, main_guest).await;
    assert!(
        link.contains(&format!(
            "/calendar-members/{member}/confirm-participation/"
        )),
        "{link}"
    );

    let got = app
        .request(Method::GET, &format!("/api/events/{}", e["id"]))
        .as_user(&cast.guest)
        .send()
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("etag"), Some(etag.as_str()));
    // Contract 4.1 as updated (issue 9): an invitee with no participation in the home
    // calendar sees their own first (before: the home calendar's, which M7 refuses them).
    assert_eq!(
        got.json()["participations"][0]["calendarMember"]["userId"],
        cast.guest.id,
        "the caller's own row first, none in the home calendar"
    );
    let as_viewer = app
        .request(Method::GET, &format!("/api/events/{}", e["id"]))
        .as_user(&cast.viewer)
        .send()
        .await
        .json();
    assert_eq!(
        as_viewer["participations"][0]["calendarMember"]["userId"], cast.viewer.id,
        "the caller's home row first"
    );
    assert_eq!(
        as_viewer["participations"][1]["calendarMember"]["userId"], cast.editor.id,
        "then the creator's"
    );
}

async fn a_reminder_is_accepted_by_every_member_and_a_task_by_its_creator(app: &TestApp) {
    let cast = Cast::new(app).await;
    let mut body = arrangement(cast.calendar, &[]);
    body["type"] = json!("reminder");
    let e = create(app, &cast.creator, body).await;
    assert_eq!(e["reminders"], json!([0]));
    let statuses: Vec<Value> = e["participations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["responseStatus"].clone())
        .collect();
    assert_eq!(statuses, vec![json!("accepted"); 4]);

    let mut task = arrangement(cast.calendar, &[cast.guest.id]);
    task["type"] = json!("task");
    task["priority"] = json!("high");
    task["reminders"] = json!([30, 0, 30]);
    let t = create(app, &cast.editor, task).await;
    assert_eq!(t["task"]["priority"], "high");
    assert_eq!(t["task"]["isCompleted"], false);
    assert_eq!(t["reminders"], json!([30, 0]), "duplicates removed");
    assert_eq!(
        t["participations"].as_array().unwrap().len(),
        1,
        "participantIds are ignored for tasks"
    );
    let id = t["id"].as_i64().unwrap();
    let res = app
        .request(Method::PATCH, &format!("/api/events/{id}"))
        .as_user(&cast.editor)
        .json(&json!({"isCompleted": true, "priority": null}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        (
            res.json()["task"]["isCompleted"].clone(),
            res.json()["task"]["priority"].clone()
        ),
        (json!(true), Value::Null)
    );
    app.request(Method::PATCH, &format!("/api/events/{id}"))
        .as_user(&cast.creator)
        .json(&json!({"name": "Mine now"}))
        .send()
        .await
        .assert_error(
            403,
            json!("You do not have permission to delete or patch this event"),
        );
    let mut rec = arrangement(cast.calendar, &[]);
    rec["type"] = json!("task");
    rec["recurrence"] = json!(["RRULE:FREQ=DAILY"]);
    app.request(Method::POST, "/api/events")
        .as_user(&cast.creator)
        .json(&rec)
        .send()
        .await
        .assert_error(400, json!("recurrence is not supported for tasks"));
}

async fn creation_is_validated_field_by_field(app: &TestApp) {
    let cast = Cast::new(app).await;
    let c = cast.calendar;
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "empty",
            json!({}),
            json!([
                "type should not be empty",
                "name should not be empty",
                "category should not be empty",
                "startedAt should not be empty",
                "endedAt should not be empty",
                "calendarId should not be empty"
            ]),
        ),
        (
            "bad type",
            json!({"type": "meeting"}),
            json!(["type must be one of the following values: arrangement, reminder, task"]),
        ),
        (
            "short name",
            json!({"name": "ab"}),
            json!(["name must be longer than or equal to 3 characters"]),
        ),
        (
            "no offset",
            json!({"startedAt": "2025-04-01T09:00:00"}),
            json!(["startedAt must be a valid ISO 8601 date string"]),
        ),
        (
            "date for timed",
            json!({"endedAt": "2025-04-01"}),
            json!(["endedAt must be a valid ISO 8601 date string"]),
        ),
        (
            "datetime for all-day",
            json!({"allDay": true, "startedAt": "2025-04-01T00:00:00Z", "endedAt": "2025-04-02"}),
            json!(["startedAt must be a valid date (YYYY-MM-DD)"]),
        ),
        (
            "colour",
            json!({"color": "blue"}),
            json!(["Color must be a valid hex color code (e.g., #FF5733)"]),
        ),
        (
            "calendar id",
            json!({"calendarId": "x"}),
            json!(["calendarId must be an integer"]),
        ),
        (
            "priority",
            json!({"priority": "urgent"}),
            json!(["priority must be one of the following values: low, medium, high"]),
        ),
        (
            "participants",
            json!({"participantIds": [1, 0]}),
            json!(["each value in participantIds must be a positive integer"]),
        ),
        (
            "zone",
            json!({"timeZone": "Nowhere"}),
            json!(["timeZone must be a valid IANA time zone"]),
        ),
        (
            "reminders",
            json!({"reminders": [1, 50000]}),
            json!(["each value in reminders must not be greater than 40320"]),
        ),
        (
            "too many reminders",
            json!({"reminders": [1, 2, 3, 4, 5, 6]}),
            json!(["reminders must contain no more than 5 elements"]),
        ),
        (
            "order",
            json!({"endedAt": "2025-04-01T08:59:59Z"}),
            json!(["endedAt must not be earlier than startedAt"]),
        ),
        (
            "all-day order",
            json!({"allDay": true, "startedAt": "2025-04-01", "endedAt": "2025-04-01"}),
            json!(["endedAt must be later than startedAt"]),
        ),
        (
            "rule",
            json!({"recurrence": ["RRULE:FREQ=DAILY", "FOO:BAR"]}),
            json!(["recurrence line 2 is invalid"]),
        ),
        (
            "rule type",
            json!({"recurrence": "RRULE:FREQ=DAILY"}),
            json!(["recurrence must be an array"]),
        ),
    ];
    for (why, patch, expected) in cases {
        let mut body = arrangement(c, &[]);
        if why == "empty" {
            body = json!({});
        }
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = app
            .request(Method::POST, "/api/events")
            .as_user(&cast.creator)
            .json(&body)
            .send()
            .await;
        assert_eq!(res.status, 400, "{why}: {}", res.text());
        res.assert_error(400, expected);
    }
    app.request(Method::POST, "/api/events")
        .as_user(&cast.creator)
        .json(&arrangement(c, &[999_999]))
        .send()
        .await
        .assert_error(404, json!("User not found"));
    let lazy = app.registered("lazy").await;
    app.request(Method::POST, "/api/events")
        .as_user(&cast.creator)
        .json(&arrangement(c, &[lazy]))
        .send()
        .await
        .assert_error(400, json!("User must verify their email first"));
}

async fn who_may_create_events_where(app: &TestApp) {
    let cast = Cast::new(app).await;
    let c = cast.calendar;
    app.request(Method::POST, "/api/events")
        .as_user(&cast.viewer)
        .json(&arrangement(c, &[]))
        .send()
        .await
        .assert_error(
            403,
            json!("You need editor or owner role to perform this action"),
        );
    app.request(Method::POST, "/api/events")
        .as_user(&cast.stranger)
        .json(&arrangement(c, &[]))
        .send()
        .await
        .assert_error(403, json!("You do not have access to this calendar"));
    app.request(Method::POST, "/api/events")
        .as_user(&cast.creator)
        .json(&arrangement(999_999, &[]))
        .send()
        .await
        .assert_error(403, json!("You do not have access to this calendar"));
    let holiday = {
        let mut conn = app.state.db.acquire().await.unwrap();
        let list = shared::db::calendars::list_confirmed_of_user(&mut conn, cast.creator.id)
            .await
            .unwrap();
        list.iter()
            .find(|m| m.member.calendar_type.as_str() == "holiday")
            .unwrap()
            .member
            .calendar_id
    };
    app.request(Method::POST, "/api/events")
        .as_user(&cast.creator)
        .json(&arrangement(holiday, &[]))
        .send()
        .await
        .assert_error(400, json!("Events cannot be added to a holiday calendar"));
    let main = main_calendar(app, &cast.creator).await;
    let e = create(app, &cast.creator, arrangement(main, &[cast.creator.id])).await;
    assert_eq!(
        e["participations"].as_array().unwrap().len(),
        1,
        "no extra main row when home is main"
    );
    assert_eq!(e["participations"][0]["responseStatus"], "pending");
}

async fn patch_merges_values_keeps_absent_fields_and_checks_if_match(app: &TestApp) {
    let cast = Cast::new(app).await;
    let res = app
        .request(Method::POST, "/api/events")
        .as_user(&cast.creator)
        .json(&arrangement(cast.calendar, &[]))
        .send()
        .await;
    let tag = res.header("etag").unwrap().to_string();
    let id = res.json()["id"].as_i64().unwrap();
    let path = format!("/api/events/{id}");
    app.request(Method::PATCH, &path)
        .as_user(&cast.editor)
        .json(&json!({"startedAt": "2025-04-01T10:30:00Z"}))
        .send()
        .await
        .assert_error(400, json!(["endedAt must not be earlier than startedAt"]));
    let res = app.request(Method::PATCH, &path).bearer(&cast.editor.access).header("if-match", &tag)
        .json(&json!({"endedAt": "2025-04-01T11:00:00Z", "description": null, "type": "task", "calendarId": 1})).send().await;
    assert_eq!(res.status, 200, "{}", res.text());
    let new_tag = res.header("etag").unwrap().to_string();
    assert_ne!(new_tag, tag);
    let e = res.json();
    assert_eq!(
        (
            e["endedAt"].clone(),
            e["description"].clone(),
            e["type"].clone(),
            e["name"].clone()
        ),
        (
            json!("2025-04-01T11:00:00.000Z"),
            Value::Null,
            json!("arrangement"),
            json!("Team sync")
        )
    );
    let res = app
        .request(Method::PATCH, &path)
        .bearer(&cast.editor.access)
        .header("if-match", &tag)
        .json(&json!({"name": "Stale"}))
        .send()
        .await;
    res.assert_error(412, json!("The event has been modified"));
    let res = app
        .request(Method::PATCH, &path)
        .bearer(&cast.editor.access)
        .header("if-match", "*")
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(res.status, 200, "an empty body changes nothing");
    app.request(Method::PATCH, &path)
        .as_user(&cast.editor)
        .json(&json!({"allDay": true}))
        .send()
        .await
        .assert_error(
            400,
            json!(["startedAt and endedAt are required when allDay changes"]),
        );
    let res = app
        .request(Method::PATCH, &path)
        .as_user(&cast.editor)
        .json(&json!({"allDay": true, "startedAt": "2025-04-01", "endedAt": "2025-04-03"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        (
            res.json()["startedAt"].clone(),
            res.json()["endedAt"].clone()
        ),
        (json!("2025-04-01"), json!("2025-04-03"))
    );
    app.request(Method::PATCH, "/api/events/999999")
        .as_user(&cast.editor)
        .json(&json!({"name": "abc"}))
        .send()
        .await
        .assert_error(404, json!("Event not found"));
    app.request(Method::PATCH, "/api/events/999999")
        .as_user(&cast.editor)
        .json(&json!({"name": "ab"}))
        .send()
        .await
        .assert_error(
            400,
            json!(["name must be longer than or equal to 3 characters"]),
        );
}

async fn deleting_needs_the_right_role_and_removes_everything(app: &TestApp) {
    let cast = Cast::new(app).await;
    let by_owner = create(
        app,
        &cast.creator,
        arrangement(cast.calendar, &[cast.guest.id]),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let by_editor = create(app, &cast.editor, arrangement(cast.calendar, &[])).await["id"]
        .as_i64()
        .unwrap();
    let del = |u: &TestUser, id: i64| {
        let u = u.clone();
        async move {
            app.request(Method::DELETE, &format!("/api/events/{id}"))
                .bearer(&u.access)
                .send()
                .await
        }
    };
    del(&cast.editor, by_owner)
        .await
        .assert_error(403, json!("Editors can only delete their own events"));
    del(&cast.viewer, by_editor).await.assert_error(
        403,
        json!("You do not have permission to delete or patch this event"),
    );
    del(&cast.guest, by_owner)
        .await
        .assert_error(403, json!("You do not have access to this calendar"));
    let res = app
        .request(Method::DELETE, &format!("/api/events/{by_editor}"))
        .bearer(&cast.editor.access)
        .header("if-match", "\"nope\"")
        .send()
        .await;
    res.assert_error(412, json!("The event has been modified"));
    assert_eq!(del(&cast.editor, by_editor).await.status, 200);
    let res = del(&cast.owner, by_owner).await;
    assert_eq!(res.status, 200);
    assert!(res.body.is_empty());
    app.request(Method::GET, &format!("/api/events/{by_owner}"))
        .as_user(&cast.guest)
        .send()
        .await
        .assert_error(404, json!("Event not found"));
    del(&cast.creator, by_owner)
        .await
        .assert_error(404, json!("Event not found"));
}

async fn calendar_deletion_cascades_and_membership_changes_follow_events(app: &TestApp) {
    let cast = Cast::new(app).await;
    let e = create(
        app,
        &cast.creator,
        arrangement(cast.calendar, &[cast.guest.id]),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut task = arrangement(cast.calendar, &[]);
    task["type"] = json!("task");
    let t = create(app, &cast.editor, task).await["id"]
        .as_i64()
        .unwrap();
    // The editor leaves: their task goes, their home participation too.
    let res = app
        .request(
            Method::DELETE,
            &format!(
                "/api/calendars/{}/members/{}",
                cast.calendar, cast.editor.id
            ),
        )
        .bearer(&cast.editor.access)
        .send()
        .await;
    assert_eq!(res.status, 200);
    app.request(Method::GET, &format!("/api/events/{t}"))
        .as_user(&cast.creator)
        .send()
        .await
        .assert_error(404, json!("Event not found"));
    let parts = app
        .request(Method::GET, &format!("/api/events/{e}"))
        .as_user(&cast.creator)
        .send()
        .await
        .json()["participations"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(parts, 4, "owner, co-owner, viewer, guest's main");
    // A new member gets participations in the calendar's events on confirmation.
    share(app, &cast.creator, cast.calendar, &cast.stranger, "viewer").await;
    let ev = app
        .request(Method::GET, &format!("/api/events/{e}"))
        .as_user(&cast.stranger)
        .send()
        .await;
    assert_eq!(ev.status, 200);
    let all = ev.json();
    let mine: Vec<&Value> = all["participations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["calendarMember"]["userId"] == cast.stranger.id)
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["responseStatus"], Value::Null);
    // Deleting the calendar deletes its events and the invitees' main-calendar rows.
    let res = app
        .request(Method::DELETE, &format!("/api/calendars/{}", cast.calendar))
        .bearer(&cast.creator.access)
        .send()
        .await;
    assert_eq!(res.status, 200);
    app.request(Method::GET, &format!("/api/events/{e}"))
        .as_user(&cast.guest)
        .send()
        .await
        .assert_error(404, json!("Event not found"));
}
