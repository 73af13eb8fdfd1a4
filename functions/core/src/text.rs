//! Text: normalisation of identifiers as people type them, the HTML escaping of the
//! pages the site generator and the Worker render, and the plain SQL names a backup
//! may splice.
//!
//! Chinese input methods produce full-width forms (`９１３５`, `ＣＮ`, `．`) and the
//! ideographic space; people paste codes with stray spaces and in lower case. Every
//! identifier parser normalises with [`normalize_identifier`] first, so these variants
//! all reach one canonical form.

/// Maps one full-width ASCII variant (U+FF01..=U+FF5E), the ideographic space (U+3000)
/// or an ideographic full stop (`。` U+3002, `｡` U+FF61, `﹒` U+FE52: what an input method
/// types for a dot) to its half-width form; any other character is returned unchanged.
#[must_use]
pub fn to_half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{3002}' | '\u{FF61}' | '\u{FE52}' => '.',
        '\u{FF01}'..='\u{FF5E}' => {
            // The full-width block mirrors ASCII 0x21..=0x7E at a fixed offset.
            char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

/// Invisible characters that ride along with pasted text: zero-width space, non-joiner
/// and joiner, word joiner, and the byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Drops invisible characters, trims, maps full-width characters to half-width and
/// upper-cases ASCII letters.
///
/// Inner spaces are kept: whether a space is allowed is the parser's rule, not ours.
#[must_use]
pub fn normalize_identifier(input: &str) -> String {
    input
        .chars()
        .filter(|&c| !is_invisible(c))
        .map(to_half_width)
        .collect::<String>()
        .trim()
        .to_ascii_uppercase()
}

/// Escapes text for HTML content and for double- or single-quoted attributes: `&`,
/// `<`, `>`, `"` and `'`, nothing else (a `/` stays readable in URLs).
#[must_use]
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Whether `name` is a plain SQL name: lower-case ASCII letters, digits and `_`, not
/// starting with a digit. The only table and column names the Worker's backup splices
/// into SQL, and the only ones a restore writes.
#[must_use]
pub fn is_plain_sql_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_full_width_forms() {
        let cases = [
            ("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"),
            ("  ab12 ", "AB12"),
            (
                "\u{3000}ＺＬ２０１０８００６３１９６．９\u{3000}",
                "ZL201080063196.9",
            ),
            ("cn 2010", "CN 2010"),
            ("已", "已"),
            ("201080063196。9", "201080063196.9"),
            ("\u{FEFF}9135\u{200B}0100M000100Y43", "91350100M000100Y43"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_identifier(input), want, "input {input:?}");
        }
    }

    #[test]
    fn escapes_for_content_and_attributes_only() {
        assert_eq!(
            escape_html(r#"<a href="/x?a=1&b='2'">/en/</a>"#),
            "&lt;a href=&quot;/x?a=1&amp;b=&#39;2&#39;&quot;&gt;/en/&lt;/a&gt;"
        );
        assert_eq!(escape_html("专利 / 产品"), "专利 / 产品");
    }

    #[test]
    fn only_plain_names_are_plain_sql_names() {
        assert!(is_plain_sql_name("products"));
        assert!(is_plain_sql_name("_cf_kv"));
        assert!(is_plain_sql_name("round_entries2"));
        for bad in ["", "2fa", "Products", "a\"b", "a b", "x;--", "表"] {
            assert!(!is_plain_sql_name(bad), "{bad}");
        }
    }
}
