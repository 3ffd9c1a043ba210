//! The User resource (RFC 7643 §4.1) and its `name`.

use serde_json::Value;

use super::{
    Address, Email, EnterpriseUser, Entitlement, GroupMembership, Im, PhoneNumber, Photo, Role,
    X509Certificate,
};
use crate::builtin::{ENTERPRISE_USER_SCHEMA, USER_SCHEMA};
use crate::{name, Meta};

typed! {
    /// A User resource (RFC 7643 §4.1), with the Enterprise User extension (§4.3) as a field.
    ///
    /// See the [module docs](super) for how names, unknown attributes, nulls and the IdP
    /// tolerances are read.
    ///
    /// ```
    /// use scimkit_schema::resource::{Email, Name, User};
    /// let user = User::new("bjensen@example.com")
    ///     .with_name(Name::new("Barbara", "Jensen"))
    ///     .with_display_name("Babs Jensen")
    ///     .with_email(Email::new("bjensen@example.com").with_type("work").primary())
    ///     .with_active(true);
    /// let json = serde_json::Value::from(user.clone());
    /// assert_eq!(json["name"]["givenName"], "Barbara");
    /// assert_eq!(User::try_from(json).unwrap(), user);
    /// ```
    pub struct User {
        /// The schema URNs of the resource, as received (RFC 7643 §3); see
        /// [`User::normalize_schemas`].
        pub schemas: Vec<String>,
        /// The service provider's identifier (RFC 7643 §3.1; read-only, case-exact).
        pub id: Option<String>,
        /// The provisioning client's identifier (RFC 7643 §3.1), e.g. Okta's user id.
        pub external_id: Option<String>,
        /// The unique identifier the User logs in with (REQUIRED by RFC 7643 §4.1; optional here so
        /// that partial representations, e.g. after `attributes=`, can be read).
        pub user_name: Option<String>,
        /// The components of the User's real name.
        pub name: Option<Name>,
        /// The name to display to end users.
        pub display_name: Option<String>,
        /// The casual name, e.g. `Bob` for `Robert`.
        pub nick_name: Option<String>,
        /// The URL of the User's online profile.
        pub profile_url: Option<String>,
        /// The User's title, e.g. `Vice President`.
        pub title: Option<String>,
        /// The relationship to the organisation, e.g. `Employee`, `Contractor`.
        pub user_type: Option<String>,
        /// The preferred written or spoken language (RFC 7231 §5.3.5 form, e.g. `en-US`).
        pub preferred_language: Option<String>,
        /// The default location for localisation (e.g. `en-US`).
        pub locale: Option<String>,
        /// The time zone, in IANA form (e.g. `America/Los_Angeles`).
        pub timezone: Option<String>,
        /// The administrative status. Also reads the strings `"true"`/`"false"` in any case
        /// (docs/idp-compatibility.md: Entra sends `"active": "False"`).
        #[serde(deserialize_with = "crate::resource::de::tolerant_bool")]
        pub active: Option<bool>,
        /// The cleartext password (write-only: set on create or replace, never returned; leaving it
        /// out of responses is projection's job).
        pub password: Option<String>,
        /// Email addresses.
        pub emails: Vec<Email>,
        /// Phone numbers.
        pub phone_numbers: Vec<PhoneNumber>,
        /// Instant-messaging addresses.
        pub ims: Vec<Im>,
        /// Photo URLs.
        pub photos: Vec<Photo>,
        /// Physical mailing addresses.
        pub addresses: Vec<Address>,
        /// The groups the User belongs to (read-only; derived from the groups' `members`).
        pub groups: Vec<GroupMembership>,
        /// Entitlements.
        pub entitlements: Vec<Entitlement>,
        /// Roles.
        pub roles: Vec<Role>,
        /// X.509 certificates.
        pub x509_certificates: Vec<X509Certificate>,
        /// The Enterprise User extension, under the key
        /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` (matched in any case).
        #[serde(rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
        pub enterprise: Option<EnterpriseUser>,
        /// Resource metadata (RFC 7643 §3.1). Its sub-attribute names are read in any case too.
        #[serde(deserialize_with = "crate::resource::de::meta")]
        pub meta: Option<Meta>,
    }
}

impl User {
    /// A user with the given `userName` and `schemas` set to the core User URN.
    ///
    /// ```
    /// let u = scimkit_schema::resource::User::new("bjensen");
    /// assert_eq!(serde_json::to_value(&u).unwrap(), serde_json::json!({
    ///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"
    /// }));
    /// ```
    pub fn new(user_name: impl Into<String>) -> Self {
        User {
            schemas: vec![USER_SCHEMA.to_owned()],
            user_name: Some(user_name.into()),
            ..Self::default()
        }
    }

    /// The service provider's `id`, if assigned.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The `externalId`, if set.
    pub fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    /// The `userName`.
    pub fn user_name(&self) -> Option<&str> {
        self.user_name.as_deref()
    }

    /// The `displayName`.
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// The email marked `primary`, else the first one (RFC 7643 §2.4: at most one value is primary).
    ///
    /// ```
    /// use scimkit_schema::resource::{Email, User};
    /// let u = User::new("b")
    ///     .with_email(Email::new("home@example.com"))
    ///     .with_email(Email::new("work@example.com").primary());
    /// assert_eq!(u.primary_email().unwrap().value.as_deref(), Some("work@example.com"));
    /// ```
    pub fn primary_email(&self) -> Option<&Email> {
        self.emails
            .iter()
            .find(|e| e.is_primary())
            .or_else(|| self.emails.first())
    }

    /// The member of `extra` whose key is `urn` in any case: another schema extension's object
    /// (the enterprise extension is [`User::enterprise`]).
    ///
    /// ```
    /// let u: scimkit_schema::resource::User = serde_json::from_value(serde_json::json!({
    ///     "userName": "b", "urn:acme:scim:2.0:User": {"badge": 7}
    /// })).unwrap();
    /// assert_eq!(u.extension("URN:ACME:SCIM:2.0:USER").unwrap()["badge"], 7);
    /// ```
    pub fn extension(&self, urn: &str) -> Option<&Value> {
        name::value(&self.extra, urn)
    }

    /// Sets `id`.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets `externalId`.
    #[must_use]
    pub fn with_external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Sets `name`.
    #[must_use]
    pub fn with_name(mut self, name: Name) -> Self {
        self.name = Some(name);
        self
    }

    /// Sets `displayName`.
    #[must_use]
    pub fn with_display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = Some(display_name.into());
        self
    }

    /// Sets `active`.
    #[must_use]
    pub fn with_active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// Sets `password`.
    #[must_use]
    pub fn with_password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Adds an email address.
    #[must_use]
    pub fn with_email(mut self, email: Email) -> Self {
        self.emails.push(email);
        self
    }

    /// Adds a phone number.
    #[must_use]
    pub fn with_phone_number(mut self, phone_number: PhoneNumber) -> Self {
        self.phone_numbers.push(phone_number);
        self
    }

    /// Adds an address.
    #[must_use]
    pub fn with_address(mut self, address: Address) -> Self {
        self.addresses.push(address);
        self
    }

    /// Adds a role.
    #[must_use]
    pub fn with_role(mut self, role: Role) -> Self {
        self.roles.push(role);
        self
    }

    /// Adds an entitlement.
    #[must_use]
    pub fn with_entitlement(mut self, entitlement: Entitlement) -> Self {
        self.entitlements.push(entitlement);
        self
    }

    /// Sets the Enterprise User extension and adds its URN to `schemas` (see
    /// [`User::normalize_schemas`]).
    #[must_use]
    pub fn with_enterprise(mut self, enterprise: EnterpriseUser) -> Self {
        self.enterprise = Some(enterprise);
        self.normalize_schemas();
        self
    }

    /// Sets another schema extension's object under `urn` (replacing one spelled in any case) and
    /// adds `urn` to `schemas`.
    ///
    /// ```
    /// use scimkit_schema::resource::User;
    /// let u = User::new("b").with_extension("urn:acme:scim:2.0:User", serde_json::json!({"badge": 7}));
    /// assert_eq!(u.schemas, ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:acme:scim:2.0:User"]);
    /// assert_eq!(serde_json::to_value(&u).unwrap()["urn:acme:scim:2.0:User"]["badge"], 7);
    /// ```
    #[must_use]
    pub fn with_extension(mut self, urn: impl Into<String>, value: Value) -> Self {
        let urn = urn.into();
        name::remove(&mut self.extra, &urn);
        self.extra.insert(urn, value);
        self.normalize_schemas();
        self
    }

    /// Sets `meta`.
    #[must_use]
    pub fn with_meta(mut self, meta: Meta) -> Self {
        self.meta = Some(meta);
        self
    }

    /// Makes `schemas` consistent with the content (RFC 7643 §3): the core User URN first; then the
    /// Enterprise User URN if and only if [`User::enterprise`] is set; then the URN of every other
    /// extension object in `extra` (a `urn:` key holding an object); then every other entry as
    /// received. URNs are written in their canonical spelling where this crate knows it, and
    /// case-insensitive duplicates are dropped.
    ///
    /// ```
    /// use scimkit_schema::resource::User;
    /// let mut u: User = serde_json::from_value(serde_json::json!({
    ///     "schemas": ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    ///     "userName": "b"
    /// })).unwrap();
    /// u.normalize_schemas();
    /// assert_eq!(u.schemas, ["urn:ietf:params:scim:schemas:core:2.0:User"]);
    /// ```
    pub fn normalize_schemas(&mut self) {
        let mut present: Vec<&str> = Vec::new();
        if self.enterprise.is_some() {
            present.push(ENTERPRISE_USER_SCHEMA);
        }
        present.extend(
            self.extra
                .iter()
                .filter(|(k, v)| v.is_object() && k.get(..4).is_some_and(|p| name::eq(p, "urn:")))
                .map(|(k, _)| k.as_str()),
        );
        let absent: &[&str] = if self.enterprise.is_none() {
            &[ENTERPRISE_USER_SCHEMA]
        } else {
            &[]
        };
        super::normalize_schemas(&mut self.schemas, USER_SCHEMA, &present, absent);
    }
}

