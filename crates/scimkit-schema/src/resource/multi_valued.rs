//! The values of the User's multi-valued attributes (RFC 7643 §4.1.2, §2.4).

multi_valued! {
    /// One of a User's `emails` (RFC 7643 §4.1.2): canonical types `work`, `home`, `other`.
    pub struct Email;
    value: "The email address, canonicalised by the service provider (RFC 5321).",
    example: "\"bjensen@example.com\"",
}

multi_valued! {
    /// One of a User's `phoneNumbers` (RFC 7643 §4.1.2): canonical types `work`, `home`, `mobile`,
    /// `fax`, `pager`, `other`.
    pub struct PhoneNumber;
    value: "The phone number, ideally in RFC 3966 form (`tel:+1-201-555-0123`).",
    example: "\"tel:+1-201-555-0123\"",
}

multi_valued! {
    /// One of a User's `ims`, instant-messaging addresses (RFC 7643 §4.1.2): canonical types `aim`,
    /// `gtalk`, `icq`, `xmpp`, `msn`, `skype`, `qq`, `yahoo`.
    pub struct Im;
    value: "The instant-messaging address.",
    example: "\"someaimhandle\"",
}

multi_valued! {
    /// One of a User's `photos` (RFC 7643 §4.1.2): canonical types `photo`, `thumbnail`.
    pub struct Photo;
    value: "The URL of the image (a `reference` attribute).",
    example: "\"https://photos.example.com/profilephoto/72930000000Ccne/F\"",
}

multi_valued! {
    /// One of a User's `entitlements` (RFC 7643 §4.1.2): a thing the User has.
    pub struct Entitlement;
    value: "The entitlement.",
    example: "\"sales-reports\"",
}

multi_valued! {
    /// One of a User's `roles` (RFC 7643 §4.1.2), e.g. `Student`, `Faculty`.
    pub struct Role;
    value: "The role.",
    example: "\"Tour Guide\"",
}

multi_valued! {
    /// One of a User's `x509Certificates` (RFC 7643 §4.1.2).
    pub struct X509Certificate;
    value: "The DER-encoded certificate, base64-encoded (a `binary` attribute).",
    example: "\"MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw\"",
}

typed! {
    /// One of a User's `addresses`, a physical mailing address (RFC 7643 §4.1.2): canonical types
    /// `work`, `home`, `other`.
    ///
    /// ```
    /// use scimkit_schema::resource::Address;
    /// let a = Address::new()
    ///     .with_street_address("100 Universal City Plaza")
    ///     .with_locality("Hollywood")
    ///     .with_region("CA")
    ///     .with_postal_code("91608")
    ///     .with_country("US")
    ///     .with_type("work")
    ///     .primary();
    /// assert_eq!(serde_json::to_value(&a).unwrap()["streetAddress"], "100 Universal City Plaza");
    /// ```
    pub struct Address {
        /// The full address, formatted for display or mailing labels; may contain newlines.
        pub formatted: Option<String>,
        /// The full street address: house number, street name, P.O. box, multi-line extended
        /// street address information.
        pub street_address: Option<String>,
        /// The city or locality.
        pub locality: Option<String>,
        /// The state or region.
        pub region: Option<String>,
        /// The zip code or postal code.
        pub postal_code: Option<String>,
        /// The country, as an ISO 3166-1 alpha-2 code (`US`, `SE`).
        pub country: Option<String>,
        /// A label for the address's function: `work`, `home`, `other`.
        #[serde(rename = "type")]
        pub type_: Option<String>,
        /// Whether this is the preferred address (RFC 7643 §4.1.2; the §8.7.1 definition omits it,
        /// the §8.2 example uses it). Also reads `"true"`/`"false"` strings (docs/idp-compatibility.md).
        #[serde(deserialize_with = "crate::resource::de::tolerant_bool")]
        pub primary: Option<bool>,
    }
}

impl Address {
    /// An empty address; fill it with the `with_*` methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `formatted`.
    #[must_use]
    pub fn with_formatted(mut self, formatted: impl Into<String>) -> Self {
        self.formatted = Some(formatted.into());
        self
    }

    /// Sets `streetAddress`.
    #[must_use]
    pub fn with_street_address(mut self, street_address: impl Into<String>) -> Self {
        self.street_address = Some(street_address.into());
        self
    }

    /// Sets `locality`.
    #[must_use]
    pub fn with_locality(mut self, locality: impl Into<String>) -> Self {
        self.locality = Some(locality.into());
        self
    }

    /// Sets `region`.
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sets `postalCode`.
    #[must_use]
    pub fn with_postal_code(mut self, postal_code: impl Into<String>) -> Self {
        self.postal_code = Some(postal_code.into());
        self
    }

    /// Sets `country`.
    #[must_use]
    pub fn with_country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }

    /// Sets `type`, e.g. `work` or `home`.
    #[must_use]
    pub fn with_type(mut self, type_: impl Into<String>) -> Self {
        self.type_ = Some(type_.into());
        self
    }

    /// Marks this the primary address (`"primary": true`).
    #[must_use]
    pub fn primary(mut self) -> Self {
        self.primary = Some(true);
        self
    }

    /// Whether `primary` is `true`.
    pub fn is_primary(&self) -> bool {
        self.primary == Some(true)
    }
}

typed! {
    /// One of a User's `groups` (RFC 7643 §4.1.2): a group the User belongs to, directly or
    /// indirectly. Read-only: the service provider derives it from the groups' `members`, and
    /// servers ignore it on input (validation drops it).
    ///
    /// ```
    /// use scimkit_schema::resource::GroupMembership;
    /// let g: GroupMembership = serde_json::from_value(serde_json::json!({
    ///     "Value": "e9e30dba", "$Ref": "../Groups/e9e30dba", "Display": "Tour Guides", "type": "direct"
    /// })).unwrap();
    /// assert_eq!(g.ref_.as_deref(), Some("../Groups/e9e30dba"));
    /// assert_eq!(g.type_.as_deref(), Some("direct"));
    /// ```
    pub struct GroupMembership {
        /// The group's `id`.
        pub value: Option<String>,
        /// The URI of the group resource (`$ref`).
        #[serde(rename = "$ref")]
        pub ref_: Option<String>,
        /// The group's display name.
        pub display: Option<String>,
        /// How the membership is held: `direct` or `indirect`.
        #[serde(rename = "type")]
        pub type_: Option<String>,
    }
}

impl GroupMembership {
    /// A membership of the group whose `id` is `value`.
    ///
    /// ```
    /// use scimkit_schema::resource::GroupMembership;
    /// let g = GroupMembership::new("e9e30dba").with_display("Tour Guides");
    /// assert_eq!(serde_json::to_value(&g).unwrap(), serde_json::json!({"value": "e9e30dba", "display": "Tour Guides"}));
    /// ```
    pub fn new(value: impl Into<String>) -> Self {
        GroupMembership {
            value: Some(value.into()),
            ..Self::default()
        }
    }

    /// Sets `$ref`.
    #[must_use]
    pub fn with_ref(mut self, uri: impl Into<String>) -> Self {
        self.ref_ = Some(uri.into());
        self
    }

    /// Sets `display`.
    #[must_use]
    pub fn with_display(mut self, display: impl Into<String>) -> Self {
        self.display = Some(display.into());
        self
    }

    /// Sets `type`: `direct` or `indirect`.
    #[must_use]
    pub fn with_type(mut self, type_: impl Into<String>) -> Self {
        self.type_ = Some(type_.into());
        self
    }
}
