//! `POST /api/v1/validate`: check a USCC and/or patent numbers with the core's rules and
//! answer per value: the canonical form and parsed parts, or the rule that failed.
//!
//! Invalid values are answers, not errors: the response is 200 with `valid: false` per
//! value. Errors (4xx) are for requests that are malformed or over the limits.

use ppr_core::patent::NumberFormat;
use ppr_core::{PatentNumber, Uscc};
use serde::{Deserialize, Serialize};

use crate::ctx::Ctx;
use crate::error::{ApiError, FieldIssue};
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] =
    &[operation!(POST "/api/v1/validate", post_validate(ctx, body), Roles::Anyone)];

/// Patent numbers one call may check. A product links a handful of patents and a large
/// portfolio a few hundred; 1,000 covers any filing while keeping a call's CPU time
/// far below the Worker's limit (about 1 µs a number natively).
pub const MAX_PATENT_NUMBERS: usize = 1_000;

/// The longest value worth parsing: the longest valid form (`ZL 2010 8 0063196.9` with
/// full-width characters normalised) is under 24 characters; 64 leaves room for stray
/// spaces without letting one value fill the response with echoes.
pub const MAX_VALUE_CHARS: usize = 64;

/// The request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateIn {
    /// A Unified Social Credit Code.
    #[serde(default)]
    pub uscc: Option<String>,
    /// Patent application numbers.
    #[serde(default)]
    pub patent_numbers: Option<Vec<String>>,
}

/// The answer for one value.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ValueOut<P> {
    /// The value as sent.
    pub input: String,
    /// Whether it passed every rule.
    pub valid: bool,
    /// The canonical form, when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
    /// Its parts, when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<P>,
    /// The rule it broke, when invalid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ValueError>,
}

/// A broken rule.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ValueError {
    /// Stable code of the rule (`check_char`, `publication_number`, …).
    pub code: &'static str,
    /// What is wrong, naming the value and the rule.
    pub message: String,
}

/// The parts of a valid USCC.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct UsccParts {
    /// Position 1.
    pub registering_authority: String,
    /// Position 2.
    pub entity_category: String,
    /// Positions 3–8.
    pub area_code: String,
    /// The area code's province, when it names a known one.
    pub province: Option<ProvinceOut>,
    /// Positions 9–17.
    pub organisation_code: String,
    /// Position 18.
    pub check_char: String,
}

/// A province, by code and names.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ProvinceOut {
    /// `PP0000`.
    pub code: &'static str,
    /// Chinese name.
    pub name_zh: &'static str,
    /// English name.
    pub name_en: &'static str,
}

/// The parts of a valid patent number.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct PatentParts {
    /// `new` (12 digits, from 2003-10-01) or `old` (8 digits).
    pub format: &'static str,
    /// Four-digit application year.
    pub application_year: i32,
    /// The type digit's meaning (`invention`, `pct_invention`, …).
    pub patent_type: &'static str,
    /// The legal kind (`invention`, `utility_model`, `design`).
    pub kind: &'static str,
    /// Serial within year and type.
    pub serial: String,
    /// Check character.
    pub check: String,
}

/// Counts over all values.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Values that passed.
    pub valid: usize,
    /// Values that did not.
    pub invalid: usize,
}

/// The response.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ValidateOut {
    /// The USCC's answer, when one was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uscc: Option<ValueOut<UsccParts>>,
    /// One answer per patent number, in the order sent, when any were sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patent_numbers: Option<Vec<ValueOut<PatentParts>>>,
    /// Counts.
    pub summary: Summary,
}

/// Validates the request's values; `current_year` (Asia/Shanghai) bounds patent years.
///
/// # Errors
///
/// 422 when nothing was sent or more than [`MAX_PATENT_NUMBERS`] numbers.
pub fn validate(input: ValidateIn, current_year: i32) -> Result<ValidateOut, ApiError> {
    let numbers = input.patent_numbers.unwrap_or_default();
    if input.uscc.is_none() && numbers.is_empty() {
        return Err(ApiError::validation(
            "nothing to validate: send uscc, patent_numbers, or both",
            vec![FieldIssue::new(
                "uscc",
                "nothing_to_validate",
                "send uscc, patent_numbers, or both",
            )],
        ));
    }
    if numbers.len() > MAX_PATENT_NUMBERS {
        let message = format!(
            "{} patent numbers sent; at most {MAX_PATENT_NUMBERS} per call, split the list",
            numbers.len()
        );
        return Err(ApiError::validation(
            message.clone(),
            vec![FieldIssue::new("patent_numbers", "too_many", message)],
        ));
    }
    let uscc = input.uscc.map(check_uscc);
    let patent_numbers: Vec<_> = numbers
        .into_iter()
        .map(|n| check_patent(n, current_year))
        .collect();
    let valid = usize::from(uscc.as_ref().is_some_and(|u| u.valid))
        + patent_numbers.iter().filter(|p| p.valid).count();
    let total = usize::from(uscc.is_some()) + patent_numbers.len();
    Ok(ValidateOut {
        uscc,
        patent_numbers: (!patent_numbers.is_empty()).then_some(patent_numbers),
        summary: Summary {
            valid,
            invalid: total - valid,
        },
    })
}

