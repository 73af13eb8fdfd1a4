//! The API contract, checked by schemathesis against the real Worker on workerd with
//! its own fresh local D1: requests generated from the OpenAPI document the Worker
//! serves, over every operation, as each role (anonymous, a verified enterprise, a
//! reviewer, a regional port by its API token, the port's admin signed in, the
//! national admin). The run passes with no server error and no answer that breaks
//! the document (status, content type, headers, body schema).
//!
//! The suite's run is short and seeded: every role through the fuzzing phase, and the
//! anonymous and national-admin roles through the coverage phase as well (boundary and
//! schema-breaking values of every parameter). A longer one, every role through every
//! phase:
//!
//! ```sh
//! PPR_CONTRACT_EXAMPLES=200 cargo test -p ppr-tests --test contract
//! ```
//!
//! (`PPR_CONTRACT_SEED` picks another seed; the settings are in
//! `tests/contract/schemathesis.toml`.)

#![allow(
    clippy::indexing_slicing,
    reason = "test code: an index that fails is a test that fails, with its message"
)]

use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, Result, ensure};
use libtest_mimic::{Arguments, Failed, Trial};
use ppr_tests::ports::open_port;
use ppr_tests::{TestWorker, repo_root};

/// Examples per operation and phase in the suite's run.
const SUITE_EXAMPLES: &str = "8";

/// The suite's seed, so a failure reproduces.
const SUITE_SEED: &str = "20261128";

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let trial = Trial::test("contract::every_operation_as_every_role", || {
        every_operation_as_every_role().map_err(|e| Failed::from(format!("{e:#}")))
    });
    libtest_mimic::run(&args, vec![trial]).exit_code()
}

/// Signing out, left out of the runs as a signed-in role, which it would end halfway.
/// (The filters of one `[[operations]]` entry are alternatives: name the one operation.)
const WITHOUT_SIGN_OUT: &str =
    "[[operations]]\ninclude-operation-id = \"delete_session\"\nenabled = false\n";

/// Whether the run selected every operation of the document, or every one but
/// signing out (`left_out`), from schemathesis's `Selected: N/M` line.
fn selected_all(output: &str, left_out: u32) -> bool {
    output
        .lines()
        .find_map(|line| line.trim().strip_prefix("Selected: "))
        .and_then(|counts| counts.split_once('/'))
        .and_then(|(selected, total)| {
            Some((
                selected.trim().parse::<u32>().ok()?,
                total.trim().parse::<u32>().ok()?,
            ))
        })
        .is_some_and(|(selected, total)| total > 80 && selected + left_out == total)
}

/// Who runs: the credential schemathesis sends where an operation asks for one (as
/// the document's security schemes say, so that it can also check that a request
/// without it is refused), and the CSRF token a session's writes carry.
struct Role {
    name: &'static str,
    auth: Option<String>,
    csrf: Option<String>,
    /// Through the coverage phase in the suite's short run too.
    coverage: bool,
}

impl Role {
    fn session(name: &'static str, session: &ppr_tests::Session<'_>) -> Self {
        let value = session
            .cookie
            .split_once('=')
            .map_or("", |(_, value)| value);
        Self {
            name,
            auth: Some(format!(
                "[auth.openapi.session]\napi_key = \"{value}\"\n\n{WITHOUT_SIGN_OUT}"
            )),
            csrf: Some(session.csrf.clone()),
            coverage: false,
        }
    }
}

