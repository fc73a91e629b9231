//! View models shared by several pages: a space's header (with how many
//! guests share the space), the page-tree sidebar, timestamps and people
//! (name and "Guest" badge, drawn by `templates/macros.html`). Plain data,
//! ready for templates.

use std::collections::HashMap;

use portico_app::{App, PageId, Space, TreeEntry, UserId, Viewer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use super::links;
use super::render::UiError;

/// A space as its pages show it in their header and sidebar.
pub(crate) struct SpaceView {
    pub key: String,
    pub name: String,
    pub description: String,
    pub archived: bool,
    pub href: String,
    pub settings_href: String,
    pub create_href: String,
    pub access_href: String,
    pub trash_href: String,
    /// The space's blog.
    pub blog_href: String,
    /// The space's Templates screen.
    pub templates_href: String,
    /// "Create from template" (add `?parentId=` for a parent).
    pub use_template_href: String,
    /// Whether to offer "Create page" (only a hint: creating is checked).
    pub can_create: bool,
    /// Whether to offer the settings, access and trash screens.
    pub can_administer: bool,
    /// How many guests share the space, for internal members only (the
    /// banner and the editor's hint, SPEC 3.4); `None`: say nothing.
    pub guests: Option<usize>,
}

impl SpaceView {
    /// The header of a space on screens only signed-in people reach: the
    /// "Create page" link shows, the admin links don't (see [`Self::load`]).
    pub fn new(space: &Space) -> Self {
        Self {
            key: space.key.clone(),
            name: space.name.clone(),
            description: space.description.clone(),
            archived: space.status == "archived",
            href: links::space(&space.key),
            settings_href: links::space_settings(&space.key),
            create_href: links::create_page(&space.key, None),
            access_href: links::space_access(&space.key),
            trash_href: links::space_trash(&space.key),
            blog_href: links::blog(&space.key),
            templates_href: format!("/wiki/spaces/{}/templates", links::segment(&space.key)),
            use_template_href: format!("/wiki/spaces/{}/templates/use", links::segment(&space.key)),
            can_create: true,
            can_administer: false,
            guests: None,
        }
    }

    /// The header with the links the viewer may use, as the engine says,
    /// and the guests the viewer is told about.
    pub async fn load(app: &App, viewer: &Viewer, space: &Space) -> Result<Self, UiError> {
        let abilities = app.space_abilities(viewer, space.id).await?;
        Ok(Self {
            can_create: abilities.create_page,
            can_administer: abilities.administer,
            guests: app.guest_presence(viewer, space.id).await?,
            ..Self::new(space)
        })
    }

    /// "1 guest", "3 guests": who the space is shared with, when the viewer
    /// is told.
    pub fn guests_phrase(&self) -> Option<String> {
        self.guests.map(|count| match count {
            1 => "1 guest".to_owned(),
            n => format!("{n} guests"),
        })
    }
}

/// One page in the sidebar tree. The tree arrives flat, in pre-order with
/// depths; each item says how to get from the previous item's list to its
/// own: open a nested list (`nest`), or close the previous item and `unwind`
/// that many enclosing lists.
pub(crate) struct TreeItem {
    pub title: String,
    pub href: String,
    pub current: bool,
    pub nest: bool,
    pub unwind: usize,
}

/// The page tree of a space, drawn as nested lists.
pub(crate) struct Sidebar {
    pub space_name: String,
    pub space_href: String,
    pub items: Vec<TreeItem>,
    /// Lists still open after the last item (beyond the outermost one).
    pub trailing: usize,
}

impl Sidebar {
    pub fn new(space: &Space, entries: &[TreeEntry], current: Option<PageId>) -> Self {
        let mut items = Vec::with_capacity(entries.len());
        let mut previous: Option<usize> = None;
        for entry in entries {
            // INVARIANT: pre-order depths grow by at most one per step; a
            // larger jump is drawn one level deeper, never more.
            let (depth, nest, unwind) = match previous {
                None => (0, false, 0),
                Some(prev) if entry.depth > prev => (prev + 1, true, 0),
                Some(prev) => (entry.depth, false, prev - entry.depth),
            };
            items.push(TreeItem {
                title: entry.title.clone(),
                href: links::page(&space.key, entry.id, &entry.title),
                current: current == Some(entry.id),
                nest,
                unwind,
            });
            previous = Some(depth);
        }
        Self {
            space_name: space.name.clone(),
            space_href: links::space(&space.key),
            items,
            trailing: previous.unwrap_or(0),
        }
    }
}

/// A moment, for a `<time>` element.
pub(crate) struct Stamp {
    pub iso: String,
    pub text: String,
}

impl Stamp {
    pub fn new(at: OffsetDateTime) -> Self {
        let at = at.to_offset(time::UtcOffset::UTC);
        Self {
            iso: at.format(&Rfc3339).unwrap_or_default(),
            text: at
                .format(format_description!(
                    "[year]-[month]-[day] [hour]:[minute] UTC"
                ))
                .unwrap_or_default(),
        }
    }
}

/// A person beside content: their name and whether they are a guest (the
/// "Guest" badge, SPEC 3.4). Drawn by the `person` macro of
/// `templates/macros.html`, the one place the badge's markup lives.
#[derive(Clone)]
pub(crate) struct PersonView {
    pub name: String,
    pub is_guest: bool,
}

impl PersonView {
    /// Someone no longer found (a deleted account): named as before, no badge.
    pub fn unknown() -> Self {
        Self {
            name: "Unknown user".to_owned(),
            is_guest: false,
        }
    }
}

/// The people of one page, looked up once.
pub(crate) struct Names(HashMap<UserId, PersonView>);

impl Names {
    /// The names `viewer` may know among `ids`; others show as unknown.
    pub async fn load(
        app: &App,
        viewer: &Viewer,
        ids: impl IntoIterator<Item = Option<UserId>>,
    ) -> Result<Self, UiError> {
        let mut wanted: Vec<UserId> = ids.into_iter().flatten().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let people = app.people(viewer, &wanted).await?;
        Ok(Names(
            people
                .into_iter()
                .map(|person| {
                    let view = PersonView {
                        name: person.display_name,
                        is_guest: person.is_guest,
                    };
                    (person.id, view)
                })
                .collect(),
        ))
    }

    /// The person, badge and all.
    pub fn person(&self, id: Option<UserId>) -> PersonView {
        id.and_then(|id| self.0.get(&id).cloned())
            .unwrap_or_else(PersonView::unknown)
    }

    /// Just the name.
    pub fn of(&self, id: Option<UserId>) -> String {
        self.person(id).name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_app::SpaceId;

    fn entry(id: i64, depth: usize) -> TreeEntry {
        TreeEntry {
            id: PageId(id),
            parent_id: None,
            title: format!("P{id}"),
            depth,
        }
    }

    fn space() -> Space {
        Space {
            id: SpaceId(1),
            key: "DOC".into(),
            name: "Docs".into(),
            description: String::new(),
            homepage_id: Some(PageId(1)),
            status: "current".into(),
            created_by: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    /// Renders the steps the template takes, as markup, to check nesting.
    fn draw(sidebar: &Sidebar) -> String {
        let mut out = String::from("<ul>");
        for (i, item) in sidebar.items.iter().enumerate() {
            if item.nest {
                out.push_str("<ul>");
            } else if i > 0 {
                out.push_str("</li>");
                out.push_str(&"</ul></li>".repeat(item.unwind));
            }
            out.push_str(&format!("<li>{}", item.title));
        }
        if !sidebar.items.is_empty() {
            out.push_str("</li>");
            out.push_str(&"</ul></li>".repeat(sidebar.trailing));
        }
        out.push_str("</ul>");
        out
    }

    #[test]
    fn flat_trees_nest_properly() {
        let entries = [
            entry(1, 0),
            entry(2, 1),
            entry(3, 2),
            entry(4, 2),
            entry(5, 1),
            entry(6, 3),
            entry(7, 0),
        ];
        let sidebar = Sidebar::new(&space(), &entries, Some(PageId(4)));
        assert_eq!(
            draw(&sidebar),
            "<ul><li>P1<ul><li>P2<ul><li>P3</li><li>P4</li></ul></li><li>P5<ul><li>P6</li></ul></li></ul></li><li>P7</li></ul>"
        );
        assert!(sidebar.items[3].current);
        assert_eq!(sidebar.items.iter().filter(|item| item.current).count(), 1);
    }

    #[test]
    fn open_lists_are_closed_at_the_end() {
        let sidebar = Sidebar::new(&space(), &[entry(1, 0), entry(2, 1), entry(3, 2)], None);
        assert_eq!(
            draw(&sidebar),
            "<ul><li>P1<ul><li>P2<ul><li>P3</li></ul></li></ul></li></ul>"
        );
        assert_eq!(draw(&Sidebar::new(&space(), &[], None)), "<ul></ul>");
    }

    #[test]
    fn guests_are_counted_in_words() {
        let mut view = SpaceView::new(&space());
        assert_eq!(view.guests_phrase(), None);
        view.guests = Some(1);
        assert_eq!(view.guests_phrase().as_deref(), Some("1 guest"));
        view.guests = Some(4);
        assert_eq!(view.guests_phrase().as_deref(), Some("4 guests"));
    }

    #[test]
    fn stamps_are_utc() {
        let stamp = Stamp::new(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(stamp.iso, "1970-01-01T00:00:00Z");
        assert_eq!(stamp.text, "1970-01-01 00:00 UTC");
    }
}
