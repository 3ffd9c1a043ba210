//! `add`, RFC 7644 §3.5.2.1.
//!
//! What happens, by target:
//!
//! - **No path**: the value is an object of attributes, each added as below ("the target
//!   location is assumed to be the resource itself"); an extension URN key holds an object of
//!   that extension's attributes. `{"op":"add","value":{"emails":[{"value":"babs@jensen.org",
//!   "type":"home"}],"nickname":"Babs"}}` appends an email and sets the nickname.
//! - **Single-valued simple attribute** (`nickName`): set, replacing any existing value.
//! - **Single-valued complex attribute** (`name`): the value's sub-attributes are merged in,
//!   replacing those given and keeping the others.
//! - **Multi-valued attribute** (`emails`, `members`): each value (an array, or a single value
//!   taken as a list of one) is appended. A value already present (equal, or an element holding
//!   all its sub-attributes) is skipped: "If the target location already contains the value
//!   specified, no changes SHOULD be made". A value with the same `value` and `type` as an
//!   element is merged into that element instead of duplicating it. A value with
//!   `"primary": true` clears `primary` on the others (RFC 7643 §2.4).
//! - **Sub-attribute** (`name.givenName`): set in the complex value, which is created if absent;
//!   on a multi-valued attribute, set in every element (or a new element if there is none).
//! - **Value filter** (`emails[type eq "work"]`, `….value`): the value's sub-attributes (or the
//!   sub-attribute after `]`) are set in every matching element. When nothing matches the RFC
//!   gives no element to change, so it is `noTarget`; with
//!   [`Interop::filter_upsert`](crate::Interop::filter_upsert) (docs/idp-compatibility.md) an element built
//!   from the filter's `eq` terms is appended instead.
//! - **Extension URN** (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`): the value
//!   is an object of the extension's attributes, each added as above. The extension URN is added
//!   to `schemas` when the extension gains its first attribute.
//!
//! With a schema, names become canonical, types are checked, and changing a readOnly attribute or
//! an immutable one that has a value is a `mutability` error.

use serde_json::Value;

use super::complex::{merge_complex, set_sub_path, Write};
use super::{add_values, check_mutability, filtered, set_attr, shape, Ctx, Selector};
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
            add_values(ctx, tx, attr, values)?;
        }
        (None, None) if complex => {
            let v = ctx.prep().complex(attr.def, name, value, cur)?;
            merge_complex(ctx, tx, attr, v, Write::Add)?;
        }
        (None, None) => {
            let v = ctx.prep().single(attr.def, name, value, cur, false)?;
            set_attr(ctx, tx, attr, v);
        }
        (None, Some(sub)) => set_sub_path(ctx, tx, attr, multi, sub, value, Write::Add)?,
        (Some(f), sub) => {
            let selector = Selector::new(ctx, attr.def, f);
            filtered::filtered(ctx, tx, attr, &selector, sub.as_ref(), value, Write::Add)?
        }
    }
    check_mutability(attr.def, name, had, tx.changed_since(mark))
}
