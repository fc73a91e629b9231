//! The org admin's guest actions on each backend: promoting a guest or a
//! guest group to member (access kept as ordinary grants, a paid seat,
//! former-paid forever, audited), removing a guest's product access (off the
//! guest list, sessions ended, account kept), the "last active" filter, and
//! all of it closed to everyone but org admins.

use portico_app::{
    AppError, AssignmentRole, Clock, GroupId, GuestQuery, Role, SignedIn, SpaceId, UserId, Viewer,
};

use crate::harness::{PASSWORD, World, world};

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

/// A complete session for `email` (password, then the mailed code).
async fn session(w: &World, email: &str) -> SignedIn {
    let session = w.app.sign_in(email, PASSWORD).await.unwrap();
    w.finish(&session, email).await;
    session
}

/// The viewer a session is now, or `None` once it stopped working.
async fn now_as(w: &World, session: &SignedIn) -> Option<Viewer> {
    w.app
        .authenticate_session(&session.token)
        .await
        .unwrap()
        .map(|(viewer, _)| viewer)
}

async fn audited(w: &World, kind: &str, target: &str, action: &str) -> bool {
    portico_store::audit::for_target(w.store.read(), kind, target)
        .await
        .unwrap()
        .iter()
        .any(|entry| entry.0 == action)
}

async fn guest_emails(w: &World, query: GuestQuery) -> Vec<String> {
    w.app
        .guest_list(&w.admin, query)
        .await
        .unwrap()
        .into_iter()
        .map(|guest| guest.user.email)
        .collect()
}

async fn user_grant_expiry(
    w: &World,
    user: UserId,
    space: SpaceId,
) -> Option<Option<time::OffsetDateTime>> {
    portico_store::permissions::grants_to_user(w.store.read(), user)
        .await
        .unwrap()
        .into_iter()
        .find(|grant| grant.space_id == space.0)
        .map(|grant| grant.expires_at)
}

#[tokio::test]
async fn a_promoted_guest_keeps_their_access_as_an_ordinary_grant_and_takes_a_paid_seat() {
    let w = world().await;
    let space = w.space("PRM").await;
    let email = "promote@partner.example";
    let guest = w.user(email, Role::Guest).await;
    let soon = w.clock.now() + time::Duration::days(3);
    w.app
        .assign_guest(
            &w.admin,
            space.id,
            id(&guest),
            AssignmentRole::Viewer,
            Some(soon),
        )
        .await
        .unwrap();
    w.app
        .set_guest_access_expiry(&w.admin, id(&guest), Some(soon))
        .await
        .unwrap();
    let open = session(&w, email).await;
    let before = w.app.licence_usage(&w.admin).await.unwrap();

    let promoted = w.app.promote_guest(&w.admin, id(&guest)).await.unwrap();
    assert_eq!(promoted.effective_role, Role::Member);
    assert_eq!(promoted.direct_role, Role::Member);

    // The open session goes on, now as a member, and still sees the space.
    let member = now_as(&w, &open).await.expect("the session still works");
    assert_eq!(member.role(), Role::Member);
    assert!(sees_space(&w, &member, space.id).await);
    // The grant stays (same role) without the assignment's expiry: past the
    // old deadline, access is still there.
    assert_eq!(
        user_grant_expiry(&w, id(&guest), space.id).await,
        Some(None)
    );
    w.clock.advance(time::Duration::days(4));
    w.app.run_expiry_once().await.unwrap();
    let member = w.viewer(email).await;
    assert_eq!(member.role(), Role::Member, "no product-access expiry now");
    assert!(sees_space(&w, &member, space.id).await);

    // One guest fewer, one paid seat more.
    let after = w.app.licence_usage(&w.admin).await.unwrap();
    assert_eq!(
        (after.paid, after.guests),
        (before.paid + 1, before.guests - 1)
    );
    assert!(guest_emails(&w, GuestQuery::default()).await.is_empty());
    assert!(audited(&w, "user", &id(&guest).to_string(), "user.promote").await);

    // Former-paid from now on: never a guest again, not even via none first.
    let refused = w.app.set_user_role(&w.admin, id(&guest), Role::Guest).await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("former paid"), "{message}");
    w.app
        .set_user_role(&w.admin, id(&guest), Role::None)
        .await
        .unwrap();
    assert!(matches!(
        w.app.set_user_role(&w.admin, id(&guest), Role::Guest).await,
        Err(AppError::Conflict(_))
    ));
    // Only guests are promoted.
    assert!(matches!(
        w.app.promote_guest(&w.admin, id(&guest)).await,
        Err(AppError::Conflict(_))
    ));
}

