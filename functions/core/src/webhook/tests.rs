//! Tests of the event types, subscriptions and event ids.

use super::*;

#[test]
fn event_types_round_trip() {
    for event_type in EventType::ALL {
        assert_eq!(EventType::parse(event_type.code()), Some(event_type));
        assert_eq!(event_type.to_string().parse(), Ok(event_type));
        let json = serde_json::to_string(&event_type).expect("serialise");
        assert_eq!(json, format!("\"{}\"", event_type.code()));
    }
    assert_eq!(EventType::parse("Filing.Submitted"), None);
    assert_eq!(EventType::parse(""), None);
    assert!(!SUBSCRIBABLE.contains(&EventType::Test));
    assert_eq!(
        EventType::ALL.get(..SUBSCRIBABLE.len()),
        Some(SUBSCRIBABLE.as_slice())
    );
}

#[test]
fn subscriptions_parse_by_rule() {
    use EventType::*;
    let list = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    let accepted: [(&[&str], &[EventType]); 3] = [
        (&["product.recorded"], &[ProductRecorded]),
        (
            &[
                "report.monthly",
                " filing.submitted ",
                "report.monthly",
                "product.revoked",
            ],
            &[FilingSubmitted, ProductRevoked, ReportMonthly],
        ),
        (
            &[
                "report.monthly",
                "identification.published",
                "product.revoked",
                "product.updated",
                "product.recorded",
                "filing.returned",
                "filing.submitted",
            ],
            &SUBSCRIBABLE,
        ),
    ];
    for (names, want) in accepted {
        assert_eq!(
            parse_event_types(&list(names)).as_deref(),
            Ok(want),
            "{names:?}"
        );
    }
    let refused: [(&[&str], &str); 4] = [
        (&[], "no_event_types"),
        (
            &["filing.submitted", "filing.approved"],
            "unknown_event_type",
        ),
        (&["FILING.SUBMITTED"], "unknown_event_type"),
        (
            &["filing.submitted", "webhook.test"],
            "test_not_subscribable",
        ),
    ];
    for (names, want) in refused {
        let err = parse_event_types(&list(names)).expect_err("refused");
        assert_eq!(err.code(), want, "{names:?}: {err}");
    }
    let err = parse_event_types(&list(&["nope"])).expect_err("unknown");
    assert!(err.to_string().contains("report.monthly"), "{err}");
}
#[test]
fn event_ids_are_hex_without_dots() {
    let cases = [
        ([0_u8; 16], "msg_00000000000000000000000000000000"),
        ([0xff; 16], "msg_ffffffffffffffffffffffffffffffff"),
        (
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xab],
            "msg_000102030405060708090a0b0c0d0eab",
        ),
    ];
    for (random, want) in cases {
        assert_eq!(event_id(random), want);
    }
}
