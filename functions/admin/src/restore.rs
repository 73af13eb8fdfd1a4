//! `ppr-admin restore-sql ROOT ID`: the SQL that loads backup ID into a database the
//! migrations just created, from the backup's objects downloaded under ROOT at their
//! R2 keys (`ROOT/backups/{id}/manifest.json` and the chunks it lists). Used by
//! `scripts/restore-backup`.
//!
//! Before writing anything it checks the backup: the manifest's format, every chunk's
//! SHA-256 and row count, and each table's rows against the manifest's count. The SQL
//! empties every table the backup holds (what the migrations seeded included), loads
//! the rows parents first with their rowids, and rebuilds the search index from the
//! products and their enterprises' names, as recording a product writes it
//! (`ppr_core::search::index_text`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Read as _, Write};
use std::path::Path;

use anyhow::{Context as _, Result, bail, ensure};
use flate2::read::GzDecoder;
use ppr_core::text::is_plain_sql_name;
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

/// The manifest format this reads.
const FORMAT: u32 = 1;

/// Above this many bytes, an `INSERT` is closed and the next begins (D1 takes
/// statements of up to 100 KB).
const STATEMENT_BYTES: usize = 60_000;

#[derive(Debug, Deserialize)]
struct Manifest {
    format: u32,
    id: i64,
    tables: Vec<Table>,
    chunks: Vec<Chunk>,
}

#[derive(Debug, Deserialize)]
struct Table {
    name: String,
    columns: Vec<String>,
    rowid: bool,
    rows: i64,
}

#[derive(Debug, Deserialize)]
struct Chunk {
    table_name: String,
    key: String,
    rows: i64,
    sha256: String,
}

/// A row read back, keyed by column, with its rowid as `__rowid`.
type Row = Map<String, Value>;

/// Writes the SQL restoring backup `id` from the objects under `root`.
///
/// # Errors
///
/// A file is missing or unreadable, or the backup does not match its manifest.
pub fn write_sql(root: &Path, id: i64, out: &mut impl Write) -> Result<()> {
    let manifest_path = root.join(format!("backups/{id:08}/manifest.json"));
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(&manifest_path)
            .with_context(|| format!("read {}", manifest_path.display()))?,
    )
    .context("the manifest is not the expected JSON")?;
    ensure!(
        manifest.format == FORMAT,
        "manifest format {} (this restores {FORMAT})",
        manifest.format
    );
    ensure!(
        manifest.id == id,
        "the manifest is of backup {}",
        manifest.id
    );
    for table in &manifest.tables {
        ensure!(
            is_plain_sql_name(&table.name) && table.columns.iter().all(|c| is_plain_sql_name(c)),
            "a table or column name in the manifest is not a plain identifier: {}",
            table.name
        );
    }
    writeln!(out, "PRAGMA defer_foreign_keys = on;")?;
    for table in manifest.tables.iter().rev() {
        writeln!(out, "DELETE FROM \"{}\";", table.name)?;
    }
    let mut enterprises: HashMap<i64, String> = HashMap::new();
    let mut products: Vec<(i64, String, String, i64)> = Vec::new();
    for table in &manifest.tables {
        let mut count = 0;
        let mut insert = Insert::new(table);
        for chunk in manifest
            .chunks
            .iter()
            .filter(|c| c.table_name == table.name)
        {
            let rows = read_chunk(root, chunk)?;
            for row in &rows {
                insert.row(row, out)?;
                remember(&table.name, row, &mut enterprises, &mut products);
            }
            count += i64::try_from(rows.len())?;
        }
        insert.close(out)?;
        ensure!(
            count == table.rows,
            "{}: {count} rows in its chunks, {} in the manifest",
            table.name,
            table.rows
        );
    }
    write_search(&enterprises, &products, out)
}

/// Reads a chunk and checks it against the manifest.
fn read_chunk(root: &Path, chunk: &Chunk) -> Result<Vec<Row>> {
    ensure!(
        !chunk.key.contains("..") && !chunk.key.starts_with('/'),
        "a chunk key leaves the backup: {}",
        chunk.key
    );
    let path = root.join(&chunk.key);
    let bytes = std::fs::read(&path).with_context(|| format!("read {}", path.display()))?;
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
    ensure!(
        digest == chunk.sha256,
        "{}: SHA-256 {digest}, the manifest says {}",
        chunk.key,
        chunk.sha256
    );
    let mut text = String::new();
    GzDecoder::new(bytes.as_slice())
        .read_to_string(&mut text)
        .with_context(|| format!("{}: not gzip-compressed UTF-8", chunk.key))?;
    let rows = text
        .lines()
        .map(|line| serde_json::from_str::<Row>(line).context("a row is not a JSON object"))
        .collect::<Result<Vec<_>>>()
        .with_context(|| chunk.key.clone())?;
    ensure!(
        i64::try_from(rows.len())? == chunk.rows,
        "{}: {} rows, the manifest says {}",
        chunk.key,
        rows.len(),
        chunk.rows
    );
    Ok(rows)
}