#[tokio::test]
async fn promotion_moves_a_seat_within_the_limits_checked_under_the_lock() {
    let w = world().await;
    let guest = w.user("cap-guest@partner.example", Role::Guest).await;
    // Admin + one guest = 2 of 2: the site is full.
    let mut policies = w.app.policies(&w.admin).await.unwrap();
    policies.limits.user_limit = 2;
    w.app.update_policies(&w.admin, policies).await.unwrap();
    // Promotion turns a free guest into a paid seat; the total stays 2, so
    // the user limit holds and the promotion goes through.
    w.app.promote_guest(&w.admin, id(&guest)).await.unwrap();
    let usage = w.app.licence_usage(&w.admin).await.unwrap();
    assert_eq!((usage.paid, usage.guests), (2, 0));
    // Growing past the cap is still refused, naming the limit.
    let over = w
        .app
        .invite(
            &w.admin,
            portico_app::Invite {
                emails: vec!["third@example.com".into()],
                role: Role::Member,
                group_ids: Vec::new(),
                message: String::new(),
            },
        )
        .await;
    assert_eq!(
        over.err().map(|e| e.to_string()),
        Some("site user limit reached: 2 of 2".into())
    );
}

#[tokio::test]
async fn a_guest_group_becomes_a_member_group_and_every_guest_in_it_is_promoted() {
    let w = world().await;
    let space = w.space("GRP").await;
    let group = w
        .app
        .create_group(&w.admin, "partners", Role::Guest)
        .await
        .unwrap();
    let direct = w.user("direct@partner.example", Role::Guest).await;
    let via_group = w.user("via@partner.example", Role::None).await;
    for person in [&direct, &via_group] {
        w.app
            .add_group_member(&w.admin, group.id, id(person))
            .await
            .unwrap();
    }
    let soon = w.clock.now() + time::Duration::days(2);
    w.app
        .assign_guest(
            &w.admin,
            space.id,
            id(&direct),
            AssignmentRole::Collaborator,
            Some(soon),
        )
        .await
        .unwrap();
    w.app
        .set_space_grant(
            &w.admin,
            space.id,
            portico_app::Grantee::Group(GroupId(group.id)),
            portico_app::GrantInput::Role("viewer".into()),
        )
        .await
        .unwrap();
    let open = session(&w, "via@partner.example").await;
    let member = w.user("plain@example.com", Role::Member).await;

    // Only org admins, only guest groups.
    assert!(matches!(
        w.app.promote_guest_group(&member, GroupId(group.id)).await,
        Err(AppError::NotFound)
    ));
    let members_group = w
        .app
        .create_group(&w.admin, "staff", Role::Member)
        .await
        .unwrap();
    assert!(matches!(
        w.app
            .promote_guest_group(&w.admin, GroupId(members_group.id))
            .await,
        Err(AppError::Conflict(_))
    ));

    w.app
        .promote_guest_group(&w.admin, GroupId(group.id))
        .await
        .unwrap();
    let groups = w.app.list_groups(&w.admin).await.unwrap();
    let promoted = groups.iter().find(|g| g.id == group.id).unwrap();
    assert_eq!(promoted.role, Role::Member);
    for person in [&direct, &via_group] {
        let user = w.app.user(&w.admin, id(person)).await.unwrap();
        assert_eq!(user.effective_role, Role::Member, "{}", user.email);
        assert!(audited(&w, "user", &id(person).to_string(), "user.promote").await);
    }
    assert!(audited(&w, "group", &group.id.to_string(), "group.promote").await);
    assert!(guest_emails(&w, GuestQuery::default()).await.is_empty());
    // Access kept: the group's grant and the member's own (without expiry).
    let via = now_as(&w, &open).await.expect("the session still works");
    assert_eq!(via.role(), Role::Member);
    assert!(sees_space(&w, &via, space.id).await);
    assert_eq!(
        user_grant_expiry(&w, id(&direct), space.id).await,
        Some(None)
    );

    // Leaving the group later takes access away (direct role `none`) rather
    // than tripping the former-paid rule; becoming a guest stays refused.
    w.app
        .remove_group_member(&w.admin, group.id, id(&direct))
        .await
        .unwrap();
    let user = w.app.user(&w.admin, id(&direct)).await.unwrap();
    assert_eq!(user.effective_role, Role::None);
    assert!(matches!(
        w.app
            .set_user_role(&w.admin, id(&direct), Role::Guest)
            .await,
        Err(AppError::Conflict(_))
    ));
}

