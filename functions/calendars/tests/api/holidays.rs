//! K1: holidays of the caller's country from stored data.

use super::helpers::*;
use shared::db::holidays::{self, NewHoliday, source};

async fn set_country(app: &TestApp, user: &TestUser, code: &str) {
    let mut c = app.state.db.acquire().await.unwrap();
    let mut u = shared::db::users::find_by_id(&mut c, user.id)
        .await
        .unwrap()
        .unwrap();
    u.country_code = code.into();
    shared::db::users::update_profile(&mut c, &u).await.unwrap();
}

shared::db_tests!(
    spawn,
    holidays_of_several_countries_come_from_the_offline_dataset,
    a_holiday_on_31_december_ends_on_1_january_of_the_next_year,
    without_a_year_the_current_and_next_utc_years_are_listed,
    a_country_without_data_and_years_outside_the_dataset_give_an_empty_list,
    the_year_is_validated,
    synced_rows_replace_the_dataset_for_their_country_and_year,
    the_dataset_is_loaded_once_per_country
);

async fn holidays_of_several_countries_come_from_the_offline_dataset(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let res = app
        .request(Method::GET, "/api/calendars/holidays?year=2025")
        .as_user(&alice)
        .send()
        .await;
    assert_eq!(res.status, 200);
    let list = res.json();
    assert!(list.as_array().unwrap().contains(
        &json!({"title": "Independence Day", "startedAt": "2025-08-24",
        "endedAt": "2025-08-25", "description": "День незалежності України"})
    ));

    set_country(app, &alice, "US").await;
    let us = app
        .request(Method::GET, "/api/calendars/holidays?year=2025")
        .as_user(&alice)
        .send()
        .await
        .json();
    assert!(
        us.as_array().unwrap().contains(
            &json!({"title": "Independence Day", "startedAt": "2025-07-04",
        "endedAt": "2025-07-05", "description": null})
        ),
        "same local name gives null"
    );

    set_country(app, &alice, "DE").await;
    let de = app
        .request(Method::GET, "/api/calendars/holidays?year=2025")
        .as_user(&alice)
        .send()
        .await
        .json();
    assert!(
        de.as_array()
            .unwrap()
            .contains(&json!({"title": "Christmas Day", "startedAt": "2025-12-25",
        "endedAt": "2025-12-26", "description": "Erster Weihnachtstag"}))
    );
    let dates: Vec<(&str, &str)> = de
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["startedAt"].as_str().unwrap(),
                h["title"].as_str().unwrap(),
            )
        })
        .collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted, "sorted by startedAt, then title");
    assert!(dates.iter().all(|(d, _)| d.starts_with("2025-")));
}

async fn a_holiday_on_31_december_ends_on_1_january_of_the_next_year(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    set_country(app, &alice, "LV").await;
    let list = app
        .request(Method::GET, "/api/calendars/holidays?year=2025")
        .as_user(&alice)
        .send()
        .await
        .json();
    let eve = list
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["startedAt"] == "2025-12-31")
        .expect("New Year's Eve");
    assert_eq!(
        eve,
        &json!({"title": "New Year's Eve", "startedAt": "2025-12-31", "endedAt": "2026-01-01",
        "description": "Vecgada diena"})
    );
}

async fn without_a_year_the_current_and_next_utc_years_are_listed(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let list = app
        .request(Method::GET, "/api/calendars/holidays")
        .as_user(&alice)
        .send()
        .await
        .json();
    let now = app
        .clock
        .now()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap();
    let years: std::collections::BTreeSet<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["startedAt"].as_str().unwrap()[..4].to_string())
        .collect();
    let expected: std::collections::BTreeSet<String> =
        [now, now + 1].iter().map(|y| y.to_string()).collect();
    assert_eq!(years, expected);
}

async fn a_country_without_data_and_years_outside_the_dataset_give_an_empty_list(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    assert_eq!(
        app.request(Method::GET, "/api/calendars/holidays?year=2099")
            .as_user(&alice)
            .send()
            .await
            .json(),
        json!([])
    );
    set_country(app, &alice, "BV").await;
    let res = app
        .request(Method::GET, "/api/calendars/holidays?year=2025")
        .as_user(&alice)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json(), json!([]));
}

async fn the_year_is_validated(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    for (q, msg) in [
        ("1969", "year must not be less than 1970"),
        ("2101", "year must not be greater than 2100"),
        ("abc", "year must be an integer"),
        ("20.5", "year must be an integer"),
    ] {
        app.request(Method::GET, &format!("/api/calendars/holidays?year={q}"))
            .as_user(&alice)
            .send()
            .await
            .assert_error(400, json!([msg]));
    }
    assert_eq!(
        app.request(Method::GET, "/api/calendars/holidays?year=")
            .as_user(&alice)
            .send()
            .await
            .status,
        200,
        "empty means absent"
    );
}

async fn synced_rows_replace_the_dataset_for_their_country_and_year(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let before = app
        .request(Method::GET, "/api/calendars/holidays?year=2026")
        .as_user(&alice)
        .send()
        .await
        .json();
    assert!(before.as_array().unwrap().len() > 3);
    let mut tx = app.state.db.begin().await.unwrap();
    let rows = [NewHoliday {
        date: "2026-01-01",
        name: "New Year's Day",
        local_name: Some("Новий рік"),
        types: "Public",
        global: true,
    }];
    holidays::insert(&mut tx, "UA", source::SYNC, &rows, app.clock.now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let after = app
        .request(Method::GET, "/api/calendars/holidays?year=2026")
        .as_user(&alice)
        .send()
        .await
        .json();
    assert_eq!(
        after,
        json!([{"title": "New Year's Day", "startedAt": "2026-01-01", "endedAt": "2026-01-02", "description": "Новий рік"}])
    );
    let other_year = app
        .request(Method::GET, "/api/calendars/holidays?year=2027")
        .as_user(&alice)
        .send()
        .await
        .json();
    assert!(
        other_year.as_array().unwrap().len() > 3,
        "other years still come from the dataset"
    );
}

async fn the_dataset_is_loaded_once_per_country(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let a = app
        .request(Method::GET, "/api/calendars/holidays?year=2030")
        .as_user(&alice)
        .send()
        .await
        .json();
    let b = app
        .request(Method::GET, "/api/calendars/holidays?year=2030")
        .as_user(&alice)
        .send()
        .await
        .json();
    assert_eq!(a, b);
    let mut c = app.state.db.acquire().await.unwrap();
    let rows = holidays::list(&mut c, "UA", 2030, source::DATASET)
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        a.as_array().unwrap().len(),
        "no duplicate rows after a second request"
    );
}
