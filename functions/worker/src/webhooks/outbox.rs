//! The outbox: the event row a state change writes in its own batch, with the
//! payload every event carries (`type`, `timestamp`, `data` of public fields and ids).

use ppr_core::webhook::{self, EventType};
use worker::{D1Database, D1PreparedStatement};

use crate::auth::random_bytes;
use crate::error::ApiError;
use crate::repo::webhooks::{self as store, NewEvent};

/// The enterprise an event is about.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    /// Its id.
    pub enterprise_id: i64,
    /// Its USCC.
    pub uscc: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its region code.
    pub region_code: &'a str,
}

/// The payload every event carries: `type`, `timestamp` and `data`.
fn payload(kind: EventType, now: &str, data: serde_json::Value) -> Result<String, ApiError> {
    serde_json::to_string(&serde_json::json!({
        "type": kind.code(),
        "timestamp": now,
        "data": data,
    }))
    .map_err(|e| ApiError::internal_cause("event payload", &e))
}

/// The outbox row of an event about an enterprise, for the batch of the change it
/// reports, with the event's id (for [`super::notify`] once the batch committed). `data` holds public fields and ids only; the enterprise (USCC, name) and
/// its region are added here.
///
/// # Errors
///
/// No randomness; D1 refuses the binding.
pub fn enterprise_event(
    db: &D1Database,
    kind: EventType,
    about: &About<'_>,
    mut data: serde_json::Value,
    now: &str,
) -> Result<(String, D1PreparedStatement), ApiError> {
    if let Some(map) = data.as_object_mut() {
        map.insert(
            "enterprise".into(),
            serde_json::json!({"uscc": about.uscc, "name": about.name}),
        );
        map.insert("region_code".into(), about.region_code.into());
    }
    let id = webhook::event_id(random_bytes()?);
    let body = payload(kind, now, data)?;
    let event = NewEvent {
        id: &id,
        kind: kind.code(),
        enterprise_id: Some(about.enterprise_id),
        region_code: Some(about.region_code),
        port_id: None,
        endpoint_id: None,
        payload: &body,
    };
    let statement = store::insert_event(db, &event, now)?;
    Ok((id, statement))
}

/// The `data` of a product event: public fields and ids.
#[must_use]
pub fn product_data(
    number: &str,
    name: &str,
    model: &str,
    field: &str,
    status: &str,
    filing_id: Option<i64>,
) -> serde_json::Value {
    serde_json::json!({
        "registration_number": number,
        "name": name,
        "model": model,
        "field": field,
        "status": status,
        "filing_id": filing_id,
        "url": format!("/products/{number}/"),
    })
}

/// The outbox row of an event about a recorded product, in the state `status`.
///
/// # Errors
///
/// As [`enterprise_event`].
pub fn product_event(
    db: &D1Database,
    kind: EventType,
    product: &crate::repo::products::ProductRow,
    status: &str,
    now: &str,
) -> Result<(String, D1PreparedStatement), ApiError> {
    let about = About {
        enterprise_id: product.enterprise_id,
        uscc: &product.uscc,
        name: &product.enterprise_name,
        region_code: &product.region_code,
    };
    let data = product_data(
        &product.registration_number,
        &product.name,
        &product.model,
        &product.field,
        status,
        None,
    );
    enterprise_event(db, kind, &about, data, now)
}

/// The outbox row of a filing event (`filing.submitted`, `filing.returned`): the
/// filing's id and kind, its product's number for a change to a recorded product,
/// and the product's name and field as filed (the reviewer's reasons stay between
/// reviewer and enterprise).
///
/// # Errors
///
/// As [`enterprise_event`].
pub fn filing_event(
    db: &D1Database,
    kind: EventType,
    filing: &crate::repo::filings::FilingRow,
    now: &str,
) -> Result<(String, D1PreparedStatement), ApiError> {
    let data: serde_json::Value = serde_json::from_str(&filing.data).unwrap_or_default();
    let mut out = serde_json::json!({
        "filing_id": filing.id,
        "kind": filing.kind,
        "registration_number": filing.registration_number,
        "name": data.get("name"),
        "field": data.get("field"),
    });
    if kind == EventType::FilingReturned
        && let Some(map) = out.as_object_mut()
    {
        map.insert("status".into(), "returned".into());
    }
    let about = About {
        enterprise_id: filing.enterprise_id,
        uscc: &filing.uscc,
        name: &filing.enterprise_name,
        region_code: &filing.enterprise_region,
    };
    enterprise_event(db, kind, &about, out, now)
}

/// The outbox row of a port's own event (`report.monthly`, or `webhook.test` for
/// one endpoint).
///
/// # Errors
///
/// No randomness; D1 refuses the binding.
pub fn port_event(
    db: &D1Database,
    kind: EventType,
    port_id: i64,
    endpoint_id: Option<i64>,
    data: serde_json::Value,
    now: &str,
) -> Result<(String, D1PreparedStatement), ApiError> {
    let id = webhook::event_id(random_bytes()?);
    let body = payload(kind, now, data)?;
    let event = NewEvent {
        id: &id,
        kind: kind.code(),
        enterprise_id: None,
        region_code: None,
        port_id: Some(port_id),
        endpoint_id,
        payload: &body,
    };
    let statement = store::insert_event(db, &event, now)?;
    Ok((id, statement))
}
