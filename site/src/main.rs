//! `ppr-site`: builds the public static site.
//!
//! ```text
//! ppr-site build --api http://localhost:8787 [--out site/dist]   read the export from the API
//! ppr-site build --data snapshot.json [--out site/dist]          from a saved snapshot
//!   [--origin https://…]   the site's public origin, for absolute addresses
//!                          (`hreflang`, `canonical`); the API's by default
//! ppr-site fetch --api http://localhost:8787 --out snapshot.json save a snapshot
//! ```
//!
//! `--quiet` leaves out the progress bar; the summary (pages, files, bytes, seconds)
//! is always printed.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use ppr_site::data;

const USAGE: &str = "usage:
  ppr-site build (--api URL | --data FILE) [--out DIR] [--origin URL] [--quiet]
  ppr-site fetch --api URL --out FILE";

#[derive(Debug, Default)]
struct Args {
    command: String,
    api: Option<String>,
    data: Option<PathBuf>,
    out: Option<PathBuf>,
    origin: Option<String>,
    quiet: bool,
}

fn args() -> Result<Args> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    args.command = it.next().context(USAGE)?;
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .with_context(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--api" => args.api = Some(value()?),
            "--data" => args.data = Some(PathBuf::from(value()?)),
            "--out" => args.out = Some(PathBuf::from(value()?)),
            "--origin" => args.origin = Some(value()?),
            "--quiet" => args.quiet = true,
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    Ok(args)
}

/// Now, UTC, as the snapshot records it.
fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn main() -> Result<()> {
    let args = args()?;
    match args.command.as_str() {
        "fetch" => {
            let api = args.api.context(USAGE)?;
            let out = args.out.context(USAGE)?;
            let snapshot = data::fetch(&api, now())?;
            std::fs::write(&out, serde_json::to_vec(&snapshot)?)
                .with_context(|| format!("write {}", out.display()))?;
            println!(
                "saved {} products and {} rounds to {}",
                snapshot.products.len(),
                snapshot.rounds.len(),
                out.display()
            );
        }
        "build" => {
            let snapshot = match (&args.api, &args.data) {
                (Some(api), None) => data::fetch(api, now())?,
                (None, Some(path)) => data::read(path)?,
                _ => bail!("give --api or --data\n{USAGE}"),
            };
            let products = snapshot.products.len();
            let out = args.out.unwrap_or_else(ppr_site::default_out);
            let origin = args.origin.or(args.api).unwrap_or_default();
            let summary = ppr_site::build(snapshot, &out, &origin, !args.quiet)?;
            #[expect(clippy::cast_precision_loss, reason = "sizes for display")]
            let megabytes = summary.bytes as f64 / 1_048_576.0;
            println!(
                "site: {} pages, {} files, {megabytes:.1} MB from {products} products in {:.2} s ({:.0} pages/s) → {}",
                summary.pages,
                summary.files,
                summary.elapsed.as_secs_f64(),
                summary.pages_per_second(),
                out.display()
            );
        }
        _ => bail!("{USAGE}"),
    }
    Ok(())
}
