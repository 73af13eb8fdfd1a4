//! What a round made of each product: the facts read at the formal check, indicator
//! values, benchmarks, outcomes, certificates. Every write here takes a chunk's rows
//! as one JSON parameter (`json_each`), so a chunk of hundreds of products is a
//! handful of statements, and upserts, so a chunk that runs twice writes the same rows.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{Param, all, first, statement};

/// One opted-in product's facts, as the formal check reads them.
#[derive(Debug, Clone, Deserialize)]
pub struct FactsRow {
    /// Product id.
    pub id: i64,
    /// Its enterprise.
    pub enterprise_id: i64,
    /// Field code.
    pub field: String,
    /// Region code.
    pub region_code: String,
    /// `recorded` or `revoked`.
    pub status: String,
    /// The previous year's figures, when present.
    pub sales: Option<i64>,
    /// Exports.
    pub exports: Option<i64>,
    /// Profit.
    pub profit: Option<i64>,
    /// IP investment.
    pub ip_investment: Option<i64>,
    /// Linked patents: JSON `[[kind, legal_status, is_core, contribution_pct], …]`.
    pub patents: String,
    /// Objections open against it in the round.
    pub open_objections: i64,
}

/// The next `limit` products that opted in to round `year` after product `after`.
///
/// # Errors
///
/// The database failed.
pub async fn facts(
    db: &D1Database,
    year: i64,
    after: i64,
    limit: i64,
) -> worker::Result<Vec<FactsRow>> {
    all(
        db,
        "SELECT p.id, p.enterprise_id, p.field, p.region_code, p.status,
                y.sales, y.exports, y.profit, y.ip_investment,
                (SELECT json_group_array(json_array(t.kind, t.legal_status, pp.is_core, pp.contribution_pct))
                   FROM product_patents pp JOIN patents t ON t.id = pp.patent_id
                  WHERE pp.product_id = p.id) AS patents,
                (SELECT count(*) FROM objections o
                  WHERE o.year = ?1 AND o.product_id = p.id AND o.status = 'open') AS open_objections
         FROM products p
         LEFT JOIN product_years y ON y.product_id = p.id AND y.year = ?1 - 1
         WHERE p.opt_in_year = ?1 AND p.id > ?2
         ORDER BY p.id LIMIT ?3",
        &[Param::Int(year), Param::Int(after), Param::Int(limit)],
    )
    .await
}

/// SQL counting the products that opted in to round `?1`.
pub const COUNT_OPTED_IN: &str = "SELECT count(*) FROM products WHERE opt_in_year = ?1";

/// SQL counting the eligible entries of round `?1`.
pub const COUNT_ELIGIBLE: &str =
    "SELECT count(*) FROM round_entries WHERE year = ?1 AND eligible = 1";

/// SQL counting the entries of round `?1` on its list.
pub const COUNT_LISTED: &str =
    "SELECT count(*) FROM round_entries WHERE year = ?1 AND outcome = 'identified'";

/// Upserts a chunk's entries. `entries_json` is an array of objects
/// `{p, e, f, r, i, ok, g}`: product, enterprise, field, region, inputs, eligible
/// (0/1), failed gate ids.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn upsert_entries(
    db: &D1Database,
    year: i64,
    entries_json: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO round_entries (year, product_id, enterprise_id, field, region_code, inputs,
            eligible, failed_gates, outcome, rule)
         SELECT ?1, json_extract(j.value, '$.p'), json_extract(j.value, '$.e'),
                json_extract(j.value, '$.f'), json_extract(j.value, '$.r'),
                json_extract(j.value, '$.i'), json_extract(j.value, '$.ok'),
                json_extract(j.value, '$.g'),
                CASE WHEN json_extract(j.value, '$.ok') = 1 THEN NULL ELSE 'ineligible' END,
                CASE WHEN json_extract(j.value, '$.ok') = 1 THEN NULL ELSE 'gate_failed' END
         FROM json_each(?2) j WHERE true
         ON CONFLICT (year, product_id) DO UPDATE SET enterprise_id = excluded.enterprise_id,
            field = excluded.field, region_code = excluded.region_code, inputs = excluded.inputs,
            eligible = excluded.eligible, failed_gates = excluded.failed_gates,
            outcome = excluded.outcome, rule = excluded.rule, benchmark_set_id = NULL,
            objection_id = NULL",
        &[Param::Int(year), Param::Text(entries_json)],
    )
}

