//! C1 countries, C2 health, and a sabotaged schema giving the contract's 500.

use super::helpers::*;

shared::db_tests!(
    spawn,
    countries_are_the_249_iso_codes_sorted_by_name,
    health_answers_ok_while_the_database_answers,
    a_broken_schema_gives_the_generic_500
);

async fn countries_are_the_249_iso_codes_sorted_by_name(app: &TestApp) {
    let res = app.request(Method::GET, "/api/countries").send().await;
    assert_eq!(res.status, 200);
    let list = res.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 249);
    let names: Vec<&str> = list.iter().map(|c| c["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let ua = list.iter().find(|c| c["code"] == "UA").unwrap();
    assert_eq!(
        ua,
        &json!({"name": "Ukraine", "code": "UA", "flag": "https://flagcdn.com/w320/ua.png"})
    );
}

async fn health_answers_ok_while_the_database_answers(app: &TestApp) {
    let res = app.request(Method::GET, "/api/health").send().await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json(), json!({"status": "ok"}));
}

async fn a_broken_schema_gives_the_generic_500(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    shared::with_conn!(app.state.db.acquire().await.unwrap().conn(), |c| {
        sqlx::query("DROP TABLE uploads")
            .execute(c)
            .await
            .map(|_| ())
    })
    .unwrap();
    let res = upload(app, &alice, &png()).await;
    res.assert_error(500, json!("Internal server error"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_503_when_the_database_does_not_answer() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    app.state.db.close().await;
    let res = app.request(Method::GET, "/api/health").send().await;
    assert_eq!(res.status, 503);
    assert_eq!(res.json(), json!({"status": "unavailable"}));
}

/// Issue 8: a dead or frozen database is answered with the contract's 500 (and `/api/health`
/// with 503) within about two seconds, and requests succeed again at once when it returns. The
/// database is a real MariaDB behind a TCP proxy the test freezes (bytes stop) and kills
/// (connections closed, new ones refused). The first statement that fails on a broken link
/// makes the pool ping every connection released before it, so a stale one is never handed
/// out after the database returns (CI once failed here on one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_or_dead_database_answers_500_within_two_seconds_and_recovers() {
    use shared::testing::{ProxyMode, TcpProxy};
    use std::time::{Duration, Instant};
    let Some(admin) = std::env::var("CHRONOS_TEST_MYSQL_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped: CHRONOS_TEST_MYSQL_URL is not set");
        return;
    };
    let admin = url::Url::parse(&admin).unwrap();
    let target = format!(
        "{}:{}",
        admin.host_str().unwrap(),
        admin.port().unwrap_or(3306)
    );
    let proxy = TcpProxy::start(target.parse().unwrap()).await;
    let port = proxy.port();
    let app = TestApp::spawn_with(Backend::MySql, users::router, |vars| {
        let mut u = url::Url::parse(&vars["DATABASE_URL"]).unwrap();
        u.set_port(Some(port)).unwrap();
        vars.insert("DATABASE_URL".into(), u.to_string());
    })
    .await
    .unwrap();
    let alice = app.signed_up("alice").await;
    let path = format!("/api/users/{}", alice.id);
    app.warm_pool().await;
    assert_eq!(
        app.request(Method::GET, &path)
            .as_user(&alice)
            .send()
            .await
            .status,
        200
    );
    let bound = Duration::from_millis(2500);

    for mode in [ProxyMode::Frozen, ProxyMode::Dead] {
        proxy.set(mode);
        let t = Instant::now();
        let res = app.request(Method::GET, &path).as_user(&alice).send().await;
        res.assert_error(500, json!("Internal server error"));
        eprintln!("{mode:?}: 500 after {:?}", t.elapsed());
        assert!(
            t.elapsed() < bound,
            "{mode:?}: a 500 after {:?}",
            t.elapsed()
        );
        let t = Instant::now();
        let res = app.request(Method::GET, "/api/health").send().await;
        assert_eq!(res.status, 503, "{mode:?}");
        assert!(
            t.elapsed() < bound,
            "{mode:?}: health after {:?}",
            t.elapsed()
        );

        proxy.set(ProxyMode::Open);
        let t = Instant::now();
        let res = app.request(Method::GET, &path).as_user(&alice).send().await;
        assert_eq!(res.status, 200, "{mode:?}: back at once: {}", res.text());
        eprintln!(
            "{mode:?}: 200 again {:?} after the database returned",
            t.elapsed()
        );
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "{mode:?}: recovery took {:?}",
            t.elapsed()
        );
        // Every connection the outage left in the pool, not only the first one handed out,
        // is checked before use: requests at once on all of them succeed too.
        let all = shared::testing::concurrently(
            (0..6).map(|_| app.request(Method::GET, &path).as_user(&alice).send()),
        )
        .await;
        for res in all {
            assert_eq!(res.status, 200, "{mode:?}: after recovery: {}", res.text());
        }
    }
    app.finish().await;
}
