//! Who is asking: session cookies, CSRF tokens, and the randomness and hashing they rest
//! on. Authorisation (what the principal may do) is decided per resource in its handler
//! module, through one check function each.

use ppr_core::Role;
use ppr_core::region::RegionScope;
use sha2::{Digest, Sha256};
use worker::{D1Database, Request};

use crate::error::ApiError;
use crate::repo::audit::Actor;
use crate::repo::ports;
use crate::repo::sessions::{self, SessionRow};

/// The session cookie. `__Host-` makes browsers insist on Secure, Path=/ and no
/// Domain, so no subdomain can set or read it.
pub const SESSION_COOKIE: &str = "__Host-ppr_session";

/// The header that carries the CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// `n` random bytes from the runtime's CSPRNG (`crypto.getRandomValues` in Workers).
///
/// # Errors
///
/// The runtime has no randomness to give (never in Workers; logged).
pub fn random_bytes<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|e| ApiError::internal_cause("random", &e))?;
    Ok(bytes)
}

/// A random token: 32 bytes as 64 hex characters.
///
/// # Errors
///
/// As [`random_bytes`].
pub fn random_token() -> Result<String, ApiError> {
    Ok(hex(&random_bytes::<32>()?))
}

/// Lower-case hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 as hex: how tokens are stored and request bodies fingerprinted.
#[must_use]
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Compares two strings in time that depends only on their lengths.
#[must_use]
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The signed-in user behind a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user.
    pub user_id: i64,
    /// Their role.
    pub role: Role,
    /// Their enterprise, for enterprise users.
    pub enterprise_id: Option<i64>,
    /// Their region, for regional admins.
    pub region_scope: Option<RegionScope>,
    /// Their e-mail address.
    pub email: String,
    /// Their name.
    pub display_name: String,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// The session's key (hash of its token); empty for an API token.
    pub session_key: String,
    /// The API token the request came with, when it used one instead of a session.
    pub token_id: Option<i64>,
}

impl Principal {
    /// This user as the audit trail names who made a change.
    #[must_use]
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            user_id: Some(self.user_id),
            role: self.role.code(),
        }
    }

    /// How the principal signed in, as the access log says it: `token` or `session`.
    #[must_use]
    pub fn via(&self) -> &'static str {
        if self.token_id.is_some() {
            "token"
        } else {
            "session"
        }
    }
}

/// The prefix of a regional port's API tokens, so that a leaked one is recognisable.
pub const TOKEN_PREFIX: &str = "ppr_";

/// How often a token's `last_used_at` is written, at most.
const TOKEN_TOUCH_SECONDS: i64 = 60;

/// The bearer token of an `Authorization: Bearer …` header, if any.
#[must_use]
pub fn bearer_token(req: &Request) -> Option<String> {
    let header = req.headers().get("authorization").ok().flatten()?;
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The session token from the `Cookie` header, if any.
#[must_use]
pub fn session_token(req: &Request) -> Option<String> {
    let header = req.headers().get("cookie").ok().flatten()?;
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_owned())
    })
}

/// The principal of a request with a live session cookie, or `None`. Renews the
/// session's idle expiry as a side effect.
///
/// # Errors
///
/// The database failed.
pub async fn authenticate(
    req: &Request,
    db: &D1Database,
    now: &str,
) -> Result<Option<Principal>, ApiError> {
    if let Some(token) = bearer_token(req) {
        return authenticate_token(db, &token, now).await;
    }
    let Some(token) = session_token(req) else {
        return Ok(None);
    };
    let key = sha256_hex(token.as_bytes());
    let Some(row) = sessions::find_live(db, &key, now).await? else {
        return Ok(None);
    };
    sessions::touch(db, &row, now).await?;
    Ok(principal_from(row, key))
}

/// The principal of a regional port's API token: the port's account, scoped to the
/// port's region, named after the office. An unknown or revoked token is a 401, not
/// an anonymous request, so that a client learns its token stopped working.
async fn authenticate_token(
    db: &D1Database,
    token: &str,
    now: &str,
) -> Result<Option<Principal>, ApiError> {
    let refused = ApiError::invalid_token;
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(refused());
    }
    let Some(row) = ports::live_token(db, &sha256_hex(token.as_bytes())).await? else {
        return Err(refused());
    };
    let stale = row
        .last_used_at
        .as_deref()
        .and_then(crate::clock::parse_stamp)
        .zip(crate::clock::parse_stamp(now))
        .is_none_or(|(last, at)| (at - last).num_seconds() >= TOKEN_TOUCH_SECONDS);
    if stale {
        ports::touch_token(db, row.token_id, now).await?;
    }
    let (Some(role), Ok(scope)) = (Role::from_code(&row.role), RegionScope::parse(&row.scope))
    else {
        return Err(ApiError::internal_cause("token principal", &row.scope));
    };
    Ok(Some(Principal {
        user_id: row.user_id,
        role,
        enterprise_id: None,
        region_scope: Some(scope),
        email: row.email,
        display_name: row.office_name,
        csrf_token: String::new(),
        session_key: String::new(),
        token_id: Some(row.token_id),
    }))
}

fn principal_from(row: SessionRow, key: String) -> Option<Principal> {
    let role = Role::from_code(&row.role)?;
    let region_scope = row
        .region_scope
        .as_deref()
        .and_then(|s| RegionScope::parse(s).ok());
    Some(Principal {
        user_id: row.user_id,
        role,
        enterprise_id: row.enterprise_id,
        region_scope,
        email: row.email,
        display_name: row.display_name,
        csrf_token: row.csrf_token,
        session_key: key,
        token_id: None,
    })
}

/// Checks the CSRF token of a cookie-authenticated write: the `x-csrf-token` header
/// must carry the session's token. A cross-site page can make the browser send the
/// cookie, but cannot read the token to send it back.
///
/// # Errors
///
/// 403 `csrf_failed`.
pub fn check_csrf(req: &Request, principal: &Principal) -> Result<(), ApiError> {
    // A bearer token is never sent by a browser on its own, so it needs no CSRF token.
    if principal.token_id.is_some() {
        return Ok(());
    }
    let sent = req
        .headers()
        .get(CSRF_HEADER)
        .ok()
        .flatten()
        .unwrap_or_default();
    if constant_time_eq(sent.trim(), &principal.csrf_token) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "csrf_failed",
            "this write needs the session's CSRF token in the x-csrf-token header",
        ))
    }
}

/// `Set-Cookie` value for a new session.
#[must_use]
pub fn session_cookie(token: &str, max_age_seconds: i64) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age={max_age_seconds}"
    )
}

/// `Set-Cookie` value that removes the session cookie.
#[must_use]
pub fn cleared_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_and_comparing() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
        assert_eq!(random_token().map(|t| t.len()).ok(), Some(64));
    }

    #[test]
    fn cookies() {
        let cookie = session_cookie("t0k", 60);
        assert!(
            cookie.starts_with("__Host-ppr_session=t0k; Path=/; HttpOnly; Secure; SameSite=Lax")
        );
        assert!(cleared_cookie().contains("Max-Age=0"));
    }
}
