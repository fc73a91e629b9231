//! Spaces.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::space;
use crate::{Conn, SpaceRow, StoreError, Timestamp};

pub struct NewSpace<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub created_by: i64,
    /// Whether the space may have guests (the site default for new spaces).
    pub allows_guests: bool,
    pub now: Timestamp,
}

pub async fn insert(conn: &impl Conn, new: NewSpace<'_>) -> Result<SpaceRow, StoreError> {
    let row = space::ActiveModel {
        space_key: Set(new.key.to_owned()),
        name: Set(new.name.to_owned()),
        description: Set(new.description.to_owned()),
        homepage_id: Set(None),
        status: Set("current".to_owned()),
        created_by: Set(Some(new.created_by)),
        created_at: Set(new.now),
        updated_by: Set(Some(new.created_by)),
        updated_at: Set(new.now),
        allows_guests: Set(new.allows_guests),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

pub async fn find(conn: &impl Conn, id: i64) -> Result<Option<SpaceRow>, StoreError> {
    Ok(space::Entity::find_by_id(id).one(conn).await?)
}

pub async fn find_by_key(conn: &impl Conn, key: &str) -> Result<Option<SpaceRow>, StoreError> {
    Ok(space::Entity::find()
        .filter(space::Column::SpaceKey.eq(key))
        .one(conn)
        .await?)
}

/// The spaces with these ids.
pub async fn find_many(conn: &impl Conn, ids: &[i64]) -> Result<Vec<SpaceRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(space::Entity::find()
        .filter(space::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(space::Column::Id)
        .all(conn)
        .await?)
}

/// Every space, for computing access sets. Small: one row per space.
pub async fn all(conn: &impl Conn) -> Result<Vec<SpaceRow>, StoreError> {
    Ok(space::Entity::find()
        .order_by_asc(space::Column::Id)
        .all(conn)
        .await?)
}

/// A page of spaces among `visible`, in id order, after `after_id`.
pub struct SpaceQuery<'a> {
    pub visible: &'a [i64],
    pub keys: Option<&'a [String]>,
    pub status: Option<&'a str>,
    pub after_id: Option<i64>,
    pub limit: u64,
}

pub async fn list(conn: &impl Conn, query: SpaceQuery<'_>) -> Result<Vec<SpaceRow>, StoreError> {
    if query.visible.is_empty() {
        return Ok(Vec::new());
    }
    let mut select =
        space::Entity::find().filter(space::Column::Id.is_in(query.visible.iter().copied()));
    if let Some(keys) = query.keys {
        select = select.filter(space::Column::SpaceKey.is_in(keys.iter().cloned()));
    }
    if let Some(status) = query.status {
        select = select.filter(space::Column::Status.eq(status));
    }
    if let Some(after) = query.after_id {
        select = select.filter(space::Column::Id.gt(after));
    }
    Ok(select
        .order_by_asc(space::Column::Id)
        .limit(query.limit)
        .all(conn)
        .await?)
}

/// Saves changed fields of a space (the caller sets them on the row).
pub async fn update(conn: &impl Conn, row: SpaceRow) -> Result<SpaceRow, StoreError> {
    let active: space::ActiveModel = row.into();
    Ok(active.reset_all().update(conn).await?)
}
