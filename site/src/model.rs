//! From the snapshot to what the pages show: products in listing order, enterprises,
//! the listings (all, by field, province, year, identified), rounds, and totals.
//! Everything is sorted, so the same snapshot always gives the same site.

use std::collections::BTreeMap;

use ppr_core::ProductField;
use ppr_core::region::PROVINCES;
use serde::Serialize;

use crate::data::{Product, Round, Snapshot};

/// Products per listing page.
pub const PAGE_SIZE: usize = 50;

/// Products on the home page's "latest" lists.
pub const LATEST: usize = 8;

/// An enterprise and its products (indices into [`Model::products`]).
#[derive(Debug, Clone)]
pub struct EnterpriseEntry {
    /// USCC.
    pub uscc: String,
    /// Name (as on its newest product).
    pub name: String,
    /// Region code.
    pub region_code: String,
    /// Its products, newest first.
    pub products: Vec<usize>,
}

/// A listing: a filter of the registry, paged.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    /// Path under the language root, e.g. `products/field/01/`.
    pub path: String,
    /// Which filter: `all`, `field`, `province`, `year`, `identified`.
    pub kind: &'static str,
    /// The filter's value (field code, province code, year), empty for `all`.
    pub key: String,
    /// Its label in Chinese and English.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// Products, newest first (indices into [`Model::products`]).
    #[serde(skip)]
    pub items: Vec<usize>,
    /// How many.
    pub count: usize,
}

impl Listing {
    /// Pages it takes (at least one, which may be empty).
    #[must_use]
    pub fn pages(&self) -> usize {
        self.items.len().div_ceil(PAGE_SIZE).max(1)
    }

    /// The path of page `n` (1-based).
    #[must_use]
    pub fn page_path(&self, n: usize) -> String {
        if n <= 1 {
            self.path.clone()
        } else {
            format!("{}page/{n}/", self.path)
        }
    }
}

/// Totals for the home page.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Totals {
    /// Recorded (not revoked) products.
    pub products: usize,
    /// Enterprises with a recorded product.
    pub enterprises: usize,
    /// Products identified at least once.
    pub identified: usize,
    /// Distinct linked patents of recorded products.
    pub patents: usize,
}

/// The snapshot, indexed for the pages.
#[derive(Debug)]
pub struct Model {
    /// When the data was read.
    pub taken_at: String,
    /// Every product, newest first (recorded time, then number).
    pub products: Vec<Product>,
    /// Enterprises by USCC.
    pub enterprises: BTreeMap<String, EnterpriseEntry>,
    /// Every listing.
    pub listings: Vec<Listing>,
    /// Rounds, newest first.
    pub rounds: Vec<Round>,
    /// Totals.
    pub totals: Totals,
}

impl Model {
    /// Indexes a snapshot.
    #[must_use]
    pub fn new(snapshot: Snapshot) -> Self {
        let mut products = snapshot.products;
        products.sort_by(|a, b| {
            b.recorded_at
                .cmp(&a.recorded_at)
                .then_with(|| a.registration_number.cmp(&b.registration_number))
        });
        let mut enterprises: BTreeMap<String, EnterpriseEntry> = BTreeMap::new();
        for (i, p) in products.iter().enumerate() {
            enterprises
                .entry(p.enterprise.uscc.clone())
                .or_insert_with(|| EnterpriseEntry {
                    uscc: p.enterprise.uscc.clone(),
                    name: p.enterprise.name.clone(),
                    region_code: p.enterprise.region.code.clone(),
                    products: Vec::new(),
                })
                .products
                .push(i);
        }
        let recorded: Vec<usize> = (0..products.len())
            .filter(|&i| products.get(i).is_some_and(|p| p.status == "recorded"))
            .collect();
        let listings = listings(&products, &recorded);
        let mut patents: Vec<&str> = recorded
            .iter()
            .filter_map(|&i| products.get(i))
            .flat_map(|p| p.patents.iter().map(|x| x.number.as_str()))
            .collect();
        patents.sort_unstable();
        patents.dedup();
        let totals = Totals {
            products: recorded.len(),
            enterprises: enterprises
                .values()
                .filter(|e| {
                    e.products
                        .iter()
                        .any(|&i| products.get(i).is_some_and(|p| p.status == "recorded"))
                })
                .count(),
            identified: products
                .iter()
                .filter(|p| !p.identified_years.is_empty())
                .count(),
            patents: patents.len(),
        };
        let mut rounds = snapshot.rounds;
        rounds.sort_by_key(|r| std::cmp::Reverse(r.year));
        Self {
            taken_at: snapshot.taken_at,
            products,
            enterprises,
            listings,
            rounds,
            totals,
        }
    }

    /// The newest products identified in the newest final round.
    #[must_use]
    pub fn latest_identified(&self) -> Vec<usize> {
        let Some(year) = self
            .rounds
            .iter()
            .find(|r| r.stage == "final")
            .map(|r| r.year)
        else {
            return Vec::new();
        };
        (0..self.products.len())
            .filter(|&i| {
                self.products
                    .get(i)
                    .is_some_and(|p| p.identified_years.contains(&year))
            })
            .take(LATEST)
            .collect()
    }
}

fn listings(products: &[Product], recorded: &[usize]) -> Vec<Listing> {
    let listing = |path: String,
                   kind: &'static str,
                   key: String,
                   labels: (String, String),
                   items: Vec<usize>| Listing {
        path,
        kind,
        key,
        label_zh: labels.0,
        label_en: labels.1,
        count: items.len(),
        items,
    };
    let mut out = vec![listing(
        "products/".to_owned(),
        "all",
        String::new(),
        ("全部".to_owned(), "All".to_owned()),
        recorded.to_vec(),
    )];
    let of = |keep: &dyn Fn(&Product) -> bool| -> Vec<usize> {
        recorded
            .iter()
            .copied()
            .filter(|&i| products.get(i).is_some_and(keep))
            .collect()
    };
    for field in ProductField::ALL {
        out.push(listing(
            format!("products/field/{}/", field.code()),
            "field",
            field.code().to_owned(),
            (field.name_zh().to_owned(), field.name_en().to_owned()),
            of(&|p| p.field.code == field.code()),
        ));
    }
    for province in PROVINCES {
        let code = province.code().get(0..2).unwrap_or_default().to_owned();
        let items = of(&|p| p.enterprise.region.code.starts_with(&code));
        if items.is_empty() {
            continue;
        }
        out.push(listing(
            format!("products/province/{code}/"),
            "province",
            code,
            (province.name_zh().to_owned(), province.name_en().to_owned()),
            items,
        ));
    }
    let mut years: Vec<i64> = recorded
        .iter()
        .filter_map(|&i| products.get(i).map(|p| p.recorded_year))
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    for year in years {
        out.push(listing(
            format!("products/year/{year}/"),
            "year",
            year.to_string(),
            (format!("{year} 年"), year.to_string()),
            of(&|p| p.recorded_year == year),
        ));
    }
    let identified: Vec<usize> = (0..products.len())
        .filter(|&i| {
            products
                .get(i)
                .is_some_and(|p| !p.identified_years.is_empty())
        })
        .collect();
    out.push(listing(
        "products/identified/".to_owned(),
        "identified",
        String::new(),
        ("已认定".to_owned(), "Identified".to_owned()),
        identified,
    ));
    out
}
