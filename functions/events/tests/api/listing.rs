//! M7 views and the U8/U9 search: filters, expansion, and pagination that never skips or repeats.

use std::collections::BTreeSet;

use super::helpers::*;

fn named(cal: i64, name: &str, start: &str, end: &str) -> Value {
    let mut b = arrangement(cal, &[]);
    b["name"] = json!(name);
    b["startedAt"] = json!(start);
    b["endedAt"] = json!(end);
    b
}

shared::db_tests!(
    spawn,
    the_calendar_view_filters_by_dates_inclusively_and_hides_unconfirmed_invitations_in_main,
    the_calendar_view_renders_every_kind_like_the_event_itself,
    cursor_and_offset_pages_list_every_event_exactly_once,
    search_matches_names_literally_and_filters_by_type,
    a_series_is_found_once_through_its_home_membership,
    a_date_window_lists_the_occurrences_of_a_series,
    search_parameters_are_validated
);

async fn the_calendar_view_filters_by_dates_inclusively_and_hides_unconfirmed_invitations_in_main(
    app: &TestApp,
) {
    let cast = Cast::new(app).await;
    let c = cast.calendar;
    let a = create(
        app,
        &cast.creator,
        named(c, "Alpha", "2025-04-01T09:00:00Z", "2025-04-01T10:00:00Z"),
    )
    .await["id"]
        .clone();
    let b = create(
        app,
        &cast.creator,
        named(c, "Bravo", "2025-04-03T09:00:00Z", "2025-04-03T10:00:00Z"),
    )
    .await["id"]
        .clone();
    let invite = create(app, &cast.creator, {
        let mut x = named(c, "Invite", "2025-04-02T09:00:00Z", "2025-04-02T10:00:00Z");
        x["participantIds"] = json!([cast.guest.id]);
        x
    })
    .await["id"]
        .clone();
    let path = |from: &str, to: &str| {
        format!(
            "/api/calendars/{c}/members/{}/events?startDate={from}&endDate={to}",
            cast.creator.id
        )
    };
    let ids = |v: Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["event"]["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(app
            .request(
                Method::GET,
                &path("2025-04-01T10:00:00Z", "2025-04-03T09:00:00Z")
            )
            .as_user(&cast.creator)
            .send()
            .await
            .json()),
        vec![a.clone(), invite.clone(), b.clone()],
        "touching bounds overlap"
    );
    assert_eq!(
        ids(app
            .request(
                Method::GET,
                &path("2025-04-01T10:00:01Z", "2025-04-03T08:59:59Z")
            )
            .as_user(&cast.creator)
            .send()
            .await
            .json()),
        vec![invite.clone()]
    );
    assert_eq!(
        app.request(Method::GET, &path("2025-04-05", "2025-04-01"))
            .as_user(&cast.creator)
            .send()
            .await
            .json(),
        json!([]),
        "A after B is empty"
    );
    let all = app
        .request(
            Method::GET,
            &format!("/api/calendars/{c}/members/{}/events", cast.creator.id),
        )
        .as_user(&cast.creator)
        .send()
        .await
        .json();
    assert_eq!(
        all.as_array().unwrap().len(),
        3,
        "no dates: every plain event"
    );
    app.request(
        Method::GET,
        &format!(
            "/api/calendars/{c}/members/{}/events?startDate=x",
            cast.creator.id
        ),
    )
    .as_user(&cast.creator)
    .send()
    .await
    .assert_error(
        400,
        json!(["startDate must be a valid ISO 8601 date string"]),
    );

    let main = main_calendar(app, &cast.guest).await;
    let guest_view = format!("/api/calendars/{main}/members/{}/events", cast.guest.id);
    assert_eq!(
        app.request(Method::GET, &guest_view)
            .as_user(&cast.guest)
            .send()
            .await
            .json(),
        json!([]),
        "an invitation is hidden in main until confirmed"
    );
    let link = participation_link(app, &cast.guest, invite.as_i64().unwrap()).await;
    app.request(
        Method::POST,
        &format!(
            "/api/events/0/calendar-members/0/confirm-participation/{}",
            link.rsplit('/').next().unwrap()
        ),
    )
    .send()
    .await;
    let items = app
        .request(Method::GET, &guest_view)
        .as_user(&cast.guest)
        .send()
        .await
        .json();
    assert_eq!(items[0]["event"]["id"], invite);
    assert_eq!(items[0]["responseStatus"], "pending");
    let keys: Vec<&str> = items[0]
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
            "event"
        ]
    );
    app.request(
        Method::GET,
        &format!("/api/calendars/{c}/members/{}/events", cast.creator.id),
    )
    .as_user(&cast.guest)
    .send()
    .await
    .assert_error(404, json!("The user does not have access to this calendar"));
    app.request(
        Method::GET,
        &format!("/api/calendars/{c}/members/{}/events", cast.stranger.id),
    )
    .as_user(&cast.creator)
    .send()
    .await
    .assert_error(404, json!("Calendar member not found"));
}

