//! Guest space assignments over HTTP (SPEC.md 3.1–3.2): an assigned guest
//! sees exactly that space; with the site's one-space rule a new assignment
//! moves them, on the very next request; viewers read only; a space that
//! forbids guests gives its guests nothing and takes no new ones; only space
//! and wiki admins assign, and only guests can be assigned; every endpoint
//! answers bad input with a clear 4xx naming the field and changes nothing.

use portico_app::Role;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, csrf, expect_error, id, post_form, spawn_app, user_id};

const MISSING: &str = "987654";

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

fn guest_path(space: &Value, user: &str) -> String {
    format!("/api/portico/spaces/{}/guests/{user}", id(space))
}

/// Assigns `user` to `space` as `client` and returns the response.
async fn assign(t: &TestApp, client: &Client, space: &Value, user: &str, body: Value) -> Response {
    t.put_json(client, &guest_path(space, user), &body).await
}

/// Assigns as the admin, expecting success; returns the result JSON.
async fn assign_ok(t: &TestApp, space: &Value, user: &str, body: Value) -> Value {
    let response = assign(t, &t.admin, space, user, body).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    response.json().await.unwrap()
}

async fn json_of(t: &TestApp, client: &Client, path: &str) -> Value {
    let response = t.get(client, path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

/// The keys of the spaces `client` sees in the v2 spaces list.
async fn visible_keys(t: &TestApp, client: &Client) -> Vec<String> {
    json_of(t, client, "/wiki/api/v2/spaces").await["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|space| space["key"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn home(space: &Value) -> String {
    format!(
        "/wiki/api/v2/pages/{}",
        space["homepageId"].as_str().unwrap()
    )
}

async fn set_guest_access(t: &TestApp, space: &Value, allow: bool) {
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guest-access", id(space)),
            &json!({ "allowGuests": allow }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn permissions(t: &TestApp, space: &Value) -> Value {
    t.get_json(&format!("/api/portico/spaces/{}/permissions", id(space)))
        .await
}

/// The grant to user `user` in a permissions listing.
fn grant_of(listing: &Value, user: &str) -> Option<Value> {
    listing["grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|grant| grant["principal"]["type"] == "user" && grant["principal"]["id"] == user)
        .cloned()
}

/// An expiry long in the future, and one long past.
const FUTURE: &str = "2099-06-30T23:59:59Z";
const PAST: &str = "2001-01-31T12:00:00Z";

#[tokio::test]
async fn an_assigned_guest_sees_exactly_that_space_and_a_new_assignment_moves_them() {
    let t = spawn_app().await;
    let first = t.space("FIRST").await;
    let second = t.space("SECOND").await;
    let other = t.space("OTHER").await;
    let guest = t.user("gus@partner.example", Role::Guest).await;
    let gus = user_id(&t, "gus@partner.example").await;
    assert!(visible_keys(&t, &guest).await.is_empty());

    let assigned = assign_ok(&t, &first, &gus, json!({})).await;
    assert_eq!(
        assigned,
        json!({ "spaceId": id(&first), "userId": gus, "role": "collaborator", "expiresAt": null, "movedFrom": [] })
    );
    assert_eq!(visible_keys(&t, &guest).await, ["FIRST"]);
    assert_eq!(t.get(&guest, &home(&first)).await.status(), StatusCode::OK);
    for hidden in [&second, &other] {
        expect_error(t.get(&guest, &home(hidden)).await, StatusCode::NOT_FOUND).await;
        expect_error(
            t.get(&guest, &format!("/wiki/api/v2/spaces/{}", id(hidden)))
                .await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }

    // The grants listing shows the guest, marked, with no expiry.
    let listing = permissions(&t, &first).await;
    assert_eq!(listing["allowGuests"], true);
    let grant = grant_of(&listing, &gus).unwrap();
    assert_eq!(grant["principal"]["isGuest"], true);
    assert_eq!(grant["role"], "collaborator");
    assert_eq!(grant["expiresAt"], Value::Null);

    // One space at a time: the second assignment moves the guest.
    let moved = assign_ok(&t, &second, &gus, json!({ "role": "collaborator" })).await;
    assert_eq!(moved["movedFrom"], json!([id(&first)]));
    assert_eq!(visible_keys(&t, &guest).await, ["SECOND"]);
    expect_error(t.get(&guest, &home(&first)).await, StatusCode::NOT_FOUND).await;
    assert_eq!(t.get(&guest, &home(&second)).await.status(), StatusCode::OK);
    assert!(grant_of(&permissions(&t, &first).await, &gus).is_none());

    // Assigning again to the same space changes it in place: nothing moves.
    let again = assign_ok(&t, &second, &gus, json!({ "role": "viewer" })).await;
    assert_eq!(again["movedFrom"], json!([]));
    assert_eq!(visible_keys(&t, &guest).await, ["SECOND"]);

    // The guest and the wiki admin read the assignments.
    let path = format!("/api/portico/users/{gus}/assignments");
    for client in [&guest, &t.admin] {
        let mine = json_of(&t, client, &path).await;
        let results = mine["results"].as_array().unwrap();
        assert_eq!(results.len(), 1, "{mine}");
        assert_eq!(results[0]["spaceId"], id(&second).as_str());
        assert_eq!(results[0]["role"], "viewer");
        assert_eq!(results[0]["expiresAt"], Value::Null);
        let assigned_at = results[0]["assignedAt"].as_str().unwrap();
        assert!(
            assigned_at.len() >= 20 && assigned_at.contains('T'),
            "{assigned_at}"
        );
    }
}

#[tokio::test]
async fn a_viewer_assignment_reads_only_and_carries_its_expiry() {
    let t = spawn_app().await;
    let space = t.space("READ").await;
    let page = t.page(&space, None, "Plan").await;
    let guest = t.user("vic@partner.example", Role::Guest).await;
    let vic = user_id(&t, "vic@partner.example").await;
    let expires = FUTURE;

    let assigned = assign_ok(
        &t,
        &space,
        &vic,
        json!({ "role": "viewer", "expiresAt": expires }),
    )
    .await;
    assert_eq!(assigned["role"], "viewer");
    assert_eq!(assigned["expiresAt"], expires);

    let page_path = format!("/wiki/api/v2/pages/{}", id(&page));
    assert_eq!(t.get(&guest, &page_path).await.status(), StatusCode::OK);
    let edit = t
        .put_json(
            &guest,
            &page_path,
            &json!({ "status": "current", "title": "Plan", "body": { "representation": "storage", "value": "<p>mine</p>" }, "version": { "number": 2 } }),
        )
        .await;
    let detail = expect_error(edit, StatusCode::FORBIDDEN).await.unwrap();
    assert!(detail.contains("page.create"), "{detail}");
    let create = t
        .post_json(
            &guest,
            "/wiki/api/v2/pages",
            &json!({ "spaceId": id(&space), "title": "Guest page" }),
        )
        .await;
    expect_error(create, StatusCode::FORBIDDEN).await;

    // The expiry shows in the grants listing and in the assignments.
    let grant = grant_of(&permissions(&t, &space).await, &vic).unwrap();
    assert_eq!(grant["expiresAt"], expires);
    assert_eq!(grant["role"], "viewer");
    let mine = json_of(&t, &guest, &format!("/api/portico/users/{vic}/assignments")).await;
    assert_eq!(mine["results"][0]["expiresAt"], expires);
}

#[tokio::test]
async fn a_space_that_forbids_guests_gives_them_nothing_and_takes_no_new_ones() {
    let t = spawn_app().await;
    let space = t.space("CLOSED").await;
    let guest = t.user("gina@partner.example", Role::Guest).await;
    let gina = user_id(&t, "gina@partner.example").await;
    t.user("gil@partner.example", Role::Guest).await;
    let gil = user_id(&t, "gil@partner.example").await;
    assign_ok(&t, &space, &gina, json!({})).await;
    assert_eq!(visible_keys(&t, &guest).await, ["CLOSED"]);

    set_guest_access(&t, &space, false).await;
    assert_eq!(permissions(&t, &space).await["allowGuests"], false);
    assert!(visible_keys(&t, &guest).await.is_empty());
    expect_error(t.get(&guest, &home(&space)).await, StatusCode::NOT_FOUND).await;

    let refused = assign(&t, &t.admin, &space, &gil, json!({})).await;
    let detail = expect_error(refused, StatusCode::BAD_REQUEST)
        .await
        .unwrap();
    assert!(detail.contains("`spaceId`"), "{detail}");
    assert!(grant_of(&permissions(&t, &space).await, &gil).is_none());

    // Allowing guests again brings the kept assignment back.
    set_guest_access(&t, &space, true).await;
    assert_eq!(visible_keys(&t, &guest).await, ["CLOSED"]);
}

#[tokio::test]
async fn only_guests_are_assigned_and_only_by_space_or_wiki_admins() {
    let t = spawn_app().await;
    let open = t.space("OPEN").await;
    let closed = t.space("SHUT").await;
    let member = t.user("mia@example.com", Role::Member).await;
    let mia = user_id(&t, "mia@example.com").await;
    let guest = t.user("gus@partner.example", Role::Guest).await;
    let gus = user_id(&t, "gus@partner.example").await;

    // A member is not a guest; neither is an id nobody has.
    for who in [mia.as_str(), MISSING] {
        let refused = assign(&t, &t.admin, &open, who, json!({})).await;
        let detail = expect_error(refused, StatusCode::BAD_REQUEST)
            .await
            .unwrap();
        assert!(detail.contains("`userId`"), "{who}: {detail}");
    }

    // Mia collaborates in OPEN (all members) but doesn't administer it; SHUT
    // is closed to members, so to her it doesn't exist.
    let response = send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!(
            "/api/portico/spaces/{}/permissions/all-members/-",
            id(&closed)
        ),
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let forbidden = assign(&t, &member, &open, &gus, json!({})).await;
    expect_error(forbidden, StatusCode::FORBIDDEN).await;
    let hidden = assign(&t, &member, &closed, &gus, json!({})).await;
    expect_error(hidden, StatusCode::NOT_FOUND).await;
    let missing = t
        .put_json(
            &member,
            &format!("/api/portico/spaces/{MISSING}/guests/{gus}"),
            &json!({}),
        )
        .await;
    expect_error(missing, StatusCode::NOT_FOUND).await;
    let toggle = t
        .put_json(
            &member,
            &format!("/api/portico/spaces/{}/guest-access", id(&open)),
            &json!({ "allowGuests": false }),
        )
        .await;
    expect_error(toggle, StatusCode::FORBIDDEN).await;
    assert!(visible_keys(&t, &guest).await.is_empty());
    assert_eq!(permissions(&t, &open).await["allowGuests"], true);

    // Someone else's assignments are missing to a plain member.
    assign_ok(&t, &open, &gus, json!({})).await;
    let theirs = t
        .get(&member, &format!("/api/portico/users/{gus}/assignments"))
        .await;
    expect_error(theirs, StatusCode::NOT_FOUND).await;
    let unassign = send(&t, &member, Method::DELETE, &guest_path(&open, &gus), None).await;
    expect_error(unassign, StatusCode::FORBIDDEN).await;
    assert_eq!(visible_keys(&t, &guest).await, ["OPEN"]);

    // A space admin who is not a wiki admin may assign in their space.
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/permissions", id(&closed)),
            &json!({ "principal": { "type": "user", "id": mia }, "role": "admin" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let moved = assign(&t, &member, &closed, &gus, json!({ "role": "viewer" })).await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.unwrap();
    assert_eq!(moved["movedFrom"], json!([id(&open)]));
    assert_eq!(visible_keys(&t, &guest).await, ["SHUT"]);

    // Anonymous callers are asked to sign in.
    let anonymous = assign(&t, &t.anon, &open, &gus, json!({})).await;
    expect_error(anonymous, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn a_past_expiry_is_refused_and_unassigning_ends_access_at_once() {
    let t = spawn_app().await;
    let space = t.space("TEMP").await;
    let guest = t.user("pat@partner.example", Role::Guest).await;
    let pat = user_id(&t, "pat@partner.example").await;

    let past = assign(&t, &t.admin, &space, &pat, json!({ "expiresAt": PAST })).await;
    let detail = expect_error(past, StatusCode::BAD_REQUEST).await.unwrap();
    assert!(detail.contains("`expiresAt`"), "{detail}");
    assert!(visible_keys(&t, &guest).await.is_empty());
    assert!(grant_of(&permissions(&t, &space).await, &pat).is_none());

    assign_ok(&t, &space, &pat, json!({ "expiresAt": FUTURE })).await;
    assert_eq!(t.get(&guest, &home(&space)).await.status(), StatusCode::OK);
    let removed = send(
        &t,
        &t.admin,
        Method::DELETE,
        &guest_path(&space, &pat),
        None,
    )
    .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    expect_error(t.get(&guest, &home(&space)).await, StatusCode::NOT_FOUND).await;
    assert!(visible_keys(&t, &guest).await.is_empty());
    let mine = json_of(&t, &guest, &format!("/api/portico/users/{pat}/assignments")).await;
    assert_eq!(mine["results"], json!([]));

    // Unassigning someone who isn't assigned is a 404.
    let again = send(
        &t,
        &t.admin,
        Method::DELETE,
        &guest_path(&space, &pat),
        None,
    )
    .await;
    expect_error(again, StatusCode::NOT_FOUND).await;
}

/// Everything the guest endpoints can change, as the admin sees it.
async fn snapshot(t: &TestApp, space: &Value, guest: &str) -> Value {
    json!({
        "permissions": permissions(t, space).await,
        "assignments": t.get_json(&format!("/api/portico/users/{guest}/assignments")).await,
    })
}

async fn raw(
    t: &TestApp,
    method: Method,
    path: &str,
    content_type: &str,
    body: &'static str,
) -> Response {
    t.admin
        .request(method, t.url(path))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_naming_the_field_and_changes_nothing() {
    let t = spawn_app().await;
    let space = t.space("BAD").await;
    let other = t.space("ELSE").await;
    t.user("bea@partner.example", Role::Guest).await;
    let bea = user_id(&t, "bea@partner.example").await;
    assign_ok(&t, &other, &bea, json!({})).await;
    let before = (
        snapshot(&t, &space, &bea).await,
        snapshot(&t, &other, &bea).await,
    );
    let assign_path = guest_path(&space, &bea);
    let access_path = format!("/api/portico/spaces/{}/guest-access", id(&space));

    // Fields: each 400 names the one at fault.
    for (body, field) in [
        (json!({ "role": "admin" }), "`role`"),
        (json!({ "role": "" }), "`role`"),
        (json!({ "role": 5 }), "role"),
        (json!({ "expiresAt": "next tuesday" }), "`expiresAt`"),
        (json!({ "expiresAt": "2030-01-31" }), "`expiresAt`"),
        (json!({ "expiresAt": 1_900_000_000 }), "expiresAt"),
        (json!({ "expiresAt": PAST }), "`expiresAt`"),
        (json!("viewer"), "JSON object"),
        (json!([]), "JSON object"),
        (json!(["viewer"]), "JSON object"),
    ] {
        let response = t.put_json(&t.admin, &assign_path, &body).await;
        let detail = expect_error(response, StatusCode::BAD_REQUEST)
            .await
            .unwrap();
        assert!(detail.contains(field), "{body}: {detail}");
    }
    for (body, field) in [
        (json!({}), "allowGuests"),
        (json!({ "allowGuests": "no" }), "allowGuests"),
        (json!({ "allowGuests": null }), "allowGuests"),
    ] {
        let response = t.put_json(&t.admin, &access_path, &body).await;
        let detail = expect_error(response, StatusCode::BAD_REQUEST)
            .await
            .unwrap();
        assert!(detail.contains(field), "{body}: {detail}");
    }

    // Malformed JSON and wrong content types.
    for path in [&assign_path, &access_path] {
        expect_error(
            raw(&t, Method::PUT, path, "application/json", "{\"role\": ").await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        expect_error(
            raw(&t, Method::PUT, path, "text/plain", "{}").await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        )
        .await;
        expect_error(
            raw(
                &t,
                Method::PUT,
                path,
                "application/x-www-form-urlencoded",
                "allowGuests=false",
            )
            .await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        )
        .await;
    }

    // Malformed ids name the path parameter; unknown spaces are 404.
    let space_id = id(&space);
    for (method, path, field) in [
        (
            Method::PUT,
            format!("/api/portico/spaces/abc/guests/{bea}"),
            "`id`",
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/0/guests/{bea}"),
            "`id`",
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/{space_id}/guests/x"),
            "`userId`",
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/{space_id}/guests/-2"),
            "`userId`",
        ),
        (
            Method::DELETE,
            format!("/api/portico/spaces/abc/guests/{bea}"),
            "`id`",
        ),
        (
            Method::DELETE,
            format!("/api/portico/spaces/{space_id}/guests/1.5"),
            "`userId`",
        ),
        (
            Method::PUT,
            "/api/portico/spaces/abc/guest-access".to_owned(),
            "`id`",
        ),
        (
            Method::GET,
            "/api/portico/users/abc/assignments".to_owned(),
            "`id`",
        ),
    ] {
        let body = if method == Method::PUT {
            Some(json!({ "allowGuests": false }))
        } else {
            None
        };
        let response = send(&t, &t.admin, method.clone(), &path, body.as_ref()).await;
        let detail = expect_error(response, StatusCode::BAD_REQUEST)
            .await
            .unwrap();
        assert!(detail.contains(field), "{method} {path}: {detail}");
    }
    for (method, path, body) in [
        (
            Method::PUT,
            format!("/api/portico/spaces/{MISSING}/guests/{bea}"),
            Some(json!({})),
        ),
        (
            Method::DELETE,
            format!("/api/portico/spaces/{MISSING}/guests/{bea}"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/portico/spaces/{MISSING}/guest-access"),
            Some(json!({ "allowGuests": false })),
        ),
        (Method::DELETE, guest_path(&space, &bea), None),
    ] {
        let response = send(&t, &t.admin, method.clone(), &path, body.as_ref()).await;
        expect_error(response, StatusCode::NOT_FOUND).await;
    }

    let after = (
        snapshot(&t, &space, &bea).await,
        snapshot(&t, &other, &bea).await,
    );
    assert_eq!(before, after);
}

#[tokio::test]
async fn the_openapi_document_lists_the_guest_endpoints() {
    let t = spawn_app().await;
    let doc = json_of(&t, &t.anon, "/api/openapi.json").await;
    for path in [
        "/api/portico/spaces/{id}/guests/{userId}",
        "/api/portico/spaces/{id}/guest-access",
        "/api/portico/users/{id}/assignments",
    ] {
        let item = &doc["paths"][path];
        assert!(item.is_object(), "{path}");
        for (_, operation) in item.as_object().unwrap() {
            assert_eq!(operation["tags"], json!(["portico-extensions"]), "{path}");
        }
    }
}

// ---- the access screen ---------------------------------------------------

fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn html_of(t: &TestApp, client: &Client, path: &str) -> String {
    let response = t.get(client, path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_access_screen_lists_assigns_moves_and_unassigns_guests() {
    let t = spawn_app().await;
    let one = t.space("ONE").await;
    let two = t.space("TWO").await;
    let guest = t.user("gus@partner.example", Role::Guest).await;
    let gus = user_id(&t, "gus@partner.example").await;
    let member = t.user("mia@example.com", Role::Member).await;
    let mia = user_id(&t, "mia@example.com").await;
    let token = csrf(&t, &t.admin).await;
    let screen = "/wiki/spaces/TWO/access";
    let assign_path = "/wiki/spaces/TWO/access/guests/assign";

    // Before: no guests, the switch on, and the form warns that it moves.
    let html = html_of(&t, &t.admin, screen).await;
    for needle in [
        "id=\"guests-heading\"",
        "No guest is assigned to this space.",
        "allows guests",
        "assigned to 1 space at a time",
        "moves the guest out of their oldest space",
        "type=\"date\"",
        "value=\"viewer\"",
    ] {
        assert!(html.contains(needle), "{needle}");
    }

    // Gus is in ONE; assigning him to TWO through the form moves him.
    assign_ok(&t, &one, &gus, json!({})).await;
    let assigned = post_form(
        &t,
        &t.admin,
        assign_path,
        &[
            ("_csrf", &token),
            ("user_id", &gus),
            ("role", "viewer"),
            ("expires_on", "2099-12-31"),
        ],
    )
    .await;
    assert_eq!(assigned.status(), StatusCode::SEE_OTHER);
    let target = location(&assigned);
    assert_eq!(target, format!("{screen}?done=assigned&moved={}", id(&one)));
    let html = html_of(&t, &t.admin, &target).await;
    assert!(
        html.contains("The guest was assigned to this space."),
        "{html}"
    );
    let moved = html
        .split("id=\"guest-moved\"")
        .nth(1)
        .expect("a moved notice");
    let moved = moved.split("</p>").next().unwrap();
    assert!(
        moved.contains("moved out of") && moved.contains("Space ONE (ONE)"),
        "{moved}"
    );
    assert_eq!(visible_keys(&t, &guest).await, ["TWO"]);
    let grant = grant_of(&permissions(&t, &two).await, &gus).unwrap();
    assert_eq!(grant["expiresAt"], "2099-12-31T23:59:59Z");
    assert_eq!(grant["role"], "viewer");

    // The guests section shows him with his badge, role and expiry; so does
    // the grants table.
    let guests = html
        .split("id=\"guests-heading\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    for needle in [
        "gus@partner.example <span class=\"badge badge-guest\">Guest</span>",
        "<td>Viewer</td>",
        "datetime=\"2099-12-31T23:59:59Z\"",
        "2099-12-31 23:59 UTC",
        &format!("name=\"user_id\" value=\"{gus}\""),
    ] {
        assert!(guests.contains(needle), "{needle}: {guests}");
    }
    let grants = html
        .split("id=\"grants-heading\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        grants.contains("gus@partner.example <span class=\"badge badge-guest\">Guest</span>"),
        "{grants}"
    );

    // Errors come back on the screen, naming the field, and change nothing.
    let before = permissions(&t, &two).await;
    for (form, needle) in [
        (
            vec![("user_id", gus.as_str()), ("expires_on", "31/12/2099")],
            "`expiry date`",
        ),
        (
            vec![("user_id", gus.as_str()), ("expires_on", "2001-01-01")],
            "`expiresAt`",
        ),
        (vec![("user_id", "gus")], "`user id`"),
        (vec![("user_id", mia.as_str())], "`userId`"),
        (vec![("user_id", gus.as_str()), ("role", "admin")], "`role`"),
    ] {
        let mut fields = vec![("_csrf", token.as_str())];
        fields.extend(form.iter().copied());
        let refused = post_form(&t, &t.admin, assign_path, &fields).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{form:?}");
        let html = refused.text().await.unwrap();
        assert!(html.contains(needle), "{needle}: {form:?}");
        assert!(html.contains("id=\"guests-heading\""));
    }
    let forged = post_form(
        &t,
        &t.admin,
        assign_path,
        &[
            ("_csrf", "forged"),
            ("user_id", &gus),
            ("role", "collaborator"),
        ],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let member_token = csrf(&t, &member).await;
    let not_admin = post_form(
        &t,
        &member,
        assign_path,
        &[("_csrf", &member_token), ("user_id", &gus)],
    )
    .await;
    assert_eq!(not_admin.status(), StatusCode::FORBIDDEN);
    assert_eq!(permissions(&t, &two).await, before);

    // The switch: off gives the guest nothing, and the screen says so.
    let off = post_form(
        &t,
        &t.admin,
        "/wiki/spaces/TWO/access/guests/allow",
        &[("_csrf", &token), ("allow", "off")],
    )
    .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    let html = html_of(&t, &t.admin, &location(&off)).await;
    assert!(html.contains("doesn't allow guests"), "{html}");
    assert!(visible_keys(&t, &guest).await.is_empty());
    let on = post_form(
        &t,
        &t.admin,
        "/wiki/spaces/TWO/access/guests/allow",
        &[("_csrf", &token), ("allow", "on")],
    )
    .await;
    assert_eq!(on.status(), StatusCode::SEE_OTHER);
    assert_eq!(visible_keys(&t, &guest).await, ["TWO"]);

    // Unassigning ends his access on the next request.
    let removed = post_form(
        &t,
        &t.admin,
        "/wiki/spaces/TWO/access/guests/remove",
        &[("_csrf", &token), ("user_id", &gus)],
    )
    .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let html = html_of(&t, &t.admin, &location(&removed)).await;
    assert!(html.contains("No guest is assigned to this space."));
    assert!(visible_keys(&t, &guest).await.is_empty());
    expect_error(t.get(&guest, &home(&two)).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_guest_with_no_space_is_told_nothing_is_shared_yet() {
    let t = spawn_app().await;
    let space = t.space("SEC").await;
    let guest = t.user("nobody-yet@partner.example", Role::Guest).await;
    let member = t.user("moe@example.com", Role::Member).await;
    let html = html_of(&t, &guest, "/wiki/spaces").await;
    assert!(html.contains("id=\"nothing-shared\""), "{html}");
    assert!(!html.contains("Create space"), "guests can't create spaces");
    assert!(
        !html.contains("SEC") && !html.contains("Space SEC"),
        "no space is named"
    );
    // Once assigned, the space appears (and still no way to create one).
    let nobody = user_id(&t, "nobody-yet@partner.example").await;
    assign_ok(&t, &space, &nobody, json!({ "role": "viewer" })).await;
    let html = html_of(&t, &guest, "/wiki/spaces").await;
    assert!(html.contains("SEC") && !html.contains("nothing-shared"));
    assert!(!html.contains("Create space"));
    // Members see the usual directory with its create button.
    let html = html_of(&t, &member, "/wiki/spaces").await;
    assert!(html.contains("Create space"));
}
