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
/// Addresses the Worker answers (the registry's pages, the forms), not files of the
/// static site.
const WORKER_PAGES: [&str; 9] = [
    "/statistics/",
    "/open-data/latest/",
    "/port/apply/",
    "/products/",
    "/enterprises/",
    "/patents/",
    "/rounds/",
    "/search/",
    "/enterprise/",
];

fn worker_page(link: &str) -> bool {
    let link = link
        .strip_prefix("/en")
        .filter(|rest| rest.starts_with('/'))
        .unwrap_or(link);
    WORKER_PAGES.iter().any(|prefix| link.starts_with(prefix))
}

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
    build_from(name, fixture())
}

fn build_from(name: &str, snapshot: Snapshot) -> Built {
    let out = std::env::temp_dir().join(format!("ppr-site-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&out);
    ppr_site::build(snapshot, &out, "", false).expect("build");
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
    assert_eq!(pages.len(), 11, "{} pages", pages.len());
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
            if worker_page(link) {
                continue;
            }
            let (target, fragment) = link.split_once('#').unwrap_or((link, ""));
            let target = target.split('?').next().unwrap_or_default();
            let file = if target.ends_with('/') {
                format!("{}index.html", &target[1..])
            } else {
                target[1..].to_owned()
            };
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
fn each_page_has_its_english_twin_and_escapes_values() {
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
    // Values are escaped, never raw markup (the home page lists the newest products).
    let home = String::from_utf8(all["index.html"].clone()).expect("utf-8");
    assert!(!home.contains("<Pro>"), "not escaped");
}

/// The fixture's registry grown to `n` products: copies of its products under new
/// numbers and names.
fn grown(n: usize) -> Snapshot {
    let mut snapshot = fixture();
    let seeds = snapshot.products.clone();
    snapshot.products = (0..n)
        .map(|i| {
            let mut p = seeds[i % seeds.len()].clone();
            let number = ppr_core::regnum::RegistrationNumber::new(
                2026,
                44,
                u32::try_from(i + 1).expect("small"),
            )
            .expect("number");
            p.registration_number = number.to_string();
            p.name = format!("{} {i}", p.name);
            p
        })
        .collect();
    snapshot
}

#[test]
fn the_static_site_does_not_grow_with_the_registry() {
    let small = files(&build_from("ten", grown(10)));
    let large = files(&build_from("large", grown(20_000)));
    let names = |all: &BTreeMap<String, Vec<u8>>| all.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&small),
        names(&large),
        "other files at 20,000 products"
    );
    let limit = 25 * 1024 * 1024;
    for (path, bytes) in &large {
        assert!(bytes.len() < limit, "{path} is {} bytes", bytes.len());
    }
    // Pages that show no registry data carry no date, so a new build leaves them
    // byte for byte as they were.
    for page in [
        "faq/index.html",
        "guide/index.html",
        "api/index.html",
        "404.html",
    ] {
        assert_eq!(small[page], large[page], "{page} changed with the data");
    }
}

fn page(all: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    String::from_utf8(all[path].clone()).expect("utf-8")
}

#[test]
fn snapshots_of_the_main_pages() {
    let all = files(&build("snapshots"));
    insta::assert_snapshot!("home", page(&all, "index.html"));
    insta::assert_snapshot!("faq", page(&all, "faq/index.html"));
}
