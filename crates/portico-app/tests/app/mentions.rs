//! Mentions (SPEC 3.3): who may be mentioned where on page saves and
//! comments, the guests' site switch, refused saves writing nothing, drafts
//! checked at publish, rendering for a viewer, and the autocomplete.

use portico_app::{
    AppError, BodyFormat, BodyInput, Grantee, MentionTarget, NewPage, PageId, PageUpdate,
    RestrictionChange, Role, UserId, Viewer,
};

use crate::harness::{World, storage, world};

fn id(viewer: &Viewer) -> UserId {
    viewer.user_id().unwrap()
}

fn mention(who: &Viewer) -> BodyInput {
    mention_id(&id(who).to_string())
}

fn mention_id(raw: &str) -> BodyInput {
    storage(&format!(
        r#"<p>Hi <ac:link><ri:user ri:account-id="{raw}"/></ac:link></p>"#
    ))
}

fn update(version: i64, body: BodyInput) -> PageUpdate {
    PageUpdate {
        title: "Plan".into(),
        body,
        version,
        message: String::new(),
        publish: true,
    }
}

/// The refusal message of a save, which must be a refused mention.
fn refused<T: std::fmt::Debug>(result: Result<T, AppError>) -> String {
    match result {
        Err(AppError::MentionRefused(message)) => message,
        other => panic!("expected a refused mention, got {other:?}"),
    }
}

async fn set_guest_switch(w: &World, on: bool) {
    let mut policies = w.app.policies(&w.admin).await.unwrap();
    policies.access.guests_mention_own_space = on;
    w.app.update_policies(&w.admin, policies).await.unwrap();
}

#[tokio::test]
async fn a_guest_can_be_mentioned_in_their_space_only() {
    let w = world().await;
    let theirs = w.space("GST").await;
    let other = w.space("OTH").await;
    let guest = w.guest_in("gus@partner.example", &theirs).await;
    let member = w.user("mia@example.com", Role::Member).await;
    let page = w.page(&theirs, None, "Plan").await;
    let saved = w
        .app
        .update_page(&member, page.id, update(2, mention(&guest)))
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    // In a page of another space the guest can't view, the save is refused,
    // naming the guest (the author may know them).
    let elsewhere = w.page(&other, None, "Plan").await;
    let message = refused(
        w.app
            .update_page(&member, elsewhere.id, update(2, mention(&guest)))
            .await,
    );
    assert_eq!(
        message,
        "cannot mention `gus@partner.example`: they can't view this page"
    );
    // Creating a page there is refused too, and creates nothing.
    let created = w
        .app
        .create_page(
            &member,
            NewPage {
                space_id: other.id,
                parent_id: None,
                title: "New".into(),
                body: mention(&guest),
                draft: false,
            },
        )
        .await;
    refused(created);
    let titles: Vec<String> = w
        .app
        .space_tree(&w.admin, other.id)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.title)
        .collect();
    assert!(!titles.contains(&"New".to_owned()), "{titles:?}");
}

#[tokio::test]
async fn a_member_excluded_by_a_restriction_cant_be_mentioned() {
    let w = world().await;
    let space = w.space("RST").await;
    let page = w.page(&space, None, "Plan").await;
    let child = w.page(&space, Some(page.id), "Child").await;
    let author = w.user("ann@example.com", Role::Member).await;
    let outsider = w.user("otto@example.com", Role::Member).await;
    w.app
        .set_page_restrictions(
            &w.admin,
            page.id,
            RestrictionChange {
                view: Some(vec![
                    Grantee::User(id(&w.admin)),
                    Grantee::User(id(&author)),
                ]),
                edit: None,
            },
        )
        .await
        .unwrap();
    // The restriction covers the page and its descendants.
    for (target, title) in [(page.id, "Plan"), (child.id, "Child")] {
        let mut change = update(2, mention(&outsider));
        change.title = title.into();
        let message = refused(w.app.update_page(&author, target, change).await);
        assert_eq!(
            message,
            "cannot mention `otto@example.com`: they can't view this page"
        );
    }
    // Someone the restriction names can be mentioned.
    let saved = w
        .app
        .update_page(&w.admin, page.id, update(2, mention(&author)))
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
}

