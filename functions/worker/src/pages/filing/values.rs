//! The filing form's values (one string per input, named by the API's field path) and
//! the filing's JSON content, both ways: what a post becomes, and what an opened
//! draft or returned filing shows.

use std::collections::BTreeMap;

use ppr_core::money::parse_typed_yuan;

/// Patent rows on an empty form; a filing with more linked patents shows them all.
pub const PATENT_ROWS: usize = 3;

/// Most patent rows a post is read with: far above any real product, and a bound on
/// what a hostile form can make the Worker read.
const MAX_PATENT_ROWS: usize = 500;

/// The form's text inputs, named as the API's fields.
const TEXT_FIELDS: [&str; 6] = [
    "name",
    "model",
    "field",
    "description",
    "first_marketed_on",
    "manufacture_region",
];

/// The economic figures, under `economics.`.
pub const ECONOMICS: [&str; 4] = ["sales", "exports", "profit", "ip_investment"];

/// Every input's name on a form with `rows` patent rows, each with an empty value.
pub fn empty_values(rows: usize) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = TEXT_FIELDS
        .iter()
        .map(|f| ((*f).to_owned(), String::new()))
        .collect();
    for i in 0..rows {
        for part in ["number", "contribution_pct", "core"] {
            values.insert(format!("patents[{i}].{part}"), String::new());
        }
    }
    for f in ECONOMICS {
        values.insert(format!("economics.{f}"), String::new());
    }
    for f in ["opt_in", "evidence"] {
        values.insert(f.to_owned(), String::new());
    }
    values
}

/// How many patent rows a posted form has (`has` tells whether an input was sent):
/// rows are numbered from 0 without gaps.
pub fn patent_rows_in(has: impl Fn(&str) -> bool) -> usize {
    (0..MAX_PATENT_ROWS)
        .find(|i| !has(&format!("patents[{i}].number")))
        .unwrap_or(MAX_PATENT_ROWS)
        .max(PATENT_ROWS)
}

/// The patent rows `values` holds.
pub fn patent_rows(values: &BTreeMap<String, String>) -> usize {
    patent_rows_in(|name| values.contains_key(name))
}

/// The filing's JSON content from the form's values, and the fields that are not
/// even numbers (the API decides everything else).
pub fn content(
    values: &BTreeMap<String, String>,
    year: i32,
) -> (serde_json::Value, BTreeMap<String, String>) {
    let get = |name: &str| values.get(name).map_or("", |v| v.trim());
    let mut errors = BTreeMap::new();
    let mut data = serde_json::Map::new();
    for f in TEXT_FIELDS {
        if !get(f).is_empty() {
            data.insert(f.to_owned(), get(f).into());
        }
    }
    let mut patents = Vec::new();
    for i in 0..patent_rows(values) {
        let number = get(&format!("patents[{i}].number"));
        if number.is_empty() {
            continue;
        }
        let share_name = format!("patents[{i}].contribution_pct");
        let share = match get(&share_name) {
            "" => Some(0),
            text => text.parse::<i64>().ok(),
        };
        if share.is_none() {
            errors.insert(share_name, "a whole percentage, 0 to 100".to_owned());
        }
        patents.push(serde_json::json!({
            "number": number,
            "core": get(&format!("patents[{i}].core")) == "true",
            "contribution_pct": share.unwrap_or(0),
        }));
    }
    data.insert("patents".to_owned(), patents.into());
    if ECONOMICS
        .iter()
        .any(|f| !get(&format!("economics.{f}")).is_empty())
    {
        let mut economics = serde_json::Map::new();
        economics.insert("year".to_owned(), year.into());
        for f in ECONOMICS {
            let name = format!("economics.{f}");
            match parse_typed_yuan(get(&name)) {
                Some(n) => {
                    economics.insert(f.to_owned(), n.into());
                }
                None => {
                    errors.insert(name, "a whole number of yuan".to_owned());
                }
            }
        }
        data.insert("economics".to_owned(), economics.into());
    }
    data.insert("opt_in".to_owned(), (get("opt_in") == "true").into());
    let evidence: Vec<i64> = get("evidence").parse().ok().into_iter().collect();
    data.insert("evidence".to_owned(), evidence.into());
    (serde_json::Value::Object(data), errors)
}

