//! The schema definitions RFC 7643 §8.7 publishes, with the RFC's errata applied.
//!
//! The definitions are the RFC's own JSON (`builtin/*.json`, see `builtin/ERRATA.md` for each
//! erratum and what it changes), parsed once on first use.

use std::sync::OnceLock;

use crate::{ResourceSchema, ResourceType, Schema};

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

builtin! {
    /// The core User schema of RFC 7643 §8.7.1.
    user -> Schema = "builtin/user.json"
}
builtin! {
    /// The core Group schema of RFC 7643 §8.7.1.
    group -> Schema = "builtin/group.json"
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
    /// The User resource type of RFC 7643 §8.6 (enterprise extension optional).
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
            ResourceSchema::new(
                user_resource_type().clone(),
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
