//! SQL is built only from the code's own text, never from a value: every value goes
//! to D1 as a bound parameter (`?1`, `?2`, … through [`super::statement`]). This test
//! reads the Worker's sources and fails on SQL assembled from anything else.
//!
//! The rules: a `format!` whose text is SQL may only splice UPPER_CASE constants (the
//! column lists and queries written in the code) or one of the few reviewed names in
//! [`REVIEWED`], each of which takes its text from a fixed list; no positional `{}` or
//! `{0}`; and nothing but [`super::statement`] (and the schema probe) calls `prepare`.
//! It reads `format!` only: SQL is never assembled with `push_str`, `+` or `write!`
//! in this code, and a review that sees one should extend the check.

use std::fs;
use std::path::{Path, PathBuf};

/// Lower-case names spliced into SQL, by file, each checked by reading the code: the
/// text comes from a constant list in the same file or a `&'static str`.
const REVIEWED: &[(&str, &str)] = &[
    // `for query in STATISTICS`: the constant statistics queries.
    ("repo/port_data.rs", "query"),
    // `total_sql: &'static str`: the constant count queries of round_work.
    ("repo/rounds.rs", "total_sql"),
    // `["round_values", "round_benchmarks", "round_entries"].iter()`.
    ("repo/round_entries.rs", "table"),
    // `list_query`: `select` is `COLUMNS` or "1"; `from` one of two fixed joins;
    // `filter` joins fixed conditions whose values are bound (`?n`, numbered in the
    // code); `tail` the fixed order and the bound limit; `inner` that whole query.
    ("repo/public.rs", "select"),
    ("repo/public.rs", "from"),
    ("repo/public.rs", "filter"),
    ("repo/public.rs", "tail"),
    ("repo/public.rs", "inner"),
    // `for query in COUNT_QUERIES`: the constant statistics counts.
    ("repo/open_data.rs", "query"),
    // A table name from the database's own schema (`sqlite_master`), spliced only
    // after `is_plain_sql_name` accepted it, inside double quotes.
    ("repo/backups.rs", "table"),
    // Built from those names only: `key` and `order` (`key_list`: the key's quoted
    // column names), `upper` and `lower` (`key_bound`: `json_extract(?n, '$[i]')`),
    // `rowid` (one of two fixed texts), `columns` (the high-mark subqueries joined).
    ("repo/backups.rs", "key"),
    ("repo/backups.rs", "order"),
    ("repo/backups.rs", "upper"),
    ("repo/backups.rs", "lower"),
    ("repo/backups.rs", "rowid"),
    ("repo/backups.rs", "columns"),
];

/// Files that may call `prepare` directly.
const PREPARE_ALLOWED: &[&str] = &["repo/mod.rs", "repo/schema.rs"];

const SQL_WORDS: &[&str] = &[
    "SELECT ", "INSERT ", "UPDATE ", "DELETE ", " WHERE ", "VALUES", " FROM ",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text of the string literal at the start of `rest` (plain or raw), if any.
fn literal(rest: &str) -> Option<&str> {
    let rest = rest.trim_start();
    if let Some(body) = rest.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return body.get(..i),
                _ => escaped = false,
            }
        }
        return None;
    }
    let raw = rest.strip_prefix('r')?;
    let hashes = raw.len() - raw.trim_start_matches('#').len();
    let body = raw.get(hashes..)?.strip_prefix('"')?;
    let end = format!("\"{}", "#".repeat(hashes));
    body.find(&end).and_then(|i| body.get(..i))
}

/// The `{…}` placeholders of a format string (`{{` escapes skipped), name only.
fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' {
            if chars.peek() == Some(&'{') {
                chars.next();
                continue;
            }
            let inner: String = chars.by_ref().take_while(|c| *c != '}').collect();
            out.push(
                inner
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            );
        }
    }
    out
}

/// What is wrong in `source` (`file` is its path under `src/`).
fn problems(file: &str, source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in source.match_indices("format!(") {
        let Some(text) = source.get(at + "format!(".len()..).and_then(literal) else {
            continue;
        };
        // The code writes SQL keywords in capitals, and messages do not.
        if !SQL_WORDS.iter().any(|w| text.contains(w)) {
            continue;
        }
        let line = source.get(..at).map_or(0, |s| s.lines().count());
        for name in placeholders(text) {
            let constant = name.starts_with(|c: char| c.is_ascii_uppercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            let reviewed = REVIEWED.contains(&(file, name.as_str()));
            if !constant && !reviewed {
                found.push(format!(
                    "{file}:{line}: SQL built with {{{name}}}; bind the value as a parameter"
                ));
            }
        }
    }
    if !PREPARE_ALLOWED.contains(&file) && source.contains(".prepare(") {
        found.push(format!(
            "{file}: calls prepare directly; use repo::statement with bound parameters"
        ));
    }
    found
}

#[test]
fn sql_is_built_only_from_the_codes_own_text() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    assert!(
        files.len() > 20,
        "sources not found under {}",
        root.display()
    );
    let mut found = Vec::new();
    for path in files {
        let file = path
            .strip_prefix(&root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if file == "repo/sql_check.rs" {
            continue;
        }
        let source = fs::read_to_string(&path).unwrap_or_default();
        found.extend(problems(&file, &source));
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_check_catches_spliced_values() {
    let bad = r#"let sql = format!("SELECT id FROM users WHERE email = '{email}'");"#;
    assert_eq!(problems("repo/x.rs", bad).len(), 1);
    let positional = r#"format!("DELETE FROM t WHERE id = {}", id)"#;
    assert_eq!(problems("repo/x.rs", positional).len(), 1);
    let numbered = r#"format!("DELETE FROM t WHERE id = {0}", id)"#;
    assert_eq!(problems("repo/x.rs", numbered).len(), 1);
    let raw = "format!(r\"UPDATE t SET a = 1 WHERE b = {b}\")";
    assert_eq!(problems("repo/x.rs", raw).len(), 1);
    let prepare = "db.prepare(&sql)";
    assert_eq!(problems("handlers/x.rs", prepare).len(), 1);
    let good = r#"format!("SELECT {COLUMNS} FROM t WHERE id = ?1")"#;
    assert!(problems("repo/x.rs", good).is_empty());
    let message = r#"format!("check these fields: {}", names)"#;
    assert!(problems("repo/x.rs", message).is_empty());
}
