//! Attribute definitions and their characteristics (RFC 7643 §2.2, §2.3, §7).

use serde::{Deserialize, Serialize};

use crate::name;

/// An attribute's data type (RFC 7643 §2.3), spelled in JSON as the RFC's §7 `type` values.
///
/// ```
/// use scimkit_schema::AttributeType;
/// let t: AttributeType = serde_json::from_str(r#""dateTime""#).unwrap();
/// assert_eq!(t, AttributeType::DateTime);
/// assert_eq!(serde_json::to_string(&AttributeType::Reference).unwrap(), r#""reference""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttributeType {
    /// §2.3.1: a sequence of Unicode characters. The RFC's default when `type` is absent.
    #[default]
    String,
    /// §2.3.2: `true` or `false`.
    Boolean,
    /// §2.3.3: a real number with at least one digit after the decimal point.
    Decimal,
    /// §2.3.4: a whole number.
    Integer,
    /// §2.3.5: an xsd:dateTime string, e.g. `2008-01-23T04:56:22Z`.
    DateTime,
    /// §2.3.6: base64-encoded bytes.
    Binary,
    /// §2.3.7: a URI for a resource (`referenceTypes` says which kinds).
    Reference,
    /// §2.3.8: a singular or multi-valued object of sub-attributes.
    Complex,
}

impl AttributeType {
    /// The RFC's spelling, as in a schema's `type` member.
    ///
    /// ```
    /// assert_eq!(scimkit_schema::AttributeType::DateTime.as_str(), "dateTime");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Boolean => "boolean",
            AttributeType::Decimal => "decimal",
            AttributeType::Integer => "integer",
            AttributeType::DateTime => "dateTime",
            AttributeType::Binary => "binary",
            AttributeType::Reference => "reference",
            AttributeType::Complex => "complex",
        }
    }

    /// Whether values of this type are compared as text (string, reference, binary, dateTime).
    pub const fn is_textual(self) -> bool {
        matches!(
            self,
            AttributeType::String
                | AttributeType::Reference
                | AttributeType::Binary
                | AttributeType::DateTime
        )
    }
}

/// When and whether an attribute may be changed (RFC 7643 §2.2 `mutability`).
///
/// ```
/// use scimkit_schema::Mutability;
/// assert_eq!(serde_json::from_str::<Mutability>(r#""readOnly""#).unwrap(), Mutability::ReadOnly);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    /// The attribute SHALL NOT be modified by a client (e.g. `id`, `meta`).
    ReadOnly,
    /// The attribute MAY be updated and read at any time. The RFC's default.
    #[default]
    ReadWrite,
    /// The attribute MAY be set once (at creation or when still unset) and SHALL NOT change after.
    Immutable,
    /// The attribute MAY be set but is never returned (e.g. `password`).
    WriteOnly,
}

/// When an attribute appears in a response (RFC 7643 §2.2 `returned`, RFC 7644 §3.4.2.5).
///
/// ```
/// use scimkit_schema::Returned;
/// assert_eq!(serde_json::from_str::<Returned>(r#""never""#).unwrap(), Returned::Never);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    /// Always returned, whatever `attributes` or `excludedAttributes` say (e.g. `id`).
    Always,
    /// Never returned (e.g. `password`).
    Never,
    /// Returned unless excluded by `excludedAttributes` or left out of `attributes`. The RFC's default.
    #[default]
    Default,
    /// Returned only when named in `attributes`.
    Request,
}

/// How unique a value must be (RFC 7643 §2.2 `uniqueness`).
///
/// ```
/// use scimkit_schema::Uniqueness;
/// assert_eq!(serde_json::from_str::<Uniqueness>(r#""server""#).unwrap(), Uniqueness::Server);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    /// No uniqueness required. The RFC's default.
    #[default]
    None,
    /// Unique within the service provider's current data set (e.g. `userName`).
    Server,
    /// Globally unique (e.g. an email used as an identifier across providers).
    Global,
}

/// One attribute definition of a schema (RFC 7643 §7, the `attributes` and `subAttributes` members).
///
/// Serialises to and from exactly the JSON of RFC 7643 §8.7; a member the RFC gives a default for
/// (`required`, `caseExact`, `mutability`, `returned`, `uniqueness`, `type`) may be absent on input.
///
/// ```
/// use scimkit_schema::{Attribute, AttributeType};
/// let a: Attribute = serde_json::from_value(serde_json::json!({
///     "name": "userName", "type": "string", "multiValued": false, "required": true,
///     "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "server"
/// })).unwrap();
/// assert_eq!(a.type_, AttributeType::String);
/// assert!(a.required && !a.case_exact);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    /// The attribute's name, in its canonical spelling.
    pub name: String,
    /// The attribute's data type.
    #[serde(rename = "type", default)]
    pub type_: AttributeType,
    /// Whether the attribute holds a list of values.
    #[serde(default)]
    pub multi_valued: bool,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether a value must be present.
    #[serde(default)]
    pub required: bool,
    /// Suggested values; the RFC lets servers accept others (see the validator's switch).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canonical_values: Vec<String>,
    /// Whether string values compare case-sensitively.
    #[serde(default)]
    pub case_exact: bool,
    /// When and whether the attribute may be changed.
    #[serde(default)]
    pub mutability: Mutability,
    /// When the attribute is returned.
    #[serde(default)]
    pub returned: Returned,
    /// How unique values must be.
    #[serde(default)]
    pub uniqueness: Uniqueness,
    /// For `reference` attributes: the resource types, `external` or `uri` the reference may point to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_types: Vec<String>,
    /// For `complex` attributes: the sub-attribute definitions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_attributes: Vec<Attribute>,
}

