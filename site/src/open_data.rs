//! The open-data files: every public product record as CSV and as JSON, and a schema
//! describing both. Public fields only: they are made from the snapshot, which holds
//! nothing else.

use crate::data::Product;

/// The CSV columns: (name, meaning in Chinese, meaning in English).
pub const COLUMNS: [(&str, &str, &str); 16] = [
    ("registration_number", "备案号", "Registration number"),
    ("name", "产品名称", "Product name"),
    ("model", "型号规格", "Model"),
    ("field_code", "领域代码", "Product field code"),
    ("field_name", "领域名称", "Product field (Chinese)"),
    ("enterprise_uscc", "企业统一社会信用代码", "Enterprise USCC"),
    ("enterprise_name", "企业名称", "Enterprise name"),
    (
        "region_code",
        "企业所在地区代码",
        "Enterprise region code (GB/T 2260)",
    ),
    ("province", "省份", "Province (Chinese)"),
    (
        "status",
        "状态（recorded 已备案，revoked 已撤销）",
        "Status: recorded or revoked",
    ),
    ("recorded_year", "备案年度", "Year recorded"),
    ("recorded_at", "备案时间（UTC）", "Recorded at (UTC)"),
    ("revoked_at", "撤销时间（UTC）", "Revoked at (UTC)"),
    (
        "years_recorded",
        "已备案数据年度（分号分隔）",
        "Years with figures on record (semicolon-separated)",
    ),
    (
        "identified_years",
        "认定年度（分号分隔）",
        "Years identified (semicolon-separated)",
    ),
    (
        "patents",
        "关联专利：专利号|类型|核心（分号分隔）",
        "Linked patents: number|type|core (semicolon-separated)",
    ),
];

fn years(list: &[i64]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(";")
}

/// The CSV file: UTF-8 with a byte-order mark (so spreadsheet programs read the
/// Chinese right), a header row, one row per product in registration-number order.
#[must_use]
pub fn csv(products: &[&Product]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(
        &COLUMNS
            .iter()
            .map(|(name, _, _)| *name)
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
    for p in products {
        let patents = p
            .patents
            .iter()
            .map(|x| format!("{}|{}|{}", x.number, x.kind, if x.core { 1 } else { 0 }))
            .collect::<Vec<_>>()
            .join(";");
        let row = [
            p.registration_number.clone(),
            p.name.clone(),
            p.model.clone(),
            p.field.code.clone(),
            p.field.name_zh.clone(),
            p.enterprise.uscc.clone(),
            p.enterprise.name.clone(),
            p.enterprise.region.code.clone(),
            p.enterprise.region.province_zh.clone(),
            p.status.clone(),
            p.recorded_year.to_string(),
            p.recorded_at.clone(),
            p.revoked_at.clone().unwrap_or_default(),
            years(&p.years_recorded),
            years(&p.identified_years),
            patents,
        ];
        out.push_str(
            &row.iter()
                .map(|c| ppr_core::csv::cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

/// The JSON file: the records as the export gives them, with the data time.
///
/// # Errors
///
/// Serialising failed (a bug).
pub fn json(products: &[&Product], taken_at: &str) -> serde_json::Result<String> {
    serde_json::to_string(&serde_json::json!({
        "taken_at": taken_at,
        "count": products.len(),
        "products": products,
    }))
}

/// A JSON Schema of the JSON file, with the CSV columns described beside it.
///
/// # Errors
///
/// Serialising failed (a bug).
pub fn schema(taken_at: &str) -> serde_json::Result<String> {
    let text = serde_json::json!({"type": "string"});
    let years = serde_json::json!({"type": "array", "items": {"type": "integer"}});
    let doc = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Public product records of the patent product registry",
        "description": "products.json: every public product record; products.csv has the same records as rows (see x-csv-columns). Public fields only: economic figures, contribution shares, documents and contact data are never published.",
        "x-data-as-of": taken_at,
        "type": "object",
        "required": ["taken_at", "count", "products"],
        "properties": {
            "taken_at": {"type": "string", "format": "date-time"},
            "count": {"type": "integer"},
            "products": {"type": "array", "items": {
                "type": "object",
                "required": ["registration_number", "name", "model", "field", "enterprise", "status", "recorded_year", "recorded_at", "years_recorded", "identified_years", "patents"],
                "properties": {
                    "registration_number": text, "name": text, "model": text,
                    "field": {"type": "object", "properties": {"code": text, "name_zh": text, "name_en": text}},
                    "enterprise": {"type": "object", "properties": {"uscc": text, "name": text, "region": {"type": "object", "properties": {"code": text, "province": text, "province_zh": text, "province_en": text}}}},
                    "status": {"enum": ["recorded", "revoked"]},
                    "recorded_year": {"type": "integer"},
                    "recorded_at": {"type": "string", "format": "date-time"},
                    "revoked_at": {"type": ["string", "null"]},
                    "years_recorded": years, "identified_years": years,
                    "patents": {"type": "array", "items": {"type": "object", "properties": {
                        "number": text, "kind": {"enum": ["invention", "utility_model", "design"]},
                        "pct": {"type": "boolean"}, "title": text, "core": {"type": "boolean"}}}}
                }
            }}
        },
        "x-csv-columns": COLUMNS.iter().map(|(name, zh, en)| serde_json::json!({"name": name, "zh": zh, "en": en})).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&doc)
}
