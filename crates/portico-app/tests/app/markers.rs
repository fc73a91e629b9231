//! Everyone knows when guests are present (SPEC.md 3.3–3.4), on each
//! backend: a guest learns only people who share a space with them (a grant,
//! directly or through a group, in a space they can view, or a page they can
//! view), members any active person, nobody an e-mail; people carry their
//! guest-ness; only internal members are told how many guests share a space;
//! space admins are mailed when guests are assigned (not the assigner, not
//! the guests), in the assignment's transaction.

use portico_app::{
    AppError, AssignmentRole, GrantInput, Grantee, GroupId, NewPage, Role, Space, UserId, Viewer,
};

use crate::harness::{World, storage, world};

fn id(viewer: &Viewer) -> UserId {
    viewer.user_id().unwrap()
}

async fn grant(w: &World, space: &Space, grantee: Grantee, role: &str) {
    w.app
        .set_space_grant(&w.admin, space.id, grantee, GrantInput::Role(role.into()))
        .await
        .unwrap();
}

async fn assign(w: &World, space: &Space, guest: &Viewer) {
    w.app
        .assign_guest(
            &w.admin,
            space.id,
            id(guest),
            AssignmentRole::Collaborator,
            None,
        )
        .await
        .unwrap();
}

async fn write_page(w: &World, author: &Viewer, space: &Space, title: &str) {
    w.app
        .create_page(
            author,
            NewPage {
                space_id: space.id,
                parent_id: None,
                title: title.into(),
                body: storage("<p>text</p>"),
                draft: false,
            },
        )
        .await
        .unwrap();
}

/// The names `viewer` learns for `ids`, in order.
async fn known(w: &World, viewer: &Viewer, ids: &[UserId]) -> Vec<String> {
    w.app
        .known_people(viewer, ids)
        .await
        .unwrap()
        .into_iter()
        .map(|person| person.display_name)
        .collect()
}

async fn group_with(w: &World, name: &str, member: &Viewer) -> GroupId {
    let group = w
        .app
        .create_group(&w.admin, name, Role::Member)
        .await
        .unwrap();
    w.app
        .add_group_member(&w.admin, group.id, id(member))
        .await
        .unwrap();
    GroupId(group.id)
}

#[tokio::test]
async fn a_guest_knows_only_people_who_share_a_space() {
    let w = world().await;
    let shared = w.space("SHR").await;
    let other = w.space("OTH").await;
    let guest = w.user("g@partner.example", Role::Guest).await;
    assign(&w, &shared, &guest).await;
    let direct = w.user("direct@example.com", Role::Member).await;
    grant(&w, &shared, Grantee::User(id(&direct)), "viewer").await;
    let grouped = w.user("grouped@example.com", Role::Member).await;
    let team = group_with(&w, "team", &grouped).await;
    grant(&w, &shared, Grantee::Group(team), "collaborator").await;
    // Writes in the shared space through the grant to all members: no grant
    // of their own, but the guest reads their page.
    let writer = w.user("writer@example.com", Role::Member).await;
    write_page(&w, &writer, &shared, "Written here").await;
    // Only elsewhere: a grant and a page in a space the guest can't see.
    let elsewhere = w.user("elsewhere@example.com", Role::Member).await;
    grant(&w, &other, Grantee::User(id(&elsewhere)), "admin").await;
    write_page(&w, &elsewhere, &other, "Written there").await;
    // Only a member (the grant to all members names no one).
    let stranger = w.user("stranger@example.com", Role::Member).await;
    let missing = UserId(987_654);

    let asked = [
        id(&direct),
        id(&grouped),
        id(&writer),
        id(&elsewhere),
        id(&stranger),
        missing,
        id(&guest),
    ];
    assert_eq!(
        known(&w, &guest, &asked).await,
        [
            "direct@example.com",
            "grouped@example.com",
            "writer@example.com",
            "g@partner.example",
        ],
        "people of the shared space, and themselves"
    );
    // Leaving out is exactly like an unknown id: no error, no trace.
    assert!(known(&w, &guest, &[id(&stranger)]).await.is_empty());
    assert!(known(&w, &guest, &[missing]).await.is_empty());

    // Members know every active person, with their guest-ness.
    let people = w.app.known_people(&stranger, &asked).await.unwrap();
    assert_eq!(people.len(), 6, "all but the unknown id");
    let me = people.iter().find(|p| p.id == id(&guest)).unwrap();
    assert!(me.is_guest);
    assert!(
        people
            .iter()
            .filter(|p| p.id != id(&guest))
            .all(|p| !p.is_guest)
    );

    // A guest unassigned from the space forgets its people on the next request.
    w.app
        .unassign_guest(&w.admin, shared.id, id(&guest))
        .await
        .unwrap();
    assert_eq!(known(&w, &guest, &asked).await, ["g@partner.example"]);

    // Deactivated people are unknown to members too.
    w.app.deactivate_user(&w.admin, id(&direct)).await.unwrap();
    assert!(known(&w, &stranger, &[id(&direct)]).await.is_empty());
}

