//! CSV as spreadsheet programs read it: UTF-8 with a byte-order mark (so the Chinese
//! shows right), CRLF line ends, quoting only where needed, and text that a
//! spreadsheet would run as a formula defused with a leading apostrophe.

/// One cell, quoted when it holds a comma, a quote or a line break. Text starting
/// with `=`, `+`, `@`, a tab, or a `-` not followed by a digit is prefixed with `'`, so
/// that an entered name cannot become a formula in the reader's spreadsheet.
#[must_use]
pub fn cell(text: &str) -> String {
    let risky = match text.as_bytes() {
        [b'=' | b'+' | b'@' | b'\t' | b'\r', ..] => true,
        [b'-', next, ..] => !next.is_ascii_digit(),
        [b'-'] => true,
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
            ("-x", "'-x"),
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
