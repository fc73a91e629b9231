//! Pages: create, read, list, edit (every save a version), delete.

use portico_core::page::validate_title;
use portico_core::policy::Action;
use portico_core::validation::ValidationError;
use portico_core::{PageId, SpaceId, Viewer};
use portico_format::BodyFormat;
use portico_store::watches::{self, Watched};
use portico_store::{Conn, PageRow, pages, versions};
use serde_json::json;

use crate::App;
use crate::access::{Access, require_page, visible_of_kind, visible_page, visible_space};
use crate::error::{AppError, AppResult};
use crate::model::{Page, Slice, page_from_row};
use crate::notifications;
use crate::record::{audit, journal};

/// The largest body accepted, in bytes of input.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// A body as a client sent it.
pub struct BodyInput {
    pub value: String,
    pub format: BodyFormat,
}

impl BodyInput {
    /// The sanitised storage format for this input.
    pub(crate) fn to_storage(&self) -> AppResult<String> {
        self.check_size()?;
        Ok(portico_format::to_storage(&self.value, self.format))
    }

    /// The sanitised template body (storage format with its variables).
    pub(crate) fn to_template_storage(&self) -> AppResult<String> {
        self.check_size()?;
        Ok(portico_format::template_to_storage(
            &self.value,
            self.format,
        ))
    }

    fn check_size(&self) -> AppResult<()> {
        if self.value.len() > MAX_BODY_BYTES {
            return Err(ValidationError::new(
                "body",
                format!("must be at most {MAX_BODY_BYTES} bytes"),
            )
            .into());
        }
        Ok(())
    }
}

pub struct NewPage {
    pub space_id: SpaceId,
    /// The parent page; `None` puts the page under the space's home page.
    pub parent_id: Option<PageId>,
    pub title: String,
    pub body: BodyInput,
    /// Create a private draft, visible to its author only until published.
    pub draft: bool,
}

/// A new page whose title is checked and body sanitised, for
/// [`App::insert_page`].
pub(crate) struct StoredPage {
    pub space_id: SpaceId,
    pub parent_id: Option<PageId>,
    pub title: String,
    pub body: String,
    pub draft: bool,
    /// The template it was created from, for the audit entry.
    pub template: Option<i64>,
}

pub struct PageUpdate {
    pub title: String,
    pub body: BodyInput,
    /// The number the new version will have: the current version + 1.
    pub version: i64,
    pub message: String,
    /// Publish this version: a draft becomes a current page. `false` keeps a
    /// new page a draft, and saves an edit of a published page as the
    /// editor's own draft (`crate::drafts`), leaving the page unchanged.
    pub publish: bool,
}

pub struct PageFilter {
    pub space_ids: Option<Vec<SpaceId>>,
    pub title: Option<String>,
    pub after: Option<PageId>,
    pub limit: u64,
}

const MAX_MESSAGE_LEN: usize = 500;

fn validate_message(message: &str) -> AppResult<String> {
    let message = message.trim();
    if message.chars().count() > MAX_MESSAGE_LEN {
        return Err(ValidationError::new(
            "version.message",
            format!("must be at most {MAX_MESSAGE_LEN} characters"),
        )
        .into());
    }
    Ok(message.to_owned())
}

/// Refuses a title that another current page of the space already has.
pub(crate) async fn ensure_title_free(
    conn: &impl Conn,
    space_id: i64,
    title: &str,
    except: Option<i64>,
) -> AppResult<()> {
    if pages::title_taken(conn, space_id, title, except).await? {
        return Err(AppError::Conflict(format!(
            "a page titled `{title}` already exists in this space"
        )));
    }
    Ok(())
}

/// Writes a new version of `page` with `title` and `body` and returns the saved page.
pub(crate) async fn save_version(
    conn: &impl Conn,
    mut page: PageRow,
    title: String,
    body: String,
    message: &str,
    actor: i64,
    now: time::OffsetDateTime,
) -> AppResult<PageRow> {
    page.version += 1;
    page.title = title;
    page.body = body;
    page.updated_by = Some(actor);
    page.updated_at = now;
    versions::insert(
        conn,
        versions::NewVersion {
            page_id: page.id,
            number: page.version,
            title: &page.title,
            body: &page.body,
            message,
            author_id: actor,
            now,
        },
    )
    .await?;
    Ok(pages::update(conn, page).await?)
}

