//! Blog posts over HTTP (`/wiki/api/v2/blogposts`, a space's blog): CRUD,
//! newest first, comments, labels and versions on a post, who may write and
//! delete them (`blog.create`, `blog.delete`, `delete.own`), guests and
//! anonymous visitors, that a post never shows up as a page, and the
//! space's Blog tab (month archive, dated post URLs, forms as allowed).

use portico_app::Role;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, csrf, expect_error, id, post_form, spawn_app, user_id};

async fn send(t: &TestApp, client: &Client, method: Method, path: &str) -> Response {
    client.request(method, t.url(path)).send().await.unwrap()
}

async fn post(t: &TestApp, client: &Client, space: &Value, title: &str) -> Response {
    t.post_json(
        client,
        "/wiki/api/v2/blogposts",
        &json!({
            "spaceId": space["id"],
            "title": title,
            "body": { "representation": "storage", "value": format!("<p>{title} text</p>") },
        }),
    )
    .await
}

/// Writes a blog post as the admin and returns its JSON.
async fn blog(t: &TestApp, space: &Value, title: &str) -> Value {
    let response = post(t, &t.admin, space, title).await;
    assert_eq!(response.status(), StatusCode::OK, "create post {title}");
    response.json().await.unwrap()
}

fn titles(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn list_as(t: &TestApp, client: &Client, path: &str) -> Vec<String> {
    let response = t.get(client, path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    titles(&response.json().await.unwrap())
}

fn update(title: &str, number: i64) -> Value {
    json!({
        "status": "current",
        "title": title,
        "body": { "representation": "storage", "value": "<p>edited</p>" },
        "version": { "number": number },
    })
}

async fn set_permissions(t: &TestApp, space: &Value, user: &str, permissions: Value) {
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/permissions", id(space)),
            &json!({ "principal": { "type": "user", "id": user }, "permissions": permissions }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn close_to_members(t: &TestApp, space: &Value) {
    let response = send(
        t,
        &t.admin,
        Method::DELETE,
        &format!(
            "/api/portico/spaces/{}/permissions/all-members/-",
            id(space)
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn blog_posts_are_written_read_edited_and_deleted_newest_first() {
    let t = spawn_app().await;
    let space = t.space("BLG").await;
    t.page(&space, None, "Weekly notes").await;
    let first = blog(&t, &space, "Weekly notes").await;
    assert_eq!(first["status"], "current");
    assert_eq!(first["spaceId"], space["id"]);
    assert!(first.get("parentId").is_none(), "{first}");
    assert!(first["createdAt"].as_str().is_some());
    // Blog titles need not be unique (URLs carry the id and date).
    let second = blog(&t, &space, "Weekly notes").await;
    let third = blog(&t, &space, "Launch day").await;
    let path = format!("/wiki/api/v2/spaces/{}/blogposts", id(&space));
    assert_eq!(
        list_as(&t, &t.admin, &path).await,
        ["Launch day", "Weekly notes", "Weekly notes"]
    );
    let listed = t.get_json(&path).await;
    assert_eq!(listed["results"][0]["id"], third["id"]);
    assert_eq!(listed["results"][2]["id"], first["id"]);
    // Cursor pagination, as for pages.
    let page_one = t.get(&t.admin, &format!("{path}?limit=2")).await;
    assert!(page_one.headers().get("link").is_some());
    let page_one: Value = page_one.json().await.unwrap();
    assert_eq!(titles(&page_one), ["Launch day", "Weekly notes"]);
    let next = page_one["_links"]["next"].as_str().unwrap().to_owned();
    let page_two = t.get_json(&next).await;
    assert_eq!(page_two["results"][0]["id"], first["id"]);
    assert!(page_two["_links"].get("next").is_none());
    assert_eq!(
        list_as(&t, &t.admin, "/wiki/api/v2/blogposts").await.len(),
        3
    );

    let fetched = t
        .get_json(&format!(
            "/wiki/api/v2/blogposts/{}?body-format=storage",
            id(&second)
        ))
        .await;
    assert_eq!(
        fetched["body"]["storage"]["value"],
        "<p>Weekly notes text</p>"
    );
    let post_path = format!("/wiki/api/v2/blogposts/{}", id(&second));
    let edited = t
        .put_json(&t.admin, &post_path, &update("Renamed", 2))
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(edited["version"]["number"], 2);
    assert_eq!(edited["createdAt"], second["createdAt"], "still dated");
    let stale = t.put_json(&t.admin, &post_path, &update("Again", 2)).await;
    expect_error(stale, StatusCode::CONFLICT).await;
    let versions = t.get_json(&format!("{post_path}/versions")).await;
    assert_eq!(versions["results"].as_array().unwrap().len(), 2);

    let deleted = send(&t, &t.admin, Method::DELETE, &post_path).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = t.get(&t.admin, &post_path).await;
    expect_error(gone, StatusCode::NOT_FOUND).await;
    assert_eq!(
        list_as(&t, &t.admin, &path).await,
        ["Launch day", "Weekly notes"]
    );
}

#[tokio::test]
async fn a_blog_post_is_never_a_page_and_a_page_never_a_blog_post() {
    let t = spawn_app().await;
    let space = t.space("NOP").await;
    let page = t.page(&space, None, "Handbook").await;
    let post = blog(&t, &space, "News").await;
    let home = space["homepageId"].as_str().unwrap().to_owned();

    // Not in page lists, children or the tree.
    let pages = t
        .get_json(&format!("/wiki/api/v2/pages?space-id={}", id(&space)))
        .await;
    assert!(!titles(&pages).contains(&"News".to_owned()), "{pages}");
    let children = t
        .get_json(&format!("/wiki/api/v2/pages/{home}/direct-children"))
        .await;
    assert_eq!(titles(&children), ["Handbook"]);
    let tree = t
        .get(&t.admin, "/wiki/spaces/NOP")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        tree.contains("Handbook") && !tree.contains("News"),
        "{tree}"
    );

    // Each id answers only at its own URLs, exactly like a missing one.
    let missing = t.get(&t.admin, "/wiki/api/v2/pages/987654").await;
    let missing = missing.text().await.unwrap();
    for path in [
        format!("/wiki/api/v2/pages/{}", id(&post)),
        format!("/wiki/api/v2/pages/{}/direct-children", id(&post)),
        format!("/wiki/api/v2/pages/{}/footer-comments", id(&post)),
        format!("/wiki/api/v2/pages/{}/labels", id(&post)),
        format!("/wiki/api/v2/pages/{}/attachments", id(&post)),
        format!("/wiki/api/v2/pages/{}/versions", id(&post)),
        format!("/wiki/api/v2/pages/{}/versions/1", id(&post)),
    ] {
        let response = t.get(&t.admin, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.text().await.unwrap(), missing, "{path}");
    }
    for path in [
        format!("/wiki/api/v2/blogposts/{}", id(&page)),
        format!("/wiki/api/v2/blogposts/{}/footer-comments", id(&page)),
        format!("/wiki/api/v2/blogposts/{}/labels", id(&page)),
        format!("/wiki/api/v2/blogposts/{}/versions", id(&page)),
        format!("/wiki/api/v2/blogposts/{}/attachments", id(&page)),
    ] {
        let response = t.get(&t.admin, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.text().await.unwrap(), missing, "{path}");
    }
    let as_page = t
        .put_json(
            &t.admin,
            &format!("/wiki/api/v2/pages/{}", id(&post)),
            &update("Hijack", 2),
        )
        .await;
    expect_error(as_page, StatusCode::NOT_FOUND).await;
    let as_post = t
        .put_json(
            &t.admin,
            &format!("/wiki/api/v2/blogposts/{}", id(&page)),
            &update("Hijack", 2),
        )
        .await;
    expect_error(as_post, StatusCode::NOT_FOUND).await;
    for path in [
        format!("/wiki/api/v2/pages/{}", id(&post)),
        format!("/wiki/api/v2/blogposts/{}", id(&page)),
    ] {
        let response = send(&t, &t.admin, Method::DELETE, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }

    // No tree moves: not the post, not under it, not copied.
    let moved = t
        .post_json(
            &t.admin,
            &format!("/api/portico/pages/{}/move", id(&post)),
            &json!({ "position": "append", "targetId": id(&page) }),
        )
        .await;
    expect_error(moved, StatusCode::CONFLICT).await;
    let copied = t
        .post_json(
            &t.admin,
            &format!("/api/portico/pages/{}/copy", id(&post)),
            &json!({ "position": "append", "targetId": id(&page) }),
        )
        .await;
    expect_error(copied, StatusCode::CONFLICT).await;
    let under = t
        .post_json(
            &t.admin,
            &format!("/api/portico/pages/{}/move", id(&page)),
            &json!({ "position": "append", "targetId": id(&post) }),
        )
        .await;
    expect_error(under, StatusCode::BAD_REQUEST).await;
    let child = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/pages",
            &json!({ "spaceId": space["id"], "title": "Child", "parentId": id(&post) }),
        )
        .await;
    expect_error(child, StatusCode::BAD_REQUEST).await;
    // A page may take a blog post's title: they don't share a namespace.
    t.page(&space, None, "News").await;
    // The post is still whole.
    let still = t
        .get_json(&format!("/wiki/api/v2/blogposts/{}", id(&post)))
        .await;
    assert_eq!(still["title"], "News");
}

#[tokio::test]
async fn posts_carry_comments_labels_and_versions_and_labels_list_them() {
    let t = spawn_app().await;
    let space = t.space("CML").await;
    let post = blog(&t, &space, "Quarterly update").await;
    let comments_path = format!("/wiki/api/v2/blogposts/{}/footer-comments", id(&post));
    let comment = t
        .post_json(
            &t.admin,
            &comments_path,
            &json!({ "blogPostId": id(&post), "body": { "representation": "storage", "value": "<p>Nice</p>" } }),
        )
        .await;
    assert_eq!(comment.status(), StatusCode::OK);
    let mismatch = t
        .post_json(
            &t.admin,
            &comments_path,
            &json!({ "blogPostId": "1", "body": { "representation": "storage", "value": "<p>x</p>" } }),
        )
        .await;
    expect_error(mismatch, StatusCode::BAD_REQUEST).await;
    let listed = t.get_json(&comments_path).await;
    assert_eq!(listed["results"].as_array().unwrap().len(), 1);

    let labelled = t
        .post_json(
            &t.admin,
            &format!("/api/portico/pages/{}/labels", id(&post)),
            &json!({ "labels": ["news"] }),
        )
        .await;
    assert_eq!(labelled.status(), StatusCode::OK);
    let labels = t
        .get_json(&format!("/wiki/api/v2/blogposts/{}/labels", id(&post)))
        .await;
    assert_eq!(labels["results"][0]["name"], "news");
    let with_label = t.get_json("/api/portico/labels/news/pages").await;
    assert_eq!(titles(&with_label), ["Quarterly update"]);
    let html = t
        .get(&t.admin, "/wiki/labels/news")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Quarterly update"), "{html}");
    let attachments = t
        .get_json(&format!("/wiki/api/v2/blogposts/{}/attachments", id(&post)))
        .await;
    assert!(attachments["results"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn guests_see_their_space_s_posts_only_and_anonymous_visitors_none() {
    let t = spawn_app().await;
    let shared = t.space("SHR").await;
    let other = t.space("OTH").await;
    blog(&t, &shared, "Shared news").await;
    let hidden = blog(&t, &other, "Internal news").await;
    let guest = t.user("gus@partner.example", Role::Guest).await;
    let gus = user_id(&t, "gus@partner.example").await;
    let assigned = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{gus}", id(&shared)),
            &json!({ "role": "viewer" }),
        )
        .await;
    assert!(assigned.status().is_success());

    assert_eq!(
        list_as(&t, &guest, "/wiki/api/v2/blogposts").await,
        ["Shared news"]
    );
    assert_eq!(
        list_as(
            &t,
            &guest,
            &format!("/wiki/api/v2/blogposts?space-id={}", id(&other))
        )
        .await,
        Vec::<String>::new()
    );
    let missing = t.get(&guest, "/wiki/api/v2/blogposts/987654").await;
    let missing = missing.text().await.unwrap();
    let hidden_post = t
        .get(&guest, &format!("/wiki/api/v2/blogposts/{}", id(&hidden)))
        .await;
    assert_eq!(hidden_post.status(), StatusCode::NOT_FOUND);
    assert_eq!(hidden_post.text().await.unwrap(), missing);
    let hidden_space = t
        .get(
            &guest,
            &format!("/wiki/api/v2/spaces/{}/blogposts", id(&other)),
        )
        .await;
    let missing_space = t.get(&guest, "/wiki/api/v2/spaces/987654/blogposts").await;
    assert_eq!(hidden_space.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        hidden_space.text().await.unwrap(),
        missing_space.text().await.unwrap()
    );
    // A viewer guest may read but not write.
    let refused = post(&t, &guest, &shared, "Mine").await;
    let detail = expect_error(refused, StatusCode::FORBIDDEN).await;
    assert!(detail.unwrap_or_default().contains("blog.create"));
    let html = t
        .get(&guest, "/wiki/spaces/OTH/blog")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Internal news"));

    // Role none sees nothing; anonymous visitors need the site switch.
    let nobody = t.user("nobody@example.com", Role::None).await;
    assert!(
        list_as(&t, &nobody, "/wiki/api/v2/blogposts")
            .await
            .is_empty()
    );
    let anonymous = t.get(&t.anon, "/wiki/api/v2/blogposts").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let anonymous = post(&t, &t.anon, &shared, "Anon").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn writing_needs_blog_create_and_deleting_blog_delete_or_delete_own() {
    let t = spawn_app().await;
    let space = t.space("PRM").await;
    close_to_members(&t, &space).await;
    let writer = t.user("wren@example.com", Role::Member).await;
    let wren = user_id(&t, "wren@example.com").await;
    let admins_post = blog(&t, &space, "From the admin").await;

    // Pages only: no blog posts, and no editing one.
    set_permissions(&t, &space, &wren, json!(["view", "page.create"])).await;
    let refused = post(&t, &writer, &space, "Nope").await;
    let detail = expect_error(refused, StatusCode::FORBIDDEN).await;
    assert!(detail.unwrap_or_default().contains("blog.create"));
    let admin_path = format!("/wiki/api/v2/blogposts/{}", id(&admins_post));
    let edit = t
        .put_json(&writer, &admin_path, &update("Mine now", 2))
        .await;
    let detail = expect_error(edit, StatusCode::FORBIDDEN).await;
    assert!(detail.unwrap_or_default().contains("blog.create"));

    // `blog.create` writes and edits; deleting another's post needs `blog.delete`.
    set_permissions(
        &t,
        &space,
        &wren,
        json!(["view", "blog.create", "delete.own"]),
    )
    .await;
    let own = post(&t, &writer, &space, "Wren's post").await;
    assert_eq!(own.status(), StatusCode::OK);
    let own: Value = own.json().await.unwrap();
    let edit = t.put_json(&writer, &admin_path, &update("Edited", 2)).await;
    assert_eq!(edit.status(), StatusCode::OK);
    let delete = send(&t, &writer, Method::DELETE, &admin_path).await;
    let detail = expect_error(delete, StatusCode::FORBIDDEN).await;
    assert!(detail.unwrap_or_default().contains("blog.delete"));
    let delete = send(
        &t,
        &writer,
        Method::DELETE,
        &format!("/wiki/api/v2/blogposts/{}", id(&own)),
    )
    .await;
    assert_eq!(delete.status(), StatusCode::NO_CONTENT, "delete.own");
    set_permissions(&t, &space, &wren, json!(["view", "blog.delete"])).await;
    let delete = send(&t, &writer, Method::DELETE, &admin_path).await;
    assert_eq!(delete.status(), StatusCode::NO_CONTENT, "blog.delete");
}

#[tokio::test]
async fn drafts_are_their_author_s_and_publishing_tells_the_space_s_watchers() {
    let t = spawn_app().await;
    let space = t.space("DRF").await;
    let watcher = t.user("wat@example.com", Role::Member).await;
    let watched = send(
        &t,
        &watcher,
        Method::PUT,
        &format!("/api/portico/spaces/{}/watch", id(&space)),
    )
    .await;
    assert_eq!(watched.status(), StatusCode::NO_CONTENT);
    let draft = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/blogposts",
            &json!({ "spaceId": space["id"], "title": "Soon", "status": "draft" }),
        )
        .await;
    assert_eq!(draft.status(), StatusCode::OK);
    let draft: Value = draft.json().await.unwrap();
    assert_eq!(draft["status"], "draft");
    let draft_path = format!("/wiki/api/v2/blogposts/{}", id(&draft));
    let seen = t.get(&watcher, &draft_path).await;
    expect_error(seen, StatusCode::NOT_FOUND).await;
    let space_path = format!("/wiki/api/v2/spaces/{}/blogposts", id(&space));
    assert!(list_as(&t, &t.admin, &space_path).await.is_empty());
    assert_eq!(
        list_as(&t, &t.admin, &format!("{space_path}?status=draft")).await,
        ["Soon"]
    );
    assert!(
        list_as(&t, &watcher, &format!("{space_path}?status=draft"))
            .await
            .is_empty()
    );
    let notices = |client: &Client| {
        let client = client.clone();
        let url = t.url("/api/notifications?limit=100");
        async move {
            let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            body["results"].as_array().unwrap().len()
        }
    };
    assert_eq!(notices(&watcher).await, 0, "a draft is announced nowhere");

    let published = t.put_json(&t.admin, &draft_path, &update("Now", 2)).await;
    assert_eq!(published.status(), StatusCode::OK);
    let published: Value = published.json().await.unwrap();
    assert_eq!(published["status"], "current");
    assert!(published["createdAt"].as_str() >= draft["createdAt"].as_str());
    assert_eq!(list_as(&t, &watcher, &space_path).await, ["Now"]);
    assert_eq!(notices(&watcher).await, 1, "publishing tells the watchers");
    blog(&t, &space, "Straight out").await;
    assert_eq!(notices(&watcher).await, 2);
}

#[tokio::test]
async fn bad_blog_requests_are_clear_4xx() {
    let t = spawn_app().await;
    let space = t.space("BAD").await;
    let post_json = blog(&t, &space, "Fine").await;
    for path in [
        "/wiki/api/v2/blogposts/abc",
        "/wiki/api/v2/blogposts?limit=0",
        "/wiki/api/v2/blogposts?limit=999",
        "/wiki/api/v2/blogposts?status=trashed",
        "/wiki/api/v2/blogposts?sort=title",
        "/wiki/api/v2/blogposts?space-id=x",
        "/wiki/api/v2/blogposts?cursor=garbage!",
        "/wiki/api/v2/blogposts?body-format=wiki",
        "/wiki/api/v2/spaces/abc/blogposts",
    ] {
        let response = t.get(&t.admin, path).await;
        expect_error(response, StatusCode::BAD_REQUEST).await;
    }
    let missing = t.get(&t.admin, "/wiki/api/v2/blogposts/987654").await;
    expect_error(missing, StatusCode::NOT_FOUND).await;
    for body in [
        json!({ "spaceId": space["id"], "title": "" }),
        json!({ "spaceId": space["id"], "title": "x", "status": "archived" }),
        json!({ "spaceId": "abc", "title": "x" }),
        json!({ "spaceId": space["id"], "title": "x", "body": { "representation": "wiki", "value": "" } }),
    ] {
        let response = t.post_json(&t.admin, "/wiki/api/v2/blogposts", &body).await;
        expect_error(response, StatusCode::BAD_REQUEST).await;
    }
    let unknown_space = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/blogposts",
            &json!({ "spaceId": "987654", "title": "x" }),
        )
        .await;
    expect_error(unknown_space, StatusCode::NOT_FOUND).await;
    let path = format!("/wiki/api/v2/blogposts/{}", id(&post_json));
    let mut wrong_id = update("x", 2);
    wrong_id["id"] = json!("1");
    let response = t.put_json(&t.admin, &path, &wrong_id).await;
    expect_error(response, StatusCode::BAD_REQUEST).await;
    // `status: draft` on a published post saves the author's own draft
    // (tests/api/drafts.rs); the post itself stays published as it was.
    let mut later = update("x", 2);
    later["status"] = json!("draft");
    let response = t.put_json(&t.admin, &path, &later).await;
    assert_eq!(response.status(), StatusCode::OK);
    let post_now = t.get_json(&path).await;
    assert_eq!(post_now["status"], "current");
    assert_eq!(post_now["version"]["number"], 1);
    let not_json = t
        .admin
        .post(t.url("/wiki/api/v2/blogposts"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert!(not_json.status().is_client_error());
    // Still only the one post.
    assert_eq!(
        list_as(&t, &t.admin, "/wiki/api/v2/blogposts").await,
        ["Fine"]
    );
}

fn location(response: &Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn html_of(t: &TestApp, client: &Client, path: &str) -> (StatusCode, String) {
    let response = t.get(client, path).await;
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_blog_tab_lists_posts_by_month_and_shows_them_at_dated_urls() {
    let t = spawn_app().await;
    let space = t.space("UIB").await;
    let older = blog(&t, &space, "First light").await;
    let newer = blog(&t, &space, "Second wind").await;
    let (status, html) = html_of(&t, &t.admin, "/wiki/spaces/UIB/blog").await;
    assert_eq!(status, StatusCode::OK);
    let first = html.find("Second wind").unwrap();
    let second = html.find("First light").unwrap();
    assert!(first < second, "newest first");
    assert!(html.contains("Write a blog post"), "the admin may write");
    assert!(html.contains("Blog archive"));
    let created = newer["createdAt"].as_str().unwrap();
    let (year, month, day) = (&created[0..4], &created[5..7], &created[8..10]);
    let month_path = format!("/wiki/spaces/UIB/blog/{year}/{month}");
    assert!(html.contains(&format!("href=\"{month_path}\"")), "{html}");
    let dated = format!("{month_path}/{day}/{}/Second+wind", id(&newer));
    assert!(html.contains(&dated), "{html}");

    // The month archive holds that month's posts; another month none.
    let (status, html) = html_of(&t, &t.admin, &month_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("First light") && html.contains("Second wind"));
    let (status, html) = html_of(&t, &t.admin, "/wiki/spaces/UIB/blog/1999/01").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("First light"));
    for bad in [
        "/wiki/spaces/UIB/blog/2026/13",
        "/wiki/spaces/UIB/blog/x/01",
    ] {
        let (status, _) = html_of(&t, &t.admin, bad).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
    }

    // The post at its dated URL: body, byline, labels and comments.
    let (status, html) = html_of(&t, &t.admin, &dated).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Second wind text"), "{html}");
    assert!(html.contains("By "), "{html}");
    assert!(html.contains("id=\"labels\"") && html.contains("id=\"comments\""));
    // A wrong date or title still finds it; a page's id there doesn't.
    let moved = t
        .get(
            &t.admin,
            &format!("/wiki/spaces/UIB/blog/2000/01/01/{}", id(&older)),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::MOVED_PERMANENTLY);
    assert!(location(&moved).contains("First+light"));
    let home = space["homepageId"].as_str().unwrap();
    let (status, _) = html_of(&t, &t.admin, &format!("{month_path}/{day}/{home}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = html_of(
        &t,
        &t.admin,
        &format!("/wiki/spaces/UIB/pages/{}", id(&newer)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let by_id = t
        .get(&t.admin, &format!("/wiki/blogposts/{}", id(&newer)))
        .await;
    assert_eq!(by_id.status(), StatusCode::FOUND);
    assert!(location(&by_id).starts_with(&format!("{month_path}/{day}/")));

    // Comments and labels through the page view's forms come back here.
    let token = csrf(&t, &t.admin).await;
    let commented = post_form(
        &t,
        &t.admin,
        &format!("/wiki/spaces/UIB/pages/{}/comments", id(&newer)),
        &[
            ("_csrf", &token),
            ("body", "Well said"),
            ("format", "markdown"),
        ],
    )
    .await;
    assert_eq!(commented.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&commented).starts_with(&dated),
        "{}",
        location(&commented)
    );
    let labelled = post_form(
        &t,
        &t.admin,
        &format!("/wiki/spaces/UIB/pages/{}/labels", id(&newer)),
        &[("_csrf", &token), ("labels", "announcements")],
    )
    .await;
    assert_eq!(labelled.status(), StatusCode::SEE_OTHER);
    let (_, html) = html_of(&t, &t.admin, &dated).await;
    assert!(html.contains("Well said") && html.contains("announcements"));
    let (_, label_page) = html_of(&t, &t.admin, "/wiki/labels/announcements").await;
    assert!(label_page.contains("Second wind"));
}

#[tokio::test]
async fn blog_forms_show_as_the_engine_allows_and_need_csrf() {
    let t = spawn_app().await;
    let space = t.space("FRM").await;
    close_to_members(&t, &space).await;
    let post = blog(&t, &space, "Read only").await;
    let reader = t.user("reader@example.com", Role::Member).await;
    let reader_id = user_id(&t, "reader@example.com").await;
    set_permissions(&t, &space, &reader_id, json!(["view", "comment.create"])).await;
    let (status, html) = html_of(&t, &reader, "/wiki/spaces/FRM/blog").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("Write a blog post"), "{html}");
    let dated = location(
        &t.get(&reader, &format!("/wiki/blogposts/{}", id(&post)))
            .await,
    );
    let (_, html) = html_of(&t, &reader, &dated).await;
    assert!(
        !html.contains(">Edit<") && !html.contains(">Delete<"),
        "{html}"
    );
    let (status, _) = html_of(&t, &reader, "/wiki/spaces/FRM/blog/create").await;
    assert_eq!(status, StatusCode::OK, "the form opens; saving is checked");
    let token = csrf(&t, &reader).await;
    let refused = post_form(
        &t,
        &reader,
        "/wiki/spaces/FRM/blog/create",
        &[
            ("_csrf", &token),
            ("title", "Mine"),
            ("body", "x"),
            ("format", "markdown"),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // The admin writes, edits and deletes through the forms.
    let token = csrf(&t, &t.admin).await;
    let forged = post_form(
        &t,
        &t.admin,
        "/wiki/spaces/FRM/blog/create",
        &[
            ("_csrf", "nope"),
            ("title", "Forged"),
            ("body", "x"),
            ("format", "markdown"),
        ],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let created = post_form(
        &t,
        &t.admin,
        "/wiki/spaces/FRM/blog/create",
        &[
            ("_csrf", &token),
            ("title", "By form"),
            ("body", "**bold**"),
            ("format", "markdown"),
            ("action", "publish"),
        ],
    )
    .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let at = location(&created);
    assert!(
        at.starts_with("/wiki/spaces/FRM/blog/") && at.ends_with("/By+form"),
        "{at}"
    );
    let post_id = at.rsplit('/').nth(1).unwrap().to_owned();
    let (_, html) = html_of(&t, &t.admin, &at).await;
    assert!(
        html.contains("<strong>bold</strong>") && html.contains(">Edit<"),
        "{html}"
    );
    let edit_path = format!("/wiki/spaces/FRM/blog/edit/{post_id}");
    let (status, _) = html_of(&t, &t.admin, &edit_path).await;
    assert_eq!(status, StatusCode::OK);
    let edited = post_form(
        &t,
        &t.admin,
        &edit_path,
        &[
            ("_csrf", &token),
            ("title", "By form, edited"),
            ("body", "<p>new</p>"),
            ("format", "storage"),
            ("version", "2"),
            ("action", "publish"),
        ],
    )
    .await;
    assert_eq!(edited.status(), StatusCode::SEE_OTHER);
    let stale = post_form(
        &t,
        &t.admin,
        &edit_path,
        &[
            ("_csrf", &token),
            ("title", "Stale"),
            ("body", "<p>x</p>"),
            ("format", "storage"),
            ("version", "2"),
            ("action", "publish"),
        ],
    )
    .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let page_editor = t
        .get(
            &t.admin,
            &format!(
                "/wiki/spaces/FRM/blog/edit/{}",
                space["homepageId"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(page_editor.status(), StatusCode::NOT_FOUND);
    let deleted = post_form(
        &t,
        &t.admin,
        &format!("/wiki/spaces/FRM/blog/delete/{post_id}"),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        list_as(&t, &t.admin, "/wiki/api/v2/blogposts").await,
        ["Read only"]
    );
}

#[tokio::test]
async fn a_deleted_post_waits_in_the_trash_and_comes_back_as_a_post() {
    let t = spawn_app().await;
    let space = t.space("BTR").await;
    t.page(&space, None, "Same title").await;
    let post = blog(&t, &space, "Same title").await;
    let path = format!("/wiki/api/v2/blogposts/{}", id(&post));
    let deleted = send(&t, &t.admin, Method::DELETE, &path).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let blog_list = format!("/wiki/api/v2/spaces/{}/blogposts", id(&space));
    assert!(list_as(&t, &t.admin, &blog_list).await.is_empty());

    // The space's trash holds it, and restoring brings it back as a post:
    // no parent, not in the page tree, even with a page of the same title.
    let trash = t
        .get_json(&format!("/api/portico/spaces/{}/trash", id(&space)))
        .await;
    assert_eq!(titles(&trash), ["Same title"], "{trash}");
    let restored = send(
        &t,
        &t.admin,
        Method::POST,
        &format!("/api/portico/trash/pages/{}/restore", id(&post)),
    )
    .await;
    assert_eq!(restored.status(), StatusCode::OK);
    assert_eq!(list_as(&t, &t.admin, &blog_list).await, ["Same title"]);
    let again = t.get_json(&path).await;
    assert_eq!(again["status"], "current");
    assert!(again["parentId"].is_null(), "{again}");
    let home = t
        .get_json(&format!("/wiki/api/v2/spaces/{}", id(&space)))
        .await;
    let children = t
        .get_json(&format!(
            "/wiki/api/v2/pages/{}/direct-children",
            home["homepageId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        titles(&children),
        ["Same title"],
        "only the page: {children}"
    );

    // Deleted again and purged, it is gone for good.
    assert_eq!(
        send(&t, &t.admin, Method::DELETE, &path).await.status(),
        StatusCode::NO_CONTENT
    );
    let purged = send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!("/wiki/api/v2/pages/{}?purge=true", id(&post)),
    )
    .await;
    assert_eq!(purged.status(), StatusCode::NO_CONTENT);
    expect_error(t.get(&t.admin, &path).await, StatusCode::NOT_FOUND).await;
    let trash = t
        .get_json(&format!("/api/portico/spaces/{}/trash", id(&space)))
        .await;
    assert!(titles(&trash).is_empty());
}
