//! Compiles in which schema the Worker expects: the number and the newest name of the
//! migrations in `d1-migrations/`, so `/api/v1/health` can tell an operator that the
//! database is behind the code; and the site's interface strings
//! (`site/content/i18n.toml`) as JSON, for the pages the Worker renders.

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

    let strings = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../site/content/i18n.toml");
    println!("cargo:rerun-if-changed={}", strings.display());
    let text = fs::read_to_string(&strings).unwrap_or_default();
    let value: serde_json::Value = toml::from_str(&text).unwrap_or_default();
    let out = std::env::var("OUT_DIR").unwrap_or_default();
    let _ = fs::write(Path::new(&out).join("i18n.json"), value.to_string());
}
