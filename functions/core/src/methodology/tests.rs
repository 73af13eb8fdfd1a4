use super::*;

fn product(sales: i64, valid_inventions: u32, core: u32, linked: u32, share: u32) -> ProductYear {
    ProductYear {
        sales,
        exports: 0,
        profit: sales / 10,
        ip_investment: sales / 20,
        linked_patents: linked,
        core_patents: core,
        valid_invention_patents: valid_inventions,
        contribution_pct: share,
        recorded: true,
        opted_in: true,
        has_year_data: true,
        open_objections: 0,
    }
}

/// A small methodology: the median per field with a minimum sample of 3.
fn small(min_sample: usize, percentile: f64, min_dimensions: usize) -> Methodology {
    let mut doc: MethodologyDoc = serde_json::from_str(DEFAULT_DOCUMENT).expect("default");
    doc.benchmark.min_sample = min_sample;
    doc.benchmark.percentile = percentile;
    doc.decision.min_dimensions = min_dimensions;
    Methodology::from_doc(doc).expect("valid")
}

#[test]
fn the_default_document_is_valid_and_says_it_is_a_default() {
    let m = Methodology::default_methodology().expect("default parses");
    assert_eq!(m.doc().benchmark.percentile, 50.0);
    assert_eq!(m.doc().benchmark.min_sample, 30);
    assert!(m.doc().notice.contains("Configurable default"));
}

#[test]
fn percentiles_by_hand() {
    let cases: [(&[f64], f64, Option<f64>); 7] = [
        (&[], 50.0, None),
        (&[7.0], 50.0, Some(7.0)),
        (&[1.0, 2.0, 3.0], 50.0, Some(2.0)),
        (&[1.0, 2.0, 3.0, 4.0], 50.0, Some(2.5)),
        (&[1.0, 2.0, 3.0, 4.0], 75.0, Some(3.25)),
        (&[5.0, 5.0, 5.0, 9.0], 50.0, Some(5.0)),
        (&[1.0, 9.0], 100.0, Some(9.0)),
    ];
    for (values, p, want) in cases {
        assert_eq!(percentile(values, p), want, "{values:?} P{p}");
    }
}

#[test]
fn benchmarks_by_hand_with_fallback_and_ties() {
    let m = small(3, 50.0, 2);
    // Field 01: three products (enough); field 02: one (falls back to all fields);
    // one product fails a gate and does not count.
    let mut gated = product(1_000_000, 1, 1, 1, 50);
    gated.opted_in = false;
    let products = vec![
        ("01".to_owned(), product(100, 1, 1, 2, 50)),
        ("01".to_owned(), product(300, 2, 1, 2, 50)),
        ("01".to_owned(), product(300, 3, 2, 2, 50)),
        ("02".to_owned(), product(1000, 1, 1, 1, 100)),
        ("02".to_owned(), gated),
    ];
    let set = compute_benchmarks(&m, &products);
    let sales_01 = set.get("01", "sales").expect("01");
    assert_eq!(
        (sales_01.value, sales_01.sample_size, sales_01.source),
        (Some(300.0), 3, BenchmarkSource::Field)
    );
    let sales_02 = set.get("02", "sales").expect("02");
    // All eligible: 100, 300, 300, 1000 → median 300.
    assert_eq!(
        (sales_02.value, sales_02.sample_size, sales_02.source),
        (Some(300.0), 4, BenchmarkSource::All)
    );
    assert!(!sales_02.below_min_sample);
    let inventions = set.get("01", "valid_inventions").expect("inv");
    assert_eq!(inventions.value, Some(2.0));
    // An empty field falls back to all fields, too.
    assert_eq!(set.get("07", "sales").and_then(|b| b.value), Some(300.0));
    assert_eq!(set.benchmarks.len(), 8 * m.doc().indicators.len());
}

#[test]
fn tiny_and_empty_rounds() {
    let m = small(30, 50.0, 2);
    let empty = compute_benchmarks(&m, &[]);
    assert!(
        empty
            .benchmarks
            .iter()
            .all(|b| b.value.is_none() && b.below_min_sample)
    );
    let one = compute_benchmarks(&m, &[("03".to_owned(), product(500, 1, 1, 1, 80))]);
    let b = one.get("03", "sales").expect("b");
    assert_eq!(
        (b.value, b.sample_size, b.below_min_sample),
        (Some(500.0), 1, true)
    );
    // Alone, it meets its own benchmarks.
    let result = evaluate(&m, &one, "03", &product(500, 1, 1, 1, 80));
    assert!(result.identified, "{result:?}");
}

