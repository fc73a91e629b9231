//! Directory rules: effective roles, the former-paid rule, licence limits,
//! invitation batches and e-mail domain rules for guests. Pure functions over
//! counts and facts the caller loads.

use crate::role::Role;

/// At most this many addresses in one invitation.
pub const MAX_INVITATION_BATCH: usize = 10;

/// A person's effective role: the highest of their direct role and the roles
/// of all their groups.
pub fn effective_role(direct: Role, groups: impl IntoIterator<Item = Role>) -> Role {
    groups.into_iter().fold(direct, Ord::max)
}

/// A rule of the directory was broken. Messages name the rule, the value and,
/// for limits, the count and the cap.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    #[error("policy: a current or former paid user can never become a guest (`{0}`)")]
    FormerPaidToGuest(String),
    #[error("guest quota reached: {guests} of {cap} ({per_seat} per paid seat)")]
    GuestQuota {
        guests: u64,
        cap: u64,
        per_seat: u64,
    },
    #[error("site user limit reached: {users} of {cap}")]
    UserLimit { users: u64, cap: u64 },
    #[error("an invitation holds 1 to {MAX_INVITATION_BATCH} addresses, not {0}")]
    BatchSize(usize),
    #[error("`{0}` is an internal domain: its addresses can't be invited as guests")]
    InternalDomain(String),
    #[error("`{0}` is on the guest block-list")]
    BlockedDomain(String),
    #[error("`{0}` is not on the guest allow-list")]
    NotAllowedDomain(String),
}

/// Refuses to make a current or former paid user (anyone who has ever held
/// `member` or `admin`) a guest.
pub fn check_not_former_paid(
    email: &str,
    ever_paid: bool,
    new_effective: Role,
) -> Result<(), DirectoryError> {
    if ever_paid && new_effective == Role::Guest {
        return Err(DirectoryError::FormerPaidToGuest(email.to_owned()));
    }
    Ok(())
}

/// The configured caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicenceLimits {
    pub guests_per_paid_seat: u64,
    pub user_limit: u64,
}

impl Default for LicenceLimits {
    fn default() -> Self {
        Self {
            guests_per_paid_seat: 5,
            user_limit: 50_000,
        }
    }
}

/// How many people hold a paid seat and how many are guests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Headcount {
    pub paid: u64,
    pub guests: u64,
}

impl Headcount {
    pub fn guest_quota(&self, limits: LicenceLimits) -> u64 {
        self.paid.saturating_mul(limits.guests_per_paid_seat)
    }
}

/// Checks the headcount a change would lead to. Only growth is checked: a
/// change that adds no guests never fails on the guest quota, so dropping
/// below quota never locks existing guests out.
pub fn check_headcount(
    before: Headcount,
    after: Headcount,
    limits: LicenceLimits,
) -> Result<(), DirectoryError> {
    let users_after = after.paid + after.guests;
    if users_after > before.paid + before.guests && users_after > limits.user_limit {
        return Err(DirectoryError::UserLimit {
            users: before.paid + before.guests,
            cap: limits.user_limit,
        });
    }
    let cap = after.guest_quota(limits);
    if after.guests > before.guests && after.guests > cap {
        return Err(DirectoryError::GuestQuota {
            guests: before.guests,
            cap,
            per_seat: limits.guests_per_paid_seat,
        });
    }
    Ok(())
}

/// Checks the size of an invitation batch.
pub fn check_batch(size: usize) -> Result<(), DirectoryError> {
    if (1..=MAX_INVITATION_BATCH).contains(&size) {
        Ok(())
    } else {
        Err(DirectoryError::BatchSize(size))
    }
}

/// E-mail domain rules for guests. Each entry matches the domain itself and
/// its subdomains. Empty lists impose nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainRules {
    pub allow: Vec<String>,
    pub block: Vec<String>,
    /// The organisation's own domains: their addresses can't be guests.
    pub internal: Vec<String>,
}

fn matches(domain: &str, rule: &str) -> bool {
    let rule = rule.trim().trim_start_matches('@').to_ascii_lowercase();
    !rule.is_empty() && (domain == rule || domain.ends_with(&format!(".{rule}")))
}

