#![no_main]
//! `cargo fuzz run path_parse`: the body is `benches::fuzz::path_parse`, which `cargo test -p benches` also runs
//! over `fuzz/corpus/path_parse/`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| benches::fuzz::path_parse(data));
