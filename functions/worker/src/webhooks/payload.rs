//! The webhook payloads: the envelope every event carries and the `data` of each
//! event type. This is the one place their fields are named; docs/WEBHOOKS.md lists
//! them from here, and a receiver's parser can be checked against these types.
//!
//! Keys go out in alphabetical order at every level: [`Envelope::to_json`] writes
//! through `serde_json::Value`, which sorts them. The payloads were built as `Value`s
//! before they had types and receivers have had that order since, so the order of a
//! struct's fields here changes no byte. The one payload not written from these types
//! is `identification.published`, which the certificates step builds in SQL for a
//! whole chunk at once (`IDENTIFICATION_EVENTS` in repo/round_entries.rs, keys in the
//! order its `json_object` names them); a test below holds its keys to
//! [`IdentificationData`]'s, so the two cannot drift apart.

use ppr_core::report::{Counts, Cumulative};
use ppr_core::webhook::EventType;
use serde::Serialize;

/// Every event's body: `{"type": …, "timestamp": …, "data": {…}}`.
#[derive(Debug, Serialize)]
pub struct Envelope<'a, D> {
    /// The event type's code, such as `product.recorded`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// When the event was made (RFC 3339, UTC); the same across retries.
    pub timestamp: &'a str,
    /// The type's own fields: public fields and ids only, never economic figures,
    /// contribution shares, documents or contacts.
    pub data: D,
}

impl<'a, D: Serialize> Envelope<'a, D> {
    /// The envelope of an event of type `kind` made at `timestamp`.
    pub fn new(kind: EventType, timestamp: &'a str, data: D) -> Self {
        Self {
            kind: kind.code(),
            timestamp,
            data,
        }
    }

    /// The body as stored, signed and sent, byte for byte: keys sorted at every level.
    ///
    /// # Errors
    ///
    /// `data` does not serialise as a JSON object's fields.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_value(self).map(|body| body.to_string())
    }
}

/// An enterprise, named by its public fields.
#[derive(Debug, Clone, Serialize)]
pub struct EnterpriseRef {
    /// Its unified social credit code.
    pub uscc: String,
    /// Its name.
    pub name: String,
}

/// The `data` of an event about an enterprise (filings, products, identification):
/// the type's own fields, with the enterprise and its region beside them.
#[derive(Debug, Serialize)]
pub struct AboutEnterprise<D> {
    /// The type's own fields ([`ProductData`], [`FilingEventData`],
    /// [`IdentificationData`]).
    #[serde(flatten)]
    pub fields: D,
    /// The enterprise.
    pub enterprise: EnterpriseRef,
    /// The enterprise's six-digit region code (which ports receive the event).
    pub region_code: String,
}

/// The path of a product's public page on the site.
#[must_use]
pub fn product_url(registration_number: &str) -> String {
    format!("/products/{registration_number}/")
}

/// `product.recorded`, `product.updated`, `product.revoked`: the product's public
/// fields (in [`AboutEnterprise`]).
#[derive(Debug, Serialize)]
pub struct ProductData {
    /// Its registration number.
    pub registration_number: String,
    /// Its name.
    pub name: String,
    /// Its model.
    pub model: String,
    /// Its field's two-digit code.
    pub field: String,
    /// `recorded` or `revoked`.
    pub status: String,
    /// The filing whose approval made the change; `null` for an annual update or a
    /// prompted revocation.
    pub filing_id: Option<i64>,
    /// Its public page: [`product_url`].
    pub url: String,
}

impl ProductData {
    /// The data of product `registration_number` in `status`, changed by `filing_id`.
    #[must_use]
    pub fn new(
        registration_number: &str,
        name: &str,
        model: &str,
        field: &str,
        status: &str,
        filing_id: Option<i64>,
    ) -> Self {
        Self {
            registration_number: registration_number.to_owned(),
            name: name.to_owned(),
            model: model.to_owned(),
            field: field.to_owned(),
            status: status.to_owned(),
            filing_id,
            url: product_url(registration_number),
        }
    }
}

