//! E-mail for notices (SPEC.md 3.4, 4): a person's e-mail preference and the
//! rule the digest job applies to every waiting notice **at the time it
//! mails**, not when the notice was written. A notice is mailed only if its
//! recipient still has product access, still can view what it is about
//! through their own access set (`notify::may_deliver`, the same rule the
//! in-product list applies), and has not turned e-mail off. Anything else is
//! settled without a mail, for good.

use crate::ids::UserId;
use crate::notify::{About, NoticeKind, may_deliver};
use crate::policy::{AccessSet, Viewer};
use crate::role::Role;

/// How a person wants notices by e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmailPreference {
    /// One mail now and then listing what happened since the last (the default).
    #[default]
    Batched,
    /// No notice by e-mail (the in-product list still has them).
    Never,
}

impl EmailPreference {
    pub const ALL: [EmailPreference; 2] = [EmailPreference::Batched, EmailPreference::Never];

    pub fn as_str(self) -> &'static str {
        match self {
            EmailPreference::Batched => "batched",
            EmailPreference::Never => "never",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|pref| pref.as_str() == raw)
    }
}

impl std::fmt::Display for EmailPreference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the digest does with one waiting notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailVerdict {
    /// List it in the recipient's digest.
    Send,
    /// The recipient can't view it now (or has no access at all): never mail it.
    Drop,
    /// The recipient turned e-mail off.
    OptedOut,
    /// A kind mailed when it happens, not in a digest.
    Immediate,
}

impl MailVerdict {
    /// The stored e-mail state a notice settles in.
    pub fn state(self) -> &'static str {
        match self {
            MailVerdict::Send => "sent",
            MailVerdict::Drop => "dropped",
            MailVerdict::OptedOut => "opted_out",
            MailVerdict::Immediate => "immediate",
        }
    }
}

/// Whether notices of `kind` are mailed at the moment they happen rather than
/// in the digest: news of guests joining a space is a security signal to its
/// admins (SPEC 3.4), so it is not held back for a batch.
pub fn mailed_at_once(kind: NoticeKind) -> bool {
    kind == NoticeKind::GuestsAdded
}

