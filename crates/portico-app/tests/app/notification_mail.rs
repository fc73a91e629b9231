//! Notices by e-mail: the digest job mails each person one list of what they
//! can still view when it runs, never twice, never what was restricted or
//! left since, never to someone deactivated or who turned mail off, never
//! naming someone they may not know; and the mail reaches a real SMTP server.

use portico_app::Clock as _;
use portico_app::{
    AppError, AssignmentRole, DigestReport, EmailPreference, GrantInput, Grantee, NoticeKind,
    PageId, PageUpdate, RestrictionChange, Role, SmtpMailer, Space, UserId, Viewer, WatchTarget,
};
use portico_store::OutboxRow;

use crate::harness::{World, storage, world};
use crate::mail::{FROM, SmtpServer, app_with_smtp};

fn id(viewer: &Viewer) -> UserId {
    viewer.user_id().unwrap()
}

async fn grant(w: &World, space: &Space, grantee: Grantee, role: &str) {
    w.app
        .set_space_grant(&w.admin, space.id, grantee, GrantInput::Role(role.into()))
        .await
        .unwrap();
}

async fn member_of(w: &World, space: &Space, email: &str) -> Viewer {
    let who = w.user(email, Role::Member).await;
    grant(w, space, Grantee::User(id(&who)), "collaborator").await;
    who
}

async fn edit(w: &World, who: &Viewer, page: PageId, text: &str) {
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
                publish: true,
            },
        )
        .await
        .unwrap();
}

async fn restrict(w: &World, page: PageId, to: Option<&Viewer>) {
    w.app
        .set_page_restrictions(
            &w.admin,
            page,
            RestrictionChange {
                view: Some(
                    to.map(|who| vec![Grantee::User(id(who))])
                        .unwrap_or_default(),
                ),
                edit: None,
            },
        )
        .await
        .unwrap();
}

async fn digest(w: &World) -> DigestReport {
    w.app
        .send_notification_digests(w.clock.now())
        .await
        .unwrap()
}

/// The digest mails in the outbox to `email`, oldest first.
async fn digests_to(w: &World, email: &str) -> Vec<OutboxRow> {
    let mut mails: Vec<OutboxRow> = portico_store::outbox::list(w.store.read(), None, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|mail| mail.recipient == email && mail.subject.starts_with("Portico: "))
        .collect();
    mails.reverse();
    mails
}

async fn notice_kinds(w: &World, viewer: &Viewer) -> Vec<(NoticeKind, Option<PageId>)> {
    w.app
        .notifications(viewer, None, 100)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|n| (n.kind, n.page.map(|p| p.id)))
        .collect()
}

#[tokio::test]
async fn three_events_make_one_mail_listing_three_and_it_reaches_smtp_once() {
    let w = world().await;
    let space = w.space("DIG").await;
    let reader = member_of(&w, &space, "reader@example.com").await;
    w.app
        .watch(&reader, WatchTarget::Space(space.id))
        .await
        .unwrap();
    let page = w.page(&space, None, "Launch plan").await;
    w.app
        .watch(&reader, WatchTarget::Page(page.id))
        .await
        .unwrap();
    edit(&w, &w.admin, page.id, "second").await;
    let comment = w
        .app
        .add_comment(&w.admin, page.id, None, storage("<p>hello</p>"))
        .await
        .unwrap();
    // Guests joining is mailed at once, not in the digest.
    let guest = w.user("guest@partner.example", Role::Guest).await;
    w.app
        .assign_guest(&w.admin, space.id, id(&guest), AssignmentRole::Viewer, None)
        .await
        .unwrap();
    assert_eq!(notice_kinds(&w, &reader).await.len(), 4);
    assert!(
        digests_to(&w, "reader@example.com").await.is_empty(),
        "nothing before the digest"
    );

    let report = digest(&w).await;
    assert_eq!(report.mails, 1, "{report:?}");
    assert_eq!(report.listed, 3, "{report:?}");
    let mails = digests_to(&w, "reader@example.com").await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.subject, "Portico: 3 new notifications");
    let base = "http://127.0.0.1:8080";
    for line in [
        format!(
            "- Admin published the page \"Launch plan\" in Space DIG (DIG)\n  {base}/wiki/pages/{}\n",
            page.id
        ),
        format!(
            "- Admin edited the page \"Launch plan\" (version 2) in Space DIG (DIG)\n  {base}/wiki/pages/{}\n",
            page.id
        ),
        format!(
            "- Admin commented on the page \"Launch plan\" in Space DIG (DIG)\n  {base}/wiki/pages/{}#comment-{}\n",
            page.id, comment.id
        ),
    ] {
        assert!(mail.body.contains(&line), "{line:?} in {}", mail.body);
    }
    assert!(
        !mail.body.contains("guest@partner.example"),
        "{}",
        mail.body
    );
    assert!(mail.body.contains(&format!("{base}/account")));
    // The in-product list keeps every notice.
    assert_eq!(notice_kinds(&w, &reader).await.len(), 4);

    // Twice is once, also when two runs race.
    let (again, racing) = tokio::join!(digest(&w), digest(&w));
    assert_eq!(
        (again, racing),
        (DigestReport::default(), DigestReport::default())
    );
    assert_eq!(digests_to(&w, "reader@example.com").await.len(), 1);

    // Through the outbox to a real SMTP server.
    let server = SmtpServer::start();
    let mailer = SmtpMailer::new(&server.url(), FROM).unwrap();
    let sender = app_with_smtp(&w);
    sender.deliver_outbox_once(&mailer).await.unwrap();
    let received: Vec<_> = server
        .received()
        .into_iter()
        .filter(|m| m.subject == "Portico: 3 new notifications")
        .collect();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, "reader@example.com");
    assert!(
        received[0].body.contains("Launch plan"),
        "{}",
        received[0].body
    );
    assert_eq!(digest(&w).await, DigestReport::default());
}

