//! Permission vocabulary: the global permissions, the space permissions of
//! SPEC.md 2.2 (as a small bit set, because the engine combines them on every
//! request), and the built-in space roles that bundle them.

use std::fmt;
use std::str::FromStr;

use crate::validation::ValidationError;

/// A space permission, spelled as SPEC.md spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SpacePermission {
    View,
    DeleteOwn,
    PageCreate,
    PageArchive,
    PageDelete,
    BlogCreate,
    BlogDelete,
    CommentCreate,
    CommentDelete,
    AttachmentCreate,
    AttachmentDelete,
    Restrict,
    Export,
    Admin,
}

impl SpacePermission {
    pub const ALL: [SpacePermission; 14] = [
        SpacePermission::View,
        SpacePermission::DeleteOwn,
        SpacePermission::PageCreate,
        SpacePermission::PageArchive,
        SpacePermission::PageDelete,
        SpacePermission::BlogCreate,
        SpacePermission::BlogDelete,
        SpacePermission::CommentCreate,
        SpacePermission::CommentDelete,
        SpacePermission::AttachmentCreate,
        SpacePermission::AttachmentDelete,
        SpacePermission::Restrict,
        SpacePermission::Export,
        SpacePermission::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SpacePermission::View => "view",
            SpacePermission::DeleteOwn => "delete.own",
            SpacePermission::PageCreate => "page.create",
            SpacePermission::PageArchive => "page.archive",
            SpacePermission::PageDelete => "page.delete",
            SpacePermission::BlogCreate => "blog.create",
            SpacePermission::BlogDelete => "blog.delete",
            SpacePermission::CommentCreate => "comment.create",
            SpacePermission::CommentDelete => "comment.delete",
            SpacePermission::AttachmentCreate => "attachment.create",
            SpacePermission::AttachmentDelete => "attachment.delete",
            SpacePermission::Restrict => "restrict",
            SpacePermission::Export => "export",
            SpacePermission::Admin => "admin",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for SpacePermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SpacePermission {
    type Err = ValidationError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        SpacePermission::ALL
            .into_iter()
            .find(|permission| permission.as_str() == text)
            .ok_or_else(|| {
                ValidationError::new("permissions", format!("unknown space permission `{text}`"))
            })
    }
}

/// A set of space permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Permissions(u16);

impl Permissions {
    pub const NONE: Permissions = Permissions(0);
    pub const ALL: Permissions = Permissions((1 << SpacePermission::ALL.len()) - 1);

    /// The set stored as an integer (the database column).
    pub fn bits(self) -> i64 {
        i64::from(self.0)
    }

    /// Reads a stored set; unknown bits are dropped, never trusted.
    pub fn from_bits(bits: i64) -> Self {
        Permissions((bits & Self::ALL.bits()) as u16)
    }

    pub fn of(permissions: &[SpacePermission]) -> Self {
        permissions.iter().copied().collect()
    }

    pub fn contains(self, permission: SpacePermission) -> bool {
        self.0 & permission.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: Permissions) -> Self {
        Permissions(self.0 | other.0)
    }

    pub fn intersection(self, other: Permissions) -> Self {
        Permissions(self.0 & other.0)
    }

    pub fn without(self, other: Permissions) -> Self {
        Permissions(self.0 & !other.0)
    }

    pub fn is_subset(self, other: Permissions) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = SpacePermission> {
        SpacePermission::ALL
            .into_iter()
            .filter(move |permission| self.contains(*permission))
    }

    /// Parses permission names; any unknown name is a validation error.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, ValidationError> {
        names
            .into_iter()
            .map(SpacePermission::from_str)
            .collect::<Result<Permissions, _>>()
    }
}

impl FromIterator<SpacePermission> for Permissions {
    fn from_iter<I: IntoIterator<Item = SpacePermission>>(iter: I) -> Self {
        Permissions(iter.into_iter().fold(0, |bits, p| bits | p.bit()))
    }
}

impl fmt::Display for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(SpacePermission::as_str).collect();
        f.write_str(&names.join(", "))
    }
}

/// A site-wide permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GlobalPermission {
    UseWiki,
    CreateSpace,
    Administer,
    SeeDirectory,
    UsePublicLinks,
}

impl GlobalPermission {
    pub const ALL: [GlobalPermission; 5] = [
        GlobalPermission::UseWiki,
        GlobalPermission::CreateSpace,
        GlobalPermission::Administer,
        GlobalPermission::SeeDirectory,
        GlobalPermission::UsePublicLinks,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GlobalPermission::UseWiki => "use",
            GlobalPermission::CreateSpace => "space.create",
            GlobalPermission::Administer => "administer",
            GlobalPermission::SeeDirectory => "directory",
            GlobalPermission::UsePublicLinks => "public-links",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for GlobalPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GlobalPermission {
    type Err = ValidationError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        GlobalPermission::ALL
            .into_iter()
            .find(|permission| permission.as_str() == text)
            .ok_or_else(|| {
                ValidationError::new("permissions", format!("unknown global permission `{text}`"))
            })
    }
}

/// A set of global permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GlobalPermissions(u8);

impl GlobalPermissions {
    pub const NONE: GlobalPermissions = GlobalPermissions(0);
    pub const ALL: GlobalPermissions = GlobalPermissions((1 << GlobalPermission::ALL.len()) - 1);

