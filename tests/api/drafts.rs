//! Drafts over HTTP (SPEC 2.1, 2.2): an edit of a published page saved as a
//! draft (`PUT` with `status: "draft"`) is its author's alone — read back
//! with `get-draft=true`, published later with a normal update, discarded
//! with `DELETE ?draft=true` — and neither it nor an unpublished new page
//! shows to anyone else on any surface: API reads and lists, versions,
//! children, the UI's page, tree, history and drafts screens, label
//! listings, notifications and mail. A draft that started before someone
//! else published can't overwrite their version.

use portico_app::Role;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, csrf, expect_error, id, post_form, spawn_app, user_id};

const AUTHOR: &str = "ada@example.com";
const OTHER: &str = "ben@example.com";
const GUEST: &str = "gus@partner.example";
const EDIT_MARKER: &str = "zqx-edit-draft-marker";
const NEW_MARKER: &str = "zqx-new-draft-marker";
const MISSING: &str = "987654";

fn edit(title: &str, number: i64, body: &str, status: &str) -> Value {
    json!({ "status": status, "title": title,
        "body": { "representation": "storage", "value": body },
        "version": { "number": number } })
}

async fn send(t: &TestApp, client: &Client, method: Method, path: &str) -> reqwest::Response {
    client.request(method, t.url(path)).send().await.unwrap()
}

async fn body_of(t: &TestApp, client: &Client, path: &str) -> (StatusCode, String) {
    let response = t.get(client, path).await;
    (response.status(), response.text().await.unwrap())
}

/// A space `DR` with a published page "Plan" (watched by the other member)
/// that the author may edit, and a guest assigned to the space.
struct World {
    t: TestApp,
    space: Value,
    page: Value,
    author: Client,
    other: Client,
    guest: Client,
}

async fn world() -> World {
    let t = spawn_app().await;
    let space = t.space("DR").await;
    let page = t.page(&space, None, "Plan").await;
    let author = t.user(AUTHOR, Role::Member).await;
    let other = t.user(OTHER, Role::Member).await;
    let guest = t.user(GUEST, Role::Guest).await;
    let gus = user_id(&t, GUEST).await;
    let assigned = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{gus}", id(&space)),
            &json!({ "role": "collaborator" }),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let watched = send(
        &t,
        &other,
        Method::PUT,
        &format!("/api/portico/pages/{}/watch", id(&page)),
    )
    .await;
    assert_eq!(watched.status(), StatusCode::NO_CONTENT);
    World {
        t,
        space,
        page,
        author,
        other,
        guest,
    }
}

