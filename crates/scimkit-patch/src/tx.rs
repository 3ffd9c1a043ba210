//! The undo log that makes `apply` atomic (RFC 7644 §3.5.2: "If a single operation encounters an
//! error condition, the original target resource MUST be restored").
//!
//! Every change to the resource goes through [`Tx`], which records the exact inverse of each
//! change: the old value it moved out (never a copy), the index a key or element had. On error
//! the log is replayed backwards, which restores the resource byte for byte, key order included;
//! on success it is dropped. No copy of the resource is ever made, so a request that adds one
//! member to a 10 000-member group costs the add, not a clone of the group.

use serde_json::{Map, Value};

use scimkit_schema::name;
use scimkit_schema::validate::Changes;

/// One step from the resource root: an object key (exact spelling) or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// A location in the resource, from the root.
pub(crate) type Loc = Vec<Step>;

#[derive(Debug)]
enum Undo {
    /// `key` was appended to the object at `obj`: remove it.
    Inserted { obj: Loc, key: String },
    /// The value at `at` was replaced: put `old` back.
    Replaced { at: Loc, old: Value },
    /// `key` was removed from the object at `obj`, where it was at `index`.
    KeyRemoved {
        obj: Loc,
        index: usize,
        key: String,
        old: Value,
    },
    /// An element was pushed onto the array at `arr`, becoming element `index`.
    Pushed { arr: Loc, index: usize },
    /// The element at `index` was removed from the array at `arr`.
    ElementRemoved { arr: Loc, index: usize, old: Value },
}

/// A transaction over one resource.
#[derive(Debug)]
pub(crate) struct Tx<'r> {
    root: &'r mut Value,
    log: Vec<Undo>,
}

