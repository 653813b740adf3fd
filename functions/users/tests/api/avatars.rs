//! U6 upload and S1 static avatars.

use super::helpers::*;

shared::db_tests!(
    spawn,
    a_png_is_stored_under_a_new_name_and_served_once_referenced,
    a_jpeg_is_detected_by_magic_bytes_whatever_it_is_called,
    bad_uploads_are_rejected_with_the_contract_messages,
    only_ones_own_upload_can_become_the_profile_picture,
    a_replaced_upload_is_deleted,
    the_default_avatar_is_always_served_and_unknown_names_are_404
);

async fn a_png_is_stored_under_a_new_name_and_served_once_referenced(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let res = upload(app, &alice, &png()).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let name = res.json()["server_filename"].as_str().unwrap().to_string();
    assert!(name.ends_with(".png") && name.len() == 40, "{name}");
    assert!(shared::domain::user::is_avatar_name(&name));
    assert_eq!(res.json().as_object().unwrap().len(), 1);

    let me = app
        .request(Method::GET, &format!("/api/users/{}", alice.id))
        .as_user(&alice)
        .send()
        .await
        .json();
    assert_eq!(
        me["profilePictureName"], "default-avatar.png",
        "upload does not change the user"
    );

    let res = app
        .request(Method::GET, &format!("/uploads/avatars/{name}"))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body, png());
    assert_eq!(res.header("content-type"), Some("image/png"));
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        res.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );

    let res = app
        .request(Method::PATCH, &format!("/api/users/{}", alice.id))
        .as_user(&alice)
        .json(&json!({"profilePictureName": name}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["profilePictureName"], name.as_str());
}

async fn a_jpeg_is_detected_by_magic_bytes_whatever_it_is_called(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend_from_slice(&[0u8; 100]);
    let (ct, body) = multipart("file", "photo.png", &jpeg);
    let res = app
        .request(Method::POST, "/api/users/upload-avatar")
        .bearer(&alice.access)
        .header("content-type", &ct)
        .body(body)
        .send()
        .await;
    assert_eq!(res.status, 201);
    let name = res.json()["server_filename"].as_str().unwrap().to_string();
    assert!(name.ends_with(".jpg"), "{name}");
    let res = app
        .request(Method::HEAD, &format!("/uploads/avatars/{name}"))
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("image/jpeg"));
    assert!(res.body.is_empty());
}

async fn bad_uploads_are_rejected_with_the_contract_messages(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let res = app
        .request(Method::POST, "/api/users/upload-avatar")
        .bearer(&alice.access)
        .json(&json!({"file": "x"}))
        .send()
        .await;
    res.assert_error(400, json!("No file uploaded."));
    let (ct, body) = multipart("avatar", "a.png", &png());
    let res = app
        .request(Method::POST, "/api/users/upload-avatar")
        .bearer(&alice.access)
        .header("content-type", &ct)
        .body(body)
        .send()
        .await;
    res.assert_error(400, json!("No file uploaded."));
    upload(app, &alice, b"GIF89a....")
        .await
        .assert_error(400, json!("Only allowed file types are accepted!"));
    let mut big = png();
    big.resize(4 * 1024 * 1024 + 1, 0);
    upload(app, &alice, &big)
        .await
        .assert_error(413, json!("File too large"));
    let mut just_fits = png();
    just_fits.resize(4 * 1024 * 1024, 0);
    assert_eq!(upload(app, &alice, &just_fits).await.status, 201);
    let mut huge = png();
    huge.resize(5 * 1024 * 1024, 0);
    upload(app, &alice, &huge)
        .await
        .assert_error(413, json!("File too large"));
}

async fn only_ones_own_upload_can_become_the_profile_picture(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let bob = app.signed_up("bob").await;
    let bobs = upload(app, &bob, &png()).await.json()["server_filename"]
        .as_str()
        .unwrap()
        .to_string();
    app.request(Method::PATCH, &format!("/api/users/{}", alice.id))
        .as_user(&alice)
        .json(&json!({"profilePictureName": bobs}))
        .send()
        .await
        .assert_error(400, json!("Profile picture not found"));
    let res = app
        .request(Method::PATCH, &format!("/api/users/{}", alice.id))
        .as_user(&alice)
        .json(&json!({"profilePictureName": "default-avatar.png"}))
        .send()
        .await;
    assert_eq!(res.status, 200);
}

