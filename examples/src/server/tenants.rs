//! Tenants and their SCIM tokens: issued without a restart, stored as hashes only, shown once,
//! optionally expiring, and rotated with an overlap during which the old token still works (the
//! IdP's admin needs time to paste the new one).
//!
//! The application data keeps the hashes and expiries; the service's [`BearerTokens`] holds the
//! same in memory for authentication.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use scimkit_server::hooks::{new_token, token_hash, BearerTokens};
use serde::Serialize;

use super::app::{AppData, AppResult, TokenInfo};

/// The tenants and their tokens. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Tenants {
    app: Arc<dyn AppData>,
    tokens: BearerTokens,
}

/// A token just issued: the only time it is shown.
#[derive(Debug, Clone, Serialize)]
pub struct Issued {
    /// The token's id.
    pub id: String,
    /// The token.
    pub token: String,
    /// When it stops being accepted, if ever.
    pub expires: Option<DateTime<Utc>>,
}

fn at(d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| Utc::now().checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl Tenants {
    /// The tenants of `app`, their stored tokens accepted.
    pub fn load(app: Arc<dyn AppData>) -> AppResult<Tenants> {
        let tokens = BearerTokens::new();
        for t in app.all_tokens()? {
            tokens.insert_hash_until(&t.tenant, &t.id, &t.hash, t.expires.map(Into::into));
        }
        Ok(Tenants { app, tokens })
    }

    /// Accepts exactly the tokens the application data holds now: what an instance sharing its
    /// database with others runs every few seconds, so a token issued, rotated or revoked through
    /// another instance is honoured or refused here too.
    pub fn reload(&self) -> AppResult<()> {
        let all = self.app.all_tokens()?;
        self.tokens.replace_all(
            all.into_iter()
                .map(|t| (t.tenant, t.id, t.hash, t.expires.map(Into::into))),
        );
        Ok(())
    }

    /// What authenticates SCIM requests.
    pub fn tokens(&self) -> &BearerTokens {
        &self.tokens
    }

    /// Creates a tenant; whether it is new.
    pub fn create(&self, tenant: &str) -> AppResult<bool> {
        self.app.create_tenant(tenant)
    }

    /// Whether `tenant` exists.
    pub fn exists(&self, tenant: &str) -> AppResult<bool> {
        Ok(self.app.tenants()?.iter().any(|t| t == tenant))
    }

    /// Issues a new token for `tenant`, valid for `valid_for` (forever when `None`). With
    /// `retire_others`, every other token of the tenant stops being accepted after that overlap
    /// (at once for zero).
    pub fn issue(
        &self,
        tenant: &str,
        valid_for: Option<Duration>,
        retire_others: Option<Duration>,
    ) -> AppResult<Issued> {
        let token = new_token();
        let info = TokenInfo {
            tenant: tenant.to_owned(),
            id: format!("tok_{}", &new_token()[..12]),
            hash: token_hash(&token),
            created: Utc::now(),
            expires: valid_for.map(at),
        };
        if let Some(overlap) = retire_others {
            let end = at(overlap);
            for old in self.list(tenant)? {
                self.app.expire_token(tenant, &old.id, end)?;
                self.tokens.expire(tenant, &old.id, end.into());
            }
        }
        self.app.insert_token(&info)?;
        self.tokens
            .insert_hash_until(tenant, &info.id, &info.hash, info.expires.map(Into::into));
        Ok(Issued {
            id: info.id,
            token,
            expires: info.expires,
        })
    }

    /// Stops accepting token `id` of `tenant` now; whether it exists.
    pub fn revoke(&self, tenant: &str, id: &str) -> AppResult<bool> {
        let now = Utc::now();
        self.tokens.expire(tenant, id, now.into());
        self.app.expire_token(tenant, id, now)
    }

    /// The tenant's tokens still accepted (without their hashes' use: never the tokens).
    pub fn list(&self, tenant: &str) -> AppResult<Vec<TokenInfo>> {
        let now = Utc::now();
        let mut all = self.app.all_tokens()?;
        all.retain(|t| t.tenant == tenant && t.expires.is_none_or(|e| e > now));
        Ok(all)
    }

    /// Creates the tenant if needed and gives it a new token that replaces the others at once.
    pub fn rekey(&self, tenant: &str) -> AppResult<String> {
        self.create(tenant)?;
        Ok(self.issue(tenant, None, Some(Duration::ZERO))?.token)
    }
}
