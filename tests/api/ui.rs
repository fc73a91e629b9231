//! The HTML UI over HTTP: the sign-in flow, CSRF on forms, escaping, the 404
//! page, the editor's preview and conflict handling, and the main pages.

use portico_app::Role;
use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::harness::{ADMIN_EMAIL, PASSWORD, TestApp, id, spawn_app};

/// The session's CSRF token, read from a form the user can open.
async fn csrf(t: &TestApp, client: &Client) -> String {
    let html = t
        .get(client, "/wiki/spaces/create")
        .await
        .text()
        .await
        .unwrap();
    let start = html.find("name=\"_csrf\" value=\"").expect("a csrf field")
        + "name=\"_csrf\" value=\"".len();
    html[start..].split('"').next().unwrap().to_owned()
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn signing_in_through_the_form_opens_a_session_and_signing_out_ends_it() {
    let t = spawn_app().await;
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let bounced = t.get(&browser, "/wiki/spaces").await;
    assert_eq!(bounced.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&bounced).starts_with("/login?next="),
        "{}",
        location(&bounced)
    );

    let wrong = browser
        .post(t.url("/login"))
        .form(&[
            ("email", ADMIN_EMAIL),
            ("password", "nope nope nope"),
            ("next", "/wiki/spaces"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let page = wrong.text().await.unwrap();
    assert!(
        page.contains("Invalid e-mail or password") && page.contains(ADMIN_EMAIL),
        "the e-mail is kept"
    );

    let offsite = browser
        .post(t.url("/login"))
        .form(&[
            ("email", ADMIN_EMAIL),
            ("password", PASSWORD),
            ("next", "//evil.example/x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&offsite), "/wiki/spaces", "no open redirect");
    let signed_in = browser
        .post(t.url("/login"))
        .form(&[
            ("email", ADMIN_EMAIL),
            ("password", PASSWORD),
            ("next", "/wiki/spaces?archived=1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&signed_in), "/wiki/spaces?archived=1");
    let cookie = signed_in
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(
        t.get(&browser, "/wiki/spaces").await.status(),
        StatusCode::OK
    );

    let forged = browser
        .post(t.url("/logout"))
        .form(&[("_csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        t.get(&browser, "/wiki/spaces").await.status(),
        StatusCode::OK,
        "a forged sign-out does nothing"
    );
    let token = csrf(&t, &browser).await;
    let out = browser
        .post(t.url("/logout"))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        t.get(&browser, "/wiki/spaces").await.status(),
        StatusCode::SEE_OTHER,
        "signed out"
    );
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_change_nothing() {
    let t = spawn_app().await;
    for token in ["", "forged"] {
        let response = t
            .admin
            .post(t.url("/wiki/spaces/create"))
            .form(&[("_csrf", token), ("key", "CSRF"), ("name", "Csrf")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(
        t.get_json("/wiki/api/v2/spaces").await["results"],
        json!([])
    );
    let token = csrf(&t, &t.admin).await;
    let created = t
        .admin
        .post(t.url("/wiki/spaces/create"))
        .form(&[("_csrf", token.as_str()), ("key", "CSRF"), ("name", "Csrf")])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        t.get_json("/wiki/api/v2/spaces").await["results"][0]["key"],
        "CSRF"
    );
}

#[tokio::test]
async fn titles_and_bodies_are_escaped_or_sanitised_in_html() {
    let t = spawn_app().await;
    let space = t.space("XSS").await;
    let title = "<img src=x onerror=alert(1)>";
    let created = t
        .post_json(&t.admin, "/wiki/api/v2/pages", &json!({ "spaceId": space["id"], "title": title, "body": { "representation": "storage", "value": "<p>ok</p><script>alert(2)</script><a href=\"javascript:alert(3)\">x</a>" } }))
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let page: serde_json::Value = created.json().await.unwrap();
    for path in [
        format!("/wiki/spaces/XSS/pages/{}", id(&page)),
        "/wiki/spaces/XSS".to_owned(),
        format!("/wiki/spaces/XSS/pages/{}/history", id(&page)),
    ] {
        let response = t.get(&t.admin, &path).await;
        let response = if response.status() == StatusCode::MOVED_PERMANENTLY {
            t.get(&t.admin, &location(&response)).await
        } else {
            response
        };
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(response.headers().get("content-security-policy").is_some());
        let html = response.text().await.unwrap();
        assert!(!html.contains("<img src=x"), "{path}: the title is escaped");
        assert!(
            html.contains("&#60;img src=x onerror=alert(1)&#62;"),
            "{path}: the title shows as text"
        );
        assert!(
            !html.contains("<script") && !html.contains("javascript:"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn hidden_and_missing_pages_get_the_same_html_404() {
    let t = spawn_app().await;
    let space = t.space("HID").await;
    let page = t.page(&space, None, "Secret plan").await;
    let outsider = t.user("outsider@example.com", Role::Guest).await;
    for (existing, missing) in [
        (
            format!("/wiki/spaces/HID/pages/{}", id(&page)),
            "/wiki/spaces/HID/pages/999999".to_owned(),
        ),
        (
            "/wiki/spaces/HID".to_owned(),
            "/wiki/spaces/NOPE".to_owned(),
        ),
        (
            format!("/wiki/pages/{}", id(&page)),
            "/wiki/pages/999999".to_owned(),
        ),
        (
            format!("/wiki/spaces/HID/pages/{}/history", id(&page)),
            "/wiki/spaces/HID/pages/999999/history".to_owned(),
        ),
    ] {
        let a = t.get(&outsider, &existing).await;
        let b = t.get(&outsider, &missing).await;
        assert_eq!(
            (a.status(), b.status()),
            (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
            "{existing}"
        );
        let (a, b) = (a.text().await.unwrap(), b.text().await.unwrap());
        assert!(
            !a.contains("Secret plan") && !a.contains("HID</"),
            "{existing}: nothing about the page"
        );
        assert_eq!(
            a.replace(&existing, "PATH"),
            b.replace(&missing, "PATH"),
            "{existing} looks exactly missing"
        );
    }
}

#[tokio::test]
async fn preview_saves_nothing_and_a_stale_save_keeps_the_users_text() {
    let t = spawn_app().await;
    let space = t.space("EDT").await;
    let page = t.page(&space, None, "Doc").await;
    let token = csrf(&t, &t.admin).await;

    let preview = t
        .admin
        .post(t.url("/wiki/spaces/EDT/pages/create"))
        .form(&[
            ("_csrf", token.as_str()),
            ("title", "Draft idea"),
            ("format", "markdown"),
            ("body", "# Previewed heading"),
            ("action", "preview"),
            ("parentId", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status(), StatusCode::OK);
    assert!(
        preview
            .text()
            .await
            .unwrap()
            .contains("Previewed heading</h1>")
    );
    let titled = t
        .get_json(&format!(
            "/wiki/api/v2/pages?space-id={}&title=Draft+idea",
            id(&space)
        ))
        .await;
    assert_eq!(titled["results"], json!([]), "a preview creates no page");

    // Someone else saves version 2 while we edit version 1.
    let other = t.put_json(&t.admin, &format!("/wiki/api/v2/pages/{}", id(&page)), &json!({ "title": "Doc", "body": { "representation": "storage", "value": "<p>theirs</p>" }, "version": { "number": 2 } })).await;
    assert_eq!(other.status(), StatusCode::OK);
    let stale = t
        .admin
        .post(t.url(&format!("/wiki/spaces/EDT/pages/edit-v2/{}", id(&page))))
        .form(&[
            ("_csrf", token.as_str()),
            ("title", "Doc"),
            ("format", "storage"),
            ("body", "<p>my precious text</p>"),
            ("version", "2"),
            ("message", ""),
            ("action", "publish"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let html = stale.text().await.unwrap();
    assert!(
        html.contains("my precious text"),
        "the user's text is still in the editor"
    );
    assert!(html.contains("diff?from=1"), "a link shows what changed");
    let now = t.fetch_page(&page).await;
    assert_eq!(
        (
            now["version"]["number"].as_i64(),
            now["body"]["storage"]["value"].as_str()
        ),
        (Some(2), Some("<p>theirs</p>"))
    );
}

#[tokio::test]
async fn the_main_pages_render_for_a_member() {
    let t = spawn_app().await;
    let space = t.space("MAIN").await;
    let parent = t.page(&space, None, "Parent page").await;
    let child = t.page(&space, Some(&parent), "Child page").await;
    t.put_json(&t.admin, &format!("/wiki/api/v2/pages/{}", id(&child)), &json!({ "title": "Child page", "body": { "representation": "storage", "value": "<p>second</p>" }, "version": { "number": 2 } })).await;
    let member = t.user("member@example.com", Role::Member).await;
    let checks: Vec<(String, Vec<&str>)> = vec![
        ("/wiki/spaces".into(), vec!["MAIN", "Space MAIN"]),
        (
            "/wiki/spaces/MAIN".into(),
            vec!["Parent page", "Child page"],
        ),
        (
            format!("/wiki/spaces/MAIN/pages/{}/Child+page", id(&child)),
            vec!["Space MAIN", "Parent page", "<p>second</p>"],
        ),
        (
            format!("/wiki/spaces/MAIN/pages/{}/history", id(&child)),
            vec!["Child page"],
        ),
        (
            format!("/wiki/spaces/MAIN/pages/{}/diff?from=1&to=2", id(&child)),
            vec!["second"],
        ),
        (
            format!("/wiki/spaces/MAIN/pages/{}/versions/1", id(&child)),
            vec!["Child page body"],
        ),
        (
            format!("/wiki/spaces/MAIN/pages/edit-v2/{}", id(&child)),
            vec!["&#60;p&#62;second&#60;/p&#62;"],
        ),
        ("/static/portico.css".into(), vec!["{"]),
    ];
    for (path, needles) in checks {
        let response = t.get(&member, &path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let html = response.text().await.unwrap();
        for needle in needles {
            assert!(html.contains(needle), "{path} should show {needle}");
        }
    }
    let moved = t
        .get(&member, &format!("/wiki/spaces/OTHER/pages/{}", id(&child)))
        .await;
    assert_eq!(
        moved.status(),
        StatusCode::MOVED_PERMANENTLY,
        "a wrong space key redirects to the canonical URL"
    );
    assert!(location(&moved).starts_with(&format!("/wiki/spaces/MAIN/pages/{}/", id(&child))));
}
