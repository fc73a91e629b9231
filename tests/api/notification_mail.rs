//! Notices by e-mail over HTTP: the preference (`/api/portico/me/
//! notification-settings` and the account page's form), the org admin's
//! `POST /api/admin/notifications/send-digests`, and what the digest mails
//! (read back from the outbox): one mail listing everything still viewable,
//! nothing restricted or left since, nothing to the deactivated or to who
//! turned mail off, no name the recipient may not know, never twice.

use portico_app::Role;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN_EMAIL, TestApp, csrf, expect_error, id, post_form, spawn_app, user_id};

const SETTINGS: &str = "/api/portico/me/notification-settings";
const SEND: &str = "/api/admin/notifications/send-digests";

async fn watch(t: &TestApp, client: &Client, what: &str, target: &Value) {
    let response = client
        .put(t.url(&format!("/api/portico/{what}/{}/watch", id(target))))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn edit(t: &TestApp, client: &Client, page: &Value, text: &str) {
    let current = t.fetch_page(page).await;
    let number = current["version"]["number"].as_i64().unwrap() + 1;
    let response = t
        .put_json(
            client,
            &format!("/wiki/api/v2/pages/{}", id(page)),
            &json!({ "id": id(page), "status": "current", "title": current["title"],
                "body": { "representation": "storage", "value": format!("<p>{text}</p>") },
                "version": { "number": number } }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn comment(t: &TestApp, client: &Client, page: &Value, text: &str) -> String {
    let response = t
        .post_json(
            client,
            "/wiki/api/v2/footer-comments",
            &json!({ "pageId": id(page), "body": { "representation": "storage", "value": format!("<p>{text}</p>") } }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    id(&response.json::<Value>().await.unwrap())
}

async fn assign_guest(t: &TestApp, space: &Value, email: &str) -> (Client, String) {
    let guest = t.user(email, Role::Guest).await;
    let guest_id = user_id(t, email).await;
    let path = format!("/api/portico/spaces/{}/guests/{guest_id}", id(space));
    let assigned = t
        .put_json(&t.admin, &path, &json!({ "role": "collaborator" }))
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    (guest, path)
}

async fn send_digests(t: &TestApp) -> Value {
    let response = t.admin.post(t.url(SEND)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Bodies of the digest mails to `email` in the outbox, oldest first.
async fn digests_to(t: &TestApp, email: &str) -> Vec<(String, String)> {
    let outbox = t.get_json("/api/admin/outbox?limit=500").await;
    let mut mails: Vec<(String, String)> = outbox["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            m["recipient"] == email && m["subject"].as_str().unwrap().starts_with("Portico: ")
        })
        .map(|m| {
            (
                m["subject"].as_str().unwrap().to_owned(),
                m["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    mails.reverse();
    mails
}

async fn notice_titles(t: &TestApp, client: &Client) -> Vec<String> {
    let listed: Value = t
        .get(client, "/api/notifications?limit=100")
        .await
        .json()
        .await
        .unwrap();
    listed["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["about"]["pageTitle"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn three_events_make_one_digest_and_a_second_run_sends_nothing() {
    let t = spawn_app().await;
    let space = t.space("DGS").await;
    let reader = t.user("reader@example.com", Role::Member).await;
    watch(&t, &reader, "spaces", &space).await;
    let page = t.page(&space, None, "Quarterly report").await;
    watch(&t, &reader, "pages", &page).await;
    edit(&t, &t.admin, &page, "figures").await;
    let comment_id = comment(&t, &t.admin, &page, "see the totals").await;

    let report = send_digests(&t).await;
    assert_eq!(
        report,
        json!({ "mails": 1, "listed": 3, "dropped": 0, "optedOut": 0 })
    );
    let mails = digests_to(&t, "reader@example.com").await;
    assert_eq!(mails.len(), 1);
    let (subject, body) = &mails[0];
    assert_eq!(subject, "Portico: 3 new notifications");
    // Links use the configured public address (the default one here).
    let link = format!("http://127.0.0.1:8080/wiki/pages/{}", id(&page));
    for line in [
        format!(
            "- Ada Admin published the page \"Quarterly report\" in Space DGS (DGS)\n  {link}\n"
        ),
        format!(
            "- Ada Admin edited the page \"Quarterly report\" (version 2) in Space DGS (DGS)\n  {link}\n"
        ),
        format!(
            "- Ada Admin commented on the page \"Quarterly report\" in Space DGS (DGS)\n  {link}#comment-{comment_id}\n"
        ),
    ] {
        assert!(body.contains(&line), "{line:?} in {body}");
    }
    // The link works for the reader.
    let opened = t.get(&reader, &format!("/wiki/pages/{}", id(&page))).await;
    assert!(opened.status().is_success() || opened.status().is_redirection());

    assert_eq!(
        send_digests(&t).await,
        json!({ "mails": 0, "listed": 0, "dropped": 0, "optedOut": 0 })
    );
    assert_eq!(digests_to(&t, "reader@example.com").await.len(), 1);
}

#[tokio::test]
async fn a_page_restricted_before_the_digest_is_absent_from_the_mail_and_the_list() {
    let t = spawn_app().await;
    let space = t.space("RSM").await;
    let reader = t.user("reader@example.com", Role::Member).await;
    watch(&t, &reader, "spaces", &space).await;
    t.page(&space, None, "Team lunch").await;
    let secret = t.page(&space, None, "Layoff plan").await;
    let admin = user_id(&t, ADMIN_EMAIL).await;
    let restricted = t
        .put_json(
            &t.admin,
            &format!("/api/portico/pages/{}/restrictions", id(&secret)),
            &json!({ "view": [{ "type": "user", "id": admin }] }),
        )
        .await;
    assert_eq!(restricted.status(), StatusCode::OK);

    let report = send_digests(&t).await;
    assert_eq!(
        (report["listed"].as_u64(), report["dropped"].as_u64()),
        (Some(1), Some(1))
    );
    let mails = digests_to(&t, "reader@example.com").await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].1.contains("Team lunch"));
    assert!(!mails[0].1.contains("Layoff"), "{}", mails[0].1);
    assert_eq!(notice_titles(&t, &reader).await, ["Team lunch"]);
}

#[tokio::test]
async fn a_guest_removed_before_the_digest_and_a_deactivated_member_get_no_mail() {
    let t = spawn_app().await;
    let space = t.space("GON").await;
    let page = t.page(&space, None, "Statement of work").await;
    let (guest, guest_path) = assign_guest(&t, &space, "guest@partner.example").await;
    let leaver = t.user("leaver@example.com", Role::Member).await;
    watch(&t, &guest, "pages", &page).await;
    watch(&t, &leaver, "pages", &page).await;
    edit(&t, &t.admin, &page, "revised").await;

    let removed = t.admin.delete(t.url(&guest_path)).send().await.unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let leaver_id = user_id(&t, "leaver@example.com").await;
    let deactivated = t
        .admin
        .post(t.url(&format!("/api/admin/users/{leaver_id}/deactivate")))
        .send()
        .await
        .unwrap();
    assert!(
        deactivated.status().is_success(),
        "{}",
        deactivated.status()
    );

    let report = send_digests(&t).await;
    assert_eq!(
        (report["mails"].as_u64(), report["dropped"].as_u64()),
        (Some(0), Some(2)),
        "{report}"
    );
    assert!(digests_to(&t, "guest@partner.example").await.is_empty());
    assert!(digests_to(&t, "leaver@example.com").await.is_empty());
}

#[tokio::test]
async fn never_stops_the_mail_and_keeps_the_notices() {
    let t = spawn_app().await;
    let space = t.space("QUI").await;
    let reader = t.user("quiet@example.com", Role::Member).await;
    let settings: Value = t.get(&reader, SETTINGS).await.json().await.unwrap();
    assert_eq!(settings, json!({ "email": "batched" }));
    let changed = t
        .put_json(&reader, SETTINGS, &json!({ "email": "never" }))
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(
        changed.json::<Value>().await.unwrap(),
        json!({ "email": "never" })
    );
    watch(&t, &reader, "spaces", &space).await;
    t.page(&space, None, "Silent page").await;

    let report = send_digests(&t).await;
    assert_eq!(
        (report["mails"].as_u64(), report["optedOut"].as_u64()),
        (Some(0), Some(1))
    );
    assert!(digests_to(&t, "quiet@example.com").await.is_empty());
    assert_eq!(notice_titles(&t, &reader).await, ["Silent page"]);
}

#[tokio::test]
async fn a_guest_is_not_told_the_name_of_someone_they_may_not_know() {
    let t = spawn_app().await;
    let space = t.space("NAM").await;
    let page = t.page(&space, None, "Joint plan").await;
    let (guest, _) = assign_guest(&t, &space, "guest@partner.example").await;
    watch(&t, &guest, "pages", &page).await;
    // Reaches the space through the "all members" grant, which names no one.
    let stranger = t.user("stranger@example.com", Role::Member).await;
    comment(&t, &stranger, &page, "internal remark").await;

    send_digests(&t).await;
    let mails = digests_to(&t, "guest@partner.example").await;
    assert_eq!(mails.len(), 1);
    let body = &mails[0].1;
    assert!(
        body.contains("- Someone commented on the page \"Joint plan\""),
        "{body}"
    );
    assert!(!body.contains("stranger"), "{body}");
}

#[tokio::test]
async fn settings_and_the_hook_refuse_bad_input_and_the_wrong_callers() {
    let t = spawn_app().await;
    let member = t.user("member@example.com", Role::Member).await;
    for bad in [
        json!({ "email": "daily" }),
        json!({ "email": "never", "extra": 1 }),
        json!({}),
    ] {
        expect_error(
            t.put_json(&member, SETTINGS, &bad).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let settings: Value = t.get(&member, SETTINGS).await.json().await.unwrap();
    assert_eq!(
        settings,
        json!({ "email": "batched" }),
        "nothing half-written"
    );
    expect_error(t.get(&t.anon, SETTINGS).await, StatusCode::UNAUTHORIZED).await;
    // Not an org admin: the hook is an unknown URL.
    let hidden = member.post(t.url(SEND)).send().await.unwrap();
    let unknown = member
        .post(t.url("/api/admin/notifications/no-such"))
        .send()
        .await
        .unwrap();
    let a = expect_error(hidden, StatusCode::NOT_FOUND).await;
    let b = expect_error(unknown, StatusCode::NOT_FOUND).await;
    assert_eq!(a, b);
    expect_error(
        t.anon.post(t.url(SEND)).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;

    let doc: Value = t
        .get(&t.anon, "/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(doc["paths"][SEND]["post"]["tags"][0], "portico-admin");
    assert!(doc["paths"][SETTINGS]["put"].is_object());
}

#[tokio::test]
async fn the_account_page_shows_and_changes_the_preference() {
    let t = spawn_app().await;
    let member = t.user("member@example.com", Role::Member).await;
    let html = t.get(&member, "/account").await.text().await.unwrap();
    assert!(
        html.contains(r#"<input type="radio" name="email" value="batched" checked>"#),
        "{html}"
    );
    let token = csrf(&t, &member).await;
    let refused = post_form(&t, &member, "/account/notifications", &[("email", "never")]).await;
    assert!(
        refused.status().is_client_error(),
        "no CSRF token, no change"
    );
    let saved = post_form(
        &t,
        &member,
        "/account/notifications",
        &[("_csrf", &token), ("email", "never")],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        saved.headers()["location"].to_str().unwrap(),
        "/account?done=notifications"
    );
    let html = t
        .get(&member, "/account?done=notifications")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Your notification settings were saved."));
    assert!(html.contains(r#"<input type="radio" name="email" value="never" checked>"#));
    let settings: Value = t.get(&member, SETTINGS).await.json().await.unwrap();
    assert_eq!(settings, json!({ "email": "never" }));
    let bad = post_form(
        &t,
        &member,
        "/account/notifications",
        &[("_csrf", &token), ("email", "sometimes")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
