//! `statistics/`: recorded products by province, field, month and year, identified
//! beside recorded, from the counts the daily open-data run takes
//! ([`crate::open_data::Counts`]), so the page is at most a day old, says the time of
//! its data, and costs one small read however large the registry. The geometry of the
//! SVG charts is computed here so the template only draws; every chart has its
//! numbers in a table beside it, so it reads without the picture and without
//! JavaScript.

use ppr_core::ProductField;
use ppr_core::region::PROVINCES;
use serde::Serialize;
use worker::Response;

use super::{Out, Shown};
use crate::config::Config;
use crate::error::ApiError;
use crate::http::public_tags;
use crate::open_data::Counts;

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

/// The charts of a day's counts.
#[must_use]
pub fn statistics(counts: &Counts) -> Statistics {
    let count = |list: &[(String, i64)], key: &str| {
        list.iter()
            .find(|(k, _)| k == key)
            .map_or(0, |(_, n)| usize::try_from(*n).unwrap_or(0))
    };
    let mut provinces: Vec<Row> = PROVINCES
        .iter()
        .filter_map(|prov| {
            let value = count(&counts.by_province, prov.code().get(0..2)?);
            (value > 0).then(|| Row {
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
            value: count(&counts.by_field, f.code()),
            second: None,
        })
        .collect();
    let mut months = counts.by_month.clone();
    months.sort();
    let months: Vec<Row> = months
        .iter()
        .rev()
        .take(MONTHS)
        .rev()
        .map(|(m, n)| Row {
            label_zh: m.clone(),
            label_en: m.clone(),
            value: usize::try_from(*n).unwrap_or(0),
            second: None,
        })
        .collect();
    let mut years: Vec<&String> = counts
        .by_year
        .iter()
        .chain(&counts.identified_by_year)
        .map(|(y, _)| y)
        .collect();
    years.sort();
    years.dedup();
    let years = years
        .into_iter()
        .map(|y| Row {
            label_zh: format!("{y} 年"),
            label_en: y.clone(),
            value: count(&counts.by_year, y),
            second: Some(count(&counts.identified_by_year, y)),
        })
        .collect();
    Statistics {
        by_province: bars(provinces),
        by_field: bars(fields),
        by_month: columns(months),
        by_year: bars(years),
    }
}

/// `statistics/`: the newest day's counts, or a page saying when the first will be.
///
/// # Errors
///
/// The database or R2 failed.
pub async fn page(out: &Out<'_>, config: &Config) -> Result<Response, ApiError> {
    let counts = crate::open_data::latest_counts(config).await?;
    #[derive(Serialize)]
    struct Shows {
        s: Option<Statistics>,
        as_of: String,
        total: i64,
    }
    let data = Shows {
        total: counts
            .as_ref()
            .map_or(0, |c| c.by_field.iter().map(|(_, n)| n).sum()),
        as_of: counts.as_ref().map(|c| c.as_of.clone()).unwrap_or_default(),
        s: counts.as_ref().map(statistics),
    };
    out.answer(Shown {
        template: "statistics.html",
        status: 200,
        path: "statistics/",
        data,
        tags: vec![public_tags::LISTINGS.to_owned()],
        qr: false,
    })
}
