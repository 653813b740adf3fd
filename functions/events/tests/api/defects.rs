//! Defects found by using the API as a client would (issue 9), one behaviour each.

use super::helpers::*;

shared::db_tests! { spawn =>
    async fn an_invitee_from_outside_the_home_calendar_sees_their_own_participation_first(app) {
        let cast = Cast::new(app).await;
        let e = create(app, &cast.owner, arrangement(cast.calendar, &[cast.guest.id])).await;
        let id = e["id"].as_i64().unwrap();
        let link = participation_link(app, &cast.guest, id).await;
        let token = link.rsplit('/').next().unwrap();
        let confirm = format!("/api/events/0/calendar-members/0/confirm-participation/{token}");
        assert_eq!(app.request(Method::POST, &confirm).send().await.status, 201);

        let full = app.get(&cast.guest, &format!("/api/events/{id}")).await.json();
        let first = &full["participations"][0]["calendarMember"];
        assert_eq!(first["userId"], cast.guest.id, "{full}");
        assert_eq!(first["calendarId"], main_calendar(app, &cast.guest).await);
        // Members of the home calendar still see the home calendar first, their own row first.
        let full = app.get(&cast.editor, &format!("/api/events/{id}")).await.json();
        let first = &full["participations"][0]["calendarMember"];
        assert_eq!(first["userId"], cast.editor.id);
        assert_eq!(first["calendarId"], cast.calendar);
    }
}
