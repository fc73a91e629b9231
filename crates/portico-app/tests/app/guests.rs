//! Guest space assignments on each backend: the one-space rule and its moves,
//! assignment roles, spaces that forbid guests, members who can't be put on a
//! guest list, and expiry ending access exactly at the deadline.

use portico_app::{AppError, AssignmentRole, Clock, PageUpdate, Role, SpaceId, UserId, Viewer};

use crate::harness::{World, storage, world};

fn id(viewer: &Viewer) -> UserId {
    viewer.user_id().unwrap()
}

async fn sees_space(w: &World, viewer: &Viewer, space: SpaceId) -> bool {
    match w.app.space(viewer, space).await {
        Ok(_) => true,
        Err(AppError::NotFound) => false,
        Err(other) => panic!("unexpected error: {other:?}"),
    }
}

async fn set_max_spaces(w: &World, max: u32) {
    let mut policies = w.app.policies(&w.admin).await.unwrap();
    policies.access.guest_max_spaces = max;
    w.app.update_policies(&w.admin, policies).await.unwrap();
}

#[tokio::test]
async fn with_one_space_a_new_assignment_moves_the_guest() {
    let w = world().await;
    let first = w.space("ONE").await;
    let second = w.space("TWO").await;
    let guest = w.user("g@partner.example", Role::Guest).await;
    let outcome = w
        .app
        .assign_guest(
            &w.admin,
            first.id,
            id(&guest),
            AssignmentRole::Collaborator,
            None,
        )
        .await
        .unwrap();
    assert!(outcome.moved_from.is_empty());
    assert!(sees_space(&w, &guest, first.id).await);
    let outcome = w
        .app
        .assign_guest(
            &w.admin,
            second.id,
            id(&guest),
            AssignmentRole::Collaborator,
            None,
        )
        .await
        .unwrap();
    assert_eq!(outcome.moved_from, vec![first.id]);
    assert!(!sees_space(&w, &guest, first.id).await, "moved out at once");
    assert!(sees_space(&w, &guest, second.id).await);
    let assignments = w.app.guest_assignments(&w.admin, id(&guest)).await.unwrap();
    assert_eq!(assignments.len(), 1);
    assert_eq!(assignments[0].space_id, second.id);
    assert_eq!(assignments[0].role, Some(AssignmentRole::Collaborator));
}

#[tokio::test]
async fn a_higher_limit_lets_a_guest_collaborate_in_one_space_and_read_another() {
    let w = world().await;
    let work = w.space("WRK").await;
    let docs = w.space("DOC").await;
    let third = w.space("THR").await;
    set_max_spaces(&w, 2).await;
    let guest = w.user("g2@partner.example", Role::Guest).await;
    w.app
        .assign_guest(
            &w.admin,
            work.id,
            id(&guest),
            AssignmentRole::Collaborator,
            None,
        )
        .await
        .unwrap();
    let outcome = w
        .app
        .assign_guest(&w.admin, docs.id, id(&guest), AssignmentRole::Viewer, None)
        .await
        .unwrap();
    assert!(outcome.moved_from.is_empty());
    assert!(sees_space(&w, &guest, work.id).await && sees_space(&w, &guest, docs.id).await);
    // Read-only where assigned as viewer; every write refused, permission named.
    let docs_home = docs.homepage_id.unwrap();
    let edit = PageUpdate {
        title: "Space DOC".into(),
        body: storage("<p>guest edit</p>"),
        version: 2,
        message: String::new(),
        publish: true,
    };
    assert!(matches!(
        w.app.update_page(&guest, docs_home, edit).await,
        Err(AppError::Forbidden {
            permission: "page.create",
            ..
        })
    ));
    assert!(matches!(
        w.app.delete_page(&guest, docs_home).await,
        Err(AppError::Forbidden { .. })
    ));
    let work_home = work.homepage_id.unwrap();
    let edit = PageUpdate {
        title: "Space WRK".into(),
        body: storage("<p>guest edit</p>"),
        version: 2,
        message: String::new(),
        publish: true,
    };
    w.app.update_page(&guest, work_home, edit).await.unwrap();
    // A third space moves the guest out of the oldest one.
    let outcome = w
        .app
        .assign_guest(&w.admin, third.id, id(&guest), AssignmentRole::Viewer, None)
        .await
        .unwrap();
    assert_eq!(outcome.moved_from, vec![work.id]);
    assert!(!sees_space(&w, &guest, work.id).await);
}

