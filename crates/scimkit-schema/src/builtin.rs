//! The schema definitions RFC 7643 §8.7 publishes, with the RFC's errata applied.
//!
//! The definitions are the RFC's own JSON (`builtin/*.json`, see `builtin/ERRATA.md` for each
//! erratum and what it changes), parsed once on first use.
//!
//! # Amendments
//! Three places where the RFC's printed definitions contradict the RFC's own text and examples are
//! amended in code (so the JSON files stay exactly RFC + errata, and the amendments are visible here):
//! - User `addresses` gains the `primary` sub-attribute: RFC 7643 §2.4 gives every multi-valued
//!   attribute `primary`, §4.1.2 describes it for addresses, and the §8.2 example uses it.
//! - Group `members` gains the `display` sub-attribute (§2.4; the RFC 7644 §3.5.2 examples and
//!   every IdP send it: Okta, Entra; reported as erratum 6011).
//! - [`ResourceSchema::user`] makes the Enterprise User extension optional: the §8.6 figure marks it
//!   required, but that is one provider's example, and a required extension would reject the plain
//!   users every IdP creates (§8.1, Okta).

use std::sync::OnceLock;

use crate::{Attribute, AttributeType, ResourceSchema, ResourceType, Schema};

/// The core User schema URN (RFC 7643 §4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN (RFC 7643 §4.2).
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The Enterprise User extension URN (RFC 7643 §4.3).
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn parse<T: serde::de::DeserializeOwned>(json: &str) -> T {
    // The files are part of this crate and tested; a failure here is a build defect, not input.
    serde_json::from_str(json).expect("built-in RFC 7643 JSON is valid")
}

macro_rules! builtin {
    ($(#[$doc:meta])* $fn:ident -> $ty:ty = $file:literal) => {
        $(#[$doc])*
        pub fn $fn() -> &'static $ty {
            static CELL: OnceLock<$ty> = OnceLock::new();
            CELL.get_or_init(|| parse(include_str!($file)))
        }
    };
}

/// The core User schema of RFC 7643 §8.7.1, with errata and the `addresses.primary` amendment.
pub fn user() -> &'static Schema {
    static CELL: OnceLock<Schema> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut schema: Schema = parse(include_str!("builtin/user.json"));
        // The same definition §8.7.1 gives `emails.primary` (and every other multi-valued attribute).
        let primary = schema
            .attribute("emails")
            .and_then(|e| e.sub_attribute("primary"))
            .cloned();
        if let Some(primary) = primary {
            amend(&mut schema, "addresses", primary);
        }
        schema
    })
}

/// The core Group schema of RFC 7643 §8.7.1, with errata and the `members.display` amendment.
pub fn group() -> &'static Schema {
    static CELL: OnceLock<Schema> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut schema: Schema = parse(include_str!("builtin/group.json"));
        let display = Attribute::new("display", AttributeType::String)
            .with_description("A human-readable name, primarily used for display purposes.");
        amend(&mut schema, "members", display);
        schema
    })
}

/// Adds a sub-attribute to a complex attribute unless a later RFC revision already has it.
fn amend(schema: &mut Schema, attribute: &str, sub: Attribute) {
    if let Some(a) = schema.attributes.iter_mut().find(|a| a.name == attribute) {
        if a.sub_attribute(&sub.name).is_none() {
            a.sub_attributes.push(sub);
        }
    }
}

builtin! {
    /// The Enterprise User extension schema of RFC 7643 §8.7.1.
    enterprise_user -> Schema = "builtin/enterprise_user.json"
}
builtin! {
    /// The ServiceProviderConfig schema of RFC 7643 §8.7.2.
    service_provider_config -> Schema = "builtin/service_provider_config_schema.json"
}
builtin! {
    /// The ResourceType schema of RFC 7643 §8.7.2.
    resource_type -> Schema = "builtin/resource_type_schema.json"
}
builtin! {
    /// The Schema schema of RFC 7643 §8.7.2.
    schema -> Schema = "builtin/schema_schema.json"
}
builtin! {
    /// The User resource type of RFC 7643 §8.6, as printed (enterprise extension required; see
    /// [`ResourceSchema::user`] for the amendment that makes it optional).
    user_resource_type -> ResourceType = "builtin/user_resource_type.json"
}
builtin! {
    /// The Group resource type of RFC 7643 §8.6.
    group_resource_type -> ResourceType = "builtin/group_resource_type.json"
}

impl ResourceSchema {
    /// The RFC User resource type: core User schema plus the Enterprise User extension (optional).
    ///
    /// ```
    /// let user = scimkit_schema::ResourceSchema::user();
    /// assert_eq!(user.name(), "User");
    /// assert!(user.resolve(None, "employeeNumber", None).unwrap().is_extension);
    /// ```
    pub fn user() -> ResourceSchema {
        static CELL: OnceLock<ResourceSchema> = OnceLock::new();
        CELL.get_or_init(|| {
            let mut resource_type = user_resource_type().clone();
            // See the module docs: the extension is optional (an amendment of the §8.6 example).
            resource_type
                .schema_extensions
                .iter_mut()
                .for_each(|e| e.required = false);
            ResourceSchema::new(
                resource_type,
                user().clone(),
                vec![enterprise_user().clone()],
            )
            .expect("the RFC User resource type is consistent")
        })
        .clone()
    }

    /// The RFC Group resource type.
    ///
    /// ```
    /// let group = scimkit_schema::ResourceSchema::group();
    /// assert_eq!(group.resolve(None, "members", Some("value")).unwrap().target().name, "value");
    /// ```
    pub fn group() -> ResourceSchema {
        static CELL: OnceLock<ResourceSchema> = OnceLock::new();
        CELL.get_or_init(|| {
            ResourceSchema::new(group_resource_type().clone(), group().clone(), Vec::new())
                .expect("the RFC Group resource type is consistent")
        })
        .clone()
    }
}
