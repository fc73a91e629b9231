//! Discovery feeds (SPEC 4): recently updated (site, space, person), the
//! home feed, a space's activity, popular labels, the people directory and
//! profiles. Every list is a `store::feeds` query with the viewer's access
//! set as its filter, so what is hidden is never read, counted or paged;
//! the people shown beside entries are named only to viewers who may know
//! them (`core::people::may_know`).

use std::collections::{BTreeSet, HashMap};

use portico_core::policy::Action;
use portico_core::validation::ValidationError;
use portico_core::{PageId, SpaceId, UserId, Viewer};
use portico_store::feeds::{self, FeedScope};
use portico_store::{Conn, pages, spaces, users};

use crate::access::{Access, visible_space};
use crate::error::{AppError, AppResult};
use crate::model::Slice;
use crate::people::{known_among, people_of};
use crate::{App, Person};

/// The deepest offset a space's activity or the directory pages to.
pub const MAX_FEED_OFFSET: u64 = 1000;

/// How many entries each part of the home feed shows.
const HOME_ENTRIES: u64 = 10;

/// How many labels "popular labels" shows at most.
const MAX_POPULAR: u64 = 50;

/// A page or blog post an entry is about (always one the viewer may view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedContent {
    pub id: PageId,
    pub title: String,
    pub blog: bool,
    pub space_id: SpaceId,
    pub space_key: String,
    pub space_name: String,
    /// Publication time (blog posts' URLs carry the date).
    pub created_at: time::OffsetDateTime,
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Updated,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Updated => "updated",
        }
    }
}

/// One save of a page or blog post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    pub content: FeedContent,
    pub version: i64,
    pub kind: ChangeKind,
    /// Who saved it, if the viewer may know them (`None`: shown as an
    /// unknown or deactivated user).
    pub by: Option<Person>,
    pub at: time::OffsetDateTime,
    pub message: String,
}

/// A slice of a feed and the cursor of the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSlice {
    pub entries: Vec<FeedEntry>,
    /// Pass as `before` for the next, older entries.
    pub next: Option<i64>,
}

/// A label and how many visible pages carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopularLabel {
    pub name: String,
    pub count: i64,
}

/// The signed-in person's start page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeFeed {
    pub recent: Vec<FeedEntry>,
    /// Their own recent saves (empty for anonymous readers).
    pub mine: Vec<FeedEntry>,
    /// Changes to the pages and spaces they watch.
    pub watched: Vec<FeedEntry>,
    pub labels: Vec<PopularLabel>,
}

/// What happened in a space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivityKind {
    Saved { kind: ChangeKind, version: i64 },
    Commented { inline: bool, reply: bool },
    Uploaded { file_name: String, version: i64 },
}

/// One event of a space's activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityEntry {
    pub content: FeedContent,
    pub what: ActivityKind,
    pub by: Option<Person>,
    pub at: time::OffsetDateTime,
}

/// A person's profile as one viewer may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub person: Person,
    /// Their recent saves, in what the viewer may view only.
    pub recent: FeedSlice,
}

/// The pages (with their spaces) that feed rows name, by id.
async fn contents(conn: &impl Conn, ids: &[i64]) -> AppResult<HashMap<i64, FeedContent>> {
    let rows = pages::find_many(conn, ids).await?;
    let space_ids: Vec<i64> = rows
        .iter()
        .map(|p| p.space_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let spaces: HashMap<i64, portico_store::SpaceRow> = spaces::find_many(conn, &space_ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|page| {
            let space = spaces.get(&page.space_id)?;
            Some((
                page.id,
                FeedContent {
                    id: PageId(page.id),
                    title: page.title,
                    blog: page.kind == pages::BLOG_POST,
                    space_id: SpaceId(space.id),
                    space_key: space.space_key.clone(),
                    space_name: space.name.clone(),
                    created_at: page.created_at,
                },
            ))
        })
        .collect())
}

/// The people among `ids` the holder of `access` may know, by id.
async fn names(
    conn: &impl Conn,
    access: &Access,
    ids: impl IntoIterator<Item = Option<i64>>,
    now: time::OffsetDateTime,
) -> AppResult<HashMap<UserId, Person>> {
    let ids: Vec<i64> = ids
        .into_iter()
        .flatten()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(known_among(conn, access, &ids, now)
        .await?
        .into_iter()
        .map(|person| (person.id, person))
        .collect())
}

/// Checks a page size.
fn check_limit(limit: u64) -> AppResult<()> {
    if (1..=250).contains(&limit) {
        Ok(())
    } else {
        Err(ValidationError::new("limit", format!("must be 1 to 250, not {limit}")).into())
    }
}

