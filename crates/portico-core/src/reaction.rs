//! Reactions and favourites (SPEC 2.1): the fixed set of emoji a person may
//! react with (one spelling each, as stored and as the API names them), and
//! who may react to or favourite a page.

use crate::policy::{AccessSet, Action, PageRef};
use crate::validation::ValidationError;

/// An emoji one may react with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Emoji {
    ThumbsUp,
    Heart,
    Tada,
    Smile,
    Eyes,
    Thinking,
}

impl Emoji {
    /// Every emoji, in the order they are shown.
    pub const ALL: [Emoji; 6] = [
        Emoji::ThumbsUp,
        Emoji::Heart,
        Emoji::Tada,
        Emoji::Smile,
        Emoji::Eyes,
        Emoji::Thinking,
    ];

    /// The stored and API name.
    pub fn name(self) -> &'static str {
        match self {
            Emoji::ThumbsUp => "thumbsup",
            Emoji::Heart => "heart",
            Emoji::Tada => "tada",
            Emoji::Smile => "smile",
            Emoji::Eyes => "eyes",
            Emoji::Thinking => "thinking",
        }
    }

    /// The character shown.
    pub fn glyph(self) -> &'static str {
        match self {
            Emoji::ThumbsUp => "👍",
            Emoji::Heart => "❤️",
            Emoji::Tada => "🎉",
            Emoji::Smile => "😄",
            Emoji::Eyes => "👀",
            Emoji::Thinking => "🤔",
        }
    }

    /// What a screen reader says.
    pub fn label(self) -> &'static str {
        match self {
            Emoji::ThumbsUp => "thumbs up",
            Emoji::Heart => "heart",
            Emoji::Tada => "celebrate",
            Emoji::Smile => "smile",
            Emoji::Eyes => "looking",
            Emoji::Thinking => "thinking",
        }
    }

    /// The emoji named `name` (as [`Emoji::name`] spells it, or its glyph).
    pub fn parse(name: &str) -> Result<Emoji, ValidationError> {
        Emoji::ALL
            .into_iter()
            .find(|emoji| emoji.name() == name || emoji.glyph() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Emoji::ALL.iter().map(|emoji| emoji.name()).collect();
                ValidationError::new(
                    "emoji",
                    format!("must be one of {}, not `{name}`", names.join(", ")),
                )
            })
    }
}

/// Whether the subject may react to `page` (or to a comment on it) or
/// favourite it: they view it through their own grants (an admin key opens
/// a page for administering, not for taking part), and it is published (a
/// draft has no audience to react).
pub fn may_take_part(set: &AccessSet, page: PageRef<'_>) -> bool {
    let (allowed, by_admin_key) = set.decide(Action::ViewPage, page);
    allowed && !by_admin_key && !page.draft
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::permission::{GlobalPermission, GlobalPermissions, Permissions, SpacePermission};
    use crate::policy::SpaceAccess;
    use crate::{PageId, SpaceId, UserId};

    /// Someone (user 1) who views space 1.
    fn viewer_of_space_one() -> AccessSet {
        AccessSet {
            user: Some(UserId(1)),
            spaces: BTreeMap::from([(
                SpaceId(1),
                SpaceAccess {
                    permissions: Permissions::of(&[SpacePermission::View]),
                    archived: false,
                },
            )]),
            ..AccessSet::default()
        }
    }

    fn page(space: i64, draft: bool) -> PageRef<'static> {
        PageRef {
            id: PageId(10),
            path: "/",
            space: SpaceId(space),
            restriction_key: None,
            author: Some(UserId(1)),
            draft,
            blog: false,
            edit: None,
        }
    }

    #[test]
    fn people_take_part_in_published_pages_they_view() {
        let set = viewer_of_space_one();
        assert!(may_take_part(&set, page(1, false)));
        assert!(!may_take_part(&set, page(2, false)), "another space");
        assert!(
            !may_take_part(&set, page(1, true)),
            "a draft, even their own"
        );
        let restricted = PageRef {
            restriction_key: Some(PageId(10)),
            ..page(1, false)
        };
        assert!(!may_take_part(&set, restricted), "a view restriction");
    }

    #[test]
    fn an_admin_key_opens_a_page_without_letting_its_holder_take_part() {
        let set = AccessSet {
            user: Some(UserId(9)),
            global: GlobalPermissions::of(&[GlobalPermission::Administer]),
            admin_key: true,
            ..AccessSet::default()
        };
        assert!(set.decide(Action::ViewPage, page(1, false)).0);
        assert!(!may_take_part(&set, page(1, false)));
    }

    #[test]
    fn every_emoji_parses_from_its_name_and_glyph_and_nothing_else_does() {
        for emoji in Emoji::ALL {
            assert_eq!(Emoji::parse(emoji.name()).ok(), Some(emoji));
            assert_eq!(Emoji::parse(emoji.glyph()).ok(), Some(emoji));
        }
        for bad in ["", "THUMBSUP", "thumbs up", "💩", "<b>"] {
            assert!(Emoji::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_distinct() {
        let mut names: Vec<&str> = Emoji::ALL.iter().map(|e| e.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Emoji::ALL.len());
    }
}
