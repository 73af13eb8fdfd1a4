//! The claims of docs/SECURITY.md that no other module already holds: sessions cannot
//! be fixed by an attacker, cookie-authenticated writes need the session's own CSRF
//! token, and anonymous creations are rate-limited per client address.

use anyhow::{Context, Result, ensure};
use ppr_tests::TestWorker;
use ppr_tests::fixtures::{PASSWORD, enterprise_body, unique, uscc};
use ppr_tests::ports::application;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::support::{Case, assert_error, assert_field};

pub const CASES: &[Case] = &[
    (
        "security::a_session_cannot_be_fixed",
        a_session_cannot_be_fixed,
    ),
    (
        "security::writes_need_the_sessions_own_csrf_token",
        writes_need_the_sessions_own_csrf_token,
    ),
    (
        "security::anonymous_creations_are_rate_limited",
        anonymous_creations_are_rate_limited,
    ),
    (
        "security::failed_sign_ins_are_limited_per_address",
        failed_sign_ins_are_limited_per_address,
    ),
    (
        "security::look_alike_text_is_refused",
        look_alike_text_is_refused,
    ),
    (
        "security::sign_in_limits_hold_under_parallel_attempts",
        sign_in_limits_hold_under_parallel_attempts,
    ),
    (
        "security::form_posts_from_another_site_are_refused",
        form_posts_from_another_site_are_refused,
    ),
    (
        "security::a_local_worker_does_not_trust_a_sent_client_address",
        a_local_worker_does_not_trust_a_sent_client_address,
    ),
];

const COOKIE: &str = "__Host-ppr_session";

fn a_session_cannot_be_fixed(worker: &TestWorker) -> Result<()> {
    let enterprise = worker.register_enterprise()?;
    // An attacker plants a session cookie of their choosing, then the victim signs in.
    let planted = format!("{COOKIE}=attacker-chosen-session-value-0123456789");
    let body = json!({"email": enterprise.email, "password": PASSWORD});
    let reply = worker.request(
        "POST",
        "/api/v1/sessions",
        &[
            ("content-type", "application/json"),
            ("cookie", planted.as_str()),
        ],
        serde_json::to_vec(&body)?,
    )?;
    ensure!(reply.status == 201, "{} {}", reply.status, reply.body);
    let set = reply.header("set-cookie").context("no cookie")?.to_owned();
    let issued = set.split(';').next().unwrap_or_default().to_owned();
    ensure!(
        issued.starts_with(&format!("{COOKIE}=")) && issued != planted,
        "the planted value was kept: {set}"
    );
    // The cookie is the browser's only: not readable by scripts, HTTPS only, not sent
    // on cross-site subrequests, bound to this host.
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        ensure!(set.contains(attribute), "{attribute} missing: {set}");
    }
    ensure!(!set.contains("Domain="), "{set}");
    // The token is not in the answer's body, only in the cookie; D1 keeps only its
    // SHA-256.
    let token = issued.split_once('=').map_or("", |(_, t)| t);
    ensure!(token.len() >= 32 && !reply.body.contains(token));
    let hash: String = Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let stored = worker.query_sql(&format!(
        "SELECT token_hash FROM sessions WHERE token_hash = '{hash}' OR token_hash = '{token}'"
    ))?;
    ensure!(
        stored.len() == 1 && stored[0]["token_hash"] == hash.as_str(),
        "stored: {stored:?}"
    );
    // The planted value signs nobody in.
    let current = |cookie: &str| {
        worker.request(
            "GET",
            "/api/v1/sessions/current",
            &[("cookie", cookie)],
            Vec::new(),
        )
    };
    assert_error(&current(&planted)?, 401, "unauthenticated")?;
    ensure!(current(&issued)?.status == 200);
    // Each sign-in makes a new session with a new CSRF token.
    let first = worker.sign_in(&enterprise.email, PASSWORD)?;
    let second = worker.sign_in(&enterprise.email, PASSWORD)?;
    ensure!(first.cookie != second.cookie && first.cookie != issued);
    ensure!(first.csrf != second.csrf);
    // Signing out ends that session on the server, not just in the browser.
    ensure!(first.delete("/api/v1/sessions/current")?.status == 204);
    assert_error(&current(&first.cookie)?, 401, "unauthenticated")?;
    ensure!(current(&second.cookie)?.status == 200);
    Ok(())
}

