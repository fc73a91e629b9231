//! The trash over HTTP: deleting pages and attachments moves them there;
//! space admins list, restore (old parent, else the home page; title and
//! file name clashes are 409) and purge (files leave the disk unless another
//! attachment uses them); everyone else gets 404 from every trash endpoint
//! and never sees a trashed thing.

use std::path::{Path, PathBuf};

use portico_app::Role;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, csrf, expect_error, id, post_form, spawn_app, user_id};

async fn send(t: &TestApp, client: &Client, method: Method, path: &str) -> Response {
    client
        .request(method, t.url(path))
        .send()
        .await
        .expect("request")
}

async fn upload(t: &TestApp, client: &Client, page: &str, name: &str, bytes: &[u8]) -> String {
    let form = Form::new().part(
        "file",
        Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
    );
    let response = client
        .post(t.url(&format!("/wiki/api/v2/pages/{page}/attachments")))
        .header("X-Atlassian-Token", "no-check")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "upload {name}");
    let body: Value = response.json().await.unwrap();
    body["results"][0]["id"].as_str().unwrap().to_owned()
}

async fn delete_page(t: &TestApp, page: &Value) {
    let response = send(
        t,
        &t.admin,
        Method::DELETE,
        &format!("/wiki/api/v2/pages/{}", id(page)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn trash(t: &TestApp, space: &Value) -> Vec<Value> {
    let listed = t
        .get_json(&format!("/api/portico/spaces/{}/trash", id(space)))
        .await;
    listed["results"].as_array().unwrap().clone()
}

fn titles(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|entry| entry["title"].as_str().unwrap().to_owned())
        .collect()
}

/// Stored attachment files (content-addressed), leaving out `tmp/`.
fn stored_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|name| name != "tmp") {
                    pending.push(path);
                }
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[tokio::test]
async fn a_restored_page_returns_under_its_old_parent_at_its_old_place() {
    let t = spawn_app().await;
    let space = t.space("TRASH").await;
    let parent = t.page(&space, None, "Handbook").await;
    for title in ["One", "Two", "Three"] {
        t.page(&space, Some(&parent), title).await;
    }
    let children = t
        .get_json(&format!(
            "/wiki/api/v2/pages/{}/direct-children",
            id(&parent)
        ))
        .await;
    let two = children["results"][1].clone();
    assert_eq!(two["title"], "Two");
    delete_page(&t, &two).await;
    assert_eq!(t.child_titles(&parent).await, ["One", "Three"]);

    let listed = trash(&t, &space).await;
    assert_eq!(titles(&listed), ["Two"]);
    assert_eq!(listed[0]["type"], "page");
    assert_eq!(
        listed[0]["trashedBy"],
        json!(user_id(&t, "admin@example.com").await)
    );

    let restored = t
        .post_json(
            &t.admin,
            &format!("/api/portico/trash/pages/{}/restore", id(&two)),
            &json!({}),
        )
        .await;
    assert_eq!(restored.status(), StatusCode::OK);
    let restored: Value = restored.json().await.unwrap();
    assert_eq!(restored["parentId"], parent["id"]);
    assert_eq!(restored["status"], "current");
    assert_eq!(t.child_titles(&parent).await, ["One", "Two", "Three"]);
    assert!(trash(&t, &space).await.is_empty());
    let audit = t.get_json("/api/admin/audit?action=page.restore").await;
    assert!(audit.to_string().contains("page.restore"), "{audit}");
}

#[tokio::test]
async fn a_page_whose_parent_is_gone_returns_under_the_home_page() {
    let t = spawn_app().await;
    let space = t.space("ORPHAN").await;
    let parent = t.page(&space, None, "Projects").await;
    let child = t.page(&space, Some(&parent), "Apollo").await;
    let other = t.page(&space, None, "Archive").await;
    let other_child = t.page(&space, Some(&other), "Gemini").await;
    delete_page(&t, &child).await;
    delete_page(&t, &parent).await;
    delete_page(&t, &other_child).await;
    delete_page(&t, &other).await;
    assert_eq!(
        titles(&trash(&t, &space).await),
        ["Archive", "Gemini", "Projects", "Apollo"],
        "newest first"
    );
    // One parent is purged, the other is still in the trash: both children
    // come back under the home page.
    let purged = send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!("/wiki/api/v2/pages/{}?purge=true", id(&parent)),
    )
    .await;
    assert_eq!(purged.status(), StatusCode::NO_CONTENT);
    let gone = t
        .get(&t.admin, &format!("/wiki/api/v2/pages/{}", id(&parent)))
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let again = send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!("/wiki/api/v2/pages/{}?purge=true", id(&parent)),
    )
    .await;
    expect_error(again, StatusCode::NOT_FOUND).await;

    let home = space["homepageId"].clone();
    for page in [&child, &other_child] {
        let restored = t
            .post_json(
                &t.admin,
                &format!("/api/portico/trash/pages/{}/restore", id(page)),
                &json!({}),
            )
            .await;
        assert_eq!(restored.status(), StatusCode::OK);
        let restored: Value = restored.json().await.unwrap();
        assert_eq!(restored["parentId"], home, "{}", page["title"]);
    }
    assert_eq!(titles(&trash(&t, &space).await), ["Archive"]);
}

