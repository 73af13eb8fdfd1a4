//! Legal-status imports: CSV from the patent office's data, one patent per line.
//!
//! ```text
//! number,status,date
//! 201080063196.9,lapsed,2026-03-01
//! ZL201220687633.0,transferred,2026-04-15
//! ```
//!
//! The header is required (so columns cannot be silently swapped). Status is `valid`,
//! `lapsed` or `transferred` (or 有效, 失效, 转让). Numbers are parsed by the core and
//! stored canonically. A file with any bad line is refused whole, with every bad line
//! and column named: an import is all or nothing.

use chrono::NaiveDate;

use crate::holding::LegalStatus;
use crate::patent::PatentNumber;

/// Most lines in one import; larger files are split by the caller.
pub const MAX_ROWS: usize = 20_000;

/// One status update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    /// The patent.
    pub number: PatentNumber,
    /// Its new status.
    pub status: LegalStatus,
    /// Since when.
    pub date: NaiveDate,
}

/// One refused line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line number in the file.
    pub line: usize,
    /// The column at fault (`number`, `status`, `date`, or `row`).
    pub column: &'static str,
    /// Stable code.
    pub code: &'static str,
    /// For people.
    pub message: String,
}

/// Parses an import file.
///
/// # Errors
///
/// Every refused line, with its line number and column.
pub fn parse_status_csv(text: &str, current_year: i32) -> Result<Vec<StatusUpdate>, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut updates = Vec::new();
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let header_ok = lines.next().is_some_and(|(_, header)| {
        let cols: Vec<String> = header
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        cols == ["number", "status", "date"]
    });
    if !header_ok {
        return Err(vec![RowError {
            line: 1,
            column: "row",
            code: "header",
            message: "the first line must be the header: number,status,date".to_owned(),
        }]);
    }
    for (index, line) in lines {
        let line_no = index + 1;
        let mut push = |column, code, message: String| {
            errors.push(RowError {
                line: line_no,
                column,
                code,
                message,
            });
        };
        let cols: Vec<&str> = line
            .split(',')
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        let [number, status, date] = cols.as_slice() else {
            push(
                "row",
                "columns",
                format!("expected 3 columns, found {}", cols.len()),
            );
            continue;
        };
        let number = PatentNumber::parse(number, current_year)
            .map_err(|e| push("number", e.code(), e.to_string()))
            .ok();
        let status = LegalStatus::from_code(status);
        if status.is_none() {
            push(
                "status",
                "unknown_status",
                format!(
                    "{:?} is not valid, lapsed or transferred",
                    cols.get(1).unwrap_or(&"")
                ),
            );
        }
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|_| push("date", "date", "not a date (YYYY-MM-DD)".to_owned()))
            .ok();
        if let (Some(number), Some(status), Some(date)) = (number, status, date) {
            updates.push(StatusUpdate {
                number,
                status,
                date,
            });
        }
    }
    if updates.len() > MAX_ROWS {
        errors.push(RowError {
            line: 1,
            column: "row",
            code: "too_many_rows",
            message: format!("at most {MAX_ROWS} lines per import; split the file"),
        });
    }
    if updates.is_empty() && errors.is_empty() {
        errors.push(RowError {
            line: 2,
            column: "row",
            code: "empty",
            message: "the file has a header but no lines".to_owned(),
        });
    }
    if errors.is_empty() {
        Ok(updates)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_file() {
        let text = "\u{FEFF}Number,Status,Date\r\n201080063196.9,lapsed,2026-03-01\r\n\r\nZL201220687633.0,转让,2026-04-15\n";
        let updates = parse_status_csv(text, 2026).expect("parses");
        assert_eq!(updates.len(), 2);
        assert_eq!(updates[0].status, LegalStatus::Lapsed);
        assert_eq!(updates[1].number.to_string(), "201220687633.0");
        assert_eq!(updates[1].status, LegalStatus::Transferred);
    }

    #[test]
    fn names_every_bad_line() {
        let text = "number,status,date\n201080063196.9,gone,2026-03-01\n201080063196.8,valid,2026-3-1x\nonly,two\n";
        let errors = parse_status_csv(text, 2026).expect_err("refused");
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(
            got,
            vec![(2, "status"), (3, "number"), (3, "date"), (4, "row")]
        );
        let header = parse_status_csv("status,number,date\n", 2026).expect_err("header");
        assert_eq!(header[0].code, "header");
        let empty = parse_status_csv("number,status,date\n", 2026).expect_err("empty");
        assert_eq!(empty[0].code, "empty");
    }
}
