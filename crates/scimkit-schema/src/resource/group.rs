//! The Group resource (RFC 7643 §4.2).

use crate::builtin::GROUP_SCHEMA;
use crate::{name, Meta};

typed! {
    /// A Group resource (RFC 7643 §4.2).
    ///
    /// ```
    /// use scimkit_schema::resource::{Group, Member};
    /// let admins = Group::new("Admins")
    ///     .with_member(Member::user("2819c223").with_display("Babs Jensen"))
    ///     .with_member(Member::group("fc348aa8"));
    /// assert_eq!(serde_json::to_value(&admins).unwrap(), serde_json::json!({
    ///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    ///     "displayName": "Admins",
    ///     "members": [
    ///         {"value": "2819c223", "display": "Babs Jensen", "type": "User"},
    ///         {"value": "fc348aa8", "type": "Group"}
    ///     ]
    /// }));
    ///
    /// // Reading accepts any case and keeps what it does not model (docs/idp-compatibility.md's extra schema).
    /// let g: Group = serde_json::from_value(serde_json::json!({
    ///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
    ///                 "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
    ///     "DisplayName": "Sales", "Members": [], "externalId": "8aa1a0c0"
    /// })).unwrap();
    /// assert_eq!(g.display_name(), Some("Sales"));
    /// assert!(g.members.is_empty());
    /// assert_eq!(g.schemas.len(), 2);
    /// ```
    pub struct Group {
        /// The schema URNs of the resource, as received (RFC 7643 §3); see
        /// [`Group::normalize_schemas`].
        pub schemas: Vec<String>,
        /// The service provider's identifier (RFC 7643 §3.1; read-only, case-exact).
        pub id: Option<String>,
        /// The provisioning client's identifier (RFC 7643 §3.1).
        pub external_id: Option<String>,
        /// A human-readable name for the group (REQUIRED by RFC 7643 §4.2; optional here so that
        /// partial representations can be read).
        pub display_name: Option<String>,
        /// The members of the group.
        pub members: Vec<Member>,
        /// Resource metadata (RFC 7643 §3.1). Its sub-attribute names are read in any case too.
        #[serde(deserialize_with = "crate::resource::de::meta")]
        pub meta: Option<Meta>,
    }
}

impl Group {
    /// A group with the given `displayName` and `schemas` set to the core Group URN.
    pub fn new(display_name: impl Into<String>) -> Self {
        Group {
            schemas: vec![GROUP_SCHEMA.to_owned()],
            display_name: Some(display_name.into()),
            ..Self::default()
        }
    }

    /// The service provider's `id`, if assigned.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The `displayName`.
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// The `value` (member `id`) of every member, in order.
    ///
    /// ```
    /// use scimkit_schema::resource::{Group, Member};
    /// let g = Group::new("Admins").with_member(Member::user("a")).with_member(Member::user("b"));
    /// assert_eq!(g.member_ids().collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    pub fn member_ids(&self) -> impl Iterator<Item = &str> + '_ {
        self.members.iter().filter_map(|m| m.value.as_deref())
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

    /// Adds a member.
    #[must_use]
    pub fn with_member(mut self, member: Member) -> Self {
        self.members.push(member);
        self
    }

    /// Sets `meta`.
    #[must_use]
    pub fn with_meta(mut self, meta: Meta) -> Self {
        self.meta = Some(meta);
        self
    }

    /// Makes `schemas` consistent: the core Group URN first, in its canonical spelling, exactly
    /// once; every other entry kept in order (case-insensitive duplicates removed).
    ///
    /// ```
    /// use scimkit_schema::resource::Group;
    /// let mut g: Group = serde_json::from_value(serde_json::json!({
    ///     "schemas": ["urn:example:ext", "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:GROUP"],
    ///     "displayName": "Sales"
    /// })).unwrap();
    /// g.normalize_schemas();
    /// assert_eq!(g.schemas, ["urn:ietf:params:scim:schemas:core:2.0:Group", "urn:example:ext"]);
    /// ```
    pub fn normalize_schemas(&mut self) {
        super::normalize_schemas(&mut self.schemas, GROUP_SCHEMA, &[], &[]);
    }
}

typed! {
    /// One of a Group's `members` (RFC 7643 §4.2): a User or a Group.
    ///
    /// ```
    /// use scimkit_schema::resource::Member;
    /// let m: Member = serde_json::from_value(serde_json::json!({
    ///     "Value": "2819c223", "$REF": "https://example.com/v2/Users/2819c223", "Type": "User"
    /// })).unwrap();
    /// assert_eq!(m, Member::user("2819c223").with_ref("https://example.com/v2/Users/2819c223"));
    /// assert!(m.is_user());
    /// ```
    pub struct Member {
        /// The member's `id`.
        pub value: Option<String>,
        /// The URI of the member resource (`$ref`).
        #[serde(rename = "$ref")]
        pub ref_: Option<String>,
        /// The member's display name (RFC 7643 §4.2; the §8.7.1 definition omits it, the §8.4
        /// example uses it).
        pub display: Option<String>,
        /// The kind of member: `User` or `Group`.
        #[serde(rename = "type")]
        pub type_: Option<String>,
    }
}

impl Member {
    /// A member that is the User whose `id` is `id` (`"type": "User"`).
    pub fn user(id: impl Into<String>) -> Self {
        Member {
            value: Some(id.into()),
            type_: Some("User".to_owned()),
            ..Self::default()
        }
    }

    /// A member that is the Group whose `id` is `id` (`"type": "Group"`).
    pub fn group(id: impl Into<String>) -> Self {
        Member {
            value: Some(id.into()),
            type_: Some("Group".to_owned()),
            ..Self::default()
        }
    }

    /// A member given by `id` alone, without `type` (as Entra and Okta send them).
    ///
    /// ```
    /// let m = scimkit_schema::resource::Member::new("2819c223");
    /// assert_eq!(serde_json::to_value(&m).unwrap(), serde_json::json!({"value": "2819c223"}));
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        Member {
            value: Some(id.into()),
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

    /// Whether `type` is `User` (in any case).
    pub fn is_user(&self) -> bool {
        self.type_.as_deref().is_some_and(|t| name::eq(t, "User"))
    }

    /// Whether `type` is `Group` (in any case).
    pub fn is_group(&self) -> bool {
        self.type_.as_deref().is_some_and(|t| name::eq(t, "Group"))
    }
}