impl Attribute {
    /// A single-valued, optional, read-write `string` attribute with every other characteristic at the
    /// RFC default; adjust it with the `with_*` methods.
    ///
    /// ```
    /// use scimkit_schema::{Attribute, AttributeType, Mutability};
    /// let serial = Attribute::new("serialNumber", AttributeType::String)
    ///     .required()
    ///     .case_exact()
    ///     .with_mutability(Mutability::Immutable);
    /// assert!(serial.required && serial.case_exact);
    /// ```
    pub fn new(name: impl Into<String>, type_: AttributeType) -> Self {
        Attribute {
            name: name.into(),
            type_,
            multi_valued: false,
            description: None,
            required: false,
            canonical_values: Vec::new(),
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
        }
    }

    /// A `complex` attribute with the given sub-attributes.
    ///
    /// ```
    /// use scimkit_schema::{Attribute, AttributeType};
    /// let loc = Attribute::complex("location", [Attribute::new("building", AttributeType::String)]);
    /// assert!(loc.sub_attribute("BUILDING").is_some());
    /// ```
    pub fn complex(
        name: impl Into<String>,
        sub_attributes: impl IntoIterator<Item = Attribute>,
    ) -> Self {
        Attribute {
            sub_attributes: sub_attributes.into_iter().collect(),
            ..Attribute::new(name, AttributeType::Complex)
        }
    }

    /// Marks the attribute multi-valued.
    pub fn multi_valued(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    /// Marks the attribute required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Marks string values case-sensitive.
    pub fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }

    /// Sets the mutability.
    pub fn with_mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }

    /// Sets when the attribute is returned.
    pub fn with_returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }

    /// Sets the uniqueness.
    pub fn with_uniqueness(mut self, uniqueness: Uniqueness) -> Self {
        self.uniqueness = uniqueness;
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the canonical values.
    pub fn with_canonical_values<S: Into<String>>(
        mut self,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        self.canonical_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the reference types (for `reference` attributes).
    pub fn with_reference_types<S: Into<String>>(
        mut self,
        types: impl IntoIterator<Item = S>,
    ) -> Self {
        self.reference_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// The sub-attribute called `name`, in any case (RFC 7643 §2.1).
    ///
    /// ```
    /// let user = scimkit_schema::ResourceSchema::user();
    /// let emails = user.resolve(None, "emails", None).unwrap().attribute;
    /// assert_eq!(emails.sub_attribute("VALUE").unwrap().name, "value");
    /// ```
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes.iter().find(|a| name::eq(&a.name, name))
    }

    /// Whether this is a complex attribute.
    pub fn is_complex(&self) -> bool {
        self.type_ == AttributeType::Complex
    }

    /// Whether `value` is one of the canonical values, honouring `caseExact`.
    /// An attribute without canonical values accepts everything.
    ///
    /// ```
    /// use scimkit_schema::{Attribute, AttributeType};
    /// let t = Attribute::new("type", AttributeType::String).with_canonical_values(["work", "home"]);
    /// assert!(t.is_canonical_value("Work"));
    /// assert!(!t.is_canonical_value("pager"));
    /// ```
    pub fn is_canonical_value(&self, value: &str) -> bool {
        self.canonical_values.is_empty()
            || self.canonical_values.iter().any(|c| {
                if self.case_exact {
                    c == value
                } else {
                    name::eq(c, value) || c.to_lowercase() == value.to_lowercase()
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_follow_rfc_7643_section_2_2() {
        let a: Attribute = serde_json::from_value(json!({"name": "x"})).unwrap();
        assert_eq!(a, Attribute::new("x", AttributeType::String));
        assert_eq!(a.mutability, Mutability::ReadWrite);
        assert_eq!(a.returned, Returned::Default);
        assert_eq!(a.uniqueness, Uniqueness::None);
        assert!(!a.case_exact && !a.required && !a.multi_valued);
    }

    #[test]
    fn writes_the_rfc_member_names() {
        let a = Attribute::complex("emails", [Attribute::new("value", AttributeType::String)])
            .multi_valued();
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["multiValued"], json!(true));
        assert_eq!(v["type"], json!("complex"));
        assert_eq!(v["caseExact"], json!(false));
        assert_eq!(v["subAttributes"][0]["name"], json!("value"));
    }
}
