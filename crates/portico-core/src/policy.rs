//! The access engine. Every "may this person see or do this?" is answered here,
//! in one of two forms that share the same rules:
//!
//! - [`decide`] takes the full facts (grants, the restriction chain of a page)
//!   and returns a [`Decision`] with the reasons for it: this is what "explain
//!   access" shows, and what single decisions use when there is no cache.
//! - [`access_set`] evaluates the same space rule for every space and the same
//!   restriction rule for every restricted page once, giving the filter every
//!   list query runs with; [`AccessSet::decide`] then answers single decisions
//!   from it through the same action rules ([`action_rule`]).
//!
//! Deny by default. The rules, from SPEC.md 2.2 and 3:
//! - a viewer's space permissions are the union of the grants that apply to
//!   them; a set without `view` is no access at all;
//! - grants to "all members" never include guests, and guests count only
//!   direct grants (assignments) and grants to guest groups, never in a space
//!   that doesn't allow guests, and never `admin`, `restrict` or `export`
//!   unless the site allows it;
//! - anonymous grants count only while anonymous access is on for the site
//!   (for guests also only while `guests.see_anonymous_spaces` is on) and give
//!   at most `view`;
//! - view restrictions of a page and of every restricted ancestor must all be
//!   satisfied; an edit restriction applies to its page only;
//! - a grant may cover one page subtree instead of the whole space (guests
//!   limited to part of a space): it gives its permissions on that page and
//!   its descendants only, and lets the space be listed, nothing more;
//! - a draft is visible to its author only;
//! - a blog post is a page outside the tree: editing it needs `blog.create`
//!   (instead of `page.create`, as in Confluence), deleting it `blog.delete`
//!   (or `delete.own` for its author);
//! - an archived space is read-only;
//! - wiki admins manage every space's permissions but read only through
//!   grants, or through an active admin key (never a draft, never a write to
//!   an archived space).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::ids::{GroupId, PageId, SpaceId, UserId};
use crate::permission::{
    ANONYMOUS_CAP, GUEST_RESERVED, GlobalPermission, GlobalPermissions, Permissions,
    SpacePermission,
};
use crate::role::Role;

/// An authenticated person, as the request path knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    /// Effective product role.
    pub role: Role,
    pub org_admin: bool,
}

/// Whoever is asking: an anonymous visitor or a signed-in principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    User(Principal),
}

impl Viewer {
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Viewer::Anonymous => None,
            Viewer::User(principal) => Some(principal.user_id),
        }
    }

    pub fn role(&self) -> Role {
        match self {
            Viewer::Anonymous => Role::None,
            Viewer::User(principal) => principal.role,
        }
    }
}

/// Whether `viewer` manages the directory (users, groups, invitations,
/// licences, policies, the audit log): the org admin flag, which is separate
/// from the wiki admin role and gives no access to content.
pub fn administers_directory(viewer: &Viewer) -> bool {
    // An org admin needs no product access to manage the directory.
    matches!(viewer, Viewer::User(principal) if principal.org_admin)
}

/// Who a grant or restriction names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "type", content = "id", rename_all = "kebab-case")]
pub enum Grantee {
    User(UserId),
    Group(GroupId),
    /// Everyone with the member or admin role: never guests.
    AllMembers,
    /// Visitors who are not signed in (and, with limits, everyone else).
    Anonymous,
}

impl fmt::Display for Grantee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grantee::User(id) => write!(f, "user {id}"),
            Grantee::Group(id) => write!(f, "group {id}"),
            Grantee::AllMembers => f.write_str("all members"),
            Grantee::Anonymous => f.write_str("anonymous"),
        }
    }
}

/// Space permissions granted to someone in one space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub grantee: Grantee,
    pub permissions: Permissions,
}

/// Global permissions granted to a user, a group or all members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalGrant {
    pub grantee: Grantee,
    pub permissions: GlobalPermissions,
}

/// The person asking, with what the rules need to know about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub viewer: Viewer,
    /// Every group the person belongs to.
    pub groups: BTreeSet<GroupId>,
    /// The subset of `groups` that are guest groups.
    pub guest_groups: BTreeSet<GroupId>,
    /// An admin key is active for this person (only a wiki admin's counts).
    pub admin_key: bool,
}

impl Subject {
    pub fn anonymous() -> Self {
        Self::new(Viewer::Anonymous)
    }

    /// A subject without groups or admin key.
    pub fn new(viewer: Viewer) -> Self {
        Self {
            viewer,
            groups: BTreeSet::new(),
            guest_groups: BTreeSet::new(),
            admin_key: false,
        }
    }

    fn user_id(&self) -> Option<UserId> {
        self.viewer.user_id()
    }

    fn is_guest(&self) -> bool {
        self.viewer.role() == Role::Guest
    }

    /// Whether a user/group grant names this subject (guests: only direct
    /// grants and guest groups).
    fn named_by(&self, grantee: Grantee) -> bool {
        match grantee {
            Grantee::User(id) => self.user_id() == Some(id),
            Grantee::Group(id) if self.is_guest() => self.guest_groups.contains(&id),
            Grantee::Group(id) => self.groups.contains(&id),
            Grantee::AllMembers => self.viewer.role() >= Role::Member,
            Grantee::Anonymous => false,
        }
    }
}

