//! # ppr-tests: the integration test harness
//!
//! [`TestWorker::start`] builds the Worker once per test run (`scripts/build-worker`),
//! makes a fresh local D1 in a temporary folder, applies the migrations, starts the
//! real Worker on workerd through `wrangler dev` on a free port, waits until it answers,
//! and stops the whole process group when dropped, also when a test failed.
//!
//! Tests share one worker per test binary and keep apart by their data; a test that
//! needs an empty world starts its own.

#![allow(
    clippy::indexing_slicing,
    reason = "test code: an index that fails is a test that fails, with its message"
)]

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use ureq::http;

/// How long a worker may take to answer its first request. workerd starts in a few
/// seconds; the margin covers a loaded CI machine.
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// How long one request may take before the test fails rather than hangs.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

pub mod fixtures;
pub mod ports;
pub mod receiver;
pub mod registry;
pub mod rounds;

/// The webhook retry schedule of the test Worker, in seconds (the deployed default is
/// in docs/WEBHOOKS.md, from immediately to 10 hours): six attempts within about 12
/// seconds.
pub const TEST_WEBHOOK_SCHEDULE: &str = "0,1,1,2,3,5";

/// The repository root.
#[must_use]
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A command run through `scripts/env.sh`, so it sees the project's Node, wrangler and
/// build tools exactly as the README's commands do.
fn project_command(args: &[&str]) -> Command {
    let mut command = Command::new("bash");
    command
        .current_dir(repo_root())
        .arg("-c")
        .arg("source scripts/env.sh && exec \"$@\"")
        .arg("project-command")
        .args(args);
    command
}

/// What `wrangler deploy --dry-run` made: the bundle's folder and wrangler's output.
#[derive(Debug)]
pub struct DryRun {
    /// `--outdir`: the shim and the wasm module, as they would be uploaded.
    pub out_dir: PathBuf,
    /// Wrangler's output (sizes, bindings).
    pub output: String,
}

/// Builds the deployable bundle as `wrangler deploy --dry-run --outdir` does, with an
/// empty site as the static assets, without contacting Cloudflare.
///
/// # Errors
///
/// The build or the dry run failed; the error carries wrangler's output.
pub fn dry_run_deploy() -> Result<DryRun> {
    build_worker_once()?;
    let root = std::env::temp_dir().join(format!("ppr-deploy-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    let (out_dir, site) = (root.join("bundle"), root.join("site"));
    ppr_site::build(empty_snapshot(), &site, "", false)?;
    let (out, assets) = (
        out_dir.to_string_lossy().into_owned(),
        site.to_string_lossy().into_owned(),
    );
    let output = project_command(&[
        "wrangler",
        "deploy",
        "--dry-run",
        "--outdir",
        &out,
        "--assets",
        &assets,
    ])
    .env("PPR_PREBUILT", "1")
    .output()
    .context("run wrangler deploy --dry-run")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    ensure!(
        output.status.success(),
        "wrangler deploy --dry-run failed:\n{text}"
    );
    Ok(DryRun {
        out_dir,
        output: text,
    })
}

fn run_checked(args: &[&str], log: &Path) -> Result<()> {
    run_checked_with(args, &[], log)
}

fn run_checked_with(args: &[&str], env: &[(&str, &str)], log: &Path) -> Result<()> {
    let out = File::create(log).with_context(|| format!("create {}", log.display()))?;
    let status = project_command(args)
        .envs(env.iter().copied())
        .stdout(out.try_clone()?)
        .stderr(out)
        .status()
        .with_context(|| format!("run {args:?}"))?;
    if !status.success() {
        bail!("{args:?} failed ({status}); output:\n{}", tail(log));
    }
    Ok(())
}

/// Builds the Worker once per process, whichever test asks first.
fn build_worker_once() -> Result<()> {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let log = logs_dir().join("build-worker.log");
            run_checked(&["bash", "scripts/build-worker"], &log).map_err(|e| format!("{e:#}"))
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// Process groups of the workers this process started and has not stopped yet.
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// On Ctrl-C or SIGTERM, stops every worker still running before exiting: they run in
/// their own process groups, which the terminal's signal does not reach.
fn stop_running_on_signal() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let _ = ctrlc::set_handler(|| {
            let groups = RUNNING.lock().map(|g| g.clone()).unwrap_or_default();
            for group in groups {
                let _ = Command::new("kill")
                    .args(["-TERM", "--", &format!("-{group}")])
                    .status();
            }
            std::process::exit(130);
        });
    });
}

