//! Permissions over HTTP: space grants and custom roles take effect on the
//! very next request; restricted pages and drafts are indistinguishable from
//! missing ones on every route; anonymous access follows the site switch;
//! guests see only what was given to them; "explain access" names the grant;
//! the admin key is audited and tells the owner; and every new endpoint
//! answers bad input with a clear 4xx and changes nothing.

use std::time::Duration;

use portico_app::Role;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, expect_error, id, spawn_app, user_id};

const MISSING: &str = "987654";

fn user(id: &str) -> Value {
    json!({ "type": "user", "id": id })
}

async fn send(
    t: &TestApp,
    client: &Client,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Response {
    let mut request = client.request(method, t.url(path));
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

/// Gives `principal` a role in `space`, as the admin.
async fn grant_role(t: &TestApp, space: &Value, principal: Value, role: &str) {
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/permissions", id(space)),
            &json!({ "principal": principal, "role": role }),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::NO_CONTENT,
        "{}",
        response.text().await.unwrap()
    );
}

/// Removes the default "all members are collaborators" grant of a space.
async fn close_to_members(t: &TestApp, space: &Value) {
    let response = send(
        t,
        &t.admin,
        Method::DELETE,
        &format!(
            "/api/portico/spaces/{}/permissions/all-members/-",
            id(space)
        ),
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn restrict_view(t: &TestApp, client: &Client, page: &Value, principals: Value) -> Response {
    t.put_json(
        client,
        &format!("/api/portico/pages/{}/restrictions", id(page)),
        &json!({ "view": principals }),
    )
    .await
}

async fn set_anonymous_switch(t: &TestApp, on: bool) {
    let mut policies = t.get_json("/api/admin/policies").await;
    policies["anonymousAccess"] = json!(on);
    let saved = t.put_json(&t.admin, "/api/admin/policies", &policies).await;
    assert_eq!(saved.status(), StatusCode::OK);
}

fn titles(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn keys(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["key"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn json_of(t: &TestApp, client: &Client, path: &str) -> Value {
    let response = t.get(client, path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

fn update(title: &str, number: i64) -> Value {
    json!({ "status": "current", "title": title, "body": { "representation": "storage", "value": "<p>edited</p>" }, "version": { "number": number } })
}

#[tokio::test]
async fn space_grants_take_effect_on_the_very_next_request() {
    let t = spawn_app().await;
    let space = t.space("TEAM").await;
    let page = t.page(&space, None, "Plan").await;
    let member = t.user("mia@example.com", Role::Member).await;
    let mia = user_id(&t, "mia@example.com").await;
    let page_path = format!("/wiki/api/v2/pages/{}", id(&page));

    // By default all members collaborate in a new space.
    assert_eq!(t.get(&member, &page_path).await.status(), StatusCode::OK);

    close_to_members(&t, &space).await;
    expect_error(t.get(&member, &page_path).await, StatusCode::NOT_FOUND).await;
    let spaces = json_of(&t, &member, "/wiki/api/v2/spaces").await;
    assert!(keys(&spaces).is_empty(), "{spaces}");

    // A Viewer grant: reading, but no writing, and the 403 names the permission.
    grant_role(&t, &space, user(&mia), "viewer").await;
    assert_eq!(t.get(&member, &page_path).await.status(), StatusCode::OK);
    let refused = t.put_json(&member, &page_path, &update("Plan", 2)).await;
    let detail = expect_error(refused, StatusCode::FORBIDDEN).await.unwrap();
    assert!(detail.contains("page.create"), "{detail}");
    let create = t
        .post_json(
            &member,
            "/wiki/api/v2/pages",
            &json!({ "spaceId": id(&space), "title": "Mine" }),
        )
        .await;
    let detail = expect_error(create, StatusCode::FORBIDDEN).await.unwrap();
    assert!(detail.contains("page.create"), "{detail}");

    // The grant as the access screen's API shows it.
    let grants = t
        .get_json(&format!("/api/portico/spaces/{}/permissions", id(&space)))
        .await;
    let mine = grants["grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|grant| grant["principal"]["id"] == mia.as_str())
        .cloned()
        .unwrap();
    assert_eq!(mine["role"], "viewer");
    assert_eq!(mine["permissions"], json!(["view"]));
    assert_eq!(mine["principal"]["isGuest"], false);
    assert_eq!(grants["anonymousAccessSiteSwitch"], false);
    assert!(
        grants["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|role| role["key"] == "collaborator")
    );

    // An explicit permission set instead of a role.
    let explicit = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/permissions", id(&space)),
            &json!({ "principal": user(&mia), "permissions": ["view", "page.create"] }),
        )
        .await;
    assert_eq!(explicit.status(), StatusCode::NO_CONTENT);
    let edited = t.put_json(&member, &page_path, &update("Plan", 2)).await;
    assert_eq!(edited.status(), StatusCode::OK);

    // Revocation is immediate.
    let removed = send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!("/api/portico/spaces/{}/permissions/user/{mia}", id(&space)),
        None,
    )
    .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    expect_error(t.get(&member, &page_path).await, StatusCode::NOT_FOUND).await;
    let again = send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!("/api/portico/spaces/{}/permissions/user/{mia}", id(&space)),
        None,
    )
    .await;
    expect_error(again, StatusCode::NOT_FOUND).await;

    // Someone who can see a space but not administer it is told so; someone
    // who can't see it gets the plain 404.
    grant_role(&t, &space, user(&mia), "collaborator").await;
    let forbidden = t
        .get(
            &member,
            &format!("/api/portico/spaces/{}/permissions", id(&space)),
        )
        .await;
    expect_error(forbidden, StatusCode::FORBIDDEN).await;
    let other = t.user("oscar@example.com", Role::Member).await;
    let hidden = t
        .get(
            &other,
            &format!("/api/portico/spaces/{}/permissions", id(&space)),
        )
        .await;
    let missing = t
        .get(
            &other,
            &format!("/api/portico/spaces/{MISSING}/permissions"),
        )
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(hidden.text().await.unwrap(), missing.text().await.unwrap());
}

#[tokio::test]
async fn editing_a_custom_role_changes_what_its_holders_may_do() {
    let t = spawn_app().await;
    let space = t.space("ROLE").await;
    let page = t.page(&space, None, "Draft plan").await;
    let member = t.user("rae@example.com", Role::Member).await;
    let rae = user_id(&t, "rae@example.com").await;
    close_to_members(&t, &space).await;

    let created = t
        .post_json(
            &t.admin,
            "/api/portico/space-roles",
            &json!({ "name": "Reviewer", "permissions": ["view", "comment.create"] }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let role: Value = created.json().await.unwrap();
    assert_eq!(role["key"], "custom-reviewer");
    assert_eq!(role["builtin"], false);
    grant_role(&t, &space, user(&rae), "custom-reviewer").await;

    let page_path = format!("/wiki/api/v2/pages/{}", id(&page));
    let refused = t
        .put_json(&member, &page_path, &update("Draft plan", 2))
        .await;
    expect_error(refused, StatusCode::FORBIDDEN).await;

    let changed = t
        .put_json(
            &t.admin,
            &format!("/api/portico/space-roles/{}", id(&role)),
            &json!({ "name": "Reviewer", "permissions": ["view", "comment.create", "page.create"] }),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let saved = t
        .put_json(&member, &page_path, &update("Draft plan", 2))
        .await;
    assert_eq!(
        saved.status(),
        StatusCode::OK,
        "the new bundle applies at once"
    );

    // A role in use can't be deleted; built-in roles can't be changed.
    let in_use = send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!("/api/portico/space-roles/{}", id(&role)),
        None,
    )
    .await;
    expect_error(in_use, StatusCode::CONFLICT).await;
    let roles = t.get_json("/api/portico/space-roles").await;
    let viewer = roles["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|role| role["key"] == "viewer")
        .cloned()
        .unwrap();
    let builtin = t
        .put_json(
            &t.admin,
            &format!("/api/portico/space-roles/{}", id(&viewer)),
            &json!({ "name": "Reader", "permissions": ["view"] }),
        )
        .await;
    expect_error(builtin, StatusCode::CONFLICT).await;

    // Roles are a wiki admin's business: members get the plain 404.
    let by_member = t
        .post_json(
            &member,
            "/api/portico/space-roles",
            &json!({ "name": "Sneaky", "permissions": ["view"] }),
        )
        .await;
    expect_error(by_member, StatusCode::NOT_FOUND).await;

    // Once nobody holds it, it can go.
    send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!("/api/portico/spaces/{}/permissions/user/{rae}", id(&space)),
        None,
    )
    .await;
    let deleted = send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!("/api/portico/space-roles/{}", id(&role)),
        None,
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
}

/// A space with a page restricted to the admin (and a child under it), and
/// a member of the organisation outside the restriction.
struct Restricted {
    space: Value,
    parent: Value,
    secret: Value,
    child: Value,
    member: Client,
}

async fn restricted_world(t: &TestApp) -> Restricted {
    let space = t.space("SEC").await;
    let parent = t.page(&space, None, "Open parent").await;
    let secret = t.page(&space, Some(&parent), "Secret plan").await;
    let child = t.page(&space, Some(&secret), "Secret child").await;
    let admin = user_id(t, crate::harness::ADMIN_EMAIL).await;
    let restricted = restrict_view(t, &t.admin, &secret, json!([user(&admin)])).await;
    assert_eq!(restricted.status(), StatusCode::OK);
    let member = t.user("max@example.com", Role::Member).await;
    Restricted {
        space,
        parent,
        secret,
        child,
        member,
    }
}

/// Every API route that takes a page id, for `page`.
fn page_routes(page: &str, space: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, format!("/wiki/api/v2/pages/{page}"), None),
        (
            Method::GET,
            format!("/wiki/api/v2/pages/{page}?body-format=storage"),
            None,
        ),
        (
            Method::GET,
            format!("/wiki/api/v2/pages/{page}/direct-children"),
            None,
        ),
        (
            Method::GET,
            format!("/wiki/api/v2/pages/{page}/children"),
            None,
        ),
        (
            Method::GET,
            format!("/wiki/api/v2/pages/{page}/versions"),
            None,
        ),
        (
            Method::GET,
            format!("/wiki/api/v2/pages/{page}/versions/1"),
            None,
        ),
        (
            Method::GET,
            format!("/api/portico/pages/{page}/diff?from=1&to=1"),
            None,
        ),
        (
            Method::GET,
            format!("/api/portico/pages/{page}/restrictions"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/portico/pages/{page}/restrictions"),
            Some(json!({ "view": [] })),
        ),
        (
            Method::PUT,
            format!("/wiki/api/v2/pages/{page}"),
            Some(update("Taken over", 2)),
        ),
        (Method::DELETE, format!("/wiki/api/v2/pages/{page}"), None),
        (
            Method::POST,
            format!("/api/portico/pages/{page}/move"),
            Some(json!({ "position": "top", "targetId": space })),
        ),
        (
            Method::POST,
            format!("/api/portico/pages/{page}/copy"),
            Some(json!({ "position": "top", "targetId": space })),
        ),
        (
            Method::POST,
            format!("/api/portico/pages/{page}/restore"),
            Some(json!({ "versionNumber": 1, "currentVersion": 1 })),
        ),
    ]
}

#[tokio::test]
async fn a_restricted_page_is_a_missing_page_on_every_api_route() {
    let t = spawn_app().await;
    let w = restricted_world(&t).await;
    let space = id(&w.space);
    for hidden in [id(&w.secret), id(&w.child)] {
        let routes = page_routes(&hidden, &space)
            .into_iter()
            .zip(page_routes(MISSING, &space));
        for ((method, path, body), (_, missing_path, _)) in routes {
            let response = send(&t, &w.member, method.clone(), &path, body.as_ref()).await;
            let missing = send(&t, &w.member, method.clone(), &missing_path, body.as_ref()).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
            assert_eq!(
                missing.status(),
                StatusCode::NOT_FOUND,
                "{method} {missing_path}"
            );
            assert_eq!(
                response.bytes().await.unwrap(),
                missing.bytes().await.unwrap(),
                "{method} {path}"
            );
        }
    }
    // Nothing changed: the admin still finds both, unchanged.
    let secret = t.fetch_page(&w.secret).await;
    assert_eq!(
        (
            secret["title"].as_str(),
            secret["version"]["number"].as_i64()
        ),
        (Some("Secret plan"), Some(1))
    );
    assert_eq!(t.child_titles(&w.parent).await, ["Secret plan"]);

    // Lists, children and the tree leave them out; the admin sees them.
    let listed = json_of(
        &t,
        &w.member,
        &format!("/wiki/api/v2/pages?space-id={space}&limit=250"),
    )
    .await;
    let listed = titles(&listed);
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.iter().all(|title| !title.starts_with("Secret")));
    let by_title = json_of(&t, &w.member, "/wiki/api/v2/pages?title=Secret+plan").await;
    assert!(titles(&by_title).is_empty());
    let children = json_of(
        &t,
        &w.member,
        &format!("/wiki/api/v2/pages/{}/direct-children", id(&w.parent)),
    )
    .await;
    assert!(titles(&children).is_empty(), "{children}");
    let all = t
        .get_json(&format!("/wiki/api/v2/pages?space-id={space}&limit=250"))
        .await;
    assert_eq!(titles(&all).len(), 4);
    let tree = t
        .get(&w.member, "/wiki/spaces/SEC")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        tree.contains("Open parent") && !tree.contains("Secret"),
        "{tree}"
    );
}

#[tokio::test]
async fn a_restricted_page_is_a_missing_page_on_every_ui_route() {
    let t = spawn_app().await;
    let w = restricted_world(&t).await;
    for hidden in [id(&w.secret), id(&w.child)] {
        for route in [
            "/wiki/spaces/SEC/pages/{}",
            "/wiki/spaces/SEC/pages/{}/Secret+plan",
            "/wiki/spaces/SEC/pages/{}/history",
            "/wiki/spaces/SEC/pages/{}/versions/1",
            "/wiki/spaces/SEC/pages/{}/diff?from=1&to=1",
            "/wiki/spaces/SEC/pages/{}/restrictions",
            "/wiki/spaces/SEC/pages/edit-v2/{}",
            "/wiki/spaces/SEC/pages/{}/move",
            "/wiki/spaces/SEC/pages/{}/copy",
            "/wiki/spaces/SEC/pages/{}/delete",
            "/wiki/spaces/SEC/pages/create?parentId={}",
            "/wiki/pages/{}",
        ] {
            let path = route.replace("{}", &hidden);
            let response = t.get(&w.member, &path).await;
            let missing = t.get(&w.member, &route.replace("{}", MISSING)).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "GET {path}");
            assert_eq!(missing.status(), StatusCode::NOT_FOUND, "GET {route}");
            assert_eq!(
                response.text().await.unwrap(),
                missing.text().await.unwrap(),
                "GET {path}"
            );
        }
    }
    let title = t.get(&w.member, "/wiki/display/SEC/Secret+plan").await;
    assert_eq!(title.status(), StatusCode::NOT_FOUND, "links by title too");
}

#[tokio::test]
async fn anonymous_visitors_follow_the_site_switch() {
    let t = spawn_app().await;
    let open = t.space("OPEN").await;
    let open_home = open["homepageId"].as_str().unwrap().to_owned();
    let closed = t.space("CLOSED").await;
    grant_role(&t, &open, json!({ "type": "anonymous" }), "viewer").await;

    // Off: the anonymous grant does nothing, and the access screen says so.
    for path in [
        "/wiki/api/v2/spaces".to_owned(),
        format!("/wiki/api/v2/spaces/{}", id(&open)),
        format!("/wiki/api/v2/pages/{open_home}"),
    ] {
        expect_error(t.get(&t.anon, &path).await, StatusCode::UNAUTHORIZED).await;
    }
    let ui = t.get(&t.anon, "/wiki/spaces/OPEN").await;
    assert_eq!(ui.status(), StatusCode::SEE_OTHER);
    assert!(
        ui.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );
    let screen = t
        .get(&t.admin, "/wiki/spaces/OPEN/access")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        screen.contains("No effect while anonymous access is off for the site"),
        "{screen}"
    );

    // On: that space, and only it, is readable.
    set_anonymous_switch(&t, true).await;
    let spaces = json_of(&t, &t.anon, "/wiki/api/v2/spaces").await;
    assert_eq!(keys(&spaces), ["OPEN"]);
    assert_eq!(
        t.get(&t.anon, &format!("/wiki/api/v2/pages/{open_home}"))
            .await
            .status(),
        StatusCode::OK
    );
    let pages = json_of(&t, &t.anon, "/wiki/api/v2/pages").await;
    assert_eq!(titles(&pages), ["Space OPEN"]);
    expect_error(
        t.get(&t.anon, &format!("/wiki/api/v2/spaces/{}", id(&closed)))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let page = t.get(&t.anon, "/wiki/spaces/OPEN").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Space OPEN") && !html.contains("Sign out"));
    assert!(
        !html.contains("Space settings"),
        "no admin links for visitors"
    );
    assert_eq!(
        t.get(&t.anon, "/wiki/spaces/CLOSED").await.status(),
        StatusCode::NOT_FOUND
    );
    let directory = t.get(&t.anon, "/wiki/spaces").await.text().await.unwrap();
    assert!(directory.contains("Space OPEN") && !directory.contains("Space CLOSED"));

    // Writes are refused: 401 on the API, the sign-in page in the UI.
    let create = t
        .anon
        .post(t.url("/wiki/api/v2/pages"))
        .json(&json!({ "spaceId": id(&open), "title": "Graffiti" }))
        .send()
        .await
        .unwrap();
    expect_error(create, StatusCode::UNAUTHORIZED).await;
    let edit = t
        .anon
        .put(t.url(&format!("/wiki/api/v2/pages/{open_home}")))
        .json(&update("Graffiti", 2))
        .send()
        .await
        .unwrap();
    expect_error(edit, StatusCode::UNAUTHORIZED).await;
    let form = t
        .anon
        .post(t.url("/wiki/spaces/OPEN/pages/create"))
        .form(&[("_csrf", ""), ("title", "Graffiti"), ("format", "storage")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::SEE_OTHER);
    let editor = t.get(&t.anon, "/wiki/spaces/OPEN/pages/create").await;
    assert_eq!(
        editor.status(),
        StatusCode::SEE_OTHER,
        "editors need a session"
    );
    // Permission endpoints want a session whatever the switch says.
    expect_error(
        t.get(
            &t.anon,
            &format!("/api/portico/spaces/{}/permissions", id(&open)),
        )
        .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    expect_error(
        t.get(&t.anon, "/api/admin/users").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let all = t.get_json("/wiki/api/v2/pages?limit=250").await;
    assert!(!titles(&all).contains(&"Graffiti".to_owned()));

    // Off again: back to 401 at once.
    set_anonymous_switch(&t, false).await;
    expect_error(
        t.get(&t.anon, "/wiki/api/v2/spaces").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn guests_see_only_spaces_given_to_them_never_through_all_members() {
    let t = spawn_app().await;
    let members_only = t.space("INTERNAL").await;
    let shared = t.space("SHARED").await;
    let guest = t.user("gus@partner.example", Role::Guest).await;
    let gus = user_id(&t, "gus@partner.example").await;

    let spaces = json_of(&t, &guest, "/wiki/api/v2/spaces").await;
    assert!(
        keys(&spaces).is_empty(),
        "all members never includes guests"
    );
    let home = members_only["homepageId"].as_str().unwrap();
    expect_error(
        t.get(&guest, &format!("/wiki/api/v2/pages/{home}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    grant_role(&t, &shared, user(&gus), "collaborator").await;
    let spaces = json_of(&t, &guest, "/wiki/api/v2/spaces").await;
    assert_eq!(keys(&spaces), ["SHARED"]);
    let pages = json_of(&t, &guest, "/wiki/api/v2/pages").await;
    assert_eq!(titles(&pages), ["Space SHARED"]);
    let grants = t
        .get_json(&format!("/api/portico/spaces/{}/permissions", id(&shared)))
        .await;
    assert!(
        grants["grants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|grant| grant["principal"]["id"] == gus.as_str()
                && grant["principal"]["isGuest"] == true)
    );

    // The explanation says why the members-only space stays closed.
    let explained = t
        .get_json(&format!(
            "/api/portico/explain?userId={gus}&spaceId={}",
            id(&members_only)
        ))
        .await;
    assert_eq!(explained["view"]["allowed"], false);
    let kinds: Vec<&str> = explained["view"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|reason| reason["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"all-members-exclude-guests"), "{explained}");
}

#[tokio::test]
async fn explain_access_names_the_grant_that_decides() {
    let t = spawn_app().await;
    let space = t.space("WHY").await;
    let page = t.page(&space, None, "Reasons").await;
    let member = t.user("wyn@example.com", Role::Member).await;
    let wyn = user_id(&t, "wyn@example.com").await;

    let explained = t
        .get_json(&format!(
            "/api/portico/explain?userId={wyn}&pageId={}",
            id(&page)
        ))
        .await;
    assert_eq!(explained["userId"], wyn.as_str());
    for decision in ["view", "comment", "edit"] {
        assert_eq!(explained[decision]["allowed"], true, "{explained}");
        assert_eq!(explained[decision]["byAdminKey"], false);
    }
    let grant = explained["view"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|reason| reason["kind"] == "space-grant")
        .cloned()
        .unwrap_or_else(|| panic!("no space grant in {explained}"));
    assert_eq!(grant["grantee"]["type"], "all-members");
    assert!(
        grant["text"].as_str().unwrap().contains("all members"),
        "{grant}"
    );

    // A direct grant is named with the user's id.
    close_to_members(&t, &space).await;
    grant_role(&t, &space, user(&wyn), "viewer").await;
    let explained = t
        .get_json(&format!(
            "/api/portico/explain?userId={wyn}&spaceId={}",
            id(&space)
        ))
        .await;
    assert_eq!(explained["view"]["allowed"], true);
    assert_eq!(explained["edit"]["allowed"], false);
    assert!(
        explained["view"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|reason| reason["kind"] == "space-grant"
                && reason["grantee"] == json!({ "type": "user", "id": wyn })),
        "{explained}"
    );

    // Members may ask about themselves, not about others.
    let own = t
        .get(
            &member,
            &format!("/api/portico/explain?spaceId={}", id(&space)),
        )
        .await;
    assert_eq!(own.status(), StatusCode::OK);
    let admin = user_id(&t, crate::harness::ADMIN_EMAIL).await;
    let others = t
        .get(
            &member,
            &format!("/api/portico/explain?userId={admin}&spaceId={}", id(&space)),
        )
        .await;
    expect_error(others, StatusCode::FORBIDDEN).await;

    // Anonymous visitors, for the access screen.
    let anonymous = t
        .get_json(&format!(
            "/api/portico/explain?userId=anonymous&spaceId={}",
            id(&space)
        ))
        .await;
    assert_eq!(anonymous["view"]["allowed"], false);
    assert_eq!(anonymous["userId"], Value::Null);
}

async fn poll_audit(t: &TestApp, action: &str) -> Vec<Value> {
    for _ in 0..40 {
        let entries = t
            .get_json(&format!("/api/admin/audit?action={action}"))
            .await["results"]
            .as_array()
            .unwrap()
            .clone();
        if !entries.is_empty() {
            return entries;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Vec::new()
}

#[tokio::test]
async fn the_admin_key_opens_restricted_pages_is_audited_and_tells_the_owner() {
    let t = spawn_app().await;
    let space = t.space("KEY").await;
    let owner = t.user("olive@example.com", Role::Member).await;
    let olive = user_id(&t, "olive@example.com").await;
    grant_role(&t, &space, user(&olive), "manager").await;
    let created = t
        .post_json(
            &owner,
            "/wiki/api/v2/pages",
            &json!({ "spaceId": id(&space), "title": "Olive's notes" }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let page: Value = created.json().await.unwrap();
    let restricted = restrict_view(&t, &owner, &page, json!([user(&olive)])).await;
    assert_eq!(restricted.status(), StatusCode::OK);
    let path = format!("/wiki/api/v2/pages/{}", id(&page));

    // Wiki admins administer, but do not silently read.
    expect_error(t.get(&t.admin, &path).await, StatusCode::NOT_FOUND).await;
    let status = t.get_json("/api/portico/admin-key").await;
    assert_eq!(status["active"], false);
    let empty = t
        .post_json(
            &t.admin,
            "/api/portico/admin-key",
            &json!({ "reason": " " }),
        )
        .await;
    expect_error(empty, StatusCode::BAD_REQUEST).await;
    let activated = t
        .post_json(
            &t.admin,
            "/api/portico/admin-key",
            &json!({ "reason": "legal hold request" }),
        )
        .await;
    assert_eq!(activated.status(), StatusCode::OK);
    let activated: Value = activated.json().await.unwrap();
    assert_eq!(activated["active"], true);
    assert_eq!(activated["reason"], "legal hold request");
    assert!(activated["expiresAt"].is_string());

    assert_eq!(t.get(&t.admin, &path).await.status(), StatusCode::OK);
    let uses = poll_audit(&t, "admin_key.use").await;
    assert!(!uses.is_empty(), "the use is audited");
    let outbox = t.get_json("/api/admin/outbox").await;
    assert!(
        outbox["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|mail| mail["recipient"] == "olive@example.com"),
        "{outbox}"
    );

    // Members have no admin key to turn on.
    let by_member = t
        .post_json(&owner, "/api/portico/admin-key", &json!({ "reason": "x" }))
        .await;
    expect_error(by_member, StatusCode::NOT_FOUND).await;

    let off = send(&t, &t.admin, Method::DELETE, "/api/portico/admin-key", None).await;
    assert_eq!(off.status(), StatusCode::NO_CONTENT);
    expect_error(t.get(&t.admin, &path).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn drafts_are_private_to_their_author_until_published() {
    let t = spawn_app().await;
    let space = t.space("DRAFT").await;
    let parent = t.page(&space, None, "Parent").await;
    let author = t.user("ada2@example.com", Role::Member).await;
    let other = t.user("ben@example.com", Role::Member).await;
    let created = t
        .post_json(
            &author,
            "/wiki/api/v2/pages",
            &json!({ "spaceId": id(&space), "parentId": id(&parent), "status": "draft", "title": "Announcement" }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let draft: Value = created.json().await.unwrap();
    assert_eq!(draft["status"], "draft");
    let path = format!("/wiki/api/v2/pages/{}", id(&draft));

    assert_eq!(t.get(&author, &path).await.status(), StatusCode::OK);
    let hidden = t.get(&other, &path).await;
    let missing = t
        .get(&other, &format!("/wiki/api/v2/pages/{MISSING}"))
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        hidden.bytes().await.unwrap(),
        missing.bytes().await.unwrap()
    );
    let listed = json_of(
        &t,
        &other,
        &format!("/wiki/api/v2/pages?space-id={}", id(&space)),
    )
    .await;
    assert!(!titles(&listed).contains(&"Announcement".to_owned()));
    let children = json_of(
        &t,
        &other,
        &format!("/wiki/api/v2/pages/{}/direct-children", id(&parent)),
    )
    .await;
    assert!(titles(&children).is_empty());
    // The UI shows the author a badge.
    let view = t
        .get(&author, &format!("/wiki/spaces/DRAFT/pages/{}", id(&draft)))
        .await
        .text()
        .await
        .unwrap();
    assert!(view.contains("class=\"badge badge-draft\""), "{view}");

    // Saving keeps it a draft; publishing shows it to everyone.
    let mut keep = update("Announcement", 2);
    keep["status"] = json!("draft");
    assert_eq!(
        t.put_json(&author, &path, &keep).await.status(),
        StatusCode::OK
    );
    expect_error(t.get(&other, &path).await, StatusCode::NOT_FOUND).await;
    let published = t.put_json(&author, &path, &update("Announcement", 3)).await;
    assert_eq!(published.status(), StatusCode::OK);
    assert_eq!(t.get(&other, &path).await.status(), StatusCode::OK);
    let children = json_of(
        &t,
        &other,
        &format!("/wiki/api/v2/pages/{}/direct-children", id(&parent)),
    )
    .await;
    assert_eq!(titles(&children), ["Announcement"]);
    // A published page doesn't go back to being a draft: a draft save is
    // the author's own (tests/api/drafts.rs), and the page stays as it is.
    let mut later = update("Announcement", 4);
    later["status"] = json!("draft");
    assert_eq!(
        t.put_json(&author, &path, &later).await.status(),
        StatusCode::OK
    );
    let seen = json_of(&t, &other, &path).await;
    assert_eq!(seen["status"], "current");
    assert_eq!(seen["version"]["number"], 3);
}

/// What the permission endpoints can change, as the admin sees it.
async fn permission_snapshot(t: &TestApp, space: &str, page: &str) -> Value {
    json!({
        "space": t.get_json(&format!("/api/portico/spaces/{space}/permissions")).await,
        "roles": t.get_json("/api/portico/space-roles").await,
        "global": t.get_json("/api/portico/global-permissions").await,
        "restrictions": t.get_json(&format!("/api/portico/pages/{page}/restrictions")).await,
        "key": t.get_json("/api/portico/admin-key").await,
    })
}

/// The body-taking permission endpoints, with a valid body for each.
fn permission_writes(space: &str, page: &str, role: &str) -> Vec<(Method, String, Value)> {
    vec![
        (
            Method::PUT,
            format!("/api/portico/spaces/{space}/permissions"),
            json!({ "principal": { "type": "all-members" }, "role": "viewer" }),
        ),
        (
            Method::POST,
            "/api/portico/space-roles".into(),
            json!({ "name": "Another", "permissions": ["view"] }),
        ),
        (
            Method::PUT,
            format!("/api/portico/space-roles/{role}"),
            json!({ "name": "Renamed", "permissions": ["view"] }),
        ),
        (
            Method::PUT,
            "/api/portico/global-permissions".into(),
            json!({ "principal": { "type": "all-members" }, "permissions": ["use"] }),
        ),
        (
            Method::PUT,
            format!("/api/portico/pages/{page}/restrictions"),
            json!({ "view": [] }),
        ),
        (
            Method::POST,
            "/api/portico/admin-key".into(),
            json!({ "reason": "because" }),
        ),
    ]
}

#[tokio::test]
async fn permission_endpoints_refuse_bad_input_and_change_nothing() {
    let t = spawn_app().await;
    let space = t.space("BADP").await;
    let page = t.page(&space, None, "Target").await;
    let role: Value = t
        .post_json(
            &t.admin,
            "/api/portico/space-roles",
            &json!({ "name": "Custom", "permissions": ["view"] }),
        )
        .await
        .json()
        .await
        .unwrap();
    // A member who may only read here (collaborators may restrict pages).
    let member = t.user("nia@example.com", Role::Member).await;
    close_to_members(&t, &space).await;
    let nia = user_id(&t, "nia@example.com").await;
    grant_role(&t, &space, user(&nia), "viewer").await;
    let (space, page, role) = (id(&space), id(&page), id(&role));
    let before = permission_snapshot(&t, &space, &page).await;

    for (method, path, _) in permission_writes(&space, &page, &role) {
        let url = t.url(&path);
        for (content_type, body, status) in [
            (
                "application/json",
                "{\"principal\": ",
                StatusCode::BAD_REQUEST,
            ),
            ("application/json", "[1, 2]", StatusCode::BAD_REQUEST),
            (
                "application/x-www-form-urlencoded",
                "reason=x",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
        ] {
            let response = t
                .admin
                .request(method.clone(), &url)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            expect_error(response, status).await;
        }
    }

    let invalid: Vec<(Method, String, Value, StatusCode, &str)> = vec![
        (
            Method::PUT,
            format!("/api/portico/spaces/{space}/permissions"),
            json!({ "principal": { "type": "user", "id": MISSING }, "role": "viewer" }),
            StatusCode::BAD_REQUEST,
            "principal",
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/{space}/permissions"),
            json!({ "principal": { "type": "group", "id": MISSING }, "role": "viewer" }),
            StatusCode::BAD_REQUEST,
            "principal",
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/{space}/permissions"),
            json!({ "principal": { "type": "robot" }, "role": "viewer" }),
            StatusCode::BAD_REQUEST,
            "principal.type",
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/{space}/permissions"),
            json!({ "principal": { "type": "user", "id": "abc" }, "role": "viewer" }),
            StatusCode::BAD_REQUEST,
            "principal.id",
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/{space}/permissions"),
            json!({ "principal": { "type": "all-members" }, "permissions": ["view", "page.edit"] }),
            StatusCode::BAD_REQUEST,
            "page.edit",
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/{space}/permissions"),
            json!({ "principal": { "type": "all-members" }, "role": "owner" }),
            StatusCode::BAD_REQUEST,
            "role",
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/{space}/permissions"),
            json!({ "principal": { "type": "all-members" }, "role": "viewer", "permissions": ["view"] }),
            StatusCode::BAD_REQUEST,
            "exactly one",
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/{space}/permissions"),
            json!({ "principal": { "type": "anonymous" }, "role": "collaborator" }),
            StatusCode::BAD_REQUEST,
            "anonymous",
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/{space}/permissions"),
            json!({ "principal": { "type": "all-members" }, "permissions": [] }),
            StatusCode::BAD_REQUEST,
            "permissions",
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/{MISSING}/permissions"),
            json!({ "principal": { "type": "all-members" }, "role": "viewer" }),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            Method::PUT,
            "/api/portico/spaces/abc/permissions".into(),
            json!({ "principal": { "type": "all-members" }, "role": "viewer" }),
            StatusCode::BAD_REQUEST,
            "valid id",
        ),
        (
            Method::DELETE,
            format!("/api/portico/spaces/{space}/permissions/robot/1"),
            Value::Null,
            StatusCode::BAD_REQUEST,
            "principal.type",
        ),
        (
            Method::DELETE,
            format!("/api/portico/spaces/{space}/permissions/user/{MISSING}"),
            Value::Null,
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            Method::GET,
            format!("/api/portico/spaces/{MISSING}/permissions"),
            Value::Null,
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            Method::POST,
            "/api/portico/space-roles".into(),
            json!({ "name": "Bad", "permissions": ["view", "fly"] }),
            StatusCode::BAD_REQUEST,
            "fly",
        ),
        (
            Method::POST,
            "/api/portico/space-roles".into(),
            json!({ "name": "", "permissions": ["view"] }),
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            Method::POST,
            "/api/portico/space-roles".into(),
            json!({ "name": "custom", "permissions": ["view"] }),
            StatusCode::CONFLICT,
            "custom",
        ),
        (
            Method::PUT,
            format!("/api/portico/space-roles/{MISSING}"),
            json!({ "name": "Gone", "permissions": ["view"] }),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            Method::PUT,
            "/api/portico/space-roles/x1".into(),
            json!({ "name": "Gone", "permissions": ["view"] }),
            StatusCode::BAD_REQUEST,
            "valid id",
        ),
        (
            Method::DELETE,
            format!("/api/portico/space-roles/{MISSING}"),
            Value::Null,
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            Method::PUT,
            "/api/portico/global-permissions".into(),
            json!({ "principal": { "type": "all-members" }, "permissions": ["use", "fly"] }),
            StatusCode::BAD_REQUEST,
            "fly",
        ),
        (
            Method::PUT,
            "/api/portico/global-permissions".into(),
            json!({ "principal": { "type": "user", "id": MISSING }, "permissions": ["use"] }),
            StatusCode::BAD_REQUEST,
            "principal",
        ),
        (
            Method::PUT,
            "/api/portico/global-permissions".into(),
            json!({ "principal": { "type": "anonymous" }, "permissions": ["use"] }),
            StatusCode::BAD_REQUEST,
            "principal",
        ),
        (
            Method::PUT,
            format!("/api/portico/pages/{page}/restrictions"),
            json!({ "view": [{ "type": "user", "id": MISSING }] }),
            StatusCode::BAD_REQUEST,
            "principal",
        ),
        (
            Method::PUT,
            format!("/api/portico/pages/{page}/restrictions"),
            json!({ "view": [{ "type": "all-members" }] }),
            StatusCode::BAD_REQUEST,
            "users and groups",
        ),
        (
            Method::PUT,
            format!("/api/portico/pages/{page}/restrictions"),
            json!({ "edit": [{ "type": "user" }] }),
            StatusCode::BAD_REQUEST,
            "edit.id",
        ),
        (
            Method::PUT,
            format!("/api/portico/pages/{MISSING}/restrictions"),
            json!({ "view": [] }),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            Method::GET,
            format!("/api/portico/pages/{MISSING}/restrictions"),
            Value::Null,
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            Method::GET,
            format!("/api/portico/explain?pageId={page}&spaceId={space}"),
            Value::Null,
            StatusCode::BAD_REQUEST,
            "exactly one",
        ),
        (
            Method::GET,
            format!("/api/portico/explain?userId=x&spaceId={space}"),
            Value::Null,
            StatusCode::BAD_REQUEST,
            "valid id",
        ),
        (
            Method::GET,
            format!("/api/portico/explain?userId={MISSING}&spaceId={space}"),
            Value::Null,
            StatusCode::BAD_REQUEST,
            "user",
        ),
        (
            Method::GET,
            format!("/api/portico/explain?spaceId={MISSING}"),
            Value::Null,
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            Method::GET,
            format!("/api/portico/explain?userId=anonymous&pageId={page}"),
            Value::Null,
            StatusCode::BAD_REQUEST,
            "spaceId",
        ),
        (
            Method::POST,
            "/api/portico/admin-key".into(),
            json!({ "reason": "" }),
            StatusCode::BAD_REQUEST,
            "reason",
        ),
    ];
    for (method, path, body, status, needle) in invalid {
        let body = (!body.is_null()).then_some(body);
        let response = send(&t, &t.admin, method.clone(), &path, body.as_ref()).await;
        let detail = expect_error(response, status).await.unwrap_or_default();
        assert!(detail.contains(needle), "{method} {path}: {detail}");
    }

    // Members are refused the same way and change nothing either.
    for (method, path, body) in permission_writes(&space, &page, &role) {
        let response = send(&t, &member, method.clone(), &path, Some(&body)).await;
        let status = response.status();
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{method} {path}: {status}"
        );
        expect_error(response, status).await;
    }
    assert_eq!(permission_snapshot(&t, &space, &page).await, before);
}

#[tokio::test]
async fn the_openapi_document_lists_the_permission_endpoints() {
    let t = spawn_app().await;
    let doc: Value = t
        .get(&t.anon, "/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/api/portico/spaces/{id}/permissions", "get"),
        ("/api/portico/spaces/{id}/permissions", "put"),
        (
            "/api/portico/spaces/{id}/permissions/{type}/{principalId}",
            "delete",
        ),
        ("/api/portico/space-roles", "get"),
        ("/api/portico/space-roles", "post"),
        ("/api/portico/space-roles/{id}", "put"),
        ("/api/portico/space-roles/{id}", "delete"),
        ("/api/portico/global-permissions", "get"),
        ("/api/portico/global-permissions", "put"),
        ("/api/portico/pages/{id}/restrictions", "get"),
        ("/api/portico/pages/{id}/restrictions", "put"),
        ("/api/portico/explain", "get"),
        ("/api/portico/admin-key", "get"),
        ("/api/portico/admin-key", "post"),
        ("/api/portico/admin-key", "delete"),
    ] {
        assert_eq!(
            doc["paths"][path][method]["tags"][0], "portico-extensions",
            "{method} {path}"
        );
    }
}
