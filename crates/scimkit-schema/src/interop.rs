//! The interop profile: one value that switches, for every engine at once, the tolerances for what
//! real identity providers send that RFC 7643 and RFC 7644 do not allow.
//!
//! The filter parser and compiler (`scimkit-filter`), the PATCH engine (`scimkit-patch`) and the
//! [`Validator`](crate::Validator) all read the same [`Interop`], so a service provider configures
//! its IdP compatibility in one place. Each tolerance, the identity provider that needs it and the
//! public source for it are listed in
//! [`docs/idp-compatibility.md`](https://github.com/scimkit/scimkit/blob/main/docs/idp-compatibility.md).

/// Tolerances for what identity providers send that the SCIM RFCs do not allow. Every tolerance
/// is off in [`Interop::strict`] (the default of every engine) and on in
/// [`Interop::idp_compatible`]; each applies only to input the RFCs reject, and only where its
/// meaning is unambiguous.
///
/// The same value configures filter parsing and compiling (`scimkit_filter::Options::interop`),
/// PATCH (`scimkit_patch::Patcher::interop`) and validation ([`Validator::interop`]).
///
/// [`Validator::interop`]: crate::Validator::interop
///
/// ```
/// use scimkit_schema::validate::{Context, Validator};
/// use scimkit_schema::{Interop, ResourceSchema};
/// use serde_json::json;
///
/// let profile = Interop::idp_compatible();
/// assert_eq!(Interop::default(), Interop::strict());
///
/// // Microsoft Entra ID sends booleans as strings.
/// let schema = ResourceSchema::user();
/// let mut user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///                       "userName": "bjensen", "active": "True"});
/// assert!(Validator::new(&schema).validate(&mut user.clone(), Context::Create).is_err());
/// Validator::new(&schema).interop(profile).validate(&mut user, Context::Create)?;
/// assert_eq!(user["active"], json!(true));
///
/// // Switch one tolerance off again, or start strict and switch one on.
/// let mostly = Interop::idp_compatible().filter_upsert(false);
/// assert!(!mostly.filter_upsert && mostly.op_any_case);
/// assert!(Interop::strict().op_any_case(true).op_any_case);
/// # Ok::<(), scimkit_schema::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[must_use]
#[non_exhaustive]
pub struct Interop {
    /// Filters; see [`Interop::value_path_sub_attr`](Interop::value_path_sub_attr()).
    pub value_path_sub_attr: bool,
    /// Filters, PATCH and validation; see [`Interop::string_scalars`](Interop::string_scalars()).
    pub string_scalars: bool,
    /// PATCH; see [`Interop::op_any_case`](Interop::op_any_case()).
    pub op_any_case: bool,
    /// PATCH; see [`Interop::remove_with_value`](Interop::remove_with_value()).
    pub remove_with_value: bool,
    /// PATCH; see [`Interop::no_path_attribute_paths`](Interop::no_path_attribute_paths()).
    pub no_path_attribute_paths: bool,
    /// PATCH; see [`Interop::filter_upsert`](Interop::filter_upsert()).
    pub filter_upsert: bool,
    /// PATCH; see [`Interop::ignore_read_only`](Interop::ignore_read_only()).
    pub ignore_read_only: bool,
    /// PATCH; see [`Interop::ignore_extra_members`](Interop::ignore_extra_members()).
    pub ignore_extra_members: bool,
    /// PATCH; see [`Interop::complex_from_string`](Interop::complex_from_string()).
    pub complex_from_string: bool,
    /// PATCH; see [`Interop::json_string_values`](Interop::json_string_values()).
    pub json_string_values: bool,
    /// PATCH; see [`Interop::drop_unknown_sub_attributes`](Interop::drop_unknown_sub_attributes()).
    pub drop_unknown_sub_attributes: bool,
    /// Validation; see [`Interop::single_value_as_list`](Interop::single_value_as_list()).
    pub single_value_as_list: bool,
    /// Validation; see [`Interop::first_primary_wins`](Interop::first_primary_wins()).
    pub first_primary_wins: bool,
    /// Validation; see [`Interop::drop_unknown_attributes`](Interop::drop_unknown_attributes()).
    pub drop_unknown_attributes: bool,
    /// Service providers; see [`Interop::skip_unknown_members`](Interop::skip_unknown_members()).
    pub skip_unknown_members: bool,
}

impl Interop {
    /// The same as [`Interop::strict`]: every tolerance off, to be switched on one by one.
    pub const fn new() -> Interop {
        Interop::strict()
    }

