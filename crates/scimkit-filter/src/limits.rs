//! Limits on hostile input and the interop switches (DESIGN.md principles 4 and 6).

/// Limits on the text a parser accepts. Going over one is an ordinary [`Error`](crate::Error),
/// never a panic or a stack overflow.
///
/// ```
/// use scimkit_filter::{Filter, Limits, Options};
///
/// let deep = format!("{}title pr{}", "(".repeat(60), ")".repeat(60));
/// assert!(Filter::parse(&deep).is_err()); // deeper than the default 50
/// let options = Options::new().limits(Limits::new().max_depth(64));
/// assert!(Filter::parse_with(&deep, &options).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct Limits {
    /// The longest text, in bytes; see [`Limits::max_len`](Limits::max_len()).
    pub max_len: usize,
    /// How deeply `(` and `[` may nest; see [`Limits::max_depth`](Limits::max_depth()).
    pub max_depth: u32,
}

impl Limits {
    /// The highest [`max_depth`](Limits::max_depth) that can be set. Parsing, evaluating,
    /// compiling and printing recurse once per level; this cap keeps them within a 2 MiB thread
    /// stack (the default for spawned threads, and so for tests) even in a debug build.
    pub const MAX_DEPTH_CAP: u32 = 128;

    /// The defaults: 8 KiB of text and 50 levels of brackets.
    pub const fn new() -> Limits {
        Limits {
            max_len: 8 * 1024,
            max_depth: 50,
        }
    }

    /// The longest text, in bytes, that is parsed. Default 8192.
    ///
    /// Parsing takes time and memory proportional to the length, so this bounds both. A filter
    /// in a URL is rarely above 2 KiB; raise it for `POST /.search` bodies with long `or` lists.
    pub const fn max_len(mut self, bytes: usize) -> Limits {
        self.max_len = bytes;
        self
    }

    /// How deeply `(` and `[` may nest. Default 50; values above [`Limits::MAX_DEPTH_CAP`] are
    /// lowered to it.
    ///
    /// A long flat `a or b or c ...` does not nest and is bounded by the length alone.
    pub const fn max_depth(mut self, depth: u32) -> Limits {
        self.max_depth = depth;
        self
    }

    /// The nesting limit in force: [`max_depth`](Limits::max_depth) capped at
    /// [`Limits::MAX_DEPTH_CAP`].
    pub(crate) const fn depth(&self) -> u32 {
        if self.max_depth > Limits::MAX_DEPTH_CAP {
            Limits::MAX_DEPTH_CAP
        } else {
            self.max_depth
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::new()
    }
}

/// Tolerances for what real identity providers send that RFC 7644 does not allow. All are off by
/// default; each names the IDP-QUIRKS row it serves.
///
/// ```
/// use scimkit_filter::{Filter, Interop, Options};
///
/// let entra = r#"emails[type eq "work"].value eq "user@contoso.com""#;
/// assert!(Filter::parse(entra).is_err());
/// let options = Options::new().interop(Interop::lenient());
/// let f = Filter::parse_with(entra, &options)?;
/// assert_eq!(f.to_string(), r#"emails[type eq "work" and value eq "user@contoso.com"]"#);
/// # Ok::<(), scimkit_filter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[must_use]
#[non_exhaustive]
pub struct Interop {
    /// IDP-QUIRKS E8; see [`Interop::value_path_sub_attr`](Interop::value_path_sub_attr()).
    pub value_path_sub_attr: bool,
    /// IDP-QUIRKS E9; see [`Interop::string_booleans`](Interop::string_booleans()).
    pub string_booleans: bool,
}

impl Interop {
    /// Every tolerance off, to be switched on one by one. The same as [`Interop::strict`].
    pub const fn new() -> Interop {
        Interop::strict()
    }

    /// Strict RFC 7644: every tolerance off. The default.
    pub const fn strict() -> Interop {
        Interop {
            value_path_sub_attr: false,
            string_booleans: false,
        }
    }

    /// Every tolerance on: what a service provider that Entra, Okta and the others provision into
    /// should accept.
    pub const fn lenient() -> Interop {
        Interop {
            value_path_sub_attr: true,
            string_booleans: true,
        }
    }

    /// IDP-QUIRKS E8 (Microsoft Entra ID): accept a sub-attribute and comparison after a value
    /// path, `emails[type eq "work"].value eq "user@contoso.com"`, and read it as
    /// `emails[type eq "work" and value eq "user@contoso.com"]`. Entra requires the uniqueness
    /// attributes to be queryable this way. Off by default.
    pub const fn value_path_sub_attr(mut self, on: bool) -> Interop {
        self.value_path_sub_attr = on;
        self
    }

    /// IDP-QUIRKS E9 (Microsoft Entra ID validator): in a compiled filter, compare a string
    /// literal `"True"` or `"false"` (any case) as a boolean when the schema says the attribute is
    /// boolean, as in `active eq "True"` and `addresses[primary EQ "True"]`. Off by default, when
    /// such a comparison is simply false (a string never equals a boolean).
    pub const fn string_booleans(mut self, on: bool) -> Interop {
        self.string_booleans = on;
        self
    }
}

/// Everything that configures parsing and compiling: [`Limits`] and [`Interop`].
///
/// ```
/// use scimkit_filter::{Filter, Interop, Limits, Options};
///
/// let options = Options::new()
///     .limits(Limits::new().max_len(64 * 1024))
///     .interop(Interop::lenient());
/// let f = Filter::parse_with(r#"userName eq "bjensen""#, &options)?;
/// # Ok::<(), scimkit_filter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[must_use]
#[non_exhaustive]
pub struct Options {
    /// The limits.
    pub limits: Limits,
    /// The interop tolerances.
    pub interop: Interop,
}

impl Options {
    /// Default limits, strict RFC 7644.
    pub const fn new() -> Options {
        Options {
            limits: Limits::new(),
            interop: Interop::strict(),
        }
    }

    /// Sets the limits.
    pub const fn limits(mut self, limits: Limits) -> Options {
        self.limits = limits;
        self
    }

    /// Sets the interop tolerances.
    pub const fn interop(mut self, interop: Interop) -> Options {
        self.interop = interop;
        self
    }
}
