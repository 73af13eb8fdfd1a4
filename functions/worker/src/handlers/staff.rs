//! Staff accounts (`POST /api/v1/staff`): reviewers, regional admins with their region
//! scope, and national admins, created by a national admin. The first national admin
//! is created from the command line (`scripts/create-admin`).

use ppr_core::account::{check_password_policy, required_text};
use ppr_core::{Email, RegionScope, Role};
use serde::{Deserialize, Serialize};

use crate::auth::{self, Principal, random_bytes};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::accounts::{self, NewUser};
use crate::repo::audit::Entry;
use crate::validation::Issues;
use crate::validation::MAX_PERSON_CHARS;
use crate::write::{Write, WriteError};

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] =
    &[operation!(POST "/api/v1/staff", create_staff(ctx, body), Roles::NationalAdmins)];

/// The request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffIn {
    /// Login e-mail.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// `reviewer`, `regional_admin` or `national_admin`.
    pub role: String,
    /// For a regional admin: `PP0000`, `PPCC00` or `xpcc`.
    #[serde(default)]
    pub region_scope: Option<String>,
    /// Initial password.
    pub password: String,
}

/// A staff account as returned.
#[derive(Debug, Serialize)]
pub struct StaffOut {
    /// Id.
    pub id: i64,
    /// E-mail.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Scope of a regional admin.
    pub region_scope: Option<String>,
}

/// Who may manage staff accounts: national admins.
///
/// # Errors
///
/// 403 for anyone else.
pub fn authorize_manage_staff(principal: &Principal) -> Result<(), ApiError> {
    if principal.role == Role::NationalAdmin {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "not_national_admin",
            "only a national admin manages staff accounts",
        ))
    }
}

/// `POST /api/v1/staff`: 201 with the account.
///
/// # Errors
///
/// 401/403 as [`authorize_manage_staff`] and CSRF; 422 invalid fields; 409 e-mail taken.
pub async fn create_staff(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let principal = ctx.principal().await?;
    authorize_manage_staff(&principal)?;
    auth::check_csrf(ctx.req, &principal)?;
    let input: StaffIn = crate::body::decode_json(body)?;
    let valid = ValidStaff::check(&input)?;

    let db = ctx.db();
    let hash = ppr_core::password::hash_password(&input.password, &random_bytes()?)
        .map_err(|e| ApiError::internal_cause("hash password", &e))?;
    let scope_code = valid.scope.as_ref().map(RegionScope::code);
    let user = NewUser {
        email: valid.email.as_str(),
        password_hash: &hash,
        role: valid.role.code(),
        display_name: &valid.name,
        region_scope: scope_code.as_deref(),
    };
    let after = serde_json::json!({"email": valid.email.as_str(), "role": valid.role.code(), "region_scope": scope_code})
        .to_string();
    let mut write = Write::by(ctx, &principal);
    write
        .push(accounts::insert_staff_user(db, &user, &ctx.stamp))?
        .audit(&Entry::new("staff.create", "user", valid.email.as_str()).after(&after))?;
    write.commit().await.map_err(|err| match err {
        WriteError::Duplicate(constraint) if constraint == "users.email" => ApiError::conflict(
            "email_registered",
            "email",
            format!("{} already has an account", valid.email),
        ),
        err => err.into(),
    })?;
    let row = accounts::user_by_email(db, valid.email.as_str())
        .await?
        .ok_or_else(|| ApiError::internal_cause("create staff", &"row missing after insert"))?;
    let out = StaffOut {
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        role: row.role,
        region_scope: row.region_scope,
    };
    Reply::json(201, &out, CachePolicy::NoStore)
}

/// A staff account whose every field passed the rules (the password's policy
/// included; it is hashed where it is stored).
#[derive(Debug)]
struct ValidStaff {
    email: Email,
    name: String,
    role: Role,
    /// A regional admin's, and only theirs.
    scope: Option<RegionScope>,
}

impl ValidStaff {
    /// Checks every field, naming each one at fault.
    fn check(input: &StaffIn) -> Result<Self, ApiError> {
        let mut issues = Issues::default();
        let email = issues.take("email", Email::parse(&input.email));
        let name = issues.take(
            "display_name",
            required_text(&input.display_name, MAX_PERSON_CHARS),
        );
        let role = Role::from_code(&input.role).filter(|r| r.is_staff());
        if role.is_none() {
            issues.push(
                "role",
                "invalid_role",
                "role must be reviewer, regional_admin or national_admin",
            );
        }
        let scope = match (role, input.region_scope.as_deref()) {
            (Some(Role::RegionalAdmin), Some(text)) => {
                issues.take("region_scope", RegionScope::parse(text))
            }
            (Some(Role::RegionalAdmin), None) => {
                issues.push(
                    "region_scope",
                    "required",
                    "a regional admin needs a region scope (PP0000, PPCC00 or xpcc)",
                );
                None
            }
            (_, Some(_)) => {
                issues.push(
                    "region_scope",
                    "not_allowed",
                    "only a regional admin has a region scope",
                );
                None
            }
            (_, None) => None,
        };
        issues.take("password", check_password_policy(&input.password));
        issues.finish()?;
        let (Some(email), Some(name), Some(role)) = (email, name, role) else {
            return Err(ApiError::internal_cause(
                "create_staff",
                &"a field was refused without an issue",
            ));
        };
        Ok(Self {
            email,
            name,
            role,
            scope,
        })
    }
}
