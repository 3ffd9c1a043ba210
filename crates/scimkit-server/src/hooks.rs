//! The policy a service provider decides for itself: which tenant a request belongs to, who may
//! call it, and what the application does when provisioning changes something.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use http::HeaderMap;
use scimkit_protocol::ScimError;
use scimkit_schema::AuthenticationScheme;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Splits a request path into its tenant and the SCIM path below the tenant's base.
pub trait Tenancy: Send + Sync + 'static {
    /// The tenant and the rest of the path (starting with `/`), or `None` when the path belongs
    /// to no tenant (answered with 404).
    fn split<'p>(&self, path: &'p str) -> Option<(String, &'p str)>;

    /// The path of a tenant's SCIM base (`/t/acme/scim/v2`), for `meta.location` and `Location`.
    fn base_path(&self, tenant: &str) -> String;
}

/// One tenant, named `default`, at a fixed base path (`/scim/v2`).
///
/// ```
/// use scimkit_server::hooks::{SingleTenant, Tenancy};
/// let t = SingleTenant::new("/scim/v2");
/// assert_eq!(t.split("/scim/v2/Users/1"), Some(("default".to_owned(), "/Users/1")));
/// assert_eq!(t.split("/other"), None);
/// ```
#[derive(Debug, Clone)]
pub struct SingleTenant {
    base: String,
}

impl SingleTenant {
    /// The one tenant at `base_path`.
    pub fn new(base_path: &str) -> SingleTenant {
        SingleTenant {
            base: base_path.trim_end_matches('/').to_owned(),
        }
    }
}

impl Tenancy for SingleTenant {
    fn split<'p>(&self, path: &'p str) -> Option<(String, &'p str)> {
        let rest = path.strip_prefix(self.base.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then(|| ("default".to_owned(), rest))
    }

    fn base_path(&self, _tenant: &str) -> String {
        self.base.clone()
    }
}

/// A tenant per path prefix: `{prefix}{tenant}{suffix}/...`, e.g. `/t/acme/scim/v2/Users`.
///
/// ```
/// use scimkit_server::hooks::{PathTenants, Tenancy};
/// let t = PathTenants::new("/t/", "/scim/v2");
/// assert_eq!(t.split("/t/acme/scim/v2/Groups"), Some(("acme".to_owned(), "/Groups")));
/// assert_eq!(t.base_path("acme"), "/t/acme/scim/v2");
/// assert_eq!(t.split("/t/acme/other"), None);
/// ```
#[derive(Debug, Clone)]
pub struct PathTenants {
    prefix: String,
    suffix: String,
}

impl PathTenants {
    /// Tenants at `{prefix}{tenant}{suffix}`.
    pub fn new(prefix: &str, suffix: &str) -> PathTenants {
        PathTenants {
            prefix: prefix.to_owned(),
            suffix: suffix.trim_end_matches('/').to_owned(),
        }
    }
}

impl Tenancy for PathTenants {
    fn split<'p>(&self, path: &'p str) -> Option<(String, &'p str)> {
        let rest = path.strip_prefix(self.prefix.as_str())?;
        let end = rest.find('/').unwrap_or(rest.len());
        let (tenant, rest) = rest.split_at(end);
        let rest = rest.strip_prefix(self.suffix.as_str())?;
        let valid = !tenant.is_empty()
            && tenant.len() <= 128
            && tenant
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        (valid && (rest.is_empty() || rest.starts_with('/'))).then(|| (tenant.to_owned(), rest))
    }

    fn base_path(&self, tenant: &str) -> String {
        format!("{}{tenant}{}", self.prefix, self.suffix)
    }
}

/// Who made a request, as the [`Authenticator`] established it. Recorded with provisioning
/// events; never the credential itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Principal {
    /// A stable, non-secret identifier of the credential (a token id).
    pub id: String,
}

