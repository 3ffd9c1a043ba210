#![no_main]
//! `cargo fuzz run parsers_agree`: the fast hand-written parser and the reference parser generated
//! from `crates/scimkit-filter/src/grammar.pest` accept the same texts and build the same trees
//! (`scimkit_filter::reference::disagreement`, which `tests/pest_reference.rs` also runs), for
//! filters, paths, attribute paths and attribute lists, strictly, under the IdP interop profile
//! and under a tight nesting limit.

use libfuzzer_sys::fuzz_target;
use scimkit_filter::{reference, Interop, Limits, Options};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let roomy = Limits::new().max_len(1 << 16);
    for options in [
        Options::new().limits(roomy),
        Options::new().limits(roomy).interop(Interop::idp_compatible()),
        Options::new().limits(roomy.max_depth(2)),
    ] {
        if let Some(why) = reference::disagreement(text, &options) {
            panic!("{why}");
        }
    }
});
