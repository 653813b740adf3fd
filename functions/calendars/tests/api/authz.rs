//! The authorization matrix: every route, called as the creator, an owner, an editor, a viewer, a
//! pending invitee, a non-member and anonymously, answers what the contract says.

use super::helpers::*;

const NO_ACCESS: &str = "The user does not have access to this calendar";
const CREATOR_ONLY: &str = "Only the direct creator can perform this action";
const CANNOT_MODIFY: &str = "You do not have permission to modify this calendar";
const OWN_DATA: &str = "You can only access your own data";
const MEMBER_NOT_FOUND: &str = "Calendar-member is not found";

/// The expected answer of one actor: a status, and the message for errors.
type Expect = (u16, Option<&'static str>);

fn check(res: &TestResponse, expected: Expect, why: &str) {
    assert_eq!(res.status.as_u16(), expected.0, "{why}: {}", res.text());
    if let Some(msg) = expected.1 {
        res.assert_error(expected.0, json!(msg));
    }
}

const UNAUTH: Expect = (401, Some("Unauthorized"));

shared::db_tests!(
    spawn,
    reading_a_calendar_and_its_members,
    renaming_needs_an_owner_and_deleting_needs_the_creator,
    sharing_and_changing_roles_need_the_creator,
    members_change_only_their_own_colour_and_visibility,
    members_leave_and_only_the_creator_removes_others,
    any_authenticated_user_creates_calendars
);

async fn reading_a_calendar_and_its_members(app: &TestApp) {
    let cast = Cast::new(app).await;
    let cal = cast.calendar;
    let pending = cast.pending.id;
    let editor = cast.editor.id;
    // (route, [creator, owner, editor, viewer, pending, stranger, anonymous])
    let routes: Vec<(String, [Expect; 7])> = vec![
        (
            format!("/api/calendars/{cal}"),
            [
                (200, None),
                (200, None),
                (200, None),
                (200, None),
                (404, Some(NO_ACCESS)),
                (404, Some(NO_ACCESS)),
                UNAUTH,
            ],
        ),
        (
            format!("/api/calendars/{cal}/members"),
            [
                (200, None),
                (200, None),
                (200, None),
                (200, None),
                (404, Some(NO_ACCESS)),
                (404, Some(NO_ACCESS)),
                UNAUTH,
            ],
        ),
        (
            format!("/api/calendars/{cal}/members/{editor}"),
            [
                (200, None),
                (200, None),
                (200, None),
                (200, None),
                (404, Some(NO_ACCESS)),
                (404, Some(NO_ACCESS)),
                UNAUTH,
            ],
        ),
        (
            format!("/api/calendars/{cal}/members/{pending}"),
            [
                (200, None),
                (404, Some(MEMBER_NOT_FOUND)),
                (404, Some(MEMBER_NOT_FOUND)),
                (404, Some(MEMBER_NOT_FOUND)),
                (404, Some(NO_ACCESS)),
                (404, Some(NO_ACCESS)),
                UNAUTH,
            ],
        ),
        (
            "/api/calendars/holidays".to_string(),
            [
                (200, None),
                (200, None),
                (200, None),
                (200, None),
                (200, None),
                (200, None),
                UNAUTH,
            ],
        ),
    ];
    for (path, expected) in routes {
        for ((who, user), exp) in cast.actors().into_iter().zip(expected) {
            let res = app
                .request(Method::GET, &path)
                .as_user_opt(user)
                .json(&json!({}))
                .send()
                .await;
            check(&res, exp, &format!("GET {path} as {who}"));
        }
    }
    let members = |who: &TestUser| {
        let who = who.clone();
        async move {
            app.request(Method::GET, &format!("/api/calendars/{cal}/members"))
                .as_user(&who)
                .send()
                .await
                .json()
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(
        members(&cast.creator).await,
        5,
        "the creator sees the pending invitation"
    );
    assert_eq!(members(&cast.owner).await, 4);
    assert_eq!(members(&cast.viewer).await, 4);
}

async fn renaming_needs_an_owner_and_deleting_needs_the_creator(app: &TestApp) {
    let cast = Cast::new(app).await;
    let forbidden = (403, Some(CANNOT_MODIFY));
    let cal = cast.calendar;
    let expected: [Expect; 7] = [
        (200, None),
        (200, None),
        forbidden,
        forbidden,
        forbidden,
        forbidden,
        UNAUTH,
    ];
    for ((who, user), exp) in cast.actors().into_iter().zip(expected) {
        let res = app
            .request(Method::PATCH, &format!("/api/calendars/{cal}"))
            .as_user_opt(user)
            .json(&json!({"name": format!("By {who}")}))
            .send()
            .await;
        check(&res, exp, &format!("PATCH as {who}"));
    }
    let creator_only = (403, Some(CREATOR_ONLY));
    let expected: [Expect; 7] = [
        (200, None),
        creator_only,
        creator_only,
        creator_only,
        creator_only,
        creator_only,
        UNAUTH,
    ];
    // The creator's row runs last, because it deletes the calendar.
    let mut rows: Vec<_> = cast.actors().into_iter().zip(expected).collect();
    rows.rotate_left(1);
    for ((who, user), exp) in rows {
        let res = app
            .request(Method::DELETE, &format!("/api/calendars/{cal}"))
            .as_user_opt(user)
            .json(&json!({}))
            .send()
            .await;
        check(&res, exp, &format!("DELETE as {who}"));
    }
}

async fn sharing_and_changing_roles_need_the_creator(app: &TestApp) {
    let cast = Cast::new(app).await;
    let cal = cast.calendar;
    let creator_only = (403, Some(CREATOR_ONLY));
    let mut newcomers = Vec::new();
    for i in 0..7 {
        newcomers.push(
            app.signed_up(&format!(
                "newcomer{}",
                ["a", "b", "c", "d", "e", "f", "g"][i]
            ))
            .await,
        );
    }
    let expected: [Expect; 7] = [
        (201, None),
        creator_only,
        creator_only,
        creator_only,
        creator_only,
        creator_only,
        UNAUTH,
    ];
    for (((who, user), exp), newcomer) in cast.actors().into_iter().zip(expected).zip(&newcomers) {
        let res = app
            .request(Method::POST, &format!("/api/calendars/{cal}/members"))
            .as_user_opt(user)
            .json(&json!({"userEmail": newcomer.email, "role": "viewer"}))
            .send()
            .await;
        check(&res, exp, &format!("invite as {who}"));
    }
    let editor = cast.editor.id;
    let expected: [Expect; 7] = [
        (200, None),
        creator_only,
        creator_only,
        creator_only,
        creator_only,
        creator_only,
        UNAUTH,
    ];
    for ((who, user), exp) in cast.actors().into_iter().zip(expected) {
        let res = app
            .request(
                Method::PATCH,
                &format!("/api/calendars/{cal}/members/{editor}"),
            )
            .as_user_opt(user)
            .json(&json!({"role": "editor"}))
            .send()
            .await;
        check(&res, exp, &format!("role change as {who}"));
    }
}

async fn members_change_only_their_own_colour_and_visibility(app: &TestApp) {
    let cast = Cast::new(app).await;
    let cal = cast.calendar;
    let own = (403, Some(OWN_DATA));
    let viewer = cast.viewer.id;
    let expected: [Expect; 7] = [own, own, own, (200, None), own, own, UNAUTH];
    for ((who, user), exp) in cast.actors().into_iter().zip(expected) {
        let res = app
            .request(
                Method::PATCH,
                &format!("/api/calendars/{cal}/members/{viewer}"),
            )
            .as_user_opt(user)
            .json(&json!({"color": "#000000"}))
            .send()
            .await;
        check(&res, exp, &format!("viewer's colour as {who}"));
    }
    let expected: [Expect; 7] = [
        (200, None),
        (200, None),
        (200, None),
        (200, None),
        (200, None),
        (404, Some(MEMBER_NOT_FOUND)),
        UNAUTH,
    ];
    for ((who, user), exp) in cast.actors().into_iter().zip(expected) {
        let me = user.map_or(1, |u| u.id);
        let res = app
            .request(Method::PATCH, &format!("/api/calendars/{cal}/members/{me}"))
            .as_user_opt(user)
            .json(&json!({"isVisible": false}))
            .send()
            .await;
        check(&res, exp, &format!("own visibility as {who}"));
    }
}

async fn members_leave_and_only_the_creator_removes_others(app: &TestApp) {
    let cast = Cast::new(app).await;
    let creator_only = (403, Some(CREATOR_ONLY));
    let cal = cast.calendar;
    let viewer = cast.viewer.id;
    // Everyone but the creator tries to remove the viewer; then the creator does.
    let expected: [Expect; 7] = [
        (200, None),
        creator_only,
        creator_only,
        (200, None),
        creator_only,
        creator_only,
        UNAUTH,
    ];
    let mut rows: Vec<_> = cast.actors().into_iter().zip(expected).collect();
    rows.rotate_left(1);
    for ((who, user), exp) in rows {
        if who == "viewer" {
            continue; // leaving is checked below
        }
        let res = app
            .request(
                Method::DELETE,
                &format!("/api/calendars/{cal}/members/{viewer}"),
            )
            .as_user_opt(user)
            .json(&json!({}))
            .send()
            .await;
        check(&res, exp, &format!("remove the viewer as {who}"));
    }
    let cal = cast.team(app, "Team two").await;
    let expected: [Expect; 7] = [
        (
            403,
            Some("Owners cannot remove themselves. Delete the calendar instead."),
        ),
        (200, None),
        (200, None),
        (200, None),
        (200, None),
        (404, Some(MEMBER_NOT_FOUND)),
        UNAUTH,
    ];
    for ((who, user), exp) in cast.actors().into_iter().zip(expected) {
        let me = user.map_or(1, |u| u.id);
        let res = app
            .request(
                Method::DELETE,
                &format!("/api/calendars/{cal}/members/{me}"),
            )
            .as_user_opt(user)
            .json(&json!({}))
            .send()
            .await;
        check(&res, exp, &format!("leave as {who}"));
    }
}

async fn any_authenticated_user_creates_calendars(app: &TestApp) {
    let cast = Cast::new(app).await;
    for (who, user) in cast.actors() {
        let res = app
            .request(Method::POST, "/api/calendars")
            .as_user_opt(user)
            .json(&json!({"name": "Mine", "color": "#123456"}))
            .send()
            .await;
        let expected = if user.is_some() { (201, None) } else { UNAUTH };
        check(&res, expected, &format!("create as {who}"));
    }
}
