//! What identification rounds produced, for each reader: the public list of a round
//! (from its public notice on) and certificate checks; an enterprise's own products'
//! breakdowns; the staff's view of every entry with its inputs; the benchmark set for
//! signed-in users; and the what-if preview.
//!
//! Breakdowns are not stored: they are recomputed from the entry's stored inputs, the
//! round's methodology and its benchmark set by the same core scorer that decided the
//! outcome, so they explain exactly that outcome.

use std::collections::{BTreeMap, BTreeSet};

use ppr_core::certificate::CertificateCode;
use ppr_core::methodology::{BenchmarkSet, Breakdown, ProductYear, Scorer};
use ppr_core::product::{EconomicsIn, check_economics};
use ppr_core::round::Stage;
use ppr_core::{ProductField, RegionCode, RegionScope};
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::authz::{self, Access, enterprise_access};
use crate::ctx::Ctx;
use crate::error::{ApiError, FieldIssue};
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::round_entries::{self, EntryFilter, EntryRow};
use crate::repo::rounds::{self, RoundRow};
use crate::round_work::RoundContext;
use crate::services::methodology::load_methodology;
use crate::services::rounds::{round_param, stage_and_dates};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/rounds/{year}/entries", list_round_entries(ctx), Roles::Staff,
        query: ["outcome", "field", "region", "cursor", "limit"]),
    operation!(GET "/api/v1/rounds/{year}/list", get_round_list(ctx), Roles::Anyone,
        query: ["field", "region", "cursor", "limit"]),
    operation!(GET "/api/v1/rounds/{year}/benchmarks", get_round_benchmarks(ctx), Roles::SignedIn),
    operation!(GET "/api/v1/enterprises/{uscc}/evaluations", list_evaluations(ctx), Roles::EnterpriseRead),
    operation!(POST "/api/v1/evaluation/preview", preview_evaluation(ctx, body), Roles::SignedIn),
    operation!(GET "/api/v1/certificates/{code}", get_certificate(ctx), Roles::Anyone),
];

/// Default and largest page of entries.
const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 200;

/// Explains entries of one round.
struct Explainer {
    ctx: RoundContext,
    /// An empty set, for entries that failed a gate before any set existed.
    empty: BenchmarkSet,
}

impl Explainer {
    async fn load(db: &D1Database, year: i64) -> Result<Self, ApiError> {
        let ctx = RoundContext::load(db, year).await?;
        let empty = BenchmarkSet::new(&ctx.methodology);
        Ok(Self { ctx, empty })
    }

    /// The breakdown of an entry, or `None` while it waits for the evaluation.
    fn breakdown(&self, entry: &EntryRow) -> Result<Option<Breakdown>, ApiError> {
        let Some(outcome) = entry.outcome.as_deref() else {
            return Ok(None);
        };
        let inputs: ProductYear = serde_json::from_str(&entry.inputs)
            .map_err(|e| ApiError::internal_cause("stored inputs", &e))?;
        let set = match (&self.ctx.benchmarks, outcome) {
            (Some((_, set)), _) => set,
            (None, "ineligible") => &self.empty,
            (None, _) => return Ok(None),
        };
        let breakdown = Scorer::new(&self.ctx.methodology, set).breakdown(&entry.field, &inputs);
        Ok(Some(match (outcome, entry.objection_id) {
            ("removed", Some(id)) => breakdown
                .removed_by_objection(id, entry.objection_reason.as_deref().unwrap_or_default()),
            _ => breakdown,
        }))
    }
}

/// An entry as staff and its enterprise see it: the public fields and the rest.
#[derive(Debug, Serialize)]
pub struct EntryOut {
    /// What the public sees of it.
    #[serde(flatten)]
    pub product: ListedOut,
    /// `pending`, `ineligible`, `identified`, `not_identified` or `removed`.
    pub outcome: String,
    /// The deciding rule.
    pub rule: Option<String>,
    /// The gates it failed.
    pub failed_gates: serde_json::Value,
    /// The inputs read at the formal check (confidential).
    pub inputs: serde_json::Value,
    /// The full explanation, once evaluated.
    pub breakdown: Option<Breakdown>,
    /// The upheld objection that removed it.
    pub objection_id: Option<i64>,
    /// Its certificate's code, once issued.
    pub certificate: Option<String>,
}

fn entry_out(row: EntryRow, breakdown: Option<Breakdown>) -> EntryOut {
    let json = |text: &str| serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
    EntryOut {
        failed_gates: json(&row.failed_gates),
        inputs: json(&row.inputs),
        outcome: row.outcome.clone().unwrap_or_else(|| "pending".to_owned()),
        rule: row.rule.clone(),
        breakdown,
        objection_id: row.objection_id,
        certificate: row.certificate.clone(),
        product: listed_out(row),
    }
}

