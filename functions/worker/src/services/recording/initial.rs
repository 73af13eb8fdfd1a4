//! Approving an initial filing: the product is recorded under a new registration
//! number.

use ppr_core::calendar::business_year;
use ppr_core::regnum::RegistrationNumber;
use ppr_core::webhook::EventType;

use super::{Approval, Content};
use crate::error::ApiError;
use crate::repo::filings;
use crate::repo::product_writes::{self, Numbering};
use crate::repo::products;
use crate::webhooks;
use crate::write::WriteError;

/// How often a registration number is re-drawn when a concurrent approval took the
/// same sequence number first.
const NUMBER_ATTEMPTS: usize = 3;

/// Records the product under the next registration number of its year and province,
/// drawing again if another approval took that number first.
///
/// # Errors
///
/// 409 stale, or `busy` when every draw was taken; the database failed.
pub(super) async fn approve(approval: &Approval<'_>, content: &Content) -> Result<(), ApiError> {
    let (ctx, row, enterprise) = (approval.ctx, approval.row, &approval.enterprise);
    let db = ctx.db();
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
        let mut write = approval.write()?;
        write
            .push(product_writes::insert(
                db,
                &Numbering {
                    registration_number: &number,
                    year,
                    province: &province,
                    sequence,
                },
                row.enterprise_id,
                &enterprise.region_code,
                &content.fields(),
                content.opt_in_year(),
                &ctx.stamp,
            ))?
            .push(filings::link_product(db, row.id, &number))?
            .extend(content.statements(db, &number, row.enterprise_id, &ctx.stamp))?
            .push(approval.transaction(
                "initial",
                &number,
                None,
                (None, Some(&content.after_json)),
            ))?
            .event(webhooks::enterprise_event(
                db,
                EventType::ProductRecorded,
                &approval.about(),
                content.event_data(&number, row.id),
                &ctx.stamp,
            )?);
        match write.commit().await {
            Ok(_) => return Ok(()),
            // Another approval took this number first: draw again.
            Err(WriteError::Duplicate(constraint)) if constraint.starts_with("products.") => {}
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::state_conflict(
        "busy",
        "many products are being recorded at once; retry in a moment",
    ))
}
