//! Attribute projection for responses (RFC 7644 §3.4.2.5, §3.9; RFC 7643 §2.2 `returned`).
//!
//! A [`Projection`] is what the client asked for: nothing (the server's default set), an
//! `attributes` list or an `excludedAttributes` list of attribute paths. [`Projection::compile`]
//! resolves its names against a [`ResourceSchema`] once, giving a [`Projector`] that shapes any
//! number of resources:
//!
//! | `returned` | no parameter | `attributes=` | `excludedAttributes=` |
//! |---|---|---|---|
//! | `always` (`id`, `schemas`) | yes | yes | yes (cannot be excluded) |
//! | `default` | yes | only if listed | unless listed |
//! | `request` | no | only if listed | no |
//! | `never` (`password`) | no | no | no |
//!
//! Paths name an attribute (`emails`), a sub-attribute (`name.givenName`: the complex value keeps
//! only that sub-attribute plus `always` ones), an extension attribute
//! (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`) or a whole extension by
//! its URN. Names match in any case (RFC 7643 §2.1) and the output uses the schema's spelling. An
//! extension object left empty is dropped, as is a complex value left with no sub-attributes.
//!
//! ```
//! use scimkit_schema::project::Projection;
//! use scimkit_schema::ResourceSchema;
//! use serde_json::json;
//!
//! let schema = ResourceSchema::user();
//! let user = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "id": "2819c223", "userName": "bjensen", "password": "t1meMa$heen",
//!     "name": {"givenName": "Barbara", "familyName": "Jensen"},
//!     "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}]
//! });
//! let p = Projection::attributes(["NAME.givenName", "emails.value"]).compile(&schema)?;
//! assert_eq!(p.project(&user), json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "id": "2819c223",
//!     "name": {"givenName": "Barbara"},
//!     "emails": [{"value": "bjensen@example.com"}]
//! }));
//! # Ok::<(), scimkit_schema::Error>(())
//! ```
//!
//! # Unknown names
//! RFC 7644 §3.9 requires "standard attribute notation" but names no `scimType` for a list that
//! names an attribute the resource type lacks. [`Projection::compile`] answers
//! [`ErrorKind::UnknownAttribute`](crate::ErrorKind::UnknownAttribute) (400 `invalidSyntax`, the same kind validation uses), collecting
//! every unknown name; [`Projection::ignore_unknown`] skips them instead, as many servers do.

use serde_json::{Map, Value};

use crate::{common, name, Attribute, Error, ResourceSchema, Returned};

/// Which parameter the paths came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    /// Neither `attributes` nor `excludedAttributes`.
    #[default]
    Default,
    /// `attributes`: return these (and `always` ones) only.
    Attributes,
    /// `excludedAttributes`: return the default set minus these.
    Excluded,
}

/// The `attributes` or `excludedAttributes` request parameter (RFC 7644 §3.9) as a list of
/// attribute paths, not yet resolved.
///
/// RFC 7644 §3.9 makes the two parameters alternatives, so a projection holds one of them. The
/// filter crate's path parser converts into this type; here paths are plain strings in RFC 7644
/// §3.10 notation.
///
/// ```
/// use scimkit_schema::project::Projection;
/// let p = Projection::excluded_attributes(["emails", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]);
/// assert!(p.is_excluded());
/// assert_eq!(p.paths().len(), 2);
/// assert!(Projection::default().paths().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[must_use]
pub struct Projection {
    mode: Mode,
    paths: Vec<String>,
    ignore_unknown: bool,
}

impl Projection {
    /// No parameter: attributes whose `returned` is `always` or `default` (RFC 7644 §3.4).
    pub fn new() -> Self {
        Projection::default()
    }

    /// `attributes=`: only these attributes, plus those whose `returned` is `always`.
    pub fn attributes<S: Into<String>>(paths: impl IntoIterator<Item = S>) -> Self {
        Projection {
            mode: Mode::Attributes,
            paths: paths.into_iter().map(Into::into).collect(),
            ignore_unknown: false,
        }
    }

    /// `excludedAttributes=`: the default set without these; `always` attributes stay.
    pub fn excluded_attributes<S: Into<String>>(paths: impl IntoIterator<Item = S>) -> Self {
        Projection {
            mode: Mode::Excluded,
            paths: paths.into_iter().map(Into::into).collect(),
            ignore_unknown: false,
        }
    }

    /// Skip names the resource type does not define instead of failing. Off by default.
    pub fn ignore_unknown(mut self, on: bool) -> Self {
        self.ignore_unknown = on;
        self
    }

    /// The paths as given.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// Whether this is an `attributes` list.
    pub fn is_attributes(&self) -> bool {
        self.mode == Mode::Attributes
    }

