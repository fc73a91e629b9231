//! Watching and notifications: each event reaches the watchers and never the
//! actor, drafts announce nothing, guest assignments reach the space's admins
//! and watchers (in the product and by e-mail, never a guest), and delivery
//! follows the recipient's access at writing time and again at reading time.

use portico_app::{
    AppError, AssignmentRole, GrantInput, Grantee, NewPage, NoticeKind, PageId, PageUpdate,
    RestrictionChange, Role, Space, SpaceId, UserId, Viewer, WatchTarget,
};

use crate::harness::{World, storage, world};

fn id(viewer: &Viewer) -> UserId {
    viewer.user_id().unwrap()
}

async fn grant(w: &World, space: &Space, who: &Viewer, role: &str) {
    w.app
        .set_space_grant(
            &w.admin,
            space.id,
            Grantee::User(id(who)),
            GrantInput::Role(role.into()),
        )
        .await
        .unwrap();
}

/// (kind, page) of the viewer's notifications, newest first.
async fn kinds(w: &World, viewer: &Viewer) -> Vec<(NoticeKind, Option<PageId>)> {
    w.app
        .notifications(viewer, None, 100)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|n| (n.kind, n.page.map(|p| p.id)))
        .collect()
}

async fn unread(w: &World, viewer: &Viewer) -> u64 {
    let count = w.app.unread_notifications(viewer).await.unwrap();
    let listed = w.app.notifications(viewer, None, 100).await.unwrap();
    assert_eq!(listed.unread, count, "the list and the header agree");
    count
}

async fn create(w: &World, who: &Viewer, space: &Space, title: &str, draft: bool) -> PageId {
    w.app
        .create_page(
            who,
            NewPage {
                space_id: space.id,
                parent_id: None,
                title: title.into(),
                body: storage(&format!("<p>{title}</p>")),
                draft,
            },
        )
        .await
        .unwrap()
        .id
}

async fn edit(w: &World, who: &Viewer, page: PageId, text: &str, publish: bool) {
    let current = w.app.page(who, page).await.unwrap();
    w.app
        .update_page(
            who,
            page,
            PageUpdate {
                title: current.title,
                body: storage(&format!("<p>{text}</p>")),
                version: current.version + 1,
                message: String::new(),
                publish,
            },
        )
        .await
        .unwrap();
}

async fn restrict_to_admin(w: &World, page: PageId) {
    w.app
        .set_page_restrictions(
            &w.admin,
            page,
            RestrictionChange {
                view: Some(vec![Grantee::User(id(&w.admin))]),
                edit: None,
            },
        )
        .await
        .unwrap();
}

