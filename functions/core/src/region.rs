//! GB/T 2260 administrative region codes, and the scopes of regional offices.
//!
//! A code is six digits: province (2), prefecture (2), county (2). The province table
//! is complete; prefecture and county parts are checked for form only (the full
//! county-level table changes every year and is not needed to scope a region).

use std::fmt;
use std::str::FromStr;

use crate::serde_str::serde_as_string;
use crate::text::normalize_identifier;

/// A province-level division (province, autonomous region, municipality, SAR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Province {
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
}

impl Province {
    /// The province's code, `PP0000`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The short Chinese name (北京, 内蒙古, …).
    #[must_use]
    pub fn name_zh(&self) -> &'static str {
        self.name_zh
    }

    /// The English name.
    #[must_use]
    pub fn name_en(&self) -> &'static str {
        self.name_en
    }
}

const fn province(code: &'static str, name_zh: &'static str, name_en: &'static str) -> Province {
    Province {
        code,
        name_zh,
        name_en,
    }
}

/// The 34 province-level divisions of GB/T 2260, in code order.
pub const PROVINCES: [Province; 34] = [
    province("110000", "北京", "Beijing"),
    province("120000", "天津", "Tianjin"),
    province("130000", "河北", "Hebei"),
    province("140000", "山西", "Shanxi"),
    province("150000", "内蒙古", "Inner Mongolia"),
    province("210000", "辽宁", "Liaoning"),
    province("220000", "吉林", "Jilin"),
    province("230000", "黑龙江", "Heilongjiang"),
    province("310000", "上海", "Shanghai"),
    province("320000", "江苏", "Jiangsu"),
    province("330000", "浙江", "Zhejiang"),
    province("340000", "安徽", "Anhui"),
    province("350000", "福建", "Fujian"),
    province("360000", "江西", "Jiangxi"),
    province("370000", "山东", "Shandong"),
    province("410000", "河南", "Henan"),
    province("420000", "湖北", "Hubei"),
    province("430000", "湖南", "Hunan"),
    province("440000", "广东", "Guangdong"),
    province("450000", "广西", "Guangxi"),
    province("460000", "海南", "Hainan"),
    province("500000", "重庆", "Chongqing"),
    province("510000", "四川", "Sichuan"),
    province("520000", "贵州", "Guizhou"),
    province("530000", "云南", "Yunnan"),
    province("540000", "西藏", "Xizang (Tibet)"),
    province("610000", "陕西", "Shaanxi"),
    province("620000", "甘肃", "Gansu"),
    province("630000", "青海", "Qinghai"),
    province("640000", "宁夏", "Ningxia"),
    province("650000", "新疆", "Xinjiang"),
    province("710000", "台湾", "Taiwan"),
    province("810000", "香港", "Hong Kong"),
    province("820000", "澳门", "Macao"),
];

/// Cities under separate state planning (计划单列市), which run their own IP offices
/// and may hold a prefecture-level management port.
pub const SEPARATELY_PLANNED_CITIES: [(&str, &str); 5] = [
    ("210200", "大连"),
    ("370200", "青岛"),
    ("330200", "宁波"),
    ("350200", "厦门"),
    ("440300", "深圳"),
];

/// County-level cities administered by the Xinjiang Production and Construction Corps
/// (兵团), which has no province code of its own. **Our default, configurable**: a
/// scope can carry any list of codes.
pub const XPCC_CODES: [&str; 12] = [
    "659001", "659002", "659003", "659004", "659005", "659006", "659007", "659008", "659009",
    "659010", "659011", "659012",
];

/// Whether a code is one of the XPCC's cities.
fn is_xpcc(code: RegionCode) -> bool {
    XPCC_CODES.iter().any(|c| c.parse() == Ok(code.0))
}

