//! Synthetic registry data for benchmarks, demos and the identification tests: `N`
//! recorded products with valid identifiers (USCCs, patent numbers, registration
//! numbers from the core), spread over every province and every product field, ten
//! products per enterprise, one to four patents per product (mostly inventions, some
//! utility models, a few lapsed; core flags and contribution shares varied), the
//! figures of the year before round `Y`, and the bigram search terms.
//!
//! Products opt in to round `Y` (nine in ten), and a few are made to fail a gate the
//! way real ones do: revoked (1 in 50), the year's figures missing (1 in 20), no valid
//! invention patent (1 in 25). The same `N` and `Y` always give the same data.

use std::io::Write;

use anyhow::Result;
use ppr_core::ProductField;
use ppr_core::patent::check_char;
use ppr_core::region::PROVINCES;
use ppr_core::regnum::RegistrationNumber;
use ppr_core::search::index_text;
use ppr_core::uscc::{org_code_check_char, uscc_check_char};

/// Products per enterprise.
const PER_ENTERPRISE: usize = 10;
/// Rows per INSERT statement.
const ROWS_PER_INSERT: usize = 200;

const PREFIXES: [&str; 8] = [
    "智能",
    "高效",
    "新型",
    "便携式",
    "工业级",
    "低功耗",
    "高精度",
    "模块化",
];
const CORES: [&str; 16] = [
    "锂电池",
    "存储芯片",
    "传感器",
    "光伏逆变器",
    "协作机器人",
    "显示屏",
    "重组疫苗",
    "反渗透膜",
    "防腐涂层",
    "边缘服务器",
    "激光雷达",
    "储能变流器",
    "医用导管",
    "碳纤维板",
    "射频模块",
    "污水处理剂",
];
const SUFFIXES: [&str; 5] = ["系统", "模组", "装置", "设备", "平台"];

/// A small deterministic generator (64-bit LCG), enough to spread data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let len = u64::try_from(items.len()).unwrap_or(1).max(1);
        let i = usize::try_from(self.next() % len).unwrap_or(0);
        items.get(i).copied().unwrap_or_default()
    }
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Writes the SQL that loads `products` products, their figures for `round - 1`,
/// opted in to round `round`.
///
/// # Errors
///
/// Writing failed, or an identifier could not be made (a bug).
pub fn write_sql(products: usize, round: i32, out: &mut impl Write) -> Result<()> {
    let mut rng = Lcg(20_261_126);
    let now = "2026-01-15T08:00:00.000Z";
    let figures_year = round - 1;
    let enterprises = products.div_ceil(PER_ENTERPRISE);
    let mut rows: Vec<String> = Vec::new();
    let flush = |out: &mut dyn Write, head: &str, rows: &mut Vec<String>| -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            writeln!(out, "{head} VALUES\n{};", chunk.join(",\n"))?;
        }
        rows.clear();
        Ok(())
    };
    let mut names = Vec::with_capacity(enterprises);
    for e in 0..enterprises {
        let province = PROVINCES
            .get(e % PROVINCES.len())
            .map_or("11", |p| &p.code()[..2]);
        let area = format!("{province}0100");
        let org = format!("{:08}", 10_000_000 + e);
        let org_check = org_code_check_char(&org).unwrap_or('0');
        let first17 = format!("91{area}{org}{org_check}");
        let check = uscc_check_char(&first17).unwrap_or('0');
        let name = format!("{}{}科技有限公司{e}", rng.pick(&PREFIXES), rng.pick(&CORES));
        rows.push(format!(
            "({id}, '{first17}{check}', {name}, '{area}', '联系人', 'c{e}@bench.test', '13800138000', 'verified', '{now}', '{now}')",
            id = e + 1,
            name = literal(&name),
        ));
        names.push((name, area));
    }
    flush(
        out,
        "INSERT INTO enterprises (id, uscc, name, region_code, contact_name, contact_email, contact_phone, verification_status, created_at, updated_at)",
        &mut rows,
    )?;

    let fields = ProductField::ALL;
    let mut sequences = std::collections::HashMap::new();
    let (mut patents, mut links, mut years, mut search) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut next_patent = 0usize;
    for p in 0..products {
        let id = p + 1;
        let e = p / PER_ENTERPRISE;
        let (enterprise_name, area) = names.get(e).cloned().unwrap_or_default();
        let province = area.get(0..2).unwrap_or("11").to_owned();
        let sequence = sequences.entry(province.clone()).or_insert(0u32);
        *sequence += 1;
        let year = figures_year - 2 + i32::try_from(p % 3).unwrap_or(0);
        let number =
            RegistrationNumber::new(year, province.parse().unwrap_or(11), *sequence)?.to_string();
        let field = fields.get(p % fields.len()).map_or("99", |f| f.code());
        let name = format!(
            "{}{}{}",
            rng.pick(&PREFIXES),
            rng.pick(&CORES),
            rng.pick(&SUFFIXES)
        );
        let model = format!("M{}-{}", rng.next() % 900 + 100, p);
        let status = if p % 50 == 48 { "revoked" } else { "recorded" };
        let opt_in = if p % 10 == 9 {
            "NULL".to_owned()
        } else {
            round.to_string()
        };
        rows.push(format!(
            "({id}, '{number}', {year}, '{province}', {sequence}, {eid}, '{area}', {name}, {model}, '{field}', '合成基准数据', '2020-01-01', '{area}', '{status}', {opt_in}, '{now}', '{now}')",
            eid = e + 1,
            name = literal(&name),
            model = literal(&model),
        ));
        // One to four patents; the first is core; shares add up to at most 100.
        let count = 1 + p % 4;
        let mut share_left = 100u64;
        for k in 0..count {
            next_patent += 1;
            let pid = next_patent;
            let utility = p % 25 == 23 || (p + k) % 5 == 4;
            let (kind, digit) = if utility {
                ("utility_model", 2)
            } else {
                ("invention", 1)
            };
            let yy = 10 + (p % 14);
            let digits = format!("20{yy:02}{digit}{pid:07}");
            let status = if rng.next().is_multiple_of(30) {
                "lapsed"
            } else {
                "valid"
            };
            patents.push(format!(
                "({pid}, {eid}, '{digits}.{check}', '{kind}', 0, '一种合成专利{pid}', '20{yy:02}-03-01', '2023-01-01', 'owned', '{status}', '{now}', '{now}')",
                eid = e + 1,
                check = check_char(&digits),
            ));
            let share = (5 + rng.next() % 40).min(share_left);
            share_left -= share;
            let core = k == 0 || rng.next().is_multiple_of(3);
            links.push(format!("({id}, {pid}, {}, {share})", i32::from(core)));
        }
        // Sales from 1 to 100 million yuan, spread so that medians mean something.
        let sales = 1_000_000 + (rng.next() % 1000) * (rng.next() % 1000) * 100;
        let data_year = if p % 20 == 17 {
            figures_year - 1
        } else {
            figures_year
        };
        years.push(format!(
            "({id}, {data_year}, {sales}, {x}, {f}, {i}, '{now}')",
            x = sales / 100 * (rng.next() % 40),
            f = sales / 100 * (rng.next() % 30),
            i = sales / 1000 * (1 + rng.next() % 80),
        ));
        search.push(format!(
            "({id}, {})",
            literal(&index_text(&[&name, &model, &enterprise_name]))
        ));
        if rows.len() >= 5_000 {
            flush(out, PRODUCT_HEAD, &mut rows)?;
        }
    }
    flush(out, PRODUCT_HEAD, &mut rows)?;
    flush(
        out,
        "INSERT INTO patents (id, enterprise_id, number, kind, pct, title, application_date, grant_date, right_held, legal_status, created_at, updated_at)",
        &mut patents,
    )?;
    flush(
        out,
        "INSERT INTO product_patents (product_id, patent_id, is_core, contribution_pct)",
        &mut links,
    )?;
    flush(
        out,
        "INSERT INTO product_years (product_id, year, sales, exports, profit, ip_investment, updated_at)",
        &mut years,
    )?;
    flush(
        out,
        "INSERT INTO product_search (rowid, terms)",
        &mut search,
    )?;
    Ok(())
}

