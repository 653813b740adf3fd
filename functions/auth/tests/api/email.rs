//! A6 e-mail confirmation, A7/A8 password reset, and delivery over real SMTP.

use super::helpers::*;
use chrono::TimeDelta;
use shared::auth::tokens::TokenKind;
use shared::db::Backend;
use shared::testing::SmtpSink;

const CONFIRM_SUBJECT: &str = "Email Confirmation for Chronos";
const RESET_SUBJECT: &str = "Reset Password for Chronos";

async fn confirm(app: &TestApp, token: &str) -> TestResponse {
    app.request(Method::POST, &format!("/api/auth/confirm-email/{token}"))
        .send()
        .await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> TestResponse {
    post(
        app,
        &format!("/api/auth/reset-password/{token}"),
        json!({"newPassword": password}),
    )
    .await
}

async fn reset_link(app: &TestApp, email: &str) -> String {
    let res = post(app, "/api/auth/reset-password", json!({"email": email})).await;
    assert_eq!(res.status, 201);
    assert!(res.body.is_empty());
    app.run_jobs().await;
    app.last_link(email, RESET_SUBJECT).await
}

shared::db_tests!(
    spawn,
    the_confirmation_link_verifies_the_address_idempotently,
    bad_confirmation_tokens_are_400_and_a_deleted_user_is_404,
    public_token_routes_ignore_a_stale_authorization_header,
    a_reset_request_always_answers_201_and_mails_only_existing_users,
    a_reset_link_sets_the_password_once_verifies_and_revokes_sessions,
    a_password_change_invalidates_older_reset_links,
    a_reset_clears_the_login_throttle,
    reset_validation_runs_before_the_token_check_and_expired_links_fail
);

async fn the_confirmation_link_verifies_the_address_idempotently(app: &TestApp) {
    post(app, "/api/auth/register", registration("Alice")).await;
    let link = app.last_link("Alice@example.com", CONFIRM_SUBJECT).await;

    let res = confirm(app, &token_of(&link)).await;
    assert_eq!(res.status, 201);
    assert_eq!(
        res.json(),
        json!({"message": "Email confirmed successfully"})
    );
    assert_eq!(
        confirm(app, &token_of(&link)).await.json(),
        json!({"message": "Email confirmed successfully"})
    );
    assert_eq!(login(app, "alice@example.com", PASSWORD).await.status, 201);
}

async fn bad_confirmation_tokens_are_400_and_a_deleted_user_is_404(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let wrong_kind = app
        .state
        .tokens
        .issue(TokenKind::ResetPassword, alice.id, |c| c.pv = Some(0))
        .unwrap();
    for (why, token) in [
        ("garbage", "nonsense".to_string()),
        ("access token", alice.access.clone()),
        ("reset token", wrong_kind),
    ] {
        let res = confirm(app, &token).await;
        assert_eq!(res.status, 400, "{why}");
        res.assert_error(400, json!("Invalid or expired token"));
    }
    let expiring = app
        .state
        .tokens
        .issue(TokenKind::ConfirmEmail, alice.id, |_| {})
        .unwrap();
    app.clock.advance(TimeDelta::hours(24));
    confirm(app, &expiring)
        .await
        .assert_error(400, json!("Invalid or expired token"));

    let ghost = app
        .state
        .tokens
        .issue(TokenKind::ConfirmEmail, 999_999, |_| {})
        .unwrap();
    confirm(app, &ghost)
        .await
        .assert_error(404, json!("User not found"));
}

async fn public_token_routes_ignore_a_stale_authorization_header(app: &TestApp) {
    post(app, "/api/auth/register", registration("Alice")).await;
    let link = app.last_link("Alice@example.com", CONFIRM_SUBJECT).await;
    let res = app
        .request(
            Method::POST,
            &format!("/api/auth/confirm-email/{}", token_of(&link)),
        )
        .bearer("expired.or.garbage")
        .send()
        .await;
    assert_eq!(res.status, 201);
}

async fn a_reset_request_always_answers_201_and_mails_only_existing_users(app: &TestApp) {
    let res = post(
        app,
        "/api/auth/reset-password",
        json!({"email": "nobody@example.com"}),
    )
    .await;
    assert_eq!(res.status, 201);
    assert!(res.body.is_empty() && res.header("content-type").is_none());
    assert!(app.outbox().await.is_empty());
    post(app, "/api/auth/reset-password", json!({"email": "bad"}))
        .await
        .assert_error(400, json!(["email must be an email"]));
}

async fn a_reset_link_sets_the_password_once_verifies_and_revokes_sessions(app: &TestApp) {
    let alice_id = app.registered("alice").await;
    let session = app.logged_in(alice_id).await;
    let link = reset_link(app, "alice@example.com").await;
    assert!(
        link.starts_with("http://localhost:5173/auth/reset-password/"),
        "{link}"
    );

    let res = reset(app, &token_of(&link), "N3w!password").await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(
        res.json(),
        json!({"message": "Password has been reset successfully"})
    );

    assert_eq!(
        login(app, "alice@example.com", "N3w!password").await.status,
        201,
        "reset verifies the address"
    );
    login(app, "alice@example.com", PASSWORD)
        .await
        .assert_error(401, json!("Invalid email or password"));
    reset(app, &token_of(&link), "Other!pass9")
        .await
        .assert_error(400, json!("Invalid or expired token"));
    post(
        app,
        "/api/auth/access-token/refresh",
        json!({"refreshToken": session.refresh}),
    )
    .await
    .assert_error(400, json!("Invalid or expired refresh token"));
}

async fn a_password_change_invalidates_older_reset_links(app: &TestApp) {
    app.signed_up("alice").await;
    let first = reset_link(app, "alice@example.com").await;
    let second = reset_link(app, "alice@example.com").await;
    assert_eq!(
        reset(app, &token_of(&second), "N3w!password").await.status,
        201
    );
    reset(app, &token_of(&first), "N3w!password2")
        .await
        .assert_error(400, json!("Invalid or expired token"));
}

async fn a_reset_clears_the_login_throttle(app: &TestApp) {
    app.signed_up("alice").await;
    for _ in 0..5 {
        login(app, "alice@example.com", "Wrong!pass1").await;
    }
    assert_eq!(login(app, "alice@example.com", PASSWORD).await.status, 429);
    let link = reset_link(app, "alice@example.com").await;
    assert_eq!(
        reset(app, &token_of(&link), "N3w!password").await.status,
        201
    );
    assert_eq!(
        login(app, "alice@example.com", "N3w!password").await.status,
        201
    );
}

async fn reset_validation_runs_before_the_token_check_and_expired_links_fail(app: &TestApp) {
    reset(app, "garbage", "weak")
        .await
        .assert_error(400, json!(["newPassword is not strong enough"]));
    post(app, "/api/auth/reset-password/garbage", json!({}))
        .await
        .assert_error(400, json!(["newPassword should not be empty"]));
    app.signed_up("alice").await;
    let link = reset_link(app, "alice@example.com").await;
    app.clock.advance(TimeDelta::hours(1));
    reset(app, &token_of(&link), "N3w!password")
        .await
        .assert_error(400, json!("Invalid or expired token"));
    let ghost = app
        .state
        .tokens
        .issue(TokenKind::ResetPassword, 999_999, |c| c.pv = Some(0))
        .unwrap();
    reset(app, &ghost, "N3w!password")
        .await
        .assert_error(404, json!("User not found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmation_email_is_delivered_over_smtp_and_its_link_confirms_the_account() {
    let (sink, url) = SmtpSink::start();
    let app = TestApp::spawn_with(Backend::Sqlite, auth::router, |vars| {
        vars.insert("MAIL_TRANSPORT".into(), "smtp".into());
        vars.insert("SMTP_URL".into(), url);
        vars.insert("MAIL_FROM".into(), "Chronos <no-reply@chronos.test>".into());
    })
    .await
    .unwrap();
    let mut body = registration("Alice");
    body["firstName"] = json!("Alice-Marie");
    assert_eq!(post(&app, "/api/auth/register", body).await.status, 201);

    let received = sink.received();
    assert_eq!(
        received.len(),
        1,
        "delivered during the request's after-commit step"
    );
    let mail = &received[0];
    assert_eq!(mail.from, "no-reply@chronos.test");
    assert_eq!(mail.to, ["Alice@example.com"]);
    assert!(
        mail.data
            .contains("Subject: Email Confirmation for Chronos"),
        "{}",
        mail.data
    );
    assert!(mail.data.contains("multipart/alternative"));
    assert!(mail.data.contains("text/html") && mail.data.contains("text/plain"));
    let unfolded = mail.data.replace("=\r\n", "").replace("=3D", "=");
    let start = unfolded
        .find("http://localhost:5173/auth/confirm-email/")
        .expect("link in the message");
    let link: String = unfolded[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
        .collect();

    let res = app
        .request(
            Method::POST,
            &format!("/api/auth/confirm-email/{}", token_of(&link)),
        )
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(login(&app, "alice@example.com", PASSWORD).await.status, 201);
    let rows = app.outbox().await;
    assert!(rows.iter().all(|r| r.sent_at.is_some()));
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_smtp_server_never_fails_the_request_and_the_mail_is_retried() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::spawn_with(Backend::Sqlite, auth::router, |vars| {
        vars.insert("MAIL_TRANSPORT".into(), "smtp".into());
        vars.insert("SMTP_URL".into(), format!("smtp://127.0.0.1:{port}"));
    })
    .await
    .unwrap();
    assert_eq!(
        post(&app, "/api/auth/register", registration("Alice"))
            .await
            .status,
        201
    );
    let row = app.outbox().await.remove(0);
    assert!(row.sent_at.is_none() && row.failed_at.is_none());
    assert_eq!(row.attempts, 1);
    assert!(row.last_error.is_some());
    assert!(row.next_attempt_at - app.clock.now_ms() <= 30_000);
    // Nothing further is due until the back-off has passed.
    assert_eq!(app.run_jobs().await.sent + app.run_jobs().await.retried, 0);
}
