//! Page templates (SPEC 2.1, 3.3): who may see, use and manage a template,
//! and the rules for its name, its declared variables and the values filled
//! in at creation.
//!
//! A template is global or belongs to one space. Seeing (and so using) one
//! needs a signed-in person who may use the wiki, plus, for a space's
//! template, a view of that space — guests thus see the global templates and
//! those of their own spaces, never another space's. Managing one needs
//! `AdministerWiki` (global) or `AdministerSpace` of its space. Creating a
//! page from a template is an ordinary page creation in the *target* space
//! (`AccessSet::decide_create_under`): the template's space gives nothing.

use std::collections::BTreeMap;

use crate::SpaceId;
use crate::policy::{AccessSet, Action};
use crate::validation::{ValidationError, single_line};

/// Longest template name, in characters.
pub const MAX_NAME_CHARS: usize = 255;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// Most variables a template declares.
pub const MAX_VARIABLES: usize = 50;
/// Longest variable name, in characters.
pub const MAX_VARIABLE_NAME_CHARS: usize = 40;
/// Longest variable label, in characters.
pub const MAX_LABEL_CHARS: usize = 100;
/// Longest value (or default) of a variable, in characters.
pub const MAX_VALUE_CHARS: usize = 1000;

/// Where a template lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateScope {
    Global,
    Space(SpaceId),
}

impl TemplateScope {
    pub fn space(self) -> Option<SpaceId> {
        match self {
            TemplateScope::Global => None,
            TemplateScope::Space(id) => Some(id),
        }
    }
}

/// Whether the subject may see (and so use) a template of `scope`. An admin
/// key never opens one: it is for single pages and spaces.
pub fn may_view(set: &AccessSet, scope: TemplateScope) -> bool {
    let signed_in = set.user.is_some() && set.decide_site(Action::UseWiki);
    signed_in
        && match scope {
            TemplateScope::Global => true,
            TemplateScope::Space(space) => set.can_view_space(space),
        }
}

/// Whether the subject may create, change or delete a template of `scope`.
/// A space's template is managed only by who sees it too (a wiki admin
/// without a view of the space gets one first).
pub fn may_manage(set: &AccessSet, scope: TemplateScope, archived: bool) -> bool {
    may_view(set, scope)
        && match scope {
            TemplateScope::Global => set.decide_site(Action::AdministerWiki),
            TemplateScope::Space(space) => {
                let (allowed, by_key) = set.decide_space(Action::AdministerSpace, space, archived);
                allowed && !by_key
            }
        }
}

/// The spaces whose templates the subject may list (global ones aside):
/// exactly those [`may_view`] admits.
pub fn listed_spaces(set: &AccessSet) -> Vec<i64> {
    if set.user.is_some() && set.decide_site(Action::UseWiki) {
        set.listed_space_ids()
    } else {
        Vec::new()
    }
}

/// Whether the subject may list global templates.
pub fn lists_global(set: &AccessSet) -> bool {
    may_view(set, TemplateScope::Global)
}

/// A declared variable: filled with plain text when a page is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    /// What the form asks ("Client name").
    pub label: String,
    /// The value used when none is given; without one, a value is required.
    pub default: Option<String>,
}

/// A template's name: one line, trimmed, 1 to 255 characters.
pub fn template_name(raw: &str) -> Result<String, ValidationError> {
    single_line("name", raw, MAX_NAME_CHARS)
}

/// A description: trimmed, at most 1000 characters, may be empty and span lines.
pub fn description(raw: &str) -> Result<String, ValidationError> {
    let text = raw.trim();
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ValidationError::new(
            "description",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(ValidationError::new(
            "description",
            "must not contain control characters",
        ));
    }
    Ok(text.to_owned())
}

/// A variable name: a lower-case letter, then lower-case letters, digits,
/// `_` or `-`, at most 40 characters.
pub fn variable_name(raw: &str) -> Result<String, ValidationError> {
    let name = raw.trim();
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !valid || name.chars().count() > MAX_VARIABLE_NAME_CHARS {
        return Err(ValidationError::new(
            "variables",
            format!(
                "`{}` must be a lower-case letter then letters, digits, `_` or `-` (at most {MAX_VARIABLE_NAME_CHARS})",
                name.chars().take(60).collect::<String>()
            ),
        ));
    }
    Ok(name.to_owned())
}

