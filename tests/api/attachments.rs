//! Attachments over HTTP: upload (multipart, streamed under a size limit),
//! versions of the same file name, download headers, and access: what the
//! caller can't view answers like a missing id, uploads need
//! `attachment.create` and an anti-forgery header.

use std::path::Path;

use portico_app::Role;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, csrf, id, spawn_app, spawn_app_with, user_id};

async fn upload_as(t: &TestApp, client: &Client, page: &str, form: Form) -> Response {
    client
        .post(t.url(&format!("/wiki/api/v2/pages/{page}/attachments")))
        .header("X-Atlassian-Token", "no-check")
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn file(name: &str, bytes: impl Into<Vec<u8>>) -> Form {
    Form::new().part("file", Part::bytes(bytes.into()).file_name(name.to_owned()))
}

async fn upload(t: &TestApp, page: &str, name: &str, bytes: impl Into<Vec<u8>>) -> Response {
    upload_as(t, &t.admin, page, file(name, bytes)).await
}

async fn json_of(response: Response) -> Value {
    response.json().await.unwrap()
}

/// Every regular file under `root` (stored contents and leftovers alike).
fn files_under(root: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

async fn a_page(t: &TestApp) -> (Value, String) {
    let space = t.space("FILES").await;
    let page = t.page(&space, None, "Deliverables").await;
    let page_id = id(&page);
    (space, page_id)
}

#[tokio::test]
async fn a_file_name_gets_versions_and_each_downloads_with_its_headers() {
    let t = spawn_app().await;
    let (_, page) = a_page(&t).await;
    let first = upload_as(
        &t,
        &t.admin,
        &page,
        Form::new().text("comment", "first draft").part(
            "file",
            Part::bytes(b"version one".to_vec()).file_name("notes.txt"),
        ),
    )
    .await;
    assert_eq!(first.status(), StatusCode::OK);
    let first = json_of(first).await;
    let attachment = first["results"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(first["results"][0]["title"], "notes.txt");
    assert_eq!(first["results"][0]["mediaType"], "text/plain");
    assert_eq!(first["results"][0]["fileSize"], 11);
    assert_eq!(first["results"][0]["version"]["number"], 1);
    assert_eq!(first["results"][0]["comment"], "first draft");

    let second = json_of(upload(&t, &page, "notes.txt", "version two, longer").await).await;
    assert_eq!(
        second["results"][0]["id"],
        json!(attachment),
        "same file, new version"
    );
    assert_eq!(second["results"][0]["version"]["number"], 2);

    let list = t
        .get_json(&format!("/wiki/api/v2/pages/{page}/attachments"))
        .await;
    assert_eq!(list["results"].as_array().unwrap().len(), 1);
    assert_eq!(list["results"][0]["version"]["number"], 2);
    let versions = t
        .get_json(&format!("/wiki/api/v2/attachments/{attachment}/versions"))
        .await;
    let numbers: Vec<i64> = versions["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 1]);

    for (query, body) in [
        ("", "version two, longer"),
        ("?version=2", "version two, longer"),
        ("?version=1", "version one"),
    ] {
        let response = t
            .get(
                &t.admin,
                &format!("/wiki/api/v2/attachments/{attachment}/download{query}"),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], "text/plain");
        assert_eq!(headers["content-length"], body.len().to_string().as_str());
        assert_eq!(
            headers["content-disposition"],
            "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(response.text().await.unwrap(), body);
    }
    let missing_version = t
        .get(
            &t.admin,
            &format!("/wiki/api/v2/attachments/{attachment}/download?version=3"),
        )
        .await;
    assert_eq!(missing_version.status(), StatusCode::NOT_FOUND);
    let bad_version = t
        .get(
            &t.admin,
            &format!("/wiki/api/v2/attachments/{attachment}/download?version=two"),
        )
        .await;
    assert_eq!(bad_version.status(), StatusCode::BAD_REQUEST);

    // Identical content is stored once, whatever its name.
    upload(&t, &page, "copy.txt", "version one").await;
    assert_eq!(files_under(&t.attachments).len(), 2);
}

#[tokio::test]
async fn only_raster_images_show_inline_and_html_never_runs() {
    let t = spawn_app().await;
    let (_, page) = a_page(&t).await;
    let png = b"\x89PNG\r\n\x1a\nnot really".to_vec();
    let cases = [
        ("photo.png", png, "image/png", "inline"),
        (
            "evil.html",
            b"<script>alert(1)</script>".to_vec(),
            "text/html",
            "attachment",
        ),
        (
            "evil.svg",
            b"<svg onload=alert(1)/>".to_vec(),
            "image/svg+xml",
            "attachment",
        ),
        (
            "data.bin",
            vec![0, 1, 2],
            "application/octet-stream",
            "attachment",
        ),
    ];
    for (name, bytes, media_type, disposition) in cases {
        let uploaded = json_of(upload(&t, &page, name, bytes).await).await;
        let attachment = uploaded["results"][0]["id"].as_str().unwrap().to_owned();
        let response = t
            .get(
                &t.admin,
                &format!("/wiki/api/v2/attachments/{attachment}/download"),
            )
            .await;
        let headers = response.headers();
        assert_eq!(headers["content-type"], media_type, "{name}");
        let shown = headers["content-disposition"].to_str().unwrap();
        assert!(shown.starts_with(disposition), "{name}: {shown}");
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("sandbox"), "{name}: {policy}");
    }
}

#[tokio::test]
async fn an_upload_over_the_limit_is_413_and_leaves_no_file() {
    let t = spawn_app_with(|settings| settings.attachment_max_bytes = 1024).await;
    let (_, page) = a_page(&t).await;
    let refused = upload(&t, &page, "big.bin", vec![7u8; 1025]).await;
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body = json_of(refused).await;
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("1024 bytes"),
        "{body}"
    );
    assert_eq!(
        files_under(&t.attachments),
        Vec::<std::path::PathBuf>::new()
    );
    let list = t
        .get_json(&format!("/wiki/api/v2/pages/{page}/attachments"))
        .await;
    assert_eq!(list["results"], json!([]));

    let at_the_limit = upload(&t, &page, "fits.bin", vec![7u8; 1024]).await;
    assert_eq!(at_the_limit.status(), StatusCode::OK);
    assert_eq!(files_under(&t.attachments).len(), 1);
}

#[tokio::test]
async fn bad_uploads_are_4xx_and_write_nothing() {
    let t = spawn_app().await;
    let (_, page) = a_page(&t).await;
    let path = t.url(&format!("/wiki/api/v2/pages/{page}/attachments"));

    let no_token = t
        .admin
        .post(&path)
        .multipart(file("a.txt", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    let not_multipart = t
        .admin
        .post(&path)
        .header("X-Atlassian-Token", "no-check")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(not_multipart.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let no_file = upload_as(&t, &t.admin, &page, Form::new().text("comment", "hi")).await;
    assert_eq!(no_file.status(), StatusCode::BAD_REQUEST);
    for name in ["../../etc/passwd", "dir/a.txt", ""] {
        let refused = upload(&t, &page, name, "x").await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{name:?}");
    }
    let long_comment = upload_as(
        &t,
        &t.admin,
        &page,
        Form::new()
            .text("comment", "c".repeat(5_000))
            .part("file", Part::bytes(b"x".to_vec()).file_name("a.txt")),
    )
    .await;
    assert_eq!(long_comment.status(), StatusCode::BAD_REQUEST);
    let malformed = t
        .admin
        .post(&path)
        .header("X-Atlassian-Token", "no-check")
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nunterminated")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let bad_ids = [
        "/wiki/api/v2/attachments/abc",
        "/wiki/api/v2/attachments/0/download",
    ];
    for bad in bad_ids {
        assert_eq!(
            t.get(&t.admin, bad).await.status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    let list = t
        .get_json(&format!("/wiki/api/v2/pages/{page}/attachments"))
        .await;
    assert_eq!(list["results"], json!([]));
    assert!(files_under(&t.attachments).is_empty());
}

#[tokio::test]
async fn what_the_caller_cannot_view_answers_like_a_missing_id() {
    let t = spawn_app().await;
    let (space, page) = a_page(&t).await;
    let uploaded = json_of(upload(&t, &page, "plan.txt", "secret plan").await).await;
    let attachment = uploaded["results"][0]["id"].as_str().unwrap().to_owned();
    // A guest with no space sees nothing of it.
    let outsider = t.user("out@partner.example", Role::Guest).await;
    for (hidden, missing) in [
        (
            format!("/wiki/api/v2/attachments/{attachment}"),
            "/wiki/api/v2/attachments/987654".to_owned(),
        ),
        (
            format!("/wiki/api/v2/attachments/{attachment}/download"),
            "/wiki/api/v2/attachments/987654/download".to_owned(),
        ),
        (
            format!("/wiki/api/v2/attachments/{attachment}/versions"),
            "/wiki/api/v2/attachments/987654/versions".to_owned(),
        ),
        (
            format!("/wiki/api/v2/pages/{page}/attachments"),
            "/wiki/api/v2/pages/987654/attachments".to_owned(),
        ),
    ] {
        let hidden = t.get(&outsider, &hidden).await;
        let missing = t.get(&outsider, &missing).await;
        assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
        assert_eq!(hidden.text().await.unwrap(), missing.text().await.unwrap());
    }
    let refused = upload_as(&t, &outsider, &page, file("x.txt", "x")).await;
    let absent = upload_as(&t, &outsider, "987654", file("x.txt", "x")).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(refused.text().await.unwrap(), absent.text().await.unwrap());

    // A read-only guest of the space downloads, but may not attach.
    let viewer = t.user("view@partner.example", Role::Guest).await;
    let viewer_id = user_id(&t, "view@partner.example").await;
    let assigned = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{viewer_id}", id(&space)),
            &json!({ "role": "viewer" }),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let download = t
        .get(
            &viewer,
            &format!("/wiki/api/v2/attachments/{attachment}/download"),
        )
        .await;
    assert_eq!(download.text().await.unwrap(), "secret plan");
    let refused = upload_as(&t, &viewer, &page, file("mine.txt", "x")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let detail = json_of(refused).await["errors"][0]["detail"].clone();
    assert!(
        detail.as_str().unwrap().contains("attachment.create"),
        "{detail}"
    );
    let list = t
        .get_json(&format!("/wiki/api/v2/pages/{page}/attachments"))
        .await;
    assert_eq!(
        list["results"].as_array().unwrap().len(),
        1,
        "nothing added"
    );
}

#[tokio::test]
async fn the_attachments_screen_lists_previews_and_uploads_with_csrf() {
    let t = spawn_app().await;
    let (space, page) = a_page(&t).await;
    let screen = format!("/wiki/spaces/FILES/pages/{page}/attachments");
    let token = csrf(&t, &t.admin).await;
    let form = |token: &str| {
        Form::new()
            .text("_csrf", token.to_owned())
            .text("comment", "the <b>logo</b>")
            .part(
                "file",
                Part::bytes(b"\x89PNG fake".to_vec()).file_name("logo.png"),
            )
    };

    let forged = t
        .admin
        .post(t.url(&screen))
        .multipart(form("not the token"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(
        files_under(&t.attachments).is_empty(),
        "checked before reading the file"
    );

    let sent = t
        .admin
        .post(t.url(&screen))
        .multipart(form(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    assert_eq!(sent.headers()["location"], screen.as_str());
    let html = t.get(&t.admin, &screen).await.text().await.unwrap();
    assert!(html.contains("logo.png"), "{html}");
    assert!(
        html.contains("class=\"attachment-preview\""),
        "an image gets a preview"
    );
    assert!(
        html.contains("the &#60;b&#62;logo&#60;/b&#62;"),
        "comments are escaped"
    );
    assert!(
        html.contains("enctype=\"multipart/form-data\""),
        "the admin may attach"
    );

    // A read-only guest sees the file but no upload form.
    let viewer = t.user("look@partner.example", Role::Guest).await;
    let viewer_id = user_id(&t, "look@partner.example").await;
    t.put_json(
        &t.admin,
        &format!("/api/portico/spaces/{}/guests/{viewer_id}", id(&space)),
        &json!({ "role": "viewer" }),
    )
    .await;
    let html = t.get(&viewer, &screen).await.text().await.unwrap();
    assert!(html.contains("logo.png"));
    assert!(
        !html.contains("multipart/form-data"),
        "no upload form for a viewer"
    );
    let outsider = t.user("else@partner.example", Role::Guest).await;
    let hidden = t.get(&outsider, &screen).await;
    let missing = t
        .get(&outsider, "/wiki/spaces/FILES/pages/987654/attachments")
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(hidden.text().await.unwrap(), missing.text().await.unwrap());
}
