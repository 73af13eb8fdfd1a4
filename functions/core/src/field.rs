//! Product fields: the seven categories of the patent-intensive industries statistical
//! classification (2019), plus `99` for products outside them. Benchmarks are computed
//! per field.

use serde::{Deserialize, Serialize};

/// A product's primary field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ProductField {
    /// `01` 信息通信技术制造业.
    IctManufacturing,
    /// `02` 信息通信技术服务业.
    IctServices,
    /// `03` 新装备制造业.
    NewEquipment,
    /// `04` 新材料制造业.
    NewMaterials,
    /// `05` 医药医疗产业.
    PharmaMedical,
    /// `06` 环保产业.
    Environmental,
    /// `07` 研发、设计和技术服务业.
    RdDesignServices,
    /// `99` other: products outside the seven categories.
    Other,
}

/// An unknown field code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a product field; use 01–07 or 99")]
pub struct FieldError {
    /// The input.
    pub input: String,
}

impl ProductField {
    /// Every field, in code order.
    pub const ALL: [ProductField; 8] = [
        Self::IctManufacturing,
        Self::IctServices,
        Self::NewEquipment,
        Self::NewMaterials,
        Self::PharmaMedical,
        Self::Environmental,
        Self::RdDesignServices,
        Self::Other,
    ];

    /// The two-digit code.
    #[must_use]
    pub fn code(self) -> &'static str {
        self.names().0
    }

    /// The Chinese name.
    #[must_use]
    pub fn name_zh(self) -> &'static str {
        self.names().1
    }

    /// The English name.
    #[must_use]
    pub fn name_en(self) -> &'static str {
        self.names().2
    }

    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::IctManufacturing => ("01", "信息通信技术制造业", "ICT manufacturing"),
            Self::IctServices => ("02", "信息通信技术服务业", "ICT services"),
            Self::NewEquipment => ("03", "新装备制造业", "New equipment manufacturing"),
            Self::NewMaterials => ("04", "新材料制造业", "New materials manufacturing"),
            Self::PharmaMedical => ("05", "医药医疗产业", "Pharmaceuticals and medical"),
            Self::Environmental => ("06", "环保产业", "Environmental protection"),
            Self::RdDesignServices => (
                "07",
                "研发、设计和技术服务业",
                "R&D, design and technical services",
            ),
            Self::Other => ("99", "其他", "Other"),
        }
    }

    /// The field for a code (`01`–`07`, `99`; surrounding spaces ignored).
    ///
    /// # Errors
    ///
    /// Any other code.
    pub fn parse(code: &str) -> Result<Self, FieldError> {
        let code = code.trim();
        Self::ALL
            .into_iter()
            .find(|f| f.code() == code)
            .ok_or_else(|| FieldError {
                input: code.to_owned(),
            })
    }
}

impl TryFrom<String> for ProductField {
    type Error = FieldError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ProductField> for String {
    fn from(field: ProductField) -> Self {
        field.code().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for field in ProductField::ALL {
            assert_eq!(ProductField::parse(field.code()), Ok(field));
            assert!(!field.name_zh().is_empty() && !field.name_en().is_empty());
        }
        assert_eq!(
            ProductField::parse("05").map(ProductField::name_zh),
            Ok("医药医疗产业")
        );
    }

    #[test]
    fn rejects_unknown_codes() {
        for code in ["", "1", "08", "00", "98", "ICT"] {
            assert!(ProductField::parse(code).is_err(), "{code}");
        }
    }

    #[test]
    fn serde_uses_codes() {
        let json = serde_json::to_string(&ProductField::NewMaterials).expect("serialise");
        assert_eq!(json, "\"04\"");
        assert_eq!(
            serde_json::from_str::<ProductField>("\"99\"").ok(),
            Some(ProductField::Other)
        );
        assert!(serde_json::from_str::<ProductField>("\"08\"").is_err());
    }
}
