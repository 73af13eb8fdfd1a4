//! The site's own words, embedded: interface strings in both languages, the FAQ and
//! the registration guide (`site/content/*.toml`).

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

const I18N: &str = include_str!("../content/i18n.toml");
const FAQ: &str = include_str!("../content/faq.toml");
const GUIDE: &str = include_str!("../content/guide.toml");

/// The site's languages: Chinese at the root, English under `/en/`.
pub const LANGS: [&str; 2] = ["zh", "en"];

/// A question and its answer, both languages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Faq {
    /// Topic (`registration`, `patents`, …).
    pub topic: String,
    /// Question, Chinese.
    pub q_zh: String,
    /// Answer, Chinese.
    pub a_zh: String,
    /// Question, English.
    pub q_en: String,
    /// Answer, English.
    pub a_en: String,
}

/// A step of the guide, both languages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    /// Title, Chinese.
    pub title_zh: String,
    /// Text, Chinese.
    pub text_zh: String,
    /// Title, English.
    pub title_en: String,
    /// Text, English.
    pub text_en: String,
    /// The API operation behind it.
    pub api: String,
}

/// Everything written by hand.
#[derive(Debug, Clone)]
pub struct Content {
    /// Strings per language.
    pub strings: BTreeMap<String, BTreeMap<String, String>>,
    /// The FAQ.
    pub faq: Vec<Faq>,
    /// The guide.
    pub guide: Vec<Step>,
}

#[derive(Deserialize)]
struct FaqFile {
    faq: Vec<Faq>,
}

#[derive(Deserialize)]
struct GuideFile {
    step: Vec<Step>,
}

/// Reads and checks the embedded content: every string key in both languages.
///
/// # Errors
///
/// A file does not parse, or a key is missing from a language.
pub fn load() -> Result<Content> {
    let strings: BTreeMap<String, BTreeMap<String, String>> =
        toml::from_str(I18N).context("content/i18n.toml")?;
    let keys = |lang: &str| -> Vec<&String> {
        strings
            .get(lang)
            .map(|m| m.keys().collect())
            .unwrap_or_default()
    };
    let (zh, en) = (keys("zh"), keys("en"));
    if zh.is_empty() || zh != en {
        let only_zh: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
        bail!("content/i18n.toml: keys only in zh {only_zh:?}, only in en {only_en:?}");
    }
    let faq: FaqFile = toml::from_str(FAQ).context("content/faq.toml")?;
    let guide: GuideFile = toml::from_str(GUIDE).context("content/guide.toml")?;
    Ok(Content {
        strings,
        faq: faq.faq,
        guide: guide.step,
    })
}
