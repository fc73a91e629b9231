//! Watching and notifications over HTTP: the JSON API (`/api/notifications`,
//! `/api/portico/{spaces,pages}/{id}/watch`), the `/notifications` page, the
//! top bar's count and the watch buttons. Events reach watchers and not the
//! actor; guest assignments reach admins and watchers in the product and by
//! mail; what the reader can't view now is neither listed nor counted; the
//! invisible is the plain 404; anonymous callers get 401 or the sign-in page.

use portico_app::Role;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, csrf, expect_error, id, post_form, spawn_app, user_id};

async fn send(
    t: &TestApp,
    client: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = client.request(method, t.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn watch(t: &TestApp, client: &Client, what: &str, target: &Value) {
    let response = send(
        t,
        client,
        Method::PUT,
        &format!("/api/portico/{what}/{}/watch", id(target)),
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn notices(t: &TestApp, client: &Client) -> Value {
    let response = t.get(client, "/api/notifications?limit=100").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// (kind, page id) of each notice, newest first.
async fn kinds(t: &TestApp, client: &Client) -> Vec<(String, Option<String>)> {
    notices(t, client).await["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["about"]["pageId"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

async fn edit(t: &TestApp, client: &Client, page: &Value, text: &str) {
    let current = t.fetch_page(page).await;
    let number = current["version"]["number"].as_i64().unwrap() + 1;
    let response = t
        .put_json(
            client,
            &format!("/wiki/api/v2/pages/{}", id(page)),
            &json!({ "id": id(page), "status": "current", "title": current["title"],
                "body": { "representation": "storage", "value": format!("<p>{text}</p>") },
                "version": { "number": number } }),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
}

async fn restrict_to_admin(t: &TestApp, page: &Value) {
    let admin = user_id(t, crate::harness::ADMIN_EMAIL).await;
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/pages/{}/restrictions", id(page)),
            &json!({ "view": [{ "type": "user", "id": admin }] }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn events_reach_watchers_but_not_the_actor_and_mark_read_is_ones_own() {
    let t = spawn_app().await;
    let space = t.space("NTF").await;
    let watcher = t.user("watcher@example.com", Role::Member).await;
    let other = t.user("other@example.com", Role::Member).await;
    watch(&t, &watcher, "spaces", &space).await;
    // The admin watches too, and creates: no notice for their own change.
    watch(&t, &t.admin, "spaces", &space).await;
    let page = t.page(&space, None, "Launch").await;
    assert_eq!(
        kinds(&t, &watcher).await,
        [("page.published".to_owned(), Some(id(&page)))]
    );
    assert!(kinds(&t, &t.admin).await.is_empty());

    watch(&t, &watcher, "pages", &page).await;
    let watching = t
        .get(&watcher, &format!("/api/portico/pages/{}/watch", id(&page)))
        .await;
    assert_eq!(
        watching.json::<Value>().await.unwrap(),
        json!({ "watching": true })
    );
    edit(&t, &t.admin, &page, "second").await;
    let comment = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/footer-comments",
            &json!({ "pageId": id(&page), "body": { "representation": "storage", "value": "<p>hi</p>" } }),
        )
        .await;
    assert_eq!(comment.status(), StatusCode::OK);
    let listed = notices(&t, &watcher).await;
    assert_eq!(listed["unreadCount"], 3);
    let results = listed["results"].as_array().unwrap();
    assert_eq!(results[0]["kind"], "comment.created");
    assert_eq!(results[0]["actor"]["displayName"], "Ada Admin");
    assert_eq!(results[0]["about"]["pageTitle"], "Launch");
    assert_eq!(results[0]["about"]["spaceKey"], "NTF");
    assert_eq!(results[1]["kind"], "page.updated");
    assert_eq!(results[1]["version"], 2);
    assert_eq!(results[0]["read"], false);

    // The creator watches their page: the watcher's edit reaches the admin.
    edit(&t, &watcher, &page, "third").await;
    assert_eq!(
        kinds(&t, &t.admin).await,
        [("page.updated".to_owned(), Some(id(&page)))]
    );

    // Pages with a cursor: `_links.next` and the `Link` header agree.
    let first = t.get(&watcher, "/api/notifications?limit=2").await;
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    let first: Value = first.json().await.unwrap();
    let next = first["_links"]["next"].as_str().unwrap().to_owned();
    assert_eq!(link, format!("<{next}>; rel=\"next\""));
    let rest: Value = t.get(&watcher, &next).await.json().await.unwrap();
    assert_eq!(rest["results"].as_array().unwrap().len(), 1);
    assert!(rest["_links"]["next"].is_null());
    for bad in [
        "/api/notifications?limit=0",
        "/api/notifications?limit=251",
        "/api/notifications?cursor=nope",
    ] {
        expect_error(t.get(&watcher, bad).await, StatusCode::BAD_REQUEST).await;
    }

    // Someone else's notice is a missing one.
    let newest = results[0]["id"].as_str().unwrap().to_owned();
    let theirs = t
        .post_json(
            &other,
            "/api/notifications/read",
            &json!({ "ids": [newest] }),
        )
        .await;
    let missing = t
        .post_json(
            &watcher,
            "/api/notifications/read",
            &json!({ "ids": ["999999"] }),
        )
        .await;
    let a = expect_error(theirs, StatusCode::NOT_FOUND).await;
    let b = expect_error(missing, StatusCode::NOT_FOUND).await;
    assert_eq!(a, b, "the same answer for someone else's and for none");
    assert_eq!(notices(&t, &watcher).await["unreadCount"], 3);
    for bad in [
        json!({}),
        json!({ "ids": ["x"] }),
        json!({ "ids": ["1"], "all": true }),
        json!({ "ids": [] }),
    ] {
        let response = t.post_json(&watcher, "/api/notifications/read", &bad).await;
        expect_error(response, StatusCode::BAD_REQUEST).await;
    }
    let marked = t
        .post_json(
            &watcher,
            "/api/notifications/read",
            &json!({ "ids": [newest] }),
        )
        .await;
    assert_eq!(
        marked.json::<Value>().await.unwrap(),
        json!({ "unreadCount": 2 })
    );
    let all = t
        .post_json(&watcher, "/api/notifications/read", &json!({ "all": true }))
        .await;
    assert_eq!(
        all.json::<Value>().await.unwrap(),
        json!({ "unreadCount": 0 })
    );
    assert!(
        notices(&t, &watcher).await["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["read"] == true)
    );

    // Unwatching ends it.
    let response = send(
        &t,
        &watcher,
        Method::DELETE,
        &format!("/api/portico/pages/{}/watch", id(&page)),
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    edit(&t, &t.admin, &page, "fourth").await;
    assert_eq!(notices(&t, &watcher).await["unreadCount"], 0);

    // The OpenAPI document lists the endpoints.
    let doc: Value = t
        .get(&t.anon, "/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    for path in [
        "/api/notifications",
        "/api/notifications/read",
        "/api/portico/spaces/{id}/watch",
        "/api/portico/pages/{id}/watch",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
}

#[tokio::test]
async fn guest_assignments_reach_admins_and_watchers_in_the_product_and_by_mail() {
    let t = spawn_app().await;
    let space = t.space("GNT").await;
    let watcher = t.user("watcher@example.com", Role::Member).await;
    watch(&t, &watcher, "spaces", &space).await;
    let old_guest = t.user("old@partner.example", Role::Guest).await;
    let old_id = user_id(&t, "old@partner.example").await;
    let assigned = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{old_id}", id(&space)),
            &json!({ "role": "collaborator" }),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    watch(&t, &old_guest, "spaces", &space).await;
    // A second admin makes the next assignment, so the creator hears of it.
    let deputy = t.user("deputy@example.com", Role::Member).await;
    let deputy_id = user_id(&t, "deputy@example.com").await;
    let granted = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/permissions", id(&space)),
            &json!({ "principal": { "type": "user", "id": deputy_id }, "role": "admin" }),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::NO_CONTENT);
    t.user("new@partner.example", Role::Guest).await;
    let new_id = user_id(&t, "new@partner.example").await;
    let assigned = t
        .put_json(
            &deputy,
            &format!("/api/portico/spaces/{}/guests/{new_id}", id(&space)),
            &json!({ "role": "viewer" }),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);

    for client in [&t.admin, &watcher] {
        let listed = notices(&t, client).await;
        let notice = listed["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["kind"] == "guests.added" && n["guests"][0]["accountId"] == new_id.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("told: {listed}"));
        assert_eq!(notice["guests"][0]["isGuest"], true);
        assert_eq!(notice["guests"][0]["accountType"], "guest");
        assert_eq!(notice["role"], "viewer");
        assert_eq!(notice["about"]["spaceId"], space["id"]);
        assert!(notice["about"]["pageId"].is_null());
    }
    // Neither the assigner nor any guest hears of it.
    for client in [&deputy, &old_guest] {
        let listed = notices(&t, client).await;
        assert!(
            !listed["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["kind"] == "guests.added"),
            "{listed}"
        );
    }
    let mails = t.get_json("/api/admin/outbox?limit=100").await;
    let mut told: Vec<String> = mails["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["subject"] == "new@partner.example is now a guest in Space GNT")
        .map(|m| m["recipient"].as_str().unwrap().to_owned())
        .collect();
    told.sort();
    assert_eq!(told, ["admin@example.com", "watcher@example.com"]);
}

#[tokio::test]
async fn what_the_reader_cannot_view_now_is_neither_listed_nor_counted() {
    let t = spawn_app().await;
    let space = t.space("VIS").await;
    let member = t.user("member@example.com", Role::Member).await;
    let guest = t.user("guest@partner.example", Role::Guest).await;
    let guest_id = user_id(&t, "guest@partner.example").await;
    let guests_path = format!("/api/portico/spaces/{}/guests/{guest_id}", id(&space));
    let assigned = t
        .put_json(&t.admin, &guests_path, &json!({ "role": "collaborator" }))
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let page = t.page(&space, None, "Plan").await;
    let other = t.page(&space, None, "Other").await;
    for client in [&member, &guest] {
        watch(&t, client, "pages", &page).await;
        watch(&t, client, "pages", &other).await;
    }
    edit(&t, &t.admin, &page, "v2").await;
    edit(&t, &t.admin, &other, "v2").await;
    assert_eq!(notices(&t, &member).await["unreadCount"], 2);
    assert_eq!(notices(&t, &guest).await["unreadCount"], 2);

    // Restricted later: gone from the member's list and count, and from the header.
    restrict_to_admin(&t, &page).await;
    assert_eq!(
        kinds(&t, &member).await,
        [("page.updated".to_owned(), Some(id(&other)))]
    );
    assert_eq!(notices(&t, &member).await["unreadCount"], 1);
    let html = t.get(&member, "/notifications").await.text().await.unwrap();
    assert!(!html.contains("Plan"), "{html}");
    assert!(html.contains("aria-label=\"1 unread\""), "{html}");

    // A guest removed from the space sees none of its notices.
    let removed = send(&t, &t.admin, Method::DELETE, &guests_path, None).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let listed = notices(&t, &guest).await;
    assert_eq!(listed["unreadCount"], 0);
    assert!(listed["results"].as_array().unwrap().is_empty());
    let html = t.get(&guest, "/notifications").await.text().await.unwrap();
    assert!(!html.contains("Other") && !html.contains("Plan"), "{html}");
}

#[tokio::test]
async fn watching_the_invisible_is_the_plain_404_and_anonymous_callers_get_401() {
    let t = spawn_app().await;
    let space = t.space("HID").await;
    let page = t.page(&space, None, "Hidden").await;
    let closed = send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!(
            "/api/portico/spaces/{}/permissions/all-members/-",
            id(&space)
        ),
        None,
    )
    .await;
    assert_eq!(closed.status(), StatusCode::NO_CONTENT);
    let outsider = t.user("outsider@example.com", Role::Member).await;
    let missing = expect_error(
        send(
            &t,
            &outsider,
            Method::PUT,
            "/api/portico/pages/999999/watch",
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        for path in [
            format!("/api/portico/pages/{}/watch", id(&page)),
            format!("/api/portico/spaces/{}/watch", id(&space)),
            "/api/portico/spaces/999999/watch".to_owned(),
        ] {
            let response = send(&t, &outsider, method.clone(), &path, None).await;
            assert_eq!(
                expect_error(response, StatusCode::NOT_FOUND).await,
                missing,
                "{method} {path}"
            );
        }
    }
    expect_error(
        send(
            &t,
            &outsider,
            Method::PUT,
            "/api/portico/pages/abc/watch",
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // The UI forms: the plain 404 page as well.
    let token = csrf(&t, &outsider).await;
    let response = post_form(
        &t,
        &outsider,
        &format!("/wiki/spaces/HID/pages/{}/watch", id(&page)),
        &[("_csrf", &token), ("watch", "1")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    for (method, path, body) in [
        (Method::GET, "/api/notifications".to_owned(), None),
        (
            Method::POST,
            "/api/notifications/read".to_owned(),
            Some(json!({ "all": true })),
        ),
        (
            Method::GET,
            format!("/api/portico/pages/{}/watch", id(&page)),
            None,
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/{}/watch", id(&space)),
            None,
        ),
    ] {
        let response = send(&t, &t.anon, method.clone(), &path, body).await;
        expect_error(response, StatusCode::UNAUTHORIZED).await;
    }
    let page = t.get(&t.anon, "/notifications").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert!(
        page.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}

#[tokio::test]
async fn the_ui_watches_lists_and_marks_read() {
    let t = spawn_app().await;
    let space = t.space("WUI").await;
    let page = t.page(&space, None, "Notes").await;
    let member = t.user("member@example.com", Role::Member).await;
    let token = csrf(&t, &member).await;

    // The space overview's button starts a watch, and then says so.
    let html = t
        .get(&member, "/wiki/spaces/WUI")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("action=\"/wiki/spaces/WUI/watch\"") && html.contains(">Watch</button>"),
        "{html}"
    );
    let watched = post_form(
        &t,
        &member,
        "/wiki/spaces/WUI/watch",
        &[("_csrf", &token), ("watch", "1")],
    )
    .await;
    assert_eq!(watched.status(), StatusCode::SEE_OTHER);
    assert_eq!(watched.headers()["location"], "/wiki/spaces/WUI");
    let html = t
        .get(&member, "/wiki/spaces/WUI")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(">Stop watching</button>"), "{html}");
    // A bad value or a missing CSRF token changes nothing.
    let bad = post_form(
        &t,
        &member,
        "/wiki/spaces/WUI/watch",
        &[("_csrf", &token), ("watch", "maybe")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let forged = post_form(&t, &member, "/wiki/spaces/WUI/watch", &[("watch", "0")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let state: Value = t
        .get(
            &member,
            &format!("/api/portico/spaces/{}/watch", id(&space)),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["watching"], true);

    // The page view's button.
    let page_path = format!("/wiki/spaces/WUI/pages/{}", id(&page));
    let html = t.get(&member, &page_path).await.text().await.unwrap();
    assert!(
        html.contains(&format!("action=\"{page_path}/watch\"")),
        "{html}"
    );
    let watched = post_form(
        &t,
        &member,
        &format!("{page_path}/watch"),
        &[("_csrf", &token), ("watch", "1")],
    )
    .await;
    assert_eq!(watched.status(), StatusCode::SEE_OTHER);
    let html = t.get(&member, &page_path).await.text().await.unwrap();
    assert!(html.contains(">Stop watching</button>"), "{html}");
    // Anonymous readers get no button (and can't read here anyway).
    let anon = t.get(&t.anon, &page_path).await;
    assert_ne!(anon.status(), StatusCode::OK);

    // Two events: the list shows who, what, where, unread; the header counts.
    t.page(&space, None, "Fresh").await;
    edit(&t, &t.admin, &page, "changed").await;
    let html = t.get(&member, "/notifications").await.text().await.unwrap();
    assert!(html.contains("aria-label=\"2 unread\""), "{html}");
    assert!(html.contains("2 unread notifications."));
    assert!(html.contains("Ada Admin") && html.contains("published") && html.contains("edited"));
    assert!(
        html.contains(&format!("href=\"{page_path}/Notes\"")),
        "{html}"
    );
    assert_eq!(html.matches("class=\"notification unread\"").count(), 2);
    let html_home = t.get(&member, "/wiki/spaces").await.text().await.unwrap();
    assert!(
        html_home.contains("aria-label=\"2 unread\""),
        "the top bar counts on every page"
    );

    // Mark one read, then all.
    let first = notices(&t, &member).await["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let marked = post_form(
        &t,
        &member,
        &format!("/notifications/{first}/read"),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(marked.status(), StatusCode::SEE_OTHER);
    let html = t.get(&member, "/notifications").await.text().await.unwrap();
    assert_eq!(html.matches("class=\"notification unread\"").count(), 1);
    let someone_elses = post_form(
        &t,
        &t.admin,
        &format!("/notifications/{first}/read"),
        &[("_csrf", &csrf(&t, &t.admin).await)],
    )
    .await;
    assert_eq!(someone_elses.status(), StatusCode::NOT_FOUND);
    let all = post_form(
        &t,
        &member,
        "/notifications/read",
        &[("_csrf", &token), ("up_to", "")],
    )
    .await;
    assert_eq!(all.status(), StatusCode::SEE_OTHER);
    let html = t.get(&member, "/notifications").await.text().await.unwrap();
    assert!(html.contains("No unread notifications."), "{html}");
    assert!(!html.contains("class=\"notification-count\""), "{html}");

    // Stop watching from the page.
    let stopped = post_form(
        &t,
        &member,
        &format!("{page_path}/watch"),
        &[("_csrf", &token), ("watch", "0")],
    )
    .await;
    assert_eq!(stopped.status(), StatusCode::SEE_OTHER);
    let html = t.get(&member, &page_path).await.text().await.unwrap();
    assert!(html.contains(">Watch</button>"), "{html}");
}