#[tokio::test]
async fn only_guests_and_only_in_spaces_that_allow_them() {
    let w = world().await;
    let space = w.space("NOG").await;
    let guest = w.user("g3@partner.example", Role::Guest).await;
    let member = w.user("member@example.com", Role::Member).await;
    match w
        .app
        .assign_guest(
            &w.admin,
            space.id,
            id(&member),
            AssignmentRole::Viewer,
            None,
        )
        .await
    {
        Err(AppError::Invalid(err)) => assert_eq!(err.field, "userId"),
        other => panic!("a member can't be put on a guest list: {other:?}"),
    }
    w.app
        .assign_guest(&w.admin, space.id, id(&guest), AssignmentRole::Viewer, None)
        .await
        .unwrap();
    assert!(sees_space(&w, &guest, space.id).await);
    w.app
        .set_space_allows_guests(&w.admin, space.id, false)
        .await
        .unwrap();
    assert!(
        !sees_space(&w, &guest, space.id).await,
        "existing assignments stop working"
    );
    match w
        .app
        .assign_guest(&w.admin, space.id, id(&guest), AssignmentRole::Viewer, None)
        .await
    {
        Err(AppError::Invalid(err)) => {
            assert_eq!(err.field, "spaceId");
            assert!(err.rule.contains("doesn't allow guests"), "{}", err.rule);
        }
        other => panic!("assigning to a space that forbids guests fails clearly: {other:?}"),
    }
    // New spaces follow the site default.
    let mut policies = w.app.policies(&w.admin).await.unwrap();
    policies.access.new_spaces_allow_guests = false;
    w.app.update_policies(&w.admin, policies).await.unwrap();
    let closed = w.space("CLS").await;
    assert!(
        w.app
            .assign_guest(
                &w.admin,
                closed.id,
                id(&guest),
                AssignmentRole::Viewer,
                None
            )
            .await
            .is_err()
    );
    // A member who administers nothing can't assign anyone.
    assert!(matches!(
        w.app
            .assign_guest(&member, space.id, id(&guest), AssignmentRole::Viewer, None)
            .await,
        Err(AppError::Forbidden {
            permission: "admin",
            ..
        })
    ));
}

