//! `password` (RFC 7643 §4.1.1): a client may set it, nobody may read it back, and a service
//! provider keeps only a hash.
//!
//! Every core attribute with `returned: never` and `mutability: writeOnly` (the User's
//! `password`, and any such attribute of a custom resource type) is a secret. The service
//! replaces a secret's cleartext with what [`Passwords::hash`] makes of it before the document
//! reaches the store, whichever store that is, so no backend ever sees the text; the
//! representation never includes it (`returned: never`).
//!
//! - POST: the given password is hashed.
//! - PUT without the attribute keeps the stored hash (a client cannot restate what it cannot
//!   read, RFC 7644 §3.5.1); with it, the new text is hashed.
//! - PATCH `add`/`replace` of it hashes the new text; `remove` removes the hash.
//!
//! - A filter or `sortBy` naming a secret is 400 `invalidFilter`: `password sw "…"` would
//!   otherwise read the hash out a character at a time.
//!
//! An application that authenticates users checks a password against the stored hash with
//! [`Passwords::verify`].

use std::fmt;
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use scimkit_filter::{AttrPath, CompValue, CompareOp, Fold};
use scimkit_protocol::{Query, ScimError};
use scimkit_schema::{name, AttributeType, Mutability, ResourceSchema, Returned};
use serde_json::Value;
use tokio::sync::Semaphore;

/// How secrets are stored: a one-way, salted, deliberately slow hash.
///
/// Called on the blocking pool, a few at a time, so a slow hash holds up no request but its
/// own.
pub trait Passwords: Send + Sync + 'static {
    /// The stored form of `cleartext`.
    ///
    /// # Errors
    /// When the hash cannot be computed; the request fails with it.
    fn hash(&self, cleartext: &str) -> Result<String, ScimError>;

    /// Whether `cleartext` is the password `stored` was made from.
    fn verify(&self, cleartext: &str, stored: &str) -> bool;
}

/// Argon2id (RFC 9106) in the PHC string format (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`),
/// with a random 128-bit salt per password. The default parameters are OWASP's first
/// recommendation: 19 MiB, two passes, one lane.
///
/// ```
/// use scimkit_server::passwords::{Argon2id, Passwords};
///
/// // Small parameters keep the example quick; use `Argon2id::default()` in a service.
/// let argon = Argon2id::with_params(1024, 1, 1)?;
/// let stored = argon.hash("correct horse battery staple")?;
/// assert!(stored.starts_with("$argon2id$"));
/// assert!(argon.verify("correct horse battery staple", &stored));
/// assert!(!argon.verify("Tr0ub4dor&3", &stored));
/// # Ok::<(), scimkit_protocol::ScimError>(())
/// ```
#[derive(Clone, Default)]
pub struct Argon2id {
    params: Params,
}

impl fmt::Debug for Argon2id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Argon2id")
            .field("memory_kib", &self.params.m_cost())
            .field("iterations", &self.params.t_cost())
            .field("lanes", &self.params.p_cost())
            .finish()
    }
}

impl Argon2id {
    /// Argon2id with `memory_kib` KiB of memory, `iterations` passes and `lanes` lanes.
    ///
    /// # Errors
    /// Parameters Argon2 does not accept (memory under 8 KiB per lane, no pass, no lane).
    pub fn with_params(
        memory_kib: u32,
        iterations: u32,
        lanes: u32,
    ) -> Result<Argon2id, ScimError> {
        let params = Params::new(memory_kib, iterations, lanes, None)
            .map_err(|e| ScimError::internal(format!("Argon2 parameters: {e}")))?;
        Ok(Argon2id { params })
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }
}

impl Passwords for Argon2id {
    fn hash(&self, cleartext: &str) -> Result<String, ScimError> {
        let mut salt = [0u8; 16];
        getrandom::getrandom(&mut salt)
            .map_err(|e| ScimError::internal(format!("no randomness for a salt: {e}")))?;
        let salt =
            SaltString::encode_b64(&salt).map_err(|e| ScimError::internal(format!("salt: {e}")))?;
        self.argon()
            .hash_password(cleartext.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ScimError::internal(format!("hashing a password: {e}")))
    }

    fn verify(&self, cleartext: &str, stored: &str) -> bool {
        // The parameters come from the stored string, so hashes made with older parameters
        // still verify.
        PasswordHash::new(stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(cleartext.as_bytes(), &h)
                .is_ok()
        })
    }
}

