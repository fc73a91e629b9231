//! Links and includes of pages over HTTP (SPEC 4, "link previews"): a link
//! to a page the viewer can't see (or that doesn't exist) is an unnamed
//! "restricted or missing page" placeholder in the UI; the storage
//! representation keeps only the target's opaque id for such a reader, so
//! an editor's round trip keeps the link; `/wiki/display/KEY/Title` is the
//! same 404 for hidden and missing pages.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::feeds::{HIDDEN_FROM_MEMBER, assert_hides, edit, ok, world};
use crate::harness::id;

fn link(title: &str, key: &str, text: Option<&str>) -> String {
    let body = text.map_or(String::new(), |text| {
        format!("<ac:plain-text-link-body><![CDATA[{text}]]></ac:plain-text-link-body>")
    });
    format!(
        r#"<ac:link><ri:page ri:content-title="{title}" ri:space-key="{key}"/>{body}</ac:link>"#
    )
}

fn include(title: &str) -> String {
    format!(
        r#"<ac:structured-macro ac:name="include"><ac:parameter ac:name=""><ac:link><ri:page ri:content-title="{title}"/></ac:link></ac:parameter></ac:structured-macro>"#
    )
}

/// A page body linking to every kind of target.
fn linking_body() -> String {
    format!(
        "<p>{} {} {} {} {}</p>{}",
        link("Shared plan", "SHARE", None),
        link("Restricted memo", "SHARE", Some("Memo codename")),
        link("Secret merger", "SECRET", None),
        link("Nowhere page", "SHARE", Some("Ghost codename")),
        link("Open roadmap", "open", None),
        include("Restricted memo"),
    )
}

