//! The Enterprise User extension (RFC 7643 §4.3).

use serde::{Deserialize, Deserializer};
use serde_json::Value;

typed! {
    /// The Enterprise User extension (RFC 7643 §4.3): the object under the key
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` of a [`User`](super::User).
    ///
    /// ```
    /// use scimkit_schema::resource::{EnterpriseUser, Manager};
    /// let e: EnterpriseUser = serde_json::from_value(serde_json::json!({
    ///     "EmployeeNumber": "701984", "department": "Tour Operations",
    ///     "manager": "26118915"            // a bare string, as Entra sends it (docs/idp-compatibility.md)
    /// })).unwrap();
    /// assert_eq!(e.employee_number.as_deref(), Some("701984"));
    /// assert_eq!(e.manager, Some(Manager::new("26118915")));
    /// assert_eq!(serde_json::to_value(&e).unwrap(), serde_json::json!({
    ///     "employeeNumber": "701984", "department": "Tour Operations",
    ///     "manager": {"value": "26118915"}
    /// }));
    /// ```
    pub struct EnterpriseUser {
        /// A string identifier, typically numeric or alphanumeric, assigned by the organisation.
        pub employee_number: Option<String>,
        /// The cost centre.
        pub cost_center: Option<String>,
        /// The organisation.
        pub organization: Option<String>,
        /// The division.
        pub division: Option<String>,
        /// The department.
        pub department: Option<String>,
        /// The User's manager. Also reads a bare string as the manager's `value` (docs/idp-compatibility.md:
        /// Entra sends `"manager": "271"`).
        #[serde(deserialize_with = "manager")]
        pub manager: Option<Manager>,
    }
}

impl EnterpriseUser {
    /// An empty extension; fill it with the `with_*` methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `employeeNumber`.
    #[must_use]
    pub fn with_employee_number(mut self, employee_number: impl Into<String>) -> Self {
        self.employee_number = Some(employee_number.into());
        self
    }

    /// Sets `costCenter`.
    #[must_use]
    pub fn with_cost_center(mut self, cost_center: impl Into<String>) -> Self {
        self.cost_center = Some(cost_center.into());
        self
    }

    /// Sets `organization`.
    #[must_use]
    pub fn with_organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// Sets `division`.
    #[must_use]
    pub fn with_division(mut self, division: impl Into<String>) -> Self {
        self.division = Some(division.into());
        self
    }

    /// Sets `department`.
    #[must_use]
    pub fn with_department(mut self, department: impl Into<String>) -> Self {
        self.department = Some(department.into());
        self
    }

    /// Sets `manager`.
    #[must_use]
    pub fn with_manager(mut self, manager: Manager) -> Self {
        self.manager = Some(manager);
        self
    }
}

typed! {
    /// The Enterprise User's `manager` (RFC 7643 §4.3): a reference to another User.
    ///
    /// ```
    /// use scimkit_schema::resource::Manager;
    /// let m = Manager::new("26118915-6090-4610-87e4-49d8ca9f808d")
    ///     .with_ref("../Users/26118915-6090-4610-87e4-49d8ca9f808d")
    ///     .with_display_name("John Smith");
    /// assert_eq!(serde_json::to_value(&m).unwrap(), serde_json::json!({
    ///     "value": "26118915-6090-4610-87e4-49d8ca9f808d",
    ///     "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
    ///     "displayName": "John Smith"
    /// }));
    /// ```
    pub struct Manager {
        /// The manager's `id`.
        pub value: Option<String>,
        /// The URI of the manager's User resource (`$ref`).
        #[serde(rename = "$ref")]
        pub ref_: Option<String>,
        /// The manager's display name (read-only).
        pub display_name: Option<String>,
    }
}

impl Manager {
    /// A reference to the User whose `id` is `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Manager {
            value: Some(value.into()),
            ..Self::default()
        }
    }

    /// Sets `$ref`.
    #[must_use]
    pub fn with_ref(mut self, uri: impl Into<String>) -> Self {
        self.ref_ = Some(uri.into());
        self
    }

    /// Sets `displayName`.
    #[must_use]
    pub fn with_display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = Some(display_name.into());
        self
    }
}

/// The enterprise `manager`: an object, or a bare string read as `{"value": …}` (docs/idp-compatibility.md).
fn manager<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Manager>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(value) => Ok(Some(Manager::new(value))),
        other => Manager::try_from(other)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}