#[tokio::test]
async fn a_restore_that_clashes_with_a_current_title_is_a_409_naming_it() {
    let t = spawn_app().await;
    let space = t.space("CLASH").await;
    let first = t.page(&space, None, "Roadmap").await;
    delete_page(&t, &first).await;
    t.page(&space, None, "Roadmap").await;
    let refused = t
        .post_json(
            &t.admin,
            &format!("/api/portico/trash/pages/{}/restore", id(&first)),
            &json!({}),
        )
        .await;
    let detail = expect_error(refused, StatusCode::CONFLICT).await.unwrap();
    assert!(detail.contains("`Roadmap`"), "{detail}");
    assert_eq!(
        titles(&trash(&t, &space).await),
        ["Roadmap"],
        "still in the trash"
    );
}

#[tokio::test]
async fn purging_removes_files_no_other_attachment_uses() {
    let t = spawn_app().await;
    let space = t.space("FILES").await;
    let doomed = t.page(&space, None, "Doomed").await;
    let keeper = t.page(&space, None, "Keeper").await;
    upload(&t, &t.admin, &id(&doomed), "shared.txt", b"the same bytes").await;
    upload(
        &t,
        &t.admin,
        &id(&doomed),
        "own.txt",
        b"only on the doomed page",
    )
    .await;
    let kept = upload(&t, &t.admin, &id(&keeper), "copy.txt", b"the same bytes").await;
    assert_eq!(stored_files(&t.attachments).len(), 2);

    delete_page(&t, &doomed).await;
    assert_eq!(
        stored_files(&t.attachments).len(),
        2,
        "trashing keeps files"
    );
    let purged = send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!("/wiki/api/v2/pages/{}?purge=true", id(&doomed)),
    )
    .await;
    assert_eq!(purged.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        stored_files(&t.attachments).len(),
        1,
        "the shared file stays"
    );
    let download = t
        .get(
            &t.admin,
            &format!("/wiki/api/v2/attachments/{kept}/download"),
        )
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.text().await.unwrap(), "the same bytes");

    // An attachment: trashed first (the file stays), then purged.
    let path = format!("/wiki/api/v2/attachments/{kept}");
    let early = send(&t, &t.admin, Method::DELETE, &format!("{path}?purge=true")).await;
    expect_error(early, StatusCode::CONFLICT).await;
    assert_eq!(
        send(&t, &t.admin, Method::DELETE, &path).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(stored_files(&t.attachments).len(), 1);
    let listed = trash(&t, &space).await;
    assert_eq!(listed[0]["type"], "attachment");
    assert_eq!(listed[0]["pageTitle"], "Keeper");
    let purged = send(&t, &t.admin, Method::DELETE, &format!("{path}?purge=true")).await;
    assert_eq!(purged.status(), StatusCode::NO_CONTENT);
    assert!(stored_files(&t.attachments).is_empty());
    assert!(trash(&t, &space).await.is_empty());
}

