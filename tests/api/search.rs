//! Search over HTTP: Portico's `/api/portico/search`, Confluence's v1
//! `/wiki/rest/api/search?cql=`, and the `/wiki/search` screen — text files'
//! contents, excerpts with marked matches, paging, and bad input refused
//! with a 400 that names the problem.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::harness::{TestApp, expect_error, id, spawn_app};

async fn page_with(t: &TestApp, space: &Value, title: &str, body: &str) -> Value {
    let response = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/pages",
            &json!({
                "spaceId": space["id"],
                "status": "current",
                "title": title,
                "body": { "representation": "storage", "value": body },
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn titles(found: &Value) -> Vec<String> {
    found["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_native_api_ranks_titles_first_marks_matches_and_pages() {
    let t = spawn_app().await;
    let space = t.space("SRCH").await;
    page_with(
        &t,
        &space,
        "Meeting notes",
        "<p>the roadmap and the roadmap again</p>",
    )
    .await;
    let titled = page_with(&t, &space, "Roadmap", "<p>what we plan</p>").await;
    for i in 0..3 {
        page_with(&t, &space, &format!("Note {i}"), "<p>roadmap mention</p>").await;
    }
    let first = t.get_json("/api/portico/search?q=roadmap&limit=2").await;
    assert_eq!(first["totalSize"], 5);
    assert_eq!(first["totalSizeExact"], true);
    assert_eq!(first["results"][0]["id"], titled["id"]);
    assert_eq!(first["results"][0]["type"], "page");
    assert_eq!(first["results"][0]["titleHighlights"], json!([[0, 7]]));
    assert_eq!(first["results"][0]["page"]["spaceKey"], "SRCH");
    let next = first["_links"]["next"].as_str().unwrap().to_owned();
    let second = t.get_json(&next).await;
    assert_eq!(second["start"], 2);
    assert_eq!(second["results"].as_array().unwrap().len(), 2);
    let last = t.get_json(second["_links"]["next"].as_str().unwrap()).await;
    assert_eq!(last["results"].as_array().unwrap().len(), 1);
    assert!(last["_links"]["next"].is_null());
    // A phrase needs its words in order.
    let phrase = t
        .get_json("/api/portico/search?q=%22roadmap+again%22")
        .await;
    assert_eq!(titles(&phrase), ["Meeting notes"]);
    let excerpt = phrase["results"][0]["excerpt"].as_str().unwrap();
    let [start, end] = [0, 1].map(|i| {
        phrase["results"][0]["excerptHighlights"][0][i]
            .as_u64()
            .unwrap() as usize
    });
    assert_eq!(&excerpt[start..end], "roadmap");
}

#[tokio::test]
async fn text_files_are_found_by_name_and_contents() {
    let t = spawn_app().await;
    let space = t.space("FILE").await;
    let page = t.page(&space, None, "Files").await;
    for (name, bytes) in [
        ("minutes.txt", b"the capybara agreement".to_vec()),
        ("photo.png", b"\x89PNG capybara".to_vec()),
    ] {
        let uploaded = t
            .admin
            .post(t.url(&format!("/wiki/api/v2/pages/{}/attachments", id(&page))))
            .header("X-Atlassian-Token", "no-check")
            .multipart(Form::new().part("file", Part::bytes(bytes).file_name(name)))
            .send()
            .await
            .unwrap();
        assert_eq!(uploaded.status(), StatusCode::OK, "{name}");
    }
    let by_contents = t.get_json("/api/portico/search?q=capybara").await;
    assert_eq!(
        titles(&by_contents),
        ["minutes.txt"],
        "binary files by name only"
    );
    assert_eq!(by_contents["results"][0]["type"], "attachment");
    assert_eq!(by_contents["results"][0]["page"]["title"], "Files");
    let by_name = t
        .get_json("/api/portico/search?q=photo&type=attachment")
        .await;
    assert_eq!(titles(&by_name), ["photo.png"]);
}

#[tokio::test]
async fn the_v1_cql_search_answers_in_confluences_shape() {
    let t = spawn_app().await;
    let docs = t.space("DOCS").await;
    let ops = t.space("OPS").await;
    let page = page_with(&t, &docs, "Launch plan", "<p>pangolin launch</p>").await;
    page_with(&t, &ops, "Ops plan", "<p>pangolin ops</p>").await;
    let found = t
        .get_json("/wiki/rest/api/search?cql=space%20%3D%20DOCS%20AND%20text%20~%20%22pangolin%22")
        .await;
    assert_eq!(found["totalSize"], 1);
    assert_eq!(found["size"], 1);
    let hit = &found["results"][0];
    assert_eq!(hit["content"]["id"], page["id"]);
    assert_eq!(hit["content"]["type"], "page");
    assert_eq!(hit["content"]["space"]["key"], "DOCS");
    assert_eq!(hit["entityType"], "content");
    assert_eq!(hit["resultGlobalContainer"]["title"], "Space DOCS");
    assert!(
        hit["excerpt"]
            .as_str()
            .unwrap()
            .contains("@@@hl@@@pangolin@@@endhl@@@"),
        "{hit}"
    );
    let paged = t
        .get_json("/wiki/rest/api/search?cql=text~pangolin%20order%20by%20created%20desc&limit=1")
        .await;
    assert_eq!(paged["totalSize"], 2);
    assert_eq!(paged["results"][0]["title"], "Ops plan");
    assert!(
        paged["_links"]["next"]
            .as_str()
            .unwrap()
            .contains("start=1")
    );
}

#[tokio::test]
async fn bad_search_requests_are_400s_that_name_the_problem() {
    let t = spawn_app().await;
    let long = "x".repeat(501);
    let cases = [
        "/wiki/rest/api/search".to_owned(),
        "/wiki/rest/api/search?cql=space%20%3D%20A%20OR%20space%20%3D%20B".to_owned(),
        "/wiki/rest/api/search?cql=unknownfield%20%3D%201".to_owned(),
        "/wiki/rest/api/search?cql=title~%22open".to_owned(),
        "/wiki/rest/api/search?cql=text~x&limit=0".to_owned(),
        "/wiki/rest/api/search?cql=text~x&start=10000".to_owned(),
        format!("/api/portico/search?q={long}"),
        "/api/portico/search?q=x&type=space".to_owned(),
        "/api/portico/search?q=x&sort=title".to_owned(),
        "/api/portico/search?q=x&modifiedFrom=yesterday".to_owned(),
        "/api/portico/search?q=x&contributor=me".to_owned(),
        "/api/portico/search?q=x&cursor=%%%".to_owned(),
    ];
    for path in cases {
        let response = t.get(&t.admin, &path).await;
        let message = expect_error(response, StatusCode::BAD_REQUEST).await;
        assert!(message.is_some_and(|m| !m.is_empty()), "{path} says why");
    }
    let anonymous = t.get(&t.anon, "/api/portico/search?q=x").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_search_screen_marks_matches_and_escapes_everything_else() {
    let t = spawn_app().await;
    let space = t.space("UI").await;
    page_with(
        &t,
        &space,
        "Hedgehog <script>alert(1)</script>",
        "<p>hedgehog &lt;img src=x onerror=alert(1)&gt; notes</p>",
    )
    .await;
    let response = t.get(&t.admin, "/wiki/search?text=hedgehog").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("<mark>Hedgehog</mark>"), "{html}");
    assert!(html.contains("1 result."));
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img src=x"));
    let empty = t.get(&t.admin, "/wiki/search").await.text().await.unwrap();
    assert!(!empty.contains("result"), "no search, no count");
    let bad = t.get(&t.admin, "/wiki/search?text=x&from=soon").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
