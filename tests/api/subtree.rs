//! Guests shared one page subtree, over HTTP: the API and the UI show that
//! page and its descendants, and answer for everything else of the space
//! exactly as for something that doesn't exist.

use portico_app::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, csrf, id, post_form, spawn_app, user_id};

const GUEST: &str = "part@partner.example";

struct Pages {
    space: Value,
    top: Value,
    root: Value,
    child: Value,
}

async fn world(t: &TestApp) -> Pages {
    let space = t.space("PART").await;
    let top = t.page(&space, None, "Top secret plans").await;
    let root = t.page(&space, Some(&top), "Shared brief").await;
    let child = t.page(&space, Some(&root), "Shared detail").await;
    Pages {
        space,
        top,
        root,
        child,
    }
}

async fn body_of(t: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let response = t.get(client, path).await;
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_api_shares_one_page_and_its_descendants() {
    let t = spawn_app().await;
    let p = world(&t).await;
    let guest = t.user(GUEST, Role::Guest).await;
    let guest_id = user_id(&t, GUEST).await;
    let assigned = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{guest_id}", id(&p.space)),
            &json!({ "role": "viewer", "pageId": id(&p.root) }),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let assignments = t
        .get_json(&format!("/api/portico/users/{guest_id}/assignments"))
        .await;
    assert_eq!(assignments["results"][0]["pageId"], json!(id(&p.root)));

    for page in [&p.root, &p.child] {
        let (status, _) = body_of(&t, &guest, &format!("/wiki/api/v2/pages/{}", id(page))).await;
        assert_eq!(status, StatusCode::OK);
    }
    let hidden = body_of(&t, &guest, &format!("/wiki/api/v2/pages/{}", id(&p.top))).await;
    let missing = body_of(&t, &guest, "/wiki/api/v2/pages/987654").await;
    assert_eq!(
        hidden, missing,
        "a page outside the subtree answers like a missing one"
    );
    assert_eq!(hidden.0, StatusCode::NOT_FOUND);

    let (_, list) = body_of(&t, &guest, "/wiki/api/v2/pages").await;
    let list: Value = serde_json::from_str(&list).unwrap();
    let titles: Vec<&str> = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|page| page["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Shared brief", "Shared detail"]);
    let (_, children) = body_of(
        &t,
        &guest,
        &format!("/wiki/api/v2/pages/{}/children", id(&p.top)),
    )
    .await;
    assert!(!children.contains("Shared brief"), "{children}");

    // A page of another space can't be shared through this one.
    let other = t.space("ELSE").await;
    let foreign = t.page(&other, None, "Foreign").await;
    let refused = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{guest_id}", id(&p.space)),
            &json!({ "pageId": id(&foreign) }),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let malformed = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{guest_id}", id(&p.space)),
            &json!({ "pageId": "page nine" }),
        )
        .await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bulk_assign_shares_one_subtree_with_several_guests() {
    let t = spawn_app().await;
    let p = world(&t).await;
    let emails = ["one@partner.example", "two@partner.example"];
    let mut guests = Vec::new();
    let mut ids = Vec::new();
    for email in emails {
        guests.push(t.user(email, Role::Guest).await);
        ids.push(user_id(&t, email).await);
    }
    let bulk = |page: Value| json!({ "userIds": ids, "spaceId": id(&p.space), "pageId": page, "role": "viewer" });

    // A page of another space, a malformed id or an unknown page refuses the
    // whole batch (the same 400 for a foreign and an unknown page).
    let other = t.space("ELSE").await;
    let foreign = t.page(&other, None, "Foreign").await;
    for (page, status) in [
        (json!(id(&foreign)), StatusCode::BAD_REQUEST),
        (json!("page nine"), StatusCode::BAD_REQUEST),
        (json!("987654"), StatusCode::BAD_REQUEST),
    ] {
        let refused = t
            .post_json(
                &t.admin,
                "/api/admin/guests/bulk-assign",
                &bulk(page.clone()),
            )
            .await;
        assert_eq!(refused.status(), status, "pageId {page}");
    }
    for guest_id in &ids {
        let assignments = t
            .get_json(&format!("/api/portico/users/{guest_id}/assignments"))
            .await;
        assert_eq!(assignments["results"], json!([]), "nothing written");
    }

    let assigned = t
        .post_json(
            &t.admin,
            "/api/admin/guests/bulk-assign",
            &bulk(json!(id(&p.root))),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let missing = body_of(&t, &guests[0], "/wiki/api/v2/pages/987654").await;
    for (guest, guest_id) in guests.iter().zip(&ids) {
        let assignments = t
            .get_json(&format!("/api/portico/users/{guest_id}/assignments"))
            .await;
        assert_eq!(assignments["results"][0]["pageId"], json!(id(&p.root)));
        let (status, _) = body_of(&t, guest, &format!("/wiki/api/v2/pages/{}", id(&p.child))).await;
        assert_eq!(status, StatusCode::OK);
        let hidden = body_of(&t, guest, &format!("/wiki/api/v2/pages/{}", id(&p.top))).await;
        assert_eq!(hidden, missing, "the page above the shared root is absent");
    }
}

#[tokio::test]
async fn the_access_screen_shares_a_subtree_and_the_guest_sees_only_it() {
    let t = spawn_app().await;
    let p = world(&t).await;
    let guest = t.user(GUEST, Role::Guest).await;
    let guest_id = user_id(&t, GUEST).await;
    let token = csrf(&t, &t.admin).await;
    let access = "/wiki/spaces/PART/access";
    let form = t.get(&t.admin, access).await.text().await.unwrap();
    assert!(
        form.contains("The whole space"),
        "the form offers the whole space"
    );
    assert!(form.contains(&format!("value=\"{}\"", id(&p.root))));
    let assigned = post_form(
        &t,
        &t.admin,
        &format!("{access}/guests/assign"),
        &[
            ("_csrf", &token),
            ("user_id", &guest_id),
            ("role", "collaborator"),
            ("page_id", &id(&p.root)),
        ],
    )
    .await;
    assert_eq!(assigned.status(), StatusCode::SEE_OTHER);
    let screen = t.get(&t.admin, access).await.text().await.unwrap();
    assert!(
        screen.contains("Only “Shared brief” and the pages under it"),
        "the guest row says what is shared"
    );

    let (status, overview) = body_of(&t, &guest, "/wiki/spaces/PART").await;
    assert_eq!(status, StatusCode::OK);
    assert!(overview.contains("Shared brief") && overview.contains("Shared detail"));
    assert!(!overview.contains("Top secret plans"), "{overview}");
    let child = format!("/wiki/spaces/PART/pages/{}", id(&p.child));
    let (status, page) = body_of(&t, &guest, &child).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("Top secret plans"),
        "breadcrumbs stop at the shared page"
    );
    let top = format!("/wiki/spaces/PART/pages/{}", id(&p.top));
    let (hidden, _) = body_of(&t, &guest, &top).await;
    assert_eq!(hidden, StatusCode::NOT_FOUND);
    let (status, directory) = body_of(&t, &guest, "/wiki/spaces").await;
    assert_eq!(status, StatusCode::OK);
    assert!(directory.contains("PART"), "the space is listed");
}
