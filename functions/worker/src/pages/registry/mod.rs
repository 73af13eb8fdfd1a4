//! The public registry's pages, rendered on request from D1 so that a product's page
//! exists the moment its number is issued and says "revoked" the moment it is: a
//! product (its address is the virtual patent marking), an enterprise, a patent's
//! products, the listings (all, by field, province, prefecture, year, identified), the
//! search, and the identification rounds, in Chinese and English, at the addresses
//! the static site always had.
//!
//! They read through [`Reads::replica`] and the API's own functions (the same filter,
//! query and record), so a page and the API answer the same. Every page is public
//! and cacheable ([`REGISTRY_CACHE`]): it carries an `ETag` made from the data it
//! shows, so a revalidation that finds the data unchanged is a 304 without rendering,
//! and `Cache-Tag`s by which a change purges it (see `services::purge`).

mod listing;
mod record;
mod rounds;
mod statistics;

use chrono::{DateTime, Utc};
use minijinja::Value;
use serde::Serialize;
use worker::{Request, Response};

use super::{Lang, Place, render_html, root};
use crate::config::Config;
use crate::error::ApiError;
use crate::http::{etag_of, matches_etag, origin_of, page_headers, public_page_headers, query_of};

/// A page of the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// `products/{number}/`.
    Product(String),
    /// `enterprises/{uscc}/`.
    Enterprise(String),
    /// `patents/{number}/`: the recorded products that use a patent.
    Patent(String),
    /// `products/…`: a listing.
    Listing(listing::Listing),
    /// `products/…/page/{n}/`: a page of the old static listings, now one listing.
    OldListing(listing::Listing),
    /// `search/`.
    Search,
    /// `rounds/`.
    Rounds,
    /// `statistics/`.
    Statistics,
    /// `rounds/{year}/`.
    Round(String),
    /// A registry address with a value that cannot exist (`products/field/xx/`).
    Missing,
}

/// The registry page at the path `segments`, if it is one.
#[must_use]
pub fn resolve(segments: &[&str]) -> Option<Page> {
    use listing::Listing;
    let decoded = |s: &str| crate::ctx::percent_decode(s);
    Some(match segments {
        ["search"] => Page::Search,
        ["rounds"] => Page::Rounds,
        ["statistics"] => Page::Statistics,
        ["rounds", year] if !year.is_empty() => Page::Round(decoded(year)),
        ["enterprises", uscc] if !uscc.is_empty() => Page::Enterprise(decoded(uscc)),
        ["patents", number] if !number.is_empty() => Page::Patent(decoded(number)),
        ["products", rest @ ..] => match rest {
            [] => Page::Listing(Listing::All),
            ["identified"] => Page::Listing(Listing::Identified),
            ["page", _] => Page::OldListing(Listing::All),
            ["identified", "page", _] => Page::OldListing(Listing::Identified),
            [kind, key] if Listing::KINDS.contains(kind) => {
                Listing::of(kind, &decoded(key)).map_or(Page::Missing, Page::Listing)
            }
            [kind, key, "page", _] if Listing::KINDS.contains(kind) => {
                Listing::of(kind, &decoded(key)).map_or(Page::Missing, Page::OldListing)
            }
            [number] if !number.is_empty() => Page::Product(decoded(number)),
            _ => return None,
        },
        _ => return None,
    })
}

/// Answers a registry page.
///
/// # Errors
///
/// The database failed; a bad parameter is a page, not an error.
pub async fn handle(
    req: &Request,
    config: &Config,
    lang: Lang,
    now: DateTime<Utc>,
    page: Page,
) -> Result<Response, ApiError> {
    let out = Out {
        req,
        lang,
        now,
        origin: origin_of(req),
    };
    match page {
        Page::Product(number) => record::product(&out, config, &number).await,
        Page::Enterprise(uscc) => record::enterprise(&out, config, &uscc).await,
        Page::Patent(number) => record::patent(&out, config, &number).await,
        Page::Listing(which) => listing::listing(&out, config, &which).await,
        Page::OldListing(which) => {
            let location = format!("{}{}", root(lang), which.path());
            Ok(super::redirect(301, &location)?)
        }
        Page::Search => listing::search(&out, config).await,
        Page::Rounds => rounds::rounds(&out, config).await,
        Page::Statistics => statistics::page(&out, config).await,
        Page::Round(year) => rounds::round(&out, config, &year).await,
        Page::Missing => out.not_found("", ""),
    }
}

/// What every registry page needs to answer: the request, its language and time, and
/// the site's origin.
#[derive(Debug)]
pub struct Out<'a> {
    /// The request (its query and `If-None-Match`).
    pub req: &'a Request,
    /// The page's language.
    pub lang: Lang,
    /// The request's business clock.
    pub now: DateTime<Utc>,
    /// The site's origin.
    pub origin: String,
}

