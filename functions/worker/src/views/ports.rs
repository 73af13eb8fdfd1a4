//! A port as answered: to its regional admin (`GET /api/v1/port`) and with the
//! decided application that opened it.

use serde::Serialize;

use crate::repo::ports::PortRow;

/// A port: its id, scope, office and opening. Fields in alphabetical order, the order
/// this answer has always had.
#[derive(Debug, Serialize)]
pub struct PortOut {
    /// When it opened (RFC 3339, UTC).
    pub created_at: String,
    /// Its id.
    pub id: i64,
    /// The regional office that runs it.
    pub office_name: String,
    /// Its scope, as the core's `RegionScope` writes it (a province, city or county).
    pub region_scope: String,
}

impl From<&PortRow> for PortOut {
    fn from(port: &PortRow) -> Self {
        Self {
            created_at: port.created_at.clone(),
            id: port.id,
            office_name: port.office_name.clone(),
            region_scope: port.scope.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::sorted::assert_sorted;

    #[test]
    fn answers_as_before() {
        let row = PortRow {
            id: 7,
            scope: "320500".to_owned(),
            office_name: "Suzhou office".to_owned(),
            application_id: 3,
            user_id: 9,
            created_at: "2026-01-02T03:04:05.000Z".to_owned(),
        };
        let out = PortOut::from(&row);
        assert_sorted(&out);
        let before = serde_json::json!({
            "id": 7,
            "region_scope": "320500",
            "office_name": "Suzhou office",
            "created_at": "2026-01-02T03:04:05.000Z",
        });
        assert_eq!(serde_json::to_string(&out).unwrap(), before.to_string());
    }
}