/// `filing.submitted`, `filing.returned`: the filing and its product as filed (in
/// [`AboutEnterprise`]). The reviewer's reasons stay between reviewer and enterprise.
#[derive(Debug, Serialize)]
pub struct FilingEventData {
    /// The filing's id.
    pub filing_id: i64,
    /// `initial`, `modification` or `revocation`.
    pub kind: String,
    /// The recorded product a modification or revocation is about; `null` for an
    /// initial filing.
    pub registration_number: Option<String>,
    /// The product's name as filed; `null` when the filing does not carry one.
    pub name: Option<String>,
    /// The product's field as filed; `null` when the filing does not carry one.
    pub field: Option<String>,
    /// `returned`, in `filing.returned` only (absent from `filing.submitted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
}

/// `identification.published`: a certificate issued to a product (in
/// [`AboutEnterprise`]). Written in SQL, not from this type: see the module's note.
#[derive(Debug, Serialize)]
pub struct IdentificationData {
    /// The round's year.
    pub year: i64,
    /// The product's registration number.
    pub registration_number: String,
    /// Its name.
    pub name: String,
    /// Its model.
    pub model: String,
    /// Its field's two-digit code.
    pub field: String,
    /// The certificate's code, such as `PI2026-7KQM-3XDP-9TNA-C`.
    pub certificate: String,
    /// The product's public page: [`product_url`].
    pub url: String,
}

/// `report.monthly`: a port's monthly release.
#[derive(Debug, Serialize)]
pub struct ReportMonthlyData {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The port's scope, as the core's `RegionScope` writes it.
    pub region_scope: String,
    /// The month's counts: `new_filings`, `recorded`, `returned`, `revoked`,
    /// `updated`, `identified`.
    pub totals: Counts,
    /// At the month's end: `recorded_products`, `identified_products`,
    /// `enterprises_with_products`.
    pub cumulative: Cumulative,
    /// Where the whole release is read, with the port's credentials.
    pub download: Download,
}

/// The paths of a monthly release.
#[derive(Debug, Serialize)]
pub struct Download {
    /// `/api/v1/port/reports/YYYY-MM`.
    pub json: String,
    /// `/api/v1/port/reports/YYYY-MM?format=csv`.
    pub csv: String,
}

impl Download {
    /// The paths of the release of `month` (`YYYY-MM`).
    #[must_use]
    pub fn of(month: &str) -> Self {
        Self {
            json: format!("/api/v1/port/reports/{month}"),
            csv: format!("/api/v1/port/reports/{month}?format=csv"),
        }
    }
}

/// `webhook.test`: a test delivery the port asked for.
#[derive(Debug, Serialize)]
pub struct TestData {
    /// The endpoint tested (the one endpoint the event goes to).
    pub endpoint_id: i64,
    /// Always [`TestData::MESSAGE`].
    pub message: &'static str,
}

impl TestData {
    /// The fixed sentence of every test event.
    pub const MESSAGE: &'static str = "a test event from the patent product registry";

    /// The test event of endpoint `endpoint_id`.
    #[must_use]
    pub fn new(endpoint_id: i64) -> Self {
        Self {
            endpoint_id,
            message: Self::MESSAGE,
        }
    }
}

/// The `data` of a port's own event, which names its type (and, for a test, the one
/// endpoint it goes to).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum PortData {
    /// `report.monthly`.
    ReportMonthly(ReportMonthlyData),
    /// `webhook.test`.
    Test(TestData),
}

impl PortData {
    /// The event's type.
    #[must_use]
    pub fn kind(&self) -> EventType {
        match self {
            Self::ReportMonthly(_) => EventType::ReportMonthly,
            Self::Test(_) => EventType::Test,
        }
    }

