//! Page history: versions, diffs between any two, restore.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, expect_error, id, spawn_app};

async fn edit(t: &TestApp, page: &Value, title: &str, body: &str, number: i64) {
    let response = t
        .put_json(&t.admin, &format!("/wiki/api/v2/pages/{}", id(page)), &json!({ "title": title, "body": { "representation": "storage", "value": body }, "version": { "number": number, "message": format!("v{number}") } }))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "edit to v{number}");
}

#[tokio::test]
async fn every_save_is_a_version_and_any_two_can_be_compared() {
    let t = spawn_app().await;
    let space = t.space("HIS").await;
    let page = t.page(&space, None, "Doc").await;
    edit(
        &t,
        &page,
        "Doc",
        "<p>Doc body</p><p>Second paragraph</p>",
        2,
    )
    .await;
    edit(
        &t,
        &page,
        "Doc renamed",
        "<p>Changed body</p><p>Second paragraph</p>",
        3,
    )
    .await;

    let versions = t
        .get_json(&format!("/wiki/api/v2/pages/{}/versions", id(&page)))
        .await;
    let numbers: Vec<i64> = versions["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 2, 1], "newest first");
    assert_eq!(versions["results"][0]["message"], "v3");

    let first = t
        .get_json(&format!("/wiki/api/v2/pages/{}/versions/1", id(&page)))
        .await;
    assert_eq!(first["page"]["body"]["storage"]["value"], "<p>Doc body</p>");

    let diff = t
        .get_json(&format!(
            "/api/portico/pages/{}/diff?from=1&to=3",
            id(&page)
        ))
        .await;
    assert_eq!(diff["fromTitle"], "Doc");
    assert_eq!(diff["toTitle"], "Doc renamed");
    let lines = diff["lines"].as_array().unwrap();
    let with = |kind: &str| {
        lines
            .iter()
            .filter(|l| l["kind"] == kind)
            .map(|l| l["text"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(with("removed"), ["<p>Doc body</p>"]);
    assert_eq!(
        with("added"),
        ["<p>Changed body</p>", "<p>Second paragraph</p>"]
    );

    let paged = t
        .get_json(&format!(
            "/wiki/api/v2/pages/{}/versions?limit=2",
            id(&page)
        ))
        .await;
    let next = paged["_links"]["next"].as_str().expect("a next link");
    let rest = t.get_json(next).await;
    assert_eq!(rest["results"][0]["number"], 1);

    let missing = t
        .get(
            &t.admin,
            &format!("/api/portico/pages/{}/diff?from=1&to=9", id(&page)),
        )
        .await;
    expect_error(missing, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn restoring_an_old_version_saves_it_as_the_newest() {
    let t = spawn_app().await;
    let space = t.space("RES").await;
    let page = t.page(&space, None, "Doc").await;
    edit(&t, &page, "Doc", "<p>Broken</p>", 2).await;

    let stale = t
        .post_json(
            &t.admin,
            &format!("/api/portico/pages/{}/restore", id(&page)),
            &json!({ "versionNumber": 1, "currentVersion": 1 }),
        )
        .await;
    expect_error(stale, StatusCode::CONFLICT).await;
    assert_eq!(
        t.fetch_page(&page).await["version"]["number"],
        2,
        "a refused restore changes nothing"
    );

    let restored = t
        .post_json(
            &t.admin,
            &format!("/api/portico/pages/{}/restore", id(&page)),
            &json!({ "versionNumber": 1, "currentVersion": 2 }),
        )
        .await;
    assert_eq!(restored.status(), StatusCode::OK);
    let now = t.fetch_page(&page).await;
    assert_eq!(now["version"]["number"], 3);
    assert_eq!(now["body"]["storage"]["value"], "<p>Doc body</p>");
    let versions = t
        .get_json(&format!("/wiki/api/v2/pages/{}/versions", id(&page)))
        .await;
    assert_eq!(versions["results"][0]["message"], "Restored version 1");
}
