//! A resource type together with its core schema and extensions, and the name resolution every
//! other scimkit crate calls (RFC 7643 §2.1, §3, §3.3; RFC 7644 §3.10).

use crate::{common, name, Attribute, Error, ErrorKind, ResourceType, Schema, SchemaExtension};

/// Everything needed to understand one kind of resource: its [`ResourceType`], core [`Schema`] and
/// extension schemas. The filter, PATCH, validation and projection engines all work from this.
///
/// ```
/// use scimkit_schema::ResourceSchema;
/// let user = ResourceSchema::user();
/// let manager = user
///     .resolve_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")
///     .unwrap();
/// assert!(manager.is_extension);
/// assert_eq!(manager.sub_attribute.unwrap().name, "value");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSchema {
    resource_type: ResourceType,
    core: Schema,
    extensions: Vec<Extension>,
}

/// One schema extension of a resource type and whether it is required.
#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    /// The extension's schema definition.
    pub schema: Schema,
    /// Whether every resource must carry it (RFC 7643 §6 `schemaExtensions.required`).
    pub required: bool,
}

/// An attribute reference resolved against a [`ResourceSchema`]: the definitions a path names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resolved<'a> {
    /// The schema that defines the attribute (the core schema for common attributes).
    pub schema: &'a Schema,
    /// Whether the attribute lives in an extension, i.e. under the extension URN's key in the JSON.
    pub is_extension: bool,
    /// The top-level attribute.
    pub attribute: &'a Attribute,
    /// The sub-attribute, when the path names one.
    pub sub_attribute: Option<&'a Attribute>,
}

impl<'a> Resolved<'a> {
    /// The innermost definition the path names: the sub-attribute if any, else the attribute.
    pub fn target(&self) -> &'a Attribute {
        self.sub_attribute.unwrap_or(self.attribute)
    }

    /// The URN under which the attribute sits in the resource JSON, for extension attributes.
    pub fn extension_urn(&self) -> Option<&'a str> {
        self.is_extension.then_some(self.schema.id.as_str())
    }

    /// Whether the attribute is one of the common attributes of RFC 7643 §3.1.
    pub fn is_common(&self) -> bool {
        !self.is_extension
            && common::attributes()
                .iter()
                .any(|a| std::ptr::eq(a, self.attribute))
    }
}

impl std::fmt::Display for Resolved<'_> {
    /// The canonical attribute path: URN-qualified for extension attributes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_extension {
            write!(f, "{}:", self.schema.id)?;
        }
        f.write_str(&self.attribute.name)?;
        if let Some(sub) = self.sub_attribute {
            write!(f, ".{}", sub.name)?;
        }
        Ok(())
    }
}

/// A text attribute path split into its three parts (RFC 7644 §3.10 `attrPath`): an optional schema
/// URN, the attribute name and an optional sub-attribute name.
///
/// ```
/// use scimkit_schema::ResourceSchema;
/// let user = ResourceSchema::user();
/// let p = user.split_path("urn:ietf:params:scim:schemas:core:2.0:User:name.givenName");
/// assert_eq!(p.urn, Some("urn:ietf:params:scim:schemas:core:2.0:User"));
/// assert_eq!((p.name, p.sub), ("name", Some("givenName")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitPath<'p> {
    /// The schema URN prefix, if any.
    pub urn: Option<&'p str>,
    /// The attribute name.
    pub name: &'p str,
    /// The sub-attribute name, if any.
    pub sub: Option<&'p str>,
}

