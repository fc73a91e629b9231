//! The bridge between stored rows and `portico_core`'s engine.
//!
//! Every use case starts with [`App::access`]: the viewer and their access set
//! (cached per user and permission epoch). Single reads go through
//! `visible_space` / `visible_page` (anything not viewable is `NotFound`, like
//! a missing id), changes through `require_space` / `require_page` (`Forbidden`
//! naming the permission, only for things the caller can view), and lists
//! filter in the query with the access set's spaces and restriction keys.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use portico_core::directory::effective_role;
use portico_core::policy::{
    self, AccessSet, Action, PageFacts, PageRef, Resource, RestrictedPage, SiteFacts, SpaceFacts,
    Subject,
};
use portico_core::{GroupId, PageId, Principal, Role, SpaceId, UserId, Viewer};
use portico_store::permissions::{self, GrantRow};
use portico_store::{Conn, PageRow, SpaceRow, UserRow, groups, pages, spaces, users};

use crate::App;
use crate::change_watch::Freshness;
use crate::error::{AppError, AppResult};
use crate::row_cache::CachedPage;

/// How long an admin key stays usable without being used.
pub const ADMIN_KEY_IDLE: time::Duration = time::Duration::minutes(10);

/// The most access sets kept in memory; the cache starts over beyond it.
const CACHE_LIMIT: usize = 50_000;

/// How many users' access sets may be built at once (see
/// [`AccessCache::turn`]).
const BUILD_TURNS: usize = 16;

/// Cached access sets by user (`None`: anonymous).
pub(crate) struct AccessCache {
    sets: Mutex<HashMap<Option<i64>, CachedSet>>,
    /// One build at a time per user (users share a turn by their id modulo
    /// [`BUILD_TURNS`]).
    turns: Vec<tokio::sync::Mutex<()>>,
    /// Sets built since the process started (each a cache miss).
    built: AtomicU64,
}

impl Default for AccessCache {
    fn default() -> Self {
        Self {
            sets: Mutex::default(),
            turns: (0..BUILD_TURNS)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
            built: AtomicU64::new(0),
        }
    }
}

struct CachedSet {
    epoch: i64,
    admin_key: bool,
    /// The first expiry among the grants it was built from: an expiry ends
    /// access exactly on time without moving the epoch.
    valid_until: Option<time::OffsetDateTime>,
    set: Arc<AccessSet>,
}

impl AccessCache {
    fn get(
        &self,
        user: Option<i64>,
        epoch: i64,
        admin_key: bool,
        now: time::OffsetDateTime,
    ) -> Option<Arc<AccessSet>> {
        let sets = self.sets.lock().ok()?;
        sets.get(&user)
            .filter(|cached| {
                cached.epoch == epoch
                    && cached.admin_key == admin_key
                    && cached.valid_until.is_none_or(|end| now < end)
            })
            .map(|cached| cached.set.clone())
    }

    /// The turn to build `user`'s set. Building a broad member's set reads
    /// every grant and restriction of the site (about half a second on a
    /// site of a million pages); after a restart or an epoch change, a burst
    /// of their requests would otherwise build it once each, all at once,
    /// and starve one another. Whoever waited re-reads the cache first.
    async fn turn(&self, user: Option<i64>) -> tokio::sync::MutexGuard<'_, ()> {
        let slot = user.map_or(0, |id| id.unsigned_abs() as usize % self.turns.len());
        self.turns[slot].lock().await
    }

    fn put(&self, user: Option<i64>, epoch: i64, admin_key: bool, built: BuiltSet) {
        self.built.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut sets) = self.sets.lock() {
            if sets.len() >= CACHE_LIMIT {
                sets.clear();
            }
            sets.insert(
                user,
                CachedSet {
                    epoch,
                    admin_key,
                    valid_until: built.valid_until,
                    set: built.set,
                },
            );
        }
    }
}

