use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn number(s: &str) -> PatentNumber {
    PatentNumber::parse(s, 2026).expect("number")
}

fn complete() -> FilingData {
    FilingData {
        name: Some("锂电池管理系统".into()),
        model: Some("BMS-200".into()),
        field: Some("03".into()),
        description: Some("A battery management system.\nSecond line.".into()),
        first_marketed_on: Some("2021-05-01".into()),
        manufacture_region: Some("440300".into()),
        patents: vec![
            LinkedPatentIn {
                number: "201080063196.9".into(),
                core: true,
                contribution_pct: 60,
            },
            LinkedPatentIn {
                number: "ZL 2012 2 0687633.0".into(),
                core: false,
                contribution_pct: 40,
            },
        ],
        economics: Some(EconomicsIn {
            year: 2025,
            sales: 1_000_000,
            exports: 200_000,
            profit: -5_000,
            ip_investment: 30_000,
        }),
        opt_in: true,
        evidence: vec![7],
    }
}

fn check(data: &FilingData, completeness: Completeness) -> Vec<(String, &'static str)> {
    let patents = [
        (number("201080063196.9"), LegalStatus::Valid),
        (number("201220687633.0"), LegalStatus::Valid),
        (number("90101673.X"), LegalStatus::Lapsed),
    ];
    let ctx = FilingContext {
        today: date(2026, 11, 26),
        patents: &patents,
        evidence: &[7, 8],
    };
    check_filing(data, completeness, &ctx)
        .into_iter()
        .map(|p| (p.field, p.code))
        .collect()
}

#[test]
fn a_complete_filing_passes() {
    assert_eq!(check(&complete(), Completeness::Complete), vec![]);
}

#[test]
fn an_empty_draft_passes_and_cannot_be_submitted() {
    assert_eq!(check(&FilingData::default(), Completeness::Draft), vec![]);
    let fields: Vec<String> = check(&FilingData::default(), Completeness::Complete)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "model",
            "field",
            "description",
            "first_marketed_on",
            "manufacture_region",
            "patents",
            "economics",
            "evidence"
        ]
    );
}

#[test]
fn each_rule_names_its_field() {
    type Edit = fn(&mut FilingData);
    let cases: [(Edit, &str, &str); 16] = [
        (|d| d.name = Some(" ".into()), "name", "required"),
        (|d| d.model = Some("a\u{1}".into()), "model", "control_char"),
        (|d| d.field = Some("08".into()), "field", "unknown_field"),
        (
            |d| d.description = Some("x".repeat(2001)),
            "description",
            "too_long",
        ),
        (
            |d| d.first_marketed_on = Some("2021-13-01".into()),
            "first_marketed_on",
            "date",
        ),
        (
            |d| d.first_marketed_on = Some("2027-01-01".into()),
            "first_marketed_on",
            "future_date",
        ),
        (
            |d| d.manufacture_region = Some("999999".into()),
            "manufacture_region",
            "unknown_province",
        ),
        (
            |d| d.patents[1].number = "201080063196.9".into(),
            "patents[1].number",
            "duplicate",
        ),
        (
            |d| d.patents[1].number = "90101673.X".into(),
            "patents[1].number",
            "patent_not_valid",
        ),
        (
            |d| d.patents[1].number = "201310000001.2".into(),
            "patents[1].number",
            "check_digit",
        ),
        (
            |d| d.patents[1].contribution_pct = 41,
            "patents",
            "contribution_total",
        ),
        (
            |d| d.patents[0].contribution_pct = -1,
            "patents[0].contribution_pct",
            "range",
        ),
        (
            |d| set_economics(d, |e| e.exports = e.sales + 1),
            "economics.exports",
            "exports_over_sales",
        ),
        (
            |d| set_economics(d, |e| e.year = 2026),
            "economics.year",
            "wrong_year",
        ),
        (|d| d.evidence = vec![9], "evidence[0]", "unknown_document"),
        (|d| d.evidence = vec![7, 7], "evidence[1]", "duplicate"),
    ];
    for (edit, field, code) in cases {
        let mut data = complete();
        edit(&mut data);
        let problems = check(&data, Completeness::Complete);
        assert!(
            problems.iter().any(|(f, c)| f == field && *c == code),
            "{field} {code}: got {problems:?}"
        );
    }
}

fn set_economics(data: &mut FilingData, edit: fn(&mut EconomicsIn)) {
    if let Some(e) = data.economics.as_mut() {
        edit(e);
    }
}

#[test]
fn unregistered_patents_are_named() {
    let mut data = complete();
    let digits = "201310000001";
    data.patents[0].number = format!("{digits}.{}", crate::patent::check_char(digits));
    assert_eq!(check(&data, Completeness::Draft), vec![]);
    let problems = check(&data, Completeness::Complete);
    assert_eq!(
        problems,
        vec![("patents[0].number".to_owned(), "not_registered")]
    );
}

#[test]
fn economics_alone() {
    let good = EconomicsIn {
        year: 2025,
        sales: 10,
        exports: 10,
        profit: 10,
        ip_investment: 0,
    };
    assert!(check_economics(&good, 2025).is_empty());
    let bad = EconomicsIn {
        profit: 11,
        ip_investment: -1,
        ..good
    };
    let codes: Vec<_> = check_economics(&bad, 2025)
        .into_iter()
        .map(|p| (p.field, p.code))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("ip_investment".to_owned(), "range"),
            ("profit".to_owned(), "profit_over_sales")
        ]
    );
}

#[test]
fn return_reasons_name_filing_fields() {
    assert!(is_reviewable_field("patents[2].number"));
    assert!(is_reviewable_field("economics.sales"));
    assert!(!is_reviewable_field("password"));
    assert!(!is_reviewable_field(""));
}
