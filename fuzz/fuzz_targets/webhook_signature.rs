//! The webhook signature verifier (Standard Webhooks). Any secret text, headers and
//! payload: no panic. A message signed with a secret verifies with it, and the same
//! message with one payload byte changed does not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ppr_core::webhook::{Secret, sign, verify};

const NOW: i64 = 1_790_000_000;

fuzz_target!(|data: &[u8]| {
    // Fields split on 0xFF: secret text, message id, timestamp, signature header, payload.
    let mut parts = data.splitn(5, |b| *b == 0xFF);
    let mut text = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (secret_text, msg_id, timestamp, header) = (text(), text(), text(), text());
    let payload = parts.next().unwrap_or_default();

    if let Ok(secret) = Secret::parse(&secret_text) {
        let _ = verify(&secret, &msg_id, &timestamp, &header, payload, NOW);
    }

    // The round trip, with a key made from the input's first 32 bytes.
    let mut key = [0_u8; 32];
    for (slot, byte) in key.iter_mut().zip(data) {
        *slot = *byte;
    }
    let secret = Secret::from_random(key);
    let signed = sign(&secret, &msg_id, NOW, payload);
    let stamp = NOW.to_string();
    assert!(verify(&secret, &msg_id, &stamp, &signed, payload, NOW).is_ok());
    if let Some((first, rest)) = payload.split_first() {
        let mut tampered = vec![first ^ 0x01];
        tampered.extend_from_slice(rest);
        assert!(verify(&secret, &msg_id, &stamp, &signed, &tampered, NOW).is_err());
    }
});
