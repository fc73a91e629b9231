//! People as others may see them (SPEC.md 3.3–3.4): whether someone is a
//! guest (for the badge and the API's `accountType`), and looking people up
//! by id with the "shares a space" rule of `portico_core::people`: a guest
//! learns only people of their spaces, members any active person, nobody an
//! e-mail address.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use portico_core::directory::effective_role;
use portico_core::people::{PersonFacts, asks_shared_space, may_know};
use portico_core::policy::Grantee;
use portico_core::validation::ValidationError;
use portico_core::{GroupId, Role, SpaceId, UserId, Viewer};
use portico_store::permissions::{self as grants, GrantRow};
use portico_store::{Conn, UserRow, groups, pages, users};

use crate::access::Access;
use crate::error::AppResult;
use crate::{App, Person};

/// The most people one lookup (`users-bulk`) names.
pub const MAX_LOOKUP: usize = 250;

/// The effective role of each stored user (direct role and group roles; no
/// role at all for an inactive account), in two queries. Ignores a guest's
/// access expiry: this is about what a person *is*, for showing it.
pub(crate) async fn effective_roles(
    conn: &impl Conn,
    rows: &[UserRow],
) -> AppResult<HashMap<i64, Role>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let memberships = groups::memberships_of(conn, &ids).await?;
    let group_ids: BTreeSet<i64> = memberships.iter().map(|(_, group)| *group).collect();
    let group_roles: HashMap<i64, Role> =
        groups::find_many(conn, &group_ids.into_iter().collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|group| (group.id, group.role.parse().unwrap_or(Role::None)))
            .collect();
    Ok(rows
        .iter()
        .map(|row| {
            let role = if row.status == "active" {
                let mine = memberships
                    .iter()
                    .filter(|(user, _)| *user == row.id)
                    .filter_map(|(_, group)| group_roles.get(group).copied());
                effective_role(row.role.parse().unwrap_or(Role::None), mine)
            } else {
                Role::None
            };
            (row.id, role)
        })
        .collect())
}

/// Stored users as people shown beside content, in the order given.
pub(crate) async fn people_of(conn: &impl Conn, rows: Vec<UserRow>) -> AppResult<Vec<Person>> {
    let roles = effective_roles(conn, &rows).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let effective = roles.get(&row.id).copied().unwrap_or(Role::None);
            Person {
                id: UserId(row.id),
                role: row.role.parse().unwrap_or(Role::None),
                is_guest: effective == Role::Guest,
                display_name: row.display_name,
            }
        })
        .collect())
}

/// The spaces each of `people` holds an unexpired grant in, directly or
/// through a group.
async fn granted_spaces(
    conn: &impl Conn,
    people: &[UserId],
    now: time::OffsetDateTime,
) -> AppResult<BTreeMap<UserId, BTreeSet<SpaceId>>> {
    let raw: Vec<i64> = people.iter().map(|id| id.0).collect();
    let memberships = groups::memberships_of(conn, &raw).await?;
    let group_ids: BTreeSet<GroupId> = memberships.iter().map(|(_, g)| GroupId(*g)).collect();
    let mut found: Vec<GrantRow> = grants::grants_to_users(conn, people).await?;
    found.extend(grants::grants_to_groups(conn, &group_ids.into_iter().collect::<Vec<_>>()).await?);
    let mut spaces: BTreeMap<UserId, BTreeSet<SpaceId>> = BTreeMap::new();
    for grant in found.iter().filter(|grant| grant.active(now)) {
        let space = SpaceId(grant.space_id);
        match grant.grantee {
            Grantee::User(user) => {
                spaces.entry(user).or_default().insert(space);
            }
            Grantee::Group(group) => {
                for (user, _) in memberships.iter().filter(|(_, g)| *g == group.0) {
                    spaces.entry(UserId(*user)).or_default().insert(space);
                }
            }
            // Name no one (SPEC 3.3: "all members" never makes a guest's acquaintance).
            Grantee::AllMembers | Grantee::Anonymous => {}
        }
    }
    Ok(spaces)
}

