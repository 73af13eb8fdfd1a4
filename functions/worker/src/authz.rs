//! Who may do what to an enterprise's records, decided in one place.
//!
//! | Role | Own enterprise | Other enterprise |
//! |---|---|---|
//! | enterprise user | read and write | 403 `not_your_enterprise` |
//! | reviewer, national admin | read | read |
//! | regional admin | read inside its scope | 403 `outside_scope` |
//!
//! Staff never write an enterprise's records (403 `staff_read_only`); they act
//! through their own routes (review decisions, imports, settings). Writes to patents,
//! filings, evidence and products also need a verified enterprise (403
//! `enterprise_not_verified`).

use ppr_core::{RegionCode, Role, Uscc};

use crate::auth::{self, Principal};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::repo::accounts::{self, EnterpriseRow};
use crate::repo::ports;

/// What the caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// See the records, confidential data included.
    Read,
    /// Change them (the enterprise's own users only; CSRF checked).
    Write,
    /// Change them, and the enterprise must be verified.
    WriteVerified,
}

/// The signed-in principal and the enterprise named by the `{uscc}` path parameter,
/// once `access` is allowed.
///
/// # Errors
///
/// 401 without a session; 404 for an unknown USCC; 403 as in the module table; 403
/// `csrf_failed` on a write without the token.
pub async fn enterprise_access(
    ctx: &Ctx<'_>,
    access: Access,
) -> Result<(Principal, EnterpriseRow), ApiError> {
    let principal = ctx.principal().await?;
    let enterprise = enterprise_by_param(ctx).await?;
    check_enterprise_access(&principal, &enterprise, access)?;
    if access != Access::Read {
        auth::check_csrf(ctx.req, &principal)?;
    }
    if principal.role == Role::RegionalAdmin {
        let what = format!("GET {}", ctx.req.path());
        log_regional_read(ctx, &principal, &[enterprise.uscc.as_str()], &what).await?;
    }
    Ok((principal, enterprise))
}

/// Writes a regional admin's read of these enterprises' confidential records to the
/// access log each enterprise can see (`GET …/enterprises/{uscc}/access-log`). Other
/// roles read nothing into it: reviewers and national admins are audited by role.
///
/// # Errors
///
/// The database failed: the read is refused rather than left unlogged.
pub async fn log_regional_read(
    ctx: &Ctx<'_>,
    principal: &Principal,
    usccs: &[&str],
    what: &str,
) -> Result<(), ApiError> {
    if principal.role != Role::RegionalAdmin || usccs.is_empty() {
        return Ok(());
    }
    let scope = principal
        .region_scope
        .as_ref()
        .map(ppr_core::RegionScope::code)
        .unwrap_or_default();
    let reader = ports::Reader {
        user_id: principal.user_id,
        name: &principal.display_name,
        scope: &scope,
        via: principal.via(),
    };
    let ids =
        serde_json::to_string(usccs).map_err(|e| ApiError::internal_cause("access log ids", &e))?;
    ports::log_reads(ctx.db(), &reader, &ids, what, &ctx.stamp)?
        .run()
        .await
        .map_err(|e| ApiError::internal_cause("access log", &e))?;
    Ok(())
}

/// The enterprise named by the `{uscc}` path parameter.
///
/// # Errors
///
/// 404 when the USCC is malformed or not registered.
pub async fn enterprise_by_param(ctx: &Ctx<'_>) -> Result<EnterpriseRow, ApiError> {
    let raw = ctx.param("uscc")?;
    let not_found = || {
        ApiError::missing(
            "enterprise_not_found",
            format!("no enterprise with USCC {raw} is registered"),
        )
    };
    let uscc = Uscc::parse(&raw).map_err(|_| not_found())?;
    accounts::enterprise_by_uscc(ctx.db(), uscc.as_str())
        .await?
        .ok_or_else(not_found)
}

/// The rule of the module table, without I/O.
///
/// # Errors
///
/// 403 with a code that says why.
pub fn check_enterprise_access(
    principal: &Principal,
    enterprise: &EnterpriseRow,
    access: Access,
) -> Result<(), ApiError> {
    match principal.role {
        Role::Enterprise => {
            if principal.enterprise_id != Some(enterprise.id) {
                return Err(ApiError::forbidden(
                    "not_your_enterprise",
                    "you can only see and change your own enterprise's records",
                ));
            }
            if access == Access::WriteVerified {
                require_verified(enterprise)?;
            }
            Ok(())
        }
        Role::Reviewer | Role::NationalAdmin | Role::RegionalAdmin => {
            if principal.role == Role::RegionalAdmin
                && !in_scope(principal, &enterprise.region_code)
            {
                return Err(ApiError::forbidden(
                    "outside_scope",
                    "this enterprise is outside your region",
                ));
            }
            if access == Access::Read {
                Ok(())
            } else {
                Err(ApiError::forbidden(
                    "staff_read_only",
                    "staff can read an enterprise's records but only the enterprise changes them",
                ))
            }
        }
    }
}

/// Whether a regional admin's scope holds a region code.
#[must_use]
pub fn in_scope(principal: &Principal, region_code: &str) -> bool {
    match (&principal.region_scope, RegionCode::parse(region_code)) {
        (Some(scope), Ok(code)) => scope.contains(code),
        _ => false,
    }
}

