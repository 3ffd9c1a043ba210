//! Typed resources (RFC 7643 §4): [`User`], [`Group`], [`EnterpriseUser`] and their parts.
//!
//! These types are for building and reading resources at the edges of a program; the engines
//! (filter, PATCH, validation, projection) work on `serde_json::Value` with a schema beside it
//!. They convert through serde:
//!
//! - **Any case in, canonical out** (RFC 7643 §2.1). Reading accepts attribute names, sub-attribute
//!   names and the enterprise extension URN in any case (`"UserName"`, `"Primary"`,
//!   `"URN:IETF:…:ENTERPRISE:2.0:USER"`); writing uses the RFC's spelling (camelCase as in
//!   RFC 7643 §8.7.1, the extension under its exact URN).
//! - **Nothing is lost.** Every type has an `extra` map that keeps, spelling and order intact, each
//!   member it does not model: other extensions, custom attributes, sub-attributes a server added.
//!   JSON → typed → JSON gives back equal JSON (for input without nulls or empty arrays, see next).
//! - **`null` and `[]` mean unassigned** (RFC 7643 §2.5; Entra sends `"addresses": null`,
//!   `"roles": []`, docs/idp-compatibility.md): they read as `None` or an empty `Vec`, and unassigned
//!   attributes are left out of the output.
//! - **Tolerances, where unambiguous** (strict by default, IdP tolerances by profile, each from docs/idp-compatibility.md):
//!   `active` and every `primary` accept the strings `"true"`/`"false"` in any case (docs/idp-compatibility.md); the
//!   enterprise `manager` accepts a bare string, read as its `value` (docs/idp-compatibility.md). Everything else of the
//!   wrong type is a serde error, never a panic.
//!
//! `schemas` is kept exactly as received; [`User::normalize_schemas`] and
//! [`Group::normalize_schemas`] make it consistent with the content.
//!
//! # Input safety
//! From text, serde_json limits nesting to 128 levels. `TryFrom<Value>` (e.g. `User::try_from`)
//! applies the same limit, checked without recursion, to a `Value` the caller built, and answers a
//! deeper one with an error; prefer it to `serde_json::from_value` for values of unknown origin.
//! Errors are serde errors; they name the problem (`invalid type: string "x", expected a
//! boolean…`) but not its position, since typed reading goes through a JSON object.
//!
//! ```
//! use scimkit_schema::resource::{Email, EnterpriseUser, Manager, User};
//!
//! let user: User = serde_json::from_value(serde_json::json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "UserName": "bjensen",
//!     "Active": "True",
//!     "emails": [{"Value": "bjensen@example.com", "Primary": true, "Type": "work"}],
//!     "addresses": null,
//!     "roles": [],
//!     "urn:example:custom:2.0:User": {"badge": 7}
//! }))?;
//! assert_eq!(user.user_name(), Some("bjensen"));
//! assert_eq!(user.active, Some(true));
//! assert_eq!(user.primary_email().and_then(|e| e.value.as_deref()), Some("bjensen@example.com"));
//!
//! let json = serde_json::to_value(&user)?;
//! assert_eq!(json, serde_json::json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "userName": "bjensen",
//!     "active": true,
//!     "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
//!     "urn:example:custom:2.0:User": {"badge": 7}
//! }));
//!
//! // Building one.
//! let built = User::new("jsmith")
//!     .with_email(Email::new("jsmith@example.com").with_type("work").primary())
//!     .with_enterprise(EnterpriseUser::new().with_manager(Manager::new("26118915")));
//! assert_eq!(built.schemas, [
//!     "urn:ietf:params:scim:schemas:core:2.0:User",
//!     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
//! ]);
//! # Ok::<(), serde_json::Error>(())
//! ```