impl App {
    pub async fn create_page(&self, viewer: &Viewer, new: NewPage) -> AppResult<Page> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let title = validate_title(&new.title)?;
        let body = new.body.to_storage()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let page = self
            .insert_page(
                tx.conn(),
                &access,
                StoredPage {
                    space_id: new.space_id,
                    parent_id: new.parent_id,
                    title,
                    body,
                    draft: new.draft,
                    template: None,
                },
                actor,
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(page_from_row(page))
    }

    /// Creates a page with a checked title and a sanitised body inside the
    /// caller's transaction: the target space's rules decide (visible
    /// space, `CreatePage` under the parent), and the page gets the parent's
    /// restriction key — nothing else. Writes its version, audit and journal
    /// entries, watch and notices.
    pub(crate) async fn insert_page(
        &self,
        conn: &impl Conn,
        access: &Access,
        new: StoredPage,
        actor: i64,
        now: time::OffsetDateTime,
    ) -> AppResult<PageRow> {
        let space = visible_space(conn, access, new.space_id).await?;
        let body = crate::links::resolve_on_save(conn, access, new.body.clone(), space.id).await?;
        let body = &body;
        let StoredPage { title, draft, .. } = &new;
        let draft = *draft;
        let parent_id = new.parent_id.map(|id| id.0).or(space.homepage_id);
        let parent = match parent_id {
            None => None,
            Some(id) => match visible_page(conn, access, PageId(id)).await {
                Ok((parent, _))
                    if parent.space_id == space.id
                        && parent.status == "current"
                        && parent.kind == pages::PAGE =>
                {
                    Some(parent)
                }
                // Missing, invisible and foreign parents get the same answer.
                _ => {
                    return Err(ValidationError::new(
                        "parentId",
                        "must be a page in the same space",
                    )
                    .into());
                }
            },
        };
        access.require_create_under(&space, parent.as_ref())?;
        if !draft {
            ensure_title_free(conn, space.id, title, None).await?;
        }
        let path = portico_core::page::child_path(
            parent.as_ref().map(|p| (PageId(p.id), p.path.as_str())),
        );
        let position = pages::next_position(conn, space.id, parent.as_ref().map(|p| p.id)).await?;
        let page = pages::insert(
            conn,
            pages::NewPage {
                space_id: space.id,
                parent_id: parent.as_ref().map(|p| p.id),
                path: &path,
                position,
                title,
                body,
                author_id: actor,
                status: if draft { "draft" } else { "current" },
                restriction_key: parent.as_ref().and_then(|p| p.restriction_key),
                kind: pages::PAGE,
                now,
            },
        )
        .await?;
        // A draft's mentions are checked (and their people told) at publish.
        let mentioned = if draft {
            Vec::new()
        } else {
            self.accepted_mentions(conn, access, None, body, &page)
                .await?
        };
        versions::insert(
            conn,
            versions::NewVersion {
                page_id: page.id,
                number: 1,
                title,
                body,
                message: "",
                author_id: actor,
                now,
            },
        )
        .await?;
        let mut details = json!({ "space": space.id, "draft": draft });
        if let Some(template) = new.template {
            details["template"] = json!(template);
        }
        audit(
            conn,
            now,
            Some(actor),
            "page.create",
            ("page", page.id.to_string()),
            details,
        )
        .await?;
        // The creator watches their page from the start, as in Confluence:
        // they hear of its edits and comments (a draft's too, once published).
        watches::watch(conn, actor, Watched::Page(page.id), now).await?;
        if !draft {
            // A draft is announced nowhere until it is published.
            journal(conn, now, "page.created", ("page", page.id), Some(space.id)).await?;
            notifications::page_published(conn, &space, &page, actor, now).await?;
            notifications::mentioned(conn, &space, &page, None, &mentioned, actor, now).await?;
        }
        Ok(page)
    }