fn writes_need_the_sessions_own_csrf_token(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise()?;
    let other = worker.sign_in(&verified.enterprise.email, PASSWORD)?;
    let path = verified.path("/patents");
    let body = serde_json::to_vec(&ppr_tests::registry::patent_body(
        &ppr_tests::registry::patent_number(),
    ))?;
    let write = |csrf: Option<&str>| {
        let mut headers = vec![
            ("content-type", "application/json"),
            ("cookie", verified.session.cookie.as_str()),
        ];
        if let Some(token) = csrf {
            headers.push(("x-csrf-token", token));
        }
        worker.request("POST", &path, &headers, body.clone())
    };
    // None, a wrong one, and another session's (of the same account) are refused, and
    // nothing is written.
    for csrf in [None, Some("not-the-token"), Some(other.csrf.as_str())] {
        assert_error(&write(csrf)?, 403, "csrf_failed")?;
    }
    let listed = verified.session.get(&path)?.json()?;
    ensure!(
        listed["items"].as_array().is_some_and(Vec::is_empty),
        "a refused write left something: {listed}"
    );
    // The session's own token passes; reads need none.
    let reply = write(Some(verified.session.csrf.as_str()))?;
    ensure!(reply.status == 201, "{} {}", reply.status, reply.body);
    ensure!(verified.session.get(&path)?.status == 200);
    Ok(())
}

fn anonymous_creations_are_rate_limited(worker: &TestWorker) -> Result<()> {
    let address = format!("198.51.100.{}", unique() % 250 + 1);
    let from = |address: &str, path: &str, body: &serde_json::Value, key: Option<&str>| {
        let mut headers = vec![
            ("content-type", "application/json"),
            ("cf-connecting-ip", address),
        ];
        if let Some(key) = key {
            headers.push(("idempotency-key", key));
        }
        worker.request("POST", path, &headers, serde_json::to_vec(body)?)
    };
    let limited = |reply: &ppr_tests::Reply| -> Result<()> {
        assert_error(reply, 429, "too_many_attempts")?;
        let retry: i64 = reply
            .header("retry-after")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        ensure!((1..=3601).contains(&retry), "Retry-After {retry}");
        Ok(())
    };

    // Port applications: 5 an hour from one address.
    let path = "/api/v1/port-applications";
    let first_key = format!("limit-{}", unique());
    let first = application("460000");
    ensure!(from(&address, path, &first, Some(&first_key))?.status == 201);
    for scope in ["630000", "640000", "540000", "150000"] {
        let reply = from(&address, path, &application(scope), None)?;
        ensure!(reply.status == 201, "{} {}", reply.status, reply.body);
    }
    limited(&from(&address, path, &application("220000"), None)?)?;
    // A retry of an application already made is answered, not refused; another
    // address is not limited.
    let replay = from(&address, path, &first, Some(&first_key))?;
    ensure!(replay.status == 201 && replay.header("idempotent-replayed") == Some("true"));
    let elsewhere = format!("203.0.113.{}", unique() % 250 + 1);
    ensure!(from(&elsewhere, path, &application("220000"), None)?.status == 201);

    // Objections without an account: 10 an hour (here against a year with no round,
    // which each attempt still counts).
    let path = "/api/v1/rounds/1999/objections";
    let objection = json!({
        "registration_number": "PR2026-35-000001-1",
        "reason": "该产品的专利已失效。",
        "contact": {"name": "李四", "email": "li@example.test"},
    });
    // A malformed one (no contact) is refused and costs nothing.
    let mut anonymous = objection.clone();
    anonymous["contact"] = serde_json::Value::Null;
    for _ in 0..3 {
        let reply = from(&address, path, &anonymous, None)?;
        assert_error(&reply, 422, "validation_failed")?;
    }
    for _ in 0..10 {
        let reply = from(&address, path, &objection, None)?;
        ensure!(reply.status == 404, "{} {}", reply.status, reply.body);
    }
    limited(&from(&address, path, &objection, None)?)?;
    // Signed in: 10 a day per account, wherever it posts from.
    let objector = worker.register_enterprise()?;
    let session = worker.sign_in(&objector.email, PASSWORD)?;
    let mut signed = objection.clone();
    signed["contact"] = serde_json::Value::Null;
    for _ in 0..10 {
        let reply = session.post_json(path, &signed)?;
        ensure!(reply.status == 404, "{} {}", reply.status, reply.body);
    }
    let reply = session.post_json(path, &signed)?;
    assert_error(&reply, 429, "too_many_attempts")?;
    let retry: i64 = reply
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    ensure!((1..=86_401).contains(&retry), "Retry-After {retry}");

    // Registrations: 20 an hour.
    for _ in 0..20 {
        let body = enterprise_body(&uscc());
        let reply = from(&address, "/api/v1/enterprises", &body, None)?;
        ensure!(reply.status == 201, "{} {}", reply.status, reply.body);
    }
    let body = enterprise_body(&uscc());
    limited(&from(&address, "/api/v1/enterprises", &body, None)?)?;
    ensure!(from(&elsewhere, "/api/v1/enterprises", &body, None)?.status == 201);
    Ok(())
}