    /// The RFCs only: every tolerance off. The default.
    pub const fn strict() -> Interop {
        Interop {
            value_path_sub_attr: false,
            string_scalars: false,
            op_any_case: false,
            remove_with_value: false,
            no_path_attribute_paths: false,
            filter_upsert: false,
            ignore_read_only: false,
            ignore_extra_members: false,
            complex_from_string: false,
            json_string_values: false,
            drop_unknown_sub_attributes: false,
            single_value_as_list: false,
            first_primary_wins: false,
            drop_unknown_attributes: false,
            skip_unknown_members: false,
        }
    }

    /// Every tolerance on: what a service provider that Microsoft Entra ID, Okta, OneLogin,
    /// JumpCloud and AWS IAM Identity Center provision into should accept.
    pub const fn idp_compatible() -> Interop {
        Interop {
            value_path_sub_attr: true,
            string_scalars: true,
            op_any_case: true,
            remove_with_value: true,
            no_path_attribute_paths: true,
            filter_upsert: true,
            ignore_read_only: true,
            ignore_extra_members: true,
            complex_from_string: true,
            json_string_values: true,
            drop_unknown_sub_attributes: true,
            single_value_as_list: true,
            first_primary_wins: true,
            drop_unknown_attributes: true,
            skip_unknown_members: true,
        }
    }

    /// Filters (Microsoft Entra ID): accept a sub-attribute and comparison after a value path,
    /// `emails[type eq "work"].value eq "user@contoso.com"`, and read it as
    /// `emails[type eq "work" and value eq "user@contoso.com"]`. Entra queries its matching
    /// attributes this way; RFC 7644 §3.4.2.2 has no such form.
    pub const fn value_path_sub_attr(mut self, on: bool) -> Interop {
        self.value_path_sub_attr = on;
        self
    }

    /// Filters, PATCH and validation (Microsoft Entra ID): where the schema (or, in PATCH without
    /// a schema, the current value) says boolean, integer or decimal, accept the string forms
    /// `"True"`, `"false"`, `"42"`, `"1.5"`. PATCH and the validator rewrite such a value to its
    /// JSON type (`{"op":"Replace","path":"active","value":"False"}`); a compiled filter compares
    /// a string literal `"True"`/`"false"` (any case) as a boolean (`active eq "True"`, where
    /// strictly a string never equals a boolean). RFC 7643 §2.3 types are JSON types.
    pub const fn string_scalars(mut self, on: bool) -> Interop {
        self.string_scalars = on;
        self
    }

    /// PATCH (Microsoft Entra ID): accept `op` in any case, `"Add"`, `"Replace"`, `"Remove"`.
    /// RFC 7644 §3.5.2 spells them in lower case.
    pub const fn op_any_case(mut self, on: bool) -> Interop {
        self.op_any_case = on;
        self
    }

    /// PATCH (Microsoft Entra ID, JumpCloud): `remove` on a multi-valued attribute with a `value`
    /// list removes the listed values, as in
    /// `{"op":"Remove","path":"members","value":[{"value":"u1091"}]}`. A listed value matches an
    /// element by its `value` sub-attribute when it has one, else by equality. RFC 7644 §3.5.2.2
    /// defines no `value` for `remove`; strictly the operation is rejected rather than remove
    /// every member, which is what a literal reading would do.
    pub const fn remove_with_value(mut self, on: bool) -> Interop {
        self.remove_with_value = on;
        self
    }

    /// PATCH (Microsoft Entra ID): in an `add` or `replace` without a path, read keys that are
    /// attribute paths, dotted (`"name.givenName"`) or URN-qualified
    /// (`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"`), as
    /// operations on those paths.
    pub const fn no_path_attribute_paths(mut self, on: bool) -> Interop {
        self.no_path_attribute_paths = on;
        self
    }

    /// PATCH (Microsoft Entra ID): an `add` or `replace` whose value filter matches no element
    /// creates one, built from the filter's `eq` terms (`type eq "work"` gives
    /// `{"type": "work"}`), instead of failing with `noTarget`. Later operations with the same
    /// filter then find that element, so Entra's `addresses[type eq "work"].formatted`,
    /// `….locality`, `….postalCode` sequence builds one address. Filters that are not `eq` terms
    /// joined by `and` still fail with `noTarget`.
    pub const fn filter_upsert(mut self, on: bool) -> Interop {
        self.filter_upsert = on;
        self
    }

    /// PATCH (Okta, AWS IAM Identity Center): ignore readOnly attributes (`id`, `meta`, ...)
    /// inside the value of an operation without a path, as in
    /// `{"op":"replace","value":{"id":"abf4…","displayName":"Test SCIMv2"}}`. Strictly such a
    /// value is accepted only if it leaves the attribute unchanged.
    pub const fn ignore_read_only(mut self, on: bool) -> Interop {
        self.ignore_read_only = on;
        self
    }

