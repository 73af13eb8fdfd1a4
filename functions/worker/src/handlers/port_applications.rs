//! Management-port applications: a regional office applies (public, with
//! `Idempotency-Key`); a national admin lists, reads and decides. Approval opens the
//! port in one batch: the application decided, the regional admin account (it signs
//! in with the application's e-mail and password), the port, and a first API token
//! shown in that answer only.

use ppr_core::account::{check_password_policy, required_text};
use ppr_core::{Email, Phone, RegionScope, Role};
use serde::{Deserialize, Serialize};
use worker::D1Database;

use crate::auth::{Principal, random_bytes, sha256_hex};
use crate::authz;
use crate::ctx::Ctx;
use crate::error::{ApiError, FieldIssue};
use crate::http::{CachePolicy, Reply};
use crate::idempotency::{Creation, mark_replayed};
use crate::operation::{Operation, Roles, operation};
use crate::repo::accounts::{self, NewUser};
use crate::repo::audit::{Actor, Entry};
use crate::repo::port_applications::{self as applications, ApplicationRow, NewApplication};
use crate::repo::ports;
use crate::services::ports::{new_token, token_prefix};
use crate::validation::Issues;
use crate::validation::approve_or_reject;
use crate::validation::{MAX_NAME_CHARS, MAX_PERSON_CHARS};
use crate::write::{Created, Write, WriteError};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(POST "/api/v1/port-applications", create_port_application(ctx, body), Roles::Anyone),
    operation!(GET "/api/v1/port-applications", list_port_applications(ctx), Roles::NationalAdmins,
        query: ["status", "cursor", "limit"]),
    operation!(GET "/api/v1/port-applications/{id}", get_port_application(ctx), Roles::NationalAdmins),
    operation!(POST "/api/v1/port-applications/{id}/decision", decide_port_application(ctx, body), Roles::NationalAdmins),
];

/// Most contact persons on one application.
const MAX_CONTACTS: usize = 10;

/// A contact person of an application.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    /// Name.
    pub name: String,
    /// Title (职务).
    pub title: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
}

/// `POST /api/v1/port-applications`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationIn {
    /// The office's name.
    pub office_name: String,
    /// `PP0000` (a province), `PPCC00` (a prefecture-level city) or `xpcc`.
    pub region_scope: String,
    /// At least one contact person.
    pub contacts: Vec<ContactIn>,
    /// The login e-mail of the regional admin account approval creates.
    pub account_email: String,
    /// Its password.
    pub password: String,
}

/// An application as answered (the password hash never leaves).
#[derive(Debug, Serialize)]
pub struct ApplicationOut {
    /// Id.
    pub id: i64,
    /// The office.
    pub office_name: String,
    /// The scope's code.
    pub region_scope: String,
    /// Contact persons (national admins only; the public answer leaves them out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacts: Option<serde_json::Value>,
    /// The account's e-mail.
    pub account_email: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// When it was decided.
    pub decided_at: Option<String>,
    /// When it was made.
    pub created_at: String,
    /// Row version.
    pub version: i64,
}

fn application_out(row: ApplicationRow, with_contacts: bool) -> ApplicationOut {
    ApplicationOut {
        id: row.id,
        office_name: row.office_name,
        region_scope: row.scope,
        contacts: with_contacts
            .then(|| serde_json::from_str(&row.contacts).unwrap_or(serde_json::Value::Null)),
        account_email: row.account_email,
        status: row.status,
        reason: row.reason,
        decided_at: row.decided_at,
        created_at: row.created_at,
        version: row.version,
    }
}

/// A port's scope from what an application typed: a province, a prefecture-level
/// city or the XPCC, never an ad-hoc list of codes.
fn port_scope(text: &str) -> Result<RegionScope, FieldIssue> {
    let scope = RegionScope::parse(text)
        .map_err(|e| FieldIssue::new("region_scope", e.code(), e.to_string()))?;
    if matches!(scope, RegionScope::Codes(_)) && scope != RegionScope::xpcc() {
        return Err(FieldIssue::new(
            "region_scope",
            "not_a_port_scope",
            "a port covers a province (PP0000), a prefecture-level city (PPCC00) or the XPCC (xpcc)",
        ));
    }
    Ok(scope)
}

