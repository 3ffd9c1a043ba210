//! The common attributes every resource has (RFC 7643 §3.1): `id`, `externalId`, `meta`, and `schemas`.
//!
//! RFC 7643 §8.7.1 leaves them out of each schema representation ("common attributes ... are not
//! defined in any particular schema"), yet filters, paths, projection and validation must know their
//! characteristics, so they live here once.

use std::sync::OnceLock;

use crate::{Attribute, AttributeType, Mutability, Returned, Uniqueness};

/// The common attribute definitions, in the order RFC 7643 §3.1 lists them.
///
/// ```
/// let id = scimkit_schema::common::attributes().iter().find(|a| a.name == "id").unwrap();
/// assert!(id.case_exact);
/// assert_eq!(id.returned, scimkit_schema::Returned::Always);
/// ```
pub fn attributes() -> &'static [Attribute] {
    static COMMON: OnceLock<Vec<Attribute>> = OnceLock::new();
    COMMON.get_or_init(|| {
        let read_only = |a: Attribute| a.with_mutability(Mutability::ReadOnly);
        vec![
            // §3: "schemas" is REQUIRED on every resource and names its schema URNs.
            Attribute::new("schemas", AttributeType::Reference)
                .multi_valued()
                .required()
                .with_returned(Returned::Always)
                .with_reference_types(["uri"])
                .with_description("The schema URNs of the attributes present in the resource."),
            // §3.1 id: "assigned by the service provider", caseExact, readOnly, returned always,
            // unique within the provider.
            read_only(Attribute::new("id", AttributeType::String))
                .required()
                .case_exact()
                .with_returned(Returned::Always)
                .with_uniqueness(Uniqueness::Server)
                .with_description("A unique identifier for a SCIM resource as defined by the service provider."),
            // §3.1 externalId: "the provisioning client's identifier", caseExact.
            Attribute::new("externalId", AttributeType::String)
                .case_exact()
                .with_description("A String that is an identifier for the resource as defined by the provisioning client."),
            // §3.1 meta: readOnly complex attribute set by the service provider.
            read_only(Attribute::complex(
                "meta",
                [
                    read_only(Attribute::new("resourceType", AttributeType::String)).case_exact(),
                    read_only(Attribute::new("created", AttributeType::DateTime)),
                    read_only(Attribute::new("lastModified", AttributeType::DateTime)),
                    read_only(Attribute::new("location", AttributeType::Reference))
                        .case_exact()
                        .with_reference_types(["uri"]),
                    read_only(Attribute::new("version", AttributeType::String)).case_exact(),
                ],
            ))
            .with_description("A complex attribute containing resource metadata."),
        ]
    })
}
