//! Crash safety over HTTP against the real Worker on workerd, on its own fresh local
//! D1 (the test kills its worker, so it cannot share one):
//!
//! Four clients send a stream of filings (created with an `Idempotency-Key`), edits
//! (at the version read) and submissions. In the middle, workerd is killed with
//! SIGKILL. The worker then starts again on the same state, and the test checks that:
//!
//! - every request answered 2xx is wholly there (the filing, its content, its status);
//! - nothing is half there: each filing has exactly one creation record, one key
//!   record, one audit row per change its version counts, and one `filing.submitted`
//!   event exactly when it was submitted;
//! - a retry of each unanswered request completes: a creation with the same key gives
//!   the same filing (or the first one), an edit or submission at the same version
//!   either applies or says it already did, and no filing is there twice.
//!
//! Run with `cargo test -p ppr-tests --test crash`.

#![allow(
    clippy::indexing_slicing,
    reason = "test code: an index that fails is a test that fails, with its message"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use libtest_mimic::{Arguments, Failed, Trial};
use ppr_tests::fixtures::{PASSWORD, unique};
use ppr_tests::registry::filing_data;
use ppr_tests::{Reply, TestWorker};
use serde_json::{Value, json};

/// Clients sending at once.
const CLIENTS: usize = 4;

/// Answered requests before the crash.
const ANSWERED_BEFORE_CRASH: usize = 30;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let trial = Trial::test(
        "crash::sigkill_mid_stream_loses_and_doubles_nothing",
        || sigkill_mid_stream().map_err(|e| Failed::from(format!("{e:#}"))),
    );
    libtest_mimic::run(&args, vec![trial]).exit_code()
}

/// One request of the stream and what came back (`None`: no answer).
#[derive(Debug, Clone)]
enum Sent {
    Create {
        key: String,
        body: Value,
        status: Option<u16>,
        id: Option<i64>,
    },
    Edit {
        id: i64,
        body: Value,
        status: Option<u16>,
    },
    Submit {
        id: i64,
        status: Option<u16>,
    },
}

/// What a client needs to act as the enterprise.
#[derive(Debug, Clone)]
struct Login {
    uscc: String,
    cookie: String,
    csrf: String,
}

impl Login {
    fn path(&self, rest: &str) -> String {
        format!("/api/v1/enterprises/{}{rest}", self.uscc)
    }

    fn send(
        &self,
        worker: &TestWorker,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: &Value,
    ) -> Result<Reply> {
        let mut headers = vec![
            ("cookie", self.cookie.as_str()),
            ("x-csrf-token", self.csrf.as_str()),
            ("content-type", "application/json"),
        ];
        headers.extend_from_slice(extra);
        worker.request(
            method,
            &self.path(path),
            &headers,
            serde_json::to_vec(body)?,
        )
    }
}

