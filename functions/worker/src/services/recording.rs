//! Approving a filing: what happens to the product, all in one batch with the
//! filing's decision, its typed transaction and its audit row.
//!
//! - **initial**: the product is recorded with a new registration number
//!   (`ppr_core::regnum`), its linked patents, its economic data and its search terms;
//! - **modification**: the product's fields, patents and figures are replaced (its
//!   public record showed the approved version until now);
//! - **revocation**: the product is revoked.
//!
//! The content is checked again first: a linked patent may have lapsed since the
//! filing was submitted (409 `filing_no_longer_valid`, to be returned instead).

use crate::webhooks::{self, About};
use ppr_core::calendar::{business_date, business_year};
use ppr_core::filing::FilingKind;
use ppr_core::product::{Completeness, FilingData, check_filing};
use ppr_core::regnum::RegistrationNumber;
use ppr_core::search::index_text;
use ppr_core::webhook::EventType;
use worker::{D1Database, D1PreparedStatement};

use crate::auth::Principal;
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::repo::audit::{self, Actor, Change};
use crate::repo::filings::{self, Decision, FilingRow};
use crate::repo::product_writes::{self, Figures, Numbering, ProductFields, Transaction};
use crate::repo::{self, accounts, products};
use crate::services::products::{Holdings, current_data};
use crate::services::rounds::opt_in_window;
use crate::validation::problems_error;

/// How often a registration number is re-drawn when a concurrent approval took the
/// same sequence number first.
const NUMBER_ATTEMPTS: usize = 3;