async fn the_calendar_view_renders_every_kind_like_the_event_itself(app: &TestApp) {
    let cast = Cast::new(app).await;
    let c = cast.calendar;
    let mut done = named(
        c,
        "Done \"task\" — ✓",
        "2025-05-02T09:00:00Z",
        "2025-05-02T10:00:00Z",
    );
    done["type"] = json!("task");
    done["priority"] = json!("high");
    done["description"] = json!("line\nbreak \\ 😀");
    let done = create(app, &cast.creator, done).await["id"]
        .as_i64()
        .unwrap();
    let res = app
        .request(Method::PATCH, &format!("/api/events/{done}"))
        .as_user(&cast.creator)
        .json(&json!({"isCompleted": true}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let mut open = named(c, "Open", "2025-05-03T09:00:00Z", "2025-05-03T10:00:00Z");
    open["type"] = json!("task");
    let open = create(app, &cast.creator, open).await["id"]
        .as_i64()
        .unwrap();
    let mut day = named(c, "Holiday", "2025-05-04", "2025-05-06");
    day["allDay"] = json!(true);
    day["timeZone"] = json!("Australia/Sydney");
    let day = create(app, &cast.creator, day).await["id"]
        .as_i64()
        .unwrap();
    let mut series = named(c, "Standup", "2025-05-01T07:00:00Z", "2025-05-01T07:15:00Z");
    series["recurrence"] = json!(["RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=3"]);
    series["type"] = json!("reminder");
    let series = create(app, &cast.creator, series).await["id"]
        .as_i64()
        .unwrap();

    let items = app
        .request(
            Method::GET,
            &format!(
                "/api/calendars/{c}/members/{}/events?startDate=2025-05-01&endDate=2025-05-31",
                cast.creator.id
            ),
        )
        .as_user(&cast.creator)
        .send()
        .await
        .json();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 3 + 3, "three events and three occurrences");
    for id in [done, open, day] {
        let item = items.iter().find(|i| i["eventId"] == id).unwrap();
        let whole = app
            .request(Method::GET, &format!("/api/events/{id}"))
            .as_user(&cast.creator)
            .send()
            .await
            .json();
        let keys: Vec<&String> = item["event"].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 16, "EventCore and task: {keys:?}");
        for k in keys {
            assert_eq!(item["event"][k], whole[k], "{k} of event {id}");
        }
        let mine = whole["participations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == item["id"])
            .unwrap();
        for k in [
            "calendarMemberId",
            "eventId",
            "color",
            "responseStatus",
            "createdAt",
            "updatedAt",
        ] {
            assert_eq!(item[k], mine[k], "participation {k} of event {id}");
        }
    }
    let done_item = items.iter().find(|i| i["eventId"] == done).unwrap();
    assert_eq!(done_item["event"]["task"]["isCompleted"], true);
    assert_eq!(done_item["event"]["description"], "line\nbreak \\ 😀");
    assert_eq!(
        items.iter().find(|i| i["eventId"] == open).unwrap()["event"]["task"]["isCompleted"],
        false
    );
    let day_item = items.iter().find(|i| i["eventId"] == day).unwrap();
    assert_eq!(
        (
            day_item["event"]["allDay"].clone(),
            day_item["event"]["startedAt"].clone()
        ),
        (json!(true), json!("2025-05-04"))
    );
    let starts: Vec<&Value> = items
        .iter()
        .filter(|i| i["eventId"] == series)
        .map(|i| &i["event"]["startedAt"])
        .collect();
    assert_eq!(
        starts,
        [
            "2025-05-01T07:00:00.000Z",
            "2025-05-08T07:00:00.000Z",
            "2025-05-15T07:00:00.000Z"
        ]
    );
    assert!(
        items
            .iter()
            .filter(|i| i["eventId"] == series)
            .all(|i| i["event"]["recurringEventId"] == series && i["event"]["task"].is_null())
    );
}

async fn cursor_and_offset_pages_list_every_event_exactly_once(app: &TestApp) {
    let cast = Cast::new(app).await;
    let mut created = Vec::new();
    for i in 0..230 {
        let e = create(
            app,
            &cast.creator,
            named(
                cast.calendar,
                &format!("Walk {i:03}"),
                "2025-05-01T09:00:00Z",
                "2025-05-01T10:00:00Z",
            ),
        )
        .await;
        created.push(e["id"].as_i64().unwrap());
        if i % 7 == 0 {
            app.clock.advance(chrono::TimeDelta::milliseconds(1));
        }
    }
    let base = format!("/api/users/{}/events?name=walk&limit=37", cast.creator.id);
    let mut seen = Vec::new();
    let mut url = base.clone();
    let mut pages = 0;
    loop {
        let res = app
            .request(Method::GET, &url)
            .as_user(&cast.creator)
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let body = res.json();
        assert_eq!(body["total"], 230);
        assert_eq!(body["limit"], 37);
        let events = body["events"].as_array().unwrap();
        seen.extend(events.iter().map(|e| e["id"].as_i64().unwrap()));
        assert_eq!(
            body["remaining"].as_u64().unwrap() as usize,
            230 - seen.len()
        );
        pages += 1;
        if !body["hasMore"].as_bool().unwrap() {
            break;
        }
        let next = &body["nextCursor"];
        url = format!(
            "{base}&after[createdAt]={}&after[id]={}&",
            next["createdAt"].as_str().unwrap(),
            next["id"]
        );
        assert!(pages < 20);
    }
    assert_eq!(pages, 7);
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), 230, "no event repeated");
    let mut expected = created.clone();
    expected.reverse();
    assert_eq!(seen, expected, "newest first (createdAt, then id)");

    let mut offset_seen = Vec::new();
    for page in 1..=7 {
        let body = app
            .request(
                Method::GET,
                &format!(
                    "/api/users/{}/events/offset?name=Walk&limit=37&page={page}",
                    cast.creator.id
                ),
            )
            .as_user(&cast.creator)
            .send()
            .await
            .json();
        assert_eq!(
            (
                body["total"].clone(),
                body["totalPages"].clone(),
                body["page"].clone()
            ),
            (json!(230), json!(7), json!(page))
        );
        offset_seen.extend(
            body["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap()),
        );
    }
    assert_eq!(offset_seen, expected);
    let empty = app
        .request(
            Method::GET,
            &format!(
                "/api/users/{}/events/offset?name=Walk&limit=37&page=8",
                cast.creator.id
            ),
        )
        .as_user(&cast.creator)
        .send()
        .await
        .json();
    assert_eq!(empty["events"], json!([]));
}

