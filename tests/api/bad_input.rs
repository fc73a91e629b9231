//! Every endpoint answers bad input with a clear 4xx in the API's error shape
//! and changes nothing: malformed JSON, wrong content types, oversized bodies,
//! unknown and malformed ids, bad parameters, invalid fields.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, expect_error, id, spawn_app};

/// Everything an API client can observe about the stored content.
async fn snapshot(t: &TestApp) -> Value {
    let spaces = t.get_json("/wiki/api/v2/spaces?limit=250").await;
    let pages = t
        .get_json("/wiki/api/v2/pages?limit=250&body-format=storage")
        .await;
    let mut versions = Vec::new();
    for page in pages["results"].as_array().unwrap() {
        versions.push(
            t.get_json(&format!("/wiki/api/v2/pages/{}/versions", id(page)))
                .await["results"]
                .clone(),
        );
    }
    json!({ "spaces": spaces["results"], "pages": pages["results"], "versions": versions })
}

struct World {
    space: String,
    page: String,
}

async fn world(t: &TestApp) -> World {
    let space = t.space("BAD").await;
    let page = t.page(&space, None, "Target").await;
    World {
        space: id(&space),
        page: id(&page),
    }
}

/// The body-taking endpoints, with a valid body for each.
fn writes(w: &World) -> Vec<(Method, String, Value)> {
    vec![
        (
            Method::POST,
            "/wiki/api/v2/spaces".into(),
            json!({ "key": "NEW", "name": "New" }),
        ),
        (
            Method::POST,
            "/wiki/api/v2/pages".into(),
            json!({ "spaceId": w.space, "title": "New page" }),
        ),
        (
            Method::PUT,
            format!("/wiki/api/v2/pages/{}", w.page),
            json!({ "title": "T", "body": { "representation": "storage", "value": "" }, "version": { "number": 2 } }),
        ),
        (
            Method::POST,
            format!("/api/portico/pages/{}/move", w.page),
            json!({ "position": "top", "targetId": w.space }),
        ),
        (
            Method::POST,
            format!("/api/portico/pages/{}/copy", w.page),
            json!({ "position": "top", "targetId": w.space }),
        ),
        (
            Method::POST,
            format!("/api/portico/pages/{}/restore", w.page),
            json!({ "versionNumber": 1, "currentVersion": 1 }),
        ),
    ]
}

