//! # ppr-form: the browser client of the enterprise's forms
//!
//! The forms the Worker renders work as plain HTML; this client, `ppr-core` compiled
//! to wasm, makes them instant:
//!
//! - every input marked `data-check="uscc"`, `"patent"` or `"region"` is checked as it
//!   is typed, by the same parsers the Worker uses, and the message shows in the
//!   field's error slot (`{id}-error`);
//! - on a form marked `data-preview` (the filing, the annual update), the
//!   identification what-if: the figures typed, with the patents typed (the filing) or
//!   recorded (the update, embedded as `#preview-product`), scored against the newest
//!   benchmark set (embedded as `#preview-context`) by the same scorer as the rounds,
//!   into `#preview-body`.
//!
//! The pure parts ([`check`], [`preview`]) are unit-tested on the host; [`start`]
//! only wires them to the page.

#![forbid(unsafe_code)]

use ppr_core::holding::LegalStatus;
use ppr_core::methodology::{
    Breakdown, LinkedPatent, Methodology, MethodologyDoc, ProductFacts, Scorer, YearFigures,
};
use ppr_core::money::parse_typed_yuan;
use ppr_core::text::escape_html as escape;
use ppr_core::{PatentNumber, RegionCode, Uscc};
use serde::Deserialize;

/// Patent rows the filing form has.
#[cfg_attr(
    not(target_arch = "wasm32"),
    expect(dead_code, reason = "used by the page wiring, which is wasm only")
)]
const PATENT_ROWS: usize = 3;

/// What is wrong with `value` as a `kind` identifier (`uscc`, `patent`, `region`), if
/// anything; nothing for an empty value (the server says what is required).
#[must_use]
pub fn check(kind: &str, value: &str, current_year: i32) -> Option<String> {
    if value.trim().is_empty() {
        return None;
    }
    match kind {
        "uscc" => Uscc::parse(value).err().map(|e| e.to_string()),
        "patent" => PatentNumber::parse(value, current_year)
            .err()
            .map(|e| e.to_string()),
        "region" => RegionCode::parse(value).err().map(|e| e.to_string()),
        _ => None,
    }
}

/// The benchmark set and its methodology, as the page embeds them.
#[derive(Debug, Clone, Deserialize)]
pub struct Context {
    /// The round the set is of.
    pub round: i64,
    /// The methodology document.
    pub methodology: MethodologyDoc,
    /// The set.
    pub set: ppr_core::methodology::BenchmarkSet,
}

/// One patent row as typed.
#[derive(Debug, Clone, Default)]
pub struct PatentRow {
    /// The number.
    pub number: String,
    /// Marked core.
    pub core: bool,
    /// Share, percent.
    pub share: String,
    /// Lapsed or transferred (a recorded patent); a typed one counts as valid.
    pub lapsed: bool,
}

/// A recorded product as the annual update page embeds it: what the preview takes
/// from the record instead of the form.
#[derive(Debug, Clone, Deserialize)]
pub struct Recorded {
    /// Field code.
    pub field: String,
    /// The linked patents.
    pub patents: Vec<RecordedPatent>,
}

/// A linked patent of a [`Recorded`] product.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordedPatent {
    /// The number, canonical.
    pub number: String,
    /// Core patent.
    pub core: bool,
    /// Share, percent.
    pub contribution_pct: u8,
    /// `valid`, `lapsed` or `transferred`.
    pub legal_status: String,
}

impl Recorded {
    /// The record's field and patents, with `figures` typed.
    #[must_use]
    pub fn typed(&self, figures: [String; 4]) -> Typed {
        Typed {
            field: self.field.clone(),
            figures,
            patents: self
                .patents
                .iter()
                .map(|p| PatentRow {
                    number: p.number.clone(),
                    core: p.core,
                    share: p.contribution_pct.to_string(),
                    lapsed: !LegalStatus::from_code(&p.legal_status)
                        .is_some_and(LegalStatus::is_valid),
                })
                .collect(),
        }
    }
}

