//! Writes the benchmark corpus as JSON for the cross-language script (`benches/cross-language`),
//! with the hand-written baselines' answers, so that other implementations are checked on the
//! same inputs they are timed on.
//!
//! `cargo run --release -p benches --bin export-inputs [-- <dir>]`
//! (default: `benches/cross-language/inputs`)

use std::path::PathBuf;

use benches::corpus;
use serde_json::{json, Value};

fn write(dir: &std::path::Path, name: &str, value: &Value) -> std::io::Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(value)?)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn main() -> std::io::Result<()> {
    let dir = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("cross-language/inputs"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir)?;

    let users = corpus::users(corpus::USERS);
    let filters: Vec<Value> = corpus::filters()
        .iter()
        .map(|case| {
            let matches = users.iter().filter(|u| (case.baseline)(u)).count();
            json!({"name": case.name, "text": case.text, "lenient": case.lenient, "matches": matches})
        })
        .collect();
    write(&dir, "filters.json", &Value::Array(filters))?;
    write(&dir, "users.json", &Value::Array(users))?;

    let patches: Vec<Value> = corpus::patches()
        .into_iter()
        .map(|case| {
            let mut expected = case.resource.clone();
            (case.baseline)(&mut expected);
            json!({
                "name": case.name,
                "idp": case.idp,
                "resource": case.resource,
                "request": case.request,
                "expected": expected
            })
        })
        .collect();
    write(&dir, "patches.json", &Value::Array(patches))?;
    Ok(())
}