    /// Whether this is an `excludedAttributes` list.
    pub fn is_excluded(&self) -> bool {
        self.mode == Mode::Excluded
    }

    /// Resolves every path against `schema` (in any case) into a reusable [`Projector`].
    ///
    /// # Errors
    /// [`ErrorKind::UnknownAttribute`](crate::ErrorKind::UnknownAttribute) for each path naming a schema, attribute or sub-attribute
    /// that `schema` lacks, unless [`ignore_unknown`](Self::ignore_unknown) is on.
    pub fn compile<'s>(&self, schema: &'s ResourceSchema) -> Result<Projector<'s>, Error> {
        let mut listed = Listed::default();
        let mut failures = Vec::new();
        for path in &self.paths {
            let path = path.trim();
            if schema.core().is(path) {
                listed.core = true;
            } else if let Some(i) = schema.extensions().iter().position(|e| e.schema.is(path)) {
                listed.extensions.push(i);
            } else {
                match schema.resolve_path(path) {
                    Ok(r) => match r.sub_attribute {
                        Some(sub) => listed.subs.push((r.attribute, sub)),
                        None => listed.whole.push(r.attribute),
                    },
                    Err(e) if !self.ignore_unknown => {
                        failures.extend(e.failures().iter().cloned());
                    }
                    Err(_) => {}
                }
            }
        }
        if let Some(e) = Error::from_failures(failures) {
            return Err(e);
        }
        let core_attrs = common::attributes()
            .iter()
            .chain(schema.core().attributes.iter())
            .map(|a| self.rule(a, listed.core, &listed))
            .collect();
        let extensions = schema
            .extensions()
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let whole = listed.extensions.contains(&i);
                let rules = e
                    .schema
                    .attributes
                    .iter()
                    .map(|a| self.rule(a, whole, &listed))
                    .collect();
                (e.schema.id.as_str(), rules)
            })
            .collect();
        Ok(Projector {
            keep_unknown: self.mode != Mode::Attributes,
            core: core_attrs,
            extensions,
        })
    }

    /// What to keep of `attr`; `schema_listed` says its whole schema (URN) was named.
    fn rule<'s>(&self, attr: &'s Attribute, schema_listed: bool, listed: &Listed<'s>) -> Rule<'s> {
        let whole = schema_listed || listed.whole.iter().any(|a| std::ptr::eq(*a, attr));
        let subs: Vec<&'s Attribute> = listed
            .subs
            .iter()
            .filter(|(a, _)| std::ptr::eq(*a, attr))
            .map(|(_, s)| *s)
            .collect();
        let keep = |returned: Returned, named: bool| match (returned, self.mode) {
            (Returned::Always, _) => true,
            (Returned::Never, _) => false,
            (Returned::Default, Mode::Default) => true,
            (Returned::Request, Mode::Default) => false,
            (_, Mode::Attributes) => named,
            (Returned::Default, Mode::Excluded) => !named,
            (Returned::Request, Mode::Excluded) => false,
        };
        let named = match self.mode {
            // Naming a sub-attribute asks for its parent too (RFC 7644 §3.9 example
            // `attributes=name.givenName`).
            Mode::Attributes => whole || !subs.is_empty(),
            // Excluding a sub-attribute leaves the parent.
            _ => whole,
        };
        if !keep(attr.returned, named) {
            return Rule {
                attr,
                keep: Keep::No,
            };
        }
        if !attr.is_complex() {
            return Rule {
                attr,
                keep: Keep::Whole,
            };
        }
        let kept = attr
            .sub_attributes
            .iter()
            .filter(|s| {
                let sub_named = subs.iter().any(|n| std::ptr::eq(*n, *s));
                match self.mode {
                    // An `always` attribute the list does not name (e.g. a custom one) keeps
                    // its default sub-attributes.
                    Mode::Attributes if !named => keep(s.returned, s.returned == Returned::Default),
                    Mode::Attributes => keep(s.returned, whole || sub_named),
                    Mode::Excluded => keep(s.returned, sub_named),
                    Mode::Default => keep(s.returned, false),
                }
            })
            .collect();
        Rule {
            attr,
            keep: Keep::Subs {
                parent: attr,
                subs: kept,
                keep_unknown: self.mode != Mode::Attributes || whole,
            },
        }
    }
}

/// The names a projection lists, resolved.
#[derive(Default)]
struct Listed<'s> {
    core: bool,
    extensions: Vec<usize>,
    whole: Vec<&'s Attribute>,
    subs: Vec<(&'s Attribute, &'s Attribute)>,
}

#[derive(Debug, Clone)]
struct Rule<'s> {
    attr: &'s Attribute,
    keep: Keep<'s>,
}