/// Upserts a chunk's indicator values: `values_json` is an array of
/// `[indicator, product, field, value]`.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn upsert_values(
    db: &D1Database,
    year: i64,
    values_json: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO round_values (year, indicator, product_id, field, value)
         SELECT ?1, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'),
                json_extract(j.value, '$[2]'), json_extract(j.value, '$[3]')
         FROM json_each(?2) j WHERE true
         ON CONFLICT (year, indicator, product_id) DO UPDATE SET field = excluded.field,
            value = excluded.value",
        &[Param::Int(year), Param::Text(values_json)],
    )
}

/// Clears what the formal check made of round `year`, before it runs again.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn clear_formal_check(db: &D1Database, year: i64) -> worker::Result<Vec<D1PreparedStatement>> {
    ["round_values", "round_benchmarks", "round_entries"]
        .iter()
        .map(|table| {
            statement(
                db,
                &format!("DELETE FROM {table} WHERE year = ?1"),
                &[Param::Int(year)],
            )
        })
        .collect()
}

/// Clears what the evaluation made of round `year`, before it runs again.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn clear_evaluation(db: &D1Database, year: i64) -> worker::Result<Vec<D1PreparedStatement>> {
    Ok(vec![
        statement(
            db,
            "DELETE FROM round_benchmarks WHERE year = ?1",
            &[Param::Int(year)],
        )?,
        statement(
            db,
            "UPDATE round_entries SET outcome = NULL, rule = NULL, benchmark_set_id = NULL
             WHERE year = ?1 AND eligible = 1",
            &[Param::Int(year)],
        )?,
        statement(
            db,
            "UPDATE rounds SET benchmark_set_id = NULL WHERE year = ?1",
            &[Param::Int(year)],
        )?,
    ])
}

/// How many values indicator `k` has in each field.
#[derive(Debug, Clone, Deserialize)]
pub struct FieldCount {
    /// Field code.
    pub field: String,
    /// Values.
    pub n: i64,
}

/// Indicator `k`'s value counts per field in round `year`.
///
/// # Errors
///
/// The database failed.
pub async fn value_counts(db: &D1Database, year: i64, k: i64) -> worker::Result<Vec<FieldCount>> {
    all(
        db,
        "SELECT field, count(*) AS n FROM round_values WHERE year = ?1 AND indicator = ?2
         GROUP BY field ORDER BY field",
        &[Param::Int(year), Param::Int(k)],
    )
    .await
}

/// The order statistics at `offset` and `offset + 1` (0-based, ascending) of
/// indicator `k`'s values in `field`, or in every field when `field` is `None`.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn order_statistics(
    db: &D1Database,
    year: i64,
    k: i64,
    field: Option<&str>,
    offset: i64,
) -> worker::Result<D1PreparedStatement> {
    match field {
        Some(field) => statement(
            db,
            "SELECT value FROM round_values WHERE year = ?1 AND indicator = ?2 AND field = ?3
             ORDER BY value LIMIT 2 OFFSET ?4",
            &[
                Param::Int(year),
                Param::Int(k),
                Param::Text(field),
                Param::Int(offset),
            ],
        ),
        None => statement(
            db,
            "SELECT value FROM round_values WHERE year = ?1 AND indicator = ?2
             ORDER BY value LIMIT 2 OFFSET ?3",
            &[Param::Int(year), Param::Int(k), Param::Int(offset)],
        ),
    }
}

/// Upserts indicator `k`'s benchmarks: `benchmarks_json` is an array of
/// `[field, benchmark JSON text]`.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn upsert_benchmarks(
    db: &D1Database,
    year: i64,
    k: i64,
    benchmarks_json: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "INSERT INTO round_benchmarks (year, indicator, field, content)
         SELECT ?1, ?2, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]')
         FROM json_each(?3) j WHERE true
         ON CONFLICT (year, indicator, field) DO UPDATE SET content = excluded.content",
        &[
            Param::Int(year),
            Param::Int(k),
            Param::Text(benchmarks_json),
        ],
    )
}

/// A stored benchmark.
#[derive(Debug, Clone, Deserialize)]
pub struct BenchmarkRow {
    /// Indicator index.
    pub indicator: i64,
    /// Field code.
    pub field: String,
    /// The benchmark as JSON.
    pub content: String,
}

/// Round `year`'s benchmarks so far.
///
/// # Errors
///
/// The database failed.
pub async fn benchmarks(db: &D1Database, year: i64) -> worker::Result<Vec<BenchmarkRow>> {
    all(
        db,
        "SELECT indicator, field, content FROM round_benchmarks WHERE year = ?1
         ORDER BY field, indicator",
        &[Param::Int(year)],
    )
    .await
}