fn sigkill_mid_stream() -> Result<()> {
    let mut worker = TestWorker::start()?;
    let (login, email, data) = {
        let verified = worker.verified_enterprise()?;
        let patent = verified.add_patent()?;
        let evidence = verified.upload("evidence")?;
        let login = Login {
            uscc: verified.enterprise.uscc.clone(),
            cookie: verified.session.cookie.clone(),
            csrf: verified.session.csrf.clone(),
        };
        let data = filing_data("崩溃测试", &[&patent], evidence);
        (login, verified.enterprise.email.clone(), data)
    };

    let sent = stream_until_killed(&worker, &login, &data)?;
    let unanswered = sent.iter().filter(|s| status_of(s).is_none()).count();
    let answered_2xx = sent
        .iter()
        .filter(|s| status_of(s).is_some_and(|c| (200..300).contains(&c)))
        .count();
    eprintln!(
        "crash: {} requests sent, {answered_2xx} answered 2xx, {unanswered} without an answer",
        sent.len()
    );
    ensure!(
        unanswered > 0,
        "every request was answered: the crash did not interrupt any"
    );
    for s in &sent {
        if let Some(status) = status_of(s) {
            ensure!(
                (200..300).contains(&status),
                "a request before the crash was refused ({status}): {s:?}"
            );
        }
    }

    worker.restart()?;
    // The session survives the restart: it lives in D1.
    let reply = worker.request(
        "GET",
        &login.path(""),
        &[("cookie", login.cookie.as_str())],
        Vec::new(),
    )?;
    ensure!(
        reply.status == 200,
        "the session did not survive: {}",
        reply.status
    );
    let uscc = login.uscc.clone();

    let before = stored(&worker, &uscc)?;
    consistent(&before)?;
    acknowledged_are_there(&sent, &before)?;

    retry_unanswered(&worker, &login, &sent, &before)?;
    // A client that lost the answer of a creation that did commit retries the same way;
    // the kill rarely falls between commit and answer, so retry some answered ones too.
    for (key, body, id) in sent
        .iter()
        .filter_map(|s| match s {
            Sent::Create {
                key,
                body,
                status: Some(201),
                id: Some(id),
            } => Some((key, body, *id)),
            _ => None,
        })
        .take(3)
    {
        retry_creation(&worker, &login, key, body, Some(id))?;
    }

    let after = stored(&worker, &uscc)?;
    consistent(&after)?;
    acknowledged_are_there(&sent, &after)?;
    // Every creation, answered or retried, is there once.
    let names: BTreeSet<&str> = sent
        .iter()
        .filter_map(|s| match s {
            Sent::Create { body, .. } => body["data"]["name"].as_str(),
            _ => None,
        })
        .collect();
    let stored_names: BTreeSet<&str> = after.values().map(|f| f.name.as_str()).collect();
    ensure!(
        names == stored_names,
        "created {names:?}, stored {stored_names:?}"
    );
    // Signing in again works on the restarted worker.
    worker.sign_in(&email, PASSWORD)?;
    Ok(())
}

/// The status a request was answered with, if any.
fn status_of(sent: &Sent) -> Option<u16> {
    match sent {
        Sent::Create { status, .. } | Sent::Edit { status, .. } | Sent::Submit { status, .. } => {
            *status
        }
    }
}