#[tokio::test]
async fn removing_product_access_ends_sessions_and_takes_the_guest_off_the_list() {
    let w = world().await;
    let space = w.space("RMV").await;
    let email = "leaving@partner.example";
    let guest = w.user(email, Role::Guest).await;
    let group = w
        .app
        .create_group(&w.admin, "clients", Role::Guest)
        .await
        .unwrap();
    w.app
        .add_group_member(&w.admin, group.id, id(&guest))
        .await
        .unwrap();
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
    let open = session(&w, email).await;
    let viewer = now_as(&w, &open).await.unwrap();
    assert!(sees_space(&w, &viewer, space.id).await);
    let member = w.user("m@example.com", Role::Member).await;

    // Closed to non-admins; members aren't guests.
    assert!(matches!(
        w.app.remove_guest_access(&member, id(&guest)).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.promote_guest(&member, id(&guest)).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.remove_guest_access(&w.admin, id(&member)).await,
        Err(AppError::Conflict(_))
    ));

    w.app
        .remove_guest_access(&w.admin, id(&guest))
        .await
        .unwrap();
    assert!(
        now_as(&w, &open).await.is_none(),
        "the open session stopped working"
    );
    assert!(guest_emails(&w, GuestQuery::default()).await.is_empty());
    // Still in the directory, with no wiki access and no assignments left.
    let user = w.app.user(&w.admin, id(&guest)).await.unwrap();
    assert_eq!(
        (user.direct_role, user.effective_role),
        (Role::None, Role::None)
    );
    assert_eq!(user.status, "active");
    assert!(user.groups.is_empty(), "out of the guest group");
    assert_eq!(user_grant_expiry(&w, id(&guest), space.id).await, None);
    assert!(audited(&w, "user", &id(&guest).to_string(), "user.guest_remove").await);
    // Signing in again gives nothing: no space is theirs.
    let again = session(&w, email).await;
    let viewer = now_as(&w, &again).await.unwrap();
    assert_eq!(viewer.role(), Role::None);
    assert!(!sees_space(&w, &viewer, space.id).await);
}

