//! Labels over HTTP: one spelling per label, who may label (editors only),
//! and label listings that hold only pages the caller may view — a label on
//! a hidden page lists exactly like a label nobody uses.

use portico_app::Role;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, csrf, id, post_form, spawn_app, user_id};

async fn label(t: &TestApp, client: &Client, page: &Value, labels: Value) -> Response {
    t.post_json(
        client,
        &format!("/api/portico/pages/{}/labels", id(page)),
        &json!({ "labels": labels }),
    )
    .await
}

fn names(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|label| label["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn labelled(t: &TestApp, client: &Client, name: &str) -> (StatusCode, Vec<String>, String) {
    let response = t
        .get(client, &format!("/api/portico/labels/{name}/pages"))
        .await;
    let status = response.status();
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    let titles = body["results"]
        .as_array()
        .map(|pages| {
            pages
                .iter()
                .map(|page| page["title"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    (status, titles, text)
}

#[tokio::test]
async fn labels_have_one_spelling_and_come_off_again() {
    let t = spawn_app().await;
    let space = t.space("LAB").await;
    let page = t.page(&space, None, "Release plan").await;
    let added = label(
        &t,
        &t.admin,
        &page,
        json!(["Release-Notes", "q3", "release-notes"]),
    )
    .await;
    assert_eq!(added.status(), StatusCode::OK);
    assert_eq!(names(&added.json().await.unwrap()), ["q3", "release-notes"]);
    let listed = t
        .get_json(&format!("/wiki/api/v2/pages/{}/labels", id(&page)))
        .await;
    assert_eq!(names(&listed), ["q3", "release-notes"]);
    assert_eq!(listed["results"][0]["prefix"], "global");

    for bad in [
        json!(["two words"]),
        json!(["a:b"]),
        json!([]),
        json!(vec!["x"; 21]),
    ] {
        let refused = label(&t, &t.admin, &page, bad.clone()).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let removed = t
        .admin
        .delete(t.url(&format!("/api/portico/pages/{}/labels/Q3", id(&page))))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let again = t
        .admin
        .delete(t.url(&format!("/api/portico/pages/{}/labels/q3", id(&page))))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let listed = t
        .get_json(&format!("/wiki/api/v2/pages/{}/labels", id(&page)))
        .await;
    assert_eq!(names(&listed), ["release-notes"]);
}

#[tokio::test]
async fn only_editors_label_and_hidden_pages_stay_hidden() {
    let t = spawn_app().await;
    let space = t.space("LBL").await;
    let open = t.page(&space, None, "Open plan").await;
    let secret = t.page(&space, None, "Secret plan").await;
    for page in [&open, &secret] {
        let added = label(&t, &t.admin, page, json!(["plans"])).await;
        assert_eq!(added.status(), StatusCode::OK);
    }
    let admin_id = user_id(&t, "admin@example.com").await;
    let restricted = t
        .put_json(
            &t.admin,
            &format!("/api/portico/pages/{}/restrictions", id(&secret)),
            &json!({ "view": [{ "type": "user", "id": admin_id }] }),
        )
        .await;
    assert_eq!(restricted.status(), StatusCode::OK);

    let member = t.user("mia@example.com", Role::Member).await;
    let (status, titles, _) = labelled(&t, &member, "plans").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(titles, ["Open plan"], "the restricted page is not listed");
    let (_, titles, _) = labelled(&t, &t.admin, "PLANS").await;
    assert_eq!(titles, ["Open plan", "Secret plan"]);

    // A guest with no space: a used label lists exactly like an unused one.
    let outsider = t.user("out@partner.example", Role::Guest).await;
    let (_, used, used_body) = labelled(&t, &outsider, "plans").await;
    let (_, unused, unused_body) = labelled(&t, &outsider, "never-used").await;
    assert!(used.is_empty() && unused.is_empty());
    assert_eq!(used_body, unused_body);
    let hidden = t
        .get(
            &outsider,
            &format!("/wiki/api/v2/pages/{}/labels", id(&open)),
        )
        .await;
    let missing = t.get(&outsider, "/wiki/api/v2/pages/987654/labels").await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(hidden.text().await.unwrap(), missing.text().await.unwrap());
    let html = t
        .get(&member, "/wiki/labels/plans")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Open plan") && !html.contains("Secret plan"),
        "{html}"
    );

    // A read-only guest of the space sees labels but can't add them.
    let viewer = t.user("view@partner.example", Role::Guest).await;
    let viewer_id = user_id(&t, "view@partner.example").await;
    t.put_json(
        &t.admin,
        &format!("/api/portico/spaces/{}/guests/{viewer_id}", id(&space)),
        &json!({ "role": "viewer" }),
    )
    .await;
    let seen = t
        .get(&viewer, &format!("/wiki/api/v2/pages/{}/labels", id(&open)))
        .await;
    assert_eq!(seen.status(), StatusCode::OK);
    let refused = label(&t, &viewer, &open, json!(["mine"])).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let html = t
        .get(&viewer, &format!("/wiki/spaces/LBL/pages/{}", id(&open)))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("href=\"/wiki/labels/plans\""), "{html}");
    assert!(!html.contains("Add labels"), "no form for a viewer");
}

#[tokio::test]
async fn the_page_form_adds_and_removes_labels_with_csrf() {
    let t = spawn_app().await;
    let space = t.space("LUI").await;
    let page = t.page(&space, None, "Roadmap").await;
    let action = format!("/wiki/spaces/LUI/pages/{}/labels", id(&page));
    let forged = post_form(&t, &t.admin, &action, &[("_csrf", "nope"), ("labels", "x")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let token = csrf(&t, &t.admin).await;
    let added = post_form(
        &t,
        &t.admin,
        &action,
        &[("_csrf", token.as_str()), ("labels", "alpha, Beta gamma")],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let listed = t
        .get_json(&format!("/wiki/api/v2/pages/{}/labels", id(&page)))
        .await;
    assert_eq!(names(&listed), ["alpha", "beta", "gamma"]);
    let removed = post_form(
        &t,
        &t.admin,
        &format!("{action}/remove"),
        &[("_csrf", token.as_str()), ("name", "beta")],
    )
    .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let html = t
        .get(&t.admin, &format!("/wiki/spaces/LUI/pages/{}", id(&page)))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(">alpha<") && !html.contains(">beta<"),
        "{html}"
    );
}
