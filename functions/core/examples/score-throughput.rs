//! Native speed of the identification core, on synthetic products over every field
//! with the default methodology:
//!
//! - throughput: the formal check of every product, the benchmark set, and the
//!   evaluation of every product, as products per second (benchmarks included);
//! - chunks: the computation of one chunk of the round's product steps
//!   ([`ppr_core::round::CHUNK_PRODUCTS`] products), the part of a Worker invocation
//!   that is ours rather than D1's: slowest and mean over every chunk of the round.
//!
//! Run with `cargo run --release -p ppr-core --example score-throughput [N]`
//! (default 100,000); `scripts/bench-round` prints it beside the round on workerd.

use std::time::{Duration, Instant};

use ppr_core::methodology::{
    LinkedPatent, Methodology, ProductFacts, ProductYear, Scorer, YearFigures, compute_benchmarks,
};
use ppr_core::round::CHUNK_PRODUCTS;
use ppr_core::{PatentKind, ProductField};

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

fn facts(rng: &mut Lcg) -> ProductFacts {
    let sales = i64::try_from(rng.below(50_000_000)).unwrap_or(0) + 100_000;
    let patents = (0..1 + rng.below(4))
        .map(|k| LinkedPatent {
            kind: if rng.below(5) == 0 {
                PatentKind::UtilityModel
            } else {
                PatentKind::Invention
            },
            valid: rng.below(30) != 0,
            core: k == 0 || rng.below(3) == 0,
            contribution_pct: u32::try_from(rng.below(30)).unwrap_or(0),
        })
        .collect();
    ProductFacts {
        recorded: true,
        opted_in: true,
        figures: (rng.below(20) != 0).then(|| YearFigures {
            sales,
            exports: sales / 5,
            profit: sales / i64::try_from(rng.below(20) + 3).unwrap_or(5),
            ip_investment: sales / i64::try_from(rng.below(50) + 10).unwrap_or(20),
        }),
        patents,
        open_objections: 0,
    }
}

fn per_second(n: usize, d: Duration) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "a count for display")]
    let n = n as f64;
    n / d.as_secs_f64()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let Ok(m) = Methodology::default_methodology() else {
        eprintln!("the default methodology does not parse");
        std::process::exit(1);
    };
    let mut rng = Lcg(42);
    let fields = ProductField::ALL;
    let products: Vec<(String, ProductFacts)> = (0..n)
        .map(|i| {
            let field = fields.get(i % fields.len()).map_or("99", |f| f.code());
            (field.to_owned(), facts(&mut rng))
        })
        .collect();

    // The formal check, chunk by chunk as the Worker runs it.
    let mut checked: Vec<(String, ProductYear)> = Vec::with_capacity(n);
    let mut check_chunks = Vec::new();
    let t0 = Instant::now();
    for chunk in products.chunks(CHUNK_PRODUCTS) {
        let started = Instant::now();
        for (field, facts) in chunk {
            let c = m.check(facts);
            checked.push((field.clone(), c.inputs));
        }
        check_chunks.push(started.elapsed());
    }
    let check = t0.elapsed();

    let t1 = Instant::now();
    let set = compute_benchmarks(&m, &checked);
    let benchmarks = t1.elapsed();

    // The evaluation, chunk by chunk.
    let scorer = Scorer::new(&m, &set);
    let mut identified = 0usize;
    let mut score_chunks = Vec::new();
    let t2 = Instant::now();
    for chunk in checked.chunks(CHUNK_PRODUCTS) {
        let started = Instant::now();
        for (field, inputs) in chunk {
            if scorer.outcome(field, inputs).identified {
                identified += 1;
            }
        }
        score_chunks.push(started.elapsed());
    }
    let scoring = t2.elapsed();
    let total = check + benchmarks + scoring;

    println!(
        "{n} products, methodology {}@{}, {identified} identified",
        m.doc().id,
        m.doc().version
    );
    for (name, d) in [
        ("formal check", check),
        ("benchmarks", benchmarks),
        ("evaluation", scoring),
        ("all three", total),
    ] {
        println!(
            "  {name:<13} {:>8.1} ms  {:>10.0} products/s",
            d.as_secs_f64() * 1000.0,
            per_second(n, d)
        );
    }
    for (name, chunks) in [
        ("formal check", &check_chunks),
        ("evaluation", &score_chunks),
    ] {
        let slowest = chunks.iter().max().copied().unwrap_or_default();
        let sum: Duration = chunks.iter().sum();
        let count = u32::try_from(chunks.len().max(1)).unwrap_or(1);
        println!(
            "  chunk of {CHUNK_PRODUCTS} ({name}): slowest {:.0} µs, mean {:.0} µs over {} chunks",
            micros(slowest),
            micros(sum / count),
            chunks.len()
        );
    }
}