/// Decides whether a request may act on a tenant.
pub trait Authenticator: Send + Sync + 'static {
    /// The caller, or the error to answer (401 for a missing or wrong credential). The same answer
    /// must be given for an unknown tenant and a wrong credential, so tenants cannot be probed.
    fn authenticate(
        &self,
        tenant: &str,
        headers: &HeaderMap,
    ) -> impl Future<Output = Result<Principal, ScimError>> + Send;

    /// The schemes to advertise in `/ServiceProviderConfig`.
    fn schemes(&self) -> Vec<AuthenticationScheme> {
        vec![AuthenticationScheme::oauth_bearer_token()]
    }
}

/// Lets every request in. For tests and for services behind an authenticating proxy.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllowAll;

impl Authenticator for AllowAll {
    async fn authenticate(
        &self,
        _tenant: &str,
        _headers: &HeaderMap,
    ) -> Result<Principal, ScimError> {
        Ok(Principal {
            id: "anonymous".into(),
        })
    }

    fn schemes(&self) -> Vec<AuthenticationScheme> {
        Vec::new()
    }
}

/// The token of an `Authorization: Bearer ...` header (RFC 6750 §2.1; the scheme in any case).
///
/// ```
/// let mut h = http::HeaderMap::new();
/// h.insert("authorization", "bearer abc".parse().unwrap());
/// assert_eq!(scimkit_server::hooks::bearer_token(&h), Some("abc"));
/// ```
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The stored form of a bearer token: its SHA-256, hex-encoded. Tokens are 256 random bits, so a
/// fast hash is enough; a password hash would only slow down every request.
///
/// ```
/// let h = scimkit_server::hooks::token_hash("secret");
/// assert_eq!(h.len(), 64);
/// assert!(scimkit_server::hooks::token_matches("secret", &h));
/// assert!(!scimkit_server::hooks::token_matches("Secret", &h));
/// ```
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether `presented` hashes to `stored`, in time independent of where they differ.
pub fn token_matches(presented: &str, stored: &str) -> bool {
    token_hash(presented)
        .as_bytes()
        .ct_eq(stored.as_bytes())
        .into()
}

/// A fresh random token: 256 bits from the OS, hex-encoded.
///
/// ```
/// assert_ne!(scimkit_server::hooks::new_token(), scimkit_server::hooks::new_token());
/// ```
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the operating system's random source works");
    hex(&bytes)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// One accepted token: its id, its hash, and when it stops being accepted.
#[derive(Debug, Clone)]
struct TokenEntry {
    id: String,
    hash: String,
    expires: Option<SystemTime>,
}

/// Bearer tokens per tenant, held in memory as hashes. Tokens can be added and revoked at run
/// time; several may be valid at once, and each may carry an expiry, so a token can be rotated
/// with an overlap: issue the new one, [`expire`](Self::expire) the old one a while later.
///
/// ```
/// use scimkit_server::hooks::{Authenticator, BearerTokens};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let tokens = BearerTokens::new();
/// let token = tokens.issue("acme", "t1");
/// let mut h = http::HeaderMap::new();
/// h.insert("authorization", format!("Bearer {token}").parse().unwrap());
/// assert_eq!(tokens.authenticate("acme", &h).await.unwrap().id, "t1");
/// assert_eq!(tokens.authenticate("other", &h).await.unwrap_err().status(), 401);
///
/// // Rotation: t1 stops being accepted at the end of the overlap (here: at once).
/// tokens.expire("acme", "t1", std::time::SystemTime::now());
/// assert_eq!(tokens.authenticate("acme", &h).await.unwrap_err().status(), 401);
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct BearerTokens {
    tokens: Arc<RwLock<HashMap<String, Vec<TokenEntry>>>>,
}

impl BearerTokens {
    /// No tokens: every request is refused.
    pub fn new() -> BearerTokens {
        BearerTokens::default()
    }

    /// Issues a new token for `tenant` under `id` and returns it; only its hash is kept.
    pub fn issue(&self, tenant: &str, id: &str) -> String {
        let token = new_token();
        self.insert_hash(tenant, id, &token_hash(&token));
        token
    }

