//! Enterprises: self-registration (`POST /api/v1/enterprises`), and the access log in
//! which an enterprise sees each read of its confidential data by a region.
//!
//! An enterprise registers with its USCC, name, region (defaulted from the USCC's area
//! code), a contact person and a password; the contact's e-mail becomes its first
//! login. One USCC, one enterprise. Real-name verification comes next.

use ppr_core::account::{check_password_policy, required_text};
use ppr_core::{Email, Phone, RegionCode, Uscc};
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::auth::{random_bytes, sha256_hex};
use crate::authz::{self, Access};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::idempotency;
use crate::operation::{Operation, Roles, operation};
use crate::repo::accounts::{self, EnterpriseRow, NewEnterprise, NewUser};
use crate::repo::audit::{Actor, Entry};
use crate::repo::idempotency as keys;
use crate::repo::ports::{self, AccessRow};
use crate::validation::Issues;
use crate::validation::{MAX_NAME_CHARS, MAX_PERSON_CHARS};
use crate::views::page::Page;
use crate::write::{Write, WriteError};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(POST "/api/v1/enterprises", create_enterprise(ctx, body), Roles::Anyone),
    operation!(GET "/api/v1/enterprises/{uscc}/access-log", get_access_log(ctx), Roles::EnterpriseRead,
        query: ["cursor", "limit"]),
];

/// Scope of Idempotency-Keys of anonymous registrations.
const REGISTER_SCOPE: &str = "enterprise.register";

/// The registration request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseIn {
    /// Unified Social Credit Code.
    pub uscc: String,
    /// Registered name.
    pub name: String,
    /// Region code; defaults to the USCC's area code.
    #[serde(default)]
    pub region_code: Option<String>,
    /// Contact person, whose e-mail becomes the login.
    pub contact: ContactIn,
    /// Password of the first login.
    pub password: String,
}

/// A contact person.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Phone.
    pub phone: String,
}

/// A registration that passed every rule.
#[derive(Debug)]
pub struct ValidEnterprise {
    uscc: Uscc,
    name: String,
    region: RegionCode,
    contact_name: String,
    email: Email,
    phone: Phone,
    password: String,
}

/// Checks every field and reports all that fail.
///
/// # Errors
///
/// 422 naming each refused field.
pub fn validate_enterprise(input: EnterpriseIn) -> Result<ValidEnterprise, ApiError> {
    let mut issues = Issues::default();
    let uscc = issues.take("uscc", Uscc::parse(&input.uscc));
    let name = issues.take("name", required_text(&input.name, MAX_NAME_CHARS));
    let region = match input.region_code.as_deref() {
        Some(code) => issues.take("region_code", RegionCode::parse(code)),
        None => match uscc.as_ref().map(Uscc::region) {
            Some(Some(region)) => Some(region),
            Some(None) => {
                issues.push(
                    "region_code",
                    "required",
                    "the USCC's area code names no known region; give region_code",
                );
                None
            }
            None => None,
        },
    };
    let contact_name = issues.take(
        "contact.name",
        required_text(&input.contact.name, MAX_PERSON_CHARS),
    );
    let email = issues.take("contact.email", Email::parse(&input.contact.email));
    let phone = issues.take("contact.phone", Phone::parse(&input.contact.phone));
    issues.take("password", check_password_policy(&input.password));
    issues.finish()?;
    match (uscc, name, region, contact_name, email, phone) {
        (Some(uscc), Some(name), Some(region), Some(contact_name), Some(email), Some(phone)) => {
            Ok(ValidEnterprise {
                uscc,
                name,
                region,
                contact_name,
                email,
                phone,
                password: input.password,
            })
        }
        _ => Err(ApiError::internal_cause(
            "validate_enterprise",
            &"a field was refused without an issue",
        )),
    }
}

/// An enterprise as its own users and staff see it (contact data included).
#[derive(Debug, Serialize)]
pub struct EnterpriseOut {
    /// Id.
    pub id: i64,
    /// USCC.
    pub uscc: String,
    /// Name.
    pub name: String,
    /// Region code.
    pub region_code: String,
    /// Verification status.
    pub verification_status: String,
    /// Contact person.
    pub contact: ContactOut,
    /// Registration time.
    pub created_at: String,
    /// Row version.
    pub version: i64,
}

/// A contact person, as returned.
#[derive(Debug, Serialize)]
pub struct ContactOut {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Phone.
    pub phone: String,
}

impl From<EnterpriseRow> for EnterpriseOut {
    fn from(row: EnterpriseRow) -> Self {
        Self {
            id: row.id,
            uscc: row.uscc,
            name: row.name,
            region_code: row.region_code,
            verification_status: row.verification_status,
            contact: ContactOut {
                name: row.contact_name,
                email: row.contact_email,
                phone: row.contact_phone,
            },
            created_at: row.created_at,
            version: row.version,
        }
    }
}

