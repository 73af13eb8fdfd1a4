use proptest::prelude::*;

use super::*;

/// Completes 16 characters into a valid code by computing both check characters.
fn make_valid(first16: &str) -> String {
    let org_check = org_code_check_char(&first16[8..16]).expect("org code chars");
    let first17 = format!("{first16}{org_check}");
    let check = uscc_check_char(&first17).expect("alphabet chars");
    format!("{first17}{check}")
}

#[test]
fn domain_vectors() {
    let valid =
        Uscc::parse("91350100M000100Y43").expect("the valid test vector of docs/DOMAIN.md §6.2");
    assert_eq!(valid.as_str(), "91350100M000100Y43");
    assert_eq!(valid.area_code(), "350100");
    assert_eq!(valid.organisation_code(), "M000100Y4");
    assert_eq!(valid.check_char(), '3');
    assert!(valid.is_enterprise());
    assert_eq!(valid.region().map(|r| r.province().code()), Some("350000"));

    let err = Uscc::parse("91350100M000100Y4Z")
        .expect_err("the invalid test vector of docs/DOMAIN.md §6.2");
    assert_eq!(
        err,
        UsccError::CheckChar {
            input: "91350100M000100Y4Z".into(),
            expected: '3',
            found: 'Z'
        }
    );
    assert!(err.to_string().contains("should be '3'"), "{err}");
}

#[test]
fn rejects_by_rule() {
    let cases = [
        ("", "empty"),
        ("   ", "empty"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100M000100I43", "invalid_char"),
        ("91350100M000100O43", "invalid_char"),
        ("9135010-M000100Y43", "invalid_char"),
        ("91350100M00010 Y43", "invalid_char"),
        ("9135A100M000100Y43", "area_code"),
        ("91350100M000100Y53", "org_code_check"),
        ("91350100M000100Y40", "check_char"),
    ];
    for (input, code) in cases {
        let err = Uscc::parse(input).expect_err(input);
        assert_eq!(err.code(), code, "{input:?}: {err}");
    }
}

#[test]
fn invalid_char_names_position() {
    let err = Uscc::parse("91350100M000100I43").expect_err("I is not in the alphabet");
    assert!(
        matches!(
            err,
            UsccError::InvalidChar {
                position: 16,
                found: 'I',
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn normalises_before_checking() {
    for input in [
        "９１３５０１００Ｍ０００１００Ｙ４３",
        " 91350100m000100y43 ",
        "\u{3000}91350100M000100Y43",
    ] {
        let uscc = Uscc::parse(input).expect(input);
        assert_eq!(uscc.to_string(), "91350100M000100Y43");
    }
}

#[test]
fn built_codes_are_valid() {
    for first16 in [
        "9144030071526726",
        "91110108MA01KP3Q",
        "12100000400000XY",
        "9165900100000000",
    ] {
        let code = make_valid(first16);
        let uscc = Uscc::parse(&code).unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(uscc.as_str(), code);
    }
}

/// Every single-character substitution is caught: the GB 32100 weights are non-zero
/// modulo the prime 31, so any change of one value changes the sum; characters outside
/// the alphabet are caught before that.
#[test]
fn every_single_substitution_is_caught() {
    let codes = [
        "91350100M000100Y43".to_owned(),
        make_valid("9144030071526726"),
        make_valid("91110108MA01KP3Q"),
    ];
    let replacements: Vec<char> = USCC_ALPHABET.chars().chain("IOSVZ-#".chars()).collect();
    for code in &codes {
        for position in 0..USCC_LEN {
            for &replacement in &replacements {
                let mut chars: Vec<char> = code.chars().collect();
                if chars[position] == replacement {
                    continue;
                }
                chars[position] = replacement;
                let corrupted: String = chars.into_iter().collect();
                assert!(
                    Uscc::parse(&corrupted).is_err(),
                    "{corrupted} (from {code}, position {}) was accepted",
                    position + 1
                );
            }
        }
    }
}

#[test]
fn serde_round_trip_validates() {
    let uscc: Uscc = serde_json::from_str("\"91350100M000100Y43\"").expect("valid");
    assert_eq!(
        serde_json::to_string(&uscc).expect("serialise"),
        "\"91350100M000100Y43\""
    );
    assert!(serde_json::from_str::<Uscc>("\"91350100M000100Y4Z\"").is_err());
}

fn first16_strategy() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = USCC_ALPHABET.chars().collect();
    (
        prop::sample::select(alphabet.clone()),
        prop::sample::select(alphabet.clone()),
        "[0-9]{6}",
        prop::collection::vec(prop::sample::select(alphabet), 8),
    )
        .prop_map(|(a, b, area, org)| {
            let org: String = org.into_iter().collect();
            format!("{a}{b}{area}{org}")
        })
}

proptest! {
    #[test]
    fn parse_format_round_trip(first16 in first16_strategy()) {
        let code = make_valid(&first16);
        let uscc = Uscc::parse(&code).expect("built valid");
        prop_assert_eq!(Uscc::parse(&uscc.to_string()).expect("canonical parses"), uscc.clone());
        let lower = format!(" {} ", code.to_lowercase());
        prop_assert_eq!(Uscc::parse(&lower).expect("lower case parses"), uscc);
    }
}
