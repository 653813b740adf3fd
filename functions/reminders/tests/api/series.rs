//! Recurring series: a trigger per occurrence, moved and cancelled occurrences, all-day series
//! at local midnight across a daylight-saving change.

use axum::http::Method;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use shared::testing::{Cast, TestApp};

use super::{at, create, event_in, reminders_sent, spawn, sweep_after};

shared::db_tests!(
    spawn,
    a_series_reminds_of_each_occurrence_as_moved_and_cancelled,
    an_all_day_series_reminds_at_local_midnight_across_a_dst_change
);

const DAY: i64 = 86_400_000;

async fn a_series_reminds_of_each_occurrence_as_moved_and_cancelled(app: &TestApp) {
    let cast = Cast::new(app).await;
    let mut body = event_in(app, cast.calendar, "reminder", 60, &[10]);
    body["recurrence"] = json!(["RRULE:FREQ=DAILY;COUNT=4"]);
    let id = create(app, &cast.creator, body.clone()).await;
    let start = DateTime::parse_from_rfc3339(body["startedAt"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    // The second occurrence moves three hours later and is renamed; the third is cancelled.
    let second = at(start + DAY);
    let res = app
        .request(
            Method::PATCH,
            &format!("/api/events/{id}/occurrences/{second}"),
        )
        .as_user(&cast.creator)
        .json(
            &json!({"name": "Moved sync", "startedAt": at(start + DAY + 3 * 3_600_000),
            "endedAt": at(start + DAY + 4 * 3_600_000)}),
        )
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let third = at(start + 2 * DAY);
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/events/{id}/occurrences/{third}"),
        )
        .as_user(&cast.creator)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());

    let members = 4;
    let first = sweep_after(app, TimeDelta::minutes(51)).await;
    assert_eq!(first.queued, members, "the first occurrence: {first:?}");
    let unmoved = sweep_after(app, TimeDelta::milliseconds(DAY)).await;
    assert_eq!(unmoved.queued, 0, "not at the moved occurrence's old time");
    let moved = sweep_after(app, TimeDelta::hours(3)).await;
    assert_eq!(moved.queued, members, "at its new time");
    let cancelled = sweep_after(app, TimeDelta::milliseconds(DAY - 3 * 3_600_000)).await;
    assert_eq!(cancelled.queued, 0, "the cancelled one");
    let last = sweep_after(app, TimeDelta::milliseconds(DAY)).await;
    assert_eq!(last.queued, members, "the fourth");
    let done = sweep_after(app, TimeDelta::milliseconds(DAY)).await;
    assert_eq!(done.due, 0, "the series is over");
    let sent = reminders_sent(app).await;
    let renamed = sent
        .iter()
        .filter(|(_, s)| s.starts_with("Reminder: Moved sync"))
        .count();
    assert_eq!((sent.len(), renamed), (3 * members, members));
}

async fn an_all_day_series_reminds_at_local_midnight_across_a_dst_change(app: &TestApp) {
    let cast = Cast::new(app).await;
    // New York leaves standard time at 02:00 on 14 March 2027.
    let body = json!({"type": "reminder", "name": "Daily", "category": "home",
        "calendarId": cast.calendar, "allDay": true, "timeZone": "America/New_York",
        "startedAt": "2027-03-13", "endedAt": "2027-03-14", "reminders": [0],
        "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"]});
    create(app, &cast.creator, body).await;
    let to = |s: &str| {
        let target = DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        TimeDelta::milliseconds(target.timestamp_millis() - app.clock.now_ms())
    };
    // 00:00 EST on 14 March is 05:00Z; the 13th's trigger is by then a day late.
    let fourteenth = sweep_after(app, to("2027-03-14T05:00:30Z")).await;
    assert_eq!(
        (fourteenth.queued, fourteenth.late),
        (4, 1),
        "{fourteenth:?}"
    );
    // 00:00 EDT on 15 March is 04:00Z, not 05:00Z.
    let before = sweep_after(app, to("2027-03-15T03:59:59Z")).await;
    assert_eq!(before.queued, 0);
    let fifteenth = sweep_after(app, to("2027-03-15T04:00:30Z")).await;
    assert_eq!(fifteenth.queued, 4, "{fifteenth:?}");
    let mail = (app.outbox().await.into_iter())
        .rfind(|r| r.kind == "event-reminder")
        .unwrap();
    assert!(
        mail.text_body.contains("2027-03-15 (all day)"),
        "{}",
        mail.text_body
    );
}
