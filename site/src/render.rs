//! Rendering: one minijinja environment with the embedded template set (HTML
//! autoescape on, undefined values an error), and the list of pages the site has,
//! each rendered in Chinese and English.

use anyhow::{Context, Result};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, context};
use ppr_core::text::escape_html;

use crate::content::{Content, LANGS};
use crate::model::{Model, PAGE_SIZE};
use crate::openapi::Api;
use crate::stats::Statistics;

/// The template set, embedded: (name, source).
const TEMPLATES: [(&str, &str); 16] = [
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("products.html", include_str!("../templates/products.html")),
    ("product.html", include_str!("../templates/product.html")),
    (
        "enterprise.html",
        include_str!("../templates/enterprise.html"),
    ),
    ("rounds.html", include_str!("../templates/rounds.html")),
    ("round.html", include_str!("../templates/round.html")),
    (
        "statistics.html",
        include_str!("../templates/statistics.html"),
    ),
    ("faq.html", include_str!("../templates/faq.html")),
    ("guide.html", include_str!("../templates/guide.html")),
    ("api.html", include_str!("../templates/api.html")),
    (
        "open_data.html",
        include_str!("../templates/open_data.html"),
    ),
    ("search.html", include_str!("../templates/search.html")),
    ("404.html", include_str!("../templates/404.html")),
    ("chart.html", include_str!("../templates/chart.html")),
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

/// One page of the site, in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The home page.
    Home,
    /// Page `page` (1-based) of listing `listing`.
    Listing {
        /// Index into the model's listings.
        listing: usize,
        /// Page number.
        page: usize,
    },
    /// A product (index into the model's products).
    Product(usize),
    /// An enterprise (index in USCC order).
    Enterprise(usize),
    /// The rounds.
    Rounds,
    /// One round (index into the model's rounds).
    Round(usize),
    /// Statistics.
    Statistics,
    /// FAQ.
    Faq,
    /// The registration guide.
    Guide,
    /// The API.
    Api,
    /// Open data.
    OpenData,
    /// Search.
    Search,
}

/// Every page of the site for `model`, in a fixed order.
#[must_use]
pub fn pages(model: &Model) -> Vec<Page> {
    let mut pages = vec![
        Page::Home,
        Page::Rounds,
        Page::Statistics,
        Page::Faq,
        Page::Guide,
        Page::Api,
        Page::OpenData,
        Page::Search,
    ];
    for (listing, l) in model.listings.iter().enumerate() {
        pages.extend((1..=l.pages()).map(|page| Page::Listing { listing, page }));
    }
    pages.extend((0..model.rounds.len()).map(Page::Round));
    pages.extend((0..model.enterprises.len()).map(Page::Enterprise));
    pages.extend((0..model.products.len()).map(Page::Product));
    pages
}

/// What every render shares: the model and its values, made once.
#[derive(Debug)]
pub struct Site {
    /// The model.
    pub model: Model,
    /// Each product as a template value, in model order.
    products: Vec<Value>,
    /// Enterprises in USCC order: (uscc, value with its products).
    enterprises: Vec<(String, Value)>,
    /// Strings per language.
    strings: Vec<Value>,
    statistics: Value,
    api: Value,
    faq: Value,
    guide: Value,
    rounds: Value,
    listings: Value,
}

impl Site {
    /// Prepares the values every page draws on.
    #[must_use]
    pub fn new(model: Model, content: &Content, stats: &Statistics, api: &Api) -> Self {
        let products: Vec<Value> = model.products.iter().map(Value::from_serialize).collect();
        let enterprises = model
            .enterprises
            .values()
            .map(|e| {
                let items: Vec<Value> = e
                    .products
                    .iter()
                    .filter_map(|&i| products.get(i).cloned())
                    .collect();
                let region = model
                    .products
                    .get(e.products.first().copied().unwrap_or(0))
                    .map(|p| Value::from_serialize(&p.enterprise.region))
                    .unwrap_or_default();
                (
                    e.uscc.clone(),
                    context! {uscc => e.uscc, name => e.name, region => region, products => items},
                )
            })
            .collect();
        let strings = LANGS
            .iter()
            .map(|lang| Value::from_serialize(content.strings.get(*lang)))
            .collect();
        Self {
            products,
            enterprises,
            strings,
            statistics: Value::from_serialize(stats),
            api: Value::from_serialize(api),
            faq: Value::from_serialize(&content.faq),
            guide: Value::from_serialize(&content.guide),
            rounds: Value::from_serialize(&model.rounds),
            listings: Value::from_serialize(&model.listings),
            model,
        }
    }

