//! `replace`, RFC 7644 §3.5.2.3.
//!
//! What happens, by target:
//!
//! - **No path**: the value is an object of attributes, each replaced as below.
//! - **Absent attribute**: "the service provider SHALL treat the operation as an add".
//! - **Single-valued simple attribute**: the value is replaced.
//! - **Single-valued complex attribute** (`name`): the given sub-attributes replace the existing
//!   ones or are added; "Sub-attributes that are not specified in the value parameter are left
//!   unchanged".
//! - **Multi-valued attribute without a filter** (`members`, `emails`): the whole set is replaced
//!   by the given values, as given; `[]` leaves the attribute unassigned. (Every old value is
//!   gone, so a `primary: true` among the new ones has no other value to clear; a set with two
//!   primaries is the client's break of RFC 7643 §2.4, for the schema validation to report.)
//!
//!   **Server authors, beware (docs/idp-compatibility.md):** this is what the RFC says and what Okta
//!   relies on when it pushes a group (`replace members` with the full list, `[]` for an empty
//!   group), but a client that sends `{"op":"replace","path":"members","value":[{"value":"673"}]}`
//!   meaning "add user 673" empties the group of everyone else. Servers have lost memberships this
//!   way. The engine does what the message says; if you must second-guess a client, do it before
//!   calling `apply`, not by weakening `replace`.
//! - **Value filter** (`addresses[type eq "work"]`): every matching element is replaced by the
//!   value. With a sub-attribute (`addresses[type eq "work"].streetAddress`), that sub-attribute
//!   of every matching element is replaced. No match is `noTarget` ("the service provider SHALL
//!   indicate failure by returning HTTP status code 400 and a "scimType" error code of
//!   "noTarget""), unless [`Interop::filter_upsert`](crate::Interop::filter_upsert)
//!   (docs/idp-compatibility.md) builds the element from the filter.
//! - **Extension URN**: each attribute of the value is replaced as above.
//!
//! With a schema, names become canonical, types are checked, and changing a readOnly attribute or
//! an immutable one that has a value is a `mutability` error.

use serde_json::Value;

use super::complex::{merge_complex, set_sub_path, Write};
use super::{
    check_mutability, check_required, filtered, remove_attr, set_attr, shape, Ctx, Selector,
};
use crate::error::Error;
use crate::target::{current, Target};
use crate::tx::Tx;
use crate::value::is_empty;

pub(crate) fn apply(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    t: &Target<'_, '_>,
    value: &Value,
) -> Result<(), Error> {
    let attr = &t.attr;
    let name = attr.named();
    let cur = current(tx.root(), attr);
    let had = cur.is_some_and(|v| !is_empty(v));
    let (multi, complex) = shape(attr.def, cur, Some(value));
    let mark = tx.mark();
    match (t.filter, &t.sub) {
        (None, None) if multi => {
            let values = ctx.prep().many(attr.def, name, value, cur, complex)?;
            if values.is_empty() {
                if had {
                    check_required(attr.def, name)?;
                }
                remove_attr(tx, attr);
            } else {
                // The values replace every value there was, so a `primary: true` among them has
                // no other value to clear (RFC 7644 §3.5.2): the set is stored as sent. A set
                // with two primaries breaks RFC 7643 §2.4 by itself; the schema-aware validation
                // reports it (or keeps the first, `PrimaryConflict::KeepFirst`), as for a PUT.
                set_attr(ctx, tx, attr, Value::Array(values));
            }
        }
        (None, None) if complex => {
            let v = ctx.prep().complex(attr.def, name, value, cur)?;
            merge_complex(ctx, tx, attr, v, Write::Replace)?;
        }
        (None, None) => {
            let v = ctx.prep().single(attr.def, name, value, cur, false)?;
            set_attr(ctx, tx, attr, v);
        }
        (None, Some(sub)) => set_sub_path(ctx, tx, attr, multi, sub, value, Write::Replace)?,
        (Some(f), sub) => {
            let selector = Selector::new(ctx, attr.def, f);
            filtered::filtered(
                ctx,
                tx,
                attr,
                &selector,
                sub.as_ref(),
                value,
                Write::Replace,
            )?
        }
    }
    check_mutability(attr.def, name, had, tx.changed_since(mark))
}
