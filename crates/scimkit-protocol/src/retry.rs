//! Retrying a request (RFC 7644 §3.12 lists 429 and 503 among the errors a client meets; RFC
//! 6585 §4 and RFC 9110 §15.6.4, §10.2.3 say they may be retried after `Retry-After`).
//!
//! A sans-I/O state machine: the caller sends, tells [`Retry`] what came back (a response or a
//! transport failure) and the time, and gets a [`RetryDecision`]: wait this long and send again,
//! or stop. The caller owns the clock and the sleeping, so the same policy drives a blocking
//! client, an async one, or a test with a fake clock.

use std::time::{Duration, SystemTime};

use http::{Method, StatusCode};

/// When and how often a request is sent again.
///
/// - **Retryable**: a 429 or 503 response, for any method (the server did not process the
///   request); a transport failure before anything was sent, for any method; a transport
///   failure after the request may have been sent, for idempotent requests only (see
///   [`is_idempotent`]).
/// - **Wait**: the response's `Retry-After` (delta-seconds or an HTTP-date) when present,
///   otherwise exponential backoff from `base_delay`, doubled per retry up to `max_delay`, with
///   jitter (half the step fixed, half random) so that many clients spread out.
/// - **Budget**: at most `max_attempts` sends in all and `max_elapsed` from the first failure;
///   a `Retry-After` beyond `max_retry_after` or beyond the budget stops retrying instead of
///   hanging.
///
/// # Examples
/// ```
/// use std::time::{Duration, SystemTime};
/// use scimkit_protocol::{RetryDecision, RetryPolicy};
///
/// let policy = RetryPolicy::new().max_attempts(3);
/// let req = http::Request::get("https://example.com/scim/v2/Users").body(Vec::<u8>::new())?;
/// let mut retry = policy.for_request(&req, 42); // 42: the caller's random seed for jitter
/// let now = SystemTime::now();
///
/// let throttled = http::Response::builder().status(429).header("retry-after", "7").body(Vec::<u8>::new())?;
/// assert_eq!(retry.on_response(&throttled, now), RetryDecision::Retry(Duration::from_secs(7)));
///
/// let unavailable = http::Response::builder().status(503).body(Vec::<u8>::new())?;
/// let RetryDecision::Retry(wait) = retry.on_response(&unavailable, now) else { panic!() };
/// assert!(wait <= Duration::from_secs(1)); // the second backoff step: 0.5 s to 1 s
///
/// // The third send is the last one the policy allows.
/// assert!(matches!(retry.on_response(&unavailable, now), RetryDecision::GiveUp(_)));
///
/// let ok = http::Response::builder().status(200).body(Vec::<u8>::new())?;
/// assert_eq!(policy.for_request(&req, 1).on_response(&ok, now), RetryDecision::Done);
/// # Ok::<(), http::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::new()
    }
}

impl RetryPolicy {
    /// 5 attempts, backoff from 500 ms to at most 30 s a step, a `Retry-After` of at most
    /// 2 minutes, and 5 minutes in all.
    pub const fn new() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            max_elapsed: Duration::from_secs(300),
        }
    }

    /// A policy that never retries.
    pub const fn never() -> RetryPolicy {
        RetryPolicy::new().max_attempts(1)
    }

    /// Sends in all, the first included (at least 1).
    pub const fn max_attempts(mut self, n: u32) -> RetryPolicy {
        self.max_attempts = if n == 0 { 1 } else { n };
        self
    }

    /// The first backoff step.
    pub const fn base_delay(mut self, d: Duration) -> RetryPolicy {
        self.base_delay = d;
        self
    }

    /// The longest backoff step.
    pub const fn max_delay(mut self, d: Duration) -> RetryPolicy {
        self.max_delay = d;
        self
    }

    /// The longest `Retry-After` honoured; a longer one ends retrying.
    pub const fn max_retry_after(mut self, d: Duration) -> RetryPolicy {
        self.max_retry_after = d;
        self
    }

    /// The time budget, from the first failure to the last send.
    pub const fn max_elapsed(mut self, d: Duration) -> RetryPolicy {
        self.max_elapsed = d;
        self
    }

    /// The sends this policy allows in all.
    pub const fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The state for one request, which is idempotent or not. `seed` feeds the jitter (any
    /// value; give each request a different one, e.g. from a random source or a counter mixed
    /// with the time).
    pub fn start(&self, idempotent: bool, seed: u64) -> Retry {
        Retry {
            policy: *self,
            idempotent,
            attempts: 1,
            started: None,
            rng: seed,
            last: None,
        }
    }

    /// [`start`](RetryPolicy::start) for `req`, idempotent as [`is_idempotent`] says.
    pub fn for_request<B>(&self, req: &http::Request<B>, seed: u64) -> Retry {
        self.start(is_idempotent(req.method(), req.uri().path()), seed)
    }
}