/// A read or change made possible only by an admin key; audited.
#[derive(Debug, Clone)]
pub(crate) struct KeyUse {
    pub target: (&'static str, i64),
    pub owner: Option<i64>,
}

/// The viewer of one use case, with their access set.
pub(crate) struct Access {
    pub viewer: Viewer,
    pub set: Arc<AccessSet>,
    /// The change counters as read before the access set: rows read after
    /// it may be cached under its generation.
    pub fresh: Option<Freshness>,
    app: App,
    key_uses: Mutex<Vec<KeyUse>>,
}

impl Drop for Access {
    fn drop(&mut self) {
        let uses = match self.key_uses.get_mut() {
            Ok(uses) => std::mem::take(uses),
            Err(_) => return,
        };
        if uses.is_empty() {
            return;
        }
        let (Some(actor), Ok(runtime)) =
            (self.viewer.user_id(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        // Recorded in its own transaction: the use case may hold the writer.
        let app = self.app.clone();
        runtime.spawn(async move {
            if let Err(err) = app.record_admin_key_uses(actor, uses).await {
                tracing::error!(error = %err, "could not record an admin key use");
            }
        });
    }
}

impl Access {
    /// A notice recipient's access as [`recipient_access`] built it (never
    /// with an admin key), for the rules that take an `Access`: who they may
    /// know, for instance, when a digest names people.
    pub(crate) fn of_recipient(app: &App, viewer: Viewer, set: Arc<AccessSet>) -> Access {
        Access {
            viewer,
            set,
            fresh: None,
            app: app.clone(),
            key_uses: Mutex::new(Vec::new()),
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        self.viewer.user_id().map(|id| id.0)
    }

    /// The acting user, for changes.
    pub fn actor(&self) -> AppResult<i64> {
        self.user_id().ok_or(AppError::Unauthenticated)
    }

    fn note_key_use(&self, target: (&'static str, i64), owner: Option<i64>) {
        if let Ok(mut uses) = self.key_uses.lock() {
            uses.push(KeyUse { target, owner });
        }
    }

    /// Whether a stored page is viewable (trashed pages never are, here).
    pub fn can_view_page(&self, page: &PageRow) -> bool {
        matches!(page.status.as_str(), "current" | "draft")
            && self.set.decide(Action::ViewPage, page_ref(page, None)).0
    }

    /// Whether this viewer manages the space's permissions (space `admin`,
    /// or a wiki admin), whether or not they can read it.
    pub fn administers(&self, space: &SpaceRow) -> bool {
        self.set
            .decide_space(
                Action::AdministerSpace,
                SpaceId(space.id),
                space.status == "archived",
            )
            .0
    }

    /// A site action.
    pub fn require_site(&self, action: Action) -> AppResult<()> {
        if self.set.decide_site(action) {
            Ok(())
        } else {
            Err(forbidden(action))
        }
    }

    /// A space action on a viewable space.
    pub fn require_space(&self, action: Action, space: &SpaceRow) -> AppResult<()> {
        let (allowed, by_key) =
            self.set
                .decide_space(action, SpaceId(space.id), space.status == "archived");
        if by_key {
            self.note_key_use(("space", space.id), space.created_by);
        }
        if allowed {
            Ok(())
        } else {
            Err(forbidden(action))
        }
    }
}

/// The access set's page filter, owned, for building query filters.
pub(crate) struct PageFilterSets {
    spaces: Vec<i64>,
    keys: Vec<i64>,
    subtrees: Vec<(i64, i64, String)>,
}

impl PageFilterSets {
    pub fn visibility(&self) -> pages::Visibility<'_> {
        pages::Visibility {
            spaces: &self.spaces,
            keys: &self.keys,
            subtrees: &self.subtrees,
        }
    }
}

impl Access {
    /// What every page query filters with: whole spaces, satisfied
    /// restriction keys, and page subtrees shared on their own.
    pub fn page_filter(&self) -> PageFilterSets {
        PageFilterSets {
            spaces: self.set.space_ids(),
            keys: self.set.key_ids(),
            subtrees: self.set.subtree_filters(),
        }
    }

    /// Fails with `Forbidden` unless the viewer may create a page under
    /// `parent` (or at the top of `space`): a subtree grant allows it inside
    /// the subtree only.
    pub fn require_create_under(
        &self,
        space: &SpaceRow,
        parent: Option<&PageRow>,
    ) -> AppResult<()> {
        let (allowed, by_key) = self.set.decide_create_under(
            SpaceId(space.id),
            space.status == "archived",
            parent.map(|p| page_ref(p, None)),
        );
        if by_key {
            self.note_key_use(("space", space.id), space.created_by);
        }
        if allowed {
            Ok(())
        } else {
            Err(forbidden(Action::CreatePage))
        }
    }
}

pub(crate) fn forbidden(action: Action) -> AppError {
    forbidden_on(action, false)
}

/// `Forbidden` naming the permission `action` needs on a page or, when
/// `blog`, on a blog post.
fn forbidden_on(action: Action, blog: bool) -> AppError {
    let permission = action.permission_on(blog);
    AppError::Forbidden {
        permission,
        reason: format!("you don't hold the `{permission}` permission here"),
    }
}

/// The access-set view of a stored page.
pub(crate) fn page_ref<'a>(
    page: &'a PageRow,
    edit: Option<&'a policy::Restriction>,
) -> PageRef<'a> {
    PageRef {
        id: PageId(page.id),
        path: &page.path,
        space: SpaceId(page.space_id),
        restriction_key: page.restriction_key.map(PageId),
        author: page.author_id.map(UserId),
        draft: page.status == "draft",
        blog: page.kind == pages::BLOG_POST,
        edit,
    }
}

/// The space with `id` if it exists and `access` may view it (or open it with
/// an admin key); otherwise `NotFound`.
pub(crate) async fn visible_space(
    conn: &impl Conn,
    access: &Access,
    id: SpaceId,
) -> AppResult<SpaceRow> {
    match spaces::find(conn, id.0).await? {
        Some(space) => admit_space(access, space),
        None => Err(AppError::NotFound),
    }
}

/// Same as [`visible_space`], by key.
pub(crate) async fn visible_space_by_key(
    conn: &impl Conn,
    access: &Access,
    key: &str,
) -> AppResult<SpaceRow> {
    match spaces::find_by_key(conn, &key.to_ascii_uppercase()).await? {
        Some(space) => admit_space(access, space),
        None => Err(AppError::NotFound),
    }
}

/// The space if `access` manages its permissions; `NotFound` when it can't
/// even see it, `Forbidden` (naming `admin`) when it only sees it.
pub(crate) async fn managed_space(
    conn: &impl Conn,
    access: &Access,
    id: SpaceId,
) -> AppResult<SpaceRow> {
    let space = managed_or_visible_space(conn, access, id).await?;
    if !access.administers(&space) {
        access.require_space(Action::AdministerSpace, &space)?;
    }
    Ok(space)
}

/// The space if `access` manages its permissions or can view it; otherwise
/// `NotFound`.
pub(crate) async fn managed_or_visible_space(
    conn: &impl Conn,
    access: &Access,
    id: SpaceId,
) -> AppResult<SpaceRow> {
    match spaces::find(conn, id.0).await? {
        Some(space) if access.administers(&space) => Ok(space),
        Some(space) => admit_space(access, space),
        None => Err(AppError::NotFound),
    }
}

fn admit_space(access: &Access, space: SpaceRow) -> AppResult<SpaceRow> {
    let (allowed, by_key) = access.set.decide_space(
        Action::ViewSpace,
        SpaceId(space.id),
        space.status == "archived",
    );
    if by_key {
        access.note_key_use(("space", space.id), space.created_by);
    }
    if allowed {
        Ok(space)
    } else {
        Err(AppError::NotFound)
    }
}

/// The current page (or the viewer's own draft) with `id` and its space, if
/// `access` may view it; otherwise `NotFound`.
pub(crate) async fn visible_page(
    conn: &impl Conn,
    access: &Access,
    id: PageId,
) -> AppResult<(PageRow, SpaceRow)> {
    let Some(page) = pages::find(conn, id.0).await? else {
        return Err(AppError::NotFound);
    };
    if !may_view_page(access, &page) {
        return Err(AppError::NotFound);
    }
    let Some(space) = spaces::find(conn, page.space_id).await? else {
        return Err(AppError::NotFound);
    };
    admit_page(access, &page)?;
    Ok((page, space))
}

/// Whether `access` may view a page row (current, or the viewer's own
/// draft), without noting an admin key's use.
fn may_view_page(access: &Access, page: &PageRow) -> bool {
    matches!(page.status.as_str(), "current" | "draft")
        && access.set.decide(Action::ViewPage, page_ref(page, None)).0
}

/// `NotFound` unless `access` may view the page row; notes the use of an
/// admin key when only the key opens it.
fn admit_page(access: &Access, page: &PageRow) -> AppResult<()> {
    if !matches!(page.status.as_str(), "current" | "draft") {
        return Err(AppError::NotFound);
    }
    let (allowed, by_key) = access.set.decide(Action::ViewPage, page_ref(page, None));
    if !allowed {
        return Err(AppError::NotFound);
    }
    if by_key {
        access.note_key_use(("page", page.id), page.author_id);
    }
    Ok(())
}

impl App {
    /// [`visible_page`] without the space, through the row cache: a warm read
    /// asks the database nothing, and a cached row is admitted exactly as a
    /// fresh one.
    pub(crate) async fn visible_page_cached(
        &self,
        access: &Access,
        id: PageId,
    ) -> AppResult<CachedPage> {
        let generation = access.fresh.map(|fresh| fresh.generation);
        let hit = generation.and_then(|generation| self.rows.page(id.0, generation));
        let cached = match hit {
            Some(cached) => cached,
            None => {
                let conn = self.store.read();
                let Some(page) = pages::find(conn, id.0).await? else {
                    return Err(AppError::NotFound);
                };
                if !may_view_page(access, &page) {
                    return Err(AppError::NotFound);
                }
                let has_links = !portico_format::linked_pages(&page.body).is_empty();
                let cached = CachedPage { page, has_links };
                if let Some(generation) = generation {
                    self.rows.put(generation, cached.clone());
                }
                cached
            }
        };
        admit_page(access, &cached.page)?;
        Ok(cached)
    }
}

/// The space whose trash `access` may open: it administers the space
/// (`AdministerSpace`) and can view it. Everyone else gets `NotFound`, as
/// for a missing space: the trash is not even known to exist for them.
pub(crate) async fn trash_space(
    conn: &impl Conn,
    access: &Access,
    id: SpaceId,
) -> AppResult<SpaceRow> {
    let space = visible_space(conn, access, id).await?;
    if access.administers(&space) {
        Ok(space)
    } else {
        Err(AppError::NotFound)
    }
}

/// Like [`visible_page`], for one kind of content (`pages::PAGE` or
/// `pages::BLOG_POST`): a blog post's id where a page is asked for, and the
/// other way round, is `NotFound`, like a missing id.
pub(crate) async fn visible_of_kind(
    conn: &impl Conn,
    access: &Access,
    id: PageId,
    kind: &str,
) -> AppResult<(PageRow, SpaceRow)> {
    let (page, space) = visible_page(conn, access, id).await?;
    if page.kind == kind {
        Ok((page, space))
    } else {
        Err(AppError::NotFound)
    }
}

/// A trashed page (any kind of `pages` row) with its space, if `access`
/// administers the space and would view the page were it current (its view
/// restrictions still apply); otherwise `NotFound`.
pub(crate) async fn trashed_page(
    conn: &impl Conn,
    access: &Access,
    id: PageId,
) -> AppResult<(PageRow, SpaceRow)> {
    let (page, space) = trash_holder(conn, access, id).await?;
    if page.status != "trashed" {
        return Err(AppError::NotFound);
    }
    Ok((page, space))
}

/// A current or trashed page (one that can hold trashed things) with its
/// space, if `access` may open the space's trash and view the page, view
/// restrictions included; otherwise `NotFound`.
pub(crate) async fn trash_holder(
    conn: &impl Conn,
    access: &Access,
    id: PageId,
) -> AppResult<(PageRow, SpaceRow)> {
    let Some(page) = pages::find(conn, id.0).await? else {
        return Err(AppError::NotFound);
    };
    if !matches!(page.status.as_str(), "current" | "trashed") {
        return Err(AppError::NotFound);
    }
    let space = trash_space(conn, access, SpaceId(page.space_id)).await?;
    let (allowed, by_key) = access.set.decide(Action::ViewPage, page_ref(&page, None));
    if !allowed {
        return Err(AppError::NotFound);
    }
    if by_key {
        access.note_key_use(("page", page.id), page.author_id);
    }
    Ok((page, space))
}

/// Fails with `Forbidden` (naming the permission) unless `access` may do a page
/// `action` on a page it can view.
pub(crate) async fn require_page(
    conn: &impl Conn,
    access: &Access,
    action: Action,
    page: &PageRow,
    space: &SpaceRow,
) -> AppResult<()> {
    let edit = permissions::restrictions_of(conn, &[page.id])
        .await?
        .edit
        .remove(&page.id);
    let blog = page.kind == pages::BLOG_POST;
    if action.writes() && space.status == "archived" {
        // The space row is the truth, also for spaces an admin key opens.
        return Err(forbidden_on(action, blog));
    }
    let reference = page_ref(page, edit.as_ref());
    let (allowed, by_key) = access.set.decide(action, reference);
    if by_key {
        access.note_key_use(("page", page.id), page.author_id);
    }
    if allowed {
        Ok(())
    } else {
        Err(forbidden_on(action, blog))
    }
}

/// The site-wide facts the engine needs.
pub(crate) async fn site_facts(conn: &impl Conn) -> AppResult<SiteFacts> {
    let policies = crate::directory::load_policies(conn).await?.access;
    Ok(SiteFacts {
        anonymous_access: policies.anonymous_access,
        guests_see_anonymous_spaces: policies.guests_see_anonymous_spaces,
        guests_may_hold_reserved: policies.guests_reserved_permissions,
        global_grants: permissions::global_grants(conn).await?,
    })
}

/// The engine's view of a space, with the given grants. `roots` holds the
/// current pages that subtree grants name; a grant whose root is gone, or
/// has left the space, gives nothing.
pub(crate) fn space_facts(
    space: &SpaceRow,
    grants: &[GrantRow],
    roots: &BTreeMap<i64, PageRow>,
) -> SpaceFacts {
    let mine = || grants.iter().filter(|grant| grant.space_id == space.id);
    SpaceFacts {
        id: SpaceId(space.id),
        archived: space.status == "archived",
        allows_guests: space.allows_guests,
        grants: mine()
            .filter(|grant| grant.subtree_root.is_none())
            .map(GrantRow::fact)
            .collect(),
        subtree_grants: mine()
            .filter_map(|grant| {
                let root = roots.get(&grant.subtree_root?)?;
                (root.space_id == space.id && root.status == "current").then(|| {
                    policy::SubtreeGrant {
                        grant: grant.fact(),
                        root: PageId(root.id),
                        root_path: root.path.clone(),
                    }
                })
            })
            .collect(),
    }
}

/// The pages that subtree grants among `grants` name, by id.
pub(crate) async fn subtree_roots(
    conn: &impl Conn,
    grants: &[GrantRow],
) -> AppResult<BTreeMap<i64, PageRow>> {
    let ids: Vec<i64> = grants.iter().filter_map(|g| g.subtree_root).collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    Ok(pages::find_many(conn, &ids)
        .await?
        .into_iter()
        .map(|page| (page.id, page))
        .collect())
}

/// Whether a guest's product access has run out: then they hold no role at
/// all, whatever is stored, from the deadline on.
pub(crate) fn guest_access_over(
    role: Role,
    expires_at: Option<time::OffsetDateTime>,
    now: time::OffsetDateTime,
) -> bool {
    role == Role::Guest && expires_at.is_some_and(|end| end <= now)
}

/// The principal a stored user is at `now` (effective role from their
/// groups; none for an inactive account or expired guest access), or `None`
/// if there is no such user.
pub(crate) async fn principal_at(
    conn: &impl Conn,
    user_id: i64,
    now: time::OffsetDateTime,
) -> AppResult<Option<Principal>> {
    let Some(user) = users::find(conn, user_id).await? else {
        return Ok(None);
    };
    let mut principal = principal_from_row(conn, &user).await?;
    if guest_access_over(principal.role, user.guest_access_expires_at, now) {
        principal.role = Role::None;
    }
    Ok(Some(principal))
}

/// The principal a stored user is (effective role from their groups), or
/// `None` if there is no such user. Ignores the guest access expiry: for
/// rules about what a person *is* (a guest), not what they may do now.
pub(crate) async fn principal_of(conn: &impl Conn, user_id: i64) -> AppResult<Option<Principal>> {
    match users::find(conn, user_id).await? {
        Some(user) => Ok(Some(principal_from_row(conn, &user).await?)),
        None => Ok(None),
    }
}

/// The principal a stored user row is: effective role from the direct role
/// and group roles; no role at all for an inactive account.
pub(crate) async fn principal_from_row(conn: &impl Conn, user: &UserRow) -> AppResult<Principal> {
    if user.status != "active" {
        return Ok(Principal {
            user_id: UserId(user.id),
            role: Role::None,
            org_admin: false,
        });
    }
    let direct = user.role.parse::<Role>().unwrap_or(Role::None);
    let group_roles = groups::groups_of(conn, user.id)
        .await?
        .into_iter()
        .map(|g| g.role.parse::<Role>().unwrap_or(Role::None));
    Ok(Principal {
        user_id: UserId(user.id),
        role: effective_role(direct, group_roles),
        org_admin: user.org_admin,
    })
}

/// The subject for `viewer`: their groups (guest groups marked) and whether an
/// admin key is active.
pub(crate) async fn subject(
    conn: &impl Conn,
    viewer: &Viewer,
    now: time::OffsetDateTime,
) -> AppResult<Subject> {
    let Some(user) = viewer.user_id() else {
        return Ok(Subject::anonymous());
    };
    let mut subject = Subject::new(viewer.clone());
    for group in groups::groups_of(conn, user.0).await? {
        subject.groups.insert(GroupId(group.id));
        if group.role == Role::Guest.as_str() {
            subject.guest_groups.insert(GroupId(group.id));
        }
    }
    subject.admin_key = viewer.role() == Role::Admin && admin_key_active(conn, user.0, now).await?;
    Ok(subject)
}

/// Whether `user` holds an admin key that hasn't gone idle.
pub(crate) async fn admin_key_active(
    conn: &impl Conn,
    user: i64,
    now: time::OffsetDateTime,
) -> AppResult<bool> {
    Ok(permissions::admin_key(conn, user)
        .await?
        .is_some_and(|key| now - key.last_used_at < ADMIN_KEY_IDLE))
}

/// An access set and how long it holds.
pub(crate) struct BuiltSet {
    pub set: Arc<AccessSet>,
    pub valid_until: Option<time::OffsetDateTime>,
}

/// Builds the access set of `subject` from the database, as of `now`
/// (expired grants count for nothing).
pub(crate) async fn build_access_set(
    conn: &impl Conn,
    subject: &Subject,
    now: time::OffsetDateTime,
) -> AppResult<BuiltSet> {
    let site = site_facts(conn).await?;
    let groups: Vec<GroupId> = subject.groups.iter().copied().collect();
    let grants: Vec<GrantRow> = permissions::grants_naming(conn, subject.viewer.user_id(), &groups)
        .await?
        .into_iter()
        .filter(|grant| grant.active(now))
        .collect();
    let valid_until = grants.iter().filter_map(|grant| grant.expires_at).min();
    let roots = subtree_roots(conn, &grants).await?;
    let granted_spaces: BTreeSet<i64> = grants.iter().map(|grant| grant.space_id).collect();
    let mut by_space: BTreeMap<i64, Vec<GrantRow>> = BTreeMap::new();
    for grant in grants {
        by_space.entry(grant.space_id).or_default().push(grant);
    }
    let rows = spaces::find_many(conn, &granted_spaces.into_iter().collect::<Vec<_>>()).await?;
    let facts: Vec<SpaceFacts> = rows
        .iter()
        .map(|space| {
            space_facts(
                space,
                by_space.get(&space.id).map_or(&[], Vec::as_slice),
                &roots,
            )
        })
        .collect();
    let mut set = policy::access_set(subject, &site, &facts, &BTreeMap::new());
    let restricted = permissions::view_restricted_pages(conn, &set.listed_space_ids()).await?;
    if !restricted.is_empty() {
        let restricted: BTreeMap<PageId, RestrictedPage> = restricted
            .into_iter()
            .map(|row| {
                (
                    PageId(row.page_id),
                    RestrictedPage {
                        space: SpaceId(row.space_id),
                        parent_key: row.parent_key.map(PageId),
                        restriction: row.restriction,
                    },
                )
            })
            .collect();
        policy::add_restriction_keys(&mut set, subject, &restricted);
    }
    Ok(BuiltSet {
        set: Arc::new(set),
        valid_until,
    })
}

/// A notice's recipient as of `now`, with their access set, read through
/// `conn` (inside the caller's transaction, so the change being made counts)
/// by the same engine as [`App::access`]. Without an admin key: a key opens
/// single reads for its holder, never a notice. `None` if there is no such
/// user.
pub(crate) async fn recipient_access(
    conn: &impl Conn,
    user_id: i64,
    now: time::OffsetDateTime,
) -> AppResult<Option<(Viewer, Arc<AccessSet>)>> {
    let Some(principal) = principal_at(conn, user_id, now).await? else {
        return Ok(None);
    };
    let viewer = Viewer::User(principal);
    let mut subject = subject(conn, &viewer, now).await?;
    subject.admin_key = false;
    let built = build_access_set(conn, &subject, now).await?;
    Ok(Some((viewer, built.set)))
}

impl App {
    /// Whether anonymous visitors may use the wiki at all (the site switch):
    /// the web layer lets requests without a session through only then.
    pub async fn anonymous_access_enabled(&self) -> AppResult<bool> {
        let policies = crate::directory::load_policies(self.store.read()).await?;
        Ok(policies.access.anonymous_access)
    }

