use proptest::prelude::*;

use super::*;

const YEAR: i32 = 2026;

fn parse(input: &str) -> Result<PatentNumber, PatentNumberError> {
    PatentNumber::parse(input, YEAR)
}

#[test]
fn domain_vectors() {
    let cases = [
        ("201080063196.9", 2010, PatentType::PctInvention, "0063196"),
        ("201220687633.0", 2012, PatentType::UtilityModel, "0687633"),
        ("90101673.X", 1990, PatentType::Invention, "01673"),
    ];
    for (input, year, patent_type, serial) in cases {
        let number = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(number.to_string(), input);
        assert_eq!(number.application_year(), year, "{input}");
        assert_eq!(number.patent_type(), patent_type, "{input}");
        assert_eq!(number.serial(), serial, "{input}");
    }
}

#[test]
fn accepts_written_variants() {
    let cases = [
        ("CN201080063196.9", "201080063196.9"),
        ("ZL201080063196.9", "201080063196.9"),
        ("ZL 201080063196.9", "201080063196.9"),
        ("zl201220687633.0", "201220687633.0"),
        ("2010 8 0063196.9", "201080063196.9"),
        ("2010 80063196.9", "201080063196.9"),
        ("20108 0063196.9", "201080063196.9"),
        ("2010800631969", "201080063196.9"),
        ("90101673x", "90101673.X"),
        ("90 1 01673.x", "90101673.X"),
        ("CN90101673.X", "90101673.X"),
        ("２０１０８００６３１９６．９", "201080063196.9"),
        ("ＺＬ２０１２２０６８７６３３．０", "201220687633.0"),
        ("  201080063196.9\u{3000}", "201080063196.9"),
    ];
    for (input, canonical) in cases {
        let number = parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(number.to_string(), canonical, "{input:?}");
    }
}

#[test]
fn rejects_by_rule() {
    let cases = [
        ("", "empty"),
        ("CN102822194B", "publication_number"),
        ("CN 102822194 B", "publication_number"),
        ("CN102822194 B", "publication_number"),
        ("CN102822194", "publication_number"),
        ("CN300123456D", "publication_number"),
        ("201080063196X.9", "invalid_char"),
        ("90101673X.", "invalid_char"),
        ("102822194B", "publication_number"),
        ("CN1234567A", "publication_number"),
        ("CN212345678U", "publication_number"),
        ("2010800631A6.9", "invalid_char"),
        ("201080063196.99", "invalid_char"),
        ("201080063196.A", "invalid_char"),
        ("201080063196.", "missing_check"),
        ("201080063196", "missing_check"),
        ("20108006319.6", "length"),
        ("2010800631966.9", "length"),
        ("2010  80063196.9", "spacing"),
        ("201 080063196.9", "spacing"),
        ("2010800 63196.9", "spacing"),
        ("201050063196.9", "type_digit"),
        ("200280063196.9", "year"),
        ("203080063196.9", "year"),
        ("04101673.X", "year"),
        ("201080063196.8", "check_digit"),
        ("90101673.1", "check_digit"),
    ];
    for (input, code) in cases {
        let err = parse(input).expect_err(input);
        assert_eq!(err.code(), code, "{input:?}: {err}");
    }
}

