//! The name trigrams (migration 0008): every participation's postings are its name key's
//! trigrams after every write, and a search read through any trigram's postings finds exactly
//! what the scan of the search index finds, which is what the contract's substring test finds.

use shared::db::Db;
use shared::db::calendars::{self, NewMember};
use shared::db::events::{self, EventFields, NewEvent};
use shared::db::listing::{self, Access, SearchFilter};
use shared::db::participations::{self, name_grams, name_key};
use shared::domain::kinds::{CalendarKind, EventKind, ResponseStatus, Role};

use super::helpers::*;

shared::db_tests!(
    spawn,
    the_postings_follow_renames_removals_and_deletions,
    a_search_through_any_trigram_finds_what_the_scan_finds,
    an_interrupted_backfill_is_finished_at_the_next_start,
);

/// Every participation's postings are the trigrams of its name key, under its membership, and
/// every posting belongs to a participation.
pub async fn assert_postings(db: &Db) {
    let mut c = db.acquire().await.unwrap();
    // Bytes: MySQL describes the `utf8mb4_bin` key as VARBINARY.
    let parts: Vec<(i64, i64, Option<Vec<u8>>)> = shared::fetch_all!(
        c,
        (i64, i64, Option<Vec<u8>>),
        "SELECT id, calendar_member_id, event_name_key FROM event_participations ORDER BY id"
    )
    .unwrap();
    let got: Vec<(i64, i64, i64)> = shared::fetch_all!(
        c,
        (i64, i64, i64),
        "SELECT participation_id, gram, calendar_member_id FROM participation_grams \
         ORDER BY participation_id, gram"
    )
    .unwrap();
    let mut want = Vec::new();
    for (id, member, key) in parts {
        let key = String::from_utf8(key.expect("every participation has its name key")).unwrap();
        want.extend(name_grams(&key).into_iter().map(|g| (id, g, member)));
    }
    assert_eq!(got, want, "the postings are the name keys' trigrams");
    super::copies::assert_rows_copied(db).await;
}

#[test]
fn trigrams_are_three_characters_each_distinct_and_beyond_ascii() {
    let pack = |s: &str| {
        let c: Vec<i64> = s.chars().map(|c| i64::from(u32::from(c))).collect();
        (c[0] << 42) | (c[1] << 21) | c[2]
    };
    let mut want: Vec<i64> = ["aba", "bab"].into_iter().map(pack).collect();
    want.sort_unstable();
    assert_eq!(name_grams("ababa"), want, "each trigram once");
    assert!(name_grams("ab").is_empty());
    assert_eq!(name_grams("ж😀ß"), vec![pack("ж😀ß")]);
    // The widest characters keep their three places apart.
    let top = char::MAX.to_string().repeat(3);
    assert_eq!(
        name_grams(&top),
        vec![(0x10FFFF << 42) | (0x10FFFF << 21) | 0x10FFFF]
    );
    assert!(name_grams(&top)[0] > 0, "fits a signed BIGINT");
    let many: String = ('a'..='z').collect();
    let probed = listing::probed_grams(&many);
    assert_eq!(probed.len(), listing::PROBED_GRAMS);
    assert_eq!(
        probed.first(),
        name_grams(&many).first(),
        "spread from the first"
    );
    assert_eq!(probed.last(), name_grams(&many).last(), "to the last");
}

