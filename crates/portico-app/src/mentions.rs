//! Mentions (SPEC.md 3.3): checking the mentions a save adds, naming
//! mentioned people for one viewer when a body is rendered, and the mention
//! autocomplete. The rules are `portico_core::mentions` (who may mention
//! whom, where) and `portico_core::people` (who may know whom); whether a
//! mentioned person can view the content is their own access set's answer.
//!
//! Only mentions a save *adds* are checked (those not in the version it
//! replaces): a page restricted later, or a person deactivated later, must
//! not make the page unsaveable for an editor fixing a typo far from a
//! mention they didn't write. Old mentions stay as stored; rendering names
//! them only to viewers who may know the person. A draft is not checked
//! until it is published, and then all its mentions are new. Moving,
//! copying or restricting a page writes no new text, so it checks nothing.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use portico_core::mentions::{MentionPolicy, MentionRefusal, Mentioned, check_mention};
use portico_core::page::child_path;
use portico_core::people::PersonFacts;
use portico_core::policy::{AccessSet, PageRef};
use portico_core::validation::ValidationError;
use portico_core::{PageId, Role, SpaceId, UserId, Viewer};
use portico_format::MentionedPerson;
use portico_store::{Conn, PageRow, UserRow, pages, users};

use crate::access::{Access, page_ref, principal_at, visible_page, visible_space};
use crate::error::{AppError, AppResult};
use crate::people::{facts_of, people_of};
use crate::{App, Person};

/// The most mentions one save may add (each is checked against the
/// mentioned person's access).
pub const MAX_NEW_MENTIONS: usize = 50;

/// The most people the autocomplete offers.
pub const MAX_SUGGESTIONS: usize = 10;

/// The longest autocomplete query, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// How many matching people the autocomplete looks at, at most, to find
/// [`MAX_SUGGESTIONS`] who can view the content.
const MAX_CANDIDATES: u64 = 200;

/// What the autocomplete offers people for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MentionTarget {
    /// An existing page (or a comment on it). A draft counts as published:
    /// its mentions are checked when it is.
    Page(PageId),
    /// A page not yet created in this space (under its home page).
    Space(SpaceId),
}

/// The mentions of `body` that are not in `previous`, in order.
fn new_mentions(previous: Option<&str>, body: &str) -> Vec<String> {
    let before = previous
        .map(portico_format::mentioned_accounts)
        .unwrap_or_default();
    portico_format::mentioned_accounts(body)
        .into_iter()
        .filter(|id| !before.contains(id))
        .collect()
}

/// An id as it may appear in a message: the caller's own text, cut short.
fn shown_id(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control()).take(40).collect()
}

/// Whether the site lets guests mention people of their spaces.
async fn mention_policy(conn: &impl Conn) -> AppResult<MentionPolicy> {
    let access = crate::directory::load_policies(conn).await?.access;
    Ok(MentionPolicy {
        guests_mention_own_space: access.guests_mention_own_space,
    })
}

/// A stored person with the facts and access set the rules need.
struct Candidate {
    row: UserRow,
    facts: PersonFacts,
    access: Arc<AccessSet>,
}

impl Candidate {
    fn mentioned(&self) -> Mentioned<'_> {
        Mentioned {
            facts: &self.facts,
            access: &self.access,
        }
    }
}

