//! Bad requests of every kind get a 4xx in the one envelope, never a 5xx.

use anyhow::{Result, ensure};
use ppr_tests::TestWorker;

use crate::support::{Case, assert_error, assert_field};

pub const CASES: &[Case] = &[
    ("errors::unknown_path_is_404", unknown_path_is_404),
    (
        "errors::wrong_method_is_405_with_allow",
        wrong_method_is_405_with_allow,
    ),
    (
        "errors::unknown_query_parameter_is_named",
        unknown_query_parameter_is_named,
    ),
    ("errors::options_lists_methods", options_lists_methods),
    ("errors::empty_body_is_400", empty_body_is_400),
    (
        "errors::malformed_json_gives_the_position",
        malformed_json_gives_the_position,
    ),
    (
        "errors::invalid_utf8_gives_the_offset",
        invalid_utf8_gives_the_offset,
    ),
    ("errors::non_object_body_is_400", non_object_body_is_400),
    (
        "errors::wrong_types_name_the_field",
        wrong_types_name_the_field,
    ),
    ("errors::unknown_fields_are_named", unknown_fields_are_named),
    (
        "errors::duplicate_keys_are_refused",
        duplicate_keys_are_refused,
    ),
    ("errors::huge_body_is_413", huge_body_is_413),
    ("errors::huge_chunked_body_is_413", huge_chunked_body_is_413),
];

const PATH: &str = "/api/v1/validate";

fn unknown_path_is_404(worker: &TestWorker) -> Result<()> {
    for path in ["/api/v1/nothing", "/api/v2/health", "/api/v1/health/extra"] {
        assert_error(&worker.get(path)?, 404, "not_found")?;
    }
    // Outside the API: the site's 404 page, in both languages, with its headers.
    let page = worker.get("/no-such-page")?;
    ensure!(page.status == 404, "{} {}", page.status, page.body);
    ensure!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
            && page.body.contains("页面不存在")
            && page.body.contains("Page not found"),
        "{}",
        page.body
    );
    ensure!(
        page.header("content-security-policy")
            .is_some_and(|c| c.contains("frame-ancestors 'none'")),
        "no CSP"
    );
    Ok(())
}

fn unknown_query_parameter_is_named(worker: &TestWorker) -> Result<()> {
    // A misspelt filter is refused rather than ignored (which would list everything).
    let reply = worker.get("/api/v1/products?staus=identified")?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    ensure!(
        error["fields"][0]["field"] == "staus"
            && error["fields"][0]["code"] == "unknown_parameter"
            && error["fields"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("status")),
        "{error}"
    );
    let reply = worker.get("/api/v1/health?verbose=1")?;
    assert_error(&reply, 422, "validation_failed")?;
    // The documented ones pass.
    let reply = worker.get("/api/v1/products?status=identified&limit=5")?;
    ensure!(reply.status == 200, "{} {}", reply.status, reply.body);
    Ok(())
}

fn wrong_method_is_405_with_allow(worker: &TestWorker) -> Result<()> {
    let reply = worker.get(PATH)?;
    assert_error(&reply, 405, "method_not_allowed")?;
    ensure!(
        reply.header("allow") == Some("POST, OPTIONS"),
        "{:?}",
        reply.header("allow")
    );
    let reply = worker.request("DELETE", "/api/v1/health", &[], Vec::new())?;
    assert_error(&reply, 405, "method_not_allowed")?;
    // A method HTTP libraries do not know is not taken for a GET.
    for method in ["QUERY", "PROPFIND"] {
        let reply = worker.raw_method(method, "/api/v1/health")?;
        assert_error(&reply, 405, "method_not_allowed")?;
        ensure!(
            reply.header("allow") == Some("GET, OPTIONS"),
            "{method}: {:?}",
            reply.header("allow")
        );
    }
    Ok(())
}

fn options_lists_methods(worker: &TestWorker) -> Result<()> {
    let reply = worker.request(
        "OPTIONS",
        PATH,
        &[("origin", "https://example.org")],
        Vec::new(),
    )?;
    ensure!(reply.status == 204, "{}", reply.status);
    ensure!(reply.header("access-control-allow-methods") == Some("POST, OPTIONS"));
    ensure!(reply.header("access-control-allow-origin") == Some("*"));
    Ok(())
}

