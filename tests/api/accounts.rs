//! Enterprise registration and sessions: `POST /api/v1/enterprises`, `POST
//! /api/v1/sessions`, `GET` and `DELETE /api/v1/sessions/current`.

use std::thread;

use anyhow::{Result, ensure};
use ppr_tests::TestWorker;
use ppr_tests::fixtures::{self, PASSWORD, enterprise_body};
use serde_json::json;

use crate::support::{Case, assert_error, assert_field};

pub const CASES: &[Case] = &[
    ("accounts::register_then_sign_in", register_then_sign_in),
    (
        "accounts::region_defaults_from_the_uscc",
        region_defaults_from_the_uscc,
    ),
    (
        "accounts::registration_names_every_bad_field",
        registration_names_every_bad_field,
    ),
    ("accounts::one_uscc_one_enterprise", one_uscc_one_enterprise),
    ("accounts::one_email_one_account", one_email_one_account),
    (
        "accounts::same_key_twenty_times_in_parallel_makes_one",
        same_key_twenty_times_in_parallel_makes_one,
    ),
    (
        "accounts::same_key_with_another_body_is_refused",
        same_key_with_another_body_is_refused,
    ),
    (
        "accounts::wrong_password_and_unknown_email_look_alike",
        wrong_password_and_unknown_email_look_alike,
    ),
    (
        "accounts::failed_sign_ins_are_rate_limited",
        failed_sign_ins_are_rate_limited,
    ),
    (
        "accounts::sign_out_needs_csrf_and_ends_the_session",
        sign_out_needs_csrf_and_ends_the_session,
    ),
    (
        "accounts::no_password_material_leaves_the_worker",
        no_password_material_leaves_the_worker,
    ),
];

const ENTERPRISES: &str = "/api/v1/enterprises";

fn register_then_sign_in(worker: &TestWorker) -> Result<()> {
    let uscc = fixtures::uscc();
    let body = enterprise_body(&uscc);
    let reply = worker.post_json(ENTERPRISES, &body)?;
    ensure!(reply.status == 201, "{}: {}", reply.status, reply.body);
    let enterprise = reply.json()?;
    ensure!(
        enterprise["uscc"] == uscc.as_str() && enterprise["verification_status"] == "unverified",
        "{enterprise}"
    );
    ensure!(
        enterprise["contact"]["email"] == body["contact"]["email"],
        "{enterprise}"
    );

    let email = body["contact"]["email"].as_str().unwrap_or_default();
    let reply = worker.post_json(
        "/api/v1/sessions",
        &json!({"email": email.to_uppercase(), "password": PASSWORD}),
    )?;
    ensure!(reply.status == 201, "{}: {}", reply.status, reply.body);
    let cookie = reply.header("set-cookie").unwrap_or_default().to_owned();
    for part in [
        "__Host-ppr_session=",
        "Path=/",
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Max-Age=",
    ] {
        ensure!(cookie.contains(part), "cookie {cookie:?} lacks {part}");
    }
    let session = worker.sign_in(email, PASSWORD)?;
    let current = session.get("/api/v1/sessions/current")?;
    ensure!(
        current.status == 200,
        "{}: {}",
        current.status,
        current.body
    );
    let json = current.json()?;
    ensure!(
        json["user"]["role"] == "enterprise" && json["user"]["enterprise_id"] == enterprise["id"],
        "{json}"
    );
    ensure!(json["csrf_token"] == session.csrf.as_str(), "{json}");
    Ok(())
}

