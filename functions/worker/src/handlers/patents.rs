//! An enterprise's patents, and the national admin's legal-status import.

use chrono::NaiveDate;
use ppr_core::account::required_text;
use ppr_core::calendar::business_date;
use ppr_core::holding::{LegalStatus, RightHeld, check_application_date, check_grant_date};
use ppr_core::status_import::parse_status_csv;
use ppr_core::{PatentKind, PatentNumber};
use serde::{Deserialize, Serialize};

use crate::authz::{self, Access, enterprise_access};
use crate::ctx::Ctx;
use crate::error::{ApiError, FieldIssue};
use crate::http::{CachePolicy, Reply};
use crate::idempotency::{Creation, mark_replayed};
use crate::operation::{Operation, Roles, operation};
use crate::repo::audit::Entry;
use crate::repo::patents::{self, PatentFields, PatentRow};
use crate::repo::product_writes;
use crate::services::settings;
use crate::validation::Issues;
use crate::write::{Write, WriteError};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/enterprises/{uscc}/patents", list_patents(ctx), Roles::EnterpriseRead),
    operation!(POST "/api/v1/enterprises/{uscc}/patents", create_patent(ctx, body), Roles::EnterpriseWrite),
    operation!(PUT "/api/v1/enterprises/{uscc}/patents/{id}", update_patent(ctx, body), Roles::EnterpriseWrite),
    operation!(POST "/api/v1/patent-status-imports", import_patent_statuses(ctx), Roles::NationalAdmins),
];

/// Longest patent title (CNIPA titles are at most 40 characters; room for licences).
const MAX_TITLE_CHARS: usize = 200;

/// Largest legal-status import body: 2 MiB, about 50,000 lines.
const MAX_IMPORT_BYTES: usize = 2 * 1024 * 1024;

/// A patent, as sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatentIn {
    /// Application or patent number.
    pub number: String,
    /// `invention`, `utility_model` or `design`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Application date.
    pub application_date: String,
    /// Grant date.
    pub grant_date: String,
    /// `owned`, `exclusive_licence`, `sole_licence` or `ordinary_licence`.
    pub right_held: String,
    /// `valid`, `lapsed` or `transferred`; defaults to `valid`.
    #[serde(default)]
    pub legal_status: Option<String>,
    /// The version read, for an update (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A patent, as returned.
#[derive(Debug, Serialize)]
pub struct PatentOut {
    /// Id.
    pub id: i64,
    /// Canonical number.
    pub number: String,
    /// Declared kind.
    pub kind: String,
    /// Whether it came through the PCT.
    pub pct: bool,
    /// Title.
    pub title: String,
    /// Application date.
    pub application_date: String,
    /// Grant date.
    pub grant_date: String,
    /// Right held.
    pub right_held: String,
    /// Legal status.
    pub legal_status: String,
    /// Date of the last imported status change.
    pub legal_status_date: Option<String>,
    /// Last change.
    pub updated_at: String,
    /// Row version.
    pub version: i64,
}