fn too_long(input: &str) -> Option<ValueError> {
    let chars = input.chars().count();
    (chars > MAX_VALUE_CHARS).then(|| ValueError {
        code: "too_long",
        message: format!(
            "the value has {chars} characters; no identifier is longer than {MAX_VALUE_CHARS}"
        ),
    })
}

fn invalid<P>(input: String, error: ValueError) -> ValueOut<P> {
    ValueOut {
        input,
        valid: false,
        canonical: None,
        parts: None,
        error: Some(error),
    }
}

fn check_uscc(input: String) -> ValueOut<UsccParts> {
    if let Some(error) = too_long(&input) {
        return invalid(input, error);
    }
    match Uscc::parse(&input) {
        Ok(uscc) => {
            let province = uscc.region().map(|r| {
                let p = r.province();
                ProvinceOut {
                    code: p.code(),
                    name_zh: p.name_zh(),
                    name_en: p.name_en(),
                }
            });
            let parts = UsccParts {
                registering_authority: uscc.registering_authority().to_string(),
                entity_category: uscc.entity_category().to_string(),
                area_code: uscc.area_code().to_owned(),
                province,
                organisation_code: uscc.organisation_code().to_owned(),
                check_char: uscc.check_char().to_string(),
            };
            ValueOut {
                input,
                valid: true,
                canonical: Some(uscc.to_string()),
                parts: Some(parts),
                error: None,
            }
        }
        Err(e) => {
            let error = ValueError {
                code: e.code(),
                message: e.to_string(),
            };
            invalid(input, error)
        }
    }
}

fn check_patent(input: String, current_year: i32) -> ValueOut<PatentParts> {
    if let Some(error) = too_long(&input) {
        return invalid(input, error);
    }
    match PatentNumber::parse(&input, current_year) {
        Ok(number) => {
            let patent_type = number.patent_type();
            let parts = PatentParts {
                format: match number.format() {
                    NumberFormat::New => "new",
                    NumberFormat::Old => "old",
                },
                application_year: number.application_year(),
                patent_type: patent_type.code(),
                kind: patent_type.kind().code(),
                serial: number.serial().to_owned(),
                check: number.check().to_string(),
            };
            ValueOut {
                input,
                valid: true,
                canonical: Some(number.to_string()),
                parts: Some(parts),
                error: None,
            }
        }
        Err(e) => {
            let error = ValueError {
                code: e.code(),
                message: e.to_string(),
            };
            invalid(input, error)
        }
    }
}

/// The handler: decode, validate against the Asia/Shanghai year of `now_millis`, reply.
///
/// # Errors
///
/// As [`crate::body::decode_json`] and [`validate`].
pub async fn post_validate(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let input: ValidateIn = crate::body::decode_json(body)?;
    let out = validate(input, ppr_core::calendar::business_year(ctx.now))?;
    Reply::json(200, &out, CachePolicy::NoStore)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(uscc: Option<&str>, numbers: &[&str]) -> Result<ValidateOut, ApiError> {
        let input = ValidateIn {
            uscc: uscc.map(str::to_owned),
            patent_numbers: (!numbers.is_empty())
                .then(|| numbers.iter().map(|s| (*s).to_owned()).collect()),
        };
        validate(input, 2026)
    }

    #[test]
    fn answers_per_value() {
        let out = run(
            Some("91350100M000100Y43"),
            &["ZL201080063196.9", "CN102822194B"],
        )
        .expect("ok");
        let uscc = out.uscc.expect("uscc");
        assert!(uscc.valid);
        assert_eq!(
            uscc.parts.expect("parts").province.map(|p| p.name_en),
            Some("Fujian")
        );
        let numbers = out.patent_numbers.expect("numbers");
        assert_eq!(numbers[0].canonical.as_deref(), Some("201080063196.9"));
        assert_eq!(
            numbers[0].parts.as_ref().map(|p| p.patent_type),
            Some("pct_invention")
        );
        assert_eq!(
            numbers[1].error.as_ref().map(|e| e.code),
            Some("publication_number")
        );
        assert_eq!(
            out.summary,
            Summary {
                valid: 2,
                invalid: 1
            }
        );
    }

    #[test]
    fn refuses_empty_and_oversized_requests() {
        assert_eq!(run(None, &[]).expect_err("empty").status, 422);
        let many = vec!["201080063196.9"; MAX_PATENT_NUMBERS + 1];
        let err = run(None, &many).expect_err("too many");
        assert_eq!(err.fields[0].code, "too_many");
        assert_eq!(
            run(None, &vec!["201080063196.9"; MAX_PATENT_NUMBERS])
                .map(|o| o.summary.valid)
                .ok(),
            Some(1000)
        );
    }

    #[test]
    fn long_values_are_refused_without_parsing() {
        let long = "9".repeat(10_000);
        let out = run(Some(&long), &[]).expect("ok");
        let error = out.uscc.and_then(|u| u.error).expect("error");
        assert_eq!(error.code, "too_long");
        assert!(error.message.len() < 200);
    }
}