/// The form's values for a stored filing's content (the inverse of [`content`]).
pub fn values_of(data: &serde_json::Value) -> BTreeMap<String, String> {
    let patents = data
        .get("patents")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut values = empty_values(patents.len().max(PATENT_ROWS));
    let text = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    for f in TEXT_FIELDS {
        values.insert(f.to_owned(), text(data.get(f)));
    }
    for (i, link) in patents.iter().enumerate() {
        values.insert(format!("patents[{i}].number"), text(link.get("number")));
        values.insert(
            format!("patents[{i}].contribution_pct"),
            text(link.get("contribution_pct")),
        );
        let core = link.get("core").and_then(serde_json::Value::as_bool) == Some(true);
        values.insert(format!("patents[{i}].core"), flag(core));
    }
    if let Some(economics) = data.get("economics") {
        for f in ECONOMICS {
            values.insert(format!("economics.{f}"), text(economics.get(f)));
        }
    }
    let opt_in = data.get("opt_in").and_then(serde_json::Value::as_bool) == Some(true);
    values.insert("opt_in".to_owned(), flag(opt_in));
    let evidence = data
        .get("evidence")
        .and_then(serde_json::Value::as_array)
        .and_then(|e| e.first());
    values.insert("evidence".to_owned(), text(evidence));
    values
}

/// A checkbox's value: `true` when ticked, empty when not.
fn flag(on: bool) -> String {
    if on { "true".to_owned() } else { String::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_becomes_the_apis_content() {
        let mut values = empty_values(PATENT_ROWS);
        for (k, v) in [
            ("name", " 储能电池 "),
            ("field", "01"),
            ("patents[0].number", "ZL201080063196.9"),
            ("patents[0].core", "true"),
            ("patents[0].contribution_pct", "60"),
            ("patents[1].contribution_pct", "30"),
            ("economics.sales", "1,200,000"),
            ("economics.exports", "0"),
            ("economics.profit", "-5 000"),
            ("economics.ip_investment", "many"),
            ("opt_in", "true"),
            ("evidence", "17"),
        ] {
            values.insert(k.to_owned(), v.to_owned());
        }
        let (data, errors) = content(&values, 2025);
        assert_eq!(data["name"], "储能电池");
        assert_eq!(
            data["patents"].as_array().map(Vec::len),
            Some(1),
            "a row without a number is skipped"
        );
        assert_eq!(data["patents"][0]["core"], true);
        assert_eq!(data["economics"]["sales"], 1_200_000);
        assert_eq!(data["economics"]["profit"], -5000);
        assert_eq!(data["economics"]["year"], 2025);
        assert_eq!(data["evidence"], serde_json::json!([17]));
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["economics.ip_investment"]
        );
        assert!(data.get("model").is_none(), "empty fields are left out");
    }

    #[test]
    fn a_stored_filing_shows_as_it_was_typed() {
        let data = serde_json::json!({
            "name": "储能电池", "field": "01",
            "patents": [
                {"number": "201080063196.9", "core": true, "contribution_pct": 60},
                {"number": "201220687633.0", "core": false, "contribution_pct": 10},
                {"number": "90101673.X", "core": false, "contribution_pct": 5},
                {"number": "201010101010.1", "core": false, "contribution_pct": 5},
            ],
            "economics": {"year": 2025, "sales": 100, "exports": 0, "profit": 7, "ip_investment": 3},
            "opt_in": true,
            "evidence": [12],
        });
        let values = values_of(&data);
        assert_eq!(patent_rows(&values), 4, "every linked patent has its row");
        assert_eq!(values["patents[3].number"], "201010101010.1");
        assert_eq!(values["patents[0].core"], "true");
        assert_eq!(values["patents[1].core"], "");
        assert_eq!(values["economics.profit"], "7");
        assert_eq!(values["evidence"], "12");
        assert_eq!(values["model"], "");
        let (again, errors) = content(&values, 2025);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(again["patents"], data["patents"]);
        assert_eq!(again["economics"], data["economics"]);
    }

    #[test]
    fn rows_are_counted_up_to_the_first_gap() {
        let sent = [
            "patents[0].number",
            "patents[1].number",
            "patents[2].number",
            "patents[3].number",
            "patents[5].number",
        ];
        assert_eq!(patent_rows_in(|n| sent.contains(&n)), 4);
        assert_eq!(patent_rows_in(|_| false), PATENT_ROWS);
        assert_eq!(patent_rows_in(|_| true), MAX_PATENT_ROWS);
    }
}
