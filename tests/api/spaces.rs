//! Spaces over the v2 API: create, read, list with filters and cursors,
//! archive, and "not found, not forbidden".

use portico_app::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{expect_error, id, spawn_app};

#[tokio::test]
async fn a_space_is_created_with_a_home_page_and_read_back() {
    let t = spawn_app().await;
    let space = t.space("eng").await;
    assert_eq!(space["key"], "ENG", "keys are upper-cased");
    assert_eq!(space["status"], "current");
    let home_id = space["homepageId"].as_str().expect("home page");
    let home = t.get_json(&format!("/wiki/api/v2/pages/{home_id}")).await;
    assert_eq!(home["spaceId"], space["id"]);
    assert_eq!(home["title"], "Space eng");
    let again = t
        .get_json(&format!("/wiki/api/v2/spaces/{}", id(&space)))
        .await;
    assert_eq!(again["name"], "Space eng");
}

#[tokio::test]
async fn duplicate_keys_conflict_and_change_nothing() {
    let t = spawn_app().await;
    t.space("ENG").await;
    let response = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/spaces",
            &json!({ "key": "eng", "name": "Other" }),
        )
        .await;
    let detail = expect_error(response, StatusCode::CONFLICT)
        .await
        .unwrap_or_default();
    assert!(detail.contains("ENG"), "{detail}");
    let spaces = t.get_json("/wiki/api/v2/spaces").await;
    assert_eq!(spaces["results"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn spaces_filter_by_key_and_paginate_with_cursors() {
    let t = spawn_app().await;
    for key in ["A", "B", "C", "D", "E"] {
        t.space(key).await;
    }
    let filtered = t.get_json("/wiki/api/v2/spaces?keys=B,D").await;
    let keys: Vec<&str> = filtered["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["B", "D"]);
    let repeated = t.get_json("/wiki/api/v2/spaces?keys=A&keys=E").await;
    assert_eq!(repeated["results"].as_array().map(Vec::len), Some(2));

    let mut seen = Vec::new();
    let mut next = Some("/wiki/api/v2/spaces?limit=2".to_owned());
    while let Some(path) = next {
        let response = t.get(&t.admin, &path).await;
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_owned());
        let page: serde_json::Value = response.json().await.unwrap();
        for space in page["results"].as_array().unwrap() {
            seen.push(space["key"].as_str().unwrap().to_owned());
        }
        next = page["_links"]["next"].as_str().map(str::to_owned);
        match (&next, link) {
            (Some(next), Some(link)) => assert_eq!(link, format!("<{next}>; rel=\"next\"")),
            (None, None) => {}
            (next, link) => panic!("_links.next {next:?} and Link {link:?} disagree"),
        }
    }
    assert_eq!(seen, ["A", "B", "C", "D", "E"]);
}

#[tokio::test]
async fn archived_spaces_are_read_only_and_only_admins_archive() {
    let t = spawn_app().await;
    let space = t.space("ARC").await;
    let member = t.user("member@example.com", Role::Member).await;
    let refused = member
        .post(t.url(&format!("/api/portico/spaces/{}/archive", id(&space))))
        .send()
        .await
        .unwrap();
    let detail = expect_error(refused, StatusCode::FORBIDDEN)
        .await
        .unwrap_or_default();
    assert!(
        detail.contains("admin"),
        "the missing permission is named: {detail}"
    );

    let archived = t
        .admin
        .post(t.url(&format!("/api/portico/spaces/{}/archive", id(&space))))
        .send()
        .await
        .unwrap();
    assert_eq!(archived.status(), StatusCode::OK);
    let page = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/pages",
            &json!({ "spaceId": space["id"], "title": "New" }),
        )
        .await;
    expect_error(page, StatusCode::FORBIDDEN).await;
    let current = t.get_json("/wiki/api/v2/spaces?status=current").await;
    assert_eq!(current["results"].as_array().map(Vec::len), Some(0));
    let home = t
        .get(
            &member,
            &format!(
                "/wiki/api/v2/pages/{}",
                space["homepageId"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(
        home.status(),
        StatusCode::OK,
        "archived content stays readable"
    );
}

#[tokio::test]
async fn people_without_access_get_exactly_the_answer_for_a_missing_id() {
    let t = spawn_app().await;
    let space = t.space("SECRET").await;
    let page = t.page(&space, None, "Hidden plans").await;
    let outsider = t.user("nobody@example.com", Role::None).await;

    for (existing, missing) in [
        (
            format!("/wiki/api/v2/spaces/{}", id(&space)),
            "/wiki/api/v2/spaces/999999".to_owned(),
        ),
        (
            format!("/wiki/api/v2/pages/{}", id(&page)),
            "/wiki/api/v2/pages/999999".to_owned(),
        ),
        (
            format!("/wiki/api/v2/pages/{}/versions", id(&page)),
            "/wiki/api/v2/pages/999999/versions".to_owned(),
        ),
        (
            format!("/wiki/api/v2/pages/{}/direct-children", id(&page)),
            "/wiki/api/v2/pages/999999/direct-children".to_owned(),
        ),
    ] {
        let a = t.get(&outsider, &existing).await;
        let b = t.get(&outsider, &missing).await;
        assert_eq!(a.status(), StatusCode::NOT_FOUND, "{existing}");
        assert_eq!(b.status(), StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(
            a.text().await.unwrap(),
            b.text().await.unwrap(),
            "{existing} must look missing"
        );
    }
    let listed = t
        .get(&outsider, "/wiki/api/v2/pages")
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(listed["results"], json!([]));
    let edit = t
        .put_json(&outsider, &format!("/wiki/api/v2/pages/{}", id(&page)), &json!({ "title": "x", "body": { "representation": "storage", "value": "" }, "version": { "number": 2 } }))
        .await;
    assert_eq!(edit.status(), StatusCode::NOT_FOUND);
    assert_eq!(t.fetch_page(&page).await["version"]["number"], 1);
}

#[tokio::test]
async fn anonymous_callers_must_sign_in() {
    let t = spawn_app().await;
    for path in [
        "/wiki/api/v2/spaces",
        "/wiki/api/v2/pages",
        "/wiki/api/v2/pages/1",
    ] {
        let response = t.get(&t.anon, path).await;
        assert!(response.headers().contains_key("www-authenticate"));
        expect_error(response, StatusCode::UNAUTHORIZED).await;
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let t = spawn_app().await;
    let doc = t
        .get(&t.anon, "/api/openapi.json")
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/wiki/api/v2/spaces",
        "/wiki/api/v2/spaces/{id}",
        "/wiki/api/v2/pages",
        "/wiki/api/v2/pages/{id}",
        "/wiki/api/v2/pages/{id}/direct-children",
        "/wiki/api/v2/pages/{id}/versions",
        "/api/portico/pages/{id}/move",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    assert_eq!(
        doc["paths"]["/api/portico/pages/{id}/move"]["post"]["tags"][0],
        "portico-extensions"
    );
}

#[tokio::test]
async fn cookie_authenticated_changes_from_another_site_are_refused() {
    let t = spawn_app().await;
    let space = t.space("CSRF").await;
    let path = t.url(&format!("/api/portico/spaces/{}/archive", id(&space)));
    let forged = t
        .admin
        .post(&path)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    expect_error(forged, StatusCode::FORBIDDEN).await;
    assert_eq!(
        t.get_json(&format!("/wiki/api/v2/spaces/{}", id(&space)))
            .await["status"],
        "current"
    );
    let reads = t
        .admin
        .get(t.url("/wiki/api/v2/spaces"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(reads.status(), StatusCode::OK, "reads are not changes");
    let same_origin = t
        .admin
        .post(&path)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), StatusCode::OK);
}
