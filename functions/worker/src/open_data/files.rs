//! What the open-data files hold: a product's public record as a CSV row and as a
//! JSON Lines object (the columns of `ppr_core::open_data`), each chunk of rows as one
//! gzip member, and the data package (Frictionless) that describes the files.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::GzEncoder;
use ppr_core::open_data::COLUMNS;
use serde_json::{Value, json};

use crate::views::public::PublicProductOut;

/// The CSV file's first bytes: a byte-order mark, so spreadsheet programs read the
/// Chinese as UTF-8, and the header.
#[must_use]
pub fn csv_header() -> String {
    let names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
    format!("\u{feff}{}\r\n", names.join(","))
}

/// A product's public record as the JSON Lines object (arrays as arrays).
#[must_use]
pub fn record(p: &PublicProductOut) -> Value {
    let patents: Vec<Value> = p
        .patents
        .iter()
        .flatten()
        .map(|x| json!({"number": x.number, "kind": x.kind, "core": x.core}))
        .collect();
    json!({
        "registration_number": p.registration_number,
        "name": p.name,
        "model": p.model,
        "field_code": p.field.code,
        "field_name": p.field.name_zh.unwrap_or_default(),
        "enterprise_uscc": p.enterprise.uscc,
        "enterprise_name": p.enterprise.name,
        "region_code": p.enterprise.region.code,
        "province": p.enterprise.region.province_zh.unwrap_or_default(),
        "status": p.status,
        "recorded_year": p.recorded_year,
        "recorded_at": p.recorded_at,
        "revoked_at": p.revoked_at,
        "years_recorded": p.years_recorded,
        "identified_years": p.identified_years,
        "patents": patents,
    })
}

/// A record as a CSV row: every column in order, lists joined by `;` (a patent as
/// `number|kind|core`), every cell defused against spreadsheet formulas.
#[must_use]
pub fn csv_row(record: &Value) -> String {
    let cells: Vec<String> = COLUMNS
        .iter()
        .map(|c| {
            let value = record.get(c.name).unwrap_or(&Value::Null);
            let text = match value {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Array(items) => items
                    .iter()
                    .map(|item| match item {
                        Value::Object(_) => format!(
                            "{}|{}|{}",
                            item.get("number")
                                .and_then(Value::as_str)
                                .unwrap_or_default(),
                            item.get("kind").and_then(Value::as_str).unwrap_or_default(),
                            u8::from(item.get("core").and_then(Value::as_bool).unwrap_or(false))
                        ),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(";"),
                other => other.to_string(),
            };
            ppr_core::csv::cell(&text)
        })
        .collect();
    format!("{}\r\n", cells.join(","))
}

/// A record as a JSON Lines line, its keys in column order (readers that take the
/// first line's keys as the header then see the schema's order).
#[must_use]
pub fn json_line(record: &Value) -> String {
    let fields: Vec<String> = COLUMNS
        .iter()
        .map(|c| {
            let value = record.get(c.name).unwrap_or(&Value::Null);
            format!("{}:{value}", Value::from(c.name))
        })
        .collect();
    format!("{{{}}}\n", fields.join(","))
}

/// `text` as one gzip member. A file made of several members is one gzip file
/// (RFC 1952 §2.2): `gunzip`, Python and the other common readers read it whole.
///
/// # Errors
///
/// Compression failed (out of memory).
pub fn gzip(text: &str) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(text.len() / 4), Compression::new(6));
    encoder.write_all(text.as_bytes())?;
    encoder.finish()
}

/// A Table Schema of the columns, typed for the CSV or the JSON Lines file.
fn schema(csv: bool) -> Value {
    let fields: Vec<Value> = COLUMNS
        .iter()
        .map(|c| {
            let kind = if csv { c.csv_type } else { c.json_type };
            let constraints = match c.name {
                "status" => json!({"required": true, "enum": ["recorded", "revoked"]}),
                "registration_number" => json!({"required": true, "unique": true}),
                _ => json!({}),
            };
            json!({
                "name": c.name,
                "type": kind,
                "title": c.zh,
                "description": c.en,
                "constraints": constraints,
            })
        })
        .collect();
    json!({"fields": fields, "primaryKey": ["registration_number"], "missingValues": [""]})
}

