//! Groups and their members.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::{group, group_member};
use crate::{Conn, StoreError, Timestamp};

pub use group::Model as GroupRow;

/// The name of the group every member joins.
pub const DEFAULT_GROUP: &str = "members";

pub async fn insert(
    conn: &impl Conn,
    name: &str,
    role: &str,
    is_default: bool,
    now: Timestamp,
) -> Result<GroupRow, StoreError> {
    let row = group::ActiveModel {
        name: Set(name.to_owned()),
        role: Set(role.to_owned()),
        is_default: Set(is_default),
        created_at: Set(now),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

/// The default members group, created on first use.
pub async fn ensure_default(conn: &impl Conn, now: Timestamp) -> Result<GroupRow, StoreError> {
    if let Some(existing) = group::Entity::find()
        .filter(group::Column::IsDefault.eq(true))
        .one(conn)
        .await?
    {
        return Ok(existing);
    }
    insert(conn, DEFAULT_GROUP, "member", true, now).await
}

pub async fn find(conn: &impl Conn, id: i64) -> Result<Option<GroupRow>, StoreError> {
    Ok(group::Entity::find_by_id(id).one(conn).await?)
}

pub async fn find_many(conn: &impl Conn, ids: &[i64]) -> Result<Vec<GroupRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(group::Entity::find()
        .filter(group::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

pub async fn all(conn: &impl Conn) -> Result<Vec<GroupRow>, StoreError> {
    Ok(group::Entity::find()
        .order_by_asc(group::Column::Name)
        .all(conn)
        .await?)
}

pub async fn update(conn: &impl Conn, row: GroupRow) -> Result<GroupRow, StoreError> {
    let active: group::ActiveModel = row.into();
    Ok(active.reset_all().update(conn).await?)
}

pub async fn delete(conn: &impl Conn, id: i64) -> Result<(), StoreError> {
    group_member::Entity::delete_many()
        .filter(group_member::Column::GroupId.eq(id))
        .exec(conn)
        .await?;
    group::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

/// Every (user, group) membership.
pub async fn memberships(conn: &impl Conn) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows = group_member::Entity::find().all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.user_id, row.group_id))
        .collect())
}

/// The (user, group) memberships of these users.
pub async fn memberships_of(
    conn: &impl Conn,
    users: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let rows = group_member::Entity::find()
        .filter(group_member::Column::UserId.is_in(users.iter().copied()))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.user_id, row.group_id))
        .collect())
}

pub async fn members(conn: &impl Conn, group_id: i64) -> Result<Vec<i64>, StoreError> {
    let rows = group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(group_id))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|row| row.user_id).collect())
}

pub async fn groups_of(conn: &impl Conn, user_id: i64) -> Result<Vec<GroupRow>, StoreError> {
    let ids: Vec<i64> = group_member::Entity::find()
        .filter(group_member::Column::UserId.eq(user_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| row.group_id)
        .collect();
    find_many(conn, &ids).await
}

/// Adds a member (no-op if already one).
pub async fn add_member(conn: &impl Conn, group_id: i64, user_id: i64) -> Result<(), StoreError> {
    let exists = group_member::Entity::find_by_id((group_id, user_id))
        .one(conn)
        .await?
        .is_some();
    if !exists {
        group_member::ActiveModel {
            group_id: Set(group_id),
            user_id: Set(user_id),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

pub async fn remove_member(
    conn: &impl Conn,
    group_id: i64,
    user_id: i64,
) -> Result<(), StoreError> {
    group_member::Entity::delete_by_id((group_id, user_id))
        .exec(conn)
        .await?;
    Ok(())
}
