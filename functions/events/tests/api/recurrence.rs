//! Recurring series through the API: expansion in listings, overrides (E5), cancellations (E6),
//! series splits (E3 scope=following), the occurrence cap.

use super::helpers::*;

fn series_body(cal: i64, rule: &[&str]) -> Value {
    let mut b = arrangement(cal, &[]);
    b["timeZone"] = json!("Europe/Kyiv");
    b["recurrence"] = json!(rule);
    b
}

async fn view(app: &TestApp, u: &TestUser, cal: i64, from: &str, to: &str) -> Vec<Value> {
    let res = app
        .request(
            Method::GET,
            &format!(
                "/api/calendars/{cal}/members/{}/events?startDate={from}&endDate={to}",
                u.id
            ),
        )
        .as_user(u)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json().as_array().unwrap().clone()
}

shared::db_tests!(
    spawn,
    a_weekly_series_expands_in_its_zone_across_dst,
    one_occurrence_is_moved_renamed_and_another_cancelled,
    this_and_following_splits_the_series,
    all_day_series_use_dates_and_exdates,
    the_occurrence_cap_keeps_the_earliest_and_marks_the_response
);

async fn a_weekly_series_expands_in_its_zone_across_dst(app: &TestApp) {
    let cast = Cast::new(app).await;
    // Tuesdays 09:00 Kyiv: 07:00Z in summer time, 08:00Z... the series starts 2025-03-18 (EET, 07:00Z).
    let mut body = series_body(cast.calendar, &["rrule:freq=weekly;byday=tu"]);
    body["startedAt"] = json!("2025-03-18T07:00:00.000Z");
    body["endedAt"] = json!("2025-03-18T07:15:00.000Z");
    let e = create(app, &cast.creator, body).await;
    assert_eq!(
        e["recurrence"],
        json!(["RRULE:FREQ=WEEKLY;BYDAY=TU"]),
        "stored upper-cased"
    );
    let items = view(
        app,
        &cast.creator,
        cast.calendar,
        "2025-03-17",
        "2025-04-02T00:00:00Z",
    )
    .await;
    let starts: Vec<&str> = items
        .iter()
        .map(|i| i["event"]["startedAt"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2025-03-18T07:00:00.000Z",
            "2025-03-25T07:00:00.000Z",
            "2025-04-01T06:00:00.000Z"
        ]
    );
    let last = &items[2]["event"];
    assert_eq!(last["id"], e["id"]);
    assert_eq!(last["recurringEventId"], e["id"]);
    assert_eq!(last["originalStartedAt"], "2025-04-01T06:00:00.000Z");
    assert_eq!(last["endedAt"], "2025-04-01T06:15:00.000Z");
    assert_eq!(last["task"], Value::Null);
}