fn logs_dir() -> PathBuf {
    let dir = repo_root().join("target").join("test-logs");
    let _ = fs::create_dir_all(&dir);
    dir
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// A snapshot of an empty registry.
fn empty_snapshot() -> ppr_site::data::Snapshot {
    ppr_site::data::Snapshot {
        taken_at: "2026-01-01T00:00:00Z".to_owned(),
        products: Vec::new(),
        rounds: Vec::new(),
    }
}

/// The national admin every migrated test worker starts with, created by
/// `scripts/create-admin` as an operator would.
pub const ADMIN_EMAIL: &str = "admin@registry.test";

/// Its password.
pub const ADMIN_PASSWORD: &str = "admin password for tests";

/// Secrets the tests used or were given: passwords, session and CSRF tokens, API
/// tokens, webhook secrets. None may ever appear in a worker's log
/// ([`TestWorker::secrets_in_log`]).
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers a secret the tests used, to look for in the logs later.
pub fn remember_secret(secret: &str) {
    if secret.len() >= 8
        && let Ok(mut secrets) = SECRETS.lock()
        && !secrets.iter().any(|s| s == secret)
    {
        secrets.push(secret.to_owned());
    }
}

/// `wrangler d1 execute` of `sql` on the local D1 in `state`, its rows as JSON if `json`.
fn d1_execute<'a>(state: &'a str, sql: &'a str, json: bool) -> Vec<&'a str> {
    let mut args = vec![
        "wrangler",
        "d1",
        "execute",
        "DB",
        "--local",
        "--persist-to",
        state,
    ];
    if json {
        args.push("--json");
    }
    args.extend(["--command", sql]);
    args
}

/// A fresh client address (10.x.y.z) for a request that names none.
fn client_address() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
}

/// A new, empty state directory for a worker, and its name.
fn new_state_dir() -> Result<(String, PathBuf)> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = format!("ppr-test-{}-{n}", std::process::id());
    let state_dir = std::env::temp_dir().join(&name);
    let _ = fs::remove_dir_all(&state_dir);
    fs::create_dir_all(&state_dir)?;
    Ok((name, state_dir))
}

/// How to start a worker.
#[derive(Debug, Clone, Copy)]
pub struct WorkerOptions {
    /// Apply `d1-migrations/` and create the national admin before starting (false
    /// gives a database with no schema).
    pub migrate: bool,
    /// Load this many synthetic recorded products (`ppr-admin synthetic-products`),
    /// with the figures of the year before round `.1`, opted in to it.
    pub synthetic: Option<(usize, i32)>,
    /// Products per step of the daily open-data run (`PPR_OPEN_DATA_CHUNK`); small,
    /// so that a test registry takes several steps.
    pub open_data_chunk: u32,
    /// Rows per chunk of the nightly backup (`PPR_BACKUP_CHUNK_ROWS`).
    pub backup_chunk_rows: u32,
    /// Most backup chunks a scheduled run copies (`PPR_BACKUP_CHUNKS_PER_RUN`).
    pub backup_chunks_per_run: u32,
    /// Trust the `CF-Connecting-IP` each request sends (`PPR_TRUST_CLIENT_ADDRESS`), so
    /// that the tests stand in for many clients; without it every client is one.
    pub trust_client_address: bool,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            migrate: true,
            synthetic: None,
            open_data_chunk: 40,
            backup_chunk_rows: 2_000,
            backup_chunks_per_run: 150,
            trust_client_address: true,
        }
    }
}

/// A running Worker on workerd with its own fresh local D1.
#[derive(Debug)]
pub struct TestWorker {
    child: Child,
    port: u16,
    base: String,
    state_dir: PathBuf,
    site_dir: PathBuf,
    log: PathBuf,
    agent: ureq::Agent,
    /// The DNS-over-HTTPS stand-in the Worker resolves webhook endpoints' names with.
    dns: receiver::Receiver,
    /// How it was started, for a restart.
    options: WorkerOptions,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: http::HeaderMap,
    /// Body text.
    pub body: String,
}