/// `POST /api/v1/port-applications`: 201 with the application (public; honours
/// `Idempotency-Key`).
///
/// # Errors
///
/// 422 invalid fields; 409 `port_exists` when the region has a port already,
/// `email_registered` when the account's e-mail has an account.
pub async fn create_port_application(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let input: ApplicationIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let creation = Creation::begin(ctx.req, 0, "port_application", body)?;
    if let Some(id) = creation.replayed(db).await? {
        return application_reply(db, id, 201, false)
            .await
            .map(mark_replayed);
    }
    let mut issues = Issues::default();
    let office = issues.take(
        "office_name",
        required_text(&input.office_name, MAX_NAME_CHARS),
    );
    let scope = match port_scope(&input.region_scope) {
        Ok(scope) => Some(scope),
        Err(issue) => {
            issues.push(&issue.field, &issue.code, issue.message);
            None
        }
    };
    let contacts = check_contacts(&mut issues, &input.contacts);
    let account = issues.take("account_email", Email::parse(&input.account_email));
    issues.take("password", check_password_policy(&input.password));
    issues.finish()?;
    crate::ratelimit::PORT_APPLICATION.admit(ctx).await?;
    let (Some(office), Some(scope), Some(account)) = (office, scope, account) else {
        return Err(ApiError::internal_cause(
            "port application",
            &"a field was refused without an issue",
        ));
    };
    let scope_code = scope.code();
    if ports::port_by_scope(db, &scope_code).await?.is_some() {
        return Err(port_exists(&scope_code));
    }
    if accounts::user_by_email(db, account.as_str())
        .await?
        .is_some()
    {
        return Err(email_registered(account.as_str()));
    }
    let hash = ppr_core::password::hash_password(&input.password, &random_bytes()?)
        .map_err(|e| ApiError::internal_cause("hash password", &e))?;
    let contacts_json = serde_json::to_string(&contacts)
        .map_err(|e| ApiError::internal_cause("contacts json", &e))?;
    let new = NewApplication {
        office_name: &office,
        scope: &scope_code,
        contacts: &contacts_json,
        account_email: account.as_str(),
        password_hash: &hash,
    };
    let created = insert_application(ctx, &new, &creation).await?;
    let id = created.id("port application")?;
    Ok(created.mark(application_reply(db, id, 201, false).await?))
}

/// At least one contact person and not too many, each with every field valid: those
/// that passed, as kept.
fn check_contacts(issues: &mut Issues, contacts: &[ContactIn]) -> Vec<ContactIn> {
    if contacts.is_empty() {
        issues.push(
            "contacts",
            "required",
            "name at least one contact person (name, title, phone, email)",
        );
    }
    if contacts.len() > MAX_CONTACTS {
        issues.push(
            "contacts",
            "too_many",
            format!("at most {MAX_CONTACTS} contact persons"),
        );
    }
    let mut clean = Vec::new();
    for (i, c) in contacts.iter().enumerate() {
        let name = issues.take(
            &format!("contacts[{i}].name"),
            required_text(&c.name, MAX_PERSON_CHARS),
        );
        let title = issues.take(
            &format!("contacts[{i}].title"),
            required_text(&c.title, MAX_PERSON_CHARS),
        );
        let phone = issues.take(&format!("contacts[{i}].phone"), Phone::parse(&c.phone));
        let email = issues.take(&format!("contacts[{i}].email"), Email::parse(&c.email));
        if let (Some(name), Some(title), Some(phone), Some(email)) = (name, title, phone, email) {
            clean.push(ContactIn {
                name,
                title,
                phone: phone.to_string(),
                email: email.to_string(),
            });
        }
    }
    clean
}

/// Inserts the application with its audit row and the request's `Idempotency-Key`;
/// nobody is signed in, so the actor is anonymous.
async fn insert_application(
    ctx: &Ctx<'_>,
    new: &NewApplication<'_>,
    creation: &Creation,
) -> Result<Created, ApiError> {
    let after = serde_json::json!({"office_name": new.office_name, "region_scope": new.scope, "status": "pending"})
        .to_string();
    let mut write = Write::new(ctx.config, &ctx.stamp, Actor::ANONYMOUS);
    write.push(applications::insert_application(ctx.db(), new, &ctx.stamp))?;
    write.audit_created(
        &Entry::new("port_application.submit", "port_application", "").after(&after),
        creation,
    )?;
    Ok(write.commit_creation().await?)
}

fn port_exists(scope: &str) -> ApiError {
    ApiError::conflict(
        "port_exists",
        "region_scope",
        format!("{scope} has a management port already; its office can add users and tokens"),
    )
}

fn email_registered(email: &str) -> ApiError {
    ApiError::conflict(
        "email_registered",
        "account_email",
        format!("{email} already has an account; choose another e-mail for the port"),
    )
}

async fn application_reply(
    db: &D1Database,
    id: i64,
    status: u16,
    with_contacts: bool,
) -> Result<Reply, ApiError> {
    let row = applications::application(db, id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("port application", &"row missing"))?;
    Reply::json(
        status,
        &application_out(row, with_contacts),
        CachePolicy::NoStore,
    )
}

