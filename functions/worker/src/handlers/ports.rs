//! A regional management port, for its regional admin (signed in, or with one of the
//! port's API tokens): the port and its tokens, and its list of demonstration
//! enterprises with their coverage. Nothing outside the port's scope.

use ppr_core::Uscc;
use ppr_core::account::required_text;
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::auth::{Principal, sha256_hex};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::audit::Entry;
use crate::repo::ports::{self, DemonstrationRow, PortRow, TokenRow};
use crate::repo::{self};
use crate::services::ports::{new_token, own_port, own_port_write, token_prefix};
use crate::validation::Issues;
use crate::validation::MAX_PERSON_CHARS;
use crate::views::ports::PortOut;
use crate::write::{Write, WriteError};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/port", get_port(ctx), Roles::Port),
    operation!(POST "/api/v1/port/tokens", create_port_token(ctx, body), Roles::PortSignedIn),
    operation!(DELETE "/api/v1/port/tokens/{id}", revoke_port_token(ctx), Roles::PortSignedIn),
    operation!(GET "/api/v1/port/demonstration-enterprises", get_demonstrations(ctx), Roles::Port),
    operation!(PUT "/api/v1/port/demonstration-enterprises", put_demonstrations(ctx, body), Roles::Port),
];

/// Most demonstration enterprises one port lists.
pub const MAX_DEMONSTRATIONS: usize = 5_000;

// The answers below declare their fields in alphabetical order: they were first
// written through `serde_json::Value`, which sorts keys, and clients have had that
// order since (the tests hold each to it).

/// `GET /api/v1/port`: the port, with its tokens.
#[derive(Debug, Serialize)]
pub struct PortWithTokensOut {
    /// The port.
    #[serde(flatten)]
    pub port: PortOut,
    /// Its tokens, newest first.
    pub tokens: Vec<TokenOut>,
}

/// An API token as listed: never the token itself.
#[derive(Debug, Serialize)]
pub struct TokenOut {
    /// When it was made.
    pub created_at: String,
    /// Its id (`DELETE /api/v1/port/tokens/{id}`).
    pub id: i64,
    /// What it is for.
    pub label: String,
    /// When it was last used, to the minute.
    pub last_used_at: Option<String>,
    /// Its first 12 characters, to tell it apart.
    pub prefix: String,
    /// When it was revoked; `null` while it is live.
    pub revoked_at: Option<String>,
}

impl From<TokenRow> for TokenOut {
    fn from(row: TokenRow) -> Self {
        Self {
            created_at: row.created_at,
            id: row.id,
            label: row.label,
            last_used_at: row.last_used_at,
            prefix: row.prefix,
            revoked_at: row.revoked_at,
        }
    }
}

/// `GET /api/v1/port`: the port and its tokens (never the tokens themselves).
///
/// # Errors
///
/// As [`own_port`].
pub async fn get_port(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, port) = own_port(ctx).await?;
    let tokens = ports::tokens(ctx.db(), port.id).await?;
    let out = PortWithTokensOut {
        port: PortOut::from(&port),
        tokens: tokens.into_iter().map(TokenOut::from).collect(),
    };
    Reply::json(200, &out, CachePolicy::NoStore)
}

/// Tokens are managed by a person signed in, never by a token: a leaked token cannot
/// make more of itself or revoke the others.
///
/// # Errors
///
/// 403 `session_required`.
fn require_session(principal: &Principal) -> Result<(), ApiError> {
    if principal.token_id.is_some() {
        return Err(ApiError::forbidden(
            "session_required",
            "API tokens are issued and revoked by the port's admin signed in, not with a token",
        ));
    }
    Ok(())
}

/// `POST /api/v1/port/tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    /// What the token is for (a system's name).
    pub label: String,
}

/// A new token: the one answer that shows the token itself.
#[derive(Debug, Serialize)]
pub struct NewTokenOut {
    /// When it was made.
    pub created_at: String,
    /// Its id.
    pub id: i64,
    /// What it is for.
    pub label: String,
    /// Its first 12 characters, as the token list shows it.
    pub prefix: String,
    /// The token (`ppr_…`): shown this once, only its hash is stored.
    pub token: String,
}

/// `POST /api/v1/port/tokens`: 201 with a new token, shown this once.
///
/// # Errors
///
/// As [`own_port_write`]; 422 a missing label.
pub async fn create_port_token(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let (principal, port) = own_port_write(ctx).await?;
    require_session(&principal)?;
    let input: TokenIn = crate::body::decode_json(body)?;
    let label = required_text(&input.label, MAX_PERSON_CHARS)
        .map_err(|e| ApiError::invalid_field("label", e.code(), e.to_string()))?;
    let db = ctx.db();
    let token = new_token()?;
    let prefix = token_prefix(&token);
    let after = serde_json::json!({"label": label, "prefix": prefix}).to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .push(ports::insert_token(
            db,
            &port.scope,
            &sha256_hex(token.as_bytes()),
            &prefix,
            &label,
            principal.user_id,
            &ctx.stamp,
        ))?
        .audit(&Entry::new("api_token.create", "api_token", &prefix).after(&after))?;
    let results = write.commit().await?;
    let id = repo::returned_id(&results, "create token")?;
    let out = NewTokenOut {
        created_at: ctx.stamp.clone(),
        id,
        label,
        prefix,
        token,
    };
    Reply::json(201, &out, CachePolicy::NoStore)
}

