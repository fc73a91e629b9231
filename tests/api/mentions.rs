//! Mentions over HTTP: a refused mention is a 422 with its message and
//! changes nothing; the autocomplete lists only people who can view the
//! page, never an e-mail, and is a plain 404 for guests and invisible pages;
//! a guest sees a mention of someone outside their spaces as a placeholder.

use portico_app::{NewUser, Role};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::harness::{PASSWORD, TestApp, expect_error, id, signed_in_client, spawn_app, user_id};

/// A user with a display name that is not their e-mail.
async fn person(t: &TestApp, email: &str, name: &str, role: Role) -> (Client, String) {
    t.app
        .create_user(NewUser {
            email: email.into(),
            display_name: name.into(),
            password: PASSWORD.into(),
            role,
        })
        .await
        .unwrap();
    let client = signed_in_client(&t.app, &t.store, email).await;
    (client, user_id(t, email).await)
}

async fn assign(t: &TestApp, space: &Value, user: &str) {
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{user}", id(space)),
            &json!({}),
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
}

fn mention_body(account: &str) -> String {
    format!(r#"<p>Ask <ac:link><ri:user ri:account-id="{account}"/></ac:link></p>"#)
}

fn page_update(title: &str, version: i64, body: &str) -> Value {
    json!({
        "status": "current",
        "title": title,
        "body": { "representation": "storage", "value": body },
        "version": { "number": version },
    })
}

async fn set_guest_switch(t: &TestApp, on: bool) {
    let mut policies = t.get_json("/api/admin/policies").await;
    policies["guestsMentionOwnSpace"] = json!(on);
    let saved = t.put_json(&t.admin, "/api/admin/policies", &policies).await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert_eq!(
        t.get_json("/api/admin/policies").await["guestsMentionOwnSpace"],
        json!(on)
    );
}

#[tokio::test]
async fn a_refused_mention_is_a_422_that_names_the_rule_and_changes_nothing() {
    let t = spawn_app().await;
    let theirs = t.space("GST").await;
    let other = t.space("OTH").await;
    let (_, gus) = person(&t, "gus@partner.example", "Gus Guest", Role::Guest).await;
    assign(&t, &theirs, &gus).await;
    let page = t.page(&other, None, "Plan").await;
    let path = format!("/wiki/api/v2/pages/{}", id(&page));
    let response = t
        .put_json(
            &t.admin,
            &path,
            &page_update("Plan", 2, &mention_body(&gus)),
        )
        .await;
    let detail = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        detail.as_deref(),
        Some("cannot mention `Gus Guest`: they can't view this page")
    );
    let stored = t.fetch_page(&page).await;
    assert_eq!(stored["version"]["number"], json!(1));
    assert_eq!(
        stored["body"]["storage"]["value"],
        json!("<p>Plan body</p>")
    );
    // A comment is refused the same way; an unknown id reveals nothing.
    let comment = |body: String| json!({ "pageId": id(&page), "body": { "representation": "storage", "value": body } });
    let response = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/footer-comments",
            &comment(mention_body(&gus)),
        )
        .await;
    expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let response = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/footer-comments",
            &comment(mention_body("987654")),
        )
        .await;
    let detail = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        detail.as_deref(),
        Some("cannot mention account `987654`: it names no one you can mention")
    );
    let comments = t
        .get_json(&format!("/wiki/api/v2/pages/{}/footer-comments", id(&page)))
        .await;
    assert_eq!(comments["results"], json!([]));
    // In the guest's own space the same mention saves, and the API body
    // keeps the element as stored.
    let mine = t.page(&theirs, None, "Ours").await;
    let response = t
        .put_json(
            &t.admin,
            &format!("/wiki/api/v2/pages/{}", id(&mine)),
            &page_update("Ours", 2, &mention_body(&gus)),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let stored = t.fetch_page(&mine).await;
    assert_eq!(
        stored["body"]["storage"]["value"],
        json!(format!(
            r#"<p>Ask <ac:link><ri:user ri:account-id="{gus}"></ri:user></ac:link></p>"#
        ))
    );
}

