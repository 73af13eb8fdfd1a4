//! The deployable bundle: `wrangler deploy --dry-run --outdir` builds it without
//! contacting Cloudflare, with every binding the Worker needs, within the Workers
//! free plan's 3 MB compressed size; and `wrangler.toml` sets none of the
//! local-development variables.

use std::process::Command;

use anyhow::{Context, Result, ensure};
use ppr_tests::{TestWorker, dry_run_deploy, repo_root};

use crate::support::Case;

pub const CASES: &[Case] = &[(
    "deploy::the_bundle_builds_with_every_binding_and_fits",
    the_bundle_builds_with_every_binding_and_fits,
)];

/// The Workers free plan's limit on a Worker's compressed size.
const FREE_PLAN_COMPRESSED_BYTES: u64 = 3 * 1024 * 1024;

fn the_bundle_builds_with_every_binding_and_fits(_: &TestWorker) -> Result<()> {
    let run = dry_run_deploy()?;
    for binding in [
        "env.DB",
        "env.DOCUMENTS",
        "env.OPEN_DATA",
        "env.ROUND_STEPS",
        "env.WEBHOOKS",
        "env.ASSETS",
    ] {
        ensure!(
            run.output.contains(binding),
            "{binding} missing:\n{}",
            run.output
        );
    }
    let wasm = std::fs::read_dir(&run.out_dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))
        .context("no wasm module in the bundle")?;
    ensure!(
        run.out_dir.join("shim.js").exists(),
        "no shim.js in the bundle"
    );
    let gzip = Command::new("gzip").arg("-9c").arg(&wasm).output()?;
    ensure!(gzip.status.success(), "gzip failed");
    let compressed = u64::try_from(gzip.stdout.len())?;
    ensure!(
        compressed < FREE_PLAN_COMPRESSED_BYTES,
        "the Worker is {compressed} bytes gzipped, over the free plan's {FREE_PLAN_COMPRESSED_BYTES}"
    );
    let config = std::fs::read_to_string(repo_root().join("wrangler.toml"))?;
    for name in [
        "PPR_DEV_CLOCK",
        "PPR_WEBHOOK_ALLOW_LOCAL_HTTP",
        "PPR_WEBHOOK_SCHEDULE",
        "PPR_OPEN_DATA_CHUNK",
        "PPR_TRUST_CLIENT_ADDRESS",
    ] {
        ensure!(
            !config.contains(name),
            "wrangler.toml mentions {name}, a local-development setting"
        );
    }
    Ok(())
}
