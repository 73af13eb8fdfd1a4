//! CSV as spreadsheet programs read it: UTF-8 with a byte-order mark (so the Chinese
//! shows right), CRLF line ends, quoting only where needed, and text that a
//! spreadsheet would run as a formula defused with a leading apostrophe.

/// One cell, quoted when it holds a comma, a quote or a line break. Text starting
/// with `=`, `+`, `@`, a tab, a carriage return, or a `-` that does not begin a plain
/// number (`-12`, `-0.5`) is prefixed with `'`, so that an entered name cannot become
/// a formula in the reader's spreadsheet (`-1+1+cmd|…` is one).
#[must_use]
pub fn cell(text: &str) -> String {
    let risky = match text.as_bytes() {
        [b'=' | b'+' | b'@' | b'\t' | b'\r', ..] => true,
        [b'-', ..] => !is_plain_number(text.get(1..).unwrap_or_default()),
        _ => false,
    };
    let text = if risky {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Whether `text` is digits, with at most one decimal point between digits.
fn is_plain_number(text: &str) -> bool {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    [whole, fraction]
        .iter()
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// A whole file: the byte-order mark, the header row, then the rows.
#[must_use]
pub fn table<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> String {
    let mut out = String::from("\u{feff}");
    push_row(&mut out, header.iter().map(|h| cell(h)));
    for row in rows {
        push_row(&mut out, row.as_ref().iter().map(|c| cell(c)));
    }
    out
}

fn push_row(out: &mut String, cells: impl Iterator<Item = String>) {
    out.push_str(&cells.collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells() {
        for (input, expected) in [
            ("电池", "电池"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("line\nbreak", "\"line\nbreak\""),
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+1", "'+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-12", "-12"),
            ("-0.5", "-0.5"),
            ("-x", "'-x"),
            ("-", "'-"),
            ("-1+1+cmd|' /C calc'!A0", "'-1+1+cmd|' /C calc'!A0"),
            ("-1e3", "'-1e3"),
            ("-1.", "'-1."),
            ("-.5", "'-.5"),
            ("-1.2.3", "'-1.2.3"),
            ("\rcmd", "\"'\rcmd\""),
            ("\tcmd", "'\tcmd"),
            ("", ""),
        ] {
            assert_eq!(cell(input), expected, "{input:?}");
        }
    }

    #[test]
    fn a_table() {
        let rows = vec![vec!["1".to_owned(), "a,b".to_owned()]];
        assert_eq!(table(&["n", "t"], &rows), "\u{feff}n,t\r\n1,\"a,b\"\r\n");
    }
}
