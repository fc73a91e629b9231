//! Who may do what: space roles, space grants, global grants, page
//! restrictions and restriction keys, the permission epoch and admin keys.
//! Rows come back as `portico_core` facts wherever the engine consumes them.

use std::collections::BTreeMap;

use portico_core::policy::{GlobalGrant, Grant, Grantee, Restriction};
use portico_core::{GlobalPermissions, GroupId, PageId, Permissions, UserId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::{
    admin_key, global_grant, page, page_restriction, permission_epoch, space_grant, space_role,
};
use crate::{Conn, StoreError, Timestamp};

pub use admin_key::Model as AdminKeyRow;
pub use space_role::Model as RoleRow;

/// How a grantee is stored: a kind and an id (0 for all-members and anonymous).
pub fn grantee_columns(grantee: Grantee) -> (&'static str, i64) {
    match grantee {
        Grantee::User(id) => ("user", id.0),
        Grantee::Group(id) => ("group", id.0),
        Grantee::AllMembers => ("all-members", 0),
        Grantee::Anonymous => ("anonymous", 0),
    }
}

/// Reads a stored grantee; unknown kinds (which the schema forbids) are `None`.
pub fn grantee_from_columns(kind: &str, id: i64) -> Option<Grantee> {
    match kind {
        "user" => Some(Grantee::User(UserId(id))),
        "group" => Some(Grantee::Group(GroupId(id))),
        "all-members" => Some(Grantee::AllMembers),
        "anonymous" => Some(Grantee::Anonymous),
        _ => None,
    }
}

// ---- roles -------------------------------------------------------------

pub async fn roles(conn: &impl Conn) -> Result<Vec<RoleRow>, StoreError> {
    Ok(space_role::Entity::find()
        .order_by_desc(space_role::Column::Builtin)
        .order_by_asc(space_role::Column::Id)
        .all(conn)
        .await?)
}

pub async fn role(conn: &impl Conn, id: i64) -> Result<Option<RoleRow>, StoreError> {
    Ok(space_role::Entity::find_by_id(id).one(conn).await?)
}

pub async fn role_by_key(conn: &impl Conn, key: &str) -> Result<Option<RoleRow>, StoreError> {
    Ok(space_role::Entity::find()
        .filter(space_role::Column::RoleKey.eq(key))
        .one(conn)
        .await?)
}

pub async fn insert_role(
    conn: &impl Conn,
    key: &str,
    name: &str,
    permissions: Permissions,
    now: Timestamp,
) -> Result<RoleRow, StoreError> {
    let row = space_role::ActiveModel {
        role_key: Set(key.to_owned()),
        name: Set(name.to_owned()),
        permissions: Set(permissions.bits()),
        builtin: Set(false),
        created_at: Set(now),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

pub async fn update_role(conn: &impl Conn, row: RoleRow) -> Result<RoleRow, StoreError> {
    let active: space_role::ActiveModel = row.into();
    Ok(active.reset_all().update(conn).await?)
}

pub async fn delete_role(conn: &impl Conn, id: i64) -> Result<(), StoreError> {
    space_role::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

/// How many grants use a role.
pub async fn role_uses(conn: &impl Conn, id: i64) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait;
    Ok(space_grant::Entity::find()
        .filter(space_grant::Column::RoleId.eq(id))
        .count(conn)
        .await?)
}

// ---- space grants ------------------------------------------------------

/// A stored space grant with its effective permissions (the role's, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub id: i64,
    pub space_id: i64,
    pub grantee: Grantee,
    pub role_id: Option<i64>,
    pub permissions: Permissions,
    pub created_at: Timestamp,
    /// When the grant ends by itself (guest assignments, mostly).
    pub expires_at: Option<Timestamp>,
    pub granted_by: Option<i64>,
    /// When the "about to expire" reminder went out.
    pub reminded_at: Option<Timestamp>,
    /// The root of the page subtree the grant covers; none: the whole space.
    pub subtree_root: Option<i64>,
}

impl GrantRow {
    /// Whether the grant still holds at `now` (it ends exactly at its expiry).
    pub fn active(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|end| now < end)
    }

    pub fn fact(&self) -> Grant {
        Grant {
            grantee: self.grantee,
            permissions: self.permissions,
        }
    }
}

async fn resolve(
    conn: &impl Conn,
    rows: Vec<space_grant::Model>,
) -> Result<Vec<GrantRow>, StoreError> {
    let roles: BTreeMap<i64, Permissions> = roles(conn)
        .await?
        .into_iter()
        .map(|role| (role.id, Permissions::from_bits(role.permissions)))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let grantee = grantee_from_columns(&row.grantee_kind, row.grantee_id)?;
            let permissions = match row.role_id {
                Some(role) => roles.get(&role).copied().unwrap_or_default(),
                None => Permissions::from_bits(row.permissions),
            };
            Some(GrantRow {
                id: row.id,
                space_id: row.space_id,
                grantee,
                role_id: row.role_id,
                permissions,
                created_at: row.created_at,
                expires_at: row.expires_at,
                granted_by: row.granted_by,
                reminded_at: row.reminded_at,
                subtree_root: row.page_id,
            })
        })
        .collect())
}