#[tokio::test]
async fn a_refused_save_writes_nothing() {
    let w = world().await;
    let space = w.space("NOW").await;
    let other = w.space("OTW").await;
    let guest = w.guest_in("gus@partner.example", &other).await;
    let page = w.page(&space, None, "Plan").await;
    refused(
        w.app
            .update_page(&w.admin, page.id, update(2, mention(&guest)))
            .await,
    );
    let stored = w.app.page(&w.admin, page.id).await.unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(stored.body, "<p>Plan</p>");
    assert_eq!(
        w.app
            .versions(&w.admin, page.id, None, 25)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    // Comments: nothing added, nothing changed.
    refused(
        w.app
            .add_comment(&w.admin, page.id, None, mention(&guest))
            .await,
    );
    assert!(
        w.app
            .page_comments(&w.admin, page.id)
            .await
            .unwrap()
            .is_empty()
    );
    let comment = w
        .app
        .add_comment(&w.admin, page.id, None, storage("<p>first</p>"))
        .await
        .unwrap();
    refused(
        w.app
            .edit_comment(&w.admin, comment.id, mention(&guest), 2)
            .await,
    );
    let kept = w.app.comment(&w.admin, comment.id).await.unwrap();
    assert_eq!(
        (kept.version, kept.body.as_deref()),
        (1, Some("<p>first</p>"))
    );
}

#[tokio::test]
async fn unknown_deactivated_and_malformed_ids_answer_alike() {
    let w = world().await;
    let space = w.space("UNK").await;
    let page = w.page(&space, None, "Plan").await;
    let gone = w.user("gone@example.com", Role::Member).await;
    w.app.deactivate_user(&w.admin, id(&gone)).await.unwrap();
    for raw in [id(&gone).to_string(), "999999".to_owned(), "abc".to_owned()] {
        let message = refused(
            w.app
                .update_page(&w.admin, page.id, update(2, mention_id(&raw)))
                .await,
        );
        assert_eq!(
            message,
            format!("cannot mention account `{raw}`: it names no one you can mention")
        );
    }
}

#[tokio::test]
async fn guests_mention_no_one_until_the_switch_and_then_only_their_space() {
    let w = world().await;
    let space = w.space("GSW").await;
    let other = w.space("GSO").await;
    let guest = w.guest_in("gus@partner.example", &space).await;
    let colleague = w.guest_in("cleo@partner.example", &space).await;
    let stranger = w.guest_in("sam@elsewhere.example", &other).await;
    let page = w.page(&space, None, "Plan").await;
    let message = refused(
        w.app
            .add_comment(&guest, page.id, None, mention(&colleague))
            .await,
    );
    assert_eq!(
        message,
        "cannot mention people: guests may not mention anyone on this site"
    );
    // Plain comments still work.
    w.app
        .add_comment(&guest, page.id, None, storage("<p>thanks</p>"))
        .await
        .unwrap();
    set_guest_switch(&w, true).await;
    w.app
        .add_comment(&guest, page.id, None, mention(&colleague))
        .await
        .unwrap();
    w.app
        .add_comment(&guest, page.id, None, mention(&w.admin))
        .await
        .unwrap();
    // Someone outside the guest's spaces reads like an id that names no one.
    let message = refused(
        w.app
            .add_comment(&guest, page.id, None, mention(&stranger))
            .await,
    );
    assert_eq!(
        message,
        format!(
            "cannot mention account `{}`: it names no one you can mention",
            id(&stranger)
        )
    );
}

#[tokio::test]
async fn only_new_mentions_are_checked_and_drafts_at_publish() {
    let w = world().await;
    let space = w.space("OLD").await;
    let page = w.page(&space, None, "Plan").await;
    let member = w.user("mia@example.com", Role::Member).await;
    w.app
        .update_page(&w.admin, page.id, update(2, mention(&member)))
        .await
        .unwrap();
    // Restricted later: the old mention no longer passes, but editing the
    // page elsewhere still saves.
    w.app
        .set_page_restrictions(
            &w.admin,
            page.id,
            RestrictionChange {
                view: Some(vec![Grantee::User(id(&w.admin))]),
                edit: None,
            },
        )
        .await
        .unwrap();
    let body = format!(
        "<p>Edited</p><p>Hi <ac:link><ri:user ri:account-id=\"{}\"/></ac:link></p>",
        id(&member)
    );
    w.app
        .update_page(&w.admin, page.id, update(3, storage(&body)))
        .await
        .unwrap();
    // A draft may hold any mention; publishing checks them all.
    let outsider_space = w.space("DRF").await;
    let guest = w.guest_in("gus@partner.example", &outsider_space).await;
    let draft = w
        .app
        .create_page(
            &w.admin,
            NewPage {
                space_id: space.id,
                parent_id: None,
                title: "Draft".into(),
                body: mention(&guest),
                draft: true,
            },
        )
        .await
        .unwrap();
    let mut keep_draft = update(2, mention(&guest));
    keep_draft.title = "Draft".into();
    keep_draft.publish = false;
    w.app
        .update_page(&w.admin, draft.id, keep_draft)
        .await
        .unwrap();
    let mut publish = update(3, mention(&guest));
    publish.title = "Draft".into();
    refused(w.app.update_page(&w.admin, draft.id, publish).await);
    let stored = w.app.page(&w.admin, draft.id).await.unwrap();
    assert_eq!((stored.status.as_str(), stored.version), ("draft", 2));
}

#[tokio::test]
async fn markdown_mentions_are_checked_like_storage_ones() {
    let w = world().await;
    let space = w.space("MDN").await;
    let other = w.space("MDO").await;
    let guest = w.guest_in("gus@partner.example", &other).await;
    let page = w.page(&space, None, "Plan").await;
    let body = BodyInput {
        value: format!("Hi @[Gus](account:{})", id(&guest)),
        format: BodyFormat::Markdown,
    };
    refused(w.app.update_page(&w.admin, page.id, update(2, body)).await);
}

#[tokio::test]
async fn rendering_names_only_people_the_viewer_may_know() {
    let w = world().await;
    let space = w.space("RND").await;
    let other = w.space("RNO").await;
    let guest = w.guest_in("gus@partner.example", &space).await;
    let stranger = w.user("stan@example.com", Role::Member).await;
    w.app
        .set_space_grant(
            &w.admin,
            other.id,
            Grantee::User(id(&stranger)),
            portico_app::GrantInput::Role("collaborator".into()),
        )
        .await
        .unwrap();
    let body = format!(
        r#"<p><ac:link><ri:user ri:account-id="{}"/></ac:link> and <ac:link><ri:user ri:account-id="{}"/></ac:link></p>"#,
        id(&guest),
        id(&stranger)
    );
    let as_member = w.app.render_body(&w.admin, &body).await.unwrap();
    assert!(as_member.contains("@gus@partner.example"), "{as_member}");
    assert!(as_member.contains("badge-guest"), "{as_member}");
    assert!(as_member.contains("@stan@example.com"), "{as_member}");
    // The guest shares no space with Stan (who holds a grant elsewhere only).
    let as_guest = w.app.render_body(&guest, &body).await.unwrap();
    assert!(as_guest.contains("@gus@partner.example"), "{as_guest}");
    assert!(!as_guest.contains("stan"), "{as_guest}");
    assert!(!as_guest.contains(&id(&stranger).to_string()), "{as_guest}");
    assert!(as_guest.contains("@unknown user"), "{as_guest}");
}

#[tokio::test]
async fn autocomplete_offers_only_people_who_can_view_the_content() {
    let w = world().await;
    let space = w.space("ACP").await;
    let other = w.space("ACO").await;
    let page = w.page(&space, None, "Plan").await;
    let secret = w.page(&space, None, "Secret").await;
    let inside = w.guest_in("pat.inside@partner.example", &space).await;
    let outside = w.guest_in("pat.outside@partner.example", &other).await;
    let member = w.user("pat.member@example.com", Role::Member).await;
    w.app
        .set_page_restrictions(
            &w.admin,
            secret.id,
            RestrictionChange {
                view: Some(vec![
                    Grantee::User(id(&w.admin)),
                    Grantee::User(id(&member)),
                ]),
                edit: None,
            },
        )
        .await
        .unwrap();
    let names = |people: Vec<portico_app::Person>| {
        people
            .into_iter()
            .map(|p| p.display_name)
            .collect::<Vec<_>>()
    };
    let offered = w
        .app
        .mention_suggestions(&w.admin, MentionTarget::Page(page.id), "pat")
        .await
        .unwrap();
    assert_eq!(
        names(offered),
        vec!["pat.inside@partner.example", "pat.member@example.com"]
    );
    let offered = w
        .app
        .mention_suggestions(&member, MentionTarget::Page(secret.id), "PAT")
        .await
        .unwrap();
    assert_eq!(names(offered), vec!["pat.member@example.com"]);
    // A new page of the space: the guest of the space can view it.
    let offered = w
        .app
        .mention_suggestions(&member, MentionTarget::Space(space.id), "inside")
        .await
        .unwrap();
    assert_eq!(names(offered), vec!["pat.inside@partner.example"]);
    // Guests: no autocomplete while the switch is off; then people of their
    // spaces only.
    assert!(matches!(
        w.app
            .mention_suggestions(&inside, MentionTarget::Page(page.id), "pat")
            .await,
        Err(AppError::NotFound)
    ));
    set_guest_switch(&w, true).await;
    let offered = w
        .app
        .mention_suggestions(&inside, MentionTarget::Page(page.id), "pat")
        .await
        .unwrap();
    assert_eq!(names(offered), vec!["pat.inside@partner.example"]);
    // A page the caller can't view is not found.
    assert!(matches!(
        w.app
            .mention_suggestions(&outside, MentionTarget::Page(page.id), "pat")
            .await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app
            .mention_suggestions(&w.admin, MentionTarget::Page(PageId(999_999)), "pat")
            .await,
        Err(AppError::NotFound)
    ));
}

/// The kinds and pages of `viewer`'s notifications, newest first.
async fn mention_notices(w: &World, viewer: &Viewer) -> Vec<(PageId, Option<i64>)> {
    w.app
        .notifications(viewer, None, 50)
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|notice| notice.kind == portico_app::NoticeKind::Mentioned)
        .map(|notice| (notice.page.map(|page| page.id).unwrap(), notice.comment_id))
        .collect()
}