/// Site-wide facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteFacts {
    /// The site switch for anonymous access.
    pub anonymous_access: bool,
    /// `guests.see_anonymous_spaces`.
    pub guests_see_anonymous_spaces: bool,
    /// Whether guests may hold `admin`, `restrict` and `export`.
    pub guests_may_hold_reserved: bool,
    pub global_grants: Vec<GlobalGrant>,
}

/// What the engine needs to know about a space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceFacts {
    pub id: SpaceId,
    pub archived: bool,
    /// `space.allow_guests`.
    pub allows_guests: bool,
    pub grants: Vec<Grant>,
    /// Grants that cover one page subtree only.
    pub subtree_grants: Vec<SubtreeGrant>,
}

/// A grant limited to a page and its descendants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtreeGrant {
    pub grant: Grant,
    /// The shared root.
    pub root: PageId,
    /// The root's own ancestor path (see `crate::page`).
    pub root_path: String,
}

/// What a subject holds in one page subtree of a space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtreeAccess {
    pub root: PageId,
    /// The path prefix of the root's descendants.
    pub prefix: String,
    pub permissions: Permissions,
}

impl SubtreeAccess {
    /// Whether the page `id` with ancestor path `path` is the root or under it.
    pub fn covers(&self, id: PageId, path: &str) -> bool {
        id == self.root || path.starts_with(&self.prefix)
    }
}

/// A page restriction: who may (view or edit). Nobody else may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restriction {
    /// The page that carries the restriction.
    pub page: PageId,
    pub users: BTreeSet<UserId>,
    pub groups: BTreeSet<GroupId>,
}

/// What the engine needs to know about a page.
#[derive(Debug, Clone, Copy)]
pub struct PageFacts<'a> {
    pub id: PageId,
    /// The page's ancestor path (see `crate::page`).
    pub path: &'a str,
    pub space: &'a SpaceFacts,
    pub author: Option<UserId>,
    pub draft: bool,
    /// A blog post rather than a page in the tree.
    pub blog: bool,
    /// The view restrictions of the page's restricted ancestors and of the page
    /// itself, root first.
    pub view_chain: &'a [Restriction],
    pub edit: Option<&'a Restriction>,
}

/// Something a viewer may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    // On the site.
    UseWiki,
    CreateSpace,
    AdministerWiki,
    SeeDirectory,
    UsePublicLinks,
    // On a space.
    ViewSpace,
    AdministerSpace,
    CreatePage,
    CreateBlogPost,
    ExportSpace,
    // On a page.
    ViewPage,
    EditPage,
    DeletePage,
    ArchivePage,
    CommentPage,
    /// Delete a comment on the page: `comment.delete`, or `delete.own` for
    /// the comment's author (the resource's author is the comment's).
    DeleteComment,
    AttachToPage,
    /// Delete (trash or purge) an attachment of the page: `attachment.delete`,
    /// or `delete.own` for its uploader (the resource's author is the
    /// uploader's). Like uploading, an edit restriction governs it.
    DeleteAttachment,
    RestrictPage,
    ExportPage,
}

/// What an action applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Site,
    Space,
    Page,
}

impl Action {
    /// Resolving or reopening an inline comment thread: as in Confluence,
    /// anyone who may comment on the page may (not only the thread's author),
    /// so it is the commenting rule itself — with its edit-restriction-free,
    /// archived-space-refused behaviour — not an action of its own.
    pub const RESOLVE_COMMENT: Action = Action::CommentPage;

    pub const ALL: [Action; 20] = [
        Action::UseWiki,
        Action::CreateSpace,
        Action::AdministerWiki,
        Action::SeeDirectory,
        Action::UsePublicLinks,
        Action::ViewSpace,
        Action::AdministerSpace,
        Action::CreatePage,
        Action::CreateBlogPost,
        Action::ExportSpace,
        Action::ViewPage,
        Action::EditPage,
        Action::DeletePage,
        Action::ArchivePage,
        Action::CommentPage,
        Action::DeleteComment,
        Action::AttachToPage,
        Action::DeleteAttachment,
        Action::RestrictPage,
        Action::ExportPage,
    ];

    pub fn scope(self) -> Scope {
        use Action::*;
        match self {
            UseWiki | CreateSpace | AdministerWiki | SeeDirectory | UsePublicLinks => Scope::Site,
            ViewSpace | AdministerSpace | CreatePage | CreateBlogPost | ExportSpace => Scope::Space,
            _ => Scope::Page,
        }
    }

