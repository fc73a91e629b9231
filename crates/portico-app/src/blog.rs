//! Blog posts (SPEC 2.1): rows of `pages` with kind `blogpost`, dated by
//! their first publication and outside every page tree. Versions, comments,
//! attachments, labels, restrictions and watches are the pages' own; what
//! differs is here: creating (`blog.create`), listing newest first and by
//! month, editing (`blog.create`, see `pages::save_edit`) and deleting
//! (`blog.delete` or `delete.own`).

use std::collections::BTreeMap;

use portico_core::page::validate_title;
use portico_core::policy::Action;
use portico_core::validation::ValidationError;
use portico_core::{PageId, SpaceId, Viewer};
use portico_store::watches::{self, Watched};
use portico_store::{pages, versions};
use serde_json::json;
use time::{Date, Month, OffsetDateTime, Time};

use crate::App;
use crate::access::{require_page, visible_of_kind, visible_space};
use crate::error::AppResult;
use crate::model::{Page, Slice, page_from_row};
use crate::notifications;
use crate::pages::{BodyInput, PageUpdate};
use crate::record::{audit, journal};

pub struct NewBlogPost {
    pub space_id: SpaceId,
    pub title: String,
    pub body: BodyInput,
    /// Create a private draft, visible to its author only until published.
    pub draft: bool,
}

/// A calendar month, for a blog's archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BlogMonth {
    pub year: i32,
    pub month: u8,
}

impl BlogMonth {
    /// The month `year`/`month`, if it is one.
    pub fn new(year: i32, month: u8) -> AppResult<Self> {
        if !(1..=9999).contains(&year) || Month::try_from(month).is_err() {
            return Err(ValidationError::new("month", "must be a month, as YYYY/MM").into());
        }
        Ok(Self { year, month })
    }

    fn of(at: OffsetDateTime) -> Self {
        Self {
            year: at.year(),
            month: u8::from(at.month()),
        }
    }

    /// The first instant of the month and of the next one (UTC).
    fn bounds(self) -> AppResult<(OffsetDateTime, OffsetDateTime)> {
        let start = |year: i32, month: u8| -> AppResult<OffsetDateTime> {
            let month = Month::try_from(month)
                .map_err(|_| ValidationError::new("month", "must be a month, as YYYY/MM"))?;
            let date = Date::from_calendar_date(year, month, 1)
                .map_err(|_| ValidationError::new("month", "must be a month, as YYYY/MM"))?;
            Ok(date.with_time(Time::MIDNIGHT).assume_utc())
        };
        let (next_year, next_month) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        Ok((start(self.year, self.month)?, start(next_year, next_month)?))
    }
}

/// Which blog posts to list.
pub struct BlogFilter {
    pub space_ids: Option<Vec<SpaceId>>,
    pub title: Option<String>,
    /// Only the caller's own drafts instead of published posts.
    pub drafts: bool,
    /// Only posts published in this month.
    pub month: Option<BlogMonth>,
    pub offset: u64,
    pub limit: u64,
}

