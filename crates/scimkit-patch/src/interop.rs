//! The interop profile: what real identity providers send that RFC 7644 does not allow
//! (DESIGN.md principle 4, `../shared/IDP-QUIRKS.md`).
//!
//! Each tolerance is one named switch, off in [`Interop::strict`] and on in
//! [`Interop::idp_compatible`], and names the IDP-QUIRKS row it comes from. Two rows need no
//! switch because the RFC already gives the answer:
//! - E14, `"$ref": null` beside a member's `value`: RFC 7643 §2.5 makes null equivalent to
//!   unassigned, so `null` members of a value are dropped in every profile.
//! - E24 / O9, `replace members [...]`: RFC 7644 §3.5.2.3 replaces the whole set, so a partial
//!   list *is* the new membership and `[]` empties the group (see [`crate::op::replace`]).

/// Tolerances for PATCH requests from identity providers. All off by default (strict RFC 7644).
///
/// ```
/// use scimkit_patch::{Interop, Patcher, PatchRequest};
/// use scimkit_schema::ResourceSchema;
/// use serde_json::json;
///
/// let schema = ResourceSchema::user();
/// // Microsoft Entra ID's default job (IDP-QUIRKS E1, E2).
/// let req: PatchRequest = serde_json::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
/// }))?;
/// let mut user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///                       "userName": "bjensen", "active": true});
/// assert!(Patcher::new(&schema).apply(&mut user.clone(), &req.operations).is_err());
/// let entra = Patcher::new(&schema).interop(Interop::idp_compatible());
/// assert!(entra.apply(&mut user, &req.operations)?);
/// assert_eq!(user["active"], json!(false));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[must_use]
#[non_exhaustive]
pub struct Interop {
    /// IDP-QUIRKS E1; see [`Interop::op_any_case`](Interop::op_any_case()).
    pub op_any_case: bool,
    /// IDP-QUIRKS E2, E9; see [`Interop::string_scalars`](Interop::string_scalars()).
    pub string_scalars: bool,
    /// IDP-QUIRKS E3, J2; see [`Interop::remove_with_value`](Interop::remove_with_value()).
    pub remove_with_value: bool,
    /// IDP-QUIRKS E4; see [`Interop::no_path_attribute_paths`](Interop::no_path_attribute_paths()).
    pub no_path_attribute_paths: bool,
    /// IDP-QUIRKS E6; see [`Interop::filter_upsert`](Interop::filter_upsert()).
    pub filter_upsert: bool,
    /// IDP-QUIRKS O8, A4; see [`Interop::ignore_read_only`](Interop::ignore_read_only()).
    pub ignore_read_only: bool,
    /// IDP-QUIRKS E19; see [`Interop::ignore_extra_members`](Interop::ignore_extra_members()).
    pub ignore_extra_members: bool,
    /// IDP-QUIRKS E17; see [`Interop::complex_from_string`](Interop::complex_from_string()).
    pub complex_from_string: bool,
    /// IDP-QUIRKS E18; see [`Interop::json_string_values`](Interop::json_string_values()).
    pub json_string_values: bool,
    /// ANCHORS §3 theme 7; see [`Interop::drop_unknown_sub_attributes`](Interop::drop_unknown_sub_attributes()).
    pub drop_unknown_sub_attributes: bool,
}

impl Interop {
    /// RFC 7644 only: every tolerance off. The default.
    pub const fn strict() -> Interop {
        Interop {
            op_any_case: false,
            string_scalars: false,
            remove_with_value: false,
            no_path_attribute_paths: false,
            filter_upsert: false,
            ignore_read_only: false,
            ignore_extra_members: false,
            complex_from_string: false,
            json_string_values: false,
            drop_unknown_sub_attributes: false,
        }
    }

    /// Every tolerance on: what a service provider that Entra ID, Okta, OneLogin, JumpCloud and
    /// AWS-style clients provision into should accept. Every tolerance only applies to input that
    /// the RFC rejects, and only where its meaning is unambiguous.
    pub const fn idp_compatible() -> Interop {
        Interop {
            op_any_case: true,
            string_scalars: true,
            remove_with_value: true,
            no_path_attribute_paths: true,
            filter_upsert: true,
            ignore_read_only: true,
            ignore_extra_members: true,
            complex_from_string: true,
            json_string_values: true,
            drop_unknown_sub_attributes: true,
        }
    }

    /// IDP-QUIRKS E1 (Entra ID default job): accept `op` in any case, `"Add"`, `"Replace"`,
    /// `"Remove"`, as in `{"op":"Replace","path":"displayName","value":"Pvlo"}`. RFC 7644 §3.5.2
    /// spells them in lower case.
    pub const fn op_any_case(mut self, on: bool) -> Interop {
        self.op_any_case = on;
        self
    }