    /// The permission name as SPEC.md spells it, used in 403 messages.
    pub fn permission(self) -> &'static str {
        self.permission_on(false)
    }

    /// The permission name for the action on a page (`blog: false`) or on
    /// a blog post (`blog: true`).
    pub fn permission_on(self, blog: bool) -> &'static str {
        match self.needs(blog) {
            Needs::Global(permission) => permission.as_str(),
            Needs::Space(permission) => permission.as_str(),
            Needs::SpaceAdmin => SpacePermission::Admin.as_str(),
            Needs::Delete(permission) => permission.as_str(),
            Needs::DeleteComment => SpacePermission::CommentDelete.as_str(),
            Needs::DeleteAttachment => SpacePermission::AttachmentDelete.as_str(),
        }
    }

    /// Whether the action changes content (refused in an archived space).
    pub fn writes(self) -> bool {
        use Action::*;
        matches!(
            self,
            CreatePage
                | CreateBlogPost
                | EditPage
                | DeletePage
                | ArchivePage
                | CommentPage
                | DeleteComment
                | AttachToPage
                | DeleteAttachment
                | RestrictPage
        )
    }

    /// Page actions that an edit restriction also governs.
    fn needs_edit_access(self) -> bool {
        use Action::*;
        matches!(
            self,
            EditPage | DeletePage | ArchivePage | AttachToPage | DeleteAttachment | RestrictPage
        )
    }

    /// What the action needs, on a blog post when `blog`.
    fn needs(self, blog: bool) -> Needs {
        use Action::*;
        match self {
            // A blog post is written and removed under the blog permissions.
            EditPage if blog => Needs::Space(SpacePermission::BlogCreate),
            DeletePage if blog => Needs::Delete(SpacePermission::BlogDelete),
            UseWiki => Needs::Global(GlobalPermission::UseWiki),
            CreateSpace => Needs::Global(GlobalPermission::CreateSpace),
            AdministerWiki => Needs::Global(GlobalPermission::Administer),
            SeeDirectory => Needs::Global(GlobalPermission::SeeDirectory),
            UsePublicLinks => Needs::Global(GlobalPermission::UsePublicLinks),
            ViewSpace | ViewPage => Needs::Space(SpacePermission::View),
            AdministerSpace => Needs::SpaceAdmin,
            CreatePage | EditPage => Needs::Space(SpacePermission::PageCreate),
            CreateBlogPost => Needs::Space(SpacePermission::BlogCreate),
            ExportSpace | ExportPage => Needs::Space(SpacePermission::Export),
            DeletePage => Needs::Delete(SpacePermission::PageDelete),
            ArchivePage => Needs::Space(SpacePermission::PageArchive),
            CommentPage => Needs::Space(SpacePermission::CommentCreate),
            DeleteComment => Needs::DeleteComment,
            DeleteAttachment => Needs::DeleteAttachment,
            AttachToPage => Needs::Space(SpacePermission::AttachmentCreate),
            RestrictPage => Needs::Space(SpacePermission::Restrict),
        }
    }
}

/// The permission an action needs.
#[derive(Debug, Clone, Copy)]
enum Needs {
    Global(GlobalPermission),
    Space(SpacePermission),
    /// Space `admin`, or a wiki admin (who manages every space's permissions).
    SpaceAdmin,
    /// `page.delete` (`blog.delete` for a blog post), or `delete.own` for
    /// the author.
    Delete(SpacePermission),
    /// `comment.delete`, or `delete.own` for the comment's author.
    DeleteComment,
    /// `attachment.delete`, or `delete.own` for the attachment's uploader.
    DeleteAttachment,
}

/// Why the engine decided as it did; shown by "explain access".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reason {
    AnonymousAccessOff,
    AnonymousAccessOn,
    NoProductAccess,
    GuestProductAccess,
    WikiAdminRole,
    GlobalGrant {
        grantee: Grantee,
        permissions: Vec<&'static str>,
    },
    MissingGlobal {
        permission: &'static str,
    },
    SpaceGrant {
        grantee: Grantee,
        permissions: Vec<&'static str>,
    },
    AllMembersExcludeGuests,
    GuestsNotAllowed,
    GuestPermissionsCapped {
        removed: Vec<&'static str>,
    },
    NoViewNoAccess,
    NoGrant,
    MissingPermission {
        permission: &'static str,
    },
    OwnContent,
    WikiAdminManagesSpaces,
    ViewRestrictionMet {
        page: PageId,
        via: Grantee,
    },
    ViewRestrictionUnmet {
        page: PageId,
    },
    EditRestrictionMet {
        page: PageId,
        via: Grantee,
    },
    EditRestrictionUnmet {
        page: PageId,
    },
    DraftOfAuthor,
    DraftOfSomeoneElse,
    Archived,
    AdminKey,
    /// A grant that covers a page subtree applies (or doesn't) here.
    SubtreeGrant {
        root: PageId,
        covered: bool,
    },
}

fn names(permissions: Permissions) -> Vec<&'static str> {
    permissions.iter().map(SpacePermission::as_str).collect()
}

fn global_names(permissions: GlobalPermissions) -> Vec<&'static str> {
    permissions.iter().map(GlobalPermission::as_str).collect()
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::AnonymousAccessOff => f.write_str("anonymous access is off for the site"),
            Reason::AnonymousAccessOn => f.write_str("anonymous access is on for the site"),
            Reason::NoProductAccess => f.write_str("no product access"),
            Reason::GuestProductAccess => f.write_str("guest product access"),
            Reason::WikiAdminRole => f.write_str("wiki admins hold every global permission"),
            Reason::GlobalGrant {
                grantee,
                permissions,
            } => write!(f, "global grant to {grantee}: {}", permissions.join(", ")),
            Reason::MissingGlobal { permission } => {
                write!(f, "no global `{permission}` permission")
            }
            Reason::SpaceGrant {
                grantee,
                permissions,
            } => write!(f, "space grant to {grantee}: {}", permissions.join(", ")),
            Reason::AllMembersExcludeGuests => {
                f.write_str("grants to all members never include guests")
            }
            Reason::GuestsNotAllowed => f.write_str("this space doesn't allow guests"),
            Reason::GuestPermissionsCapped { removed } => {
                write!(f, "guests can't hold {} (site policy)", removed.join(", "))
            }
            Reason::NoViewNoAccess => {
                f.write_str("the grants that apply don't include `view`, so they give nothing")
            }
            Reason::NoGrant => f.write_str("no grant in this space applies"),
            Reason::MissingPermission { permission } => {
                write!(f, "no `{permission}` permission in this space")
            }
            Reason::OwnContent => f.write_str("`delete.own` covers the author's own content"),
            Reason::WikiAdminManagesSpaces => {
                f.write_str("wiki admins manage every space's permissions")
            }
            Reason::ViewRestrictionMet { page, via } => {
                write!(f, "view restriction on page {page} names {via}")
            }
            Reason::ViewRestrictionUnmet { page } => {
                write!(f, "view restriction on page {page} doesn't include them")
            }
            Reason::EditRestrictionMet { page, via } => {
                write!(f, "edit restriction on page {page} names {via}")
            }
            Reason::EditRestrictionUnmet { page } => {
                write!(f, "edit restriction on page {page} doesn't include them")
            }
            Reason::DraftOfAuthor => f.write_str("an unpublished draft, visible to its author"),
            Reason::DraftOfSomeoneElse => {
                f.write_str("an unpublished draft is visible to its author only")
            }
            Reason::Archived => f.write_str("the space is archived (read-only)"),
            Reason::AdminKey => f.write_str("allowed by an active admin key (audited)"),
            Reason::SubtreeGrant {
                root,
                covered: true,
            } => {
                write!(
                    f,
                    "a grant covers page {root} and its descendants, this included"
                )
            }
            Reason::SubtreeGrant {
                root,
                covered: false,
            } => write!(
                f,
                "a grant covers page {root} and its descendants only, not this"
            ),
        }
    }
}