fn empty_body_is_400(worker: &TestWorker) -> Result<()> {
    let error = assert_error(&worker.post_bytes(PATH, Vec::new())?, 400, "malformed_json")?;
    ensure!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("empty")),
        "{error}"
    );
    Ok(())
}

fn malformed_json_gives_the_position(worker: &TestWorker) -> Result<()> {
    let error = assert_error(
        &worker.post_bytes(PATH, b"{\"uscc\": \"x\",\n ]".to_vec())?,
        400,
        "malformed_json",
    )?;
    ensure!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("line 2 column")),
        "{error}"
    );
    let error = assert_error(
        &worker.post_bytes(PATH, b"{\"uscc\": \"x\"} trailing".to_vec())?,
        400,
        "malformed_json",
    )?;
    ensure!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("trailing")),
        "{error}"
    );
    Ok(())
}

fn invalid_utf8_gives_the_offset(worker: &TestWorker) -> Result<()> {
    let error = assert_error(
        &worker.post_bytes(PATH, b"{\"uscc\": \"91\xff\xfe\"}".to_vec())?,
        400,
        "malformed_json",
    )?;
    ensure!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("UTF-8") && m.contains("offset 12")),
        "{error}"
    );
    Ok(())
}

fn non_object_body_is_400(worker: &TestWorker) -> Result<()> {
    for body in ["[]", "\"91350100M000100Y43\"", "42", "null"] {
        assert_error(
            &worker.post_bytes(PATH, body.as_bytes().to_vec())?,
            400,
            "invalid_body",
        )?;
    }
    Ok(())
}

fn wrong_types_name_the_field(worker: &TestWorker) -> Result<()> {
    let cases = [
        (r#"{"uscc": 91350100}"#, "uscc"),
        (r#"{"uscc": ["a"]}"#, "uscc"),
        (r#"{"patent_numbers": "201080063196.9"}"#, "patent_numbers"),
        (
            r#"{"patent_numbers": ["201080063196.9", 5]}"#,
            "patent_numbers[1]",
        ),
    ];
    for (body, field) in cases {
        let error = assert_error(
            &worker.post_bytes(PATH, body.as_bytes().to_vec())?,
            422,
            "validation_failed",
        )?;
        assert_field(&error, field, "invalid_type")?;
    }
    Ok(())
}

fn unknown_fields_are_named(worker: &TestWorker) -> Result<()> {
    let body = br#"{"uscc": "91350100M000100Y43", "usc": "typo"}"#.to_vec();
    let error = assert_error(&worker.post_bytes(PATH, body)?, 422, "validation_failed")?;
    assert_field(&error, "usc", "unknown_field")?;
    Ok(())
}

fn duplicate_keys_are_refused(worker: &TestWorker) -> Result<()> {
    let body = br#"{"uscc": "91350100M000100Y43", "uscc": "x"}"#.to_vec();
    let error = assert_error(&worker.post_bytes(PATH, body)?, 422, "validation_failed")?;
    assert_field(&error, "uscc", "duplicate_field")?;
    Ok(())
}

fn huge_body() -> Vec<u8> {
    // 4 MiB: far over the 256 KiB limit, valid JSON all the same.
    let mut body = b"{\"uscc\": \"".to_vec();
    body.resize(4 * 1024 * 1024, b'9');
    body.extend_from_slice(b"\"}");
    body
}

fn huge_body_is_413(worker: &TestWorker) -> Result<()> {
    let error = assert_error(
        &worker.post_streaming(PATH, huge_body(), false)?,
        413,
        "payload_too_large",
    )?;
    ensure!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("262144")),
        "{error}"
    );
    Ok(())
}

fn huge_chunked_body_is_413(worker: &TestWorker) -> Result<()> {
    // No Content-Length: the Worker must stop reading once the limit is passed.
    assert_error(
        &worker.post_streaming(PATH, huge_body(), true)?,
        413,
        "payload_too_large",
    )?;
    Ok(())
}
