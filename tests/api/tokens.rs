//! API tokens over HTTP (SPEC 3.6 and 5): `Authorization: Bearer <token>` and
//! Basic with the e-mail and the token authenticate API calls; a password in
//! Basic never does; a bad header is a 401 in the API's error shape, not an
//! anonymous call; token calls need no cookie or CSRF, but UI routes take no
//! tokens; a token can't manage tokens; and a guest's token sees exactly what
//! the guest sees.

use portico_app::Role;
use reqwest::header::AUTHORIZATION;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::harness::{
    ADMIN_EMAIL, PASSWORD, TestApp, csrf, expect_error, id, post_form, spawn_app, user_id,
};

/// Creates a token as `client` (signed in with a session) and returns its JSON.
async fn create_token(t: &TestApp, client: &Client, name: &str) -> Value {
    let response = t
        .post_json(
            client,
            "/api/portico/tokens",
            &json!({ "name": name, "expiresInDays": 30 }),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    response.json().await.unwrap()
}

fn secret(created: &Value) -> String {
    created["token"].as_str().expect("token").to_owned()
}

async fn bearer_get(t: &TestApp, token: &str, path: &str) -> reqwest::Response {
    t.anon
        .get(t.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn space_keys(list: &Value) -> Vec<&str> {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|space| space["key"].as_str())
        .collect()
}

#[tokio::test]
async fn bearer_and_basic_with_a_token_read_the_api_and_a_password_never_does() {
    let t = spawn_app().await;
    t.space("TOK").await;
    let created = create_token(&t, &t.admin, "reader").await;
    let token = secret(&created);
    assert!(token.starts_with("ptk_"));

    let bearer = bearer_get(&t, &token, "/wiki/api/v2/spaces").await;
    assert_eq!(bearer.status(), StatusCode::OK);
    assert_eq!(space_keys(&bearer.json().await.unwrap()), ["TOK"]);

    let basic = t
        .anon
        .get(t.url("/wiki/api/v2/spaces"))
        .basic_auth(ADMIN_EMAIL, Some(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::OK);
    assert_eq!(space_keys(&basic.json().await.unwrap()), ["TOK"]);

    for (email, secret) in [
        (ADMIN_EMAIL, PASSWORD),
        ("someone@example.com", token.as_str()),
    ] {
        let refused = t
            .anon
            .get(t.url("/wiki/api/v2/spaces"))
            .basic_auth(email, Some(secret))
            .send()
            .await
            .unwrap();
        expect_error(refused, StatusCode::UNAUTHORIZED).await;
    }

    // The list shows the token, never its secret or hash.
    let listed = t.get_json("/api/portico/tokens").await;
    let only = &listed["results"][0];
    assert_eq!(only["name"], "reader");
    assert_eq!(only["state"], "active");
    assert!(only.get("token").is_none(), "{only}");
    assert!(!listed.to_string().contains(&token));
}

#[tokio::test]
async fn a_bad_authorization_header_is_a_401_not_an_anonymous_call() {
    let t = spawn_app().await;
    // Even with anonymous access on, a bad header is refused, not ignored.
    let mut policies = t.get_json("/api/admin/policies").await;
    policies["anonymousAccess"] = json!(true);
    assert_eq!(
        t.put_json(&t.admin, "/api/admin/policies", &policies)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        t.get(&t.anon, "/wiki/api/v2/spaces").await.status(),
        StatusCode::OK,
        "anonymous reads are on"
    );
    for header in [
        "Bearer ptk_not-a-real-token",
        "Bearer",
        "Basic !!!",
        "Negotiate abc",
        "garbage",
    ] {
        let response = t
            .anon
            .get(t.url("/wiki/api/v2/spaces"))
            .header(AUTHORIZATION, header)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{header}"
        );
        let detail = expect_error(response, StatusCode::UNAUTHORIZED).await;
        assert!(detail.unwrap().contains("API token"), "{header}");
    }
    // A signed-in browser that also sends a bad header is refused too: the
    // header decides alone.
    let response = t
        .admin
        .get(t.url("/wiki/api/v2/spaces"))
        .header(AUTHORIZATION, "Bearer nope")
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn a_token_changes_things_without_cookie_or_csrf_but_ui_forms_take_no_tokens() {
    let t = spawn_app().await;
    let token = secret(&create_token(&t, &t.admin, "writer").await);
    // A token call carries no cookie a browser could send by itself, so the
    // cross-site check that guards cookie calls doesn't apply.
    let created = t
        .anon
        .post(t.url("/wiki/api/v2/spaces"))
        .bearer_auth(&token)
        .header("sec-fetch-site", "cross-site")
        .json(&json!({ "key": "BYTOKEN", "name": "Made with a token" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let space: Value = created.json().await.unwrap();
    assert_eq!(
        t.get_json(&format!("/wiki/api/v2/spaces/{}", id(&space)))
            .await["key"],
        "BYTOKEN"
    );
    // UI routes only know the session cookie: a token is not signed in there.
    let account = t
        .anon
        .get(t.url("/account"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), StatusCode::SEE_OTHER);
    assert!(
        account.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    let form = t
        .anon
        .post(t.url("/account/tokens"))
        .bearer_auth(&token)
        .form(&[("name", "sneaky"), ("days", "30")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::SEE_OTHER);
    let listed = t.get_json("/api/portico/tokens").await;
    assert_eq!(listed["results"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_token_cant_list_create_or_revoke_tokens() {
    let t = spawn_app().await;
    let created = create_token(&t, &t.admin, "ci").await;
    let token = secret(&created);
    let attempts = [
        t.anon.get(t.url("/api/portico/tokens")).bearer_auth(&token),
        t.anon
            .post(t.url("/api/portico/tokens"))
            .bearer_auth(&token)
            .json(&json!({ "name": "more", "expiresInDays": 30 })),
        t.anon
            .delete(t.url(&format!("/api/portico/tokens/{}", id(&created))))
            .bearer_auth(&token),
    ];
    for attempt in attempts {
        let detail = expect_error(attempt.send().await.unwrap(), StatusCode::FORBIDDEN).await;
        assert!(
            detail
                .as_deref()
                .unwrap_or_default()
                .contains("an API token can't"),
            "{detail:?}"
        );
    }
    let listed = t.get_json("/api/portico/tokens").await;
    assert_eq!(listed["results"].as_array().unwrap().len(), 1);
    assert_eq!(listed["results"][0]["state"], "active");
    // Without any credential: 401.
    expect_error(
        t.get(&t.anon, "/api/portico/tokens").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn revoking_over_the_api_ends_the_token_and_others_ids_are_not_found() {
    let t = spawn_app().await;
    let member = t.user("m@example.com", Role::Member).await;
    let mine = create_token(&t, &t.admin, "mine").await;
    let theirs = create_token(&t, &member, "theirs").await;
    let path = |token: &Value| format!("/api/portico/tokens/{}", id(token));
    for (client, token) in [(&member, &mine), (&t.admin, &theirs)] {
        let response = client.delete(t.url(&path(token))).send().await.unwrap();
        expect_error(response, StatusCode::NOT_FOUND).await;
    }
    let missing = t
        .admin
        .delete(t.url("/api/portico/tokens/987654"))
        .send()
        .await
        .unwrap();
    expect_error(missing, StatusCode::NOT_FOUND).await;
    let revoked = t.admin.delete(t.url(&path(&mine))).send().await.unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    expect_error(
        bearer_get(&t, &secret(&mine), "/wiki/api/v2/spaces").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(
        bearer_get(&t, &secret(&theirs), "/wiki/api/v2/spaces")
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_guest_token_sees_what_the_guest_sees_and_needs_the_policy() {
    let t = spawn_app().await;
    let shared = t.space("SHARED").await;
    let other = t.space("OTHER").await;
    let guest = t.user("g@partner.example", Role::Guest).await;
    let guest_id = user_id(&t, "g@partner.example").await;
    let assigned = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{guest_id}", id(&shared)),
            &json!({}),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);

    // Off by default: a guest can't create a token.
    let refused = t
        .post_json(
            &guest,
            "/api/portico/tokens",
            &json!({ "name": "mine", "expiresInDays": 30 }),
        )
        .await;
    let detail = expect_error(refused, StatusCode::FORBIDDEN).await;
    assert!(detail.unwrap().contains("guests.api_tokens"));

    set_guest_tokens(&t, true).await;
    let token = secret(&create_token(&t, &guest, "mine").await);
    let listed = bearer_get(&t, &token, "/wiki/api/v2/spaces").await;
    assert_eq!(space_keys(&listed.json().await.unwrap()), ["SHARED"]);
    let hidden = bearer_get(&t, &token, &format!("/wiki/api/v2/spaces/{}", id(&other))).await;
    let missing = bearer_get(&t, &token, "/wiki/api/v2/spaces/987654").await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        hidden.text().await.unwrap(),
        missing.text().await.unwrap(),
        "a space the guest isn't assigned to looks exactly like a missing one"
    );
    assert_eq!(
        bearer_get(&t, &token, &format!("/wiki/api/v2/spaces/{}", id(&shared)))
            .await
            .status(),
        StatusCode::OK
    );
    // Guests never reach the admin API, token or not.
    expect_error(
        bearer_get(&t, &token, "/api/admin/users").await,
        StatusCode::NOT_FOUND,
    )
    .await;

    set_guest_tokens(&t, false).await;
    expect_error(
        bearer_get(&t, &token, "/wiki/api/v2/spaces").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn the_account_page_creates_shows_once_and_revokes_tokens() {
    let t = spawn_app().await;
    let token_csrf = csrf(&t, &t.admin).await;
    let created = post_form(
        &t,
        &t.admin,
        "/account/tokens",
        &[
            ("_csrf", &token_csrf),
            ("name", "from the UI"),
            ("days", "7"),
        ],
    )
    .await;
    assert_eq!(created.status(), StatusCode::OK);
    assert_eq!(created.headers()["cache-control"], "no-store");
    let html = created.text().await.unwrap();
    let start = html.find("value=\"ptk_").expect("the new token is shown") + "value=\"".len();
    let token = html[start..].split('"').next().unwrap().to_owned();
    assert_eq!(
        bearer_get(&t, &token, "/wiki/api/v2/spaces").await.status(),
        StatusCode::OK
    );
    let again = t.get(&t.admin, "/account").await.text().await.unwrap();
    assert!(again.contains("from the UI"));
    assert!(!again.contains(&token), "the token is shown only once");

    // Without the CSRF token the form is refused; bad input goes back to it.
    let forged = post_form(
        &t,
        &t.admin,
        "/account/tokens",
        &[("name", "forged"), ("days", "7")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let bad = post_form(
        &t,
        &t.admin,
        "/account/tokens",
        &[
            ("_csrf", &token_csrf),
            ("name", "too long"),
            ("days", "400"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("between 1 and 365"));

    let listed = t.get_json("/api/portico/tokens").await;
    let revoke = format!("/account/tokens/{}/revoke", id(&listed["results"][0]));
    let forged = post_form(&t, &t.admin, &revoke, &[]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let revoked = post_form(&t, &t.admin, &revoke, &[("_csrf", &token_csrf)]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    expect_error(
        bearer_get(&t, &token, "/wiki/api/v2/spaces").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

async fn set_guest_tokens(t: &TestApp, allowed: bool) {
    let mut policies = t.get_json("/api/admin/policies").await;
    assert_eq!(policies["guestsApiTokens"], json!(!allowed));
    policies["guestsApiTokens"] = json!(allowed);
    let saved = t.put_json(&t.admin, "/api/admin/policies", &policies).await;
    assert_eq!(saved.status(), StatusCode::OK);
}
