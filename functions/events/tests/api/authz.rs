//! The authorization matrix: every event route called as the event creator, the calendar owner,
//! an editor, a viewer, an invited participant, a non-member and anonymously.

use super::helpers::*;

type Expect = (u16, Option<&'static str>);
const UNAUTH: Expect = (401, Some("Unauthorized"));
const NO_ACCESS: Expect = (403, Some("You do not have access to this calendar"));
const NO_PERMISSION: Expect = (
    403,
    Some("You do not have permission to delete or patch this event"),
);
const NOT_FOUND: Expect = (404, Some("Event not found"));

fn check(res: &TestResponse, expected: Expect, why: &str) {
    assert_eq!(res.status.as_u16(), expected.0, "{why}: {}", res.text());
    if let Some(msg) = expected.1 {
        res.assert_error(expected.0, json!(msg));
    }
}

/// (name, user): creator (a co-owner), calendar owner, editor, viewer, invited, stranger, anonymous.
fn actors(cast: &Cast) -> Vec<(&'static str, Option<&TestUser>)> {
    vec![
        ("event creator", Some(&cast.owner)),
        ("calendar owner", Some(&cast.creator)),
        ("editor", Some(&cast.editor)),
        ("viewer", Some(&cast.viewer)),
        ("invited", Some(&cast.guest)),
        ("non-member", Some(&cast.stranger)),
        ("anonymous", None),
    ]
}

async fn new_event(app: &TestApp, cast: &Cast, recurring: bool) -> i64 {
    let mut body = arrangement(cast.calendar, &[cast.guest.id]);
    if recurring {
        body["recurrence"] = json!(["RRULE:FREQ=DAILY;COUNT=30"]);
    }
    create(app, &cast.owner, body).await["id"].as_i64().unwrap()
}

shared::db_tests!(
    spawn,
    reading_and_editing_events,
    deleting_events_and_participants,
    single_occurrences,
    the_calendar_view_checks_the_callers_account_on_every_answer
);

async fn reading_and_editing_events(app: &TestApp) {
    let cast = Cast::new(app).await;
    let id = new_event(app, &cast, false).await;
    let creator_home = membership(app, &cast.owner, cast.calendar).await;
    let table: Vec<(Method, String, Value, [Expect; 7])> = vec![
        (
            Method::GET,
            format!("/api/events/{id}"),
            json!({}),
            [
                (200, None),
                (200, None),
                (200, None),
                (200, None),
                (200, None),
                NOT_FOUND,
                UNAUTH,
            ],
        ),
        (
            Method::PATCH,
            format!("/api/events/{id}"),
            json!({"name": "Renamed"}),
            [
                (200, None),
                (200, None),
                (200, None),
                NO_PERMISSION,
                NO_ACCESS,
                NO_ACCESS,
                UNAUTH,
            ],
        ),
        (
            Method::GET,
            format!("/api/events/{id}/calendar-members/{creator_home}"),
            json!({}),
            [
                (200, None),
                (200, None),
                (200, None),
                (200, None),
                (200, None),
                NOT_FOUND,
                UNAUTH,
            ],
        ),
        (
            Method::PATCH,
            format!("/api/events/{id}/calendar-members/{creator_home}"),
            json!({"color": "#010101"}),
            [
                (200, None),
                (403, Some("You can only change your own participation")),
                (403, Some("You can only change your own participation")),
                (403, Some("You can only change your own participation")),
                (403, Some("You can only change your own participation")),
                (403, Some("You can only change your own participation")),
                UNAUTH,
            ],
        ),
        (
            Method::POST,
            format!("/api/events/{id}/calendar-members"),
            json!({"calendarId": cast.calendar, "userId": cast.stranger.id}),
            [
                (201, None),
                (201, None),
                (201, None),
                (
                    403,
                    Some("You need editor or owner role to perform this action"),
                ),
                (
                    403,
                    Some("You need editor or owner role to perform this action"),
                ),
                (
                    403,
                    Some("You need editor or owner role to perform this action"),
                ),
                UNAUTH,
            ],
        ),
        (
            Method::GET,
            format!(
                "/api/calendars/{}/members/{}/events",
                cast.calendar, cast.editor.id
            ),
            json!({}),
            [
                (200, None),
                (200, None),
                (200, None),
                (
                    403,
                    Some("Only calendar owners can view other members' events"),
                ),
                (404, Some("The user does not have access to this calendar")),
                (404, Some("The user does not have access to this calendar")),
                UNAUTH,
            ],
        ),
        (
            Method::GET,
            format!("/api/users/{}/events?name=Team", cast.editor.id),
            json!({}),
            [
                (403, Some("You can only access your own account")),
                (403, Some("You can only access your own account")),
                (200, None),
                (403, Some("You can only access your own account")),
                (403, Some("You can only access your own account")),
                (403, Some("You can only access your own account")),
                UNAUTH,
            ],
        ),
    ];
    for (method, path, body, expected) in table {
        for ((who, user), exp) in actors(&cast).into_iter().zip(expected) {
            let res = app
                .request(method.clone(), &path)
                .as_user_opt(user)
                .json(&body)
                .send()
                .await;
            check(&res, exp, &format!("{method} {path} as {who}"));
        }
    }
}

async fn deleting_events_and_participants(app: &TestApp) {
    let cast = Cast::new(app).await;
    let editors_own = (403, Some("Editors can only delete their own events"));
    let expected: [Expect; 7] = [
        (200, None),
        (200, None),
        editors_own,
        NO_PERMISSION,
        NO_ACCESS,
        NO_ACCESS,
        UNAUTH,
    ];
    for ((who, user), exp) in actors(&cast).into_iter().zip(expected) {
        let id = new_event(app, &cast, false).await;
        let res = app
            .request(Method::DELETE, &format!("/api/events/{id}"))
            .as_user_opt(user)
            .json(&json!({}))
            .send()
            .await;
        check(&res, exp, &format!("DELETE event as {who}"));
    }
    let remove = (
        403,
        Some("You do not have permission to remove this participant"),
    );
    let expected: [Expect; 7] = [
        (200, None),
        (200, None),
        remove,
        remove,
        (200, None),
        remove,
        UNAUTH,
    ];
    let guest_main = membership(app, &cast.guest, main_calendar(app, &cast.guest).await).await;
    for ((who, user), exp) in actors(&cast).into_iter().zip(expected) {
        let id = new_event(app, &cast, false).await;
        let res = app
            .request(
                Method::DELETE,
                &format!("/api/events/{id}/calendar-members/{guest_main}"),
            )
            .as_user_opt(user)
            .json(&json!({}))
            .send()
            .await;
        check(
            &res,
            exp,
            &format!("remove the invited participant as {who}"),
        );
    }
}

async fn single_occurrences(app: &TestApp) {
    let cast = Cast::new(app).await;
    let id = new_event(app, &cast, true).await;
    let occ = "2025-04-03T09:00:00.000Z";
    let expected: [Expect; 7] = [
        (200, None),
        (200, None),
        (200, None),
        NO_PERMISSION,
        NO_ACCESS,
        NO_ACCESS,
        UNAUTH,
    ];
    for ((who, user), exp) in actors(&cast).into_iter().zip(expected) {
        let res = app
            .request(
                Method::PATCH,
                &format!("/api/events/{id}/occurrences/{occ}"),
            )
            .as_user_opt(user)
            .json(&json!({"name": format!("By {who}")}))
            .send()
            .await;
        check(&res, exp, &format!("PATCH occurrence as {who}"));
    }
    let editors_own = (403, Some("Editors can only delete their own events"));
    let expected: [Expect; 7] = [
        (200, None),
        (200, None),
        editors_own,
        NO_PERMISSION,
        NO_ACCESS,
        NO_ACCESS,
        UNAUTH,
    ];
    for ((who, user), exp) in actors(&cast).into_iter().zip(expected) {
        let res = app
            .request(
                Method::DELETE,
                &format!("/api/events/{id}/occurrences/{occ}"),
            )
            .as_user_opt(user)
            .json(&json!({}))
            .send()
            .await;
        check(&res, exp, &format!("DELETE occurrence as {who}"));
    }
}

/// M7 skips the caller's user lookup when their own rows prove the account (issue 11): a
/// deleted account's token, still unexpired, must get 401 on every answer all the same, before
/// the request's own errors, and a live account must get those errors.
async fn the_calendar_view_checks_the_callers_account_on_every_answer(app: &TestApp) {
    let cast = Cast::new(app).await;
    new_event(app, &cast, false).await;
    let (cal, me) = (cast.calendar, &cast.owner);
    let own = format!("/api/calendars/{cal}/members/{}/events", me.id);
    let listed = app.request(Method::GET, &own).as_user(me).send().await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert!(
        !listed.json().as_array().unwrap().is_empty(),
        "{}",
        listed.text()
    );
    let bad_date = format!("{own}?startDate=soon");
    let bad_id = format!("/api/calendars/x/members/{}/events", me.id);
    let inverted = format!("{own}?startDate=2025-02-01&endDate=2025-01-01");
    let other = format!("/api/calendars/{cal}/members/{}/events", cast.editor.id);
    let live: [(&str, Expect); 4] = [
        (&bad_date, (400, None)),
        (&bad_id, (400, None)),
        (&inverted, (200, None)),
        (&other, (200, None)),
    ];
    for (path, expected) in live {
        let res = app.request(Method::GET, path).as_user(me).send().await;
        check(&res, expected, path);
    }
    let mut c = app.state.db.acquire().await.unwrap();
    assert_eq!(shared::db::users::delete(&mut c, me.id).await.unwrap(), 1);
    drop(c);
    for path in [&own, &bad_date, &bad_id, &inverted, &other] {
        let res = app.request(Method::GET, path).as_user(me).send().await;
        check(&res, UNAUTH, &format!("deleted account: {path}"));
    }
}
