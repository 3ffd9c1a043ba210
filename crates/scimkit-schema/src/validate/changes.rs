//! Validating what a change touched: [`Changes`](super::Changes) records which attributes, extension objects and
//! elements of multi-valued attributes a change (a PATCH) wrote, and
//! [`Validator::validate_changes`](super::Validator::validate_changes) checks only those, plus the rules over the whole resource that
//! such a change can break (RFC 7644 §3.5.2: the result of a PATCH must be a valid resource):
//! `required` attributes, `schemas` and required extensions (RFC 7643 §3, §6), one `primary`
//! and distinct `type`s across a touched multi-valued attribute (RFC 7643 §2.4), mutability
//! against the original (RFC 7643 §2.2), and the uniqueness hook for the values written.
//!
//! The verdict is the whole-resource validation's when the original was valid: a stored
//! resource that [`Validator::validate`](super::Validator::validate) accepted and left as it was. Whatever the change did
//! not touch then passes again unchanged, so only the touched parts can fail or be rewritten;
//! everything is visited in the whole-resource order, so the failures come in the same order
//! too. The one whole-resource pass left is the size check against [`Limits`](super::Limits),
//! which counts every value without allocating.

use serde_json::{Map, Value};

use super::engine::{is_primary, own_id, top_level, type_of, Owner, Run};
use super::options::{Context, UnknownAttributes, Validator};
use super::types::is_assigned;
use crate::{name, Attribute, Error, ErrorKind, Mutability, Schema, Uniqueness};

/// What a change to a resource touched, for [`Validator::validate_changes`](super::Validator::validate_changes): attributes set,
/// replaced or removed as a whole, elements of multi-valued attributes added, changed or
/// removed, and whole extension objects. Names match in any case (RFC 7643 §2.1).
///
/// Elements are counted as the array stands when each is recorded, as a change log replays
/// them: after [`element_removed`](Changes::element_removed) the later elements move down, so
/// the indices kept are those of the changed resource.
///
/// ```
/// use scimkit_schema::validate::Changes;
///
/// let mut changes = Changes::new();
/// changes.element(None, "members", 3); // appended as the fourth member
/// changes.element_removed(None, "members", 0); // then the first one removed
/// assert_eq!(changes.elements(None, "MEMBERS"), Some(&[2][..]));
/// changes.attribute(None, "displayName");
/// assert!(changes.touches(None, "displayname"));
/// assert!(!changes.touches(None, "externalId"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    attributes: Vec<Changed>,
    /// Extension objects added, replaced or removed as a whole, by URN.
    extensions: Vec<String>,
}

/// One touched attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Changed {
    /// The extension URN whose object holds it; `None` at the top level.
    extension: Option<String>,
    name: String,
    /// Set, replaced or removed as a whole.
    whole: bool,
    /// Elements added or changed, ascending, as indices into the changed array.
    elements: Vec<usize>,
}

impl Changes {
    /// Nothing touched.
    pub fn new() -> Changes {
        Changes::default()
    }

