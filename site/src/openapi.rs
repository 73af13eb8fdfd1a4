//! The API page, listed from the Worker's OpenAPI document (the same file the Worker
//! serves at `/api/v1/openapi.json`), so the page and the API never disagree.

use anyhow::{Context, Result};
use serde::Serialize;

/// The document, as the Worker compiles it in.
pub const DOCUMENT: &str = include_str!("../../functions/worker/openapi.json");

/// One operation.
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path template.
    pub path: String,
    /// What it does.
    pub summary: String,
    /// Whether anyone may call it without signing in.
    pub public: bool,
    /// Its parameters' names (path and query).
    pub parameters: Vec<String>,
}

/// Operations grouped by the first segment of their path.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// The segment (`products`, `rounds`, …).
    pub name: String,
    /// Its operations, in document order.
    pub operations: Vec<Operation>,
}

/// The API's title and version, and its operations by group.
#[derive(Debug, Clone, Serialize)]
pub struct Api {
    /// Title.
    pub title: String,
    /// Version.
    pub version: String,
    /// Groups, in order of first appearance.
    pub groups: Vec<Group>,
}

/// `value.key`, or null.
fn at<'a>(value: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    value.get(key).unwrap_or(&serde_json::Value::Null)
}

/// Reads the document.
///
/// # Errors
///
/// It is not the OpenAPI shape this expects (a test holds it).
pub fn api() -> Result<Api> {
    let doc: serde_json::Value = serde_json::from_str(DOCUMENT).context("openapi.json")?;
    let mut groups: Vec<Group> = Vec::new();
    for (path, item) in at(&doc, "paths").as_object().context("paths")? {
        for (method, op) in item.as_object().context("path item")? {
            let security = at(op, "security").as_array();
            let public = security.is_none_or(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(serde_json::Map::is_empty))
            });
            let parameters = at(op, "parameters")
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| at(p, "in") == "path" || at(p, "in") == "query")
                .filter_map(|p| at(p, "name").as_str().map(str::to_owned))
                .collect();
            let operation = Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                summary: at(op, "summary").as_str().unwrap_or_default().to_owned(),
                public,
                parameters,
            };
            let name = path
                .trim_start_matches("/api/v1/")
                .split('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            match groups.iter_mut().find(|g| g.name == name) {
                Some(group) => group.operations.push(operation),
                None => groups.push(Group {
                    name,
                    operations: vec![operation],
                }),
            }
        }
    }
    Ok(Api {
        title: at(at(&doc, "info"), "title")
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        version: at(at(&doc, "info"), "version")
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        groups,
    })
}