/// The filing form's values that matter to the preview.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    /// Field code.
    pub field: String,
    /// Sales, exports, profit, IP investment, as typed.
    pub figures: [String; 4],
    /// The patent rows.
    pub patents: Vec<PatentRow>,
}

/// The breakdown the typed values would get, if the field and figures are given:
/// the product as recorded and opted in, its patents valid (their kind from their
/// numbers), scored against the context's set.
#[must_use]
pub fn preview(context: &Context, typed: &Typed, current_year: i32) -> Option<Breakdown> {
    let methodology = Methodology::from_doc(context.methodology.clone()).ok()?;
    if typed.field.is_empty() {
        return None;
    }
    let [sales, exports, profit, ip] = &typed.figures;
    let figures = YearFigures {
        sales: parse_typed_yuan(sales)?,
        exports: parse_typed_yuan(exports).unwrap_or(0),
        profit: parse_typed_yuan(profit).unwrap_or(0),
        ip_investment: parse_typed_yuan(ip).unwrap_or(0),
    };
    let patents = typed
        .patents
        .iter()
        .filter_map(|row| {
            let number = PatentNumber::parse(&row.number, current_year).ok()?;
            Some(LinkedPatent {
                kind: number.patent_type().kind(),
                valid: !row.lapsed,
                core: row.core,
                contribution_pct: row.share.trim().parse().unwrap_or(0),
            })
        })
        .collect();
    let facts = ProductFacts {
        recorded: true,
        opted_in: true,
        figures: Some(figures),
        patents,
        open_objections: 0,
    };
    Some(Scorer::new(&methodology, &context.set).breakdown(&typed.field, &facts.inputs()))
}

fn number(value: Option<f64>) -> String {
    match value {
        None => "—".to_owned(),
        Some(v) if v.abs() >= 1000.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.3}"),
    }
}

/// The preview as HTML (everything escaped), with the labels of the page's language.
#[must_use]
pub fn preview_html(breakdown: &Breakdown, labels: &serde_json::Value) -> String {
    let label = |key: &str| {
        escape(
            labels
                .get(key)
                .and_then(serde_json::Value::as_str)
                .unwrap_or(key),
        )
    };
    let mut html = format!(
        "<p class=\"{}\" data-identified=\"{}\"><strong>{}: {}</strong> · {}</p>",
        if breakdown.identified { "yes" } else { "no" },
        breakdown.identified,
        label("identified"),
        if breakdown.identified {
            label("yes")
        } else {
            label("no")
        },
        escape(&breakdown.reason)
    );
    if !breakdown.indicators.is_empty() {
        html.push_str(&format!(
            "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            label("indicator"),
            label("value"),
            label("benchmark"),
            label("passed")
        ));
        for i in &breakdown.indicators {
            html.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
                escape(&i.id),
                number(i.value),
                number(i.benchmark),
                if i.passed { "yes" } else { "no" },
                if i.passed { label("yes") } else { label("no") }
            ));
        }
        html.push_str("</tbody></table>");
    }
    html
}

#[cfg(target_arch = "wasm32")]
mod page {
    //! Wiring to the page: listeners on the marked inputs and on the filing form.

    use gloo_events::EventListener;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use web_sys::{Document, Element, HtmlInputElement, HtmlSelectElement};

    use super::{Context, PATENT_ROWS, PatentRow, Recorded, Typed, check, preview, preview_html};

    fn current_year() -> i32 {
        i32::try_from(js_sys::Date::new_0().get_full_year()).unwrap_or(i32::MAX)
    }

    fn input_value(document: &Document, id: &str) -> String {
        document
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            .map(|i| i.value())
            .unwrap_or_default()
    }

    fn checked(document: &Document, id: &str) -> bool {
        document
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            .is_some_and(|i| i.checked())
    }