#[tokio::test]
async fn autocomplete_lists_only_viewers_of_the_page_and_never_e_mails() {
    let t = spawn_app().await;
    let space = t.space("ACP").await;
    let other = t.space("ACO").await;
    let page = t.page(&space, None, "Plan").await;
    let secret = t.page(&space, None, "Secret").await;
    let (guest, inside) = person(&t, "pat.in@partner.example", "Pat Inside", Role::Guest).await;
    assign(&t, &space, &inside).await;
    let (_, outside) = person(&t, "pat.out@partner.example", "Pat Outside", Role::Guest).await;
    assign(&t, &other, &outside).await;
    let (member, member_id) = person(&t, "pmember@example.com", "Pat Member", Role::Member).await;
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/pages/{}/restrictions", id(&secret)),
            &json!({ "view": [
                { "type": "user", "id": user_id(&t, "admin@example.com").await },
                { "type": "user", "id": member_id },
            ] }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let suggest = |client: &Client, query: String| {
        let url = t.url(&query);
        let client = client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    let response = suggest(
        &t.admin,
        format!("/api/mentions?pageId={}&q=pat", id(&page)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body,
        json!({ "results": [
            { "accountId": inside, "accountType": "guest", "displayName": "Pat Inside", "isGuest": true },
            { "accountId": member_id, "accountType": "atlassian", "displayName": "Pat Member", "isGuest": false },
        ] })
    );
    assert!(!text.contains("example"), "no e-mail: {text}");
    // A restricted page: only the people it names.
    let body: Value = suggest(
        &member,
        format!("/api/mentions?pageId={}&q=PAT", id(&secret)),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    assert_eq!(body["results"][0]["displayName"], json!("Pat Member"));
    // Internal callers also match an e-mail prefix; a new page of a space works.
    let body: Value = suggest(
        &member,
        format!("/api/mentions?spaceId={}&q=pat.in", id(&space)),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(body["results"][0]["displayName"], json!("Pat Inside"));
    // Guests: 404, the same as a missing page; so is a page the caller
    // can't view. With the site switch, guests see people of their space.
    let missing = suggest(&t.admin, "/api/mentions?pageId=999999&q=pat".into()).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let missing = missing.text().await.unwrap();
    let as_guest = suggest(&guest, format!("/api/mentions?pageId={}&q=pat", id(&page))).await;
    assert_eq!(as_guest.status(), StatusCode::NOT_FOUND);
    assert_eq!(as_guest.text().await.unwrap(), missing);
    set_guest_switch(&t, true).await;
    let body: Value = suggest(&guest, format!("/api/mentions?pageId={}&q=pat", id(&page)))
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Pat Inside"]);
    let body: Value = suggest(
        &guest,
        format!("/api/mentions?pageId={}&q=pat.in", id(&page)),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        body["results"],
        json!([]),
        "guests match names, not e-mails"
    );
    let hidden = suggest(
        &guest,
        format!("/api/mentions?pageId={}&q=pat", id(&secret)),
    )
    .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(hidden.text().await.unwrap(), missing);
    // Bad input is a 400.
    for bad in [
        "/api/mentions?q=pat".to_owned(),
        format!("/api/mentions?pageId={}&spaceId={}", id(&page), id(&space)),
        "/api/mentions?pageId=abc".to_owned(),
        format!("/api/mentions?pageId={}&q={}", id(&page), "x".repeat(101)),
    ] {
        let response = suggest(&t.admin, bad.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn a_guest_sees_a_mention_of_someone_outside_their_spaces_as_a_placeholder() {
    let t = spawn_app().await;
    let space = t.space("RND").await;
    let (guest, gus) = person(&t, "gus@partner.example", "Gus Guest", Role::Guest).await;
    assign(&t, &space, &gus).await;
    let (_, stan) = person(&t, "stan@example.com", "Stan Stranger", Role::Member).await;
    let page = t.page(&space, None, "Plan").await;
    let body = format!("{}{}", mention_body(&stan), mention_body(&gus));
    let response = t
        .put_json(
            &t.admin,
            &format!("/wiki/api/v2/pages/{}", id(&page)),
            &page_update("Plan", 2, &body),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let path = format!("/wiki/spaces/RND/pages/{}", id(&page));
    let as_admin = t.get(&t.admin, &path).await.text().await.unwrap();
    assert!(as_admin.contains("@Stan Stranger"), "{as_admin}");
    assert!(as_admin.contains("@Gus Guest <span class=\"badge badge-guest\">Guest</span>"));
    let response = t.get(&guest, &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let as_guest = response.text().await.unwrap();
    assert!(as_guest.contains("@Gus Guest"), "{as_guest}");
    assert!(as_guest.contains("@unknown user"), "{as_guest}");
    for secret in ["Stan", "stan@example.com", &format!("people/{stan}")] {
        assert!(!as_guest.contains(secret), "{secret} shown to the guest");
    }

    // A comment's mentions render the same way, per viewer.
    let comment = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/footer-comments",
            &json!({
                "pageId": id(&page),
                "body": { "representation": "storage", "value": format!("<p>Comment for</p>{}", mention_body(&stan)) },
            }),
        )
        .await;
    assert_eq!(comment.status(), StatusCode::OK);
    let as_admin = t.get(&t.admin, &path).await.text().await.unwrap();
    assert_eq!(as_admin.matches("@Stan Stranger").count(), 2, "{as_admin}");
    let as_guest = t.get(&guest, &path).await.text().await.unwrap();
    assert!(as_guest.contains("Comment for"), "{as_guest}");
    assert_eq!(as_guest.matches("@unknown user").count(), 2, "{as_guest}");
    assert!(
        !as_guest.contains("Stan"),
        "the comment's mention is hidden too"
    );
}
