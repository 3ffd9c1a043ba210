//! Sends scimkit-protocol's [`http::Request`]s with `ureq` and hands back [`http::Response`]s.

use std::io::Read;
use std::time::Duration;

use http::StatusCode;
use scimkit::protocol::{ScimError, TransportFailure};

/// The largest response body read; a larger one is an error (no SCIM message is that big).
const MAX_BODY: u64 = 64 << 20;

/// A blocking HTTP transport on a `ureq` agent (connection pooling, timeouts, TLS).
#[derive(Debug, Clone)]
pub struct Transport {
    agent: ureq::Agent,
}

impl Default for Transport {
    fn default() -> Self {
        Transport::new(Duration::from_secs(60))
    }
}

impl Transport {
    /// A transport whose requests time out after `timeout` in all.
    pub fn new(timeout: Duration) -> Transport {
        Transport {
            agent: ureq::AgentBuilder::new()
                .timeout(timeout)
                .user_agent(concat!("scimkit-examples/", env!("CARGO_PKG_VERSION")))
                .build(),
        }
    }

    /// Sends `req` and returns the response, whatever its status. Transport failures (no
    /// connection, timeout, unreadable body) are a 502 `ScimError` whose detail never contains a
    /// header value (so never the bearer token), with what the failure means for a retry.
    pub fn send(&self, req: &http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, SendError> {
        let url = req.uri().to_string();
        let mut r = self.agent.request(req.method().as_str(), &url);
        for (name, value) in req.headers() {
            let value = value.to_str().map_err(|_| SendError {
                error: ScimError::invalid_value(format!("header `{name}` is not text")),
                failure: None,
            })?;
            r = r.set(name.as_str(), value);
        }
        let sent = if req.body().is_empty() {
            r.call()
        } else {
            r.send_bytes(req.body())
        };
        let resp = match sent {
            Ok(resp) | Err(ureq::Error::Status(_, resp)) => resp,
            Err(ureq::Error::Transport(t)) => {
                use ureq::ErrorKind as K;
                let failure = match t.kind() {
                    // Nothing reached the server.
                    K::Dns | K::ConnectionFailed | K::ProxyConnect => {
                        Some(TransportFailure::NotSent)
                    }
                    // Sending again cannot help.
                    K::InvalidUrl
                    | K::UnknownScheme
                    | K::InsecureRequestHttpsOnly
                    | K::InvalidProxyUrl
                    | K::ProxyUnauthorized
                    | K::TooManyRedirects => None,
                    _ => Some(TransportFailure::MaybeSent),
                };
                return Err(SendError {
                    error: unreachable(&url, &t.to_string()),
                    failure,
                });
            }
        };
        let broken = |detail: &str| SendError {
            error: unreachable(&url, detail),
            failure: Some(TransportFailure::MaybeSent),
        };
        let status = StatusCode::from_u16(resp.status())
            .map_err(|_| broken("the response has an invalid status"))?;
        let mut out = http::Response::builder().status(status);
        for name in resp.headers_names() {
            for value in resp.all(&name) {
                out = out.header(name.as_str(), value);
            }
        }
        let mut body = Vec::new();
        resp.into_reader()
            .take(MAX_BODY + 1)
            .read_to_end(&mut body)
            .map_err(|e| broken(&e.to_string()))?;
        if body.len() as u64 > MAX_BODY {
            return Err(SendError {
                error: unreachable(&url, "the response body is too large"),
                failure: None,
            });
        }
        out.body(body).map_err(|e| broken(&e.to_string()))
    }
}

/// A send that got no response.
#[derive(Debug, Clone)]
pub struct SendError {
    /// The failure as a 502 (or, for a request that could not be built, a 400).
    pub error: ScimError,
    /// What it means for a retry; `None` when sending again cannot help.
    pub failure: Option<TransportFailure>,
}

fn unreachable(url: &str, detail: &str) -> ScimError {
    // Only the URL without its query: a filter may hold personal data, and it adds nothing.
    let url = url.split('?').next().unwrap_or(url);
    ScimError::new(
        StatusCode::BAD_GATEWAY,
        format!("no usable answer from {url}: {detail}"),
    )
}