#[derive(Debug, Clone)]
enum Keep<'s> {
    No,
    Whole,
    /// A complex attribute: these sub-attributes, and members the schema does not define or not.
    Subs {
        parent: &'s Attribute,
        subs: Vec<&'s Attribute>,
        keep_unknown: bool,
    },
}

/// A [`Projection`] resolved against one [`ResourceSchema`]: shapes response resources.
///
/// It never fails: a member the schema does not define is kept unless an `attributes` list is in
/// force; a value of an unexpected shape is passed through (validation is where shapes are checked).
#[derive(Debug, Clone)]
pub struct Projector<'s> {
    keep_unknown: bool,
    core: Vec<Rule<'s>>,
    extensions: Vec<(&'s str, Vec<Rule<'s>>)>,
}

/// Projects `resource` for `projection` in one call.
///
/// ```
/// use scimkit_schema::{project, ResourceSchema};
/// let schema = ResourceSchema::user();
/// let user = serde_json::json!({"id": "1", "userName": "bjensen", "password": "secret"});
/// let out = project::project(&schema, &user, &project::Projection::new())?;
/// assert_eq!(out, serde_json::json!({"id": "1", "userName": "bjensen"}));
/// # Ok::<(), scimkit_schema::Error>(())
/// ```
///
/// # Errors
/// See [`Projection::compile`].
pub fn project(
    schema: &ResourceSchema,
    resource: &Value,
    projection: &Projection,
) -> Result<Value, Error> {
    Ok(projection.compile(schema)?.project(resource))
}

impl<'s> Projector<'s> {
    /// The response representation of `resource`, leaving `resource` as it is; copies only what
    /// is kept.
    pub fn project(&self, resource: &Value) -> Value {
        let Value::Object(input) = resource else {
            return deep_clone(resource);
        };
        let mut out = Map::with_capacity(input.len());
        for (key, value) in input {
            self.member(&mut out, Key::Borrowed(key), value, deep_clone);
        }
        Value::Object(out)
    }

    /// Projects `resource` in place, moving the values kept: the cheap form for a server that
    /// owns the resource it is about to serialise.
    ///
    /// ```
    /// use scimkit_schema::project::Projection;
    /// let schema = scimkit_schema::ResourceSchema::user();
    /// let p = Projection::excluded_attributes(["emails"]).compile(&schema)?;
    /// let mut user = serde_json::json!({"id": "1", "emails": [{"value": "a@example.com"}]});
    /// p.project_in_place(&mut user);
    /// assert_eq!(user, serde_json::json!({"id": "1"}));
    /// # Ok::<(), scimkit_schema::Error>(())
    /// ```
    pub fn project_in_place(&self, resource: &mut Value) {
        let Value::Object(input) = resource else {
            return;
        };
        let input = std::mem::take(input);
        let mut out = Map::with_capacity(input.len());
        for (key, value) in input {
            self.member(&mut out, Key::Owned(key), value, |v| v);
        }
        *resource = Value::Object(out);
    }

    /// Projects one top-level member into `out`; `take` turns the input value into an owned one
    /// (a copy or a move) once it is known to be kept.
    fn member<V>(
        &self,
        out: &mut Map<String, Value>,
        key: Key<'_>,
        value: V,
        take: impl Fn(V) -> Value,
    ) {
        let key_str = key.as_str();
        if let Some((urn, rules)) = self
            .extensions
            .iter()
            .find(|(urn, _)| name::eq(urn, key_str))
        {
            if let Value::Object(members) = take(value) {
                let mut m = Map::with_capacity(members.len());
                for (k, v) in members {
                    match rules.iter().find(|r| name::eq(&r.attr.name, &k)) {
                        Some(rule) => {
                            if let Some(v) = apply(&rule.keep, v) {
                                m.insert(Key::Owned(k).canonical(&rule.attr.name), v);
                            }
                        }
                        None if self.keep_unknown => {
                            m.insert(k, v);
                        }
                        None => {}
                    }
                }
                // An extension left with nothing to say is dropped (RFC 7643 §3.3 puts
                // extension attributes in their own object; an empty one carries no data).
                if !m.is_empty() {
                    out.insert(key.canonical(urn), Value::Object(m));
                }
            }
            return;
        }
        match self.core.iter().find(|r| name::eq(&r.attr.name, key_str)) {
            Some(rule) => {
                if matches!(rule.keep, Keep::No) {
                    return;
                }
                if let Some(v) = apply(&rule.keep, take(value)) {
                    out.insert(key.canonical(&rule.attr.name), v);
                }
            }
            None if self.keep_unknown => {
                out.insert(key.into_owned(), take(value));
            }
            None => {}
        }
    }
}

