//! Identification rounds over HTTP against the real Worker on workerd, each scenario
//! on its own fresh local D1 loaded with the same few hundred synthetic products
//! (a round is the whole registry's, so it cannot share a worker with other tests):
//!
//! - `default_round`: a whole round with the shipped methodology, from opening to
//!   certificates, checked against the core's own computation;
//! - `another_methodology`: a loaded methodology on the same data gives another
//!   outcome; a chunk that fails stops its step with an error, and the round resumes;
//!   a lost message is sent again by the scheduled job.
//!
//! Run with `cargo test -p ppr-tests --test rounds`.

#![allow(
    clippy::indexing_slicing,
    reason = "test code: an index that fails is a test that fails, with its message"
)]

mod another_methodology;
mod default_round;

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Failed, Trial};
use ppr_tests::{TestWorker, WorkerOptions};

/// Synthetic products each scenario's registry starts with.
pub const PRODUCTS: usize = 320;

/// What the default round identified (registration numbers), or why it failed, for
/// the scenario that compares another methodology's outcome with it.
pub static DEFAULT_IDENTIFIED: Mutex<Option<Result<BTreeSet<String>, String>>> = Mutex::new(None);

/// Runs the default round and publishes a failure to the scenario waiting on it.
fn default_round(worker: &TestWorker) -> anyhow::Result<()> {
    let result = default_round::run(worker);
    if let Err(err) = &result
        && let Ok(mut shared) = DEFAULT_IDENTIFIED.lock()
    {
        *shared = Some(Err(format!("{err:#}")));
    }
    result
}

fn start() -> Result<TestWorker, String> {
    let round = ppr_tests::rounds::today().format("%Y").to_string();
    let round: i32 = round.parse().map_err(|e| format!("{e}"))?;
    TestWorker::start_with(WorkerOptions {
        synthetic: Some((PRODUCTS, round)),
        ..WorkerOptions::default()
    })
    .map_err(|e| format!("could not start a Worker: {e:#}"))
}

fn trial(
    name: &str,
    worker: Option<Arc<TestWorker>>,
    test: fn(&TestWorker) -> anyhow::Result<()>,
) -> Trial {
    Trial::test(name, move || {
        let worker = worker.ok_or_else(|| Failed::from("no worker"))?;
        test(&worker).map_err(|e| Failed::from(format!("{e:#}")))
    })
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let (a, b) = if args.list {
        (None, None)
    } else {
        match (start(), start()) {
            (Ok(a), Ok(b)) => (Some(Arc::new(a)), Some(Arc::new(b))),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    };
    let trials = vec![
        trial("rounds::default_round", a.clone(), default_round),
        trial(
            "rounds::another_methodology",
            b.clone(),
            another_methodology::run,
        ),
    ];
    let conclusion = libtest_mimic::run(&args, trials);
    drop((a, b));
    conclusion.exit_code()
}