async fn search_matches_names_literally_and_filters_by_type(app: &TestApp) {
    let (cast, _) = searchable(app).await;
    let q = |s: &str| search_path(&cast.creator, s);
    assert_eq!(
        names(
            app.request(Method::GET, &q("name=0%25+s"))
                .as_user(&cast.creator)
                .send()
                .await
                .json()
        ),
        ["100% sure"]
    );
    assert_eq!(
        names(
            app.request(Method::GET, &q("name=e_c"))
                .as_user(&cast.creator)
                .send()
                .await
                .json()
        ),
        ["snake_case"]
    );
    assert_eq!(
        names(
            app.request(Method::GET, &q("name=SNAKE&type=task"))
                .as_user(&cast.creator)
                .send()
                .await
                .json()
        ),
        ["snake_case"]
    );
    assert_eq!(
        names(
            app.request(Method::GET, &q("name=snake&type=reminder"))
                .as_user(&cast.creator)
                .send()
                .await
                .json()
        ),
        Vec::<String>::new()
    );
}

async fn a_series_is_found_once_through_its_home_membership(app: &TestApp) {
    let (cast, _) = searchable(app).await;
    let c = cast.calendar;
    let q = |s: &str| search_path(&cast.creator, s);
    let res = app
        .request(Method::GET, &q("name=standup"))
        .as_user(&cast.creator)
        .send()
        .await
        .json();
    assert_eq!(
        res["total"], 1,
        "the series once, although the owner holds two participations"
    );
    let item = &res["events"][0];
    assert_eq!(item["calendarId"], c, "home calendar membership preferred");
    assert_eq!(
        item["calendarMemberId"],
        membership(app, &cast.creator, c).await
    );
    assert!(item.get("recurringEventId").is_none());
    let keys: Vec<&str> = item
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .take(5)
        .collect();
    assert_eq!(
        keys,
        ["id", "creatorId", "calendarId", "calendarMemberId", "name"]
    );
}