    /// The viewer with their access set, from the cache when the permission
    /// epoch hasn't moved since it was built.
    /// How many access sets this process has built and cached (each one a
    /// cache miss): for diagnostics, and for tests that a burst of requests
    /// builds a set once.
    pub fn access_sets_built(&self) -> u64 {
        self.access_cache.built.load(Ordering::Relaxed)
    }

    pub(crate) async fn access(&self, viewer: &Viewer) -> AppResult<Access> {
        let conn = self.store.read();
        let fresh = self.changes.current(&self.store).await?;
        let epoch = fresh.epoch;
        let user = viewer.user_id().map(|id| id.0);
        let admin_key = match user {
            Some(user) if viewer.role() == Role::Admin => {
                admin_key_active(conn, user, self.now()).await?
            }
            _ => false,
        };
        let now = self.now();
        let cache = &self.access_cache;
        let set = match cache.get(user, epoch, admin_key, now) {
            Some(set) => set,
            None => {
                let _turn = cache.turn(user).await;
                match cache.get(user, epoch, admin_key, now) {
                    Some(set) => set,
                    None => {
                        let subject = subject(conn, viewer, now).await?;
                        let built = build_access_set(conn, &subject, now).await?;
                        let set = built.set.clone();
                        cache.put(user, epoch, admin_key, built);
                        set
                    }
                }
            }
        };
        Ok(Access {
            viewer: viewer.clone(),
            set,
            fresh: Some(fresh),
            app: self.clone(),
            key_uses: Mutex::new(Vec::new()),
        })
    }