    fn show_check(document: &Document, input: &HtmlInputElement, kind: &str) {
        let message = check(kind, &input.value(), current_year());
        if let Some(slot) = document.get_element_by_id(&format!("{}-error", input.id())) {
            slot.set_text_content(message.as_deref());
        }
        let _ = match message {
            Some(_) => input.set_attribute("aria-invalid", "true"),
            None => input.remove_attribute("aria-invalid"),
        };
    }

    fn typed(document: &Document, recorded: Option<&Recorded>) -> Typed {
        let figure = |name: &str| input_value(document, &format!("economics-{name}"));
        let figures = [
            figure("sales"),
            figure("exports"),
            figure("profit"),
            figure("ip_investment"),
        ];
        if let Some(recorded) = recorded {
            return recorded.typed(figures);
        }
        let field = document
            .get_element_by_id("field")
            .and_then(|e| e.dyn_into::<HtmlSelectElement>().ok())
            .map(|s| s.value())
            .unwrap_or_default();
        Typed {
            field,
            figures,
            patents: (0..PATENT_ROWS)
                .map(|i| PatentRow {
                    number: input_value(document, &format!("patents-{i}-number")),
                    core: checked(document, &format!("patents-{i}-core")),
                    share: input_value(document, &format!("patents-{i}-contribution_pct")),
                    lapsed: false,
                })
                .collect(),
        }
    }

    fn json_of(document: &Document, id: &str) -> Option<serde_json::Value> {
        let text = document.get_element_by_id(id)?.text_content()?;
        serde_json::from_str(&text).ok()
    }

    struct Preview {
        context: Context,
        recorded: Option<Recorded>,
        labels: serde_json::Value,
        body: Element,
    }

    fn refresh(document: &Document, p: &Preview) {
        let (context, labels, body) = (&p.context, &p.labels, &p.body);
        match preview(
            context,
            &typed(document, p.recorded.as_ref()),
            current_year(),
        ) {
            Some(breakdown) => body.set_inner_html(&preview_html(&breakdown, labels)),
            None => body.set_inner_html(""),
        }
    }