typed! {
    /// A User's `name` (RFC 7643 §4.1.1): the components of the real name.
    ///
    /// ```
    /// use scimkit_schema::resource::Name;
    /// let n: Name = serde_json::from_value(serde_json::json!({
    ///     "GivenName": "Barbara", "familyname": "Jensen", "middleName": null
    /// })).unwrap();
    /// assert_eq!(n, Name::new("Barbara", "Jensen"));
    /// ```
    pub struct Name {
        /// The full name, formatted for display, e.g. `Ms. Barbara J Jensen, III`.
        pub formatted: Option<String>,
        /// The family name (last name in most Western languages), e.g. `Jensen`.
        pub family_name: Option<String>,
        /// The given name (first name in most Western languages), e.g. `Barbara`.
        pub given_name: Option<String>,
        /// The middle name(s), e.g. `Jane`.
        pub middle_name: Option<String>,
        /// The honorific prefix(es) or title, e.g. `Ms.`.
        pub honorific_prefix: Option<String>,
        /// The honorific suffix(es), e.g. `III`.
        pub honorific_suffix: Option<String>,
    }
}

impl Name {
    /// A name with `givenName` and `familyName`.
    pub fn new(given_name: impl Into<String>, family_name: impl Into<String>) -> Self {
        Name {
            given_name: Some(given_name.into()),
            family_name: Some(family_name.into()),
            ..Self::default()
        }
    }

    /// Sets `formatted`.
    #[must_use]
    pub fn with_formatted(mut self, formatted: impl Into<String>) -> Self {
        self.formatted = Some(formatted.into());
        self
    }

    /// Sets `middleName`.
    #[must_use]
    pub fn with_middle_name(mut self, middle_name: impl Into<String>) -> Self {
        self.middle_name = Some(middle_name.into());
        self
    }

    /// Sets `honorificPrefix`.
    #[must_use]
    pub fn with_honorific_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.honorific_prefix = Some(prefix.into());
        self
    }

    /// Sets `honorificSuffix`.
    #[must_use]
    pub fn with_honorific_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.honorific_suffix = Some(suffix.into());
        self
    }
}