/// Collects reasons when explaining; does nothing when only deciding.
pub trait Trace {
    fn note(&mut self, reason: impl FnOnce() -> Reason);
}

impl Trace for () {
    fn note(&mut self, _reason: impl FnOnce() -> Reason) {}
}

impl Trace for Vec<Reason> {
    fn note(&mut self, reason: impl FnOnce() -> Reason) {
        self.push(reason());
    }
}

/// The engine's answer, with the reasons that led to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allowed: bool,
    /// Allowed only because of an admin key: the caller audits the use.
    pub by_admin_key: bool,
    pub reasons: Vec<Reason>,
}

impl Decision {
    /// The reasons as sentences.
    pub fn explanation(&self) -> String {
        let texts: Vec<String> = self.reasons.iter().map(ToString::to_string).collect();
        texts.join("; ")
    }
}

/// The global permissions of `subject`.
pub fn global_permissions(
    subject: &Subject,
    site: &SiteFacts,
    trace: &mut impl Trace,
) -> GlobalPermissions {
    let principal = match &subject.viewer {
        Viewer::Anonymous if site.anonymous_access => {
            trace.note(|| Reason::AnonymousAccessOn);
            return GlobalPermissions::of(&[GlobalPermission::UseWiki]);
        }
        Viewer::Anonymous => {
            trace.note(|| Reason::AnonymousAccessOff);
            return GlobalPermissions::NONE;
        }
        Viewer::User(principal) => principal,
    };
    match principal.role {
        Role::None => {
            trace.note(|| Reason::NoProductAccess);
            GlobalPermissions::NONE
        }
        Role::Guest => {
            // Guests are blocked by default: no global grant applies to them.
            trace.note(|| Reason::GuestProductAccess);
            GlobalPermissions::of(&[GlobalPermission::UseWiki])
        }
        Role::Member | Role::Admin => {
            let mut held = GlobalPermissions::NONE;
            if principal.role == Role::Admin {
                trace.note(|| Reason::WikiAdminRole);
                held = GlobalPermissions::ALL;
            }
            for grant in &site.global_grants {
                if subject.named_by(grant.grantee) {
                    trace.note(|| Reason::GlobalGrant {
                        grantee: grant.grantee,
                        permissions: global_names(grant.permissions),
                    });
                    held = held.union(grant.permissions);
                }
            }
            held
        }
    }
}

/// The space permissions `subject` holds in `space` (empty: no access).
pub fn space_permissions(
    subject: &Subject,
    site: &SiteFacts,
    global: GlobalPermissions,
    space: &SpaceFacts,
    trace: &mut impl Trace,
) -> Permissions {
    let anonymous_grants = || {
        space
            .grants
            .iter()
            .filter(|grant| grant.grantee == Grantee::Anonymous)
    };
    let mut held = Permissions::NONE;
    let mut add = |grant: &Grant, cap: Permissions, trace: &mut dyn FnMut(Reason)| {
        let given = grant.permissions.intersection(cap);
        if !given.is_empty() {
            trace(Reason::SpaceGrant {
                grantee: grant.grantee,
                permissions: names(given),
            });
        }
        held = held.union(given);
    };
    let mut sink = |reason: Reason| trace.note(|| reason);
    match &subject.viewer {
        Viewer::Anonymous => {
            if !site.anonymous_access {
                sink(Reason::AnonymousAccessOff);
                return Permissions::NONE;
            }
            for grant in anonymous_grants() {
                add(grant, ANONYMOUS_CAP, &mut sink);
            }
        }
        Viewer::User(principal) => match principal.role {
            Role::None => {
                sink(Reason::NoProductAccess);
                return Permissions::NONE;
            }
            Role::Guest => {
                if !space.allows_guests {
                    sink(Reason::GuestsNotAllowed);
                    return Permissions::NONE;
                }
                let cap = if site.guests_may_hold_reserved {
                    Permissions::ALL
                } else {
                    Permissions::ALL.without(GUEST_RESERVED)
                };
                for grant in &space.grants {
                    if subject.named_by(grant.grantee) {
                        let removed = grant.permissions.without(cap);
                        if !removed.is_empty() {
                            sink(Reason::GuestPermissionsCapped {
                                removed: names(removed),
                            });
                        }
                        add(grant, cap, &mut sink);
                    } else if grant.grantee == Grantee::AllMembers {
                        sink(Reason::AllMembersExcludeGuests);
                    }
                }
                if site.anonymous_access && site.guests_see_anonymous_spaces {
                    for grant in anonymous_grants() {
                        add(grant, ANONYMOUS_CAP, &mut sink);
                    }
                }
            }
            Role::Member | Role::Admin => {
                if !global.contains(GlobalPermission::UseWiki) {
                    sink(Reason::MissingGlobal {
                        permission: GlobalPermission::UseWiki.as_str(),
                    });
                    return Permissions::NONE;
                }
                for grant in &space.grants {
                    if subject.named_by(grant.grantee) {
                        add(grant, Permissions::ALL, &mut sink);
                    } else if grant.grantee == Grantee::Anonymous && site.anonymous_access {
                        add(grant, ANONYMOUS_CAP, &mut sink);
                    }
                }
            }
        },
    }
    if held.contains(SpacePermission::View) {
        held
    } else {
        sink(if held.is_empty() {
            Reason::NoGrant
        } else {
            Reason::NoViewNoAccess
        });
        Permissions::NONE
    }
}