async fn a_replaced_upload_is_deleted(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let path = format!("/api/users/{}", alice.id);
    let first = upload(app, &alice, &png()).await.json()["server_filename"]
        .as_str()
        .unwrap()
        .to_string();
    let second = upload(app, &alice, &png()).await.json()["server_filename"]
        .as_str()
        .unwrap()
        .to_string();
    app.request(Method::PATCH, &path)
        .as_user(&alice)
        .json(&json!({"profilePictureName": first}))
        .send()
        .await;
    app.request(Method::PATCH, &path)
        .as_user(&alice)
        .json(&json!({"profilePictureName": second}))
        .send()
        .await;
    app.request(Method::GET, &format!("/uploads/avatars/{first}"))
        .send()
        .await
        .assert_error(404, json!(format!("Cannot GET /uploads/avatars/{first}")));
    assert_eq!(
        app.request(Method::GET, &format!("/uploads/avatars/{second}"))
            .send()
            .await
            .status,
        200
    );
}

async fn the_default_avatar_is_always_served_and_unknown_names_are_404(app: &TestApp) {
    let res = app
        .request(Method::GET, "/uploads/avatars/default-avatar.png")
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert!(res.body.starts_with(&[0x89, b'P', b'N', b'G']));
    assert_eq!(res.header("cache-control"), Some("public, max-age=3600"));
    assert_eq!(res.header("vary"), Some("Origin"));
    for name in [
        "3f1c2a4e-9b7d-4c1e-8f2a-6d5e4c3b2a10.png",
        "..%2F..%2Fsecrets.env",
        "nope.txt",
    ] {
        let res = app
            .request(Method::GET, &format!("/uploads/avatars/{name}"))
            .send()
            .await;
        assert_eq!(res.status, 404, "{name}");
        assert_eq!(res.json()["statusCode"], 404);
    }
    app.request(Method::GET, "/uploads/avatars/default-avatar.png/")
        .send()
        .await
        .assert_error(
            404,
            json!("Cannot GET /uploads/avatars/default-avatar.png/"),
        );
}

/// The name an upload answered with.
fn uploaded(res: &TestResponse) -> String {
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["server_filename"].as_str().unwrap().to_string()
}

async fn served(app: &TestApp, name: &str) -> u16 {
    let path = format!("/uploads/avatars/{name}");
    app.request(Method::GET, &path).send().await.status.as_u16()
}

shared::db_tests!(
    spawn,
    a_new_upload_replaces_the_previous_unreferenced_one,
    uploads_beyond_ten_an_hour_are_refused_with_429
);

async fn a_new_upload_replaces_the_previous_unreferenced_one(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let first = uploaded(&upload(app, &alice, &png()).await);
    let path = format!("/api/users/{}", alice.id);
    let res = app
        .request(Method::PATCH, &path)
        .as_user(&alice)
        .json(&json!({"profilePictureName": first}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());

    let second = uploaded(&upload(app, &alice, &png()).await);
    let third = uploaded(&upload(app, &alice, &png()).await);

    assert_eq!(served(app, &first).await, 200, "the profile picture stays");
    assert_eq!(
        served(app, &second).await,
        404,
        "replaced before it was ever used"
    );
    assert_eq!(served(app, &third).await, 200);
    let files = std::fs::read_dir(app.state.config.uploads_dir.join("avatars"))
        .unwrap()
        .count();
    assert_eq!(files, 2, "the picture and the one pending upload");
    let res = app
        .request(Method::PATCH, &path)
        .as_user(&alice)
        .json(&json!({"profilePictureName": second}))
        .send()
        .await;
    res.assert_error(400, json!("Profile picture not found"));
}

async fn uploads_beyond_ten_an_hour_are_refused_with_429(app: &TestApp) {
    let alice = app.signed_up("alice").await;
    let all = shared::testing::concurrently((0..12).map(|_| {
        let (ct, body) = multipart("file", "me.png", &png());
        app.request(Method::POST, "/api/users/upload-avatar")
            .bearer(&alice.access)
            .header("content-type", &ct)
            .body(body)
            .spawn()
    }))
    .await;

    let counts = shared::testing::status_counts(&all);
    assert_eq!(
        counts,
        std::collections::BTreeMap::from([(201, 10), (429, 2)])
    );
    let refused = all.iter().find(|r| r.status == 429).unwrap();
    refused.assert_error(429, json!("Too many uploads. Try again later."));
    let wait: i64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&wait), "{wait}");
    let files = std::fs::read_dir(app.state.config.uploads_dir.join("avatars"))
        .unwrap()
        .count();
    assert_eq!(files, 1, "parallel uploads still keep one pending upload");

    app.clock.advance(chrono::TimeDelta::minutes(61));
    let alice = app.logged_in(alice.id).await;
    uploaded(&upload(app, &alice, &png()).await);
}