    /// Accepts the token whose hash is `hash` for `tenant`, without expiry.
    pub fn insert_hash(&self, tenant: &str, id: &str, hash: &str) {
        self.insert_hash_until(tenant, id, hash, None);
    }

    /// Accepts the token whose hash is `hash` for `tenant` until `expires` (`None`: no expiry).
    /// Replaces a token of the same id.
    pub fn insert_hash_until(
        &self,
        tenant: &str,
        id: &str,
        hash: &str,
        expires: Option<SystemTime>,
    ) {
        let mut map = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        let list = map.entry(tenant.to_owned()).or_default();
        list.retain(|t| t.id != id);
        list.push(TokenEntry {
            id: id.to_owned(),
            hash: hash.to_owned(),
            expires,
        });
    }

    /// Stops accepting token `id` of `tenant` from `at` on (at once when `at` has passed); an
    /// earlier expiry is kept. Whether the token was known.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// let tokens = scimkit_server::hooks::BearerTokens::new();
    /// tokens.issue("acme", "old");
    /// assert!(tokens.expire("acme", "old", SystemTime::now() + Duration::from_secs(3600)));
    /// assert!(!tokens.expire("acme", "unknown", SystemTime::now()));
    /// ```
    pub fn expire(&self, tenant: &str, id: &str, at: SystemTime) -> bool {
        let mut map = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = map
            .get_mut(tenant)
            .and_then(|list| list.iter_mut().find(|t| t.id == id))
        else {
            return false;
        };
        entry.expires = Some(entry.expires.map_or(at, |e| e.min(at)));
        true
    }

    /// Revokes token `id` of `tenant` at once. Whether the token was known.
    pub fn revoke(&self, tenant: &str, id: &str) -> bool {
        let mut map = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        let Some(list) = map.get_mut(tenant) else {
            return false;
        };
        let before = list.len();
        list.retain(|t| t.id != id);
        list.len() != before
    }

    /// Replaces every tenant's tokens at once with `tokens`, given as (tenant, token id, hash,
    /// expiry): for a service that reloads them from a database shared with other instances, so
    /// a token issued, rotated or revoked through any instance is honoured or refused here after
    /// the next reload. A request never sees a tenant between its old and its new tokens.
    ///
    /// ```
    /// use scimkit_server::hooks::{token_hash, BearerTokens};
    /// let tokens = BearerTokens::new();
    /// let old = tokens.issue("acme", "t1");
    /// tokens.replace_all([("acme".to_owned(), "t2".to_owned(), token_hash("new"), None)]);
    /// assert!(!tokens.revoke("acme", "t1"), "t1 is gone");
    /// assert!(tokens.revoke("acme", "t2"));
    /// # let _ = old;
    /// ```
    pub fn replace_all(
        &self,
        tokens: impl IntoIterator<Item = (String, String, String, Option<SystemTime>)>,
    ) {
        let mut fresh: HashMap<String, Vec<TokenEntry>> = HashMap::new();
        for (tenant, id, hash, expires) in tokens {
            let list = fresh.entry(tenant).or_default();
            list.retain(|t| t.id != id);
            list.push(TokenEntry { id, hash, expires });
        }
        *self.tokens.write().unwrap_or_else(|e| e.into_inner()) = fresh;
    }

    /// Revokes every token of `tenant`.
    pub fn revoke_all(&self, tenant: &str) {
        self.tokens
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(tenant);
    }
}

impl Authenticator for BearerTokens {
    async fn authenticate(
        &self,
        tenant: &str,
        headers: &HeaderMap,
    ) -> Result<Principal, ScimError> {
        let refused =
            || ScimError::unauthorized("a valid bearer token for this tenant is required");
        let presented = bearer_token(headers).ok_or_else(refused)?;
        let now = SystemTime::now();
        let map = self.tokens.read().unwrap_or_else(|e| e.into_inner());
        let list = map.get(tenant).ok_or_else(refused)?;
        list.iter()
            .find(|t| token_matches(presented, &t.hash))
            .filter(|t| t.expires.is_none_or(|e| now < e))
            .map(|t| Principal { id: t.id.clone() })
            .ok_or_else(refused)
    }
}