#[test]
fn gates_and_the_decision_rule() {
    let m = small(3, 50.0, 2);
    let products = vec![
        ("01".to_owned(), product(100, 1, 1, 2, 50)),
        ("01".to_owned(), product(300, 2, 1, 2, 50)),
        ("01".to_owned(), product(500, 3, 2, 2, 50)),
    ];
    let set = compute_benchmarks(&m, &products);
    // Sales at the median, all three patent dimensions at or above: identified.
    let top = evaluate(&m, &set, "01", &product(500, 3, 2, 2, 50));
    assert_eq!((top.identified, top.rule.as_str()), (true, "identified"));
    // Below the sales benchmark: the required rule decides.
    let low = evaluate(&m, &set, "01", &product(100, 3, 2, 2, 50));
    assert_eq!(low.rule, "required_failed");
    // Sales fine, one patent dimension only: short of two.
    let thin = evaluate(&m, &set, "01", &product(500, 1, 0, 2, 10));
    assert_eq!(thin.rule, "dimensions_short", "{thin:?}");
    // A gate: no valid invention patent.
    let gated = evaluate(&m, &set, "01", &product(500, 0, 2, 2, 50));
    assert_eq!(
        (gated.eligible, gated.rule.as_str()),
        (false, "gate_failed")
    );
    assert!(gated.reason.contains("valid_invention"), "{}", gated.reason);
    assert!(gated.indicators.is_empty());
    let mut objected = product(500, 3, 2, 2, 50);
    objected.open_objections = 1;
    assert_eq!(evaluate(&m, &set, "01", &objected).rule, "gate_failed");
}

#[test]
fn another_document_changes_the_outcome_without_code() {
    let products: Vec<(String, ProductYear)> = (1..=10)
        .map(|i| {
            (
                "05".to_owned(),
                product(i * 100, 1 + (i % 3) as u32, 1, 2, 40),
            )
        })
        .collect();
    let candidate = product(600, 2, 1, 2, 40);
    let median = small(3, 50.0, 2);
    let strict = small(3, 90.0, 3);
    let a = evaluate(
        &median,
        &compute_benchmarks(&median, &products),
        "05",
        &candidate,
    );
    let b = evaluate(
        &strict,
        &compute_benchmarks(&strict, &products),
        "05",
        &candidate,
    );
    assert!(a.identified, "{a:?}");
    assert!(!b.identified, "{b:?}");
}

#[test]
fn same_inputs_same_bytes() {
    let m = small(3, 50.0, 2);
    let mut products: Vec<(String, ProductYear)> = (0..200)
        .map(|i: i64| {
            let field = ["01", "02", "03", "05"][usize::try_from(i % 4).unwrap_or(0)].to_owned();
            (
                field,
                product(
                    1000 + i * 37 % 501,
                    u32::try_from(i % 4).unwrap_or(0),
                    1,
                    3,
                    u32::try_from(i % 90).unwrap_or(0),
                ),
            )
        })
        .collect();
    let set = compute_benchmarks(&m, &products);
    let first = serde_json::to_vec(&set).expect("json");
    // Order of the input does not matter either.
    products.reverse();
    let again = compute_benchmarks(&m, &products);
    assert_eq!(first, serde_json::to_vec(&again).expect("json"));
    for (field, p) in &products {
        let x = serde_json::to_vec(&evaluate(&m, &set, field, p)).expect("json");
        let y = serde_json::to_vec(&evaluate(&m, &again, field, p)).expect("json");
        assert_eq!(x, y);
    }
}

#[test]
fn invalid_documents_name_the_line_or_key() {
    let err = Methodology::parse("{\n  \"id\": \"x\",\n  \"version\": 3\n}").expect_err("type");
    assert!(
        err[0].path.contains("line 3") && err[0].path.contains("version"),
        "{err:?}"
    );
    let err = Methodology::parse("{ not json").expect_err("syntax");
    assert!(err[0].path.starts_with("line 1"), "{err:?}");
    let mut doc: MethodologyDoc = serde_json::from_str(DEFAULT_DOCUMENT).expect("default");
    doc.indicators[1].formula = "profit / revenue".into();
    doc.indicators[2].id = "sales".into();
    doc.benchmark.percentile = 120.0;
    doc.decision.required = vec!["turnover".into()];
    doc.decision.dimensions.push("luck".into());
    doc.gates[0].at_least = None;
    let err = Methodology::from_doc(doc).expect_err("rules");
    let paths: Vec<&str> = err.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "indicators[1].formula",
            "indicators[2].id",
            "gates[0]",
            "benchmark.percentile",
            "decision.required[0]",
            "decision.dimensions[3]"
        ]
    );
    assert!(err[0].message.contains("revenue"), "{}", err[0]);
}

