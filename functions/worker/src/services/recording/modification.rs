//! Approving a modification: the recorded product's fields, patents and figures are
//! replaced by the filing's.

use ppr_core::calendar::business_date;
use ppr_core::webhook::EventType;

use super::{Approval, Content};
use crate::error::ApiError;
use crate::repo::product_writes;
use crate::repo::products;
use crate::services::products::current_data;
use crate::webhooks;

/// Applies `content` to the product the filing names, in one write with the decision.
///
/// # Errors
///
/// 409 stale; the database failed.
pub(super) async fn approve(approval: &Approval<'_>, content: &Content) -> Result<(), ApiError> {
    let (ctx, row) = (approval.ctx, approval.row);
    let db = ctx.db();
    let number = approval.product_number()?;
    let product = products::by_number(db, number)
        .await?
        .ok_or_else(|| ApiError::internal_cause("modification", &"product missing"))?;
    let before = current_data(db, &product, business_date(ctx.now)).await?;
    let before_json =
        serde_json::to_string(&before).map_err(|e| ApiError::internal_cause("before", &e))?;
    let mut write = approval.write()?;
    write
        .guarded(product_writes::modify(
            db,
            number,
            &content.fields(),
            &ctx.stamp,
        ))?
        .extend(content.statements(db, number, row.enterprise_id, &ctx.stamp))?
        .push(approval.transaction(
            "modification",
            number,
            None,
            (Some(&before_json), Some(&content.after_json)),
        ))?
        .event(webhooks::enterprise_event(
            db,
            EventType::ProductUpdated,
            &approval.about(),
            content.event_data(number, row.id),
            &ctx.stamp,
        )?);
    write.commit().await?;
    Ok(())
}