fn listed_out(row: EntryRow) -> ListedOut {
    ListedOut {
        year: row.year,
        registration_number: row.registration_number,
        name: row.name,
        model: row.model,
        enterprise: serde_json::json!({"uscc": row.uscc, "name": row.enterprise_name}),
        field: row.field,
        region_code: row.region_code,
    }
}

/// The `field` and `region` filters of a listing.
fn listing_filter(ctx: &Ctx<'_>, limit: i64) -> Result<EntryFilter, ApiError> {
    let field = ctx
        .query_param("field")
        .map(|code| {
            ProductField::parse(&code)
                .map(|f| f.code().to_owned())
                .map_err(|e| ApiError::invalid_field("field", "unknown_field", e.to_string()))
        })
        .transpose()?;
    let region_prefix = ctx
        .query_param("region")
        .map(|code| {
            RegionCode::parse(&code)
                .map(|c| {
                    let text = c.to_string();
                    text.trim_end_matches("00").to_owned()
                })
                .map_err(|e| ApiError::invalid_field("region", e.code(), e.to_string()))
        })
        .transpose()?;
    Ok(EntryFilter {
        outcome: None,
        field,
        region_prefix,
        after: ctx.id_cursor()?.unwrap_or(0),
        limit,
    })
}

/// `GET /api/v1/rounds/{year}/entries?outcome=&field=&region=&cursor=&limit=`: every
/// entry of a round with its inputs and breakdown: reviewers and national admins see
/// all, a regional admin its region.
///
/// # Errors
///
/// 401; 403 `not_staff`; 404; 422 a bad filter.
pub async fn list_round_entries(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let principal = ctx.principal().await?;
    let scope = authz::staff_scope(&principal, "/api/v1/enterprises/{uscc}/evaluations")?;
    let db = ctx.db();
    let round = round_param(ctx, db).await?;
    let limit = ctx.page_limit(DEFAULT_PAGE, MAX_PAGE)?;
    let mut filter = listing_filter(ctx, limit)?;
    if let Some(outcome) = ctx.query_param("outcome") {
        if ![
            "pending",
            "ineligible",
            "identified",
            "not_identified",
            "removed",
        ]
        .contains(&outcome.as_str())
        {
            return Err(ApiError::invalid_field(
                "outcome",
                "unknown_outcome",
                "outcome is pending, ineligible, identified, not_identified or removed",
            ));
        }
        filter.outcome = Some(outcome);
    }
    if let Some(scope) = &scope {
        // Narrow to the scope's prefix in the database (the asked region must lie in
        // it), then decide each row exactly.
        let prefix = scope.code_prefix();
        filter.region_prefix = match filter.region_prefix.take() {
            Some(asked) if asked.starts_with(&prefix) => Some(asked),
            Some(_) => {
                return Err(ApiError::forbidden(
                    "outside_scope",
                    "that region is outside your scope",
                ));
            }
            None => Some(prefix),
        };
    }
    let rows = round_entries::entries(db, round.year, &filter).await?;
    let next_cursor = (i64::try_from(rows.len()).unwrap_or(0) == limit)
        .then(|| rows.last().map(|r| r.product_id.to_string()))
        .flatten();
    let explainer = Explainer::load(db, round.year).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        if !in_scope(scope.as_ref(), &row.region_code) {
            continue;
        }
        let breakdown = explainer.breakdown(&row)?;
        items.push(entry_out(row, breakdown));
    }
    let usccs: BTreeSet<&str> = items
        .iter()
        .filter_map(|i| i.product.enterprise.get("uscc").and_then(|u| u.as_str()))
        .collect();
    let usccs: Vec<&str> = usccs.into_iter().collect();
    let what = format!("GET /api/v1/rounds/{}/entries", round.year);
    authz::log_regional_read(ctx, &principal, &usccs, &what).await?;
    Reply::json(
        200,
        &serde_json::json!({"items": items, "next_cursor": next_cursor}),
        CachePolicy::NoStore,
    )
}

fn in_scope(scope: Option<&RegionScope>, region_code: &str) -> bool {
    scope.is_none_or(|s| RegionCode::parse(region_code).is_ok_and(|c| s.contains(c)))
}

