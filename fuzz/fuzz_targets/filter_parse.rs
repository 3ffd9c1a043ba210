#![no_main]
//! `cargo fuzz run filter_parse`: the body is `benches::fuzz::filter_parse`, which `cargo test -p benches` also runs
//! over `fuzz/corpus/filter_parse/`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| benches::fuzz::filter_parse(data));