/// The digest's verdict on a notice of `kind`, about `about` (`None` when
/// the page or space is gone), caused by `actor` (`None`: a removed
/// account), for `recipient` whose access set is `access` as of now and
/// whose preference is `preference`. Deny by default: anything the
/// recipient can't view now is dropped before the preference is asked.
pub fn digest_verdict(
    recipient: &Viewer,
    access: &AccessSet,
    preference: EmailPreference,
    kind: NoticeKind,
    about: Option<About<'_>>,
    actor: Option<UserId>,
) -> MailVerdict {
    if mailed_at_once(kind) {
        return MailVerdict::Immediate;
    }
    let Some(about) = about else {
        return MailVerdict::Drop;
    };
    // Deactivated people and guests whose access ran out hold no role.
    if matches!(recipient.role(), Role::None) {
        return MailVerdict::Drop;
    }
    // INVARIANT: user ids are positive, so `UserId(0)` is no one: a removed
    // actor can't be the recipient.
    let actor = actor.unwrap_or(UserId(0));
    if !may_deliver(recipient, access, kind, about, actor) {
        return MailVerdict::Drop;
    }
    match preference {
        EmailPreference::Batched => MailVerdict::Send,
        EmailPreference::Never => MailVerdict::OptedOut,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::ids::{PageId, SpaceId};
    use crate::permission::{Permissions, SpacePermission};
    use crate::policy::{PageRef, Principal, SpaceAccess};

    fn viewer(id: i64, role: Role) -> Viewer {
        Viewer::User(Principal {
            user_id: UserId(id),
            role,
            org_admin: false,
        })
    }

    fn access() -> AccessSet {
        AccessSet {
            user: Some(UserId(2)),
            spaces: [(
                SpaceId(1),
                SpaceAccess {
                    permissions: Permissions::of(&[SpacePermission::View]),
                    archived: false,
                },
            )]
            .into_iter()
            .collect::<BTreeMap<_, _>>(),
            keys: BTreeSet::from([PageId(50)]),
            ..AccessSet::default()
        }
    }

    fn page(space: i64, key: Option<i64>) -> About<'static> {
        About::Page(PageRef {
            id: PageId(7),
            path: "/",
            space: SpaceId(space),
            restriction_key: key.map(PageId),
            author: Some(UserId(9)),
            draft: false,
            blog: false,
            edit: None,
        })
    }

    fn verdict(
        recipient: &Viewer,
        preference: EmailPreference,
        kind: NoticeKind,
        about: Option<About<'_>>,
        actor: Option<i64>,
    ) -> MailVerdict {
        digest_verdict(
            recipient,
            &access(),
            preference,
            kind,
            about,
            actor.map(UserId),
        )
    }

    #[test]
    fn only_what_the_recipient_can_view_now_is_mailed() {
        let member = viewer(2, Role::Member);
        let batched = EmailPreference::Batched;
        let kind = NoticeKind::PageUpdated;
        assert_eq!(
            verdict(&member, batched, kind, Some(page(1, None)), Some(9)),
            MailVerdict::Send
        );
        assert_eq!(
            verdict(&member, batched, kind, Some(page(1, Some(50))), Some(9)),
            MailVerdict::Send
        );
        // Restricted since, moved to a space they can't view, gone.
        assert_eq!(
            verdict(&member, batched, kind, Some(page(1, Some(51))), Some(9)),
            MailVerdict::Drop
        );
        assert_eq!(
            verdict(&member, batched, kind, Some(page(2, None)), Some(9)),
            MailVerdict::Drop
        );
        assert_eq!(
            verdict(&member, batched, kind, None, Some(9)),
            MailVerdict::Drop
        );
        // A removed actor hides nothing and stops nothing.
        assert_eq!(
            verdict(&member, batched, kind, Some(page(1, None)), None),
            MailVerdict::Send
        );
        // Never about one's own change.
        assert_eq!(
            verdict(&member, batched, kind, Some(page(1, None)), Some(2)),
            MailVerdict::Drop
        );
    }

    #[test]
    fn people_without_product_access_get_nothing() {
        // Deactivated, or a guest whose access ran out: no role at all, even
        // with an access set that would show the page.
        assert_eq!(
            verdict(
                &viewer(2, Role::None),
                EmailPreference::Batched,
                NoticeKind::CommentCreated,
                Some(page(1, None)),
                Some(9)
            ),
            MailVerdict::Drop
        );
        assert_eq!(
            verdict(
                &Viewer::Anonymous,
                EmailPreference::Batched,
                NoticeKind::CommentCreated,
                Some(page(1, None)),
                Some(9)
            ),
            MailVerdict::Drop
        );
    }

    #[test]
    fn never_opts_out_but_a_drop_is_a_drop() {
        let member = viewer(2, Role::Member);
        let never = EmailPreference::Never;
        let kind = NoticeKind::Mentioned;
        assert_eq!(
            verdict(&member, never, kind, Some(page(1, None)), Some(9)),
            MailVerdict::OptedOut
        );
        assert_eq!(
            verdict(&member, never, kind, Some(page(2, None)), Some(9)),
            MailVerdict::Drop
        );
    }

    #[test]
    fn guest_news_is_mailed_at_once_not_digested() {
        let admin = viewer(2, Role::Admin);
        assert_eq!(
            verdict(
                &admin,
                EmailPreference::Batched,
                NoticeKind::GuestsAdded,
                Some(About::Space(SpaceId(1))),
                Some(9)
            ),
            MailVerdict::Immediate
        );
        assert!(
            NoticeKind::ALL
                .into_iter()
                .filter(|kind| mailed_at_once(*kind))
                .eq([NoticeKind::GuestsAdded])
        );
    }

    #[test]
    fn preferences_round_trip_and_default_to_batched() {
        for pref in EmailPreference::ALL {
            assert_eq!(EmailPreference::parse(pref.as_str()), Some(pref));
        }
        assert_eq!(EmailPreference::default(), EmailPreference::Batched);
        assert_eq!(EmailPreference::parse("daily"), None);
    }
}