fn region_defaults_from_the_uscc(worker: &TestWorker) -> Result<()> {
    let shenzhen = enterprise_body(&fixtures::uscc_in("440300"));
    let json = worker.post_json(ENTERPRISES, &shenzhen)?.json()?;
    ensure!(json["region_code"] == "440300", "{json}");
    let mut moved = enterprise_body(&fixtures::uscc_in("440300"));
    moved["region_code"] = json!("440305");
    let json = worker.post_json(ENTERPRISES, &moved)?.json()?;
    ensure!(json["region_code"] == "440305", "{json}");
    let mut bad = enterprise_body(&fixtures::uscc_in("440300"));
    bad["region_code"] = json!("990000");
    let error = assert_error(
        &worker.post_json(ENTERPRISES, &bad)?,
        422,
        "validation_failed",
    )?;
    assert_field(&error, "region_code", "unknown_province")?;
    Ok(())
}

fn registration_names_every_bad_field(worker: &TestWorker) -> Result<()> {
    let body = json!({
        "uscc": "91350100M000100Y4Z",
        "name": " ",
        "contact": {"name": "王工", "email": "not-an-email", "phone": "12345"},
        "password": "short",
    });
    let error = assert_error(
        &worker.post_json(ENTERPRISES, &body)?,
        422,
        "validation_failed",
    )?;
    for (field, code) in [
        ("uscc", "check_char"),
        ("name", "required"),
        ("contact.email", "email"),
        ("contact.phone", "phone"),
        ("password", "too_short"),
    ] {
        assert_field(&error, field, code)?;
    }
    let missing = json!({"uscc": fixtures::uscc(), "name": "x", "password": PASSWORD});
    let error = assert_error(
        &worker.post_json(ENTERPRISES, &missing)?,
        422,
        "validation_failed",
    )?;
    assert_field(&error, "contact", "missing_field")?;
    Ok(())
}

fn one_uscc_one_enterprise(worker: &TestWorker) -> Result<()> {
    let uscc = fixtures::uscc();
    ensure!(
        worker
            .post_json(ENTERPRISES, &enterprise_body(&uscc))?
            .status
            == 201
    );
    // The same code written another way is the same enterprise.
    let again = enterprise_body(&uscc.to_lowercase());
    let error = assert_error(
        &worker.post_json(ENTERPRISES, &again)?,
        409,
        "uscc_registered",
    )?;
    assert_field(&error, "uscc", "uscc_registered")?;
    Ok(())
}

fn one_email_one_account(worker: &TestWorker) -> Result<()> {
    let first = enterprise_body(&fixtures::uscc());
    ensure!(worker.post_json(ENTERPRISES, &first)?.status == 201);
    let mut second = enterprise_body(&fixtures::uscc());
    second["contact"]["email"] = first["contact"]["email"].clone();
    let error = assert_error(
        &worker.post_json(ENTERPRISES, &second)?,
        409,
        "email_registered",
    )?;
    assert_field(&error, "contact.email", "email_registered")?;
    Ok(())
}

fn same_key_twenty_times_in_parallel_makes_one(worker: &TestWorker) -> Result<()> {
    let body = serde_json::to_vec(&enterprise_body(&fixtures::uscc()))?;
    let key = format!("register-{}", fixtures::unique());
    let replies = thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                scope.spawn(|| {
                    worker.request(
                        "POST",
                        ENTERPRISES,
                        &[
                            ("content-type", "application/json"),
                            ("idempotency-key", &key),
                        ],
                        body.clone(),
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| anyhow::anyhow!("thread panicked"))?)
            .collect::<Result<Vec<_>>>()
    })?;
    let mut ids = Vec::new();
    for reply in &replies {
        ensure!(reply.status == 201, "{}: {}", reply.status, reply.body);
        ids.push(reply.json()?["id"].clone());
    }
    ids.dedup();
    ensure!(ids.len() == 1, "one enterprise expected, got ids {ids:?}");
    let replayed = replies
        .iter()
        .filter(|r| r.header("idempotent-replayed") == Some("true"))
        .count();
    ensure!(replayed == 19, "19 replays expected, got {replayed}");
    Ok(())
}

