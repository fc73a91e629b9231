//! Invitations: a single-use, expiring link per invitee (stored as a hash).

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::invitation;
use crate::{Conn, StoreError, Timestamp};

pub use invitation::Model as InvitationRow;

pub struct NewInvitation<'a> {
    pub user_id: i64,
    pub token_hash: &'a str,
    pub role: &'a str,
    pub group_ids: &'a [i64],
    pub message: &'a str,
    pub invited_by: i64,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

pub async fn insert(conn: &impl Conn, new: NewInvitation<'_>) -> Result<InvitationRow, StoreError> {
    let row = invitation::ActiveModel {
        user_id: Set(new.user_id),
        token_hash: Set(new.token_hash.to_owned()),
        role: Set(new.role.to_owned()),
        group_ids: Set(serde_json::to_string(new.group_ids).unwrap_or_else(|_| "[]".to_owned())),
        message: Set(new.message.to_owned()),
        invited_by: Set(Some(new.invited_by)),
        created_at: Set(new.now),
        expires_at: Set(new.expires_at),
        accepted_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

pub async fn find(conn: &impl Conn, id: i64) -> Result<Option<InvitationRow>, StoreError> {
    Ok(invitation::Entity::find_by_id(id).one(conn).await?)
}

pub async fn find_by_token_hash(
    conn: &impl Conn,
    token_hash: &str,
) -> Result<Option<InvitationRow>, StoreError> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?)
}

/// Open (not accepted, not revoked) invitations of a user.
pub async fn open_for_user(
    conn: &impl Conn,
    user_id: i64,
) -> Result<Vec<InvitationRow>, StoreError> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::UserId.eq(user_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .all(conn)
        .await?)
}

/// Every open invitation, newest first.
pub async fn open(conn: &impl Conn) -> Result<Vec<InvitationRow>, StoreError> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .order_by_desc(invitation::Column::Id)
        .all(conn)
        .await?)
}

pub async fn update(conn: &impl Conn, row: InvitationRow) -> Result<InvitationRow, StoreError> {
    let active: invitation::ActiveModel = row.into();
    Ok(active.reset_all().update(conn).await?)
}

/// The group ids stored with an invitation.
pub fn group_ids(row: &InvitationRow) -> Vec<i64> {
    serde_json::from_str(&row.group_ids).unwrap_or_default()
}