fn check_offset(offset: u64) -> AppResult<()> {
    if offset <= MAX_FEED_OFFSET {
        Ok(())
    } else {
        Err(ValidationError::new(
            "cursor",
            format!("must not go past {MAX_FEED_OFFSET} entries"),
        )
        .into())
    }
}

impl App {
    /// Saves of visible pages and blog posts, newest first: site-wide, in a
    /// space (`NotFound` if the viewer can't view it), by a person
    /// (`NotFound` unless the viewer may know them), or both; `before` is
    /// the cursor a previous slice gave.
    pub async fn recently_updated(
        &self,
        viewer: &Viewer,
        space: Option<SpaceId>,
        author: Option<UserId>,
        before: Option<i64>,
        limit: u64,
    ) -> AppResult<FeedSlice> {
        check_limit(limit)?;
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let space_id = match space {
            Some(id) => Some(visible_space(conn, &access, id).await?.id),
            None => None,
        };
        if let Some(author) = author
            && known_among(conn, &access, &[author.0], self.now())
                .await?
                .is_empty()
        {
            return Err(AppError::NotFound);
        }
        let scope = FeedScope {
            space_id,
            watched_by: None,
        };
        self.changes(conn, &access, scope, author, before, limit)
            .await
    }

    /// One slice of saves under `scope`, with names for those the viewer
    /// may know.
    async fn changes(
        &self,
        conn: &impl Conn,
        access: &Access,
        scope: FeedScope,
        author: Option<UserId>,
        before: Option<i64>,
        limit: u64,
    ) -> AppResult<FeedSlice> {
        let filter = access.page_filter();
        let rows = feeds::changes(
            conn,
            filter.visibility(),
            scope,
            author.map(|id| id.0),
            before,
            limit + 1,
        )
        .await?;
        let more = rows.len() as u64 > limit;
        let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let ids: Vec<i64> = rows.iter().map(|r| r.page_id).collect();
        let contents = contents(conn, &ids).await?;
        let people = names(conn, access, rows.iter().map(|r| r.author_id), self.now()).await?;
        let next = if more {
            rows.last().map(|r| r.id)
        } else {
            None
        };
        let entries = rows
            .into_iter()
            .filter_map(|row| {
                Some(FeedEntry {
                    content: contents.get(&row.page_id)?.clone(),
                    version: row.number,
                    kind: if row.number == 1 {
                        ChangeKind::Created
                    } else {
                        ChangeKind::Updated
                    },
                    by: row
                        .author_id
                        .and_then(|id| people.get(&UserId(id)).cloned()),
                    at: row.at,
                    message: row.message,
                })
            })
            .collect();
        Ok(FeedSlice { entries, next })
    }