impl ResourceSchema {
    /// A resource schema from its parts, checked for consistency: the resource type's `schema` is the
    /// core schema's id, every `schemaExtensions` entry has its schema given, and every attribute
    /// definition is well formed (unique names in any case, sub-attributes only on complex
    /// attributes and at most one level deep, RFC 7643 §2.3.8).
    ///
    /// ```
    /// use scimkit_schema::*;
    /// let core = Schema::new("urn:example:scim:schemas:2.0:Device", "Device")
    ///     .with_attribute(Attribute::new("serialNumber", AttributeType::String).required().case_exact());
    /// let ext = Schema::new("urn:example:scim:schemas:extension:acme:2.0:Device", "AcmeDevice")
    ///     .with_attribute(Attribute::new("assetTag", AttributeType::String));
    /// let mut rt = ResourceType::new("Device", "/Devices", core.id.clone());
    /// rt.schema_extensions.push(SchemaExtension { schema: ext.id.clone(), required: false });
    /// let device = ResourceSchema::new(rt, core, vec![ext]).unwrap();
    /// assert!(device.resolve(None, "ASSETTAG", None).unwrap().is_extension);
    /// ```
    pub fn new(
        resource_type: ResourceType,
        core: Schema,
        extensions: Vec<Schema>,
    ) -> Result<Self, Error> {
        let mut failures = Vec::new();
        let mut invalid = |path: &str, detail: String| {
            failures.push(crate::Failure::new(
                ErrorKind::InvalidDefinition,
                path,
                detail,
            ))
        };
        if !core.is(&resource_type.schema) {
            invalid(
                "",
                format!(
                    "resource type `{}` names core schema `{}` but `{}` was given",
                    resource_type.name, resource_type.schema, core.id
                ),
            );
        }
        let mut ordered = Vec::with_capacity(resource_type.schema_extensions.len());
        for SchemaExtension {
            schema: urn,
            required,
        } in &resource_type.schema_extensions
        {
            match extensions.iter().find(|s| s.is(urn)) {
                Some(s) => ordered.push(Extension {
                    schema: s.clone(),
                    required: *required,
                }),
                None => invalid("", format!("schema extension `{urn}` has no definition")),
            }
        }
        for s in &extensions {
            if !resource_type
                .schema_extensions
                .iter()
                .any(|e| s.is(&e.schema))
            {
                invalid(
                    "",
                    format!(
                        "schema `{}` is not among the resource type's schemaExtensions",
                        s.id
                    ),
                );
            }
        }
        for schema in std::iter::once(&core).chain(extensions.iter()) {
            check_attributes(&schema.attributes, "", 0, &mut invalid);
        }
        for a in &core.attributes {
            if common::attributes()
                .iter()
                .any(|c| name::eq(&c.name, &a.name))
            {
                invalid(
                    &a.name,
                    "redefines a common attribute of RFC 7643 §3.1".into(),
                );
            }
        }
        if let Some(e) = Error::from_failures(failures) {
            return Err(e);
        }
        Ok(ResourceSchema {
            resource_type,
            core,
            extensions: ordered,
        })
    }

    /// Starts a custom resource type: `name` (e.g. `Device`), `endpoint` (e.g. `/Devices`) and core
    /// schema; add extensions with [`ResourceSchemaBuilder::extension`].
    ///
    /// ```
    /// use scimkit_schema::*;
    /// let user = ResourceSchema::user();
    /// // The RFC User with a company extension added beside the enterprise one.
    /// let acme = Schema::new("urn:acme:scim:schemas:extension:2.0:User", "AcmeUser")
    ///     .with_attribute(Attribute::new("costCenterCode", AttributeType::String));
    /// let schema = ResourceSchema::builder("User", "/Users", user.core().clone())
    ///     .extension(user.extension("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User").unwrap().schema.clone(), false)
    ///     .extension(acme, true)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(schema.extensions().len(), 2);
    /// ```
    pub fn builder(
        name: impl Into<String>,
        endpoint: impl Into<String>,
        core: Schema,
    ) -> ResourceSchemaBuilder {
        let resource_type = ResourceType::new(name, endpoint, core.id.clone());
        ResourceSchemaBuilder {
            resource_type,
            core,
            extensions: Vec::new(),
        }
    }

    /// The resource type.
    pub fn resource_type(&self) -> &ResourceType {
        &self.resource_type
    }

    /// The resource type's name, e.g. `User`.
    pub fn name(&self) -> &str {
        &self.resource_type.name
    }

    /// The core schema.
    pub fn core(&self) -> &Schema {
        &self.core
    }