/// Why a string is not a valid region code or scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    /// Nothing was given.
    #[error("the region code is empty")]
    Empty,
    /// Not six digits.
    #[error("{input:?} is not a region code; a GB/T 2260 code has 6 digits, e.g. 350100")]
    Format {
        /// The normalised input.
        input: String,
    },
    /// The first two digits name no province.
    #[error("{input:?} starts with {prefix:?}, which is no province-level code in GB/T 2260")]
    UnknownProvince {
        /// The normalised input.
        input: String,
        /// The two province digits.
        prefix: String,
    },
    /// A prefecture scope was asked for with a code that names no prefecture (a county,
    /// or a `PP9000` group of county-level units that provinces administer directly).
    #[error(
        "{input} names no prefecture-level city; a city scope looks like PPCC00 with CC \
         neither 00 nor 90 (use xpcc for the Xinjiang Production and Construction Corps)"
    )]
    NotPrefecture {
        /// The code.
        input: String,
    },
}

impl RegionError {
    /// A stable machine-readable code for the rule that failed.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Format { .. } => "format",
            Self::UnknownProvince { .. } => "unknown_province",
            Self::NotPrefecture { .. } => "not_prefecture",
        }
    }
}

/// A valid six-digit region code whose province exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(u32);

/// The three levels a code can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionLevel {
    /// `PP0000`.
    Province,
    /// `PPCC00`.
    Prefecture,
    /// `PPCCDD`, with `DD` not `00`.
    County,
}

impl RegionCode {
    /// Normalises and validates a code.
    ///
    /// # Errors
    ///
    /// Empty, not six digits, or an unknown province.
    pub fn parse(input: &str) -> Result<Self, RegionError> {
        let code = normalize_identifier(input);
        if code.is_empty() {
            return Err(RegionError::Empty);
        }
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionError::Format { input: code });
        }
        let value: u32 = code.parse().map_err(|_| RegionError::Format {
            input: code.clone(),
        })?;
        let region = Self(value);
        if province_of(value).is_none() {
            let prefix = code.get(..2).unwrap_or_default().to_owned();
            return Err(RegionError::UnknownProvince {
                input: code,
                prefix,
            });
        }
        Ok(region)
    }

    /// The province the code lies in.
    #[must_use]
    pub fn province(&self) -> &'static Province {
        // Construction guarantees a known province; the fallback is never reached.
        province_of(self.0).unwrap_or(&PROVINCES[0])
    }

    /// The code's level.
    #[must_use]
    pub fn level(&self) -> RegionLevel {
        if self.0.is_multiple_of(10_000) {
            RegionLevel::Province
        } else if self.0.is_multiple_of(100) {
            RegionLevel::Prefecture
        } else {
            RegionLevel::County
        }
    }

    /// The code of the prefecture the code lies in (`PPCC00`), or `None` for a
    /// province-level code.
    #[must_use]
    pub fn prefecture(&self) -> Option<RegionCode> {
        (self.level() != RegionLevel::Province).then_some(Self(self.0 / 100 * 100))
    }

    /// The province-level code (`PP0000`).
    #[must_use]
    pub fn province_code(&self) -> RegionCode {
        Self(self.0 / 10_000 * 10_000)
    }
}

fn province_of(value: u32) -> Option<&'static Province> {
    let province_code = value / 10_000 * 10_000;
    PROVINCES
        .iter()
        .find(|p| p.code.parse() == Ok(province_code))
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl FromStr for RegionCode {
    type Err = RegionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

serde_as_string!(RegionCode);

/// The part of the country a regional office oversees. Membership is decided on the
/// enterprise's region code by its levels, never by a bare string prefix.
///
/// **Our default, configurable**: the Xinjiang province scope leaves out the XPCC's
/// cities ([`XPCC_CODES`]), which have their own office and port; confidential data
/// goes to the narrowest office that owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionScope {
    /// A whole province: every code with the same province digits (for Xinjiang, less
    /// the XPCC's cities).
    Province(RegionCode),
    /// A prefecture-level city, such as a sub-provincial city or a city under separate
    /// state planning: the city's own code and every county code under it.
    Prefecture(RegionCode),
    /// An explicit list of codes, for the XPCC, which has no code of its own.
    Codes(Vec<RegionCode>),
}

