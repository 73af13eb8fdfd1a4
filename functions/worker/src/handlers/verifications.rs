//! Real-name verification: the enterprise submits its basic data, its supporting
//! documents and its acceptance of the integrity commitment; a reviewer approves or
//! rejects it with a reason. Until approved, nothing else can be filed.

use ppr_core::account::required_text;
use ppr_core::commitment::{COMMITMENT_TEXT_EN, COMMITMENT_TEXT_ZH, COMMITMENT_VERSION};
use serde::{Deserialize, Serialize};

use crate::auth::{self, Principal};
use crate::authz::{self, Access, enterprise_access};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::idempotency::{Creation, mark_replayed};
use crate::operation::{Operation, Roles, operation};
use crate::repo::audit::Entry;
use crate::repo::documents;
use crate::repo::verifications::{self, NewVerification, VerificationRow};
use crate::validation::Issues;
use crate::write::{Created, Write, WriteError};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/integrity-commitment", get_commitment(ctx), Roles::Anyone),
    operation!(GET "/api/v1/enterprises/{uscc}/verifications", list_verifications(ctx), Roles::EnterpriseRead),
    operation!(POST "/api/v1/enterprises/{uscc}/verifications", create_verification(ctx, body), Roles::EnterpriseWrite),
    operation!(POST "/api/v1/verifications/{id}/decision", decide_verification(ctx, body), Roles::Reviewers),
];

/// Longest name or address.
const MAX_TEXT_CHARS: usize = 200;
/// Most documents on one verification.
const MAX_DOCUMENTS: usize = 10;

/// `GET /api/v1/integrity-commitment`: the text an enterprise accepts.
///
/// # Errors
///
/// Never in practice (serialising constants).
pub async fn get_commitment(_ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    Reply::json(
        200,
        &serde_json::json!({
            "version": COMMITMENT_VERSION,
            "text_zh": COMMITMENT_TEXT_ZH,
            "text_en": COMMITMENT_TEXT_EN,
        }),
        CachePolicy::PublicShort,
    )
}

/// The submission.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationIn {
    /// Legal representative (法定代表人).
    pub legal_representative: String,
    /// Registered address.
    pub registered_address: String,
    /// Ids of uploaded documents with purpose `verification` (business licence, …).
    pub documents: Vec<i64>,
    /// Acceptance of the integrity commitment.
    pub commitment: CommitmentIn,
}

/// Acceptance of the integrity commitment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentIn {
    /// The version read (`GET /api/v1/integrity-commitment`).
    pub version: String,
    /// Must be `true`.
    pub accepted: bool,
}

/// A verification as returned.
#[derive(Debug, Serialize)]
pub struct VerificationOut {
    /// Id.
    pub id: i64,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Legal representative.
    pub legal_representative: String,
    /// Registered address.
    pub registered_address: String,
    /// Document ids.
    pub documents: serde_json::Value,
    /// Commitment accepted: version and time.
    pub commitment: serde_json::Value,
    /// Submission time.
    pub submitted_at: String,
    /// Decision time.
    pub decided_at: Option<String>,
    /// Reason of a rejection.
    pub reason: Option<String>,
}

impl From<VerificationRow> for VerificationOut {
    fn from(row: VerificationRow) -> Self {
        Self {
            id: row.id,
            status: row.status,
            legal_representative: row.legal_representative,
            registered_address: row.registered_address,
            documents: serde_json::from_str(&row.documents).unwrap_or_default(),
            commitment: serde_json::json!({
                "version": row.commitment_version,
                "accepted_at": row.commitment_accepted_at,
            }),
            submitted_at: row.submitted_at,
            decided_at: row.decided_at,
            reason: row.reason,
        }
    }
}