/// `DELETE /api/v1/port/tokens/{id}`: revokes a token at once; 204.
///
/// # Errors
///
/// As [`own_port_write`]; 404 no live token of the port with that id.
pub async fn revoke_port_token(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (principal, port) = own_port_write(ctx).await?;
    require_session(&principal)?;
    let id = ctx.id_param("id", "token_not_found")?;
    let db = ctx.db();
    let id_text = id.to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(ports::revoke_token(db, port.id, id, &ctx.stamp))?
        .audit(&Entry::new("api_token.revoke", "api_token", &id_text))?;
    match write.commit().await {
        Ok(_) => Ok(Reply::no_content()),
        Err(WriteError::Stale) => Err(ApiError::missing(
            "token_not_found",
            format!("the port has no live token {id}"),
        )),
        Err(err) => Err(err.into()),
    }
}

/// One listed demonstration enterprise.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemonstrationIn {
    /// Its USCC.
    pub uscc: String,
    /// The region's label (示范企业, 优势企业, …).
    #[serde(default)]
    pub label: String,
}

/// `PUT /api/v1/port/demonstration-enterprises`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemonstrationsIn {
    /// The whole list (it replaces the stored one).
    pub enterprises: Vec<DemonstrationIn>,
}

/// `PUT /api/v1/port/demonstration-enterprises`: replaces the list, all or nothing;
/// answers the coverage.
///
/// # Errors
///
/// As [`own_port_write`]; 422 naming each bad entry.
pub async fn put_demonstrations(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let (principal, port) = own_port_write(ctx).await?;
    let input: DemonstrationsIn = crate::body::decode_json(body)?;
    let mut issues = Issues::default();
    if input.enterprises.len() > MAX_DEMONSTRATIONS {
        issues.push(
            "enterprises",
            "too_many",
            format!("at most {MAX_DEMONSTRATIONS} enterprises"),
        );
    }
    let mut seen = std::collections::BTreeMap::new();
    for (i, entry) in input.enterprises.iter().enumerate() {
        let uscc = issues.take(&format!("enterprises[{i}].uscc"), Uscc::parse(&entry.uscc));
        let label = entry.label.trim();
        if label.chars().count() > MAX_PERSON_CHARS {
            issues.push(
                &format!("enterprises[{i}].label"),
                "too_long",
                format!("a label has at most {MAX_PERSON_CHARS} characters"),
            );
        }
        if let Some(uscc) = uscc
            && seen
                .insert(uscc.as_str().to_owned(), label.to_owned())
                .is_some()
        {
            issues.push(
                &format!("enterprises[{i}].uscc"),
                "duplicate",
                format!("{uscc} is listed twice"),
            );
        }
    }
    issues.finish()?;
    let entries: Vec<[String; 2]> = seen.into_iter().map(|(u, l)| [u, l]).collect();
    let entries_json =
        serde_json::to_string(&entries).map_err(|e| ApiError::internal_cause("list", &e))?;
    let db = ctx.db();
    let after = serde_json::json!({"count": entries.len()}).to_string();
    let port_text = port.id.to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .extend(ports::replace_demonstrations(
            db,
            port.id,
            &entries_json,
            &ctx.stamp,
        ))?
        .audit(&Entry::new("port.demonstrations", "port", &port_text).after(&after))?;
    write.commit().await?;
    coverage_reply(ctx, db, &port).await
}

/// `GET /api/v1/port/demonstration-enterprises`: the list with coverage: which have
/// recorded products and which have not (those first).
///
/// # Errors
///
/// As [`own_port`].
pub async fn get_demonstrations(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, port) = own_port(ctx).await?;
    coverage_reply(ctx, ctx.db(), &port).await
}

/// The demonstration list with its coverage.
#[derive(Debug, Serialize)]
pub struct CoverageOut {
    /// Listed enterprises with at least one recorded product.
    pub covered: usize,
    /// The list, uncovered first.
    pub items: Vec<DemonstrationOut>,
    /// Enterprises listed.
    pub listed: usize,
    /// Listed enterprises with no recorded product.
    pub uncovered: usize,
}