impl RegionScope {
    /// The scope of a region code: its province for `PP0000`, its city for `PPCC00`.
    ///
    /// # Errors
    ///
    /// A county-level code, which is no office's scope.
    pub fn for_code(code: RegionCode) -> Result<Self, RegionError> {
        match code.level() {
            RegionLevel::Province => Ok(Self::Province(code)),
            RegionLevel::Prefecture => Ok(Self::Prefecture(code)),
            RegionLevel::County => Err(RegionError::NotPrefecture {
                input: code.to_string(),
            }),
        }
    }

    /// The XPCC's scope, from [`XPCC_CODES`].
    #[must_use]
    pub fn xpcc() -> Self {
        Self::Codes(
            XPCC_CODES
                .iter()
                .filter_map(|c| RegionCode::parse(c).ok())
                .collect(),
        )
    }

    /// Parses `xpcc`, a province- or prefecture-level code, or a comma-separated list
    /// of codes (an explicit scope).
    ///
    /// # Errors
    ///
    /// As [`RegionCode::parse`], or a single county-level code.
    pub fn parse(input: &str) -> Result<Self, RegionError> {
        let text = normalize_identifier(input);
        if text == "XPCC" {
            return Ok(Self::xpcc());
        }
        if text.contains(',') {
            let codes = text
                .split(',')
                .map(RegionCode::parse)
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Self::Codes(codes));
        }
        Self::for_code(RegionCode::parse(&text)?)
    }

    /// The scope's canonical text: its code, `xpcc`, or a comma-separated code list;
    /// [`RegionScope::parse`] reads it back.
    #[must_use]
    pub fn code(&self) -> String {
        match self {
            Self::Province(code) | Self::Prefecture(code) => code.to_string(),
            Self::Codes(_) if *self == Self::xpcc() => "xpcc".to_owned(),
            Self::Codes(codes) => codes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// The longest prefix that every code of the scope starts with: it narrows a
    /// database query, whose rows [`Self::contains`] then decides exactly (Xinjiang's
    /// scope shares its prefix with the XPCC's cities, which it leaves out).
    #[must_use]
    pub fn code_prefix(&self) -> String {
        match self {
            Self::Province(code) => code.to_string().chars().take(2).collect(),
            Self::Prefecture(code) => code.to_string().chars().take(4).collect(),
            Self::Codes(codes) => {
                let texts: Vec<String> = codes.iter().map(ToString::to_string).collect();
                let Some(first) = texts.first() else {
                    return String::new();
                };
                let shared = (0..first.len())
                    .take_while(|&i| {
                        texts
                            .iter()
                            .all(|t| t.as_bytes().get(i) == first.as_bytes().get(i))
                    })
                    .count();
                first.chars().take(shared).collect()
            }
        }
    }

    /// Whether an enterprise registered at `code` is in this scope.
    #[must_use]
    pub fn contains(&self, code: RegionCode) -> bool {
        match self {
            Self::Province(province) => code.province_code() == *province && !is_xpcc(code),
            Self::Prefecture(city) => code.prefecture() == Some(*city),
            Self::Codes(codes) => codes.contains(&code),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn code_prefixes_narrow_to_the_scope() {
        let prefix = |s: &str| RegionScope::parse(s).expect(s).code_prefix();
        assert_eq!(prefix("440000"), "44");
        assert_eq!(prefix("440300"), "4403");
        assert_eq!(prefix("440301,440303"), "44030");
        assert!(prefix("xpcc").starts_with("65"), "{}", prefix("xpcc"));
        assert_eq!(RegionScope::Codes(Vec::new()).code_prefix(), "");
    }

    #[test]
    fn province_table_is_well_formed() {
        assert_eq!(PROVINCES.len(), 34);
        for (i, p) in PROVINCES.iter().enumerate() {
            let parsed = code(p.code());
            assert_eq!(parsed.level(), RegionLevel::Province, "{}", p.code());
            assert_eq!(parsed.province(), p);
            if let Some(next) = PROVINCES.get(i + 1) {
                assert!(p.code() < next.code(), "table out of order at {}", p.code());
            }
        }
    }

    #[test]
    fn parses_and_looks_up() {
        let cases = [
            ("350100", "福建", RegionLevel::Prefecture),
            ("440305", "广东", RegionLevel::County),
            ("650000", "新疆", RegionLevel::Province),
            ("６５９００１", "新疆", RegionLevel::County),
            (" 110101 ", "北京", RegionLevel::County),
        ];
        for (input, province, level) in cases {
            let region = code(input);
            assert_eq!(region.province().name_zh(), province, "{input}");
            assert_eq!(region.level(), level, "{input}");
        }
        assert_eq!(code("440305").prefecture(), Some(code("440300")));
        assert_eq!(code("440000").prefecture(), None);
        assert_eq!(code("440305").to_string(), "440305");
    }

    #[test]
    fn rejects_by_rule() {
        let cases = [
            ("", "empty"),
            ("35010", "format"),
            ("3501000", "format"),
            ("35O100", "format"),
            ("990000", "unknown_province"),
            ("160100", "unknown_province"),
        ];
        for (input, rule) in cases {
            let err = RegionCode::parse(input).expect_err(input);
            assert_eq!(err.code(), rule, "{input}: {err}");
        }
    }

    #[test]
    fn scopes_contain_by_level() {
        let shandong = RegionScope::parse("370000").expect("province");
        let qingdao = RegionScope::parse("370200").expect("city");
        let xpcc = RegionScope::parse("XPCC").expect("xpcc");
        let xinjiang = RegionScope::parse("650000").expect("province");
        let cases = [
            (&shandong, "370211", true),
            (&shandong, "370000", true),
            (&shandong, "320100", false),
            (&qingdao, "370200", true),
            (&qingdao, "370211", true),
            (&qingdao, "370000", false),
            (&qingdao, "370100", false),
            // Same string prefix "3702" but another level of the tree is not enough:
            // 370000 is the province, not the city.
            (&qingdao, "372000", false),
            (&xpcc, "659001", true),
            (&xpcc, "650100", false),
            (&xpcc, "659099", false),
            // The XPCC's cities belong to the XPCC's scope, not Xinjiang's.
            (&xinjiang, "659001", false),
            (&xinjiang, "650100", true),
        ];
        for (scope, region, want) in cases {
            assert_eq!(
                scope.contains(code(region)),
                want,
                "{scope:?} contains {region}"
            );
        }
        assert_eq!(
            RegionScope::parse("370211").expect_err("county").code(),
            "not_prefecture"
        );
    }

    #[test]
    fn named_city_codes_are_prefectures() {
        for (c, _) in SEPARATELY_PLANNED_CITIES {
            assert_eq!(code(c).level(), RegionLevel::Prefecture, "{c}");
        }
        assert_eq!(
            XPCC_CODES.len(),
            match RegionScope::xpcc() {
                RegionScope::Codes(codes) => codes.len(),
                other => panic!("{other:?}"),
            }
        );
    }

    proptest! {
        #[test]
        fn parse_format_round_trip(province in 0..PROVINCES.len(), rest in 0u32..10_000) {
            let code = format!("{}{rest:04}", &PROVINCES[province].code()[..2]);
            let region = RegionCode::parse(&code).expect("known province");
            prop_assert_eq!(region.to_string(), code);
            prop_assert_eq!(RegionCode::parse(&region.to_string()).expect("canonical"), region);
            prop_assert_eq!(region.province(), &PROVINCES[province]);
            let in_province = RegionScope::Province(region.province_code()).contains(region);
            prop_assert_eq!(in_province, !is_xpcc(region));
        }
    }
}
