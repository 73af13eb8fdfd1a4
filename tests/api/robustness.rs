//! Confidentiality and concurrency: marker values planted in every confidential field
//! never reach a public response; two updates at one version give one 200 and one
//! 409; one Idempotency-Key sent 20 times at once gives one filing.

use std::thread;

use anyhow::{Context, Result, ensure};
use ppr_tests::TestWorker;
use ppr_tests::fixtures::unique;
use serde_json::json;

use crate::registration::urlencode;
use crate::support::Case;

pub const CASES: &[Case] = &[
    (
        "robustness::no_confidential_marker_in_any_public_response",
        no_confidential_marker_in_any_public_response,
    ),
    (
        "robustness::two_updates_at_one_version",
        two_updates_at_one_version,
    ),
    (
        "robustness::one_idempotency_key_twenty_times",
        one_idempotency_key_twenty_times,
    ),
    (
        "robustness::every_page_answers_garbage_with_its_error",
        every_page_answers_garbage_with_its_error,
    ),
];

fn no_confidential_marker_in_any_public_response(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise_in("330200")?;
    let marker = 900_000_000 + i64::from(unique());
    // Economic figures, each a distinct marker.
    let sales = marker * 10 + 9;
    let exports = marker * 10 + 2;
    let profit = marker * 10 + 3;
    let investment = marker * 10 + 4;
    let first = verified.add_patent()?;
    let second = verified.add_patent()?;
    let evidence_name = format!("invoice-marker-{marker}.pdf");
    let reply = verified.session.post_raw(
        &verified.path(&format!(
            "/documents?purpose=evidence&filename={evidence_name}"
        )),
        "application/pdf",
        ppr_tests::registry::PDF.to_vec(),
    )?;
    ensure!(reply.status == 201, "{}", reply.body);
    let evidence = reply.json()?;
    let data = json!({
        "name": "标记泄漏测试产品",
        "model": "LEAK-1",
        "field": "01",
        "description": "公开描述",
        "first_marketed_on": "2019-01-01",
        "manufacture_region": "330200",
        "patents": [{"number": first, "core": true, "contribution_pct": 37}, {"number": second, "core": false, "contribution_pct": 29}],
        "economics": {"year": ppr_tests::registry::this_year() - 1, "sales": sales, "exports": exports, "profit": profit, "ip_investment": investment},
        "opt_in": true,
        "evidence": [evidence["id"]],
    });
    let number = worker.record(&verified, &data)?;
    // The enterprise sees its own data (so the markers are really stored).
    let own = verified
        .session
        .get(&verified.path(&format!("/products/{number}")))?;
    ensure!(own.body.contains(&sales.to_string()), "{}", own.body);

    let registration = worker.get(&format!("/api/v1/enterprises/{}", verified.enterprise.uscc))?;
    let contact_email = verified.enterprise.email.clone();
    let markers: Vec<String> = vec![
        sales.to_string(),
        exports.to_string(),
        profit.to_string(),
        investment.to_string(),
        evidence_name,
        evidence["sha256"].as_str().unwrap_or_default().to_owned(),
        contact_email,
        "13800138000".to_owned(),
        "contribution".to_owned(),
        "\"37\"".to_owned(),
        "sales".to_owned(),
        "profit".to_owned(),
        "ip_investment".to_owned(),
        "legal_representative".to_owned(),
        "张三".to_owned(),
        "contact".to_owned(),
        "evidence".to_owned(),
    ];
    let public_paths = [
        format!("/api/v1/products/{number}"),
        format!("/api/v1/products/{}", number.to_lowercase()),
        format!("/api/v1/patents/{first}/products"),
        format!("/api/v1/patents/{second}/products"),
        format!("/api/v1/enterprises/{}", verified.enterprise.uscc),
        "/api/v1/products".to_owned(),
        "/api/v1/products?status=all&limit=100".to_owned(),
        "/api/v1/products?field=01&region=330200".to_owned(),
        format!("/api/v1/products?q={}", urlencode("标记泄漏")),
        format!("/api/v1/products?q={}", urlencode("LEAK")),
        format!("/api/v1/products?year={}", ppr_tests::registry::this_year()),
        "/api/v1/integrity-commitment".to_owned(),
        "/api/v1/export/products".to_owned(),
    ];
    let seen_product = worker.scan_public(&public_paths, &markers, &number)?;
    ensure!(
        seen_product >= 8,
        "the product was missing from public answers ({seen_product})"
    );
    ensure!(registration.status == 200, "{}", registration.body);
    Ok(())
}