    /// Whether nothing was touched.
    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty() && self.extensions.is_empty()
    }

    /// The attribute `name` (of the extension `extension`, or top level) was set, replaced or
    /// removed as a whole.
    pub fn attribute(&mut self, extension: Option<&str>, name: &str) -> &mut Self {
        let c = self.entry(extension, name);
        c.whole = true;
        c.elements.clear();
        self
    }

    /// Element `index` of the multi-valued attribute `name` was added or changed.
    pub fn element(&mut self, extension: Option<&str>, name: &str, index: usize) -> &mut Self {
        let c = self.entry(extension, name);
        if !c.whole {
            if let Err(at) = c.elements.binary_search(&index) {
                c.elements.insert(at, index);
            }
        }
        self
    }

    /// Element `index` of the multi-valued attribute `name` was removed; the elements after it
    /// move down by one.
    pub fn element_removed(
        &mut self,
        extension: Option<&str>,
        name: &str,
        index: usize,
    ) -> &mut Self {
        let c = self.entry(extension, name);
        c.elements.retain(|&i| i != index);
        for i in &mut c.elements {
            if *i > index {
                *i -= 1;
            }
        }
        self
    }

    /// The extension object `urn` was added, replaced or removed as a whole.
    pub fn extension(&mut self, urn: &str) -> &mut Self {
        if !self.extensions.iter().any(|e| name::eq(e, urn)) {
            self.extensions.push(urn.to_owned());
        }
        self
    }

    /// Whether the attribute was touched in any way (or its whole extension object was).
    pub fn touches(&self, extension: Option<&str>, name: &str) -> bool {
        self.find(extension, name).is_some()
            || extension.is_some_and(|urn| self.extension_touched(urn))
    }

    /// The elements of the attribute known to be added or changed, when the attribute was not
    /// touched as a whole; `None` when it was, or was not touched at all.
    pub fn elements(&self, extension: Option<&str>, name: &str) -> Option<&[usize]> {
        self.find(extension, name)
            .filter(|c| !c.whole)
            .map(|c| c.elements.as_slice())
    }

    fn extension_touched(&self, urn: &str) -> bool {
        self.extensions.iter().any(|e| name::eq(e, urn))
    }

    /// Whether any attribute of extension `urn` was touched.
    fn touches_in(&self, urn: &str) -> bool {
        self.attributes
            .iter()
            .any(|c| c.extension.as_deref().is_some_and(|e| name::eq(e, urn)))
    }

    fn find(&self, extension: Option<&str>, name: &str) -> Option<&Changed> {
        self.attributes
            .iter()
            .find(|c| same_place(c, extension, name))
    }

    fn entry(&mut self, extension: Option<&str>, attr: &str) -> &mut Changed {
        let i = match self
            .attributes
            .iter()
            .position(|c| same_place(c, extension, attr))
        {
            Some(i) => i,
            None => {
                self.attributes.push(Changed {
                    extension: extension.map(str::to_owned),
                    name: attr.to_owned(),
                    whole: false,
                    elements: Vec::new(),
                });
                self.attributes.len() - 1
            }
        };
        &mut self.attributes[i]
    }
}

fn same_place(c: &Changed, extension: Option<&str>, attr: &str) -> bool {
    name::eq(&c.name, attr)
        && match (&c.extension, extension) {
            (None, None) => true,
            (Some(a), Some(b)) => name::eq(a, b),
            _ => false,
        }
}

impl Validator<'_> {
    /// Validates `resource`, the result of a change to `original` that touched `changes` (a
    /// PATCH; see `scimkit_patch::Patcher`), checking only what was touched and the
    /// resource-wide rules a change can break; when it passes, rewrites the touched parts in
    /// place as [`validate`](Validator::validate) would.
    ///
    /// When `original` passes `validate(original, Context::Patched { original })` and that
    /// leaves it as it is (a resource stored after validation is such a resource), the verdict
    /// is exactly that of `validate(resource, Context::Patched { original })`: `Ok` with the same
    /// rewritten resource, or the same error with the same failures in the same order. Only the
    /// readOnly and immutable attributes of `original` (and single-valued complex attributes
    /// with such sub-attributes) are read, so a copy of just those will do.
    ///
    /// ```
    /// use scimkit_schema::validate::{Changes, Context, Validator};
    /// use scimkit_schema::{ErrorKind, ResourceSchema};
    /// use serde_json::json;
    ///
    /// let schema = ResourceSchema::group();
    /// let validator = Validator::new(&schema);
    /// let original = json!({
    ///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    ///     "id": "e9e30dba", "displayName": "Tour Guides",
    ///     "members": [{"value": "2819c223"}, {"value": "902c246b"}]
    /// });
    /// // A member appended (a PATCH `add`): only that element is validated.
    /// let mut group = original.clone();
    /// group["members"].as_array_mut().unwrap().push(json!({"value": 7}));
    /// let mut changes = Changes::new();
    /// changes.element(None, "members", 2);
    /// let err = validator.validate_changes(&mut group, &original, &changes).unwrap_err();
    /// assert_eq!(err.failures()[0].path(), "members[2].value");
    /// let full = validator.validate(&mut group.clone(), Context::Patched { original: &original });
    /// assert_eq!(full.unwrap_err(), err);
    ///
    /// // The required displayName removed.
    /// let mut group = original.clone();
    /// group.as_object_mut().unwrap().remove("displayName");
    /// let mut changes = Changes::new();
    /// changes.attribute(None, "displayName");
    /// let err = validator.validate_changes(&mut group, &original, &changes).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::RequiredMissing);
    /// ```
    ///
    /// # Errors
    /// As [`validate`](Validator::validate) for `Context::Patched`; on error `resource` is
    /// unchanged.
    pub fn validate_changes(
        &self,
        resource: &mut Value,
        original: &Value,
        changes: &Changes,
    ) -> Result<(), Error> {
        self.limits.check(resource)?;
        let Some(object) = resource.as_object() else {
            return Err(Error::new(
                ErrorKind::Syntax,
                "",
                "a resource must be a JSON object",
            ));
        };
        let context = Context::Patched { original };
        let mut run = Run::new(self, context);
        let writes = run.changes(object, changes);
        run.verdict(own_id(context, object))?;
        if let Value::Object(object) = resource {
            for w in writes {
                w.apply(object);
            }
        }
        Ok(())
    }
}

