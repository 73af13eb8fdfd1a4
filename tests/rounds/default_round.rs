//! A whole round with the shipped methodology: open → formal check → evaluation →
//! public notice with objections (one upheld, one dismissed) → objection handling →
//! final → certificates verified. Every benchmark and every outcome is checked against
//! the core computing the same thing natively, byte for byte; a re-run gives the same
//! results; who sees what is checked on the way.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use ppr_core::methodology::{BenchmarkSet, Methodology, ProductYear, compute_benchmarks};
use ppr_core::{RegionCode, RegionScope};
use ppr_tests::ports::open_port;
use ppr_tests::receiver::Receiver;
use ppr_tests::rounds::{
    advance, advance_and_wait, all_entries, assert_core_outcomes, entry_inputs, noon_in,
    public_list, rerun_and_wait, today,
};
use ppr_tests::{Session, TestWorker};
use serde_json::{Value, json};

use crate::DEFAULT_IDENTIFIED;

/// Asserts an error answer: status and code.
fn refused(reply: &ppr_tests::Reply, status: u16, code: &str) -> Result<()> {
    ensure!(
        reply.status == status && reply.json()?["error"]["code"] == code,
        "want {status} {code}, got {} {}",
        reply.status,
        reply.body
    );
    Ok(())
}

pub fn run(worker: &TestWorker) -> Result<()> {
    let admin = worker.admin()?;
    let year = today().format("%Y").to_string().parse::<i32>()?;
    let tomorrow = noon_in(1);

    // The shipped methodology is listed, marked as a configurable default.
    let listed = worker.get("/api/v1/methodologies")?.json()?;
    let default = &listed["items"][0];
    ensure!(
        default["default"] == true && default["name"] == "ppr-default@2026.1",
        "{listed}"
    );
    ensure!(
        default["notice"]
            .as_str()
            .is_some_and(|n| n.contains("Configurable default")),
        "{default}"
    );

    // Opening: the dates are checked; one round a year.
    let bad = admin.post_json(
        "/api/v1/rounds",
        &json!({"year": year, "opt_in_deadline": format!("{}-01-10", year - 1), "evaluation_date": format!("{}-01-01", year - 1), "notice_days": 0}),
    )?;
    refused(&bad, 422, "validation_failed")?;
    let fields: Vec<String> = bad.json()?["error"]["fields"]
        .as_array()
        .context("fields")?
        .iter()
        .filter_map(|f| f["field"].as_str().map(str::to_owned))
        .collect();
    ensure!(
        fields == ["opt_in_deadline", "evaluation_date", "notice_days"],
        "{fields:?}"
    );
    let open = json!({"year": year, "opt_in_deadline": today(), "evaluation_date": today()});
    let opened = admin.post_with(
        "/api/v1/rounds",
        &open,
        &[("idempotency-key", "open-round")],
    )?;
    ensure!(
        opened.status == 201,
        "open: {} {}",
        opened.status,
        opened.body
    );
    let replay = admin.post_with(
        "/api/v1/rounds",
        &open,
        &[("idempotency-key", "open-round")],
    )?;
    ensure!(
        replay.status == 201 && replay.header("idempotent-replayed") == Some("true"),
        "replay: {} {}",
        replay.status,
        replay.body
    );
    refused(
        &admin.post_json("/api/v1/rounds", &open)?,
        409,
        "round_exists",
    )?;

    // An enterprise of its own opts in while the round is open.
    let verified = worker.verified_enterprise_in("440300")?;
    let number = worker.recorded_product(&verified, "认定测试储能电池")?;
    let own = verified.path(&format!("/products/{number}"));
    let version = |session: &Session<'_>| -> Result<i64> {
        session.get(&own)?.json()?["version"]
            .as_i64()
            .context("product version")
    };
    let opt_in = verified.session.put_json(
        &format!("{own}/opt-in"),
        &json!({"opt_in": true}),
        Some(version(&verified.session)?),
    )?;
    ensure!(
        opt_in.status == 200,
        "opt in: {} {}",
        opt_in.status,
        opt_in.body
    );
    ensure!(opt_in.json()?["opt_in_year"] == year, "{}", opt_in.body);

    // The formal check waits for the deadline to pass, then runs.
    refused(
        &advance(&admin, year, "evaluation", &tomorrow)?,
        409,
        "not_next_stage",
    )?;
    refused(
        &advance(
            &admin,
            year,
            "formal_check",
            &format!("{}T04:00:00Z", today()),
        )?,
        409,
        "opt_in_open",
    )?;
    let round = advance_and_wait(worker, &admin, year, "formal_check", &tomorrow)?;
    let opted = PRODUCTS_OPTED_IN + 1;
    ensure!(
        round["steps"][0]["total"] == opted && round["steps"][0]["done"] == opted,
        "{round}"
    );
    // Opting in (or out) is closed now.
    let late = verified.session.put_json(
        &format!("{own}/opt-in"),
        &json!({"opt_in": false}),
        Some(version(&verified.session)?),
    )?;
    refused(&late, 409, "opt_in_closed")?;

    // Who is out, and why: the synthetic data fails every gate somewhere.
    let entries = all_entries(&admin, year)?;
    ensure!(entries.len() == opted, "{} entries", entries.len());
    let failed: BTreeSet<String> = entries
        .iter()
        .flat_map(|e| e["failed_gates"].as_array().cloned().unwrap_or_default())
        .filter_map(|g| g.as_str().map(str::to_owned))
        .collect();
    ensure!(
        failed == BTreeSet::from(["recorded", "valid_invention", "year_data"].map(str::to_owned)),
        "{failed:?}"
    );

    let round = advance_and_wait(worker, &admin, year, "evaluation", &tomorrow)?;
    let first_set = round["benchmark_set_id"].clone();
    ensure!(first_set.is_i64(), "{round}");
    let entries = all_entries(&admin, year)?;
    check_against_the_core(&admin, year, &entries)?;

    // Re-running the evaluation gives the same set (by its hash) and the same outcomes.
    let again = rerun_and_wait(worker, &admin, year, &round)?;
    ensure!(again["benchmark_set_id"] == first_set, "{again}");
    ensure!(again["steps"][1]["run"] == 2, "{again}");
    let outcomes = |list: &[Value]| -> Vec<(Value, Value, Value)> {
        list.iter()
            .map(|e| {
                (
                    e["registration_number"].clone(),
                    e["outcome"].clone(),
                    e["breakdown"].clone(),
                )
            })
            .collect()
    };
    ensure!(
        outcomes(&all_entries(&admin, year)?) == outcomes(&entries),
        "a re-run changed results"
    );

    // The enterprise sees its product's breakdown; another enterprise does not.
    let mine = verified
        .session
        .get(&verified.path("/evaluations"))?
        .json()?;
    let item = &mine["items"][0];
    ensure!(
        item["registration_number"] == number.as_str() && item["year"] == year,
        "{mine}"
    );
    ensure!(
        item["breakdown"]["methodology"] == "ppr-default@2026.1",
        "{mine}"
    );
    let other = worker.verified_enterprise_in("370200")?;
    let peek = other.session.get(&verified.path("/evaluations"))?;
    refused(&peek, 403, "not_your_enterprise")?;

    // The what-if answers with the same scorer: an entry's inputs give its breakdown.
    let sample = entries
        .iter()
        .find(|e| e["outcome"] == "identified")
        .context("an identified entry")?;
    let inputs: ProductYear = serde_json::from_value(sample["inputs"].clone())?;
    let preview = verified.session.post_json(
        "/api/v1/evaluation/preview",
        &json!({
            "field": sample["field"], "sales": inputs.sales, "exports": inputs.exports,
            "profit": inputs.profit, "ip_investment": inputs.ip_investment,
            "linked_patents": inputs.linked_patents, "core_patents": inputs.core_patents,
            "valid_invention_patents": inputs.valid_invention_patents,
            "contribution_pct": inputs.contribution_pct,
        }),
    )?;
    ensure!(
        preview.status == 200,
        "preview: {} {}",
        preview.status,
        preview.body
    );
    ensure!(
        preview.json()?["breakdown"] == sample["breakdown"],
        "{}",
        preview.body
    );
    let bad = verified.session.post_json(
        "/api/v1/evaluation/preview",
        &json!({"field": "42", "sales": -1, "exports": 0, "profit": 0, "ip_investment": 0,
                "linked_patents": 1, "core_patents": 2, "valid_invention_patents": 0, "contribution_pct": 101}),
    )?;
    refused(&bad, 422, "validation_failed")?;

    // The list is public from the notice on, with public fields only.
    refused(
        &worker.get(&format!("/api/v1/rounds/{year}/list"))?,
        409,
        "list_not_public",
    )?;
    let round = advance_and_wait(worker, &admin, year, "public_notice", &tomorrow)?;
    let notice_end = round["notice"]["end"]
        .as_str()
        .context("notice end")?
        .to_owned();
    let listed: Vec<&Value> = entries
        .iter()
        .filter(|e| e["outcome"] == "identified")
        .collect();
    let list = public_list(worker, year)?;
    ensure!(
        list.len() == listed.len(),
        "{} listed, {} expected",
        list.len(),
        listed.len()
    );
    let page = worker.get(&format!("/api/v1/rounds/{year}/list"))?.body;
    for confidential in [
        "inputs",
        "sales",
        "breakdown",
        "contribution",
        "failed_gates",
    ] {
        ensure!(
            !page.contains(confidential),
            "the public list shows {confidential}"
        );
    }

    // Objections: anyone, during the notice, against a listed product.
    let target = listed[0]["registration_number"]
        .as_str()
        .context("number")?
        .to_owned();
    let kept = listed[1]["registration_number"]
        .as_str()
        .context("number")?
        .to_owned();
    let unlisted = entries
        .iter()
        .find(|e| e["outcome"] == "not_identified")
        .and_then(|e| e["registration_number"].as_str())
        .context("an unlisted product")?;
    let objections = format!("/api/v1/rounds/{year}/objections");
    let contact =
        json!({"name": "王五", "email": "objector.marker@example.cn", "phone": "13912345678"});
    let anonymous = |key: &str, number: &str, reason: &str, contact: Option<&Value>| {
        let mut body = json!({"registration_number": number, "reason": reason});
        if let Some(c) = contact {
            body["contact"] = c.clone();
        }
        worker.request(
            "POST",
            &objections,
            &[
                ("content-type", "application/json"),
                ("idempotency-key", key),
                ("x-ppr-now", &tomorrow),
            ],
            serde_json::to_vec(&body).unwrap_or_default(),
        )
    };
    let filed = anonymous(
        "objection-1",
        &target.to_lowercase(),
        "销售数据与企业年报明显不符。",
        Some(&contact),
    )?;
    ensure!(
        filed.status == 201,
        "object: {} {}",
        filed.status,
        filed.body
    );
    ensure!(
        !filed.body.contains("objector.marker"),
        "the contact is echoed"
    );
    let upheld_id = filed.json()?["id"].as_i64().context("id")?;
    let repeat = anonymous(
        "objection-1",
        &target.to_lowercase(),
        "销售数据与企业年报明显不符。",
        Some(&contact),
    )?;
    ensure!(
        repeat.json()?["id"] == upheld_id,
        "a repeat made a second objection"
    );
    refused(
        &anonymous("objection-2", &target, "没有联系方式的异议内容。", None)?,
        422,
        "validation_failed",
    )?;
    refused(
        &anonymous(
            "objection-3",
            unlisted,
            "未列入名单的产品也提异议。",
            Some(&contact),
        )?,
        409,
        "not_listed",
    )?;
    let signed = verified.session.at(&tomorrow).post_json(
        &objections,
        &json!({"registration_number": kept, "reason": "核心专利的权利人存在争议。"}),
    )?;
    ensure!(
        signed.status == 201,
        "signed-in objection: {} {}",
        signed.status,
        signed.body
    );
    let dismissed_id = signed.json()?["id"].as_i64().context("id")?;
    // One open objection per person and product: a second, however worded, waits for
    // the first to be decided, so no account can hold a product back by repeating.
    refused(
        &verified.session.at(&tomorrow).post_json(
            &objections,
            &json!({"registration_number": kept, "reason": "再次提出：核心专利权属争议。"}),
        )?,
        409,
        "objection_open",
    )?;
    let after_notice = format!("{}T04:00:00Z", next_day(&notice_end)?);
    let late = worker.request(
        "POST",
        &objections,
        &[("content-type", "application/json"), ("x-ppr-now", &after_notice)],
        serde_json::to_vec(&json!({"registration_number": kept, "reason": "公示期结束后的异议。", "contact": contact}))?,
    )?;
    refused(&late, 409, "objections_closed")?;

    // The notice must run its course; the list is final only with every objection decided.
    refused(
        &advance(&admin, year, "objection_handling", &tomorrow)?,
        409,
        "notice_running",
    )?;
    advance_and_wait(worker, &admin, year, "objection_handling", &after_notice)?;
    refused(
        &advance(&admin, year, "final", &after_notice)?,
        409,
        "objections_open",
    )?;
    let all = admin.get(&objections)?.json()?;
    ensure!(
        all["items"][0]["filer"]["email"] == "objector.marker@example.cn",
        "{all}"
    );
    let decide = |id: i64, decision: &str, reason: &str| {
        admin.post_json(
            &format!("/api/v1/objections/{id}/decision"),
            &json!({"decision": decision, "reason": reason}),
        )
    };
    let upheld = decide(upheld_id, "uphold", "年报核实：申报销售额高于实际。")?;
    ensure!(upheld.json()?["status"] == "upheld", "{}", upheld.body);
    refused(
        &decide(upheld_id, "dismiss", "再次决定。")?,
        409,
        "objection_decided",
    )?;
    let dismissed = decide(dismissed_id, "dismiss", "权属争议未经确认。")?;
    ensure!(
        dismissed.json()?["status"] == "dismissed",
        "{}",
        dismissed.body
    );
    let removed = all_entries(&admin, year)?
        .into_iter()
        .find(|e| e["registration_number"] == target.as_str())
        .context("the removed entry")?;
    ensure!(removed["outcome"] == "removed", "{removed}");
    ensure!(
        removed["breakdown"]["rule"] == "objection_upheld",
        "{removed}"
    );
    ensure!(
        removed["breakdown"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("年报核实")),
        "{removed}"
    );

    // The province of a listed product opens its port and subscribes to
    // identification.published before the list is final.
    let kept_region = all_entries(&admin, year)?
        .iter()
        .find(|e| e["registration_number"] == kept.as_str())
        .and_then(|e| e["region_code"].as_str().map(str::to_owned))
        .context("kept region")?;
    // (The XPCC's cities are their own region, outside Xinjiang's.)
    let province = if RegionScope::xpcc().contains(RegionCode::parse(&kept_region)?) {
        "xpcc".to_owned()
    } else {
        format!("{}0000", kept_region.get(..2).context("region")?)
    };
    let receiver = Receiver::start()?;
    let port = open_port(worker, &province, None)?;
    let endpoint = port
        .send(
            "POST",
            "/api/v1/port/webhooks",
            Some(&json!({"url": receiver.url("province"), "event_types": ["identification.published"]})),
        )?
        .json()?;
    let secret = endpoint["secret"].as_str().context("secret")?.to_owned();
    receiver.configure("province", &[secret], 0, 503, None)?;

    // Final: the list is published, each product certified.
    let round = advance_and_wait(worker, &admin, year, "final", &after_notice)?;
    ensure!(round["published_at"].is_string(), "{round}");
    let identified = public_list(worker, year)?;
    ensure!(
        identified.len() == listed.len() - 1 && !identified.contains(&target),
        "{identified:?}"
    );
    let list = worker
        .get(&format!("/api/v1/rounds/{year}/list?limit=1"))?
        .json()?;
    ensure!(list["status"] == "identified", "{list}");
    let entries = all_entries(&admin, year)?;
    let certified = entries
        .iter()
        .find(|e| e["registration_number"] == kept.as_str())
        .context("kept entry")?;
    let code = certified["certificate"]
        .as_str()
        .context("certificate")?
        .to_owned();
    ensure!(
        entries
            .iter()
            .filter(|e| e["certificate"].is_string())
            .count()
            == identified.len(),
        "every identified product has one certificate"
    );
    let check = worker.get(&format!(
        "/api/v1/certificates/{}",
        code.to_lowercase().replace('-', "")
    ))?;
    ensure!(
        check.status == 200,
        "certificate: {} {}",
        check.status,
        check.body
    );
    let check = check.json()?;
    ensure!(
        check["genuine"] == true
            && check["product"]["registration_number"] == kept.as_str()
            && check["year"] == year
            && check["methodology"]["name"] == "ppr-default@2026.1",
        "{check}"
    );
    // Each identified product of the province was announced once, signed.
    let scope = RegionScope::parse(&province)?;
    let in_province: BTreeSet<String> = entries
        .iter()
        .filter(|e| e["certificate"].is_string())
        .filter(|e| {
            e["region_code"]
                .as_str()
                .and_then(|c| RegionCode::parse(c).ok())
                .is_some_and(|c| scope.contains(c))
        })
        .filter_map(|e| e["registration_number"].as_str().map(str::to_owned))
        .collect();
    ensure!(
        in_province.contains(&kept),
        "{kept} is identified in {province}"
    );
    let announced = |log: &[ppr_tests::receiver::Received]| -> BTreeSet<String> {
        log.iter()
            .filter(|r| r.verified && r.status == Some(204))
            .filter_map(|r| r.body.as_ref())
            .filter(|b| b["type"] == "identification.published" && b["data"]["year"] == year)
            .filter_map(|b| b["data"]["registration_number"].as_str().map(str::to_owned))
            .collect()
    };
    let log = receiver.wait_for(Duration::from_secs(60), |log| announced(log) == in_province)?;
    let ids: BTreeSet<&str> = log.iter().filter_map(|r| r.webhook_id.as_deref()).collect();
    ensure!(
        ids.len() == in_province.len(),
        "{} events for {} products",
        ids.len(),
        in_province.len()
    );

    let mut typo: Vec<char> = code.chars().collect();
    // The last random symbol (the code ends in "-" and its check symbol).
    let last = typo.len() - 3;
    typo[last] = if typo[last] == '0' { '1' } else { '0' };
    let typo: String = typo.into_iter().collect();
    refused(
        &worker.get(&format!("/api/v1/certificates/{typo}"))?,
        404,
        "certificate_not_found",
    )?;
    // The same answers as pages, for a person checking a certificate.
    let page = worker.get(&format!("/en/certificates/{code}/"))?;
    ensure!(
        page.status == 200
            && page.body.contains("This certificate is genuine")
            && page.body.contains(&format!("/en/products/{kept}/")),
        "{} {}",
        page.status,
        page.body
    );
    let page = worker.get(&format!("/certificates/{typo}/"))?;
    ensure!(
        page.status == 404 && page.body.contains("未找到该证书") && page.body.contains(&typo),
        "{} {}",
        page.status,
        page.body
    );
    let product = worker.get(&format!("/api/v1/products/{kept}"))?.json()?;
    ensure!(product["identified_years"] == json!([year]), "{product}");
    let identified_filter = worker
        .get("/api/v1/products?status=identified&limit=100")?
        .json()?;
    ensure!(
        identified_filter["items"]
            .as_array()
            .is_some_and(|i| !i.is_empty()),
        "{identified_filter}"
    );

    // Nothing confidential reached a public answer on the way.
    let public = [
        worker.get("/api/v1/rounds")?.body,
        worker.get(&format!("/api/v1/rounds/{year}"))?.body,
        worker
            .get(&format!("/api/v1/rounds/{year}/list?limit=200"))?
            .body,
        worker.get(&format!("/api/v1/certificates/{code}"))?.body,
        worker.get(&format!("/api/v1/products/{kept}"))?.body,
    ];
    for body in &public {
        for marker in ["objector.marker", "13912345678", "王五"] {
            ensure!(
                !body.contains(marker),
                "{marker} in a public answer: {body}"
            );
        }
    }

    if let Ok(mut shared) = DEFAULT_IDENTIFIED.lock() {
        *shared = Some(Ok(identified.into_iter().collect()));
    }
    Ok(())
}

/// Synthetic products that opt in: nine in ten (see `ppr-admin synthetic-products`).
const PRODUCTS_OPTED_IN: usize = crate::PRODUCTS - crate::PRODUCTS / 10;

fn next_day(date: &str) -> Result<chrono::NaiveDate> {
    let date: chrono::NaiveDate = date.parse()?;
    date.succ_opt().context("a next day")
}

/// The served benchmark set is what the core computes natively from the same inputs,
/// and every outcome and breakdown is the core's, byte for byte.
fn check_against_the_core(admin: &Session<'_>, year: i32, entries: &[Value]) -> Result<()> {
    let m = Methodology::default_methodology().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let native = compute_benchmarks(&m, &entry_inputs(entries)?);
    let served = admin
        .get(&format!("/api/v1/rounds/{year}/benchmarks"))?
        .json()?;
    let served: BenchmarkSet = serde_json::from_value(served["set"].clone())?;
    ensure!(
        served == native,
        "benchmarks differ:\nserved {served:?}\nnative {native:?}"
    );
    let rules = assert_core_outcomes(&m, &native, entries)?;
    ensure!(
        rules.len() == 4,
        "the data should reach every rule, reached {rules:?}"
    );
    Ok(())
}