/// What the holder of `access` may learn about each of `rows`, by id (see
/// `portico_core::people::PersonFacts`): found with their access set as
/// the query filter.
pub(crate) async fn facts_of(
    conn: &impl Conn,
    access: &Access,
    rows: &[UserRow],
    now: time::OffsetDateTime,
) -> AppResult<HashMap<i64, PersonFacts>> {
    let ids: Vec<UserId> = rows.iter().map(|row| UserId(row.id)).collect();
    let raw: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let spaces = granted_spaces(conn, &ids, now).await?;
    let filter = access.page_filter();
    let writers = pages::writers_among(conn, filter.visibility(), &raw).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let facts = PersonFacts {
                granted_spaces: spaces.get(&UserId(row.id)).cloned().unwrap_or_default(),
                wrote_visible_page: writers.contains(&row.id),
                ..unshared_facts(row)
            };
            (row.id, facts)
        })
        .collect())
}

/// What `may_know` needs of `row` for a viewer it doesn't ask about shared
/// spaces (`asks_shared_space`): nothing but the account's state.
fn unshared_facts(row: &UserRow) -> PersonFacts {
    PersonFacts {
        id: UserId(row.id),
        active: row.status == "active",
        granted_spaces: BTreeSet::new(),
        wrote_visible_page: false,
    }
}

/// Those of the people `ids` whom the holder of `access` may know
/// (`portico_core::people::may_know`), in no particular order.
pub(crate) async fn known_among(
    conn: &impl Conn,
    access: &Access,
    ids: &[i64],
    now: time::OffsetDateTime,
) -> AppResult<Vec<Person>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = users::find_many(conn, ids).await?;
    let facts = if asks_shared_space(&access.viewer) {
        facts_of(conn, access, &rows, now).await?
    } else {
        rows.iter()
            .map(|row| (row.id, unshared_facts(row)))
            .collect()
    };
    let known: Vec<UserRow> = rows
        .into_iter()
        .filter(|row| {
            facts
                .get(&row.id)
                .is_some_and(|facts| may_know(&access.viewer, &access.set, facts))
        })
        .collect();
    people_of(conn, known).await
}

impl App {
    /// Display names, roles and guest-ness of those of `ids` whom `viewer`
    /// may know (`portico_core::people::may_know`), for bylines: anyone
    /// else is left out, and shows as an unknown person. Reading a page
    /// doesn't make its commenters or uploaders known to a guest.
    pub async fn people(&self, viewer: &Viewer, ids: &[UserId]) -> AppResult<Vec<Person>> {
        let access = self.access(viewer).await?;
        let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
        known_among(self.store.read(), &access, &raw, self.now()).await
    }

    /// Up to [`MAX_LOOKUP`] people by id, as `viewer` may know them
    /// (`portico_core::people::may_know`): anyone else is left out exactly
    /// like an id that names no one. In the order asked, each once.
    pub async fn known_people(&self, viewer: &Viewer, ids: &[UserId]) -> AppResult<Vec<Person>> {
        if ids.is_empty() || ids.len() > MAX_LOOKUP {
            return Err(ValidationError::new(
                "accountIds",
                format!("must name 1 to {MAX_LOOKUP} accounts, not {}", ids.len()),
            )
            .into());
        }
        let mut wanted: Vec<UserId> = Vec::with_capacity(ids.len());
        for id in ids {
            if !wanted.contains(id) {
                wanted.push(*id);
            }
        }
        let access = self.access(viewer).await?;
        let raw: Vec<i64> = wanted.iter().map(|id| id.0).collect();
        let mut people = known_among(self.store.read(), &access, &raw, self.now()).await?;
        people.sort_by_key(|person| wanted.iter().position(|id| *id == person.id));
        Ok(people)
    }
}