/// The service's [`Passwords`], with a bound on concurrent hashes: each takes its memory cost
/// (19 MiB by default), and a burst of password writes must not take all the memory there is.
pub(crate) struct Sealer {
    passwords: Arc<dyn Passwords>,
    permits: Semaphore,
}

impl Sealer {
    pub(crate) fn new(passwords: Arc<dyn Passwords>) -> Sealer {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Sealer {
            passwords,
            permits: Semaphore::new(cores),
        }
    }

    pub(crate) fn passwords(&self) -> &dyn Passwords {
        &*self.passwords
    }

    /// Replaces the cleartext of each secret in `doc` with its hash. `previous` is the stored
    /// document: a secret equal to its stored value is that hash, untouched by a PATCH; with
    /// `keep_omitted` (PUT), a secret `doc` leaves out keeps its stored hash.
    pub(crate) async fn seal(
        &self,
        schema: &ResourceSchema,
        doc: &mut Value,
        previous: Option<&Value>,
        keep_omitted: bool,
    ) -> Result<(), ScimError> {
        for attr in secrets(schema) {
            let Some(o) = doc.as_object_mut() else {
                return Ok(());
            };
            let stored = previous
                .and_then(Value::as_object)
                .and_then(|p| name::value(p, attr))
                .and_then(Value::as_str);
            match name::value_mut(o, attr) {
                Some(Value::String(text)) => {
                    if stored != Some(text.as_str()) {
                        *text = self.hash(std::mem::take(text)).await?;
                    }
                }
                // Other types were refused by validation.
                Some(_) => {}
                None => {
                    if let (true, Some(hash)) = (keep_omitted, stored) {
                        o.insert(attr.to_owned(), hash.into());
                    }
                }
            }
        }
        Ok(())
    }

    async fn hash(&self, cleartext: String) -> Result<String, ScimError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ScimError::internal("the service is shutting down"))?;
        let passwords = self.passwords.clone();
        tokio::task::spawn_blocking(move || passwords.hash(&cleartext))
            .await
            .map_err(|e| ScimError::internal(format!("hashing a password failed: {e}")))?
    }
}

/// Refuses a filter or `sortBy` that names a secret: `password sw "$argon2id$v=19$…"`, grown one
/// character at a time, would read the stored hash out, and an order would rank it. 400
/// `invalidFilter`.
pub(crate) fn refuse_secret_queries(
    schema: &ResourceSchema,
    query: &Query,
) -> Result<(), ScimError> {
    let refused = |attr: &AttrPath| {
        ScimError::invalid_filter(format!(
            "`{attr}` is never returned and cannot be filtered or sorted on"
        ))
    };
    if let Some(attr) = query.sort_by.as_ref().filter(|a| is_secret(schema, a)) {
        return Err(refused(attr));
    }
    let Some(filter) = &query.filter else {
        return Ok(());
    };
    struct Secrets<'s> {
        schema: &'s ResourceSchema,
        /// Inside `attr[...]`, where paths name sub-attributes.
        depth: usize,
    }
    impl Secrets<'_> {
        fn check(&self, attr: &AttrPath) -> Result<(), AttrPath> {
            if self.depth == 0 && is_secret(self.schema, attr) {
                return Err(attr.clone());
            }
            Ok(())
        }
    }
    impl Fold for Secrets<'_> {
        type Output = ();
        type Error = AttrPath;
        fn present(&mut self, attr: &AttrPath) -> Result<(), AttrPath> {
            self.check(attr)
        }
        fn compare(
            &mut self,
            attr: &AttrPath,
            _: CompareOp,
            _: &CompValue,
        ) -> Result<(), AttrPath> {
            self.check(attr)
        }
        fn enter_value_path(&mut self, attr: &AttrPath) -> Result<(), AttrPath> {
            self.check(attr)?;
            self.depth += 1;
            Ok(())
        }
        fn value_path(&mut self, _: &AttrPath, (): ()) -> Result<(), AttrPath> {
            self.depth -= 1;
            Ok(())
        }
        fn not(&mut self, (): ()) -> Result<(), AttrPath> {
            Ok(())
        }
        fn and(&mut self, _: Vec<()>) -> Result<(), AttrPath> {
            Ok(())
        }
        fn or(&mut self, _: Vec<()>) -> Result<(), AttrPath> {
            Ok(())
        }
    }
    filter
        .fold(&mut Secrets { schema, depth: 0 })
        .map_err(|attr| refused(&attr))
}

