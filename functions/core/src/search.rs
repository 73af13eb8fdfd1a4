//! Text search over product and enterprise names that works for Chinese.
//!
//! Chinese is written without spaces, so word tokenisers see a whole name as one
//! token, and trigram indexes cannot answer the 2-character queries people type most
//! (电池, 芯片). We index overlapping character **bigrams** instead: `锂电池` becomes
//! the tokens `锂电 电池`. A query of two or more Chinese characters becomes the
//! phrase of its bigrams, and a phrase of adjacent bigrams matches exactly the names
//! that contain the query as a substring. Latin letters and digits are indexed as
//! lower-case words and matched by prefix (`bms` finds `BMS-200`).
//!
//! The output is for an SQLite FTS5 table with the default `unicode61` tokenizer:
//! [`index_text`] gives the column text, [`match_query`] the `MATCH` expression.

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 50;

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FFFF}')
}

/// Runs of one kind: Chinese characters, or letters and digits.
fn runs(text: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    for c in text.chars().map(crate::text::to_half_width) {
        let kind = if is_cjk(c) {
            Some(true)
        } else if c.is_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match (kind, out.last_mut()) {
            (Some(k), Some((last, run))) if *last == k && !run.is_empty() => {
                run.extend(c.to_lowercase());
            }
            (Some(k), _) => out.push((k, c.to_lowercase().collect())),
            (None, Some((_, run))) if !run.is_empty() => out.push((false, String::new())),
            (None, _) => {}
        }
    }
    out.retain(|(_, run)| !run.is_empty());
    out
}

fn bigrams(run: &str) -> Vec<String> {
    let chars: Vec<char> = run.chars().collect();
    if chars.len() == 1 {
        return vec![run.to_owned()];
    }
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

/// The text to index for `names` (product name, model, enterprise name, …).
#[must_use]
pub fn index_text(names: &[&str]) -> String {
    let mut tokens: Vec<String> = Vec::new();
    for name in names {
        for (cjk, run) in runs(name) {
            if cjk {
                tokens.extend(bigrams(&run));
            } else {
                tokens.push(run);
            }
        }
    }
    tokens.join(" ")
}

/// Why a query cannot be searched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Nothing searchable in it.
    #[error("give at least one letter, digit or two Chinese characters to search for")]
    Empty,
    /// Over the limit.
    #[error("a search is at most {MAX_QUERY_CHARS} characters")]
    TooLong,
}

impl QueryError {
    /// A stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty_query",
            Self::TooLong => "too_long",
        }
    }
}

/// The FTS5 `MATCH` expression for what a person typed: every part must match; a
/// Chinese part as the phrase of its bigrams (one character as a prefix of a bigram),
/// a Latin part as a word prefix. Every token is quoted, so no FTS5 syntax can be
/// injected.
///
/// # Errors
///
/// Nothing searchable, or too long.
pub fn match_query(query: &str) -> Result<String, QueryError> {
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong);
    }
    let quote = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
    let parts: Vec<String> = runs(query)
        .into_iter()
        .map(|(cjk, run)| {
            if cjk && run.chars().count() > 1 {
                let phrase: Vec<String> = bigrams(&run).iter().map(|b| quote(b)).collect();
                phrase.join(" + ")
            } else {
                format!("{}*", quote(&run))
            }
        })
        .collect();
    if parts.is_empty() {
        return Err(QueryError::Empty);
    }
    Ok(parts.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_bigrams_and_words() {
        assert_eq!(
            index_text(&["锂电池管理系统", "BMS-200"]),
            "锂电 电池 池管 管理 理系 系统 bms 200"
        );
        assert_eq!(
            index_text(&["深圳市ＡＢＣ科技有限公司"]),
            "深圳 圳市 abc 科技 技有 有限 限公 公司"
        );
        assert_eq!(index_text(&["锂"]), "锂");
        assert_eq!(index_text(&["  ", "--"]), "");
    }

    #[test]
    fn queries_are_phrases_of_bigrams() {
        assert_eq!(match_query("电池"), Ok("\"电池\"".to_owned()));
        assert_eq!(
            match_query("电池管理"),
            Ok("\"电池\" + \"池管\" + \"管理\"".to_owned())
        );
        assert_eq!(
            match_query("BMS 电池"),
            Ok("\"bms\"* AND \"电池\"".to_owned())
        );
        assert_eq!(match_query("锂"), Ok("\"锂\"*".to_owned()));
        assert_eq!(match_query("\" OR *"), Ok("\"or\"*".to_owned()));
        assert_eq!(match_query("\" * -"), Err(QueryError::Empty));
        assert_eq!(match_query(&"电".repeat(51)), Err(QueryError::TooLong));
    }
}