    /// The home feed: recently updated in what the viewer can see, their
    /// own recent saves, changes to what they watch, popular labels.
    pub async fn home_feed(&self, viewer: &Viewer) -> AppResult<HomeFeed> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let all = FeedScope::default();
        let recent = self
            .changes(conn, &access, all, None, None, HOME_ENTRIES)
            .await?
            .entries;
        let (mine, watched) = match access.user_id() {
            Some(me) => {
                let mine = self
                    .changes(conn, &access, all, Some(UserId(me)), None, HOME_ENTRIES)
                    .await?
                    .entries;
                let scope = FeedScope {
                    space_id: None,
                    watched_by: Some(me),
                };
                let watched = self
                    .changes(conn, &access, scope, None, None, HOME_ENTRIES)
                    .await?
                    .entries
                    .into_iter()
                    // Their own saves are under "your work" already.
                    .filter(|entry| entry.by.as_ref().map(|p| p.id.0) != Some(me))
                    .collect();
                (mine, watched)
            }
            None => (Vec::new(), Vec::new()),
        };
        let labels = labels_in(conn, &access, all, 20).await?;
        Ok(HomeFeed {
            recent,
            mine,
            watched,
            labels,
        })
    }

    /// The labels most used on visible current pages and blog posts,
    /// site-wide or in one space (`NotFound` if the viewer can't view it).
    pub async fn popular_labels(
        &self,
        viewer: &Viewer,
        space: Option<SpaceId>,
        limit: u64,
    ) -> AppResult<Vec<PopularLabel>> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let space_id = match space {
            Some(id) => Some(visible_space(conn, &access, id).await?.id),
            None => None,
        };
        let scope = FeedScope {
            space_id,
            watched_by: None,
        };
        labels_in(conn, &access, scope, limit.clamp(1, MAX_POPULAR)).await
    }

    /// What happened in a space the viewer can view: saves, comments and
    /// uploads on the pages and blog posts they can view, newest first,
    /// `limit` of them after skipping `offset`.
    pub async fn space_activity(
        &self,
        viewer: &Viewer,
        space: SpaceId,
        offset: u64,
        limit: u64,
    ) -> AppResult<Slice<ActivityEntry>> {
        check_limit(limit)?;
        check_offset(offset)?;
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let space = visible_space(conn, &access, space).await?;
        let scope = FeedScope {
            space_id: Some(space.id),
            watched_by: None,
        };
        let filter = access.page_filter();
        let wanted = offset + limit + 1;
        let saves = feeds::changes(conn, filter.visibility(), scope, None, None, wanted).await?;
        let comments = feeds::comments(conn, filter.visibility(), scope, wanted).await?;
        let uploads = feeds::uploads(conn, filter.visibility(), scope, wanted).await?;
        let mut events: Vec<(time::OffsetDateTime, i64, Option<i64>, ActivityKind)> = Vec::new();
        for save in saves {
            let kind = if save.number == 1 {
                ChangeKind::Created
            } else {
                ChangeKind::Updated
            };
            let what = ActivityKind::Saved {
                kind,
                version: save.number,
            };
            events.push((save.at, save.page_id, save.author_id, what));
        }
        for comment in comments {
            let what = ActivityKind::Commented {
                inline: comment.kind == "inline",
                reply: comment.reply,
            };
            events.push((comment.at, comment.page_id, comment.author_id, what));
        }
        for upload in uploads {
            let what = ActivityKind::Uploaded {
                file_name: upload.file_name,
                version: upload.version,
            };
            events.push((upload.at, upload.page_id, upload.by, what));
        }
        // Newest first; the sort is stable, so equal times keep source order.
        events.sort_by_key(|event| std::cmp::Reverse(event.0));
        let has_more = events.len() as u64 > offset + limit;
        let events: Vec<_> = events
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        let ids: Vec<i64> = events.iter().map(|e| e.1).collect();
        let contents = contents(conn, &ids).await?;
        let people = names(conn, &access, events.iter().map(|e| e.2), self.now()).await?;
        let items = events
            .into_iter()
            .filter_map(|(at, page, by, what)| {
                Some(ActivityEntry {
                    content: contents.get(&page)?.clone(),
                    what,
                    by: by.and_then(|id| people.get(&UserId(id)).cloned()),
                    at,
                })
            })
            .collect();
        Ok(Slice { items, has_more })
    }

    /// The people directory: active people whose name contains `query`
    /// (wiki admins: or whose e-mail starts with it), by name. Only for
    /// those holding the directory permission (members, by default): to
    /// guests, anonymous visitors and people without product access it is
    /// `NotFound`, as if it didn't exist. No e-mail addresses.
    pub async fn people_directory(
        &self,
        viewer: &Viewer,
        query: &str,
        offset: u64,
        limit: u64,
    ) -> AppResult<Slice<Person>> {
        check_limit(limit)?;
        check_offset(offset)?;
        let query = query.trim();
        if query.chars().count() > crate::MAX_QUERY_CHARS {
            return Err(ValidationError::new(
                "q",
                format!("must be at most {} characters", crate::MAX_QUERY_CHARS),
            )
            .into());
        }
        let access = self.access(viewer).await?;
        if !access.set.decide_site(Action::SeeDirectory) {
            return Err(AppError::NotFound);
        }
        let conn = self.store.read();
        let by_email = viewer.role() == portico_core::Role::Admin;
        let rows = users::mention_candidates(conn, query, by_email, offset, limit + 1).await?;
        let has_more = rows.len() as u64 > limit;
        let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
        Ok(Slice {
            items: people_of(conn, rows).await?,
            has_more,
        })
    }

    /// A person's profile: `NotFound` unless the viewer may know them
    /// (guests: people who share a space with them; nobody: inactive
    /// accounts), with their recent saves in what the viewer may view.
    pub async fn profile(
        &self,
        viewer: &Viewer,
        person: UserId,
        before: Option<i64>,
        limit: u64,
    ) -> AppResult<Profile> {
        check_limit(limit)?;
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let Some(person) = known_among(conn, &access, &[person.0], self.now())
            .await?
            .into_iter()
            .next()
        else {
            return Err(AppError::NotFound);
        };
        let recent = self
            .changes(
                conn,
                &access,
                FeedScope::default(),
                Some(person.id),
                before,
                limit,
            )
            .await?;
        Ok(Profile { person, recent })
    }
}

async fn labels_in(
    conn: &impl Conn,
    access: &Access,
    scope: FeedScope,
    limit: u64,
) -> AppResult<Vec<PopularLabel>> {
    let filter = access.page_filter();
    Ok(
        feeds::popular_labels(conn, filter.visibility(), scope, limit)
            .await?
            .into_iter()
            .map(|(name, count)| PopularLabel { name, count })
            .collect(),
    )
}