async fn lift_restrictions(w: &World, page: PageId) {
    w.app
        .set_page_restrictions(
            &w.admin,
            page,
            RestrictionChange {
                view: Some(Vec::new()),
                edit: None,
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn each_event_reaches_the_watchers_and_never_the_actor() {
    let w = world().await;
    let space = w.space("EVT").await;
    let actor = w.user("actor@example.com", Role::Member).await;
    let spaces_eye = w.user("space-watcher@example.com", Role::Member).await;
    let pages_eye = w.user("page-watcher@example.com", Role::Member).await;
    let bystander = w.user("bystander@example.com", Role::Member).await;
    for who in [&actor, &spaces_eye, &pages_eye, &bystander] {
        grant(&w, &space, who, "collaborator").await;
    }
    w.app
        .watch(&spaces_eye, WatchTarget::Space(space.id))
        .await
        .unwrap();
    // The actor watches too: their own changes still tell them nothing.
    w.app
        .watch(&actor, WatchTarget::Space(space.id))
        .await
        .unwrap();

    let page = create(&w, &actor, &space, "Roadmap", false).await;
    assert_eq!(
        kinds(&w, &spaces_eye).await,
        [(NoticeKind::PagePublished, Some(page))]
    );
    w.app
        .watch(&pages_eye, WatchTarget::Page(page))
        .await
        .unwrap();
    // Watching twice is one watch.
    w.app
        .watch(&pages_eye, WatchTarget::Page(page))
        .await
        .unwrap();
    assert!(
        w.app
            .is_watching(&pages_eye, WatchTarget::Page(page))
            .await
            .unwrap()
    );

    edit(&w, &actor, page, "v2", true).await;
    let comment = w
        .app
        .add_comment(&actor, page, None, storage("<p>looks good</p>"))
        .await
        .unwrap();
    w.app.restore_version(&actor, page, 1, 2).await.unwrap();
    assert_eq!(
        kinds(&w, &pages_eye).await,
        [
            (NoticeKind::PageUpdated, Some(page)),
            (NoticeKind::CommentCreated, Some(page)),
            (NoticeKind::PageUpdated, Some(page)),
        ]
    );
    let listed = w.app.notifications(&pages_eye, None, 10).await.unwrap();
    assert_eq!(listed.items[1].comment_id, Some(comment.id));
    assert_eq!(listed.items[2].version, Some(2));
    assert_eq!(
        listed.items[0].actor.as_ref().unwrap().display_name,
        "actor@example.com"
    );
    assert_eq!(listed.items[0].page.as_ref().unwrap().title, "Roadmap");
    assert_eq!(listed.items[0].space.key, "EVT");
    assert_eq!(listed.unread, 3);
    // Space watchers hear of new pages, not of every edit.
    assert_eq!(kinds(&w, &spaces_eye).await.len(), 1);
    assert!(kinds(&w, &actor).await.is_empty(), "never the actor");
    assert!(
        kinds(&w, &bystander).await.is_empty(),
        "nor anyone not watching"
    );

    // The creator watches their page from the start.
    assert!(
        w.app
            .is_watching(&actor, WatchTarget::Page(page))
            .await
            .unwrap()
    );
    edit(&w, &pages_eye, page, "v4", true).await;
    assert_eq!(
        kinds(&w, &actor).await,
        [(NoticeKind::PageUpdated, Some(page))]
    );
    // Stopping ends it.
    w.app
        .unwatch(&pages_eye, WatchTarget::Page(page))
        .await
        .unwrap();
    edit(&w, &actor, page, "v5", true).await;
    assert_eq!(kinds(&w, &pages_eye).await.len(), 3);
    assert!(
        !w.app
            .is_watching(&pages_eye, WatchTarget::Page(page))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_draft_notifies_no_one_until_it_is_published() {
    let w = world().await;
    let space = w.space("DRF").await;
    let author = w.user("author@example.com", Role::Member).await;
    let watcher = w.user("watcher@example.com", Role::Member).await;
    grant(&w, &space, &author, "collaborator").await;
    grant(&w, &space, &watcher, "collaborator").await;
    w.app
        .watch(&watcher, WatchTarget::Space(space.id))
        .await
        .unwrap();

    let draft = create(&w, &author, &space, "Plans", true).await;
    edit(&w, &author, draft, "still drafting", false).await;
    w.app
        .add_comment(&author, draft, None, storage("<p>note to self</p>"))
        .await
        .unwrap();
    assert!(kinds(&w, &watcher).await.is_empty());
    // The watcher can't even watch it: a draft is its author's alone.
    assert!(matches!(
        w.app.watch(&watcher, WatchTarget::Page(draft)).await,
        Err(AppError::NotFound)
    ));

    edit(&w, &author, draft, "ready", true).await;
    assert_eq!(
        kinds(&w, &watcher).await,
        [(NoticeKind::PagePublished, Some(draft))]
    );
}

#[tokio::test]
async fn assigning_guests_tells_admins_and_watchers_in_the_product_and_by_mail() {
    let w = world().await;
    let space = w.space("GST").await;
    let space_admin = w.user("space-admin@example.com", Role::Member).await;
    grant(&w, &space, &space_admin, "admin").await;
    let watcher = w.user("watcher@example.com", Role::Member).await;
    grant(&w, &space, &watcher, "viewer").await;
    w.app
        .watch(&watcher, WatchTarget::Space(space.id))
        .await
        .unwrap();
    let reader = w.user("reader@example.com", Role::Member).await;
    grant(&w, &space, &reader, "viewer").await;
    // A guest of the space who watches it must not learn of other guests.
    let old_guest = w.user("old@partner.example", Role::Guest).await;
    w.app
        .assign_guest(
            &w.admin,
            space.id,
            id(&old_guest),
            AssignmentRole::Collaborator,
            None,
        )
        .await
        .unwrap();
    w.app
        .watch(&old_guest, WatchTarget::Space(space.id))
        .await
        .unwrap();
    let new_guest = w.user("new@partner.example", Role::Guest).await;

    w.app
        .assign_guest(
            &space_admin,
            space.id,
            id(&new_guest),
            AssignmentRole::Viewer,
            None,
        )
        .await
        .unwrap();

    for who in [&w.admin, &watcher] {
        let listed = w.app.notifications(who, None, 10).await.unwrap();
        let notice = listed
            .items
            .iter()
            .find(|n| {
                n.kind == NoticeKind::GuestsAdded && n.guests.iter().any(|g| g.id == id(&new_guest))
            })
            .unwrap_or_else(|| panic!("{who:?} is told: {listed:?}"));
        assert_eq!(notice.space.id, space.id);
        assert!(notice.page.is_none());
        assert_eq!(notice.role.as_deref(), Some("viewer"));
        assert!(notice.guests[0].is_guest);
        assert_eq!(
            notice.actor.as_ref().unwrap().display_name,
            "space-admin@example.com"
        );
    }
    let about_new = |list: &portico_app::NotificationList| {
        list.items
            .iter()
            .any(|n| n.guests.iter().any(|g| g.id == id(&new_guest)))
    };
    for who in [&space_admin, &reader, &old_guest, &new_guest] {
        let listed = w.app.notifications(who, None, 10).await.unwrap();
        assert!(!about_new(&listed), "{who:?} is not told: {listed:?}");
    }
    let mails = portico_store::outbox::list(w.store.read(), None, 500)
        .await
        .unwrap();
    let mut told: Vec<(String, bool)> = mails
        .iter()
        .filter(|m| m.subject == "new@partner.example is now a guest in Space GST")
        .map(|m| {
            (
                m.recipient.clone(),
                m.body.contains("/wiki/spaces/GST/access"),
            )
        })
        .collect();
    told.sort();
    assert_eq!(
        told,
        [
            ("admin@example.com".to_owned(), true),
            ("watcher@example.com".to_owned(), false),
        ],
        "the org admin (the space's creator) and the watcher; admins get the access page"
    );
}

#[tokio::test]
async fn nobody_is_told_about_a_page_they_cannot_view() {
    let w = world().await;
    let space = w.space("RST").await;
    let member = w.user("member@example.com", Role::Member).await;
    grant(&w, &space, &member, "collaborator").await;
    w.app
        .watch(&member, WatchTarget::Space(space.id))
        .await
        .unwrap();
    let secret = w.page(&space, None, "Secret").await;
    restrict_to_admin(&w, secret.id).await;
    // A child of a restricted page is born restricted: its watchers of the
    // space are not told.
    let hidden = w.page(&space, Some(secret.id), "Hidden child").await;
    let open = w.page(&space, None, "Open").await;
    assert_eq!(
        kinds(&w, &member).await,
        [(NoticeKind::PagePublished, Some(open.id))],
        "`Secret` was announced before its restriction, and its notice is hidden now"
    );
    // Lifting the restriction shows the old notice again, but the child's
    // was never written.
    lift_restrictions(&w, secret.id).await;
    assert_eq!(
        kinds(&w, &member).await,
        [
            (NoticeKind::PagePublished, Some(open.id)),
            (NoticeKind::PagePublished, Some(secret.id)),
        ]
    );
    assert!(w.app.page(&member, hidden.id).await.is_ok());

    // A page watcher who loses the page hears nothing of its edits.
    w.app
        .watch(&member, WatchTarget::Page(open.id))
        .await
        .unwrap();
    restrict_to_admin(&w, open.id).await;
    edit(&w, &w.admin, open.id, "private edit", true).await;
    lift_restrictions(&w, open.id).await;
    assert!(
        !kinds(&w, &member)
            .await
            .contains(&(NoticeKind::PageUpdated, Some(open.id))),
        "judged when written: the edit happened while the page was hidden"
    );
}

#[tokio::test]
async fn a_notice_about_a_page_restricted_later_disappears_from_the_list_and_the_count() {
    let w = world().await;
    let space = w.space("LTR").await;
    let member = w.user("member@example.com", Role::Member).await;
    grant(&w, &space, &member, "collaborator").await;
    let page = w.page(&space, None, "Budget").await;
    w.app
        .watch(&member, WatchTarget::Page(page.id))
        .await
        .unwrap();
    edit(&w, &w.admin, page.id, "numbers", true).await;
    let listed = w.app.notifications(&member, None, 10).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    let notice = listed.items[0].id;
    assert_eq!(unread(&w, &member).await, 1);

    restrict_to_admin(&w, page.id).await;
    assert!(kinds(&w, &member).await.is_empty());
    assert_eq!(unread(&w, &member).await, 0);
    assert!(matches!(
        w.app.mark_notification_read(&member, notice).await,
        Err(AppError::NotFound)
    ));
    assert_eq!(
        w.app
            .mark_all_notifications_read(&member, None)
            .await
            .unwrap(),
        0
    );

    // Filtered, not deleted: with access back, the notice is back, unread.
    lift_restrictions(&w, page.id).await;
    assert_eq!(unread(&w, &member).await, 1);

    // A page in the trash takes its notices with it.
    w.app.delete_page(&w.admin, page.id).await.unwrap();
    assert_eq!(unread(&w, &member).await, 0);
}

#[tokio::test]
async fn a_guest_removed_from_a_space_no_longer_sees_its_notices() {
    let w = world().await;
    let space = w.space("GRM").await;
    let guest = w.guest_in("guest@partner.example", &space).await;
    let page = w.page(&space, None, "Brief").await;
    w.app
        .watch(&guest, WatchTarget::Page(page.id))
        .await
        .unwrap();
    w.app
        .watch(&guest, WatchTarget::Space(space.id))
        .await
        .unwrap();
    edit(&w, &w.admin, page.id, "updated brief", true).await;
    let added = w.page(&space, None, "New page").await;
    assert_eq!(
        kinds(&w, &guest).await,
        [
            (NoticeKind::PagePublished, Some(added.id)),
            (NoticeKind::PageUpdated, Some(page.id)),
        ]
    );
    assert_eq!(unread(&w, &guest).await, 2);

    w.app
        .unassign_guest(&w.admin, space.id, id(&guest))
        .await
        .unwrap();
    assert!(kinds(&w, &guest).await.is_empty());
    assert_eq!(unread(&w, &guest).await, 0);
    // And nothing new reaches them through the watches they still hold.
    edit(&w, &w.admin, page.id, "after removal", true).await;
    w.app
        .assign_guest(
            &w.admin,
            space.id,
            id(&guest),
            AssignmentRole::Collaborator,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        kinds(&w, &guest).await.len(),
        2,
        "back in the space: the old notices, not the edit made while away"
    );
}

#[tokio::test]
async fn watching_what_you_cannot_view_is_not_found() {
    let w = world().await;
    let space = w.space("INV").await;
    // New spaces are open to all members; this one isn't.
    w.app
        .remove_space_grant(&w.admin, space.id, Grantee::AllMembers)
        .await
        .unwrap();
    let page = w.page(&space, None, "Private").await;
    let outsider = w.user("outsider@example.com", Role::Member).await;
    let targets = [
        WatchTarget::Space(space.id),
        WatchTarget::Page(page.id),
        WatchTarget::Space(SpaceId(999_999)),
        WatchTarget::Page(PageId(999_999)),
    ];
    for target in targets {
        assert!(matches!(
            w.app.watch(&outsider, target).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            w.app.unwatch(&outsider, target).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            w.app.is_watching(&outsider, target).await,
            Err(AppError::NotFound)
        ));
    }
    // A restricted page in a space the member can view: the same answer.
    let member = w.user("member@example.com", Role::Member).await;
    grant(&w, &space, &member, "viewer").await;
    restrict_to_admin(&w, page.id).await;
    assert!(matches!(
        w.app.watch(&member, WatchTarget::Page(page.id)).await,
        Err(AppError::NotFound)
    ));
    w.app
        .watch(&member, WatchTarget::Space(space.id))
        .await
        .unwrap();
    // Anonymous visitors watch nothing and have no notifications.
    assert!(matches!(
        w.app
            .watch(&Viewer::Anonymous, WatchTarget::Space(space.id))
            .await,
        Err(AppError::Unauthenticated)
    ));
    assert!(matches!(
        w.app.notifications(&Viewer::Anonymous, None, 10).await,
        Err(AppError::Unauthenticated)
    ));
}

#[tokio::test]
async fn marking_read_works_on_ones_own_notices_only() {
    let w = world().await;
    let space = w.space("MRK").await;
    let reader = w.user("reader@example.com", Role::Member).await;
    let other = w.user("other@example.com", Role::Member).await;
    grant(&w, &space, &reader, "viewer").await;
    grant(&w, &space, &other, "viewer").await;
    w.app
        .watch(&reader, WatchTarget::Space(space.id))
        .await
        .unwrap();
    let mut pages = Vec::new();
    for n in 0..5 {
        pages.push(w.page(&space, None, &format!("Page {n}")).await.id);
    }
    // Newest first, in pages of two with a cursor.
    let first = w.app.notifications(&reader, None, 2).await.unwrap();
    assert!(first.has_more);
    assert_eq!(first.unread, 5);
    let ids: Vec<Option<PageId>> = first
        .items
        .iter()
        .map(|n| n.page.as_ref().map(|p| p.id))
        .collect();
    assert_eq!(ids, [Some(pages[4]), Some(pages[3])]);
    let rest = w
        .app
        .notifications(&reader, Some(first.items[1].id), 10)
        .await
        .unwrap();
    assert!(!rest.has_more);
    assert_eq!(rest.items.len(), 3);
    assert!(matches!(
        w.app.notifications(&reader, None, 0).await,
        Err(AppError::Invalid(_))
    ));

    // Someone else's notice is a missing one, and stays unread.
    let newest = first.items[0].id;
    assert!(matches!(
        w.app.mark_notification_read(&other, newest).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.mark_notification_read(&reader, 999_999).await,
        Err(AppError::NotFound)
    ));
    assert_eq!(
        w.app
            .mark_all_notifications_read(&other, None)
            .await
            .unwrap(),
        0
    );
    assert_eq!(unread(&w, &reader).await, 5);

    w.app.mark_notification_read(&reader, newest).await.unwrap();
    assert_eq!(unread(&w, &reader).await, 4);
    let listed = w.app.notifications(&reader, None, 10).await.unwrap();
    assert!(listed.items[0].read && !listed.items[1].read);
    // "Mark all read" up to what the list showed: a later notice stays unread.
    let shown = listed.items[0].id;
    w.page(&space, None, "Late").await;
    assert_eq!(
        w.app
            .mark_all_notifications_read(&reader, Some(shown))
            .await
            .unwrap(),
        4
    );
    assert_eq!(unread(&w, &reader).await, 1);
    assert_eq!(
        w.app
            .mark_all_notifications_read(&reader, None)
            .await
            .unwrap(),
        1
    );
    assert_eq!(unread(&w, &reader).await, 0);
}
