#![no_main]
//! `cargo fuzz run query`: the body is `benches::fuzz::query`, which `cargo test -p benches` also runs
//! over `fuzz/corpus/query/`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| benches::fuzz::query(data));
