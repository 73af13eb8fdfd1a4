//! Tests of secrets, signing and verification, pinned to the reference libraries' vectors.

use super::*;

fn secret(text: &str) -> Secret {
    Secret::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The reference libraries' vectors. The specification (`spec/standard-webhooks.md` in
/// standard-webhooks/standard-webhooks) publishes none; these come from that repository's
/// `libraries/javascript/src/webhook.test.ts` ("sign function works", also in the other
/// languages' tests) and `libraries/rust/src/lib.rs` (`test_sign`).
const VECTORS: [(&str, &str, i64, &str, &str); 2] = [
    (
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1_614_265_330,
        r#"{"test": 2432232314}"#,
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    ),
    (
        "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
        1_649_367_553,
        r#"{"email":"test@example.com","username":"test_user"}"#,
        "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
    ),
];

#[test]
fn signs_the_reference_vectors() {
    for (key, id, timestamp, payload, want) in VECTORS {
        let key = secret(key);
        assert_eq!(sign(&key, id, timestamp, payload.as_bytes()), want, "{id}");
        assert_eq!(
            verify(
                &key,
                id,
                &timestamp.to_string(),
                want,
                payload.as_bytes(),
                timestamp
            ),
            Ok(()),
            "{id}"
        );
    }
}

#[test]
fn rotation_header_carries_one_signature_per_secret() {
    let (new, old, other) = (
        Secret::from_random([1; 32]),
        Secret::from_random([2; 32]),
        Secret::from_random([3; 32]),
    );
    let header = signature_header(&[&new, &old], "msg_1", 100, b"{}");
    assert_eq!(
        header,
        format!(
            "{} {}",
            sign(&new, "msg_1", 100, b"{}"),
            sign(&old, "msg_1", 100, b"{}")
        )
    );
    for key in [&new, &old] {
        assert_eq!(verify(key, "msg_1", "100", &header, b"{}", 100), Ok(()));
    }
    let err = verify(&other, "msg_1", "100", &header, b"{}", 100).expect_err("other key");
    assert_eq!(err.code(), "signature_mismatch");
    assert_eq!(signature_header(&[], "msg_1", 100, b"{}"), "");
}

#[test]
fn verify_by_rule() {
    let (key, id, ts, payload, good) = VECTORS[0];
    let key = secret(key);
    let (t, b) = (ts.to_string(), payload.as_bytes());
    let t = t.as_str();
    let run = |id: &str, timestamp: &str, header: &str, body: &[u8], now: i64| {
        verify(&key, id, timestamp, header, body, now).map_or_else(|e| e.code(), |()| "ok")
    };
    let other_versions = format!(
        "{} {}",
        good.replace("v1,", "v2,"),
        good.replace("v1,", "v1a,")
    );
    let cases = [
        ("exact", run(id, t, good, b, ts), "ok"),
        ("at the old edge", run(id, t, good, b, ts + 300), "ok"),
        ("at the future edge", run(id, t, good, b, ts - 300), "ok"),
        (
            "a second too old",
            run(id, t, good, b, ts + 301),
            "timestamp_too_old",
        ),
        (
            "an hour too old",
            run(id, t, good, b, ts + 3_600),
            "timestamp_too_old",
        ),
        (
            "from the future",
            run(id, t, good, b, ts - 301),
            "timestamp_in_future",
        ),
        (
            "timestamp not a number",
            run(id, "yesterday", good, b, ts),
            "timestamp",
        ),
        ("empty timestamp", run(id, "", good, b, ts), "timestamp"),
        (
            "tampered body",
            run(id, t, good, br#"{"test": 2432232315}"#, ts),
            "signature_mismatch",
        ),
        (
            "tampered id",
            run("msg_other", t, good, b, ts),
            "signature_mismatch",
        ),
        (
            "tampered timestamp",
            run(id, "1614265331", good, b, ts),
            "signature_mismatch",
        ),
        (
            "truncated",
            run(id, t, good.get(..20).unwrap_or_default(), b, ts),
            "signature_mismatch",
        ),
        (
            "other versions only",
            run(id, t, &other_versions, b, ts),
            "no_signature",
        ),
        ("empty header", run(id, t, "", b, ts), "no_signature"),
        (
            "others, then v1",
            run(id, t, &format!("v1a,abc v2,abc {good}"), b, ts),
            "ok",
        ),
        (
            "bad v1s, then good",
            run(id, t, &format!("v1,bm9wZQ== v1,!!! v1, {good}"), b, ts),
            "ok",
        ),
        (
            "doubled spaces",
            run(id, t, &format!("v2,x  {good}  "), b, ts),
            "ok",
        ),
    ];
    for (case, got, want) in cases {
        assert_eq!(got, want, "{case}");
    }
}

#[test]
fn secrets_parse_with_or_without_the_prefix() {
    let with = secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let without = secret("  MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
    assert_eq!(with.encode(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    assert_eq!(without.encode(), with.encode());

    let fresh = Secret::from_random([0xa5; 32]);
    assert!(fresh.encode().starts_with(SECRET_PREFIX));
    assert_eq!(secret(&fresh.encode()).encode(), fresh.encode());
}

#[test]
fn secrets_refused_by_rule() {
    let long = format!("whsec_{}", BASE64.encode([7_u8; SECRET_MAX_BYTES + 1]));
    let short = format!("whsec_{}", BASE64.encode([7_u8; SECRET_MIN_BYTES - 1]));
    let cases = [
        ("whsec_not base64!", "secret_format"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "secret_format"),
        // URL-safe alphabet and missing padding are not the standard encoding.
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw-_", "secret_format"),
        ("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "secret_format"),
        ("whsec_", "secret_length"),
        ("", "secret_length"),
        ("whsec_c2hvcnQ=", "secret_length"),
        (&short, "secret_length"),
        (&long, "secret_length"),
    ];
    for (input, want) in cases {
        let err = Secret::parse(input).expect_err(input);
        assert_eq!(err.code(), want, "{input}: {err}");
    }
    let edge = format!("whsec_{}", BASE64.encode([7_u8; SECRET_MAX_BYTES]));
    assert!(Secret::parse(&edge).is_ok());
}

#[test]
fn secret_debug_hides_the_key() {
    let key = secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let shown = format!("{key:?} {key:#?}");
    assert!(shown.contains("Secret"), "{shown}");
    for leak in ["MfKQ", "whsec_", "49, 242"] {
        assert!(!shown.contains(leak), "{shown}");
    }
}