/// A rewrite of the validated resource, made once it has passed.
enum Write {
    /// The top-level member spelled `key` becomes `canonical: value`, in place.
    Member {
        key: String,
        canonical: String,
        value: Value,
    },
    /// The top-level member spelled `key` is dropped ([`UnknownAttributes::Drop`](super::UnknownAttributes::Drop)).
    Drop { key: String },
    /// Elements of the top-level multi-valued attribute spelled `key` (canonically `canonical`)
    /// are replaced.
    Elements {
        key: String,
        canonical: String,
        elements: Vec<(usize, Value)>,
    },
}

impl Write {
    fn apply(self, object: &mut Map<String, Value>) {
        match self {
            Write::Member {
                key,
                canonical,
                value,
            } => put(object, &key, &canonical, value),
            Write::Drop { key } => {
                object.shift_remove(&key);
            }
            Write::Elements {
                key,
                canonical,
                elements,
            } => {
                if let Some(Value::Array(items)) = object.get_mut(&key) {
                    for (i, v) in elements {
                        if let Some(slot) = items.get_mut(i) {
                            *slot = v;
                        }
                    }
                }
                if key != canonical {
                    if let Some(v) = object.get(&key).cloned() {
                        put(object, &key, &canonical, v);
                    }
                }
            }
        }
    }
}

/// Sets `object[key]` to `value` under the name `canonical`, keeping the member's position.
fn put(object: &mut Map<String, Value>, key: &str, canonical: &str, value: Value) {
    if key == canonical {
        object.insert(key.to_owned(), value);
        return;
    }
    match object.keys().position(|k| k == key) {
        Some(at) => {
            object.shift_remove(key);
            object.shift_insert(at, canonical.to_owned(), value);
        }
        None => {
            object.insert(canonical.to_owned(), value);
        }
    }
}

/// What validating one touched attribute gave.
enum Outcome {
    /// Its whole value (`None`: failed, or dropped).
    Whole(Option<Value>),
    /// New values for some of its elements; the others stand.
    Elements(Vec<(usize, Value)>),
}

