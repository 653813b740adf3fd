//! Defects found by using the API as a client would (issue 9), one behaviour each.

use super::helpers::*;

shared::db_tests!(
    spawn,
    an_invitee_from_outside_the_home_calendar_sees_their_own_participation_first,
    a_patch_that_changes_nothing_keeps_updated_at_and_the_etag,
    a_tasks_unchanged_completion_changes_nothing_but_a_new_one_does,
    occurrences_keep_the_milliseconds_of_the_series_start,
    an_invalid_new_event_is_a_400_before_the_access_checks,
    cancelling_an_occurrence_of_a_series_with_milliseconds_removes_it
);

async fn an_invitee_from_outside_the_home_calendar_sees_their_own_participation_first(
    app: &TestApp,
) {
    let cast = Cast::new(app).await;
    let e = create(
        app,
        &cast.creator,
        arrangement(cast.calendar, &[cast.guest.id]),
    )
    .await;
    let id = e["id"].as_i64().unwrap();
    let link = participation_link(app, &cast.guest, id).await;
    let token = link.rsplit('/').next().unwrap();
    let confirm = format!("/api/events/0/calendar-members/0/confirm-participation/{token}");
    assert_eq!(app.request(Method::POST, &confirm).send().await.status, 201);

    let full = app
        .request(Method::GET, &format!("/api/events/{id}"))
        .as_user(&cast.guest)
        .send()
        .await
        .json();
    let first = &full["participations"][0]["calendarMember"];
    assert_eq!(first["userId"], cast.guest.id, "{full}");
    assert_eq!(first["calendarId"], main_calendar(app, &cast.guest).await);
    // Members of the home calendar still see the home calendar first, their own row first.
    let full = app
        .request(Method::GET, &format!("/api/events/{id}"))
        .as_user(&cast.editor)
        .send()
        .await
        .json();
    let first = &full["participations"][0]["calendarMember"];
    assert_eq!(first["userId"], cast.editor.id);
    assert_eq!(first["calendarId"], cast.calendar);
}

async fn a_patch_that_changes_nothing_keeps_updated_at_and_the_etag(app: &TestApp) {
    let cast = Cast::new(app).await;
    let res = app
        .request(Method::POST, "/api/events")
        .as_user(&cast.creator)
        .json(&arrangement(cast.calendar, &[]))
        .send()
        .await;
    let (tag, created) = (res.header("etag").unwrap().to_string(), res.json());
    let path = format!("/api/events/{}", created["id"]);
    app.clock.advance(chrono::TimeDelta::minutes(5));

    for body in [
        json!({}),
        json!({"name": "Team sync", "category": "work"}),
        json!({"type": "task"}),
    ] {
        let res = app
            .request(Method::PATCH, &path)
            .as_user(&cast.creator)
            .json(&body.clone())
            .send()
            .await;
        assert_eq!(res.status, 200, "{body}: {}", res.text());
        assert_eq!(res.header("etag"), Some(tag.as_str()), "{body}");
        assert_eq!(res.json()["updatedAt"], created["updatedAt"], "{body}");
    }
    let res = app
        .request(Method::PATCH, &path)
        .as_user(&cast.creator)
        .json(&json!({"name": "Renamed"}))
        .send()
        .await;
    assert_ne!(
        res.header("etag"),
        Some(tag.as_str()),
        "a real change still moves the version"
    );
    assert_ne!(res.json()["updatedAt"], created["updatedAt"]);
}

async fn a_tasks_unchanged_completion_changes_nothing_but_a_new_one_does(app: &TestApp) {
    let cast = Cast::new(app).await;
    let body = json!({"type": "task", "name": "File taxes", "category": "home",
        "startedAt": "2025-04-01T09:00:00.000Z", "endedAt": "2025-04-01T09:00:00.000Z",
        "calendarId": cast.calendar});
    let res = app
        .request(Method::POST, "/api/events")
        .as_user(&cast.creator)
        .json(&body)
        .send()
        .await;
    let tag = res.header("etag").unwrap().to_string();
    let path = format!("/api/events/{}", res.json()["id"]);

    let same = app
        .request(Method::PATCH, &path)
        .as_user(&cast.creator)
        .json(&json!({"isCompleted": false}))
        .send()
        .await;
    assert_eq!(same.header("etag"), Some(tag.as_str()));
    let done = app
        .request(Method::PATCH, &path)
        .as_user(&cast.creator)
        .json(&json!({"isCompleted": true}))
        .send()
        .await;
    assert_eq!(done.json()["task"]["isCompleted"], true);
    assert_ne!(
        done.header("etag"),
        Some(tag.as_str()),
        "completing the task is a change"
    );
}