/// An entry's inputs, for scoring.
#[derive(Debug, Clone, Deserialize)]
pub struct InputsRow {
    /// Product id.
    pub product_id: i64,
    /// Field code.
    pub field: String,
    /// `ProductYear` JSON.
    pub inputs: String,
}

/// The next `limit` eligible entries of round `year` after product `after`.
///
/// # Errors
///
/// The database failed.
pub async fn eligible(
    db: &D1Database,
    year: i64,
    after: i64,
    limit: i64,
) -> worker::Result<Vec<InputsRow>> {
    all(
        db,
        "SELECT product_id, field, inputs FROM round_entries
         WHERE year = ?1 AND eligible = 1 AND product_id > ?2 ORDER BY product_id LIMIT ?3",
        &[Param::Int(year), Param::Int(after), Param::Int(limit)],
    )
    .await
}

/// Sets a chunk's outcomes: `outcomes_json` is an object
/// `{"<product id>": [outcome, rule], …}`. Each row reads its own key (SQLite parses
/// the parameter once per statement), so the statement visits only the chunk's rows;
/// an `UPDATE … FROM json_each` would scan the round's entries once per product.
///
/// # Errors
///
/// D1 refuses the binding.
pub fn set_outcomes(
    db: &D1Database,
    year: i64,
    benchmark_set_id: i64,
    outcomes_json: &str,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE round_entries
         SET outcome = json_extract(?3, '$.\"' || product_id || '\"[0]'),
             rule = json_extract(?3, '$.\"' || product_id || '\"[1]'),
             benchmark_set_id = ?2
         WHERE year = ?1 AND product_id IN (SELECT CAST(key AS INTEGER) FROM json_each(?3))",
        &[
            Param::Int(year),
            Param::Int(benchmark_set_id),
            Param::Text(outcomes_json),
        ],
    )
}

/// The next `limit` listed products of round `year` after product `after`.
///
/// # Errors
///
/// The database failed.
pub async fn listed_ids(
    db: &D1Database,
    year: i64,
    after: i64,
    limit: i64,
) -> worker::Result<Vec<i64>> {
    #[derive(Deserialize)]
    struct Id {
        product_id: i64,
    }
    let rows: Vec<Id> = all(
        db,
        "SELECT product_id FROM round_entries
         WHERE year = ?1 AND outcome = 'identified' AND product_id > ?2 ORDER BY product_id LIMIT ?3",
        &[Param::Int(year), Param::Int(after), Param::Int(limit)],
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.product_id).collect())
}

/// What a certificate names.
#[derive(Debug, Clone, Copy)]
pub struct Issue<'a> {
    /// Round year.
    pub year: i64,
    /// Methodology id and version.
    pub methodology: (&'a str, &'a str),
    /// The benchmark set.
    pub benchmark_set_id: i64,
    /// Issue time.
    pub at: &'a str,
}

/// The `identification.published` event of each product of a chunk, in the outbox
/// (`?1` the round's year, `?2` the issue time, `?3` the chunk's `[[product, code], …]`).
/// Its id is fixed per round and product, so a re-run never announces one twice. The
/// payload is built here, for the whole chunk in one statement, so it cannot come from
/// the payload types in webhooks/payload.rs; it has their keys (`IdentificationData`
/// with the enterprise and region, in the envelope), and a test there reads this text
/// to hold the two together. Its keys go out in the order named here.
pub const IDENTIFICATION_EVENTS: &str =
    "INSERT OR IGNORE INTO webhook_events (id, type, enterprise_id, region_code, payload, created_at)
             SELECT printf('msg_identified_%d_%d', c.year, p.id), 'identification.published',
                    p.enterprise_id, p.region_code,
                    json_object('type', 'identification.published', 'timestamp', ?2,
                      'data', json_object('year', c.year, 'registration_number', p.registration_number,
                        'name', p.name, 'model', p.model, 'field', p.field, 'certificate', c.code,
                        'url', '/products/' || p.registration_number || '/',
                        'enterprise', json_object('uscc', e.uscc, 'name', e.name),
                        'region_code', p.region_code)),
                    ?2
             FROM certificates c JOIN products p ON p.id = c.product_id
             JOIN enterprises e ON e.id = p.enterprise_id
             WHERE c.year = ?1
               AND c.product_id IN (SELECT json_extract(j.value, '$[0]') FROM json_each(?3) j)";

