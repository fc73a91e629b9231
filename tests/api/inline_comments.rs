//! Inline comments over the v2 API: anchoring across edits (the anchor
//! survives text inserted before it, picks the right occurrence, dangles
//! when its text goes and attaches again when it returns), resolving and
//! reopening (and who may), replies, 422 for a selection not in the
//! version, 404 for outsiders, and footer and inline lists kept apart.

use portico_app::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, csrf, expect_error, id, post_form, spawn_app, user_id};

fn storage(value: &str) -> Value {
    json!({ "representation": "storage", "value": value })
}

/// A new thread's JSON on `selection` (its `index`-th occurrence).
fn thread(page: &Value, selection: &str, index: usize) -> Value {
    json!({
        "pageId": id(page),
        "body": storage("<p>note</p>"),
        "inlineCommentProperties": {
            "textSelection": selection,
            "textSelectionMatchIndex": index,
        },
    })
}

async fn create(t: &TestApp, body: &Value) -> Value {
    let response = t
        .post_json(&t.admin, "/wiki/api/v2/inline-comments", body)
        .await;
    assert_eq!(response.status(), StatusCode::OK, "create inline comment");
    response.json().await.unwrap()
}

async fn edit_page(t: &TestApp, page: &Value, body: &str) {
    let now = t.fetch_page(page).await;
    let number = now["version"]["number"].as_i64().unwrap() + 1;
    let response = t
        .put_json(
            &t.admin,
            &format!("/wiki/api/v2/pages/{}", id(page)),
            &json!({ "title": now["title"], "body": storage(body), "version": { "number": number } }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "edit to v{number}");
}

async fn get_comment(t: &TestApp, comment: &Value) -> Value {
    t.get_json(&format!("/wiki/api/v2/inline-comments/{}", id(comment)))
        .await
}

async fn listed(t: &TestApp, page: &Value, query: &str) -> Vec<String> {
    t.get_json(&format!(
        "/wiki/api/v2/pages/{}/inline-comments{query}",
        id(page)
    ))
    .await["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect()
}

async fn page_html(t: &TestApp, page: &Value) -> String {
    let space = t
        .get_json(&format!(
            "/wiki/api/v2/spaces/{}",
            page["spaceId"].as_str().unwrap()
        ))
        .await;
    let response = t
        .get(
            &t.admin,
            &format!(
                "/wiki/spaces/{}/pages/{}",
                space["key"].as_str().unwrap(),
                id(page)
            ),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

async fn assign_guest(t: &TestApp, space: &Value, email: &str, role: &str) {
    let guest = user_id(t, email).await;
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{guest}", id(space)),
            &json!({ "role": role }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn inline_comment_anchoring_across_edits() {
    let t = spawn_app().await;
    let space = t.space("INL").await;
    let page = t.page(&space, None, "Plan").await;
    edit_page(&t, &page, "<p>Plan: ship the beta on Monday.</p>").await;
    let c = create(&t, &thread(&page, "ship the beta", 0)).await;
    assert_eq!(c["resolutionStatus"], "open");
    assert_eq!(c["properties"]["inlineOriginalSelection"], "ship the beta");
    assert_eq!(c["properties"]["pageVersion"], 2);
    assert_eq!(c["properties"]["textSelectionMatchIndex"], 0);
    let marker = format!("inline-anchor-{}", id(&c));
    assert_eq!(c["properties"]["inlineMarkerRef"], marker);

    // Text inserted before it: still attached, and highlighted.
    edit_page(
        &t,
        &page,
        "<p>Agreed on Friday.</p><p>Plan: ship the beta on Monday.</p>",
    )
    .await;
    let now = get_comment(&t, &c).await;
    assert_eq!(now["resolutionStatus"], "open");
    assert_eq!(now["properties"]["textSelectionMatchIndex"], 0);
    let html = page_html(&t, &page).await;
    assert!(
        html.contains(&format!(
            "Plan: <mark class=\"inline-anchor\" id=\"{marker}\" data-comment=\"{}\">ship the beta</mark> on Monday.",
            id(&c)
        )),
        "{html}"
    );

    // The text now appears twice: the occurrence whose context matches wins.
    edit_page(
        &t,
        &page,
        "<p>Later we ship the beta again.</p><p>Plan: ship the beta on Monday.</p>",
    )
    .await;
    let now = get_comment(&t, &c).await;
    assert_eq!(now["properties"]["textSelectionMatchIndex"], 1);
    assert_eq!(now["properties"]["textSelectionMatchCount"], 2);
    let html = page_html(&t, &page).await;
    assert!(
        html.contains("Later we ship the beta again.")
            && html.contains(&format!(
                "Plan: <mark class=\"inline-anchor\" id=\"{marker}\""
            )),
        "{html}"
    );

    // Gone: dangling (kept, listed apart, not highlighted).
    edit_page(&t, &page, "<p>Plan: wait for the audit.</p>").await;
    let now = get_comment(&t, &c).await;
    assert_eq!(now["resolutionStatus"], "dangling");
    assert!(now["properties"]["textSelectionMatchIndex"].is_null());
    assert_eq!(
        listed(&t, &page, "?resolution-status=dangling").await,
        [id(&c)]
    );
    assert!(
        listed(&t, &page, "?resolution-status=open")
            .await
            .is_empty()
    );
    let html = page_html(&t, &page).await;
    assert!(!html.contains(&format!("id=\"{marker}\"")), "{html}");
    assert!(html.contains("no longer in the page"), "{html}");

    // Back again: attached again.
    edit_page(&t, &page, "<p>Plan: ship the beta on Monday after all.</p>").await;
    let now = get_comment(&t, &c).await;
    assert_eq!(now["resolutionStatus"], "open");
    assert_eq!(
        listed(&t, &page, "?resolution-status=open,reopened").await,
        [id(&c)]
    );

    // A selection of an older version is checked against that version.
    let mut old = thread(&page, "wait for the audit", 0);
    old["inlineCommentProperties"]["pageVersion"] = json!(5);
    let on_old = create(&t, &old).await;
    assert_eq!(on_old["resolutionStatus"], "dangling");
    assert_eq!(on_old["properties"]["pageVersion"], 5);
}

#[tokio::test]
async fn a_selection_not_in_the_version_is_refused() {
    let t = spawn_app().await;
    let space = t.space("INV").await;
    let page = t.page(&space, None, "Doc").await;
    edit_page(&t, &page, "<p>one two one</p>").await;
    let post = |body: Value| {
        let t = &t;
        async move {
            t.post_json(&t.admin, "/wiki/api/v2/inline-comments", &body)
                .await
        }
    };
    let detail = expect_error(
        post(thread(&page, "three", 0)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
    .unwrap();
    assert!(detail.contains("textSelection"), "{detail}");
    let detail = expect_error(
        post(thread(&page, "one", 2)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
    .unwrap();
    assert!(detail.contains("textSelectionMatchIndex"), "{detail}");
    let mut counted = thread(&page, "one", 1);
    counted["inlineCommentProperties"]["textSelectionMatchCount"] = json!(3);
    expect_error(post(counted).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut versioned = thread(&page, "one", 0);
    versioned["inlineCommentProperties"]["pageVersion"] = json!(9);
    expect_error(post(versioned).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    // "one" is not in version 1 ("Doc body").
    let mut first = thread(&page, "one", 0);
    first["inlineCommentProperties"]["pageVersion"] = json!(1);
    expect_error(post(first).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    // No selection and no parent; a blank selection.
    let mut bare = thread(&page, "one", 0);
    bare.as_object_mut()
        .unwrap()
        .remove("inlineCommentProperties");
    expect_error(post(bare).await, StatusCode::BAD_REQUEST).await;
    expect_error(
        post(thread(&page, "  ", 0)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(listed(&t, &page, "").await.is_empty(), "nothing was saved");
    // The second "one" is fine.
    let ok = create(&t, &thread(&page, "one", 1)).await;
    assert_eq!(ok["properties"]["textSelectionMatchIndex"], 1);
}

#[tokio::test]
async fn threads_resolve_and_reopen_by_anyone_who_may_comment() {
    let t = spawn_app().await;
    let space = t.space("RES").await;
    let page = t.page(&space, None, "Doc").await;
    let c = create(&t, &thread(&page, "Doc body", 0)).await;
    let path = format!("/wiki/api/v2/inline-comments/{}", id(&c));
    let collab = t.user("col@partner.example", Role::Guest).await;
    assign_guest(&t, &space, "col@partner.example", "collaborator").await;
    let viewer = t.user("view@partner.example", Role::Guest).await;
    // Viewers are guests of the space too; with max_spaces = 1 per guest.
    assign_guest(&t, &space, "view@partner.example", "viewer").await;

    // A read-only guest sees the thread but may not resolve it.
    assert_eq!(t.get(&viewer, &path).await.status(), StatusCode::OK);
    expect_error(
        t.put_json(&viewer, &path, &json!({ "resolved": true }))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(get_comment(&t, &c).await["resolutionStatus"], "open");

    // A collaborator who didn't write it may.
    let resolved = t
        .put_json(&collab, &path, &json!({ "resolved": true }))
        .await;
    assert_eq!(resolved.status(), StatusCode::OK);
    let resolved: Value = resolved.json().await.unwrap();
    assert_eq!(resolved["resolutionStatus"], "resolved");
    assert_eq!(
        resolved["resolutionLastModifierId"],
        user_id(&t, "col@partner.example").await
    );
    assert!(resolved["resolutionLastModifiedAt"].is_string());
    assert_eq!(
        listed(&t, &page, "?resolution-status=resolved").await,
        [id(&c)]
    );
    assert!(
        listed(&t, &page, "?resolution-status=open")
            .await
            .is_empty()
    );
    // Resolving again changes nothing; a resolved thread isn't highlighted.
    let again: Value = t
        .put_json(&collab, &path, &json!({ "resolved": true }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["resolutionStatus"], "resolved");
    let html = page_html(&t, &page).await;
    assert!(
        !html.contains(&format!("id=\"inline-anchor-{}\"", id(&c))),
        "{html}"
    );

    let reopened: Value = t
        .put_json(&t.admin, &path, &json!({ "resolved": false }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reopened["resolutionStatus"], "reopened");
    assert_eq!(
        listed(&t, &page, "?resolution-status=reopened").await,
        [id(&c)]
    );

    // Only the author edits; the PUT may also carry both.
    let edit =
        json!({ "body": storage("<p>changed</p>"), "version": { "number": 2 }, "resolved": true });
    expect_error(
        t.put_json(&collab, &path, &edit).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let both: Value = t
        .put_json(&t.admin, &path, &edit)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(both["version"]["number"], 2);
    assert_eq!(both["body"]["storage"]["value"], "<p>changed</p>");
    assert_eq!(both["resolutionStatus"], "resolved");
    expect_error(
        t.put_json(&t.admin, &path, &json!({})).await,
        StatusCode::BAD_REQUEST,
    )
    .await;

    // Deleting follows footer comments' rule: not for the viewer.
    let deleted = viewer.delete(t.url(&path)).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::FORBIDDEN);
    let deleted = t.admin.delete(t.url(&path)).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(t.get(&t.admin, &path).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn replies_join_their_thread() {
    let t = spawn_app().await;
    let space = t.space("REP").await;
    let page = t.page(&space, None, "Doc").await;
    let c = create(&t, &thread(&page, "body", 0)).await;
    let reply = create(
        &t,
        &json!({ "pageId": id(&page), "parentCommentId": id(&c), "body": storage("<p>re</p>") }),
    )
    .await;
    assert_eq!(reply["parentCommentId"], c["id"]);
    assert!(reply["properties"]["inlineOriginalSelection"].is_null());
    let children = t
        .get_json(&format!("/wiki/api/v2/inline-comments/{}/children", id(&c)))
        .await;
    assert_eq!(children["results"][0]["id"], reply["id"]);
    assert_eq!(listed(&t, &page, "").await, [id(&c), id(&reply)]);
    // A reply carries its thread's status and can't be resolved itself.
    t.put_json(
        &t.admin,
        &format!("/wiki/api/v2/inline-comments/{}", id(&c)),
        &json!({ "resolved": true }),
    )
    .await;
    assert_eq!(
        get_comment(&t, &reply).await["resolutionStatus"],
        "resolved"
    );
    expect_error(
        t.put_json(
            &t.admin,
            &format!("/wiki/api/v2/inline-comments/{}", id(&reply)),
            &json!({ "resolved": false }),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // A reply has no selection of its own.
    let mut both = thread(&page, "body", 0);
    both["parentCommentId"] = json!(id(&c));
    expect_error(
        t.post_json(&t.admin, "/wiki/api/v2/inline-comments", &both)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn footer_and_inline_comments_are_kept_apart() {
    let t = spawn_app().await;
    let space = t.space("SEP").await;
    let page = t.page(&space, None, "Doc").await;
    let inline = create(&t, &thread(&page, "Doc", 0)).await;
    let footer: Value = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/footer-comments",
            &json!({ "pageId": id(&page), "body": storage("<p>footer</p>") }),
        )
        .await
        .json()
        .await
        .unwrap();
    let footers = t
        .get_json(&format!("/wiki/api/v2/pages/{}/footer-comments", id(&page)))
        .await;
    let footer_ids: Vec<String> = footers["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(footer_ids, [id(&footer)]);
    assert_eq!(listed(&t, &page, "").await, [id(&inline)]);
    for path in [
        format!("/wiki/api/v2/footer-comments/{}", id(&inline)),
        format!("/wiki/api/v2/footer-comments/{}/children", id(&inline)),
        format!("/wiki/api/v2/inline-comments/{}", id(&footer)),
        format!("/wiki/api/v2/inline-comments/{}/children", id(&footer)),
    ] {
        assert_eq!(
            t.get(&t.admin, &path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // Neither kind replies to the other.
    for (path, parent) in [
        ("/wiki/api/v2/footer-comments", &inline),
        ("/wiki/api/v2/inline-comments", &footer),
    ] {
        let reply = json!({ "pageId": id(&page), "parentCommentId": id(parent), "body": storage("<p>x</p>") });
        expect_error(
            t.post_json(&t.admin, path, &reply).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let gone = t
        .admin
        .delete(t.url(&format!("/wiki/api/v2/footer-comments/{}", id(&inline))))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_guest_of_another_space_gets_not_found() {
    let t = spawn_app().await;
    let space = t.space("OWN").await;
    let other = t.space("OTH").await;
    let page = t.page(&space, None, "Secret").await;
    let c = create(&t, &thread(&page, "Secret", 0)).await;
    let outsider = t.user("out@partner.example", Role::Guest).await;
    assign_guest(&t, &other, "out@partner.example", "collaborator").await;
    let missing = t
        .get(&outsider, "/wiki/api/v2/inline-comments/999999")
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let missing = missing.text().await.unwrap();
    for path in [
        format!("/wiki/api/v2/inline-comments/{}", id(&c)),
        format!("/wiki/api/v2/inline-comments/{}/children", id(&c)),
        format!("/wiki/api/v2/pages/{}/inline-comments", id(&page)),
    ] {
        let response = t.get(&outsider, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.text().await.unwrap(), missing, "{path}");
    }
    let path = format!("/wiki/api/v2/inline-comments/{}", id(&c));
    let resolve = t
        .put_json(&outsider, &path, &json!({ "resolved": true }))
        .await;
    assert_eq!(resolve.status(), StatusCode::NOT_FOUND);
    let delete = outsider.delete(t.url(&path)).send().await.unwrap();
    assert_eq!(delete.status(), StatusCode::NOT_FOUND);
    let post = t
        .post_json(
            &outsider,
            "/wiki/api/v2/inline-comments",
            &thread(&page, "Secret", 0),
        )
        .await;
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
    assert_eq!(get_comment(&t, &c).await["resolutionStatus"], "open");
}

#[tokio::test]
async fn an_inline_comment_tells_the_page_watchers() {
    let t = spawn_app().await;
    let space = t.space("WAT").await;
    let page = t.page(&space, None, "Doc").await;
    let mia = t.user("mia@example.com", Role::Member).await;
    let watch = mia
        .put(t.url(&format!("/api/portico/pages/{}/watch", id(&page))))
        .send()
        .await
        .unwrap();
    assert!(watch.status().is_success(), "{}", watch.status());
    create(&t, &thread(&page, "Doc", 0)).await;
    let notices: Value = t
        .get(&mia, "/api/notifications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        notices["results"].as_array().map(Vec::len),
        Some(1),
        "{notices}"
    );
}

#[tokio::test]
async fn the_page_view_forms_work_without_javascript() {
    let t = spawn_app().await;
    let space = t.space("IUI").await;
    let page = t.page(&space, None, "Doc").await;
    edit_page(&t, &page, "<p>one <em>two</em> one &lt;b&gt;</p>").await;
    let base = format!("/wiki/spaces/IUI/pages/{}", id(&page));
    let mia = t.user("mia@example.com", Role::Member).await;
    let token = csrf(&t, &mia).await;
    let html = page_html(&t, &page).await;
    assert!(
        html.contains("<label for=\"inline-selection\">Quoted text</label>"),
        "{html}"
    );
    assert!(html.contains("name=\"pageVersion\" value=\"2\""), "{html}");
    assert!(
        html.contains("<script src=\"/static/inline-comments.js?v="),
        "{html}"
    );
    let script = t.get(&mia, "/static/inline-comments.js").await;
    assert_eq!(script.status(), StatusCode::OK);

    // The second "one", typed by hand.
    let post = |fields: Vec<(&'static str, String)>| {
        let (t, mia, base, token) = (&t, &mia, &base, &token);
        async move {
            let mut form: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
            form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            post_form(t, mia, &format!("{base}/inline-comments"), &form).await
        }
    };
    let made = post(vec![
        ("selection", "one".into()),
        ("occurrence", "2".into()),
        ("pageVersion", "2".into()),
        ("body", "Why *twice*?".into()),
    ])
    .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let listed = t
        .get_json(&format!("/wiki/api/v2/pages/{}/inline-comments", id(&page)))
        .await;
    let c = listed["results"][0].clone();
    assert_eq!(c["properties"]["textSelectionMatchIndex"], 1);
    let html = page_html(&t, &page).await;
    assert!(
        html.contains(&format!(
            "<em>two</em> <mark class=\"inline-anchor\" id=\"inline-anchor-{0}\" data-comment=\"{0}\">one</mark> &lt;b&gt;",
            id(&c)
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!("<a href=\"#inline-anchor-{}\">one</a>", id(&c))),
        "{html}"
    );
    assert!(html.contains("<em>twice</em>"), "{html}");

    // A hostile quote that isn't in the page is refused on the form, escaped.
    let refused = post(vec![
        ("selection", "<script>x</script>".into()),
        ("occurrence", "1".into()),
        ("body", "no".into()),
    ])
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = crate::harness::without_own_scripts(&refused.text().await.unwrap());
    assert!(
        html.contains("does not occur in the page version"),
        "{html}"
    );
    assert!(!html.contains("<script>x"), "{html}");
    assert!(
        html.contains("&#60;script&#62;x&#60;/script&#62;"),
        "{html}"
    );
    // Quoting the escaped text works: it is text in the page.
    let quoted = post(vec![("selection", "one <b>".into()), ("body", "ok".into())]).await;
    assert_eq!(quoted.status(), StatusCode::SEE_OTHER);

    // Resolve from the form: collapsed under "Resolved", no mark.
    let resolved = post_form(
        &t,
        &mia,
        &format!("{base}/inline-comments/{}/resolve", id(&c)),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(resolved.status(), StatusCode::SEE_OTHER);
    let html = page_html(&t, &page).await;
    assert!(html.contains("<summary>Resolved (1)</summary>"), "{html}");
    assert!(
        !html.contains(&format!("id=\"inline-anchor-{}\"", id(&c))),
        "{html}"
    );
    assert!(html.contains("Resolved by mia@example.com"), "{html}");
    let reopened = post_form(
        &t,
        &mia,
        &format!("{base}/inline-comments/{}/reopen", id(&c)),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(reopened.status(), StatusCode::SEE_OTHER);
    assert_eq!(get_comment(&t, &c).await["resolutionStatus"], "reopened");
    // A forged post changes nothing.
    let forged = post_form(
        &t,
        &mia,
        &format!("{base}/inline-comments/{}/resolve", id(&c)),
        &[("_csrf", "nope")],
    )
    .await;
    assert!(forged.status().is_client_error());
    assert_eq!(get_comment(&t, &c).await["resolutionStatus"], "reopened");
}