/// What `subject` holds in each page subtree of `space` that a subtree grant
/// covers: each grant is judged by the space rule on its own (so guests'
/// caps, `allow_guests` and the need for `view` apply alike).
pub fn subtree_permissions(
    subject: &Subject,
    site: &SiteFacts,
    global: GlobalPermissions,
    space: &SpaceFacts,
    trace: &mut impl Trace,
) -> Vec<SubtreeAccess> {
    space
        .subtree_grants
        .iter()
        .filter(|scoped| subject.named_by(scoped.grant.grantee))
        .filter_map(|scoped| {
            let alone = SpaceFacts {
                id: space.id,
                archived: space.archived,
                allows_guests: space.allows_guests,
                grants: vec![scoped.grant.clone()],
                subtree_grants: Vec::new(),
            };
            // Anonymous grants of the space are not part of `alone`.
            let permissions = space_permissions(subject, site, global, &alone, trace);
            (!permissions.is_empty()).then(|| SubtreeAccess {
                root: scoped.root,
                prefix: crate::page::descendants_prefix(scoped.root, &scoped.root_path),
                permissions,
            })
        })
        .collect()
}

/// Whether `subject` is named by `restriction` (directly or through a group).
pub fn named_in(subject: &Subject, restriction: &Restriction) -> Option<Grantee> {
    named_by_ids(subject.user_id(), &subject.groups, restriction)
}

fn named_by_ids(
    user: Option<UserId>,
    groups: &BTreeSet<GroupId>,
    restriction: &Restriction,
) -> Option<Grantee> {
    let user = user?;
    if restriction.users.contains(&user) {
        return Some(Grantee::User(user));
    }
    restriction
        .groups
        .intersection(groups)
        .next()
        .map(|group| Grantee::Group(*group))
}

/// Whether a restriction names `subject`, noting why either way.
fn restriction_met(
    subject: &Subject,
    restriction: &Restriction,
    edit: bool,
    trace: &mut impl Trace,
) -> bool {
    let page = restriction.page;
    let via = named_in(subject, restriction);
    trace.note(|| match (edit, via) {
        (false, Some(via)) => Reason::ViewRestrictionMet { page, via },
        (false, None) => Reason::ViewRestrictionUnmet { page },
        (true, Some(via)) => Reason::EditRestrictionMet { page, via },
        (true, None) => Reason::EditRestrictionUnmet { page },
    });
    via.is_some()
}

/// Everything the action rules look at, however it was computed.
#[derive(Debug, Clone, Copy)]
pub struct RuleInputs {
    pub global: GlobalPermissions,
    pub space: Permissions,
    pub archived: bool,
    /// Every view restriction on the way to the page is met.
    pub view_restrictions_met: bool,
    /// The page's edit restriction (if any) is met.
    pub edit_restriction_met: bool,
    pub is_author: bool,
    pub draft: bool,
    /// An admin key is active and its holder is a wiki admin.
    pub admin_key: bool,
    /// A subtree grant lets the subject view part of the space (enough to
    /// list the space; nothing else at space level).
    pub subtree_view: bool,
    /// The page is a blog post.
    pub blog: bool,
}