/// Whether a request may be sent twice with the effect of once (RFC 9110 §9.2.2): GET, HEAD,
/// OPTIONS, TRACE, PUT and DELETE, and a SCIM `POST .../.search` (RFC 7644 §3.4.3: a query
/// sent as POST, which changes nothing). PATCH (RFC 5789 §2) and other POSTs are not.
///
/// ```
/// use scimkit_protocol::is_idempotent;
/// use http::Method;
/// assert!(is_idempotent(&Method::PUT, "/scim/v2/Users/1"));
/// assert!(is_idempotent(&Method::POST, "/scim/v2/Users/.search"));
/// assert!(!is_idempotent(&Method::POST, "/scim/v2/Users"));
/// assert!(!is_idempotent(&Method::PATCH, "/scim/v2/Users/1"));
/// ```
pub fn is_idempotent(method: &Method, path: &str) -> bool {
    match *method {
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT => true,
        Method::DELETE => true,
        Method::POST => path.trim_end_matches('/').ends_with("/.search"),
        _ => false,
    }
}

/// How a send failed without a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    /// Nothing reached the server (no route, DNS failure, connection refused, TLS handshake
    /// failure): safe to send again whatever the method.
    NotSent,
    /// The connection failed after the request may have been sent (reset, timeout while
    /// waiting): sent again only when the request is idempotent.
    MaybeSent,
}

/// What to do after a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Not a retryable outcome (a success, or an error that sending again would not change):
    /// use it.
    Done,
    /// Wait this long, then send the same request again.
    Retry(Duration),
    /// Retryable, but the policy says stop: use the last outcome.
    GiveUp(GiveUp),
}

/// Why a retryable outcome is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUp {
    /// `max_attempts` sends were made.
    Attempts,
    /// The next send would come after `max_elapsed`.
    Elapsed,
    /// The server asked for a wait longer than `max_retry_after`.
    RetryAfterTooLong(Duration),
    /// The request may have been processed and is not idempotent.
    NotIdempotent,
}

/// The retry state of one request. See [`RetryPolicy`].
#[derive(Debug, Clone)]
pub struct Retry {
    policy: RetryPolicy,
    idempotent: bool,
    /// Sends so far (the first included).
    attempts: u32,
    started: Option<SystemTime>,
    rng: u64,
    last: Option<Duration>,
}

