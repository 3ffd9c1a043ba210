//! The fast hand-written parser and the reference parser generated from `src/grammar.pest` (the
//! grammar of record) accept the same texts and build the same trees, for filters, PATCH paths,
//! attribute paths and attribute lists, strictly and under the IdP interop profile.
//!
//! Texts come from three sources: well-formed texts built from the grammar's rules with random
//! whitespace, case and values; the same texts with one token inserted, deleted or replaced
//! (near misses, which is where parsers disagree); and soups of the grammar's tokens. The fuzz
//! corpora under `fuzz/corpus/` are replayed too.
#![cfg(feature = "pest")]

use proptest::prelude::*;
use scimkit_filter::{reference, Interop, Limits, Options};

/// The option sets both parsers are compared under: strict, the IdP profile, and a tight nesting
/// limit so that depth rejections are compared as well.
fn option_sets() -> [Options; 3] {
    let roomy = Limits::new().max_len(1 << 16);
    [
        Options::new().limits(roomy),
        Options::new()
            .limits(roomy)
            .interop(Interop::idp_compatible()),
        Options::new()
            .limits(roomy.max_depth(2))
            .interop(Interop::idp_compatible()),
    ]
}

/// Both parsers agree on `text` under every option set.
fn check(text: &str) -> Result<(), TestCaseError> {
    for options in option_sets() {
        if let Some(why) = reference::disagreement(text, &options) {
            return Err(TestCaseError::fail(why));
        }
    }
    Ok(())
}

// ---- well-formed text, built from the grammar's rules --------------------------------------

/// Whitespace where the ABNF has SP: usually one space, sometimes more or other separators.
fn sp() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just(" ".to_owned()),
        1 => "[ \t\r\n]{2,3}",
    ]
}

/// Optional whitespace (inside brackets, around the whole text).
fn osp() -> impl Strategy<Value = String> {
    prop_oneof![4 => Just(String::new()), 1 => "[ \t]{1,2}"]
}

/// A keyword in a random case, as RFC 5234 §2.3 allows.
fn any_case(word: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<bool>(), word.len()).prop_map(move |upper| {
        word.chars()
            .zip(upper)
            .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
            .collect()
    })
}

/// ATTRNAME, including names that look like keywords and `$ref`.
fn attr_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z][a-zA-Z0-9_-]{0,6}",
        Just("$ref".to_owned()),
        Just("not".to_owned()),
        Just("and".to_owned()),
        Just("pr".to_owned()),
        Just("eq".to_owned()),
        Just("true".to_owned()),
    ]
}

/// attrPath = [URI ":"] ATTRNAME *1subAttr
fn attr_path() -> impl Strategy<Value = String> {
    let uri = prop_oneof![
        3 => Just(String::new()),
        1 => Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:".to_owned()),
        1 => Just("urn:ietf:params:scim:schemas:core:2.0:User:".to_owned()),
        1 => "[a-z]{1,3}:([a-zA-Z0-9.%~]{1,4}:){0,2}",
    ];
    let sub = prop::option::of(attr_name());
    (uri, attr_name(), sub).prop_map(|(u, n, s)| match s {
        Some(s) => format!("{u}{n}.{s}"),
        None => format!("{u}{n}"),
    })
}

/// compValue: JSON literals in any case, numbers (some out of range) and strings with escapes.
fn comp_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any_case("true"),
        any_case("false"),
        any_case("null"),
        "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?",
        r#""([a-zA-Z0-9 @.é€]|\\["\\/bfnrt]|\\u00[0-9a-f]{2}|\\ud83d\\ude00|\\ud800){0,6}""#,
    ]
}

/// compareOp in any case.
fn compare_op() -> impl Strategy<Value = String> {
    prop_oneof![
        any_case("eq"),
        any_case("ne"),
        any_case("co"),
        any_case("sw"),
        any_case("ew"),
        any_case("gt"),
        any_case("ge"),
        any_case("lt"),
        any_case("le"),
    ]
}

/// attrExp = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
fn attr_exp() -> impl Strategy<Value = String> {
    prop_oneof![
        (attr_path(), sp(), any_case("pr")).prop_map(|(a, s, p)| format!("{a}{s}{p}")),
        (attr_path(), sp(), compare_op(), sp(), comp_value())
            .prop_map(|(a, s1, o, s2, v)| format!("{a}{s1}{o}{s2}{v}")),
    ]
}