/// Checks declared variables: valid distinct names, a label (the name if
/// empty), defaults within the value rules, at most 50.
pub fn declared_variables(raw: Vec<Variable>) -> Result<Vec<Variable>, ValidationError> {
    if raw.len() > MAX_VARIABLES {
        return Err(ValidationError::new(
            "variables",
            format!("must declare at most {MAX_VARIABLES} variables"),
        ));
    }
    let mut out: Vec<Variable> = Vec::with_capacity(raw.len());
    for variable in raw {
        let name = variable_name(&variable.name)?;
        if out.iter().any(|known| known.name == name) {
            return Err(ValidationError::new(
                "variables",
                format!("`{name}` is declared twice"),
            ));
        }
        let label = match variable.label.trim() {
            "" => name.clone(),
            label => single_line("variables.label", label, MAX_LABEL_CHARS)?,
        };
        let default = match variable.default {
            None => None,
            Some(value) => Some(
                checked_value(&name, &value)
                    .map_err(|err| ValidationError::new("variables.default", err.to_string()))?,
            ),
        };
        out.push(Variable {
            name,
            label,
            default,
        });
    }
    Ok(out)
}

/// Checks that every variable a body or title uses is declared.
pub fn check_used<'a>(
    declared: &[Variable],
    used: impl IntoIterator<Item = &'a str>,
) -> Result<(), ValidationError> {
    for name in used {
        if !declared.iter().any(|variable| variable.name == name) {
            return Err(ValidationError::new(
                "variables",
                format!("`{name}` is used but not declared"),
            ));
        }
    }
    Ok(())
}

/// The `{{name}}` placeholders in a title, in order, each once.
pub fn title_placeholders(title: &str) -> Vec<String> {
    let mut names = Vec::new();
    for_each_placeholder(title, |name| {
        if !names.iter().any(|known| known == name) {
            names.push(name.to_owned());
        }
        None
    });
    names
}

/// The title with each `{{name}}` replaced by its value (left as typed when
/// `values` has none).
pub fn fill_title(title: &str, values: &BTreeMap<String, String>) -> String {
    for_each_placeholder(title, |name| values.get(name).cloned())
}

