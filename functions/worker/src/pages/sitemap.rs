//! Sitemaps, so search engines find every product and enterprise page: an index at
//! `/sitemap.xml`, the site's own pages and listings in `/sitemaps/pages.xml`, and the
//! records in files of [`IDS_PER_FILE`] ids each (`/sitemaps/products-{n}.xml`,
//! `/sitemaps/enterprises-{n}.xml`), both languages, with `lastmod`: at most 50,000
//! addresses a file, as the protocol allows, at any size of the registry. A file
//! covers a fixed id range, so its address never moves.

use ppr_core::ProductField;
use ppr_core::region::PROVINCES;
use ppr_core::text::escape_html;
use worker::{Request, Response};

use crate::config::Config;
use crate::error::ApiError;
use crate::http::public_tags;
use crate::repo::Reads;
use crate::repo::public::{self, SitemapRow};

/// Record ids per sitemap file: two addresses each (Chinese, English), so 50,000
/// addresses at most.
pub const IDS_PER_FILE: i64 = 25_000;

/// The language roots.
const ROOTS: [&str; 2] = ["/", "/en/"];

/// A sitemap file of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum File {
    /// The index.
    Index,
    /// The site's own pages and the listings.
    Pages,
    /// Products with ids in the `n`-th range.
    Products(i64),
    /// Enterprises with ids in the `n`-th range.
    Enterprises(i64),
}

fn file_of(path: &str) -> Option<File> {
    if path == "/sitemap.xml" {
        return Some(File::Index);
    }
    let name = path.strip_prefix("/sitemaps/")?.strip_suffix(".xml")?;
    if name == "pages" {
        return Some(File::Pages);
    }
    let (kind, n) = name.rsplit_once('-')?;
    let n: i64 = n.parse().ok().filter(|n| (0..1_000_000).contains(n))?;
    match kind {
        "products" => Some(File::Products(n)),
        "enterprises" => Some(File::Enterprises(n)),
        _ => None,
    }
}

/// Answers a sitemap address; `None` when `path` is none.
///
/// # Errors
///
/// The database failed.
pub async fn handle(
    req: &Request,
    config: &Config,
    path: &str,
) -> Result<Option<Response>, ApiError> {
    let Some(file) = file_of(path) else {
        return Ok(None);
    };
    let origin = crate::http::origin_of(req);
    let db = Reads::replica(&config.db);
    let (products, enterprises) = public::max_ids(&db).await?;
    let files = |max: i64| (max + IDS_PER_FILE - 1) / IDS_PER_FILE;
    let body = match file {
        File::Index => {
            let mut names = vec!["pages".to_owned()];
            names.extend((0..files(products)).map(|n| format!("products-{n}")));
            names.extend((0..files(enterprises)).map(|n| format!("enterprises-{n}")));
            let entries: String = names
                .iter()
                .map(|name| format!("<sitemap><loc>{origin}/sitemaps/{name}.xml</loc></sitemap>\n"))
                .collect();
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n{entries}</sitemapindex>\n"
            )
        }
        File::Pages => urlset(&origin, &pages(), None),
        File::Products(n) | File::Enterprises(n) => {
            let (max, prefix) = match file {
                File::Products(_) => (products, "products"),
                _ => (enterprises, "enterprises"),
            };
            if n >= files(max) {
                return Ok(None);
            }
            let (from, to) = (n * IDS_PER_FILE + 1, (n + 1) * IDS_PER_FILE);
            let rows: Vec<SitemapRow> = if prefix == "products" {
                public::sitemap_products(&db, from, to).await?
            } else {
                public::sitemap_enterprises(&db, from, to).await?
            };
            let paths: Vec<(String, String)> = rows
                .into_iter()
                .map(|r| (format!("{prefix}/{}/", r.key), r.updated_at))
                .collect();
            urlset(&origin, &[], Some(&paths))
        }
    };
    let headers = worker::Headers::new();
    headers.set("content-type", "application/xml; charset=utf-8")?;
    headers.set("cache-control", "public, max-age=3600")?;
    headers.set("cache-tag", public_tags::REGISTRY)?;
    headers.set("x-content-type-options", "nosniff")?;
    Ok(Some(Response::ok(body)?.with_headers(headers)))
}

/// The site's own pages and the listings, under the language root.
fn pages() -> Vec<String> {
    let mut paths: Vec<String> = [
        "",
        "products/",
        "products/identified/",
        "rounds/",
        "statistics/",
        "guide/",
        "faq/",
        "api/",
        "open-data/",
        "search/",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    paths.extend(
        ProductField::ALL
            .iter()
            .map(|f| format!("products/field/{}/", f.code())),
    );
    paths.extend(PROVINCES.iter().map(|p| {
        format!(
            "products/province/{}/",
            p.code().get(..2).unwrap_or_default()
        )
    }));
    paths
}

/// A `urlset` of `plain` paths and `dated` (path, last change) ones, each in both
/// languages.
fn urlset(origin: &str, plain: &[String], dated: Option<&[(String, String)]>) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let entries = plain.iter().map(|p| (p.as_str(), None)).chain(
        dated
            .unwrap_or_default()
            .iter()
            .map(|(p, at)| (p.as_str(), Some(at.as_str()))),
    );
    for (path, at) in entries {
        for root in ROOTS {
            out.push_str("<url><loc>");
            out.push_str(&escape_html(&format!("{origin}{root}{path}")));
            out.push_str("</loc>");
            if let Some(at) = at {
                out.push_str("<lastmod>");
                out.push_str(at.get(..10).unwrap_or(at));
                out.push_str("</lastmod>");
            }
            out.push_str("</url>\n");
        }
    }
    out.push_str("</urlset>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sitemap_addresses() {
        assert_eq!(file_of("/sitemap.xml"), Some(File::Index));
        assert_eq!(file_of("/sitemaps/pages.xml"), Some(File::Pages));
        assert_eq!(file_of("/sitemaps/products-3.xml"), Some(File::Products(3)));
        assert_eq!(
            file_of("/sitemaps/enterprises-0.xml"),
            Some(File::Enterprises(0))
        );
        assert_eq!(file_of("/sitemaps/products--1.xml"), None);
        assert_eq!(file_of("/sitemaps/users-0.xml"), None);
    }

    #[test]
    fn a_file_holds_at_most_50000_addresses() {
        let paths: Vec<(String, String)> = (0..IDS_PER_FILE)
            .map(|i| (format!("products/{i}/"), "2026-12-07T00:00:00Z".to_owned()))
            .collect();
        let xml = urlset("https://example.cn", &[], Some(&paths));
        assert_eq!(xml.matches("<url>").count(), 50_000);
        assert!(
            xml.contains(
                "<loc>https://example.cn/en/products/7/</loc><lastmod>2026-12-07</lastmod>"
            )
        );
    }
}
