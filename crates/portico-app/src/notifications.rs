//! In-product notifications (SPEC.md 3.4, 4): writing them for the events
//! people watch, in the transaction of the change, and reading one's own.
//!
//! The isolation rule is applied twice. When a notice is written, each
//! recipient's access set is built inside the transaction
//! (`access::recipient_access`) and `portico_core::notify::may_deliver`
//! decides; when notices are listed, counted or marked read, the query takes
//! the reader's *current* access set as its filter (`store::notifications::
//! Readable`), so a notice about a page restricted since, or a space the
//! reader has left, is gone from the list and from the unread count.
//! Rows hold ids only; titles and names are read when listing.

use std::collections::{BTreeMap, BTreeSet};

use portico_core::notify::{About, NoticeKind, may_deliver, readable_kinds};
use portico_core::validation::ValidationError;
use portico_core::{PageId, SpaceId, UserId, Viewer};
use portico_store::notifications::{self, NewNotification, Readable};
use portico_store::watches::{self, Watched};
use portico_store::{Conn, NotificationRow, PageRow, SpaceRow, pages, spaces, users};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;
use crate::access::{Access, page_ref, recipient_access};
use crate::error::AppResult;
use crate::model::Person;
use crate::people::people_of;

/// The most notifications one listing returns.
pub const MAX_NOTIFICATIONS: u64 = 250;

/// Something that happened, to tell the people who follow it.
pub(crate) struct Event<'a> {
    pub kind: NoticeKind,
    pub actor: i64,
    pub space: &'a SpaceRow,
    /// The page it is about; `None` for news about the space itself.
    pub page: Option<&'a PageRow>,
    /// Ids and numbers only (never titles or names).
    pub payload: serde_json::Value,
    pub now: OffsetDateTime,
}

/// Writes `event`'s notice for every one of `candidates` that
/// `portico_core::notify::may_deliver` admits, each judged by their access
/// set as it stands in this transaction. Returns who was notified.
pub(crate) async fn deliver(
    conn: &impl Conn,
    event: &Event<'_>,
    candidates: impl IntoIterator<Item = i64>,
) -> AppResult<Vec<i64>> {
    let candidates: BTreeSet<i64> = candidates.into_iter().collect();
    let mut notified = Vec::new();
    for candidate in candidates {
        if candidate == event.actor {
            continue;
        }
        let Some((viewer, set)) = recipient_access(conn, candidate, event.now).await? else {
            continue;
        };
        let about = match event.page {
            Some(page) => About::Page(page_ref(page, None)),
            None => About::Space(SpaceId(event.space.id)),
        };
        if !may_deliver(&viewer, &set, event.kind, about, UserId(event.actor)) {
            continue;
        }
        notifications::insert(
            conn,
            NewNotification {
                recipient_id: candidate,
                kind: event.kind.as_str(),
                actor_id: Some(event.actor),
                space_id: event.space.id,
                page_id: event.page.map(|page| page.id),
                payload: &event.payload,
                now: event.now,
            },
        )
        .await?;
        notified.push(candidate);
    }
    Ok(notified)
}

/// Tells the watchers of `watched` about `kind` on `page`.
#[expect(clippy::too_many_arguments, reason = "one event's facts, passed once")]
async fn tell_watchers(
    conn: &impl Conn,
    watched: Watched,
    kind: NoticeKind,
    space: &SpaceRow,
    page: &PageRow,
    payload: serde_json::Value,
    actor: i64,
    now: OffsetDateTime,
) -> AppResult<()> {
    let watchers = watches::watchers(conn, watched).await?;
    let event = Event {
        kind,
        actor,
        space,
        page: Some(page),
        payload,
        now,
    };
    deliver(conn, &event, watchers).await?;
    Ok(())
}

/// A page was published (created as current, published from a draft, or
/// copied): its space's watchers hear of it.
pub(crate) async fn page_published(
    conn: &impl Conn,
    space: &SpaceRow,
    page: &PageRow,
    actor: i64,
    now: OffsetDateTime,
) -> AppResult<()> {
    let watched = Watched::Space(space.id);
    let kind = NoticeKind::PagePublished;
    tell_watchers(conn, watched, kind, space, page, json!({}), actor, now).await
}

/// A current page got a new version: its watchers hear of it.
pub(crate) async fn page_updated(
    conn: &impl Conn,
    space: &SpaceRow,
    page: &PageRow,
    actor: i64,
    now: OffsetDateTime,
) -> AppResult<()> {
    let payload = json!({ "version": page.version });
    let (watched, kind) = (Watched::Page(page.id), NoticeKind::PageUpdated);
    tell_watchers(conn, watched, kind, space, page, payload, actor, now).await
}