/// Sends the stream from [`CLIENTS`] clients and kills workerd once
/// [`ANSWERED_BEFORE_CRASH`] requests were answered; everything sent.
fn stream_until_killed(worker: &TestWorker, login: &Login, data: &Value) -> Result<Vec<Sent>> {
    let sent = Mutex::new(Vec::new());
    let answered = AtomicUsize::new(0);
    // Set just before the kill: from then on a 5xx is wrangler's proxy finding workerd
    // gone. The clients go on sending through the kill, so it always interrupts some.
    let killing = AtomicBool::new(false);
    let crashed = AtomicBool::new(false);
    let run = unique();
    thread::scope(|scope| -> Result<()> {
        for client in 0..CLIENTS {
            let (sent, answered, killing, crashed) = (&sent, &answered, &killing, &crashed);
            scope.spawn(move || {
                let record = |mut s: Sent| {
                    // A 5xx after the kill is wrangler's proxy finding workerd gone,
                    // not an answer of the Worker: no answer. (Before the kill, a 5xx
                    // stays, and fails the test.)
                    if killing.load(Ordering::SeqCst) {
                        match &mut s {
                            Sent::Create { status, .. }
                            | Sent::Edit { status, .. }
                            | Sent::Submit { status, .. } => {
                                if status.is_some_and(|c| c >= 500) {
                                    *status = None;
                                }
                            }
                        }
                    }
                    if status_of(&s).is_some() {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    if let Ok(mut all) = sent.lock() {
                        all.push(s);
                    }
                };
                for i in 0.. {
                    if crashed.load(Ordering::SeqCst) {
                        break;
                    }
                    let mut content = data.clone();
                    content["name"] = json!(format!("崩溃测试{run}-{client}-{i}"));
                    let body = json!({ "data": content });
                    let key = format!("crash-{run}-{client}-{i}");
                    let reply = login
                        .send(
                            worker,
                            "POST",
                            "/filings",
                            &[("idempotency-key", &key)],
                            &body,
                        )
                        .ok();
                    let id = reply
                        .as_ref()
                        .filter(|r| r.status == 201)
                        .and_then(|r| r.json().ok())
                        .and_then(|j| j["id"].as_i64());
                    record(Sent::Create {
                        key,
                        body,
                        status: reply.as_ref().map(|r| r.status),
                        id,
                    });
                    let Some(id) = id else { break };

                    let mut edited = content.clone();
                    edited["model"] = json!(format!("EDIT-{client}-{i}"));
                    let body = json!({ "data": edited, "version": 1 });
                    let reply = login
                        .send(worker, "PUT", &format!("/filings/{id}"), &[], &body)
                        .ok();
                    let status = reply.as_ref().map(|r| r.status);
                    record(Sent::Edit { id, body, status });
                    if status != Some(200) {
                        break;
                    }

                    let reply = login
                        .send(
                            worker,
                            "POST",
                            &format!("/filings/{id}/submit"),
                            &[("if-match", "2")],
                            &json!({}),
                        )
                        .ok();
                    let status = reply.as_ref().map(|r| r.status);
                    record(Sent::Submit { id, status });
                    if status != Some(200) {
                        break;
                    }
                }
            });
        }
        let started = Instant::now();
        let mut waited = Ok(());
        while answered.load(Ordering::SeqCst) < ANSWERED_BEFORE_CRASH {
            if started.elapsed() > Duration::from_secs(120) {
                waited = Err(anyhow::anyhow!("the stream did not get going"));
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        if let Err(err) = waited {
            crashed.store(true, Ordering::SeqCst);
            return Err(err);
        }
        // Kill while the clients are still sending, then stop them (the scope waits
        // for them).
        killing.store(true, Ordering::SeqCst);
        let killed = worker.kill_workerd();
        crashed.store(true, Ordering::SeqCst);
        let pid = killed?;
        eprintln!("crash: killed workerd (pid {pid}) with SIGKILL");
        Ok(())
    })?;
    sent.into_inner()
        .map_err(|_| anyhow::anyhow!("a client panicked"))
}

/// A filing as stored, with the records that must go with it.
#[derive(Debug)]
struct Stored {
    version: i64,
    status: String,
    name: String,
    model: String,
    creations: i64,
    changes: i64,
    submissions: i64,
    keys: i64,
    events: i64,
}

/// Every filing of the enterprise, read straight from D1, by id.
fn stored(worker: &TestWorker, uscc: &str) -> Result<BTreeMap<i64, Stored>> {
    ensure!(uscc.chars().all(|c| c.is_ascii_alphanumeric()));
    let rows = worker.query_sql(&format!(
        "SELECT f.id, f.version, f.status,
                json_extract(f.data, '$.name') AS name, json_extract(f.data, '$.model') AS model,
                (SELECT COUNT(*) FROM audit_log a WHERE a.entity_type = 'filing'
                    AND a.entity_id = CAST(f.id AS TEXT) AND a.action = 'filing.create') AS creations,
                (SELECT COUNT(*) FROM audit_log a WHERE a.entity_type = 'filing'
                    AND a.entity_id = CAST(f.id AS TEXT) AND a.action IN ('filing.edit', 'filing.submit')) AS changes,
                (SELECT COUNT(*) FROM audit_log a WHERE a.entity_type = 'filing'
                    AND a.entity_id = CAST(f.id AS TEXT) AND a.action = 'filing.submit') AS submissions,
                (SELECT COUNT(*) FROM idempotency_keys k WHERE k.entity_type = 'filing'
                    AND k.entity_id = f.id) AS keys,
                (SELECT COUNT(*) FROM webhook_events e WHERE e.type = 'filing.submitted'
                    AND json_extract(e.payload, '$.data.filing_id') = f.id) AS events
         FROM filings f JOIN enterprises e ON e.id = f.enterprise_id
         WHERE e.uscc = '{uscc}'"
    ))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let int = |k: &str| row[k].as_i64().with_context(|| format!("{k} in {row}"));
        let text = |k: &str| row[k].as_str().unwrap_or_default().to_owned();
        out.insert(
            int("id")?,
            Stored {
                version: int("version")?,
                status: text("status"),
                name: text("name"),
                model: text("model"),
                creations: int("creations")?,
                changes: int("changes")?,
                submissions: int("submissions")?,
                keys: int("keys")?,
                events: int("events")?,
            },
        );
    }
    Ok(out)
}

/// Nothing half there, nothing twice.
fn consistent(filings: &BTreeMap<i64, Stored>) -> Result<()> {
    let mut names = BTreeSet::new();
    for (id, f) in filings {
        ensure!(names.insert(&f.name), "filing {id}: {} twice", f.name);
        ensure!(
            f.creations == 1 && f.keys == 1,
            "filing {id}: {} creation records, {} key records",
            f.creations,
            f.keys
        );
        ensure!(
            f.version == 1 + f.changes,
            "filing {id}: version {} after {} recorded changes",
            f.version,
            f.changes
        );
        let submitted = i64::from(f.status == "submitted");
        ensure!(
            f.submissions == submitted && f.events == submitted,
            "filing {id} is {}: {} submission records, {} events",
            f.status,
            f.submissions,
            f.events
        );
    }
    Ok(())
}

/// Every request answered 2xx is wholly there.
fn acknowledged_are_there(sent: &[Sent], filings: &BTreeMap<i64, Stored>) -> Result<()> {
    for s in sent {
        match s {
            Sent::Create {
                body,
                status: Some(201),
                id: Some(id),
                ..
            } => {
                let f = filings
                    .get(id)
                    .with_context(|| format!("created {id} lost"))?;
                ensure!(Some(f.name.as_str()) == body["data"]["name"].as_str());
            }
            Sent::Edit {
                id,
                body,
                status: Some(200),
            } => {
                let f = filings
                    .get(id)
                    .with_context(|| format!("edited {id} lost"))?;
                ensure!(
                    f.version >= 2 && Some(f.model.as_str()) == body["data"]["model"].as_str(),
                    "edit of {id} lost: {f:?}"
                );
            }
            Sent::Submit {
                id,
                status: Some(200),
            } => {
                let f = filings
                    .get(id)
                    .with_context(|| format!("submitted {id} lost"))?;
                ensure!(f.status == "submitted", "submission of {id} lost: {f:?}");
            }
            _ => {}
        }
    }
    Ok(())
}

/// Sends creation `body` again with its `key`: it must answer 201, and when the first
/// one had committed (`committed`), with that filing, marked as a replay.
fn retry_creation(
    worker: &TestWorker,
    login: &Login,
    key: &str,
    body: &Value,
    committed: Option<i64>,
) -> Result<()> {
    let reply = login.send(
        worker,
        "POST",
        "/filings",
        &[("idempotency-key", key)],
        body,
    )?;
    ensure!(
        reply.status == 201,
        "retried creation: {} {}",
        reply.status,
        reply.body
    );
    if let Some(id) = committed {
        ensure!(
            reply.json()?["id"].as_i64() == Some(id)
                && reply.header("idempotent-replayed") == Some("true"),
            "the retry of committed filing {id} made another one: {}",
            reply.body
        );
    }
    Ok(())
}

/// Retries every unanswered request as a client would, and checks each completes.
fn retry_unanswered(
    worker: &TestWorker,
    login: &Login,
    sent: &[Sent],
    before: &BTreeMap<i64, Stored>,
) -> Result<()> {
    let mut committed = 0;
    for s in sent.iter().filter(|s| status_of(s).is_none()) {
        match s {
            Sent::Create { key, body, .. } => {
                let name = body["data"]["name"].as_str().unwrap_or_default();
                let existing = before
                    .iter()
                    .find(|(_, f)| f.name == name)
                    .map(|(id, _)| *id);
                committed += usize::from(existing.is_some());
                retry_creation(worker, login, key, body, existing)?;
            }
            Sent::Edit { id, body, .. } => {
                let reply = login.send(worker, "PUT", &format!("/filings/{id}"), &[], body)?;
                let applied = before.get(id).is_some_and(|f| f.version >= 2);
                let want = if applied { 409 } else { 200 };
                ensure!(
                    reply.status == want,
                    "retried edit of {id} (applied before: {applied}): {} {}",
                    reply.status,
                    reply.body
                );
            }
            Sent::Submit { id, .. } => {
                let path = format!("/filings/{id}/submit");
                let reply = login.send(worker, "POST", &path, &[("if-match", "2")], &json!({}))?;
                let applied = before.get(id).is_some_and(|f| f.status == "submitted");
                let want = if applied { 409 } else { 200 };
                ensure!(
                    reply.status == want,
                    "retried submission of {id} (applied before: {applied}): {} {}",
                    reply.status,
                    reply.body
                );
            }
        }
    }
    eprintln!("crash: {committed} unanswered creations had committed; their retries replayed them");
    Ok(())
}