impl From<PatentRow> for PatentOut {
    fn from(r: PatentRow) -> Self {
        Self {
            id: r.id,
            number: r.number,
            kind: r.kind,
            pct: r.pct == 1,
            title: r.title,
            application_date: r.application_date,
            grant_date: r.grant_date,
            right_held: r.right_held,
            legal_status: r.legal_status,
            legal_status_date: r.legal_status_date,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

/// A patent whose every field passed the rules, ready to store.
#[derive(Debug)]
pub struct ValidPatent {
    number: PatentNumber,
    kind: PatentKind,
    title: String,
    application: String,
    grant: String,
    right: RightHeld,
    status: LegalStatus,
}

fn parse_date(issues: &mut Issues, field: &str, text: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(date) => Some(date),
        Err(_) => {
            issues.push(
                field,
                "date",
                format!("{text:?} is not a date (YYYY-MM-DD)"),
            );
            None
        }
    }
}

/// Checks every field of a patent as sent, naming each one at fault.
///
/// # Errors
///
/// 422 naming every field at fault: number, kind, title, dates, right held, status.
pub fn validate_patent(input: &PatentIn, today: NaiveDate) -> Result<ValidPatent, ApiError> {
    let mut issues = Issues::default();
    let number = issues.take(
        "number",
        PatentNumber::parse(&input.number, chrono::Datelike::year(&today)),
    );
    let kind = declared_kind(&mut issues, &input.kind);
    if let (Some(number), Some(kind)) = (&number, kind)
        && let Err(e) = number.check_declared_kind(kind)
    {
        issues.push("kind", e.code(), e.to_string());
    }
    let title = issues.take("title", required_text(&input.title, MAX_TITLE_CHARS));
    let application = parse_date(&mut issues, "application_date", &input.application_date);
    let grant = parse_date(&mut issues, "grant_date", &input.grant_date);
    if let (Some(number), Some(date)) = (&number, application)
        && let Err(e) = check_application_date(number, date, today)
    {
        issues.push("application_date", e.code(), e.to_string());
    }
    if let (Some(application), Some(grant)) = (application, grant)
        && let Err(e) = check_grant_date(application, grant, today)
    {
        issues.push("grant_date", e.code(), e.to_string());
    }
    let right = RightHeld::from_code(&input.right_held);
    if right.is_none() {
        issues.push(
            "right_held",
            "unknown_right",
            "right_held is owned, exclusive_licence, sole_licence or ordinary_licence",
        );
    }
    let status = legal_status(&mut issues, input.legal_status.as_deref());
    issues.finish()?;
    match (number, kind, title, application, grant, right, status) {
        (
            Some(number),
            Some(kind),
            Some(title),
            Some(application),
            Some(grant),
            Some(right),
            Some(status),
        ) => Ok(ValidPatent {
            number,
            kind,
            title,
            application: application.format("%Y-%m-%d").to_string(),
            grant: grant.format("%Y-%m-%d").to_string(),
            right,
            status,
        }),
        _ => Err(ApiError::internal_cause(
            "validate_patent",
            &"unreported issue",
        )),
    }
}

/// The kind the enterprise declares, which the number must agree with.
fn declared_kind(issues: &mut Issues, code: &str) -> Option<PatentKind> {
    match code {
        "invention" => Some(PatentKind::Invention),
        "utility_model" => Some(PatentKind::UtilityModel),
        "design" => Some(PatentKind::Design),
        other => {
            issues.push(
                "kind",
                "unknown_kind",
                format!("{other:?} is not invention, utility_model or design"),
            );
            None
        }
    }
}

/// The legal status as sent; a new patent is valid unless told otherwise.
fn legal_status(issues: &mut Issues, code: Option<&str>) -> Option<LegalStatus> {
    let status = match code {
        None => Some(LegalStatus::Valid),
        Some(code) => LegalStatus::from_code(code),
    };
    if status.is_none() {
        issues.push(
            "legal_status",
            "unknown_status",
            "legal_status is valid, lapsed or transferred",
        );
    }
    status
}

/// `GET /api/v1/enterprises/{uscc}/patents`.
///
/// # Errors
///
/// As [`enterprise_access`].
pub async fn list_patents(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, enterprise) = enterprise_access(ctx, Access::Read).await?;
    let rows = patents::list(ctx.db(), enterprise.id).await?;
    let items: Vec<PatentOut> = rows.into_iter().map(PatentOut::from).collect();
    Reply::json(
        200,
        &serde_json::json!({ "items": items }),
        CachePolicy::NoStore,
    )
}

/// `POST /api/v1/enterprises/{uscc}/patents`: 201 with the patent.
///
/// # Errors
///
/// As [`enterprise_access`] (verified enterprise); 422 invalid fields; 409 when the
/// enterprise already has this number.
pub async fn create_patent(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let (principal, enterprise) = enterprise_access(ctx, Access::WriteVerified).await?;
    let input: PatentIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let creation = Creation::begin(ctx.req, principal.user_id, "patent", body)?;
    if let Some(id) = creation.replayed(db).await? {
        return patent_reply(db, enterprise.id, id, 201)
            .await
            .map(mark_replayed);
    }
    let valid = validate_patent(&input, business_date(ctx.now))?;
    let number = valid.number.to_string();
    let fields = fields_of(&valid, &number);
    let after =
        serde_json::json!({"number": number, "legal_status": valid.status.code()}).to_string();
    let mut write = Write::by(ctx, &principal);
    write.push(patents::insert(db, enterprise.id, &fields, &ctx.stamp))?;
    write.audit_created(
        &Entry::new("patent.create", "patent", "")
            .enterprise(enterprise.id)
            .after(&after),
        &creation,
    )?;
    let created = write.commit_creation().await.map_err(|err| match err {
        WriteError::Duplicate(_) => ApiError::conflict(
            "patent_registered",
            "number",
            format!("{number} is already among your patents"),
        ),
        err => err.into(),
    })?;
    let id = created.id("create patent")?;
    Ok(created.mark(patent_reply(db, enterprise.id, id, 201).await?))
}

fn fields_of<'a>(valid: &'a ValidPatent, number: &'a str) -> PatentFields<'a> {
    PatentFields {
        number,
        kind: valid.kind.code(),
        pct: valid.number.patent_type().is_pct(),
        title: &valid.title,
        application_date: &valid.application,
        grant_date: &valid.grant,
        right_held: valid.right.code(),
        legal_status: valid.status.code(),
    }
}

async fn patent_reply(
    db: &worker::D1Database,
    enterprise_id: i64,
    id: i64,
    status: u16,
) -> Result<Reply, ApiError> {
    let row = patents::by_id(db, enterprise_id, id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("patent", &"row missing"))?;
    Reply::json(status, &PatentOut::from(row), CachePolicy::NoStore)
}

/// `PUT /api/v1/enterprises/{uscc}/patents/{id}`: replaces the patent's fields (not
/// its number) at the version read.
///
/// # Errors
///
/// As [`enterprise_access`]; 404; 422 invalid fields or a changed number; 409 stale.
pub async fn update_patent(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let (principal, enterprise) = enterprise_access(ctx, Access::WriteVerified).await?;
    let id = ctx.id_param("id", "patent_not_found")?;
    let input: PatentIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let current = patents::by_id(db, enterprise.id, id)
        .await?
        .ok_or_else(|| ApiError::missing("patent_not_found", format!("no patent {id} here")))?;
    let version = ctx.required_version(input.version)?;
    let valid = validate_patent(&input, business_date(ctx.now))?;
    let number = valid.number.to_string();
    if number != current.number {
        return Err(ApiError::invalid_field(
            "number",
            "immutable",
            "a patent's number cannot change; add the other number as a new patent",
        ));
    }
    let fields = fields_of(&valid, &number);
    let before = serde_json::to_string(&PatentOut::from(current.clone()))
        .map_err(|e| ApiError::internal_cause("patent json", &e))?;
    let after = serde_json::json!({"title": fields.title, "kind": fields.kind, "right_held": fields.right_held, "legal_status": fields.legal_status}).to_string();
    let id_text = id.to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(patents::update(db, id, version, &fields, &ctx.stamp))?
        .audit(
            &Entry::new("patent.update", "patent", &id_text)
                .enterprise(enterprise.id)
                .before(&before)
                .after(&after),
        )?;
    write.commit().await?;
    patent_reply(db, enterprise.id, id, 200).await
}

/// What an import did.
#[derive(Debug, Serialize)]
pub struct ImportOut {
    /// Lines read.
    pub rows: usize,
    /// Numbers of the file registered by at least one enterprise.
    pub known_numbers: i64,
    /// Numbers of the file nobody registered.
    pub unknown_numbers: i64,
    /// Revocation deadline given to newly prompted products.
    pub revocation_deadline: String,
}

/// `POST /api/v1/patent-status-imports`: a national admin imports legal-status
/// updates as CSV (`number,status,date`). All or nothing: a file with a bad line is
/// refused whole, naming every bad line. Recorded products whose linked patents are
/// now all lapsed or transferred are prompted for revocation (deadline from the
/// `prompted_revocation_days` setting); prompts whose patents are valid again are
/// cleared.
///
/// # Errors
///
/// 401; 403 `not_national_admin`; 413; 422 with `line N: column` fields.
pub async fn import_patent_statuses(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let principal = authz::national_admin_write(ctx).await?;
    let body = crate::body::read_limited(ctx.req, MAX_IMPORT_BYTES).await?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::invalid_field("body", "encoding", "the CSV must be UTF-8"))?;
    let year = chrono::Datelike::year(&business_date(ctx.now));
    let updates = parse_status_csv(text, year).map_err(|errors| {
        let fields = errors
            .into_iter()
            .map(|e| FieldIssue::new(format!("line {}: {}", e.line, e.column), e.code, e.message))
            .collect();
        ApiError::validation("the file was not imported; fix these lines", fields)
    })?;
    let rows: Vec<serde_json::Value> = updates
        .iter()
        .map(|u| {
            serde_json::json!({
                "number": u.number.to_string(),
                "status": u.status.code(),
                "date": u.date.format("%Y-%m-%d").to_string(),
            })
        })
        .collect();
    let numbers: Vec<String> = updates.iter().map(|u| u.number.to_string()).collect();
    let rows_json =
        serde_json::to_string(&rows).map_err(|e| ApiError::internal_cause("import json", &e))?;
    let numbers_json =
        serde_json::to_string(&numbers).map_err(|e| ApiError::internal_cause("import json", &e))?;
    let db = ctx.db();
    let deadline = settings::revocation_deadline(db, ctx.now).await?;
    let after = serde_json::json!({"rows": updates.len()}).to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .push(patents::import_statuses(db, &rows_json, &ctx.stamp))?
        .extend(product_writes::refresh_prompts(db, &ctx.stamp, &deadline))?
        .audit(
            &Entry::new("patent.status_import", "patent_status_import", &ctx.stamp).after(&after),
        )?;
    write.commit().await?;
    let known = patents::count_known(db, &numbers_json).await?;
    let distinct = {
        let mut n = numbers.clone();
        n.sort();
        n.dedup();
        i64::try_from(n.len()).unwrap_or(i64::MAX)
    };
    Reply::json(
        200,
        &ImportOut {
            rows: updates.len(),
            known_numbers: known,
            unknown_numbers: distinct - known,
            revocation_deadline: deadline,
        },
        CachePolicy::NoStore,
    )
}
