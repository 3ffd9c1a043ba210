//! Resolving a PATCH path (RFC 7644 §3.5.2 `PATH`) to what it names in a resource: an attribute
//! (core or extension), maybe a value filter, maybe a sub-attribute; or a whole extension.
//!
//! Names match in any case (RFC 7643 §2.1) through `scimkit_schema::name`. With a schema the
//! result carries the definitions and the canonical spelling; without one it carries the names
//! as written, plus the common attributes' definitions (`id` and `meta` are readOnly for every
//! resource, RFC 7643 §3.1).

use std::borrow::Cow;

use serde_json::Value;

use scimkit_filter::{Filter, Path};
use scimkit_schema::{common, name, Attribute, ResourceSchema};

use crate::error::{Error, ErrorKind};
use crate::message::OpPath;
use crate::tx::{Loc, Step, Tx};

/// An attribute of the resource: where it lives and what defines it.
#[derive(Debug, Clone)]
pub(crate) struct Attr<'s> {
    /// The extension URN whose object holds the attribute; `None` for the top level.
    pub(crate) ext: Option<String>,
    /// The attribute's name: canonical with a schema (borrowed from it), as written without.
    pub(crate) name: Cow<'s, str>,
    /// Its definition, when known.
    pub(crate) def: Option<&'s Attribute>,
}

impl Attr<'_> {
    /// The attribute path for messages: `urn:...:name` for extension attributes.
    pub(crate) fn display(&self) -> String {
        self.named().to_string()
    }

    /// The attribute path for messages, written out only when a message needs it.
    pub(crate) fn named(&self) -> Named<'_> {
        Named {
            ext: self.ext.as_deref(),
            name: &self.name,
            sub: None,
        }
    }
}

/// An attribute path for messages (`name`, `urn:...:name`, `name.sub`): borrowed parts that are
/// formatted only when an error is reported, so that an operation that succeeds allocates no
/// names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Named<'a> {
    ext: Option<&'a str>,
    name: &'a str,
    sub: Option<&'a str>,
}

impl<'a> Named<'a> {
    /// A top-level attribute.
    #[cfg(test)]
    pub(crate) fn plain(name: &'a str) -> Named<'a> {
        Named {
            ext: None,
            name,
            sub: None,
        }
    }

    /// Sub-attribute `sub` of this attribute.
    pub(crate) fn sub(self, sub: &'a str) -> Named<'a> {
        Named {
            sub: Some(sub),
            ..self
        }
    }

    /// Whether this is the top-level (not extension) attribute `n`, in any case.
    pub(crate) fn is_top(&self, n: &str) -> bool {
        self.ext.is_none() && self.sub.is_none() && name::eq(self.name, n)
    }
}

impl std::fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(urn) = self.ext {
            write!(f, "{urn}:")?;
        }
        f.write_str(self.name)?;
        if let Some(sub) = self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// A sub-attribute named by the path.
#[derive(Debug, Clone)]
pub(crate) struct Sub<'s> {
    pub(crate) name: String,
    pub(crate) def: Option<&'s Attribute>,
}

/// An attribute path with its optional value filter and sub-attribute.
#[derive(Debug)]
pub(crate) struct Target<'s, 'p> {
    pub(crate) attr: Attr<'s>,
    pub(crate) filter: Option<&'p Filter>,
    pub(crate) sub: Option<Sub<'s>>,
}

/// What a path names.
#[derive(Debug)]
pub(crate) enum Resolved<'s, 'p> {
    /// The core schema URN itself: the whole resource, as if there were no path.
    Root,
    /// A whole extension object, by its URN.
    Extension(String),
    /// An attribute.
    Attr(Target<'s, 'p>),
}

fn starts_with_ci(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
}

/// The object members and `schemas` entries of the resource that are URNs.
fn known_urn<'v>(root: &'v Value, urn: &str) -> Option<&'v str> {
    let o = root.as_object()?;
    if let Some((k, Value::Object(_))) = name::get(o, urn) {
        return Some(k);
    }
    match name::value(o, "schemas") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .find(|s| name::eq(s, urn)),
        _ => None,
    }
}