    /// The extensions, in the resource type's order.
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    /// The extension whose URN is `urn`, in any case.
    pub fn extension(&self, urn: &str) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.schema.is(urn))
    }

    /// The core schema and then every extension schema.
    pub fn schemas(&self) -> impl Iterator<Item = &Schema> + '_ {
        std::iter::once(&self.core).chain(self.extensions.iter().map(|e| &e.schema))
    }

    /// The schema (core or extension) whose URN is `urn`, in any case, and whether it is an extension.
    ///
    /// ```
    /// let user = scimkit_schema::ResourceSchema::user();
    /// let (s, ext) = user.schema("URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER").unwrap();
    /// assert!(ext);
    /// assert_eq!(s.id, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
    /// ```
    pub fn schema(&self, urn: &str) -> Option<(&Schema, bool)> {
        if self.core.is(urn) {
            return Some((&self.core, false));
        }
        self.extension(urn).map(|e| (&e.schema, true))
    }

    /// Resolves an attribute reference given as parts, every part in any case (RFC 7643 §2.1).
    ///
    /// With `urn` the attribute is looked up in that schema only (the core schema also answers for
    /// the common attributes `id`, `externalId`, `meta`, `schemas`). Without it the common attributes
    /// come first, then the core schema, then each extension in order. Allocates nothing.
    ///
    /// ```
    /// let user = scimkit_schema::ResourceSchema::user();
    /// let r = user.resolve(None, "EMAILS", Some("Value")).unwrap();
    /// assert_eq!((r.attribute.name.as_str(), r.sub_attribute.unwrap().name.as_str()), ("emails", "value"));
    /// assert!(user.resolve(None, "userName", Some("x")).is_none()); // userName is not complex
    /// ```
    pub fn resolve(
        &self,
        urn: Option<&str>,
        name: &str,
        sub: Option<&str>,
    ) -> Option<Resolved<'_>> {
        let (schema, attribute, is_extension) = match urn {
            Some(urn) => {
                let (schema, is_extension) = self.schema(urn)?;
                let attribute = if is_extension {
                    schema.attribute(name)
                } else {
                    self.core_attribute(name)
                }?;
                (schema, attribute, is_extension)
            }
            None => match self.core_attribute(name) {
                Some(a) => (&self.core, a, false),
                None => self
                    .extensions
                    .iter()
                    .find_map(|e| e.schema.attribute(name).map(|a| (&e.schema, a, true)))?,
            },
        };
        let sub_attribute = match sub {
            Some(sub) => Some(attribute.sub_attribute(sub)?),
            None => None,
        };
        Some(Resolved {
            schema,
            is_extension,
            attribute,
            sub_attribute,
        })
    }

    /// A common attribute (RFC 7643 §3.1) or a core schema attribute.
    fn core_attribute(&self, name: &str) -> Option<&Attribute> {
        common::attributes()
            .iter()
            .find(|a| name::eq(&a.name, name))
            .or_else(|| self.core.attribute(name))
    }

    /// Splits a text attribute path into URN, attribute and sub-attribute.
    ///
    /// A URN prefix is recognised by the schema URNs this resource type knows (so the `.` in `2.0`
    /// is never taken for a sub-attribute separator); an unknown `urn:` prefix is split at its last
    /// `:`, so that the caller can report the unknown schema by name.
    pub fn split_path<'p>(&self, path: &'p str) -> SplitPath<'p> {
        let (urn, rest) = match self.schemas().find_map(|s| strip_urn(path, &s.id)) {
            Some(split) => split,
            None if path
                .as_bytes()
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"urn:")) =>
            {
                match path.rfind(':') {
                    Some(i) => (Some(&path[..i]), &path[i + 1..]),
                    None => (None, path),
                }
            }
            None => (None, path),
        };
        match rest.split_once('.') {
            Some((name, sub)) => SplitPath {
                urn,
                name,
                sub: Some(sub),
            },
            None => SplitPath {
                urn,
                name: rest,
                sub: None,
            },
        }
    }

    /// Resolves a text attribute path such as `name.givenName`,
    /// `urn:ietf:params:scim:schemas:core:2.0:User:userName` or
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`, in any case.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownAttribute`] naming the unknown schema, attribute or sub-attribute.
    pub fn resolve_path(&self, path: &str) -> Result<Resolved<'_>, Error> {
        let p = self.split_path(path);
        if let Some(r) = self.resolve(p.urn, p.name, p.sub) {
            return Ok(r);
        }
        let detail = match p.urn {
            Some(urn) if self.schema(urn).is_none() => {
                format!("unknown schema `{urn}` for resource type `{}`", self.name())
            }
            _ => match self.resolve(p.urn, p.name, None) {
                None => format!(
                    "unknown attribute `{}` for resource type `{}`",
                    p.name,
                    self.name()
                ),
                Some(r) if !r.attribute.is_complex() => {
                    format!(
                        "`{}` is not complex and has no sub-attribute `{}`",
                        r.attribute.name,
                        p.sub.unwrap_or("")
                    )
                }
                Some(r) => format!(
                    "unknown sub-attribute `{}` of `{}`",
                    p.sub.unwrap_or(""),
                    r.attribute.name
                ),
            },
        };
        Err(Error::new(ErrorKind::UnknownAttribute, path, detail))
    }

    /// Every top-level attribute with its schema and whether it is an extension attribute: the common
    /// attributes, the core schema's, then each extension's.
    pub fn attributes(&self) -> impl Iterator<Item = (&Schema, &Attribute, bool)> + '_ {
        common::attributes()
            .iter()
            .chain(self.core.attributes.iter())
            .map(move |a| (&self.core, a, false))
            .chain(self.extensions.iter().flat_map(|e| {
                e.schema
                    .attributes
                    .iter()
                    .map(move |a| (&e.schema, a, true))
            }))
    }
}