/// A comment was added to a page: the page's watchers hear of it.
pub(crate) async fn comment_created(
    conn: &impl Conn,
    space: &SpaceRow,
    page: &PageRow,
    comment_id: i64,
    actor: i64,
    now: OffsetDateTime,
) -> AppResult<()> {
    let payload = json!({ "comment": comment_id });
    let (watched, kind) = (Watched::Page(page.id), NoticeKind::CommentCreated);
    tell_watchers(conn, watched, kind, space, page, payload, actor, now).await
}

/// People were mentioned in a page's new version or in a comment on it:
/// each of them hears of it, if they may view the page (the mention rules
/// already demand it; the delivery rule checks again, as for every notice).
pub(crate) async fn mentioned(
    conn: &impl Conn,
    space: &SpaceRow,
    page: &PageRow,
    comment_id: Option<i64>,
    people: &[UserId],
    actor: i64,
    now: OffsetDateTime,
) -> AppResult<()> {
    if people.is_empty() {
        return Ok(());
    }
    let event = Event {
        kind: NoticeKind::Mentioned,
        actor,
        space,
        page: Some(page),
        payload: match comment_id {
            Some(comment) => json!({ "comment": comment }),
            None => json!({ "version": page.version }),
        },
        now,
    };
    deliver(conn, &event, people.iter().map(|person| person.0)).await?;
    Ok(())
}

/// The space or page a notice is about, as its reader may see it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeSpace {
    pub id: SpaceId,
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticePage {
    pub id: PageId,
    pub title: String,
    /// A blog post rather than a page (its URL differs).
    pub blog: bool,
}

/// One notification as its recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub kind: NoticeKind,
    /// Who did it (`None` for a removed account).
    pub actor: Option<Person>,
    pub space: NoticeSpace,
    pub page: Option<NoticePage>,
    /// `guests.added`: the guests, and the role they were given.
    pub guests: Vec<Person>,
    pub role: Option<String>,
    /// `page.updated`: the version saved.
    pub version: Option<i64>,
    /// `comment.created`: the comment.
    pub comment_id: Option<i64>,
    pub created_at: OffsetDateTime,
    pub read: bool,
}

/// A page of one's notifications, newest first, with the unread count
/// (computed with the same filter as the list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationList {
    pub items: Vec<Notification>,
    pub has_more: bool,
    pub unread: u64,
}

/// What the reader's current access set lets them read (owned parts of
/// [`Readable`]).
struct ReadableSets {
    recipient: i64,
    kinds: Vec<&'static str>,
    pages: crate::access::PageFilterSets,
    spaces: Vec<i64>,
}

impl ReadableSets {
    fn new(access: &Access) -> AppResult<Self> {
        Ok(Self {
            recipient: access.actor()?,
            kinds: readable_kinds(&access.viewer)
                .into_iter()
                .map(NoticeKind::as_str)
                .collect(),
            pages: access.page_filter(),
            spaces: access.set.listed_space_ids(),
        })
    }

    fn readable(&self) -> Readable<'_> {
        Readable {
            recipient: self.recipient,
            kinds: &self.kinds,
            pages: self.pages.visibility(),
            spaces: &self.spaces,
        }
    }
}

impl App {
    /// The viewer's notifications, newest first, older than `before` (an id
    /// from a previous page) if given: only those about things they can view
    /// now.
    pub async fn notifications(
        &self,
        viewer: &Viewer,
        before: Option<i64>,
        limit: u64,
    ) -> AppResult<NotificationList> {
        if !(1..=MAX_NOTIFICATIONS).contains(&limit) {
            return Err(ValidationError::new(
                "limit",
                format!("must be between 1 and {MAX_NOTIFICATIONS}, not {limit}"),
            )
            .into());
        }
        let access = self.access(viewer).await?;
        let sets = ReadableSets::new(&access)?;
        let conn = self.store.read();
        let mut rows = notifications::list(conn, sets.readable(), before, limit + 1).await?;
        let has_more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let unread = notifications::count_unread(conn, sets.readable()).await?;
        let items = views(conn, rows).await?;
        Ok(NotificationList {
            items,
            has_more,
            unread,
        })
    }

    /// How many of the viewer's notifications are unread (the header's
    /// count), with the list's filter.
    pub async fn unread_notifications(&self, viewer: &Viewer) -> AppResult<u64> {
        let access = self.access(viewer).await?;
        let sets = ReadableSets::new(&access)?;
        Ok(notifications::count_unread(self.store.read(), sets.readable()).await?)
    }

    /// Marks one of the viewer's notifications read. Someone else's, or one
    /// about something the viewer can no longer view, is `NotFound`.
    pub async fn mark_notification_read(&self, viewer: &Viewer, id: i64) -> AppResult<()> {
        self.mark_notifications_read(viewer, &[id]).await
    }

