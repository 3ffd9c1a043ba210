#![no_main]
//! `cargo fuzz run bulk`: the body is `benches::fuzz::bulk`, which `cargo test -p benches` also runs
//! over `fuzz/corpus/bulk/`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| benches::fuzz::bulk(data));
