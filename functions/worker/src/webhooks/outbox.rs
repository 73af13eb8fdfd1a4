//! The outbox: the event row a state change writes in its own batch, with the
//! payload every event carries (`type`, `timestamp`, `data` of public fields and ids;
//! the types are in [`super::payload`]).

use ppr_core::webhook::{self, EventType};
use serde::Serialize;
use worker::{D1Database, D1PreparedStatement};

use super::payload::{
    AboutEnterprise, EnterpriseRef, Envelope, FilingEventData, PortData, ProductData,
};
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

/// The body of an event of type `kind` made at `now`, as stored, signed and sent.
fn body<D: Serialize>(kind: EventType, now: &str, data: D) -> Result<String, ApiError> {
    Envelope::new(kind, now, data)
        .to_json()
        .map_err(|e| ApiError::internal_cause("event payload", &e))
}

/// The `data` of an event about the enterprise `about`: `fields` (the type's own, such
/// as [`ProductData`]), with the enterprise's public fields and region added.
fn about_enterprise<D>(about: &About<'_>, fields: D) -> AboutEnterprise<D> {
    AboutEnterprise {
        fields,
        enterprise: EnterpriseRef {
            uscc: about.uscc.to_owned(),
            name: about.name.to_owned(),
        },
        region_code: about.region_code.to_owned(),
    }
}

/// The outbox row of an event about an enterprise, for the batch of the change it
/// reports, with the event's id (for [`crate::queues::notify`] once the batch committed).
/// `data` is the type's own fields ([`ProductData`], [`FilingEventData`]); the
/// enterprise (USCC, name) and its region are added here.
///
/// # Errors
///
/// No randomness; D1 refuses the binding.
pub fn enterprise_event<D: Serialize>(
    db: &D1Database,
    kind: EventType,
    about: &About<'_>,
    data: D,
    now: &str,
) -> Result<(String, D1PreparedStatement), ApiError> {
    let id = webhook::event_id(random_bytes()?);
    let body = body(kind, now, about_enterprise(about, data))?;
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
    let data = ProductData::new(
        &product.registration_number,
        &product.name,
        &product.model,
        &product.field,
        status,
        None,
    );
    enterprise_event(db, kind, &about, data, now)
}

/// The `data` of a filing event: the filing's id and kind, its product's number for a
/// change to a recorded product, and the product's name and field as filed.
fn filing_data(kind: EventType, filing: &crate::repo::filings::FilingRow) -> FilingEventData {
    let filed: serde_json::Value = serde_json::from_str(&filing.data).unwrap_or_default();
    // Filings store the core's `FilingData`, whose name and field are text or null.
    let text = |key: &str| {
        filed
            .get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    FilingEventData {
        filing_id: filing.id,
        kind: filing.kind.clone(),
        registration_number: filing.registration_number.clone(),
        name: text("name"),
        field: text("field"),
        status: (kind == EventType::FilingReturned).then_some("returned"),
    }
}

/// The outbox row of a filing event (`filing.submitted`, `filing.returned`): see
/// [`FilingEventData`] (the reviewer's reasons stay between reviewer and enterprise).
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
    let about = About {
        enterprise_id: filing.enterprise_id,
        uscc: &filing.uscc,
        name: &filing.enterprise_name,
        region_code: &filing.enterprise_region,
    };
    enterprise_event(db, kind, &about, filing_data(kind, filing), now)
}

/// The outbox row of a port's own event: `report.monthly`, or `webhook.test` for the
/// one endpoint it names.
///
/// # Errors
///
/// No randomness; D1 refuses the binding.
pub fn port_event(
    db: &D1Database,
    port_id: i64,
    data: PortData,
    now: &str,
) -> Result<(String, D1PreparedStatement), ApiError> {
    let id = webhook::event_id(random_bytes()?);
    let (kind, endpoint_id) = (data.kind(), data.endpoint_id());
    let body = body(kind, now, data)?;
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
