//! What every operation may use: the request, the Worker's configuration, one reading
//! of the clock, the matched path parameters, and helpers that read the request
//! (parameters, the version sent, the body, who is asking).

use chrono::{DateTime, Utc};
use worker::{D1Database, Request};

use crate::auth::{self, Principal};
use crate::body::{MAX_BODY_BYTES, read_limited};
use crate::clock;
use crate::config::Config;
use crate::error::ApiError;

/// One request on its way through an operation.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The request.
    pub req: &'a Request,
    /// The Worker's bindings and variables.
    pub config: &'a Config,
    /// Now on the business calendar, read once per request ([`clock::request_now`]).
    pub now: DateTime<Utc>,
    /// Now, as stored.
    pub stamp: String,
    /// Path parameters of the matched operation, in template order.
    pub params: Vec<(&'static str, String)>,
}

impl<'a> Ctx<'a> {
    /// A request's context at its business clock, with no path parameters yet.
    #[must_use]
    pub fn new(req: &'a Request, config: &'a Config) -> Self {
        let now = clock::request_now(req, config);
        Self {
            req,
            config,
            now,
            stamp: clock::stamp(now),
            params: Vec::new(),
        }
    }

    /// The database.
    #[must_use]
    pub fn db(&self) -> &D1Database {
        &self.config.db
    }

    /// The request's JSON body, read within [`MAX_BODY_BYTES`].
    ///
    /// # Errors
    ///
    /// 413 over the limit; 400 when the stream breaks off.
    pub async fn body(&self) -> Result<Vec<u8>, ApiError> {
        read_limited(self.req, MAX_BODY_BYTES).await
    }

    /// A path parameter, percent-decoded.
    ///
    /// # Errors
    ///
    /// 500 if the operation has no such parameter (a bug in its declaration).
    pub fn param(&self, name: &str) -> Result<String, ApiError> {
        let raw = self
            .params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| ApiError::internal_cause("path parameter", &name))?;
        Ok(percent_decode(raw))
    }

    /// A numeric id path parameter; anything else is a 404 (`code` names the thing).
    ///
    /// # Errors
    ///
    /// 404 `code` when it is not a positive integer.
    pub fn id_param(&self, name: &str, code: &'static str) -> Result<i64, ApiError> {
        let raw = self.param(name)?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| ApiError::missing(code, format!("nothing with id {raw} here")))
    }

    /// The query parameters, decoded, in order.
    #[must_use]
    pub fn query(&self) -> Vec<(String, String)> {
        crate::http::query_of(self.req)
    }

    /// One query parameter, decoded, if given.
    #[must_use]
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The row version the client read: the `If-Match` header (`"3"`, `3` or
    /// `W/"3"`), if sent.
    ///
    /// # Errors
    ///
    /// 400 `invalid_if_match` when it is not a version number.
    pub fn if_match(&self) -> Result<Option<i64>, ApiError> {
        let Some(value) = self.req.headers().get("if-match").ok().flatten() else {
            return Ok(None);
        };
        let trimmed = value.trim();
        let bare = trimmed
            .strip_prefix("W/")
            .unwrap_or(trimmed)
            .trim_matches('"');
        bare.parse::<i64>().map(Some).map_err(|_| {
            ApiError::bad_header(
                "invalid_if_match",
                "If-Match must carry the version you read, as in If-Match: \"3\"",
            )
        })
    }

    /// The version an update was based on: `If-Match`, else the body's `version`.
    ///
    /// # Errors
    ///
    /// 400 for a malformed `If-Match`; 422 `version` required when neither was sent.
    pub fn required_version(&self, body_version: Option<i64>) -> Result<i64, ApiError> {
        self.if_match()?.or(body_version).ok_or_else(|| {
            ApiError::invalid_field(
                "version",
                "required",
                "send the version you read (If-Match or version)",
            )
        })
    }

    /// The `limit` query parameter: 1 to `max`, `default` when absent.
    ///
    /// # Errors
    ///
    /// 422 `range` for anything else.
    pub fn page_limit(&self, default: i64, max: i64) -> Result<i64, ApiError> {
        let sent = self.query_param("limit");
        crate::validation::page_limit(sent.as_deref().map(str::trim), default, max)
    }

    /// The `cursor` query parameter, a positive id, if given.
    ///
    /// # Errors
    ///
    /// 422 `invalid_cursor` for anything else.
    pub fn id_cursor(&self) -> Result<Option<i64>, ApiError> {
        self.query_param("cursor")
            .filter(|c| !c.trim().is_empty())
            .map(|text| {
                text.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|c| *c > 0)
                    .ok_or_else(|| {
                        ApiError::invalid_field(
                            "cursor",
                            "invalid_cursor",
                            "pass next_cursor from the previous page as it is",
                        )
                    })
            })
            .transpose()
    }

    /// Whether the caller asked for CSV (`?format=csv`) rather than JSON.
    ///
    /// # Errors
    ///
    /// 422 `unknown_format` for any other format.
    pub fn wants_csv(&self) -> Result<bool, ApiError> {
        match self.query_param("format").as_deref() {
            None | Some("json") => Ok(false),
            Some("csv") => Ok(true),
            Some(_) => Err(ApiError::invalid_field(
                "format",
                "unknown_format",
                "format is json or csv",
            )),
        }
    }

    /// The signed-in user, if the request carries a live session or API token.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn optional_principal(&self) -> Result<Option<Principal>, ApiError> {
        auth::authenticate(self.req, self.db(), &clock::stamp(clock::now())).await
    }

    /// The signed-in user, or 401.
    ///
    /// # Errors
    ///
    /// 401 without a live session; the database failed.
    pub async fn principal(&self) -> Result<Principal, ApiError> {
        self.optional_principal()
            .await?
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// Decodes `%XX` escapes as UTF-8 (invalid sequences become U+FFFD); a malformed
/// escape is kept as written.
#[must_use]
pub fn percent_decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn path_parameters_are_decoded() {
        assert_eq!(percent_decode("PR2026-44-000123-X"), "PR2026-44-000123-X");
        assert_eq!(percent_decode("%E7%94%B5%E6%B1%A0"), "电池");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
    }
}