    pub async fn page(&self, viewer: &Viewer, id: PageId) -> AppResult<Page> {
        self.read_of_kind(viewer, id, pages::PAGE).await
    }

    /// A page or a blog post (`kind`; the other kind is `NotFound`) as its
    /// reader may read it: through the row cache, with links to pages the
    /// reader can't see left unnamed.
    pub(crate) async fn read_of_kind(
        &self,
        viewer: &Viewer,
        id: PageId,
        kind: &str,
    ) -> AppResult<Page> {
        let access = self.access(viewer).await?;
        let cached = self.visible_page_cached(&access, id).await?;
        if cached.page.kind != kind {
            return Err(AppError::NotFound);
        }
        let mut page = cached.page;
        if cached.has_links {
            let conn = self.store.read();
            page.body = crate::links::for_reader(conn, &access, page.body, page.space_id).await?;
        }
        Ok(page_from_row(page))
    }

    /// Current pages the viewer may view, in id order.
    pub async fn list_pages(&self, viewer: &Viewer, filter: PageFilter) -> AppResult<Slice<Page>> {
        let access = self.access(viewer).await?;
        let filter_sets = access.page_filter();
        let space_ids: Option<Vec<i64>> = filter
            .space_ids
            .map(|ids| ids.iter().map(|id| id.0).collect());
        let rows = pages::list(
            self.store.read(),
            pages::PageQuery {
                visible: filter_sets.visibility(),
                space_ids: space_ids.as_deref(),
                title: filter.title.as_deref(),
                label_id: None,
                kind: Some(pages::PAGE),
                status: "current",
                after_id: filter.after.map(|id| id.0),
                limit: filter.limit + 1,
            },
        )
        .await?;
        Ok(Slice::from_overfetch(rows, filter.limit, page_from_row))
    }

