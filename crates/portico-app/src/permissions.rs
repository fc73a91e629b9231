//! Managing who may do what: space access (grants by role or by permission),
//! custom space roles, global permissions, page restrictions, "explain
//! access", and the admin key.

use std::collections::{BTreeMap, BTreeSet};

use portico_core::page::{ancestors, descendants_prefix};
use portico_core::permission::{ANONYMOUS_CAP, BuiltinRole};
use portico_core::policy::{Action, Explanation, Grantee, restriction_key};
use portico_core::validation::{ValidationError, single_line};
use portico_core::{
    GlobalPermissions, GroupId, PageId, Permissions, Role, SpaceId, UserId, Viewer,
};
use portico_store::permissions::{self as store, GrantValue, RestrictionKind};
use portico_store::{Conn, PageRow, groups, pages, spaces, users};
use serde_json::json;

use crate::App;
use crate::access::{
    ADMIN_KEY_IDLE, Access, KeyUse, managed_or_visible_space, managed_space, principal_at,
    require_page, visible_page,
};
use crate::error::{AppError, AppResult};
use crate::record::audit;

/// Site setting: anonymous access on or off (off by default).
pub const ANONYMOUS_ACCESS: &str = "anonymous.enabled";
/// Site setting: guests see spaces open to anonymous visitors (on by default).
pub const GUESTS_SEE_ANONYMOUS: &str = "guests.see_anonymous_spaces";
/// Site setting: guests may hold `admin`, `restrict` and `export`.
pub const GUESTS_RESERVED: &str = "guests.reserved_permissions";

/// Someone a grant or restriction names, with a name to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedGrantee {
    pub grantee: Grantee,
    pub name: String,
    pub is_guest: bool,
}

/// One row of a space's access screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceGrantView {
    pub who: NamedGrantee,
    /// The role's key, or `None` for a custom permission set.
    pub role: Option<String>,
    pub permissions: Permissions,
    /// When the grant ends by itself (guest assignments).
    pub expires_at: Option<time::OffsetDateTime>,
    /// The grant covers only this page and its descendants.
    pub subtree_root: Option<PageId>,
}

/// A space role (built-in or custom).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceRole {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub permissions: Permissions,
    pub builtin: bool,
}

/// A space's access screen: principals × roles.
#[derive(Debug, Clone)]
pub struct SpaceAccessView {
    pub space_id: SpaceId,
    pub space_key: String,
    pub space_name: String,
    pub grants: Vec<SpaceGrantView>,
    pub roles: Vec<SpaceRole>,
    pub anonymous_site_switch: bool,
    /// `space.allow_guests`.
    pub allows_guests: bool,
    /// `guests.max_spaces`: beyond it, assigning moves a guest.
    pub guest_max_spaces: u32,
}

/// What a grant gives, as a client asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantInput {
    Role(String),
    Permissions(Permissions),
}

/// A page's restrictions as shown to someone who may see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRestrictionsView {
    pub page_id: PageId,
    pub view: Vec<NamedGrantee>,
    pub edit: Vec<NamedGrantee>,
    /// Restricted ancestors whose view restriction also applies, root first.
    pub inherited_from: Vec<PageId>,
}

/// A request to change a page's restrictions; `None` leaves a kind as it is,
/// an empty list removes it.
#[derive(Debug, Clone, Default)]
pub struct RestrictionChange {
    pub view: Option<Vec<Grantee>>,
    pub edit: Option<Vec<Grantee>>,
}

/// The state of someone's admin key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminKeyStatus {
    pub active: bool,
    pub reason: Option<String>,
    pub expires_at: Option<time::OffsetDateTime>,
}

/// What "explain access" is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExplainTarget {
    Space(SpaceId),
    Page(PageId),
}

fn role_from_row(row: store::RoleRow) -> SpaceRole {
    SpaceRole {
        id: row.id,
        key: row.role_key,
        name: row.name,
        permissions: Permissions::from_bits(row.permissions),
        builtin: row.builtin,
    }
}

