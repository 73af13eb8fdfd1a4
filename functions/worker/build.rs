//! Compiles in which schema the Worker expects: the number and the newest name of the
//! migrations in `d1-migrations/`, so `/api/v1/health` can tell an operator that the
//! database is behind the code; and the site's interface strings
//! (`site/content/i18n.toml`) as JSON, for the pages the Worker renders; and, from
//! the OpenAPI document, the query parameters each operation takes, so that the
//! Worker refuses any other one (a misspelt filter must not silently list everything).

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

    let document = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    println!("cargo:rerun-if-changed={}", document.display());
    let text = fs::read_to_string(&document).unwrap_or_default();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let _ = fs::write(
        Path::new(&out).join("query_parameters.rs"),
        query_parameters(&doc),
    );
}

/// `(METHOD, path template, [query parameter names])` for every operation of the
/// document, as Rust source.
#[expect(
    clippy::indexing_slicing,
    reason = "indexing a serde_json::Value by key gives Null for a missing key; it never panics"
)]
fn query_parameters(doc: &serde_json::Value) -> String {
    let shared = &doc["components"]["parameters"];
    let mut rows = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            // Parameters of the path item apply to each of its operations.
            let common = item.get("parameters").and_then(|p| p.as_array());
            for (method, operation) in item {
                if !["get", "put", "post", "delete", "patch", "head", "options"]
                    .contains(&method.as_str())
                {
                    continue;
                }
                let mut names: Vec<String> = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .chain(common.into_iter().flatten())
                    .map(|p| match p["$ref"].as_str() {
                        Some(r) => &shared[r.rsplit('/').next().unwrap_or_default()],
                        None => p,
                    })
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str().map(str::to_owned))
                    .collect();
                names.sort();
                rows.push(format!(
                    "    ({:?}, {path:?}, &{names:?}),\n",
                    method.to_ascii_uppercase()
                ));
            }
        }
    }
    format!(
        "/// `(METHOD, path template, query parameter names)` of every documented operation.\n\
         pub const QUERY_PARAMETERS: &[(&str, &str, &[&str])] = &[\n{}];\n",
        rows.concat()
    )
}