/// What provisioning changed, after it is committed: the application's hook to keep its own state
/// (accounts, teams, access) in step with the identity provider.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Change {
    /// A resource was created.
    Created,
    /// A resource was replaced (PUT); the top-level attributes whose values changed.
    Replaced {
        /// Changed attribute names.
        attributes: Vec<String>,
    },
    /// A resource was patched; the top-level attributes whose values changed.
    Patched {
        /// Changed attribute names.
        attributes: Vec<String>,
    },
    /// A resource was deleted.
    Deleted,
    /// A user's `active` went from true to false.
    Deactivated,
    /// A user's `active` went from false to true.
    Reactivated,
    /// A group's members changed.
    MembersChanged {
        /// Ids added.
        added: Vec<String>,
        /// Ids removed.
        removed: Vec<String>,
    },
    /// Part of a request was skipped under the IdP-compatible profile instead of failing it.
    Skipped {
        /// Member ids that name no resource.
        unknown_members: Vec<String>,
        /// Attributes the schema does not define, dropped.
        unknown_attributes: Vec<String>,
    },
    /// A request that would change something was refused.
    Refused {
        /// The HTTP status answered.
        status: u16,
        /// The error's detail.
        detail: String,
    },
}

/// One provisioning event: what one request (or one bulk operation) changed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The tenant.
    pub tenant: String,
    /// The caller.
    pub principal: Principal,
    /// The HTTP method of the request (`POST`, `PATCH`, ...).
    pub method: http::Method,
    /// The resource type (`User`), or empty for a request that named none.
    pub resource_type: String,
    /// The resource id, when there is one.
    pub id: Option<String>,
    /// What happened, in order; never empty.
    pub changes: Vec<Change>,
}

/// Receives provisioning events. Called after the change is committed, on the request's task:
/// keep it quick (queue slow work).
pub trait Events: Send + Sync + 'static {
    /// One event.
    fn event(&self, event: &Event);
}

/// Ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvents;

impl Events for NoEvents {
    fn event(&self, _event: &Event) {}
}

impl<F: Fn(&Event) + Send + Sync + 'static> Events for F {
    fn event(&self, event: &Event) {
        self(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn header(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        h
    }

    async fn who(tokens: &BearerTokens, token: &str) -> Option<String> {
        tokens
            .authenticate("acme", &header(token))
            .await
            .ok()
            .map(|p| p.id)
    }

    #[tokio::test]
    async fn a_rotated_token_is_accepted_until_its_overlap_ends() {
        let tokens = BearerTokens::new();
        let old = tokens.issue("acme", "old");
        let new = tokens.issue("acme", "new");
        assert!(tokens.expire("acme", "old", SystemTime::now() + Duration::from_secs(60)));
        assert_eq!(who(&tokens, &old).await.as_deref(), Some("old"));
        assert_eq!(who(&tokens, &new).await.as_deref(), Some("new"));
        // A later expiry does not extend an earlier one.
        tokens.expire("acme", "old", SystemTime::now() - Duration::from_secs(1));
        tokens.expire("acme", "old", SystemTime::now() + Duration::from_secs(3600));
        assert_eq!(who(&tokens, &old).await, None);
        assert_eq!(who(&tokens, &new).await.as_deref(), Some("new"));
    }

    #[tokio::test]
    async fn an_expired_or_revoked_token_is_refused() {
        let tokens = BearerTokens::new();
        let token = new_token();
        let past = SystemTime::now() - Duration::from_secs(1);
        tokens.insert_hash_until("acme", "t", &token_hash(&token), Some(past));
        assert_eq!(who(&tokens, &token).await, None);
        tokens.insert_hash_until("acme", "t", &token_hash(&token), None);
        assert_eq!(who(&tokens, &token).await.as_deref(), Some("t"));
        assert!(tokens.revoke("acme", "t"));
        assert!(!tokens.revoke("acme", "t"));
        assert_eq!(who(&tokens, &token).await, None);
    }
}