impl Retry {
    /// Reads the response to the last send, at time `now`.
    pub fn on_response<B>(&mut self, resp: &http::Response<B>, now: SystemTime) -> RetryDecision {
        let status = resp.status();
        if status != StatusCode::TOO_MANY_REQUESTS && status != StatusCode::SERVICE_UNAVAILABLE {
            return RetryDecision::Done;
        }
        let asked = resp
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| crate::error::parse_retry_after_at(v, now));
        self.next(asked, now)
    }

    /// Reads a transport failure of the last send, at time `now`.
    pub fn on_transport_failure(
        &mut self,
        how: TransportFailure,
        now: SystemTime,
    ) -> RetryDecision {
        if how == TransportFailure::MaybeSent && !self.idempotent {
            return RetryDecision::GiveUp(GiveUp::NotIdempotent);
        }
        self.next(None, now)
    }

    /// Reads a [`ScimError`](crate::ScimError) a client built from a response (its status and
    /// `Retry-After`, as [`ScimError::from_response`](crate::ScimError::from_response) keeps
    /// them), at time `now`.
    pub fn on_error(&mut self, e: &crate::ScimError, now: SystemTime) -> RetryDecision {
        let status = e.status();
        if status != StatusCode::TOO_MANY_REQUESTS && status != StatusCode::SERVICE_UNAVAILABLE {
            return RetryDecision::Done;
        }
        self.next(e.retry_after(), now)
    }

    /// Sends made so far, the first included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The wait of the last [`RetryDecision::Retry`].
    pub fn last_wait(&self) -> Option<Duration> {
        self.last
    }

    fn next(&mut self, asked: Option<Duration>, now: SystemTime) -> RetryDecision {
        let started = *self.started.get_or_insert(now);
        if self.attempts >= self.policy.max_attempts {
            return RetryDecision::GiveUp(GiveUp::Attempts);
        }
        let wait = match asked {
            Some(a) if a > self.policy.max_retry_after => {
                return RetryDecision::GiveUp(GiveUp::RetryAfterTooLong(a));
            }
            Some(a) => a,
            None => self.backoff(),
        };
        let spent = now.duration_since(started).unwrap_or(Duration::ZERO);
        if spent.saturating_add(wait) > self.policy.max_elapsed {
            return RetryDecision::GiveUp(GiveUp::Elapsed);
        }
        self.attempts += 1;
        self.last = Some(wait);
        RetryDecision::Retry(wait)
    }

    /// The backoff step of this retry: `base * 2^(retries so far)`, capped, half of it fixed and
    /// half random.
    fn backoff(&mut self) -> Duration {
        let exp = self.attempts.saturating_sub(1).min(32);
        let step = self
            .policy
            .base_delay
            .saturating_mul(1u32 << exp.min(31))
            .min(self.policy.max_delay);
        let half = step / 2;
        let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = if nanos == 0 {
            0
        } else {
            self.random() % (nanos + 1)
        };
        half + Duration::from_nanos(jitter)
    }

    /// SplitMix64: a fast, well-spread sequence from the caller's seed. It only spreads retries
    /// in time; nothing depends on it being unpredictable.
    fn random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn resp(status: u16, retry_after: Option<&str>) -> http::Response<()> {
        let mut b = http::Response::builder().status(status);
        if let Some(r) = retry_after {
            b = b.header("retry-after", r);
        }
        b.body(()).unwrap()
    }

    fn t0() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    #[test]
    fn retryable_statuses_only() {
        let p = RetryPolicy::new();
        for s in [200, 201, 204, 400, 401, 404, 409, 412, 500, 502, 504] {
            assert_eq!(
                p.start(true, 0).on_response(&resp(s, Some("1")), t0()),
                RetryDecision::Done,
                "{s}"
            );
        }
        for s in [429, 503] {
            assert!(matches!(
                p.start(false, 0).on_response(&resp(s, None), t0()),
                RetryDecision::Retry(_)
            ));
        }
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let p = RetryPolicy::new();
        let mut r = p.start(true, 0);
        assert_eq!(
            r.on_response(&resp(429, Some("3")), t0()),
            RetryDecision::Retry(Duration::from_secs(3))
        );
        // 1_700_000_000 is Tue, 14 Nov 2023 22:13:20 GMT; ask for 40 s later.
        let date = "Tue, 14 Nov 2023 22:14:00 GMT";
        assert_eq!(
            r.on_response(&resp(503, Some(date)), t0()),
            RetryDecision::Retry(Duration::from_secs(40))
        );
        // A date in the past means now.
        let past = "Tue, 14 Nov 2023 22:00:00 GMT";
        assert_eq!(
            r.on_response(&resp(503, Some(past)), t0()),
            RetryDecision::Retry(Duration::ZERO)
        );
        // Too long a wait is not honoured.
        assert_eq!(
            r.on_response(&resp(429, Some("86400")), t0()),
            RetryDecision::GiveUp(GiveUp::RetryAfterTooLong(Duration::from_secs(86400)))
        );
        // Garbage falls back to backoff.
        assert!(matches!(
            r.on_response(&resp(429, Some("soon")), t0()),
            RetryDecision::Retry(_)
        ));
    }

    #[test]
    fn transport_failures_respect_idempotency() {
        let p = RetryPolicy::new();
        let post = http::Request::post("https://x/v2/Users").body(()).unwrap();
        let mut r = p.for_request(&post, 7);
        assert_eq!(
            r.on_transport_failure(TransportFailure::MaybeSent, t0()),
            RetryDecision::GiveUp(GiveUp::NotIdempotent)
        );
        assert!(matches!(
            r.on_transport_failure(TransportFailure::NotSent, t0()),
            RetryDecision::Retry(_)
        ));
        let get = http::Request::get("https://x/v2/Users").body(()).unwrap();
        assert!(matches!(
            p.for_request(&get, 7)
                .on_transport_failure(TransportFailure::MaybeSent, t0()),
            RetryDecision::Retry(_)
        ));
    }

    #[test]
    fn elapsed_budget() {
        let p = RetryPolicy::new()
            .max_attempts(100)
            .max_elapsed(Duration::from_secs(10));
        let mut r = p.start(true, 0);
        assert!(matches!(
            r.on_response(&resp(429, Some("6")), t0()),
            RetryDecision::Retry(_)
        ));
        // 6 s later, another 6 s would end at 12 s > 10 s.
        assert_eq!(
            r.on_response(&resp(429, Some("6")), t0() + Duration::from_secs(6)),
            RetryDecision::GiveUp(GiveUp::Elapsed)
        );
    }

    #[test]
    fn on_error_reads_scim_errors() {
        let mut r = RetryPolicy::new().start(true, 0);
        let e = crate::ScimError::too_many_requests(Some(Duration::from_secs(2)));
        assert_eq!(
            r.on_error(&e, t0()),
            RetryDecision::Retry(Duration::from_secs(2))
        );
        assert_eq!(
            r.on_error(&crate::ScimError::not_found("x"), t0()),
            RetryDecision::Done
        );
    }

    proptest! {
        /// Backoff grows within its bounds, the number of retries never exceeds the policy,
        /// and no wait is longer than the largest step.
        #[test]
        fn backoff_bounds(seed in any::<u64>(), attempts in 1u32..12, base_ms in 1u64..2000, max_ms in 1u64..60_000) {
            let base = Duration::from_millis(base_ms);
            let max = Duration::from_millis(max_ms);
            let p = RetryPolicy::new().max_attempts(attempts).base_delay(base).max_delay(max)
                .max_elapsed(Duration::from_secs(1 << 40));
            let mut r = p.start(true, seed);
            let mut retries = 0u32;
            let mut now = t0();
            loop {
                match r.on_response(&resp(503, None), now) {
                    RetryDecision::Retry(w) => {
                        let step = base.saturating_mul(1 << retries.min(31)).min(max);
                        prop_assert!(w >= step / 2 && w <= step, "{w:?} vs {step:?}");
                        retries += 1;
                        now += w;
                    }
                    RetryDecision::GiveUp(GiveUp::Attempts) => break,
                    other => prop_assert!(false, "{other:?}"),
                }
            }
            prop_assert_eq!(retries, attempts - 1);
        }
    }
}
