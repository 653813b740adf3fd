//! Who gets a reminder, when, and only once.

use axum::http::Method;
use chrono::TimeDelta;
use serde_json::json;
use shared::db::participations;
use shared::domain::kinds::ResponseStatus;
use shared::testing::{Cast, TestApp, concurrently, membership};

use super::{create, event_in, reminders_sent, spawn, sweep_after};

shared::db_tests!(
    spawn,
    each_offset_fires_once_for_each_recipient,
    declined_null_and_unconfirmed_get_none,
    a_completed_task_gets_none_until_it_is_reopened,
    a_trigger_more_than_an_hour_late_is_skipped,
    a_trigger_before_the_event_was_created_never_fires,
    two_sweeps_at_once_queue_one_email_per_reminder
);

const SUBJECT: &str = "Reminder: Team sync in calendar Team";

async fn each_offset_fires_once_for_each_recipient(app: &TestApp) {
    let cast = Cast::new(app).await;
    let mut body = event_in(app, cast.calendar, "arrangement", 180, &[60, 120]);
    body["participantIds"] = json!([cast.creator.id, cast.guest.id]);
    create(app, &cast.creator, body).await;
    let early = sweep_after(app, TimeDelta::minutes(59)).await;
    assert_eq!(
        (early.due, early.queued),
        (0, 0),
        "nothing due an hour before the first"
    );
    let first = sweep_after(app, TimeDelta::minutes(2)).await;
    assert_eq!(
        first.queued, 2,
        "the creator (pending) and the guest (invited): {first:?}"
    );
    let again = sweep_after(app, TimeDelta::seconds(30)).await;
    assert_eq!(again.queued, 0, "once");
    let second = sweep_after(app, TimeDelta::minutes(60)).await;
    assert_eq!(second.queued, 2, "the 60-minute offset");
    let sent = reminders_sent(app).await;
    let expected: Vec<(String, String)> = [&cast.creator, &cast.creator, &cast.guest, &cast.guest]
        .iter()
        .map(|u| (u.email.clone(), SUBJECT.to_string()))
        .collect();
    assert_eq!(sent, expected);
    let mail = (app.outbox().await.into_iter())
        .find(|r| r.kind == "event-reminder" && r.recipient == cast.guest.email)
        .unwrap();
    assert!(mail.text_body.contains("Starts: "), "{}", mail.text_body);
    assert!(
        mail.text_body.contains("(Europe/Kyiv)"),
        "in the recipient's zone"
    );
    assert!(
        mail.links.contains("http://localhost:5173/calendar"),
        "{}",
        mail.links
    );
}

async fn declined_null_and_unconfirmed_get_none(app: &TestApp) {
    let cast = Cast::new(app).await;
    let mut body = event_in(app, cast.calendar, "arrangement", 30, &[10]);
    body["participantIds"] = json!([cast.editor.id, cast.guest.id]);
    let id = create(app, &cast.creator, body).await;
    // The editor declines; the owner and the viewer hold null participations.
    let editor_home = membership(app, &cast.editor, cast.calendar).await;
    let res = app
        .request(
            Method::PATCH,
            &format!("/api/events/{id}/calendar-members/{editor_home}"),
        )
        .as_user(&cast.editor)
        .json(&json!({"responseStatus": "declined"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    // A participation through a membership not confirmed yet does not count either.
    let pending_home = membership(app, &cast.pending, cast.calendar).await;
    let mut c = app.state.db.acquire().await.unwrap();
    let accepted = Some(ResponseStatus::Accepted);
    let now = app.clock.now_ms();
    participations::insert(&mut c, pending_home, id, "#000000", accepted, now)
        .await
        .unwrap();
    drop(c);
    let report = sweep_after(app, TimeDelta::minutes(21)).await;
    assert_eq!(report.queued, 1, "{report:?}");
    assert_eq!(
        reminders_sent(app).await,
        [(cast.guest.email.clone(), SUBJECT.to_string())]
    );
}

async fn a_completed_task_gets_none_until_it_is_reopened(app: &TestApp) {
    let cast = Cast::new(app).await;
    let id = create(
        app,
        &cast.editor,
        event_in(app, cast.calendar, "task", 30, &[10]),
    )
    .await;
    let patch = async |done: bool| {
        // A fresh session each time: the clock moves past the access token's lifetime.
        let editor = app.logged_in(cast.editor.id).await;
        app.request(Method::PATCH, &format!("/api/events/{id}"))
            .as_user(&editor)
            .json(&json!({"isCompleted": done}))
            .send()
            .await
    };
    assert_eq!(patch(true).await.status, 200);
    let done = sweep_after(app, TimeDelta::minutes(21)).await;
    assert_eq!(
        (done.due, done.queued),
        (0, 0),
        "a completed task has no trigger"
    );
    assert_eq!(patch(false).await.status, 200);
    let reopened = sweep_after(app, TimeDelta::seconds(1)).await;
    assert_eq!(
        reopened.queued, 1,
        "reopened within the hour: the task's creator"
    );
    assert_eq!(
        reminders_sent(app).await,
        [(cast.editor.email.clone(), SUBJECT.to_string())]
    );
}

async fn a_trigger_more_than_an_hour_late_is_skipped(app: &TestApp) {
    let cast = Cast::new(app).await;
    let body = event_in(app, cast.calendar, "reminder", 180, &[120]);
    create(app, &cast.creator, body).await;
    let late = sweep_after(app, TimeDelta::minutes(60 + 61)).await;
    assert_eq!((late.due, late.queued, late.late), (1, 0, 1), "{late:?}");
    assert!(reminders_sent(app).await.is_empty());
    let after = sweep_after(app, TimeDelta::minutes(1)).await;
    assert_eq!(after.due, 0, "the trigger is gone, not retried");
}

async fn a_trigger_before_the_event_was_created_never_fires(app: &TestApp) {
    let cast = Cast::new(app).await;
    // Starts in 20 minutes with a 30-minute reminder: its trigger was 10 minutes ago.
    let body = event_in(app, cast.calendar, "reminder", 20, &[30, 5]);
    create(app, &cast.creator, body).await;
    let now = sweep_after(app, TimeDelta::seconds(1)).await;
    assert_eq!(now.queued, 0);
    let five = sweep_after(app, TimeDelta::minutes(15)).await;
    assert_eq!(
        five.queued, 4,
        "the 5-minute one, to every confirmed member"
    );
}

async fn two_sweeps_at_once_queue_one_email_per_reminder(app: &TestApp) {
    let cast = Cast::new(app).await;
    for _ in 0..3 {
        let body = event_in(app, cast.calendar, "reminder", 30, &[10, 20]);
        create(app, &cast.creator, body).await;
    }
    app.clock.advance(TimeDelta::minutes(21));
    app.warm_pool().await;
    let now = app.clock.now_ms();
    let reports = concurrently([
        reminders::run(&app.state, now),
        reminders::run(&app.state, now),
    ])
    .await;
    let queued: usize = reports.iter().map(|r| r.as_ref().unwrap().queued).sum();
    // 3 events x 2 offsets x 4 confirmed members (creator, owner, editor, viewer).
    assert_eq!(queued, 24, "{reports:?}");
    assert_eq!(reminders_sent(app).await.len(), 24);
}
