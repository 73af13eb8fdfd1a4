//! Approving a filing: what happens to the product, all in one write with the
//! filing's decision, its typed transaction, its audit row and its webhook event.
//!
//! - **initial** ([`initial`]): the product is recorded with a new registration number
//!   (`ppr_core::regnum`), its linked patents, its economic data and its search terms;
//! - **modification** ([`modification`]): the product's fields, patents and figures are
//!   replaced (its public record showed the approved version until now);
//! - **revocation** ([`revocation`]): the product is revoked.
//!
//! The content of an initial or modification filing is checked again first: a linked
//! patent may have lapsed since the filing was submitted (409
//! `filing_no_longer_valid`, to be returned instead).

mod content;
mod initial;
mod modification;
mod revocation;

use ppr_core::filing::FilingKind;
use worker::D1PreparedStatement;

use crate::auth::Principal;
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::repo::accounts::{self, EnterpriseRow};
use crate::repo::audit::Entry;
use crate::repo::filings::{self, Decision, FilingRow};
use crate::repo::product_writes::{self, Transaction};
use crate::webhooks::About;
use crate::write::Write;

use content::Content;

/// Approves `row` of `kind` at `version`.
///
/// # Errors
///
/// 409 stale or no longer valid; the database failed.
pub async fn approve(
    ctx: &Ctx<'_>,
    principal: &Principal,
    row: &FilingRow,
    kind: FilingKind,
    version: i64,
) -> Result<(), ApiError> {
    let enterprise = accounts::enterprise_by_id(ctx.db(), row.enterprise_id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("approve", &"enterprise missing"))?;
    let approval = Approval {
        ctx,
        principal,
        row,
        version,
        enterprise,
    };
    match kind {
        FilingKind::Revocation => revocation::approve(&approval).await,
        FilingKind::Modification => {
            modification::approve(&approval, &Content::check(&approval).await?).await
        }
        FilingKind::Initial => initial::approve(&approval, &Content::check(&approval).await?).await,
    }
}

/// One approval under way: the request, the reviewer, the filing and its enterprise.
struct Approval<'a> {
    ctx: &'a Ctx<'a>,
    principal: &'a Principal,
    row: &'a FilingRow,
    version: i64,
    enterprise: EnterpriseRow,
}

impl<'a> Approval<'a> {
    /// A write that begins with the filing's decision (guarded on the version read)
    /// and its audit row.
    fn write(&self) -> Result<Write<'a>, ApiError> {
        let db = self.ctx.db();
        let decision = Decision {
            status: "approved",
            return_reasons: None,
            reason: None,
            decided_by: self.principal.user_id,
        };
        let id = self.row.id.to_string();
        let mut write = Write::by(self.ctx, self.principal);
        write
            .guarded(filings::decide(
                db,
                self.row.id,
                self.version,
                &decision,
                &self.ctx.stamp,
            ))?
            .audit(
                &Entry::new("filing.approve", "filing", &id)
                    .enterprise(self.row.enterprise_id)
                    .before(r#"{"status":"submitted"}"#)
                    .after(r#"{"status":"approved"}"#),
            )?;
        Ok(write)
    }

    /// The registration number of the recorded product a modification or revocation
    /// names.
    fn product_number(&self) -> Result<&'a str, ApiError> {
        self.row
            .registration_number
            .as_deref()
            .ok_or_else(|| ApiError::internal_cause("approve filing", &"no product named"))
    }

    /// The enterprise, as webhook events name it.
    fn about(&self) -> About<'_> {
        About {
            enterprise_id: self.enterprise.id,
            uscc: &self.enterprise.uscc,
            name: &self.enterprise.name,
            region_code: &self.enterprise.region_code,
        }
    }

    /// The product's typed transaction for this filing.
    fn transaction(
        &self,
        kind: &str,
        number: &str,
        reason: Option<&str>,
        (before, after): (Option<&str>, Option<&str>),
    ) -> worker::Result<D1PreparedStatement> {
        product_writes::record(
            self.ctx.db(),
            &Transaction {
                registration_number: number,
                enterprise_id: self.row.enterprise_id,
                filing_id: Some(self.row.id),
                kind,
                actor: self.principal.actor(),
                reason,
                before,
                after,
            },
            &self.ctx.stamp,
        )
    }
}