    /// IDP-QUIRKS E2, E9 (Entra ID default job and validator): where the schema (or, without a
    /// schema, the current value) says boolean, integer or decimal, accept the string forms
    /// `"True"`, `"false"`, `"42"`, `"1.5"`, as in `{"op":"Replace","path":"active","value":"False"}`.
    pub const fn string_scalars(mut self, on: bool) -> Interop {
        self.string_scalars = on;
        self
    }

    /// IDP-QUIRKS E3, J2 (Entra ID default job, JumpCloud): `remove` on a multi-valued attribute
    /// with a `value` list removes the listed values, as in
    /// `{"op":"Remove","path":"members","value":[{"value":"u1091"}]}`. A listed value matches an
    /// element by its `value` sub-attribute when it has one, else by equality. Strict RFC 7644
    /// defines no `value` for `remove`; this crate then rejects the operation rather than remove
    /// every member, which is what a literal reading would do.
    pub const fn remove_with_value(mut self, on: bool) -> Interop {
        self.remove_with_value = on;
        self
    }

    /// IDP-QUIRKS E4 (Entra ID with `aadOptscim062020`): in an `add` or `replace` without a path,
    /// read keys that are attribute paths, dotted (`"name.givenName"`) or URN-qualified
    /// (`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"`), as
    /// operations on those paths.
    pub const fn no_path_attribute_paths(mut self, on: bool) -> Interop {
        self.no_path_attribute_paths = on;
        self
    }

    /// IDP-QUIRKS E6 (Entra ID): an `add` or `replace` whose value filter matches no element
    /// creates one, built from the filter's `eq` terms (`type eq "work"` gives
    /// `{"type": "work"}`), instead of failing with `noTarget`. Later operations with the same
    /// filter then find that element, so Entra's
    /// `addresses[type eq "work"].formatted`, `….locality`, `….postalCode` sequence builds one
    /// address. Filters that are not `eq` terms joined by `and` still fail with `noTarget`.
    pub const fn filter_upsert(mut self, on: bool) -> Interop {
        self.filter_upsert = on;
        self
    }

    /// IDP-QUIRKS O8, A4 (Okta, AWS): ignore readOnly attributes (`id`, `meta`, ...) inside the
    /// value of an operation without a path, as in
    /// `{"op":"replace","value":{"id":"abf4…","displayName":"Test SCIMv2"}}`. Strict mode accepts
    /// such a value only if it leaves the attribute unchanged.
    pub const fn ignore_read_only(mut self, on: bool) -> Interop {
        self.ignore_read_only = on;
        self
    }

    /// IDP-QUIRKS E19 (Entra ID): ignore members RFC 7644 does not define, such as a top-level
    /// `id` in the PatchOp message or a `name` in an operation.
    pub const fn ignore_extra_members(mut self, on: bool) -> Interop {
        self.ignore_extra_members = on;
        self
    }

    /// IDP-QUIRKS E17 (Entra ID): a bare string for a single-valued complex attribute that has a
    /// `value` sub-attribute is read as `{"value": "..."}`, as in
    /// `{"op":"Add","path":"urn:…:enterprise:2.0:User:manager","value":"271"}`; and a one-element
    /// array for such an attribute is read as its element (Entra's other manager shape,
    /// `[{"$ref":…,"value":…}]`).
    pub const fn complex_from_string(mut self, on: bool) -> Interop {
        self.complex_from_string = on;
        self
    }

    /// IDP-QUIRKS E18 (Entra ID app roles): an element of a multi-valued complex attribute that
    /// is only a `value` holding a JSON object as a string,
    /// `{"value":"{\"id\":\"827f…\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}`, is read as
    /// that object. With a schema its members are mapped onto the sub-attributes (`displayName`
    /// onto `display` when there is no `displayName`) and the rest dropped.
    pub const fn json_string_values(mut self, on: bool) -> Interop {
        self.json_string_values = on;
        self
    }

    /// Type leniency (ANCHORS.md §3, theme 7: "unknown attributes ignored rather than 400";
    /// SCIM-SDK #539, E9's validator traffic): with a schema, drop sub-attributes it does not
    /// define inside values, such as a `foo` in an email, instead of failing with
    /// `invalidValue`. (Okta's member `display`, IDP-QUIRKS O9, needs no tolerance: scimkit's
    /// Group schema has it.)
    pub const fn drop_unknown_sub_attributes(mut self, on: bool) -> Interop {
        self.drop_unknown_sub_attributes = on;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_is_default_and_idp_turns_everything_on() {
        assert_eq!(Interop::default(), Interop::strict());
        let all = Interop::idp_compatible();
        let fields = [
            all.op_any_case,
            all.string_scalars,
            all.remove_with_value,
            all.no_path_attribute_paths,
            all.filter_upsert,
            all.ignore_read_only,
            all.ignore_extra_members,
            all.complex_from_string,
            all.json_string_values,
            all.drop_unknown_sub_attributes,
        ];
        assert!(fields.iter().all(|f| *f));
        assert!(!Interop::strict().op_any_case(true).filter_upsert);
    }
}
