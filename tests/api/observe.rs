//! What an operator reads: a request id on every answer and error page, and one
//! structured log line (JSON) per request and scheduled run.

use anyhow::{Result, ensure};
use ppr_tests::TestWorker;

use crate::support::Case;

pub const CASES: &[Case] = &[
    (
        "observe::every_answer_has_a_request_id_and_one_log_line",
        every_answer_has_a_request_id_and_one_log_line,
    ),
    (
        "observe::an_error_page_shows_its_request_id",
        an_error_page_shows_its_request_id,
    ),
    (
        "observe::error_pages_use_the_layout_in_the_pages_language",
        error_pages_use_the_layout_in_the_pages_language,
    ),
    (
        "observe::a_scheduled_run_writes_its_line",
        a_scheduled_run_writes_its_line,
    ),
];

/// The `x-request-id` of an answer: 16 hexadecimal digits (no `cf-ray` locally).
fn request_id(reply: &ppr_tests::Reply) -> Result<String> {
    let id = reply.header("x-request-id").unwrap_or_default().to_owned();
    ensure!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "x-request-id {id:?}"
    );
    Ok(id)
}

fn every_answer_has_a_request_id_and_one_log_line(worker: &TestWorker) -> Result<()> {
    let ok = worker.get("/api/v1/health")?;
    ensure!(ok.status == 200, "{}", ok.status);
    let id = request_id(&ok)?;
    let line = worker.log_line(&id)?;
    ensure!(line["kind"] == "request", "{line}");
    ensure!(line["method"] == "GET", "{line}");
    ensure!(line["route"] == "/api/v1/health", "{line}");
    ensure!(line["status"] == 200, "{line}");
    ensure!(line["error"].is_null(), "{line}");
    ensure!(line["d1_statements"].as_u64() >= Some(1), "{line}");
    ensure!(line["duration_ms"].as_f64() >= Some(0.0), "{line}");

    let missing = worker.get("/api/v1/products/PR2026-44-999999-0?x=secret")?;
    ensure!(missing.status >= 400, "{}", missing.status);
    let code = missing.json()?["error"]["code"].clone();
    let second = request_id(&missing)?;
    ensure!(second != id, "two requests, one id");
    let line = worker.log_line(&second)?;
    ensure!(line["route"] == "/api/v1/products/{number}", "{line}");
    ensure!(line["status"] == missing.status, "{line}");
    ensure!(line["error"] == code, "{line} against {code}");
    ensure!(
        !line.to_string().contains("secret"),
        "the query reached the log: {line}"
    );
    Ok(())
}

fn an_error_page_shows_its_request_id(worker: &TestWorker) -> Result<()> {
    let cross_site = |path: &str| {
        worker.request(
            "POST",
            path,
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("origin", "https://evil.example"),
            ],
            b"email=x".to_vec(),
        )
    };
    for (path, status, label) in [
        ("/products/PR2026-44-999999-0/", 404, "请求编号"),
        ("/en/products/PR2026-44-999999-0/", 404, "Request ID"),
        ("/enterprise/signin/", 403, "请求编号"),
        ("/en/enterprise/signin/", 403, "Request ID"),
    ] {
        let page = if status == 403 {
            cross_site(path)?
        } else {
            worker.get(path)?
        };
        ensure!(page.status == status, "{path}: {}", page.status);
        let id = request_id(&page)?;
        ensure!(
            page.body.contains(label) && page.body.contains(&id),
            "{path} does not show its request id {id}: {}",
            page.body
        );
        let line = worker.log_line(&id)?;
        ensure!(line["status"] == status, "{line}");
        ensure!(line["route"] == path, "{line}");
    }
    Ok(())
}

fn error_pages_use_the_layout_in_the_pages_language(worker: &TestWorker) -> Result<()> {
    let send = |method: &str, path: &str, origin: &str| {
        let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
        if !origin.is_empty() {
            headers.push(("origin", origin));
        }
        worker.request(method, path, &headers, b"q=x".to_vec())
    };
    // (method, path, origin, status, the page's language, its title, what it must
    // not show, whether it offers to sign in)
    for (method, path, origin, status, lang, title, never, sign_in) in [
        (
            "POST",
            "/enterprise/signin/",
            "https://evil.example",
            403,
            "zh-CN",
            "无权执行此操作",
            "Forbidden",
            true,
        ),
        (
            "POST",
            "/en/enterprise/signin/",
            "https://evil.example",
            403,
            "en",
            "You may not do this",
            "无权",
            true,
        ),
        (
            "POST",
            "/products/",
            "",
            405,
            "zh-CN",
            "不支持这种请求",
            "not allowed",
            false,
        ),
        (
            "POST",
            "/en/products/",
            "",
            405,
            "en",
            "This page does not take that request",
            "不支持",
            false,
        ),
    ] {
        let page = send(method, path, origin)?;
        ensure!(page.status == status, "{method} {path}: {}", page.status);
        let body = &page.body;
        let root = if lang == "en" { "/en/" } else { "/" };
        ensure!(
            body.contains(&format!("<html lang=\"{lang}\">")) && body.contains(title),
            "{path}: not the {lang} error page: {body}"
        );
        ensure!(
            body.contains("<header class=\"site\">") && body.contains("<footer class=\"site\">"),
            "{path}: the error page has the site's layout"
        );
        ensure!(!body.contains(never), "{path} shows {never:?}: {body}");
        ensure!(
            body.contains(&format!("href=\"{root}search/\"")),
            "{path}: a next step to the search"
        );
        ensure!(
            body.contains(&format!("href=\"{root}enterprise/signin/\"")) == sign_in,
            "{path}: sign-in offered {sign_in}"
        );
    }
    Ok(())
}

fn a_scheduled_run_writes_its_line(worker: &TestWorker) -> Result<()> {
    let before = worker.log_text()?.matches("\"kind\":\"scheduled\"").count();
    worker.run_scheduled()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let text = worker.log_text()?;
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("\"kind\":\"scheduled\""))
            .collect();
        if lines.len() > before {
            let last = lines.last().copied().unwrap_or_default();
            let line: serde_json::Value =
                serde_json::from_str(last.get(last.find('{').unwrap_or(0)..).unwrap_or_default())?;
            ensure!(line["route"] == "*/5 * * * *", "{line}");
            ensure!(line["d1_statements"].as_u64() >= Some(1), "{line}");
            ensure!(
                line["request_id"].as_str().map(str::len) == Some(16),
                "{line}"
            );
            return Ok(());
        }
        ensure!(
            std::time::Instant::now() < deadline,
            "no line for the scheduled run"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
