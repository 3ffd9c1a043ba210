//! Replays the fuzz corpora through the fuzz target bodies (`benches::fuzz`), so that
//! `cargo test --workspace` holds the library to the fuzzers' assertions without libFuzzer:
//! every file of `fuzz/corpus/<target>/` (RFC 7643/7644 examples, docs/idp-compatibility.md shapes and the
//! regression inputs of crashes the fuzzers found), then pseudo-random bytes from a fixed seed.

use std::path::PathBuf;

use benches::fuzz::{self, TARGETS};

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

/// Runs `target` on every file of its corpus; returns how many there were.
fn replay(target: &str) -> usize {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable corpus directory").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for file in &files {
        let data = std::fs::read(file).expect("readable corpus file");
        let outcome = std::panic::catch_unwind(|| fuzz::run(target, &data));
        if outcome.is_err() {
            panic!("{target} fails on {}", file.display());
        }
    }
    files.len()
}

macro_rules! corpus_test {
    ($($name:ident),*) => {$(
        #[test]
        fn $name() {
            let n = replay(stringify!($name));
            assert!(n >= 5, "{}: only {n} seeds", stringify!($name));
        }
    )*};
}

corpus_test!(
    filter_parse,
    path_parse,
    filter_eval,
    patch_apply,
    messages,
    query,
    bulk
);

#[test]
fn every_target_has_a_test_and_a_corpus() {
    for target in TARGETS {
        assert!(corpus_dir(target).is_dir(), "no corpus for {target}");
        assert!(
            fuzz::run(target, b""),
            "{target} is not dispatched by fuzz::run"
        );
    }
    assert!(!fuzz::run("no_such_target", b""));
}

/// SplitMix64 (Steele, Lea, Flood 2014): a fixed-seed generator, so a failure reproduces.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Bytes that are mostly SCIM-shaped: tokens of the fuzz dictionary and JSON punctuation, with
/// some raw bytes, so that the random inputs get past the first character of each parser.
fn random_input(rng: &mut SplitMix64) -> Vec<u8> {
    const TOKENS: &[&str] = &[
        " eq ",
        " ne ",
        " co ",
        " sw ",
        " ew ",
        " gt ",
        " ge ",
        " lt ",
        " le ",
        " pr",
        " and ",
        " or ",
        "not (",
        "(",
        ")",
        "[",
        "]",
        "\"",
        "\\",
        ".",
        ":",
        ",",
        "{",
        "}",
        "\n",
        "userName",
        "emails",
        "value",
        "type",
        "members",
        "displayName",
        "active",
        "true",
        "false",
        "null",
        "1",
        "-0",
        "2e9",
        "\"work\"",
        "\"op\":",
        "\"add\"",
        "\"replace\"",
        "\"remove\"",
        "\"path\":",
        "\"value\":",
        "\"Operations\":",
        "\"schemas\":",
        "\"method\":",
        "\"POST\"",
        "\"bulkId\":",
        "\"bulkId:q\"",
        "\"data\":",
        "filter=",
        "&count=",
        "&startIndex=",
        "%20",
        "%22",
        "+",
        "urn:ietf:params:scim:schemas:core:2.0:User:",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:",
        "\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"",
        "\"urn:ietf:params:scim:api:messages:2.0:BulkRequest\"",
    ];
    let len = rng.below(24);
    let mut out = Vec::new();
    for _ in 0..len {
        if rng.below(5) == 0 {
            out.push(rng.next() as u8);
        } else {
            out.extend_from_slice(TOKENS[rng.below(TOKENS.len())].as_bytes());
        }
    }
    out
}

#[test]
fn pseudo_random_inputs() {
    let mut rng = SplitMix64(0x5C13_0F0A_2026_0008);
    for i in 0..400 {
        let data = random_input(&mut rng);
        for target in TARGETS {
            let outcome = std::panic::catch_unwind(|| fuzz::run(target, &data));
            if outcome.is_err() {
                panic!("{target} fails on random input #{i}: {data:?}");
            }
        }
    }
}