impl Reply {
    /// The body as JSON.
    ///
    /// # Errors
    ///
    /// The body is not JSON.
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_str(&self.body).with_context(|| format!("not JSON: {}", self.body))
    }

    /// A header's value, if present and text.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestWorker {
    /// Starts a worker with migrations applied.
    ///
    /// # Errors
    ///
    /// The build, the migrations or the start failed; the error carries the log tail.
    pub fn start() -> Result<Self> {
        Self::start_with(WorkerOptions::default())
    }

    /// Starts a worker.
    ///
    /// # Errors
    ///
    /// The build, the migrations or the start failed; the error carries the log tail.
    pub fn start_with(options: WorkerOptions) -> Result<Self> {
        let (name, state_dir) = new_state_dir()?;
        let state = state_dir.to_string_lossy().into_owned();
        if options.migrate {
            let log = logs_dir().join(format!("{name}-migrate.log"));
            run_checked(
                &[
                    "wrangler",
                    "d1",
                    "migrations",
                    "apply",
                    "DB",
                    "--local",
                    "--persist-to",
                    &state,
                ],
                &log,
            )?;
            let log = logs_dir().join(format!("{name}-admin.log"));
            let admin = [
                "bash",
                "scripts/create-admin",
                ADMIN_EMAIL,
                "Test Admin",
                "--persist-to",
                &state,
            ];
            run_checked_with(&admin, &[("PPR_ADMIN_PASSWORD", ADMIN_PASSWORD)], &log)?;
        }
        if let Some((products, round)) = options.synthetic {
            let sql = state_dir.join("synthetic.sql");
            let log = logs_dir().join(format!("{name}-synthetic.log"));
            let script = format!(
                "cargo run -q --release --locked -p ppr-admin -- synthetic-products {products} {round} > {sql} && wrangler d1 execute DB --local --persist-to {state} --file {sql}",
                sql = sql.display(),
            );
            run_checked(&["bash", "-c", &script], &log)?;
        }
        Self::launch(&name, state_dir, options)
    }

    /// Starts a worker on a new local D1 restored, by `scripts/restore-backup`, from
    /// the newest backup in `source`'s local R2.
    ///
    /// # Errors
    ///
    /// The restore or the start failed; the error carries the log tail.
    pub fn start_restored(source: &Self) -> Result<Self> {
        let (name, state_dir) = new_state_dir()?;
        let log = logs_dir().join(format!("{name}-restore.log"));
        let from = format!("local:{}", source.state_dir.display());
        let to = format!("local:{}", state_dir.display());
        run_checked(
            &[
                "bash",
                "scripts/restore-backup",
                "--from",
                &from,
                "--to",
                &to,
            ],
            &log,
        )?;
        Self::launch(&name, state_dir, source.options)
    }

    /// Starts wrangler on a prepared state directory.
    fn launch(name: &str, state_dir: PathBuf, options: WorkerOptions) -> Result<Self> {
        build_worker_once()?;
        // A site of its own for the static assets: empty, until a test builds one
        // from this worker's registry ([`TestWorker::build_site`]).
        let site_dir = state_dir.join("site");
        ppr_site::build(empty_snapshot(), &site_dir, "", false)?;
        let port = free_port()?;
        let log = logs_dir().join(format!("{name}-wrangler.log"));
        let dns = receiver::Receiver::start()?;
        let child = spawn_wrangler(
            port,
            &state_dir,
            &site_dir,
            &dns.resolver_url(),
            options,
            &log,
        )?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            // A redirect is an answer to check, not to follow.
            .max_redirects(0)
            .build()
            .into();
        let mut worker = Self {
            child,
            port,
            base: format!("http://127.0.0.1:{port}"),
            state_dir,
            site_dir,
            log,
            agent,
            dns,
            options,
        };
        worker.wait_ready()?;
        Ok(worker)
    }

    /// Builds this worker's static site from its own registry's public export (as
    /// `scripts/build-site` does: the static pages and the forms' wasm client) and
    /// restarts the worker to serve it (wrangler reads the assets when it starts).
    ///
    /// # Errors
    ///
    /// The export, the build or the restart failed.
    pub fn build_site(&mut self) -> Result<ppr_site::Summary> {
        let snapshot = ppr_site::data::fetch(&self.base, "2026-01-01T00:00:00Z".to_owned())?;
        let summary = ppr_site::build(snapshot, &self.site_dir, &self.base, false)?;
        let site = self.site_dir.to_string_lossy().into_owned();
        let log = logs_dir().join("build-form-client.log");
        run_checked(&["bash", "scripts/build-form-client", &site], &log)?;
        self.restart()?;
        Ok(summary)
    }

    /// Stops the worker and starts it again on the same local state, as an operator
    /// restarting a machine would.
    ///
    /// # Errors
    ///
    /// The new worker did not start.
    pub fn restart(&mut self) -> Result<()> {
        self.stop();
        let log = self.log.with_extension("restart.log");
        self.child = spawn_wrangler(
            self.port,
            &self.state_dir,
            &self.site_dir,
            &self.dns.resolver_url(),
            self.options,
            &log,
        )?;
        self.log = log;
        self.wait_ready()
    }

    /// Kills the workerd process serving this worker with SIGKILL, as a crash would:
    /// nothing in it gets to finish. Its pid.
    ///
    /// # Errors
    ///
    /// No workerd process runs under this worker's wrangler.
    pub fn kill_workerd(&self) -> Result<u32> {
        let group = self.child.id().to_string();
        let found = Command::new("pgrep")
            .args(["-g", &group, "-x", "workerd"])
            .output()
            .context("run pgrep")?;
        let pids = String::from_utf8_lossy(&found.stdout);
        let pid = pids
            .split_whitespace()
            .next()
            .context("no workerd process in the worker's process group")?
            .to_owned();
        let status = Command::new("kill").args(["-KILL", &pid]).status()?;
        ensure!(status.success(), "kill -KILL {pid} failed");
        Ok(pid.parse()?)
    }

    /// The remembered secrets ([`remember_secret`]) that appear in this worker's logs
    /// (wrangler's and workerd's output, every start of it), and how many it checked.
    ///
    /// # Errors
    ///
    /// A log could not be read.
    pub fn secrets_in_log(&self) -> Result<(Vec<String>, usize)> {
        let text = self.log_text()?;
        ensure!(
            text.contains("/api/v1/"),
            "the worker's log has no requests: wrong file?"
        );
        let secrets = SECRETS.lock().map(|s| s.clone()).unwrap_or_default();
        let found = secrets
            .iter()
            .filter(|s| text.contains(s.as_str()))
            .cloned()
            .collect();
        Ok((found, secrets.len()))
    }

    /// Everything this worker's processes wrote to their logs so far (the Worker's
    /// console among it).
    ///
    /// # Errors
    ///
    /// A log could not be read.
    pub fn log_text(&self) -> Result<String> {
        let name = self
            .state_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut text = String::new();
        for entry in fs::read_dir(logs_dir())?.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if file.starts_with(&format!("{name}-")) && file.ends_with(".log") {
                text.push_str(&fs::read_to_string(entry.path())?);
            }
        }
        Ok(text)
    }

    /// The Worker's structured log line (JSON) with `"request_id": id`, waiting up to
    /// five seconds for the log to reach the file.
    ///
    /// # Errors
    ///
    /// No such line came.
    pub fn log_line(&self, id: &str) -> Result<serde_json::Value> {
        let needle = format!("\"request_id\":\"{id}\"");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let text = self.log_text()?;
            if let Some(line) = text.lines().find(|l| l.contains(&needle)) {
                let json = line.get(line.find('{').unwrap_or(0)..).unwrap_or_default();
                return serde_json::from_str(json).with_context(|| format!("not JSON: {line}"));
            }
            ensure!(Instant::now() < deadline, "no log line for request {id}");
            sleep(Duration::from_millis(100));
        }
    }

    /// GETs every one of `paths` (each must answer 200) and fails if any answer holds
    /// one of `markers`: the confidentiality scan of public answers. Answers how many
    /// answers hold `shown` (the marked product's number, say).
    ///
    /// # Errors
    ///
    /// A path did not answer 200, or a marker was in an answer.
    pub fn scan_public(&self, paths: &[String], markers: &[String], shown: &str) -> Result<usize> {
        let mut showing = 0;
        for path in paths {
            let reply = self.get(path)?;
            ensure!(
                reply.status == 200,
                "{path}: {} {}",
                reply.status,
                reply.body
            );
            showing += usize::from(reply.body.contains(shown));
            for marker in markers {
                ensure!(
                    !reply.body.contains(marker.as_str()),
                    "{marker} leaked in {path}: {}",
                    reply.body
                );
            }
        }
        Ok(showing)
    }

    /// Where this worker's static site is.
    #[must_use]
    pub fn site_dir(&self) -> &Path {
        &self.site_dir
    }

    /// Stops the wrangler process group and waits for it.
    fn stop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
        if let Ok(mut running) = RUNNING.lock() {
            running.retain(|&id| id != self.child.id());
        }
    }

    fn wait_ready(&mut self) -> Result<()> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "wrangler dev exited ({status}) before it answered:\n{}",
                    tail(&self.log)
                );
            }
            // Any answer from the Worker means workerd is serving it (health is 503 on
            // a database without migrations).
            if let Ok(reply) = self.get("/api/v1/health")
                && reply
                    .header("content-type")
                    .is_some_and(|t| t.contains("json"))
            {
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                bail!(
                    "the Worker did not answer within {READY_TIMEOUT:?}:\n{}",
                    tail(&self.log)
                );
            }
            sleep(Duration::from_millis(200));
        }
    }

    /// The absolute URL of a path.
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request with any method and body.
    ///
    /// # Errors
    ///
    /// Transport failures (not HTTP error statuses).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Reply> {
        let mut builder = http::Request::builder().method(method).uri(self.url(path));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        // Each request comes from a client address of its own, as different people's
        // would, unless the test names one: the per-address rate limits then hold only
        // in the tests about them.
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("cf-connecting-ip"))
        {
            builder = builder.header("cf-connecting-ip", client_address());
        }
        let response = self.agent.run(builder.body(body)?)?;
        read_reply(response)
    }

    /// `GET path`.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn get(&self, path: &str) -> Result<Reply> {
        self.request("GET", path, &[], Vec::new())
    }

    /// A request whose answer is bytes (a download): its status, headers and body as
    /// sent, up to 1 GiB.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn request_bytes(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<(u16, http::HeaderMap, Vec<u8>)> {
        let mut builder = http::Request::builder().method(method).uri(self.url(path));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let mut response = self.agent.run(builder.body(Vec::new())?)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()?;
        Ok((status, headers, body))
    }

    /// `POST path` with a JSON body.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<Reply> {
        self.post_bytes(path, serde_json::to_vec(body)?)
    }

    /// Runs SQL against the worker's local D1 from outside, as an operator with
    /// `wrangler d1 execute` would: to plant what no API request can (a corrupt row).
    ///
    /// # Errors
    ///
    /// The command failed.
    pub fn execute_sql(&self, sql: &str) -> Result<()> {
        let state = self.state_dir.to_string_lossy().into_owned();
        let log = logs_dir().join("execute-sql.log");
        run_checked(&d1_execute(&state, sql, false), &log)
    }

    /// Runs a query against the worker's local D1 from outside (`wrangler d1 execute
    /// --json`); its rows.
    ///
    /// # Errors
    ///
    /// The command failed or its output was not the expected JSON.
    pub fn query_sql(&self, sql: &str) -> Result<Vec<serde_json::Value>> {
        let state = self.state_dir.to_string_lossy().into_owned();
        let output = project_command(&d1_execute(&state, sql, true))
            .stdin(Stdio::null())
            .output()
            .context("run wrangler d1 execute")?;
        ensure!(
            output.status.success(),
            "wrangler d1 execute failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let answer: serde_json::Value = serde_json::from_slice(&output.stdout)
            .with_context(|| format!("d1 output: {}", String::from_utf8_lossy(&output.stdout)))?;
        answer[0]["results"]
            .as_array()
            .cloned()
            .context("no results in the d1 output")
    }

    /// An object of one of the worker's local R2 buckets (`wrangler r2 object get
    /// --local`), by the bucket's name; `None` when there is no such object.
    ///
    /// # Errors
    ///
    /// The command could not run.
    pub fn r2_object(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>> {
        let state = self.state_dir.to_string_lossy().into_owned();
        let file = self.state_dir.join("r2-object.out");
        let _ = fs::remove_file(&file);
        let object = format!("{bucket}/{key}");
        let file_arg = file.to_string_lossy().into_owned();
        let output = project_command(&[
            "wrangler",
            "r2",
            "object",
            "get",
            &object,
            "--local",
            "--persist-to",
            &state,
            "--file",
            &file_arg,
        ])
        .stdin(Stdio::null())
        .output()
        .context("run wrangler r2 object get")?;
        if !output.status.success() {
            return Ok(None);
        }
        Ok(fs::read(&file).ok())
    }

    /// Makes the DNS stand-in answer `name` with `addresses` (what webhook endpoint
    /// names resolve to in this worker).
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn set_dns(&self, name: &str, addresses: &[&str]) -> Result<()> {
        self.dns.set_dns(name, addresses)
    }

    /// Runs the scheduled job once, as the cron trigger would (`wrangler dev
    /// --test-scheduled` exposes it at `/__scheduled`).
    ///
    /// # Errors
    ///
    /// Transport failures or a non-2xx answer.
    pub fn run_scheduled(&self) -> Result<()> {
        self.scheduled("/__scheduled?cron=*/5+*+*+*+*")
    }

    /// Runs the scheduled job as if the trigger fired at `instant` (RFC 3339): the
    /// job takes the trigger's time as now (monthly releases, the sweeper). Uses
    /// Miniflare's trigger endpoint, which, unlike `/__scheduled`, passes the time on.
    ///
    /// # Errors
    ///
    /// A bad instant, transport failures or a non-2xx answer.
    pub fn run_scheduled_at(&self, instant: &str) -> Result<()> {
        let millis = chrono::DateTime::parse_from_rfc3339(instant)
            .context("an RFC 3339 instant")?
            .timestamp_millis();
        self.scheduled(&format!(
            "/cdn-cgi/local/scheduled?cron=*/5+*+*+*+*&time={millis}"
        ))
    }

    /// Runs the scheduled job as if tomorrow had come, as many times as the day's
    /// open-data run takes, and answers the data package it wrote.
    ///
    /// # Errors
    ///
    /// A scheduled run failed, or ten did not finish the day's files.
    pub fn run_open_data(&self) -> Result<serde_json::Value> {
        let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
            .format("%Y-%m-%dT04:00:00Z")
            .to_string();
        for _ in 0..10 {
            self.run_scheduled_at(&tomorrow)?;
            let package = self.get("/open-data/latest/datapackage.json")?;
            if package.status == 200 {
                return package.json();
            }
        }
        anyhow::bail!("ten scheduled runs did not finish the open-data files")
    }

    fn scheduled(&self, path: &str) -> Result<()> {
        let reply = self.get(path)?;
        ensure!(
            reply.status < 300,
            "scheduled run: {} {}",
            reply.status,
            reply.body
        );
        Ok(())
    }

    /// `POST path` with raw bytes declared as JSON.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn post_bytes(&self, path: &str, body: Vec<u8>) -> Result<Reply> {
        self.request("POST", path, &[("content-type", "application/json")], body)
    }

    /// `POST path` with an oversized body, reading the answer while the body is still
    /// being sent: a server that refuses early (413) and closes would otherwise reset
    /// the connection under a client still writing, before it reads the answer.
    /// `chunked` sends it without `Content-Length`, in chunked transfer encoding.
    ///
    /// # Errors
    ///
    /// Transport failures while reading the answer.
    pub fn post_streaming(&self, path: &str, body: Vec<u8>, chunked: bool) -> Result<Reply> {
        let address = self.base.trim_start_matches("http://");
        let stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
        let mut writer = stream.try_clone()?;
        let length = if chunked {
            "transfer-encoding: chunked".to_owned()
        } else {
            format!("content-length: {}", body.len())
        };
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\n{length}\r\nconnection: close\r\n\r\n"
        );
        let sender = std::thread::spawn(move || -> std::io::Result<()> {
            writer.write_all(head.as_bytes())?;
            for piece in body.chunks(64 * 1024) {
                if chunked {
                    write!(writer, "{:x}\r\n", piece.len())?;
                    writer.write_all(piece)?;
                    writer.write_all(b"\r\n")?;
                } else {
                    writer.write_all(piece)?;
                }
            }
            if chunked {
                writer.write_all(b"0\r\n\r\n")?;
            }
            Ok(())
        });
        let reply = read_raw_reply(BufReader::new(stream));
        // The sender may fail once the server stops reading: that is expected here.
        let _ = sender.join();
        reply
    }

    /// A body-less request with any method token, written on the socket as it is (HTTP
    /// libraries refuse methods they do not know, such as `QUERY`).
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn raw_method(&self, method: &str, path: &str) -> Result<Reply> {
        let address = self.base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nhost: {address}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        )?;
        read_raw_reply(BufReader::new(stream))
    }
}

