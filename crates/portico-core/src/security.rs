//! Security for external users (SPEC.md 3.6): which steps a sign-in takes
//! after the password, how long a session lasts, and the rules of e-mailed
//! one-time codes. Pure: the caller passes in the stored facts and "now".

use std::fmt;
use std::str::FromStr;

use time::{Duration, OffsetDateTime};

use crate::role::Role;
use crate::validation::ValidationError;

/// Digits in an e-mailed code.
pub const CODE_DIGITS: usize = 6;
/// How long an e-mailed code works.
pub const CODE_LIFETIME: Duration = Duration::minutes(10);
/// Wrong entries of one code before it dies.
pub const CODE_MAX_ATTEMPTS: i64 = 5;
/// Codes mailed to one person per [`CODE_RATE_WINDOW`] at most.
pub const CODE_RATE_LIMIT: u64 = 5;
pub const CODE_RATE_WINDOW: Duration = Duration::minutes(15);
/// Wrong answers to a pending step (all codes together) before the pending
/// session ends and the person must start again with their password.
pub const STEP_MAX_FAILURES: i64 = 10;

/// The site's policies for second steps and session length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityPolicies {
    /// `guests.email_codes`: guests confirm a code mailed to them after
    /// their password.
    pub guest_email_codes: bool,
    /// `guests.reverify_days`: a confirmed address stays trusted this long;
    /// then the next sign-in, or the open session, asks for a new code.
    /// 0 asks at every sign-in.
    pub guest_reverify_days: u32,
    /// `guests.session_hours`: guests' sessions end sooner than members'.
    pub guest_session_hours: u32,
    /// `two_step.required_roles`: roles that must use an authenticator app.
    pub two_step_required: Vec<Role>,
}

impl Default for SecurityPolicies {
    fn default() -> Self {
        Self {
            guest_email_codes: true,
            guest_reverify_days: 7,
            guest_session_hours: 12,
            two_step_required: Vec::new(),
        }
    }
}

/// A step of signing in that comes after the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondStep {
    /// Enter the code mailed to you.
    EmailCode,
    /// Enter the code of your authenticator app.
    Totp,
    /// Your role requires an authenticator app and you have none yet: set one up.
    TotpEnrolment,
}

impl SecondStep {
    pub fn as_str(self) -> &'static str {
        match self {
            SecondStep::EmailCode => "email_code",
            SecondStep::Totp => "totp",
            SecondStep::TotpEnrolment => "totp_enrolment",
        }
    }
}

impl SecondStep {
    /// Steps come in this order; setting up an app and entering its code
    /// are the same step.
    fn order(self) -> u8 {
        match self {
            SecondStep::EmailCode => 0,
            SecondStep::Totp | SecondStep::TotpEnrolment => 1,
        }
    }
}

impl fmt::Display for SecondStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SecondStep {
    type Err = ValidationError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "email_code" => Ok(SecondStep::EmailCode),
            "totp" => Ok(SecondStep::Totp),
            "totp_enrolment" => Ok(SecondStep::TotpEnrolment),
            other => Err(ValidationError::new(
                "step",
                format!("unknown sign-in step `{other}`"),
            )),
        }
    }
}

/// What is known of a person when their steps are worked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepFacts {
    pub role: Role,
    /// When they last entered a mailed code.
    pub email_verified_at: Option<OffsetDateTime>,
    /// They have a confirmed authenticator app.
    pub totp_enabled: bool,
}

impl SecurityPolicies {
    /// Whether a guest's confirmed address is no longer trusted at `now`
    /// (for an open session: only with a positive re-verification period).
    pub fn email_code_due(&self, facts: StepFacts, now: OffsetDateTime) -> bool {
        if facts.role != Role::Guest || !self.guest_email_codes {
            return false;
        }
        match facts.email_verified_at {
            None => true,
            Some(verified) => {
                self.guest_reverify_days == 0
                    || verified + Duration::days(self.guest_reverify_days.into()) <= now
            }
        }
    }

    /// Whether an open session must stop for a new mailed code at `now`:
    /// only with a positive re-verification period (0 asks at sign-in only).
    pub fn open_session_code_due(&self, facts: StepFacts, now: OffsetDateTime) -> bool {
        self.guest_reverify_days > 0 && self.email_code_due(facts, now)
    }

    /// The moment [`Self::open_session_code_due`] becomes true for `facts`
    /// (`None`: never), so that a caller keeping a finished sign-in in
    /// memory knows when to stop.
    pub fn open_session_code_due_at(&self, facts: StepFacts) -> Option<OffsetDateTime> {
        if facts.role != Role::Guest || !self.guest_email_codes || self.guest_reverify_days == 0 {
            return None;
        }
        Some(match facts.email_verified_at {
            None => OffsetDateTime::UNIX_EPOCH,
            Some(verified) => verified + Duration::days(self.guest_reverify_days.into()),
        })
    }