async fn one_occurrence_is_moved_renamed_and_another_cancelled(app: &TestApp) {
    let cast = Cast::new(app).await;
    let e = create(
        app,
        &cast.creator,
        series_body(cast.calendar, &["RRULE:FREQ=DAILY;COUNT=5"]),
    )
    .await;
    let id = e["id"].as_i64().unwrap();
    let moved = format!("/api/events/{id}/occurrences/2025-04-02T09%3A00%3A00.000Z");
    let res = app
        .request(Method::PATCH, &moved)
        .as_user(&cast.editor)
        .json(
            &json!({"name": "Moved", "startedAt": "2025-04-02T12:00:00Z",
            "endedAt": "2025-04-02T13:00:00Z"}),
        )
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let occ = res.json();
    assert_eq!(
        (
            occ["name"].clone(),
            occ["startedAt"].clone(),
            occ["recurringEventId"].clone(),
            occ["originalStartedAt"].clone()
        ),
        (
            json!("Moved"),
            json!("2025-04-02T12:00:00.000Z"),
            json!(id),
            json!("2025-04-02T09:00:00.000Z")
        )
    );
    assert!(occ["participations"].is_array());
    assert_ne!(res.header("etag"), None);

    let res = app
        .request(
            Method::DELETE,
            &format!("/api/events/{id}/occurrences/2025-04-04T09:00:00.000Z"),
        )
        .bearer(&cast.creator.access)
        .send()
        .await;
    assert_eq!(res.status, 200);
    let again = app
        .request(
            Method::DELETE,
            &format!("/api/events/{id}/occurrences/2025-04-04T09:00:00.000Z"),
        )
        .bearer(&cast.creator.access)
        .send()
        .await;
    assert_eq!(again.status, 200, "cancelling twice is fine");
    let series = app
        .request(Method::GET, &format!("/api/events/{id}"))
        .as_user(&cast.creator)
        .send()
        .await
        .json();
    assert_eq!(
        series["recurrence"],
        json!(["RRULE:FREQ=DAILY;COUNT=5", "EXDATE:20250404T090000Z"])
    );
    assert_eq!(series["name"], "Team sync", "the series keeps its name");

    let items = view(
        app,
        &cast.creator,
        cast.calendar,
        "2025-04-01",
        "2025-04-30",
    )
    .await;
    let got: Vec<(String, String)> = items
        .iter()
        .map(|i| {
            (
                i["event"]["originalStartedAt"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                i["event"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "2025-04-01T09:00:00.000Z".to_string(),
                "Team sync".to_string()
            ),
            ("2025-04-02T09:00:00.000Z".to_string(), "Moved".to_string()),
            (
                "2025-04-03T09:00:00.000Z".to_string(),
                "Team sync".to_string()
            ),
            (
                "2025-04-05T09:00:00.000Z".to_string(),
                "Team sync".to_string()
            ),
        ]
    );
    app.request(
        Method::PATCH,
        &format!("/api/events/{id}/occurrences/2025-04-04T09:00:00.000Z"),
    )
    .as_user(&cast.creator)
    .json(&json!({"name": "Back"}))
    .send()
    .await
    .assert_error(404, json!("Occurrence not found"));
    app.request(
        Method::PATCH,
        &format!("/api/events/{id}/occurrences/2025-04-06T09:00:00.000Z"),
    )
    .as_user(&cast.creator)
    .json(&json!({"name": "Later"}))
    .send()
    .await
    .assert_error(404, json!("Occurrence not found"));
    app.request(
        Method::DELETE,
        &format!("/api/events/{id}/occurrences/2025-04-01T10:00:00.000Z"),
    )
    .bearer(&cast.creator.access)
    .send()
    .await
    .assert_error(404, json!("Occurrence not found"));
    let single = create(app, &cast.creator, arrangement(cast.calendar, &[])).await["id"]
        .as_i64()
        .unwrap();
    app.request(
        Method::PATCH,
        &format!("/api/events/{single}/occurrences/2025-04-01T09:00:00.000Z"),
    )
    .as_user(&cast.creator)
    .json(&json!({"name": "Nope"}))
    .send()
    .await
    .assert_error(400, json!("Event is not recurring"));
    app.request(
        Method::DELETE,
        &format!("/api/events/{single}/occurrences/2025-04-01T09:00:00.000Z"),
    )
    .bearer(&cast.creator.access)
    .send()
    .await
    .assert_error(400, json!("Event is not recurring"));

    // Making the series single discards its overrides.
    let res = app
        .request(Method::PATCH, &format!("/api/events/{id}"))
        .as_user(&cast.creator)
        .json(&json!({"recurrence": []}))
        .send()
        .await;
    assert_eq!(res.json()["recurrence"], Value::Null);
    let items = view(
        app,
        &cast.creator,
        cast.calendar,
        "2025-04-01",
        "2025-04-30",
    )
    .await;
    assert_eq!(
        items.len(),
        2,
        "the former series and the plain event, both single now"
    );
    assert!(
        items
            .iter()
            .all(|i| i["event"].get("recurringEventId").is_none())
    );
}

async fn this_and_following_splits_the_series(app: &TestApp) {
    let cast = Cast::new(app).await;
    let e = create(
        app,
        &cast.creator,
        series_body(cast.calendar, &["RRULE:FREQ=DAILY;COUNT=10"]),
    )
    .await;
    let id = e["id"].as_i64().unwrap();
    app.request(Method::PATCH, &format!("/api/events/{id}?scope=following"))
        .as_user(&cast.creator)
        .json(&json!({"name": "Later"}))
        .send()
        .await
        .assert_error(400, json!(["from is required when scope is following"]));
    app.request(
        Method::PATCH,
        &format!("/api/events/{id}?scope=following&from=2025-04-05T10:00:00.000Z"),
    )
    .as_user(&cast.creator)
    .json(&json!({"name": "Later"}))
    .send()
    .await
    .assert_error(404, json!("Occurrence not found"));
    let res = app
        .request(
            Method::PATCH,
            &format!("/api/events/{id}?scope=following&from=2025-04-05T09:00:00.000Z"),
        )
        .as_user(&cast.creator)
        .json(&json!({"name": "Later"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let new = res.json();
    assert_ne!(new["id"], json!(id));
    assert_eq!(
        (
            new["name"].clone(),
            new["startedAt"].clone(),
            new["recurrence"].clone()
        ),
        (
            json!("Later"),
            json!("2025-04-05T09:00:00.000Z"),
            json!(["RRULE:FREQ=DAILY;COUNT=6"])
        )
    );
    assert_eq!(
        new["participations"].as_array().unwrap().len(),
        e["participations"].as_array().unwrap().len()
    );
    let old = app
        .request(Method::GET, &format!("/api/events/{id}"))
        .as_user(&cast.creator)
        .send()
        .await
        .json();
    assert_eq!(
        old["recurrence"],
        json!(["RRULE:FREQ=DAILY;UNTIL=20250405T085959Z"])
    );
    let items = view(
        app,
        &cast.creator,
        cast.calendar,
        "2025-03-01",
        "2025-05-01",
    )
    .await;
    let names: Vec<&str> = items
        .iter()
        .map(|i| i["event"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [vec!["Team sync"; 4], vec!["Later"; 6]].concat());
    // From the first occurrence there is nothing to split: it is a plain series update.
    let res = app
        .request(
            Method::PATCH,
            &format!("/api/events/{id}?scope=following&from=2025-04-01T09:00:00.000Z"),
        )
        .as_user(&cast.creator)
        .json(&json!({"name": "Early"}))
        .send()
        .await;
    assert_eq!(res.json()["id"], json!(id));
    assert_eq!(res.json()["name"], "Early");
    let single = create(app, &cast.creator, arrangement(cast.calendar, &[])).await["id"]
        .as_i64()
        .unwrap();
    app.request(
        Method::PATCH,
        &format!("/api/events/{single}?scope=following&from=2025-04-01T09:00:00.000Z"),
    )
    .as_user(&cast.creator)
    .json(&json!({}))
    .send()
    .await
    .assert_error(400, json!("Event is not recurring"));
}

async fn all_day_series_use_dates_and_exdates(app: &TestApp) {
    let cast = Cast::new(app).await;
    let mut body = series_body(
        cast.calendar,
        &["RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE;VALUE=DATE:20250408"],
    );
    body["allDay"] = json!(true);
    body["startedAt"] = json!("2025-04-01");
    body["endedAt"] = json!("2025-04-03");
    body["timeZone"] = json!("America/New_York");
    let e = create(app, &cast.creator, body).await;
    assert_eq!(
        (e["startedAt"].clone(), e["endedAt"].clone()),
        (json!("2025-04-01"), json!("2025-04-03"))
    );
    let items = view(
        app,
        &cast.creator,
        cast.calendar,
        "2025-03-01",
        "2025-05-01",
    )
    .await;
    let spans: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["event"]["startedAt"].as_str().unwrap(),
                i["event"]["endedAt"].as_str().unwrap(),
                i["event"]["originalStartedAt"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        spans,
        [
            ("2025-04-01", "2025-04-03", "2025-04-01"),
            ("2025-04-15", "2025-04-17", "2025-04-15"),
            ("2025-04-22", "2025-04-24", "2025-04-22")
        ]
    );
    let id = e["id"].as_i64().unwrap();
    assert_eq!(
        app.request(
            Method::DELETE,
            &format!("/api/events/{id}/occurrences/2025-04-15")
        )
        .bearer(&cast.creator.access)
        .send()
        .await
        .status,
        200
    );
    let series = app
        .request(Method::GET, &format!("/api/events/{id}"))
        .as_user(&cast.creator)
        .send()
        .await
        .json();
    assert_eq!(series["recurrence"][2], "EXDATE;VALUE=DATE:20250415");
    let items = view(
        app,
        &cast.creator,
        cast.calendar,
        "2025-04-02T04:00:00Z",
        "2025-04-02T05:00:00Z",
    )
    .await;
    assert_eq!(
        items.len(),
        1,
        "an all-day span overlaps inclusively in its zone"
    );
}

async fn the_occurrence_cap_keeps_the_earliest_and_marks_the_response(app: &TestApp) {
    let cast = Cast::new(app).await;
    let mut body = series_body(cast.calendar, &["RRULE:FREQ=DAILY"]);
    body["startedAt"] = json!("2020-01-01T09:00:00Z");
    body["endedAt"] = json!("2020-01-01T09:30:00Z");
    create(app, &cast.creator, body).await;
    let plain = create(app, &cast.creator, arrangement(cast.calendar, &[])).await["id"]
        .as_i64()
        .unwrap();
    let res = app
        .request(
            Method::GET,
            &format!(
                "/api/calendars/{}/members/{}/events?startDate=2020-01-01&endDate=2030-01-01",
                cast.calendar, cast.creator.id
            ),
        )
        .as_user(&cast.creator)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("x-chronos-truncated"), Some("true"));
    let items = res.json();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 2001, "2000 occurrences and the plain event");
    assert!(
        items
            .iter()
            .any(|i| i["event"]["id"] == plain && i["event"].get("recurringEventId").is_none())
    );
    assert_eq!(items[0]["event"]["startedAt"], "2020-01-01T09:00:00.000Z");
    let res = app
        .request(
            Method::GET,
            &format!(
                "/api/calendars/{}/members/{}/events?startDate=2025-01-01&endDate=2025-01-31",
                cast.calendar, cast.creator.id
            ),
        )
        .as_user(&cast.creator)
        .send()
        .await;
    assert!(res.header("x-chronos-truncated").is_none());
    assert_eq!(
        res.json().as_array().unwrap().len(),
        30,
        "the window ends at 00:00Z on the 31st"
    );
}
