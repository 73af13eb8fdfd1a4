//! Request bodies: read within a size limit, then decode JSON into a typed request with
//! errors that point at the byte, line or field at fault.

use serde::de::DeserializeOwned;
use worker::Request;
use worker::js_sys::Uint8Array;
use worker::wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{ReadableStreamDefaultReader, ReadableStreamReadResult};

use crate::error::{ApiError, FieldIssue};

/// The largest JSON body any operation takes: 256 KiB holds a filing with its economic
/// data and hundreds of patents many times over, and keeps a hostile body from
/// costing more than a few milliseconds of CPU to refuse. Evidence files go to R2 by
/// their own route, not through JSON.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// How much of an oversized body is read and dropped so that its sender gets the 413:
/// enough for any honest mistake (a file posted to a JSON route); the JavaScript side
/// drops the chunks, so draining costs wall time, not Worker CPU.
pub const MAX_DRAIN_BYTES: u64 = 16 * 1024 * 1024;

/// Reads the whole body, refusing at once (413) when `Content-Length` says it is over
/// `limit`, and stopping the read as soon as it passes `limit` when it did not say.
///
/// An oversized body without `Content-Length` is drained (read and dropped on the
/// JavaScript side, up to [`MAX_DRAIN_BYTES`]) before the 413 goes out: a client that
/// writes its whole body before reading, and proxies in front of the Worker (wrangler's
/// dev proxy among them), would otherwise see the connection fail instead of the answer.
/// Past the cap the reader is released without cancelling the stream.
///
/// # Errors
///
/// 413 over the limit; 400 when the body stream breaks off.
pub async fn read_limited(req: &Request, limit: usize) -> Result<Vec<u8>, ApiError> {
    let declared = req.headers().get("content-length").ok().flatten();
    if let Some(length) = declared.and_then(|v| v.trim().parse::<u64>().ok())
        && length > limit as u64
    {
        return Err(ApiError::payload_too_large(limit));
    }
    // A request without a body has no stream: that is an empty body.
    let Some(stream) = req.inner().body() else {
        return Ok(Vec::new());
    };
    let reader: ReadableStreamDefaultReader = stream
        .get_reader()
        .dyn_into()
        .map_err(|_| ApiError::internal_cause("request body", &"no default reader"))?;
    let outcome = read_chunks(&reader, limit).await;
    reader.release_lock();
    outcome
}

async fn read_chunks(
    reader: &ReadableStreamDefaultReader,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    loop {
        let result: ReadableStreamReadResult = JsFuture::from(reader.read())
            .await
            .map_err(|_| ApiError::malformed_json("the request body could not be read to its end"))?
            .unchecked_into();
        if result.get_done().unwrap_or(true) {
            return Ok(bytes);
        }
        let chunk = Uint8Array::new(&result.get_value());
        let length = usize::try_from(chunk.length()).unwrap_or(usize::MAX);
        if bytes.len().saturating_add(length) > limit {
            drain(reader, MAX_DRAIN_BYTES).await;
            return Err(ApiError::payload_too_large(limit));
        }
        bytes.extend_from_slice(&chunk.to_vec());
    }
}

/// Reads and drops up to `cap` more bytes, stopping at the end of the stream or on an
/// error. Chunks stay in JavaScript; only their lengths are read.
async fn drain(reader: &ReadableStreamDefaultReader, cap: u64) {
    let mut drained: u64 = 0;
    while drained <= cap {
        let Ok(result) = JsFuture::from(reader.read()).await else {
            return;
        };
        let result: ReadableStreamReadResult = result.unchecked_into();
        if result.get_done().unwrap_or(true) {
            return;
        }
        drained += u64::from(Uint8Array::new(&result.get_value()).length());
    }
}

/// Decodes a JSON object into `T`.
///
/// 400 `malformed_json` for an empty body, bad UTF-8 (with the byte offset) or bad JSON
/// (with line and column); 400 `invalid_body` for JSON that is not an object; 422
/// `validation_failed` naming the field for wrong types, unknown or missing fields.
///
/// # Errors
///
/// As above.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::malformed_json(
            "the request body is empty; send a JSON object",
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ApiError::malformed_json(format!(
            "the request body is not valid UTF-8: the first bad byte is at offset {}",
            e.valid_up_to()
        ))
    })?;
    let malformed = |e: serde_json::Error| {
        ApiError::malformed_json(format!("the request body is not valid JSON: {e}"))
    };
    if !text.trim_start().starts_with('{') {
        // Valid JSON of another kind, or not JSON at all: say which.
        return Err(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => ApiError::invalid_body("the request body must be a JSON object"),
            Err(e) => malformed(e),
        });
    }
    // Straight from the text, not through a `Value`, so duplicate keys are refused
    // rather than silently collapsed.
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return malformed(inner);
        }
        // Data errors: the field path says where; drop serde_json's position suffix.
        let full = inner.to_string();
        let suffix = format!(" at line {} column {}", inner.line(), inner.column());
        let issue = field_issue(&path, full.strip_suffix(&suffix).unwrap_or(&full));
        ApiError::validation(format!("{}: {}", issue.field, issue.message), vec![issue])
    })?;
    deserializer.end().map_err(malformed)?;
    Ok(value)
}

