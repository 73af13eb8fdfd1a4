//! End to end: the public site built from a real registry and served by the real
//! Worker on workerd, checked in headless Chromium (`site.test.mjs`, playwright-core
//! with Debian's chromium), and scanned for confidential values.
//!
//! One registry: synthetic products, a product of an enterprise made through the API
//! with marker values in every confidential field, and this year's round run to its
//! end, so listings, product, enterprise, round and statistics pages all have data.
//! Screenshots land in `target/test-artifacts/e2e/`.
//!
//! Run with `cargo test -p ppr-tests --test e2e`.

#![allow(
    clippy::indexing_slicing,
    reason = "test code: an index that fails is a test that fails, with its message"
)]

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, ensure};
use libtest_mimic::{Arguments, Failed, Trial};
use ppr_tests::registry::{filing_data, this_year};
use ppr_tests::rounds::{advance_and_wait, all_entries, noon_in, today};
use ppr_tests::{TestWorker, WorkerOptions, repo_root};
use serde_json::json;

/// Synthetic products the registry starts with.
const PRODUCTS: usize = 60;

/// Marker values planted in the confidential fields of one product, and its
/// enterprise's login and patent, which the browser tests file with.
struct Markers {
    values: Vec<String>,
    number: String,
    uscc: String,
    email: String,
    patent: String,
}

fn plant(worker: &TestWorker) -> Result<Markers> {
    let verified = worker.verified_enterprise_in("320500")?;
    let patent = verified.add_patent()?;
    let filename = "invoice-e2e-marker-7717.pdf";
    let reply = verified.session.post_raw(
        &verified.path(&format!("/documents?purpose=evidence&filename={filename}")),
        "application/pdf",
        ppr_tests::registry::PDF.to_vec(),
    )?;
    ensure!(reply.status == 201, "{}", reply.body);
    let evidence = reply.json()?["id"].as_i64().context("evidence")?;
    let mut data = filing_data("苏州储能电池管理模组", &[&patent], evidence);
    data["economics"] = json!({"year": this_year() - 1, "sales": 918_273_645, "exports": 918_273_601,
                               "profit": 918_273_602, "ip_investment": 918_273_603});
    data["patents"][0]["contribution_pct"] = json!(61);
    let number = worker.record(&verified, &data)?;
    Ok(Markers {
        values: vec![
            "918273645".to_owned(),
            "918273601".to_owned(),
            "918273602".to_owned(),
            "918273603".to_owned(),
            filename.to_owned(),
            verified.enterprise.email.clone(),
            "13800138000".to_owned(),
            "张三".to_owned(),
        ],
        number,
        uscc: verified.enterprise.uscc.clone(),
        email: verified.enterprise.email.clone(),
        patent,
    })
}

/// Runs this year's round to its end, so the site has identified products; answers
/// one of the certificates it issued.
fn run_round(worker: &TestWorker) -> Result<String> {
    let admin = worker.admin()?;
    let year = this_year();
    let reply = admin.post_json(
        "/api/v1/rounds",
        &json!({"year": year, "opt_in_deadline": today(), "evaluation_date": today()}),
    )?;
    ensure!(reply.status == 201, "{}", reply.body);
    let tomorrow = noon_in(1);
    for stage in ["formal_check", "evaluation", "public_notice"] {
        advance_and_wait(worker, &admin, year, stage, &tomorrow)?;
    }
    let after = noon_in(12);
    for stage in ["objection_handling", "final"] {
        advance_and_wait(worker, &admin, year, stage, &after)?;
    }
    all_entries(&admin, year)?
        .iter()
        .find_map(|e| e["certificate"].as_str().map(str::to_owned))
        .context("no certificate issued")
}

/// Opens this year's annual update window, for the update form.
fn open_update_window(worker: &TestWorker) -> Result<()> {
    let year = this_year();
    let reply = worker.admin()?.put_json(
        &format!("/api/v1/settings/annual_update_window.{year}"),
        &json!({"value": {"start": format!("{year}-01-01"), "end": format!("{year}-12-31")}}),
        None,
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    Ok(())
}

/// Every file of the built site, scanned for the markers.
fn scan(dir: &Path, markers: &Markers) -> Result<usize> {
    let mut stack = vec![dir.to_path_buf()];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            files += 1;
            let bytes = fs::read(&path)?;
            let text = String::from_utf8_lossy(&bytes);
            for marker in &markers.values {
                ensure!(
                    !text.contains(marker.as_str()),
                    "{marker} leaked into {}",
                    path.display()
                );
            }
        }
    }
    Ok(files)
}