/// A registry page to answer: its template, status, path, the data it shows and the
/// tags a change purges it by.
#[derive(Debug)]
pub struct Shown<'a, T: Serialize> {
    /// Template name.
    pub template: &'a str,
    /// HTTP status (200, or 404/422 for a page that says what is wrong).
    pub status: u16,
    /// Path under the language's root.
    pub path: &'a str,
    /// What the template shows besides the layout: the `ETag` is made from it.
    pub data: T,
    /// `Cache-Tag`s.
    pub tags: Vec<String>,
    /// Whether the page prints a QR code of its address (made only when the page is
    /// rendered, never for a 304).
    pub qr: bool,
}

impl Out<'_> {
    /// Answers `shown`: a 304 when the client's `ETag` still holds (the page is not
    /// rendered), else the page. Only a 200 is cacheable; a page that says something is
    /// missing or wrong is not kept, so it goes the moment the thing exists.
    ///
    /// # Errors
    ///
    /// A template failed.
    pub fn answer<T: Serialize>(&self, shown: Shown<'_, T>) -> Result<Response, ApiError> {
        let data = serde_json::to_vec(&shown.data)
            .map_err(|e| ApiError::internal_cause("page data", &e))?;
        let lang = [u8::try_from(self.lang).unwrap_or(0)];
        let etag = etag_of(&[
            build_id().as_bytes(),
            &lang,
            shown.template.as_bytes(),
            self.origin.as_bytes(),
            &data,
        ]);
        let headers = if shown.status == 200 {
            public_page_headers(&etag, &shown.tags)?
        } else {
            page_headers()?
        };
        let if_none_match = self.req.headers().get("if-none-match").ok().flatten();
        if shown.status == 200 && matches_etag(if_none_match.as_deref(), &etag) {
            return Ok(Response::empty()?.with_status(304).with_headers(headers));
        }
        let place = Place {
            lang: self.lang,
            path: shown.path,
            origin: &self.origin,
        };
        let extra = Value::from_serialize(&shown.data);
        let extra = if shown.qr {
            let address = format!("{}{}{}", self.origin, root(self.lang), shown.path);
            minijinja::context! { qr => qr_svg(&address), ..extra }
        } else {
            extra
        };
        let html = render_html(shown.template, place, self.now, extra)?;
        headers.set("content-type", "text/html; charset=utf-8")?;
        Ok(Response::from_html(html)?
            .with_status(shown.status)
            .with_headers(headers))
    }

    /// The registry's 404 page in this page's language, with a search box.
    ///
    /// # Errors
    ///
    /// A template failed.
    pub fn not_found(&self, path: &str, what: &str) -> Result<Response, ApiError> {
        self.answer(Shown {
            template: "not_found.html",
            status: 404,
            path,
            data: context_of(&[("what", what)]),
            tags: Vec::new(),
            qr: false,
        })
    }

    /// A query parameter of the request, if given and not blank.
    #[must_use]
    pub fn query_param(&self, name: &str) -> Option<String> {
        query_of(self.req)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}

/// `text` as a QR code, an inline SVG image (empty if it cannot be one).
///
/// The code uses one fixed mask. Any of the eight masks reads back the same; the
/// library's default scores all eight to pick the one a scanner finds easiest, which
/// cost more than half of a product page's CPU time. A printed page's code is large
/// and high-contrast, so the first mask reads as well as the best.
fn qr_svg(text: &str) -> String {
    let Some((modules, width)) = qr_modules(text) else {
        return String::new();
    };
    let svg = qrcode::render::Renderer::<qrcode::render::svg::Color<'_>>::new(&modules, width, 4)
        .quiet_zone(true)
        .build();
    let start = svg.find("<svg").unwrap_or(0);
    svg.get(start..)
        .unwrap_or_default()
        .replacen("<svg", "<svg role=\"img\" aria-label=\"QR\"", 1)
}

/// The modules of `text`'s QR code (error correction level M, the first mask), row by
/// row, and the code's width in modules; `None` if `text` is too long for a QR code.
fn qr_modules(text: &str) -> Option<(Vec<qrcode::Color>, usize)> {
    use qrcode::canvas::{Canvas, MaskPattern};
    use qrcode::{EcLevel, bits, ec};

    let ec_level = EcLevel::M;
    let bits = bits::encode_auto(text.as_bytes(), ec_level).ok()?;
    let version = bits.version();
    let (data, ec) = ec::construct_codewords(&bits.into_bytes(), version, ec_level).ok()?;
    let mut canvas = Canvas::new(version, ec_level);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    canvas.apply_mask(MaskPattern::Checkerboard);
    let modules = canvas.into_colors();
    let width = usize::from(version.width().unsigned_abs());
    // The renderer asks for exactly `width`² modules, which a canvas always has.
    (modules.len() == width * width).then_some((modules, width))
}

/// The interface string `key` in `lang`, if there is one.
fn string(lang: Lang, key: &str) -> Option<String> {
    super::strings(lang).ok().and_then(|s| {
        s.get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    })
}

/// The message of the error `code` in `lang` (`error_{code}` of the interface
/// strings), or the general one when the strings have none for it.
fn message(lang: Lang, code: &str) -> String {
    string(lang, &format!("error_{code}"))
        .or_else(|| string(lang, "error_invalid"))
        .unwrap_or_else(|| code.to_owned())
}

