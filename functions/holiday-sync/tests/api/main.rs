//! The holiday sync (contract 6.5) against a real HTTP server on 127.0.0.1 that the test starts,
//! one country per kind of answer; each keeps or replaces the stored synced rows as 6.5 says.

use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, Utc};
use serde_json::json;
use shared::accounts::{self, Registration};
use shared::db::Backend;
use shared::db::holidays::{self, NewHoliday, source};
use shared::testing::{PASSWORD, TestApp};

/// A fresh app whose holiday API is a server of this test (requests time out after 300 ms).
async fn spawn(backend: Backend) -> Option<TestApp> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let api = Router::new().route("/api/v3/PublicHolidays/{year}/{country}", get(answer));
    tokio::spawn(async move { axum::serve(listener, api).await });
    TestApp::spawn_with(backend, users::router, |vars| {
        vars.insert("HOLIDAY_API_BASE_URL".into(), base);
        vars.insert("HOLIDAY_API_TIMEOUT_MS".into(), "300".into());
    })
    .await
}

/// The fake Nager.Date: one country per outcome.
async fn answer(Path((year, country)): Path<(i32, String)>) -> Response {
    let day = |md: &str| format!("{year}-{md}");
    match country.as_str() {
        // Data with a duplicate, a regional (not global) and a non-public entry.
        "UA" => axum::Json(json!([
            {"date": day("01-01"), "localName": "Новий рік", "name": "New Year's Day",
             "countryCode": "UA", "global": true, "types": ["Public"]},
            {"date": day("01-01"), "localName": "Новий рік", "name": "New Year's Day",
             "countryCode": "UA", "global": true, "types": ["Public"]},
            {"date": day("03-08"), "localName": "Жіночий день", "name": "Women's Day",
             "countryCode": "UA", "global": false, "types": ["Public"]},
            {"date": day("05-05"), "localName": "День", "name": "Some Observance",
             "countryCode": "UA", "global": true, "types": ["Observance"]},
            {"date": day("08-24"), "localName": "День Незалежності", "name": "Independence Day",
             "countryCode": "UA", "global": true, "types": ["Public", "Bank"]},
        ]))
        .into_response(),
        "PL" => axum::Json(json!([])).into_response(),
        "DE" => StatusCode::NOT_FOUND.into_response(),
        "FR" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "IT" => ([("content-type", "application/json")], "[{\"date\": ").into_response(),
        "ES" => {
            tokio::time::sleep(Duration::from_secs(2)).await;
            axum::Json(json!([])).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

const COUNTRIES: [&str; 6] = ["UA", "PL", "DE", "FR", "IT", "ES"];

shared::db_tests!(
    spawn,
    each_answer_keeps_or_replaces_the_synced_rows_as_the_contract_says
);

async fn each_answer_keeps_or_replaces_the_synced_rows_as_the_contract_says(app: &TestApp) {
    let year = Utc::now().year();
    let now = app.clock.now_ms();
    let mut c = app.state.db.acquire().await.unwrap();
    for (n, cc) in COUNTRIES.iter().enumerate() {
        let r = Registration {
            first_name: "Someone".into(),
            last_name: None,
            email: format!("user{n}@example.com"),
            password: PASSWORD.into(),
            country_code: cc.to_string(),
            time_zone: "Europe/Kyiv".into(),
        };
        accounts::register(&app.state, r).await.unwrap();
        for y in [year, year + 1] {
            let date = format!("{y}-12-31");
            let old = NewHoliday {
                date: &date,
                name: "Old synced holiday",
                local_name: None,
                types: "Public",
                global: true,
            };
            holidays::insert(&mut c, cc, source::SYNC, &[old], now)
                .await
                .unwrap();
        }
    }
    drop(c);
    let started = std::time::Instant::now();
    let report = holiday_sync::run(&app.state, now).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the slow answer timed out"
    );
    assert_eq!((report.replaced, report.kept), (2, 10), "{report:?}");
    let mut c = app.state.db.acquire().await.unwrap();
    for y in [year, year + 1] {
        let ua = holidays::list(&mut c, "UA", y, source::SYNC).await.unwrap();
        let got: Vec<(String, String, Option<String>)> = ua
            .into_iter()
            .map(|h| (h.holiday_date, h.name, h.local_name))
            .collect();
        assert_eq!(
            got,
            [
                (
                    format!("{y}-01-01"),
                    "New Year's Day".into(),
                    Some("Новий рік".into())
                ),
                (
                    format!("{y}-08-24"),
                    "Independence Day".into(),
                    Some("День Незалежності".into())
                ),
            ],
            "replaced by the public, global entries, once each"
        );
        for cc in &COUNTRIES[1..] {
            let kept = holidays::list(&mut c, cc, y, source::SYNC).await.unwrap();
            assert_eq!(kept.len(), 1, "{cc} {y} keeps its data");
            assert_eq!(kept[0].name, "Old synced holiday", "{cc} {y}");
        }
    }
}
