//! Site settings as key/value pairs (policies, limits, domain rules).

use std::collections::BTreeMap;

use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::entity::site_setting;
use crate::{Conn, StoreError};

pub async fn all(conn: &impl Conn) -> Result<BTreeMap<String, String>, StoreError> {
    let rows = site_setting::Entity::find().all(conn).await?;
    Ok(rows.into_iter().map(|row| (row.key, row.value)).collect())
}

/// Sets one setting, replacing any earlier value.
pub async fn set(conn: &impl Conn, key: &str, value: &str) -> Result<(), StoreError> {
    site_setting::Entity::delete_by_id(key.to_owned())
        .exec(conn)
        .await?;
    site_setting::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
    }
    .insert(conn)
    .await?;
    Ok(())
}
