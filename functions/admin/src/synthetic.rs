//! Synthetic registry data for benchmarks: `N` recorded products with valid
//! identifiers (USCCs, patent numbers, registration numbers from the core), spread
//! over every province and every product field, ten products per enterprise, two
//! patents per product, one year of figures, and the bigram search terms. The same
//! `N` always gives the same data.

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

/// Writes the SQL that loads `products` products.
///
/// # Errors
///
/// Writing failed, or an identifier could not be made (a bug).
pub fn write_sql(products: usize, out: &mut impl Write) -> Result<()> {
    let mut rng = Lcg(20_261_126);
    let now = "2026-01-15T08:00:00.000Z";
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
    for p in 0..products {
        let id = p + 1;
        let e = p / PER_ENTERPRISE;
        let (enterprise_name, area) = names.get(e).cloned().unwrap_or_default();
        let province = area.get(0..2).unwrap_or("11").to_owned();
        let sequence = sequences.entry(province.clone()).or_insert(0u32);
        *sequence += 1;
        let year = 2024 + i32::try_from(p % 3).unwrap_or(0);
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
        rows.push(format!(
            "({id}, '{number}', {year}, '{province}', {sequence}, {eid}, '{area}', {name}, {model}, '{field}', '合成基准数据', '2020-01-01', '{area}', 'recorded', '{now}', '{now}')",
            eid = e + 1,
            name = literal(&name),
            model = literal(&model),
        ));
        for k in 0..2 {
            let pid = p * 2 + k + 1;
            let digits = format!("20{:02}1{:07}", 10 + (p % 14), pid);
            patents.push(format!(
                "({pid}, {eid}, '{digits}.{check}', 'invention', 0, '一种合成专利{pid}', '20{yy:02}-03-01', '2023-01-01', 'owned', 'valid', '{now}', '{now}')",
                eid = e + 1,
                check = check_char(&digits),
                yy = 10 + (p % 14),
            ));
            links.push(format!(
                "({id}, {pid}, {core}, 40)",
                core = i32::from(k == 0)
            ));
        }
        years.push(format!(
            "({id}, 2025, {s}, {x}, {f}, {i}, '{now}')",
            s = 1_000_000 + rng.next() % 9_000_000,
            x = rng.next() % 500_000,
            f = rng.next() % 300_000,
            i = rng.next() % 100_000
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

const PRODUCT_HEAD: &str = "INSERT INTO products (id, registration_number, recorded_year, province, sequence, enterprise_id, region_code, name, model, field, description, first_marketed_on, manufacture_region, status, recorded_at, updated_at)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sets_are_deterministic_and_valid() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        write_sql(25, &mut a).expect("sql");
        write_sql(25, &mut b).expect("sql");
        assert_eq!(a, b);
        let text = String::from_utf8(a).expect("utf-8");
        assert_eq!(text.matches("INSERT INTO products").count(), 1);
        assert!(text.contains("PR2024-11-000001-"), "{text}");
    }
}