    /// PATCH (Microsoft Entra ID): ignore members RFC 7644 §3.5.2 does not define, such as a
    /// top-level `id` in the PatchOp message or a `name` in an operation.
    pub const fn ignore_extra_members(mut self, on: bool) -> Interop {
        self.ignore_extra_members = on;
        self
    }

    /// PATCH (Microsoft Entra ID): a bare string for a single-valued complex attribute that has a
    /// `value` sub-attribute is read as `{"value": "..."}`, as in
    /// `{"op":"Add","path":"urn:…:enterprise:2.0:User:manager","value":"271"}`; and a
    /// one-element array for such an attribute is read as its element.
    pub const fn complex_from_string(mut self, on: bool) -> Interop {
        self.complex_from_string = on;
        self
    }

    /// PATCH (Microsoft Entra ID app roles): an element of a multi-valued complex attribute that
    /// is only a `value` holding a JSON object as a string,
    /// `{"value":"{\"id\":\"827f…\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}`, is read as
    /// that object. With a schema its members are mapped onto the sub-attributes (`displayName`
    /// onto `display` when there is no `displayName`) and the rest dropped.
    pub const fn json_string_values(mut self, on: bool) -> Interop {
        self.json_string_values = on;
        self
    }

    /// PATCH: with a schema, drop sub-attributes it does not define inside values, such as a
    /// `foo` in an email, instead of failing with `invalidValue`. Many service providers ignore
    /// unknown attributes rather than answer 400, and IdP test suites rely on it.
    pub const fn drop_unknown_sub_attributes(mut self, on: bool) -> Interop {
        self.drop_unknown_sub_attributes = on;
        self
    }

    /// Validation: accept a single value (an object or scalar) for a multi-valued attribute and
    /// wrap it in an array. RFC 7643 §2.4 represents multi-valued attributes as JSON arrays.
    pub const fn single_value_as_list(mut self, on: bool) -> Interop {
        self.single_value_as_list = on;
        self
    }

    /// Validation: when more than one value of a multi-valued attribute says `"primary": true`,
    /// keep the first and clear the others instead of failing (RFC 7643 §2.4 allows one).
    pub const fn first_primary_wins(mut self, on: bool) -> Interop {
        self.first_primary_wins = on;
        self
    }

    /// Validation: drop attributes and sub-attributes the schema does not define from a created
    /// or replaced resource instead of failing with `invalidSyntax`. RFC 7644 §3.3 lets a service
    /// provider reject them; identity providers map attributes the target does not have (a
    /// custom Okta profile attribute, an Entra extension attribute), and one such mapping should
    /// not stop provisioning for every user.
    pub const fn drop_unknown_attributes(mut self, on: bool) -> Interop {
        self.drop_unknown_attributes = on;
        self
    }

    /// Service providers: a group member whose `value` names no resource is skipped instead of
    /// failing the whole request with `invalidValue`. Okta does not retry a group push that
    /// failed with 400, so one deleted user would keep a whole group out of sync. The engines do
    /// not read it; a service provider such as `scimkit-server` does.
    pub const fn skip_unknown_members(mut self, on: bool) -> Interop {
        self.skip_unknown_members = on;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_is_default_and_idp_compatible_turns_everything_on() {
        assert_eq!(Interop::default(), Interop::strict());
        assert_eq!(Interop::new(), Interop::strict());
        let all = Interop::idp_compatible();
        // Built from strict by switching each on: equal only if no switch was forgotten.
        let each = Interop::strict()
            .value_path_sub_attr(true)
            .string_scalars(true)
            .op_any_case(true)
            .remove_with_value(true)
            .no_path_attribute_paths(true)
            .filter_upsert(true)
            .ignore_read_only(true)
            .ignore_extra_members(true)
            .complex_from_string(true)
            .json_string_values(true)
            .drop_unknown_sub_attributes(true)
            .single_value_as_list(true)
            .first_primary_wins(true)
            .drop_unknown_attributes(true)
            .skip_unknown_members(true);
        assert_eq!(all, each);
        let fields = [
            all.value_path_sub_attr,
            all.string_scalars,
            all.op_any_case,
            all.remove_with_value,
            all.no_path_attribute_paths,
            all.filter_upsert,
            all.ignore_read_only,
            all.ignore_extra_members,
            all.complex_from_string,
            all.json_string_values,
            all.drop_unknown_sub_attributes,
            all.single_value_as_list,
            all.first_primary_wins,
            all.drop_unknown_attributes,
            all.skip_unknown_members,
        ];
        assert!(fields.iter().all(|f| *f));
        assert!(!Interop::strict().op_any_case(true).filter_upsert);
    }
}