/// The id [`IDENTIFICATION_EVENTS`] gives the event of product `product_id` in round
/// `year` (its `printf`, in Rust).
#[must_use]
pub fn identification_event_id(year: i64, product_id: i64) -> String {
    format!("msg_identified_{year}_{product_id}")
}

/// Issues a chunk's certificates (`codes_json`: `[[product, code], …]`; a product that
/// has one keeps it), marks the round's year on the products, and writes their
/// [`IDENTIFICATION_EVENTS`].
///
/// # Errors
///
/// D1 refuses the binding.
pub fn issue_certificates(
    db: &D1Database,
    issue: &Issue<'_>,
    codes_json: &str,
) -> worker::Result<[D1PreparedStatement; 3]> {
    Ok([
        statement(
            db,
            "INSERT INTO certificates (code, year, product_id, methodology_id, methodology_version,
                benchmark_set_id, issued_at)
             SELECT json_extract(j.value, '$[1]'), ?1, json_extract(j.value, '$[0]'), ?2, ?3, ?4, ?5
             FROM json_each(?6) j WHERE true
             ON CONFLICT (year, product_id) DO NOTHING",
            &[
                Param::Int(issue.year),
                Param::Text(issue.methodology.0),
                Param::Text(issue.methodology.1),
                Param::Int(issue.benchmark_set_id),
                Param::Text(issue.at),
                Param::Text(codes_json),
            ],
        )?,
        statement(
            db,
            "UPDATE products SET identified_years = (
                SELECT json_group_array(y) FROM (
                    SELECT value AS y FROM json_each(products.identified_years)
                    -- Bound numbers arrive as REAL; the years are integers.
                    UNION SELECT CAST(?1 AS INTEGER) ORDER BY 1))
             WHERE id IN (SELECT json_extract(j.value, '$[0]') FROM json_each(?2) j)",
            &[Param::Int(issue.year), Param::Text(codes_json)],
        )?,
        statement(
            db,
            IDENTIFICATION_EVENTS,
            &[
                Param::Int(issue.year),
                Param::Text(issue.at),
                Param::Text(codes_json),
            ],
        )?,
    ])
}

/// An entry with its product, for the admin's, the enterprise's and the public's
/// views (each picks what it may show).
#[derive(Debug, Clone, Deserialize)]
pub struct EntryRow {
    /// Round year.
    pub year: i64,
    /// Product id.
    pub product_id: i64,
    /// Registration number.
    pub registration_number: String,
    /// Product name.
    pub name: String,
    /// Model.
    pub model: String,
    /// Enterprise name.
    pub enterprise_name: String,
    /// Enterprise USCC.
    pub uscc: String,
    /// Field code.
    pub field: String,
    /// Region code.
    pub region_code: String,
    /// Inputs JSON (confidential).
    pub inputs: String,
    /// Eligible (0/1).
    pub eligible: i64,
    /// Failed gate ids, JSON.
    pub failed_gates: String,
    /// Outcome.
    pub outcome: Option<String>,
    /// Deciding rule.
    pub rule: Option<String>,
    /// The upheld objection that removed it.
    pub objection_id: Option<i64>,
    /// Its certificate code, once issued.
    pub certificate: Option<String>,
    /// The reason the objection that removed it was upheld.
    pub objection_reason: Option<String>,
}

const ENTRY_COLUMNS: &str = "r.year, r.product_id, p.registration_number, p.name, p.model,
    e.name AS enterprise_name, e.uscc, r.field, r.region_code, r.inputs, r.eligible,
    r.failed_gates, r.outcome, r.rule, r.objection_id,
    (SELECT c.code FROM certificates c WHERE c.year = r.year AND c.product_id = r.product_id)
        AS certificate,
    (SELECT o.decision_reason FROM objections o WHERE o.id = r.objection_id) AS objection_reason";

const ENTRY_FROM: &str = "round_entries r JOIN products p ON p.id = r.product_id
    JOIN enterprises e ON e.id = p.enterprise_id";

/// Which entries of a round to list.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    /// Outcome (`identified`, `not_identified`, `ineligible`, `removed`, or `pending`
    /// for NULL).
    pub outcome: Option<String>,
    /// Field code.
    pub field: Option<String>,
    /// Region code prefix: a province (2 digits), prefecture (4) or county (6).
    pub region_prefix: Option<String>,
    /// Only product ids above this.
    pub after: i64,
    /// Page size.
    pub limit: i64,
}

