//! The open-data files' columns: one list that the files, their data package
//! (Frictionless Table Schema) and the open-data page all describe the records by.
//! Public fields only (docs/DOMAIN.md §3).

/// A column of the open-data files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its name (the CSV header, the JSON Lines key).
    pub name: &'static str,
    /// What it holds, in Chinese.
    pub zh: &'static str,
    /// What it holds, in English.
    pub en: &'static str,
    /// Its Table Schema type in the CSV file.
    pub csv_type: &'static str,
    /// Its Table Schema type in the JSON Lines file.
    pub json_type: &'static str,
}

const fn column(
    name: &'static str,
    zh: &'static str,
    en: &'static str,
    csv_type: &'static str,
    json_type: &'static str,
) -> Column {
    Column {
        name,
        zh,
        en,
        csv_type,
        json_type,
    }
}

/// Every column, in file order.
pub const COLUMNS: [Column; 16] = [
    column(
        "registration_number",
        "备案号",
        "Registration number",
        "string",
        "string",
    ),
    column("name", "产品名称", "Product name", "string", "string"),
    column("model", "型号规格", "Model", "string", "string"),
    column(
        "field_code",
        "领域代码",
        "Product field code",
        "string",
        "string",
    ),
    column(
        "field_name",
        "领域名称",
        "Product field (Chinese)",
        "string",
        "string",
    ),
    column(
        "enterprise_uscc",
        "企业统一社会信用代码",
        "Enterprise USCC",
        "string",
        "string",
    ),
    column(
        "enterprise_name",
        "企业名称",
        "Enterprise name",
        "string",
        "string",
    ),
    column(
        "region_code",
        "企业所在地区代码（GB/T 2260）",
        "Enterprise region code (GB/T 2260)",
        "string",
        "string",
    ),
    column("province", "省份", "Province (Chinese)", "string", "string"),
    column(
        "status",
        "状态（recorded 已备案，revoked 已撤销）",
        "Status: recorded or revoked",
        "string",
        "string",
    ),
    column(
        "recorded_year",
        "备案年度",
        "Year recorded",
        "integer",
        "integer",
    ),
    column(
        "recorded_at",
        "备案时间（UTC）",
        "Recorded at (UTC)",
        "datetime",
        "datetime",
    ),
    column(
        "revoked_at",
        "撤销时间（UTC）",
        "Revoked at (UTC)",
        "datetime",
        "datetime",
    ),
    column(
        "years_recorded",
        "已备案数据年度（CSV 中以分号分隔）",
        "Years with figures on record (semicolon-separated in the CSV)",
        "string",
        "array",
    ),
    column(
        "identified_years",
        "认定年度（CSV 中以分号分隔）",
        "Years identified (semicolon-separated in the CSV)",
        "string",
        "array",
    ),
    column(
        "patents",
        "关联专利：专利号|类型|是否核心（CSV 中以分号分隔）",
        "Linked patents: number|type|core (semicolon-separated in the CSV)",
        "string",
        "array",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_is_named_once_and_typed() {
        let mut names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COLUMNS.len());
        let types = ["string", "integer", "datetime", "array"];
        assert!(
            COLUMNS
                .iter()
                .all(|c| types.contains(&c.csv_type) && types.contains(&c.json_type))
        );
    }
}
