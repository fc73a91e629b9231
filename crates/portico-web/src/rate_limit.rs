//! A per-address limit on the forms that guess at secrets: signing in,
//! asking for and using a password reset, and accepting an invitation. Each client
//! address gets [`MAX_ATTEMPTS`] posts per form in a fixed one-minute window;
//! beyond that the answer is 429 until the window ends. The counters live in
//! memory (one process serves a deployment) and stay bounded: finished
//! windows are dropped, and the table never holds more than [`MAX_CLIENTS`]
//! entries.
//!
//! This guards the server against floods from one place; the account lockout
//! in `portico_app` guards each account against slow, spread-out guessing.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// Posts one address may make to one limited form per window.
pub const MAX_ATTEMPTS: u32 = 10;
/// The length of a window.
pub const WINDOW: Duration = Duration::from_secs(60);
/// The most addresses tracked at once.
const MAX_CLIENTS: usize = 50_000;

/// The forms that are limited, by path (POST only).
const LIMITED: &[&str] = &[
    "/login",
    "/login/verify",
    "/login/verify/send",
    "/account/two-step/confirm",
    "/account/two-step/disable",
    "/password/forgot",
    "/password/reset",
    "/invitations/accept",
];

/// The address a request came from, when the server knows it (it does when
/// served with `into_make_service_with_connect_info::<SocketAddr>()`).
pub(crate) fn client_ip(parts_extensions: &axum::http::Extensions) -> Option<IpAddr> {
    parts_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// The client's address as an extractor that never fails.
pub(crate) struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(&parts.extensions)))
    }
}

/// Who a counter belongs to: an IPv4 address, or an IPv6 /64 (one host
/// usually holds a whole /64). Requests whose address is unknown share one
/// counter, so the limit still holds if the server is run without connection
/// info.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Client {
    V4([u8; 4]),
    V6Net([u8; 8]),
    Unknown,
}

impl Client {
    fn of(ip: Option<IpAddr>) -> Self {
        match ip {
            Some(IpAddr::V4(v4)) => Client::V4(v4.octets()),
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => Client::V4(v4.octets()),
                None => {
                    let octets = v6.octets();
                    let mut net = [0u8; 8];
                    net.copy_from_slice(&octets[..8]);
                    Client::V6Net(net)
                }
            },
            None => Client::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    attempts: u32,
}

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Too many attempts; try again after this long.
    Limited(Duration),
}

/// Fixed-window counters per (form, client).
#[derive(Debug)]
pub struct RateLimiter {
    max_attempts: u32,
    window: Duration,
    max_clients: usize,
    counters: Mutex<HashMap<(&'static str, Client), Window>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(MAX_ATTEMPTS, WINDOW, MAX_CLIENTS)
    }
}

impl RateLimiter {
    pub fn new(max_attempts: u32, window: Duration, max_clients: usize) -> Self {
        Self {
            max_attempts,
            window,
            max_clients,
            counters: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt at `form` from `ip` at `now`.
    pub fn attempt(&self, form: &'static str, ip: Option<IpAddr>, now: Instant) -> Verdict {
        // A poisoned lock only means another request panicked mid-update;
        // the counters are still usable.
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (form, Client::of(ip));
        if !counters.contains_key(&key) && counters.len() >= self.max_clients {
            let window = self.window;
            counters.retain(|_, w| now.saturating_duration_since(w.started) < window);
            if counters.len() >= self.max_clients {
                // Still full of live windows: a flood from many addresses.
                // Refusing newcomers keeps memory bounded; it ends with the
                // window.
                return Verdict::Limited(self.window);
            }
        }
        let entry = counters.entry(key).or_insert(Window {
            started: now,
            attempts: 0,
        });
        let elapsed = now.saturating_duration_since(entry.started);
        if elapsed >= self.window {
            *entry = Window {
                started: now,
                attempts: 0,
            };
        }
        if entry.attempts >= self.max_attempts {
            let left = self
                .window
                .saturating_sub(now.saturating_duration_since(entry.started));
            return Verdict::Limited(left.max(Duration::from_secs(1)));
        }
        entry.attempts += 1;
        Verdict::Allowed
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

/// Middleware: counts posts to the limited forms and answers 429 (an HTML
/// page saying when to try again) once an address has used its attempts.
pub(crate) async fn limit_guesses(
    State(limiter): State<Arc<RateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(form) = LIMITED
        .iter()
        .copied()
        .find(|path| *path == request.uri().path())
    else {
        return next.run(request).await;
    };
    let ip = client_ip(request.extensions());
    match limiter.attempt(form, ip, Instant::now()) {
        Verdict::Allowed => next.run(request).await,
        Verdict::Limited(wait) => too_many_attempts(wait),
    }
}

fn too_many_attempts(wait: Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let mut response = crate::ui::message_page(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many attempts",
        &format!(
            "too many attempts from your address: at most {MAX_ATTEMPTS} a minute; try again in {seconds} seconds"
        ),
    );
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)))
    }