/// What the search index is rebuilt from.
fn remember(
    table: &str,
    row: &Row,
    enterprises: &mut HashMap<i64, String>,
    products: &mut Vec<(i64, String, String, i64)>,
) {
    let text = |key: &str| {
        row.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let int = |key: &str| row.get(key).and_then(Value::as_i64).unwrap_or_default();
    match table {
        "enterprises" => {
            enterprises.insert(int("id"), text("name"));
        }
        "products" => products.push((int("id"), text("name"), text("model"), int("enterprise_id"))),
        _ => {}
    }
}

/// The search index of every product: its name, model and enterprise's name.
fn write_search(
    enterprises: &HashMap<i64, String>,
    products: &[(i64, String, String, i64)],
    out: &mut impl Write,
) -> Result<()> {
    writeln!(out, "DELETE FROM product_search;")?;
    let mut statement = String::new();
    for (id, name, model, enterprise) in products {
        let enterprise = enterprises.get(enterprise).map_or("", String::as_str);
        let terms = ppr_core::search::index_text(&[name, model, enterprise]);
        statement.push_str(if statement.is_empty() {
            "INSERT INTO product_search (rowid, terms) VALUES\n"
        } else {
            ",\n"
        });
        write!(statement, "({id}, {})", literal(&terms)?)?;
        if statement.len() > STATEMENT_BYTES {
            writeln!(out, "{statement};")?;
            statement.clear();
        }
    }
    if !statement.is_empty() {
        writeln!(out, "{statement};")?;
    }
    Ok(())
}

/// A multi-row `INSERT` into one table, closed when it grows large.
struct Insert<'a> {
    table: &'a Table,
    statement: String,
}

impl<'a> Insert<'a> {
    fn new(table: &'a Table) -> Self {
        Self {
            table,
            statement: String::new(),
        }
    }

    fn head(&self) -> String {
        let mut columns: Vec<String> = Vec::new();
        if self.table.rowid {
            columns.push("rowid".to_owned());
        }
        columns.extend(self.table.columns.iter().map(|c| format!("\"{c}\"")));
        format!(
            "INSERT INTO \"{}\" ({}) VALUES\n",
            self.table.name,
            columns.join(", ")
        )
    }

    fn row(&mut self, row: &Row, out: &mut impl Write) -> Result<()> {
        let mut values = Vec::new();
        if self.table.rowid {
            values.push(value(row.get("__rowid").unwrap_or(&Value::Null))?);
        }
        for column in &self.table.columns {
            values.push(value(row.get(column).unwrap_or(&Value::Null))?);
        }
        if self.statement.is_empty() {
            self.statement = self.head();
        } else {
            self.statement.push_str(",\n");
        }
        write!(self.statement, "({})", values.join(", "))?;
        if self.statement.len() > STATEMENT_BYTES {
            self.close(out)?;
        }
        Ok(())
    }

    fn close(&mut self, out: &mut impl Write) -> Result<()> {
        if !self.statement.is_empty() {
            writeln!(out, "{};", self.statement)?;
            self.statement.clear();
        }
        Ok(())
    }
}

/// A value as a SQL literal.
fn value(value: &Value) -> Result<String> {
    Ok(match value {
        Value::Null => "NULL".to_owned(),
        Value::Bool(b) => i32::from(*b).to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => literal(s)?,
        Value::Array(_) | Value::Object(_) => bail!("a column holds a JSON structure"),
    })
}

/// A SQL string literal: single quotes doubled; a NUL cannot be written in SQL text.
fn literal(text: &str) -> Result<String> {
    ensure!(!text.contains('\0'), "a text value holds a NUL character");
    Ok(format!("'{}'", text.replace('\'', "''")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_sql_literals() {
        assert_eq!(value(&Value::Null).unwrap(), "NULL");
        assert_eq!(value(&serde_json::json!(12)).unwrap(), "12");
        assert_eq!(value(&serde_json::json!(1.5)).unwrap(), "1.5");
        assert_eq!(
            value(&serde_json::json!("O'Neil 电池")).unwrap(),
            "'O''Neil 电池'"
        );
        assert!(value(&serde_json::json!("a\0b")).is_err());
        assert!(value(&serde_json::json!([1])).is_err());
    }

    #[test]
    fn a_table_with_its_own_rowid_keeps_it() {
        let table = Table {
            name: "certificates".to_owned(),
            columns: vec!["code".to_owned(), "year".to_owned()],
            rowid: true,
            rows: 1,
        };
        let mut insert = Insert::new(&table);
        let row: Row =
            serde_json::from_str(r#"{"__rowid": 7, "code": "PI", "year": 2026}"#).unwrap();
        let mut out = Vec::new();
        insert.row(&row, &mut out).unwrap();
        insert.close(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "INSERT INTO \"certificates\" (rowid, \"code\", \"year\") VALUES\n(7, 'PI', 2026);\n"
        );
    }
}