impl App {
    /// The stored people among `rows`, with what `author` may learn about
    /// them and their own access sets.
    async fn candidates(
        &self,
        conn: &impl Conn,
        author: &Access,
        rows: Vec<UserRow>,
    ) -> AppResult<Vec<Candidate>> {
        let now = self.now();
        let mut facts = facts_of(conn, author, &rows, now).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(facts) = facts.remove(&row.id) else {
                continue;
            };
            let Some(principal) = principal_at(conn, row.id, now).await? else {
                continue;
            };
            let access = self.person_access(conn, &principal).await?;
            out.push(Candidate { row, facts, access });
        }
        Ok(out)
    }

    /// **The accepted mentioned user ids of a save**: checks every mention
    /// `body` adds to `previous` (the version it replaces; `None` for new
    /// content or a draft being published) for content on `page` as it will
    /// be once saved, and returns the people newly mentioned, in order. Any
    /// refused mention fails the whole save (the caller's transaction is
    /// dropped, so nothing is written).
    ///
    /// Mention notifications hook in here: the ids returned are exactly the
    /// people a save may notify.
    pub(crate) async fn accepted_mentions(
        &self,
        conn: &impl Conn,
        author: &Access,
        previous: Option<&str>,
        body: &str,
        page: &PageRow,
    ) -> AppResult<Vec<UserId>> {
        let added = new_mentions(previous, body);
        if added.is_empty() {
            return Ok(Vec::new());
        }
        if added.len() > MAX_NEW_MENTIONS {
            return Err(ValidationError::new(
                "body",
                format!(
                    "may add at most {MAX_NEW_MENTIONS} mentions in one save, not {}",
                    added.len()
                ),
            )
            .into());
        }
        let policy = mention_policy(conn).await?;
        if author.viewer.role() == Role::Guest && !policy.guests_mention_own_space {
            // Before looking anyone up: the answer doesn't depend on who.
            return Err(refusal(MentionRefusal::AuthorMayNotMention, "", None));
        }
        let ids: Vec<Option<UserId>> = added.iter().map(|raw| raw.parse().ok()).collect();
        let raw: Vec<i64> = ids.iter().flatten().map(|id| id.0).collect();
        let rows = users::find_many(conn, &raw).await?;
        let found: BTreeMap<i64, Candidate> = self
            .candidates(conn, author, rows)
            .await?
            .into_iter()
            .map(|candidate| (candidate.row.id, candidate))
            .collect();
        let content = page_ref(page, None);
        let mut accepted = Vec::with_capacity(added.len());
        for (raw, id) in added.iter().zip(ids) {
            let candidate = id.and_then(|id| found.get(&id.0));
            let person = candidate.map(Candidate::mentioned);
            check_mention(&author.viewer, &author.set, policy, person, content).map_err(
                |reason| refusal(reason, raw, candidate.map(|c| c.row.display_name.as_str())),
            )?;
            if let Some(id) = id {
                accepted.push(id);
            }
        }
        Ok(accepted)
    }

    /// `storage` as HTML for `viewer`: each mention shows the person's name
    /// (and Guest badge) if `viewer` may know them, otherwise the
    /// unknown-user placeholder; each page link or include shows its target
    /// only if `viewer` may view it (`crate::links`), otherwise the unnamed
    /// restricted-or-missing placeholder.
    pub async fn render_body(&self, viewer: &Viewer, storage: &str) -> AppResult<String> {
        let mut rendered = self.render_bodies(viewer, &[storage]).await?;
        Ok(rendered.pop().unwrap_or_default())
    }

    /// [`App::render_body`] for several bodies (a page's comments), looking
    /// the mentioned people up once for all of them.
    pub async fn render_bodies(&self, viewer: &Viewer, bodies: &[&str]) -> AppResult<Vec<String>> {
        let mut ids: Vec<UserId> = bodies
            .iter()
            .flat_map(|storage| portico_format::mentioned_accounts(storage))
            .filter_map(|raw| raw.parse().ok())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut known: HashMap<String, MentionedPerson> = HashMap::new();
        for chunk in ids.chunks(crate::people::MAX_LOOKUP) {
            for person in self.known_people(viewer, chunk).await? {
                known.insert(
                    person.id.to_string(),
                    MentionedPerson {
                        display_name: person.display_name,
                        is_guest: person.is_guest,
                    },
                );
            }
        }
        let lookup = |raw: &str| known.get(raw).cloned();
        // Link targets: only those the viewer may view are named.
        let mut links: Vec<portico_format::PageLink> = Vec::new();
        for storage in bodies {
            for link in portico_format::linked_pages(storage) {
                if !links.contains(&link) {
                    links.push(link);
                }
            }
        }
        let targets = if links.is_empty() {
            HashMap::new()
        } else {
            let access = self.access(viewer).await?;
            let found =
                crate::links::visible_targets(self.store.read(), &access, &links, None).await?;
            crate::links::rendered(&found)
        };
        let pages = |link: &portico_format::PageLink| targets.get(link).cloned();
        Ok(bodies
            .iter()
            .map(|storage| portico_format::render_html_for(storage, &lookup, &pages))
            .collect())
    }

    /// Mention autocomplete: up to [`MAX_SUGGESTIONS`] people whose name
    /// contains `query` (or, for internal callers, whose e-mail starts with
    /// it) and who can view `target`, by name. Guests get `NotFound` unless
    /// `guests.mention_own_space` is on, and then only people who share a
    /// space with them; so does a target the caller can't view.
    pub async fn mention_suggestions(
        &self,
        viewer: &Viewer,
        target: MentionTarget,
        query: &str,
    ) -> AppResult<Vec<Person>> {
        let query = query.trim();
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(ValidationError::new(
                "q",
                format!("must be at most {MAX_QUERY_CHARS} characters"),
            )
            .into());
        }
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let policy = mention_policy(conn).await?;
        let internal = match viewer.role() {
            Role::Member | Role::Admin => true,
            Role::Guest if policy.guests_mention_own_space => false,
            // No mention autocomplete: as if the route didn't exist.
            Role::Guest | Role::None => return Err(AppError::NotFound),
        };
        let content = content_for(conn, &access, target).await?;
        let content = content.page_ref();
        let mut offered: Vec<UserRow> = Vec::new();
        let mut offset = 0;
        while offered.len() < MAX_SUGGESTIONS && offset < MAX_CANDIDATES {
            let batch = (MAX_SUGGESTIONS as u64) * 2;
            let rows = users::mention_candidates(conn, query, internal, offset, batch).await?;
            let exhausted = (rows.len() as u64) < batch;
            offset += batch;
            for candidate in self.candidates(conn, &access, rows).await? {
                // The same rules as a save: the person may be known to the
                // caller and can view the content.
                if check_mention(
                    &access.viewer,
                    &access.set,
                    policy,
                    Some(candidate.mentioned()),
                    content,
                )
                .is_ok()
                    && offered.len() < MAX_SUGGESTIONS
                {
                    offered.push(candidate.row);
                }
            }
            if exhausted {
                break;
            }
        }
        people_of(conn, offered).await
    }
}