async fn a_date_window_lists_the_occurrences_of_a_series(app: &TestApp) {
    let (cast, series) = searchable(app).await;
    let q = |s: &str| search_path(&cast.creator, s);
    let windowed = app
        .request(
            Method::GET,
            &q("startedAt=2025-04-03T00:00:00Z&endedAt=2025-04-05T23:59:59Z"),
        )
        .as_user(&cast.creator)
        .send()
        .await
        .json();
    assert_eq!(windowed["total"], 1);
    let occ: Vec<&str> = windowed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["originalStartedAt"].as_str().unwrap())
        .collect();
    assert_eq!(
        occ,
        [
            "2025-04-03T07:00:00.000Z",
            "2025-04-04T07:00:00.000Z",
            "2025-04-05T07:00:00.000Z"
        ]
    );
    assert!(
        windowed["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["recurringEventId"] == series)
    );
    assert_eq!(windowed["truncated"], false);
}

async fn search_parameters_are_validated(app: &TestApp) {
    let cast = Cast::new(app).await;
    let q = |s: &str| search_path(&cast.creator, s);
    app.request(Method::GET, &q(""))
        .as_user(&cast.creator)
        .send()
        .await
        .assert_error(400, json!(["name should not be empty"]));
    app.request(Method::GET, &q("name=ab"))
        .as_user(&cast.creator)
        .send()
        .await
        .assert_error(
            400,
            json!(["name must be longer than or equal to 3 characters"]),
        );
    app.request(Method::GET, &q("name=abc&after[id]=5"))
        .as_user(&cast.creator)
        .send()
        .await
        .assert_error(
            400,
            json!(["after[id] and after[createdAt] must be given together"]),
        );
    app.request(Method::GET, &q("name=abc&limit=0"))
        .as_user(&cast.creator)
        .send()
        .await
        .assert_error(400, json!(["limit must not be less than 1"]));
    app.request(Method::GET, &q("name=abc&type=meeting"))
        .as_user(&cast.creator)
        .send()
        .await
        .assert_error(
            400,
            json!(["type must be one of the following values: event, arrangement, reminder, task"]),
        );
}

/// The creator's events to search: two names with LIKE wildcards, a task and a daily series
/// (returned: its id).
async fn searchable(app: &TestApp) -> (Cast, Value) {
    let cast = Cast::new(app).await;
    let c = cast.calendar;
    create(
        app,
        &cast.creator,
        named(
            c,
            "100% sure",
            "2025-04-01T09:00:00Z",
            "2025-04-01T10:00:00Z",
        ),
    )
    .await;
    create(
        app,
        &cast.creator,
        named(
            c,
            "1000 surely",
            "2025-04-01T09:00:00Z",
            "2025-04-01T10:00:00Z",
        ),
    )
    .await;
    let mut task = named(
        c,
        "snake_case",
        "2025-04-02T09:00:00Z",
        "2025-04-02T10:00:00Z",
    );
    task["type"] = json!("task");
    create(app, &cast.creator, task).await;
    let mut daily = named(
        c,
        "Daily standup",
        "2025-04-01T07:00:00Z",
        "2025-04-01T07:15:00Z",
    );
    daily["recurrence"] = json!(["RRULE:FREQ=DAILY;COUNT=20"]);
    daily["participantIds"] = json!([cast.creator.id]);
    let series = create(app, &cast.creator, daily).await["id"].clone();
    (cast, series)
}

/// The U8 path of `user` with a query.
fn search_path(user: &TestUser, query: &str) -> String {
    format!("/api/users/{}/events?{query}", user.id)
}

/// The names of a page's items.
fn names(v: Value) -> Vec<String> {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}