/// 403 unless the enterprise passed real-name verification.
///
/// # Errors
///
/// 403 `enterprise_not_verified`, saying where the verification stands.
pub fn require_verified(enterprise: &EnterpriseRow) -> Result<(), ApiError> {
    let why = match enterprise.verification_status.as_str() {
        "verified" => return Ok(()),
        "pending" => {
            "your real-name verification is waiting for review; this opens once it is approved"
        }
        "rejected" => {
            "your real-name verification was rejected; submit it again with the reviewer's reason addressed"
        }
        _ => {
            "submit your real-name verification first (POST /api/v1/enterprises/{uscc}/verifications)"
        }
    };
    Err(ApiError::forbidden("enterprise_not_verified", why))
}

/// Reviewers and national admins: who decides verifications and filings.
///
/// # Errors
///
/// 403 `not_reviewer`.
pub fn require_reviewer(principal: &Principal) -> Result<(), ApiError> {
    if matches!(principal.role, Role::Reviewer | Role::NationalAdmin) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "not_reviewer",
            "only a reviewer or a national admin does this",
        ))
    }
}

/// A national admin's write: the signed-in principal, once it is a national admin
/// and the request carries the session's CSRF token.
///
/// # Errors
///
/// 401; 403 `not_national_admin` or `csrf_failed`.
pub async fn national_admin_write(ctx: &Ctx<'_>) -> Result<Principal, ApiError> {
    let principal = ctx.principal().await?;
    require_national_admin(&principal)?;
    auth::check_csrf(ctx.req, &principal)?;
    Ok(principal)
}

/// National admins only.
///
/// # Errors
///
/// 403 `not_national_admin`.
pub fn require_national_admin(principal: &Principal) -> Result<(), ApiError> {
    if principal.role == Role::NationalAdmin {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "not_national_admin",
            "only a national admin does this",
        ))
    }
}

/// Staff who read across enterprises: `None` for reviewers and national admins (all
/// of it), a regional admin's scope; enterprise users are refused, told where their
/// own records are (`own_place`).
///
/// # Errors
///
/// 403 `not_staff`; 500 for a regional admin without a scope (logged).
pub fn staff_scope(
    principal: &Principal,
    own_place: &str,
) -> Result<Option<ppr_core::RegionScope>, ApiError> {
    match principal.role {
        Role::Enterprise => Err(ApiError::forbidden(
            "not_staff",
            format!("enterprises see their own records under {own_place}"),
        )),
        Role::RegionalAdmin => principal
            .region_scope
            .clone()
            .map(Some)
            .ok_or_else(|| ApiError::internal_cause("regional admin", &"no region scope")),
        Role::Reviewer | Role::NationalAdmin => Ok(None),
    }
}

/// A reviewer never decides on their own enterprise's records. Staff accounts have
/// no enterprise, so this holds by construction; it is checked all the same, so that
/// a future account model cannot break it silently.
///
/// # Errors
///
/// 403 `own_enterprise`.
pub fn require_not_own(principal: &Principal, enterprise_id: i64) -> Result<(), ApiError> {
    if principal.enterprise_id == Some(enterprise_id) {
        Err(ApiError::forbidden(
            "own_enterprise",
            "you cannot review your own enterprise's records",
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, enterprise_id: Option<i64>, scope: Option<&str>) -> Principal {
        Principal {
            user_id: 1,
            role,
            enterprise_id,
            region_scope: scope.and_then(|s| ppr_core::RegionScope::parse(s).ok()),
            email: "x@example.cn".into(),
            display_name: "x".into(),
            csrf_token: String::new(),
            session_key: String::new(),
            token_id: None,
        }
    }

    fn enterprise(id: i64, region: &str, status: &str) -> EnterpriseRow {
        EnterpriseRow {
            id,
            uscc: String::new(),
            name: String::new(),
            region_code: region.into(),
            contact_name: String::new(),
            contact_email: String::new(),
            contact_phone: String::new(),
            verification_status: status.into(),
            created_at: String::new(),
            updated_at: String::new(),
            version: 1,
        }
    }

    #[test]
    fn the_role_table() {
        let shenzhen = enterprise(7, "440305", "verified");
        let code = |p: &Principal, e: &EnterpriseRow, a: Access| {
            check_enterprise_access(p, e, a).err().map(|err| err.code)
        };
        let own = principal(Role::Enterprise, Some(7), None);
        let other = principal(Role::Enterprise, Some(8), None);
        let guangdong = principal(Role::RegionalAdmin, None, Some("440000"));
        let shandong = principal(Role::RegionalAdmin, None, Some("370000"));
        let reviewer = principal(Role::Reviewer, None, None);
        assert_eq!(code(&own, &shenzhen, Access::WriteVerified), None);
        assert_eq!(
            code(&other, &shenzhen, Access::Read),
            Some("not_your_enterprise")
        );
        assert_eq!(code(&guangdong, &shenzhen, Access::Read), None);
        assert_eq!(
            code(&guangdong, &shenzhen, Access::Write),
            Some("staff_read_only")
        );
        assert_eq!(
            code(&shandong, &shenzhen, Access::Read),
            Some("outside_scope")
        );
        assert_eq!(code(&reviewer, &shenzhen, Access::Read), None);
        let unverified = enterprise(7, "440305", "pending");
        assert_eq!(code(&own, &unverified, Access::Write), None);
        assert_eq!(
            code(&own, &unverified, Access::WriteVerified),
            Some("enterprise_not_verified")
        );
    }

    #[test]
    fn nobody_reviews_their_own_enterprise() {
        let odd = principal(Role::Reviewer, Some(7), None);
        assert_eq!(
            require_not_own(&odd, 7).err().map(|e| e.code),
            Some("own_enterprise")
        );
        assert!(require_not_own(&odd, 8).is_ok());
        assert!(require_not_own(&principal(Role::Reviewer, None, None), 7).is_ok());
    }
}