/// A member's key as the input spells it: borrowed when projecting a copy, owned when projecting
/// in place, where a key already spelled as the schema spells it is moved rather than copied.
enum Key<'k> {
    Borrowed(&'k str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(k) => k,
            Key::Owned(k) => k,
        }
    }

    fn into_owned(self) -> String {
        match self {
            Key::Borrowed(k) => k.to_owned(),
            Key::Owned(k) => k,
        }
    }

    /// The schema's spelling of the name (RFC 7643 §2.1 names are case-insensitive; responses
    /// use the schema's case), reusing the owned key when it is already spelled that way.
    fn canonical(self, schema_name: &str) -> String {
        match self {
            Key::Owned(k) if k == schema_name => k,
            _ => schema_name.to_owned(),
        }
    }
}

/// Applies one attribute's rule to its (owned) value.
fn apply(keep: &Keep<'_>, value: Value) -> Option<Value> {
    match keep {
        Keep::No => None,
        Keep::Whole => Some(value),
        Keep::Subs {
            parent,
            subs,
            keep_unknown,
        } => {
            let filter = |m: Map<String, Value>| -> Map<String, Value> {
                let mut kept = Map::new();
                for (k, v) in m {
                    match subs.iter().find(|s| name::eq(&s.name, &k)) {
                        Some(s) => {
                            kept.insert(s.name.clone(), v);
                        }
                        // A sub-attribute the schema defines but the rule leaves out.
                        None if parent.sub_attribute(&k).is_some() => {}
                        None if *keep_unknown => {
                            kept.insert(k, v);
                        }
                        None => {}
                    }
                }
                kept
            };
            match value {
                Value::Object(m) => {
                    let m = filter(m);
                    (!m.is_empty()).then_some(Value::Object(m))
                }
                Value::Array(items) => {
                    let was_empty = items.is_empty();
                    let items: Vec<Value> = items
                        .into_iter()
                        .filter_map(|item| match item {
                            Value::Object(m) => {
                                let m = filter(m);
                                (!m.is_empty()).then_some(Value::Object(m))
                            }
                            other => Some(other),
                        })
                        .collect();
                    (was_empty || !items.is_empty()).then_some(Value::Array(items))
                }
                other => Some(other),
            }
        }
    }
}

/// A copy of `v` made without recursion, so that a deeply nested value cannot overflow the stack
/// (serde_json's derived `Clone` recurses once per level).
fn deep_clone<'v>(v: &'v Value) -> Value {
    enum Frame<'v> {
        Array(std::slice::Iter<'v, Value>, Vec<Value>),
        Object(
            serde_json::map::Iter<'v>,
            Map<String, Value>,
            Option<&'v String>,
        ),
    }
    let open = |v: &'v Value| -> Result<Frame<'v>, Value> {
        match v {
            Value::Array(a) => Ok(Frame::Array(a.iter(), Vec::with_capacity(a.len()))),
            Value::Object(o) => Ok(Frame::Object(o.iter(), Map::new(), None)),
            scalar => Err(scalar.clone()),
        }
    };
    let mut stack = match open(v) {
        Ok(frame) => vec![frame],
        Err(scalar) => return scalar,
    };
    loop {
        let Some(top) = stack.last_mut() else {
            return Value::Null; // not reached: the loop returns when the root frame closes
        };
        let next = match top {
            Frame::Array(it, _) => it.next(),
            Frame::Object(it, _, pending) => it.next().map(|(k, v)| {
                *pending = Some(k);
                v
            }),
        };
        let done = match next {
            Some(child) => match open(child) {
                Ok(frame) => {
                    stack.push(frame);
                    continue;
                }
                Err(scalar) => scalar,
            },
            None => match stack.pop() {
                Some(Frame::Array(_, items)) => Value::Array(items),
                Some(Frame::Object(_, m, _)) => Value::Object(m),
                None => Value::Null,
            },
        };
        match stack.last_mut() {
            None => return done,
            Some(Frame::Array(_, items)) => items.push(done),
            Some(Frame::Object(_, m, pending)) => {
                if let Some(k) = pending.take() {
                    m.insert(k.clone(), done);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deep_clone_matches_clone() {
        let v = json!({"a": [1, {"b": [true, null, "x"]}, []], "c": {}, "d": 1.5});
        assert_eq!(deep_clone(&v), v);
        assert_eq!(deep_clone(&json!(3)), json!(3));
    }

    #[test]
    fn deep_clone_survives_deep_nesting() {
        let mut v = json!(0);
        for _ in 0..50_000 {
            v = Value::Array(vec![v]);
        }
        let c = deep_clone(&v);
        // Take both apart iteratively: dropping 50 000 levels recursively could overflow too.
        for mut x in [v, c] {
            let mut n = 0;
            while let Value::Array(mut a) = x {
                x = a.pop().unwrap_or(Value::Null);
                n += 1;
            }
            assert_eq!(n, 50_000);
        }
    }
}