/// The rule for each action, shared by [`decide`] and [`AccessSet::decide`].
/// Returns `(allowed, by_admin_key)`.
pub fn action_rule(action: Action, inputs: RuleInputs, trace: &mut impl Trace) -> (bool, bool) {
    let scope = action.scope();
    if scope == Scope::Page && inputs.draft {
        if !inputs.is_author {
            // Drafts are private to their author; not even an admin key opens them.
            trace.note(|| Reason::DraftOfSomeoneElse);
            return (false, false);
        }
        trace.note(|| Reason::DraftOfAuthor);
    }
    let granted = match action.needs(inputs.blog) {
        Needs::Global(permission) => {
            let held = inputs.global.contains(GlobalPermission::UseWiki)
                && inputs.global.contains(permission);
            if !held {
                trace.note(|| Reason::MissingGlobal {
                    permission: permission.as_str(),
                });
            }
            held
        }
        Needs::SpaceAdmin => {
            if inputs.space.contains(SpacePermission::Admin) {
                true
            } else if inputs.global.contains(GlobalPermission::Administer) {
                trace.note(|| Reason::WikiAdminManagesSpaces);
                true
            } else {
                trace.note(|| Reason::MissingPermission {
                    permission: SpacePermission::Admin.as_str(),
                });
                false
            }
        }
        Needs::Space(permission) => space_permission_held(inputs, permission, trace),
        Needs::Delete(permission) => delete_held(inputs, permission, trace),
        Needs::DeleteComment => delete_held(inputs, SpacePermission::CommentDelete, trace),
        Needs::DeleteAttachment => delete_held(inputs, SpacePermission::AttachmentDelete, trace),
    };
    let page_ok = scope != Scope::Page
        || (inputs.view_restrictions_met
            && (!action.needs_edit_access() || inputs.edit_restriction_met));
    let granted = granted || (action == Action::ViewSpace && inputs.subtree_view);
    let readable = scope == Scope::Site
        || action == Action::AdministerSpace
        || inputs.space.contains(SpacePermission::View)
        || (action == Action::ViewSpace && inputs.subtree_view);
    if action.writes() && inputs.archived {
        trace.note(|| Reason::Archived);
        return (false, false);
    }
    if granted && page_ok && readable {
        return (true, false);
    }
    if inputs.admin_key && scope != Scope::Site {
        trace.note(|| Reason::AdminKey);
        return (true, true);
    }
    (false, false)
}

/// `permission`, or `delete.own` when the subject wrote the thing deleted.
fn delete_held(inputs: RuleInputs, permission: SpacePermission, trace: &mut impl Trace) -> bool {
    if inputs.space.contains(permission) {
        true
    } else if inputs.is_author && inputs.space.contains(SpacePermission::DeleteOwn) {
        trace.note(|| Reason::OwnContent);
        true
    } else {
        trace.note(|| Reason::MissingPermission {
            permission: permission.as_str(),
        });
        false
    }
}

fn space_permission_held(
    inputs: RuleInputs,
    permission: SpacePermission,
    trace: &mut impl Trace,
) -> bool {
    let held = inputs.space.contains(permission);
    if !held && inputs.space.contains(SpacePermission::View) {
        trace.note(|| Reason::MissingPermission {
            permission: permission.as_str(),
        });
    }
    held
}

/// What an action applies to.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    Site,
    Space(&'a SpaceFacts),
    Page(PageFacts<'a>),
}

/// Decides whether `subject` may perform `action` on `resource`, with reasons.
/// A page action on a space (or a space action on the site) is refused.
pub fn decide(
    subject: &Subject,
    site: &SiteFacts,
    action: Action,
    resource: Resource<'_>,
) -> Decision {
    let mut reasons = Vec::new();
    let (allowed, by_admin_key) = decide_traced(subject, site, action, resource, &mut reasons);
    Decision {
        allowed,
        by_admin_key,
        reasons,
    }
}

fn decide_traced(
    subject: &Subject,
    site: &SiteFacts,
    action: Action,
    resource: Resource<'_>,
    trace: &mut impl Trace,
) -> (bool, bool) {
    let global = global_permissions(subject, site, trace);
    let admin_key = subject.admin_key && global.contains(GlobalPermission::Administer);
    let mut inputs = RuleInputs {
        global,
        space: Permissions::NONE,
        archived: false,
        view_restrictions_met: false,
        edit_restriction_met: false,
        is_author: false,
        draft: false,
        admin_key,
        subtree_view: false,
        blog: false,
    };
    let space = match (action.scope(), resource) {
        (Scope::Site, _) => None,
        (Scope::Space, Resource::Space(space)) => Some(space),
        (Scope::Page, Resource::Page(page)) => Some(page.space),
        (Scope::Space, Resource::Page(page)) => Some(page.space),
        _ => return (false, false),
    };
    if let Some(space) = space {
        inputs.space = space_permissions(subject, site, global, space, trace);
        inputs.archived = space.archived;
        let subtrees = subtree_permissions(subject, site, global, space, trace);
        inputs.subtree_view = !subtrees.is_empty();
        if let (Scope::Page, Resource::Page(page)) = (action.scope(), resource) {
            for subtree in &subtrees {
                let covered = subtree.covers(page.id, page.path);
                trace.note(|| Reason::SubtreeGrant {
                    root: subtree.root,
                    covered,
                });
                if covered {
                    inputs.space = inputs.space.union(subtree.permissions);
                }
            }
        }
    }
    if let (Scope::Page, Resource::Page(page)) = (action.scope(), resource) {
        inputs.is_author = page.author.is_some() && page.author == subject.user_id();
        inputs.draft = page.draft;
        inputs.blog = page.blog;
        // Every restriction is evaluated (and explained), not just up to the first miss.
        let results: Vec<bool> = page
            .view_chain
            .iter()
            .map(|restriction| restriction_met(subject, restriction, false, trace))
            .collect();
        inputs.view_restrictions_met = results.into_iter().all(|met| met);
        inputs.edit_restriction_met = match page.edit {
            Some(restriction) if action.needs_edit_access() => {
                restriction_met(subject, restriction, true, trace)
            }
            Some(restriction) => named_in(subject, restriction).is_some(),
            None => true,
        };
    }
    action_rule(action, inputs, trace)
}

/// Can-view, can-comment and can-edit for one person and one page or space,
/// each with its reasons: "explain access".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub view: Decision,
    pub comment: Decision,
    pub edit: Decision,
}

