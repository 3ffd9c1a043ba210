//! Invalid input: the error for each kind of mistake with its byte offset and text, and the
//! limits on length and nesting, which must fail fast and never overflow the stack.

use std::time::{Duration, Instant};

use scimkit_filter::{
    AttrPath, CompValue, CompareOp, ErrorKind, Filter, Interop, Limits, Options, Path,
};
use scimkit_schema::ResourceSchema;

/// (filter, byte offset, message without the " at byte N" suffix)
const INVALID_FILTERS: &[(&str, usize, &str)] = &[
    ("", 0, "expected an attribute path"),
    ("   ", 3, "expected an attribute path"),
    (r#"userName xx "bjensen""#, 9, "expected a comparison operator after `userName`"),
    ("userName", 8, "expected a comparison operator after `userName`"),
    ("title prx", 6, "expected a comparison operator after `title`"),
    ("userName eq", 11, "expected a value (a quoted string, a number, `true`, `false` or `null`) after `eq`"),
    ("userName eq bjensen", 12, "expected a value (a quoted string, a number, `true`, `false` or `null`) after `eq`"),
    ("userName eq 'bjensen'", 12, "expected a value (a quoted string, a number, `true`, `false` or `null`) after `eq`"),
    ("age gt 01", 7, "expected a value (a quoted string, a number, `true`, `false` or `null`) after `gt`"),
    ("age gt 1.", 7, "expected a value (a quoted string, a number, `true`, `false` or `null`) after `gt`"),
    ("age gt .5", 7, "expected a value (a quoted string, a number, `true`, `false` or `null`) after `gt`"),
    ("age gt 1e400", 7, "number out of range"),
    (r#"userName eq "a" foo"#, 16, "expected `and`, `or` or the end of the filter after `\"a\"`"),
    (r#"userName eq "a" andy pr"#, 16, "expected `and`, `or` or the end of the filter after `\"a\"`"),
    (r#"userName eq "a" and"#, 19, "expected an attribute path after `and`"),
    (r#"userName eq "a" or "#, 19, "expected an attribute path after `or`"),
    ("(title pr", 9, "expected `and`, `or` or `)` after `pr`"),
    ("not (title pr", 13, "expected `and`, `or` or `)` after `pr`"),
    (r#"emails[type eq "work""#, 21, "expected `and`, `or` or `]` after `\"work\"`"),
    ("title pr)", 8, "unmatched `)`"),
    ("emails]", 6, "unmatched `]`"),
    (r#"userName eq "bjensen"#, 12, "unterminated string"),
    (r#"userName eq "bjensen\""#, 12, "unterminated string"),
    (r#"userName eq "a\qb""#, 14, r#"invalid escape in string; JSON allows \" \\ \/ \b \f \n \r \t and \uXXXX"#),
    (r#"userName eq "\u12""#, 13, r#"invalid escape in string; JSON allows \" \\ \/ \b \f \n \r \t and \uXXXX"#),
    (r#"userName eq "x\ud83d""#, 14, "unpaired surrogate in `\\u` escape"),
    ("userName eq \"a\tb\"", 14, "control character in string must be escaped"),
    (r#"emails[type[value pr]]"#, 7, "a value filter cannot contain another value filter"),
    (
        r#"emails[type eq "work"].value eq "x""#,
        22,
        "a sub-attribute and comparison after `]` is not RFC 7644 syntax; write `emails[... and value ...]`",
    ),
    // Long tokens are shortened to their last 40 characters.
    ("urn:ietf:params:scim:schemas:core:2.0:User: pr", 44, "expected an attribute path after `...:ietf:params:scim:schemas:core:2.0:User:`"),
    ("user name pr", 5, "expected a comparison operator after `user`"),
    ("1abc pr", 0, "expected an attribute path"),
    ("not title pr", 4, "expected a comparison operator after `not`"),
];

#[test]
fn invalid_filters() {
    for &(text, offset, message) in INVALID_FILTERS {
        let err = Filter::parse(text).expect_err(text);
        assert_eq!(
            (err.offset(), err.kind().to_string().as_str()),
            (Some(offset), message),
            "{text:?}"
        );
        assert_eq!(err.to_string(), format!("{message} at byte {offset}"));
        assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
        assert_eq!(err.scim_type().as_str(), "invalidFilter");
    }
}

#[test]
fn invalid_paths() {
    for (text, offset, message) in [
        ("", 0, "expected an attribute path"),
        (
            "members value",
            8,
            "expected the end of the path after `members`",
        ),
        (
            r#"members[value eq "x"]displayName"#,
            21,
            "expected the end of the path after `\"x\"]`",
        ),
        (
            r#"members[value eq "x"].display.name"#,
            29,
            "expected the end of the path after `\"x\"].display`",
        ),
        ("members[", 8, "expected an attribute path after `members[`"),
    ] {
        let err = Path::parse(text).expect_err(text);
        assert_eq!(
            (err.offset(), err.kind().to_string().as_str()),
            (Some(offset), message),
            "{text:?}"
        );
        assert_eq!(err.scim_type().as_str(), "invalidPath");
    }
    for text in ["", "a,", ",a", "a b", "a,,b"] {
        let err = AttrPath::parse_list(text).expect_err(text);
        assert_eq!(err.scim_type().as_str(), "invalidPath");
    }
}

#[test]
fn compile_errors() {
    let schema = ResourceSchema::user();
    for (text, offset, message) in [
        ("titel pr", 0, "unknown attribute `titel`"),
        (
            r#"title pr and name.nickName eq "x""#,
            13,
            "unknown sub-attribute `nickName` of `name`",
        ),
        (
            r#"userName.value eq "x""#,
            0,
            "`userName` is not complex and has no sub-attribute `value`",
        ),
        (
            r#"urn:example:nope:foo eq "x""#,
            0,
            "unknown schema `urn:example:nope`",
        ),
        (
            "active gt true",
            0,
            "`gt` cannot be used on `active`, a boolean attribute",
        ),
        (
            r#"active co "t""#,
            0,
            "`co` cannot be used on `active`, a boolean attribute",
        ),
        (
            r#"emails[primary sw "t"]"#,
            7,
            "`sw` cannot be used on `primary`, a boolean attribute",
        ),
        (
            r#"name eq "Barbara""#,
            0,
            "`name` is complex; compare one of its sub-attributes, e.g. `name.formatted`",
        ),
        (
            r#"name co "Barbara""#,
            0,
            "`name` is complex; compare one of its sub-attributes, e.g. `name.formatted`",
        ),
        (
            r#"userName[value eq "x"]"#,
            0,
            "`userName` is not complex, so it cannot have a value filter `[...]`",
        ),
        (
            r#"emails[kind eq "work"]"#,
            7,
            "unknown sub-attribute `kind` of `emails`",
        ),
        (
            r#"emails[value.x eq "work"]"#,
            7,
            "`value` is not complex and has no sub-attribute `x`",
        ),
    ] {
        let f = Filter::parse(text).unwrap();
        let err = f.compile(&schema).expect_err(text);
        assert_eq!(
            (err.offset(), err.kind().to_string().as_str()),
            (Some(offset), message),
            "{text:?}"
        );
        assert_eq!(err.scim_type().as_str(), "invalidFilter");
        assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
    }
    // A filter built in code has no position.
    let err = Filter::pr("titel").compile(&schema).unwrap_err();
    assert_eq!(
        (err.offset(), err.to_string().as_str()),
        (None, "unknown attribute `titel`")
    );
}

#[track_caller]
fn assert_fast_error(text: &str, options: &Options, kind: ErrorKind) {
    let start = Instant::now();
    let err = Filter::parse_with(text, options).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(err.kind(), &kind);
}

#[test]
fn megabyte_of_brackets() {
    let mb = 1 << 20;
    let roomy = Options::new().limits(Limits::new().max_len(8 * mb));
    for unit in ["(", "not(", "not (", "[", "a[", "(a pr or "] {
        let text = unit.repeat(mb / unit.len());
        // Over the default length limit: rejected before anything else.
        assert_fast_error(
            &text,
            &Options::new(),
            ErrorKind::TooLong {
                len: text.len(),
                max: 8192,
            },
        );
        // With the length allowed, the nesting pre-scan rejects it.
        assert_fast_error(&text, &roomy, ErrorKind::NestLimitExceeded { max: 50 });
    }
}

#[test]
fn nesting_limit_both_sides() {
    let nested = |depth: usize| format!("{}title pr{}", "not (".repeat(depth), ")".repeat(depth));
    assert!(Filter::parse(&nested(50)).is_ok());
    let err = Filter::parse(&nested(51)).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::NestLimitExceeded { max: 50 });
    assert_eq!(err.offset(), Some(50 * 5 + 4)); // the 51st `(`
    assert_eq!(
        err.to_string(),
        "brackets nest deeper than the limit of 50 at byte 254"
    );

    // The cap holds whatever is asked for, and the deepest allowed filter parses, compiles,
    // matches and prints on a test thread.
    let options = Options::new().limits(Limits::new().max_depth(u32::MAX).max_len(1 << 20));
    let cap = Limits::MAX_DEPTH_CAP as usize;
    // Value paths may not nest, but the parser has to get through all the brackets to find that out.
    let value_paths = format!(
        "{}title pr{}",
        r#"not (userName eq "x" or (nickName pr and emails[type eq "work" and ("#.repeat(cap / 4),
        ")]))".repeat(cap / 4)
    );
    assert_eq!(
        Filter::parse_with(&value_paths, &options)
            .unwrap_err()
            .kind(),
        &ErrorKind::ValuePathNested
    );
    let mixed = format!(
        "{}title pr{}",
        r#"not (userName eq "x" or (nickName pr and ("#.repeat(cap / 3),
        ")))".repeat(cap / 3)
    );
    let f = Filter::parse_with(&mixed, &options).unwrap();
    assert_eq!(Filter::parse_with(&f.to_string(), &options).unwrap(), f);
    assert!(f.compile_with(&ResourceSchema::user(), &options).is_ok());
    let f = Filter::parse_with(&nested(cap), &options).unwrap();
    let compiled = f.compile_with(&ResourceSchema::user(), &options).unwrap();
    assert_eq!(
        compiled.matches(&serde_json::json!({"title": "x"})),
        cap.is_multiple_of(2)
    );
    assert_eq!(Filter::parse_with(&f.to_string(), &options).unwrap(), f);
    assert!(Filter::parse_with(&nested(cap + 1), &options).is_err());
}

#[test]
fn long_flat_or_chain() {
    let terms = 300_000;
    let text = (0..terms)
        .map(|i| format!(r#"id eq "{i}""#))
        .collect::<Vec<_>>()
        .join(" or ");
    assert_eq!(
        Filter::parse(&text).unwrap_err().kind(),
        &ErrorKind::TooLong {
            len: text.len(),
            max: 8192
        }
    );
    let options = Options::new().limits(Limits::new().max_len(text.len()));
    let f = Filter::parse_with(&text, &options).unwrap();
    let Filter::Or(operands) = &f else {
        panic!("not an Or")
    };
    assert_eq!(operands.len(), terms);
    assert!(f.matches(&serde_json::json!({"id": "299999"})));
    assert_eq!(f.depth(), 2);
    drop(f);
}

/// Dropping a deep hand-built AST must not recurse: run it on a small stack.
#[test]
fn no_stack_overflow_on_drop() {
    // Parsed here, outside the small stack: only the drop is under test.
    let (title, emails) = (
        AttrPath::parse("title").unwrap(),
        AttrPath::parse("emails").unwrap(),
    );
    std::thread::Builder::new()
        .stack_size(64 << 10)
        .spawn(move || {
            let mut f = Filter::pr(&title);
            for i in 0..200_000 {
                f = match i % 4 {
                    0 => !f,
                    1 => Filter::value_path(&emails, f),
                    2 => Filter::And(vec![f, Filter::pr(&title)]),
                    _ => Filter::Or(vec![Filter::pr(&title), f]),
                };
            }
            // Depth is computed without recursion too, and compiling refuses such a tree.
            assert_eq!(f.depth(), 200_001);
            let err = f.compile(&ResourceSchema::user()).unwrap_err();
            assert_eq!(err.kind(), &ErrorKind::NestLimitExceeded { max: 50 });
            drop(f);
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn interop_is_off_by_default() {
    let e8 = r#"emails[type eq "work"].value eq "x""#;
    assert!(Filter::parse(e8).is_err());
    let options = Options::new().interop(Interop::new().value_path_sub_attr(true));
    assert!(Filter::parse_with(e8, &options).is_ok());
}

#[test]
fn degenerate_hand_built_filters_print_without_panicking() {
    assert_eq!(Filter::And(vec![]).to_string(), "()");
    assert!(Filter::parse("()").is_err());
    assert_eq!(Filter::Or(vec![Filter::pr("a")]).to_string(), "a pr");
    let nan = Filter::compare("x", CompareOp::Eq, CompValue::Decimal(f64::NAN));
    assert_eq!(nan.to_string(), "x eq null");
    // An empty And holds, an empty Or does not.
    assert!(Filter::And(vec![]).matches(&serde_json::json!({})));
    assert!(!Filter::Or(vec![]).matches(&serde_json::json!({})));
}