#[tokio::test]
async fn an_edit_saved_as_a_draft_is_the_authors_until_published() {
    let w = world().await;
    let t = &w.t;
    let path = format!("/wiki/api/v2/pages/{}", id(&w.page));
    let saved = t
        .put_json(
            &w.author,
            &path,
            &edit("Plan v2", 2, &format!("<p>{EDIT_MARKER}</p>"), "draft"),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let saved: Value = saved.json().await.unwrap();
    assert_eq!(saved["status"], "draft");
    assert_eq!(saved["title"], "Plan v2");

    // The page itself is unchanged, for everyone including the author.
    let page = t.fetch_page(&w.page).await;
    assert_eq!(page["version"]["number"], 1);
    assert_eq!(page["title"], "Plan");
    assert!(!page.to_string().contains(EDIT_MARKER));

    // The author reads it back; to anyone else it does not exist.
    let own = format!("{path}?get-draft=true&body-format=storage");
    let (status, mine) = body_of(t, &w.author, &own).await;
    assert_eq!(status, StatusCode::OK);
    assert!(mine.contains(EDIT_MARKER), "{mine}");
    let missing = t
        .get(&w.other, &format!("/wiki/api/v2/pages/{MISSING}"))
        .await
        .bytes()
        .await
        .unwrap();
    for client in [&w.other, &t.admin, &w.guest] {
        let hidden = t.get(client, &own).await;
        assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
        assert_eq!(hidden.bytes().await.unwrap(), missing);
    }

    // The author's page view offers to resume it; the editor holds it.
    let view_path = format!("/wiki/spaces/DR/pages/{}", id(&w.page));
    let (_, view) = body_of(t, &w.author, &view_path).await;
    assert!(view.contains("You have unpublished changes"), "{view}");
    let editor_path = format!("/wiki/spaces/DR/pages/edit-v2/{}", id(&w.page));
    let (_, editor) = body_of(t, &w.author, &editor_path).await;
    assert!(editor.contains(EDIT_MARKER) && editor.contains("Plan v2"));
    assert!(editor.contains("You are editing your unpublished changes"));
    let (_, fresh) = body_of(t, &w.author, &format!("{editor_path}?fresh=1")).await;
    assert!(!fresh.contains(EDIT_MARKER));
    let (_, drafts) = body_of(t, &w.author, "/drafts").await;
    assert!(drafts.contains("Plan v2"), "{drafts}");

    // No one else sees a trace of it anywhere.
    assert_nothing_shows(&w, EDIT_MARKER).await;
    assert_nothing_shows(&w, "Plan v2").await;
    let (_, others) = body_of(t, &w.other, &view_path).await;
    assert!(!others.contains("unpublished changes"));
    let notices = t
        .get(&w.other, "/api/notifications")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(notices["results"], json!([]), "{notices}");

    // Publishing it is a new version for everyone; the draft is gone, and
    // the watcher hears of the edit now.
    let published = t
        .put_json(
            &w.author,
            &path,
            &edit("Plan v2", 2, &format!("<p>{EDIT_MARKER}</p>"), "current"),
        )
        .await;
    assert_eq!(published.status(), StatusCode::OK);
    let page = t.fetch_page(&w.page).await;
    assert_eq!(page["version"]["number"], 2);
    assert!(page.to_string().contains(EDIT_MARKER));
    expect_error(t.get(&w.author, &own).await, StatusCode::NOT_FOUND).await;
    let notices = t
        .get(&w.other, "/api/notifications")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(notices["results"].as_array().map(Vec::len), Some(1));
}

/// Every surface a non-author can reach shows nothing of `marker`.
async fn assert_nothing_shows(w: &World, marker: &str) {
    let t = &w.t;
    let page = id(&w.page);
    let space = id(&w.space);
    let paths = [
        format!("/wiki/api/v2/pages/{page}?body-format=storage"),
        format!("/wiki/api/v2/pages?space-id={space}&body-format=storage"),
        format!("/wiki/api/v2/pages/{page}/versions"),
        format!("/wiki/spaces/DR/pages/{page}"),
        format!("/wiki/spaces/DR/pages/{page}/history"),
        "/wiki/spaces/DR".to_owned(),
        format!("/wiki/spaces/DR/pages/{page}/versions/1"),
        "/api/portico/labels/plans/pages".to_owned(),
        "/drafts".to_owned(),
        "/notifications".to_owned(),
        "/api/notifications".to_owned(),
        "/wiki/labels/plans".to_owned(),
    ];
    for client in [&w.other, &t.admin, &w.guest] {
        for path in &paths {
            let (_, text) = body_of(t, client, path).await;
            assert!(!text.contains(marker), "{marker} shows at {path}: {text}");
        }
    }
    let (_, outbox) = body_of(t, &t.admin, "/admin/outbox").await;
    assert!(!outbox.contains(marker), "{marker} is in the outbox");
}

#[tokio::test]
async fn an_unpublished_new_page_shows_nowhere_but_to_its_author() {
    let w = world().await;
    let t = &w.t;
    let other_id = user_id(t, OTHER).await;
    let created = t
        .post_json(
            &w.author,
            "/wiki/api/v2/pages",
            &json!({ "spaceId": id(&w.space), "parentId": id(&w.page), "status": "draft",
                "title": NEW_MARKER,
                "body": { "representation": "storage", "value": format!(
                    r#"<p>{NEW_MARKER} for <ac:link><ri:user ri:account-id="{other_id}"/></ac:link></p>"#) } }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let draft: Value = created.json().await.unwrap();
    // Labelled, so label listings would show it if they leaked.
    let labelled = t
        .post_json(
            &w.author,
            &format!("/api/portico/pages/{}/labels", id(&draft)),
            &json!({ "labels": ["plans"] }),
        )
        .await;
    assert_eq!(labelled.status(), StatusCode::OK);
    let children = format!("/wiki/api/v2/pages/{}/direct-children", id(&w.page));
    let (_, mine) = body_of(t, &w.author, &children).await;
    assert!(!mine.contains(NEW_MARKER), "drafts are not children yet");
    let (_, drafts) = body_of(t, &w.author, "/drafts").await;
    assert!(drafts.contains(NEW_MARKER), "{drafts}");
    let (status, _) = body_of(
        t,
        &w.author,
        &format!("/wiki/api/v2/pages/{}?get-draft=true", id(&draft)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    assert_nothing_shows(&w, NEW_MARKER).await;
    for client in [&w.other, &t.admin, &w.guest] {
        let (_, text) = body_of(t, client, &children).await;
        assert!(!text.contains(NEW_MARKER));
        expect_error(
            t.get(client, &format!("/wiki/api/v2/pages/{}", id(&draft)))
                .await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    // The person it mentions hears of it only once it is published.
    let notices = t
        .get(&w.other, "/api/notifications")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(notices["results"], json!([]));
}

#[tokio::test]
async fn a_stale_draft_cannot_overwrite_a_newer_version() {
    let w = world().await;
    let t = &w.t;
    let path = format!("/wiki/api/v2/pages/{}", id(&w.page));
    let saved = t
        .put_json(&w.author, &path, &edit("Plan", 2, "<p>mine</p>", "draft"))
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    // Meanwhile someone else publishes version 2.
    let theirs = t
        .put_json(
            &t.admin,
            &path,
            &edit("Plan", 2, "<p>theirs</p>", "current"),
        )
        .await;
    assert_eq!(theirs.status(), StatusCode::OK);
    // The draft still starts from version 1, so publishing it is refused.
    let refused = t
        .put_json(&w.author, &path, &edit("Plan", 2, "<p>mine</p>", "current"))
        .await;
    expect_error(refused, StatusCode::CONFLICT).await;
    let page = t.fetch_page(&w.page).await;
    assert!(page.to_string().contains("theirs"));
    // The editor says so and points at what changed.
    let (_, editor) = body_of(
        t,
        &w.author,
        &format!("/wiki/spaces/DR/pages/edit-v2/{}", id(&w.page)),
    )
    .await;
    assert!(
        editor.contains("published again since you started"),
        "{editor}"
    );
    assert!(editor.contains("/diff?from=1&#38;to=2"), "{editor}");
    // Saving the draft again from the latest version brings it up to date.
    let rebased = t
        .put_json(&w.author, &path, &edit("Plan", 3, "<p>mine</p>", "draft"))
        .await;
    assert_eq!(rebased.status(), StatusCode::OK);
    let published = t
        .put_json(&w.author, &path, &edit("Plan", 3, "<p>mine</p>", "current"))
        .await;
    assert_eq!(published.status(), StatusCode::OK);
}

#[tokio::test]
async fn discarding_a_draft_leaves_the_page_and_bad_input_changes_nothing() {
    let w = world().await;
    let t = &w.t;
    let path = format!("/wiki/api/v2/pages/{}", id(&w.page));
    let saved = t
        .put_json(&w.author, &path, &edit("Plan", 2, "<p>later</p>", "draft"))
        .await;
    assert_eq!(saved.status(), StatusCode::OK);

    // A draft can't start from a version that doesn't exist yet.
    expect_error(
        t.put_json(&w.author, &path, &edit("Plan", 9, "<p>x</p>", "draft"))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    expect_error(
        t.get(&w.author, &format!("{path}?get-draft=maybe")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // Someone without edit rights can't save one (the guest of another
    // space: the page does not exist for them).
    let outsider = t.user("out@partner.example", Role::Guest).await;
    expect_error(
        t.put_json(&outsider, &path, &edit("Plan", 2, "<p>x</p>", "draft"))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Another member's discard finds no draft of theirs.
    expect_error(
        send(t, &w.other, Method::DELETE, &format!("{path}?draft=true")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let (_, mine) = body_of(
        t,
        &w.author,
        &format!("{path}?get-draft=true&body-format=storage"),
    )
    .await;
    assert!(mine.contains("later"));

    // The author discards it from the page view's form.
    let token = csrf(t, &w.author).await;
    let discarded = post_form(
        t,
        &w.author,
        &format!("/wiki/spaces/DR/pages/{}/draft/discard", id(&w.page)),
        &[("_csrf", token.as_str())],
    )
    .await;
    assert_eq!(discarded.status(), StatusCode::SEE_OTHER);
    expect_error(
        t.get(&w.author, &format!("{path}?get-draft=true")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        send(t, &w.author, Method::DELETE, &format!("{path}?draft=true")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let page = t.fetch_page(&w.page).await;
    assert_eq!(page["version"]["number"], 1);
    assert_eq!(
        t.get(&w.author, &path).await.status(),
        StatusCode::OK,
        "discarding never deletes the page"
    );
}
