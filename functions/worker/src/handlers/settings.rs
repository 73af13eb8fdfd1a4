//! Platform settings a national admin configures, with their shipped defaults:
//!
//! | Key | Value | Default |
//! |---|---|---|
//! | `annual_update_window.YYYY` | `{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}` | 1 January – 31 March of YYYY |
//! | `prompted_revocation_days` | whole days, 0–365 | 30 |
//! | `work_calendar.YYYY` | `{"holidays": [dates], "workdays": [dates]}`: the year's public holidays and the weekend days worked in exchange | none: Monday–Friday |
//!
//! Dates are Asia/Shanghai business days, both ends included. A prompted revocation
//! with 0 days happens at the next run of the scheduled job (every five minutes).

use chrono::Datelike;
use ppr_core::DateWindow;
use serde::{Deserialize, Serialize};

use crate::authz;
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::{CachePolicy, Reply};
use crate::operation::{Operation, Roles, operation};
use crate::repo::audit::Entry;
use crate::repo::settings;
use crate::services::settings::{
    CALENDAR_PREFIX, CalendarYear, DEFAULT_PROMPTED_REVOCATION_DAYS, MAX_PROMPTED_REVOCATION_DAYS,
    REVOCATION_DAYS, WINDOW_PREFIX,
};
use crate::write::Write;

/// The operations of this resource (see [`crate::operation`]).
pub const OPERATIONS: &[Operation] = &[
    operation!(GET "/api/v1/settings", list_settings(ctx), Roles::NationalAdmins),
    operation!(PUT "/api/v1/settings/{key}", put_setting(ctx, body), Roles::NationalAdmins),
];

/// Most dates in one list of a year's work calendar.
const MAX_CALENDAR_DATES: usize = 60;

/// A setting as returned.
#[derive(Debug, Serialize)]
pub struct SettingOut {
    /// Key.
    pub key: String,
    /// Value.
    pub value: serde_json::Value,
    /// Last change, if it was ever set.
    pub updated_at: Option<String>,
    /// Who set it.
    pub updated_by: Option<String>,
}

/// `GET /api/v1/settings`: every stored setting (defaults apply to the rest).
///
/// # Errors
///
/// 401; 403 `not_national_admin`.
pub async fn list_settings(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let principal = ctx.principal().await?;
    authz::require_national_admin(&principal)?;
    let rows = settings::list(ctx.db()).await?;
    let items: Vec<SettingOut> = rows
        .into_iter()
        .map(|r| SettingOut {
            key: r.key,
            value: serde_json::from_str(&r.value).unwrap_or_default(),
            updated_at: Some(r.updated_at),
            updated_by: Some(r.updated_by),
        })
        .collect();
    Reply::json(
        200,
        &serde_json::json!({
            "items": items,
            "defaults": {
                "annual_update_window": {"start": "01-01", "end": "03-31"},
                "prompted_revocation_days": DEFAULT_PROMPTED_REVOCATION_DAYS,
            }
        }),
        CachePolicy::NoStore,
    )
}

/// The body of `PUT /api/v1/settings/{key}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingIn {
    /// The new value.
    pub value: serde_json::Value,
}