#[tokio::test]
async fn a_page_restricted_before_the_digest_is_neither_mailed_nor_listed_ever() {
    let w = world().await;
    let space = w.space("RSD").await;
    let reader = member_of(&w, &space, "reader@example.com").await;
    w.app
        .watch(&reader, WatchTarget::Space(space.id))
        .await
        .unwrap();
    let open = w.page(&space, None, "Open notes").await;
    let secret = w.page(&space, None, "Merger secret").await;
    restrict(&w, secret.id, Some(&w.admin)).await;

    let report = digest(&w).await;
    assert_eq!(
        (report.mails, report.listed, report.dropped),
        (1, 1, 1),
        "{report:?}"
    );
    let mails = digests_to(&w, "reader@example.com").await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].body.contains("Open notes"));
    assert!(!mails[0].body.contains("Merger"), "{}", mails[0].body);
    assert_eq!(mails[0].subject, "Portico: 1 new notification");
    assert_eq!(
        notice_kinds(&w, &reader).await,
        [(NoticeKind::PagePublished, Some(open.id))],
        "gone from the in-product list too"
    );

    // Dropped is for good: lifting the restriction mails nothing later.
    restrict(&w, secret.id, None).await;
    assert_eq!(digest(&w).await, DigestReport::default());
    assert_eq!(digests_to(&w, "reader@example.com").await.len(), 1);
}

#[tokio::test]
async fn a_guest_removed_from_the_space_before_the_digest_gets_no_mail() {
    let w = world().await;
    let space = w.space("GRM").await;
    let guest = w.guest_in("guest@partner.example", &space).await;
    let page = w.page(&space, None, "Client brief").await;
    w.app
        .watch(&guest, WatchTarget::Page(page.id))
        .await
        .unwrap();
    edit(&w, &w.admin, page.id, "new scope").await;
    assert_eq!(notice_kinds(&w, &guest).await.len(), 1);
    w.app
        .unassign_guest(&w.admin, space.id, id(&guest))
        .await
        .unwrap();

    let report = digest(&w).await;
    assert_eq!((report.mails, report.dropped), (0, 1), "{report:?}");
    assert!(digests_to(&w, "guest@partner.example").await.is_empty());
}

#[tokio::test]
async fn a_deactivated_recipient_gets_no_mail() {
    let w = world().await;
    let space = w.space("DEA").await;
    let reader = member_of(&w, &space, "leaver@example.com").await;
    let page = w.page(&space, None, "Handover").await;
    w.app
        .watch(&reader, WatchTarget::Page(page.id))
        .await
        .unwrap();
    edit(&w, &w.admin, page.id, "notes").await;
    w.app.deactivate_user(&w.admin, id(&reader)).await.unwrap();

    let report = digest(&w).await;
    assert_eq!((report.mails, report.dropped), (0, 1), "{report:?}");
    assert!(digests_to(&w, "leaver@example.com").await.is_empty());
}