/// Every public operation of the API (every `GET` the OpenAPI document lists without
/// a security requirement), with its path filled from the marked product, scanned for
/// the markers; plus the listings that find that product.
fn scan_public_api(worker: &TestWorker, markers: &Markers, certificate: &str) -> Result<()> {
    let doc = worker.get("/api/v1/openapi.json")?.json()?;
    let year = this_year().to_string();
    let mut paths = Vec::new();
    for (template, item) in doc["paths"].as_object().context("paths")? {
        let Some(get) = item.get("get") else {
            continue;
        };
        // The document itself is documentation (its examples are the fixtures'
        // defaults), not registry data.
        if template == "/api/v1/openapi.json"
            || get
                .get("security")
                .is_some_and(|s| s.as_array().is_none_or(|s| !s.is_empty()))
        {
            continue;
        }
        paths.push(
            template
                .replace("/patents/{number}", &format!("/patents/{}", markers.patent))
                .replace("{number}", &markers.number)
                .replace("{uscc}", &markers.uscc)
                .replace("{year}", &year)
                .replace("{code}", certificate),
        );
    }
    ensure!(paths.len() >= 11, "public operations: {paths:?}");
    let query = |q: &str| q.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    paths.extend([
        format!("/api/v1/products?q={}", query("苏州储能电池管理模组")),
        "/api/v1/products?status=all&limit=100".to_owned(),
        format!("/api/v1/rounds/{year}/list?limit=200"),
        "/api/v1/export/products?limit=1000".to_owned(),
    ]);
    // The registry's pages, which the Worker renders, in both languages.
    for root in ["/", "/en/"] {
        paths.extend([
            format!("{root}products/{}/", markers.number),
            format!("{root}enterprises/{}/", markers.uscc),
            format!("{root}patents/{}/", markers.patent),
            format!("{root}products/"),
            format!("{root}products/field/03/"),
            format!("{root}products/province/32/"),
            format!("{root}products/prefecture/3205/"),
            format!("{root}products/year/{year}/"),
            format!("{root}products/identified/"),
            format!("{root}search/?q={}", query("苏州储能")),
            format!("{root}rounds/"),
            format!("{root}rounds/{year}/"),
        ]);
    }
    // Contribution shares are small numbers, so their key is what must not be there
    // (the methodology names the input `contribution_pct`, which is no share).
    let mut scanned = markers.values.clone();
    scanned.extend([
        "\"contribution_pct\":".to_owned(),
        "\"contribution\":".to_owned(),
    ]);
    let showing = worker.scan_public(&paths, &scanned, &markers.number)?;
    ensure!(
        showing >= 20,
        "the marked product was in only {showing} answers"
    );
    Ok(())
}

/// A product recorded after the site was built, through the API as a reviewer would
/// approve it, with a name no synthetic product has.
struct Fresh {
    number: String,
    name: String,
    patent: String,
    uscc: String,
    enterprise: ppr_tests::fixtures::Enterprise,
}

impl Fresh {
    fn record(worker: &TestWorker) -> Result<Self> {
        let verified = worker.verified_enterprise_in("440300")?;
        let name = format!("鲲鹏氢能储罐{}", ppr_tests::fixtures::unique());
        let number = worker.recorded_product(&verified, &name)?;
        let patent =
            verified.session.get(&verified.path("/patents"))?.json()?["items"][0]["number"]
                .as_str()
                .context("patent")?
                .to_owned();
        Ok(Self {
            number,
            name,
            patent,
            uscc: verified.enterprise.uscc.clone(),
            enterprise: verified.enterprise.clone(),
        })
    }

    /// Revokes it: the enterprise files the revocation, a reviewer approves it.
    fn revoke(&self, worker: &TestWorker) -> Result<()> {
        let verified = ppr_tests::registry::Verified {
            enterprise: self.enterprise.clone(),
            session: worker.sign_in(&self.enterprise.email, ppr_tests::fixtures::PASSWORD)?,
        };
        verified.revoke(&self.number)
    }
}

