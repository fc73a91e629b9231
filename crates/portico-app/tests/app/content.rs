//! Spaces, pages and versions through the use cases, with the access rules.

use portico_app::{AppError, MoveTo, PageFilter, PageUpdate, Role, SpaceFilter, Viewer};
use portico_store::{audit, journal};

use crate::harness::{storage, world};

fn all_spaces() -> SpaceFilter {
    SpaceFilter {
        keys: None,
        status: None,
        after: None,
        limit: 100,
    }
}

#[tokio::test]
async fn changes_write_their_audit_and_journal_entries() {
    let w = world().await;
    let space = w.space("AUD").await;
    let page = w.page(&space, None, "Doc").await;
    w.app
        .update_page(
            &w.admin,
            page.id,
            PageUpdate {
                title: "Doc".into(),
                body: storage("<p>x</p>"),
                version: 2,
                message: String::new(),
                publish: true,
            },
        )
        .await
        .unwrap();
    let actions: Vec<String> = audit::for_target(w.store.read(), "page", &page.id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(actions, ["page.create", "page.update"]);
    let kinds: Vec<String> = journal::since(w.store.read(), 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "space.created",
            "page.created",
            "page.created",
            "page.updated"
        ]
    );
}

#[tokio::test]
async fn people_without_a_wiki_role_see_nothing_anywhere() {
    let w = world().await;
    let space = w.space("HID").await;
    let page = w.page(&space, None, "Hidden").await;
    for role in [Role::None, Role::Guest] {
        let outsider = w.user(&format!("{role}@example.com"), role).await;
        assert!(
            w.app
                .list_spaces(&outsider, all_spaces())
                .await
                .unwrap()
                .items
                .is_empty()
        );
        let pages = w
            .app
            .list_pages(
                &outsider,
                PageFilter {
                    space_ids: None,
                    title: None,
                    after: None,
                    limit: 100,
                },
            )
            .await
            .unwrap();
        assert!(pages.items.is_empty());
        assert!(matches!(
            w.app.page(&outsider, page.id).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            w.app.space(&outsider, space.id).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            w.app.space_tree(&outsider, space.id).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            w.app.versions(&outsider, page.id, None, 10).await,
            Err(AppError::NotFound)
        ));
        let edit = PageUpdate {
            title: "x".into(),
            body: storage(""),
            version: 2,
            message: String::new(),
            publish: true,
        };
        assert!(matches!(
            w.app.update_page(&outsider, page.id, edit).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            w.app
                .move_page(&outsider, page.id, MoveTo::TopOf(space.id))
                .await,
            Err(AppError::NotFound)
        ));
    }
    assert!(matches!(
        w.app.page(&Viewer::Anonymous, page.id).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn members_administer_only_the_spaces_they_created() {
    let w = world().await;
    let admins_space = w.space("ADM").await;
    let member = w.user("member@example.com", Role::Member).await;
    let own = w
        .app
        .create_space(
            &member,
            portico_app::NewSpace {
                key: "MINE".into(),
                name: "Mine".into(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
    assert!(
        w.app
            .set_space_archived(&member, own.id, true)
            .await
            .is_ok()
    );
    let refused = w
        .app
        .set_space_archived(&member, admins_space.id, true)
        .await;
    assert!(
        matches!(
            refused,
            Err(AppError::Forbidden {
                permission: "admin",
                ..
            })
        ),
        "{refused:?}"
    );
    assert!(
        w.app
            .set_space_archived(&w.admin, own.id, false)
            .await
            .is_ok(),
        "wiki admins administer every space"
    );
}

#[tokio::test]
async fn concurrent_saves_all_land() {
    let w = world().await;
    let space = w.space("CON").await;
    let mut tasks = Vec::new();
    for n in 0..12 {
        let app = w.app.clone();
        let admin = w.admin.clone();
        let space_id = space.id;
        tasks.push(tokio::spawn(async move {
            app.create_page(
                &admin,
                portico_app::NewPage {
                    space_id,
                    parent_id: None,
                    title: format!("P{n}"),
                    body: storage(""),
                    draft: false,
                },
            )
            .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let pages = w
        .app
        .list_pages(
            &w.admin,
            PageFilter {
                space_ids: Some(vec![space.id]),
                title: None,
                after: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(pages.items.len(), 13);
}

#[tokio::test]
async fn diff_and_restore_work_across_any_two_versions() {
    let w = world().await;
    let space = w.space("VER").await;
    let page = w.page(&space, None, "Doc").await;
    for (n, body) in [(2, "<p>two</p>"), (3, "<p>three</p>")] {
        w.app
            .update_page(
                &w.admin,
                page.id,
                PageUpdate {
                    title: "Doc".into(),
                    body: storage(body),
                    version: n,
                    message: String::new(),
                    publish: true,
                },
            )
            .await
            .unwrap();
    }
    let diff = w.app.diff(&w.admin, page.id, 3, 1).await.unwrap();
    assert_eq!(diff.from.number, 3);
    assert!(
        diff.lines
            .iter()
            .any(|l| l.kind == portico_app::DiffKind::Added && l.text == "<p>Doc</p>")
    );
    let restored = w
        .app
        .restore_version(&w.admin, page.id, 2, 3)
        .await
        .unwrap();
    assert_eq!(
        (restored.version, restored.body.as_str()),
        (4, "<p>two</p>")
    );
    assert!(matches!(
        w.app.restore_version(&w.admin, page.id, 99, 4).await,
        Err(AppError::NotFound)
    ));
    assert_eq!(
        w.app.page(&w.admin, page.id).await.unwrap().version,
        4,
        "a failed restore changes nothing"
    );
}