    /// The steps after a correct password, in order: a mailed code for guests
    /// whose address needs (re-)confirming, then the authenticator app if they
    /// have one or their role requires one.
    pub fn steps_after_password(&self, facts: StepFacts, now: OffsetDateTime) -> Vec<SecondStep> {
        let mut steps = Vec::new();
        if self.email_code_due(facts, now) {
            steps.push(SecondStep::EmailCode);
        }
        if facts.totp_enabled {
            steps.push(SecondStep::Totp);
        } else if self.two_step_required.contains(&facts.role) {
            steps.push(SecondStep::TotpEnrolment);
        }
        steps
    }

    /// The step that comes after `done`, given the facts as they are now
    /// (a confirmed code has just refreshed the address; a finished setup has
    /// just turned the app on, which counts as having entered its code).
    pub fn step_after(
        &self,
        done: SecondStep,
        facts: StepFacts,
        now: OffsetDateTime,
    ) -> Option<SecondStep> {
        self.steps_after_password(facts, now)
            .into_iter()
            .find(|step| step.order() > done.order())
    }

    /// How long a new session of someone with `role` lasts.
    pub fn session_lifetime(&self, role: Role, default: Duration) -> Duration {
        if role == Role::Guest {
            default.min(Duration::hours(self.guest_session_hours.into()))
        } else {
            default
        }
    }
}

/// A stored e-mailed code, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredCode {
    pub expires_at: OffsetDateTime,
    pub attempts: i64,
    pub used: bool,
}

/// What entering a code does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Accepted,
    /// Wrong; this many attempts are left on the code.
    Wrong {
        attempts_left: i64,
    },
    /// Used, expired or out of attempts: ask for a new one.
    Dead,
}

/// Judges an entered code: `matches` is whether its hash equals the stored
/// one. A dead code stays dead whatever was entered (no replay, no
/// guessing past the limit).
pub fn check_code(stored: StoredCode, matches: bool, now: OffsetDateTime) -> CodeCheck {
    if stored.used || now >= stored.expires_at || stored.attempts >= CODE_MAX_ATTEMPTS {
        return CodeCheck::Dead;
    }
    if matches {
        CodeCheck::Accepted
    } else {
        CodeCheck::Wrong {
            attempts_left: CODE_MAX_ATTEMPTS - stored.attempts - 1,
        }
    }
}

/// Whether a code entry has the right shape (six digits, spaces ignored).
pub fn normalise_code(entered: &str) -> Result<String, ValidationError> {
    let digits: String = entered.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == CODE_DIGITS && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(ValidationError::new(
            "code",
            format!("must be the {CODE_DIGITS} digits you received"),
        ))
    }
}