    /// Where a page lives under its language's root, e.g. `products/PR…/`.
    #[must_use]
    pub fn path(&self, page: Page) -> String {
        match page {
            Page::Home => String::new(),
            Page::Listing { listing, page } => self
                .model
                .listings
                .get(listing)
                .map(|l| l.page_path(page))
                .unwrap_or_default(),
            Page::Product(i) => self
                .model
                .products
                .get(i)
                .map(|p| format!("products/{}/", p.registration_number))
                .unwrap_or_default(),
            Page::Enterprise(i) => self
                .enterprises
                .get(i)
                .map(|(uscc, _)| format!("enterprises/{uscc}/"))
                .unwrap_or_default(),
            Page::Rounds => "rounds/".to_owned(),
            Page::Round(i) => self
                .model
                .rounds
                .get(i)
                .map(|r| format!("rounds/{}/", r.year))
                .unwrap_or_default(),
            Page::Statistics => "statistics/".to_owned(),
            Page::Faq => "faq/".to_owned(),
            Page::Guide => "guide/".to_owned(),
            Page::Api => "api/".to_owned(),
            Page::OpenData => "open-data/".to_owned(),
            Page::Search => "search/".to_owned(),
        }
    }

    fn base(&self, lang: usize, path: &str) -> Value {
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
            taken_at => self.model.taken_at,
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
        let base = self.base(lang, &path);
        let (template, extra) = match page {
            Page::Home => (
                "home.html",
                context! {
                    totals => Value::from_serialize(self.model.totals),
                    latest => self.products.iter().take(crate::model::LATEST).cloned().collect::<Vec<_>>(),
                    identified => self.model.latest_identified().iter().filter_map(|&i| self.products.get(i).cloned()).collect::<Vec<_>>(),
                    rounds => self.rounds.clone(),
                },
            ),
            Page::Listing { listing, page } => {
                let l = self.model.listings.get(listing).context("listing")?;
                let items: Vec<Value> = l
                    .items
                    .iter()
                    .skip((page - 1) * PAGE_SIZE)
                    .take(PAGE_SIZE)
                    .filter_map(|&i| self.products.get(i).cloned())
                    .collect();
                (
                    "products.html",
                    context! {
                        listing => Value::from_serialize(l),
                        listings => self.listings.clone(),
                        items => items,
                        page => page,
                        pages => l.pages(),
                        prev => (page > 1).then(|| l.page_path(page - 1)),
                        next => (page < l.pages()).then(|| l.page_path(page + 1)),
                    },
                )
            }
            Page::Product(i) => (
                "product.html",
                context! { p => self.products.get(i).cloned().unwrap_or_default() },
            ),
            Page::Enterprise(i) => (
                "enterprise.html",
                context! { e => self.enterprises.get(i).map(|(_, v)| v.clone()).unwrap_or_default() },
            ),
            Page::Rounds => ("rounds.html", context! { rounds => self.rounds.clone() }),
            Page::Round(i) => (
                "round.html",
                context! { r => Value::from_serialize(self.model.rounds.get(i)) },
            ),
            Page::Statistics => ("statistics.html", context! { s => self.statistics.clone() }),
            Page::Faq => ("faq.html", context! { faq => self.faq.clone() }),
            Page::Guide => ("guide.html", context! { guide => self.guide.clone() }),
            Page::Api => ("api.html", context! { api => self.api.clone() }),
            Page::OpenData => (
                "open_data.html",
                context! {
                    count => self.model.products.len(),
                    columns => crate::open_data::COLUMNS.iter().map(|(name, zh, en)| context!{name => name, zh => zh, en => en}).collect::<Vec<_>>(),
                },
            ),
            Page::Search => ("search.html", context! {}),
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
        let base = self.base(0, "404.html");
        Ok(env.get_template("404.html")?.render(base)?)
    }
}
