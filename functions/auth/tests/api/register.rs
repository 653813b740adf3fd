//! A2 registration.

use super::helpers::*;
use shared::db::calendars;

shared::db_tests!(
    spawn,
    registration_creates_an_unverified_user_with_main_and_holiday_calendars,
    last_name_empty_string_is_stored_as_null_and_time_zone_defaults_to_utc,
    an_address_in_use_in_any_case_is_a_conflict,
    invalid_registrations_get_one_message_per_field_in_table_order,
    malformed_and_oversized_bodies_are_rejected,
    an_empty_body_counts_as_an_empty_object
);

async fn registration_creates_an_unverified_user_with_main_and_holiday_calendars(app: &TestApp) {
    let res = post(app, "/api/auth/register", registration("Alice")).await;

    assert_eq!(res.status, 201, "{}", res.text());
    let user = &res.json()["user"];
    assert_eq!(user["firstName"], "Alice");
    assert_eq!(user["lastName"], "Smith");
    assert_eq!(user["email"], "Alice@example.com", "stored as submitted");
    assert_eq!(user["countryCode"], "UA");
    assert_eq!(user["timeZone"], "Europe/Kyiv");
    assert_eq!(user["profilePictureName"], "default-avatar.png");
    assert!(user.get("password").is_none() && user.get("passwordHash").is_none());
    let keys: Vec<&str> = user
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "firstName",
            "lastName",
            "email",
            "profilePictureName",
            "countryCode",
            "timeZone",
            "createdAt",
            "updatedAt"
        ]
    );
    assert!(user["createdAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        res.json().as_object().unwrap().len(),
        1,
        "no tokens are issued"
    );

    let id = user["id"].as_i64().unwrap();
    let mut c = app.state.db.acquire().await.unwrap();
    let cals = calendars::list_confirmed_of_user(&mut c, id).await.unwrap();
    let summary: Vec<(&str, &str, &str, Option<&str>, &str)> = cals
        .iter()
        .map(|m| {
            (
                m.member.calendar_type.as_str(),
                m.member.role.as_str(),
                m.cal_name.as_str(),
                m.cal_description.as_deref(),
                m.member.color.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "main",
                "owner",
                "Main Calendar",
                Some("This is the main calendar."),
                "#4285F4"
            ),
            (
                "holiday",
                "owner",
                "Holiday Calendar",
                Some("This is the holiday calendar."),
                "#FF0000"
            ),
        ]
    );

    let link = app
        .last_link("Alice@example.com", "Email Confirmation for Chronos")
        .await;
    assert!(
        link.starts_with("http://localhost:5173/auth/confirm-email/"),
        "{link}"
    );
    let res = login(app, "alice@example.com", PASSWORD).await;
    res.assert_error(403, json!("Please verify your email."));
}

async fn last_name_empty_string_is_stored_as_null_and_time_zone_defaults_to_utc(app: &TestApp) {
    let mut body = registration("Bobby");
    body["lastName"] = json!("");
    body.as_object_mut().unwrap().remove("timeZone");
    let res = post(app, "/api/auth/register", body).await;
    assert_eq!(res.status, 201);
    assert_eq!(res.json()["user"]["lastName"], Value::Null);
    assert_eq!(res.json()["user"]["timeZone"], "UTC");
}

async fn an_address_in_use_in_any_case_is_a_conflict(app: &TestApp) {
    assert_eq!(
        post(app, "/api/auth/register", registration("Alice"))
            .await
            .status,
        201
    );
    let mut again = registration("Alice");
    again["email"] = json!("ALICE@EXAMPLE.COM");
    let res = post(app, "/api/auth/register", again).await;
    res.assert_error(409, json!("Email already in use"));
}

async fn invalid_registrations_get_one_message_per_field_in_table_order(app: &TestApp) {
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "empty body",
            json!({}),
            json!([
                "firstName should not be empty",
                "email should not be empty",
                "password should not be empty",
                "countryCode should not be empty"
            ]),
        ),
        (
            "short name",
            json!({"firstName": "Al"}),
            json!(["firstName must be longer than or equal to 3 characters"]),
        ),
        (
            "long name",
            json!({"firstName": "A".repeat(101)}),
            json!(["firstName must be shorter than or equal to 100 characters"]),
        ),
        (
            "digits in name",
            json!({"firstName": "Al1ce"}),
            json!(["firstName must match /^[a-zA-Z-]+$/ regular expression"]),
        ),
        (
            "number name",
            json!({"firstName": 5}),
            json!(["firstName must be a string"]),
        ),
        (
            "bad last name",
            json!({"lastName": "O'Neil"}),
            json!(["lastName must match /^[a-zA-Z-]+$/ regular expression"]),
        ),
        (
            "bad email",
            json!({"email": "not-an-email"}),
            json!(["email must be an email"]),
        ),
        (
            "long email",
            json!({"email": format!("{}@{}.{}.{}.com", "a".repeat(64), "b".repeat(63), "c".repeat(63), "d".repeat(63))}),
            json!(["email must be shorter than or equal to 255 characters"]),
        ),
        (
            "weak password",
            json!({"password": "password"}),
            json!(["password is not strong enough"]),
        ),
        (
            "long password",
            json!({"password": format!("Aa1!{}", "x".repeat(40))}),
            json!(["password must be shorter than or equal to 32 characters"]),
        ),
        (
            "unknown country",
            json!({"countryCode": "XX"}),
            json!(["Invalid country code, must be cca2"]),
        ),
        (
            "bad zone",
            json!({"timeZone": "Mars/Base"}),
            json!(["timeZone must be a valid IANA time zone"]),
        ),
        (
            "null zone",
            json!({"timeZone": null}),
            json!(["timeZone should not be null"]),
        ),
    ];
    for (why, patch, expected) in cases {
        let mut body = registration("Carol");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        if why == "empty body" {
            body = json!({});
        }
        let res = post(app, "/api/auth/register", body).await;
        assert_eq!(res.status, 400, "{why}: {}", res.text());
        res.assert_error(400, expected);
    }
}

async fn malformed_and_oversized_bodies_are_rejected(app: &TestApp) {
    for (why, body) in [
        ("not json", b"{oops".to_vec()),
        ("array", b"[1,2]".to_vec()),
        ("string", b"\"x\"".to_vec()),
    ] {
        let res = app
            .request(Method::POST, "/api/auth/register")
            .body(body)
            .send()
            .await;
        assert_eq!(res.status, 400, "{why}");
        res.assert_error(400, json!("Invalid JSON body"));
    }
    let big = format!("{{\"firstName\":\"{}\"}}", "a".repeat(1 << 20));
    let res = app
        .request(Method::POST, "/api/auth/register")
        .body(big.into_bytes())
        .send()
        .await;
    res.assert_error(413, json!("Payload Too Large"));
}

async fn an_empty_body_counts_as_an_empty_object(app: &TestApp) {
    let res = app.request(Method::POST, "/api/auth/register").send().await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["message"][0], "firstName should not be empty");
}