/// Reads an HTTP/1.1 response with a `Content-Length` body.
fn read_raw_reply(mut reader: BufReader<TcpStream>) -> Result<Reply> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("bad status line {line:?}"))?;
    let mut headers = http::HeaderMap::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            headers.append(
                http::HeaderName::from_bytes(name.trim().as_bytes())?,
                http::HeaderValue::from_str(value.trim())?,
            );
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .context("the answer has no content-length")?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Reply {
        status,
        headers,
        body: String::from_utf8(body)?,
    })
}

/// A signed-in user: every request carries the session cookie, and writes the CSRF
/// token, as a browser client would.
#[derive(Debug)]
pub struct Session<'w> {
    worker: &'w TestWorker,
    /// `name=value` of the session cookie.
    pub cookie: String,
    /// The CSRF token.
    pub csrf: String,
    /// The sign-in answer (user, csrf_token).
    pub signed_in: serde_json::Value,
    /// When set, every request runs at this instant (`x-ppr-now`, RFC 3339).
    pub clock: Option<String>,
}

impl TestWorker {
    /// Signs in; fails the test unless the answer is 201 with a session cookie.
    ///
    /// # Errors
    ///
    /// Sign-in failed.
    pub fn sign_in(&self, email: &str, password: &str) -> Result<Session<'_>> {
        let reply = self.post_json(
            "/api/v1/sessions",
            &serde_json::json!({"email": email, "password": password}),
        )?;
        ensure!(
            reply.status == 201,
            "sign in {email}: {} {}",
            reply.status,
            reply.body
        );
        let cookie = reply
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .context("no session cookie")?
            .to_owned();
        let signed_in = reply.json()?;
        let csrf = signed_in["csrf_token"]
            .as_str()
            .context("no csrf_token")?
            .to_owned();
        remember_secret(password);
        remember_secret(cookie.split_once('=').map_or("", |(_, token)| token));
        remember_secret(&csrf);
        Ok(Session {
            worker: self,
            cookie,
            csrf,
            signed_in,
            clock: None,
        })
    }

    /// Signs in as the national admin the worker started with.
    ///
    /// # Errors
    ///
    /// Sign-in failed.
    pub fn admin(&self) -> Result<Session<'_>> {
        self.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    }
}

