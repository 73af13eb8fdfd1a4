//! Native scoring throughput of the identification core: builds 100,000 synthetic
//! product-years over every field, computes the benchmark set with the default
//! methodology, then evaluates every product, and prints products per second for
//! each step and both together. Run with
//! `cargo run --release -p ppr-core --example score-throughput [N]`.

use std::time::Instant;

use ppr_core::ProductField;
use ppr_core::methodology::{Methodology, ProductYear, Scorer, compute_benchmarks};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let Ok(m) = Methodology::default_methodology() else {
        eprintln!("the default methodology does not parse");
        std::process::exit(1);
    };
    let mut seed: u64 = 42;
    let mut next = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let fields = ProductField::ALL;
    let products: Vec<(String, ProductYear)> = (0..n)
        .map(|i| {
            let sales = i64::try_from(next() % 50_000_000).unwrap_or(0) + 100_000;
            let linked = u32::try_from(next() % 8).unwrap_or(0) + 1;
            let year = ProductYear {
                sales,
                exports: sales / 5,
                profit: sales / i64::try_from(next() % 20 + 3).unwrap_or(5),
                ip_investment: sales / i64::try_from(next() % 50 + 10).unwrap_or(20),
                linked_patents: linked,
                core_patents: u32::try_from(next()).unwrap_or(0) % (linked + 1),
                valid_invention_patents: u32::try_from(next()).unwrap_or(0) % (linked + 1),
                contribution_pct: u32::try_from(next() % 101).unwrap_or(0),
                recorded: true,
                opted_in: next() % 10 != 0,
                has_year_data: true,
                open_objections: 0,
            };
            let field = fields.get(i % fields.len()).map_or("99", |f| f.code());
            (field.to_owned(), year)
        })
        .collect();

    let t0 = Instant::now();
    let set = compute_benchmarks(&m, &products);
    let benchmarks = t0.elapsed();
    let t1 = Instant::now();
    let scorer = Scorer::new(&m, &set);
    let mut identified = 0usize;
    for (field, p) in &products {
        if scorer.outcome(field, p).identified {
            identified += 1;
        }
    }
    let scoring = t1.elapsed();
    let total = benchmarks + scoring;
    #[expect(clippy::cast_precision_loss, reason = "a count for display")]
    let per_second = |d: std::time::Duration| n as f64 / d.as_secs_f64();
    println!(
        "{n} products, methodology {}@{}",
        m.doc().id,
        m.doc().version
    );
    println!(
        "  benchmarks   {:>8.1} ms  ({:.0} products/s)",
        benchmarks.as_secs_f64() * 1000.0,
        per_second(benchmarks)
    );
    println!(
        "  evaluation   {:>8.1} ms  ({:.0} products/s)",
        scoring.as_secs_f64() * 1000.0,
        per_second(scoring)
    );
    println!(
        "  both         {:>8.1} ms  ({:.0} products/s); {identified} identified",
        total.as_secs_f64() * 1000.0,
        per_second(total)
    );
}
