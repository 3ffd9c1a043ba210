#![no_main]
//! `cargo fuzz run patch_apply`: the body is `benches::fuzz::patch_apply`, which `cargo test -p benches` also runs
//! over `fuzz/corpus/patch_apply/`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| benches::fuzz::patch_apply(data));