fn every_operation_as_every_role() -> Result<()> {
    let worker = TestWorker::start()?;
    // Real records for the path parameters, so that operations reach their logic
    // rather than a 404.
    let a = worker.verified_enterprise()?;
    let number = worker.recorded_product(&a, "契约测试产品")?;
    let year = (ppr_tests::registry::this_year() - 1).to_string();
    let port = open_port(&worker, "350000", None)?;
    // The port admin's run gets a port of its own, so that its generated token
    // revocations cannot reach the token the port-token run uses.
    let admin_port = open_port(&worker, "330000", None)?;

    let roles = [
        Role {
            name: "anonymous",
            auth: None,
            csrf: None,
            coverage: true,
        },
        Role::session("enterprise", &a.session),
        Role::session("reviewer", &worker.reviewer()?),
        Role {
            name: "port token",
            auth: Some(format!(
                "[auth.openapi.apiToken]\nbearer = \"{}\"\n",
                port.token
            )),
            csrf: None,
            coverage: false,
        },
        Role::session(
            "regional admin",
            &worker.sign_in(&admin_port.email, ppr_tests::fixtures::PASSWORD)?,
        ),
        Role {
            coverage: true,
            ..Role::session("national admin", &worker.admin()?)
        },
    ];

    let long = std::env::var("PPR_CONTRACT_EXAMPLES").ok();
    let examples = long.clone().unwrap_or_else(|| SUITE_EXAMPLES.to_owned());
    let long = long.is_some();
    let seed = std::env::var("PPR_CONTRACT_SEED").unwrap_or_else(|_| SUITE_SEED.to_owned());
    let root = repo_root();
    let settings = std::fs::read_to_string(root.join("tests/contract/schemathesis.toml"))?;
    // The roles run at once, each schemathesis on a config of its own.
    let mut running = Vec::new();
    for (i, role) in roles.iter().enumerate() {
        let config =
            std::env::temp_dir().join(format!("ppr-contract-{}-{i}.toml", std::process::id()));
        std::fs::write(
            &config,
            format!("{settings}\n{}", role.auth.as_deref().unwrap_or_default()),
        )?;
        let mut command = Command::new(root.join(".venv/bin/st"));
        command
            .current_dir(&root)
            .arg("--config-file")
            .arg(&config)
            .arg("run")
            .arg(worker.url("/api/v1/openapi.json"))
            .args(["--url", &worker.url("")])
            .args(["--max-examples", &examples, "--seed", &seed])
            .env("PPR_USCC", &a.enterprise.uscc)
            .env("PPR_NUMBER", &number)
            .env("PPR_YEAR", &year)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // The suite's short run: every role through the fuzzing phase, and the two
        // that see the most apart (nothing, everything) through the coverage phase too.
        if !long && !role.coverage {
            command.args(["--phases", "examples,fuzzing"]);
        }
        if let Some(csrf) = &role.csrf {
            command.args(["--header", &format!("x-csrf-token: {csrf}")]);
        }
        // Each role is a client of its own for the per-address rate limits.
        command.args(["--header", &format!("cf-connecting-ip: 10.250.0.{}", i + 1)]);
        let child = command
            .spawn()
            .context("run schemathesis (.venv/bin/st; scripts/setup installs it)")?;
        // Signed-in roles (the ones with a CSRF token) leave out signing out.
        let left_out = u32::from(role.csrf.is_some());
        running.push((role.name, config, child, left_out));
    }
    let started = std::time::Instant::now();
    let mut failures = Vec::new();
    for (name, config, child, left_out) in running {
        let output = child.wait_with_output()?;
        let _ = std::fs::remove_file(&config);
        let text = String::from_utf8_lossy(&output.stdout);
        let summary = text
            .lines()
            .filter(|l| l.contains("generated") || l.contains("passed") || l.contains("failures"))
            .collect::<Vec<_>>()
            .join(" / ");
        eprintln!(
            "contract as {name} (done after {:.0} s): {summary}",
            started.elapsed().as_secs_f64()
        );
        if !output.status.success() {
            failures.push(format!(
                "as {name}:\n{text}\n{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        } else if !selected_all(&text, left_out) {
            failures.push(format!(
                "as {name}: not every operation was selected:\n{text}"
            ));
        }
    }
    ensure!(failures.is_empty(), "{}", failures.join("\n\n"));
    Ok(())
}
