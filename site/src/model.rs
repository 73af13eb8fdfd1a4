//! From the snapshot to what the static pages show: products newest first,
//! enterprises, rounds, and totals.
//! Everything is sorted, so the same snapshot always gives the same site.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::{Product, Round, Snapshot};

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