/// Parses `two_step.required_roles` (comma-separated roles).
pub fn parse_roles(text: &str) -> Result<Vec<Role>, ValidationError> {
    let mut roles = Vec::new();
    for word in text
        .split([',', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        let role: Role = word.parse().map_err(|_| {
            ValidationError::new(
                "two_step.required_roles",
                format!("`{word}` is not a role (guest, member, admin)"),
            )
        })?;
        if role == Role::None {
            return Err(ValidationError::new(
                "two_step.required_roles",
                "`none` has no sign-in to protect",
            ));
        }
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    roles.sort();
    Ok(roles)
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_open_session_code_falls_due_exactly_at_the_moment_given() {
        let start = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        for (email_codes, days) in [(true, 7), (true, 0), (false, 7), (true, 1)] {
            let policies = SecurityPolicies {
                guest_email_codes: email_codes,
                guest_reverify_days: days,
                ..SecurityPolicies::default()
            };
            for role in [Role::Guest, Role::Member] {
                for verified in [None, Some(start), Some(start - Duration::days(6))] {
                    let facts = StepFacts {
                        role,
                        email_verified_at: verified,
                        totp_enabled: false,
                    };
                    let due_at = policies.open_session_code_due_at(facts);
                    for hours in [-1, 0, 1, 24, 24 * 7 - 1, 24 * 7, 24 * 7 + 1, 24 * 30] {
                        let now = start + Duration::hours(hours);
                        assert_eq!(
                            policies.open_session_code_due(facts, now),
                            due_at.is_some_and(|at| at <= now),
                            "{policies:?} {facts:?} at {hours} h"
                        );
                    }
                }
            }
        }
    }

    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-01 12:00 UTC);

    fn guest(verified: Option<OffsetDateTime>) -> StepFacts {
        StepFacts {
            role: Role::Guest,
            email_verified_at: verified,
            totp_enabled: false,
        }
    }

    #[test]
    fn guests_confirm_a_code_until_verified_then_every_period() {
        let policies = SecurityPolicies::default();
        assert_eq!(
            policies.steps_after_password(guest(None), NOW),
            vec![SecondStep::EmailCode]
        );
        let fresh = guest(Some(NOW - Duration::days(6)));
        assert!(policies.steps_after_password(fresh, NOW).is_empty());
        // Exactly at the end of the period the address needs confirming again.
        let stale = guest(Some(NOW - Duration::days(7)));
        assert_eq!(
            policies.steps_after_password(stale, NOW),
            vec![SecondStep::EmailCode]
        );
        let every_time = SecurityPolicies {
            guest_reverify_days: 0,
            ..SecurityPolicies::default()
        };
        assert!(every_time.email_code_due(guest(Some(NOW)), NOW));
        let off = SecurityPolicies {
            guest_email_codes: false,
            ..SecurityPolicies::default()
        };
        assert!(off.steps_after_password(guest(None), NOW).is_empty());
    }

    #[test]
    fn members_never_get_mailed_codes() {
        let member = StepFacts {
            role: Role::Member,
            ..guest(None)
        };
        assert!(
            SecurityPolicies::default()
                .steps_after_password(member, NOW)
                .is_empty()
        );
    }

    #[test]
    fn authenticator_apps_come_last_and_can_be_required_per_role() {
        let policies = SecurityPolicies {
            two_step_required: vec![Role::Admin],
            ..SecurityPolicies::default()
        };
        let enrolled_guest = StepFacts {
            totp_enabled: true,
            ..guest(None)
        };
        assert_eq!(
            policies.steps_after_password(enrolled_guest, NOW),
            vec![SecondStep::EmailCode, SecondStep::Totp]
        );
        let admin = StepFacts {
            role: Role::Admin,
            email_verified_at: None,
            totp_enabled: false,
        };
        assert_eq!(
            policies.steps_after_password(admin, NOW),
            vec![SecondStep::TotpEnrolment]
        );
        let member = StepFacts {
            role: Role::Member,
            ..admin
        };
        assert!(policies.steps_after_password(member, NOW).is_empty());
    }

    #[test]
    fn the_step_after_a_confirmed_code_is_the_authenticator() {
        let policies = SecurityPolicies::default();
        let facts = StepFacts {
            totp_enabled: true,
            ..guest(Some(NOW))
        };
        // The code just confirmed the address, so it is no longer due.
        assert_eq!(
            policies.step_after(SecondStep::EmailCode, facts, NOW),
            Some(SecondStep::Totp)
        );
        assert_eq!(policies.step_after(SecondStep::Totp, facts, NOW), None);
        // A setup just finished turns the app on: nothing is left, not its code.
        let required = SecurityPolicies {
            two_step_required: vec![Role::Admin],
            ..SecurityPolicies::default()
        };
        let admin = StepFacts {
            role: Role::Admin,
            email_verified_at: None,
            totp_enabled: true,
        };
        assert_eq!(
            required.step_after(SecondStep::TotpEnrolment, admin, NOW),
            None
        );
    }

    #[test]
    fn guest_sessions_are_shorter() {
        let policies = SecurityPolicies::default();
        let day = Duration::days(1);
        assert_eq!(
            policies.session_lifetime(Role::Guest, day),
            Duration::hours(12)
        );
        assert_eq!(policies.session_lifetime(Role::Member, day), day);
        assert_eq!(
            policies.session_lifetime(Role::Guest, Duration::hours(2)),
            Duration::hours(2)
        );
    }

    #[test]
    fn codes_work_once_before_expiry_and_within_the_attempt_limit() {
        let live = StoredCode {
            expires_at: NOW + Duration::minutes(1),
            attempts: 0,
            used: false,
        };
        assert_eq!(check_code(live, true, NOW), CodeCheck::Accepted);
        assert_eq!(
            check_code(live, false, NOW),
            CodeCheck::Wrong { attempts_left: 4 }
        );
        let used = StoredCode { used: true, ..live };
        assert_eq!(check_code(used, true, NOW), CodeCheck::Dead);
        assert_eq!(check_code(live, true, live.expires_at), CodeCheck::Dead);
        let last_try = StoredCode {
            attempts: CODE_MAX_ATTEMPTS - 1,
            ..live
        };
        assert_eq!(
            check_code(last_try, false, NOW),
            CodeCheck::Wrong { attempts_left: 0 }
        );
        let spent = StoredCode {
            attempts: CODE_MAX_ATTEMPTS,
            ..live
        };
        assert_eq!(check_code(spent, true, NOW), CodeCheck::Dead);
    }

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(normalise_code(" 123 456 "), Ok("123456".to_owned()));
        assert!(normalise_code("12345").is_err());
        assert!(normalise_code("12345a").is_err());
        assert!(normalise_code("1234567").is_err());
    }

    #[test]
    fn required_roles_parse_and_refuse_none() {
        assert_eq!(
            parse_roles("admin, guest,admin"),
            Ok(vec![Role::Guest, Role::Admin])
        );
        assert_eq!(parse_roles(""), Ok(Vec::new()));
        assert!(parse_roles("none").is_err());
        assert!(parse_roles("root").is_err());
    }
}