#[tokio::test]
async fn the_guest_list_filters_by_last_active_and_expiring_within() {
    let w = world().await;
    let space = w.space("LAF").await;
    let active = w.user("active@partner.example", Role::Guest).await;
    // Created but never signed in.
    w.app
        .create_user(portico_app::NewUser {
            email: "never@partner.example".into(),
            display_name: "Never".into(),
            password: PASSWORD.into(),
            role: Role::Guest,
        })
        .await
        .unwrap();
    let cutoff = w.clock.now() + time::Duration::minutes(1);
    w.clock.advance(time::Duration::minutes(2));
    let late = "late@partner.example";
    w.user(late, Role::Guest).await;
    let inactive = guest_emails(
        &w,
        GuestQuery {
            last_active_before: Some(cutoff),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        inactive,
        ["active@partner.example", "never@partner.example"]
    );
    w.app
        .assign_guest(
            &w.admin,
            space.id,
            id(&active),
            AssignmentRole::Viewer,
            Some(w.clock.now() + time::Duration::days(5)),
        )
        .await
        .unwrap();
    let within = |days| GuestQuery {
        expiring_within: Some(time::Duration::days(days)),
        ..Default::default()
    };
    assert_eq!(
        guest_emails(&w, within(6)).await,
        ["active@partner.example"]
    );
    assert!(guest_emails(&w, within(4)).await.is_empty());
}

/// One grant as promotion leaves it: space, role bundle, expiry, and
/// whether it covers a page subtree (`Some(0)`).
type GrantShape = (i64, Option<i64>, Option<time::OffsetDateTime>, Option<i64>);

/// Everything promotion changes about one person, to compare two paths:
/// roles, former-paid, product-access expiry, and each grant's space, role,
/// expiry and page subtree.
#[derive(Debug, PartialEq)]
struct AfterPromotion {
    direct: Role,
    effective: Role,
    ever_paid: bool,
    access_expires: Option<time::OffsetDateTime>,
    grants: Vec<GrantShape>,
    audited_promotion: bool,
}

/// `subtree` stands in for the page the grants were made on, so two
/// people's grants on two different pages compare equal.
async fn after_promotion(w: &World, user: UserId, subtree: Option<i64>) -> AfterPromotion {
    let summary = w.app.user(&w.admin, user).await.unwrap();
    let row = portico_store::users::find(w.store.read(), user.0)
        .await
        .unwrap()
        .unwrap();
    let grants = portico_store::permissions::grants_to_user(w.store.read(), user)
        .await
        .unwrap()
        .into_iter()
        .map(|grant| {
            let page = grant.subtree_root.map(|page| {
                assert_eq!(Some(page), subtree, "the grant keeps its page");
                0
            });
            (grant.space_id, grant.role_id, grant.expires_at, page)
        })
        .collect();
    AfterPromotion {
        direct: summary.direct_role,
        effective: summary.effective_role,
        ever_paid: row.ever_paid,
        access_expires: row.guest_access_expires_at,
        grants,
        audited_promotion: audited(w, "user", &user.to_string(), "user.promote").await,
    }
}

#[tokio::test]
async fn making_a_guest_a_member_by_role_change_is_exactly_a_promotion() {
    let w = world().await;
    let space = w.space("PAR").await;
    let soon = w.clock.now() + time::Duration::days(3);
    let mut guests = Vec::new();
    for name in ["promoted", "role-changed"] {
        let page = w.page(&space, None, name).await;
        let guest = w
            .user(&format!("{name}@partner.example"), Role::Guest)
            .await;
        w.app
            .assign_guest_to_page(
                &w.admin,
                space.id,
                page.id,
                id(&guest),
                AssignmentRole::Viewer,
                Some(soon),
            )
            .await
            .unwrap();
        w.app
            .set_guest_access_expiry(&w.admin, id(&guest), Some(soon))
            .await
            .unwrap();
        guests.push((id(&guest), page.id.0));
    }
    let [(promoted, promoted_page), (changed, changed_page)] = guests[..] else {
        unreachable!()
    };

    w.app.promote_guest(&w.admin, promoted).await.unwrap();
    let summary = w
        .app
        .set_user_role(&w.admin, changed, Role::Member)
        .await
        .unwrap();
    assert_eq!(summary.effective_role, Role::Member);

    let by_promotion = after_promotion(&w, promoted, Some(promoted_page)).await;
    let by_role_change = after_promotion(&w, changed, Some(changed_page)).await;
    assert_eq!(by_role_change, by_promotion);
    // And what promotion means: grants without expiry, on their subtree.
    assert_eq!(by_promotion.access_expires, None);
    assert!(by_promotion.ever_paid && by_promotion.audited_promotion);
    assert_eq!(by_promotion.grants.len(), 1);
    assert_eq!(by_promotion.grants[0].2, None);
    assert_eq!(by_promotion.grants[0].3, Some(0));
    assert!(audited(&w, "user", &changed.to_string(), "user.role_change").await);
    // Past the old deadline, the role-changed member still sees their pages.
    w.clock.advance(time::Duration::days(4));
    w.app.run_expiry_once().await.unwrap();
    let member = w.viewer("role-changed@partner.example").await;
    assert_eq!(member.role(), Role::Member);
    assert!(sees_space(&w, &member, space.id).await);
}

#[tokio::test]
async fn making_a_guest_group_a_member_group_by_role_change_is_exactly_a_promotion() {
    let w = world().await;
    let space = w.space("GPR").await;
    let soon = w.clock.now() + time::Duration::days(2);
    let mut groups = Vec::new();
    for name in ["promoted", "changed"] {
        let group = w
            .app
            .create_group(&w.admin, name, Role::Guest)
            .await
            .unwrap();
        let direct = w
            .user(&format!("{name}-direct@partner.example"), Role::Guest)
            .await;
        let via = w
            .user(&format!("{name}-via@partner.example"), Role::None)
            .await;
        for person in [&direct, &via] {
            w.app
                .add_group_member(&w.admin, group.id, id(person))
                .await
                .unwrap();
        }
        w.app
            .set_guest_access_expiry(&w.admin, id(&via), Some(soon))
            .await
            .unwrap();
        let page = w.page(&space, None, name).await;
        w.app
            .assign_guest_to_page(
                &w.admin,
                space.id,
                page.id,
                id(&direct),
                AssignmentRole::Collaborator,
                Some(soon),
            )
            .await
            .unwrap();
        groups.push((group.id, id(&direct), id(&via), page.id.0));
    }
    let [promoted, changed] = groups[..] else {
        unreachable!()
    };

    w.app
        .promote_guest_group(&w.admin, GroupId(promoted.0))
        .await
        .unwrap();
    w.app
        .set_group_role(&w.admin, changed.0, Role::Member)
        .await
        .unwrap();

    for ((_, p_direct, p_via, p_page), (_, c_direct, c_via, c_page)) in [(promoted, changed)] {
        assert_eq!(
            after_promotion(&w, c_direct, Some(c_page)).await,
            after_promotion(&w, p_direct, Some(p_page)).await,
        );
        assert_eq!(
            after_promotion(&w, c_via, None).await,
            after_promotion(&w, p_via, None).await,
        );
    }
    let promoted_direct = after_promotion(&w, promoted.1, Some(promoted.3)).await;
    assert_eq!(promoted_direct.direct, Role::None, "no direct `guest` left");
    assert!(audited(&w, "group", &changed.0.to_string(), "group.promote").await);

    // Leaving either group later takes access away; it doesn't trip the
    // former-paid rule.
    for (group, direct, _, _) in [promoted, changed] {
        w.app
            .remove_group_member(&w.admin, group, direct)
            .await
            .unwrap();
        let user = w.app.user(&w.admin, direct).await.unwrap();
        assert_eq!(user.effective_role, Role::None);
    }
}