    /// Marks up to [`MAX_NOTIFICATIONS`] of the viewer's notifications read:
    /// all of them, or — if any one is someone else's, or about something
    /// the viewer can no longer view — none (`NotFound`).
    pub async fn mark_notifications_read(&self, viewer: &Viewer, ids: &[i64]) -> AppResult<()> {
        if ids.is_empty() || ids.len() as u64 > MAX_NOTIFICATIONS {
            return Err(ValidationError::new(
                "ids",
                format!(
                    "must name 1 to {MAX_NOTIFICATIONS} notifications, not {}",
                    ids.len()
                ),
            )
            .into());
        }
        let access = self.access(viewer).await?;
        let sets = ReadableSets::new(&access)?;
        let now = self.now();
        let tx = self.store.write().await?;
        for id in ids {
            if notifications::find_readable(tx.conn(), sets.readable(), *id)
                .await?
                .is_none()
            {
                return Err(crate::AppError::NotFound);
            }
        }
        notifications::mark_read(tx.conn(), sets.readable(), Some(ids), None, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks all the viewer's (readable) notifications read, up to
    /// `up_to` (an id; notices that arrived after the list was drawn stay
    /// unread). Answers how many changed.
    pub async fn mark_all_notifications_read(
        &self,
        viewer: &Viewer,
        up_to: Option<i64>,
    ) -> AppResult<u64> {
        let access = self.access(viewer).await?;
        let sets = ReadableSets::new(&access)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let changed =
            notifications::mark_read(tx.conn(), sets.readable(), None, up_to, now).await?;
        tx.commit().await?;
        Ok(changed)
    }
}

/// Readable rows as notifications: current titles and names, read now. The
/// rows passed the reader's filter, so their pages and spaces are viewable.
async fn views(conn: &impl Conn, rows: Vec<NotificationRow>) -> AppResult<Vec<Notification>> {
    let page_ids: Vec<i64> = rows.iter().filter_map(|row| row.page_id).collect();
    let pages: BTreeMap<i64, PageRow> = pages::find_many(conn, &page_ids)
        .await?
        .into_iter()
        .map(|page| (page.id, page))
        .collect();
    // A page may have moved to another space since: its space now.
    let space_of = |row: &NotificationRow| {
        row.page_id
            .and_then(|id| pages.get(&id))
            .map_or(row.space_id, |page| page.space_id)
    };
    let space_ids: Vec<i64> = rows.iter().map(space_of).collect();
    let spaces: BTreeMap<i64, SpaceRow> = spaces::find_many(conn, &space_ids)
        .await?
        .into_iter()
        .map(|space| (space.id, space))
        .collect();
    let payloads: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| serde_json::from_str(&row.payload).unwrap_or_default())
        .collect();
    let mut people_ids: BTreeSet<i64> = rows.iter().filter_map(|row| row.actor_id).collect();
    for payload in &payloads {
        people_ids.extend(guest_ids(payload));
    }
    let people: BTreeMap<i64, Person> = people_of(
        conn,
        users::find_many(conn, &people_ids.into_iter().collect::<Vec<_>>()).await?,
    )
    .await?
    .into_iter()
    .map(|person| (person.id.0, person))
    .collect();
    let mut items = Vec::with_capacity(rows.len());
    for (row, payload) in rows.iter().zip(payloads) {
        let (Some(kind), Some(space)) = (NoticeKind::parse(&row.kind), spaces.get(&space_of(row)))
        else {
            continue;
        };
        items.push(Notification {
            id: row.id,
            kind,
            actor: row.actor_id.and_then(|id| people.get(&id).cloned()),
            space: NoticeSpace {
                id: SpaceId(space.id),
                key: space.space_key.clone(),
                name: space.name.clone(),
            },
            page: row
                .page_id
                .and_then(|id| pages.get(&id))
                .map(|page| NoticePage {
                    id: PageId(page.id),
                    title: page.title.clone(),
                    blog: page.kind == portico_store::pages::BLOG_POST,
                }),
            guests: guest_ids(&payload)
                .filter_map(|id| people.get(&id).cloned())
                .collect(),
            role: payload["role"].as_str().map(str::to_owned),
            version: payload["version"].as_i64(),
            comment_id: payload["comment"].as_i64(),
            created_at: row.created_at,
            read: row.read_at.is_some(),
        });
    }
    Ok(items)
}

/// The guests a `guests.added` payload names.
fn guest_ids(payload: &serde_json::Value) -> impl Iterator<Item = i64> + '_ {
    payload["guests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_i64)
}
