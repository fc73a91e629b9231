//! Footer comments over the v2 API: create, thread, edit with optimistic
//! concurrency, delete, "not found" for invisible pages, bad input.

use portico_app::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, expect_error, id, spawn_app, user_id};

fn comment(page: &Value, parent: Option<&Value>, body: &str) -> Value {
    let mut json =
        json!({ "pageId": id(page), "body": { "representation": "storage", "value": body } });
    if let Some(parent) = parent {
        json["parentCommentId"] = json!(id(parent));
    }
    json
}

async fn count(t: &TestApp, page: &Value) -> usize {
    t.get_json(&format!("/wiki/api/v2/pages/{}/footer-comments", id(page)))
        .await["results"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn comments_thread_edit_with_versions_and_delete() {
    let t = spawn_app().await;
    let space = t.space("CMT").await;
    let page = t.page(&space, None, "Plan").await;
    let created = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/footer-comments",
            &comment(&page, None, "<p>one</p>"),
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let top: Value = created.json().await.unwrap();
    assert_eq!(top["version"]["number"], 1);
    let reply: Value = t
        .post_json(
            &t.admin,
            &format!("/wiki/api/v2/pages/{}/footer-comments", id(&page)),
            &comment(&page, Some(&top), "<p>re</p>"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reply["parentCommentId"], top["id"]);
    let children = t
        .get_json(&format!(
            "/wiki/api/v2/footer-comments/{}/children",
            id(&top)
        ))
        .await;
    assert_eq!(children["results"][0]["id"], reply["id"]);
    let path = format!("/wiki/api/v2/footer-comments/{}", id(&top));
    let edit = |n: i64| json!({ "body": { "representation": "storage", "value": "<p>two</p>" }, "version": { "number": n } });
    assert_eq!(
        t.put_json(&t.admin, &path, &edit(2)).await.status(),
        StatusCode::OK
    );
    expect_error(
        t.put_json(&t.admin, &path, &edit(2)).await,
        StatusCode::CONFLICT,
    )
    .await;
    let got = t.get_json(&path).await;
    assert_eq!(got["version"]["number"], 2);
    assert_eq!(got["body"]["storage"]["value"], "<p>two</p>");
    let deleted = t.admin.delete(t.url(&path)).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let listed = t
        .get_json(&format!("/wiki/api/v2/pages/{}/footer-comments", id(&page)))
        .await;
    assert_eq!(listed["results"][0]["status"], "deleted");
    assert!(listed["results"][0].get("body").is_none());
}

#[tokio::test]
async fn an_invisible_pages_comments_answer_like_a_missing_id() {
    let t = spawn_app().await;
    let space = t.space("CMR").await;
    let page = t.page(&space, None, "Secret").await;
    let member = t.user("mia@example.com", Role::Member).await;
    let top: Value = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/footer-comments",
            &comment(&page, None, "<p>hush</p>"),
        )
        .await
        .json()
        .await
        .unwrap();
    let admin_id = user_id(&t, "admin@example.com").await;
    let restricted = t
        .put_json(
            &t.admin,
            &format!("/api/portico/pages/{}/restrictions", id(&page)),
            &json!({ "view": [{ "type": "user", "id": admin_id }] }),
        )
        .await;
    assert_eq!(restricted.status(), StatusCode::OK);
    let hidden = [
        format!("/wiki/api/v2/footer-comments/{}", id(&top)),
        format!("/wiki/api/v2/footer-comments/{}/children", id(&top)),
        format!("/wiki/api/v2/pages/{}/footer-comments", id(&page)),
    ];
    let missing = "/wiki/api/v2/footer-comments/999999";
    let missing_body = t.get(&member, missing).await;
    assert_eq!(missing_body.status(), StatusCode::NOT_FOUND);
    let missing_body = missing_body.text().await.unwrap();
    for path in hidden {
        let response = t.get(&member, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.text().await.unwrap(), missing_body, "{path}");
    }
    expect_error(
        t.post_json(
            &member,
            "/wiki/api/v2/footer-comments",
            &comment(&page, None, "<p>x</p>"),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(count(&t, &page).await, 1);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let t = spawn_app().await;
    let space = t.space("CMB").await;
    let page = t.page(&space, None, "Plan").await;
    let other = t.page(&space, None, "Other").await;
    let foreign: Value = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/footer-comments",
            &comment(&other, None, "<p>o</p>"),
        )
        .await
        .json()
        .await
        .unwrap();
    let malformed = t
        .admin
        .post(t.url("/wiki/api/v2/footer-comments"))
        .header("content-type", "application/json")
        .body("{\"pageId\": ")
        .send()
        .await
        .unwrap();
    assert!(malformed.status().is_client_error());
    let mut unknown = comment(&page, None, "<p>x</p>");
    unknown["pageId"] = json!("999999");
    expect_error(
        t.post_json(&t.admin, "/wiki/api/v2/footer-comments", &unknown)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        t.post_json(
            &t.admin,
            "/wiki/api/v2/footer-comments",
            &comment(&page, Some(&foreign), "<p>x</p>"),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(count(&t, &page).await, 0);
    assert_eq!(count(&t, &other).await, 1);
}