/// Explains a page (or, without a page, a space) for `subject`, with the same
/// calls that decide.
pub fn explain(subject: &Subject, site: &SiteFacts, resource: Resource<'_>) -> Explanation {
    let (view, comment, edit) = match resource {
        Resource::Page(_) => (Action::ViewPage, Action::CommentPage, Action::EditPage),
        _ => (Action::ViewSpace, Action::CommentPage, Action::CreatePage),
    };
    let comment_resource = match resource {
        // Commenting on a space means commenting on its pages in general.
        Resource::Space(space) => Resource::Page(PageFacts {
            id: PageId(0),
            path: "",
            space,
            author: None,
            draft: false,
            blog: false,
            view_chain: &[],
            edit: None,
        }),
        other => other,
    };
    Explanation {
        view: decide(subject, site, view, resource),
        comment: decide(subject, site, comment, comment_resource),
        edit: decide(subject, site, edit, resource),
    }
}

/// A restricted page as the access set sees it: the page's view restriction
/// and the nearest restricted ancestor (whose restriction also applies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestrictedPage {
    pub space: SpaceId,
    /// The nearest ancestor that carries a view restriction.
    pub parent_key: Option<PageId>,
    pub restriction: Restriction,
}

/// The filter behind every list: what one subject may view, computed once
/// per (subject, permission epoch).
///
/// Pages carry a *restriction key*: the id of the nearest ancestor-or-self
/// with a view restriction (or none). A page is visible when its space is in
/// `spaces` and its key is absent or in `keys`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessSet {
    pub user: Option<UserId>,
    pub groups: BTreeSet<GroupId>,
    pub global: GlobalPermissions,
    /// Viewable spaces and what the subject holds in each.
    pub spaces: BTreeMap<SpaceId, SpaceAccess>,
    /// Page subtrees the subject may view in spaces they hold no (or less)
    /// space-wide access to, with what they hold there.
    pub subtrees: BTreeMap<SpaceId, Vec<SubtreeAccess>>,
    /// Restriction keys whose whole chain the subject satisfies.
    pub keys: BTreeSet<PageId>,
    /// Every archived space, viewable or not: an admin key opens spaces
    /// outside `spaces`, but never for a write to an archived one.
    pub archived: BTreeSet<SpaceId>,
    /// An admin key is active (single decisions only: lists stay as they are).
    pub admin_key: bool,
}

/// A subject's standing in one viewable space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpaceAccess {
    pub permissions: Permissions,
    pub archived: bool,
}

/// A page as the access set sees it (a stored row has all of this).
#[derive(Debug, Clone, Copy)]
pub struct PageRef<'a> {
    pub id: PageId,
    /// The page's ancestor path (see `crate::page`).
    pub path: &'a str,
    pub space: SpaceId,
    pub restriction_key: Option<PageId>,
    pub author: Option<UserId>,
    pub draft: bool,
    /// A blog post rather than a page in the tree.
    pub blog: bool,
    pub edit: Option<&'a Restriction>,
}

impl AccessSet {
    /// Whether the subject may see the space at all: all of it, or a subtree.
    pub fn can_view_space(&self, space: SpaceId) -> bool {
        self.spaces.contains_key(&space) || self.subtrees.contains_key(&space)
    }

