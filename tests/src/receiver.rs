//! # A fake webhook receiver that checks signatures with code that is not ours
//!
//! [`Receiver::start`] runs `tests/webhook_receiver/receiver.py` on a free port with the
//! venv that `scripts/setup` makes at `.venv`. Every delivery to [`Receiver::url`] is
//! verified with the Standard Webhooks reference library (`standardwebhooks` from PyPI)
//! against the secrets the test gave the endpoint ([`Receiver::configure`]; any one of
//! them verifying is enough, as during a key rotation) and recorded, whatever it was
//! answered ([`Receiver::log`]). An endpoint can be told to fail the first deliveries of
//! each message, and the whole receiver to go down ([`Receiver::set_down`]), so tests can
//! watch the retries.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde::Deserialize;

use crate::{free_port, logs_dir, repo_root, tail};

/// How long the receiver may take to listen: Python starts in a fraction of a second;
/// the margin covers a loaded CI machine.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// How long one control request may take before the test fails rather than hangs.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How often [`Receiver::wait_for`] reads the log again.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The receiver's script, from the repository root.
const SCRIPT: &str = "tests/webhook_receiver/receiver.py";

/// The venv's Python, made by `scripts/setup` with the `standardwebhooks` package.
fn venv_python() -> PathBuf {
    repo_root().join(".venv").join("bin").join("python")
}

/// A running webhook receiver, stopped when dropped.
#[derive(Debug)]
pub struct Receiver {
    child: Child,
    base: String,
    log: PathBuf,
    agent: ureq::Agent,
}

/// One request to `/hooks/<name>`, as the receiver recorded it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Received {
    /// The endpoint's name, the last segment of [`Receiver::url`].
    pub endpoint: String,
    /// The `webhook-id` header.
    pub webhook_id: Option<String>,
    /// The `webhook-timestamp` header.
    pub webhook_timestamp: Option<String>,
    /// The `webhook-signature` header, whole (`v1,<base64>` entries separated by spaces).
    pub signature_header: Option<String>,
    /// Whether `standardwebhooks` verified it with one of the endpoint's secrets.
    pub verified: bool,
    /// Why it did not verify (the library's messages), or why it was refused.
    pub error: Option<String>,
    /// The body as JSON; `None` if it was not JSON.
    pub body: Option<serde_json::Value>,
    /// The status answered; `None` when the receiver was down and answered nothing.
    pub status: Option<u16>,
    /// The receiver was down: the connection was closed without an answer.
    #[serde(default)]
    pub dropped: bool,
    /// When it arrived, in Unix seconds.
    pub received_at: f64,
}

