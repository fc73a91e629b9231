//! The directory through the use cases, on each backend: effective roles,
//! the former-paid rule, licence limits (also under concurrency), domain
//! rules, invitations, deactivation and deletion, lockout, password reset.

use portico_app::{AppError, Invite, Role, SitePolicies, UserId, UserQuery, Viewer};
use portico_store::{audit, outbox};

use crate::harness::{PASSWORD, World, world};

fn invite(emails: &[&str], role: Role) -> Invite {
    Invite {
        emails: emails.iter().map(|e| (*e).to_owned()).collect(),
        role,
        group_ids: Vec::new(),
        message: String::new(),
    }
}

async fn set_policies(w: &World, change: impl FnOnce(&mut SitePolicies)) {
    let mut policies = w.app.policies(&w.admin).await.unwrap();
    change(&mut policies);
    w.app.update_policies(&w.admin, policies).await.unwrap();
}

/// The newest link mailed to `email` (invitations, password resets).
async fn mailed_link(w: &World, email: &str) -> String {
    let mails = outbox::list(w.store.read(), None, 100).await.unwrap();
    let mail = mails
        .iter()
        .find(|m| m.recipient == email)
        .expect("a mail to the invitee");
    let start = mail.body.find("token=").expect("a link with a token") + "token=".len();
    mail.body[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

async fn id_of(w: &World, email: &str) -> UserId {
    let users = w
        .app
        .list_users(
            &w.admin,
            UserQuery {
                search: Some(email.into()),
                ..UserQuery::default()
            },
        )
        .await
        .unwrap();
    users
        .into_iter()
        .find(|u| u.email == email)
        .expect("user")
        .id
}

async fn effective(w: &World, email: &str) -> Role {
    w.app
        .user(&w.admin, id_of(w, email).await)
        .await
        .unwrap()
        .effective_role
}

#[tokio::test]
async fn the_effective_role_is_the_highest_of_direct_and_group_roles() {
    let w = world().await;
    w.user("nobody@example.com", Role::None).await;
    let id = id_of(&w, "nobody@example.com").await;
    let guests = w
        .app
        .create_group(&w.admin, "clients", Role::Guest)
        .await
        .unwrap();
    let staff = w
        .app
        .create_group(&w.admin, "staff", Role::Member)
        .await
        .unwrap();
    w.app
        .add_group_member(&w.admin, guests.id, id)
        .await
        .unwrap();
    assert_eq!(
        effective(&w, "nobody@example.com").await,
        Role::Guest,
        "a guest group makes guests"
    );
    w.app
        .add_group_member(&w.admin, staff.id, id)
        .await
        .unwrap();
    assert_eq!(
        effective(&w, "nobody@example.com").await,
        Role::Member,
        "member in any group wins"
    );
    let session = w.viewer("nobody@example.com").await;
    assert!(
        matches!(session, Viewer::User(ref p) if p.role == Role::Member),
        "sessions carry the effective role: {session:?}"
    );
    let members = w
        .app
        .list_users(
            &w.admin,
            UserQuery {
                role: Some(Role::Member),
                ..UserQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(
        members.iter().any(|u| u.id == id),
        "the role filter uses effective roles"
    );
}

#[tokio::test]
async fn current_and_former_paid_users_never_become_guests() {
    let w = world().await;
    w.user("member@example.com", Role::Member).await;
    let id = id_of(&w, "member@example.com").await;
    let refused = w.app.set_user_role(&w.admin, id, Role::Guest).await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("former paid") && message.contains("member@example.com"),
        "{message}"
    );

    // Dropping to none first doesn't launder the history.
    w.app.set_user_role(&w.admin, id, Role::None).await.unwrap();
    assert!(
        w.app
            .set_user_role(&w.admin, id, Role::Guest)
            .await
            .is_err()
    );
    let guests = w
        .app
        .create_group(&w.admin, "clients", Role::Guest)
        .await
        .unwrap();
    assert!(
        matches!(
            w.app.add_group_member(&w.admin, guests.id, id).await,
            Err(AppError::Conflict(_))
        ),
        "nor does a guest group"
    );

    // Someone who was never paid may become a guest.
    w.user("outsider@example.com", Role::None).await;
    let outsider = id_of(&w, "outsider@example.com").await;
    assert_eq!(
        w.app
            .set_user_role(&w.admin, outsider, Role::Guest)
            .await
            .unwrap()
            .effective_role,
        Role::Guest
    );
}

#[tokio::test]
async fn limits_hold_exactly_at_the_cap_and_fail_one_over() {
    let w = world().await;
    // One paid seat (the admin) and one guest per seat: quota 1.
    set_policies(&w, |p| p.limits.guests_per_paid_seat = 1).await;
    w.app
        .invite(&w.admin, invite(&["g1@client.com"], Role::Guest))
        .await
        .unwrap();
    let over = w
        .app
        .invite(&w.admin, invite(&["g2@client.com"], Role::Guest))
        .await;
    assert_eq!(
        over.err().map(|e| e.to_string()),
        Some("guest quota reached: 1 of 1 (1 per paid seat)".into())
    );

    // Users: admin + 1 guest = 2; a limit of 3 allows one more, not two.
    set_policies(&w, |p| p.limits.user_limit = 3).await;
    w.app
        .invite(&w.admin, invite(&["m1@example.com"], Role::Member))
        .await
        .unwrap();
    let over = w
        .app
        .invite(&w.admin, invite(&["m2@example.com"], Role::Member))
        .await;
    assert_eq!(
        over.err().map(|e| e.to_string()),
        Some("site user limit reached: 3 of 3".into())
    );
    let usage = w.app.licence_usage(&w.admin).await.unwrap();
    assert_eq!(
        (
            usage.paid,
            usage.guests,
            usage.guest_quota,
            usage.user_limit
        ),
        (2, 1, 2, 3)
    );
}

#[tokio::test]
async fn dropping_below_quota_keeps_guests_in_but_blocks_new_ones() {
    let w = world().await;
    set_policies(&w, |p| p.limits.guests_per_paid_seat = 1).await;
    w.user("member@example.com", Role::Member).await;
    let member = id_of(&w, "member@example.com").await;
    w.app
        .invite(
            &w.admin,
            invite(&["g1@client.com", "g2@client.com"], Role::Guest),
        )
        .await
        .unwrap();
    let link = mailed_link(&w, "g1@client.com").await;
    w.app
        .accept_invitation(&link, "Guest One", PASSWORD)
        .await
        .unwrap();

    w.app.deactivate_user(&w.admin, member).await.unwrap();
    let usage = w.app.licence_usage(&w.admin).await.unwrap();
    assert_eq!(
        (usage.paid, usage.guests, usage.guest_quota),
        (1, 2, 1),
        "over quota now"
    );
    assert!(
        w.app.sign_in("g1@client.com", PASSWORD).await.is_ok(),
        "existing guests keep access"
    );
    let blocked = w
        .app
        .invite(&w.admin, invite(&["g3@client.com"], Role::Guest))
        .await;
    assert!(
        matches!(blocked, Err(AppError::Conflict(ref m)) if m.contains("guest quota")),
        "{blocked:?}"
    );
    assert!(
        w.app
            .invite(&w.admin, invite(&["m2@example.com"], Role::Member))
            .await
            .is_ok(),
        "members can still be invited"
    );
}

#[tokio::test]
async fn concurrent_guest_invitations_never_overshoot_the_quota() {
    let w = world().await;
    // One paid seat, five guests per seat: exactly five guests fit.
    let mut tasks = Vec::new();
    for n in 0..12 {
        let app = w.app.clone();
        let admin = w.admin.clone();
        tasks.push(tokio::spawn(async move {
            app.invite(
                &admin,
                invite(&[&format!("guest{n}@client.com")], Role::Guest),
            )
            .await
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(AppError::Conflict(message)) => {
                assert!(message.starts_with("guest quota reached"), "{message}")
            }
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert_eq!(accepted, 5);
    assert_eq!(w.app.licence_usage(&w.admin).await.unwrap().guests, 5);
}

#[tokio::test]
async fn invitation_batches_are_validated_whole() {
    let w = world().await;
    set_policies(&w, |p| {
        p.domains.internal = vec!["example.com".into()];
        p.domains.block = vec!["gmail.com".into()];
    })
    .await;
    let eleven: Vec<String> = (0..11).map(|n| format!("p{n}@client.com")).collect();
    let too_many = w
        .app
        .invite(
            &w.admin,
            Invite {
                emails: eleven,
                role: Role::Member,
                group_ids: vec![],
                message: String::new(),
            },
        )
        .await;
    assert!(
        too_many
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
            .contains("1 to 10")
    );
    for (email, rule) in [
        ("staff@example.com", "internal domain"),
        ("someone@gmail.com", "block-list"),
    ] {
        let refused = w
            .app
            .invite(&w.admin, invite(&["ok@client.com", email], Role::Guest))
            .await;
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains(rule), "{message}");
    }
    assert!(
        w.app.list_invitations(&w.admin).await.unwrap().is_empty(),
        "a refused batch creates nothing"
    );
    assert!(
        outbox::list(w.store.read(), None, 10)
            .await
            .unwrap()
            .is_empty(),
        "and sends nothing"
    );
    assert!(
        w.app
            .invite(&w.admin, invite(&["staff@example.com"], Role::Member))
            .await
            .is_ok(),
        "domain rules are for guests"
    );
}

#[tokio::test]
async fn invitation_links_work_once_expire_and_die_when_revoked_or_resent() {
    let w = world().await;
    let ids = w
        .app
        .invite(
            &w.admin,
            invite(
                &["a@client.com", "b@client.com", "c@client.com"],
                Role::Member,
            ),
        )
        .await
        .unwrap();
    let a = mailed_link(&w, "a@client.com").await;
    let preview = w.app.invitation_preview(&a).await.unwrap();
    assert_eq!(
        (preview.email.as_str(), preview.role),
        ("a@client.com", Role::Member)
    );
    let signed_in = w.app.accept_invitation(&a, "Ann", PASSWORD).await.unwrap();
    assert!(
        w.app
            .authenticate_session(&signed_in.token)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        matches!(
            w.app.accept_invitation(&a, "Again", PASSWORD).await,
            Err(AppError::InvalidLink)
        ),
        "single use"
    );

    let b = mailed_link(&w, "b@client.com").await;
    w.app.revoke_invitation(&w.admin, ids[1]).await.unwrap();
    assert!(
        matches!(
            w.app.accept_invitation(&b, "Bo", PASSWORD).await,
            Err(AppError::InvalidLink)
        ),
        "revoked"
    );

    let c_old = mailed_link(&w, "c@client.com").await;
    w.app.resend_invitation(&w.admin, ids[2]).await.unwrap();
    let c_new = mailed_link(&w, "c@client.com").await;
    assert_ne!(c_old, c_new);
    assert!(
        matches!(
            w.app.invitation_preview(&c_old).await,
            Err(AppError::InvalidLink)
        ),
        "resending kills the old link"
    );
    w.clock.advance(time::Duration::days(8));
    assert!(
        matches!(
            w.app.accept_invitation(&c_new, "Cy", PASSWORD).await,
            Err(AppError::InvalidLink)
        ),
        "links expire after 7 days"
    );

    let actions: Vec<String> = audit::list(
        w.store.read(),
        &audit::AuditQuery {
            action_prefix: Some("invitation.".into()),
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|row| row.action)
    .collect();
    for expected in [
        "invitation.create",
        "invitation.accept",
        "invitation.revoke",
        "invitation.resend",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} missing from {actions:?}"
        );
    }
}

#[tokio::test]
async fn deactivation_ends_sessions_and_deletion_anonymises() {
    let w = world().await;
    let member = w.user("leaver@example.com", Role::Member).await;
    let session = w.app.sign_in("leaver@example.com", PASSWORD).await.unwrap();
    let id = member.user_id().unwrap();
    let space = w
        .app
        .create_space(
            &member,
            portico_app::NewSpace {
                key: "LEAVE".into(),
                name: "Leaver's".into(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
    w.app.deactivate_user(&w.admin, id).await.unwrap();
    assert!(
        w.app
            .authenticate_session(&session.token)
            .await
            .unwrap()
            .is_none(),
        "sessions end at once"
    );
    assert!(w.app.sign_in("leaver@example.com", PASSWORD).await.is_err());
    w.app.reactivate_user(&w.admin, id).await.unwrap();
    assert!(w.app.sign_in("leaver@example.com", PASSWORD).await.is_ok());

    w.app.delete_user(&w.admin, id).await.unwrap();
    let profile = w.app.user(&w.admin, id).await.unwrap();
    assert_eq!(profile.display_name, "Former user");
    assert!(!profile.email.contains("leaver"));
    assert!(w.app.sign_in("leaver@example.com", PASSWORD).await.is_err());
    assert_eq!(
        w.app.space(&w.admin, space.id).await.unwrap().created_by,
        Some(id),
        "content stays"
    );
    assert!(matches!(
        w.app.reactivate_user(&w.admin, id).await,
        Err(AppError::Conflict(_))
    ));
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while() {
    let w = world().await;
    set_policies(&w, |p| {
        p.max_failed_sign_ins = 3;
        p.lockout_minutes = 10;
    })
    .await;
    w.user("target@example.com", Role::Member).await;
    for _ in 0..3 {
        assert!(
            w.app
                .sign_in("target@example.com", "wrong password!")
                .await
                .is_err()
        );
    }
    assert!(
        matches!(
            w.app.sign_in("target@example.com", PASSWORD).await,
            Err(AppError::BadCredentials)
        ),
        "locked: even the right password fails"
    );
    w.clock.advance(time::Duration::minutes(11));
    assert!(
        w.app.sign_in("target@example.com", PASSWORD).await.is_ok(),
        "the lock lifts by itself"
    );
    let lockouts = audit::list(
        w.store.read(),
        &audit::AuditQuery {
            action_prefix: Some("auth.lockout".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(lockouts.len(), 1);
}

#[tokio::test]
async fn password_reset_links_set_a_new_password_and_end_sessions() {
    let w = world().await;
    w.user("forgetful@example.com", Role::Member).await;
    let old = w
        .app
        .sign_in("forgetful@example.com", PASSWORD)
        .await
        .unwrap();
    w.app
        .request_password_reset("nobody@example.com")
        .await
        .unwrap();
    w.app
        .request_password_reset("Forgetful@Example.com")
        .await
        .unwrap();
    let mails = outbox::list(w.store.read(), None, 10).await.unwrap();
    assert_eq!(
        mails.len(),
        1,
        "unknown addresses get no mail (and the same answer)"
    );
    let token = mailed_link(&w, "forgetful@example.com").await;
    assert!(matches!(
        w.app.reset_password(&token, "short").await,
        Err(AppError::Invalid(_))
    ));
    w.app
        .reset_password(&token, "a brand new password")
        .await
        .unwrap();
    assert!(
        w.app
            .authenticate_session(&old.token)
            .await
            .unwrap()
            .is_none(),
        "old sessions end"
    );
    assert!(
        w.app
            .sign_in("forgetful@example.com", PASSWORD)
            .await
            .is_err()
    );
    assert!(
        w.app
            .sign_in("forgetful@example.com", "a brand new password")
            .await
            .is_ok()
    );
    assert!(
        matches!(
            w.app.reset_password(&token, "another new password").await,
            Err(AppError::InvalidLink)
        ),
        "single use"
    );
}

#[tokio::test]
async fn directory_screens_are_invisible_to_everyone_but_org_admins() {
    let w = world().await;
    let member = w.user("member@example.com", Role::Member).await;
    assert!(matches!(
        w.app.list_users(&member, UserQuery::default()).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.licence_usage(&member).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app
            .invite(&member, invite(&["x@client.com"], Role::Guest))
            .await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app
            .audit_log(
                &member,
                portico_app::AuditFilter {
                    limit: 10,
                    ..Default::default()
                }
            )
            .await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.policies(&Viewer::Anonymous).await,
        Err(AppError::NotFound)
    ));
}