    /// The access set of `principal`, someone other than the caller, as the
    /// engine computes it for them but without any admin key they may hold:
    /// for asking whether they could view something (mentions). Shares the
    /// viewer cache; a principal without product access (an expired guest,
    /// say) is built afresh, since the cache is keyed by user and epoch only.
    pub(crate) async fn person_access(
        &self,
        conn: &impl Conn,
        principal: &Principal,
    ) -> AppResult<Arc<AccessSet>> {
        let epoch = permissions::epoch(conn).await?;
        let user = Some(principal.user_id.0);
        let now = self.now();
        let cacheable = principal.role != Role::None;
        if cacheable && let Some(set) = self.access_cache.get(user, epoch, false, now) {
            return Ok(set);
        }
        let mut subject = subject(conn, &Viewer::User(principal.clone()), now).await?;
        subject.admin_key = false;
        let built = build_access_set(conn, &subject, now).await?;
        let set = built.set.clone();
        if cacheable {
            self.access_cache.put(user, epoch, false, built);
        }
        Ok(set)
    }

    /// Explains a page (or a space) for one person: the engine's full decision
    /// with its reasons.
    pub(crate) async fn explain_for(
        &self,
        conn: &impl Conn,
        viewer: &Viewer,
        space: &SpaceRow,
        page: Option<&PageRow>,
    ) -> AppResult<policy::Explanation> {
        let subject = subject(conn, viewer, self.now()).await?;
        let site = site_facts(conn).await?;
        let now = self.now();
        let grants: Vec<GrantRow> = permissions::space_grants(conn, space.id)
            .await?
            .into_iter()
            .filter(|grant| grant.active(now))
            .collect();
        let roots = subtree_roots(conn, &grants).await?;
        let facts = space_facts(space, &grants, &roots);
        let Some(page) = page else {
            return Ok(policy::explain(&subject, &site, Resource::Space(&facts)));
        };
        let mut chain_ids: Vec<i64> = portico_core::page::ancestors(&page.path)
            .into_iter()
            .map(|id| id.0)
            .collect();
        chain_ids.push(page.id);
        let mut restrictions = permissions::restrictions_of(conn, &chain_ids).await?;
        let chain: Vec<policy::Restriction> = chain_ids
            .iter()
            .filter_map(|id| restrictions.view.remove(id))
            .collect();
        let edit = restrictions.edit.remove(&page.id);
        let facts = PageFacts {
            id: PageId(page.id),
            path: &page.path,
            space: &facts,
            author: page.author_id.map(UserId),
            draft: page.status == "draft",
            blog: page.kind == pages::BLOG_POST,
            view_chain: &chain,
            edit: edit.as_ref(),
        };
        Ok(policy::explain(&subject, &site, Resource::Page(facts)))
    }
}