    /// Wires the checks and the preview to the page.
    #[wasm_bindgen(start)]
    pub fn start() {
        let document = gloo_utils::document();
        if let Ok(inputs) = document.query_selector_all("input[data-check]") {
            for i in 0..inputs.length() {
                let Some(input) = inputs
                    .item(i)
                    .and_then(|n| n.dyn_into::<HtmlInputElement>().ok())
                else {
                    continue;
                };
                let kind = input.get_attribute("data-check").unwrap_or_default();
                let doc = document.clone();
                let target = input.clone();
                EventListener::new(&input, "input", move |_| show_check(&doc, &target, &kind))
                    .forget();
            }
        }
        let (Some(form), Some(section), Some(body)) = (
            document.query_selector("form[data-preview]").ok().flatten(),
            document.get_element_by_id("preview"),
            document.get_element_by_id("preview-body"),
        ) else {
            return;
        };
        let labels = json_of(&document, "form-strings").unwrap_or_default();
        let Some(context) = json_of(&document, "preview-context")
            .and_then(|v| serde_json::from_value::<Context>(v).ok())
        else {
            // No benchmarks yet: say so once, where the preview would be.
            let text = labels
                .get("unavailable")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            body.set_text_content(Some(text));
            let _ = section.remove_attribute("hidden");
            return;
        };
        let _ = section.remove_attribute("hidden");
        let state = std::rc::Rc::new(Preview {
            context,
            recorded: json_of(&document, "preview-product")
                .and_then(|v| serde_json::from_value::<Recorded>(v).ok()),
            labels,
            body,
        });
        refresh(&document, &state);
        for event in ["input", "change"] {
            let doc = document.clone();
            let state = std::rc::Rc::clone(&state);
            EventListener::new(&form, event, move |_| refresh(&doc, &state)).forget();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppr_core::methodology::{BenchmarkSet, DEFAULT_DOCUMENT, ProductYear, compute_benchmarks};

    #[test]
    fn checks_say_what_is_wrong_as_typed() {
        assert_eq!(check("uscc", "91350100M000100Y43", 2026), None);
        let wrong = check("uscc", "91350100M000100Y4Z", 2026).expect("mistyped");
        assert!(wrong.contains('3'), "{wrong}");
        assert_eq!(check("patent", "ZL201080063196.9", 2026), None);
        assert!(check("patent", "CN102822194B", 2026).is_some());
        assert!(check("region", "999999", 2026).is_some());
        assert_eq!(check("uscc", "  ", 2026), None);
    }

    fn context() -> Context {
        let methodology = Methodology::parse(DEFAULT_DOCUMENT).expect("default");
        let products: Vec<(String, ProductYear)> = (0..40)
            .map(|i: i64| {
                (
                    "01".to_owned(),
                    ProductYear {
                        sales: 1_000_000 + i * 100_000,
                        profit: 100_000,
                        ip_investment: 20_000,
                        linked_patents: 2,
                        core_patents: 1,
                        valid_invention_patents: 1,
                        contribution_pct: 50,
                        recorded: true,
                        opted_in: true,
                        has_year_data: true,
                        ..ProductYear::default()
                    },
                )
            })
            .collect();
        let set: BenchmarkSet = compute_benchmarks(&methodology, &products);
        Context {
            round: 2026,
            methodology: methodology.doc().clone(),
            set,
        }
    }

    #[test]
    fn the_preview_scores_what_is_typed() {
        let typed = Typed {
            field: "01".into(),
            figures: [
                "9,000,000".into(),
                "0".into(),
                "2000000".into(),
                "500000".into(),
            ],
            patents: vec![
                PatentRow {
                    number: "ZL201080063196.9".into(),
                    core: true,
                    share: "80".into(),
                    lapsed: false,
                },
                PatentRow::default(),
            ],
        };
        let breakdown = preview(&context(), &typed, 2026).expect("scored");
        assert!(breakdown.identified, "{breakdown:?}");
        let html = preview_html(&breakdown, &serde_json::json!({"yes": "是"}));
        assert!(
            html.contains("data-identified=\"true\"") && html.contains("是"),
            "{html}"
        );
        let empty = Typed {
            field: "01".into(),
            ..Typed::default()
        };
        assert!(
            preview(&context(), &empty, 2026).is_none(),
            "no sales, no preview"
        );
    }

    #[test]
    fn html_is_escaped() {
        let mut breakdown = preview(
            &context(),
            &Typed {
                field: "01".into(),
                figures: ["1".into(), String::new(), String::new(), String::new()],
                patents: Vec::new(),
            },
            2026,
        )
        .expect("scored");
        breakdown.reason = "<script>".into();
        assert!(preview_html(&breakdown, &serde_json::json!({})).contains("&lt;script&gt;"));
    }

    #[test]
    fn a_recorded_product_brings_its_field_and_patents() {
        let recorded: Recorded = serde_json::from_value(serde_json::json!({
            "field": "01",
            "patents": [
                {"number": "201080063196.9", "core": true, "contribution_pct": 80, "legal_status": "valid"},
                {"number": "201120000001.3", "core": false, "contribution_pct": 10, "legal_status": "lapsed"},
            ],
        }))
        .expect("recorded");
        let figures = ["9000000", "0", "2000000", "500000"].map(String::from);
        let typed = recorded.typed(figures.clone());
        assert_eq!(typed.field, "01");
        assert_eq!(
            typed.patents.iter().map(|p| p.lapsed).collect::<Vec<_>>(),
            [false, true]
        );
        let breakdown = preview(&context(), &typed, 2026).expect("scored");
        assert!(breakdown.identified, "{breakdown:?}");
        // Only lapsed patents: not identified, whatever the figures.
        let mut lapsed = recorded;
        for p in &mut lapsed.patents {
            p.legal_status = "lapsed".into();
        }
        let breakdown = preview(&context(), &lapsed.typed(figures), 2026).expect("scored");
        assert!(!breakdown.identified, "{breakdown:?}");
    }
}