fn same_key_with_another_body_is_refused(worker: &TestWorker) -> Result<()> {
    let key = format!("register-{}", fixtures::unique());
    let send = |body: &serde_json::Value| {
        worker.request(
            "POST",
            ENTERPRISES,
            &[
                ("content-type", "application/json"),
                ("idempotency-key", &key),
            ],
            serde_json::to_vec(body).unwrap_or_default(),
        )
    };
    ensure!(send(&enterprise_body(&fixtures::uscc()))?.status == 201);
    assert_error(
        &send(&enterprise_body(&fixtures::uscc()))?,
        422,
        "idempotency_key_reused",
    )?;
    let bad_key = worker.request(
        "POST",
        ENTERPRISES,
        &[("idempotency-key", "has space")],
        b"{}".to_vec(),
    )?;
    assert_error(&bad_key, 400, "invalid_idempotency_key")?;
    Ok(())
}

fn wrong_password_and_unknown_email_look_alike(worker: &TestWorker) -> Result<()> {
    let enterprise = worker.register_enterprise()?;
    let wrong = worker.post_json(
        "/api/v1/sessions",
        &json!({"email": enterprise.email, "password": "wrong password!"}),
    )?;
    let unknown = worker.post_json(
        "/api/v1/sessions",
        &json!({"email": "nobody@nowhere.test", "password": PASSWORD}),
    )?;
    let a = assert_error(&wrong, 401, "invalid_credentials")?;
    let b = assert_error(&unknown, 401, "invalid_credentials")?;
    ensure!(a == b, "the two answers differ: {a} / {b}");
    ensure!(wrong.header("set-cookie").is_none());
    Ok(())
}

fn failed_sign_ins_are_rate_limited(worker: &TestWorker) -> Result<()> {
    let enterprise = worker.register_enterprise()?;
    let attempt = |password: &str| {
        worker.post_json(
            "/api/v1/sessions",
            &json!({"email": enterprise.email, "password": password}),
        )
    };
    for _ in 0..5 {
        assert_error(&attempt("wrong password!")?, 401, "invalid_credentials")?;
    }
    // Locked for the window, even with the right password.
    let reply = attempt(PASSWORD)?;
    assert_error(&reply, 429, "too_many_attempts")?;
    let retry: i64 = reply
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    ensure!((1..=900).contains(&retry), "Retry-After {retry}");
    Ok(())
}

fn sign_out_needs_csrf_and_ends_the_session(worker: &TestWorker) -> Result<()> {
    let (_, session) = worker.enterprise_session()?;
    let reply = session.send("DELETE", "/api/v1/sessions/current", None, false)?;
    assert_error(&reply, 403, "csrf_failed")?;
    let reply = session.delete("/api/v1/sessions/current")?;
    ensure!(reply.status == 204, "{}: {}", reply.status, reply.body);
    ensure!(
        reply
            .header("set-cookie")
            .is_some_and(|c| c.contains("Max-Age=0"))
    );
    assert_error(
        &session.get("/api/v1/sessions/current")?,
        401,
        "unauthenticated",
    )?;
    assert_error(
        &worker.get("/api/v1/sessions/current")?,
        401,
        "unauthenticated",
    )?;
    Ok(())
}

fn no_password_material_leaves_the_worker(worker: &TestWorker) -> Result<()> {
    let body = enterprise_body(&fixtures::uscc());
    let registered = worker.post_json(ENTERPRISES, &body)?;
    let session = worker.sign_in(
        body["contact"]["email"].as_str().unwrap_or_default(),
        PASSWORD,
    )?;
    let current = session.get("/api/v1/sessions/current")?;
    for text in [
        &registered.body,
        &session.signed_in.to_string(),
        &current.body,
    ] {
        ensure!(
            !text.contains("argon2") && !text.contains(PASSWORD),
            "password material in {text}"
        );
        ensure!(
            !text.contains(&session.cookie["__Host-ppr_session=".len()..]),
            "session token echoed in {text}"
        );
    }
    Ok(())
}