/// The interface string `key` in `lang` (the key itself if there is none: a test
/// holds that every key used exists).
fn text(lang: Lang, key: &str) -> String {
    string(lang, key).unwrap_or_else(|| key.to_owned())
}

/// A small map for a template's context.
fn context_of(pairs: &[(&str, &str)]) -> serde_json::Value {
    serde_json::Value::Object(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
            .collect(),
    )
}

/// What distinguishes this build's pages from another's: the templates and strings.
/// Part of every `ETag`, so a deploy that changes how a page looks changes its tag.
fn build_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let mut parts: Vec<&[u8]> = super::TEMPLATES
            .iter()
            .map(|(_, source)| source.as_bytes())
            .collect();
        parts.push(super::STRINGS.as_bytes());
        etag_of(&parts)
    })
}

#[cfg(test)]
mod tests {
    use super::listing::Listing;
    use super::*;

    fn page(path: &str) -> Option<Page> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        resolve(&segments)
    }

    #[test]
    fn the_registry_keeps_the_static_sites_addresses() {
        assert_eq!(
            page("/products/PR2026-44-000123-X/"),
            Some(Page::Product("PR2026-44-000123-X".into()))
        );
        assert_eq!(page("/products/"), Some(Page::Listing(Listing::All)));
        assert_eq!(
            page("/products/identified/"),
            Some(Page::Listing(Listing::Identified))
        );
        assert_eq!(
            page("/products/field/04/"),
            Some(Page::Listing(Listing::Field("04".into())))
        );
        assert_eq!(
            page("/products/province/44/"),
            Some(Page::Listing(Listing::Province("44".into())))
        );
        assert_eq!(
            page("/products/prefecture/4403/"),
            Some(Page::Listing(Listing::Prefecture("4403".into())))
        );
        assert_eq!(
            page("/products/year/2026/page/3/"),
            Some(Page::OldListing(Listing::Year("2026".into())))
        );
        assert_eq!(page("/products/field/zz/"), Some(Page::Missing));
        assert_eq!(page("/products/province/00/"), Some(Page::Missing));
        assert_eq!(page("/products/colour/red/"), None);
        assert_eq!(
            page("/patents/201080063196.9/"),
            Some(Page::Patent("201080063196.9".into()))
        );
        assert_eq!(page("/search/"), Some(Page::Search));
        assert_eq!(page("/rounds/2026/"), Some(Page::Round("2026".into())));
        assert_eq!(page("/faq/"), None);
    }

    #[test]
    fn every_string_the_registry_pages_use_exists_in_both_languages() {
        let templates = [
            "product.html",
            "products.html",
            "enterprise.html",
            "patent.html",
            "rounds.html",
            "round.html",
            "not_found.html",
            "statistics.html",
            "chart.html",
            "macros.html",
            "base.html",
        ];
        let mut missing = Vec::new();
        for (name, source) in super::super::TEMPLATES {
            if !templates.contains(&name) {
                continue;
            }
            let uses = source.match_indices("t.").filter(|(at, _)| {
                source[..*at]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_' && c != '"')
            });
            for (at, _) in uses {
                let key: String = source[at + 2..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                    .collect();
                if key.is_empty() {
                    continue;
                }
                for lang in [0, 1] {
                    if super::super::strings(lang)
                        .ok()
                        .and_then(|s| s.get(&key))
                        .is_none()
                    {
                        missing.push(format!("{name}: {key} ({lang})"));
                    }
                }
            }
        }
        for code in [
            "unknown_field",
            "unknown_status",
            "year",
            "invalid_cursor",
            "empty_query",
            "too_long",
            "format",
            "unknown_province",
        ] {
            for lang in [0, 1] {
                assert_ne!(message(lang, code), text(lang, "error_invalid"), "{code}");
            }
        }
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn a_printed_code_reads_back_as_the_page_address() {
        for address in [
            "https://registry.example.cn/products/PR2025-52-000148-8/",
            "http://127.0.0.1:8787/en/products/PR2026-11-000001-1/",
        ] {
            let (modules, width) = qr_modules(address).expect("a code");
            // Four modules of quiet zone around, three pixels a module.
            let (scale, margin) = (3, 4);
            let side = (width + 2 * margin) * scale;
            let dark = |x: usize, y: usize| {
                let (mx, my) = (
                    (x / scale).wrapping_sub(margin),
                    (y / scale).wrapping_sub(margin),
                );
                mx < width && my < width && modules[my * width + mx] == qrcode::Color::Dark
            };
            let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
                if dark(x, y) { 0 } else { 255 }
            });
            let grids = image.detect_grids();
            assert_eq!(grids.len(), 1, "{address}");
            let (_, content) = grids[0].decode().expect("decodes");
            assert_eq!(content, address);
        }
        assert!(
            qr_svg("https://registry.example.cn/products/PR2025-52-000148-8/")
                .starts_with("<svg role=\"img\"")
        );
        assert!(qr_modules(&"x".repeat(5000)).is_none());
    }
}