impl App {
    /// Writes a blog post in a space (`blog.create`); published at once
    /// unless it is a draft.
    pub async fn create_blog_post(&self, viewer: &Viewer, new: NewBlogPost) -> AppResult<Page> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let title = validate_title(&new.title)?;
        let body = new.body.to_storage()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let space = visible_space(tx.conn(), &access, new.space_id).await?;
        access.require_space(Action::CreateBlogPost, &space)?;
        let body = crate::links::resolve_on_save(tx.conn(), &access, body, space.id).await?;
        let post = pages::insert(
            tx.conn(),
            pages::NewPage {
                space_id: space.id,
                parent_id: None,
                // INVARIANT: `/` is no page's descendants prefix, so a blog
                // post is under no subtree (and no subtree grant reaches it).
                path: &portico_core::page::child_path(None),
                position: 0,
                title: &title,
                body: &body,
                author_id: actor,
                status: if new.draft { "draft" } else { "current" },
                restriction_key: None,
                kind: pages::BLOG_POST,
                now,
            },
        )
        .await?;
        let mentioned = if new.draft {
            Vec::new()
        } else {
            self.accepted_mentions(tx.conn(), &access, None, &body, &post)
                .await?
        };
        versions::insert(
            tx.conn(),
            versions::NewVersion {
                page_id: post.id,
                number: 1,
                title: &title,
                body: &body,
                message: "",
                author_id: actor,
                now,
            },
        )
        .await?;
        audit(
            tx.conn(),
            now,
            Some(actor),
            "blogpost.create",
            ("page", post.id.to_string()),
            json!({ "space": space.id, "draft": new.draft }),
        )
        .await?;
        watches::watch(tx.conn(), actor, Watched::Page(post.id), now).await?;
        if !new.draft {
            journal(
                tx.conn(),
                now,
                "page.created",
                ("page", post.id),
                Some(space.id),
            )
            .await?;
            notifications::page_published(tx.conn(), &space, &post, actor, now).await?;
            notifications::mentioned(tx.conn(), &space, &post, None, &mentioned, actor, now)
                .await?;
        }
        tx.commit().await?;
        Ok(page_from_row(post))
    }

    /// A blog post the viewer may view (a page's id is `NotFound`).
    pub async fn blog_post(&self, viewer: &Viewer, id: PageId) -> AppResult<Page> {
        self.read_of_kind(viewer, id, pages::BLOG_POST).await
    }

    /// A page or a blog post the viewer may view, whichever `id` is: for
    /// the parts both share (comments, labels), whose forms serve both.
    pub async fn content(&self, viewer: &Viewer, id: PageId) -> AppResult<Page> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (mut row, _) = crate::access::visible_page(conn, &access, id).await?;
        row.body = crate::links::for_reader(conn, &access, row.body, row.space_id).await?;
        Ok(page_from_row(row))
    }

    /// Blog posts the viewer may view, newest publication first. Spaces the
    /// viewer can't see list nothing, like spaces without posts.
    pub async fn list_blog_posts(
        &self,
        viewer: &Viewer,
        filter: BlogFilter,
    ) -> AppResult<Slice<Page>> {
        let access = self.access(viewer).await?;
        let author = match (filter.drafts, access.user_id()) {
            (false, _) => None,
            (true, Some(user)) => Some(user),
            // Anonymous visitors have no drafts.
            (true, None) => {
                return Ok(Slice {
                    items: Vec::new(),
                    has_more: false,
                });
            }
        };
        let bounds = filter.month.map(BlogMonth::bounds).transpose()?;
        let sets = access.page_filter();
        let space_ids: Option<Vec<i64>> = filter
            .space_ids
            .map(|ids| ids.iter().map(|id| id.0).collect());
        let rows = pages::blog_posts(
            self.store.read(),
            pages::BlogQuery {
                visible: sets.visibility(),
                space_ids: space_ids.as_deref(),
                title: filter.title.as_deref(),
                status: if filter.drafts { "draft" } else { "current" },
                author_id: author,
                from: bounds.map(|(from, _)| from),
                until: bounds.map(|(_, until)| until),
                offset: filter.offset,
                limit: filter.limit + 1,
            },
        )
        .await?;
        Ok(Slice::from_overfetch(rows, filter.limit, page_from_row))
    }

    /// The months in which a space's blog has posts the viewer may view,
    /// newest first, with how many.
    pub async fn blog_months(
        &self,
        viewer: &Viewer,
        space_id: SpaceId,
    ) -> AppResult<Vec<(BlogMonth, u64)>> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let space = visible_space(conn, &access, space_id).await?;
        let sets = access.page_filter();
        let dates = pages::blog_dates(
            conn,
            pages::BlogQuery {
                visible: sets.visibility(),
                space_ids: Some(&[space.id]),
                title: None,
                status: "current",
                author_id: None,
                from: None,
                until: None,
                offset: 0,
                limit: u64::MAX >> 1,
            },
        )
        .await?;
        let mut months: BTreeMap<BlogMonth, u64> = BTreeMap::new();
        for at in dates {
            *months.entry(BlogMonth::of(at)).or_default() += 1;
        }
        Ok(months.into_iter().rev().collect())
    }

    /// Saves a new version of a blog post (`blog.create`, and its edit
    /// restriction); publishing a draft dates the post.
    pub async fn update_blog_post(
        &self,
        viewer: &Viewer,
        id: PageId,
        update: PageUpdate,
    ) -> AppResult<Page> {
        self.save_edit(viewer, id, update, pages::BLOG_POST).await
    }

    /// Moves a blog post to the trash (`blog.delete`, or `delete.own` for
    /// its author).
    pub async fn delete_blog_post(&self, viewer: &Viewer, id: PageId) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (post, space) = visible_of_kind(tx.conn(), &access, id, pages::BLOG_POST).await?;
        require_page(tx.conn(), &access, Action::DeletePage, &post, &space).await?;
        crate::trash::move_to_trash(tx.conn(), post, space.id, "blogpost.delete", actor, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    #[test]
    fn months_have_bounds_and_bad_ones_are_refused() {
        let (from, until) = BlogMonth::new(2026, 12)
            .and_then(BlogMonth::bounds)
            .unwrap_or_else(|_| unreachable!());
        assert_eq!((from.year(), u8::from(from.month())), (2026, 12));
        assert_eq!((until.year(), u8::from(until.month())), (2027, 1));
        assert!(BlogMonth::new(2026, 13).is_err());
        assert!(BlogMonth::new(2026, 0).is_err());
        assert!(matches!(BlogMonth::new(0, 1), Err(AppError::Invalid(_))));
    }
}