fn failed_sign_ins_are_limited_per_address(worker: &TestWorker) -> Result<()> {
    // 20 failures from one address, each for another account (so no account limit
    // is reached), lock the address for every account, the right password included.
    let address = format!("192.0.2.{}", unique() % 250 + 1);
    let enterprise = worker.register_enterprise()?;
    let attempt = |email: &str, password: &str| {
        let body = json!({"email": email, "password": password});
        worker.request(
            "POST",
            "/api/v1/sessions",
            &[
                ("content-type", "application/json"),
                ("cf-connecting-ip", address.as_str()),
            ],
            serde_json::to_vec(&body)?,
        )
    };
    for i in 0..20 {
        let email = format!("nobody{i}-{}@enterprise.test", unique());
        assert_error(
            &attempt(&email, "wrong password!")?,
            401,
            "invalid_credentials",
        )?;
    }
    assert_error(
        &attempt(&enterprise.email, PASSWORD)?,
        429,
        "too_many_attempts",
    )?;
    // From elsewhere, the account signs in.
    worker.sign_in(&enterprise.email, PASSWORD)?;
    Ok(())
}

/// Names, models, titles and file names refuse the characters that make text show as
/// something else: a direction override ("\u{202E}MKRTL" shows as "LTRKM") or a
/// zero-width space, with a message that names the character.
fn look_alike_text_is_refused(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise()?;
    let mut data = verified.complete_data("光伏逆变器")?;
    data["model"] = json!("\u{202E}MKRTL");
    data["name"] = json!("光伏\u{200B}逆变器");
    let reply = verified
        .session
        .post_json(&verified.path("/filings"), &json!({ "data": data }))?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "data.model", "invisible_char")?;
    assert_field(&error, "data.name", "invisible_char")?;
    ensure!(reply.body.contains("U+202E"), "{}", reply.body);
    let mut patent = ppr_tests::registry::patent_body(&ppr_tests::registry::patent_number());
    patent["title"] = json!("一种\u{2067}电池管理方法");
    let reply = verified
        .session
        .post_json(&verified.path("/patents"), &patent)?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "title", "invisible_char")?;
    // invoice\u{202E}fdp.exe shows as invoiceexe.pdf.
    let reply = verified.session.post_raw(
        &verified.path("/documents?purpose=evidence&filename=invoice%E2%80%AEfdp.exe"),
        "application/pdf",
        ppr_tests::registry::PDF.to_vec(),
    )?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "filename", "invisible_char")?;
    Ok(())
}