impl Receiver {
    /// Starts a receiver on a free port and waits until it listens.
    ///
    /// # Errors
    ///
    /// The venv is missing (run `scripts/setup`), or the receiver did not start; the
    /// error carries its log's tail.
    pub fn start() -> Result<Self> {
        let python = venv_python();
        ensure!(
            python.exists(),
            "{} is missing: run scripts/setup, which makes the venv with the standardwebhooks package",
            python.display()
        );
        let port = free_port()?;
        let log = logs_dir().join(format!("webhook-receiver-{port}.log"));
        let out = File::create(&log).with_context(|| format!("create {}", log.display()))?;
        let mut child = Command::new(&python)
            .current_dir(repo_root())
            .arg(SCRIPT)
            .arg(port.to_string())
            // Kept open while the child lives: the receiver exits when it closes, so it
            // never outlives this process, even one that dies without dropping it.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(out)
            .spawn()
            .with_context(|| format!("start {} {SCRIPT}", python.display()))?;
        let stdout = child.stdout.take().context("the receiver's stdout")?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .build()
            .into();
        // Held from here on, so that the child is killed if it never gets ready.
        let receiver = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
            agent,
        };
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = ready_tx.send(lines.next());
            // Drained to the end, so that the child never blocks on a full pipe.
            lines.for_each(drop);
        });
        match ready_rx.recv_timeout(READY_TIMEOUT) {
            Ok(Some(Ok(line))) if line == "ready" => Ok(receiver),
            Ok(first) => bail!(
                "the webhook receiver did not start (first line {first:?}); its log:\n{}",
                tail(&receiver.log)
            ),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => bail!(
                "the webhook receiver was not ready within {READY_TIMEOUT:?}; its log:\n{}",
                tail(&receiver.log)
            ),
        }
    }

    /// The URL of endpoint `name`, to register as a webhook subscription.
    #[must_use]
    pub fn url(&self, name: &str) -> String {
        format!("{}/hooks/{name}", self.base)
    }

    /// Sets endpoint `name`: the secrets any one of which must verify a delivery
    /// (`whsec_…`), and its failures: the first `fail_first` deliveries of each
    /// `webhook-id` are answered `status`, with `Retry-After: retry_after` if given;
    /// later ones 204 if verified, else 400. Counting starts afresh.
    ///
    /// # Errors
    ///
    /// Transport failures or a refused configuration.
    pub fn configure(
        &self,
        name: &str,
        secrets: &[String],
        fail_first: u32,
        status: u16,
        retry_after: Option<&str>,
    ) -> Result<()> {
        for secret in secrets {
            crate::remember_secret(secret);
        }
        let config = serde_json::json!({
            "secrets": secrets,
            "fail_first": fail_first,
            "status": status,
            "retry_after": retry_after,
        });
        self.put_endpoint(name, &config)
    }

    /// Sets endpoint `name` to answer every delivery with a redirect (307) to
    /// `location`. Counting starts afresh.
    ///
    /// # Errors
    ///
    /// Transport failures or a refused configuration.
    pub fn configure_redirect(&self, name: &str, secret: &str, location: &str) -> Result<()> {
        crate::remember_secret(secret);
        let config = serde_json::json!({
            "secrets": [secret],
            "fail_first": 1_000,
            "status": 307,
            "location": location,
        });
        self.put_endpoint(name, &config)
    }

    fn put_endpoint(&self, name: &str, config: &serde_json::Value) -> Result<()> {
        let response = self
            .agent
            .put(format!("{}/control/endpoints/{name}", self.base))
            .send_json(config)?;
        expect_no_content(response, "configure the endpoint")
    }

    /// While `down`, every delivery's connection is closed without an answer, as a
    /// host that went away (still recorded, with [`Received::dropped`]).
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn set_down(&self, down: bool) -> Result<()> {
        let response = self
            .agent
            .put(format!("{}/control/down", self.base))
            .send_json(serde_json::json!({ "down": down }))?;
        expect_no_content(response, "set down")
    }

    /// The receiver's DNS-over-HTTPS stand-in (`/dns-query`), for the Worker's
    /// `PPR_DNS_RESOLVER`.
    #[must_use]
    pub fn resolver_url(&self) -> String {
        format!("{}/dns-query", self.base)
    }

    /// Makes the DNS stand-in answer `name` with `addresses` (IPv4 and IPv6).
    ///
    /// # Errors
    ///
    /// Transport failures or a refused configuration.
    pub fn set_dns(&self, name: &str, addresses: &[&str]) -> Result<()> {
        let response = self
            .agent
            .put(format!("{}/control/dns/{name}", self.base))
            .send_json(serde_json::json!({ "addresses": addresses }))?;
        expect_no_content(response, "set dns")
    }

    /// Every delivery received since the start or the last [`Receiver::clear`], oldest
    /// first.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn log(&self) -> Result<Vec<Received>> {
        let mut response = self
            .agent
            .get(format!("{}/control/log", self.base))
            .call()?;
        ensure!(
            response.status() == 200,
            "read the log: {}",
            response.status()
        );
        Ok(response.body_mut().read_json()?)
    }

    /// Forgets the deliveries received so far.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn clear(&self) -> Result<()> {
        let response = self
            .agent
            .delete(format!("{}/control/log", self.base))
            .call()?;
        expect_no_content(response, "clear the log")
    }

    /// Reads the log until `done` holds for it, and returns that log; deliveries go
    /// out from a queue, some time after the request that caused them.
    ///
    /// # Errors
    ///
    /// Transport failures, or `done` did not hold within `timeout`; the error shows the
    /// last log read.
    pub fn wait_for(
        &self,
        timeout: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Result<Vec<Received>> {
        let deadline = Instant::now() + timeout;
        loop {
            let log = self.log()?;
            if done(&log) {
                return Ok(log);
            }
            if Instant::now() >= deadline {
                bail!("the webhook receiver's log did not get there within {timeout:?}: {log:#?}");
            }
            sleep(POLL_INTERVAL);
        }
    }
}