/// `GET /api/v1/enterprises/{uscc}/evaluations`: the enterprise's products in every
/// round, each with its breakdown once evaluated.
///
/// # Errors
///
/// As [`enterprise_access`].
pub async fn list_evaluations(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, enterprise) = enterprise_access(ctx, Access::Read).await?;
    let db = ctx.db();
    let rows = round_entries::of_enterprise(db, enterprise.id).await?;
    let years: BTreeSet<i64> = rows.iter().map(|r| r.year).collect();
    let mut explainers: BTreeMap<i64, Explainer> = BTreeMap::new();
    for year in years {
        explainers.insert(year, Explainer::load(db, year).await?);
    }
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let breakdown = match explainers.get(&row.year) {
            Some(explainer) => explainer.breakdown(&row)?,
            None => None,
        };
        items.push(entry_out(row, breakdown));
    }
    Reply::json(
        200,
        &serde_json::json!({ "items": items }),
        CachePolicy::NoStore,
    )
}

/// A listed or identified product, as the public sees it.
#[derive(Debug, Serialize)]
pub struct ListedOut {
    /// Round year.
    pub year: i64,
    /// Registration number.
    pub registration_number: String,
    /// Product name.
    pub name: String,
    /// Model.
    pub model: String,
    /// Enterprise.
    pub enterprise: serde_json::Value,
    /// Field code.
    pub field: String,
    /// Region code.
    pub region_code: String,
}

/// `GET /api/v1/rounds/{year}/list?field=&region=&cursor=&limit=`: the products on
/// a round's list (public, from the public notice on): `listed` during the notice and
/// the objection handling, `identified` once final. Public fields only.
///
/// # Errors
///
/// 404; 409 `list_not_public` before the notice; 422 a bad filter.
pub async fn get_round_list(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let db = ctx.db();
    let round = round_param(ctx, db).await?;
    let (stage, _) = stage_and_dates(&round)?;
    if stage < Stage::PublicNotice {
        return Err(ApiError::state_conflict(
            "list_not_public",
            format!(
                "the list of round {} is published with its public notice",
                round.year
            ),
        ));
    }
    let limit = ctx.page_limit(DEFAULT_PAGE, MAX_PAGE)?;
    let mut filter = listing_filter(ctx, limit)?;
    filter.outcome = Some("identified".to_owned());
    let rows = round_entries::entries(db, round.year, &filter).await?;
    let next_cursor = (i64::try_from(rows.len()).unwrap_or(0) == limit)
        .then(|| rows.last().map(|r| r.product_id.to_string()))
        .flatten();
    let items: Vec<ListedOut> = rows.into_iter().map(listed_out).collect();
    let status = if stage == Stage::Final {
        "identified"
    } else {
        "listed"
    };
    Reply::json(
        200,
        &serde_json::json!({
            "year": round.year,
            "status": status,
            "methodology": format!("{}@{}", round.methodology_id, round.methodology_version),
            "items": items,
            "next_cursor": next_cursor,
        }),
        CachePolicy::NoStore,
    )
}

/// `GET /api/v1/rounds/{year}/benchmarks`: the round's benchmark set (signed-in
/// users: enterprises compare their products against it).
///
/// # Errors
///
/// 401; 404; 409 `benchmarks_not_ready`.
pub async fn get_round_benchmarks(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    ctx.principal().await?;
    let db = ctx.db();
    let round = round_param(ctx, db).await?;
    let set = benchmark_set_of(db, &round).await?;
    Reply::json(
        200,
        &serde_json::json!({"year": round.year, "benchmark_set_id": round.benchmark_set_id, "set": set}),
        CachePolicy::NoStore,
    )
}

async fn benchmark_set_of(db: &D1Database, round: &RoundRow) -> Result<BenchmarkSet, ApiError> {
    let not_ready = || {
        ApiError::state_conflict(
            "benchmarks_not_ready",
            format!("round {} has no benchmark set yet", round.year),
        )
    };
    let id = round.benchmark_set_id.ok_or_else(not_ready)?;
    let row = rounds::benchmark_set(db, id).await?.ok_or_else(not_ready)?;
    serde_json::from_str(&row.content).map_err(|e| ApiError::internal_cause("stored set", &e))
}

/// A what-if: a product-year's figures and patent counts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewIn {
    /// Product field code.
    pub field: String,
    /// Sales revenue of the evaluated year (yuan).
    pub sales: i64,
    /// Export revenue.
    pub exports: i64,
    /// Profit.
    pub profit: i64,
    /// IP investment.
    pub ip_investment: i64,
    /// Linked patents.
    pub linked_patents: u32,
    /// Core patents among them.
    pub core_patents: u32,
    /// Valid invention patents among them.
    pub valid_invention_patents: u32,
    /// Sum of the contribution shares, percent.
    pub contribution_pct: u32,
}

