//! [`Limits`](super::Limits): the size of a resource, measured before anything else looks at it,
//! with a walk of bounded depth so that no input can overflow the stack.

use serde_json::Value;

use crate::{Error, ErrorKind};

/// Size limits checked before a resource is validated.
///
/// Going over any of them is an [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) failure. The defaults fit every
/// resource shape of RFC 7643 §8 and IdP traffic with room to spare; a server that keeps very large
/// groups in one `members` array raises `max_nodes` and `max_total_len`.
///
/// Built like the filter and PATCH crates' `Limits`: [`Limits::new`] and one chainable setter per
/// limit.
///
/// ```
/// use scimkit_schema::validate::Limits;
/// let limits = Limits::new().max_depth(8);
/// let deep = serde_json::json!({"a": {"b": {"c": [[[[[[[1]]]]]]]}}});
/// assert!(limits.check(&deep).is_err());
/// assert!(Limits::default().check(&deep).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct Limits {
    /// Maximum nesting of JSON objects and arrays; the resource object itself is level 1. SCIM
    /// needs 4 (resource, multi-valued attribute, complex value, multi-valued sub-attribute).
    /// Default 32.
    pub max_depth: usize,
    /// Maximum number of JSON values (objects, arrays, strings, numbers, ...). Default 250 000.
    pub max_nodes: usize,
    /// Maximum length in bytes of one string or object key. Default 1 MiB (a photo as a `data:`
    /// URI or a certificate fits).
    pub max_string_len: usize,
    /// Maximum total length in bytes of all strings and keys. Default 4 MiB.
    pub max_total_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

impl Limits {
    /// The default limits (see each field).
    pub const DEFAULT: Limits = Limits {
        max_depth: 32,
        max_nodes: 250_000,
        max_string_len: 1 << 20,
        max_total_len: 4 << 20,
    };

    /// The defaults, [`Limits::DEFAULT`].
    pub const fn new() -> Limits {
        Limits::DEFAULT
    }

    /// Maximum nesting of JSON objects and arrays. Default 32.
    pub const fn max_depth(mut self, depth: usize) -> Limits {
        self.max_depth = depth;
        self
    }

    /// Maximum number of JSON values. Default 250 000.
    pub const fn max_nodes(mut self, nodes: usize) -> Limits {
        self.max_nodes = nodes;
        self
    }

    /// Maximum length in bytes of one string or object key. Default 1 MiB.
    pub const fn max_string_len(mut self, bytes: usize) -> Limits {
        self.max_string_len = bytes;
        self
    }

    /// Maximum total length in bytes of all strings and keys. Default 4 MiB.
    pub const fn max_total_len(mut self, bytes: usize) -> Limits {
        self.max_total_len = bytes;
        self
    }

    /// Checks `value` against the limits; the failure's path is the top-level member where the
    /// limit was crossed. The walk recurses no deeper than `max_depth` (up to 128; above that it
    /// keeps its own stack), so no input can overflow the stack.
    ///
    /// # Errors
    /// One [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) failure, at the first limit crossed.
    pub fn check(&self, value: &Value) -> Result<(), Error> {
        // It runs on every validation, also of a PATCH that changed one member of a large group,
        // so it is the tight recursive walk where recursion is bounded, and both walks visit in
        // the same order (each node, then its children last to first) to report the same limit.
        let crossed = if self.max_depth <= MAX_RECURSION {
            let mut walk = Walk {
                limits: self,
                nodes: 0,
                total: 0,
            };
            walk.visit(value, 1, "").err()
        } else {
            self.walk_with_stack(value).err()
        };
        match crossed {
            None => Ok(()),
            Some((path, crossed)) => Err(Error::new(
                ErrorKind::LimitExceeded,
                path,
                self.detail(crossed),
            )),
        }
    }

    fn detail(&self, crossed: Crossed) -> String {
        match crossed {
            Crossed::Nodes => format!("more than {} JSON values", self.max_nodes),
            Crossed::StringLen => format!("string longer than {} bytes", self.max_string_len),
            Crossed::KeyLen => format!("object key longer than {} bytes", self.max_string_len),
            Crossed::Depth => format!("nested deeper than {} levels", self.max_depth),
            Crossed::Total => format!("more than {} bytes of text", self.max_total_len),
        }
    }

