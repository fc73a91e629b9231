//! Users: just enough of the directory to sign in (the full directory extends it).

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::entity::user;
use crate::{Conn, StoreError, Timestamp, UserRow};

/// A user to create. `email` must already be normalised (trimmed, lower case).
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: Option<&'a str>,
    pub role: &'a str,
    pub org_admin: bool,
    pub status: &'a str,
    pub now: Timestamp,
}

pub async fn insert(conn: &impl Conn, new: NewUser<'_>) -> Result<UserRow, StoreError> {
    let row = user::ActiveModel {
        email: Set(new.email.to_owned()),
        display_name: Set(new.display_name.to_owned()),
        password_hash: Set(new.password_hash.map(str::to_owned)),
        role: Set(new.role.to_owned()),
        org_admin: Set(new.org_admin),
        status: Set(new.status.to_owned()),
        created_at: Set(new.now),
        updated_at: Set(new.now),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

pub async fn find(conn: &impl Conn, id: i64) -> Result<Option<UserRow>, StoreError> {
    Ok(user::Entity::find_by_id(id).one(conn).await?)
}

pub async fn find_by_email(conn: &impl Conn, email: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(conn)
        .await?)
}

pub async fn find_many(conn: &impl Conn, ids: &[i64]) -> Result<Vec<UserRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

pub async fn count_org_admins(conn: &impl Conn) -> Result<u64, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::OrgAdmin.eq(true))
        .count(conn)
        .await?)
}