    /// The direct children of a page, in tree order, skipping `offset`.
    pub async fn children(
        &self,
        viewer: &Viewer,
        id: PageId,
        offset: u64,
        limit: u64,
    ) -> AppResult<Slice<Page>> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (page, _) = visible_of_kind(conn, &access, id, pages::PAGE).await?;
        let filter = access.page_filter();
        let rows = pages::visible_children(
            conn,
            filter.visibility(),
            page.space_id,
            page.id,
            offset,
            limit + 1,
        )
        .await?;
        Ok(Slice::from_overfetch(rows, limit, page_from_row))
    }

    /// Saves a new version of a page. `update.version` must be the current
    /// version + 1; otherwise someone saved in between and the edit is refused
    /// with a conflict (nothing is lost: the stored page is unchanged and the
    /// caller still has its text).
    pub async fn update_page(
        &self,
        viewer: &Viewer,
        id: PageId,
        update: PageUpdate,
    ) -> AppResult<Page> {
        self.save_edit(viewer, id, update, pages::PAGE).await
    }

    /// Saves a new version of a page or (`kind` `blogpost`) a blog post: the
    /// same rules, but a blog post's title needn't be unique and its
    /// publication date is the moment it is first published.
    pub(crate) async fn save_edit(
        &self,
        viewer: &Viewer,
        id: PageId,
        update: PageUpdate,
        kind: &str,
    ) -> AppResult<Page> {
        let blog = kind == pages::BLOG_POST;
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let title = validate_title(&update.title)?;
        let body = update.body.to_storage()?;
        let message = validate_message(&update.message)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (mut page, space) = visible_of_kind(tx.conn(), &access, id, kind).await?;
        require_page(tx.conn(), &access, Action::EditPage, &page, &space).await?;
        let body = crate::links::resolve_on_save(tx.conn(), &access, body, space.id).await?;
        let was_draft = page.status == "draft";
        if !was_draft && !update.publish {
            // An edit of a published page kept for later: the editor's own
            // draft, which changes nothing anyone else sees.
            let draft = crate::drafts::save_edit(
                tx.conn(),
                page,
                crate::drafts::DraftEdit {
                    title: &title,
                    body: &body,
                    base_version: update.version - 1,
                },
                actor,
                now,
            )
            .await?;
            tx.commit().await?;
            return Ok(draft.as_page());
        }
        if update.version != page.version + 1 {
            return Err(AppError::Conflict(format!(
                "version conflict: the page is at version {}, so the new version must be {}, not {}; reload, merge your changes and save again",
                page.version,
                page.version + 1,
                update.version
            )));
        }
        let publishing = was_draft && update.publish;
        if !blog && (!was_draft || publishing) {
            ensure_title_free(tx.conn(), space.id, &title, Some(page.id)).await?;
        }
        if publishing && blog {
            // A blog post is dated by its publication, as in Confluence.
            page.created_at = now;
        }
        if publishing {
            // Restrictions set on the draft are already in place: publishing
            // flips the status in this transaction, so the page never appears
            // without them.
            page.status = "current".to_owned();
        }
        // A draft's mentions are all checked when it is published; the
        // people newly mentioned hear of it.
        let mentioned = if !was_draft || publishing {
            let previous = (!was_draft).then_some(page.body.as_str());
            self.accepted_mentions(tx.conn(), &access, previous, &body, &page)
                .await?
        } else {
            Vec::new()
        };
        let page = save_version(tx.conn(), page, title, body, &message, actor, now).await?;
        // What the editor had kept for later is now published (or replaced).
        portico_store::drafts::discard(tx.conn(), page.id, actor).await?;
        audit(
            tx.conn(),
            now,
            Some(actor),
            match (blog, publishing) {
                (false, true) => "page.publish",
                (false, false) => "page.update",
                (true, true) => "blogpost.publish",
                (true, false) => "blogpost.update",
            },
            ("page", page.id.to_string()),
            json!({ "version": page.version }),
        )
        .await?;
        if !was_draft || publishing {
            journal(
                tx.conn(),
                now,
                if publishing {
                    "page.created"
                } else {
                    "page.updated"
                },
                ("page", page.id),
                Some(space.id),
            )
            .await?;
            if publishing {
                notifications::page_published(tx.conn(), &space, &page, actor, now).await?;
            } else {
                notifications::page_updated(tx.conn(), &space, &page, actor, now).await?;
            }
            notifications::mentioned(tx.conn(), &space, &page, None, &mentioned, actor, now)
                .await?;
        }
        tx.commit().await?;
        Ok(page_from_row(page))
    }

    /// Moves a page to the trash. Its children move up to its parent, as in
    /// Confluence. A space's home page can't be deleted.
    pub async fn delete_page(&self, viewer: &Viewer, id: PageId) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (page, space) = visible_of_kind(tx.conn(), &access, id, pages::PAGE).await?;
        require_page(tx.conn(), &access, Action::DeletePage, &page, &space).await?;
        if space.homepage_id == Some(page.id) {
            return Err(AppError::Conflict(
                "the home page of a space can't be deleted".to_owned(),
            ));
        }
        let parent = match page.parent_id {
            Some(parent_id) => pages::find(tx.conn(), parent_id).await?,
            None => None,
        };
        let children =
            pages::children(tx.conn(), page.space_id, Some(page.id), 0, u64::MAX >> 1).await?;
        if !children.is_empty()
            && portico_store::permissions::has_view_restriction(tx.conn(), page.id).await?
        {
            // Its children would move up and out from under its view restriction.
            return Err(AppError::Conflict(
                "this page has a view restriction that protects its child pages; move or restrict them first".to_owned(),
            ));
        }
        for child in children {
            let child = crate::tree::relocate(
                tx.conn(),
                child,
                &space,
                parent.as_ref(),
                portico_core::page::Placement::Append,
            )
            .await?;
            // Its subtree has new ancestors (what subtree shares and the
            // search index go by).
            journal(
                tx.conn(),
                now,
                "page.moved",
                ("page", child.id),
                Some(space.id),
            )
            .await?;
        }
        // What restoring needs: where it stood, who trashed it, when.
        crate::trash::move_to_trash(tx.conn(), page, space.id, "page.delete", actor, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Renders a body for preview without saving anything; mentions show
    /// as they would to `viewer`.
    pub async fn preview(&self, viewer: &Viewer, body: &BodyInput) -> AppResult<String> {
        self.render_body(viewer, &body.to_storage()?).await
    }
}