#[tokio::test]
async fn the_people_newly_mentioned_are_told_once() {
    let w = world().await;
    let space = w.space("TEL").await;
    let guest = w.guest_in("gil@partner.example", &space).await;
    let author = w.user("ada@example.com", Role::Member).await;
    let page = w.page(&space, None, "Plan").await;
    w.app
        .update_page(&author, page.id, update(2, mention(&guest)))
        .await
        .unwrap();
    assert_eq!(mention_notices(&w, &guest).await, [(page.id, None)]);
    assert!(
        mention_notices(&w, &author).await.is_empty(),
        "never the author"
    );

    // Saving the same mention again tells no one again.
    w.app
        .update_page(&author, page.id, update(3, mention(&guest)))
        .await
        .unwrap();
    assert_eq!(mention_notices(&w, &guest).await.len(), 1);

    // A mention in a comment names the comment.
    let comment = w
        .app
        .add_comment(&author, page.id, None, mention(&guest))
        .await
        .unwrap();
    assert_eq!(
        mention_notices(&w, &guest).await,
        [(page.id, Some(comment.id)), (page.id, None)]
    );

    // A draft tells no one until it is published.
    let draft = w
        .app
        .create_page(
            &author,
            NewPage {
                space_id: space.id,
                parent_id: None,
                title: "Draft".into(),
                body: mention(&guest),
                draft: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(mention_notices(&w, &guest).await.len(), 2);
    w.app
        .update_page(
            &author,
            draft.id,
            PageUpdate {
                title: "Draft".into(),
                ..update(draft.version + 1, mention(&guest))
            },
        )
        .await
        .unwrap();
    assert_eq!(mention_notices(&w, &guest).await[0], (draft.id, None));
}