/// `POST /api/v1/enterprises`: 201 with the enterprise; a repeat with the same
/// `Idempotency-Key` and body returns the same enterprise.
///
/// # Errors
///
/// 422 invalid fields or a reused key; 409 USCC or e-mail already registered.
pub async fn create_enterprise(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let key = idempotency::key(ctx.req)?;
    let input: EnterpriseIn = crate::body::decode_json(body)?;
    let valid = validate_enterprise(input)?;
    let db = ctx.db();
    let request_hash = sha256_hex(body);
    if let Some(key) = &key
        && let Some(reply) = replay(db, key, &request_hash).await?
    {
        return Ok(reply);
    }
    crate::ratelimit::REGISTRATION.admit(ctx).await?;

    let password_hash = ppr_core::password::hash_password(&valid.password, &random_bytes()?)
        .map_err(|e| ApiError::internal_cause("hash password", &e))?;
    let write = registration(ctx, &valid, &password_hash, key.as_deref(), &request_hash)?;
    if let Err(err) = write.commit().await {
        // A concurrent request with the same key may have won the race.
        if let Some(key) = &key
            && let Some(reply) = replay(db, key, &request_hash).await?
        {
            return Ok(reply);
        }
        return Err(refused_registration(err, &valid));
    }
    let row = accounts::enterprise_by_uscc(db, valid.uscc.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::internal_cause("register enterprise", &"row missing after insert")
        })?;
    Reply::json(201, &EnterpriseOut::from(row), CachePolicy::NoStore)
}

/// The write of a registration: the enterprise, its first user, the audit row, and the
/// request's `Idempotency-Key` with the hash of its body when one was sent.
fn registration<'a>(
    ctx: &'a Ctx<'_>,
    valid: &ValidEnterprise,
    password_hash: &str,
    key: Option<&str>,
    request_hash: &str,
) -> Result<Write<'a>, ApiError> {
    let db = ctx.db();
    let uscc = valid.uscc.as_str();
    let region = valid.region.to_string();
    let enterprise = NewEnterprise {
        uscc,
        name: &valid.name,
        region_code: &region,
        contact_name: &valid.contact_name,
        contact_email: valid.email.as_str(),
        contact_phone: valid.phone.as_str(),
    };
    let user = NewUser {
        email: valid.email.as_str(),
        password_hash,
        role: "enterprise",
        display_name: &valid.contact_name,
        region_scope: None,
    };
    let after =
        serde_json::json!({"uscc": uscc, "name": valid.name, "region_code": region}).to_string();
    let mut write = Write::new(ctx.config, &ctx.stamp, Actor::ANONYMOUS);
    write
        .push(accounts::insert_enterprise(db, &enterprise, &ctx.stamp))?
        .push(accounts::insert_enterprise_user(
            db, &user, uscc, &ctx.stamp,
        ))?
        .audit(
            &Entry::new("enterprise.register", "enterprise", uscc)
                .enterprise_uscc(uscc)
                .after(&after),
        )?;
    if let Some(key) = key {
        write.push(keys::insert_for_enterprise(
            db,
            REGISTER_SCOPE,
            key,
            request_hash,
            uscc,
            &ctx.stamp,
        ))?;
    }
    Ok(write)
}

/// The answer to a registration the database refused: the USCC or the e-mail that is
/// registered already, named.
fn refused_registration(err: WriteError, valid: &ValidEnterprise) -> ApiError {
    let uscc = valid.uscc.as_str();
    match err {
        WriteError::Duplicate(constraint) if constraint == "enterprises.uscc" => {
            ApiError::conflict(
                "uscc_registered",
                "uscc",
                format!(
                    "an enterprise with USCC {uscc} is already registered; sign in with its account"
                ),
            )
        }
        WriteError::Duplicate(constraint) if constraint == "users.email" => ApiError::conflict(
            "email_registered",
            "contact.email",
            format!(
                "{} already has an account; use another address",
                valid.email
            ),
        ),
        err => err.into(),
    }
}

/// The first answer to `key`, if it was already used: the same enterprise, or 422 when
/// the key came with another body.
async fn replay(db: &D1Database, key: &str, request_hash: &str) -> Result<Option<Reply>, ApiError> {
    let Some(found) = keys::find(db, REGISTER_SCOPE, key).await? else {
        return Ok(None);
    };
    if found.request_hash != request_hash {
        return Err(idempotency::reused());
    }
    let row = accounts::enterprise_by_id(db, found.entity_id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("idempotent replay", &"enterprise missing"))?;
    let reply = Reply::json(201, &EnterpriseOut::from(row), CachePolicy::NoStore)?;
    Ok(Some(
        reply.with_header("idempotent-replayed", "true".to_owned()),
    ))
}

/// One read of the enterprise's confidential data, as its access log shows it.
#[derive(Debug, Serialize)]
pub struct AccessOut {
    /// Who read: the regional office, or the staff member.
    pub actor_name: String,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Its id (the cursor).
    pub id: i64,
    /// `session` or `token`.
    pub via: String,
    /// What was read.
    pub what: String,
}

impl From<AccessRow> for AccessOut {
    fn from(row: AccessRow) -> Self {
        Self {
            actor_name: row.actor_name,
            at: row.at,
            id: row.id,
            via: row.via,
            what: row.what,
        }
    }
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
    let page: Page<AccessOut> = Page::cut(rows, limit, |r| r.id);
    Reply::json(200, &page, CachePolicy::NoStore)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::views::sorted::assert_sorted;

    #[test]
    fn the_access_log_answers_as_before() {
        let row = AccessRow {
            id: 12,
            at: "2026-01-02T03:04:05.000Z".to_owned(),
            actor_name: "Suzhou office".to_owned(),
            via: "token".to_owned(),
            what: "port: enterprises and contacts".to_owned(),
        };
        let page: Page<AccessOut> = Page::cut(vec![row], 1, |r| r.id);
        assert_sorted(&page);
        let before = json!({"items": [{"id": 12, "at": "2026-01-02T03:04:05.000Z",
            "actor_name": "Suzhou office", "via": "token",
            "what": "port: enterprises and contacts"}], "next_cursor": "12"});
        assert_eq!(serde_json::to_string(&page).unwrap(), before.to_string());
    }
}
