//! A regional management port, for its regional admin (signed in, or with one of the
//! port's API tokens): the port and its tokens, its list of demonstration enterprises
//! with their coverage, and the access log in which an enterprise sees each read of
//! its confidential data by a region. Nothing outside the port's scope.

use ppr_core::Uscc;
use ppr_core::account::required_text;
use serde::Deserialize;
use worker::D1Database;

use crate::auth::{Principal, sha256_hex};
use crate::authz::{self, Access};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::audit::Entry;
use crate::repo::ports::{self, PortRow};
use crate::repo::{self};
use crate::services::ports::{new_token, own_port, own_port_write, port_out, token_prefix};
use crate::validation::Issues;
use crate::validation::MAX_PERSON_CHARS;
use crate::write::{Write, WriteError};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/port", get_port(ctx), Roles::Port),
    operation!(POST "/api/v1/port/tokens", create_port_token(ctx, body), Roles::PortSignedIn),
    operation!(DELETE "/api/v1/port/tokens/{id}", revoke_port_token(ctx), Roles::PortSignedIn),
    operation!(GET "/api/v1/port/demonstration-enterprises", get_demonstrations(ctx), Roles::Port),
    operation!(PUT "/api/v1/port/demonstration-enterprises", put_demonstrations(ctx, body), Roles::Port),
    operation!(GET "/api/v1/enterprises/{uscc}/access-log", get_access_log(ctx), Roles::EnterpriseRead,
        query: ["cursor", "limit"]),
];

/// Most demonstration enterprises one port lists.
pub const MAX_DEMONSTRATIONS: usize = 5_000;

/// `GET /api/v1/port`: the port and its tokens (never the tokens themselves).
///
/// # Errors
///
/// As [`own_port`].
pub async fn get_port(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, port) = own_port(ctx).await?;
    let tokens = ports::tokens(ctx.db(), port.id).await?;
    let mut out = port_out(&port);
    if let Some(map) = out.as_object_mut() {
        map.insert("tokens".into(), serde_json::json!(tokens));
    }
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
    Reply::json(
        201,
        &serde_json::json!({"id": id, "token": token, "prefix": prefix, "label": label, "created_at": ctx.stamp}),
        CachePolicy::NoStore,
    )
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

async fn coverage_reply(ctx: &Ctx<'_>, db: &D1Database, port: &PortRow) -> Result<Reply, ApiError> {
    let codes = crate::monthly::codes_in_scope(db, &port.scope).await?;
    let rows = ports::demonstrations(db, port.id, &ctx.stamp, &codes).await?;
    let covered = rows.iter().filter(|r| r.recorded_products > 0).count();
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "uscc": r.uscc,
                "label": r.label,
                "name": r.name,
                "registered": r.registered != 0,
                "recorded_products": r.recorded_products,
            })
        })
        .collect();
    Reply::json(
        200,
        &serde_json::json!({"listed": rows.len(), "covered": covered, "uncovered": rows.len() - covered, "items": items}),
        CachePolicy::NoStore,
    )
}

/// `GET /api/v1/enterprises/{uscc}/access-log`: who in a region read the
/// enterprise's confidential data, when, and what; newest first.
///
/// # Errors
///
/// As [`authz::enterprise_access`] for reading; 422 bad paging.
pub async fn get_access_log(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, enterprise) = authz::enterprise_access(ctx, Access::Read).await?;
    let limit = ctx.page_limit(50, 200)?;
    let rows = ports::access_log(ctx.db(), enterprise.id, ctx.id_cursor()?, limit).await?;
    let next_cursor = (i64::try_from(rows.len()).unwrap_or(0) == limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    Reply::json(
        200,
        &serde_json::json!({"items": rows, "next_cursor": next_cursor}),
        CachePolicy::NoStore,
    )
}