/// The open-data files of a run made after the markers were planted, unzipped and
/// scanned for them; the marked product is in them.
fn scan_open_data(worker: &TestWorker, markers: &Markers) -> Result<()> {
    let package = worker.run_open_data()?;
    let mut files = vec!["datapackage.json".to_owned()];
    for resource in package["resources"].as_array().context("resources")? {
        files.push(resource["path"].as_str().context("path")?.to_owned());
    }
    ensure!(files.len() >= 4, "files: {files:?}");
    let mut showing = 0;
    for file in &files {
        let (status, _, bytes) =
            worker.request_bytes("GET", &format!("/open-data/latest/{file}"), &[])?;
        ensure!(status == 200, "{file}: {status}");
        let text = if file.ends_with(".gz") {
            ppr_tests::gunzip(&bytes)?
        } else {
            String::from_utf8(bytes)?
        };
        showing += usize::from(text.contains(&markers.number));
        for marker in &markers.values {
            ensure!(
                !text.contains(marker.as_str()),
                "{marker} leaked into {file}"
            );
        }
        ensure!(
            !text.contains("contribution_pct"),
            "a contribution share in {file}"
        );
    }
    ensure!(showing >= 2, "the marked product is in {showing} files");
    Ok(())
}

fn run(worker: &mut TestWorker) -> Result<()> {
    let markers = plant(worker)?;
    let certificate = run_round(worker)?;
    open_update_window(worker)?;
    let summary = worker.build_site()?;
    // The static site holds the pages that do not grow with the registry; the
    // registry's own are the Worker's.
    ensure!(summary.pages == 11, "{summary:?}");
    let page = worker.get(&format!("/products/{}/", markers.number))?;
    ensure!(
        page.status == 200 && page.body.contains("苏州储能电池管理模组"),
        "{}",
        page.status
    );
    let files = scan(worker.site_dir(), &markers)?;
    ensure!(files > 10, "{files} files scanned");
    scan_public_api(worker, &markers, &certificate)?;
    scan_open_data(worker, &markers)?;
    // Recorded after the site was built: its pages must exist at once.
    let fresh = Fresh::record(worker)?;

    let artifacts = repo_root().join("target/test-artifacts/e2e");
    let fresh_uscc = ppr_tests::fixtures::uscc_in("320500");
    let fresh_email = format!("e2e{}@enterprise.test", ppr_tests::fixtures::unique());
    for script in ["site", "forms", "registry", "revoked"] {
        if script == "revoked" {
            fresh.revoke(worker)?;
        }
        let log = repo_root().join(format!("target/test-logs/e2e-{script}.log"));
        let out = fs::File::create(&log)?;
        let status = std::process::Command::new("bash")
            .current_dir(repo_root())
            .arg("-c")
            .arg(format!(
                "source scripts/env.sh && exec node --test --test-reporter=spec tests/e2e/{}.test.mjs",
                if script == "revoked" { "registry" } else { script }
            ))
            .env("PHASE", script)
            .env("FRESH_PRODUCT", &fresh.number)
            .env("FRESH_NAME", &fresh.name)
            .env("FRESH_PATENT", &fresh.patent)
            .env("FRESH_USCC_RECORDED", &fresh.uscc)
            .env("BASE_URL", worker.url(""))
            .env("ARTIFACTS", &artifacts)
            .env("PRODUCT", &markers.number)
            .env("ENTERPRISE_EMAIL", &markers.email)
            .env("ENTERPRISE_PASSWORD", ppr_tests::fixtures::PASSWORD)
            .env("PATENT", &markers.patent)
            .env("CERTIFICATE", &certificate)
            .env("FRESH_USCC", &fresh_uscc)
            .env("FRESH_EMAIL", &fresh_email)
            .stdout(out.try_clone()?)
            .stderr(out)
            .status()?;
        let report = fs::read_to_string(&log).unwrap_or_default();
        ensure!(
            status.success(),
            "the {script} browser tests failed:\n{report}"
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let worker = if args.list {
        None
    } else {
        let round = this_year();
        match TestWorker::start_with(WorkerOptions {
            synthetic: Some((PRODUCTS, round)),
            ..WorkerOptions::default()
        }) {
            Ok(worker) => Some(worker),
            Err(err) => {
                eprintln!("could not start the Worker: {err:#}");
                return ExitCode::FAILURE;
            }
        }
    };
    let cell = std::sync::Mutex::new(worker);
    let trial = Trial::test("e2e::site_in_chromium", move || {
        let mut guard = cell.lock().map_err(|_| Failed::from("worker lock"))?;
        let worker = guard.as_mut().ok_or_else(|| Failed::from("no worker"))?;
        run(worker).map_err(|e| Failed::from(format!("{e:#}")))
    });
    libtest_mimic::run(&args, vec![trial]).exit_code()
}
