//! The methodology document parser and its formula language. Any text: no panic; a
//! document that parses evaluates its indicators and gates on inputs taken from the
//! same bytes without panicking either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ppr_core::methodology::{Methodology, ProductYear};
use ppr_core::methodology::expr::Expr;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let inputs = inputs_from(data);
    if let Ok(expr) = Expr::parse(text) {
        let _ = expr.eval(&inputs.values());
    }
    if let Ok(methodology) = Methodology::parse(text) {
        let _ = methodology.indicator_values(&inputs);
        let _ = methodology.gate_results(&inputs);
        let _ = methodology.failed_gates(&inputs);
    }
});

/// A product-year whose figures come from the input's bytes (extremes included).
fn inputs_from(data: &[u8]) -> ProductYear {
    let mut words = data.chunks(8).map(|chunk| {
        let mut bytes = [0_u8; 8];
        for (slot, byte) in bytes.iter_mut().zip(chunk) {
            *slot = *byte;
        }
        i64::from_le_bytes(bytes)
    });
    let mut next = || words.next().unwrap_or(0);
    let small = |v: i64| u32::try_from(v.rem_euclid(1_000)).unwrap_or(0);
    ProductYear {
        sales: next(),
        exports: next(),
        profit: next(),
        ip_investment: next(),
        linked_patents: small(next()),
        core_patents: small(next()),
        valid_invention_patents: small(next()),
        contribution_pct: small(next()) % 101,
        recorded: next() & 1 == 1,
        opted_in: next() & 1 == 1,
        has_year_data: next() & 1 == 1,
        open_objections: small(next()),
    }
}