async fn occurrences_keep_the_milliseconds_of_the_series_start(app: &TestApp) {
    let cast = Cast::new(app).await;
    let body = json!({"type": "arrangement", "name": "Stand-up", "category": "work",
        "startedAt": "2025-04-01T09:00:00.250Z", "endedAt": "2025-04-01T09:15:00.250Z",
        "calendarId": cast.calendar, "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"]});
    create(app, &cast.creator, body).await;

    let path = format!(
        "/api/calendars/{}/members/{}/events?startDate=2025-04-01&endDate=2025-04-10",
        cast.calendar, cast.creator.id
    );
    let items = app
        .request(Method::GET, &path)
        .as_user(&cast.creator)
        .send()
        .await
        .json();
    let starts: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["event"]["startedAt"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2025-04-01T09:00:00.250Z",
            "2025-04-02T09:00:00.250Z",
            "2025-04-03T09:00:00.250Z"
        ]
    );
    let ends: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["event"]["endedAt"].as_str().unwrap())
        .collect();
    assert_eq!(ends[2], "2025-04-03T09:15:00.250Z");
}

/// E2's field rules are validation (contract 1.5): a body that breaks them is a 400 whoever
/// sends it, before the calendar access checks (a viewer or a stranger would otherwise get 403).
async fn an_invalid_new_event_is_a_400_before_the_access_checks(app: &TestApp) {
    let cast = Cast::new(app).await;
    let mut backwards = arrangement(cast.calendar, &[]);
    backwards["endedAt"] = json!("2025-04-01T08:00:00.000Z");
    let mut recurring_task = arrangement(cast.calendar, &[]);
    recurring_task["type"] = json!("task");
    recurring_task["recurrence"] = json!(["RRULE:FREQ=DAILY"]);
    for user in [&cast.viewer, &cast.stranger] {
        app.request(Method::POST, "/api/events")
            .as_user(user)
            .json(&backwards)
            .send()
            .await
            .assert_error(400, json!(["endedAt must not be earlier than startedAt"]));
        app.request(Method::POST, "/api/events")
            .as_user(user)
            .json(&recurring_task)
            .send()
            .await
            .assert_error(400, json!("recurrence is not supported for tasks"));
    }
}

/// E6 on a series that starts with milliseconds: the EXDATE it writes has whole seconds, and
/// still cancels the occurrence (found while building the reminders, issue 10).
async fn cancelling_an_occurrence_of_a_series_with_milliseconds_removes_it(app: &TestApp) {
    let cast = Cast::new(app).await;
    let body = json!({"type": "arrangement", "name": "Stand-up", "category": "work",
        "startedAt": "2025-04-01T09:00:00.250Z", "endedAt": "2025-04-01T09:15:00.250Z",
        "calendarId": cast.calendar, "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"]});
    let id = create(app, &cast.creator, body).await["id"]
        .as_i64()
        .unwrap();
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/events/{id}/occurrences/2025-04-02T09:00:00.250Z"),
        )
        .as_user(&cast.creator)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let path = format!(
        "/api/calendars/{}/members/{}/events?startDate=2025-04-01&endDate=2025-04-10",
        cast.calendar, cast.creator.id
    );
    let items = app
        .request(Method::GET, &path)
        .as_user(&cast.creator)
        .send()
        .await
        .json();
    let starts: Vec<&str> = (items.as_array().unwrap().iter())
        .map(|i| i["event"]["startedAt"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        ["2025-04-01T09:00:00.250Z", "2025-04-03T09:00:00.250Z"]
    );
}