/// Identities for enterprises a benchmark registers through the API: a valid USCC in
/// `area` and `patents` valid invention application numbers each, from ranges
/// [`write_sql`] never uses (organisation codes from 90,000,000, patent serials from
/// 9,000,000), so they can be added to a registry it loaded.
#[must_use]
pub fn identities(count: usize, patents: usize, area: &str) -> Vec<(String, Vec<String>)> {
    (0..count)
        .map(|e| {
            let org = format!("{:08}", 90_000_000 + e);
            let org_check = org_code_check_char(&org).unwrap_or('0');
            let first17 = format!("91{area}{org}{org_check}");
            let check = uscc_check_char(&first17).unwrap_or('0');
            let numbers = (0..patents)
                .map(|k| {
                    let digits = format!("20191{:07}", 9_000_000 + e * patents + k);
                    format!("{digits}.{}", check_char(&digits))
                })
                .collect();
            (format!("{first17}{check}"), numbers)
        })
        .collect()
}

const PRODUCT_HEAD: &str = "INSERT INTO products (id, registration_number, recorded_year, province, sequence, enterprise_id, region_code, name, model, field, description, first_marketed_on, manufacture_region, status, opt_in_year, recorded_at, updated_at)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_valid() {
        let made = identities(3, 2, "350100");
        assert_eq!(made.len(), 3);
        for (uscc, numbers) in made {
            assert!(ppr_core::Uscc::parse(&uscc).is_ok(), "{uscc}");
            for number in numbers {
                assert!(
                    ppr_core::PatentNumber::parse(&number, 2026).is_ok(),
                    "{number}"
                );
            }
        }
    }

    #[test]
    fn small_sets_are_deterministic_and_valid() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        write_sql(25, 2026, &mut a).expect("sql");
        write_sql(25, 2026, &mut b).expect("sql");
        assert_eq!(a, b);
        let text = String::from_utf8(a).expect("utf-8");
        assert_eq!(text.matches("INSERT INTO products").count(), 1);
        assert!(text.contains("PR2023-11-000001-"), "{text}");
        assert!(
            text.contains(", 2025, "),
            "figures of the year before the round"
        );
    }
}