/// FILTER (or, with `value_paths` false, valFilter), nested a few levels.
fn filter_text(value_paths: bool) -> BoxedStrategy<String> {
    attr_exp()
        .boxed()
        .prop_recursive(4, 24, 3, move |inner| {
            let logical = (
                inner.clone(),
                sp(),
                prop_oneof![any_case("and"), any_case("or")],
                sp(),
                inner.clone(),
            )
                .prop_map(|(a, s1, k, s2, b)| format!("{a}{s1}{k}{s2}{b}"));
            let group = (osp(), inner.clone(), osp()).prop_map(|(a, f, b)| format!("({a}{f}{b})"));
            let not = (any_case("not"), osp(), inner.clone())
                .prop_map(|(n, s, f)| format!("{n}{s}({f})"));
            let value_path = (
                attr_path(),
                osp(),
                inner.clone(),
                prop::option::of((attr_name(), sp(), compare_op(), sp(), comp_value())),
            )
                .prop_map(|(a, s, f, tail)| match tail {
                    // Entra's form: accepted only under the interop profile.
                    Some((n, s1, o, s2, v)) => format!("{a}{s}[{f}].{n}{s1}{o}{s2}{v}"),
                    None => format!("{a}{s}[{f}]"),
                });
            if value_paths {
                prop_oneof![3 => logical, 1 => group, 1 => not, 2 => value_path].boxed()
            } else {
                // Inside brackets a value path is still generated now and then: it must be
                // rejected by both.
                prop_oneof![6 => logical, 2 => group, 2 => not, 1 => value_path].boxed()
            }
        })
        .boxed()
}

/// PATH = attrPath / valuePath [subAttr]
fn path_text() -> impl Strategy<Value = String> {
    (
        attr_path(),
        prop::option::of((osp(), filter_text(false), prop::option::of(attr_name()))),
    )
        .prop_map(|(a, rest)| match rest {
            None => a,
            Some((s, f, None)) => format!("{a}{s}[{f}]"),
            Some((s, f, Some(sub))) => format!("{a}{s}[{f}].{sub}"),
        })
}

/// An attribute list: attrPath *("," attrPath) with optional spaces.
fn attr_list_text() -> impl Strategy<Value = String> {
    prop::collection::vec((attr_path(), osp()), 1..4).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(p, s)| format!("{p}{s}"))
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn well_formed() -> impl Strategy<Value = String> {
    (
        osp(),
        prop_oneof![filter_text(true), path_text(), attr_list_text()],
        osp(),
    )
        .prop_map(|(a, t, b)| format!("{a}{t}{b}"))
}

// ---- near misses and token soup ------------------------------------------------------------

/// One token of the grammar, or a character it does not use.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        attr_name(),
        attr_path(),
        compare_op(),
        comp_value(),
        any_case("not"),
        any_case("and"),
        any_case("or"),
        any_case("pr"),
        prop::sample::select(vec![
            " ", "  ", "\t", "(", ")", "[", "]", ".", ",", ":", "\"", "\\", "$", "-", "0", "01",
            "1.", ".5", "1e", "1e400", "\u{a0}", "é", "\u{1}", "}", "'",
        ])
        .prop_map(str::to_owned),
    ]
}

/// A well-formed text with one token inserted, one byte range deleted, or one replaced.
fn near_miss() -> impl Strategy<Value = String> {
    (
        well_formed(),
        any::<prop::sample::Index>(),
        0usize..4,
        token(),
        0u8..3,
    )
        .prop_map(|(text, at, len, tok, how)| {
            let boundaries: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            let start = boundaries[at.index(boundaries.len())];
            let end = boundaries
                .iter()
                .copied()
                .filter(|&b| b >= start)
                .nth(len)
                .unwrap_or(text.len());
            match how {
                0 => format!("{}{tok}{}", &text[..start], &text[start..]),
                1 => format!("{}{}", &text[..start], &text[end..]),
                _ => format!("{}{tok}{}", &text[..start], &text[end..]),
            }
        })
}

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 0..12).prop_map(|tokens| tokens.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn well_formed_texts_agree(text in well_formed()) {
        check(&text)?;
    }

    #[test]
    fn near_misses_agree(text in near_miss()) {
        check(&text)?;
    }

    #[test]
    fn token_soups_agree(text in soup()) {
        check(&text)?;
    }
}

/// Well-formed texts are mostly accepted: the generator does exercise the accepting side.
#[test]
fn generator_produces_accepted_filters() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let options = option_sets()[1];
    let strategy = filter_text(true);
    let accepted = (0..500)
        .filter(|_| {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            reference::filter(&text, &options).is_ok()
        })
        .count();
    assert!(
        accepted > 250,
        "only {accepted} of 500 generated filters parse"
    );
}

/// The texts the RFC and the IdP notes use, and every fuzz seed, agree.
#[test]
fn rfc_examples_and_fuzz_corpora_agree() {
    let rfc = [
        r#"userName eq "bjensen""#,
        r#"name.familyName co "O'Malley""#,
        r#"userName sw "J""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        r#"title pr"#,
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"title pr and userType eq "Employee""#,
        r#"title pr or userType eq "Intern""#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType eq "Employee" and (emails.type eq "work")"#,
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#,
        r#"emails[type eq "work"].value eq "user@contoso.com""#,
        r#"addresses[primary EQ "True"]"#,
        "name.familyName, emails , urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    ];
    for text in rfc {
        check(text).unwrap();
    }
    let corpora = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus");
    let mut replayed = 0;
    for target in ["filter_parse", "path_parse"] {
        let Ok(dir) = std::fs::read_dir(format!("{corpora}/{target}")) else {
            continue; // a packaged crate has no fuzz corpus
        };
        for entry in dir {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            check(&String::from_utf8_lossy(&bytes)).unwrap();
            replayed += 1;
        }
    }
    assert!(
        replayed == 0 || replayed > 20,
        "{replayed} corpus files replayed"
    );
}