#[test]
fn errors_name_the_fix() {
    let err = parse("201080063196.8").expect_err("wrong check");
    assert!(err.to_string().contains("should be '9'"), "{err}");
    let err = parse("201080063196").expect_err("no check");
    assert!(err.to_string().contains(".9"), "{err}");
    let err = parse("CN102822194B").expect_err("publication number");
    assert!(err.to_string().contains("publication number"), "{err}");
    let err = parse("2010800631A6.9").expect_err("letter");
    assert!(
        matches!(
            err,
            PatentNumberError::InvalidChar {
                position: 11,
                found: 'A',
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn old_year_errors_name_the_written_year() {
    let err = parse("84101673.X").expect_err("84 is before the patent law");
    assert!(
        matches!(err, PatentNumberError::Year { year: 1984, .. }),
        "{err:?}"
    );
}

#[test]
fn declared_kind_must_match_the_type_digit() {
    let pct_invention = parse("201080063196.9").expect("valid");
    assert!(
        pct_invention
            .check_declared_kind(PatentKind::Invention)
            .is_ok()
    );
    let err = pct_invention
        .check_declared_kind(PatentKind::UtilityModel)
        .expect_err("mismatch");
    assert_eq!(err.code(), "type_mismatch");
    assert!(
        err.to_string().contains("declared a utility_model"),
        "{err}"
    );
    let utility = parse("201220687633.0").expect("valid");
    assert!(
        utility
            .check_declared_kind(PatentKind::UtilityModel)
            .is_ok()
    );
    assert!(utility.check_declared_kind(PatentKind::Design).is_err());
}

#[test]
fn year_is_bounded_by_the_current_year() {
    let number = format!("{0}.{1}", "202610000001", check_char("202610000001"));
    assert!(PatentNumber::parse(&number, 2026).is_ok());
    assert_eq!(
        PatentNumber::parse(&number, 2025)
            .expect_err("future")
            .code(),
        "year"
    );
}

#[test]
fn kinds_follow_type_digits() {
    assert_eq!(PatentType::PctInvention.kind(), PatentKind::Invention);
    assert_eq!(PatentType::PctUtilityModel.kind(), PatentKind::UtilityModel);
    assert_eq!(PatentType::Design.kind(), PatentKind::Design);
    for digit in ['1', '2', '3', '8', '9'] {
        let patent_type = PatentType::from_digit(digit).expect("type digit");
        assert_eq!(patent_type.digit(), digit);
    }
    for digit in ['0', '4', '5', '6', '7'] {
        assert_eq!(PatentType::from_digit(digit), None);
    }
}

/// A single changed digit is always caught: every weight is non-zero modulo the prime
/// 11 and a digit moves by 1–9, so the sum moves; year and type rules catch some first.
#[test]
fn every_single_substitution_is_caught() {
    for valid in [
        "201080063196.9",
        "201220687633.0",
        "90101673.X",
        "201310000001.1",
    ] {
        assert!(parse(valid).is_ok(), "{valid} must be valid to start from");
        let chars: Vec<char> = valid.chars().collect();
        for (position, &original) in chars.iter().enumerate() {
            if original == '.' {
                continue;
            }
            for replacement in "0123456789X".chars().filter(|&c| c != original) {
                let mut corrupted = chars.clone();
                corrupted[position] = replacement;
                let corrupted: String = corrupted.into_iter().collect();
                assert!(
                    parse(&corrupted).is_err(),
                    "{corrupted} (from {valid}) was accepted"
                );
            }
        }
    }
}

fn canonical_strategy() -> impl Strategy<Value = String> {
    let new = (
        2003..=YEAR,
        prop::sample::select(vec!['1', '2', '3', '8', '9']),
        0u32..10_000_000,
    )
        .prop_map(|(year, t, serial)| format!("{year}{t}{serial:07}"));
    let old = (
        prop::sample::select(vec![85, 86, 90, 95, 99, 0, 1, 2, 3]),
        prop::sample::select(vec!['1', '2', '3', '8', '9']),
        0u32..100_000,
    )
        .prop_map(|(yy, t, serial)| format!("{yy:02}{t}{serial:05}"));
    prop_oneof![new, old].prop_map(|digits| format!("{digits}.{}", check_char(&digits)))
}

/// Writes a canonical number the way people do: prefixes, no dot, lower case,
/// full-width digits.
fn decorate(canonical: &str, prefix: usize, drop_dot: bool, full_width: bool) -> String {
    let mut text = ["", "CN", "ZL", "zl ", "ZL "][prefix % 5].to_owned();
    text.push_str(&canonical.to_lowercase());
    if drop_dot {
        text = text.replace('.', "");
    }
    if full_width {
        text = text
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() {
                    char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
                } else {
                    c
                }
            })
            .collect();
    }
    text
}

proptest! {
    #[test]
    fn parse_format_round_trip(canonical in canonical_strategy()) {
        let number = parse(&canonical).expect("built valid");
        prop_assert_eq!(number.to_string(), canonical.clone());
        prop_assert_eq!(parse(&number.to_string()).expect("canonical parses"), number);
    }

    #[test]
    fn variants_reach_the_canonical_form(
        canonical in canonical_strategy(),
        prefix in 0usize..5,
        drop_dot: bool,
        full_width: bool,
    ) {
        let written = decorate(&canonical, prefix, drop_dot, full_width);
        let number = parse(&written).map_err(|e| TestCaseError::fail(format!("{written:?}: {e}")))?;
        prop_assert_eq!(number.to_string(), canonical);
    }
}