/// Names grantees for display, refusing unknown users and groups.
pub(crate) async fn name_grantees(
    conn: &impl Conn,
    grantees: &[Grantee],
) -> AppResult<Vec<NamedGrantee>> {
    let user_ids: Vec<i64> = grantees
        .iter()
        .filter_map(|g| match g {
            Grantee::User(id) => Some(id.0),
            _ => None,
        })
        .collect();
    let group_ids: Vec<i64> = grantees
        .iter()
        .filter_map(|g| match g {
            Grantee::Group(id) => Some(id.0),
            _ => None,
        })
        .collect();
    // Guest-ness as everywhere else: the effective role (SPEC 3.4).
    let people: BTreeMap<i64, (String, bool)> =
        crate::people::people_of(conn, users::find_many(conn, &user_ids).await?)
            .await?
            .into_iter()
            .map(|person| (person.id.0, (person.display_name, person.is_guest)))
            .collect();
    let teams: BTreeMap<i64, (String, bool)> = groups::find_many(conn, &group_ids)
        .await?
        .into_iter()
        .map(|g| (g.id, (g.name, g.role == Role::Guest.as_str())))
        .collect();
    let mut named = Vec::with_capacity(grantees.len());
    for grantee in grantees {
        let (name, is_guest) = match grantee {
            Grantee::User(id) => people.get(&id.0).cloned().ok_or_else(|| {
                ValidationError::new("principal", format!("no user with id {id}"))
            })?,
            Grantee::Group(id) => teams.get(&id.0).cloned().ok_or_else(|| {
                ValidationError::new("principal", format!("no group with id {id}"))
            })?,
            Grantee::AllMembers => ("All members".to_owned(), false),
            Grantee::Anonymous => ("Anonymous visitors".to_owned(), false),
        };
        named.push(NamedGrantee {
            grantee: *grantee,
            name,
            is_guest,
        });
    }
    Ok(named)
}

fn require_wiki_admin(access: &Access) -> AppResult<()> {
    if access.set.decide_site(Action::AdministerWiki) {
        Ok(())
    } else {
        // Admin screens are invisible to everyone else.
        Err(AppError::NotFound)
    }
}

impl App {
    // ---- space access --------------------------------------------------

