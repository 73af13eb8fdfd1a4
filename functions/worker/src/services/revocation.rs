//! A prompted revocation carried out: by the enterprise's confirmation, or by the
//! scheduled job once the deadline passed.

use ppr_core::webhook::EventType;

use crate::config::Config;
use crate::error::ApiError;
use crate::repo::audit::Actor;
use crate::repo::product_writes::{self, Transaction};
use crate::repo::products::ProductRow;
use crate::webhooks;
use crate::write::{Write, WriteError};

/// Revokes a prompted product in one write with its transaction and its
/// `product.revoked` event (used by the enterprise's confirmation and by the
/// scheduled job at the deadline).
///
/// # Errors
///
/// 409 `product_revoked` if it was revoked meanwhile; the database failed.
pub async fn revoke_prompted(
    config: &Config,
    product: &ProductRow,
    actor: Actor<'_>,
    reason: &str,
    now: &str,
) -> Result<(), ApiError> {
    let db = &config.db;
    let number = &product.registration_number;
    let mut write = Write::new(config, now, actor);
    write
        .guarded(product_writes::revoke(db, number, now))?
        .push(product_writes::record(
            db,
            &Transaction {
                registration_number: number,
                enterprise_id: product.enterprise_id,
                filing_id: None,
                kind: "revocation",
                actor,
                reason: Some(reason),
                before: Some(r#"{"status":"recorded"}"#),
                after: Some(r#"{"status":"revoked"}"#),
            },
            now,
        ))?
        .event(webhooks::product_event(
            db,
            EventType::ProductRevoked,
            product,
            "revoked",
            now,
        )?);
    match write.commit().await {
        Ok(_) => Ok(()),
        Err(WriteError::Stale) => Err(ApiError::state_conflict(
            "product_revoked",
            format!("{number} was revoked meanwhile"),
        )),
        Err(err) => Err(err.into()),
    }
}