/// Whether `attr` names one of `schema`'s secrets (by its name, or URN-qualified by the core
/// schema's id).
fn is_secret(schema: &ResourceSchema, attr: &AttrPath) -> bool {
    attr.urn()
        .is_none_or(|urn| name::eq(urn, &schema.core().id))
        && secrets(schema).any(|s| name::eq(s, attr.name()))
}

/// The core attributes a client writes and never reads back: single text values with
/// `returned: never` and `mutability: writeOnly` (`password`).
fn secrets(schema: &ResourceSchema) -> impl Iterator<Item = &str> {
    schema
        .core()
        .attributes
        .iter()
        .filter(|a| {
            a.returned == Returned::Never
                && a.mutability == Mutability::WriteOnly
                && a.type_ == AttributeType::String
                && !a.multi_valued
        })
        .map(|a| a.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_salted_and_verify() {
        let argon = Argon2id::with_params(1024, 1, 1).unwrap();
        let a = argon.hash("secret").unwrap();
        let b = argon.hash("secret").unwrap();
        assert_ne!(a, b, "a fresh salt each time");
        assert!(argon.verify("secret", &a) && argon.verify("secret", &b));
        assert!(!argon.verify("Secret", &a));
        assert!(!argon.verify("secret", "not a hash"));
        assert!(!a.contains("secret"));
    }

    fn sealer() -> Sealer {
        Sealer::new(Arc::new(Argon2id::with_params(1024, 1, 1).unwrap()))
    }

    #[tokio::test]
    async fn only_new_cleartext_is_hashed() {
        let schema = ResourceSchema::user();
        let s = sealer();
        let mut created = serde_json::json!({"userName": "a", "password": "one"});
        s.seal(&schema, &mut created, None, false).await.unwrap();
        let hash = created["password"].as_str().unwrap().to_owned();
        assert!(s.passwords().verify("one", &hash));
        // PATCH of something else: the stored hash is not hashed again.
        let mut patched = serde_json::json!({"userName": "b", "password": hash});
        s.seal(&schema, &mut patched, Some(&created), false)
            .await
            .unwrap();
        assert_eq!(patched["password"], created["password"]);
        // PUT without it keeps it; PATCH remove drops it.
        let mut put = serde_json::json!({"userName": "a"});
        s.seal(&schema, &mut put, Some(&created), true)
            .await
            .unwrap();
        assert_eq!(put["password"], created["password"]);
        let mut removed = serde_json::json!({"userName": "a"});
        s.seal(&schema, &mut removed, Some(&created), false)
            .await
            .unwrap();
        assert!(removed.get("password").is_none());
        // A new text, in any case of the name, is hashed.
        let mut put = serde_json::json!({"userName": "a", "PASSWORD": "two"});
        s.seal(&schema, &mut put, Some(&created), true)
            .await
            .unwrap();
        assert!(s
            .passwords()
            .verify("two", put["PASSWORD"].as_str().unwrap()));
    }

    #[test]
    fn secrets_cannot_be_filtered_or_sorted_on() {
        let schema = ResourceSchema::user();
        let query = |q: &str| Query::parse(q).unwrap();
        for q in [
            "filter=password%20sw%20%22%24argon2%22",
            "filter=userName%20eq%20%22a%22%20or%20not%20(PASSWORD%20pr)",
            "filter=urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser%3Apassword%20pr",
            "sortBy=password",
        ] {
            let e = refuse_secret_queries(&schema, &query(q)).unwrap_err();
            assert_eq!(e.scim_type_raw(), Some("invalidFilter"), "{q}");
        }
        for q in [
            "filter=userName%20sw%20%22pass%22",
            "filter=emails%5Bvalue%20pr%5D",
            "sortBy=userName",
        ] {
            assert!(refuse_secret_queries(&schema, &query(q)).is_ok(), "{q}");
        }
    }

    #[test]
    fn default_parameters_are_owasp_s() {
        let stored = Argon2id::default().hash("x").unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(Argon2id::with_params(1, 1, 1).is_err());
    }
}
