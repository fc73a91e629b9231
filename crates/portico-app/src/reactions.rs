//! Reactions on pages and comments (SPEC 2.1): add and remove one's own, and
//! the counts a page view shows. Taking part needs the page published and
//! viewable through one's own grants (`portico_core::reaction::may_take_part`);
//! anything else answers like a missing id. Who reacted is shown by name
//! only for people the viewer may know (`portico_core::people::may_know`):
//! a guest sees the names of people who share a space with them, and the
//! others only in the count. Not audited: reactions change no one's access.

use std::collections::BTreeMap;

use portico_core::reaction::{Emoji, may_take_part};
use portico_core::{PageId, Viewer};
use portico_store::reactions::{self, Reacted};
use portico_store::{Conn, PageRow};

use crate::App;
use crate::access::{Access, page_ref, visible_page};
use crate::comments::visible_comment_of_any_kind;
use crate::error::{AppError, AppResult};
use crate::model::Person;
use crate::people::known_among;

/// What a reaction is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReactionTarget {
    Page(PageId),
    /// A (current) comment, by id.
    Comment(i64),
}

/// One emoji's reactions on one page or comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionCount {
    pub emoji: Emoji,
    pub count: usize,
    /// The viewer is among them.
    pub mine: bool,
    /// Those of them the viewer may know, by name.
    pub people: Vec<Person>,
}

/// A page's reactions and those of its comments, as the viewer sees them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageReactions {
    /// Whether the viewer may react here (the page is published and theirs to see).
    pub may_react: bool,
    pub page: Vec<ReactionCount>,
    /// By comment id; comments without reactions are absent.
    pub comments: BTreeMap<i64, Vec<ReactionCount>>,
}

/// The page behind `target`, if the viewer may take part there (else `NotFound`).
async fn reacted(conn: &impl Conn, access: &Access, target: ReactionTarget) -> AppResult<Reacted> {
    let (page, comment_id) = match target {
        ReactionTarget::Page(id) => (visible_page(conn, access, id).await?.0, None),
        ReactionTarget::Comment(id) => {
            let comment = visible_comment_of_any_kind(conn, access, id).await?;
            let (page, _) = visible_page(conn, access, PageId(comment.page_id)).await?;
            (page, Some(comment.id))
        }
    };
    if !may_take_part(&access.set, page_ref(&page, None)) {
        return Err(AppError::NotFound);
    }
    Ok(Reacted {
        page_id: page.id,
        comment_id,
    })
}

impl App {
    /// Adds (`on`) or removes the viewer's `emoji` on a page or comment;
    /// reacting twice is once, and removing what isn't there is fine.
    pub async fn set_reaction(
        &self,
        viewer: &Viewer,
        target: ReactionTarget,
        emoji: Emoji,
        on: bool,
    ) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let user = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let what = reacted(tx.conn(), &access, target).await?;
        if on {
            reactions::add(tx.conn(), user, what, emoji.name(), now).await?;
        } else {
            reactions::remove(tx.conn(), user, what, emoji.name()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The reactions on one comment (footer or inline) the viewer can see.
    pub async fn comment_reactions(
        &self,
        viewer: &Viewer,
        comment: i64,
    ) -> AppResult<Vec<ReactionCount>> {
        let page = {
            let access = self.access(viewer).await?;
            visible_comment_of_any_kind(self.store.read(), &access, comment)
                .await?
                .page_id
        };
        let mut all = self.reactions(viewer, PageId(page)).await?;
        Ok(all.comments.remove(&comment).unwrap_or_default())
    }

    /// A page's reactions and its comments', in one query. Reactions on
    /// comments that are deleted (or not current) are left out.
    pub async fn reactions(&self, viewer: &Viewer, page: PageId) -> AppResult<PageReactions> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (page, _) = visible_page(conn, &access, page).await?;
        let rows = reactions::on_page(conn, page.id).await?;
        let live_comments = live_comment_ids(conn, &page, &rows).await?;
        let mut reactors: Vec<i64> = rows.iter().map(|row| row.user_id).collect();
        reactors.sort_unstable();
        reactors.dedup();
        let known = known_among(conn, &access, &reactors, self.now()).await?;
        let me = access.user_id();
        let mut page_counts: BTreeMap<Emoji, ReactionCount> = BTreeMap::new();
        let mut comment_counts: BTreeMap<i64, BTreeMap<Emoji, ReactionCount>> = BTreeMap::new();
        for row in rows {
            // A name the store holds that no longer parses is left out.
            let Ok(emoji) = Emoji::parse(&row.emoji) else {
                continue;
            };
            let counts = match row.comment_id {
                None => &mut page_counts,
                Some(comment) if live_comments.contains(&comment) => {
                    comment_counts.entry(comment).or_default()
                }
                Some(_) => continue,
            };
            let count = counts.entry(emoji).or_insert_with(|| ReactionCount {
                emoji,
                count: 0,
                mine: false,
                people: Vec::new(),
            });
            count.count += 1;
            count.mine |= me == Some(row.user_id);
            if let Some(person) = known.iter().find(|person| person.id.0 == row.user_id) {
                count.people.push(person.clone());
            }
        }
        Ok(PageReactions {
            may_react: access.user_id().is_some()
                && may_take_part(&access.set, page_ref(&page, None)),
            page: page_counts.into_values().collect(),
            comments: comment_counts
                .into_iter()
                .map(|(comment, counts)| (comment, counts.into_values().collect()))
                .collect(),
        })
    }
}

/// The ids among `rows`' comments that are current comments of `page`.
async fn live_comment_ids(
    conn: &impl Conn,
    page: &PageRow,
    rows: &[portico_store::ReactionRow],
) -> AppResult<Vec<i64>> {
    if rows.iter().all(|row| row.comment_id.is_none()) {
        return Ok(Vec::new());
    }
    Ok(portico_store::comments::current_ids_of_page(conn, page.id).await?)
}