/// Every grant of one space.
pub async fn space_grants(conn: &impl Conn, space_id: i64) -> Result<Vec<GrantRow>, StoreError> {
    let rows = space_grant::Entity::find()
        .filter(space_grant::Column::SpaceId.eq(space_id))
        .order_by_asc(space_grant::Column::Id)
        .all(conn)
        .await?;
    resolve(conn, rows).await
}

/// Every grant (in any space) that could apply to someone with this user id
/// and these groups: theirs, their groups', all members' and anonymous.
/// `None` for an anonymous visitor (anonymous grants only).
pub async fn grants_naming(
    conn: &impl Conn,
    user: Option<UserId>,
    groups: &[GroupId],
) -> Result<Vec<GrantRow>, StoreError> {
    let mut condition = Condition::any().add(space_grant::Column::GranteeKind.eq("anonymous"));
    if let Some(user) = user {
        condition = condition
            .add(space_grant::Column::GranteeKind.eq("all-members"))
            .add(
                Condition::all()
                    .add(space_grant::Column::GranteeKind.eq("user"))
                    .add(space_grant::Column::GranteeId.eq(user.0)),
            );
        if !groups.is_empty() {
            condition = condition.add(
                Condition::all()
                    .add(space_grant::Column::GranteeKind.eq("group"))
                    .add(space_grant::Column::GranteeId.is_in(groups.iter().map(|g| g.0))),
            );
        }
    }
    let rows = space_grant::Entity::find()
        .filter(condition)
        .all(conn)
        .await?;
    resolve(conn, rows).await
}

/// Every direct grant to one user, oldest first (a guest's assignments).
pub async fn grants_to_user(conn: &impl Conn, user: UserId) -> Result<Vec<GrantRow>, StoreError> {
    let rows = space_grant::Entity::find()
        .filter(space_grant::Column::GranteeKind.eq("user"))
        .filter(space_grant::Column::GranteeId.eq(user.0))
        .order_by_asc(space_grant::Column::CreatedAt)
        .order_by_asc(space_grant::Column::Id)
        .all(conn)
        .await?;
    resolve(conn, rows).await
}

/// Every direct grant to any of these users, oldest first.
pub async fn grants_to_users(
    conn: &impl Conn,
    users: &[UserId],
) -> Result<Vec<GrantRow>, StoreError> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let rows = space_grant::Entity::find()
        .filter(space_grant::Column::GranteeKind.eq("user"))
        .filter(space_grant::Column::GranteeId.is_in(users.iter().map(|u| u.0)))
        .order_by_asc(space_grant::Column::CreatedAt)
        .order_by_asc(space_grant::Column::Id)
        .all(conn)
        .await?;
    resolve(conn, rows).await
}

/// Every grant to any of these groups.
pub async fn grants_to_groups(
    conn: &impl Conn,
    groups: &[GroupId],
) -> Result<Vec<GrantRow>, StoreError> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let rows = space_grant::Entity::find()
        .filter(space_grant::Column::GranteeKind.eq("group"))
        .filter(space_grant::Column::GranteeId.is_in(groups.iter().map(|g| g.0)))
        .order_by_asc(space_grant::Column::Id)
        .all(conn)
        .await?;
    resolve(conn, rows).await
}

/// The grant to `grantee` in a space, if any.
pub async fn find_grant(
    conn: &impl Conn,
    space_id: i64,
    grantee: Grantee,
) -> Result<Option<GrantRow>, StoreError> {
    let (kind, id) = grantee_columns(grantee);
    let rows = space_grant::Entity::find()
        .filter(space_grant::Column::SpaceId.eq(space_id))
        .filter(space_grant::Column::GranteeKind.eq(kind))
        .filter(space_grant::Column::GranteeId.eq(id))
        .all(conn)
        .await?;
    Ok(resolve(conn, rows).await?.into_iter().next())
}