#[tokio::test]
async fn links_to_hidden_or_missing_pages_are_unnamed_placeholders() {
    let w = world().await;
    let t = &w.t;
    let linker = t.page(&w.share, None, "Linker").await;
    edit(t, &t.admin, &linker, &linking_body()).await;

    // Saved with the targets' ids next to their titles (the admin sees all).
    let stored = t.fetch_page(&linker).await["body"]["storage"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    for page in [&w.shared, &w.memo, &w.merger, &w.roadmap] {
        assert!(
            stored.contains(&format!(r#"ri:content-id="{}""#, id(page))),
            "{stored}"
        );
    }
    // A missing target is kept as written in the database, but no reader is
    // told its title (missing and hidden look alike), the author included.
    assert!(!stored.contains("Nowhere page"), "{stored}");
    let row = portico_store::pages::find(t.store.read(), id(&linker).parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(row.body.contains("Nowhere page"), "{}", row.body);

    // The admin's page view links every existing target.
    let html = t
        .get(&t.admin, &format!("/wiki/pages/{}", id(&linker)))
        .await;
    let location = html.headers()["location"].to_str().unwrap().to_owned();
    let admin_view = t.get(&t.admin, &location).await.text().await.unwrap();
    assert!(
        admin_view.contains("Restricted memo") && admin_view.contains("Secret merger"),
        "{admin_view}"
    );
    assert!(admin_view.contains(&format!("/wiki/pages/{}", id(&w.memo))));
    assert_eq!(
        admin_view.matches("restricted or missing page").count(),
        1,
        "only Nowhere"
    );

    // The member under the restriction: placeholders, no title, no link body, no URL.
    let view = t.get(&w.mia, &location).await;
    assert_eq!(view.status(), StatusCode::OK);
    let view = view.text().await.unwrap();
    let body = &view[view.find("wiki-content").unwrap()..];
    assert!(
        body.contains("Shared plan") && body.contains("Open roadmap"),
        "{body}"
    );
    assert_eq!(
        body.matches("restricted or missing page").count(),
        4,
        "{body}"
    );
    assert_hides(body, HIDDEN_FROM_MEMBER, "member");
    for secret in [
        "Memo codename",
        "Ghost codename",
        "Nowhere page",
        &format!("/wiki/pages/{}\"", id(&w.memo)),
        &format!("/wiki/pages/{}\"", id(&w.merger)),
    ] {
        assert!(!body.contains(secret), "`{secret}` in {body}");
    }

    // The guest sees the plan's link only; OPEN's roadmap is a placeholder too.
    let view = t.get(&w.gus, &location).await.text().await.unwrap();
    let body = &view[view.find("wiki-content").unwrap()..];
    assert!(body.contains("Shared plan"), "{body}");
    assert_eq!(
        body.matches("restricted or missing page").count(),
        5,
        "{body}"
    );
    assert!(
        !body.contains("Open roadmap") && !body.contains("Secret merger"),
        "{body}"
    );

    // Storage for the member: hidden targets keep only their opaque id.
    let response = t
        .get(
            &w.mia,
            &format!("/wiki/api/v2/pages/{}?body-format=storage", id(&linker)),
        )
        .await;
    let page: Value = response.json().await.unwrap();
    let storage = page["body"]["storage"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_hides(
        &storage,
        &["Restricted memo", "Secret merger", "Nowhere page", "SECRET"],
        "member storage",
    );
    assert!(
        storage.contains(&format!(r#"ri:content-id="{}""#, id(&w.memo))),
        "{storage}"
    );
    assert!(storage.contains("Shared plan"), "{storage}");

    // The member's round trip keeps the hidden links for those who may see them.
    let number = page["version"]["number"].as_i64().unwrap() + 1;
    ok(t.put_json(
        &w.mia,
        &format!("/wiki/api/v2/pages/{}", id(&linker)),
        &json!({ "id": id(&linker), "status": "current", "title": "Linker",
            "body": { "representation": "storage", "value": storage },
            "version": { "number": number } }),
    )
    .await)
    .await;
    let after = t.fetch_page(&linker).await["body"]["storage"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    for title in [
        "Restricted memo",
        "Secret merger",
        "Shared plan",
        "Open roadmap",
    ] {
        assert!(after.contains(title), "{title} lost in {after}");
    }
    let admin_view = t.get(&t.admin, &location).await.text().await.unwrap();
    assert!(
        admin_view.contains(&format!("/wiki/pages/{}", id(&w.merger))),
        "{admin_view}"
    );

    // A history diff shows the member no hidden title either.
    let diff = t
        .get(
            &w.mia,
            &format!("/wiki/spaces/SHARE/pages/{}/diff?from=2&to=3", id(&linker)),
        )
        .await;
    assert_eq!(diff.status(), StatusCode::OK);
    assert_hides(
        &diff.text().await.unwrap(),
        &["Restricted memo", "Secret merger"],
        "member diff",
    );
}

#[tokio::test]
async fn a_link_by_id_alone_is_kept_and_display_urls_are_404_alike() {
    let w = world().await;
    let t = &w.t;
    let page = t.page(&w.share, None, "Id linker").await;
    let by_id = format!(
        r#"<p><ac:link><ri:page ri:content-id="{}"/></ac:link> <ac:link><ri:page ri:content-id="{}"/></ac:link></p>"#,
        id(&w.shared),
        id(&w.memo)
    );
    edit(t, &w.mia, &page, &by_id).await;
    let stored = t.fetch_page(&page).await["body"]["storage"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        stored.contains(&format!(r#"ri:content-id="{}""#, id(&w.memo))),
        "{stored}"
    );
    // Mia could see the plan, so its title was filled in; not the memo's.
    let mine = t
        .get(
            &w.mia,
            &format!("/wiki/api/v2/pages/{}?body-format=storage", id(&page)),
        )
        .await;
    let mine = mine.json::<Value>().await.unwrap()["body"]["storage"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        mine.contains("Shared plan") && !mine.contains("Restricted memo"),
        "{mine}"
    );

    // `/wiki/display/KEY/Title`: hidden and missing pages answer alike.
    for client in [&w.mia, &w.gus] {
        let hidden = t.get(client, "/wiki/display/SHARE/Restricted%20memo").await;
        let missing = t.get(client, "/wiki/display/SHARE/No%20such%20page").await;
        let hidden_space = t.get(client, "/wiki/display/SECRET/Secret%20merger").await;
        let no_space = t.get(client, "/wiki/display/NOPE/Anything").await;
        assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
        let body = hidden.text().await.unwrap();
        assert_eq!(body, missing.text().await.unwrap());
        assert_eq!(body, hidden_space.text().await.unwrap());
        assert_eq!(body, no_space.text().await.unwrap());
    }
    let found = t.get(&w.mia, "/wiki/display/SHARE/Shared%20plan").await;
    assert_eq!(found.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn inline_comments_and_templates_name_no_hidden_page() {
    let w = world().await;
    let t = &w.t;
    let anchor_page = t.page(&w.share, None, "Anchored").await;
    let linking = format!(
        "<p>see {} and {}</p>",
        link("Secret merger", "SECRET", None),
        link("Shared plan", "SHARE", None)
    );
    ok(t.post_json(
        &t.admin,
        "/wiki/api/v2/inline-comments",
        &json!({
            "pageId": id(&anchor_page),
            "body": { "representation": "storage", "value": linking },
            "inlineCommentProperties": { "textSelection": "Anchored", "textSelectionMatchIndex": 0 },
        }),
    )
    .await)
    .await;
    let listed = t
        .get(
            &w.mia,
            &format!(
                "/wiki/api/v2/pages/{}/inline-comments?body-format=storage",
                id(&anchor_page)
            ),
        )
        .await;
    assert_eq!(listed.status(), StatusCode::OK);
    let text = listed.text().await.unwrap();
    assert!(text.contains("Shared plan"), "{text}");
    assert_hides(
        &text,
        &["Secret merger", "SECRET"],
        "member inline comments",
    );

    // A global template linking to the hidden page: the guest may use it,
    // and reads no hidden title in it.
    ok(t.post_json(
        &t.admin,
        "/api/portico/templates",
        &json!({
            "name": "Linking template",
            "description": "links",
            "body": { "representation": "storage", "value": linking },
            "variables": [],
        }),
    )
    .await)
    .await;
    let templates = t.get(&w.gus, "/api/portico/templates").await;
    assert_eq!(templates.status(), StatusCode::OK);
    let text = templates.text().await.unwrap();
    assert!(text.contains("Linking template"), "{text}");
    assert_hides(&text, &["Secret merger", "SECRET"], "guest templates");
    let admin_sees = t
        .get(&t.admin, "/api/portico/templates")
        .await
        .text()
        .await
        .unwrap();
    assert!(admin_sees.contains("Secret merger"), "{admin_sees}");
}
