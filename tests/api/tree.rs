//! The page tree: reorder, move (within and across spaces, refusing cycles),
//! and copy with or without descendants.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, expect_error, id, spawn_app};

async fn move_page(t: &TestApp, page: &Value, position: &str, target: &str) -> reqwest::Response {
    t.post_json(
        &t.admin,
        &format!("/api/portico/pages/{}/move", id(page)),
        &json!({ "position": position, "targetId": target }),
    )
    .await
}

#[tokio::test]
async fn a_page_cannot_move_under_itself_or_its_descendants() {
    let t = spawn_app().await;
    let space = t.space("TREE").await;
    let a = t.page(&space, None, "A").await;
    let b = t.page(&space, Some(&a), "B").await;
    let c = t.page(&space, Some(&b), "C").await;
    for target in [&a, &b, &c] {
        let refused = move_page(&t, &a, "append", &id(target)).await;
        let detail = expect_error(refused, StatusCode::BAD_REQUEST)
            .await
            .unwrap_or_default();
        assert!(detail.contains("descendants"), "{detail}");
    }
    let beside_child = move_page(&t, &a, "before", &id(&c)).await;
    expect_error(beside_child, StatusCode::BAD_REQUEST).await;
    // Nothing moved.
    assert_eq!(t.fetch_page(&a).await["parentId"], space["homepageId"]);
    assert_eq!(t.fetch_page(&b).await["parentId"], a["id"]);
    assert_eq!(t.fetch_page(&c).await["parentId"], b["id"]);
}

#[tokio::test]
async fn siblings_reorder_before_and_after() {
    let t = spawn_app().await;
    let space = t.space("ORD").await;
    let parent = t.page(&space, None, "Parent").await;
    let one = t.page(&space, Some(&parent), "One").await;
    let _two = t.page(&space, Some(&parent), "Two").await;
    let three = t.page(&space, Some(&parent), "Three").await;
    assert_eq!(t.child_titles(&parent).await, ["One", "Two", "Three"]);
    assert_eq!(
        move_page(&t, &three, "before", &id(&one)).await.status(),
        StatusCode::OK
    );
    assert_eq!(t.child_titles(&parent).await, ["Three", "One", "Two"]);
    assert_eq!(
        move_page(&t, &three, "after", &id(&one)).await.status(),
        StatusCode::OK
    );
    assert_eq!(t.child_titles(&parent).await, ["One", "Three", "Two"]);
}

#[tokio::test]
async fn a_cross_space_move_carries_the_whole_subtree() {
    let t = spawn_app().await;
    let source = t.space("SRC").await;
    let target = t.space("DST").await;
    let root = t.page(&source, None, "Root").await;
    let child = t.page(&source, Some(&root), "Child").await;
    let grandchild = t.page(&source, Some(&child), "Grandchild").await;
    let target_home = json!({ "id": target["homepageId"] });

    let moved = move_page(&t, &root, "append", &id(&target_home)).await;
    assert_eq!(moved.status(), StatusCode::OK);
    for page in [&root, &child, &grandchild] {
        assert_eq!(
            t.fetch_page(page).await["spaceId"],
            target["id"],
            "{} moved with its ancestor",
            page["title"]
        );
    }
    assert_eq!(
        t.fetch_page(&grandchild).await["parentId"],
        child["id"],
        "shape kept"
    );
    assert_eq!(t.child_titles(&target_home).await, ["Root"]);
    let left = t
        .get_json(&format!("/wiki/api/v2/pages?space-id={}", id(&source)))
        .await;
    assert_eq!(
        left["results"].as_array().map(Vec::len),
        Some(1),
        "only the source home page is left"
    );

    // A move to the top level of a space by space id.
    let top = move_page(&t, &child, "top", &id(&source)).await;
    assert_eq!(top.status(), StatusCode::OK);
    let child_now = t.fetch_page(&child).await;
    assert_eq!(child_now["spaceId"], source["id"]);
    assert_eq!(child_now["parentId"], Value::Null);
    assert_eq!(t.fetch_page(&grandchild).await["spaceId"], source["id"]);
}

#[tokio::test]
async fn a_move_that_would_clash_titles_is_refused_whole() {
    let t = spawn_app().await;
    let source = t.space("SRC").await;
    let target = t.space("DST").await;
    let root = t.page(&source, None, "Root").await;
    let child = t.page(&source, Some(&root), "Taken").await;
    t.page(&target, None, "Taken").await;
    let refused = move_page(&t, &root, "top", &id(&target)).await;
    let detail = expect_error(refused, StatusCode::CONFLICT)
        .await
        .unwrap_or_default();
    assert!(detail.contains("Taken"), "{detail}");
    assert_eq!(t.fetch_page(&root).await["spaceId"], source["id"]);
    assert_eq!(t.fetch_page(&child).await["spaceId"], source["id"]);
    let home = t
        .admin
        .post(t.url(&format!(
            "/api/portico/pages/{}/move",
            source["homepageId"].as_str().unwrap()
        )))
        .json(&json!({ "position": "top", "targetId": id(&target) }))
        .send()
        .await
        .unwrap();
    expect_error(home, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn copies_take_descendants_only_when_asked() {
    let t = spawn_app().await;
    let space = t.space("CPY").await;
    let other = t.space("CPZ").await;
    let root = t.page(&space, None, "Root").await;
    let child = t.page(&space, Some(&root), "Child").await;
    t.page(&space, Some(&child), "Grandchild").await;
    let home = json!({ "id": space["homepageId"] });

    let shallow = t
        .post_json(
            &t.admin,
            &format!("/api/portico/pages/{}/copy", id(&root)),
            &json!({ "position": "append", "targetId": id(&home) }),
        )
        .await;
    assert_eq!(shallow.status(), StatusCode::OK);
    let shallow: Value = shallow.json().await.unwrap();
    assert_eq!(
        shallow["title"], "Copy of Root",
        "a copy in the same space gets a free title"
    );
    assert_eq!(t.child_titles(&shallow).await, Vec::<String>::new());
    assert_eq!(
        t.fetch_page(&shallow).await["body"]["storage"]["value"],
        "<p>Root body</p>"
    );

    let deep = t
        .post_json(
            &t.admin,
            &format!("/api/portico/pages/{}/copy", id(&root)),
            &json!({ "position": "top", "targetId": id(&other), "includeDescendants": true }),
        )
        .await;
    assert_eq!(deep.status(), StatusCode::OK);
    let deep: Value = deep.json().await.unwrap();
    assert_eq!(
        deep["title"], "Root",
        "the title is free in the other space"
    );
    assert_eq!(deep["spaceId"], other["id"]);
    let children = t
        .get_json(&format!("/wiki/api/v2/pages/{}/direct-children", id(&deep)))
        .await;
    let copied_child = &children["results"][0];
    assert_eq!(copied_child["title"], "Child");
    assert_eq!(t.child_titles(copied_child).await, ["Grandchild"]);
    assert_eq!(
        t.child_titles(&root).await,
        ["Child"],
        "the original is untouched"
    );
    let versions = t
        .get_json(&format!("/wiki/api/v2/pages/{}/versions", id(&deep)))
        .await;
    assert_eq!(
        versions["results"].as_array().map(Vec::len),
        Some(1),
        "copies start a fresh history"
    );
}