/// Declares a typed resource or complex value: the public struct (derived `Serialize`, canonical
/// names, an `extra` map flattened at the end, unassigned fields skipped), a private shadow with
/// the same fields and a derived `Deserialize`, and the `Deserialize`, `TryFrom<Value>` and
/// `Into<Value>` impls that go through [`de::typed`].
///
/// Every field must be an `Option` or a `Vec` (both read as unassigned when absent or null).
macro_rules! typed {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident : $ty:ty,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(skip_serializing_if = "crate::resource::de::is_unset")]
                pub $field: $ty,
            )*
            /// Members this type does not model (other extensions, custom attributes and
            /// sub-attributes), as received: written back unchanged, so a round trip loses nothing.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }

        const _: () = {
            #[derive(Default, serde::Deserialize)]
            #[serde(rename_all = "camelCase", default)]
            struct Shadow {
                $( $(#[$fmeta])* $field: $ty, )*
            }

            impl From<Shadow> for $name {
                fn from(shadow: Shadow) -> Self {
                    $name {
                        $( $field: shadow.$field, )*
                        extra: serde_json::Map::new(),
                    }
                }
            }

            impl crate::resource::de::HasExtra for $name {
                fn extra_mut(&mut self) -> &mut serde_json::Map<String, serde_json::Value> {
                    &mut self.extra
                }

                fn adopt_unassigned(&mut self) -> Result<(), serde_json::Error> {
                    if self.extra.is_empty() {
                        return Ok(());
                    }
                    let mut names = crate::resource::de::field_names::<Shadow>().iter();
                    $(
                        let name = names.next().copied().unwrap_or_default();
                        while !name.is_empty() && crate::resource::de::is_unset(&self.$field) {
                            let Some(value) = crate::resource::de::take_variant(&mut self.extra, name) else {
                                break;
                            };
                            self.$field = crate::resource::de::shadow_with::<Shadow>(name, value)?.$field;
                        }
                    )*
                    Ok(())
                }
            }

            impl<'de> serde::Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    crate::resource::de::typed::<D, Shadow, $name>(deserializer)
                }
            }

            impl TryFrom<serde_json::Value> for $name {
                type Error = serde_json::Error;

                fn try_from(value: serde_json::Value) -> Result<Self, Self::Error> {
                    crate::resource::de::try_from_value::<Shadow, $name>(value)
                }
            }

            impl From<$name> for serde_json::Value {
                fn from(typed: $name) -> Self {
                    // Infallible: every member is a string-keyed map, a string, a bool or a Value.
                    serde_json::to_value(typed).expect("typed resources serialise to JSON")
                }
            }
        };
    };
}

/// Declares a multi-valued attribute value with the RFC 7643 §2.4 sub-attributes `value`,
/// `display`, `type` and `primary`, plus the shared builder methods.
macro_rules! multi_valued {
    (
        $(#[$meta:meta])*
        pub struct $name:ident;
        value: $value_doc:literal,
        example: $example:literal $(,)?
    ) => {
        typed! {
            $(#[$meta])*
            pub struct $name {
                #[doc = $value_doc]
                pub value: Option<String>,
                /// A human-readable name, primarily used for display purposes.
                pub display: Option<String>,
                /// A label for the value's function, e.g. `work` or `home` (see the schema's
                /// canonical values).
                #[serde(rename = "type")]
                pub type_: Option<String>,
                /// Whether this is the preferred value of its attribute (RFC 7643 §2.4). Also reads
                /// the strings `"true"`/`"false"` in any case (docs/idp-compatibility.md).
                #[serde(deserialize_with = "crate::resource::de::tolerant_bool")]
                pub primary: Option<bool>,
            }
        }

        impl $name {
            #[doc = concat!("A `", stringify!($name), "` with the given `value` and nothing else.")]
            ///
            /// ```
            #[doc = concat!("use scimkit_schema::resource::", stringify!($name), ";")]
            #[doc = concat!("let v = ", stringify!($name), "::new(", $example, ").with_type(\"work\").primary();")]
            #[doc = concat!("assert_eq!(v.value.as_deref(), Some(", $example, "));")]
            /// assert!(v.is_primary());
            /// assert_eq!(serde_json::to_value(&v).unwrap(), serde_json::json!({
            #[doc = concat!("    \"value\": ", $example, ", \"type\": \"work\", \"primary\": true")]
            /// }));
            /// ```
            pub fn new(value: impl Into<String>) -> Self {
                $name {
                    value: Some(value.into()),
                    ..Self::default()
                }
            }

            /// Sets `type`, e.g. `work` or `home`.
            #[must_use]
            pub fn with_type(mut self, type_: impl Into<String>) -> Self {
                self.type_ = Some(type_.into());
                self
            }

            /// Sets `display`.
            #[must_use]
            pub fn with_display(mut self, display: impl Into<String>) -> Self {
                self.display = Some(display.into());
                self
            }

            /// Marks this the primary value (`"primary": true`).
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
    };
}

mod de;
mod enterprise;
mod group;
mod multi_valued;
mod user;

pub use enterprise::{EnterpriseUser, Manager};
pub use group::{Group, Member};
pub use multi_valued::{
    Address, Email, Entitlement, GroupMembership, Im, PhoneNumber, Photo, Role, X509Certificate,
};
pub use user::{Name, User};

/// Rewrites `schemas` as: `core`, then each URN of `present` (the extensions the resource carries),
/// then every other entry as received; drops case-insensitive duplicates and the URNs of `absent`.
fn normalize_schemas(schemas: &mut Vec<String>, core: &str, present: &[&str], absent: &[&str]) {
    let old = std::mem::take(schemas);
    schemas.push(core.to_owned());
    schemas.extend(present.iter().map(|&s| s.to_owned()));
    for urn in old {
        let dropped = absent.iter().any(|a| crate::name::eq(a, &urn));
        if !dropped && !schemas.iter().any(|s| crate::name::eq(s, &urn)) {
            schemas.push(urn);
        }
    }
}

#[cfg(test)]
mod tests;