/// Walks `{{ name }}` placeholders (a name as [`variable_name`] would take),
/// replacing each with what `replace` returns, or keeping it.
fn for_each_placeholder(text: &str, mut replace: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) if variable_name(&after[..end]).is_ok() => {
                out.push_str(&rest[..start]);
                match replace(after[..end].trim()) {
                    Some(value) => out.push_str(&value),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            _ => {
                out.push_str(&rest[..start + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Why the values given for a template's variables were refused (a 422
/// naming the variable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VariableError {
    #[error("unknown template variable `{0}`")]
    Unknown(String),
    #[error("template variable `{0}` needs a value")]
    Missing(String),
    #[error("template variable `{name}` {rule}")]
    Invalid { name: String, rule: String },
}

fn checked_value(name: &str, value: &str) -> Result<String, VariableError> {
    let value = value.trim();
    let invalid = |rule: String| VariableError::Invalid {
        name: name.to_owned(),
        rule,
    };
    if value.chars().count() > MAX_VALUE_CHARS {
        return Err(invalid(format!(
            "must be at most {MAX_VALUE_CHARS} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid("must be one line of text".to_owned()));
    }
    Ok(value.to_owned())
}

/// The value of every declared variable: the given one, else its default.
/// A name not declared, or a variable with neither a value nor a default
/// (an empty value counts as none), is refused, naming it.
pub fn resolve(
    declared: &[Variable],
    given: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, VariableError> {
    if let Some(unknown) = given
        .keys()
        .find(|name| !declared.iter().any(|variable| &variable.name == *name))
    {
        return Err(VariableError::Unknown(
            unknown.chars().take(60).collect::<String>(),
        ));
    }
    let mut values = BTreeMap::new();
    for variable in declared {
        let value = match given.get(&variable.name) {
            Some(value) => checked_value(&variable.name, value)?,
            None => String::new(),
        };
        let value = match (value.is_empty(), &variable.default) {
            (false, _) => value,
            (true, Some(default)) => default.clone(),
            (true, None) => return Err(VariableError::Missing(variable.name.clone())),
        };
        values.insert(variable.name.clone(), value);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::permission::{GlobalPermission, GlobalPermissions, Permissions, SpacePermission};
    use crate::policy::SpaceAccess;
    use crate::{SpaceId, UserId};

    fn set(global: &[GlobalPermission], spaces: &[(i64, &[SpacePermission])]) -> AccessSet {
        let mut set = AccessSet {
            user: Some(UserId(1)),
            global: GlobalPermissions::of(global),
            ..AccessSet::default()
        };
        for (space, permissions) in spaces {
            set.spaces.insert(
                SpaceId(*space),
                SpaceAccess {
                    permissions: Permissions::of(permissions),
                    archived: false,
                },
            );
        }
        set
    }

    const A: TemplateScope = TemplateScope::Space(SpaceId(1));
    const B: TemplateScope = TemplateScope::Space(SpaceId(2));
    use GlobalPermission::{Administer, UseWiki};
    use SpacePermission::{Admin, View};

    #[test]
    fn guests_and_members_see_global_and_their_spaces_templates_only() {
        // A guest of space 1 (or a member who sees only space 1).
        let viewer = set(&[UseWiki], &[(1, &[View])]);
        assert!(may_view(&viewer, TemplateScope::Global));
        assert!(may_view(&viewer, A));
        assert!(!may_view(&viewer, B));
        assert_eq!(listed_spaces(&viewer), vec![1]);
        assert!(lists_global(&viewer));
        for scope in [TemplateScope::Global, A, B] {
            assert!(!may_manage(&viewer, scope, false), "{scope:?}");
        }
    }

    #[test]
    fn nobody_signed_out_or_without_the_wiki_sees_templates() {
        let mut anonymous = set(&[UseWiki], &[(1, &[View])]);
        anonymous.user = None;
        let no_product = set(&[], &[(1, &[View])]);
        for viewer in [&anonymous, &no_product] {
            assert!(!may_view(viewer, TemplateScope::Global));
            assert!(!may_view(viewer, A));
            assert!(listed_spaces(viewer).is_empty());
            assert!(!lists_global(viewer));
        }
    }

    #[test]
    fn space_admins_manage_their_spaces_templates_and_wiki_admins_global_ones() {
        let space_admin = set(&[UseWiki], &[(1, &[View, Admin]), (2, &[View])]);
        assert!(may_manage(&space_admin, A, false));
        assert!(!may_manage(&space_admin, B, false));
        assert!(!may_manage(&space_admin, TemplateScope::Global, false));

        let wiki_admin = set(&[UseWiki, Administer], &[(2, &[View])]);
        assert!(may_manage(&wiki_admin, TemplateScope::Global, false));
        assert!(may_manage(&wiki_admin, B, false));
        // Not a space they can't see, even with an admin key.
        let mut keyed = wiki_admin.clone();
        keyed.admin_key = true;
        assert!(!may_view(&keyed, A));
        assert!(!may_manage(&keyed, A, false));
    }

    #[test]
    fn a_subtree_grant_lists_the_spaces_templates() {
        let mut viewer = set(&[UseWiki], &[]);
        viewer.subtrees.insert(SpaceId(2), Vec::new());
        assert!(may_view(&viewer, B));
        assert!(!may_manage(&viewer, B, false));
        assert_eq!(listed_spaces(&viewer), vec![2]);
    }

    fn var(name: &str, default: Option<&str>) -> Variable {
        Variable {
            name: name.to_owned(),
            label: String::new(),
            default: default.map(str::to_owned),
        }
    }

    #[test]
    fn declared_variables_are_checked() -> Result<(), ValidationError> {
        let ok = declared_variables(vec![var("client", None), var("due-date_2", Some(" soon "))])?;
        assert_eq!(ok[0].label, "client");
        assert_eq!(ok[1].default.as_deref(), Some("soon"));
        for bad in [
            vec![var("Client", None)],
            vec![var("1x", None)],
            vec![var("a b", None)],
            vec![var("", None)],
            vec![var(&"x".repeat(41), None)],
            vec![var("a", None), var("a", None)],
            vec![var("a", Some("line\nbreak"))],
        ] {
            assert!(declared_variables(bad.clone()).is_err(), "{bad:?}");
        }
        assert!(check_used(&ok, ["client"]).is_ok());
        let err = check_used(&ok, ["client", "other"]).err();
        assert!(err.is_some_and(|e| e.rule.contains("`other`")));
        Ok(())
    }

    #[test]
    fn values_are_resolved_with_defaults_and_refused_by_name() {
        let declared = vec![var("client", None), var("due", Some("Friday"))];
        let given = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>()
        };
        let values = resolve(&declared, &given(&[("client", " Acme ")]));
        assert_eq!(
            values.ok(),
            Some(given(&[("client", "Acme"), ("due", "Friday")]))
        );
        assert_eq!(
            resolve(&declared, &given(&[])),
            Err(VariableError::Missing("client".into()))
        );
        assert_eq!(
            resolve(&declared, &given(&[("client", "  ")])),
            Err(VariableError::Missing("client".into()))
        );
        assert_eq!(
            resolve(&declared, &given(&[("client", "a"), ("nope", "b")])),
            Err(VariableError::Unknown("nope".into()))
        );
        assert!(matches!(
            resolve(&declared, &given(&[("client", &"x".repeat(1001))])),
            Err(VariableError::Invalid { name, .. }) if name == "client"
        ));
    }

    #[test]
    fn titles_take_placeholders() {
        let title = "Report for {{client}} ({{ due }}) {{Not}} {{client}}";
        assert_eq!(title_placeholders(title), vec!["client", "due"]);
        let values = BTreeMap::from([
            ("client".to_owned(), "<Acme>".to_owned()),
            ("due".to_owned(), "Friday".to_owned()),
        ]);
        assert_eq!(
            fill_title(title, &values),
            "Report for <Acme> (Friday) {{Not}} <Acme>"
        );
    }
}