impl<'w> Session<'w> {
    /// The worker this session talks to.
    #[must_use]
    pub fn worker(&self) -> &'w TestWorker {
        self.worker
    }

    /// The same session with its requests running at `instant` (RFC 3339) on the
    /// business calendar.
    #[must_use]
    pub fn at(&self, instant: &str) -> Session<'w> {
        Session {
            worker: self.worker,
            cookie: self.cookie.clone(),
            csrf: self.csrf.clone(),
            signed_in: self.signed_in.clone(),
            clock: Some(instant.to_owned()),
        }
    }

    /// The headers of every request: the cookie, the clock if set, and `extra`.
    fn headers<'a>(&'a self, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut headers = vec![("cookie", self.cookie.as_str())];
        if let Some(clock) = &self.clock {
            headers.push(("x-ppr-now", clock.as_str()));
        }
        headers.extend_from_slice(extra);
        headers
    }

    /// Sends a request with the cookie, and the CSRF token when `csrf`.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
        csrf: bool,
    ) -> Result<Reply> {
        let mut headers = self.headers(&[("content-type", "application/json")]);
        if csrf {
            headers.push(("x-csrf-token", self.csrf.as_str()));
        }
        let bytes = body
            .map(serde_json::to_vec)
            .transpose()?
            .unwrap_or_default();
        self.worker.request(method, path, &headers, bytes)
    }

    /// `GET path`.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn get(&self, path: &str) -> Result<Reply> {
        self.send("GET", path, None, false)
    }

    /// `POST path` with a JSON body and the CSRF token.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<Reply> {
        self.send("POST", path, Some(body), true)
    }

    /// `PUT path` with a JSON body, the CSRF token and, if given, `If-Match`.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn put_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        if_match: Option<i64>,
    ) -> Result<Reply> {
        let version = if_match.map(|v| format!("\"{v}\""));
        let mut headers = self.headers(&[
            ("content-type", "application/json"),
            ("x-csrf-token", self.csrf.as_str()),
        ]);
        if let Some(version) = &version {
            headers.push(("if-match", version.as_str()));
        }
        self.worker
            .request("PUT", path, &headers, serde_json::to_vec(body)?)
    }

    /// `method path` with the cookie, `extra` headers and `body` as given (no CSRF
    /// token unless `extra` has one).
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Reply> {
        let headers = self.headers(extra);
        self.worker.request(method, path, &headers, body)
    }

    /// `POST path` with raw bytes of `content_type` (uploads, CSV) and the CSRF token.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Result<Reply> {
        let headers = self.headers(&[
            ("content-type", content_type),
            ("x-csrf-token", self.csrf.as_str()),
        ]);
        self.worker.request("POST", path, &headers, body)
    }

    /// `POST path` with a JSON body, the CSRF token and extra headers.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn post_with(
        &self,
        path: &str,
        body: &serde_json::Value,
        extra: &[(&str, &str)],
    ) -> Result<Reply> {
        let mut headers = self.headers(&[
            ("content-type", "application/json"),
            ("x-csrf-token", self.csrf.as_str()),
        ]);
        headers.extend_from_slice(extra);
        self.worker
            .request("POST", path, &headers, serde_json::to_vec(body)?)
    }

    /// `DELETE path` with the CSRF token.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn delete(&self, path: &str) -> Result<Reply> {
        self.send("DELETE", path, None, true)
    }
}