    #[test]
    fn allows_exactly_the_limit_per_window_then_starts_again() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60), 100);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.attempt("/login", ip(1), start), Verdict::Allowed);
        }
        let later = start + Duration::from_secs(20);
        assert_eq!(
            limiter.attempt("/login", ip(1), later),
            Verdict::Limited(Duration::from_secs(40))
        );
        assert_eq!(
            limiter.attempt("/login", ip(2), later),
            Verdict::Allowed,
            "other addresses are not affected"
        );
        assert_eq!(
            limiter.attempt("/password/forgot", ip(1), later),
            Verdict::Allowed,
            "each form counts on its own"
        );
        let next_window = start + Duration::from_secs(60);
        assert_eq!(
            limiter.attempt("/login", ip(1), next_window),
            Verdict::Allowed
        );
    }

    #[test]
    fn ipv6_hosts_are_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60), 100);
        let now = Instant::now();
        let a = Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, 1);
        let b = Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 9, 9, 9, 9);
        assert_eq!(
            limiter.attempt("/login", Some(IpAddr::V6(a)), now),
            Verdict::Allowed
        );
        assert!(matches!(
            limiter.attempt("/login", Some(IpAddr::V6(b)), now),
            Verdict::Limited(_)
        ));
        let mapped = Ipv4Addr::new(192, 0, 2, 7).to_ipv6_mapped();
        assert_eq!(
            limiter.attempt("/login", Some(IpAddr::V6(mapped)), now),
            Verdict::Allowed
        );
        assert!(matches!(
            limiter.attempt("/login", ip(7), now),
            Verdict::Limited(_)
        ));
    }

    #[test]
    fn memory_stays_bounded() {
        let limiter = RateLimiter::new(5, Duration::from_secs(60), 3);
        let start = Instant::now();
        for last in 1..=3 {
            assert_eq!(limiter.attempt("/login", ip(last), start), Verdict::Allowed);
        }
        assert!(
            matches!(limiter.attempt("/login", ip(4), start), Verdict::Limited(_)),
            "a full table of live windows refuses newcomers"
        );
        assert_eq!(
            limiter.attempt("/login", ip(1), start),
            Verdict::Allowed,
            "known addresses carry on"
        );
        let later = start + Duration::from_secs(61);
        assert_eq!(
            limiter.attempt("/login", ip(4), later),
            Verdict::Allowed,
            "finished windows are dropped to make room"
        );
        assert_eq!(limiter.tracked(), 1);
    }

    #[test]
    fn unknown_addresses_share_one_counter() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60), 100);
        let now = Instant::now();
        assert_eq!(limiter.attempt("/login", None, now), Verdict::Allowed);
        assert!(matches!(
            limiter.attempt("/login", None, now),
            Verdict::Limited(_)
        ));
    }
}