    /// The access screen of a space (space admins and wiki admins).
    pub async fn space_access(&self, viewer: &Viewer, id: SpaceId) -> AppResult<SpaceAccessView> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let space = managed_space(conn, &access, id).await?;
        let now = self.now();
        let grants: Vec<store::GrantRow> = store::space_grants(conn, space.id)
            .await?
            .into_iter()
            .filter(|grant| grant.active(now))
            .collect();
        let grantees: Vec<Grantee> = grants.iter().map(|g| g.grantee).collect();
        let named = name_grantees(conn, &grantees).await?;
        let roles: Vec<SpaceRole> = store::roles(conn)
            .await?
            .into_iter()
            .map(role_from_row)
            .collect();
        let role_keys: BTreeMap<i64, String> =
            roles.iter().map(|r| (r.id, r.key.clone())).collect();
        let grants = grants
            .iter()
            .zip(named)
            .map(|(grant, who)| SpaceGrantView {
                who,
                role: grant.role_id.and_then(|id| role_keys.get(&id).cloned()),
                permissions: grant.permissions,
                expires_at: grant.expires_at,
                subtree_root: grant.subtree_root.map(PageId),
            })
            .collect();
        Ok(SpaceAccessView {
            space_id: SpaceId(space.id),
            allows_guests: space.allows_guests,
            guest_max_spaces: crate::directory::load_policies(conn)
                .await?
                .access
                .guest_max_spaces,
            space_key: space.space_key,
            space_name: space.name,
            grants,
            roles,
            anonymous_site_switch: crate::access::site_facts(conn).await?.anonymous_access,
        })
    }

    /// Gives `grantee` a role or a permission set in a space (replacing what
    /// they had there).
    pub async fn set_space_grant(
        &self,
        viewer: &Viewer,
        id: SpaceId,
        grantee: Grantee,
        input: GrantInput,
    ) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let space = managed_space(conn, &access, id).await?;
        let who = name_grantees(conn, &[grantee]).await?;
        let (value, permissions) = match &input {
            GrantInput::Role(key) => {
                let role = store::role_by_key(conn, key).await?.ok_or_else(|| {
                    ValidationError::new("role", format!("no space role `{key}`"))
                })?;
                (
                    GrantValue::Role(role.id),
                    Permissions::from_bits(role.permissions),
                )
            }
            GrantInput::Permissions(set) => (GrantValue::Permissions(*set), *set),
        };
        if permissions.is_empty() {
            return Err(ValidationError::new(
                "permissions",
                "must not be empty (remove the grant instead)",
            )
            .into());
        }
        if !permissions.contains(portico_core::SpacePermission::View) {
            return Err(ValidationError::new(
                "permissions",
                "must include `view`: nothing else works without it",
            )
            .into());
        }
        if grantee == Grantee::Anonymous && !permissions.is_subset(ANONYMOUS_CAP) {
            return Err(ValidationError::new(
                "permissions",
                "anonymous visitors can only be given `view`",
            )
            .into());
        }
        if who.first().is_some_and(|w| w.is_guest) && space.allows_guests.eq(&false) {
            return Err(
                ValidationError::new("principal", "this space doesn't allow guests").into(),
            );
        }
        store::put_grant(
            conn,
            space.id,
            grantee,
            value,
            store::GrantTerms {
                expires_at: None,
                granted_by: Some(actor),
                subtree_root: None,
            },
            now,
        )
        .await?;
        audit(
            conn,
            now,
            Some(actor),
            "space.permissions_grant",
            ("space", space.id.to_string()),
            json!({
                "grantee": grantee,
                "role": match &input { GrantInput::Role(key) => Some(key.clone()), GrantInput::Permissions(_) => None },
                "permissions": permissions.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes away everything `grantee` held in a space.
    pub async fn remove_space_grant(
        &self,
        viewer: &Viewer,
        id: SpaceId,
        grantee: Grantee,
    ) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let space = managed_space(tx.conn(), &access, id).await?;
        if !store::delete_grant(tx.conn(), space.id, grantee).await? {
            return Err(AppError::NotFound);
        }
        audit(
            tx.conn(),
            now,
            Some(actor),
            "space.permissions_revoke",
            ("space", space.id.to_string()),
            json!({ "grantee": grantee }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- space roles ---------------------------------------------------

    /// Every space role (anyone who uses the wiki may read the list).
    pub async fn space_roles(&self, viewer: &Viewer) -> AppResult<Vec<SpaceRole>> {
        let access = self.access(viewer).await?;
        access.require_site(Action::UseWiki)?;
        Ok(store::roles(self.store.read())
            .await?
            .into_iter()
            .map(role_from_row)
            .collect())
    }

    /// Creates a custom space role (wiki admins).
    pub async fn create_space_role(
        &self,
        viewer: &Viewer,
        name: &str,
        permissions: Permissions,
    ) -> AppResult<SpaceRole> {
        let access = self.access(viewer).await?;
        require_wiki_admin(&access)?;
        let name = validate_role_name(name)?;
        if !permissions.contains(portico_core::SpacePermission::View) {
            return Err(ValidationError::new("permissions", "must include `view`").into());
        }
        let key = role_key(&name);
        let now = self.now();
        let tx = self.store.write().await?;
        if store::role_by_key(tx.conn(), &key).await?.is_some()
            || store::roles(tx.conn())
                .await?
                .iter()
                .any(|r| r.name.eq_ignore_ascii_case(&name))
        {
            return Err(AppError::Conflict(format!(
                "a space role named `{name}` already exists"
            )));
        }
        let row = store::insert_role(tx.conn(), &key, &name, permissions, now).await?;
        audit(
            tx.conn(),
            now,
            access.user_id(),
            "role.create",
            ("space_role", row.id.to_string()),
            json!({ "name": name, "permissions": permissions.to_string() }),
        )
        .await?;
        tx.commit().await?;
        Ok(role_from_row(row))
    }

    /// Changes a custom role: everyone who holds it gets the new bundle at once.
    pub async fn update_space_role(
        &self,
        viewer: &Viewer,
        id: i64,
        name: &str,
        permissions: Permissions,
    ) -> AppResult<SpaceRole> {
        let access = self.access(viewer).await?;
        require_wiki_admin(&access)?;
        let name = validate_role_name(name)?;
        if !permissions.contains(portico_core::SpacePermission::View) {
            return Err(ValidationError::new("permissions", "must include `view`").into());
        }
        let now = self.now();
        let tx = self.store.write().await?;
        let mut row = store::role(tx.conn(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        if row.builtin {
            return Err(AppError::Conflict(
                "built-in roles can't be changed".to_owned(),
            ));
        }
        row.name = name;
        row.permissions = permissions.bits();
        let row = store::update_role(tx.conn(), row).await?;
        audit(
            tx.conn(),
            now,
            access.user_id(),
            "role.update",
            ("space_role", row.id.to_string()),
            json!({ "name": row.name, "permissions": permissions.to_string() }),
        )
        .await?;
        tx.commit().await?;
        Ok(role_from_row(row))
    }

    /// Deletes a custom role that no grant uses.
    pub async fn delete_space_role(&self, viewer: &Viewer, id: i64) -> AppResult<()> {
        let access = self.access(viewer).await?;
        require_wiki_admin(&access)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let row = store::role(tx.conn(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        if row.builtin {
            return Err(AppError::Conflict(
                "built-in roles can't be deleted".to_owned(),
            ));
        }
        let uses = store::role_uses(tx.conn(), id).await?;
        if uses > 0 {
            return Err(AppError::Conflict(format!(
                "the role `{}` is still given in {uses} place(s)",
                row.name
            )));
        }
        store::delete_role(tx.conn(), id).await?;
        audit(
            tx.conn(),
            now,
            access.user_id(),
            "role.delete",
            ("space_role", id.to_string()),
            json!({ "name": row.name }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- global permissions --------------------------------------------

    /// Every global grant, named (wiki admins).
    pub async fn global_grants(
        &self,
        viewer: &Viewer,
    ) -> AppResult<Vec<(NamedGrantee, GlobalPermissions)>> {
        let access = self.access(viewer).await?;
        require_wiki_admin(&access)?;
        let conn = self.store.read();
        let grants = store::global_grants(conn).await?;
        let grantees: Vec<Grantee> = grants.iter().map(|g| g.grantee).collect();
        let named = name_grantees(conn, &grantees).await?;
        Ok(named
            .into_iter()
            .zip(grants.iter().map(|g| g.permissions))
            .collect())
    }

    /// Sets the global permissions of a user, a group or all members (an empty
    /// set removes them). Guests never hold global permissions, whatever is
    /// stored: the engine ignores grants for them.
    pub async fn set_global_grant(
        &self,
        viewer: &Viewer,
        grantee: Grantee,
        permissions: GlobalPermissions,
    ) -> AppResult<()> {
        let access = self.access(viewer).await?;
        require_wiki_admin(&access)?;
        if grantee == Grantee::Anonymous {
            return Err(ValidationError::new(
                "principal",
                "anonymous access is the site switch, not a global grant",
            )
            .into());
        }
        let now = self.now();
        let tx = self.store.write().await?;
        name_grantees(tx.conn(), &[grantee]).await?;
        store::put_global_grant(tx.conn(), grantee, permissions).await?;
        audit(
            tx.conn(),
            now,
            access.user_id(),
            "permission.global_update",
            ("site", "global".to_owned()),
            json!({
                "grantee": grantee,
                "permissions": permissions.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- page restrictions ---------------------------------------------

    /// A page's restrictions (anyone who can view the page may read them).
    pub async fn page_restrictions(
        &self,
        viewer: &Viewer,
        id: PageId,
    ) -> AppResult<PageRestrictionsView> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (page, _) = visible_page(conn, &access, id).await?;
        restrictions_view(conn, &page).await
    }

    /// Changes a page's view and/or edit restrictions. The person restricting
    /// always stays on the lists they set, so nobody locks themselves out.
    /// The restriction keys of the page's subtree are recomputed in the same
    /// transaction.
    pub async fn set_page_restrictions(
        &self,
        viewer: &Viewer,
        id: PageId,
        change: RestrictionChange,
    ) -> AppResult<PageRestrictionsView> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let (page, space) = visible_page(conn, &access, id).await?;
        require_page(conn, &access, Action::RestrictPage, &page, &space).await?;
        for (kind, list) in [
            (RestrictionKind::View, &change.view),
            (RestrictionKind::Edit, &change.edit),
        ] {
            let Some(list) = list else { continue };
            let mut users: BTreeSet<UserId> = BTreeSet::new();
            let mut group_ids: BTreeSet<GroupId> = BTreeSet::new();
            for grantee in list {
                match grantee {
                    Grantee::User(id) => {
                        users.insert(*id);
                    }
                    Grantee::Group(id) => {
                        group_ids.insert(*id);
                    }
                    Grantee::AllMembers | Grantee::Anonymous => {
                        return Err(ValidationError::new(
                            "restrictions",
                            "restrictions name users and groups only",
                        )
                        .into());
                    }
                }
            }
            let named: Vec<Grantee> = users
                .iter()
                .map(|u| Grantee::User(*u))
                .chain(group_ids.iter().map(|g| Grantee::Group(*g)))
                .collect();
            name_grantees(conn, &named).await?;
            if !list.is_empty() {
                users.insert(UserId(actor));
            }
            let users: Vec<UserId> = users.into_iter().collect();
            let group_ids: Vec<GroupId> = group_ids.into_iter().collect();
            store::put_restriction(conn, page.id, kind, &users, &group_ids).await?;
        }
        recompute_restriction_keys(conn, &page).await?;
        // Who may see the subtree changed: the search index follows this.
        crate::record::journal(
            conn,
            now,
            "page.restricted",
            ("page", page.id),
            Some(page.space_id),
        )
        .await?;
        audit(
            conn,
            now,
            Some(actor),
            "page.restrict",
            ("page", page.id.to_string()),
            json!({
                "view": change.view.as_ref().map(|l| l.len()),
                "edit": change.edit.as_ref().map(|l| l.len()),
            }),
        )
        .await?;
        let view = restrictions_view(conn, &page).await?;
        tx.commit().await?;
        Ok(view)
    }

    // ---- explain access ------------------------------------------------

    /// Whether `person` can view, comment on and edit a page or space, and why.
    /// Anyone may ask about themselves for what they can see; asking about
    /// someone else needs the space's `admin` permission (or wiki admin).
    pub async fn explain_access(
        &self,
        viewer: &Viewer,
        person: UserId,
        target: ExplainTarget,
    ) -> AppResult<Explanation> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (space, page) = match target {
            ExplainTarget::Space(id) => (managed_or_visible_space(conn, &access, id).await?, None),
            ExplainTarget::Page(id) => {
                let row = pages::find(conn, id.0).await?.ok_or(AppError::NotFound)?;
                let space = managed_or_visible_space(conn, &access, SpaceId(row.space_id)).await?;
                if !access.administers(&space) && !access.can_view_page(&row) {
                    return Err(AppError::NotFound);
                }
                (space, Some(row))
            }
        };
        if Some(person) != viewer.user_id() && !access.administers(&space) {
            return Err(AppError::Forbidden {
                permission: Action::AdministerSpace.permission(),
                reason: "explaining someone else's access needs the space's admin permission"
                    .to_owned(),
            });
        }
        let person_viewer = match principal_at(conn, person.0, self.now()).await? {
            Some(principal) => Viewer::User(principal),
            None => {
                return Err(
                    ValidationError::new("user", format!("no user with id {person}")).into(),
                );
            }
        };
        self.explain_for(conn, &person_viewer, &space, page.as_ref())
            .await
    }

    /// What an anonymous visitor could do (for the space access screen).
    pub async fn explain_anonymous(&self, viewer: &Viewer, id: SpaceId) -> AppResult<Explanation> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let space = managed_space(conn, &access, id).await?;
        self.explain_for(conn, &Viewer::Anonymous, &space, None)
            .await
    }

    // ---- admin key -----------------------------------------------------

    /// Turns on an admin key: for a few idle minutes, this wiki admin may open
    /// content no grant gives them. Each use is audited and the owner told.
    pub async fn activate_admin_key(
        &self,
        viewer: &Viewer,
        reason: &str,
    ) -> AppResult<AdminKeyStatus> {
        let access = self.access(viewer).await?;
        require_wiki_admin(&access)?;
        let actor = access.actor()?;
        let reason = single_line("reason", reason, 500)?;
        let now = self.now();
        let tx = self.store.write().await?;
        store::put_admin_key(tx.conn(), actor, &reason, now).await?;
        audit(
            tx.conn(),
            now,
            Some(actor),
            "admin_key.activate",
            ("user", actor.to_string()),
            json!({ "reason": reason }),
        )
        .await?;
        tx.commit().await?;
        self.admin_key_status(viewer).await
    }

    pub async fn deactivate_admin_key(&self, viewer: &Viewer) -> AppResult<()> {
        let access = self.access(viewer).await?;
        require_wiki_admin(&access)?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        if store::delete_admin_key(tx.conn(), actor).await? {
            audit(
                tx.conn(),
                now,
                Some(actor),
                "admin_key.deactivate",
                ("user", actor.to_string()),
                json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn admin_key_status(&self, viewer: &Viewer) -> AppResult<AdminKeyStatus> {
        let access = self.access(viewer).await?;
        require_wiki_admin(&access)?;
        let key = store::admin_key(self.store.read(), access.actor()?).await?;
        let now = self.now();
        Ok(match key {
            Some(key) if now - key.last_used_at < ADMIN_KEY_IDLE => AdminKeyStatus {
                active: true,
                reason: Some(key.reason),
                expires_at: Some(key.last_used_at + ADMIN_KEY_IDLE),
            },
            _ => AdminKeyStatus {
                active: false,
                reason: None,
                expires_at: None,
            },
        })
    }

    /// Audits reads and changes an admin key made possible, keeps the key
    /// alive, and tells each content owner by e-mail.
    pub(crate) async fn record_admin_key_uses(
        &self,
        actor: UserId,
        uses: Vec<KeyUse>,
    ) -> AppResult<()> {
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        store::touch_admin_key(conn, actor.0, now).await?;
        let admin = users::find(conn, actor.0).await?;
        let admin_name = admin.map_or_else(|| "A wiki admin".to_owned(), |a| a.display_name);
        let mut told: BTreeSet<(i64, &'static str, i64)> = BTreeSet::new();
        for KeyUse { target, owner } in uses {
            audit(
                conn,
                now,
                Some(actor.0),
                "admin_key.use",
                (target.0, target.1.to_string()),
                json!({}),
            )
            .await?;
            let Some(owner) = owner.filter(|owner| *owner != actor.0) else {
                continue;
            };
            if !told.insert((owner, target.0, target.1)) {
                continue;
            }
            if let Some(owner) = users::find(conn, owner).await? {
                let base = self.settings.public_base_url.trim_end_matches('/');
                let link = match target.0 {
                    "page" => format!("{base}/wiki/pages/{}", target.1),
                    _ => match spaces::find(conn, target.1).await? {
                        Some(space) => format!("{base}/wiki/spaces/{}", space.space_key),
                        None => base.to_owned(),
                    },
                };
                crate::mail::queue(
                    conn,
                    now,
                    &owner.email,
                    "A wiki admin used an admin key on your content",
                    &format!(
                        "{admin_name} opened your {} with an admin key, which bypasses permissions and restrictions for a short time. Every use is recorded in the audit log.\n\n{link}\n",
                        target.0
                    ),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn restrictions_view(conn: &impl Conn, page: &PageRow) -> AppResult<PageRestrictionsView> {
    let chain: Vec<i64> = ancestors(&page.path).into_iter().map(|id| id.0).collect();
    let mut own = store::restrictions_of(conn, &[page.id]).await?;
    let inherited_from = store::view_restricted_among(conn, &chain)
        .await?
        .into_iter()
        .map(PageId)
        .collect();
    let grantees = |restriction: Option<portico_core::policy::Restriction>| -> Vec<Grantee> {
        restriction.map_or_else(Vec::new, |r| {
            r.users
                .into_iter()
                .map(Grantee::User)
                .chain(r.groups.into_iter().map(Grantee::Group))
                .collect()
        })
    };
    Ok(PageRestrictionsView {
        page_id: PageId(page.id),
        view: name_grantees(conn, &grantees(own.view.remove(&page.id))).await?,
        edit: name_grantees(conn, &grantees(own.edit.remove(&page.id))).await?,
        inherited_from,
    })
}

/// Recomputes the restriction key of `root` and its whole subtree (after a
/// restriction change or a move), in the caller's transaction.
pub(crate) async fn recompute_restriction_keys(conn: &impl Conn, root: &PageRow) -> AppResult<()> {
    let Some(root) = pages::find(conn, root.id).await? else {
        return Ok(());
    };
    let prefix = descendants_prefix(PageId(root.id), &root.path);
    let subtree = pages::subtree(conn, root.space_id, &prefix).await?;
    let mut ids: Vec<i64> = ancestors(&root.path).into_iter().map(|id| id.0).collect();
    ids.push(root.id);
    ids.extend(subtree.iter().map(|row| row.id));
    let restricted: BTreeSet<i64> = store::view_restricted_among(conn, &ids)
        .await?
        .into_iter()
        .collect();
    let mut changes = Vec::new();
    for row in std::iter::once(&root).chain(subtree.iter()) {
        let mut path = ancestors(&row.path);
        path.push(PageId(row.id));
        let key = restriction_key(&path, |page| restricted.contains(&page.0)).map(|key| key.0);
        if key != row.restriction_key {
            changes.push((row.id, key));
        }
    }
    store::set_restriction_keys(conn, &changes).await?;
    Ok(())
}

fn validate_role_name(name: &str) -> AppResult<String> {
    let name = single_line("name", name, 60)?;
    if BuiltinRole::ALL
        .iter()
        .any(|role| role.name().eq_ignore_ascii_case(&name))
    {
        return Err(AppError::Conflict(format!("`{name}` is a built-in role")));
    }
    Ok(name)
}

/// A stable key for a custom role: its name in lower case, words joined by `-`.
fn role_key(name: &str) -> String {
    let key: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("custom-{}", key.trim_matches('-'))
}