#[tokio::test]
async fn lookups_take_one_to_250_ids_and_repeat_nobody() {
    let w = world().await;
    let member = w.user("m@example.com", Role::Member).await;
    for ids in [vec![], vec![id(&member); 251]] {
        assert!(matches!(
            w.app.known_people(&member, &ids).await,
            Err(AppError::Invalid(_))
        ));
    }
    let twice = w
        .app
        .known_people(&member, &vec![id(&member); 250])
        .await
        .unwrap();
    assert_eq!(twice.len(), 1);
}

#[tokio::test]
async fn only_internal_members_are_told_about_guests() {
    let w = world().await;
    let space = w.space("PRS").await;
    let quiet = w.space("QUI").await;
    let member = w.user("m@example.com", Role::Member).await;
    let guest = w.user("g@partner.example", Role::Guest).await;
    assert_eq!(w.app.guest_presence(&member, space.id).await.unwrap(), None);
    assign(&w, &space, &guest).await;
    assert_eq!(
        w.app.guest_presence(&member, space.id).await.unwrap(),
        Some(1)
    );
    assert_eq!(
        w.app.guest_presence(&w.admin, space.id).await.unwrap(),
        Some(1)
    );
    assert_eq!(w.app.guest_presence(&guest, space.id).await.unwrap(), None);
    assert_eq!(w.app.guest_presence(&member, quiet.id).await.unwrap(), None);
    // The byline's people say who is a guest.
    let people = w
        .app
        .people(&member, &[id(&guest), id(&member)])
        .await
        .unwrap();
    let guest_person = people.iter().find(|p| p.id == id(&guest)).unwrap();
    let member_person = people.iter().find(|p| p.id == id(&member)).unwrap();
    assert!(guest_person.is_guest && !member_person.is_guest);
}

/// (recipient, subject, body) of the mails about guests joining.
async fn notices(w: &World) -> Vec<(String, String, String)> {
    portico_store::outbox::list(w.store.read(), None, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|mail| mail.subject.contains("guest"))
        .filter(|mail| mail.subject != "Your Portico sign-in code")
        .map(|mail| (mail.recipient, mail.subject, mail.body))
        .collect()
}

#[tokio::test]
async fn space_admins_are_mailed_when_guests_are_assigned() {
    let w = world().await;
    // The org admin created the space, so they administer it.
    let space = w.space("NOT").await;
    let assigner = w.user("assigner@example.com", Role::Member).await;
    grant(&w, &space, Grantee::User(id(&assigner)), "admin").await;
    let grouped = w.user("grouped@example.com", Role::Member).await;
    let admins = group_with(&w, "space-admins", &grouped).await;
    grant(&w, &space, Grantee::Group(admins), "admin").await;
    let reader = w.user("reader@example.com", Role::Member).await;
    grant(&w, &space, Grantee::User(id(&reader)), "viewer").await;
    let first = w.user("first@partner.example", Role::Guest).await;
    let second = w.user("second@partner.example", Role::Guest).await;

    w.app
        .bulk_assign_guests(
            &assigner,
            space.id,
            &[id(&first), id(&second)],
            AssignmentRole::Viewer,
            None,
        )
        .await
        .unwrap();
    let mut mails = notices(&w).await;
    mails.sort();
    let recipients: Vec<&str> = mails.iter().map(|(to, _, _)| to.as_str()).collect();
    assert_eq!(
        recipients,
        ["admin@example.com", "grouped@example.com"],
        "space admins, directly or through a group; not the assigner, not a mere viewer, not the guests"
    );
    for (_, subject, body) in &mails {
        assert_eq!(subject, "2 guests added to Space NOT");
        assert!(body.contains("first@partner.example") && body.contains("second@partner.example"));
        assert!(body.contains("Space NOT (NOT)") && body.contains("as viewer"));
        assert!(body.contains("/wiki/spaces/NOT/access"));
    }

    // A failed batch mails no one: the notice is part of the assignment.
    let member = w.user("member@example.com", Role::Member).await;
    let third = w.user("third@partner.example", Role::Guest).await;
    assert!(
        w.app
            .bulk_assign_guests(
                &w.admin,
                space.id,
                &[id(&third), id(&member)],
                AssignmentRole::Collaborator,
                None,
            )
            .await
            .is_err()
    );
    assert_eq!(notices(&w).await.len(), 2);

    // One guest, assigned by the org admin: the others hear of it, the
    // admin doesn't, and the guest who happens to administer nothing isn't told.
    w.app
        .assign_guest(
            &w.admin,
            space.id,
            id(&third),
            AssignmentRole::Collaborator,
            None,
        )
        .await
        .unwrap();
    let mut latest: Vec<(String, String)> = notices(&w)
        .await
        .into_iter()
        .filter(|(_, subject, _)| subject.starts_with("third@"))
        .map(|(to, subject, _)| (to, subject))
        .collect();
    latest.sort();
    assert_eq!(
        latest,
        [
            (
                "assigner@example.com".to_owned(),
                "third@partner.example is now a guest in Space NOT".to_owned()
            ),
            (
                "grouped@example.com".to_owned(),
                "third@partner.example is now a guest in Space NOT".to_owned()
            ),
        ]
    );
}