/// One listed demonstration enterprise and its coverage.
#[derive(Debug, Serialize)]
pub struct DemonstrationOut {
    /// The region's label for it (示范企业, 优势企业, …).
    pub label: String,
    /// Its name, once it has registered in the region.
    pub name: Option<String>,
    /// Its products recorded and not revoked.
    pub recorded_products: i64,
    /// Whether it has registered in the region.
    pub registered: bool,
    /// Its USCC.
    pub uscc: String,
}

impl From<DemonstrationRow> for DemonstrationOut {
    fn from(row: DemonstrationRow) -> Self {
        Self {
            label: row.label,
            name: row.name,
            recorded_products: row.recorded_products,
            registered: row.registered != 0,
            uscc: row.uscc,
        }
    }
}

impl CoverageOut {
    fn from_rows(rows: Vec<DemonstrationRow>) -> Self {
        let listed = rows.len();
        let covered = rows.iter().filter(|r| r.recorded_products > 0).count();
        Self {
            covered,
            items: rows.into_iter().map(DemonstrationOut::from).collect(),
            listed,
            uncovered: listed - covered,
        }
    }
}

async fn coverage_reply(ctx: &Ctx<'_>, db: &D1Database, port: &PortRow) -> Result<Reply, ApiError> {
    let codes = crate::monthly::codes_in_scope(db, &port.scope).await?;
    let rows = ports::demonstrations(db, port.id, &ctx.stamp, &codes).await?;
    Reply::json(200, &CoverageOut::from_rows(rows), CachePolicy::NoStore)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::views::sorted::assert_sorted;

    fn token(id: i64, revoked_at: Option<&str>) -> TokenRow {
        TokenRow {
            id,
            prefix: "ppr_0123abcd".to_owned(),
            label: "ERP".to_owned(),
            created_at: "2026-01-02T03:04:05.000Z".to_owned(),
            last_used_at: None,
            revoked_at: revoked_at.map(str::to_owned),
        }
    }

    #[test]
    fn the_port_answers_as_before() {
        let port = PortRow {
            id: 7,
            scope: "320500".to_owned(),
            office_name: "Suzhou office".to_owned(),
            application_id: 3,
            user_id: 9,
            created_at: "2026-01-01T00:00:00.000Z".to_owned(),
        };
        let out = PortWithTokensOut {
            port: PortOut::from(&port),
            tokens: vec![
                TokenOut::from(token(2, None)),
                TokenOut::from(token(1, Some("2026-01-03T00:00:00.000Z"))),
            ],
        };
        assert_sorted(&out);
        let before = json!({
            "id": 7, "region_scope": "320500", "office_name": "Suzhou office",
            "created_at": "2026-01-01T00:00:00.000Z",
            "tokens": [
                {"id": 2, "prefix": "ppr_0123abcd", "label": "ERP",
                 "created_at": "2026-01-02T03:04:05.000Z", "last_used_at": null, "revoked_at": null},
                {"id": 1, "prefix": "ppr_0123abcd", "label": "ERP",
                 "created_at": "2026-01-02T03:04:05.000Z", "last_used_at": null,
                 "revoked_at": "2026-01-03T00:00:00.000Z"},
            ],
        });
        assert_eq!(serde_json::to_string(&out).unwrap(), before.to_string());
    }

    #[test]
    fn a_new_token_answers_as_before() {
        let out = NewTokenOut {
            created_at: "2026-01-02T03:04:05.000Z".to_owned(),
            id: 4,
            label: "ERP".to_owned(),
            prefix: "ppr_0123abcd".to_owned(),
            token: "ppr_0123abcdef".to_owned(),
        };
        assert_sorted(&out);
        let before = json!({"id": 4, "token": "ppr_0123abcdef", "prefix": "ppr_0123abcd",
            "label": "ERP", "created_at": "2026-01-02T03:04:05.000Z"});
        assert_eq!(serde_json::to_string(&out).unwrap(), before.to_string());
    }

    #[test]
    fn coverage_answers_as_before() {
        let listed = |uscc: &str, name: Option<&str>, recorded_products| DemonstrationRow {
            uscc: uscc.to_owned(),
            label: "示范企业".to_owned(),
            name: name.map(str::to_owned),
            registered: i64::from(name.is_some()),
            recorded_products,
        };
        let out = CoverageOut::from_rows(vec![
            listed("91320500MA1XXXXX1A", None, 0),
            listed("91320500MA1XXXXX2B", Some("Acme"), 3),
        ]);
        assert_sorted(&out);
        let before = json!({"listed": 2, "covered": 1, "uncovered": 1, "items": [
            {"uscc": "91320500MA1XXXXX1A", "label": "示范企业", "name": null,
             "registered": false, "recorded_products": 0},
            {"uscc": "91320500MA1XXXXX2B", "label": "示范企业", "name": "Acme",
             "registered": true, "recorded_products": 3},
        ]});
        assert_eq!(serde_json::to_string(&out).unwrap(), before.to_string());
    }
}
