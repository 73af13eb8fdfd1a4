//! The one error envelope of the API.
//!
//! Every failure leaves the Worker as
//! `{"error": {"code": "...", "message": "...", "fields": [{"field", "code", "message"}]}}`
//! with a stable machine `code`. Status by kind: 400 malformed, 404, 405, 413, 422
//! validation, 500 (which says nothing internal; the cause is logged once).

use serde::Serialize;

/// One field at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldIssue {
    /// Where: a JSON path such as `patent_numbers[3]`.
    pub field: String,
    /// The rule that failed, stable for machines.
    pub code: String,
    /// What is wrong and how to fix it, for people.
    pub message: String,
}

impl FieldIssue {
    /// An issue with `field`.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// An error on its way to becoming a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Stable machine code.
    pub code: &'static str,
    /// For people.
    pub message: String,
    /// Fields at fault, if any.
    pub fields: Vec<FieldIssue>,
    /// Extra response headers (`Allow` on a 405, `Retry-After` on a 429).
    pub headers: Vec<(&'static str, String)>,
    /// For a 500: what failed, for the log and for staff-facing error states (never
    /// sent in a response).
    pub cause: Option<String>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    fields: &'a [FieldIssue],
}

impl ApiError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            headers: Vec::new(),
            cause: None,
        }
    }

    /// 400: the body is not JSON (or not UTF-8, or empty).
    pub fn malformed_json(message: impl Into<String>) -> Self {
        Self::new(400, "malformed_json", message)
    }

    /// 400: JSON, but not the shape the operation takes at all (not an object).
    pub fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(400, "invalid_body", message)
    }

    /// 404: no such path.
    pub fn not_found(path: &str) -> Self {
        Self::new(
            404,
            "not_found",
            format!("nothing here: {path}; the API is described at /api/v1/openapi.json"),
        )
    }

    /// 405: the path exists with other methods.
    pub fn method_not_allowed(method: &str, path: &str, allow: String) -> Self {
        let message = format!("{method} is not allowed on {path}; allowed: {allow}");
        Self {
            headers: vec![("allow", allow)],
            ..Self::new(405, "method_not_allowed", message)
        }
    }

    /// 404: the path names something that does not exist (an unknown product number,
    /// a filing of another enterprise's that the caller may not know of, …).
    pub fn missing(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(404, code, message)
    }

    /// 409: the request conflicts with the state of the thing, not with one field
    /// (a filing that is not in a state that allows this, a stale version).
    pub fn state_conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(409, code, message)
    }

    /// 409: the `If-Match` version (or `version` field) is not the current one.
    pub fn stale_version() -> Self {
        Self::new(
            409,
            "stale_version",
            "this was changed since you read it; read it again and reapply your change",
        )
    }

    /// 422 for one field.
    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::validation(
            format!("check this field: {field}"),
            vec![FieldIssue::new(field, code, message)],
        )
    }

    /// 400: a header is malformed.
    pub fn bad_header(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    /// 401: the operation needs a signed-in user.
    pub fn unauthenticated() -> Self {
        Self::new(
            401,
            "unauthenticated",
            "sign in first: this needs a session (POST /api/v1/sessions)",
        )
    }

    /// 401: an API token that is unknown or revoked.
    pub fn invalid_token() -> Self {
        Self::new(
            401,
            "invalid_token",
            "this API token is unknown or revoked; ask the port's admin for a new one",
        )
    }

    /// 401: wrong e-mail or password (which one is not said).
    pub fn invalid_credentials() -> Self {
        Self::new(
            401,
            "invalid_credentials",
            "the e-mail address or the password is wrong",
        )
    }

    /// 403: signed in, but not allowed.
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(403, code, message)
    }

    /// 409: the request conflicts with the current state; `field` names what clashes.
    pub fn conflict(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            fields: vec![FieldIssue::new(field, code, message.clone())],
            ..Self::new(409, code, message)
        }
    }

    /// 429: too many attempts; retry after `seconds`.
    pub fn too_many_requests(seconds: i64, message: impl Into<String>) -> Self {
        let seconds = seconds.max(1);
        Self {
            headers: vec![("retry-after", seconds.to_string())],
            ..Self::new(429, "too_many_attempts", message)
        }
    }

    /// 413: the body is over the limit.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            413,
            "payload_too_large",
            format!("the request body is over the limit of {limit} bytes"),
        )
    }

    /// 422: the request is well-formed, but fields break rules.
    pub fn validation(message: impl Into<String>, fields: Vec<FieldIssue>) -> Self {
        Self {
            fields,
            ..Self::new(422, "validation_failed", message)
        }
    }

    /// 500: something failed on our side. The message says nothing internal.
    pub fn internal() -> Self {
        Self::new(
            500,
            "internal",
            "something went wrong on our side; it has been logged, please retry later",
        )
    }

    /// 500 for a failure of ours: logs `context` and the cause once, here, and answers
    /// with [`ApiError::internal`].
    pub fn internal_cause(context: &str, cause: &dyn std::fmt::Display) -> Self {
        log_error(context, cause);
        Self {
            cause: Some(format!("{context}: {cause}")),
            ..Self::internal()
        }
    }

    /// 503: the Worker's environment lacks a binding or has a malformed variable (a
    /// deployment error). Logs what, once; the answer says nothing internal.
    pub fn misconfigured(cause: &dyn std::fmt::Display) -> Self {
        log_error("configuration", cause);
        Self {
            cause: Some(format!("configuration: {cause}")),
            ..Self::new(
                503,
                "unavailable",
                "the service is not available right now; it has been logged, please retry later",
            )
        }
    }

    /// What went wrong, for staff: the cause of a 500, else the message.
    #[must_use]
    pub fn detail(&self) -> &str {
        self.cause.as_deref().unwrap_or(&self.message)
    }

    /// The envelope as JSON text.
    #[must_use]
    pub fn to_json(&self) -> String {
        let envelope = Envelope {
            error: Body {
                code: self.code,
                message: &self.message,
                fields: &self.fields,
            },
        };
        // Serialising strings and a slice of plain structs cannot fail; the fallback
        // keeps the envelope's shape all the same.
        serde_json::to_string(&envelope).unwrap_or_else(|_| {
            String::from(r#"{"error":{"code":"internal","message":"error","fields":[]}}"#)
        })
    }
}

impl From<worker::Error> for ApiError {
    fn from(err: worker::Error) -> Self {
        Self::internal_cause("runtime", &err)
    }
}

/// Writes one line to the Worker's log (`wrangler tail`, the dashboard, the local
/// console). On the host, where there is no console, to standard error.
fn log_error(context: &str, cause: &dyn std::fmt::Display) {
    let request = crate::observe::current_id().unwrap_or_default();
    #[cfg(target_arch = "wasm32")]
    worker::console_error!("{context}: {cause} (request {request})");
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("{context}: {cause} (request {request})");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_shape() {
        let err = ApiError::validation("bad", vec![FieldIssue::new("uscc", "check_char", "wrong")]);
        let json: serde_json::Value = serde_json::from_str(&err.to_json()).expect("json");
        assert_eq!(json["error"]["code"], "validation_failed");
        assert_eq!(json["error"]["fields"][0]["field"], "uscc");
        assert_eq!(ApiError::not_found("/x").status, 404);
        let json: serde_json::Value =
            serde_json::from_str(&ApiError::internal().to_json()).expect("json");
        assert_eq!(json["error"]["fields"], serde_json::json!([]));
    }
}
