//! Rendering: one minijinja environment with the embedded template set (HTML
//! autoescape on, undefined values an error), and the list of pages the site has,
//! each rendered in Chinese and English.

use anyhow::{Context, Result};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, context};
use ppr_core::text::escape_html;

use crate::content::{Content, LANGS};
use crate::model::Model;
use crate::openapi::Api;

/// The template set of the static pages, embedded: (name, source). The registry's
/// pages (products, enterprises, patents, listings, search, rounds, statistics) use the same
/// layout but are rendered by the Worker, which embeds their templates itself.
const TEMPLATES: [(&str, &str); 8] = [
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("faq.html", include_str!("../templates/faq.html")),
    ("guide.html", include_str!("../templates/guide.html")),
    ("api.html", include_str!("../templates/api.html")),
    (
        "open_data.html",
        include_str!("../templates/open_data.html"),
    ),
    ("404.html", include_str!("../templates/404.html")),
];

/// The environment with every template compiled.
///
/// # Errors
///
/// A template does not compile (a test holds them).
pub fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    // HTML escaping of & < > " ' (minijinja's default also writes `/` as `&#x2f;`,
    // which only bloats every path in every attribute).
    env.set_formatter(|out, state, value| {
        if state.auto_escape() == AutoEscape::Html
            && !value.is_safe()
            && let Some(text) = value.as_str()
        {
            return out
                .write_str(&escape_html(text))
                .map_err(minijinja::Error::from);
        }
        minijinja::escape_formatter(out, state, value)
    });
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .with_context(|| format!("template {name}"))?;
    }
    Ok(env)
}

/// One page of the static site, in one language. Their number does not grow with
/// the registry: the same at ten products and at a million.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The home page.
    Home,
    /// FAQ.
    Faq,
    /// The registration guide.
    Guide,
    /// The API.
    Api,
    /// Open data.
    OpenData,
}

/// Every page of the static site, in a fixed order.
pub const PAGES: [Page; 5] = [
    Page::Home,
    Page::Faq,
    Page::Guide,
    Page::Api,
    Page::OpenData,
];

/// What every render shares: the model and its values, made once.
#[derive(Debug)]
pub struct Site {
    /// The model.
    pub model: Model,
    /// The origin the site is served at (`https://…`), for absolute addresses;
    /// empty for addresses relative to the host.
    pub origin: String,
    /// Each product as a template value, in model order.
    products: Vec<Value>,
    /// Strings per language.
    strings: Vec<Value>,
    api: Value,
    faq: Value,
    guide: Value,
}

impl Site {
    /// Prepares the values every page draws on.
    #[must_use]
    pub fn new(model: Model, content: &Content, api: &Api, origin: &str) -> Self {
        let products: Vec<Value> = model
            .products
            .iter()
            .take(crate::model::LATEST)
            .map(Value::from_serialize)
            .collect();
        let strings = LANGS
            .iter()
            .map(|lang| Value::from_serialize(content.strings.get(*lang)))
            .collect();
        Self {
            products,
            strings,
            api: Value::from_serialize(api),
            faq: Value::from_serialize(&content.faq),
            guide: Value::from_serialize(&content.guide),
            origin: origin.trim_end_matches('/').to_owned(),
            model,
        }
    }

    /// Where a page lives under its language's root, e.g. `faq/`.
    #[must_use]
    pub fn path(&self, page: Page) -> String {
        match page {
            Page::Home => String::new(),
            Page::Faq => "faq/".to_owned(),
            Page::Guide => "guide/".to_owned(),
            Page::Api => "api/".to_owned(),
            Page::OpenData => "open-data/".to_owned(),
        }
    }

    /// Whether a page shows registry data, and so the time of that data; the others
    /// carry no date, so their bytes change only when their content does.
    fn shows_data(page: Page) -> bool {
        matches!(page, Page::Home)
    }

    fn base(&self, lang: usize, path: &str, dated: bool) -> Value {
        let other = 1 - lang.min(1);
        let root = |l: usize| if l == 0 { "/" } else { "/en/" };
        context! {
            lang => LANGS.get(lang).copied().unwrap_or("zh"),
            t => self.strings.get(lang).cloned().unwrap_or_default(),
            root => root(lang),
            path => path,
            other => context! {
                lang => LANGS.get(other).copied().unwrap_or("en"),
                t => self.strings.get(other).cloned().unwrap_or_default(),
                root => root(other),
            },
            origin => self.origin,
            taken_at => if dated { self.model.taken_at.as_str() } else { "" },
            date_as_of => self.model.taken_at.get(0..10).unwrap_or_default(),
        }
    }

    /// Renders `page` in language `lang` (0 Chinese, 1 English): its path under the
    /// language root and its HTML.
    ///
    /// # Errors
    ///
    /// A template failed (an undefined value is an error, so a missing field is
    /// caught).
    pub fn render(
        &self,
        env: &Environment<'_>,
        page: Page,
        lang: usize,
    ) -> Result<(String, String)> {
        let path = self.path(page);
        let base = self.base(lang, &path, Self::shows_data(page));
        let (template, extra) = match page {
            Page::Home => (
                "home.html",
                context! {
                    totals => Value::from_serialize(self.model.totals),
                    latest => self.products.clone(),
                    identified => self.model.latest_identified().iter().filter_map(|&i| self.model.products.get(i).map(Value::from_serialize)).collect::<Vec<_>>(),
                },
            ),
            Page::Faq => ("faq.html", context! { faq => self.faq.clone() }),
            Page::Guide => ("guide.html", context! { guide => self.guide.clone() }),
            Page::Api => ("api.html", context! { api => self.api.clone() }),
            Page::OpenData => (
                "open_data.html",
                context! {
                    count => self.model.products.len(),
                    columns => ppr_core::open_data::COLUMNS.iter().map(|c| context!{name => c.name, zh => c.zh, en => c.en}).collect::<Vec<_>>(),
                },
            ),
        };
        let html = env
            .get_template(template)?
            .render(context! { ..base, ..extra })
            .with_context(|| format!("render {template} for /{path}"))?;
        Ok((path, html))
    }

    /// The 404 page: both languages on one page, served for any missing path.
    ///
    /// # Errors
    ///
    /// The template failed.
    pub fn render_not_found(&self, env: &Environment<'_>) -> Result<String> {
        let base = self.base(0, "404.html", false);
        Ok(env.get_template("404.html")?.render(base)?)
    }
}
