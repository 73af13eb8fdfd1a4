//! The JSON bodies of the filing routes, decoded by the Worker's own decoder into the
//! Worker's own request types and checked by the same rules: a filing or its edit
//! (`FilingIn`, `FilingUpdateIn`, then `check_filing` as a draft and as a submission),
//! a patent (`PatentIn`, then `validate_patent`) and an annual update. Any bytes: a
//! typed refusal, never a panic.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use ppr_core::PatentNumber;
use ppr_core::holding::LegalStatus;
use ppr_core::product::{Completeness, FilingContext, FilingData, check_filing};
use ppr_worker::body::decode_json;
use ppr_worker::handlers::filings::{FilingIn, FilingUpdateIn};
use ppr_worker::handlers::patents::{PatentIn, validate_patent};
use ppr_worker::handlers::products::AnnualUpdateIn;

fuzz_target!(|data: &[u8]| {
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
    let patents: Vec<(PatentNumber, LegalStatus)> = ["ZL202310001234.5", "202320012345.X"]
        .iter()
        .filter_map(|n| PatentNumber::parse(n, 2026).ok())
        .map(|n| (n, LegalStatus::Valid))
        .collect();
    let ctx = FilingContext {
        today,
        patents: &patents,
        evidence: &[1, 2],
    };
    let check = |filing: &FilingData| {
        let _ = check_filing(filing, Completeness::Draft, &ctx);
        let _ = check_filing(filing, Completeness::Complete, &ctx);
    };
    if let Ok(FilingIn { data: Some(filing), .. }) = decode_json::<FilingIn>(data) {
        check(&filing);
    }
    if let Ok(FilingUpdateIn { data: Some(filing), .. }) = decode_json::<FilingUpdateIn>(data) {
        check(&filing);
    }
    if let Ok(filing) = decode_json::<FilingData>(data) {
        check(&filing);
    }
    if let Ok(patent) = decode_json::<PatentIn>(data) {
        let _ = validate_patent(&patent, today);
    }
    let _ = decode_json::<AnnualUpdateIn>(data);
});