/// A page of round `year`'s entries, by product id.
///
/// # Errors
///
/// The database failed.
pub async fn entries(db: &D1Database, year: i64, f: &EntryFilter) -> worker::Result<Vec<EntryRow>> {
    all(
        db,
        &format!(
            "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM}
             WHERE r.year = ?1
               AND (?2 IS NULL OR coalesce(r.outcome, 'pending') = ?2)
               AND (?3 IS NULL OR r.field = ?3)
               AND (?4 IS NULL OR substr(r.region_code, 1, length(?4)) = ?4)
               AND r.product_id > ?5
             ORDER BY r.product_id LIMIT ?6"
        ),
        &[
            Param::Int(year),
            Param::OptText(f.outcome.as_deref()),
            Param::OptText(f.field.as_deref()),
            Param::OptText(f.region_prefix.as_deref()),
            Param::Int(f.after),
            Param::Int(f.limit),
        ],
    )
    .await
}

/// An enterprise's entries in every round, newest round first.
///
/// # Errors
///
/// The database failed.
pub async fn of_enterprise(db: &D1Database, enterprise_id: i64) -> worker::Result<Vec<EntryRow>> {
    all(
        db,
        &format!(
            "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM}
             WHERE r.enterprise_id = ?1 ORDER BY r.year DESC, r.product_id"
        ),
        &[Param::Int(enterprise_id)],
    )
    .await
}

/// The entry of product `number` in round `year`.
///
/// # Errors
///
/// The database failed.
pub async fn entry_by_number(
    db: &D1Database,
    year: i64,
    number: &str,
) -> worker::Result<Option<EntryRow>> {
    first(
        db,
        &format!(
            "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM}
             WHERE r.year = ?1 AND p.registration_number = ?2"
        ),
        &[Param::Int(year), Param::Text(number)],
    )
    .await
}

/// Outcome counts of round `year`.
#[derive(Debug, Clone, Deserialize)]
pub struct OutcomeCount {
    /// Outcome, or `pending`.
    pub outcome: String,
    /// How many.
    pub n: i64,
}

/// How many entries of round `year` have each outcome.
///
/// # Errors
///
/// The database failed.
pub async fn outcome_counts(db: &D1Database, year: i64) -> worker::Result<Vec<OutcomeCount>> {
    all(
        db,
        "SELECT coalesce(outcome, 'pending') AS outcome, count(*) AS n FROM round_entries
         WHERE year = ?1 GROUP BY 1 ORDER BY 1",
        &[Param::Int(year)],
    )
    .await
}

/// Removes a listed product after an upheld objection (guard it: only a listed
/// product can be removed).
///
/// # Errors
///
/// D1 refuses the binding.
pub fn remove_listed(
    db: &D1Database,
    year: i64,
    product_id: i64,
    objection_id: i64,
) -> worker::Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE round_entries SET outcome = 'removed', rule = 'objection_upheld', objection_id = ?3
         WHERE year = ?1 AND product_id = ?2 AND outcome = 'identified'",
        &[
            Param::Int(year),
            Param::Int(product_id),
            Param::Int(objection_id),
        ],
    )
}

/// A certificate with what it certifies.
#[derive(Debug, Clone, Deserialize)]
pub struct CertificateRow {
    /// Code.
    pub code: String,
    /// Round year.
    pub year: i64,
    /// Methodology id.
    pub methodology_id: String,
    /// Methodology version.
    pub methodology_version: String,
    /// Benchmark set.
    pub benchmark_set_id: i64,
    /// Issued.
    pub issued_at: String,
    /// Registration number.
    pub registration_number: String,
    /// Product name.
    pub name: String,
    /// Model.
    pub model: String,
    /// Field.
    pub field: String,
    /// Product status now.
    pub status: String,
    /// Enterprise name.
    pub enterprise_name: String,
    /// Enterprise USCC.
    pub uscc: String,
}

/// The certificate with `code`.
///
/// # Errors
///
/// The database failed.
pub async fn certificate(db: &D1Database, code: &str) -> worker::Result<Option<CertificateRow>> {
    first(
        db,
        "SELECT c.code, c.year, c.methodology_id, c.methodology_version, c.benchmark_set_id,
                c.issued_at, p.registration_number, p.name, p.model, p.field, p.status,
                e.name AS enterprise_name, e.uscc
         FROM certificates c JOIN products p ON p.id = c.product_id
         JOIN enterprises e ON e.id = p.enterprise_id
         WHERE c.code = ?1",
        &[Param::Text(code)],
    )
    .await
}