#[tokio::test]
async fn an_assignment_ends_exactly_at_its_expiry() {
    let w = world().await;
    let space = w.space("EXP").await;
    let guest = w.user("g4@partner.example", Role::Guest).await;
    let deadline = w.clock.now() + time::Duration::hours(2);
    assert!(matches!(
        w.app
            .assign_guest(
                &w.admin,
                space.id,
                id(&guest),
                AssignmentRole::Viewer,
                Some(w.clock.now() - time::Duration::seconds(1)),
            )
            .await,
        Err(AppError::Invalid(_))
    ));
    w.app
        .assign_guest(
            &w.admin,
            space.id,
            id(&guest),
            AssignmentRole::Viewer,
            Some(deadline),
        )
        .await
        .unwrap();
    // Warm the cache, then step to one second before the deadline.
    assert!(sees_space(&w, &guest, space.id).await);
    w.clock
        .advance(time::Duration::hours(2) - time::Duration::seconds(1));
    assert!(sees_space(&w, &guest, space.id).await);
    w.clock.advance(time::Duration::seconds(1));
    assert!(
        !sees_space(&w, &guest, space.id).await,
        "gone at the deadline"
    );
    assert!(
        w.app
            .guest_assignments(&w.admin, id(&guest))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn expiring_access_is_reminded_once_then_ended_and_audited() {
    let w = world().await;
    let space = w.space("REM").await;
    let guest = w.user("g5@partner.example", Role::Guest).await;
    let deadline = w.clock.now() + time::Duration::days(3);
    w.app
        .assign_guest(
            &w.admin,
            space.id,
            id(&guest),
            AssignmentRole::Collaborator,
            Some(deadline),
        )
        .await
        .unwrap();
    let report = w.app.run_expiry_once().await.unwrap();
    assert_eq!((report.ended, report.reminded), (0, 1));
    let mails = portico_store::outbox::list(w.store.read(), None, 50)
        .await
        .unwrap();
    let reminder = mails
        .iter()
        .find(|m| m.recipient == "admin@example.com" && m.subject.contains("Space REM"))
        .expect("the admin who assigned the guest is reminded");
    assert!(
        reminder.body.contains("/wiki/spaces/REM/access"),
        "{}",
        reminder.body
    );
    // Once only.
    assert_eq!(w.app.run_expiry_once().await.unwrap().reminded, 0);
    w.clock.advance(time::Duration::days(3));
    let report = w.app.run_expiry_once().await.unwrap();
    assert_eq!(report.ended, 1);
    assert!(!sees_space(&w, &guest, space.id).await);
    let entries = portico_store::audit::for_target(w.store.read(), "space", &space.id.to_string())
        .await
        .unwrap();
    assert!(entries.iter().any(|e| e.0 == "space.grant_expired"));
}

#[tokio::test]
async fn extending_keeps_the_role_and_moves_the_deadline() {
    let w = world().await;
    let space = w.space("EXT").await;
    let guest = w.user("g6@partner.example", Role::Guest).await;
    let deadline = w.clock.now() + time::Duration::days(1);
    w.app
        .assign_guest(
            &w.admin,
            space.id,
            id(&guest),
            AssignmentRole::Viewer,
            Some(deadline),
        )
        .await
        .unwrap();
    w.app
        .extend_guest_assignment(
            &w.admin,
            space.id,
            id(&guest),
            Some(deadline + time::Duration::days(30)),
        )
        .await
        .unwrap();
    w.clock.advance(time::Duration::days(2));
    assert!(sees_space(&w, &guest, space.id).await);
    let assignments = w.app.guest_assignments(&guest, id(&guest)).await.unwrap();
    assert_eq!(assignments[0].role, Some(AssignmentRole::Viewer));
    // PostgreSQL keeps microseconds: compare to the second.
    assert_eq!(
        assignments[0].expires_at.map(|at| at.unix_timestamp()),
        Some((deadline + time::Duration::days(30)).unix_timestamp())
    );
}

#[tokio::test]
async fn guest_product_access_ends_exactly_at_its_expiry() {
    let w = world().await;
    let space = w.space("GPA").await;
    let guest = w.user("g7@partner.example", Role::Guest).await;
    let member = w.user("m7@example.com", Role::Member).await;
    w.app
        .assign_guest(&w.admin, space.id, id(&guest), AssignmentRole::Viewer, None)
        .await
        .unwrap();
    // Only guests carry a product-access expiry; only org admins set it.
    let later = w.clock.now() + time::Duration::hours(1);
    assert!(matches!(
        w.app
            .set_guest_access_expiry(&w.admin, id(&member), Some(later))
            .await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        w.app
            .set_guest_access_expiry(&member, id(&guest), Some(later))
            .await,
        Err(AppError::NotFound)
    ));
    w.app
        .set_guest_access_expiry(&w.admin, id(&guest), Some(later))
        .await
        .unwrap();
    let session = w
        .app
        .sign_in("g7@partner.example", crate::harness::PASSWORD)
        .await
        .unwrap();
    w.finish(&session, "g7@partner.example").await;
    w.clock
        .advance(time::Duration::hours(1) - time::Duration::seconds(1));
    assert!(
        w.app
            .authenticate_session(&session.token)
            .await
            .unwrap()
            .is_some()
    );
    w.clock.advance(time::Duration::seconds(1));
    assert!(
        w.app
            .authenticate_session(&session.token)
            .await
            .unwrap()
            .is_none(),
        "the session is worth nothing from the deadline on"
    );
    // The job makes it final: deactivated, audited, sessions gone.
    let report = w.app.run_expiry_once().await.unwrap();
    assert_eq!(report.ended, 1);
    let entries = portico_store::audit::for_target(w.store.read(), "user", &id(&guest).to_string())
        .await
        .unwrap();
    assert!(entries.iter().any(|e| e.0 == "user.guest_access_expired"));
    // Reactivating starts the guest afresh.
    w.app.reactivate_user(&w.admin, id(&guest)).await.unwrap();
    let session = w
        .app
        .sign_in("g7@partner.example", crate::harness::PASSWORD)
        .await
        .unwrap();
    w.finish(&session, "g7@partner.example").await;
}

#[tokio::test]
async fn new_guests_get_the_site_default_access_period() {
    let w = world().await;
    {
        let tx = w.store.write().await.unwrap();
        portico_store::settings::set(tx.conn(), portico_app::GUEST_ACCESS_DAYS, "30")
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    w.app
        .invite(
            &w.admin,
            portico_app::Invite {
                emails: vec!["new-guest@partner.example".into()],
                role: Role::Guest,
                group_ids: Vec::new(),
                message: String::new(),
            },
        )
        .await
        .unwrap();
    let row = portico_store::users::find_by_email(w.store.read(), "new-guest@partner.example")
        .await
        .unwrap()
        .unwrap();
    let expected = (w.clock.now() + time::Duration::days(30)).unix_timestamp();
    assert_eq!(
        row.guest_access_expires_at.map(|at| at.unix_timestamp()),
        Some(expected)
    );
}

#[tokio::test]
async fn the_guest_list_filters_by_space_no_space_and_expiry() {
    let w = world().await;
    let space = w.space("GLS").await;
    let assigned = w.user("assigned@partner.example", Role::Guest).await;
    let waiting = w.user("waiting@partner.example", Role::Guest).await;
    w.user("member8@example.com", Role::Member).await;
    let soon = w.clock.now() + time::Duration::days(2);
    w.app
        .assign_guest(
            &w.admin,
            space.id,
            id(&assigned),
            AssignmentRole::Viewer,
            Some(soon),
        )
        .await
        .unwrap();
    let all = w
        .app
        .guest_list(&w.admin, portico_app::GuestQuery::default())
        .await
        .unwrap();
    let names: Vec<&str> = all.iter().map(|g| g.user.email.as_str()).collect();
    assert_eq!(
        names,
        ["assigned@partner.example", "waiting@partner.example"],
        "members are not guests"
    );
    let no_space = w
        .app
        .guest_list(
            &w.admin,
            portico_app::GuestQuery {
                no_space: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(no_space.len(), 1);
    assert_eq!(no_space[0].user.id, id(&waiting));
    let in_space = w
        .app
        .guest_list(
            &w.admin,
            portico_app::GuestQuery {
                space: Some(space.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(in_space.len(), 1);
    assert_eq!(in_space[0].assignments[0].space_id, space.id);
    let expiring = w
        .app
        .guest_list(
            &w.admin,
            portico_app::GuestQuery {
                expiring_before: Some(w.clock.now() + time::Duration::days(7)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(expiring.len(), 1);
    assert_eq!(expiring[0].user.id, id(&assigned));
    // Closed to everyone but org admins.
    assert!(matches!(
        w.app
            .guest_list(&assigned, portico_app::GuestQuery::default())
            .await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn bulk_actions_take_up_to_25_guests_all_or_nothing() {
    let w = world().await;
    let space = w.space("BLK").await;
    let member = w.user("member9@example.com", Role::Member).await;
    let mut guests = Vec::new();
    for n in 0..3 {
        guests.push(id(&w
            .user(&format!("bulk{n}@partner.example"), Role::Guest)
            .await));
    }
    // One member among them: nobody is assigned.
    let mut with_member = guests.clone();
    with_member.push(id(&member));
    assert!(
        w.app
            .bulk_assign_guests(
                &w.admin,
                space.id,
                &with_member,
                AssignmentRole::Viewer,
                None
            )
            .await
            .is_err()
    );
    assert!(
        w.app
            .guest_list(
                &w.admin,
                portico_app::GuestQuery {
                    space: Some(space.id),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .is_empty()
    );
    let too_many: Vec<UserId> = (0..26).map(|n| UserId(1000 + n)).collect();
    assert!(matches!(
        w.app
            .bulk_assign_guests(&w.admin, space.id, &too_many, AssignmentRole::Viewer, None)
            .await,
        Err(AppError::Invalid(_))
    ));
    w.app
        .bulk_assign_guests(&w.admin, space.id, &guests, AssignmentRole::Viewer, None)
        .await
        .unwrap();
    let end = w.clock.now() + time::Duration::days(10);
    w.app
        .bulk_extend_guests(&w.admin, space.id, &guests, Some(end))
        .await
        .unwrap();
    let listed = w
        .app
        .guest_list(
            &w.admin,
            portico_app::GuestQuery {
                space: Some(space.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|g| g.assignments[0].expires_at.is_some()));
    w.app
        .bulk_unassign_guests(&w.admin, space.id, &guests)
        .await
        .unwrap();
    let listed = w
        .app
        .guest_list(
            &w.admin,
            portico_app::GuestQuery {
                no_space: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 3, "unassigned guests stay on the list");
}

#[tokio::test]
async fn new_guests_land_in_the_default_space_when_they_accept() {
    let w = world().await;
    let space = w.space("DEF").await;
    {
        let tx = w.store.write().await.unwrap();
        portico_store::settings::set(tx.conn(), portico_app::DEFAULT_SPACE, "def")
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    w.app
        .invite(
            &w.admin,
            portico_app::Invite {
                emails: vec!["fresh@partner.example".into()],
                role: Role::Guest,
                group_ids: Vec::new(),
                message: String::new(),
            },
        )
        .await
        .unwrap();
    let mails = portico_store::outbox::list(w.store.read(), None, 10)
        .await
        .unwrap();
    let body = &mails
        .iter()
        .find(|m| m.recipient == "fresh@partner.example")
        .unwrap()
        .body;
    let start = body.find("token=").unwrap() + "token=".len();
    let token = body[start..].split_whitespace().next().unwrap().to_owned();
    let signed_in = w
        .app
        .accept_invitation(&token, "Fresh Guest", crate::harness::PASSWORD)
        .await
        .unwrap();
    let guest = w.finish(&signed_in, "fresh@partner.example").await;
    assert!(sees_space(&w, &guest, space.id).await);
    let assignments = w.app.guest_assignments(&guest, id(&guest)).await.unwrap();
    assert_eq!(assignments.len(), 1);
    assert_eq!(assignments[0].role, Some(AssignmentRole::Collaborator));
    // The space's admin is told, as for any assignment (SPEC 3.4).
    let mails = portico_store::outbox::list(w.store.read(), None, 20)
        .await
        .unwrap();
    assert!(
        mails.iter().any(|m| m.recipient == "admin@example.com"
            && m.subject == "Fresh Guest is now a guest in Space DEF"),
        "{:?}",
        mails
            .iter()
            .map(|m| (&m.recipient, &m.subject))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn the_overview_shows_every_guest_and_guest_group_with_capped_permissions() {
    let w = world().await;
    let space = w.space("OVR").await;
    let guest = w.user("ov@partner.example", Role::Guest).await;
    let member = w.user("m10@example.com", Role::Member).await;
    // A space admin tries to give a guest everything: the reserved three never apply.
    w.app
        .set_space_grant(
            &w.admin,
            space.id,
            portico_app::Grantee::User(id(&guest)),
            portico_app::GrantInput::Role("admin".into()),
        )
        .await
        .unwrap();
    let group = w
        .app
        .create_group(&w.admin, "partners", Role::Guest)
        .await
        .unwrap();
    w.app
        .set_space_grant(
            &w.admin,
            space.id,
            portico_app::Grantee::Group(portico_app::GroupId(group.id)),
            portico_app::GrantInput::Role("viewer".into()),
        )
        .await
        .unwrap();
    let overview = w.app.guest_access_overview(&w.admin).await.unwrap();
    let line = overview
        .iter()
        .find(|line| line.who.grantee == portico_app::Grantee::User(id(&guest)))
        .expect("the guest is in the overview");
    assert!(
        line.permissions
            .contains(portico_app::SpacePermission::PageDelete)
    );
    for reserved in ["admin", "restrict", "export"] {
        assert!(
            line.permissions.iter().all(|p| p.as_str() != reserved),
            "{reserved} is never a guest's"
        );
    }
    assert!(overview.iter().any(|line| line.who.name == "partners"));
    assert!(matches!(
        w.app.guest_access_overview(&member).await,
        Err(AppError::NotFound)
    ));
    // Internal members see how many guests share the space.
    assert_eq!(w.app.space_guest_count(&member, space.id).await.unwrap(), 1);
}
