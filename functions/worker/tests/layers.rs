//! The Worker's modules import downward only: no file reaches, through `crate::`
//! paths, a file that reaches it back, and no handler module uses another. Read from
//! the source text, so `cargo test -p ppr-worker --test layers` shows any new circle
//! with the files on it.
#![expect(
    clippy::expect_used,
    reason = "a test: an unreadable source tree is a failure"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, as its module path (`handlers::patents`).
fn modules() -> BTreeMap<String, PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&root).expect("under src");
            let mut parts: Vec<String> = relative
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
                parts.pop();
            }
            out.insert(parts.join("::"), path);
        }
    }
    out
}

/// The `crate::…` paths a source text names, braces of `use` lists expanded.
fn crate_paths(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in source.match_indices("crate::") {
        let rest = source.get(at + "crate::".len()..).unwrap_or_default();
        expand("", rest, &mut out);
    }
    out
}

/// Expands `a::b::{c, d::e}` (at the start of `rest`) onto `prefix`.
fn expand(prefix: &str, rest: &str, out: &mut Vec<String>) {
    let ident: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    let path = format!("{prefix}{}", ident.trim_end_matches(':'));
    let after = rest.get(ident.len()..).unwrap_or_default();
    if ident.ends_with("::") && after.starts_with('{') {
        let mut depth = 0;
        let mut start = 1;
        for (i, c) in after.char_indices() {
            match c {
                '{' => depth += 1,
                '}' | ',' if depth == 1 => {
                    let item = after.get(start..i).unwrap_or_default().trim();
                    if !item.is_empty() && item != "self" {
                        expand(&format!("{path}::"), item, out);
                    }
                    out.push(path.clone());
                    start = i + 1;
                    if c == '}' {
                        return;
                    }
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
    } else {
        out.push(path);
    }
}

/// The module a path lands in: its longest prefix that is a file.
fn module_of<'a>(path: &str, modules: &'a BTreeMap<String, PathBuf>) -> Option<&'a str> {
    let mut candidate = path;
    loop {
        if let Some((name, _)) = modules.get_key_value(candidate) {
            return Some(name);
        }
        candidate = candidate.rsplit_once("::")?.0;
    }
}

/// Whether `a` is `b` or contains it (a parent module may use its own children and
/// they it: that is one room, not a circle).
fn related(a: &str, b: &str) -> bool {
    a == b || b.starts_with(&format!("{a}::")) || a.starts_with(&format!("{b}::"))
}

fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let mut graph = BTreeMap::new();
    for (name, path) in &modules {
        let source = fs::read_to_string(path).expect("source is readable");
        // Tests below `#[cfg(test)]` may reach anywhere; comments are not imports.
        let code: String = source
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let source = code.as_str();
        let targets: BTreeSet<String> = crate_paths(source)
            .iter()
            .filter_map(|p| module_of(p, &modules))
            .filter(|m| !related(name, m) && !m.is_empty())
            .map(str::to_owned)
            .collect();
        graph.insert(name.clone(), targets);
    }
    graph
}

/// A circle through `start`, if any, as the files on it.
fn circle_through(start: &str, graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((node, trail)) = stack.pop() {
        for next in graph.get(&node).into_iter().flatten() {
            if next == start {
                return Some(trail.clone());
            }
            if seen.insert(next.clone()) {
                let mut longer = trail.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn no_module_reaches_a_module_that_reaches_it_back() {
    let graph = imports();
    assert!(graph.len() > 50, "the source tree was not found");
    for start in graph.keys() {
        if let Some(circle) = circle_through(start, &graph) {
            panic!("an import circle: {} → {start}", circle.join(" → "));
        }
    }
}

/// The same imports between top-level modules (`handlers`, `repo`, …): a folder and
/// its files are one room.
fn rooms(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    let room = |m: &str| m.split("::").next().unwrap_or_default().to_owned();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, targets) in graph {
        let from = room(name);
        let entry = out.entry(from.clone()).or_default();
        entry.extend(targets.iter().map(|t| room(t)).filter(|t| *t != from));
    }
    out
}

#[test]
fn no_top_level_module_reaches_one_that_reaches_it_back() {
    let graph = rooms(&imports());
    for start in graph.keys() {
        if let Some(circle) = circle_through(start, &graph) {
            panic!("an import circle: {} → {start}", circle.join(" → "));
        }
    }
}

#[test]
fn no_handler_uses_another_handler() {
    let graph = imports();
    for (name, targets) in &graph {
        if !name.starts_with("handlers::") {
            continue;
        }
        let siblings: Vec<&String> = targets
            .iter()
            .filter(|t| t.starts_with("handlers::"))
            .collect();
        assert!(siblings.is_empty(), "{name} uses {siblings:?}");
    }
}

#[test]
fn only_the_entry_points_answer_requests_and_pages() {
    let graph = imports();
    for (name, targets) in &graph {
        for top in ["app", "cron"] {
            assert!(
                !targets.contains(top) || name.is_empty(),
                "{name} uses {top}, which only the entry points call"
            );
        }
        if !["app", ""].contains(&name.as_str()) {
            assert!(!targets.contains("pages"), "{name} uses pages");
        }
    }
}

#[test]
fn use_lists_are_read_whole() {
    let paths = crate_paths("use crate::repo::{self, audit::{Actor, Entry}, ports};");
    assert!(paths.contains(&"repo".to_owned()), "{paths:?}");
    assert!(
        paths.contains(&"repo::audit::Actor".to_owned()),
        "{paths:?}"
    );
    assert!(paths.contains(&"repo::ports".to_owned()), "{paths:?}");
}