/// Wrong passwords sent all at once get no more checks than one after another: 30 in
/// parallel on one account (from 30 addresses) get at most 5 answers of 401, and 60 in
/// parallel from one address (for 60 accounts) at most 20; the rest are 429.
fn sign_in_limits_hold_under_parallel_attempts(worker: &TestWorker) -> Result<()> {
    let statuses = |attempts: Vec<(String, Option<String>)>| -> Result<Vec<u16>> {
        std::thread::scope(|scope| {
            let running: Vec<_> = attempts
                .iter()
                .map(|(email, address)| {
                    scope.spawn(move || {
                        let body = json!({"email": email, "password": "wrong password!"});
                        let mut headers = vec![("content-type", "application/json")];
                        if let Some(address) = address {
                            headers.push(("cf-connecting-ip", address.as_str()));
                        }
                        worker
                            .request(
                                "POST",
                                "/api/v1/sessions",
                                &headers,
                                serde_json::to_vec(&body)?,
                            )
                            .map(|reply| reply.status)
                    })
                })
                .collect();
            running
                .into_iter()
                .map(|t| {
                    t.join()
                        .map_err(|_| anyhow::anyhow!("a request thread panicked"))?
                })
                .collect()
        })
    };
    let count = |statuses: &[u16], status: u16| statuses.iter().filter(|s| **s == status).count();

    let enterprise = worker.register_enterprise()?;
    let one_account = statuses((0..30).map(|_| (enterprise.email.clone(), None)).collect())?;
    ensure!(
        count(&one_account, 401) <= 5 && count(&one_account, 401) + count(&one_account, 429) == 30,
        "one account, 30 at once: {one_account:?}"
    );
    let address = format!("198.51.100.{}", unique() % 250 + 1);
    let one_address = statuses(
        (0..60)
            .map(|i| {
                (
                    format!("parallel{i}-{}@enterprise.test", unique()),
                    Some(address.clone()),
                )
            })
            .collect(),
    )?;
    ensure!(
        count(&one_address, 401) <= 20 && count(&one_address, 401) + count(&one_address, 429) == 60,
        "one address, 60 at once: {one_address:?}"
    );
    Ok(())
}

/// Another site cannot sign a visitor in (to the attacker's account, say) by posting
/// the sign-in form: the browser's `Sec-Fetch-Site` or `Origin` gives it away, and the
/// answer is a 403 page that sets no cookie. From this site the same post signs in,
/// and a `next` that a browser would read as another host sends it to the filings.
fn form_posts_from_another_site_are_refused(worker: &TestWorker) -> Result<()> {
    let enterprise = worker.register_enterprise()?;
    let form = format!(
        "email={}&password={}&next=%2F%09%2Fevil.example%2Fx",
        crate::registration::urlencode(&enterprise.email),
        crate::registration::urlencode(PASSWORD)
    );
    let post = |headers: &[(&str, &str)]| {
        let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
        all.extend_from_slice(headers);
        worker.request(
            "POST",
            "/enterprise/signin/",
            &all,
            form.clone().into_bytes(),
        )
    };
    for from in [
        [("origin", "https://evil.example")],
        [("sec-fetch-site", "cross-site")],
        [("sec-fetch-site", "same-site")],
    ] {
        let reply = post(&from)?;
        ensure!(reply.status == 403, "{from:?}: {}", reply.status);
        ensure!(reply.header("set-cookie").is_none(), "{from:?} signed in");
        ensure!(reply.body.contains("其他网站"), "{from:?}: {}", reply.body);
    }
    let own = worker.url("");
    let reply = post(&[("origin", own.as_str()), ("sec-fetch-site", "same-origin")])?;
    ensure!(
        reply.status == 303,
        "from this site: {} {}",
        reply.status,
        reply.body
    );
    ensure!(
        reply.header("location") == Some("/enterprise/filings/"),
        "next went to {:?}",
        reply.header("location")
    );
    ensure!(reply.header("set-cookie").is_some(), "not signed in");
    Ok(())
}

/// Locally (`wrangler dev` on a loopback address) any client can send
/// `CF-Connecting-IP`, so by default the limits count every client as one: six port
/// applications, each claiming another address, meet the limit of five.
fn a_local_worker_does_not_trust_a_sent_client_address(_shared: &TestWorker) -> Result<()> {
    let worker = TestWorker::start_with(ppr_tests::WorkerOptions {
        trust_client_address: false,
        ..ppr_tests::WorkerOptions::default()
    })?;
    let scopes = ["110000", "120000", "130000", "140000", "150000", "210000"];
    let mut statuses = Vec::new();
    for (i, scope) in scopes.iter().enumerate() {
        let address = format!("203.0.113.{}", i + 1);
        let reply = worker.request(
            "POST",
            "/api/v1/port-applications",
            &[
                ("content-type", "application/json"),
                ("cf-connecting-ip", &address),
            ],
            serde_json::to_vec(&application(scope))?,
        )?;
        statuses.push(reply.status);
    }
    ensure!(statuses == [201, 201, 201, 201, 201, 429], "{statuses:?}");
    Ok(())
}