/// `POST /api/v1/enterprises/{uscc}/verifications`: 201 with the pending verification.
///
/// # Errors
///
/// 401/403/404 as [`enterprise_access`]; 422 invalid fields; 409 when one is pending
/// or the enterprise is already verified.
pub async fn create_verification(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let (principal, enterprise) = enterprise_access(ctx, Access::Write).await?;
    let input: VerificationIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let creation = Creation::begin(ctx.req, principal.user_id, "verification", body)?;
    if let Some(id) = creation.replayed(db).await? {
        return verification_reply(db, id, 201).await.map(mark_replayed);
    }
    require_unverified(&enterprise.verification_status)?;
    let (representative, address) = check_submission(db, enterprise.id, &input).await?;
    let documents_json = serde_json::to_string(&input.documents)
        .map_err(|e| ApiError::internal_cause("documents json", &e))?;
    let new = NewVerification {
        enterprise_id: enterprise.id,
        legal_representative: &representative,
        registered_address: &address,
        documents: &documents_json,
        commitment_version: COMMITMENT_VERSION,
        submitted_by: principal.user_id,
    };
    if let Created::Replayed(id) = submit(ctx, &principal, &new, &creation).await? {
        return verification_reply(db, id, 201).await.map(mark_replayed);
    }
    let latest = verifications::list(db, enterprise.id)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal_cause("submit verification", &"row missing"))?;
    Reply::json(201, &VerificationOut::from(latest), CachePolicy::NoStore)
}

/// Refuses a second submission while one waits, and any once verified.
fn require_unverified(verification_status: &str) -> Result<(), ApiError> {
    match verification_status {
        "pending" => Err(ApiError::state_conflict(
            "verification_pending",
            "a verification is already waiting for review",
        )),
        "verified" => Err(ApiError::state_conflict(
            "already_verified",
            "this enterprise is already verified",
        )),
        _ => Ok(()),
    }
}

/// Checks every field of a submission, naming each one at fault: the representative
/// and address as kept, once all passed.
async fn check_submission(
    db: &worker::D1Database,
    enterprise_id: i64,
    input: &VerificationIn,
) -> Result<(String, String), ApiError> {
    let mut issues = Issues::default();
    let representative = issues.take(
        "legal_representative",
        required_text(&input.legal_representative, MAX_TEXT_CHARS),
    );
    let address = issues.take(
        "registered_address",
        required_text(&input.registered_address, MAX_TEXT_CHARS),
    );
    let known: Vec<i64> = documents::list(db, enterprise_id, Some("verification"))
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    check_documents(&mut issues, &input.documents, &known);
    check_commitment(&mut issues, &input.commitment);
    issues.finish()?;
    let (Some(representative), Some(address)) = (representative, address) else {
        return Err(ApiError::internal_cause(
            "create_verification",
            &"unreported issue",
        ));
    };
    Ok((representative, address))
}

/// At least one document, not too many, each one of the enterprise's own.
fn check_documents(issues: &mut Issues, documents: &[i64], known: &[i64]) {
    if documents.is_empty() {
        issues.push(
            "documents",
            "required",
            "upload at least one supporting document (the business licence) first",
        );
    } else if documents.len() > MAX_DOCUMENTS {
        issues.push(
            "documents",
            "too_many",
            format!("at most {MAX_DOCUMENTS} documents"),
        );
    }
    for (i, id) in documents.iter().enumerate() {
        if !known.contains(id) {
            issues.push(
                &format!("documents[{i}]"),
                "unknown_document",
                format!("document {id} is not one of your verification documents"),
            );
        }
    }
}

/// The current commitment, accepted.
fn check_commitment(issues: &mut Issues, commitment: &CommitmentIn) {
    if !commitment.accepted {
        issues.push(
            "commitment.accepted",
            "required",
            "the integrity commitment must be accepted",
        );
    }
    if commitment.version != COMMITMENT_VERSION {
        issues.push(
            "commitment.version",
            "outdated",
            format!("the current commitment is version {COMMITMENT_VERSION}; read it again"),
        );
    }
}

