//! Signed webhooks through the real queue: a receiver on 127.0.0.1 verifies every
//! delivery with the reference Python `standardwebhooks` package, fails the first
//! attempts of each delivery and is down for a while; at the end every event was
//! delivered, none lost, and the attempt log matches what the receiver saw. Then
//! rotation, pause and resume, exhaustion and redelivery, the SSRF guard, and the
//! endpoint disabled after five days of failures.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use ppr_tests::TestWorker;
use ppr_tests::receiver::Receiver;
use serde_json::{Value, json};

use crate::support::{Case, assert_error, assert_field};
use ppr_tests::ports::{Port, open_port};

pub const CASES: &[Case] = &[(
    "webhooks::delivered_signed_and_retried",
    delivered_signed_and_retried,
)];

const ALL_TYPES: [&str; 7] = [
    "filing.submitted",
    "filing.returned",
    "product.recorded",
    "product.updated",
    "product.revoked",
    "identification.published",
    "report.monthly",
];

fn deliveries(port: &Port<'_>, endpoint: i64) -> Result<Vec<Value>> {
    let page = port
        .get(&format!(
            "/api/v1/port/webhooks/{endpoint}/deliveries?limit=500"
        ))?
        .json()?;
    Ok(page["items"].as_array().cloned().unwrap_or_default())
}