/// Turns serde's message at `path` into a field issue with a stable code.
fn field_issue(path: &str, message: &str) -> FieldIssue {
    let code = [
        ("unknown field", "unknown_field"),
        ("missing field", "missing_field"),
        ("duplicate field", "duplicate_field"),
        ("invalid type", "invalid_type"),
        ("invalid length", "invalid_length"),
    ]
    .iter()
    .find(|(prefix, _)| message.starts_with(prefix))
    .map_or("invalid_value", |(_, code)| code);
    // Missing and duplicate fields are reported at the enclosing object: name the
    // field itself. (An unknown key is already in the path.)
    let named = message
        .split('`')
        .nth(1)
        .filter(|_| matches!(code, "missing_field" | "duplicate_field"));
    let field = match (path, named) {
        (".", Some(name)) => name.to_owned(),
        (_, Some(name)) => format!("{path}.{name}"),
        (_, None) => path.to_owned(),
    };
    FieldIssue::new(field, code, message)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields are read by serde only")]
    struct Sample {
        name: String,
        items: Option<Vec<String>>,
    }

    fn decode(body: &[u8]) -> Result<Sample, ApiError> {
        decode_json(body)
    }

    #[test]
    fn classifies_bad_bodies() {
        let cases: [(&[u8], u16, &str, &str); 12] = [
            (b"", 400, "malformed_json", "empty"),
            (b"  \n", 400, "malformed_json", "empty"),
            (b"{\"name\": \"\xff\"}", 400, "malformed_json", "offset 10"),
            (b"{\"name\": ", 400, "malformed_json", "line 1 column 9"),
            (b"{\"name\": \"a\"} {}", 400, "malformed_json", "trailing"),
            (b"nope", 400, "malformed_json", "line 1 column 2"),
            (b"[1, 2]", 400, "invalid_body", "object"),
            (b"\"text\"", 400, "invalid_body", "object"),
            (b"{\"name\": 5}", 422, "validation_failed", "name"),
            (
                b"{\"name\": \"a\", \"items\": [\"x\", 3]}",
                422,
                "validation_failed",
                "items[1]",
            ),
            (
                b"{\"name\": \"a\", \"extra\": 1}",
                422,
                "validation_failed",
                "extra",
            ),
            (b"{}", 422, "validation_failed", "name"),
        ];
        for (body, status, code, mention) in cases {
            let err = decode(body).expect_err(&String::from_utf8_lossy(body));
            assert_eq!(
                (err.status, err.code),
                (status, code),
                "{:?}: {err:?}",
                String::from_utf8_lossy(body)
            );
            assert!(
                err.message.contains(mention),
                "{:?}: {}",
                String::from_utf8_lossy(body),
                err.message
            );
        }
    }

    #[test]
    fn names_the_field_at_fault() {
        let err = decode(b"{\"name\": \"a\", \"items\": [\"x\", 3]}").expect_err("wrong item");
        assert_eq!(
            err.fields,
            vec![FieldIssue::new(
                "items[1]",
                "invalid_type",
                "invalid type: integer `3`, expected a string"
            )]
        );
        let err = decode(b"{\"name\": \"a\", \"extra\": 1}").expect_err("unknown");
        assert_eq!(
            (err.fields[0].field.as_str(), err.fields[0].code.as_str()),
            ("extra", "unknown_field")
        );
        let err = decode(b"{\"name\": \"a\", \"name\": \"b\"}").expect_err("duplicate");
        assert_eq!(
            (err.fields[0].field.as_str(), err.fields[0].code.as_str()),
            ("name", "duplicate_field")
        );
        let err = decode(b"{}").expect_err("missing");
        assert_eq!(
            (err.fields[0].field.as_str(), err.fields[0].code.as_str()),
            ("name", "missing_field")
        );
    }

    #[test]
    fn decodes_good_bodies() {
        assert!(decode(b"{\"name\": \"a\"}").is_ok());
        assert!(decode("{\"name\": \"电池\", \"items\": []}".as_bytes()).is_ok());
    }
}
