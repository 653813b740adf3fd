//! What one event may hold and what one listing may cost (issue 8): recurrence size limits, and
//! the byte budget that bounds the calendar view and the search whatever a series holds.

use super::helpers::*;

/// `n` UTC date values in 2020 (before the series starts, so they cancel nothing).
fn past_values(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "2020{:02}{:02}T{:02}0000Z",
                1 + i / 28 % 12,
                1 + i % 28,
                i / 336
            )
        })
        .collect()
}

/// A daily series from 2030 with `n` EXDATE values in lines of 100.
fn series(cal: i64, n: usize) -> Value {
    let mut lines = vec!["RRULE:FREQ=DAILY".to_string()];
    for chunk in past_values(n).chunks(100) {
        lines.push(format!("EXDATE:{}", chunk.join(",")));
    }
    json!({"type": "arrangement", "name": "Hostile", "category": "work",
        "startedAt": "2030-01-01T09:00:00.000Z", "endedAt": "2030-01-01T10:00:00.000Z",
        "calendarId": cal, "recurrence": lines})
}

/// The most a response of occurrences may take: the budget plus one item and the envelope.
const BOUND: usize = (4 << 20) + 64 * 1024;

shared::db_tests!(
    spawn,
    a_recurrence_over_the_limits_is_refused,
    a_series_at_the_limits_cannot_make_a_listing_exceed_the_bound
);

async fn a_recurrence_over_the_limits_is_refused(app: &TestApp) {
    let cast = Cast::new(app).await;
    let res = app
        .request(Method::POST, "/api/events")
        .as_user(&cast.creator)
        .json(&series(cast.calendar, 1001))
        .send()
        .await;
    res.assert_error(
        400,
        json!(["recurrence must contain no more than 1000 RDATE and EXDATE values"]),
    );

    let local = past_values(10)
        .iter()
        .map(|v| v.replace('Z', ""))
        .collect::<Vec<_>>()
        .join(",");
    let mut long = vec!["RRULE:FREQ=DAILY".to_string()];
    long.extend(
        (0..99).map(|_| {
            format!("EXDATE;TZID=America/Argentina/ComodRivadavia;VALUE=DATE-TIME:{local}")
        }),
    );
    let mut body = series(cast.calendar, 0);
    body["recurrence"] = json!(long);
    let res = app
        .request(Method::POST, "/api/events")
        .as_user(&cast.creator)
        .json(&body)
        .send()
        .await;
    res.assert_error(
        400,
        json!(["recurrence must be shorter than or equal to 20480 characters in total"]),
    );

    let e = create(app, &cast.creator, series(cast.calendar, 10)).await;
    let path = format!("/api/events/{}", e["id"]);
    let res = app
        .request(Method::PATCH, &path)
        .as_user(&cast.creator)
        .json(&json!({"recurrence": series(0, 1001)["recurrence"]}))
        .send()
        .await;
    res.assert_error(
        400,
        json!(["recurrence must contain no more than 1000 RDATE and EXDATE values"]),
    );
}

async fn a_series_at_the_limits_cannot_make_a_listing_exceed_the_bound(app: &TestApp) {
    let cast = Cast::new(app).await;
    let e = create(app, &cast.creator, series(cast.calendar, 1000)).await;
    let id = e["id"].as_i64().unwrap();

    let search = format!(
        "/api/users/{}/events?startedAt=2030-01-01&endedAt=2036-01-01&limit=1",
        cast.creator.id
    );
    let res = app
        .request(Method::GET, &search)
        .as_user(&cast.creator)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert!(
        res.body.len() <= BOUND,
        "search answered {} bytes",
        res.body.len()
    );
    let body = res.json();
    assert_eq!(body["truncated"], true);
    let items = body["events"].as_array().unwrap();
    assert!(
        !items.is_empty() && items.len() < 2000,
        "{} items",
        items.len()
    );
    assert_eq!(
        items[0]["originalStartedAt"], "2030-01-01T09:00:00.000Z",
        "the earliest are kept"
    );
    assert_eq!(body["total"], 1);

    let view = format!(
        "/api/calendars/{}/members/{}/events?startDate=2030-01-01&endDate=2036-01-01",
        cast.calendar, cast.creator.id
    );
    let res = app
        .request(Method::GET, &view)
        .as_user(&cast.creator)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert!(
        res.body.len() <= BOUND,
        "view answered {} bytes",
        res.body.len()
    );
    assert_eq!(res.header("x-chronos-truncated"), Some("true"));
    let items = res.json();
    let first = &items.as_array().unwrap()[0]["event"];
    assert_eq!(first["originalStartedAt"], "2030-01-01T09:00:00.000Z");

    // A cancellation would take the series over the limit.
    let occurrence = format!("/api/events/{id}/occurrences/2030-01-02T09:00:00.000Z");
    let res = app
        .request(Method::DELETE, &occurrence)
        .bearer(&cast.creator.access)
        .send()
        .await;
    res.assert_error(400, json!("Too many exceptions for this series"));
}