/// `POST /api/v1/evaluation/preview`: the breakdown a product with these figures would
/// get against the newest benchmark set, by the same scorer as the rounds. Nothing is
/// stored. Signed-in users.
///
/// # Errors
///
/// 401; 409 `benchmarks_not_ready` before any round computed a set; 422 per field.
pub async fn preview_evaluation(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    ctx.principal().await?;
    let input: PreviewIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let row = rounds::current_benchmark_set(db).await?.ok_or_else(|| {
        ApiError::state_conflict(
            "benchmarks_not_ready",
            "no round has computed benchmarks yet",
        )
    })?;
    let set: BenchmarkSet = serde_json::from_str(&row.content)
        .map_err(|e| ApiError::internal_cause("stored set", &e))?;
    let figures_year = i32::try_from(row.year - 1).unwrap_or(i32::MIN);
    let field = input.check(figures_year)?;
    let methodology = load_methodology(db, &set.methodology, &set.version).await?;
    let breakdown =
        Scorer::new(&methodology, &set).breakdown(field.code(), &input.as_if_taking_part());
    Reply::json(
        200,
        &serde_json::json!({
            "round": row.year,
            "benchmark_set_id": row.id,
            "breakdown": breakdown,
        }),
        CachePolicy::NoStore,
    )
}

impl PreviewIn {
    /// The product field, once every figure passed the rules for `figures_year`.
    fn check(&self, figures_year: i32) -> Result<ProductField, ApiError> {
        let mut fields: Vec<FieldIssue> = check_economics(
            &EconomicsIn {
                year: figures_year,
                sales: self.sales,
                exports: self.exports,
                profit: self.profit,
                ip_investment: self.ip_investment,
            },
            figures_year,
        )
        .into_iter()
        .map(|p| FieldIssue::new(p.field.trim_start_matches('.'), p.code, p.message))
        .collect();
        let field = ProductField::parse(&self.field)
            .map_err(|e| fields.push(FieldIssue::new("field", "unknown_field", e.to_string())))
            .ok();
        for (name, value) in [
            ("core_patents", self.core_patents),
            ("valid_invention_patents", self.valid_invention_patents),
        ] {
            if value > self.linked_patents {
                fields.push(FieldIssue::new(
                    name,
                    "more_than_linked",
                    format!(
                        "{name} cannot exceed linked_patents ({})",
                        self.linked_patents
                    ),
                ));
            }
        }
        let most = u32::try_from(ppr_core::product::MAX_PATENTS).unwrap_or(u32::MAX);
        if self.linked_patents > most {
            fields.push(FieldIssue::new(
                "linked_patents",
                "too_many",
                format!("a product links at most {most} patents"),
            ));
        }
        if self.contribution_pct > 100 {
            fields.push(FieldIssue::new(
                "contribution_pct",
                "range",
                "the shares add up to at most 100",
            ));
        }
        field
            .filter(|_| fields.is_empty())
            .ok_or_else(|| ApiError::validation("check the figures", fields))
    }

    /// The scorer's inputs for these figures.
    fn as_if_taking_part(&self) -> ProductYear {
        ProductYear {
            sales: self.sales,
            exports: self.exports,
            profit: self.profit,
            ip_investment: self.ip_investment,
            linked_patents: self.linked_patents,
            core_patents: self.core_patents,
            valid_invention_patents: self.valid_invention_patents,
            contribution_pct: self.contribution_pct,
            // As if it took part: recorded, opted in, figures present, no objection.
            recorded: true,
            opted_in: true,
            has_year_data: true,
            open_objections: 0,
        }
    }
}

/// `GET /api/v1/certificates/{code}`: whether a certificate is genuine, and for which
/// product, round and methodology (public).
///
/// # Errors
///
/// 404 `certificate_not_found` for a code that is malformed, mistyped (its check
/// symbol tells) or unknown.
pub async fn get_certificate(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let raw = ctx.param("code")?;
    let code = CertificateCode::parse(&raw).map_err(|e| {
        ApiError::missing(
            "certificate_not_found",
            format!("not a genuine certificate: {e}"),
        )
    })?;
    let row = round_entries::certificate(ctx.db(), &code.to_string())
        .await?
        .ok_or_else(|| {
            ApiError::missing(
                "certificate_not_found",
                format!("not a genuine certificate: no certificate has the code {code}"),
            )
        })?;
    Reply::json(
        200,
        &serde_json::json!({
            "genuine": true,
            "code": row.code,
            "year": row.year,
            "issued_at": row.issued_at,
            "product": {
                "registration_number": row.registration_number,
                "name": row.name,
                "model": row.model,
                "field": row.field,
                "status": row.status,
            },
            "enterprise": {"uscc": row.uscc, "name": row.enterprise_name},
            "methodology": {
                "id": row.methodology_id,
                "version": row.methodology_version,
                "name": format!("{}@{}", row.methodology_id, row.methodology_version),
            },
            "benchmark_set_id": row.benchmark_set_id,
        }),
        CachePolicy::NoStore,
    )
}