/// The page mentions would be written into, as it will be once published.
struct Content {
    id: PageId,
    path: String,
    space: SpaceId,
    restriction_key: Option<PageId>,
    author: Option<UserId>,
}

impl Content {
    fn page_ref(&self) -> PageRef<'_> {
        PageRef {
            id: self.id,
            path: &self.path,
            space: self.space,
            restriction_key: self.restriction_key,
            author: self.author,
            draft: false,
            blog: false,
            edit: None,
        }
    }
}

/// The content of an autocomplete target, if the caller can view it.
async fn content_for(
    conn: &impl Conn,
    access: &Access,
    target: MentionTarget,
) -> AppResult<Content> {
    match target {
        MentionTarget::Page(id) => {
            let (page, _) = visible_page(conn, access, id).await?;
            Ok(Content {
                id: PageId(page.id),
                path: page.path,
                space: SpaceId(page.space_id),
                restriction_key: page.restriction_key.map(PageId),
                author: page.author_id.map(UserId),
            })
        }
        MentionTarget::Space(id) => {
            let space = visible_space(conn, access, id).await?;
            // A new page goes under the home page, inside its restrictions.
            let home = match space.homepage_id {
                Some(home) => pages::find(conn, home).await?,
                None => None,
            };
            Ok(Content {
                // INVARIANT: ids are positive, so id 0 is no stored page
                // (and no subtree grant's root).
                id: PageId(0),
                path: child_path(home.as_ref().map(|p| (PageId(p.id), p.path.as_str()))),
                space: SpaceId(space.id),
                restriction_key: home.as_ref().and_then(|p| p.restriction_key.map(PageId)),
                author: access.viewer.user_id(),
            })
        }
    }
}

/// The error for a refused mention: 422, naming the person only when the
/// author may know them.
fn refusal(reason: MentionRefusal, raw: &str, name: Option<&str>) -> AppError {
    AppError::MentionRefused(match (reason, name) {
        (MentionRefusal::AuthorMayNotMention, _) => {
            "cannot mention people: guests may not mention anyone on this site".to_owned()
        }
        (MentionRefusal::CannotView, Some(name)) => {
            format!("cannot mention `{name}`: they can't view this page")
        }
        (MentionRefusal::NoSuchPerson | MentionRefusal::CannotView, _) => format!(
            "cannot mention account `{}`: it names no one you can mention",
            shown_id(raw)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_added_mentions_are_new() {
        let m = |id: &str| format!(r#"<ac:link><ri:user ri:account-id="{id}"/></ac:link>"#);
        let before = format!("<p>{} {}</p>", m("1"), m("2"));
        let after = format!("<p>{} {} {} {}</p>", m("2"), m("3"), m("1"), m("3"));
        assert_eq!(new_mentions(Some(&before), &after), vec!["3"]);
        assert_eq!(new_mentions(None, &after), vec!["2", "3", "1"]);
        assert!(new_mentions(Some(&after), &before).is_empty());
    }

    #[test]
    fn refusals_name_only_people_the_author_knows() {
        let text = |err: AppError| err.to_string();
        assert_eq!(
            text(refusal(MentionRefusal::CannotView, "7", Some("Gus Guest"))),
            "cannot mention `Gus Guest`: they can't view this page"
        );
        let unknown = text(refusal(MentionRefusal::NoSuchPerson, "7", None));
        assert_eq!(
            unknown,
            "cannot mention account `7`: it names no one you can mention"
        );
        // An id that names someone hidden reads exactly like one that doesn't.
        assert_eq!(
            text(refusal(MentionRefusal::NoSuchPerson, "7", Some("Hidden"))),
            unknown
        );
        assert!(
            text(refusal(
                MentionRefusal::NoSuchPerson,
                &"x\n".repeat(60),
                None
            ))
            .len()
                < 120
        );
    }
}
