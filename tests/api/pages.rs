//! Pages over the v2 API: create, read, update with optimistic concurrency,
//! delete, Markdown input and sanitisation.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{expect_error, id, spawn_app};

fn update(title: &str, body: &str, number: i64) -> Value {
    json!({ "status": "current", "title": title, "body": { "representation": "storage", "value": body }, "version": { "number": number, "message": "edit" } })
}

#[tokio::test]
async fn pages_default_under_the_home_page_and_list_by_space_and_title() {
    let t = spawn_app().await;
    let space = t.space("DOC").await;
    let other = t.space("OTHER").await;
    let page = t.page(&space, None, "Guide").await;
    t.page(&other, None, "Elsewhere").await;
    assert_eq!(page["parentId"], space["homepageId"]);
    assert_eq!(page["version"]["number"], 1);
    assert_eq!(page["body"]["storage"]["representation"], "storage");

    let by_space = t
        .get_json(&format!("/wiki/api/v2/pages?space-id={}", id(&space)))
        .await;
    assert_eq!(
        by_space["results"].as_array().map(Vec::len),
        Some(2),
        "home page and Guide"
    );
    assert!(
        by_space["results"][0].get("body").is_none(),
        "bodies only on request"
    );
    let by_title = t
        .get_json(&format!(
            "/wiki/api/v2/pages?space-id={}&title=Guide&body-format=storage",
            id(&space)
        ))
        .await;
    assert_eq!(by_title["results"][0]["id"], page["id"]);
    assert_eq!(
        by_title["results"][0]["body"]["storage"]["value"],
        "<p>Guide body</p>"
    );
}

#[tokio::test]
async fn saving_on_top_of_an_old_version_conflicts_and_loses_nothing() {
    let t = spawn_app().await;
    let space = t.space("DOC").await;
    let page = t.page(&space, None, "Plan").await;
    let path = format!("/wiki/api/v2/pages/{}", id(&page));

    let first = t
        .put_json(&t.admin, &path, &update("Plan", "<p>Alice's edit</p>", 2))
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    // Bob started from version 1 as well and also says "2".
    let stale = t
        .put_json(&t.admin, &path, &update("Plan", "<p>Bob's edit</p>", 2))
        .await;
    let detail = expect_error(stale, StatusCode::CONFLICT)
        .await
        .unwrap_or_default();
    assert!(
        detail.contains("version 2"),
        "the conflict says where the page is: {detail}"
    );
    let skipping = t
        .put_json(&t.admin, &path, &update("Plan", "<p>Skip</p>", 5))
        .await;
    expect_error(skipping, StatusCode::CONFLICT).await;

    let now = t.fetch_page(&page).await;
    assert_eq!(now["version"]["number"], 2);
    assert_eq!(now["body"]["storage"]["value"], "<p>Alice's edit</p>");
    let versions = t.get_json(&format!("{path}/versions")).await;
    assert_eq!(versions["results"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn hostile_html_is_neutralised_on_the_way_in() {
    let t = spawn_app().await;
    let space = t.space("SEC").await;
    let hostile = r#"<p onclick="steal()">Hi<script>alert(1)</script></p><a href="javascript:alert(2)">x</a><img src="x" onerror="alert(3)"><a href="JaVaScRiPt:alert(4)">y</a><iframe src="https://evil.example"></iframe>"#;
    let response = t
        .post_json(&t.admin, "/wiki/api/v2/pages", &json!({ "spaceId": space["id"], "title": "Hostile", "body": { "representation": "storage", "value": hostile } }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let stored = t.fetch_page(&response.json().await.unwrap()).await;
    let body = stored["body"]["storage"]["value"]
        .as_str()
        .unwrap()
        .to_lowercase();
    for forbidden in [
        "<script",
        "alert(1)",
        "onclick",
        "onerror",
        "javascript:",
        "<iframe",
    ] {
        assert!(!body.contains(forbidden), "`{forbidden}` survived: {body}");
    }
    assert!(
        body.contains("<p>hi</p>"),
        "harmless content is kept: {body}"
    );
}

#[tokio::test]
async fn markdown_is_converted_to_storage_format() {
    let t = spawn_app().await;
    let space = t.space("MD").await;
    let markdown = "# Title\n\nSome *emphasis* and a [link](https://example.com).\n\n```rust\nfn main() {}\n```\n\n<script>alert(1)</script>";
    let response = t
        .post_json(&t.admin, "/wiki/api/v2/pages", &json!({ "spaceId": space["id"], "title": "Md", "body": { "representation": "markdown", "value": markdown } }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.json::<Value>().await.unwrap()["body"]["storage"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(body.contains("<h1>Title</h1>"), "{body}");
    assert!(body.contains("<em>emphasis</em>"), "{body}");
    assert!(
        body.contains(r#"ac:name="code""#),
        "fenced code becomes the code macro: {body}"
    );
    assert!(!body.contains("<script"), "{body}");
}

#[tokio::test]
async fn deleting_a_page_moves_its_children_up_and_the_home_page_stays() {
    let t = spawn_app().await;
    let space = t.space("DEL").await;
    let parent = t.page(&space, None, "Parent").await;
    let child = t.page(&space, Some(&parent), "Child").await;
    let deleted = t
        .admin
        .delete(t.url(&format!("/wiki/api/v2/pages/{}", id(&parent))))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = t
        .get(&t.admin, &format!("/wiki/api/v2/pages/{}", id(&parent)))
        .await;
    expect_error(gone, StatusCode::NOT_FOUND).await;
    assert_eq!(t.fetch_page(&child).await["parentId"], space["homepageId"]);

    let home = t
        .admin
        .delete(t.url(&format!(
            "/wiki/api/v2/pages/{}",
            space["homepageId"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    expect_error(home, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn titles_are_unique_within_a_space() {
    let t = spawn_app().await;
    let space = t.space("UNI").await;
    let other = t.space("UNJ").await;
    t.page(&space, None, "Same").await;
    let clash = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/pages",
            &json!({ "spaceId": space["id"], "title": "Same" }),
        )
        .await;
    expect_error(clash, StatusCode::CONFLICT).await;
    t.page(&other, None, "Same").await;
}