/// Approves `row` at `version`; the id of the event it wrote (`product.recorded`,
/// `product.updated` or `product.revoked`).
///
/// # Errors
///
/// 409 stale or no longer valid; the database failed.
pub async fn approve(
    ctx: &Ctx<'_>,
    db: &D1Database,
    principal: &Principal,
    row: &FilingRow,
    kind: FilingKind,
    version: i64,
) -> Result<String, ApiError> {
    let actor = Actor::of(principal);
    let decision = Decision {
        status: "approved",
        return_reasons: None,
        reason: None,
        decided_by: principal.user_id,
    };
    let id_text = row.id.to_string();
    let change = Change {
        at: &ctx.stamp,
        actor,
        action: "filing.approve",
        entity_type: "filing",
        entity_id: &id_text,
        enterprise_id: Some(row.enterprise_id),
        before: Some(r#"{"status":"submitted"}"#),
        after: Some(r#"{"status":"approved"}"#),
        reason: None,
    };
    let head = || -> Result<Vec<D1PreparedStatement>, ApiError> {
        Ok(vec![
            filings::decide(db, row.id, version, &decision, &ctx.stamp)?,
            repo::guard(db)?,
            audit::record(db, &change)?,
        ])
    };
    let enterprise = accounts::enterprise_by_id(db, row.enterprise_id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("approve", &"enterprise missing"))?;
    let about = About {
        enterprise_id: enterprise.id,
        uscc: &enterprise.uscc,
        name: &enterprise.name,
        region_code: &enterprise.region_code,
    };
    if kind == FilingKind::Revocation {
        let number = row
            .registration_number
            .as_deref()
            .ok_or_else(|| ApiError::internal_cause("revocation filing", &"no product"))?;
        let product = products::by_number(db, number)
            .await?
            .ok_or_else(|| ApiError::internal_cause("revocation", &"product missing"))?;
        let mut batch = head()?;
        batch.push(product_writes::revoke(db, number, &ctx.stamp)?);
        batch.push(repo::guard(db)?);
        batch.push(product_writes::record(
            db,
            &Transaction {
                registration_number: number,
                enterprise_id: row.enterprise_id,
                filing_id: Some(row.id),
                kind: "revocation",
                actor,
                reason: row.decision_reason.as_deref(),
                before: Some(r#"{"status":"recorded"}"#),
                after: Some(r#"{"status":"revoked"}"#),
            },
            &ctx.stamp,
        )?);
        let (event, event_row) = webhooks::enterprise_event(
            db,
            EventType::ProductRevoked,
            &about,
            webhooks::product_data(
                number,
                &product.name,
                &product.model,
                &product.field,
                "revoked",
                Some(row.id),
            ),
            &ctx.stamp,
        )?;
        batch.push(event_row);
        batch.push(repo::guard_end(db)?);
        return repo::commit_guarded(db, batch, "approve filing")
            .await
            .map(|()| event);
    }

    let data: FilingData = serde_json::from_str(&row.data)
        .map_err(|e| ApiError::internal_cause("stored filing data", &e))?;
    let holdings = Holdings::load(db, row.enterprise_id).await?;
    let problems = check_filing(
        &data,
        Completeness::Complete,
        &holdings.context(business_date(ctx.now)),
    );
    if !problems.is_empty() {
        let mut err = problems_error(problems, "data.");
        err.status = 409;
        err.code = "filing_no_longer_valid";
        err.message = format!(
            "{}; return the filing so the enterprise can fix it",
            err.message
        );
        return Err(err);
    }
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let (name, model, field, description, marketed, made_in) = (
        text(&data.name),
        text(&data.model),
        text(&data.field),
        text(&data.description),
        text(&data.first_marketed_on),
        text(&data.manufacture_region),
    );
    let fields = ProductFields {
        name: &name,
        model: &model,
        field: &field,
        description: &description,
        first_marketed_on: &marketed,
        manufacture_region: &made_in,
    };
    let links: Vec<serde_json::Value> = data
        .patents
        .iter()
        .filter_map(|l| {
            let number: ppr_core::PatentNumber =
                ppr_core::PatentNumber::parse(&l.number, i32::MAX).ok()?;
            Some(serde_json::json!({
                "number": number.to_string(),
                "core": i64::from(l.core),
                "contribution_pct": l.contribution_pct,
            }))
        })
        .collect();
    let links_json =
        serde_json::to_string(&links).map_err(|e| ApiError::internal_cause("links", &e))?;
    let terms = index_text(&[&name, &model, &enterprise.name]);
    // Opting in follows the round's window; outside it the product's choice stays.
    let (round_year, window) = opt_in_window(db, ctx.now).await?;
    let opt_in = window
        .is_ok()
        .then(|| data.opt_in.then_some(i64::from(round_year)));
    let after_json =
        serde_json::to_string(&data).map_err(|e| ApiError::internal_cause("after", &e))?;

    let body = |number: &str| -> Result<Vec<D1PreparedStatement>, ApiError> {
        let mut batch = Vec::new();
        batch.extend(product_writes::replace_patents(
            db,
            number,
            row.enterprise_id,
            &links_json,
        )?);
        if let Some(e) = &data.economics {
            batch.push(product_writes::upsert_year(
                db,
                number,
                &Figures {
                    year: i64::from(e.year),
                    sales: e.sales,
                    exports: e.exports,
                    profit: e.profit,
                    ip_investment: e.ip_investment,
                },
                &ctx.stamp,
            )?);
        }
        batch.extend(product_writes::reindex(db, number, &terms)?);
        if let Some(opt_in) = opt_in {
            batch.push(product_writes::set_opt_in(db, number, opt_in)?);
        }
        Ok(batch)
    };

    if kind == FilingKind::Modification {
        let number = row
            .registration_number
            .as_deref()
            .ok_or_else(|| ApiError::internal_cause("modification filing", &"no product"))?;
        let product = products::by_number(db, number)
            .await?
            .ok_or_else(|| ApiError::internal_cause("modification", &"product missing"))?;
        let before = current_data(db, &product, business_date(ctx.now)).await?;
        let before_json =
            serde_json::to_string(&before).map_err(|e| ApiError::internal_cause("before", &e))?;
        let mut batch = head()?;
        batch.push(product_writes::modify(db, number, &fields, &ctx.stamp)?);
        batch.push(repo::guard(db)?);
        batch.extend(body(number)?);
        batch.push(product_writes::record(
            db,
            &Transaction {
                registration_number: number,
                enterprise_id: row.enterprise_id,
                filing_id: Some(row.id),
                kind: "modification",
                actor,
                reason: None,
                before: Some(&before_json),
                after: Some(&after_json),
            },
            &ctx.stamp,
        )?);
        let (event, event_row) = webhooks::enterprise_event(
            db,
            EventType::ProductUpdated,
            &about,
            webhooks::product_data(number, &name, &model, &field, "recorded", Some(row.id)),
            &ctx.stamp,
        )?;
        batch.push(event_row);
        batch.push(repo::guard_end(db)?);
        return repo::commit_guarded(db, batch, "approve filing")
            .await
            .map(|()| event);
    }

    // Initial filing: draw a registration number, retrying if another approval in the
    // same year and province took it first.
    let year = i64::from(business_year(ctx.now));
    let province = enterprise.region_code.get(0..2).unwrap_or("00").to_owned();
    let province_number: u32 = province.parse().unwrap_or(0);
    for _ in 0..NUMBER_ATTEMPTS {
        let sequence = products::next_sequence(db, year, &province).await?;
        let number = RegistrationNumber::new(
            i32::try_from(year).unwrap_or(0),
            province_number,
            u32::try_from(sequence).unwrap_or(u32::MAX),
        )
        .map_err(|e| ApiError::internal_cause("registration number", &e))?
        .to_string();
        let mut batch = head()?;
        batch.push(product_writes::insert(
            db,
            &Numbering {
                registration_number: &number,
                year,
                province: &province,
                sequence,
            },
            row.enterprise_id,
            &enterprise.region_code,
            &fields,
            opt_in.flatten(),
            &ctx.stamp,
        )?);
        batch.push(filings::link_product(db, row.id, &number)?);
        batch.extend(body(&number)?);
        batch.push(product_writes::record(
            db,
            &Transaction {
                registration_number: &number,
                enterprise_id: row.enterprise_id,
                filing_id: Some(row.id),
                kind: "initial",
                actor,
                reason: None,
                before: None,
                after: Some(&after_json),
            },
            &ctx.stamp,
        )?);
        let (event, event_row) = webhooks::enterprise_event(
            db,
            EventType::ProductRecorded,
            &about,
            webhooks::product_data(&number, &name, &model, &field, "recorded", Some(row.id)),
            &ctx.stamp,
        )?;
        batch.push(event_row);
        batch.push(repo::guard_end(db)?);
        match db.batch(batch).await {
            Ok(_) => return Ok(event),
            Err(err) if repo::is_stale(&err) => return Err(ApiError::stale_version()),
            Err(err)
                if repo::unique_violation(&err).is_some_and(|c| c.starts_with("products.")) => {}
            Err(err) => return Err(ApiError::internal_cause("record product", &err)),
        }
    }
    Err(ApiError::state_conflict(
        "busy",
        "many products are being recorded at once; retry in a moment",
    ))
}