    /// The walk with a stack of its own, for limits that allow deep nesting.
    fn walk_with_stack<'v>(&self, value: &'v Value) -> Result<(), (&'v str, Crossed)> {
        // (value, depth of its container nesting, top-level key it sits under)
        let mut stack: Vec<(&Value, usize, &str)> = vec![(value, 1, "")];
        let (mut nodes, mut total) = (0usize, 0usize);
        while let Some((v, depth, top)) = stack.pop() {
            nodes += 1;
            if nodes > self.max_nodes {
                return Err((top, Crossed::Nodes));
            }
            match v {
                Value::String(s) => {
                    if s.len() > self.max_string_len {
                        return Err((top, Crossed::StringLen));
                    }
                    total += s.len();
                }
                Value::Array(items) => {
                    if depth > self.max_depth {
                        return Err((top, Crossed::Depth));
                    }
                    stack.extend(items.iter().map(|i| (i, depth + 1, top)));
                }
                Value::Object(members) => {
                    if depth > self.max_depth {
                        return Err((top, Crossed::Depth));
                    }
                    for (k, item) in members {
                        if k.len() > self.max_string_len {
                            return Err((top, Crossed::KeyLen));
                        }
                        total += k.len();
                        let top = if depth == 1 { k.as_str() } else { top };
                        stack.push((item, depth + 1, top));
                    }
                }
                _ => {}
            }
            if total > self.max_total_len {
                return Err((top, Crossed::Total));
            }
        }
        Ok(())
    }
}

/// The deepest `max_depth` checked by recursion.
const MAX_RECURSION: usize = 128;

/// Which limit was crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crossed {
    Nodes,
    StringLen,
    KeyLen,
    Depth,
    Total,
}

/// The recursive walk: the counts so far.
struct Walk<'l> {
    limits: &'l Limits,
    nodes: usize,
    total: usize,
}

impl Walk<'_> {
    fn visit<'v>(
        &mut self,
        v: &'v Value,
        depth: usize,
        top: &'v str,
    ) -> Result<(), (&'v str, Crossed)> {
        let l = self.limits;
        self.nodes += 1;
        if self.nodes > l.max_nodes {
            return Err((top, Crossed::Nodes));
        }
        match v {
            Value::String(s) => {
                if s.len() > l.max_string_len {
                    return Err((top, Crossed::StringLen));
                }
                self.total += s.len();
                if self.total > l.max_total_len {
                    return Err((top, Crossed::Total));
                }
            }
            Value::Array(items) => {
                if depth > l.max_depth {
                    return Err((top, Crossed::Depth));
                }
                for item in items.iter().rev() {
                    self.visit(item, depth + 1, top)?;
                }
            }
            Value::Object(members) => {
                if depth > l.max_depth {
                    return Err((top, Crossed::Depth));
                }
                for k in members.keys() {
                    if k.len() > l.max_string_len {
                        return Err((top, Crossed::KeyLen));
                    }
                    self.total += k.len();
                }
                if self.total > l.max_total_len {
                    return Err((top, Crossed::Total));
                }
                for (k, item) in members.iter().rev() {
                    let top = if depth == 1 { k.as_str() } else { top };
                    self.visit(item, depth + 1, top)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            "[a-z]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 40, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-c]{1,3}", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// The recursive walk reports what the walk with a stack reports, limit and place.
        #[test]
        fn both_walks_agree(
            v in json_value(),
            max_depth in 1usize..6,
            max_nodes in 1usize..40,
            max_string_len in 0usize..6,
            max_total_len in 0usize..40,
        ) {
            let l = Limits { max_depth, max_nodes, max_string_len, max_total_len };
            let mut walk = Walk { limits: &l, nodes: 0, total: 0 };
            prop_assert_eq!(walk.visit(&v, 1, ""), l.walk_with_stack(&v));
        }
    }

    #[test]
    fn limits_count_depth_from_the_resource() {
        let l = Limits {
            max_depth: 2,
            ..Limits::default()
        };
        assert!(l.check(&json!({"a": [1]})).is_ok());
        let e = l.check(&json!({"a": [[1]]})).unwrap_err();
        assert_eq!(
            (e.kind(), e.failures()[0].path()),
            (ErrorKind::LimitExceeded, "a")
        );
    }
}