impl DomainRules {
    /// Whether `email` may be invited as a guest.
    pub fn check_guest(&self, email: &str) -> Result<(), DirectoryError> {
        let domain = email
            .rsplit_once('@')
            .map_or("", |(_, domain)| domain)
            .to_ascii_lowercase();
        if self.internal.iter().any(|rule| matches(&domain, rule)) {
            return Err(DirectoryError::InternalDomain(domain));
        }
        if self.block.iter().any(|rule| matches(&domain, rule)) {
            return Err(DirectoryError::BlockedDomain(domain));
        }
        if !self.allow.is_empty() && !self.allow.iter().any(|rule| matches(&domain, rule)) {
            return Err(DirectoryError::NotAllowedDomain(domain));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LIMITS: LicenceLimits = LicenceLimits {
        guests_per_paid_seat: 5,
        user_limit: 12,
    };

    fn count(paid: u64, guests: u64) -> Headcount {
        Headcount { paid, guests }
    }

    #[test]
    fn the_former_paid_rule_blocks_only_becoming_a_guest() {
        assert!(check_not_former_paid("a@x.io", true, Role::Member).is_ok());
        assert!(check_not_former_paid("a@x.io", false, Role::Guest).is_ok());
        assert_eq!(
            check_not_former_paid("a@x.io", true, Role::Guest),
            Err(DirectoryError::FormerPaidToGuest("a@x.io".into()))
        );
        let message = DirectoryError::FormerPaidToGuest("a@x.io".into()).to_string();
        assert!(
            message.contains("former paid") && message.contains("`a@x.io`"),
            "{message}"
        );
    }

    #[test]
    fn the_guest_quota_holds_exactly_at_the_cap_and_fails_one_over() {
        // 2 paid seats: 10 guests allowed.
        let limits = LicenceLimits {
            user_limit: 1000,
            ..LIMITS
        };
        assert!(
            check_headcount(count(2, 9), count(2, 10), limits).is_ok(),
            "exactly at the cap"
        );
        let over = check_headcount(count(2, 10), count(2, 11), limits);
        assert_eq!(
            over,
            Err(DirectoryError::GuestQuota {
                guests: 10,
                cap: 10,
                per_seat: 5
            })
        );
        assert_eq!(
            over.err().map(|e| e.to_string()),
            Some("guest quota reached: 10 of 10 (5 per paid seat)".into())
        );
    }

    #[test]
    fn the_site_user_limit_holds_exactly_at_the_cap_and_fails_one_over() {
        assert!(check_headcount(count(11, 0), count(12, 0), LIMITS).is_ok());
        assert_eq!(
            check_headcount(count(12, 0), count(13, 0), LIMITS),
            Err(DirectoryError::UserLimit { users: 12, cap: 12 })
        );
        assert!(
            check_headcount(
                count(2, 9),
                count(2, 10),
                LicenceLimits {
                    user_limit: 11,
                    ..LIMITS
                }
            )
            .is_err()
        );
    }

    #[test]
    fn being_over_quota_never_blocks_changes_that_add_no_guests() {
        // Paid seats dropped: 1 seat, 10 guests (cap 5). Removing a guest or
        // changing nothing is fine; adding one is not.
        assert!(check_headcount(count(2, 10), count(1, 10), LIMITS).is_ok());
        assert!(check_headcount(count(1, 10), count(1, 9), LIMITS).is_ok());
        assert!(check_headcount(count(1, 10), count(1, 11), LIMITS).is_err());
    }

    #[test]
    fn batches_hold_one_to_ten() {
        assert!(check_batch(1).is_ok() && check_batch(10).is_ok());
        assert_eq!(check_batch(0), Err(DirectoryError::BatchSize(0)));
        assert_eq!(check_batch(11), Err(DirectoryError::BatchSize(11)));
    }

    #[test]
    fn domain_rules_for_guests() {
        let rules = DomainRules {
            allow: vec!["client.com".into(), "agency.io".into()],
            block: vec!["bad.client.com".into()],
            internal: vec!["@ours.com".into()],
        };
        assert!(rules.check_guest("a@client.com").is_ok());
        assert!(
            rules.check_guest("a@eu.client.com").is_ok(),
            "subdomains match"
        );
        assert!(rules.check_guest("a@AGENCY.io").is_ok(), "case-insensitive");
        assert_eq!(
            rules.check_guest("a@ours.com"),
            Err(DirectoryError::InternalDomain("ours.com".into()))
        );
        assert_eq!(
            rules.check_guest("a@bad.client.com"),
            Err(DirectoryError::BlockedDomain("bad.client.com".into()))
        );
        assert_eq!(
            rules.check_guest("a@other.com"),
            Err(DirectoryError::NotAllowedDomain("other.com".into()))
        );
        assert_eq!(
            rules.check_guest("a@notclient.com"),
            Err(DirectoryError::NotAllowedDomain("notclient.com".into()))
        );
        assert!(
            DomainRules::default()
                .check_guest("anyone@anywhere.org")
                .is_ok()
        );
        let block_only = DomainRules {
            block: vec!["gmail.com".into()],
            ..DomainRules::default()
        };
        assert!(block_only.check_guest("x@gmail.com").is_err());
        assert!(block_only.check_guest("x@client.com").is_ok());
    }

    fn any_role() -> impl Strategy<Value = Role> {
        prop_oneof![
            Just(Role::None),
            Just(Role::Guest),
            Just(Role::Member),
            Just(Role::Admin)
        ]
    }

    proptest! {
        /// Random users, groups and memberships: each user's effective role is
        /// the maximum of their direct role and their groups' roles.
        #[test]
        fn effective_role_is_the_max_of_its_sources(
            direct in proptest::collection::vec(any_role(), 1..12),
            groups in proptest::collection::vec(any_role(), 0..8),
            memberships in proptest::collection::vec((0usize..12, 0usize..8), 0..40),
        ) {
            for (user, direct_role) in direct.iter().enumerate() {
                let mine: Vec<Role> = memberships.iter().filter(|(u, g)| *u == user && *g < groups.len()).map(|(_, g)| groups[*g]).collect();
                let effective = effective_role(*direct_role, mine.iter().copied());
                prop_assert!(effective >= *direct_role);
                prop_assert!(mine.iter().all(|role| effective >= *role));
                prop_assert!(effective == *direct_role || mine.contains(&effective));
            }
        }

        /// Whatever the counts, a change that passes never leaves more guests
        /// than the quota unless it added none.
        #[test]
        fn passing_changes_respect_the_caps(paid in 0u64..20, guests in 0u64..120, add_paid in 0u64..3, add_guests in 0u64..3) {
            let before = count(paid, guests);
            let after = count(paid + add_paid, guests + add_guests);
            if check_headcount(before, after, LIMITS).is_ok() {
                prop_assert!(add_guests == 0 || after.guests <= after.guest_quota(LIMITS));
                prop_assert!(add_guests + add_paid == 0 || after.paid + after.guests <= LIMITS.user_limit);
            }
        }
    }
}

/// Avatar initials for a display name: the first letter of the first and last
/// words, upper-cased ("Ada Lovelace" → "AL", "ada" → "A", "" → "?").
pub fn initials(display_name: &str) -> String {
    let words: Vec<&str> = display_name.split_whitespace().collect();
    let first_letter = |word: &&str| word.chars().find(|c| c.is_alphanumeric());
    let letters: Vec<char> = match words.as_slice() {
        [] => Vec::new(),
        [only] => first_letter(only).into_iter().collect(),
        [first, .., last] => first_letter(first)
            .into_iter()
            .chain(first_letter(last))
            .collect(),
    };
    if letters.is_empty() {
        "?".to_owned()
    } else {
        letters.into_iter().flat_map(char::to_uppercase).collect()
    }
}

#[cfg(test)]
mod initials_tests {
    use super::initials;

    #[test]
    fn initials_take_the_first_and_last_words() {
        assert_eq!(initials("Ada Lovelace"), "AL");
        assert_eq!(initials("ada byron lovelace"), "AL");
        assert_eq!(initials("  ada "), "A");
        assert_eq!(initials("élise (client)"), "ÉC");
        assert_eq!(initials(""), "?");
        assert_eq!(initials("-- --"), "?");
    }
}