/// `PUT /api/v1/settings/{key}`: sets a known setting, checked by its type.
///
/// # Errors
///
/// 401; 403; 404 `unknown_setting`; 422 a value of the wrong shape.
pub async fn put_setting(ctx: &Ctx<'_>, body: &[u8]) -> Result<Reply, ApiError> {
    let principal = authz::national_admin_write(ctx).await?;
    let key = ctx.param("key")?;
    let input: SettingIn = crate::body::decode_json(body)?;
    let value = if let Some(year) = key.strip_prefix(WINDOW_PREFIX) {
        window_value(setting_year(&key, year)?, &input.value)?
    } else if let Some(year) = key.strip_prefix(CALENDAR_PREFIX) {
        calendar_value(setting_year(&key, year)?, &input.value)?
    } else if key == REVOCATION_DAYS {
        revocation_days_value(&input.value)?
    } else {
        return Err(unknown_setting(&key));
    };
    let db = ctx.db();
    let before = settings::get(db, &key).await?;
    let mut write = Write::by(ctx, &principal);
    write
        .push(settings::put(
            db,
            &key,
            &value,
            &principal.email,
            &ctx.stamp,
        ))?
        .audit(&Entry {
            before: before.as_deref(),
            ..Entry::new("setting.put", "setting", &key).after(&value)
        })?;
    write.commit().await?;
    Reply::json(
        200,
        &SettingOut {
            key,
            value: serde_json::from_str(&value).unwrap_or_default(),
            updated_at: Some(ctx.stamp.clone()),
            updated_by: Some(principal.email),
        },
        CachePolicy::NoStore,
    )
}

/// The year a per-year key names; any other ending is no setting at all.
fn setting_year(key: &str, year: &str) -> Result<i32, ApiError> {
    year.parse()
        .ok()
        .filter(|y| (2000..=9999).contains(y))
        .ok_or_else(|| unknown_setting(key))
}

/// The stored value of `annual_update_window.YYYY`: a window that starts in its year.
fn window_value(year: i32, value: &serde_json::Value) -> Result<String, ApiError> {
    let window: DateWindow = serde_json::from_value(value.clone()).map_err(|e| {
        ApiError::invalid_field(
            "value",
            "window",
            format!(
                "give {{\"start\": \"YYYY-MM-DD\", \"end\": \"YYYY-MM-DD\"}} with start ≤ end: {e}"
            ),
        )
    })?;
    if window.start().year() != year {
        return Err(ApiError::invalid_field(
            "value.start",
            "wrong_year",
            format!("the window of {year} must start in {year}"),
        ));
    }
    serde_json::to_string(&window).map_err(|e| ApiError::internal_cause("window json", &e))
}

/// The stored value of `work_calendar.YYYY`: dates of its year, not too many.
fn calendar_value(year: i32, value: &serde_json::Value) -> Result<String, ApiError> {
    let calendar: CalendarYear = serde_json::from_value(value.clone()).map_err(|e| {
        ApiError::invalid_field(
            "value",
            "calendar",
            format!(
                "give {{\"holidays\": [\"YYYY-MM-DD\", …], \"workdays\": [\"YYYY-MM-DD\", …]}}: {e}"
            ),
        )
    })?;
    for (name, dates) in [
        ("holidays", &calendar.holidays),
        ("workdays", &calendar.workdays),
    ] {
        if dates.len() > MAX_CALENDAR_DATES {
            return Err(ApiError::invalid_field(
                &format!("value.{name}"),
                "too_many",
                format!("at most {MAX_CALENDAR_DATES} dates"),
            ));
        }
        if let Some(date) = dates.iter().find(|d| d.year() != year) {
            return Err(ApiError::invalid_field(
                &format!("value.{name}"),
                "wrong_year",
                format!("{date} is not in {year}"),
            ));
        }
    }
    serde_json::to_string(&calendar).map_err(|e| ApiError::internal_cause("calendar json", &e))
}

/// The stored value of `prompted_revocation_days`: whole days within the limit.
fn revocation_days_value(value: &serde_json::Value) -> Result<String, ApiError> {
    let days = value
        .as_i64()
        .filter(|d| (0..=MAX_PROMPTED_REVOCATION_DAYS).contains(d))
        .ok_or_else(|| {
            ApiError::invalid_field(
                "value",
                "range",
                format!("whole days from 0 to {MAX_PROMPTED_REVOCATION_DAYS}"),
            )
        })?;
    Ok(days.to_string())
}

fn unknown_setting(key: &str) -> ApiError {
    ApiError::missing(
        "unknown_setting",
        format!(
            "{key} is not a setting; known: annual_update_window.YYYY, work_calendar.YYYY, prompted_revocation_days"
        ),
    )
}