#[tokio::test]
async fn malformed_json_wrong_content_types_and_huge_bodies_change_nothing() {
    let t = spawn_app().await;
    let w = world(&t).await;
    let before = snapshot(&t).await;
    for (method, path, _) in writes(&w) {
        let url = t.url(&path);
        let malformed = t
            .admin
            .request(method.clone(), &url)
            .header("content-type", "application/json")
            .body("{\"title\": ")
            .send()
            .await
            .unwrap();
        expect_error(malformed, StatusCode::BAD_REQUEST).await;

        let wrong_shape = t
            .admin
            .request(method.clone(), &url)
            .header("content-type", "application/json")
            .body("[1, 2, 3]")
            .send()
            .await
            .unwrap();
        expect_error(wrong_shape, StatusCode::BAD_REQUEST).await;

        let form = t
            .admin
            .request(method.clone(), &url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("title=x")
            .send()
            .await
            .unwrap();
        expect_error(form, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;

        let no_type = t
            .admin
            .request(method.clone(), &url)
            .body("{}")
            .send()
            .await
            .unwrap();
        expect_error(no_type, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;

        let huge = format!("{{\"title\": \"{}\"}}", "x".repeat(6 * 1024 * 1024));
        let too_large = t
            .admin
            .request(method.clone(), &url)
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .unwrap();
        expect_error(too_large, StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    assert_eq!(snapshot(&t).await, before);
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_refused_cleanly() {
    let t = spawn_app().await;
    let w = world(&t).await;
    let before = snapshot(&t).await;
    let missing = World {
        space: "987654".into(),
        page: "987654".into(),
    };
    for (method, path, body) in writes(&missing).into_iter().skip(1) {
        let response = t
            .admin
            .request(method, t.url(&path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
            "{path}: {status}"
        );
        expect_error(response, status).await;
    }
    for path in [
        "/wiki/api/v2/spaces/987654",
        "/wiki/api/v2/pages/987654",
        "/wiki/api/v2/pages/987654/direct-children",
        "/wiki/api/v2/pages/987654/versions",
        "/api/portico/pages/987654/diff?from=1&to=1",
        &format!("/wiki/api/v2/pages/{}/versions/99", w.page),
        "/wiki/api/v2/no-such-endpoint",
    ] {
        expect_error(t.get(&t.admin, path).await, StatusCode::NOT_FOUND).await;
    }
    let delete = t
        .admin
        .delete(t.url("/wiki/api/v2/pages/987654"))
        .send()
        .await
        .unwrap();
    expect_error(delete, StatusCode::NOT_FOUND).await;
    for path in [
        "/wiki/api/v2/spaces/abc",
        "/wiki/api/v2/pages/-1",
        "/wiki/api/v2/pages/1.5/versions",
        "/wiki/api/v2/pages/0",
    ] {
        let detail = expect_error(t.get(&t.admin, path).await, StatusCode::BAD_REQUEST)
            .await
            .unwrap_or_default();
        assert!(detail.contains("not a valid id"), "{path}: {detail}");
    }
    assert_eq!(snapshot(&t).await, before);
}

#[tokio::test]
async fn bad_parameters_and_invalid_fields_name_the_problem() {
    let t = spawn_app().await;
    let w = world(&t).await;
    let before = snapshot(&t).await;
    for (path, needle) in [
        ("/wiki/api/v2/spaces?limit=0".to_owned(), "limit"),
        ("/wiki/api/v2/spaces?limit=abc".to_owned(), "limit"),
        ("/wiki/api/v2/spaces?cursor=forged".to_owned(), "cursor"),
        ("/wiki/api/v2/spaces?status=deleted".to_owned(), "status"),
        ("/wiki/api/v2/pages?limit=1000".to_owned(), "limit"),
        ("/wiki/api/v2/pages?space-id=abc".to_owned(), "valid id"),
        (
            "/wiki/api/v2/pages?body-format=wiki".to_owned(),
            "body-format",
        ),
        (
            format!("/wiki/api/v2/pages/{}?body-format=x&body-format=y", w.page),
            "only once",
        ),
        (format!("/api/portico/pages/{}/diff?from=1", w.page), "to"),
    ] {
        let detail = expect_error(t.get(&t.admin, &path).await, StatusCode::BAD_REQUEST)
            .await
            .unwrap_or_default();
        assert!(detail.contains(needle), "{path}: {detail}");
    }
    let invalid: Vec<(Method, String, Value, &str)> = vec![
        (
            Method::POST,
            "/wiki/api/v2/spaces".into(),
            json!({ "key": "bad key!", "name": "x" }),
            "key",
        ),
        (
            Method::POST,
            "/wiki/api/v2/spaces".into(),
            json!({ "key": "OK", "name": "  " }),
            "name",
        ),
        (
            Method::POST,
            "/wiki/api/v2/pages".into(),
            json!({ "spaceId": w.space, "title": "" }),
            "title",
        ),
        (
            Method::POST,
            "/wiki/api/v2/pages".into(),
            json!({ "spaceId": w.space, "title": "x".repeat(300) }),
            "title",
        ),
        (
            Method::POST,
            "/wiki/api/v2/pages".into(),
            json!({ "spaceId": w.space, "title": "T2", "parentId": "987654" }),
            "parentId",
        ),
        (
            Method::POST,
            "/wiki/api/v2/pages".into(),
            json!({ "spaceId": w.space, "title": "T3", "status": "archived" }),
            "status",
        ),
        (
            Method::POST,
            "/wiki/api/v2/pages".into(),
            json!({ "spaceId": w.space, "title": "T4", "body": { "representation": "atlas_doc_format", "value": "{}" } }),
            "representation",
        ),
        (
            Method::PUT,
            format!("/wiki/api/v2/pages/{}", w.page),
            json!({ "id": "1234567", "title": "T", "body": { "representation": "storage", "value": "" }, "version": { "number": 2 } }),
            "id",
        ),
        (
            Method::POST,
            format!("/api/portico/pages/{}/move", w.page),
            json!({ "position": "sideways", "targetId": w.space }),
            "position",
        ),
        (
            Method::POST,
            format!("/api/portico/pages/{}/move", w.page),
            json!({ "position": "append", "targetId": "987654" }),
            "target",
        ),
    ];
    for (method, path, body, needle) in invalid {
        let response = t
            .admin
            .request(method, t.url(&path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let detail = expect_error(response, StatusCode::BAD_REQUEST)
            .await
            .unwrap_or_default();
        assert!(detail.contains(needle), "{path} {body}: {detail}");
    }
    assert_eq!(snapshot(&t).await, before);
}
