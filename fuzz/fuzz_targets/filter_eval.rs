#![no_main]
//! `cargo fuzz run filter_eval`: the body is `benches::fuzz::filter_eval`, which `cargo test -p benches` also runs
//! over `fuzz/corpus/filter_eval/`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| benches::fuzz::filter_eval(data));