    pub fn bits(self) -> i64 {
        i64::from(self.0)
    }

    pub fn from_bits(bits: i64) -> Self {
        GlobalPermissions((bits & Self::ALL.bits()) as u8)
    }

    pub fn of(permissions: &[GlobalPermission]) -> Self {
        permissions.iter().copied().collect()
    }

    pub fn contains(self, permission: GlobalPermission) -> bool {
        self.0 & permission.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: GlobalPermissions) -> Self {
        GlobalPermissions(self.0 | other.0)
    }

    pub fn iter(self) -> impl Iterator<Item = GlobalPermission> {
        GlobalPermission::ALL
            .into_iter()
            .filter(move |permission| self.contains(*permission))
    }

    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, ValidationError> {
        names
            .into_iter()
            .map(GlobalPermission::from_str)
            .collect::<Result<GlobalPermissions, _>>()
    }
}

impl FromIterator<GlobalPermission> for GlobalPermissions {
    fn from_iter<I: IntoIterator<Item = GlobalPermission>>(iter: I) -> Self {
        GlobalPermissions(iter.into_iter().fold(0, |bits, p| bits | p.bit()))
    }
}

/// The space roles every site has. Custom roles are stored bundles of the
/// same permissions; the engine never sees role names, only permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinRole {
    Admin,
    Manager,
    Collaborator,
    Viewer,
}

impl BuiltinRole {
    pub const ALL: [BuiltinRole; 4] = [
        BuiltinRole::Admin,
        BuiltinRole::Manager,
        BuiltinRole::Collaborator,
        BuiltinRole::Viewer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BuiltinRole::Admin => "Admin",
            BuiltinRole::Manager => "Manager",
            BuiltinRole::Collaborator => "Collaborator",
            BuiltinRole::Viewer => "Viewer",
        }
    }

    /// The stable key roles are stored under.
    pub fn key(self) -> &'static str {
        match self {
            BuiltinRole::Admin => "admin",
            BuiltinRole::Manager => "manager",
            BuiltinRole::Collaborator => "collaborator",
            BuiltinRole::Viewer => "viewer",
        }
    }

    pub fn permissions(self) -> Permissions {
        use SpacePermission::*;
        match self {
            BuiltinRole::Admin => Permissions::ALL,
            BuiltinRole::Manager => Permissions::ALL.without(Permissions::of(&[Admin])),
            // `restrict` lets authors protect their pages (and drafts before
            // publishing); guests never hold it unless the site allows.
            BuiltinRole::Collaborator => Permissions::of(&[
                View,
                DeleteOwn,
                PageCreate,
                BlogCreate,
                CommentCreate,
                AttachmentCreate,
                Restrict,
            ]),
            BuiltinRole::Viewer => Permissions::of(&[View]),
        }
    }
}

/// Permissions a guest can never hold unless the site policy allows them.
pub const GUEST_RESERVED: Permissions = Permissions(
    (1 << SpacePermission::Admin as u16)
        | (1 << SpacePermission::Restrict as u16)
        | (1 << SpacePermission::Export as u16),
);

/// What anonymous access can grant: reading. Writing needs an account.
pub const ANONYMOUS_CAP: Permissions = Permissions(1 << SpacePermission::View as u16);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for permission in SpacePermission::ALL {
            assert_eq!(
                permission.as_str().parse::<SpacePermission>(),
                Ok(permission)
            );
        }
        for permission in GlobalPermission::ALL {
            assert_eq!(
                permission.as_str().parse::<GlobalPermission>(),
                Ok(permission)
            );
        }
        assert!("page.edit".parse::<SpacePermission>().is_err());
        assert!(Permissions::parse(["view", "root"]).is_err());
    }

    #[test]
    fn bits_round_trip_and_foreign_bits_are_dropped() {
        let set = Permissions::of(&[SpacePermission::View, SpacePermission::Export]);
        assert_eq!(Permissions::from_bits(set.bits()), set);
        assert_eq!(Permissions::from_bits(-1), Permissions::ALL);
        assert_eq!(Permissions::ALL.iter().count(), 14);
        assert_eq!(GlobalPermissions::from_bits(-1), GlobalPermissions::ALL);
    }

    #[test]
    fn roles_are_nested_bundles() {
        let [admin, manager, collaborator, viewer] = BuiltinRole::ALL.map(BuiltinRole::permissions);
        assert!(viewer.is_subset(collaborator));
        assert!(collaborator.is_subset(manager));
        assert!(manager.is_subset(admin));
        assert!(!manager.contains(SpacePermission::Admin));
        assert!(collaborator.contains(SpacePermission::Restrict));
        assert!(!collaborator.contains(SpacePermission::PageDelete));
        assert_eq!(viewer, Permissions::of(&[SpacePermission::View]));
        assert!(GUEST_RESERVED.contains(SpacePermission::Export));
        assert_eq!(GUEST_RESERVED.iter().count(), 3);
    }
}
