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
mod deploy;
mod errors;
mod health;
mod monthly;
mod openapi;
mod ports;
mod public;
mod registration;
mod robustness;
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
        openapi::CASES,
        validate::CASES,
        errors::CASES,
        accounts::CASES,
        staff::CASES,
        registration::CASES,
        authz::CASES,
        robustness::CASES,
        public::CASES,
        ports::CASES,
        webhooks::CASES,
        monthly::CASES,
        deploy::CASES,
    ] {
        trials.extend(support::trials(worker.as_ref(), group));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    // Stop the worker before exiting: `exit` would skip its Drop.
    drop(worker);
    conclusion.exit_code()
}