/// A gzip file's text, every member of it.
///
/// # Errors
///
/// Not gzip, or not UTF-8.
pub fn gunzip(bytes: &[u8]) -> Result<String> {
    use std::io::Read as _;
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(bytes).read_to_string(&mut text)?;
    Ok(text)
}

fn read_reply(mut response: http::Response<ureq::Body>) -> Result<Reply> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.body_mut().read_to_string()?;
    Ok(Reply {
        status,
        headers,
        body,
    })
}

impl Drop for TestWorker {
    fn drop(&mut self) {
        self.stop();
        let _ = fs::remove_dir_all(&self.state_dir);
    }
}

/// Starts `wrangler dev` on `port` over the local state in `state_dir`, serving the
/// static site in `site_dir`, logging to `log`, in its own process group (so that
/// stopping it also stops workerd under it).
fn spawn_wrangler(
    port: u16,
    state_dir: &Path,
    site_dir: &Path,
    resolver: &str,
    options: WorkerOptions,
    log: &Path,
) -> Result<Child> {
    let out = File::create(log)?;
    let port = port.to_string();
    let inspector_port = free_port()?.to_string();
    let state = state_dir.to_string_lossy().into_owned();
    let site = site_dir.to_string_lossy().into_owned();
    let child = project_command(&[
        "wrangler",
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        &port,
        "--inspector-port",
        &inspector_port,
        "--persist-to",
        &state,
        "--assets",
        &site,
        "--show-interactive-dev-session=false",
        // Exposes /__scheduled, so tests can run the cron job on demand.
        "--test-scheduled",
        // Lets a request set the business clock (x-ppr-now), to step past dates.
        "--var",
        "PPR_DEV_CLOCK:allow",
        // Webhook endpoints on the test receiver (http://127.0.0.1), and a retry
        // schedule of seconds instead of hours, so retries happen within a test.
        "--var",
        "PPR_WEBHOOK_ALLOW_LOCAL_HTTP:allow",
        "--var",
        &format!("PPR_WEBHOOK_SCHEDULE:{TEST_WEBHOOK_SCHEDULE}"),
        // Webhook endpoints' names resolve through a local stand-in, not public DNS.
        "--var",
        &format!("PPR_DNS_RESOLVER:{resolver}"),
        "--var",
        &format!("PPR_OPEN_DATA_CHUNK:{}", options.open_data_chunk),
        "--var",
        &format!("PPR_BACKUP_CHUNK_ROWS:{}", options.backup_chunk_rows),
        "--var",
        &format!(
            "PPR_BACKUP_CHUNKS_PER_RUN:{}",
            options.backup_chunks_per_run
        ),
        // Each request's CF-Connecting-IP stands for a client of its own.
        "--var",
        if options.trust_client_address {
            "PPR_TRUST_CLIENT_ADDRESS:allow"
        } else {
            "PPR_TRUST_CLIENT_ADDRESS:"
        },
    ])
    .env("PPR_PREBUILT", "1")
    .stdin(Stdio::null())
    .stdout(out.try_clone()?)
    .stderr(out)
    .process_group(0)
    .spawn()
    .context("start wrangler dev")?;
    stop_running_on_signal();
    if let Ok(mut running) = RUNNING.lock() {
        running.push(child.id());
    }
    Ok(child)
}
