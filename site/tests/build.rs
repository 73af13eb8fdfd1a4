//! The generator over a fixture registry (`tests/fixtures/snapshot.json`): the same
//! data gives the same bytes; no internal link is broken; every page has a language,
//! a title and a description, and its other-language twin; and the pages that
//! matter most are held by snapshots.

#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "test code: a failing index or expect is a failing test"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use ppr_site::data::{self, Snapshot};

/// Links from the static pages to pages the Worker renders.
const WORKER_PAGES: [&str; 2] = ["/port/apply/", "/en/port/apply/"];

fn fixture() -> Snapshot {
    data::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snapshot.json"))
        .expect("fixture")
}

/// A site built in a temporary folder, removed when dropped.
struct Built(PathBuf);

impl Drop for Built {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

impl std::ops::Deref for Built {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

fn build(name: &str) -> Built {
    let out = std::env::temp_dir().join(format!("ppr-site-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&out);
    ppr_site::build(fixture(), &out, false).expect("build");
    Built(out)
}

fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).expect("prefix");
                out.insert(
                    rel.to_string_lossy().replace('\\', "/"),
                    fs::read(&path).expect("read"),
                );
            }
        }
    }
    out
}

/// Every value of `attr="…"` in `html`, its character references decoded.
fn attributes(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| {
                rest[..end]
                    .replace("&#x2f;", "/")
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&")
            })
        })
        .collect()
}

#[test]
fn the_same_data_gives_the_same_bytes() {
    let a = files(&build("det-a"));
    let b = files(&build("det-b"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(b[path] == *bytes, "{path} differs between two builds");
    }
}

#[test]
fn no_internal_link_is_broken_and_every_page_is_described() {
    let root = build("links");
    let all = files(&root);
    let pages: Vec<(&String, String)> = all
        .iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, bytes)| (path, String::from_utf8(bytes.clone()).expect("utf-8")))
        .collect();
    assert!(pages.len() > 30, "{} pages", pages.len());
    let ids: BTreeMap<String, BTreeSet<String>> = pages
        .iter()
        .map(|(path, html)| {
            (
                (*path).clone(),
                attributes(html, "id").into_iter().collect(),
            )
        })
        .collect();
    let mut broken = Vec::new();
    for (path, html) in &pages {
        assert!(html.starts_with("<!doctype html>"), "{path}: no doctype");
        assert!(html.contains("<html lang=\""), "{path}: no lang");
        let title = html
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .unwrap_or_default();
        assert!(title.trim().len() > 3, "{path}: no title");
        let description = attributes(html, "content")
            .into_iter()
            .any(|c| c.len() > 10)
            && html.contains("<meta name=\"description\"");
        assert!(description, "{path}: no description");
        if path.as_str() != "404.html" {
            let langs = attributes(html, "hreflang");
            assert!(
                langs.iter().any(|l| l == "zh-CN") && langs.iter().any(|l| l == "en"),
                "{path}: hreflang {langs:?}"
            );
        }
        for link in attributes(html, "href")
            .into_iter()
            .chain(attributes(html, "src"))
        {
            let link = link.as_str();
            if !link.starts_with('/') || link.starts_with("/api/") || link.starts_with("/lookup") {
                continue;
            }
            // Pages the Worker renders (the port application form), not files of the site.
            if WORKER_PAGES.contains(&link) {
                continue;
            }
            let (target, fragment) = link.split_once('#').unwrap_or((link, ""));
            let target = target.split('?').next().unwrap_or_default();
            let file = if target.ends_with('/') {
                format!("{}index.html", &target[1..])
            } else {
                target[1..].to_owned()
            };
            // The search index is Pagefind's, built after the pages.
            if file.starts_with("pagefind/") {
                continue;
            }
            if !all.contains_key(&file) {
                broken.push(format!("{path} → {link}"));
            } else if !fragment.is_empty()
                && !ids.get(&file).is_some_and(|set| set.contains(fragment))
            {
                broken.push(format!("{path} → {link} (no #{fragment})"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn each_page_has_its_english_twin_and_the_open_data_its_records() {
    let all = files(&build("twins"));
    for path in all
        .keys()
        .filter(|p| p.ends_with("index.html") && !p.starts_with("en/"))
    {
        assert!(
            all.contains_key(&format!("en/{path}")),
            "{path} has no English twin"
        );
    }
    let csv = String::from_utf8(all["open-data/products.csv"].clone()).expect("utf-8");
    assert!(csv.starts_with("\u{feff}registration_number,"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + fixture().products.len());
    // A name with a comma or quote is quoted as CSV wants.
    assert!(
        csv.contains("\"ES-1 <Pro>\"") || csv.contains("ES-1 <Pro>"),
        "{csv}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&all["open-data/products.json"]).expect("json");
    assert_eq!(json["count"], fixture().products.len());
    assert_eq!(json["taken_at"], "2026-11-20T00:00:00Z");
    let schema: serde_json::Value =
        serde_json::from_slice(&all["open-data/schema.json"]).expect("schema");
    assert_eq!(schema["x-data-as-of"], "2026-11-20T00:00:00Z");
    // Values are escaped, never raw markup.
    let product =
        String::from_utf8(all["products/PR2026-44-000123-X/index.html"].clone()).expect("utf-8");
    assert!(product.contains("ES-1 &lt;Pro&gt;"), "not escaped");
    assert!(
        product.contains("深圳边缘计算有限公司 &amp; Co"),
        "not escaped"
    );
}

fn page(all: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    String::from_utf8(all[path].clone()).expect("utf-8")
}

#[test]
fn snapshots_of_the_main_pages() {
    let all = files(&build("snapshots"));
    insta::assert_snapshot!("home", page(&all, "index.html"));
    insta::assert_snapshot!(
        "product",
        page(&all, "products/PR2025-35-000001-4/index.html")
    );
    insta::assert_snapshot!(
        "product_en",
        page(&all, "en/products/PR2025-35-000001-4/index.html")
    );
    insta::assert_snapshot!("faq", page(&all, "faq/index.html"));
    insta::assert_snapshot!("statistics", page(&all, "statistics/index.html"));
    insta::assert_snapshot!("round", page(&all, "rounds/2026/index.html"));
}
