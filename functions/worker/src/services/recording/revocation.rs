//! Approving a revocation request: the product is revoked.

use ppr_core::webhook::EventType;

use super::Approval;
use crate::error::ApiError;
use crate::repo::product_writes;
use crate::repo::products;
use crate::webhooks;
use crate::webhooks::payload::ProductData;

/// Revokes the product the filing names, in one write with the decision.
///
/// # Errors
///
/// 409 stale; the database failed.
pub(super) async fn approve(approval: &Approval<'_>) -> Result<(), ApiError> {
    let (ctx, row) = (approval.ctx, approval.row);
    let db = ctx.db();
    let number = approval.product_number()?;
    let product = products::by_number(db, number)
        .await?
        .ok_or_else(|| ApiError::internal_cause("revocation", &"product missing"))?;
    let mut write = approval.write()?;
    write
        .guarded(product_writes::revoke(db, number, &ctx.stamp))?
        .push(approval.transaction(
            "revocation",
            number,
            row.decision_reason.as_deref(),
            (
                Some(r#"{"status":"recorded"}"#),
                Some(r#"{"status":"revoked"}"#),
            ),
        ))?
        .event(webhooks::enterprise_event(
            db,
            EventType::ProductRevoked,
            &approval.about(),
            ProductData::new(
                number,
                &product.name,
                &product.model,
                &product.field,
                "revoked",
                Some(row.id),
            ),
            &ctx.stamp,
        )?);
    write.commit().await?;
    Ok(())
}