/// Without a schema: whether `urn` is the resource's core schema. RFC 7643 §3 puts core
/// attributes at the top level, so a core-qualified path is a top-level attribute.
fn schemaless_is_core(root: &Value, urn: &str) -> bool {
    if starts_with_ci(urn, "urn:ietf:params:scim:schemas:core:") {
        return true;
    }
    let Some(o) = root.as_object() else {
        return false;
    };
    if matches!(name::value(o, urn), Some(Value::Object(_))) {
        return false;
    }
    matches!(name::value(o, "schemas"), Some(Value::Array(a))
        if a.first().and_then(Value::as_str).is_some_and(|s| name::eq(s, urn)))
}

/// Without a schema: whether `text` is a schema URN rather than a URN-qualified attribute. Known
/// URNs (a member of the resource or an entry of its `schemas`) are; otherwise the IETF naming
/// pattern decides: a schema URN ends in `…:<version>:<ResourceType>`, as in
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` (unless the resource knows
/// `…:<version>` itself as a schema). Either way its attributes must be writable as paths.
pub(crate) fn schemaless_is_schema_urn(root: &Value, text: &str) -> bool {
    if !starts_with_ci(text, "urn:") {
        return false;
    }
    // `…:2.0:User` is a schema, unless `…:2.0` is one the resource knows: then `User` is its
    // attribute.
    let schema_like = known_urn(root, text).is_some()
        || text
            .rsplit_once(':')
            .is_some_and(|(head, _)| ends_in_version(head) && known_urn(root, head).is_none());
    schema_like && addressable(text)
}

/// Whether the last `:`-separated segment of `urn` is a version (`2.0`), as the segment before the
/// resource type of a schema URN is.
fn ends_in_version(urn: &str) -> bool {
    let last = urn.rsplit(':').next().unwrap_or("");
    last.starts_with(|c: char| c.is_ascii_digit())
        && last.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Whether the attributes of a schema named `urn` can be written as paths (`urn:…:attr`, RFC
/// 7644 §3.10), as clients and [`crate::diff`] address them. A URN the path grammar does not take
/// before an attribute name (`urn:…:enterpri[se:2.0:User`, as a no-path key) would name an
/// extension member that no operation reaches again, so it names no schema. The grammar itself
/// decides; this runs only for the rare operation on a whole schema.
fn addressable(urn: &str) -> bool {
    Path::parse(&format!("{urn}:a")).is_ok_and(|p| {
        p.filter().is_none()
            && p.sub_attr().is_none()
            && p.attr().urn() == Some(urn)
            && p.attr().sub_attr().is_none()
    })
}

/// The spelling to use for an extension URN: the resource's own if it has the object, else the
/// given one.
fn ext_key(root: &Value, urn: &str) -> String {
    match root.as_object().and_then(|o| name::key(o, urn)) {
        Some(k) => k.to_owned(),
        None => urn.to_owned(),
    }
}

/// Resolves names (as in a path or a no-path value key) against the schema or the resource.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resolver<'s> {
    pub(crate) schema: Option<&'s ResourceSchema>,
}

impl<'s> Resolver<'s> {
    /// Whether `text` names a whole schema, and if so which kind.
    pub(crate) fn schema_urn(&self, root: &Value, text: &str) -> Option<Resolved<'s, 'static>> {
        match self.schema {
            Some(s) => match s.schema(text) {
                Some((_, false)) => Some(Resolved::Root),
                Some((schema, true)) => Some(Resolved::Extension(schema.id.clone())),
                None => None,
            },
            None if schemaless_is_schema_urn(root, text) => {
                if schemaless_is_core(root, text) {
                    Some(Resolved::Root)
                } else {
                    Some(Resolved::Extension(ext_key(root, text)))
                }
            }
            None => None,
        }
    }

    /// Resolves `[urn:]name[.sub]`.
    pub(crate) fn attr(
        &self,
        root: &Value,
        urn: Option<&str>,
        attr_name: &str,
        sub: Option<&str>,
    ) -> Result<(Attr<'s>, Option<Sub<'s>>), Error> {
        let written = || match (urn, sub) {
            (Some(u), Some(s)) => format!("{u}:{attr_name}.{s}"),
            (Some(u), None) => format!("{u}:{attr_name}"),
            (None, Some(s)) => format!("{attr_name}.{s}"),
            (None, None) => attr_name.to_owned(),
        };
        if let Some(schema) = self.schema {
            let r = schema
                .resolve(urn, attr_name, None)
                .ok_or_else(|| Error::from(ErrorKind::AttributeUnknown(written())))?;
            let sub = match sub {
                None => None,
                Some(s) => {
                    let d = r.attribute.sub_attribute(s).ok_or_else(|| {
                        Error::from(if r.attribute.is_complex() {
                            ErrorKind::AttributeUnknown(written())
                        } else {
                            ErrorKind::PathNotApplicable(written())
                        })
                    })?;
                    Some(Sub {
                        name: d.name.clone(),
                        def: Some(d),
                    })
                }
            };
            let attr = Attr {
                ext: r.extension_urn().map(|u| {
                    // Write under the resource's spelling if it has the object, else canonical.
                    match root.as_object().and_then(|o| name::key(o, u)) {
                        Some(k) => k.to_owned(),
                        None => u.to_owned(),
                    }
                }),
                name: Cow::Borrowed(r.attribute.name.as_str()),
                def: Some(r.attribute),
            };
            return Ok((attr, sub));
        }
        if !is_attr_name(attr_name) || sub.is_some_and(|s| !is_attr_name(s)) {
            return Err(ErrorKind::AttributeUnknown(written()).into());
        }
        let ext = match urn {
            Some(u) if !schemaless_is_core(root, u) => {
                // RFC 7644 §3.10: an attribute is qualified by its schema URN. A URI that is not
                // a URN (`emurn:…:2.0`, or `a.b` in `a.b:attr`) names no extension; as a member
                // name it would be one that no path reaches again.
                if !starts_with_ci(u, "urn:") {
                    return Err(ErrorKind::AttributeUnknown(written()).into());
                }
                // `urn:…:2.0:User` is read as a schema URN (see `schemaless_is_schema_urn`), so an
                // extension named `urn:…:2.0` that the resource does not know (as a member or in
                // `schemas`) cannot have an attribute `User`: written back as a path it would
                // name the schema.
                if ends_in_version(u) && known_urn(root, u).is_none() {
                    return Err(ErrorKind::AttributeUnknown(written()).into());
                }
                Some(ext_key(root, u))
            }
            _ => None,
        };
        let def = match ext {
            None => common::attributes()
                .iter()
                .find(|a| name::eq(&a.name, attr_name)),
            Some(_) => None,
        };
        let sub = sub.map(|s| Sub {
            name: def
                .and_then(|d| d.sub_attribute(s))
                .map_or_else(|| s.to_owned(), |d| d.name.clone()),
            def: def.and_then(|d| d.sub_attribute(s)),
        });
        let attr = Attr {
            ext,
            name: def.map_or_else(
                || Cow::Owned(attr_name.to_owned()),
                |d| Cow::Borrowed(d.name.as_str()),
            ),
            def,
        };
        Ok((attr, sub))
    }

    /// Resolves an operation's path.
    pub(crate) fn path<'p>(
        &self,
        root: &Value,
        path: &'p OpPath,
    ) -> Result<Resolved<'s, 'p>, Error> {
        // The path parser accepts whitespace around a path, so a padded URN names a schema too.
        if let Some(r) = self.schema_urn(root, path.trimmed()) {
            return Ok(r);
        }
        let Some(p) = &path.parsed else {
            return Err(ErrorKind::AttributeUnknown(path.text.to_string()).into());
        };
        let a = p.attr();
        if p.filter().is_some() && a.sub_attr().is_some() {
            // `name.givenName[...]`: a filter applies to a multi-valued attribute, not to a
            // sub-attribute (RFC 7644 §3.5.2 `valuePath = attrPath "[" valFilter "]"` with the
            // sub-attribute after the bracket).
            return Err(ErrorKind::PathNotApplicable(path.text.to_string()).into());
        }
        let sub = p.sub_attr().or(a.sub_attr());
        let (attr, sub) = self.attr(root, a.urn(), a.name(), sub)?;
        if p.filter().is_some() {
            if let Some(d) = attr.def {
                if !d.multi_valued {
                    return Err(ErrorKind::PathNotApplicable(path.text.to_string()).into());
                }
            }
        }
        Ok(Resolved::Attr(Target {
            attr,
            filter: p.filter(),
            sub,
        }))
    }
}

/// RFC 7643 §2.1 `ATTRNAME = ALPHA *(nameChar)`, and `$ref`.
pub(crate) fn is_attr_name(s: &str) -> bool {
    if s == "$ref" {
        return true;
    }
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic())
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// The location of the object that holds `attr` (the root, or its extension object), if it exists.
pub(crate) fn container_loc(root: &Value, attr: &Attr<'_>) -> Option<Loc> {
    match &attr.ext {
        None => Some(Vec::new()),
        Some(urn) => {
            let o = root.as_object()?;
            match name::get(o, urn) {
                Some((k, Value::Object(_))) => Some(vec![Step::Key(k.clone())]),
                _ => None,
            }
        }
    }
}

/// The location of `attr`'s value, if it has one (a `null` counts as none, RFC 7643 §2.5).
pub(crate) fn attr_loc(root: &Value, attr: &Attr<'_>) -> Option<Loc> {
    let mut loc = container_loc(root, attr)?;
    let container = crate::tx::get(root, &loc)?.as_object()?;
    let (k, v) = name::get(container, &attr.name)?;
    if v.is_null() {
        return None;
    }
    loc.push(Step::Key(k.clone()));
    Some(loc)
}

/// `attr`'s current value (a `null` counts as none). Found in place, without building a location.
pub(crate) fn current<'v>(root: &'v Value, attr: &Attr<'_>) -> Option<&'v Value> {
    let top = root.as_object()?;
    let container = match &attr.ext {
        None => top,
        Some(urn) => name::value(top, urn)?.as_object()?,
    };
    name::value(container, &attr.name).filter(|v| !v.is_null())
}

/// The location of the object that holds `attr`, creating the extension object if needed.
pub(crate) fn ensure_container(tx: &mut Tx<'_>, attr: &Attr<'_>, rename: bool) -> Loc {
    if let Some(l) = container_loc(tx.root(), attr) {
        return l;
    }
    let urn = attr.ext.clone().unwrap_or_default();
    // A missing or non-object member under the URN becomes an empty extension object.
    tx.set(&[], &urn, Value::Object(serde_json::Map::new()), rename);
    container_loc(tx.root(), attr).unwrap_or_else(|| vec![Step::Key(urn)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_urns_without_a_schema() {
        let r = json!({"schemas": ["urn:acme:User"]});
        assert!(schemaless_is_schema_urn(
            &r,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ));
        assert!(!schemaless_is_schema_urn(
            &r,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"
        ));
        assert!(schemaless_is_schema_urn(&r, "URN:ACME:USER"));
        assert!(schemaless_is_core(&r, "urn:acme:User"));
    }

    #[test]
    fn resolves_canonical_names_with_a_schema() {
        let schema = ResourceSchema::user();
        let r = Resolver {
            schema: Some(&schema),
        };
        let root = json!({});
        let (a, s) = r.attr(&root, None, "NAME", Some("GIVENNAME")).unwrap();
        assert_eq!((&*a.name, s.unwrap().name.as_str()), ("name", "givenName"));
        let (a, _) = r.attr(&root, None, "employeenumber", None).unwrap();
        assert_eq!(
            a.ext.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert!(r.attr(&root, None, "nosuch", None).is_err());
    }
}
