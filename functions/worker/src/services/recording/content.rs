//! The content of an initial or modification filing, checked again at approval and
//! turned into the product's rows.

use ppr_core::calendar::business_date;
use ppr_core::product::{Completeness, FilingData, check_filing};
use ppr_core::search::index_text;
use worker::{D1Database, D1PreparedStatement};

use super::Approval;
use crate::error::ApiError;
use crate::repo::product_writes::{self, Figures, ProductFields};
use crate::services::products::Holdings;
use crate::services::rounds::opt_in_window;
use crate::validation::problems_error;
use crate::webhooks::payload::ProductData;

/// What an approved filing writes into its product.
pub(super) struct Content {
    /// The filing's data, as stored.
    pub data: FilingData,
    /// The same, as JSON, for the transaction's `after`.
    pub after_json: String,
    name: String,
    model: String,
    field: String,
    description: String,
    first_marketed_on: String,
    manufacture_region: String,
    /// Linked patents, canonical, as JSON.
    links_json: String,
    /// Search terms of the name, model and enterprise name.
    terms: String,
    /// The opt-in to set: `None` outside the round's window (the product's choice
    /// stays), else the round year or no round.
    opt_in: Option<Option<i64>>,
}

impl Content {
    /// The filing's content, checked again as a complete filing against the
    /// enterprise's holdings today.
    ///
    /// # Errors
    ///
    /// 409 `filing_no_longer_valid`, naming the fields (a linked patent lapsed since
    /// submission); a stored value is corrupt (logged); the database failed.
    pub(super) async fn check(approval: &Approval<'_>) -> Result<Self, ApiError> {
        let (ctx, row) = (approval.ctx, approval.row);
        let db = ctx.db();
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
        let links: Vec<serde_json::Value> = data
            .patents
            .iter()
            .filter_map(|l| {
                let number = ppr_core::PatentNumber::parse(&l.number, i32::MAX).ok()?;
                Some(serde_json::json!({
                    "number": number.to_string(),
                    "core": i64::from(l.core),
                    "contribution_pct": l.contribution_pct,
                }))
            })
            .collect();
        let links_json =
            serde_json::to_string(&links).map_err(|e| ApiError::internal_cause("links", &e))?;
        let (name, model) = (text(&data.name), text(&data.model));
        let terms = index_text(&[&name, &model, &approval.enterprise.name]);
        // Opting in follows the round's window; outside it the product's choice stays.
        let (round_year, window) = opt_in_window(db, ctx.now).await?;
        let opt_in = window
            .is_ok()
            .then(|| data.opt_in.then_some(i64::from(round_year)));
        let after_json =
            serde_json::to_string(&data).map_err(|e| ApiError::internal_cause("after", &e))?;
        Ok(Self {
            field: text(&data.field),
            description: text(&data.description),
            first_marketed_on: text(&data.first_marketed_on),
            manufacture_region: text(&data.manufacture_region),
            name,
            model,
            links_json,
            terms,
            opt_in,
            after_json,
            data,
        })
    }

    /// The product's own fields.
    pub(super) fn fields(&self) -> ProductFields<'_> {
        ProductFields {
            name: &self.name,
            model: &self.model,
            field: &self.field,
            description: &self.description,
            first_marketed_on: &self.first_marketed_on,
            manufacture_region: &self.manufacture_region,
        }
    }

    /// The statements that give product `number` this content's patents, figures,
    /// search terms and opt-in.
    ///
    /// # Errors
    ///
    /// D1 refuses a binding.
    pub(super) fn statements(
        &self,
        db: &D1Database,
        number: &str,
        enterprise_id: i64,
        now: &str,
    ) -> worker::Result<Vec<D1PreparedStatement>> {
        let mut batch = Vec::new();
        batch.extend(product_writes::replace_patents(
            db,
            number,
            enterprise_id,
            &self.links_json,
        )?);
        if let Some(e) = &self.data.economics {
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
                now,
            )?);
        }
        batch.extend(product_writes::reindex(db, number, &self.terms)?);
        if let Some(opt_in) = self.opt_in {
            batch.push(product_writes::set_opt_in(db, number, opt_in)?);
        }
        Ok(batch)
    }

    /// The `data` of the product's webhook event, recorded.
    pub(super) fn event_data(&self, number: &str, filing_id: i64) -> ProductData {
        ProductData::new(
            number,
            &self.name,
            &self.model,
            &self.field,
            "recorded",
            Some(filing_id),
        )
    }

    /// The opt-in year this content sets on a new product.
    pub(super) fn opt_in_year(&self) -> Option<i64> {
        self.opt_in.flatten()
    }
}
