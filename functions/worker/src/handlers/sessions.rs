//! Sessions: sign in (`POST /api/v1/sessions`), see the current session
//! (`GET /api/v1/sessions/current`), sign out (`DELETE /api/v1/sessions/current`).
//!
//! Sign-in is rate-limited by failures per account and per client address; the answer
//! to a wrong password and to an unknown address is the same, and takes as long.

use chrono::Duration;
use ppr_core::password::{DUMMY_HASH, hash_password, needs_rehash, verify_password};
use ppr_core::{Email, Role};
use serde::{Deserialize, Serialize};

use crate::auth::{self, Principal, random_bytes, random_token, sha256_hex};
use crate::clock::{parse_stamp, stamp};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::accounts::{self, UserRow};
use crate::repo::audit::{Actor, Entry};
use crate::repo::sessions::{self, ABSOLUTE_TIMEOUT};
use crate::validation::Issues;
use crate::write::Write;

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(POST "/api/v1/sessions", create_session(ctx, body), Roles::Anyone),
    operation!(GET "/api/v1/sessions/current", get_session(ctx), Roles::SignedIn),
    operation!(DELETE "/api/v1/sessions/current", delete_session(ctx), Roles::SignedIn),
];

/// Failures counted together within this window.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);

/// Failed sign-ins per account per window before it is locked for the rest of it:
/// enough for typos, too few for guessing.
pub const MAX_ACCOUNT_FAILURES: i64 = 5;

/// Failed sign-ins per client address per window: an office behind one address has
/// several people who mistype.
pub const MAX_ADDRESS_FAILURES: i64 = 20;

/// The sign-in request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginIn {
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A session as its owner sees it.
#[derive(Debug, Serialize)]
pub struct SessionOut {
    /// The user.
    pub user: UserOut,
    /// Send this back in `x-csrf-token` on every write.
    pub csrf_token: String,
}

/// The signed-in user.
#[derive(Debug, Serialize)]
pub struct UserOut {
    /// Id.
    pub id: i64,
    /// E-mail.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Role code.
    pub role: &'static str,
    /// Enterprise of an enterprise user.
    pub enterprise_id: Option<i64>,
    /// Scope of a regional admin.
    pub region_scope: Option<String>,
}

impl From<&UserRow> for UserOut {
    fn from(row: &UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email.clone(),
            display_name: row.display_name.clone(),
            role: Role::from_code(&row.role).map_or("unknown", Role::code),
            enterprise_id: row.enterprise_id,
            region_scope: row.region_scope.clone(),
        }
    }
}

impl From<&Principal> for UserOut {
    fn from(p: &Principal) -> Self {
        Self {
            id: p.user_id,
            email: p.email.clone(),
            display_name: p.display_name.clone(),
            role: p.role.code(),
            enterprise_id: p.enterprise_id,
            region_scope: p.region_scope.as_ref().map(ppr_core::RegionScope::code),
        }
    }
}

/// `POST /api/v1/sessions`: 201 with the user and CSRF token, and the session cookie.
///
/// # Errors
///
/// 401 wrong credentials or disabled account; 429 too many failures; 422 malformed.
pub async fn create_session(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let input: LoginIn = crate::body::decode_json(body)?;
    let mut issues = Issues::default();
    let email = issues.take("email", Email::parse(&input.email));
    issues.finish()?;
    let Some(email) = email else {
        return Err(ApiError::invalid_credentials());
    };
    let db = ctx.db();

    let account_key = format!("account:{email}");
    let address_key = format!("address:{}", crate::ratelimit::client_address(ctx));
    let since = stamp(ctx.now - FAILURE_WINDOW);
    // Every attempt counts as a failure before the password is checked, in one batch
    // whose statements increment and return: parallel attempts cannot all read a count
    // under the limit. A right password takes its count back below.
    let counted = db
        .batch(vec![
            sessions::count_failure(db, &account_key, &ctx.stamp, &since)?,
            sessions::count_failure(db, &address_key, &ctx.stamp, &since)?,
        ])
        .await?;
    for result in counted {
        for row in result.results::<sessions::FailureRow>()? {
            let limit = if row.key == account_key {
                MAX_ACCOUNT_FAILURES
            } else {
                MAX_ADDRESS_FAILURES
            };
            if row.failures > limit {
                let ends =
                    parse_stamp(&row.window_start).map_or(ctx.now, |start| start + FAILURE_WINDOW);
                return Err(ApiError::too_many_requests(
                    (ends - ctx.now).num_seconds() + 1,
                    "too many failed sign-ins; wait until the time in Retry-After, then try again",
                ));
            }
        }
    }

    let user = accounts::user_by_email(db, email.as_str()).await?;
    let stored = user
        .as_ref()
        .map_or(DUMMY_HASH, |u| u.password_hash.as_str());
    let matches = verify_password(&input.password, stored);
    let Some(user) = user.filter(|u| matches && u.disabled_at.is_none()) else {
        return Err(ApiError::invalid_credentials());
    };

    let token = random_token()?;
    let key = sha256_hex(token.as_bytes());
    let csrf_token = random_token()?;
    let expires = stamp(sessions::expiry(ctx.now, ctx.now));
    let actor = Actor {
        user_id: Some(user.id),
        role: &user.role,
    };
    let user_id = user.id.to_string();
    let mut write = Write::new(ctx.config, &ctx.stamp, actor);
    write
        .push(sessions::insert(
            db,
            &key,
            user.id,
            &csrf_token,
            &ctx.stamp,
            &expires,
        ))?
        .push(sessions::clear_failures(db, &account_key))?
        .push(sessions::uncount_failure(db, &address_key))?
        .audit(
            &Entry::new("session.create", "user", &user_id).enterprise_opt(user.enterprise_id),
        )?;
    if needs_rehash(&user.password_hash) {
        let fresh = hash_password(&input.password, &random_bytes()?)
            .map_err(|e| ApiError::internal_cause("rehash password", &e))?;
        write.push(accounts::update_password_hash(db, user.id, &fresh))?;
    }
    write.commit().await?;

    let out = SessionOut {
        user: UserOut::from(&user),
        csrf_token,
    };
    let cookie = auth::session_cookie(&token, ABSOLUTE_TIMEOUT.num_seconds());
    Ok(Reply::json(201, &out, CachePolicy::NoStore)?.with_header("set-cookie", cookie))
}

/// `GET /api/v1/sessions/current`: the signed-in user and the CSRF token.
///
/// # Errors
///
/// 401 without a live session.
pub async fn get_session(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let principal = ctx.principal().await?;
    let out = SessionOut {
        user: UserOut::from(&principal),
        csrf_token: principal.csrf_token.clone(),
    };
    Reply::json(200, &out, CachePolicy::NoStore)
}

/// `DELETE /api/v1/sessions/current`: ends the session and clears the cookie.
///
/// # Errors
///
/// 401 without a live session; 403 without the CSRF token.
pub async fn delete_session(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let principal = ctx.principal().await?;
    auth::check_csrf(ctx.req, &principal)?;
    let db = ctx.db();
    sessions::delete(db, &principal.session_key).await?;
    Ok(Reply::no_content().with_header("set-cookie", auth::cleared_cookie()))
}