fn two_updates_at_one_version(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise()?;
    let number = worker.recorded_product(&verified, "并发测试产品")?;
    let path = verified.path(&format!("/products/{number}/opt-in"));
    let version = verified
        .session
        .get(&verified.path(&format!("/products/{number}")))?
        .json()?["version"]
        .as_i64()
        .context("version")?;
    let statuses: Vec<u16> = thread::scope(|scope| {
        let handles: Vec<_> = [true, false]
            .into_iter()
            .map(|opt_in| {
                let session = &verified.session;
                let path = &path;
                scope.spawn(move || {
                    session
                        .put_json(path, &json!({"opt_in": opt_in}), Some(version))
                        .map(|r| r.status)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("thread"))
                    .and_then(|r| r)
            })
            .collect::<Result<Vec<u16>>>()
    })?;
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    ensure!(sorted == [200, 409], "{statuses:?}");
    let history = verified
        .session
        .get(&verified.path("/transactions"))?
        .json()?;
    let opt_changes = history["items"]
        .as_array()
        .context("items")?
        .iter()
        .filter(|t| t["kind"] == "opt_in" || t["kind"] == "opt_out")
        .count();
    ensure!(opt_changes == 1, "{history}");
    Ok(())
}

fn one_idempotency_key_twenty_times(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise()?;
    let data = verified.complete_data("幂等测试产品")?;
    let body = json!({ "data": data });
    let key = format!("filing-{}", unique());
    let path = verified.path("/filings");
    let replies: Vec<(u16, serde_json::Value)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                let (session, path, body, key) = (&verified.session, &path, &body, &key);
                scope.spawn(move || {
                    let reply =
                        session.post_with(path, body, &[("idempotency-key", key.as_str())])?;
                    Ok((reply.status, reply.json()?))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("thread"))
                    .and_then(|r| r)
            })
            .collect::<Result<Vec<_>>>()
    })?;
    let ids: Vec<i64> = replies
        .iter()
        .filter_map(|(_, j)| j["id"].as_i64())
        .collect();
    ensure!(replies.iter().all(|(s, _)| *s == 201), "{replies:?}");
    ensure!(
        ids.len() == 20 && ids.iter().all(|id| *id == ids[0]),
        "{ids:?}"
    );
    let listed = verified.session.get(&path)?.json()?;
    let drafts = listed["items"].as_array().context("items")?.len();
    ensure!(drafts == 1, "{drafts} filings: {listed}");
    // The same key with another body is refused.
    let reply = verified.session.post_with(
        &path,
        &json!({"data": {"name": "另一个"}}),
        &[("idempotency-key", key.as_str())],
    )?;
    crate::support::assert_error(&reply, 422, "idempotency_key_reused")?;
    Ok(())
}

/// The pages' contract, as schemathesis is the API's: every page route, with garbage
/// in its path, its query and its form body, by every method, signed in and not, is
/// answered below 500, and an error is an HTML page.
fn every_page_answers_garbage_with_its_error(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise()?;
    let garbage = [
        "%E7%94%B5",
        "%27",
        "%EF%BC%91%EF%BC%92%EF%BC%93",
        "%00",
        "%E7%94",
        "..%2F..%2Fetc",
        "%3Cscript%3E",
        "-1",
        "PR2026-44-000001-1%0D%0ALocation:%20x",
        &"9".repeat(3000),
    ];
    let templates = [
        "/products/{}/",
        "/en/products/{}/",
        "/enterprises/{}/",
        "/patents/{}/",
        "/products/field/{}/",
        "/en/products/province/{}/",
        "/products/prefecture/{}/",
        "/products/year/{}/",
        "/products/field/03/page/{}/",
        "/rounds/{}/",
        "/certificates/{}/",
        "/en/certificates/{}/",
        "/enterprise/products/{}/update/",
        "/open-data/{}/products.csv.gz",
        "/open-data/latest/{}",
        "/sitemaps/products-{}.xml",
    ];
    let queries = [
        "q=%00",
        "next=%0D%0ALocation:%20//evil.example",
        "next=%2F%09%2Fevil.example",
        "cursor=%E7%94",
        "cursor=-99999999999999999999",
        "year=99999999999999999999",
        "field=%27&region=%EF%BC%91&status=%00",
        "id=-1",
        &format!("q={}", "%E7%94%B5".repeat(400)),
    ];
    let fixed = [
        "/search/",
        "/en/search/",
        "/products/",
        "/statistics/",
        "/rounds/",
        "/enterprise/signin/",
        "/en/enterprise/register/",
        "/enterprise/filing/",
        "/enterprise/filings/",
        "/port/apply/",
        "/lookup",
    ];
    let mut paths: Vec<String> = templates
        .iter()
        .flat_map(|t| garbage.iter().map(move |g| t.replace("{}", g)))
        .collect();
    paths.extend(
        fixed
            .iter()
            .flat_map(|p| queries.iter().map(move |q| format!("{p}?{q}"))),
    );
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let bodies: [&[u8]; 3] = [
        b"email=%E7%94&password&next=%0D%0A&_csrf=x&data=%00",
        &[0xff, 0xfe, 0x00, 0x01, b'=', 0x80],
        &[b'x'; 300_000],
    ];
    let mut checked = 0;
    let mut check = |method: &str, path: &str, reply: &ppr_tests::Reply| -> Result<()> {
        checked += 1;
        ensure!(
            reply.status < 500,
            "{method} {}: {}",
            &path[..path.len().min(120)],
            reply.status
        );
        let html = reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"));
        ensure!(
            reply.status < 400 || method == "HEAD" || html,
            "{method} {}: {} without an HTML page ({:?})",
            &path[..path.len().min(120)],
            reply.status,
            reply.header("content-type")
        );
        Ok(())
    };
    for path in &paths {
        check("GET", path, &worker.request("GET", path, &[], Vec::new())?)?;
        check(
            "GET",
            path,
            &verified.session.raw("GET", path, &[], Vec::new())?,
        )?;
        for body in bodies {
            check(
                "POST",
                path,
                &verified.session.raw("POST", path, &form, body.to_vec())?,
            )?;
        }
    }
    for path in fixed {
        for method in ["HEAD", "PUT", "DELETE", "PATCH"] {
            check(
                method,
                path,
                &verified
                    .session
                    .raw(method, path, &form, bodies[0].to_vec())?,
            )?;
        }
    }
    ensure!(checked > 1000, "{checked} requests");
    Ok(())
}