/// The way the Worker computes benchmarks (counts, then the order statistics each
/// plan asks for) gives the same set as the computation in memory.
#[test]
fn planned_benchmarks_equal_the_computed_ones() {
    let m = small(4, 37.5, 2);
    let products: Vec<(String, ProductYear)> = (0..120i64)
        .map(|i| {
            let field = ["01", "01", "02", "03", "05", "99"][usize::try_from(i % 6).unwrap_or(0)];
            let mut p = product(
                10_000 + (i * 7919) % 3001,
                u32::try_from(i % 5).unwrap_or(0),
                u32::try_from(i % 3).unwrap_or(0),
                3,
                u32::try_from((i * 13) % 101).unwrap_or(0),
            );
            p.profit = (i * 31) % 997 - 300;
            (field.to_owned(), p)
        })
        .collect();
    let computed = compute_benchmarks(&m, &products);
    // What D1 holds: each eligible product's values, by field and indicator.
    let mut stored: Vec<(String, usize, f64)> = Vec::new();
    for (field, p) in &products {
        if m.passes_gates(p) {
            for (k, v) in m.indicator_values(p).into_iter().enumerate() {
                if let Some(v) = v {
                    stored.push((field.clone(), k, v));
                }
            }
        }
    }
    let mut planned = BenchmarkSet::new(&m);
    let mut per_indicator = Vec::new();
    for k in 0..m.doc().indicators.len() {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for (field, kk, _) in &stored {
            if *kk == k {
                match counts.iter_mut().find(|(f, _)| f == field) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((field.clone(), 1)),
                }
            }
        }
        let plans = plan_benchmark(&m, k, &counts);
        let finished: Vec<Benchmark> = plans
            .iter()
            .map(|plan| {
                // SELECT value … ORDER BY value LIMIT 2 OFFSET lower
                let mut sample: Vec<f64> = stored
                    .iter()
                    .filter(|(f, kk, _)| {
                        *kk == k && (plan.sample.source == BenchmarkSource::All || f == plan.field)
                    })
                    .map(|(_, _, v)| *v)
                    .collect();
                sample.sort_by(f64::total_cmp);
                let lower = plan.rank.and_then(|r| sample.get(r.lower).copied());
                let upper = plan.rank.and_then(|r| sample.get(r.lower + 1).copied());
                plan.finish(lower, upper)
            })
            .collect();
        per_indicator.push(finished);
    }
    for s in 0..crate::ProductField::ALL.len() {
        for list in &per_indicator {
            planned.benchmarks.push(list[s].clone());
        }
    }
    assert!(planned.is_complete_for(&m));
    assert_eq!(
        serde_json::to_string(&computed).expect("json"),
        serde_json::to_string(&planned).expect("json")
    );
}

#[test]
fn the_outcome_and_the_breakdown_agree() {
    let m = Methodology::default_methodology().expect("default");
    let products: Vec<(String, ProductYear)> = (0..400i64)
        .map(|i| {
            let field = crate::ProductField::ALL[usize::try_from(i % 8).unwrap_or(0)].code();
            let mut p = product(
                50_000 + (i * 104_729) % 900_000,
                u32::try_from(i % 4).unwrap_or(0),
                u32::try_from(i % 3).unwrap_or(0),
                1 + u32::try_from(i % 4).unwrap_or(0),
                u32::try_from((i * 17) % 101).unwrap_or(0),
            );
            p.opted_in = i % 11 != 0;
            p.ip_investment = (i * 7) % 20_000;
            (field.to_owned(), p)
        })
        .collect();
    let set = compute_benchmarks(&m, &products);
    let scorer = Scorer::new(&m, &set);
    let mut rules = std::collections::BTreeSet::new();
    for (field, p) in &products {
        let outcome = scorer.outcome(field, p);
        let breakdown = scorer.breakdown(field, p);
        assert_eq!(outcome.identified, breakdown.identified);
        assert_eq!(outcome.rule.code(), breakdown.rule);
        assert_eq!(
            outcome.dimensions_passed,
            breakdown.dimensions.iter().filter(|d| d.passed).count()
        );
        rules.insert(breakdown.rule);
    }
    // The data reaches every rule.
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        [
            "dimensions_short",
            "gate_failed",
            "identified",
            "required_failed"
        ]
    );
}

#[test]
fn facts_become_inputs() {
    use crate::PatentKind;
    let patent = |kind, valid, core, share| LinkedPatent {
        kind,
        valid,
        core,
        contribution_pct: share,
    };
    let facts = ProductFacts {
        recorded: true,
        opted_in: true,
        figures: Some(YearFigures {
            sales: 1_000,
            exports: 10,
            profit: 100,
            ip_investment: 50,
        }),
        patents: vec![
            patent(PatentKind::Invention, true, true, 60),
            patent(PatentKind::Invention, false, false, 30),
            patent(PatentKind::UtilityModel, true, true, 30),
        ],
        open_objections: 0,
    };
    let inputs = facts.inputs();
    assert_eq!(
        (
            inputs.linked_patents,
            inputs.core_patents,
            inputs.valid_invention_patents,
            inputs.contribution_pct
        ),
        (3, 2, 1, 100),
        "shares are capped at 100"
    );
    assert!(inputs.has_year_data);
    let bare = ProductFacts {
        figures: None,
        ..facts
    }
    .inputs();
    assert!(!bare.has_year_data);
    assert_eq!(bare.sales, 0);
}

#[test]
fn an_upheld_objection_changes_the_rule_not_the_figures() {
    let m = small(1, 50.0, 2);
    let products = vec![("01".to_owned(), product(500, 3, 2, 2, 50))];
    let set = compute_benchmarks(&m, &products);
    let listed = evaluate(&m, &set, "01", &products[0].1);
    assert!(listed.identified);
    let removed = listed
        .clone()
        .removed_by_objection(7, "the patent was transferred");
    assert_eq!(
        (removed.identified, removed.rule.as_str()),
        (false, "objection_upheld")
    );
    assert_eq!(removed.indicators, listed.indicators);
    assert!(removed.reason.contains("objection 7"));
}
