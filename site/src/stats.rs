//! The statistics page: counts by province, field, month and year, and the geometry
//! of their SVG charts, computed here so the templates only draw. Every chart has its
//! numbers in a table beside it, so it reads without the picture and without
//! JavaScript.

use std::collections::BTreeMap;

use ppr_core::ProductField;
use ppr_core::region::PROVINCES;
use serde::Serialize;

use crate::model::Model;

/// Chart width in SVG units; charts scale to their container.
const WIDTH: f64 = 640.0;
/// Room for the labels left of horizontal bars.
const LABEL: f64 = 190.0;
/// Room for the value right of a bar.
const VALUE: f64 = 60.0;
/// Height of one horizontal bar's row.
const ROW: f64 = 22.0;
/// Height of the column chart's plot.
const PLOT: f64 = 180.0;
/// Months shown in the monthly chart.
const MONTHS: usize = 24;

/// One labelled value.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// The value.
    pub value: usize,
    /// A second series' value (identified, beside recorded), if any.
    pub second: Option<usize>,
}

/// A bar (or column) in SVG units.
#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// A drawn row: its data and its bars.
#[derive(Debug, Clone, Serialize)]
pub struct Drawn {
    /// The data.
    pub row: Row,
    /// The first series' bar.
    pub bar: Bar,
    /// The second series' bar.
    pub second: Option<Bar>,
    /// Where the label and value texts sit.
    pub text_y: f64,
    /// Where the value text starts (horizontal charts) or is centred (columns).
    pub value_x: f64,
}

/// A chart ready to draw.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    /// `bars` (horizontal) or `columns`.
    pub kind: &'static str,
    /// View box width.
    pub width: f64,
    /// View box height.
    pub height: f64,
    /// Where horizontal labels end.
    pub label_x: f64,
    /// The rows.
    pub rows: Vec<Drawn>,
}

fn scale(value: usize, max: usize, room: f64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let ratio = if max == 0 {
        0.0
    } else {
        value as f64 / max as f64
    };
    (ratio * room * 10.0).round() / 10.0
}

/// Horizontal bars, one row per entry, two series side by side when given.
#[must_use]
pub fn bars(rows: Vec<Row>) -> Chart {
    let max = rows
        .iter()
        .map(|r| r.value.max(r.second.unwrap_or(0)))
        .max()
        .unwrap_or(0);
    let room = WIDTH - LABEL - VALUE;
    let pairs = rows.iter().any(|r| r.second.is_some());
    let band = if pairs { ROW * 1.6 } else { ROW };
    let drawn: Vec<Drawn> = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            #[expect(clippy::cast_precision_loss, reason = "a handful of rows")]
            let top = i as f64 * band + 4.0;
            let h = if pairs { ROW * 0.7 } else { ROW - 6.0 };
            let w = scale(row.value, max, room);
            let second = row.second.map(|v| Bar {
                x: LABEL,
                y: top + h,
                w: scale(v, max, room),
                h,
            });
            Drawn {
                bar: Bar {
                    x: LABEL,
                    y: top,
                    w,
                    h,
                },
                value_x: LABEL + w.max(second.as_ref().map_or(0.0, |b| b.w)) + 6.0,
                text_y: top + if pairs { h + 4.0 } else { h - 3.0 },
                second,
                row,
            }
        })
        .collect();
    #[expect(clippy::cast_precision_loss, reason = "a handful of rows")]
    let height = drawn.len() as f64 * band + 8.0;
    Chart {
        kind: "bars",
        width: WIDTH,
        height,
        label_x: LABEL - 8.0,
        rows: drawn,
    }
}

/// Vertical columns over a time axis.
#[must_use]
pub fn columns(rows: Vec<Row>) -> Chart {
    let max = rows.iter().map(|r| r.value).max().unwrap_or(0);
    #[expect(clippy::cast_precision_loss, reason = "a handful of rows")]
    let step = WIDTH / rows.len().max(12) as f64;
    let drawn = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let h = scale(row.value, max, PLOT);
            #[expect(clippy::cast_precision_loss, reason = "a handful of rows")]
            let x = i as f64 * step + step * 0.15;
            Drawn {
                bar: Bar {
                    x: (x * 10.0).round() / 10.0,
                    y: PLOT - h + 16.0,
                    w: (step * 0.7 * 10.0).round() / 10.0,
                    h,
                },
                second: None,
                text_y: PLOT - h + 12.0,
                value_x: ((x + step * 0.35) * 10.0).round() / 10.0,
                row,
            }
        })
        .collect();
    Chart {
        kind: "columns",
        width: WIDTH,
        height: PLOT + 40.0,
        label_x: 0.0,
        rows: drawn,
    }
}

/// Everything the statistics page shows.
#[derive(Debug, Clone, Serialize)]
pub struct Statistics {
    /// Recorded products by province, most first.
    pub by_province: Chart,
    /// Recorded products by field.
    pub by_field: Chart,
    /// New registrations per month, the last 24 months with any.
    pub by_month: Chart,
    /// Recorded and identified per year.
    pub by_year: Chart,
}

/// Counts the model's recorded products.
#[must_use]
pub fn statistics(model: &Model) -> Statistics {
    let recorded: Vec<_> = model
        .products
        .iter()
        .filter(|p| p.status == "recorded")
        .collect();
    let mut province: BTreeMap<&str, usize> = BTreeMap::new();
    let mut month: BTreeMap<&str, usize> = BTreeMap::new();
    let mut year: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
    for p in &recorded {
        *province
            .entry(p.enterprise.region.code.get(0..2).unwrap_or_default())
            .or_default() += 1;
        *month
            .entry(p.recorded_at.get(0..7).unwrap_or_default())
            .or_default() += 1;
        year.entry(p.recorded_year).or_default().0 += 1;
    }
    for p in &model.products {
        for y in &p.identified_years {
            year.entry(*y).or_default().1 += 1;
        }
    }
    let mut provinces: Vec<Row> = PROVINCES
        .iter()
        .filter_map(|prov| {
            let code = prov.code().get(0..2)?;
            let value = *province.get(code)?;
            Some(Row {
                label_zh: prov.name_zh().to_owned(),
                label_en: prov.name_en().to_owned(),
                value,
                second: None,
            })
        })
        .collect();
    provinces.sort_by(|a, b| b.value.cmp(&a.value).then(a.label_en.cmp(&b.label_en)));
    let fields = ProductField::ALL
        .iter()
        .map(|f| Row {
            label_zh: f.name_zh().to_owned(),
            label_en: f.name_en().to_owned(),
            value: recorded.iter().filter(|p| p.field.code == f.code()).count(),
            second: None,
        })
        .collect();
    let months: Vec<Row> = month
        .iter()
        .rev()
        .take(MONTHS)
        .rev()
        .map(|(m, n)| Row {
            label_zh: (*m).to_owned(),
            label_en: (*m).to_owned(),
            value: *n,
            second: None,
        })
        .collect();
    let years = year
        .iter()
        .map(|(y, (r, i))| Row {
            label_zh: format!("{y} 年"),
            label_en: y.to_string(),
            value: *r,
            second: Some(*i),
        })
        .collect();
    Statistics {
        by_province: bars(provinces),
        by_field: bars(fields),
        by_month: columns(months),
        by_year: bars(years),
    }
}
