//! Compiles in which schema the Worker expects: the number and the newest name of the
//! migrations in `d1-migrations/`, so `/api/v1/health` can tell an operator that the
//! database is behind the code.

use std::fs;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../d1-migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .filter(|name| name.ends_with(".sql"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    println!("cargo:rustc-env=PPR_SCHEMA_VERSION={}", names.len());
    println!(
        "cargo:rustc-env=PPR_LATEST_MIGRATION={}",
        names.last().map_or("", String::as_str)
    );
}
