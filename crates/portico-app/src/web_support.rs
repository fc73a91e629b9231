//! What the UI needs to draw its action links: which actions the viewer may
//! take on a space or a page, as the engine decides them. Only for showing
//! or hiding links — every change is still checked by its own use case.
//! Nothing here is recorded as an admin key use: it reads no content, and
//! the screen that asks has already opened (and recorded) what it shows.

use portico_core::policy::Action;
use portico_core::{PageId, SpaceId, Viewer};
use portico_store::{pages, permissions, spaces};

use crate::App;
use crate::access::page_ref;
use crate::error::{AppError, AppResult};

/// What the viewer may do on the site as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SiteAbilities {
    pub create_space: bool,
    /// A guest: the UI speaks to them as someone things are shared with.
    pub guest: bool,
}

/// What the viewer may do in a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SpaceAbilities {
    pub create_page: bool,
    /// Write blog posts (`blog.create`).
    pub create_blog_post: bool,
    /// Manage the space's permissions (space `admin`, or a wiki admin).
    pub administer: bool,
}

/// What the viewer may do with a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageAbilities {
    pub edit: bool,
    pub create_child: bool,
    pub delete: bool,
    pub restrict: bool,
    /// Upload files (`attachment.create`).
    pub attach: bool,
}

impl App {
    /// The viewer's site-wide abilities.
    pub async fn site_abilities(&self, viewer: &Viewer) -> AppResult<SiteAbilities> {
        let access = self.access(viewer).await?;
        Ok(SiteAbilities {
            create_space: viewer.user_id().is_some() && access.set.decide_site(Action::CreateSpace),
            guest: viewer.role() == portico_core::Role::Guest,
        })
    }

    /// The viewer's abilities in a space they can view (`NotFound` otherwise).
    pub async fn space_abilities(&self, viewer: &Viewer, id: SpaceId) -> AppResult<SpaceAbilities> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let space = spaces::find(conn, id.0).await?.ok_or(AppError::NotFound)?;
        let archived = space.status == "archived";
        let may = |action| access.set.decide_space(action, id, archived).0;
        if !may(Action::ViewSpace) {
            return Err(AppError::NotFound);
        }
        Ok(SpaceAbilities {
            create_page: viewer.user_id().is_some() && may(Action::CreatePage),
            create_blog_post: viewer.user_id().is_some() && may(Action::CreateBlogPost),
            administer: viewer.user_id().is_some() && may(Action::AdministerSpace),
        })
    }

    /// The viewer's abilities on a page they can view (`NotFound` otherwise).
    pub async fn page_abilities(&self, viewer: &Viewer, id: PageId) -> AppResult<PageAbilities> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let page = pages::find(conn, id.0).await?.ok_or(AppError::NotFound)?;
        if !access.can_view_page(&page) {
            return Err(AppError::NotFound);
        }
        let space = spaces::find(conn, page.space_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if viewer.user_id().is_none() {
            return Ok(PageAbilities::default());
        }
        let edit = permissions::restrictions_of(conn, &[page.id])
            .await?
            .edit
            .remove(&page.id);
        let mut reference = page_ref(&page, edit.as_ref());
        reference.space = SpaceId(space.id);
        let may = |action| access.set.decide(action, reference).0;
        Ok(PageAbilities {
            edit: may(Action::EditPage),
            create_child: access
                .set
                .decide_create_under(
                    SpaceId(space.id),
                    space.status == "archived",
                    Some(reference),
                )
                .0,
            delete: may(Action::DeletePage),
            restrict: may(Action::RestrictPage),
            attach: may(Action::AttachToPage),
        })
    }
}