/// Marks the enterprise pending and inserts the verification, in one write.
async fn submit(
    ctx: &Ctx<'_>,
    principal: &Principal,
    new: &NewVerification<'_>,
    creation: &Creation,
) -> Result<Created, ApiError> {
    let db = ctx.db();
    let after = serde_json::json!({"status": "pending", "commitment_version": COMMITMENT_VERSION})
        .to_string();
    let mut write = Write::by(ctx, principal);
    write
        .guarded(verifications::mark_pending(
            db,
            new.enterprise_id,
            &ctx.stamp,
        ))?
        .push(verifications::insert(db, new, &ctx.stamp))?;
    write.audit_created(
        &Entry::new("verification.submit", "verification", "")
            .enterprise(new.enterprise_id)
            .after(&after),
        creation,
    )?;
    // Either refusal means another submission got there first.
    write.commit_creation().await.map_err(|err| match err {
        WriteError::Stale | WriteError::Duplicate(_) => ApiError::state_conflict(
            "verification_pending",
            "a verification is already waiting for review",
        ),
        err => err.into(),
    })
}

async fn verification_reply(
    db: &worker::D1Database,
    id: i64,
    status: u16,
) -> Result<Reply, ApiError> {
    let row = verifications::by_id(db, id)
        .await?
        .ok_or_else(|| ApiError::internal_cause("verification", &"row missing"))?;
    Reply::json(status, &VerificationOut::from(row), CachePolicy::NoStore)
}

/// `GET /api/v1/enterprises/{uscc}/verifications`: newest first.
///
/// # Errors
///
/// As [`enterprise_access`].
pub async fn list_verifications(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let (_, enterprise) = enterprise_access(ctx, Access::Read).await?;
    let rows = verifications::list(ctx.db(), enterprise.id).await?;
    let items: Vec<VerificationOut> = rows.into_iter().map(VerificationOut::from).collect();
    Reply::json(
        200,
        &serde_json::json!({"verification_status": enterprise.verification_status, "items": items}),
        CachePolicy::NoStore,
    )
}

/// A reviewer's decision on a verification.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationDecisionIn {
    /// `approve` or `reject`.
    pub decision: String,
    /// Required for a rejection.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /api/v1/verifications/{id}/decision`.
///
/// # Errors
///
/// 401; 403 `not_reviewer`; 404; 422 bad decision or missing reason; 409 when it was
/// already decided.
pub async fn decide_verification(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let principal = ctx.principal().await?;
    authz::require_reviewer(&principal)?;
    auth::check_csrf(ctx.req, &principal)?;
    let id = ctx.id_param("id", "verification_not_found")?;
    let input: VerificationDecisionIn = crate::body::decode_json(body)?;
    let db = ctx.db();
    let row = verifications::by_id(db, id).await?.ok_or_else(|| {
        ApiError::missing("verification_not_found", format!("no verification {id}"))
    })?;
    authz::require_not_own(&principal, row.enterprise_id)?;
    let (approve, reason) = crate::validation::approve_or_reject(
        &input.decision,
        input.reason.as_deref(),
        "say why the verification is rejected, so the enterprise can fix it",
    )?;
    if row.status != "pending" {
        return Err(ApiError::state_conflict(
            "already_decided",
            format!("this verification was already {}", row.status),
        ));
    }
    let after =
        serde_json::json!({"status": if approve { "approved" } else { "rejected" }}).to_string();
    let id_text = id.to_string();
    let action = if approve {
        "verification.approve"
    } else {
        "verification.reject"
    };
    let mut write = Write::by(ctx, &principal);
    write
        .guarded(verifications::decide(
            db,
            &row,
            approve,
            reason.as_deref(),
            principal.user_id,
            &ctx.stamp,
        ))?
        .push(verifications::settle_enterprise(
            db, &row, approve, &ctx.stamp,
        ))?
        .audit(
            &Entry::new(action, "verification", &id_text)
                .enterprise(row.enterprise_id)
                .before(r#"{"status":"pending"}"#)
                .after(&after)
                .reason(reason.as_deref()),
        )?;
    write.commit().await.map_err(|err| match err {
        WriteError::Stale => ApiError::state_conflict(
            "already_decided",
            "this verification was decided by someone else just now",
        ),
        err => err.into(),
    })?;
    verification_reply(db, id, 200).await
}
