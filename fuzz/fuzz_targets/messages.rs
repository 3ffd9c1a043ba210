#![no_main]
//! `cargo fuzz run messages`: the body is `benches::fuzz::messages`, which `cargo test -p benches` also runs
//! over `fuzz/corpus/messages/`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| benches::fuzz::messages(data));