#[tokio::test]
async fn expired_guest_access_gets_no_mail() {
    let w = world().await;
    let space = w.space("EXP").await;
    let guest = w.guest_in("guest@partner.example", &space).await;
    let page = w.page(&space, None, "Timeline").await;
    w.app
        .watch(&guest, WatchTarget::Page(page.id))
        .await
        .unwrap();
    let end = w.clock.now() + time::Duration::days(1);
    w.app
        .set_guest_access_expiry(&w.admin, id(&guest), Some(end))
        .await
        .unwrap();
    edit(&w, &w.admin, page.id, "dates").await;
    w.clock.advance(time::Duration::days(2));

    let report = digest(&w).await;
    assert_eq!((report.mails, report.dropped), (0, 1), "{report:?}");
    assert!(digests_to(&w, "guest@partner.example").await.is_empty());
}

#[tokio::test]
async fn never_means_no_mail_but_the_notices_stay_in_the_product() {
    let w = world().await;
    let space = w.space("NVR").await;
    let reader = member_of(&w, &space, "quiet@example.com").await;
    assert_eq!(
        w.app.email_preference(&reader).await.unwrap(),
        EmailPreference::Batched
    );
    assert!(matches!(
        w.app.set_email_preference(&reader, "daily").await,
        Err(AppError::Invalid(_))
    ));
    w.app.set_email_preference(&reader, "never").await.unwrap();
    assert_eq!(
        w.app.email_preference(&reader).await.unwrap(),
        EmailPreference::Never
    );
    w.app
        .watch(&reader, WatchTarget::Space(space.id))
        .await
        .unwrap();
    let page = w.page(&space, None, "Quiet page").await;

    let report = digest(&w).await;
    assert_eq!((report.mails, report.opted_out), (0, 1), "{report:?}");
    assert!(digests_to(&w, "quiet@example.com").await.is_empty());
    assert_eq!(
        notice_kinds(&w, &reader).await,
        [(NoticeKind::PagePublished, Some(page.id))]
    );

    // Turning mail back on mails what happens from then on, not the past.
    w.app
        .set_email_preference(&reader, "batched")
        .await
        .unwrap();
    assert_eq!(digest(&w).await, DigestReport::default());
    let later = w.page(&space, None, "Loud page").await;
    assert_eq!(digest(&w).await.listed, 1);
    let mails = digests_to(&w, "quiet@example.com").await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].body.contains("Loud page") && !mails[0].body.contains("Quiet page"));
    assert!(mails[0].body.contains(&format!("/wiki/pages/{}", later.id)));
}

#[tokio::test]
async fn an_actor_the_recipient_may_not_know_is_not_named() {
    let w = world().await;
    let space = w.space("UNK").await;
    let guest = w.guest_in("guest@partner.example", &space).await;
    // Reaches the space through "all members" only: that names no one, so
    // the guest doesn't share a space with them (SPEC 3.3).
    grant(&w, &space, Grantee::AllMembers, "collaborator").await;
    let stranger = w.user("stranger@example.com", Role::Member).await;
    let page = w.page(&space, None, "Shared doc").await;
    w.app
        .watch(&guest, WatchTarget::Page(page.id))
        .await
        .unwrap();
    w.app
        .add_comment(&stranger, page.id, None, storage("<p>internal view</p>"))
        .await
        .unwrap();

    // The guest and the page's creator (who watches it) hear of it.
    assert_eq!(digest(&w).await.mails, 2);
    let mails = digests_to(&w, "guest@partner.example").await;
    assert_eq!(mails.len(), 1);
    let body = &mails[0].body;
    assert!(
        body.contains("- Someone commented on the page \"Shared doc\""),
        "{body}"
    );
    assert!(!body.contains("stranger"), "{body}");

    // A member may know any active person: named.
    let member = member_of(&w, &space, "member@example.com").await;
    w.app
        .watch(&member, WatchTarget::Page(page.id))
        .await
        .unwrap();
    w.app
        .add_comment(&stranger, page.id, None, storage("<p>again</p>"))
        .await
        .unwrap();
    digest(&w).await;
    let mails = digests_to(&w, "member@example.com").await;
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0]
            .body
            .contains("- stranger@example.com commented on the page \"Shared doc\""),
        "{}",
        mails[0].body
    );
}
