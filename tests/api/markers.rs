//! Everyone knows when guests are present (SPEC.md 3.3–3.4), over HTTP:
//! the "Guest" badge in bylines, history and version pages; the "shared with
//! N guests" banner for internal members (never for the guests) and the
//! editor's hint; `POST /wiki/api/v2/users-bulk` as a member and as a guest
//! (someone the guest may not know answers exactly like an unknown id, and
//! nobody gets an e-mail); bad input to it is a 4xx, never a 500.

use portico_app::Role;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, expect_error, id, spawn_app, user_id};

const BADGE: &str = r#"<span class="badge badge-guest">Guest</span>"#;
const GUEST: &str = "guest@partner.example";
const MISSING: &str = "987654";

/// Assigns `email` (a guest) to `space` as a collaborator, as the admin.
async fn assign(t: &TestApp, space: &Value, email: &str) {
    let guest = user_id(t, email).await;
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{guest}", id(space)),
            &json!({ "role": "collaborator" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn html(t: &TestApp, client: &Client, path: &str) -> String {
    let response = t.get(client, path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.text().await.unwrap()
}

/// A space `GST` with one guest assigned, signed in.
async fn shared_space(t: &TestApp) -> (Value, Client) {
    let space = t.space("GST").await;
    let guest = t.user(GUEST, Role::Guest).await;
    assign(t, &space, GUEST).await;
    (space, guest)
}

#[tokio::test]
async fn guests_wear_a_badge_in_bylines_history_and_versions() {
    let t = spawn_app().await;
    let (space, guest) = shared_space(&t).await;
    let created = t
        .post_json(
            &guest,
            "/wiki/api/v2/pages",
            &json!({ "spaceId": space["id"], "status": "current", "title": "From outside",
                "body": { "representation": "storage", "value": "<p>hello</p>" } }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let page: Value = created.json().await.unwrap();
    let edited = t
        .put_json(
            &t.admin,
            &format!("/wiki/api/v2/pages/{}", id(&page)),
            &json!({ "title": "From outside", "version": { "number": 2 },
                "body": { "representation": "storage", "value": "<p>edited</p>" } }),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let member = t.user("member@example.com", Role::Member).await;
    let base = format!("/wiki/spaces/GST/pages/{}", id(&page));

    let view = html(&t, &member, &base).await;
    assert!(
        view.contains(&format!("Created by {GUEST} {BADGE} ·")),
        "the guest author is marked: {view}"
    );
    assert!(
        view.contains("by Ada Admin ·"),
        "the internal editor is not"
    );
    assert!(!view.contains(&format!("Ada Admin {BADGE}")));

    let history = html(&t, &member, &format!("{base}/history")).await;
    assert!(history.contains(&format!("<td>{GUEST} {BADGE}</td>")));
    assert!(history.contains("<td>Ada Admin</td>"));

    let first = html(&t, &member, &format!("{base}/versions/1")).await;
    assert!(first.contains(&format!("Saved by {GUEST} {BADGE} on")));
    let second = html(&t, &member, &format!("{base}/versions/2")).await;
    assert!(second.contains("Saved by Ada Admin on"));

    // The guest sees the same marks (they may know who they work with).
    assert!(
        html(&t, &guest, &base)
            .await
            .contains(&format!("{GUEST} {BADGE}"))
    );
    // The access screen uses the same badge.
    let access = html(&t, &t.admin, "/wiki/spaces/GST/access").await;
    assert!(access.contains(&format!("{GUEST} {BADGE}")));
}

#[tokio::test]
async fn members_see_the_guest_banner_and_guests_never_do() {
    let t = spawn_app().await;
    let (space, guest) = shared_space(&t).await;
    let home = t.page(&space, None, "Plans").await;
    t.space("QUIET").await;
    let member = t.user("member@example.com", Role::Member).await;
    let page = format!("/wiki/spaces/GST/pages/{}", id(&home));

    for path in ["/wiki/spaces/GST", page.as_str()] {
        let seen = html(&t, &member, path).await;
        assert!(seen.contains(r#"id="guest-banner""#), "{path}");
        assert!(
            seen.contains("This space is shared with 1 guest."),
            "{path}"
        );
        assert!(
            !seen.contains("Manage who has access"),
            "a member who doesn't administer the space gets no link"
        );
        let theirs = html(&t, &guest, path).await;
        assert!(!theirs.contains("guest-banner"), "{path}");
        assert!(!theirs.contains("shared with"), "{path}");
    }
    let admin = html(&t, &t.admin, "/wiki/spaces/GST").await;
    assert!(admin.contains(r#"<a href="/wiki/spaces/GST/access">Manage who has access</a>"#));
    assert!(
        !html(&t, &member, "/wiki/spaces/QUIET")
            .await
            .contains("guest-banner")
    );

    t.user("second@partner.example", Role::Guest).await;
    assign(&t, &space, "second@partner.example").await;
    assert!(
        html(&t, &member, "/wiki/spaces/GST")
            .await
            .contains("This space is shared with 2 guests.")
    );
}

#[tokio::test]
async fn the_editor_tells_members_that_guests_will_see_it() {
    let t = spawn_app().await;
    let (space, guest) = shared_space(&t).await;
    let existing = t.page(&space, None, "Existing").await;
    t.space("QUIET").await;
    let member = t.user("member@example.com", Role::Member).await;
    let hint = "Guests can see what you publish in this space: it is shared with 1 guest.";
    for path in [
        "/wiki/spaces/GST/pages/create".to_owned(),
        format!("/wiki/spaces/GST/pages/edit-v2/{}", id(&existing)),
    ] {
        let editor = html(&t, &member, &path).await;
        assert!(editor.contains(hint), "{path}");
        assert!(
            !editor.contains("guest-banner"),
            "the hint replaces the banner"
        );
        let theirs = html(&t, &guest, &path).await;
        assert!(!theirs.contains("guest-hint"), "not to the guest: {path}");
    }
    let quiet = html(&t, &member, "/wiki/spaces/QUIET/pages/create").await;
    assert!(!quiet.contains("guest-hint"));
}

/// The `users-bulk` answer to `client` for `ids`.
async fn bulk(t: &TestApp, client: &Client, ids: &[&str]) -> (StatusCode, String) {
    let response = t
        .post_json(
            client,
            "/wiki/api/v2/users-bulk",
            &json!({ "accountIds": ids }),
        )
        .await;
    (response.status(), response.text().await.unwrap())
}

fn names(body: &str) -> Vec<String> {
    let value: Value = serde_json::from_str(body).unwrap();
    value["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|person| {
            for key in person.as_object().unwrap().keys() {
                assert!(!key.to_lowercase().contains("mail"), "no e-mail: {person}");
            }
            person["displayName"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn users_bulk_tells_guests_only_about_their_spaces() {
    let t = spawn_app().await;
    let (space, guest) = shared_space(&t).await;
    let other = t.space("OTHER").await;
    let member = t.user("member@example.com", Role::Member).await;
    t.user("colleague@example.com", Role::Member).await;
    t.user("outsider@example.com", Role::Member).await;
    let colleague = user_id(&t, "colleague@example.com").await;
    let outsider = user_id(&t, "outsider@example.com").await;
    for (space, who) in [(&space, &colleague), (&other, &outsider)] {
        let response = t
            .put_json(
                &t.admin,
                &format!("/api/portico/spaces/{}/permissions", id(space)),
                &json!({ "principal": { "type": "user", "id": who }, "role": "viewer" }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "grant to {who}");
    }
    let admin = user_id(&t, "admin@example.com").await;
    let member_id = user_id(&t, "member@example.com").await;
    let guest_id = user_id(&t, GUEST).await;
    let all = [
        admin.as_str(),
        colleague.as_str(),
        outsider.as_str(),
        member_id.as_str(),
        guest_id.as_str(),
        MISSING,
    ];

    let (status, body) = bulk(&t, &member, &all).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        names(&body),
        [
            "Ada Admin",
            "colleague@example.com",
            "outsider@example.com",
            "member@example.com",
            GUEST,
        ]
    );
    let value: Value = serde_json::from_str(&body).unwrap();
    let results = value["results"].as_array().unwrap();
    assert_eq!(
        results[4],
        json!({ "accountId": guest_id, "accountType": "guest", "displayName": GUEST, "isGuest": true })
    );
    assert_eq!(results[0]["accountType"], "atlassian");
    assert_eq!(results[0]["isGuest"], false);

    let (status, body) = bulk(&t, &guest, &all).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        names(&body),
        ["Ada Admin", "colleague@example.com", GUEST],
        "the space's admin and grant holders, and themselves"
    );
    // Someone the guest may not know is answered exactly like no one.
    let unknown = bulk(&t, &guest, &[MISSING]).await;
    assert_eq!(unknown, (StatusCode::OK, r#"{"results":[]}"#.to_owned()));
    for hidden in [&outsider, &member_id] {
        assert_eq!(bulk(&t, &guest, &[hidden]).await, unknown);
    }
    // Without a session: 401.
    let (status, _) = bulk(&t, &t.anon, &[&admin]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn users_bulk_answers_bad_input_with_a_4xx() {
    let t = spawn_app().await;
    let member = t.user("member@example.com", Role::Member).await;
    let me = user_id(&t, "member@example.com").await;
    let url = t.url("/wiki/api/v2/users-bulk");
    let raw = |body: &'static str| {
        member
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for body in ["{", "[]", r#""x""#, "null", "42", r#"{"accountIds": "1"}"#] {
        let response = raw(body).await.unwrap();
        expect_error(response, StatusCode::BAD_REQUEST).await;
    }
    let without_type = member.post(&url).body("{}").send().await.unwrap();
    expect_error(without_type, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let many: Vec<String> = (1..=251).map(|n| n.to_string()).collect();
    let huge: Vec<String> = (1..=20_000).map(|n| n.to_string()).collect();
    for body in [
        json!({}),
        json!({ "accountIds": [] }),
        json!({ "accountIds": many }),
        json!({ "accountIds": huge }),
        json!({ "accountIds": [1, 2] }),
        json!({ "accountIds": ["abc"] }),
        json!({ "accountIds": ["-1"] }),
        json!({ "accountIds": ["99999999999999999999999"] }),
        json!({ "accountIds": [me], "cursor": "x" }),
    ] {
        let response = t.post_json(&member, "/wiki/api/v2/users-bulk", &body).await;
        let detail = expect_error(response, StatusCode::BAD_REQUEST).await;
        assert!(detail.is_some(), "{body}");
    }
    let at_most: Vec<String> = (1..=250).map(|n| (n + 1_000_000).to_string()).collect();
    let (status, body) = bulk(
        &t,
        &member,
        &at_most.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, r#"{"results":[]}"#)
    );
    // The endpoint is in the OpenAPI document.
    let doc = t.get_json("/api/openapi.json").await;
    assert!(doc["paths"]["/wiki/api/v2/users-bulk"]["post"].is_object());
}
