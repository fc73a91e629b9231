//! Spaces: create, read, list, update, archive.

use portico_core::UserId;
use portico_core::permission::BuiltinRole;
use portico_core::policy::Action;
use portico_core::policy::Grantee;
use portico_core::space::{SpaceKey, validate_description, validate_name};
use portico_core::{SpaceId, Viewer};
use portico_store::permissions::{self, GrantTerms, GrantValue};
use portico_store::{pages, spaces};
use serde_json::json;

use crate::App;
use crate::access::{visible_space, visible_space_by_key};
use crate::error::{AppError, AppResult};
use crate::model::{Slice, Space, space_from_row};
use crate::record::{audit, journal};

pub struct NewSpace {
    pub key: String,
    pub name: String,
    pub description: String,
}

#[derive(Default)]
pub struct SpaceUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
}

pub struct SpaceFilter {
    pub keys: Option<Vec<String>>,
    /// `current`, `archived`, or `None` for both.
    pub status: Option<String>,
    pub after: Option<SpaceId>,
    pub limit: u64,
}

impl App {
    /// Creates a space with a home page; the creator becomes its admin.
    pub async fn create_space(&self, viewer: &Viewer, new: NewSpace) -> AppResult<Space> {
        let access = self.access(viewer).await?;
        access.require_site(Action::CreateSpace)?;
        let actor = UserId(access.actor()?);
        let key = SpaceKey::parse(&new.key)?;
        let name = validate_name(&new.name)?;
        let description = validate_description(&new.description)?;
        let now = self.now();
        let tx = self.store.write().await?;
        if spaces::find_by_key(tx.conn(), key.as_str())
            .await?
            .is_some()
        {
            return Err(AppError::Conflict(format!(
                "a space with key `{key}` already exists"
            )));
        }
        let allows_guests = crate::directory::load_policies(tx.conn())
            .await?
            .access
            .new_spaces_allow_guests;
        let mut space = spaces::insert(
            tx.conn(),
            spaces::NewSpace {
                key: key.as_str(),
                name: &name,
                description: &description,
                created_by: actor.0,
                allows_guests,
                now,
            },
        )
        .await?;
        let home = pages::insert(
            tx.conn(),
            pages::NewPage {
                space_id: space.id,
                parent_id: None,
                path: "/",
                position: 0,
                title: &name,
                body: "",
                author_id: actor.0,
                status: "current",
                restriction_key: None,
                kind: pages::PAGE,
                now,
            },
        )
        .await?;
        portico_store::versions::insert(
            tx.conn(),
            portico_store::versions::NewVersion {
                page_id: home.id,
                number: 1,
                title: &name,
                body: "",
                message: "",
                author_id: actor.0,
                now,
            },
        )
        .await?;
        space.homepage_id = Some(home.id);
        let space = spaces::update(tx.conn(), space).await?;
        // New spaces: all members collaborate, the creator administers.
        for (grantee, role) in [
            (Grantee::AllMembers, BuiltinRole::Collaborator),
            (Grantee::User(actor), BuiltinRole::Admin),
        ] {
            let role = permissions::role_by_key(tx.conn(), role.key())
                .await?
                .ok_or_else(|| {
                    AppError::Internal(format!("missing built-in role `{}`", role.key()).into())
                })?;
            permissions::put_grant(
                tx.conn(),
                space.id,
                grantee,
                GrantValue::Role(role.id),
                GrantTerms::default(),
                now,
            )
            .await?;
        }
        audit(
            tx.conn(),
            now,
            Some(actor.0),
            "space.create",
            ("space", space.id.to_string()),
            json!({ "key": key.as_str() }),
        )
        .await?;
        journal(
            tx.conn(),
            now,
            "space.created",
            ("space", space.id),
            Some(space.id),
        )
        .await?;
        journal(
            tx.conn(),
            now,
            "page.created",
            ("page", home.id),
            Some(space.id),
        )
        .await?;
        tx.commit().await?;
        Ok(space_from_row(space))
    }

    pub async fn space(&self, viewer: &Viewer, id: SpaceId) -> AppResult<Space> {
        let access = self.access(viewer).await?;
        Ok(space_from_row(
            visible_space(self.store.read(), &access, id).await?,
        ))
    }

    pub async fn space_by_key(&self, viewer: &Viewer, key: &str) -> AppResult<Space> {
        let access = self.access(viewer).await?;
        Ok(space_from_row(
            visible_space_by_key(self.store.read(), &access, key).await?,
        ))
    }

    /// Spaces the viewer may view, in id order.
    pub async fn list_spaces(
        &self,
        viewer: &Viewer,
        filter: SpaceFilter,
    ) -> AppResult<Slice<Space>> {
        let access = self.access(viewer).await?;
        let visible = access.set.listed_space_ids();
        let keys: Option<Vec<String>> = filter
            .keys
            .map(|keys| keys.iter().map(|k| k.trim().to_ascii_uppercase()).collect());
        let rows = spaces::list(
            self.store.read(),
            spaces::SpaceQuery {
                visible: &visible,
                keys: keys.as_deref(),
                status: filter.status.as_deref(),
                after_id: filter.after.map(|id| id.0),
                limit: filter.limit + 1,
            },
        )
        .await?;
        Ok(Slice::from_overfetch(rows, filter.limit, space_from_row))
    }

    /// Changes a space's name or description (space admins only).
    pub async fn update_space(
        &self,
        viewer: &Viewer,
        id: SpaceId,
        update: SpaceUpdate,
    ) -> AppResult<Space> {
        let access = self.access(viewer).await?;
        let now = self.now();
        let tx = self.store.write().await?;
        let mut space = visible_space(tx.conn(), &access, id).await?;
        access.require_space(Action::AdministerSpace, &space)?;
        if let Some(name) = update.name {
            space.name = validate_name(&name)?;
        }
        if let Some(description) = update.description {
            space.description = validate_description(&description)?;
        }
        let space = save_space(tx.conn(), viewer, space, "space.update", now).await?;
        tx.commit().await?;
        Ok(space_from_row(space))
    }

    /// Archives (read-only, out of the directory) or restores a space.
    pub async fn set_space_archived(
        &self,
        viewer: &Viewer,
        id: SpaceId,
        archived: bool,
    ) -> AppResult<Space> {
        let access = self.access(viewer).await?;
        let now = self.now();
        let tx = self.store.write().await?;
        let mut space = visible_space(tx.conn(), &access, id).await?;
        access.require_space(Action::AdministerSpace, &space)?;
        space.status = if archived { "archived" } else { "current" }.to_owned();
        let action = if archived {
            "space.archive"
        } else {
            "space.unarchive"
        };
        let space = save_space(tx.conn(), viewer, space, action, now).await?;
        tx.commit().await?;
        Ok(space_from_row(space))
    }
}

/// Saves a changed space with its audit entry (`action`) and journal entry.
async fn save_space(
    conn: &impl portico_store::Conn,
    viewer: &Viewer,
    mut space: portico_store::SpaceRow,
    action: &str,
    now: time::OffsetDateTime,
) -> AppResult<portico_store::SpaceRow> {
    let actor = viewer.user_id().map(|id| id.0);
    space.updated_at = now;
    space.updated_by = actor;
    let space = spaces::update(conn, space).await?;
    audit(
        conn,
        now,
        actor,
        action,
        ("space", space.id.to_string()),
        json!({}),
    )
    .await?;
    journal(
        conn,
        now,
        "space.updated",
        ("space", space.id),
        Some(space.id),
    )
    .await?;
    Ok(space)
}