/// What a grant gives: a role, or an explicit permission set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantValue {
    Role(i64),
    Permissions(Permissions),
}

/// How long a grant lasts and who gave it.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrantTerms {
    pub expires_at: Option<Timestamp>,
    pub granted_by: Option<i64>,
    /// Cover only this page and its descendants.
    pub subtree_root: Option<i64>,
}

/// Sets (replacing) the grant to `grantee` in a space.
pub async fn put_grant(
    conn: &impl Conn,
    space_id: i64,
    grantee: Grantee,
    value: GrantValue,
    terms: GrantTerms,
    now: Timestamp,
) -> Result<(), StoreError> {
    delete_grant(conn, space_id, grantee).await?;
    let (kind, id) = grantee_columns(grantee);
    let (role_id, permissions) = match value {
        GrantValue::Role(role) => (Some(role), 0),
        GrantValue::Permissions(permissions) => (None, permissions.bits()),
    };
    space_grant::ActiveModel {
        space_id: Set(space_id),
        grantee_kind: Set(kind.to_owned()),
        grantee_id: Set(id),
        role_id: Set(role_id),
        permissions: Set(permissions),
        created_at: Set(now),
        expires_at: Set(terms.expires_at),
        granted_by: Set(terms.granted_by),
        reminded_at: Set(None),
        page_id: Set(terms.subtree_root),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn delete_grant(
    conn: &impl Conn,
    space_id: i64,
    grantee: Grantee,
) -> Result<bool, StoreError> {
    let (kind, id) = grantee_columns(grantee);
    let result = space_grant::Entity::delete_many()
        .filter(space_grant::Column::SpaceId.eq(space_id))
        .filter(space_grant::Column::GranteeKind.eq(kind))
        .filter(space_grant::Column::GranteeId.eq(id))
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Grants whose expiry is at or before `now`.
pub async fn expired_grants(conn: &impl Conn, now: Timestamp) -> Result<Vec<GrantRow>, StoreError> {
    let rows = space_grant::Entity::find()
        .filter(space_grant::Column::ExpiresAt.lte(now))
        .order_by_asc(space_grant::Column::Id)
        .all(conn)
        .await?;
    resolve(conn, rows).await
}

/// Grants expiring in `(now, until]` whose reminder hasn't gone out.
pub async fn grants_to_remind(
    conn: &impl Conn,
    now: Timestamp,
    until: Timestamp,
) -> Result<Vec<GrantRow>, StoreError> {
    let rows = space_grant::Entity::find()
        .filter(space_grant::Column::ExpiresAt.gt(now))
        .filter(space_grant::Column::ExpiresAt.lte(until))
        .filter(space_grant::Column::RemindedAt.is_null())
        .order_by_asc(space_grant::Column::Id)
        .all(conn)
        .await?;
    resolve(conn, rows).await
}

pub async fn mark_reminded(
    conn: &impl Conn,
    grant_id: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    space_grant::Entity::update_many()
        .col_expr(space_grant::Column::RemindedAt, Expr::value(now))
        .filter(space_grant::Column::Id.eq(grant_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes one grant by id.
pub async fn delete_grant_by_id(conn: &impl Conn, grant_id: i64) -> Result<(), StoreError> {
    space_grant::Entity::delete_by_id(grant_id)
        .exec(conn)
        .await?;
    Ok(())
}

// ---- global grants -----------------------------------------------------

pub async fn global_grants(conn: &impl Conn) -> Result<Vec<GlobalGrant>, StoreError> {
    let rows = global_grant::Entity::find()
        .order_by_asc(global_grant::Column::GranteeKind)
        .order_by_asc(global_grant::Column::GranteeId)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(GlobalGrant {
                grantee: grantee_from_columns(&row.grantee_kind, row.grantee_id)?,
                permissions: GlobalPermissions::from_bits(row.permissions),
            })
        })
        .collect())
}

/// Sets the global permissions of a grantee (an empty set removes the row).
pub async fn put_global_grant(
    conn: &impl Conn,
    grantee: Grantee,
    permissions: GlobalPermissions,
) -> Result<(), StoreError> {
    let (kind, id) = grantee_columns(grantee);
    global_grant::Entity::delete_many()
        .filter(global_grant::Column::GranteeKind.eq(kind))
        .filter(global_grant::Column::GranteeId.eq(id))
        .exec(conn)
        .await?;
    if !permissions.is_empty() {
        global_grant::ActiveModel {
            grantee_kind: Set(kind.to_owned()),
            grantee_id: Set(id),
            permissions: Set(permissions.bits()),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

// ---- page restrictions -------------------------------------------------

/// Which restriction: who may view (inherited) or who may edit (this page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestrictionKind {
    View,
    Edit,
}

impl RestrictionKind {
    fn as_str(self) -> &'static str {
        match self {
            RestrictionKind::View => "view",
            RestrictionKind::Edit => "edit",
        }
    }
}

fn collect_restrictions(
    rows: Vec<page_restriction::Model>,
) -> BTreeMap<(i64, String), Restriction> {
    let mut map: BTreeMap<(i64, String), Restriction> = BTreeMap::new();
    for row in rows {
        let entry = map
            .entry((row.page_id, row.kind.clone()))
            .or_insert_with(|| Restriction {
                page: PageId(row.page_id),
                users: Default::default(),
                groups: Default::default(),
            });
        match row.grantee_kind.as_str() {
            "user" => {
                entry.users.insert(UserId(row.grantee_id));
            }
            "group" => {
                entry.groups.insert(GroupId(row.grantee_id));
            }
            _ => {}
        }
    }
    map
}

/// The view and edit restrictions carried by these pages.
pub async fn restrictions_of(
    conn: &impl Conn,
    page_ids: &[i64],
) -> Result<PageRestrictions, StoreError> {
    if page_ids.is_empty() {
        return Ok(PageRestrictions::default());
    }
    let rows = page_restriction::Entity::find()
        .filter(page_restriction::Column::PageId.is_in(page_ids.iter().copied()))
        .all(conn)
        .await?;
    let mut result = PageRestrictions::default();
    for ((page_id, kind), restriction) in collect_restrictions(rows) {
        match kind.as_str() {
            "view" => result.view.insert(page_id, restriction),
            _ => result.edit.insert(page_id, restriction),
        };
    }
    Ok(result)
}

/// Restrictions by page id.
#[derive(Debug, Clone, Default)]
pub struct PageRestrictions {
    pub view: BTreeMap<i64, Restriction>,
    pub edit: BTreeMap<i64, Restriction>,
}

/// Replaces one kind of restriction on a page (empty lists remove it).
pub async fn put_restriction(
    conn: &impl Conn,
    page_id: i64,
    kind: RestrictionKind,
    users: &[UserId],
    groups: &[GroupId],
) -> Result<(), StoreError> {
    page_restriction::Entity::delete_many()
        .filter(page_restriction::Column::PageId.eq(page_id))
        .filter(page_restriction::Column::Kind.eq(kind.as_str()))
        .exec(conn)
        .await?;
    let rows = users
        .iter()
        .map(|user| ("user", user.0))
        .chain(groups.iter().map(|group| ("group", group.0)))
        .map(|(grantee_kind, grantee_id)| page_restriction::ActiveModel {
            page_id: Set(page_id),
            kind: Set(kind.as_str().to_owned()),
            grantee_kind: Set(grantee_kind.to_owned()),
            grantee_id: Set(grantee_id),
        })
        .collect::<Vec<_>>();
    if !rows.is_empty() {
        page_restriction::Entity::insert_many(rows)
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// The view-restricted pages of these spaces, as the access set needs them:
/// (page id, space id, parent's restriction key, restriction).
pub async fn view_restricted_pages(
    conn: &impl Conn,
    space_ids: &[i64],
) -> Result<Vec<RestrictedRow>, StoreError> {
    if space_ids.is_empty() {
        return Ok(Vec::new());
    }
    let restricted: Vec<i64> = page::Entity::find()
        .filter(page::Column::SpaceId.is_in(space_ids.iter().copied()))
        .filter(Expr::col(page::Column::RestrictionKey).equals(page::Column::Id))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| row.id)
        .collect();
    restricted_rows(conn, &restricted).await
}

async fn restricted_rows(
    conn: &impl Conn,
    page_ids: &[i64],
) -> Result<Vec<RestrictedRow>, StoreError> {
    if page_ids.is_empty() {
        return Ok(Vec::new());
    }
    let pages = page::Entity::find()
        .filter(page::Column::Id.is_in(page_ids.iter().copied()))
        .all(conn)
        .await?;
    let parent_ids: Vec<i64> = pages.iter().filter_map(|p| p.parent_id).collect();
    let parent_keys: BTreeMap<i64, Option<i64>> = page::Entity::find()
        .filter(page::Column::Id.is_in(parent_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|parent| (parent.id, parent.restriction_key))
        .collect();
    let mut restrictions = restrictions_of(conn, page_ids).await?;
    Ok(pages
        .into_iter()
        .filter_map(|page| {
            let restriction = restrictions.view.remove(&page.id)?;
            Some(RestrictedRow {
                page_id: page.id,
                space_id: page.space_id,
                parent_key: page
                    .parent_id
                    .and_then(|parent| parent_keys.get(&parent).copied().flatten()),
                restriction,
            })
        })
        .collect())
}

/// A view-restricted page for the access set.
#[derive(Debug, Clone)]
pub struct RestrictedRow {
    pub page_id: i64,
    pub space_id: i64,
    pub parent_key: Option<i64>,
    pub restriction: Restriction,
}

/// Whether a page carries a view restriction of its own.
pub async fn has_view_restriction(conn: &impl Conn, page_id: i64) -> Result<bool, StoreError> {
    use sea_orm::PaginatorTrait;
    Ok(page_restriction::Entity::find()
        .filter(page_restriction::Column::PageId.eq(page_id))
        .filter(page_restriction::Column::Kind.eq("view"))
        .count(conn)
        .await?
        > 0)
}

/// Which of these pages carry a view restriction of their own.
pub async fn view_restricted_among(
    conn: &impl Conn,
    page_ids: &[i64],
) -> Result<Vec<i64>, StoreError> {
    if page_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<i64> = page_restriction::Entity::find()
        .filter(page_restriction::Column::PageId.is_in(page_ids.iter().copied()))
        .filter(page_restriction::Column::Kind.eq("view"))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| row.page_id)
        .collect();
    ids.dedup();
    Ok(ids)
}

/// Sets the restriction key of each page.
pub async fn set_restriction_keys(
    conn: &impl Conn,
    keys: &[(i64, Option<i64>)],
) -> Result<(), StoreError> {
    for (page_id, key) in keys {
        page::Entity::update_many()
            .col_expr(page::Column::RestrictionKey, Expr::value(*key))
            .filter(page::Column::Id.eq(*page_id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

// ---- the permission epoch ----------------------------------------------

pub async fn epoch(conn: &impl Conn) -> Result<i64, StoreError> {
    Ok(permission_epoch::Entity::find_by_id(1)
        .one(conn)
        .await?
        .map_or(0, |row| row.epoch))
}

/// Moves the epoch on: every cached access set is stale from now on.
pub async fn bump_epoch(conn: &impl Conn) -> Result<(), StoreError> {
    permission_epoch::Entity::update_many()
        .col_expr(
            permission_epoch::Column::Epoch,
            Expr::col(permission_epoch::Column::Epoch).add(1),
        )
        .filter(permission_epoch::Column::Id.eq(1))
        .exec(conn)
        .await?;
    Ok(())
}

// ---- admin keys --------------------------------------------------------

pub async fn admin_key(conn: &impl Conn, user_id: i64) -> Result<Option<AdminKeyRow>, StoreError> {
    Ok(admin_key::Entity::find_by_id(user_id).one(conn).await?)
}

pub async fn put_admin_key(
    conn: &impl Conn,
    user_id: i64,
    reason: &str,
    now: Timestamp,
) -> Result<AdminKeyRow, StoreError> {
    delete_admin_key(conn, user_id).await?;
    Ok(admin_key::ActiveModel {
        user_id: Set(user_id),
        reason: Set(reason.to_owned()),
        created_at: Set(now),
        last_used_at: Set(now),
    }
    .insert(conn)
    .await?)
}

pub async fn touch_admin_key(
    conn: &impl Conn,
    user_id: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    admin_key::Entity::update_many()
        .col_expr(admin_key::Column::LastUsedAt, Expr::value(now))
        .filter(admin_key::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn delete_admin_key(conn: &impl Conn, user_id: i64) -> Result<bool, StoreError> {
    let result = admin_key::Entity::delete_many()
        .filter(admin_key::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}
