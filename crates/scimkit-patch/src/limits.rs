//! Limits on hostile input. Going over one is an ordinary [`Error`](crate::Error).

use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// How much a PATCH request may ask for.
///
/// serde_json bounds the nesting of JSON it parses (128), but a `Value` built in code has no such
/// bound, and this crate recurses over values; so every value an operation carries is checked
/// against [`max_depth`](Limits::max_depth) and [`max_value_nodes`](Limits::max_value_nodes)
/// before it is used, without recursion.
///
/// ```
/// use scimkit_patch::{Interop, Limits, Patcher, PatchOperation};
/// use scimkit_schema::ResourceSchema;
/// use serde_json::json;
///
/// let schema = ResourceSchema::group();
/// let patcher = Patcher::new(&schema).limits(Limits::new().max_operations(1));
/// let ops = [PatchOperation::replace(Some("displayName"), json!("a"))?,
///            PatchOperation::replace(Some("displayName"), json!("b"))?];
/// let mut group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "x"});
/// let err = patcher.apply(&mut group, &ops).unwrap_err();
/// assert_eq!(err.to_string(), "2 operations, more than the limit of 1");
/// # Ok::<(), scimkit_patch::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct Limits {
    /// Most operations in one request; see [`Limits::max_operations`](Limits::max_operations()).
    pub max_operations: usize,
    /// Deepest nesting of an operation's value; see [`Limits::max_depth`](Limits::max_depth()).
    pub max_depth: usize,
    /// Most JSON values in one operation's value; see
    /// [`Limits::max_value_nodes`](Limits::max_value_nodes()).
    pub max_value_nodes: usize,
}

impl Limits {
    /// The defaults: 1000 operations, depth 16, 100 000 values per operation.
    pub const fn new() -> Limits {
        Limits {
            max_operations: 1000,
            max_depth: 16,
            max_value_nodes: 100_000,
        }
    }

    /// Most operations in one request. Default 1000.
    ///
    /// Entra sends one operation per changed attribute, and a membership sync a few hundred
    /// member operations at most; AWS IAM Identity Center caps membership changes at 100 per
    /// request (docs/idp-compatibility.md).
    pub const fn max_operations(mut self, n: usize) -> Limits {
        self.max_operations = n;
        self
    }

    /// How deeply an operation's value may nest, counting the value itself as 1. Default 16.
    ///
    /// A SCIM value is at most 4 deep (an extension object holding a multi-valued complex
    /// attribute: object, array, object, scalar), so 16 leaves room for odd custom schemas.
    pub const fn max_depth(mut self, depth: usize) -> Limits {
        self.max_depth = depth;
        self
    }

    /// Most JSON values (objects, arrays and scalars, each counted once) in one operation's value.
    /// Default 100 000, room for a group of ~30 000 members in one `replace`.
    pub const fn max_value_nodes(mut self, n: usize) -> Limits {
        self.max_value_nodes = n;
        self
    }

    /// Checks one value without recursion.
    pub(crate) fn check_value(&self, value: &Value) -> Result<(), Error> {
        // A scalar (Okta's `{"active": false}` is one object, Entra's per-attribute values are
        // scalars) is one node at depth 1: no stack to build.
        if !matches!(value, Value::Array(_) | Value::Object(_))
            && self.max_value_nodes >= 1
            && self.max_depth >= 1
        {
            return Ok(());
        }
        let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
        let mut nodes = 0usize;
        while let Some((v, depth)) = stack.pop() {
            nodes += 1;
            if nodes > self.max_value_nodes {
                return Err(ErrorKind::ValueTooLarge {
                    max: self.max_value_nodes,
                }
                .into());
            }
            if depth > self.max_depth {
                return Err(ErrorKind::ValueTooDeep {
                    max: self.max_depth,
                }
                .into());
            }
            match v {
                Value::Array(a) => stack.extend(a.iter().map(|c| (c, depth + 1))),
                Value::Object(o) => stack.extend(o.values().map(|c| (c, depth + 1))),
                _ => {}
            }
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn depth_counts_the_value_itself() {
        let l = Limits::new().max_depth(3);
        assert!(l.check_value(&json!({"a": [1]})).is_ok());
        assert_eq!(
            l.check_value(&json!({"a": [[1]]})).unwrap_err().kind(),
            &ErrorKind::ValueTooDeep { max: 3 }
        );
    }

    #[test]
    fn deep_values_built_in_code_are_rejected_without_recursion() {
        let mut v = json!(1);
        for _ in 0..100_000 {
            v = Value::Array(vec![v]);
        }
        assert!(Limits::new().check_value(&v).is_err());
        // Dropping such a value recurses in serde_json; leak it (test only) to keep the test
        // about our code.
        std::mem::forget(v);
    }

    #[test]
    fn node_count() {
        let l = Limits::new().max_value_nodes(3);
        assert!(l.check_value(&json!([1, 2])).is_ok());
        assert!(l.check_value(&json!([1, 2, 3])).is_err());
    }
}
