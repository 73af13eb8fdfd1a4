//! What someone typed into a lookup box: a registration number, a USCC, a patent
//! number or a certificate code, told apart by their shapes and checked by their own
//! parsers, so a lookup jumps straight to the right page.

use crate::certificate::CertificateCode;
use crate::patent::PatentNumber;
use crate::regnum::RegistrationNumber;
use crate::text::normalize_identifier;
use crate::uscc::Uscc;

/// An identifier recognised in a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    /// A product's registration number.
    Registration(RegistrationNumber),
    /// An enterprise's Unified Social Credit Code.
    Uscc(Uscc),
    /// A patent application number.
    Patent(PatentNumber),
    /// A certificate's verification code.
    Certificate(CertificateCode),
}

/// Recognises `input`, or `None` when it is none of them (or one mistyped: the check
/// characters tell).
#[must_use]
pub fn classify(input: &str) -> Option<Identifier> {
    let normal = normalize_identifier(input);
    if normal.starts_with("PI") {
        return CertificateCode::parse(input)
            .ok()
            .map(Identifier::Certificate);
    }
    if normal.starts_with("PR") {
        return RegistrationNumber::parse(input)
            .ok()
            .map(Identifier::Registration);
    }
    if let Ok(uscc) = Uscc::parse(input) {
        return Some(Identifier::Uscc(uscc));
    }
    input.parse::<PatentNumber>().ok().map(Identifier::Patent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_examples_are_valid() {
        assert!(matches!(
            classify("PR2026-44-000123-X"),
            Some(Identifier::Registration(_))
        ));
        assert!(matches!(
            classify("PI2026-7KQM-3XDP-9TNA-C"),
            Some(Identifier::Certificate(_))
        ));
    }

    #[test]
    fn tells_the_identifiers_apart() {
        let kind = |s: &str| match classify(s) {
            Some(Identifier::Registration(_)) => "registration",
            Some(Identifier::Uscc(_)) => "uscc",
            Some(Identifier::Patent(_)) => "patent",
            Some(Identifier::Certificate(_)) => "certificate",
            None => "none",
        };
        let code = CertificateCode::from_random(2026, [1, 2, 3, 4, 5, 6, 7, 8]).to_string();
        let number = RegistrationNumber::new(2026, 44, 123)
            .expect("number")
            .to_string()
            .to_lowercase();
        let mistyped = number.replace("000123", "000124");
        let cases = [
            (number.as_str(), "registration"),
            ("91350100M000100Y43", "uscc"),
            ("９１３５０１００Ｍ０００１００Ｙ４３", "uscc"),
            ("ZL201080063196.9", "patent"),
            ("201080063196.9", "patent"),
            (code.as_str(), "certificate"),
            (mistyped.as_str(), "none"),
            ("91350100M000100Y4Z", "none"),
            ("电池", "none"),
            ("", "none"),
        ];
        for (input, want) in cases {
            assert_eq!(kind(input), want, "{input}");
        }
    }
}