fn expect_no_content(mut response: ureq::http::Response<ureq::Body>, what: &str) -> Result<()> {
    let status = response.status();
    if status != 204 {
        let body = response.body_mut().read_to_string().unwrap_or_default();
        bail!("{what}: {status} {body}");
    }
    Ok(())
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use std::time::{SystemTime, UNIX_EPOCH};

    use super::*;

    /// The secret of the Standard Webhooks specification's test vector.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    /// Another secret (base64 of "old secret for the tests"), as before a rotation.
    const OLD_SECRET: &str = "whsec_b2xkIHNlY3JldCBmb3IgdGhlIHRlc3Rz";

    /// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, computed with Python's standard
    /// library `hmac`, not with the `standardwebhooks` package the receiver verifies with.
    fn sign(secret: &str, id: &str, timestamp: &str, body: &str) -> Result<String> {
        let script = "import base64, hashlib, hmac, sys\n\
            secret, content = sys.argv[1], sys.argv[2]\n\
            key = base64.b64decode(secret.removeprefix('whsec_'))\n\
            mac = hmac.new(key, content.encode(), hashlib.sha256).digest()\n\
            print('v1,' + base64.b64encode(mac).decode())";
        let output = Command::new(venv_python())
            .args(["-c", script, secret, &format!("{id}.{timestamp}.{body}")])
            .output()?;
        ensure!(output.status.success(), "sign: {output:?}");
        Ok(String::from_utf8(output.stdout)?.trim().to_owned())
    }

    /// Posts a delivery; the status and `Retry-After` answered.
    fn deliver(
        receiver: &Receiver,
        name: &str,
        id: &str,
        timestamp: &str,
        signature: &str,
        body: &str,
    ) -> Result<(u16, Option<String>)> {
        let mut response = receiver
            .agent
            .post(receiver.url(name))
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp)
            .header("webhook-signature", signature)
            .send(body)?;
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        response.body_mut().read_to_string()?;
        Ok((response.status().as_u16(), retry_after))
    }

    #[test]
    fn receiver_verifies_fails_first_and_goes_down() -> Result<()> {
        let receiver = Receiver::start()?;
        // The signing helper reproduces the specification's published vector.
        assert_eq!(
            sign(
                SECRET,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                "1614265330",
                r#"{"test": 2432232314}"#
            )?,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)?
            .as_secs()
            .to_string();
        let body = r#"{"event": "test", "n": 1}"#;
        let good = sign(SECRET, "msg_1", &now, body)?;
        let second = sign(SECRET, "msg_2", &now, body)?;
        let secrets = [OLD_SECRET.to_owned(), SECRET.to_owned()];

        // Rotating: either secret verifies; the first two tries of msg_1 fail.
        receiver.configure("rotating", &secrets, 2, 503, Some("1"))?;
        let failed = (503, Some("1".to_owned()));
        assert_eq!(
            deliver(&receiver, "rotating", "msg_1", &now, &good, body)?,
            failed
        );
        assert_eq!(
            deliver(&receiver, "rotating", "msg_1", &now, &good, body)?,
            failed
        );
        assert_eq!(
            deliver(&receiver, "rotating", "msg_1", &now, &good, body)?,
            (204, None)
        );

        // Signed with a secret the endpoint does not have.
        receiver.configure("strict", &[OLD_SECRET.to_owned()], 0, 503, None)?;
        assert_eq!(
            deliver(&receiver, "strict", "msg_1", &now, &good, body)?,
            (400, None)
        );
        assert_eq!(
            deliver(&receiver, "nobody", "msg_1", &now, &good, body)?.0,
            404
        );

        receiver.set_down(true)?;
        assert!(deliver(&receiver, "rotating", "msg_2", &now, &second, body).is_err());
        receiver.set_down(false)?;

        let log = receiver.log()?;
        let statuses: Vec<_> = log.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            [Some(503), Some(503), Some(204), Some(400), Some(404), None]
        );
        let verified: Vec<_> = log.iter().map(|r| r.verified).collect();
        assert_eq!(verified, [true, true, true, false, false, true]);
        assert!(log[5].dropped && !log[4].dropped);
        assert_eq!(log[0].endpoint, "rotating");
        assert_eq!(log[0].webhook_id.as_deref(), Some("msg_1"));
        assert_eq!(log[0].webhook_timestamp.as_deref(), Some(now.as_str()));
        assert_eq!(log[0].signature_header.as_deref(), Some(good.as_str()));
        assert_eq!(
            log[0].body,
            Some(serde_json::json!({"event": "test", "n": 1}))
        );
        assert_eq!(log[0].error, None);
        let error = log[3].error.as_deref().unwrap_or_default();
        assert!(error.contains("No matching signature"), "{error}");

        receiver.clear()?;
        assert!(
            receiver
                .wait_for(REQUEST_TIMEOUT, <[_]>::is_empty)?
                .is_empty()
        );
        Ok(())
    }
}
