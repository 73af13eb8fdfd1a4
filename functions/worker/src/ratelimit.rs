//! Rate limits on what anyone can create without an account: enterprise registrations,
//! port applications and objections filed anonymously. Each is counted per client
//! address (`CF-Connecting-IP`, which Cloudflare sets and a client cannot) in a fixed
//! window; past the limit the answer is 429 `too_many_attempts` with `Retry-After`.
//! Replays of an `Idempotency-Key` whose first request committed are answered before
//! the count, so retrying a request that succeeded costs nothing. (Failed sign-ins have their own limit, per account
//! and per address, in [`crate::handlers::sessions`].)

use std::net::IpAddr;

use chrono::Duration;

use crate::clock::{parse_stamp, stamp};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::repo::rate_limits;

/// One limit: at most `max` attempts of `action` per client address per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// What is counted (the counter's key prefix).
    pub action: &'static str,
    /// Attempts allowed in a window.
    pub max: i64,
    /// The window.
    pub window: Duration,
}

/// Enterprise registrations: a person registers one enterprise, an agent a few.
pub const REGISTRATION: Limit = Limit {
    action: "registration",
    max: 20,
    window: Duration::hours(1),
};

/// Port applications: an office applies once.
pub const PORT_APPLICATION: Limit = Limit {
    action: "port_application",
    max: 5,
    window: Duration::hours(1),
};

/// Objections filed without an account.
pub const ANONYMOUS_OBJECTION: Limit = Limit {
    action: "objection",
    max: 10,
    window: Duration::hours(1),
};

/// Objections filed by one signed-in account (counted per account, wherever it
/// signs in from): enough for an expert reading a round's list, too few to hold many
/// products back.
pub const ACCOUNT_OBJECTION: Limit = Limit {
    action: "objection_account",
    max: 10,
    window: Duration::hours(24),
};

/// The longest window of any limit: counters older than this are forgotten.
const LONGEST_WINDOW: Duration = Duration::hours(24);

/// The client's address as Cloudflare reports it, as the limits count it: an IPv4
/// address whole, an IPv6 address by its /64 (one subscriber's network, which a client
/// could otherwise walk through address by address).
///
/// Behind Cloudflare the edge sets `CF-Connecting-IP` and a client cannot. A Worker on
/// a loopback host (`wrangler dev`) takes whatever the client sent, so there every
/// client counts as the one address `local`, unless the tests' switch
/// ([`crate::config::TRUST_CLIENT_ADDRESS_VAR`]) says to trust the header.
#[must_use]
pub fn client_address(ctx: &Ctx<'_>) -> String {
    let local = is_loopback_origin(&crate::http::origin_of(ctx.req));
    if local && !ctx.config.trust_client_address {
        return "local".to_owned();
    }
    let sent = ctx.req.headers().get("cf-connecting-ip").ok().flatten();
    sent.as_deref()
        .map_or_else(|| "unknown".to_owned(), address_bucket)
}

/// Whether an origin (`http://127.0.0.1:8787`) names this machine.
fn is_loopback_origin(origin: &str) -> bool {
    let host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|a| a.is_loopback())
}

/// What a limit counts `address` as (see [`client_address`]).
#[must_use]
pub fn address_bucket(address: &str) -> String {
    // An IPv4-mapped IPv6 address counts as the IPv4 address it carries.
    match address.trim().parse::<IpAddr>().map(|a| a.to_canonical()) {
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => address.trim().to_owned(),
    }
}

/// Deletes the counters whose window ended before `now` (the scheduled job).
///
/// # Errors
///
/// The database failed (logged).
pub async fn forget_ended(
    db: &worker::D1Database,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    rate_limits::forget_before(db, &stamp(now - LONGEST_WINDOW))
        .await
        .map_err(|e| ApiError::internal_cause("forget rate limits", &e))
}

impl Limit {
    /// Counts this attempt from the client's address.
    ///
    /// # Errors
    ///
    /// 429 with `Retry-After` (the window's end) past the limit; the database failed.
    pub async fn admit(&self, ctx: &Ctx<'_>) -> Result<(), ApiError> {
        self.admit_as(ctx, &client_address(ctx)).await
    }

    /// Counts this attempt of `who` (a client address, or an account as `user:{id}`).
    ///
    /// # Errors
    ///
    /// As [`Self::admit`].
    pub async fn admit_as(&self, ctx: &Ctx<'_>, who: &str) -> Result<(), ApiError> {
        let key = format!("{}:{who}", self.action);
        let since = stamp(ctx.now - self.window);
        let counted = rate_limits::hit(ctx.db(), &key, &ctx.stamp, &since).await?;
        let Some(counted) = counted.filter(|c| c.hits > self.max) else {
            return Ok(());
        };
        let ends = parse_stamp(&counted.window_start).map_or(ctx.now, |start| start + self.window);
        Err(ApiError::too_many_requests(
            (ends - ctx.now).num_seconds() + 1,
            format!(
                "at most {} of these in {} hours from one address or account; wait until the time in Retry-After, then try again",
                self.max,
                self.window.num_hours().max(1)
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_counted_by_network_for_ipv6() {
        assert_eq!(address_bucket("203.0.113.7"), "203.0.113.7");
        assert_eq!(
            address_bucket("2001:db8:1:2:aaaa::1"),
            address_bucket("2001:db8:1:2:bbbb:cccc:dddd:eeee")
        );
        assert_eq!(address_bucket("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(
            address_bucket("2001:db8:1:2::1"),
            address_bucket("2001:db8:1:3::1")
        );
        assert_eq!(address_bucket("::ffff:198.51.100.1"), "198.51.100.1");
        assert_eq!(address_bucket("not an address"), "not an address");
    }

    #[test]
    fn loopback_origins_are_this_machine() {
        for local in [
            "http://127.0.0.1:8787",
            "http://localhost:8787",
            "http://[::1]:8787",
            "http://127.0.0.2",
        ] {
            assert!(is_loopback_origin(local), "{local}");
        }
        for public in [
            "https://registry.example.cn",
            "https://ppr.workers.dev",
            "http://10.0.0.1:8787",
        ] {
            assert!(!is_loopback_origin(public), "{public}");
        }
    }

    #[test]
    fn every_limit_fits_the_longest_window() {
        for limit in [
            REGISTRATION,
            PORT_APPLICATION,
            ANONYMOUS_OBJECTION,
            ACCOUNT_OBJECTION,
        ] {
            assert!(limit.window <= LONGEST_WINDOW, "{}", limit.action);
        }
    }
}