    /// Every space the subject sees at least part of, for listing spaces.
    pub fn listed_space_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .spaces
            .keys()
            .chain(self.subtrees.keys())
            .map(|id| id.0)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The subtrees the subject sees in spaces outside `spaces`, as (space,
    /// root, descendants' path prefix), for query filters.
    pub fn subtree_filters(&self) -> Vec<(i64, i64, String)> {
        self.subtrees
            .iter()
            .filter(|(space, _)| !self.spaces.contains_key(space))
            .flat_map(|(space, subtrees)| {
                subtrees
                    .iter()
                    .map(move |s| (space.0, s.root.0, s.prefix.clone()))
            })
            .collect()
    }

    /// What the subject holds on a page: the space's permissions and those of
    /// every subtree that covers the page.
    pub fn page_permissions(&self, page: PageRef<'_>) -> Permissions {
        let mut held = self
            .spaces
            .get(&page.space)
            .map_or(Permissions::NONE, |a| a.permissions);
        for subtree in self.subtrees.get(&page.space).into_iter().flatten() {
            if subtree.covers(page.id, page.path) {
                held = held.union(subtree.permissions);
            }
        }
        held
    }

    pub fn can_view_page(&self, page: PageRef<'_>) -> bool {
        self.decide(Action::ViewPage, page).0
    }

    /// The viewable space ids, for query filters.
    pub fn space_ids(&self) -> Vec<i64> {
        self.spaces.keys().map(|id| id.0).collect()
    }

    /// The satisfied restriction keys, for query filters.
    pub fn key_ids(&self) -> Vec<i64> {
        self.keys.iter().map(|id| id.0).collect()
    }

    fn inputs(&self, space: Option<SpaceId>) -> RuleInputs {
        let access = space.and_then(|id| self.spaces.get(&id));
        RuleInputs {
            global: self.global,
            space: access.map_or(Permissions::NONE, |a| a.permissions),
            // Also for spaces outside the set, which an admin key may open.
            archived: space.is_some_and(|id| self.archived.contains(&id)),
            view_restrictions_met: false,
            edit_restriction_met: false,
            is_author: false,
            draft: false,
            admin_key: self.admin_key,
            subtree_view: space.is_some_and(|id| self.subtrees.contains_key(&id)),
            blog: false,
        }
    }

    /// A site action.
    pub fn decide_site(&self, action: Action) -> bool {
        action.scope() == Scope::Site && action_rule(action, self.inputs(None), &mut ()).0
    }

    /// A space action. `archived` is the space's state (for spaces outside the
    /// set, which an admin key may still open).
    pub fn decide_space(&self, action: Action, space: SpaceId, archived: bool) -> (bool, bool) {
        if action.scope() != Scope::Space {
            return (false, false);
        }
        let mut inputs = self.inputs(Some(space));
        inputs.archived = archived;
        action_rule(action, inputs, &mut ())
    }

    /// Creating a page under `parent` (or at the top of the space): a subtree
    /// grant lets its holder create pages inside the subtree only.
    pub fn decide_create_under(
        &self,
        space: SpaceId,
        archived: bool,
        parent: Option<PageRef<'_>>,
    ) -> (bool, bool) {
        let mut inputs = self.inputs(Some(space));
        inputs.archived = archived;
        if let Some(parent) = parent.filter(|parent| parent.space == space) {
            inputs.space = self.page_permissions(parent);
        }
        action_rule(Action::CreatePage, inputs, &mut ())
    }

    /// A page action: `(allowed, by_admin_key)`.
    pub fn decide(&self, action: Action, page: PageRef<'_>) -> (bool, bool) {
        if action.scope() != Scope::Page {
            return (false, false);
        }
        let mut inputs = self.inputs(Some(page.space));
        inputs.space = self.page_permissions(page);
        inputs.is_author = page.author.is_some() && page.author == self.user;
        inputs.draft = page.draft;
        inputs.blog = page.blog;
        inputs.view_restrictions_met = page
            .restriction_key
            .is_none_or(|key| self.keys.contains(&key));
        inputs.edit_restriction_met = page
            .edit
            .is_none_or(|restriction| named_by_ids(self.user, &self.groups, restriction).is_some());
        action_rule(action, inputs, &mut ())
    }
}

/// Computes the access set of `subject`: the space rule for every space, the
/// restriction rule for every restricted page. `restricted` may come in any
/// order; keys outside viewable spaces are never satisfied.
pub fn access_set<'a>(
    subject: &Subject,
    site: &SiteFacts,
    spaces: impl IntoIterator<Item = &'a SpaceFacts>,
    restricted: &BTreeMap<PageId, RestrictedPage>,
) -> AccessSet {
    let global = global_permissions(subject, site, &mut ());
    let mut set = AccessSet {
        user: subject.user_id(),
        groups: subject.groups.clone(),
        global,
        spaces: BTreeMap::new(),
        subtrees: BTreeMap::new(),
        keys: BTreeSet::new(),
        archived: BTreeSet::new(),
        admin_key: subject.admin_key && global.contains(GlobalPermission::Administer),
    };
    for space in spaces {
        if space.archived {
            set.archived.insert(space.id);
        }
        let permissions = space_permissions(subject, site, global, space, &mut ());
        let subtrees = subtree_permissions(subject, site, global, space, &mut ());
        if !subtrees.is_empty() {
            set.subtrees.insert(space.id, subtrees);
        }
        if permissions.contains(SpacePermission::View) {
            set.spaces.insert(
                space.id,
                SpaceAccess {
                    permissions,
                    archived: space.archived,
                },
            );
        }
    }
    add_restriction_keys(&mut set, subject, restricted);
    set
}

/// Adds to `set` the restriction keys `subject` satisfies. Needs the set's
/// spaces already in place (a key outside them is never satisfied), so the
/// restricted pages can be loaded for those spaces only.
pub fn add_restriction_keys(
    set: &mut AccessSet,
    subject: &Subject,
    restricted: &BTreeMap<PageId, RestrictedPage>,
) {
    let mut memo: BTreeMap<PageId, bool> = BTreeMap::new();
    for key in restricted.keys() {
        if key_satisfied(subject, set, restricted, *key, &mut memo) {
            set.keys.insert(*key);
        }
    }
}

/// Whether the chain of restrictions ending at `key` is satisfied (memoised;
/// iterative so that deep trees can't overflow the stack).
fn key_satisfied(
    subject: &Subject,
    set: &AccessSet,
    restricted: &BTreeMap<PageId, RestrictedPage>,
    key: PageId,
    memo: &mut BTreeMap<PageId, bool>,
) -> bool {
    let mut chain = Vec::new();
    let mut cursor = Some(key);
    let mut known = true;
    while let Some(current) = cursor {
        if let Some(met) = memo.get(&current) {
            known = *met;
            break;
        }
        if chain.contains(&current) {
            // A cycle can't come from a tree; refuse rather than loop.
            known = false;
            break;
        }
        chain.push(current);
        cursor = restricted.get(&current).and_then(|page| page.parent_key);
    }
    for current in chain.into_iter().rev() {
        let met = known
            && restricted.get(&current).is_some_and(|page| {
                set.can_view_space(page.space) && named_in(subject, &page.restriction).is_some()
            });
        memo.insert(current, met);
        known = met;
    }
    known
}

/// The restriction key of a page: its nearest ancestor-or-self that carries a
/// view restriction. `ancestors` is root first, then the page itself.
pub fn restriction_key(
    ancestors_and_self: &[PageId],
    is_restricted: impl Fn(PageId) -> bool,
) -> Option<PageId> {
    ancestors_and_self
        .iter()
        .rev()
        .copied()
        .find(|page| is_restricted(*page))
}

#[cfg(test)]
mod tests;