impl<'a> Run<'a, '_> {
    /// [`Run::resource`] restricted to what `changes` touched, in the same order; the rewrites
    /// to make when it passes.
    fn changes(&mut self, input: &Map<String, Value>, changes: &Changes) -> Vec<Write> {
        let schema = self.v.schema;
        let prev = self.ctx.previous().and_then(Value::as_object);
        let core = Owner::core(schema);
        let mut writes = Vec::new();
        // The top-level outputs `finish` looks at: those of the touched attributes.
        let mut out = Map::new();
        let mut schemas: Option<(&String, &Value)> = None;
        let mut seen_attrs: Vec<&'a str> = Vec::new();
        let mut seen_exts: Vec<usize> = Vec::new();
        let mut with_values: Vec<usize> = Vec::new();
        for (key, value) in input {
            if name::eq(key, "schemas") {
                if schemas.replace((key, value)).is_some() {
                    self.fail(
                        ErrorKind::Syntax,
                        "schemas",
                        "`schemas` is given more than once",
                    );
                }
                continue;
            }
            if let Some(i) = schema.extensions().iter().position(|e| e.schema.is(key)) {
                let ext: &'a Schema = &schema.extensions()[i].schema;
                if seen_exts.contains(&i) {
                    self.fail(
                        ErrorKind::Syntax,
                        ext.id.as_str(),
                        "extension given more than once (URNs are case-insensitive)",
                    );
                    continue;
                }
                seen_exts.push(i);
                let result = if changes.extension_touched(&ext.id) {
                    Some(self.extension(i, value, prev))
                } else if changes.touches_in(&ext.id) && value.is_object() {
                    Some(Some(self.extension_part(ext, value, prev, changes)))
                } else {
                    None
                };
                match result {
                    // Untouched: as valid and canonical as it was.
                    None => {
                        if is_assigned(value) {
                            with_values.push(i);
                        }
                    }
                    Some(Some(v)) => {
                        if is_assigned(&v) {
                            with_values.push(i);
                        }
                        writes.push(Write::Member {
                            key: key.clone(),
                            canonical: ext.id.clone(),
                            value: v,
                        });
                    }
                    Some(None) => {}
                }
                continue;
            }
            let attr = crate::common::attributes()
                .iter()
                .find(|a| name::eq(&a.name, key))
                .or_else(|| schema.core().attribute(key));
            let Some(attr) = attr else {
                if changes.touches(None, key) {
                    self.unknown_top_level(key);
                    if self.v.unknown_attributes == UnknownAttributes::Drop {
                        writes.push(Write::Drop { key: key.clone() });
                    }
                }
                continue;
            };
            if !changes.touches(None, &attr.name) {
                continue;
            }
            if seen_attrs.contains(&attr.name.as_str()) {
                self.fail(
                    ErrorKind::Syntax,
                    attr.name.as_str(),
                    "attribute given more than once (names are case-insensitive)",
                );
                continue;
            }
            seen_attrs.push(&attr.name);
            let p = prev.and_then(|p| name::value(p, &attr.name));
            let elements = changes.elements(None, &attr.name);
            match self.touched(attr, value, &attr.name, p, core, elements) {
                Outcome::Whole(Some(v)) => {
                    out.insert(attr.name.clone(), v.clone());
                    writes.push(Write::Member {
                        key: key.clone(),
                        canonical: attr.name.clone(),
                        value: v,
                    });
                }
                Outcome::Whole(None) => {}
                Outcome::Elements(elements) => writes.push(Write::Elements {
                    key: key.clone(),
                    canonical: attr.name.clone(),
                    elements,
                }),
            }
        }
        let touched: Vec<&'a Attribute> = top_level(schema)
            .filter(|a| changes.touches(None, &a.name))
            .collect();
        self.finish(touched, &out, input, "", prev);
        if let Some(list) = self.schemas(schemas.map(|(_, v)| v), &with_values) {
            writes.push(Write::Member {
                key: schemas.map_or_else(|| "schemas".to_owned(), |(k, _)| k.clone()),
                canonical: "schemas".to_owned(),
                value: Value::Array(list),
            });
        }
        self.extensions_required(&with_values);
        writes
    }

    /// An extension object some of whose attributes were touched: those validated as
    /// [`Run::members`] would, the others kept as they are; the new object.
    fn extension_part(
        &mut self,
        ext: &'a Schema,
        value: &Value,
        prev: Option<&Map<String, Value>>,
        changes: &Changes,
    ) -> Value {
        let Value::Object(input) = value else {
            return value.clone();
        };
        let prev = prev
            .and_then(|p| name::value(p, &ext.id))
            .and_then(Value::as_object);
        let owner = Owner::extension(ext);
        let prefix = format!("{}:", ext.id);
        let mut out = Map::new();
        let mut touched_out = Map::new();
        let mut seen: Vec<&'a str> = Vec::new();
        for (key, value) in input {
            let attr = ext.attributes.iter().find(|a| name::eq(&a.name, key));
            let Some(attr) = attr else {
                if changes.touches(Some(&ext.id), key) {
                    if self.v.unknown_attributes == UnknownAttributes::Error {
                        self.fail(
                            ErrorKind::UnknownAttribute,
                            format!("{prefix}{key}"),
                            format!("unknown attribute `{key}` of `{}`", ext.id),
                        );
                    }
                } else {
                    out.insert(key.clone(), value.clone());
                }
                continue;
            };
            if !changes.touches(Some(&ext.id), &attr.name) {
                out.insert(key.clone(), value.clone());
                continue;
            }
            let path = format!("{prefix}{}", attr.name);
            if seen.contains(&attr.name.as_str()) {
                self.fail(
                    ErrorKind::Syntax,
                    path,
                    "attribute given more than once (names are case-insensitive)",
                );
                continue;
            }
            seen.push(&attr.name);
            let p = prev.and_then(|p| name::value(p, &attr.name));
            let elements = changes.elements(Some(&ext.id), &attr.name);
            let v = match self.touched(attr, value, &path, p, owner, elements) {
                Outcome::Whole(v) => v,
                Outcome::Elements(elements) => {
                    let mut v = value.clone();
                    if let Value::Array(items) = &mut v {
                        for (i, e) in elements {
                            if let Some(slot) = items.get_mut(i) {
                                *slot = e;
                            }
                        }
                    }
                    Some(v)
                }
            };
            if let Some(v) = v {
                touched_out.insert(attr.name.clone(), v.clone());
                out.insert(attr.name.clone(), v);
            }
        }
        let touched: Vec<&'a Attribute> = ext
            .attributes
            .iter()
            .filter(|a| changes.touches(Some(&ext.id), &a.name))
            .collect();
        self.finish(touched, &touched_out, input, &prefix, prev);
        Value::Object(out)
    }

    /// One touched attribute: validated whole, or (a multi-valued attribute whose array only had
    /// `elements` added or changed) element by element, with the rules across its values.
    fn touched(
        &mut self,
        attr: &'a Attribute,
        value: &Value,
        path: &str,
        prev: Option<&Value>,
        owner: Owner<'a>,
        elements: Option<&[usize]>,
    ) -> Outcome {
        // A guarded attribute is compared with the original as a whole.
        let guarded = matches!(
            attr.mutability,
            Mutability::ReadOnly | Mutability::Immutable
        );
        let (Some(elements), Value::Array(items), true, false) =
            (elements, value, attr.multi_valued, guarded)
        else {
            return Outcome::Whole(self.attribute(attr, value, path, prev, owner));
        };
        let mut out: Vec<(usize, Value)> = Vec::with_capacity(elements.len());
        let mut ok = true;
        for &i in elements {
            let Some(item) = items.get(i) else { continue };
            match self.element(attr, item, path, i, owner) {
                Some(v) => out.push((i, v)),
                None => ok = false,
            }
        }
        if ok && attr.is_complex() {
            if attr.sub_attribute("primary").is_some() {
                let primaries: Vec<usize> = (0..items.len())
                    .filter(|&i| value_at(&out, items, i).is_some_and(is_primary))
                    .collect();
                if self.primary_conflict(primaries.len(), path) {
                    for &i in &primaries[1..] {
                        let mut v = match value_at(&out, items, i) {
                            Some(v) => v.clone(),
                            None => continue,
                        };
                        if let Some(p) = v.get_mut("primary") {
                            *p = Value::Bool(false);
                        }
                        match out.binary_search_by_key(&i, |(j, _)| *j) {
                            Ok(k) => out[k].1 = v,
                            Err(k) => out.insert(k, (i, v)),
                        }
                    }
                }
            }
            if self.v.distinct_types {
                let types: Vec<Option<&str>> = (0..items.len())
                    .map(|i| value_at(&out, items, i).and_then(type_of))
                    .collect();
                self.distinct_types(attr, &types, path);
            }
        }
        if attr.uniqueness != Uniqueness::None {
            for (i, v) in &out {
                self.unique_element(attr, owner, path, *i, v);
            }
        }
        Outcome::Elements(out)
    }
}

/// Element `i` as the whole-resource validation sees it: its validated new value when it has
/// one, else the element as it stands (which validates to itself).
fn value_at<'v>(out: &'v [(usize, Value)], items: &'v [Value], i: usize) -> Option<&'v Value> {
    match out.binary_search_by_key(&i, |(j, _)| *j) {
        Ok(k) => Some(&out[k].1),
        Err(_) => items.get(i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_indices_follow_removals() {
        let mut c = Changes::new();
        c.element(None, "members", 5)
            .element(None, "Members", 2)
            .element_removed(None, "members", 3)
            .element_removed(None, "members", 2);
        assert_eq!(c.elements(None, "members"), Some(&[3][..]));
        c.attribute(None, "MEMBERS").element(None, "members", 1);
        assert_eq!(c.elements(None, "members"), None);
        assert!(c.touches(None, "members"));
        c.extension("urn:x:2.0:Ext");
        assert!(c.touches(Some("URN:X:2.0:EXT"), "anything"));
        assert!(!c.touches(Some("urn:y"), "anything"));
    }
}