#[tokio::test]
async fn the_sweep_removes_unreferenced_files_and_keeps_the_rest() {
    let t = spawn_app().await;
    let space = t.space("SWEEP").await;
    let page = t.page(&space, None, "Kept").await;
    upload(&t, &t.admin, &id(&page), "kept.txt", b"still used").await;
    // A file a failed removal (or a crash after a purge) left behind.
    let stray = "ab".repeat(32);
    let folder = t.attachments.join("ab").join("ab");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join(&stray), b"orphan").unwrap();
    assert_eq!(stored_files(&t.attachments).len(), 2);
    // Young files are left alone: they may be uploads not yet recorded.
    let young = t
        .app
        .sweep_unreferenced_files(std::time::Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(young, 0);
    let removed = t
        .app
        .sweep_unreferenced_files(std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let left = stored_files(&t.attachments);
    assert_eq!(left.len(), 1);
    assert!(!left[0].ends_with(&stray));
}

#[tokio::test]
async fn restoring_an_attachment_is_refused_while_its_name_is_taken() {
    let t = spawn_app().await;
    let space = t.space("NAMES").await;
    let page = t.page(&space, None, "Specs").await;
    let old = upload(&t, &t.admin, &id(&page), "spec.pdf", b"old").await;
    let path = format!("/wiki/api/v2/attachments/{old}");
    assert_eq!(
        send(&t, &t.admin, Method::DELETE, &path).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(t.get(&t.admin, &path).await.status(), StatusCode::NOT_FOUND);
    let new = upload(&t, &t.admin, &id(&page), "spec.pdf", b"new").await;
    assert_ne!(new, old, "a new file, not a version of the trashed one");
    let restore = format!("/api/portico/trash/attachments/{old}/restore");
    let refused = t.post_json(&t.admin, &restore, &json!({})).await;
    let detail = expect_error(refused, StatusCode::CONFLICT).await.unwrap();
    assert!(detail.contains("`spec.pdf`"), "{detail}");
    let new_path = format!("/wiki/api/v2/attachments/{new}");
    assert_eq!(
        send(&t, &t.admin, Method::DELETE, &new_path).await.status(),
        StatusCode::NO_CONTENT
    );
    let restored = t.post_json(&t.admin, &restore, &json!({})).await;
    assert_eq!(restored.status(), StatusCode::NO_CONTENT);
    let download = t.get(&t.admin, &format!("{path}/download")).await;
    assert_eq!(download.text().await.unwrap(), "old");
}

#[tokio::test]
async fn members_who_are_not_space_admins_get_404_from_every_trash_endpoint() {
    let t = spawn_app().await;
    let space = t.space("ADMINS").await;
    let page = t.page(&space, None, "Minutes").await;
    let holder = t.page(&space, None, "Holder").await;
    let file = upload(&t, &t.admin, &id(&holder), "notes.txt", b"notes").await;
    delete_page(&t, &page).await;
    let file_path = format!("/wiki/api/v2/attachments/{file}");
    assert_eq!(
        send(&t, &t.admin, Method::DELETE, &file_path)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let member = t.user("member@example.com", Role::Member).await;
    let space_id = id(&space);
    let page_id = id(&page);
    let cases = [
        (
            Method::GET,
            format!("/api/portico/spaces/{space_id}/trash"),
            "/api/portico/spaces/987654/trash".to_owned(),
        ),
        (
            Method::DELETE,
            format!("/api/portico/spaces/{space_id}/trash"),
            "/api/portico/spaces/987654/trash".to_owned(),
        ),
        (
            Method::POST,
            format!("/api/portico/trash/pages/{page_id}/restore"),
            "/api/portico/trash/pages/987654/restore".to_owned(),
        ),
        (
            Method::POST,
            format!("/api/portico/trash/attachments/{file}/restore"),
            "/api/portico/trash/attachments/987654/restore".to_owned(),
        ),
        (
            Method::DELETE,
            format!("/wiki/api/v2/pages/{page_id}?purge=true"),
            "/wiki/api/v2/pages/987654?purge=true".to_owned(),
        ),
        (
            Method::DELETE,
            format!("{file_path}?purge=true"),
            "/wiki/api/v2/attachments/987654?purge=true".to_owned(),
        ),
    ];
    for (method, path, missing) in cases {
        let hidden = send(&t, &member, method.clone(), &path).await;
        assert_eq!(hidden.status(), StatusCode::NOT_FOUND, "{method} {path}");
        let missing = send(&t, &member, method.clone(), &missing).await;
        assert_eq!(
            hidden.text().await.unwrap(),
            missing.text().await.unwrap(),
            "{path}"
        );
    }
    // Nothing changed.
    assert_eq!(titles(&trash(&t, &space).await), ["notes.txt", "Minutes"]);
    // The UI's trash screen is missing for them too, and not linked.
    let screen = t.get(&member, "/wiki/spaces/ADMINS/trash").await;
    assert_eq!(screen.status(), StatusCode::NOT_FOUND);
    let home = t
        .get(&member, "/wiki/spaces/ADMINS")
        .await
        .text()
        .await
        .unwrap();
    assert!(!home.contains("/wiki/spaces/ADMINS/trash"));
    let home = t
        .get(&t.admin, "/wiki/spaces/ADMINS")
        .await
        .text()
        .await
        .unwrap();
    assert!(home.contains("/wiki/spaces/ADMINS/trash"));
}

#[tokio::test]
async fn a_guest_sees_no_trashed_page_or_file_anywhere() {
    let t = spawn_app().await;
    let space = t.space("SHARED").await;
    let parent = t.page(&space, None, "Deliverables").await;
    let trashed = t.page(&space, Some(&parent), "Draft contract").await;
    let file = upload(&t, &t.admin, &id(&parent), "quote.pdf", b"quote").await;
    let guest = t.user("guest@partner.example", Role::Guest).await;
    let guest_id = user_id(&t, "guest@partner.example").await;
    let assigned = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{guest_id}", id(&space)),
            &json!({ "role": "collaborator" }),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let labelled = t
        .post_json(
            &t.admin,
            &format!("/api/portico/pages/{}/labels", id(&trashed)),
            &json!({ "labels": ["contracts"] }),
        )
        .await;
    assert_eq!(labelled.status(), StatusCode::OK);
    delete_page(&t, &trashed).await;
    let file_path = format!("/wiki/api/v2/attachments/{file}");
    assert_eq!(
        send(&t, &t.admin, Method::DELETE, &file_path)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    let page_path = format!("/wiki/api/v2/pages/{}", id(&trashed));
    for path in [
        page_path.clone(),
        file_path.clone(),
        format!("{file_path}/download"),
    ] {
        assert_eq!(
            t.get(&guest, &path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for path in [
        format!("/wiki/api/v2/pages?space-id={}", id(&space)),
        format!("/wiki/api/v2/pages/{}/direct-children", id(&parent)),
        format!("/wiki/api/v2/pages/{}/attachments", id(&parent)),
        "/wiki/spaces/SHARED".to_owned(),
        "/api/portico/labels/contracts/pages".to_owned(),
        "/wiki/labels/contracts".to_owned(),
        format!("/wiki/spaces/SHARED/pages/{}/attachments", id(&parent)),
    ] {
        let response = t.get(&guest, &path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body = response.text().await.unwrap();
        assert!(!body.contains("Draft contract"), "{path}: {body}");
        assert!(!body.contains("quote.pdf"), "{path}: {body}");
    }
    let listed = t
        .get(&guest, &format!("/api/portico/spaces/{}/trash", id(&space)))
        .await;
    assert_eq!(listed.status(), StatusCode::NOT_FOUND);
    // Nor does anyone else: the label lists only current pages, even for the admin.
    let labelled = t.get_json("/api/portico/labels/contracts/pages").await;
    assert!(labelled["results"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn attachments_are_deleted_by_their_uploader_or_with_attachment_delete() {
    let t = spawn_app().await;
    let space = t.space("DELS").await;
    let page = t.page(&space, None, "Uploads").await;
    let mia = t.user("mia@example.com", Role::Member).await;
    let noor = t.user("noor@example.com", Role::Member).await;
    let mias = upload(&t, &mia, &id(&page), "mia.txt", b"mia").await;
    let admins = upload(&t, &t.admin, &id(&page), "admin.txt", b"admin").await;

    // Members are collaborators: `delete.own`, not `attachment.delete`.
    let refused = send(
        &t,
        &noor,
        Method::DELETE,
        &format!("/wiki/api/v2/attachments/{mias}"),
    )
    .await;
    let detail = expect_error(refused, StatusCode::FORBIDDEN).await.unwrap();
    assert!(detail.contains("attachment.delete"), "{detail}");
    let refused = send(
        &t,
        &mia,
        Method::DELETE,
        &format!("/wiki/api/v2/attachments/{admins}"),
    )
    .await;
    expect_error(refused, StatusCode::FORBIDDEN).await;

    // The attachments screen offers Delete only where it is allowed.
    let screen = format!("/wiki/spaces/DELS/pages/{}/attachments", id(&page));
    let html = t.get(&mia, &screen).await.text().await.unwrap();
    assert!(html.contains(&format!("/attachments/{mias}/delete")));
    assert!(!html.contains(&format!("/attachments/{admins}/delete")));

    let own = send(
        &t,
        &mia,
        Method::DELETE,
        &format!("/wiki/api/v2/attachments/{mias}"),
    )
    .await;
    assert_eq!(own.status(), StatusCode::NO_CONTENT);

    let noor_id = user_id(&t, "noor@example.com").await;
    let granted = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/permissions", id(&space)),
            &json!({ "principal": { "type": "user", "id": noor_id }, "permissions": ["view", "attachment.delete"] }),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::NO_CONTENT);
    // Through the UI's Delete button this time.
    let html = t.get(&noor, &screen).await.text().await.unwrap();
    assert!(html.contains(&format!("/attachments/{admins}/delete")));
    let token = csrf(&t, &noor).await;
    let deleted = post_form(
        &t,
        &noor,
        &format!("{screen}/{admins}/delete"),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    let listed = t
        .get_json(&format!("/wiki/api/v2/pages/{}/attachments", id(&page)))
        .await;
    assert!(listed["results"].as_array().unwrap().is_empty());
    assert_eq!(titles(&trash(&t, &space).await), ["admin.txt", "mia.txt"]);
}

#[tokio::test]
async fn bad_ids_and_wrong_states_are_refused_and_change_nothing() {
    let t = spawn_app().await;
    let space = t.space("BAD").await;
    let page = t.page(&space, None, "Alive").await;
    let file = upload(&t, &t.admin, &id(&page), "alive.txt", b"alive").await;
    let cases = [
        (
            Method::POST,
            "/api/portico/trash/pages/abc/restore".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/api/portico/trash/pages/987654/restore".to_owned(),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "/api/portico/trash/attachments/abc/restore".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/api/portico/trash/attachments/0/restore".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/api/portico/trash/attachments/987654/restore".to_owned(),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/api/portico/spaces/abc/trash".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/portico/spaces/987654/trash".to_owned(),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            format!("/api/portico/spaces/{}/trash?limit=0", id(&space)),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            format!("/api/portico/spaces/{}/trash?cursor=nope", id(&space)),
            StatusCode::BAD_REQUEST,
        ),
        // A current page or file is not restored, and purging wants it trashed first.
        (
            Method::POST,
            format!("/api/portico/trash/pages/{}/restore", id(&page)),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            format!("/api/portico/trash/attachments/{file}/restore"),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            format!("/wiki/api/v2/pages/{}?purge=true", id(&page)),
            StatusCode::CONFLICT,
        ),
        (
            Method::DELETE,
            format!("/wiki/api/v2/pages/{}?purge=maybe", id(&page)),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::DELETE,
            format!("/wiki/api/v2/attachments/{file}?purge=true"),
            StatusCode::CONFLICT,
        ),
        (
            Method::DELETE,
            "/wiki/api/v2/attachments/abc".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::DELETE,
            "/wiki/api/v2/attachments/987654".to_owned(),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (method, path, status) in cases {
        let response = send(&t, &t.admin, method.clone(), &path).await;
        assert_eq!(response.status(), status, "{method} {path}");
    }
    assert_eq!(t.fetch_page(&page).await["status"], "current");
    let listed = t
        .get_json(&format!("/wiki/api/v2/pages/{}/attachments", id(&page)))
        .await;
    assert_eq!(listed["results"].as_array().unwrap().len(), 1);
    assert!(trash(&t, &space).await.is_empty());
}

#[tokio::test]
async fn emptying_the_trash_purges_it_all_through_a_confirmation_step() {
    let t = spawn_app().await;
    let space = t.space("EMPTY").await;
    let holder = t.page(&space, None, "Holder").await;
    let file = upload(&t, &t.admin, &id(&holder), "a.txt", b"a").await;
    let gone = t.page(&space, None, "Gone").await;
    upload(&t, &t.admin, &id(&gone), "b.txt", b"b").await;
    for title in ["P1", "P2", "P3"] {
        let page = t.page(&space, None, title).await;
        delete_page(&t, &page).await;
    }
    delete_page(&t, &gone).await;
    let file_path = format!("/wiki/api/v2/attachments/{file}");
    assert_eq!(
        send(&t, &t.admin, Method::DELETE, &file_path)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    // Paged, newest first.
    let first = t
        .get_json(&format!("/api/portico/spaces/{}/trash?limit=2", id(&space)))
        .await;
    assert_eq!(
        titles(first["results"].as_array().unwrap()),
        ["a.txt", "Gone"]
    );
    let next = first["_links"]["next"].as_str().unwrap().to_owned();
    let second = t.get_json(&next).await;
    assert_eq!(titles(second["results"].as_array().unwrap()), ["P3", "P2"]);

    // The UI asks first.
    let confirm = t.get(&t.admin, "/wiki/spaces/EMPTY/trash/empty").await;
    assert_eq!(confirm.status(), StatusCode::OK);
    let html = confirm.text().await.unwrap();
    assert!(html.contains("Empty trash"));
    let screen = t
        .get(&t.admin, "/wiki/spaces/EMPTY/trash")
        .await
        .text()
        .await
        .unwrap();
    assert!(screen.contains("Gone") && screen.contains("Restore"));
    let no_token = post_form(
        &t,
        &t.admin,
        "/wiki/spaces/EMPTY/trash/empty",
        &[("_csrf", "forged")],
    )
    .await;
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    assert_eq!(trash(&t, &space).await.len(), 5);

    let token = csrf(&t, &t.admin).await;
    let emptied = post_form(
        &t,
        &t.admin,
        "/wiki/spaces/EMPTY/trash/empty",
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(emptied.status(), StatusCode::SEE_OTHER);
    assert!(trash(&t, &space).await.is_empty());
    assert!(stored_files(&t.attachments).is_empty());
    assert_eq!(t.fetch_page(&holder).await["status"], "current");

    // And through the API, on an empty trash: nothing to do.
    let again = send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!("/api/portico/spaces/{}/trash", id(&space)),
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        json!({ "pages": 0, "attachments": 0 })
    );
}