/// `GET /api/v1/port-applications`: national admins; `?status=` filters, newest first.
///
/// # Errors
///
/// 401; 403 `not_national_admin`; 422 a bad filter or paging.
pub async fn list_port_applications(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let principal = ctx.principal().await?;
    authz::require_national_admin(&principal)?;
    let status = ctx.query_param("status");
    if let Some(s) = &status
        && !["pending", "approved", "rejected"].contains(&s.as_str())
    {
        return Err(ApiError::invalid_field(
            "status",
            "unknown_status",
            "status is pending, approved or rejected",
        ));
    }
    let limit = ctx.page_limit(50, 200)?;
    let rows =
        applications::applications(ctx.db(), status.as_deref(), ctx.id_cursor()?, limit).await?;
    let next_cursor = (i64::try_from(rows.len()).unwrap_or(0) == limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    let items: Vec<ApplicationOut> = rows.into_iter().map(|r| application_out(r, true)).collect();
    Reply::json(
        200,
        &serde_json::json!({"items": items, "next_cursor": next_cursor}),
        CachePolicy::NoStore,
    )
}

/// `GET /api/v1/port-applications/{id}`: national admins.
///
/// # Errors
///
/// 401; 403; 404.
pub async fn get_port_application(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let principal = ctx.principal().await?;
    authz::require_national_admin(&principal)?;
    let id = ctx.id_param("id", "application_not_found")?;
    let db = ctx.db();
    if applications::application(db, id).await?.is_none() {
        return Err(application_not_found(id));
    }
    application_reply(db, id, 200, true).await
}

fn application_not_found(id: i64) -> ApiError {
    ApiError::missing("application_not_found", format!("no port application {id}"))
}

/// `POST /api/v1/port-applications/{id}/decision`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationDecisionIn {
    /// `approve` or `reject`.
    pub decision: String,
    /// Why (required to reject).
    #[serde(default)]
    pub reason: Option<String>,
    /// The version read (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// `POST /api/v1/port-applications/{id}/decision`: a national admin approves (the
/// port opens with its regional admin account and a first API token, shown in this
/// answer only) or rejects with a reason.
///
/// # Errors
///
/// 401; 403; 404; 409 decided already, stale, `port_exists`, `email_registered`;
/// 422 a bad decision or a missing reason.
pub async fn decide_port_application(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let principal = authz::national_admin_write(ctx).await?;
    let id = ctx.id_param("id", "application_not_found")?;
    let input: ApplicationDecisionIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let row = applications::application(db, id)
        .await?
        .ok_or_else(|| application_not_found(id))?;
    let (approve, reason) = approve_or_reject(
        &input.decision,
        input.reason.as_deref(),
        "say why the application is rejected",
    )?;
    if row.status != "pending" {
        return Err(ApiError::state_conflict(
            "application_decided",
            format!("application {id} was {} already", row.status),
        ));
    }
    let version = ctx.if_match()?.or(input.version).unwrap_or(row.version);
    let status = if approve { "approved" } else { "rejected" };
    let before = serde_json::json!({"status": row.status}).to_string();
    let after = serde_json::json!({"status": status, "region_scope": row.scope}).to_string();
    let id_text = id.to_string();
    let action = if approve {
        "port_application.approve"
    } else {
        "port_application.reject"
    };
    let mut write = Write::by(ctx, &principal);
    write.guarded(applications::decide_application(
        db,
        id,
        version,
        status,
        reason.as_deref(),
        principal.user_id,
        &ctx.stamp,
    ))?;
    let token = if approve {
        Some(open_port(ctx, &principal, &row, &mut write)?)
    } else {
        None
    };
    write.audit(
        &Entry::new(action, "port_application", &id_text)
            .before(&before)
            .after(&after)
            .reason(reason.as_deref()),
    )?;
    write.commit().await.map_err(|err| match err {
        WriteError::Duplicate(constraint) if constraint == "ports.scope" => port_exists(&row.scope),
        WriteError::Duplicate(constraint) if constraint == "users.email" => {
            email_registered(&row.account_email)
        }
        err => err.into(),
    })?;
    decided_reply(db, id, token).await
}

/// Adds the port's opening to an approval's write: the regional admin account, the
/// port and a first API token, which is returned (its hash alone is stored).
fn open_port(
    ctx: &Ctx<'_>,
    principal: &Principal,
    row: &ApplicationRow,
    write: &mut Write<'_>,
) -> Result<String, ApiError> {
    let db = ctx.db();
    let user = NewUser {
        email: &row.account_email,
        password_hash: &row.password_hash,
        role: Role::RegionalAdmin.code(),
        display_name: &row.office_name,
        region_scope: Some(&row.scope),
    };
    let token = new_token()?;
    write
        .push(accounts::insert_staff_user(db, &user, &ctx.stamp))?
        .push(ports::insert_port(db, row, &ctx.stamp))?
        .push(ports::insert_token(
            db,
            &row.scope,
            &sha256_hex(token.as_bytes()),
            &token_prefix(&token),
            "issued at approval",
            principal.user_id,
            &ctx.stamp,
        ))?;
    Ok(token)
}

/// The decided application, with the port it opened and its first token, if any.
async fn decided_reply(db: &D1Database, id: i64, token: Option<String>) -> Result<Reply, ApiError> {
    let row = applications::application(db, id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("port application", &"row missing"))?;
    let port = ports::port_by_scope(db, &row.scope)
        .await?
        .filter(|p| p.application_id == id);
    Reply::json(
        200,
        &serde_json::json!({
            "application": application_out(row, true),
            "port": port.as_ref().map(crate::views::ports::PortOut::from),
            "token": token,
        }),
        CachePolicy::NoStore,
    )
}
