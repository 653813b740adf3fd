//! C1 countries, C2 health, and a sabotaged schema giving the contract's 500.

use super::helpers::*;

shared::db_tests! { spawn =>
    async fn countries_are_the_249_iso_codes_sorted_by_name(app) {
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
        assert_eq!(ua, &json!({"name": "Ukraine", "code": "UA", "flag": "https://flagcdn.com/w320/ua.png"}));
    }

    async fn health_answers_ok_while_the_database_answers(app) {
        let res = app.request(Method::GET, "/api/health").send().await;
        assert_eq!(res.status, 200);
        assert_eq!(res.json(), json!({"status": "ok"}));
    }

    async fn a_broken_schema_gives_the_generic_500(app) {
        let alice = app.signed_up("alice").await;
        shared::with_conn!(app.state.db.acquire().await.unwrap().conn(), |c| {
            sqlx::query("DROP TABLE uploads").execute(c).await.map(|_| ())
        }).unwrap();
        let res = upload(app, &alice, &png()).await;
        res.assert_error(500, json!("Internal server error"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_503_when_the_database_does_not_answer() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    app.state.db.close().await;
    let res = app.request(Method::GET, "/api/health").send().await;
    assert_eq!(res.status, 503);
    assert_eq!(res.json(), json!({"status": "unavailable"}));
}