    /// The one endpoint the event is for: a test's; a report goes to every endpoint
    /// of the port that subscribed.
    #[must_use]
    pub fn endpoint_id(&self) -> Option<i64> {
        match self {
            Self::ReportMonthly(_) => None,
            Self::Test(test) => Some(test.endpoint_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::repo::round_entries::{IDENTIFICATION_EVENTS, identification_event_id};

    const NOW: &str = "2026-03-02T08:15:04.120Z";

    fn acme<D>(fields: D) -> AboutEnterprise<D> {
        AboutEnterprise {
            fields,
            enterprise: EnterpriseRef {
                uscc: "91320500MA1XXXXX1A".to_owned(),
                name: "Acme".to_owned(),
            },
            region_code: "320505".to_owned(),
        }
    }

    /// What the payloads were before they had types: a `json!` envelope around the
    /// type's fields, with the enterprise and its region added.
    fn before(kind: &str, mut data: serde_json::Value, about: bool) -> String {
        if about {
            let map = data.as_object_mut().unwrap();
            map.insert(
                "enterprise".into(),
                json!({"uscc": "91320500MA1XXXXX1A", "name": "Acme"}),
            );
            map.insert("region_code".into(), "320505".into());
        }
        serde_json::to_string(&json!({"type": kind, "timestamp": NOW, "data": data})).unwrap()
    }

    #[test]
    fn product_events_are_as_before() {
        let data = ProductData::new("P2026320500001", "Pump", "X-1", "03", "recorded", Some(8));
        let body = Envelope::new(EventType::ProductRecorded, NOW, acme(data));
        let old = json!({
            "registration_number": "P2026320500001", "name": "Pump", "model": "X-1",
            "field": "03", "status": "recorded", "filing_id": 8,
            "url": "/products/P2026320500001/",
        });
        assert_eq!(
            body.to_json().unwrap(),
            before("product.recorded", old, true)
        );
    }

    #[test]
    fn filing_events_are_as_before() {
        for (kind, status) in [
            (EventType::FilingSubmitted, None),
            (EventType::FilingReturned, Some("returned")),
        ] {
            let data = FilingEventData {
                filing_id: 12,
                kind: "modification".to_owned(),
                registration_number: Some("P2026320500001".to_owned()),
                name: Some("Pump".to_owned()),
                field: None,
                status,
            };
            let mut old = json!({
                "filing_id": 12, "kind": "modification",
                "registration_number": "P2026320500001", "name": "Pump", "field": null,
            });
            if let Some(status) = status {
                old.as_object_mut()
                    .unwrap()
                    .insert("status".into(), status.into());
            }
            let body = Envelope::new(kind, NOW, acme(data));
            assert_eq!(body.to_json().unwrap(), before(kind.code(), old, true));
        }
    }

    #[test]
    fn port_events_are_as_before() {
        let totals = Counts {
            new_filings: 4,
            recorded: 3,
            returned: 1,
            revoked: 0,
            updated: 2,
            identified: 5,
        };
        let cumulative = Cumulative {
            recorded_products: 40,
            identified_products: 7,
            enterprises_with_products: 12,
        };
        let report = PortData::ReportMonthly(ReportMonthlyData {
            month: "2026-02".to_owned(),
            region_scope: "320500".to_owned(),
            totals,
            cumulative,
            download: Download::of("2026-02"),
        });
        assert_eq!(
            (report.kind(), report.endpoint_id()),
            (EventType::ReportMonthly, None)
        );
        let old = json!({
            "month": "2026-02", "region_scope": "320500", "totals": totals,
            "cumulative": cumulative,
            "download": {
                "json": "/api/v1/port/reports/2026-02",
                "csv": "/api/v1/port/reports/2026-02?format=csv",
            },
        });
        let body = Envelope::new(report.kind(), NOW, report);
        assert_eq!(
            body.to_json().unwrap(),
            before("report.monthly", old, false)
        );

        let test = PortData::Test(TestData::new(6));
        assert_eq!(
            (test.kind(), test.endpoint_id()),
            (EventType::Test, Some(6))
        );
        let old =
            json!({"endpoint_id": 6, "message": "a test event from the patent product registry"});
        let body = Envelope::new(test.kind(), NOW, test);
        assert_eq!(body.to_json().unwrap(), before("webhook.test", old, false));
    }

    /// The keys of a JSON object, each with the keys of its value if that is an
    /// object too.
    #[derive(Debug, PartialEq, Eq)]
    struct Keys(BTreeMap<String, Option<Keys>>);

    fn keys_of(value: &serde_json::Value) -> Option<Keys> {
        value.as_object().map(|map| {
            Keys(
                map.iter()
                    .map(|(key, value)| (key.clone(), keys_of(value)))
                    .collect(),
            )
        })
    }

    /// The arguments of the call whose `(` ends just before `rest`, split at its
    /// top-level commas, with the text after its `)`. Quotes and brackets nest.
    fn arguments(rest: &str) -> (Vec<&str>, &str) {
        let (mut depth, mut quoted, mut start) = (0_usize, false, 0);
        let mut args = Vec::new();
        for (at, c) in rest.char_indices() {
            match c {
                '\'' => quoted = !quoted,
                _ if quoted => {}
                '(' => depth += 1,
                ')' if depth == 0 => {
                    args.push(rest[start..at].trim());
                    return (args, &rest[at + 1..]);
                }
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    args.push(rest[start..at].trim());
                    start = at + 1;
                }
                _ => {}
            }
        }
        panic!("unclosed call in {rest}");
    }

    /// The keys SQL's `json_object('key', value, …)` call at the start of `call` names,
    /// nested calls followed; and the value text of each key.
    fn sql_keys(call: &str) -> (Keys, BTreeMap<String, String>) {
        let rest = call
            .strip_prefix("json_object(")
            .expect("a json_object call");
        let (args, _) = arguments(rest);
        let (mut keys, mut values) = (BTreeMap::new(), BTreeMap::new());
        for pair in args.chunks(2) {
            let [key, value] = pair else {
                panic!("json_object takes key, value pairs: {pair:?}");
            };
            let key = key
                .strip_prefix('\'')
                .and_then(|k| k.strip_suffix('\''))
                .expect("keys are string literals")
                .to_owned();
            let nested = value.starts_with("json_object(").then(|| sql_keys(value).0);
            keys.insert(key.clone(), nested);
            values.insert(key, (*value).to_owned());
        }
        (Keys(keys), values)
    }

    #[test]
    fn the_sql_identification_event_has_the_types_keys() {
        let at = IDENTIFICATION_EVENTS
            .find("json_object(")
            .expect("the payload is a json_object");
        let (sql, values) = sql_keys(&IDENTIFICATION_EVENTS[at..]);
        let data = IdentificationData {
            year: 2026,
            registration_number: "P2026320500001".to_owned(),
            name: "Pump".to_owned(),
            model: "X-1".to_owned(),
            field: "03".to_owned(),
            certificate: "PI2026-7KQM-3XDP-9TNA-C".to_owned(),
            url: product_url("P2026320500001"),
        };
        let typed = Envelope::new(EventType::IdentificationPublished, NOW, acme(data));
        assert_eq!(Some(sql), keys_of(&serde_json::to_value(&typed).unwrap()));
        // The type it announces, as the envelope's key and the outbox row's column.
        let code = format!("'{}'", EventType::IdentificationPublished.code());
        assert_eq!(values.get("type"), Some(&code));
        assert!(IDENTIFICATION_EVENTS.contains(&format!("), {code},")));
        // The ids the round fans out are the ones the statement writes.
        assert!(IDENTIFICATION_EVENTS.contains("printf('msg_identified_%d_%d', c.year, p.id)"));
        assert_eq!(identification_event_id(2026, 7), "msg_identified_2026_7");
    }

    #[test]
    fn the_key_reader_reads_nesting_and_quotes() {
        let (keys, values) = sql_keys("json_object('a', f(1, 2), 'b', json_object('c', ',)'))");
        let expected = keys_of(&json!({"a": 1, "b": {"c": 2}})).unwrap();
        assert_eq!(keys, expected);
        assert_eq!(values.get("a").map(String::as_str), Some("f(1, 2)"));
    }
}