async fn the_postings_follow_renames_removals_and_deletions(app: &TestApp) {
    let cast = Cast::new(app).await;
    let mut body = arrangement(cast.calendar, &[cast.editor.id, cast.viewer.id]);
    body["name"] = json!("Quarterly Zeitplan Übersicht");
    let id = create(app, &cast.creator, body).await["id"]
        .as_i64()
        .unwrap();
    assert_postings(&app.state.db).await;
    let search = |user, term| total_for(app, user, term);
    assert_eq!(search(&cast.creator, "zeitplan").await, 1);
    let edit = |body: Value| {
        app.request(Method::PATCH, &format!("/api/events/{id}"))
            .as_user(&cast.creator)
            .json(&body)
            .send()
    };
    let res = edit(json!({"name": "Jahresplan ÜBERSICHT"})).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_postings(&app.state.db).await;
    assert_eq!(search(&cast.creator, "zeitplan").await, 0);
    assert_eq!(search(&cast.creator, "jahresplan").await, 1);
    assert_eq!(search(&cast.creator, "übersicht").await, 1);
    // An edit that keeps the name keeps the postings.
    let res = edit(json!({"description": "same name"})).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_postings(&app.state.db).await;
    // A member removed takes their participations' postings along.
    let res = app
        .request(
            Method::DELETE,
            &format!(
                "/api/calendars/{}/members/{}",
                cast.calendar, cast.viewer.id
            ),
        )
        .as_user(&cast.creator)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_postings(&app.state.db).await;
    let res = app
        .request(Method::DELETE, &format!("/api/events/{id}"))
        .as_user(&cast.creator)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_postings(&app.state.db).await;
    assert_eq!(search(&cast.creator, "jahresplan").await, 0);
}

/// A deterministic stream of small numbers (a linear congruential generator).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        usize::try_from(self.0 >> 33).unwrap() % n
    }
}

/// Names from a few pieces, some of which fold to other lengths or to each other.
fn random_name(r: &mut Lcg) -> String {
    const PIECES: &[&str] = &[
        "ab", "Ab", "ba", "İ", "i", "ß", "SS", "Ж", "ж", "😀", " ", "x", "Plan", "plan", "%", "_",
        "!", "ΣΑ", "σα",
    ];
    let mut name = String::new();
    while name.chars().count() < 3 + r.below(10) {
        name.push_str(PIECES[r.below(PIECES.len())]);
    }
    name
}

/// 300 events with random names in two calendars of one user (the main one, where some are
/// open invitations, which the search leaves out); every probed trigram of 150 terms (pieces of
/// the names and random ones) reads the same matches as the scan, and both are what the
/// substring test on the keys decides.
async fn a_search_through_any_trigram_finds_what_the_scan_finds(app: &TestApp) {
    let user = app.signed_up("searcher").await;
    let home = main_calendar(app, &user).await;
    let home_member = membership(app, &user, home).await;
    let now = app.clock.now_ms();
    let mut tx = app.state.db.begin().await.unwrap();
    let other = calendars::insert(&mut tx, user.id, "Other", None, now)
        .await
        .unwrap();
    let new_member = NewMember {
        calendar_id: other,
        user_id: user.id,
        calendar_type: CalendarKind::Additional,
        role: Role::Owner,
        color: "#123456",
        is_confirmed: true,
    };
    let other_member = calendars::insert_member(&mut tx, &new_member, now)
        .await
        .unwrap();
    let mut r = Lcg(11);
    let mut listed = Vec::new();
    for n in 0..300_i64 {
        let name = random_name(&mut r);
        let (cal, member) = if n % 2 == 0 {
            (home, home_member)
        } else {
            (other, other_member)
        };
        let fields = EventFields {
            name: name.clone(),
            description: None,
            category: "work".into(),
            kind: EventKind::Arrangement,
            started_at: n * 3_600_000,
            ended_at: n * 3_600_000 + 60_000,
            start_date: None,
            end_date: None,
            time_zone: "UTC".into(),
            all_day: false,
            recurrence: None,
            reminders: vec![],
            color: "#123456".into(),
            range_end: Some(n * 3_600_000 + 60_000),
        };
        let new = NewEvent {
            calendar_id: cal,
            creator_id: user.id,
            fields,
        };
        let id = events::insert(&mut tx, &new, now + n).await.unwrap();
        let invited = n % 6 == 0;
        let status = invited.then_some(ResponseStatus::Invited);
        participations::insert(&mut tx, member, id, "#123456", status, now)
            .await
            .unwrap();
        if !invited {
            listed.push((now + n, id, name_key(&name)));
        }
    }
    tx.commit().await.unwrap();
    assert_postings(&app.state.db).await;
    let mut terms: Vec<String> = Vec::new();
    for _ in 0..120 {
        let (_, _, key) = &listed[r.below(listed.len())];
        let chars: Vec<char> = key.chars().collect();
        let len = 3.min(chars.len()) + r.below(chars.len().saturating_sub(2).max(1));
        let at = r.below(chars.len() - len.min(chars.len()) + 1);
        let piece: String = chars[at..(at + len).min(chars.len())].iter().collect();
        terms.push(if r.below(2) == 0 {
            piece.to_uppercase()
        } else {
            piece
        });
    }
    terms.extend((0..30).map(|_| random_name(&mut r)));
    let mut c = app.state.db.acquire().await.unwrap();
    let mut found = 0;
    for term in &terms {
        let key = name_key(term);
        let f = SearchFilter {
            user_id: user.id,
            name_key: Some(&key),
            kind: None,
            from: i64::MIN / 4,
            to: i64::MAX / 4,
            expanding: false,
        };
        let mut want: Vec<(i64, i64)> = listed
            .iter()
            .filter(|(_, _, k)| k.contains(&key))
            .map(|&(created, id, _)| (created, id))
            .collect();
        want.sort_unstable_by(|a, b| b.cmp(a));
        let scan = listing::plain_matches_by(&mut c, &f, Access::Scan)
            .await
            .unwrap();
        assert_eq!(scan, want, "the scan for {term:?}");
        for gram in listing::probed_grams(&key) {
            let by_gram = listing::plain_matches_by(&mut c, &f, Access::Gram(gram))
                .await
                .unwrap();
            assert_eq!(by_gram, want, "{term:?} through one of its trigrams");
        }
        let chosen = listing::plain_matches(&mut c, &f).await.unwrap();
        assert_eq!(chosen, want, "{term:?} as the search reads it");
        found += usize::from(!want.is_empty());
    }
    assert!(found > 100, "most terms match something: {found}");
}

