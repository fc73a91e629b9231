//! The HTML UI over HTTP: the sign-in flow, CSRF on forms, escaping, the 404
//! page, the editor's preview and conflict handling, and the main pages.

use portico_app::Role;
use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::harness::{ADMIN_EMAIL, PASSWORD, csrf, id, post_form, spawn_app, user_id};

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn signing_in_through_the_form_opens_a_session_and_signing_out_ends_it() {
    let t = spawn_app().await;
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let bounced = t.get(&browser, "/wiki/spaces").await;
    assert_eq!(bounced.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&bounced).starts_with("/login?next="),
        "{}",
        location(&bounced)
    );

    let wrong = browser
        .post(t.url("/login"))
        .form(&[
            ("email", ADMIN_EMAIL),
            ("password", "nope nope nope"),
            ("next", "/wiki/spaces"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let page = wrong.text().await.unwrap();
    assert!(
        page.contains("Invalid e-mail or password") && page.contains(ADMIN_EMAIL),
        "the e-mail is kept"
    );

    let offsite = browser
        .post(t.url("/login"))
        .form(&[
            ("email", ADMIN_EMAIL),
            ("password", PASSWORD),
            ("next", "//evil.example/x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&offsite), "/wiki/spaces", "no open redirect");
    let signed_in = browser
        .post(t.url("/login"))
        .form(&[
            ("email", ADMIN_EMAIL),
            ("password", PASSWORD),
            ("next", "/wiki/spaces?archived=1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&signed_in), "/wiki/spaces?archived=1");
    let cookie = signed_in
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(
        t.get(&browser, "/wiki/spaces").await.status(),
        StatusCode::OK
    );

    let forged = browser
        .post(t.url("/logout"))
        .form(&[("_csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        t.get(&browser, "/wiki/spaces").await.status(),
        StatusCode::OK,
        "a forged sign-out does nothing"
    );
    let token = csrf(&t, &browser).await;
    let out = browser
        .post(t.url("/logout"))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        t.get(&browser, "/wiki/spaces").await.status(),
        StatusCode::SEE_OTHER,
        "signed out"
    );
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_change_nothing() {
    let t = spawn_app().await;
    for token in ["", "forged"] {
        let response = t
            .admin
            .post(t.url("/wiki/spaces/create"))
            .form(&[("_csrf", token), ("key", "CSRF"), ("name", "Csrf")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(
        t.get_json("/wiki/api/v2/spaces").await["results"],
        json!([])
    );
    let token = csrf(&t, &t.admin).await;
    let created = t
        .admin
        .post(t.url("/wiki/spaces/create"))
        .form(&[("_csrf", token.as_str()), ("key", "CSRF"), ("name", "Csrf")])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        t.get_json("/wiki/api/v2/spaces").await["results"][0]["key"],
        "CSRF"
    );
}

#[tokio::test]
async fn titles_and_bodies_are_escaped_or_sanitised_in_html() {
    let t = spawn_app().await;
    let space = t.space("XSS").await;
    let title = "<img src=x onerror=alert(1)>";
    let created = t
        .post_json(&t.admin, "/wiki/api/v2/pages", &json!({ "spaceId": space["id"], "title": title, "body": { "representation": "storage", "value": "<p>ok</p><script>alert(2)</script><a href=\"javascript:alert(3)\">x</a>" } }))
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let page: serde_json::Value = created.json().await.unwrap();
    for path in [
        format!("/wiki/spaces/XSS/pages/{}", id(&page)),
        "/wiki/spaces/XSS".to_owned(),
        format!("/wiki/spaces/XSS/pages/{}/history", id(&page)),
    ] {
        let response = t.get(&t.admin, &path).await;
        let response = if response.status() == StatusCode::MOVED_PERMANENTLY {
            t.get(&t.admin, &location(&response)).await
        } else {
            response
        };
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(response.headers().get("content-security-policy").is_some());
        let html = crate::harness::without_own_scripts(&response.text().await.unwrap());
        assert!(!html.contains("<img src=x"), "{path}: the title is escaped");
        assert!(
            html.contains("&#60;img src=x onerror=alert(1)&#62;"),
            "{path}: the title shows as text"
        );
        assert!(
            !html.contains("<script") && !html.contains("javascript:"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn hidden_and_missing_pages_get_the_same_html_404() {
    let t = spawn_app().await;
    let space = t.space("HID").await;
    let page = t.page(&space, None, "Secret plan").await;
    let outsider = t.user("outsider@example.com", Role::Guest).await;
    for (existing, missing) in [
        (
            format!("/wiki/spaces/HID/pages/{}", id(&page)),
            "/wiki/spaces/HID/pages/999999".to_owned(),
        ),
        (
            "/wiki/spaces/HID".to_owned(),
            "/wiki/spaces/NOPE".to_owned(),
        ),
        (
            format!("/wiki/pages/{}", id(&page)),
            "/wiki/pages/999999".to_owned(),
        ),
        (
            format!("/wiki/spaces/HID/pages/{}/history", id(&page)),
            "/wiki/spaces/HID/pages/999999/history".to_owned(),
        ),
    ] {
        let a = t.get(&outsider, &existing).await;
        let b = t.get(&outsider, &missing).await;
        assert_eq!(
            (a.status(), b.status()),
            (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
            "{existing}"
        );
        let (a, b) = (a.text().await.unwrap(), b.text().await.unwrap());
        assert!(
            !a.contains("Secret plan") && !a.contains("HID</"),
            "{existing}: nothing about the page"
        );
        assert_eq!(
            a.replace(&existing, "PATH"),
            b.replace(&missing, "PATH"),
            "{existing} looks exactly missing"
        );
    }
}

#[tokio::test]
async fn preview_saves_nothing_and_a_stale_save_keeps_the_users_text() {
    let t = spawn_app().await;
    let space = t.space("EDT").await;
    let page = t.page(&space, None, "Doc").await;
    let token = csrf(&t, &t.admin).await;

    let preview = t
        .admin
        .post(t.url("/wiki/spaces/EDT/pages/create"))
        .form(&[
            ("_csrf", token.as_str()),
            ("title", "Draft idea"),
            ("format", "markdown"),
            ("body", "# Previewed heading"),
            ("action", "preview"),
            ("parentId", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status(), StatusCode::OK);
    assert!(
        preview
            .text()
            .await
            .unwrap()
            .contains("Previewed heading</h1>")
    );
    let titled = t
        .get_json(&format!(
            "/wiki/api/v2/pages?space-id={}&title=Draft+idea",
            id(&space)
        ))
        .await;
    assert_eq!(titled["results"], json!([]), "a preview creates no page");

    // Someone else saves version 2 while we edit version 1.
    let other = t.put_json(&t.admin, &format!("/wiki/api/v2/pages/{}", id(&page)), &json!({ "title": "Doc", "body": { "representation": "storage", "value": "<p>theirs</p>" }, "version": { "number": 2 } })).await;
    assert_eq!(other.status(), StatusCode::OK);
    let stale = t
        .admin
        .post(t.url(&format!("/wiki/spaces/EDT/pages/edit-v2/{}", id(&page))))
        .form(&[
            ("_csrf", token.as_str()),
            ("title", "Doc"),
            ("format", "storage"),
            ("body", "<p>my precious text</p>"),
            ("version", "2"),
            ("message", ""),
            ("action", "publish"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let html = stale.text().await.unwrap();
    assert!(
        html.contains("my precious text"),
        "the user's text is still in the editor"
    );
    assert!(html.contains("diff?from=1"), "a link shows what changed");
    let now = t.fetch_page(&page).await;
    assert_eq!(
        (
            now["version"]["number"].as_i64(),
            now["body"]["storage"]["value"].as_str()
        ),
        (Some(2), Some("<p>theirs</p>"))
    );
}

#[tokio::test]
async fn the_main_pages_render_for_a_member() {
    let t = spawn_app().await;
    let space = t.space("MAIN").await;
    let parent = t.page(&space, None, "Parent page").await;
    let child = t.page(&space, Some(&parent), "Child page").await;
    t.put_json(&t.admin, &format!("/wiki/api/v2/pages/{}", id(&child)), &json!({ "title": "Child page", "body": { "representation": "storage", "value": "<p>second</p>" }, "version": { "number": 2 } })).await;
    let member = t.user("member@example.com", Role::Member).await;
    let checks: Vec<(String, Vec<&str>)> = vec![
        ("/wiki/spaces".into(), vec!["MAIN", "Space MAIN"]),
        (
            "/wiki/spaces/MAIN".into(),
            vec!["Parent page", "Child page"],
        ),
        (
            format!("/wiki/spaces/MAIN/pages/{}/Child+page", id(&child)),
            vec!["Space MAIN", "Parent page", "<p>second</p>"],
        ),
        (
            format!("/wiki/spaces/MAIN/pages/{}/history", id(&child)),
            vec!["Child page"],
        ),
        (
            format!("/wiki/spaces/MAIN/pages/{}/diff?from=1&to=2", id(&child)),
            vec!["second"],
        ),
        (
            format!("/wiki/spaces/MAIN/pages/{}/versions/1", id(&child)),
            vec!["Child page body"],
        ),
        (
            format!("/wiki/spaces/MAIN/pages/edit-v2/{}", id(&child)),
            vec!["&#60;p&#62;second&#60;/p&#62;"],
        ),
        ("/static/portico.css".into(), vec!["{"]),
    ];
    for (path, needles) in checks {
        let response = t.get(&member, &path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let html = response.text().await.unwrap();
        for needle in needles {
            assert!(html.contains(needle), "{path} should show {needle}");
        }
    }
    let moved = t
        .get(&member, &format!("/wiki/spaces/OTHER/pages/{}", id(&child)))
        .await;
    assert_eq!(
        moved.status(),
        StatusCode::MOVED_PERMANENTLY,
        "a wrong space key redirects to the canonical URL"
    );
    assert!(location(&moved).starts_with(&format!("/wiki/spaces/MAIN/pages/{}/", id(&child))));
}

#[tokio::test]
async fn the_access_screen_is_for_space_admins_and_missing_to_outsiders() {
    let t = spawn_app().await;
    t.space("ACC").await;
    let member = t.user("mo@example.com", Role::Member).await;
    let mo = user_id(&t, "mo@example.com").await;

    // The creator administers the space: the link and the screen are there.
    let home = t
        .get(&t.admin, "/wiki/spaces/ACC")
        .await
        .text()
        .await
        .unwrap();
    assert!(home.contains("href=\"/wiki/spaces/ACC/access\""), "{home}");
    let screen = t.get(&t.admin, "/wiki/spaces/ACC/access").await;
    assert_eq!(screen.status(), StatusCode::OK);
    let html = screen.text().await.unwrap();
    for needle in [
        "All members",
        "Ada Admin",
        "Advanced permissions",
        "Explain access",
        "page.create",
    ] {
        assert!(html.contains(needle), "{needle}");
    }

    // A collaborator sees neither the link nor the screen's content.
    let member_home = t
        .get(&member, "/wiki/spaces/ACC")
        .await
        .text()
        .await
        .unwrap();
    assert!(!member_home.contains("/wiki/spaces/ACC/access"));
    assert_eq!(
        t.get(&member, "/wiki/spaces/ACC/access").await.status(),
        StatusCode::FORBIDDEN
    );

    // Give Mo a role through the "add" form, then make it custom in the grid.
    let token = csrf(&t, &t.admin).await;
    let added = post_form(
        &t,
        &t.admin,
        "/wiki/spaces/ACC/access/grant",
        &[
            ("_csrf", &token),
            ("principal", "user"),
            ("principal_id", &mo),
            ("role", "manager"),
        ],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let screen = t.get(&member, "/wiki/spaces/ACC/access").await;
    assert_eq!(
        screen.status(),
        StatusCode::FORBIDDEN,
        "managers don't administer"
    );
    let row = format!("user-{mo}");
    let grid = post_form(
        &t,
        &t.admin,
        "/wiki/spaces/ACC/access/permissions",
        &[
            ("_csrf", &token),
            ("row", &row),
            (&format!("perm.{row}"), "view"),
            (&format!("perm.{row}"), "admin"),
        ],
    )
    .await;
    assert_eq!(grid.status(), StatusCode::SEE_OTHER);
    let grants = t.get_json("/api/portico/spaces/1/permissions").await;
    let mine = grants["grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|grant| grant["principal"]["id"] == mo.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        (mine["role"].clone(), mine["permissions"].clone()),
        (json!(null), json!(["view", "admin"]))
    );
    let screen = t.get(&member, "/wiki/spaces/ACC/access").await;
    assert_eq!(screen.status(), StatusCode::OK);
    assert!(screen.text().await.unwrap().contains("Custom"));

    // A bad id is an error on the screen; a forged token changes nothing.
    let bad = post_form(
        &t,
        &t.admin,
        "/wiki/spaces/ACC/access/grant",
        &[
            ("_csrf", &token),
            ("principal", "user"),
            ("principal_id", "abc"),
            ("role", "viewer"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("`user id`"));
    let forged = post_form(
        &t,
        &t.admin,
        "/wiki/spaces/ACC/access/remove",
        &[("_csrf", "forged"), ("row", &row)],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Explain access, in sentences.
    let explained = t
        .get(&t.admin, &format!("/wiki/spaces/ACC/access?explain={mo}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        explained.contains(&format!("space grant to user {mo}: view, admin")),
        "{explained}"
    );

    // Remove Mo and the all-members grant: now the space is missing to Mo.
    for row in [row.as_str(), "all-members"] {
        let removed = post_form(
            &t,
            &t.admin,
            "/wiki/spaces/ACC/access/remove",
            &[("_csrf", &token), ("row", row)],
        )
        .await;
        assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    }
    let hidden = t.get(&member, "/wiki/spaces/ACC/access").await;
    let missing = t.get(&member, "/wiki/spaces/NOPE/access").await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(hidden.text().await.unwrap(), missing.text().await.unwrap());
}

#[tokio::test]
async fn the_restrictions_form_restricts_and_lifts() {
    let t = spawn_app().await;
    let space = t.space("RES").await;
    let page = t.page(&space, None, "Board minutes").await;
    let child = t.page(&space, Some(&page), "Appendix").await;
    let member = t.user("rita@example.com", Role::Member).await;
    let rita = user_id(&t, "rita@example.com").await;
    let path = format!("/wiki/spaces/RES/pages/{}/restrictions", id(&page));

    let view = t
        .get(&t.admin, &format!("/wiki/spaces/RES/pages/{}", id(&page)))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        view.contains(&format!("href=\"{path}\"")),
        "a Restrictions link"
    );
    let form = t.get(&t.admin, &path).await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.unwrap().contains("Save restrictions"));

    let token = csrf(&t, &t.admin).await;
    let bad = post_form(
        &t,
        &t.admin,
        &path,
        &[("_csrf", &token), ("view_users", "rita")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("`view users` must list ids")
    );
    assert_eq!(
        t.get(&member, &format!("/wiki/api/v2/pages/{}", id(&page)))
            .await
            .status(),
        StatusCode::OK,
        "nothing changed"
    );

    // Restrict to the admin only: Rita loses the page and its child.
    let saved = post_form(
        &t,
        &t.admin,
        &path,
        &[
            ("_csrf", &token),
            ("view_users", "1"),
            ("view_groups", ""),
            ("edit_users", ""),
            ("edit_groups", ""),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    for hidden in [&page, &child] {
        assert_eq!(
            t.get(&member, &format!("/wiki/spaces/RES/pages/{}", id(hidden)))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
    let child_form = t
        .get(
            &t.admin,
            &format!("/wiki/spaces/RES/pages/{}/restrictions", id(&child)),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        child_form.contains("inherits the view restrictions of")
            && child_form.contains("Board minutes")
    );

    // Add Rita: she sees it again.
    let saved = post_form(
        &t,
        &t.admin,
        &path,
        &[("_csrf", &token), ("view_users", &format!("1, {rita}"))],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let shown = t.get(&t.admin, &path).await.text().await.unwrap();
    assert!(shown.contains("rita@example.com — user"), "{shown}");
    assert_eq!(
        t.get(&member, &format!("/wiki/spaces/RES/pages/{}", id(&child)))
            .await
            .status(),
        StatusCode::OK
    );

    // Lift it.
    let lifted = post_form(&t, &t.admin, &path, &[("_csrf", &token)]).await;
    assert_eq!(lifted.status(), StatusCode::SEE_OTHER);
    let restrictions = t
        .get_json(&format!("/api/portico/pages/{}/restrictions", id(&page)))
        .await;
    assert_eq!(restrictions["view"], json!([]));
}

#[tokio::test]
async fn drafts_from_the_editor_stay_private_until_published() {
    let t = spawn_app().await;
    t.space("DRF").await;
    let member = t.user("dee@example.com", Role::Member).await;
    let token = csrf(&t, &t.admin).await;
    let editor = t
        .get(&t.admin, "/wiki/spaces/DRF/pages/create")
        .await
        .text()
        .await
        .unwrap();
    assert!(editor.contains("Save as draft"));
    let created = post_form(
        &t,
        &t.admin,
        "/wiki/spaces/DRF/pages/create",
        &[
            ("_csrf", &token),
            ("title", "Reorg"),
            ("format", "storage"),
            ("body", "<p>soon</p>"),
            ("parentId", ""),
            ("action", "draft"),
        ],
    )
    .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let url = location(&created);
    let page = t.get(&t.admin, &url).await.text().await.unwrap();
    assert!(page.contains("badge-draft"), "{page}");
    assert_eq!(t.get(&member, &url).await.status(), StatusCode::NOT_FOUND);

    let page_id = url.split('/').nth(5).unwrap().to_owned();
    let edit = t
        .get(
            &t.admin,
            &format!("/wiki/spaces/DRF/pages/edit-v2/{page_id}"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains("Save draft") && edit.contains(">Publish<"));
    let published = post_form(
        &t,
        &t.admin,
        &format!("/wiki/spaces/DRF/pages/edit-v2/{page_id}"),
        &[
            ("_csrf", &token),
            ("title", "Reorg"),
            ("format", "storage"),
            ("body", "<p>now</p>"),
            ("version", "2"),
            ("action", "publish"),
        ],
    )
    .await;
    assert_eq!(published.status(), StatusCode::SEE_OTHER);
    let seen = t.get(&member, &url).await;
    assert_eq!(seen.status(), StatusCode::OK);
    assert!(!seen.text().await.unwrap().contains("badge-draft"));
}

#[tokio::test]
async fn wiki_admin_screens_manage_global_permissions_roles_and_the_admin_key() {
    let t = spawn_app().await;
    let member = t.user("gil@example.com", Role::Member).await;
    let gil = user_id(&t, "gil@example.com").await;
    let token = csrf(&t, &t.admin).await;

    for path in [
        "/admin/permissions",
        "/admin/space-roles",
        "/admin/admin-key",
    ] {
        let page = t.get(&t.admin, path).await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("href=\"/admin/admin-key\"")
        );
        assert_eq!(
            t.get(&member, path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    // Global permissions: add a row, then untick it away.
    let added = post_form(
        &t,
        &t.admin,
        "/admin/permissions/add",
        &[
            ("_csrf", &token),
            ("principal", "user"),
            ("principal_id", &gil),
            ("perm", "use"),
            ("perm", "space.create"),
        ],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let global = t.get_json("/api/portico/global-permissions").await;
    assert!(
        global["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["principal"]["id"] == gil.as_str()
                && row["permissions"] == json!(["use", "space.create"])),
        "{global}"
    );
    let row = format!("user-{gil}");
    let cleared = post_form(
        &t,
        &t.admin,
        "/admin/permissions",
        &[("_csrf", &token), ("row", &row)],
    )
    .await;
    assert_eq!(cleared.status(), StatusCode::SEE_OTHER);
    let global = t.get_json("/api/portico/global-permissions").await;
    assert!(
        !global["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["principal"]["id"] == gil.as_str()),
        "{global}"
    );

    // Space roles: create one, see it listed.
    let created = post_form(
        &t,
        &t.admin,
        "/admin/space-roles",
        &[
            ("_csrf", &token),
            ("name", "Editor"),
            ("perm", "view"),
            ("perm", "page.create"),
        ],
    )
    .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let roles = t
        .get(&t.admin, "/admin/space-roles")
        .await
        .text()
        .await
        .unwrap();
    assert!(roles.contains("custom-editor") && roles.contains("Edit “Editor”"));
    let bad = post_form(
        &t,
        &t.admin,
        "/admin/space-roles",
        &[
            ("_csrf", &token),
            ("name", "No view"),
            ("perm", "page.create"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // The admin key.
    let on = post_form(
        &t,
        &t.admin,
        "/admin/admin-key",
        &[("_csrf", &token), ("reason", "audit request 42")],
    )
    .await;
    assert_eq!(on.status(), StatusCode::SEE_OTHER);
    let panel = t
        .get(&t.admin, "/admin/admin-key")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        panel.contains("Your admin key is active")
            && panel.contains("audit request 42")
            && panel.contains("lapses at")
    );
    let off = post_form(
        &t,
        &t.admin,
        "/admin/admin-key/deactivate",
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    assert_eq!(t.get_json("/api/portico/admin-key").await["active"], false);
}