/// The data package of a day's files: every file, its format and the schema of its
/// columns; `identified` lists the round years whose identified products have a file.
#[must_use]
pub fn datapackage(day: &str, created: &str, rows: i64, identified: &[i64]) -> Value {
    let csv = |name: &str, path: &str, title: &str| {
        json!({
            "name": name,
            "path": path,
            "title": title,
            "format": "csv",
            "mediatype": "text/csv",
            "compression": "gz",
            "encoding": "utf-8-sig",
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": true},
            "schema": schema(true),
        })
    };
    let mut resources = vec![
        csv(
            "products-csv",
            "products.csv.gz",
            "备案产品（CSV）· Registered products (CSV)",
        ),
        json!({
            "name": "products-jsonl",
            "path": "products.jsonl.gz",
            "title": "备案产品（JSON Lines）· Registered products (JSON Lines)",
            "format": "jsonl",
            "mediatype": "application/jsonl",
            "compression": "gz",
            "encoding": "utf-8",
            "schema": schema(false),
        }),
    ];
    for year in identified {
        resources.push(csv(
            &format!("identified-{year}"),
            &format!("identified-{year}.csv.gz"),
            &format!("{year} 年认定的专利密集型产品 · Identified in {year}"),
        ));
    }
    json!({
        "name": "patent-product-registry",
        "title": "专利产品备案公开数据 · Patent product registry open data",
        "description": "Every public record of the registry, recorded and revoked: public fields only; economic figures, contribution shares, documents and contact data are never published.",
        "version": day,
        "created": created,
        "x-products": rows,
        "resources": resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::public::{EnterpriseOut, FieldOut, PatentOut, RegionOut};

    fn product() -> PublicProductOut {
        PublicProductOut {
            registration_number: "PR2026-44-000123-X".into(),
            name: "=1+1 锂电池, \"Pro\"".into(),
            model: "M-1".into(),
            field: FieldOut::of("03"),
            enterprise: EnterpriseOut {
                name: "深圳 & Co".into(),
                region: RegionOut::of("440300"),
                uscc: "91440300MA5D8K1L2F".into(),
            },
            status: "recorded".into(),
            recorded_year: 2026,
            recorded_at: "2026-01-15T00:00:00Z".into(),
            revoked_at: None,
            years_recorded: vec![2025],
            identified_years: vec![2026],
            patents: Some(vec![PatentOut {
                core: true,
                kind: "invention".into(),
                number: "201080063196.9".into(),
                pct: false,
                title: "一种电池".into(),
            }]),
            url: String::new(),
        }
    }

    #[test]
    fn a_record_is_one_row_and_one_line_with_every_column() {
        let r = record(&product());
        let row = csv_row(&r);
        assert!(
            row.starts_with("PR2026-44-000123-X,\"'=1+1 锂电池, \"\"Pro\"\"\",M-1,03,"),
            "{row}"
        );
        assert!(
            row.ends_with(",2025,2026,201080063196.9|invention|1\r\n"),
            "{row}"
        );
        let text = json_line(&r);
        assert!(
            text.starts_with("{\"registration_number\":\"PR2026-44-000123-X\",\"name\":"),
            "{text}"
        );
        let line: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(line["patents"][0]["core"], true);
        assert_eq!(line["revoked_at"], Value::Null);
        assert_eq!(
            line.as_object().map(serde_json::Map::len),
            Some(COLUMNS.len())
        );
        assert!(csv_header().starts_with("\u{feff}registration_number,name,"));
    }

    #[test]
    fn members_concatenate_to_one_gzip_file() {
        use std::io::Read as _;
        let mut file = gzip("a,b\r\n").expect("gzip");
        file.extend(gzip("c,d\r\n").expect("gzip"));
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(file.as_slice())
            .read_to_string(&mut text)
            .expect("gunzip");
        assert_eq!(text, "a,b\r\nc,d\r\n");
    }
}