/// A start cut short during the back-fill of migration 8 left participations without postings
/// and no record that it finished: the next start writes the missing postings, and a later one
/// finds the record and writes nothing.
async fn an_interrupted_backfill_is_finished_at_the_next_start(app: &TestApp) {
    let cast = Cast::new(app).await;
    let mut ids = Vec::new();
    for name in ["Budget review", "Käsefondue", "Board call"] {
        let mut body = arrangement(cast.calendar, &[cast.editor.id]);
        body["name"] = json!(name);
        ids.push(
            create(app, &cast.creator, body).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let mut c = app.state.db.acquire().await.unwrap();
    shared::execute!(
        c,
        "DELETE FROM participation_grams WHERE participation_id IN \
         (SELECT id FROM event_participations WHERE event_id IN (?, ?))",
        ids[0],
        ids[1]
    )
    .unwrap();
    shared::execute!(c, "DELETE FROM backfills WHERE name = 'name_grams'").unwrap();
    drop(c);
    let total = || total_for(app, &cast.creator, "käse");
    assert_eq!(total().await, 0, "no postings, no candidates");
    app.state.db.migrate().await.unwrap();
    assert_postings(&app.state.db).await;
    assert_eq!(total().await, 1);
    let mut c = app.state.db.acquire().await.unwrap();
    let done: i64 = shared::fetch_scalar!(
        c,
        i64,
        "SELECT COUNT(*) FROM backfills WHERE name IN ('name_keys', 'name_grams')"
    )
    .unwrap();
    assert_eq!(done, 2, "both back-fills recorded");
    drop(c);
    app.state.db.migrate().await.unwrap();
    assert_postings(&app.state.db).await;
}

/// The U8 `total` for a user's search by name.
async fn total_for(app: &TestApp, user: &TestUser, term: &str) -> i64 {
    let path = format!("/api/users/{}/events?name={term}", user.id);
    let res = app.request(Method::GET, &path).as_user(user).send().await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["total"].as_i64().unwrap()
}
