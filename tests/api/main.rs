//! Integration tests over HTTP against the real Worker on workerd (`wrangler dev`)
//! with a fresh local D1. One worker serves every test of this binary; each test keeps
//! to its own data. Run with `cargo test -p ppr-tests` or, with everything else,
//! `scripts/test`.

#![allow(
    clippy::indexing_slicing,
    reason = "test code: an index that fails is a test that fails, with its message"
)]

mod accounts;
mod authz;
mod backup;
mod deploy;
mod errors;
mod health;
mod monthly;
mod observe;
mod open_data;
mod openapi;
mod ports;
mod public;
mod registration;
mod retention;
mod robustness;
mod security;
mod staff;
mod support;
mod validate;
mod webhooks;

use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::Arguments;
use ppr_tests::TestWorker;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    // Listing tests must not start anything.
    let worker = if args.list {
        None
    } else {
        match TestWorker::start() {
            Ok(worker) => Some(Arc::new(worker)),
            Err(err) => {
                eprintln!("could not start the Worker: {err:#}");
                return ExitCode::FAILURE;
            }
        }
    };
    let mut trials = Vec::new();
    for group in [
        health::CASES,
        observe::CASES,
        openapi::CASES,
        validate::CASES,
        errors::CASES,
        accounts::CASES,
        staff::CASES,
        registration::CASES,
        authz::CASES,
        robustness::CASES,
        security::CASES,
        public::CASES,
        open_data::CASES,
        ports::CASES,
        webhooks::CASES,
        monthly::CASES,
        retention::CASES,
        backup::CASES,
        deploy::CASES,
    ] {
        trials.extend(support::trials(worker.as_ref(), group));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    // After every test: no secret a test used or got reached the worker's log.
    let leaked = worker.as_ref().map(|w| no_secret_in_the_log(w));
    // Stop the worker before exiting: `exit` would skip its Drop.
    drop(worker);
    if leaked == Some(false) {
        return ExitCode::FAILURE;
    }
    conclusion.exit_code()
}

/// Greps the worker's log for every secret the tests used (passwords, session, CSRF
/// and API tokens, webhook secrets); true when none is there.
fn no_secret_in_the_log(worker: &TestWorker) -> bool {
    let name = "security::no_secret_in_the_worker_log";
    match worker.secrets_in_log() {
        Ok((found, checked)) if found.is_empty() => {
            println!("test {name} ({checked} secrets checked) ... ok");
            true
        }
        Ok((found, _)) => {
            println!("test {name} ... FAILED: in the log: {found:?}");
            false
        }
        Err(err) => {
            println!("test {name} ... FAILED: {err:#}");
            false
        }
    }
}