/// The value at `loc` in `v`, if there is one.
pub(crate) fn get<'v>(mut v: &'v Value, loc: &[Step]) -> Option<&'v Value> {
    for s in loc {
        v = match (s, v) {
            (Step::Key(k), Value::Object(o)) => o.get(k)?,
            (Step::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn get_mut<'v>(mut v: &'v mut Value, loc: &[Step]) -> Option<&'v mut Value> {
    for s in loc {
        v = match (s, v) {
            (Step::Key(k), Value::Object(o)) => o.get_mut(k)?,
            (Step::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

impl<'r> Tx<'r> {
    pub(crate) fn new(root: &'r mut Value) -> Tx<'r> {
        Tx {
            root,
            log: Vec::new(),
        }
    }

    /// Whether anything has been changed so far.
    pub(crate) fn changed(&self) -> bool {
        !self.log.is_empty()
    }

    /// How many changes are logged; with [`Tx::changed_since`], whether one operation changed
    /// anything.
    pub(crate) fn mark(&self) -> usize {
        self.log.len()
    }

    pub(crate) fn changed_since(&self, mark: usize) -> bool {
        self.log.len() > mark
    }

    pub(crate) fn root(&self) -> &Value {
        self.root
    }

    /// The resource itself, for a validator that leaves it unchanged on error (so the log stays
    /// valid for a rollback) and may rewrite it on success (when the log is no longer needed).
    pub(crate) fn root_mut(&mut self) -> &mut Value {
        self.root
    }

    pub(crate) fn get(&self, loc: &[Step]) -> Option<&Value> {
        get(self.root, loc)
    }

    fn object_mut(&mut self, loc: &[Step]) -> Option<&mut Map<String, Value>> {
        get_mut(self.root, loc)?.as_object_mut()
    }

    /// Sets `key` of the object at `obj` to `value`. An existing key spelled in another case is
    /// renamed to `key` in place when `rename`, else kept. Does nothing (and logs nothing) when the
    /// value is already there. Returns false if `obj` is not an object.
    pub(crate) fn set(&mut self, obj: &[Step], key: &str, value: Value, rename: bool) -> bool {
        let Some(map) = self.object_mut(obj) else {
            return false;
        };
        // The common case, the key spelled as given: no lookup in any case, no copy of the name.
        if let Some(slot) = map.get_mut(key) {
            if *slot == value {
                return true;
            }
            let old = std::mem::replace(slot, value);
            let mut at = Vec::with_capacity(obj.len() + 1);
            at.extend_from_slice(obj);
            at.push(Step::Key(key.to_owned()));
            self.log.push(Undo::Replaced { at, old });
            return true;
        }
        let existing = name::key(map, key).map(str::to_owned);
        match existing {
            Some(k) if k == key || !rename => {
                let slot = match map.get_mut(&k) {
                    Some(slot) => slot,
                    None => return false,
                };
                if *slot == value {
                    return true;
                }
                let old = std::mem::replace(slot, value);
                let mut at = obj.to_vec();
                at.push(Step::Key(k));
                self.log.push(Undo::Replaced { at, old });
            }
            Some(k) => {
                // RFC 7643 §2.1 / names in any case, canonical output: output is canonical, so respell the key,
                // keeping its position.
                let Some(index) = map.keys().position(|x| *x == k) else {
                    return false;
                };
                let Some(old) = map.shift_remove(&k) else {
                    return false;
                };
                map.shift_insert(index, key.to_owned(), value);
                self.log.push(Undo::KeyRemoved {
                    obj: obj.to_vec(),
                    index,
                    key: k,
                    old,
                });
                self.log.push(Undo::Inserted {
                    obj: obj.to_vec(),
                    key: key.to_owned(),
                });
            }
            None => {
                map.insert(key.to_owned(), value);
                self.log.push(Undo::Inserted {
                    obj: obj.to_vec(),
                    key: key.to_owned(),
                });
            }
        }
        true
    }

    /// Removes the member of the object at `obj` named `key` in any case. Returns whether there
    /// was one.
    pub(crate) fn remove(&mut self, obj: &[Step], key: &str) -> bool {
        let Some(map) = self.object_mut(obj) else {
            return false;
        };
        let Some(k) = name::key(map, key).map(str::to_owned) else {
            return false;
        };
        let Some(index) = map.keys().position(|x| *x == k) else {
            return false;
        };
        let Some(old) = map.shift_remove(&k) else {
            return false;
        };
        self.log.push(Undo::KeyRemoved {
            obj: obj.to_vec(),
            index,
            key: k,
            old,
        });
        true
    }

    /// Replaces the value at `at` (which must exist). Logs nothing when equal.
    pub(crate) fn replace_at(&mut self, at: &[Step], value: Value) -> bool {
        let Some(slot) = get_mut(self.root, at) else {
            return false;
        };
        if *slot == value {
            return true;
        }
        let old = std::mem::replace(slot, value);
        self.log.push(Undo::Replaced {
            at: at.to_vec(),
            old,
        });
        true
    }

    /// Appends to the array at `arr`.
    pub(crate) fn push(&mut self, arr: &[Step], value: Value) -> bool {
        let Some(Value::Array(a)) = get_mut(self.root, arr) else {
            return false;
        };
        a.push(value);
        let index = a.len() - 1;
        self.log.push(Undo::Pushed {
            arr: arr.to_vec(),
            index,
        });
        true
    }

    /// Removes the element at `index` of the array at `arr`.
    pub(crate) fn remove_at(&mut self, arr: &[Step], index: usize) -> bool {
        let Some(Value::Array(a)) = get_mut(self.root, arr) else {
            return false;
        };
        if index >= a.len() {
            return false;
        }
        let old = a.remove(index);
        self.log.push(Undo::ElementRemoved {
            arr: arr.to_vec(),
            index,
            old,
        });
        true
    }

    /// What the logged changes touched, for `Validator::validate_changes`: each change is mapped
    /// to the attribute it lies in (under an extension object when `is_extension` says the first
    /// key names one), and replayed in order, so element indices end up as those of the changed
    /// resource.
    pub(crate) fn changes(&self, is_extension: impl Fn(&str) -> bool) -> Changes {
        /// One step of a changed location, borrowed from the log.
        #[derive(Clone, Copy)]
        enum P<'a> {
            Key(&'a str),
            Index(usize),
        }
        /// What happened at the location.
        #[derive(Clone, Copy)]
        enum Touch {
            Set,
            Added(usize),
            Removed(usize),
        }
        let mut changes = Changes::new();
        for u in &self.log {
            let (loc, last, what) = match u {
                Undo::Inserted { obj, key } | Undo::KeyRemoved { obj, key, .. } => {
                    (obj, Some(key.as_str()), Touch::Set)
                }
                Undo::Replaced { at, .. } => (at, None, Touch::Set),
                Undo::Pushed { arr, index } => (arr, None, Touch::Added(*index)),
                Undo::ElementRemoved { arr, index, .. } => (arr, None, Touch::Removed(*index)),
            };
            let mut path: Vec<P<'_>> = loc
                .iter()
                .map(|s| match s {
                    Step::Key(k) => P::Key(k),
                    Step::Index(i) => P::Index(*i),
                })
                .collect();
            path.extend(last.map(P::Key));
            let (ext, attr, rest) = match path.as_slice() {
                [P::Key(urn), P::Key(attr), rest @ ..] if is_extension(urn) => {
                    (Some(*urn), *attr, rest)
                }
                // The extension object itself (or something in it that is no attribute).
                [P::Key(urn), ..] if is_extension(urn) => {
                    changes.extension(urn);
                    continue;
                }
                [P::Key(attr), rest @ ..] => (None, *attr, rest),
                _ => continue,
            };
            match (rest.first(), what) {
                (None, Touch::Set) | (Some(P::Key(_)), _) => changes.attribute(ext, attr),
                (None, Touch::Added(i)) => changes.element(ext, attr, i),
                (None, Touch::Removed(i)) => changes.element_removed(ext, attr, i),
                (Some(P::Index(i)), _) => changes.element(ext, attr, *i),
            };
        }
        changes
    }

    /// Undoes every change, newest first.
    pub(crate) fn rollback(mut self) {
        while let Some(u) = self.log.pop() {
            // Each entry is the exact inverse of a change made to the state the later entries
            // have already restored, so every location exists; a miss would be a bug, and is
            // skipped rather than panicking.
            match u {
                Undo::Inserted { obj, key } => {
                    if let Some(m) = self.object_mut(&obj) {
                        m.shift_remove(&key);
                    }
                }
                Undo::Replaced { at, old } => {
                    if let Some(slot) = get_mut(self.root, &at) {
                        *slot = old;
                    }
                }
                Undo::KeyRemoved {
                    obj,
                    index,
                    key,
                    old,
                } => {
                    if let Some(m) = self.object_mut(&obj) {
                        let index = index.min(m.len());
                        m.shift_insert(index, key, old);
                    }
                }
                Undo::Pushed { arr, .. } => {
                    if let Some(Value::Array(a)) = get_mut(self.root, &arr) {
                        a.pop();
                    }
                }
                Undo::ElementRemoved { arr, index, old } => {
                    if let Some(Value::Array(a)) = get_mut(self.root, &arr) {
                        let index = index.min(a.len());
                        a.insert(index, old);
                    }
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
    fn rollback_restores_key_order_and_values() {
        let mut v = json!({"a": 1, "B": [1, 2, 3], "c": {"d": 1}});
        let before = serde_json::to_string(&v).unwrap();
        let mut tx = Tx::new(&mut v);
        assert!(tx.set(&[], "b", json!("x"), true));
        assert!(tx.remove(&[], "A"));
        assert!(tx.set(&[], "new", json!(1), true));
        assert!(!tx.push(&[Step::Key("c".into())], json!(0)));
        assert!(tx.set(&[Step::Key("c".into())], "d", json!(2), false));
        assert!(tx.changed());
        tx.rollback();
        assert_eq!(serde_json::to_string(&v).unwrap(), before);
    }

    #[test]
    fn array_changes_roll_back() {
        let mut v = json!({"m": [1, 2, 3]});
        let before = v.clone();
        let m = [Step::Key("m".into())];
        let mut tx = Tx::new(&mut v);
        tx.remove_at(&m, 0);
        tx.push(&m, json!(9));
        tx.replace_at(&[Step::Key("m".into()), Step::Index(0)], json!(7));
        tx.remove_at(&m, 1);
        tx.rollback();
        assert_eq!(v, before);
    }

    #[test]
    fn setting_an_equal_value_logs_nothing() {
        let mut v = json!({"a": 1});
        let mut tx = Tx::new(&mut v);
        tx.set(&[], "a", json!(1), true);
        assert!(!tx.changed());
    }
}