/// `path` without the schema URN `urn` and its `:` separator, matching in any case.
fn strip_urn<'p>(path: &'p str, urn: &str) -> Option<(Option<&'p str>, &'p str)> {
    let head = path.get(..urn.len())?;
    if !name::eq(head, urn) || path.as_bytes().get(urn.len()) != Some(&b':') {
        return None;
    }
    Some((Some(head), &path[urn.len() + 1..]))
}

fn check_attributes(
    attributes: &[Attribute],
    parent: &str,
    depth: usize,
    invalid: &mut impl FnMut(&str, String),
) {
    for (i, a) in attributes.iter().enumerate() {
        let path = if parent.is_empty() {
            a.name.clone()
        } else {
            format!("{parent}.{}", a.name)
        };
        if !is_attr_name(&a.name) {
            invalid(
                &path,
                "attribute names must match RFC 7643 §2.1 `ALPHA *(\"-\" / \"_\" / DIGIT / ALPHA)`"
                    .into(),
            );
        }
        if attributes[..i].iter().any(|b| name::eq(&a.name, &b.name)) {
            invalid(
                &path,
                "duplicate attribute name (names are case-insensitive)".into(),
            );
        }
        if a.is_complex() {
            if depth > 0 {
                invalid(
                    &path,
                    "a sub-attribute cannot be complex (RFC 7643 §2.3.8)".into(),
                );
            }
            check_attributes(&a.sub_attributes, &path, depth + 1, invalid);
        } else if !a.sub_attributes.is_empty() {
            invalid(
                &path,
                format!(
                    "only complex attributes have sub-attributes, `{}` is {}",
                    a.name,
                    a.type_.as_str()
                ),
            );
        }
    }
}

/// RFC 7643 §2.1: `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "-" / "_" / DIGIT / ALPHA`; `$ref` is
/// the RFC's own exception (§2.3.7 and the `members`/`groups` sub-attributes).
fn is_attr_name(name: &str) -> bool {
    if name == "$ref" {
        return true;
    }
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Builds a custom [`ResourceSchema`]; see [`ResourceSchema::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ResourceSchemaBuilder {
    resource_type: ResourceType,
    core: Schema,
    extensions: Vec<Schema>,
}

impl ResourceSchemaBuilder {
    /// Adds a schema extension, required or optional.
    pub fn extension(mut self, schema: Schema, required: bool) -> Self {
        self.resource_type.schema_extensions.push(SchemaExtension {
            schema: schema.id.clone(),
            required,
        });
        self.extensions.push(schema);
        self
    }

    /// Sets the resource type's description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.resource_type.description = Some(description.into());
        self
    }

    /// Checks and builds; see [`ResourceSchema::new`] for what is checked.
    pub fn build(self) -> Result<ResourceSchema, Error> {
        ResourceSchema::new(self.resource_type, self.core, self.extensions)
    }
}