/// Waits until `done` holds for the endpoint's deliveries.
fn wait_deliveries(
    port: &Port<'_>,
    endpoint: i64,
    done: impl Fn(&[Value]) -> bool,
) -> Result<Vec<Value>> {
    for _ in 0..600 {
        let list = deliveries(port, endpoint)?;
        if done(&list) {
            return Ok(list);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let list = deliveries(port, endpoint)?;
    anyhow::bail!("deliveries never settled: {}", json!(list))
}

fn delivered_signed_and_retried(_: &TestWorker) -> Result<()> {
    // Its own worker: the scheduled job a day on would end every other test's session
    // (retention).
    let worker = &TestWorker::start_with(ppr_tests::WorkerOptions::default())?;
    let receiver = Receiver::start()?;
    let port = open_port(worker, "530000", None)?;

    // The SSRF guard: a URL refused as written, or by where its name leads (here
    // through the worker's DNS stand-in): inward, or nowhere.
    worker.set_dns("inward.yunnan.test", &["203.0.114.9", "10.20.30.40"])?;
    worker.set_dns("hooks.yunnan.test", &["8.8.8.8", "2606:4700:4700::1111"])?;
    for (url, code) in [
        ("http://example.com/hook", "scheme"),
        ("https://10.0.0.7/hook", "private_address"),
        ("https://localhost/hook", "local_name"),
        ("https://2130706433/hook", "numeric_host"),
        ("https://inward.yunnan.test/hook", "private_address"),
        ("https://nowhere.yunnan.test/hook", "unresolved"),
    ] {
        let reply = port.send(
            "POST",
            "/api/v1/port/webhooks",
            Some(&json!({"url": url, "event_types": ["product.revoked"]})),
        )?;
        assert_field(
            &assert_error(&reply, 422, "validation_failed")?,
            "url",
            code,
        )?;
    }

    let public = port.send(
        "POST",
        "/api/v1/port/webhooks",
        Some(&json!({"url": "https://hooks.yunnan.test/hook", "event_types": ["product.revoked"]})),
    )?;
    ensure!(public.status == 201, "{} {}", public.status, public.body);
    let public = public.json()?["id"].as_i64().context("id")?;
    // The name is pointed inward after registration: every attempt checks again, and
    // sends nothing.
    worker.set_dns("hooks.yunnan.test", &["127.0.0.1"])?;
    port.endpoint_action(public, "test")?;
    let refused = wait_deliveries(&port, public, |list| {
        list.iter().any(|d| d["attempts"].as_i64() >= Some(1))
    })?;
    ensure!(
        refused.iter().all(|d| d["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("not sent") && e.contains("127.0.0.1"))),
        "{}",
        json!(refused)
    );
    let deleted = port.send("DELETE", &format!("/api/v1/port/webhooks/{public}"), None)?;
    ensure!(deleted.status == 204, "{} {}", deleted.status, deleted.body);

    let created = port.send(
        "POST",
        "/api/v1/port/webhooks",
        Some(&json!({"url": receiver.url("yunnan"), "event_types": ALL_TYPES, "description": "省平台"})),
    )?;
    ensure!(created.status == 201, "{} {}", created.status, created.body);
    let created = created.json()?;
    let endpoint = created["id"].as_i64().context("id")?;
    let secret = created["secret"].as_str().context("secret")?.to_owned();
    ensure!(secret.starts_with("whsec_"), "{secret}");
    let listed = port.get("/api/v1/port/webhooks")?;
    ensure!(!listed.body.contains(&secret), "the secret is shown once");
    // Each delivery fails once (503 with Retry-After: 1) before it succeeds. (Once,
    // not more: with the receiver down meanwhile, the six attempts of the tests'
    // schedule must cover a down window stretched by a busy machine.)
    receiver.configure("yunnan", std::slice::from_ref(&secret), 1, 503, Some("1"))?;

    // State changes in Jiangsu (and one outside it, which must not arrive).
    let kunming = worker.verified_enterprise_in("530102")?;
    let first = worker.recorded_product(&kunming, "昆明产品一")?;
    receiver.set_down(true)?;
    let second = worker.recorded_product(&kunming, "昆明产品二")?;
    let data = kunming.complete_data("昆明退回")?;
    let filing = kunming.draft(&data)?["id"].as_i64().context("filing")?;
    kunming.submit(filing)?;
    let returned = worker.reviewer()?.post_json(
        &format!("/api/v1/filings/{filing}/decision"),
        &json!({"decision": "return", "reasons": [{"field": "name", "message": "写全称"}]}),
    )?;
    ensure!(
        returned.status == 200,
        "{} {}",
        returned.status,
        returned.body
    );
    std::thread::sleep(Duration::from_secs(3));
    receiver.set_down(false)?;
    let shenzhen = worker.verified_enterprise_in("440305")?;
    let elsewhere = worker.recorded_product(&shenzhen, "深圳产品")?;

    // 2 × (submitted + recorded) + submitted + returned = 6 events about Yunnan's
    // enterprises (monthly releases that other tests' runs of the scheduled job make
    // meanwhile come too, and are delivered the same way).
    let about_enterprises = |d: &&Value| d["event_type"] != "report.monthly";
    let settled = wait_deliveries(&port, endpoint, |list| {
        list.iter().filter(about_enterprises).count() >= 6
            && list.iter().all(|d| d["state"] == "delivered")
    })?;
    ensure!(
        settled.iter().filter(about_enterprises).count() == 6,
        "{}",
        json!(settled)
    );
    let log = receiver.log()?;
    for delivery in settled.iter().filter(about_enterprises) {
        let id = delivery["event_id"].as_str().context("event id")?;
        let seen: Vec<_> = log
            .iter()
            .filter(|r| r.webhook_id.as_deref() == Some(id))
            .collect();
        ensure!(
            seen.iter().any(|r| r.verified && r.status == Some(204)),
            "{id} was never accepted: {seen:?}"
        );
        ensure!(
            seen.iter().filter(|r| !r.dropped).all(|r| r.verified),
            "a signature failed to verify: {seen:?}"
        );
        let detail = port
            .get(&format!(
                "/api/v1/port/webhook-deliveries/{}",
                delivery["id"]
            ))?
            .json()?;
        let attempts = detail["attempts_log"].as_array().context("attempts")?;
        ensure!(
            attempts.len() == seen.len() && attempts.len() >= 2,
            "{id}: {} attempts logged, {} seen: {detail}",
            attempts.len(),
            seen.len()
        );
        ensure!(
            attempts.last().is_some_and(|a| a["status_code"] == 204),
            "{detail}"
        );
    }
    let bodies: Vec<&Value> = log.iter().filter_map(|r| r.body.as_ref()).collect();
    for number in [&first, &second] {
        ensure!(
            bodies.iter().any(|b| b["type"] == "product.recorded"
                && b["data"]["registration_number"] == number.as_str()
                && b["data"]["enterprise"]["uscc"] == kunming.enterprise.uscc.as_str()),
            "no product.recorded for {number}"
        );
    }
    ensure!(
        bodies
            .iter()
            .any(|b| b["type"] == "filing.returned" && b["data"]["filing_id"] == filing),
        "no filing.returned"
    );
    ensure!(
        !bodies
            .iter()
            .any(|b| b["data"]["registration_number"] == elsewhere.as_str()),
        "an event outside the scope arrived"
    );
    ensure!(
        !log.iter().any(|r| r
            .body
            .as_ref()
            .is_some_and(|b| b.to_string().contains("sales"))),
        "confidential figures in a payload"
    );

    // Rotation: both secrets sign for a day; a receiver with either one verifies.
    let rotated = port.endpoint_action(endpoint, "rotate-secret")?;
    ensure!(rotated.status == 200, "{} {}", rotated.status, rotated.body);
    let new_secret = rotated.json()?["secret"]
        .as_str()
        .context("secret")?
        .to_owned();
    for only in [&new_secret, &secret] {
        receiver.configure("yunnan", std::slice::from_ref(only), 0, 503, None)?;
        receiver.clear()?;
        let sent = port.endpoint_action(endpoint, "test")?;
        ensure!(sent.status == 202, "{} {}", sent.status, sent.body);
        let event = sent.json()?["event_id"]
            .as_str()
            .context("event")?
            .to_owned();
        receiver.wait_for(Duration::from_secs(30), |log| {
            log.iter()
                .any(|r| r.webhook_id.as_deref() == Some(&event) && r.verified)
        })?;
    }

    // Pause holds deliveries; resume sends them.
    let paused = port.endpoint_action(endpoint, "pause")?;
    ensure!(paused.json()?["status"] == "paused", "{}", paused.body);
    port.endpoint_action(endpoint, "test")?;
    wait_deliveries(&port, endpoint, |list| {
        list.iter().any(|d| d["state"] == "held")
    })?;
    let resumed = port.endpoint_action(endpoint, "resume")?;
    ensure!(resumed.json()?["status"] == "active", "{}", resumed.body);
    wait_deliveries(&port, endpoint, |list| {
        list.iter().all(|d| d["state"] == "delivered")
    })?;

    // A redirect is a failed attempt and is never followed: the signed payload does not
    // reach the address it points to, however the URL checks would judge it.
    receiver.configure_redirect("yunnan", &new_secret, &receiver.url("trap"))?;
    let sent = port.endpoint_action(endpoint, "test")?;
    let event = sent.json()?["event_id"]
        .as_str()
        .context("event")?
        .to_owned();
    let log = receiver.wait_for(Duration::from_secs(30), |log| {
        log.iter()
            .filter(|r| r.webhook_id.as_deref() == Some(&event) && r.status == Some(307))
            .count()
            >= 2
    })?;
    ensure!(
        !log.iter().any(|r| r.endpoint == "trap"),
        "a redirect was followed"
    );
    receiver.configure("yunnan", std::slice::from_ref(&new_secret), 0, 503, None)?;
    wait_deliveries(&port, endpoint, |list| {
        list.iter()
            .any(|d| d["event_id"] == event.as_str() && d["state"] == "delivered")
    })?;
    ensure!(
        !receiver.log()?.iter().any(|r| r.endpoint == "trap"),
        "a redirect was followed"
    );

    // Every attempt fails: exhausted after the schedule, then redelivered.
    receiver.configure(
        "yunnan",
        std::slice::from_ref(&new_secret),
        1_000,
        500,
        None,
    )?;
    let sent = port.endpoint_action(endpoint, "test")?;
    let event = sent.json()?["event_id"]
        .as_str()
        .context("event")?
        .to_owned();
    let list = wait_deliveries(&port, endpoint, |list| {
        list.iter()
            .any(|d| d["event_id"] == event.as_str() && d["state"] == "exhausted")
    })?;
    let exhausted = list
        .iter()
        .find(|d| d["event_id"] == event.as_str())
        .context("exhausted")?;
    ensure!(exhausted["attempts"] == 6, "{exhausted}");
    receiver.configure("yunnan", std::slice::from_ref(&new_secret), 0, 503, None)?;
    let again = port.send(
        "POST",
        &format!(
            "/api/v1/port/webhook-deliveries/{}/redeliver",
            exhausted["id"]
        ),
        None,
    )?;
    ensure!(again.status == 202, "{} {}", again.status, again.body);
    wait_deliveries(&port, endpoint, |list| {
        list.iter()
            .any(|d| d["event_id"] == event.as_str() && d["state"] == "delivered")
    })?;

    // An event committed whose queue message was lost: the sweeper sends it.
    let lost = format!("msg_lost{}", ppr_tests::fixtures::unique());
    worker.execute_sql(&format!(
        "INSERT INTO webhook_events (id, type, region_code, payload, created_at)
         VALUES ('{lost}', 'product.updated', '530102',
                 '{{\"type\":\"product.updated\",\"timestamp\":\"2026-01-01T00:00:00.000Z\",\"data\":{{}}}}',
                 '2026-01-01T00:00:00.000Z')"
    ))?;
    worker.run_scheduled()?;
    receiver.wait_for(Duration::from_secs(30), |log| {
        log.iter()
            .any(|r| r.webhook_id.as_deref() == Some(&lost) && r.verified && r.status == Some(204))
    })?;

    // A delivery due later than the queue can delay a message (12 h): a message that
    // arrives early is sent on, and no attempt is made before the delivery is due.
    let later = format!("msg_later{}", ppr_tests::fixtures::unique());
    let due = chrono::Utc::now() + chrono::Duration::hours(20);
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    worker.execute_sql(&format!(
        "INSERT INTO webhook_events (id, type, region_code, payload, created_at, dispatched_at)
         VALUES ('{later}', 'product.updated', '530102', '{{}}', '{now}', '{now}');
         INSERT INTO webhook_deliveries (event_id, endpoint_id, state, next_attempt_at, created_at, updated_at)
         VALUES ('{later}', {endpoint}, 'pending', '{due}', '{now}', '{now}');",
        now = stamp(chrono::Utc::now()),
        due = stamp(due),
    ))?;
    // The sweep at a time past the due one finds it overdue and queues it now.
    worker.run_scheduled_at(&(due + chrono::Duration::hours(1)).to_rfc3339())?;
    std::thread::sleep(Duration::from_secs(3));
    let waiting = deliveries(&port, endpoint)?
        .into_iter()
        .find(|d| d["event_id"] == later.as_str())
        .context("later")?;
    ensure!(
        waiting["state"] == "pending" && waiting["attempts"] == 0,
        "attempted early: {waiting}"
    );

    // Failing for five days disables the endpoint, and says why.
    receiver.configure(
        "yunnan",
        std::slice::from_ref(&new_secret),
        1_000,
        500,
        None,
    )?;
    worker.execute_sql(&format!(
        "UPDATE webhook_endpoints SET failing_since = '2020-01-01T00:00:00.000Z' WHERE id = {endpoint}"
    ))?;
    port.endpoint_action(endpoint, "test")?;
    let mut disabled = Value::Null;
    for _ in 0..150 {
        disabled = port
            .get(&format!("/api/v1/port/webhooks/{endpoint}"))?
            .json()?;
        if disabled["status"] == "disabled" {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    ensure!(disabled["status"] == "disabled", "{disabled}");
    ensure!(
        disabled["disabled_reason"]
            .as_str()
            .is_some_and(|r| r.contains("HTTP 500")),
        "{disabled}"
    );
    Ok(())
}
