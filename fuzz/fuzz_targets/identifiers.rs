//! The identifier parsers: USCC, patent and application numbers, region codes and
//! scopes, registration numbers, certificate codes. Any input: no panic, and whatever
//! parses reads back as itself from its canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ppr_core::certificate::CertificateCode;
use ppr_core::region::{RegionCode, RegionScope};
use ppr_core::regnum::RegistrationNumber;
use ppr_core::{PatentNumber, Uscc};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(uscc) = Uscc::parse(text) {
        assert_eq!(Uscc::parse(&uscc.to_string()).ok(), Some(uscc));
    }
    for year in [2026, 1985, 2100] {
        if let Ok(number) = PatentNumber::parse(text, year) {
            assert_eq!(PatentNumber::parse(&number.to_string(), year).ok(), Some(number));
        }
    }
    if let Ok(code) = RegionCode::parse(text) {
        assert_eq!(RegionCode::parse(&code.to_string()).ok(), Some(code));
    }
    if let Ok(scope) = RegionScope::parse(text) {
        assert_eq!(RegionScope::parse(&scope.code()).ok(), Some(scope));
    }
    if let Ok(number) = RegistrationNumber::parse(text) {
        assert_eq!(RegistrationNumber::parse(&number.to_string()).ok(), Some(number));
    }
    if let Ok(code) = CertificateCode::parse(text) {
        assert_eq!(CertificateCode::parse(&code.to_string()).ok(), Some(code));
    }
});
