//! The registration path end to end: verification, patents, filing, return and
//! resubmission, recording, public lookup, annual update, opt-in, modification, and
//! revocation (prompted by a legal-status import, and voluntary); each illegal
//! transition with its 4xx.

use anyhow::{Context, Result, ensure};
use ppr_tests::TestWorker;
use ppr_tests::fixtures::PASSWORD;
use ppr_tests::registry::{filing_data, this_year, upload, verification_body};
use serde_json::json;

use crate::support::{Case, assert_error, assert_field};

pub const CASES: &[Case] = &[
    ("registration::the_whole_path", the_whole_path),
    (
        "registration::unverified_enterprises_cannot_file",
        unverified_enterprises_cannot_file,
    ),
    ("registration::verification_rules", verification_rules),
    ("registration::patent_rules", patent_rules),
    (
        "registration::filing_rules_and_illegal_transitions",
        filing_rules_and_illegal_transitions,
    ),
    (
        "registration::voluntary_revocation_is_reviewed",
        voluntary_revocation_is_reviewed,
    ),
    ("registration::review_queue", review_queue),
    (
        "registration::prompted_revocation_confirmed_or_lifted",
        prompted_revocation_confirmed_or_lifted,
    ),
    ("registration::work_calendar_setting", work_calendar_setting),
    (
        "registration::staff_see_history_in_their_scope",
        staff_see_history_in_their_scope,
    ),
];

fn the_whole_path(worker: &TestWorker) -> Result<()> {
    // Register and verify.
    let enterprise = worker.register_enterprise_in("440300")?;
    let session = worker.sign_in(&enterprise.email, PASSWORD)?;
    let base = format!("/api/v1/enterprises/{}", enterprise.uscc);
    let document = upload(&session, &enterprise.uscc, "verification")?;
    let reply = session.post_json(
        &format!("{base}/verifications"),
        &verification_body(document),
    )?;
    ensure!(reply.status == 201, "{}", reply.body);
    let verification = reply.json()?;
    ensure!(verification["status"] == "pending", "{verification}");
    let reviewer = worker.reviewer()?;
    let decision = format!("/api/v1/verifications/{}/decision", verification["id"]);
    let reply = reviewer.post_json(&decision, &json!({"decision": "approve"}))?;
    ensure!(reply.status == 200, "{}", reply.body);
    let reply = reviewer.post_json(&decision, &json!({"decision": "approve"}))?;
    assert_error(&reply, 409, "already_decided")?;

    // Patents.
    let verified = ppr_tests::registry::Verified {
        enterprise: enterprise.clone(),
        session,
    };
    let first = verified.add_patent()?;
    let second = verified.add_patent()?;
    let evidence = verified.upload("evidence")?;

    // File, with a mistake the reviewer returns.
    let mut data = filing_data("锂电池管理系统", &[&first, &second], evidence);
    data["economics"]["sales"] = json!(1_000_000);
    let filing = verified.draft(&data)?;
    let id = filing["id"].as_i64().context("id")?;
    ensure!(filing["status"] == "draft", "{filing}");
    let submitted = verified.submit(id)?;
    ensure!(submitted["status"] == "submitted", "{submitted}");
    let decide = format!("/api/v1/filings/{id}/decision");
    let reply = reviewer.post_json(
        &decide,
        &json!({"decision": "return", "reasons": [{"field": "economics.sales", "message": "销售额与发票不符"}]}),
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    let returned = reply.json()?;
    ensure!(returned["status"] == "returned", "{returned}");
    ensure!(
        returned["return_reasons"][0]["field"] == "economics.sales",
        "{returned}"
    );
    // The enterprise sees the reasons, fixes and resubmits.
    let seen = verified
        .session
        .get(&verified.path(&format!("/filings/{id}")))?
        .json()?;
    ensure!(
        seen["return_reasons"][0]["message"] == "销售额与发票不符",
        "{seen}"
    );
    data["economics"]["sales"] = json!(5_000_000);
    let reply = verified.session.put_json(
        &verified.path(&format!("/filings/{id}")),
        &json!({"data": data}),
        seen["version"].as_i64(),
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    verified.submit(id)?;
    let reply = reviewer.post_json(&decide, &json!({"decision": "approve"}))?;
    ensure!(reply.status == 200, "{}", reply.body);
    let approved = reply.json()?;
    ensure!(approved["status"] == "approved", "{approved}");
    let number = approved["product"]
        .as_str()
        .context("registration number")?
        .to_owned();
    let year = this_year();
    ensure!(number.starts_with(&format!("PR{year}-44-")), "{number}");
    ensure!(
        ppr_core::regnum::RegistrationNumber::parse(&number).is_ok(),
        "{number}"
    );

    // Public lookup: by number, by patent, by enterprise; no confidential data.
    let public = worker.get(&format!("/api/v1/products/{number}"))?;
    ensure!(public.status == 200, "{}", public.body);
    let product = public.json()?;
    ensure!(product["name"] == "锂电池管理系统", "{product}");
    ensure!(
        product["patents"].as_array().map(Vec::len) == Some(2),
        "{product}"
    );
    ensure!(product["patents"][0]["core"] == true, "{product}");
    ensure!(product["years_recorded"] == json!([year - 1]), "{product}");
    for secret in [
        "5000000",
        "contribution",
        "sales",
        "13800138000",
        "ip_investment",
    ] {
        ensure!(
            !public.body.contains(secret),
            "{secret} leaked: {}",
            public.body
        );
    }
    let by_patent = worker.get(&format!(
        "/api/v1/patents/CN{}/products",
        first.replace('.', "")
    ))?;
    ensure!(by_patent.status == 200, "{}", by_patent.body);
    ensure!(
        by_patent.json()?["items"][0]["product"]["registration_number"] == number.as_str(),
        "{}",
        by_patent.body
    );
    let by_enterprise = worker.get(&base)?.json()?;
    ensure!(
        by_enterprise["products"][0]["registration_number"] == number.as_str(),
        "{by_enterprise}"
    );

    // Annual update: refused outside the window, accepted inside it.
    let own = format!("{base}/products/{number}");
    let version = verified.session.get(&own)?.json()?["version"]
        .as_i64()
        .context("version")?;
    let admin = worker.admin()?;
    let window_key = format!("/api/v1/settings/annual_update_window.{year}");
    let today = ppr_core::calendar::business_date(chrono::Utc::now());
    let closed_day = if today.format("%m-%d").to_string() == "01-01" {
        format!("{year}-12-31")
    } else {
        format!("{year}-01-01")
    };
    let reply = admin.put_json(
        &window_key,
        &json!({"value": {"start": closed_day, "end": closed_day}}),
        None,
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    let update = json!({"sales": 6_000_000, "exports": 1_000_000, "profit": 900_000, "ip_investment": 300_000});
    let update_path = format!("{own}/years/{}", year - 1);
    let reply = verified
        .session
        .put_json(&update_path, &update, Some(version))?;
    assert_error(&reply, 409, "outside_update_window")?;
    let reply = admin.put_json(
        &window_key,
        &json!({"value": {"start": format!("{year}-01-01"), "end": format!("{year}-12-31")}}),
        None,
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    let reply = verified
        .session
        .put_json(&update_path, &update, Some(version))?;
    ensure!(reply.status == 200, "{}", reply.body);
    let updated = reply.json()?;
    ensure!(updated["economics"][0]["sales"] == 6_000_000, "{updated}");
    let reply = verified
        .session
        .put_json(&update_path, &update, Some(version))?;
    assert_error(&reply, 409, "stale_version")?;

    // Opt in to this year's round.
    let version = updated["version"].as_i64().context("version")?;
    let reply = verified.session.put_json(
        &format!("{own}/opt-in"),
        &json!({"opt_in": true}),
        Some(version),
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    ensure!(reply.json()?["opt_in_year"] == year, "{}", reply.body);

    // Modification: reviewed; the public record keeps the approved version meanwhile.
    let reply = verified.session.post_json(
        &verified.path("/filings"),
        &json!({"kind": "modification", "product": number}),
    )?;
    ensure!(reply.status == 201, "{}", reply.body);
    let modification = reply.json()?;
    let mod_id = modification["id"].as_i64().context("id")?;
    ensure!(
        modification["data"]["name"] == "锂电池管理系统",
        "{modification}"
    );
    let mut changed = modification["data"].clone();
    changed["name"] = json!("锂电池管理系统二代");
    changed["evidence"] = json!([verified.upload("evidence")?]);
    let reply = verified.session.put_json(
        &verified.path(&format!("/filings/{mod_id}")),
        &json!({"data": changed}),
        modification["version"].as_i64(),
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    verified.submit(mod_id)?;
    let still = worker.get(&format!("/api/v1/products/{number}"))?.json()?;
    ensure!(still["name"] == "锂电池管理系统", "{still}");
    let reply = reviewer.post_json(
        &format!("/api/v1/filings/{mod_id}/decision"),
        &json!({"decision": "approve"}),
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    let now_public = worker.get(&format!("/api/v1/products/{number}"))?.json()?;
    ensure!(now_public["name"] == "锂电池管理系统二代", "{now_public}");
    ensure!(
        now_public["registration_number"] == number.as_str(),
        "{now_public}"
    );

    // Prompted revocation: an import lapses both patents; the cron job revokes at the
    // deadline (0 days here).
    let reply = admin.put_json(
        "/api/v1/settings/prompted_revocation_days",
        &json!({"value": 0}),
        None,
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    let csv = format!(
        "number,status,date\n{first},lapsed,{year}-01-15\n{second},transferred,{year}-02-01\n"
    );
    let reply = admin.post_raw(
        "/api/v1/patent-status-imports",
        "text/csv",
        csv.into_bytes(),
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    ensure!(reply.json()?["known_numbers"] == 2, "{}", reply.body);
    let prompted = verified.session.get(&own)?.json()?;
    ensure!(
        prompted["revocation_prompt"]["deadline"].is_string(),
        "{prompted}"
    );
    ensure!(prompted["status"] == "recorded", "{prompted}");
    worker.run_scheduled()?;
    let revoked = worker.get(&format!("/api/v1/products/{number}"))?.json()?;
    ensure!(revoked["status"] == "revoked", "{revoked}");
    ensure!(revoked["revoked_at"].is_string(), "{revoked}");
    // Revoked products leave the default listing but keep their public record.
    let listed = worker
        .get(&format!("/api/v1/products?q={}", urlencode("二代")))?
        .json()?;
    ensure!(
        !listed["items"]
            .as_array()
            .context("items")?
            .iter()
            .any(|p| p["registration_number"] == number.as_str()),
        "{listed}"
    );
    // Nothing changes a revoked product.
    let reply =
        verified
            .session
            .put_json(&format!("{own}/opt-in"), &json!({"opt_in": false}), Some(1))?;
    assert_error(&reply, 409, "product_revoked")?;

    // The history: every transaction, typed, newest first.
    let history = verified
        .session
        .get(&verified.path("/transactions"))?
        .json()?;
    let kinds: Vec<&str> = history["items"]
        .as_array()
        .context("items")?
        .iter()
        .filter_map(|t| t["kind"].as_str())
        .collect();
    ensure!(
        kinds == ["revocation", "modification", "opt_in", "update", "initial"],
        "{kinds:?}"
    );
    ensure!(history["items"][0]["actor_role"] == "system", "{history}");
    Ok(())
}

/// Percent-encodes a query value.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn unverified_enterprises_cannot_file(worker: &TestWorker) -> Result<()> {
    let (enterprise, session) = worker.enterprise_session()?;
    let base = format!("/api/v1/enterprises/{}", enterprise.uscc);
    let reply = session.post_json(
        &format!("{base}/patents"),
        &ppr_tests::registry::patent_body(&ppr_tests::registry::patent_number()),
    )?;
    let error = assert_error(&reply, 403, "enterprise_not_verified")?;
    ensure!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("verification")),
        "{error}"
    );
    let reply = session.post_json(&format!("{base}/filings"), &json!({}))?;
    assert_error(&reply, 403, "enterprise_not_verified")?;
    let reply = session.post_raw(
        &format!("{base}/documents?purpose=evidence"),
        "application/pdf",
        ppr_tests::registry::PDF.to_vec(),
    )?;
    assert_error(&reply, 403, "enterprise_not_verified")?;
    // Pending is still not verified, and says so.
    let document = upload(&session, &enterprise.uscc, "verification")?;
    let reply = session.post_json(
        &format!("{base}/verifications"),
        &verification_body(document),
    )?;
    ensure!(reply.status == 201, "{}", reply.body);
    let reply = session.post_json(&format!("{base}/filings"), &json!({}))?;
    let error = assert_error(&reply, 403, "enterprise_not_verified")?;
    ensure!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("waiting")),
        "{error}"
    );
    Ok(())
}

fn verification_rules(worker: &TestWorker) -> Result<()> {
    let (enterprise, session) = worker.enterprise_session()?;
    let path = format!("/api/v1/enterprises/{}/verifications", enterprise.uscc);
    let document = upload(&session, &enterprise.uscc, "verification")?;
    let mut body = verification_body(document);
    body["commitment"] = json!({"version": "2020-01", "accepted": false});
    body["documents"] = json!([document, 999_999]);
    body["legal_representative"] = json!(" ");
    let reply = session.post_json(&path, &body)?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "commitment.version", "outdated")?;
    assert_field(&error, "commitment.accepted", "required")?;
    assert_field(&error, "documents[1]", "unknown_document")?;
    assert_field(&error, "legal_representative", "required")?;
    // Reject with a reason, then resubmit.
    let reply = session.post_json(&path, &verification_body(document))?;
    ensure!(reply.status == 201, "{}", reply.body);
    let id = reply.json()?["id"].as_i64().context("id")?;
    let reply = session.post_json(&path, &verification_body(document))?;
    assert_error(&reply, 409, "verification_pending")?;
    let reviewer = worker.reviewer()?;
    let decision = format!("/api/v1/verifications/{id}/decision");
    let reply = reviewer.post_json(&decision, &json!({"decision": "reject"}))?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "reason", "required")?;
    let reply = reviewer.post_json(
        &decision,
        &json!({"decision": "reject", "reason": "营业执照不清晰"}),
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    let listed = session.get(&path)?.json()?;
    ensure!(listed["verification_status"] == "rejected", "{listed}");
    ensure!(listed["items"][0]["reason"] == "营业执照不清晰", "{listed}");
    let reply = session.post_json(&path, &verification_body(document))?;
    ensure!(reply.status == 201, "resubmit: {}", reply.body);
    // Only reviewers decide.
    let reply = session.post_json(&decision, &json!({"decision": "approve"}))?;
    assert_error(&reply, 403, "not_reviewer")?;
    Ok(())
}

fn patent_rules(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise()?;
    let path = verified.path("/patents");
    let number = ppr_tests::registry::patent_number();
    let mut body = ppr_tests::registry::patent_body(&number);
    body["kind"] = json!("design");
    body["application_date"] = json!("2016-01-04");
    body["grant_date"] = json!("2014-01-01");
    body["right_held"] = json!("borrowed");
    let reply = verified.session.post_json(&path, &body)?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "kind", "type_mismatch")?;
    assert_field(&error, "application_date", "year_mismatch")?;
    assert_field(&error, "right_held", "unknown_right")?;
    let reply = verified.session.post_json(&path, &json!({"number": "CN102822194B", "kind": "invention", "title": "x", "application_date": "2015-01-01", "grant_date": "2016-01-01", "right_held": "owned"}))?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "number", "publication_number")?;
    // Written variants are one patent: the duplicate is refused.
    let reply = verified
        .session
        .post_json(&path, &ppr_tests::registry::patent_body(&number))?;
    ensure!(reply.status == 201, "{}", reply.body);
    let created = reply.json()?;
    let variant = format!("ZL{}", number.replace('.', ""));
    let reply = verified
        .session
        .post_json(&path, &ppr_tests::registry::patent_body(&variant))?;
    let error = assert_error(&reply, 409, "patent_registered")?;
    assert_field(&error, "number", "patent_registered")?;
    // Update at the version read; a stale version is refused.
    let item = format!("{path}/{}", created["id"]);
    let mut update = ppr_tests::registry::patent_body(&number);
    update["title"] = json!("一种改进的电池管理方法");
    update["right_held"] = json!("exclusive_licence");
    let reply = verified
        .session
        .put_json(&item, &update, created["version"].as_i64())?;
    ensure!(reply.status == 200, "{}", reply.body);
    ensure!(
        reply.json()?["right_held"] == "exclusive_licence",
        "{}",
        reply.body
    );
    let reply = verified
        .session
        .put_json(&item, &update, created["version"].as_i64())?;
    assert_error(&reply, 409, "stale_version")?;
    // Imports are for national admins, and all or nothing.
    let reply = verified.session.post_raw(
        "/api/v1/patent-status-imports",
        "text/csv",
        b"number,status,date\n".to_vec(),
    )?;
    assert_error(&reply, 403, "not_national_admin")?;
    let admin = worker.admin()?;
    let csv = format!("number,status,date\n{number},lapsed,2026-01-01\n{number},gone,2026-01-01\n");
    let reply = admin.post_raw(
        "/api/v1/patent-status-imports",
        "text/csv",
        csv.into_bytes(),
    )?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "line 3: status", "unknown_status")?;
    let listed = verified.session.get(&path)?.json()?;
    ensure!(listed["items"][0]["legal_status"] == "valid", "{listed}");
    Ok(())
}

fn filing_rules_and_illegal_transitions(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise()?;
    let data = verified.complete_data("电池模组")?;
    // An incomplete draft is fine; submitting it is not.
    let empty = verified.draft(&json!({"name": "半成品"}))?;
    let empty_id = empty["id"].as_i64().context("id")?;
    let reply = verified.session.post_json(
        &verified.path(&format!("/filings/{empty_id}/submit")),
        &json!({}),
    )?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "data.patents", "required")?;
    assert_field(&error, "data.economics", "required")?;
    // Rules on content.
    let mut bad = data.clone();
    bad["patents"][0]["contribution_pct"] = json!(101);
    bad["economics"]["exports"] = json!(99_999_999);
    bad["field"] = json!("42");
    let reply = verified
        .session
        .post_json(&verified.path("/filings"), &json!({"data": bad}))?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "data.patents[0].contribution_pct", "range")?;
    assert_field(&error, "data.economics.exports", "exports_over_sales")?;
    assert_field(&error, "data.field", "unknown_field")?;
    // Illegal transitions.
    let filing = verified.draft(&data)?;
    let id = filing["id"].as_i64().context("id")?;
    let reviewer = worker.reviewer()?;
    let decide = format!("/api/v1/filings/{id}/decision");
    let reply = reviewer.post_json(&decide, &json!({"decision": "approve"}))?;
    assert_error(&reply, 409, "invalid_transition")?;
    verified.submit(id)?;
    let reply = verified
        .session
        .post_json(&verified.path(&format!("/filings/{id}/submit")), &json!({}))?;
    assert_error(&reply, 409, "invalid_transition")?;
    let reply = verified.session.put_json(
        &verified.path(&format!("/filings/{id}")),
        &json!({"data": data}),
        Some(2),
    )?;
    assert_error(&reply, 409, "invalid_transition")?;
    let reply = reviewer.post_json(
        &decide,
        &json!({"decision": "return", "reasons": [{"field": "password", "message": "x"}]}),
    )?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "reasons[0].field", "unknown_field")?;
    let reply = reviewer.post_json(
        &decide,
        &json!({"decision": "reject", "reason": "产品未实施所列专利"}),
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    ensure!(reply.json()?["status"] == "rejected", "{}", reply.body);
    let reply = reviewer.post_json(&decide, &json!({"decision": "approve"}))?;
    assert_error(&reply, 409, "invalid_transition")?;
    // Enterprises do not decide, and do not see others' filings.
    let reply = verified
        .session
        .post_json(&decide, &json!({"decision": "approve"}))?;
    assert_error(&reply, 403, "not_reviewer")?;
    let other = worker.verified_enterprise()?;
    let reply = other
        .session
        .get(&verified.path(&format!("/filings/{id}")))?;
    assert_error(&reply, 403, "not_your_enterprise")?;
    let reply = other.session.get(&other.path(&format!("/filings/{id}")))?;
    assert_error(&reply, 404, "filing_not_found")?;
    Ok(())
}

fn voluntary_revocation_is_reviewed(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise()?;
    let number = worker.recorded_product(&verified, "光伏逆变器")?;
    let reply = verified.session.post_json(
        &verified.path("/filings"),
        &json!({"kind": "revocation", "product": number, "reason": "产品已停产"}),
    )?;
    ensure!(reply.status == 201, "{}", reply.body);
    let id = reply.json()?["id"].as_i64().context("id")?;
    // One open filing per product.
    let reply = verified.session.post_json(
        &verified.path("/filings"),
        &json!({"kind": "modification", "product": number}),
    )?;
    assert_error(&reply, 409, "filing_open")?;
    // No prompt, so no confirmation.
    let reply = verified.session.post_json(
        &verified.path(&format!("/products/{number}/revocation-confirmation")),
        &json!({}),
    )?;
    assert_error(&reply, 409, "no_revocation_prompt")?;
    verified.submit(id)?;
    ensure!(
        worker.get(&format!("/api/v1/products/{number}"))?.json()?["status"] == "recorded",
        "revoked before review"
    );
    let reply = worker.reviewer()?.post_json(
        &format!("/api/v1/filings/{id}/decision"),
        &json!({"decision": "approve"}),
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    ensure!(
        worker.get(&format!("/api/v1/products/{number}"))?.json()?["status"] == "revoked",
        "not revoked"
    );
    let reply = verified.session.post_json(
        &verified.path("/filings"),
        &json!({"kind": "modification", "product": number}),
    )?;
    assert_error(&reply, 409, "product_revoked")?;
    Ok(())
}

fn review_queue(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise()?;
    let data = verified.complete_data("储能变流器")?;
    let id = verified.draft(&data)?["id"].as_i64().context("id")?;
    verified.submit(id)?;
    let reviewer = worker.reviewer()?;
    let mut cursor: Option<String> = None;
    let mut found = None;
    for _ in 0..100 {
        let path = match &cursor {
            Some(c) => format!(
                "/api/v1/review-queue?kind=filing&limit=50&cursor={}",
                urlencode(c)
            ),
            None => "/api/v1/review-queue?kind=filing&limit=50".to_owned(),
        };
        let page = reviewer.get(&path)?.json()?;
        let items = page["items"].as_array().context("items")?;
        let mut previous = String::new();
        for item in items {
            let at = item["submitted_at"].as_str().unwrap_or_default().to_owned();
            ensure!(at >= previous, "not oldest first: {page}");
            previous = at;
            if item["id"] == id {
                found = Some(item.clone());
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) if found.is_none() => cursor = Some(next.to_owned()),
            _ => break,
        }
    }
    let item = found.context("the filing is not in the queue")?;
    let level = &item["service_level"];
    ensure!(
        level["target_min_days"] == 3 && level["target_max_days"] == 5,
        "{item}"
    );
    ensure!(
        level["state"] == "on_track" && level["waited_working_days"] == 0,
        "{item}"
    );
    let verifications = reviewer
        .get("/api/v1/review-queue?kind=verification&status=approved&limit=5")?
        .json()?;
    ensure!(
        verifications["items"][0]["service_level"]["target_max_days"] == 2,
        "{verifications}"
    );
    let reply = verified.session.get("/api/v1/review-queue")?;
    assert_error(&reply, 403, "not_reviewer")?;
    let reply = reviewer.get("/api/v1/review-queue?kind=other")?;
    assert_error(&reply, 422, "validation_failed")?;
    Ok(())
}

fn staff_see_history_in_their_scope(worker: &TestWorker) -> Result<()> {
    let shenzhen = worker.verified_enterprise_in("440300")?;
    let in_guangdong = worker.recorded_product(&shenzhen, "深圳历史产品")?;
    let qingdao = worker.verified_enterprise_in("370200")?;
    let in_shandong = worker.recorded_product(&qingdao, "青岛历史产品")?;
    let products_seen = |session: &ppr_tests::Session<'_>| -> Result<Vec<String>> {
        let mut seen = Vec::new();
        let mut before: Option<i64> = None;
        for _ in 0..50 {
            let path = match before {
                Some(b) => format!("/api/v1/transactions?limit=200&before={b}"),
                None => "/api/v1/transactions?limit=200".to_owned(),
            };
            let page = session.get(&path)?.json()?;
            for item in page["items"].as_array().context("items")? {
                seen.push(item["product"].as_str().unwrap_or_default().to_owned());
            }
            match page["next_before"].as_i64() {
                Some(b) => before = Some(b),
                None => break,
            }
        }
        Ok(seen)
    };
    let guangdong = worker.staff_session("regional_admin", Some("440000"))?;
    let seen = products_seen(&guangdong)?;
    ensure!(seen.contains(&in_guangdong), "{seen:?}");
    ensure!(!seen.contains(&in_shandong), "{seen:?}");
    let reviewer = worker.reviewer()?;
    let seen = products_seen(&reviewer)?;
    ensure!(
        seen.contains(&in_guangdong) && seen.contains(&in_shandong),
        "{seen:?}"
    );
    let reply = shenzhen.session.get("/api/v1/transactions")?;
    assert_error(&reply, 403, "not_staff")?;
    Ok(())
}

fn work_calendar_setting(worker: &TestWorker) -> Result<()> {
    let admin = worker.admin()?;
    let year = this_year();
    let key = format!("/api/v1/settings/work_calendar.{year}");
    let calendar = json!({"holidays": [format!("{year}-10-01"), format!("{year}-10-02")], "workdays": [format!("{year}-09-27")]});
    let reply = admin.put_json(&key, &json!({ "value": calendar }), None)?;
    ensure!(reply.status == 200, "{}", reply.body);
    let listed = admin.get("/api/v1/settings")?.json()?;
    ensure!(
        listed["items"]
            .as_array()
            .context("items")?
            .iter()
            .any(|i| i["key"] == format!("work_calendar.{year}")
                && i["value"]["holidays"][1] == format!("{year}-10-02")),
        "{listed}"
    );
    let reply = admin.put_json(&key, &json!({"value": {"holidays": ["1999-10-01"]}}), None)?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "value.holidays", "wrong_year")?;
    let reply = admin.put_json(&key, &json!({"value": {"holidays": ["not a date"]}}), None)?;
    assert_error(&reply, 422, "validation_failed")?;
    let reply = admin.put_json(
        "/api/v1/settings/work_calendar.x",
        &json!({"value": {}}),
        None,
    )?;
    assert_error(&reply, 404, "unknown_setting")?;
    // The queue still answers with the calendar in place.
    let reply = worker
        .reviewer()?
        .get("/api/v1/review-queue?kind=verification&status=approved&limit=1")?;
    ensure!(reply.status == 200, "{}", reply.body);
    Ok(())
}

fn prompted_revocation_confirmed_or_lifted(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise()?;
    let confirmed = worker.recorded_product(&verified, "确认撤销产品")?;
    let lifted = worker.recorded_product(&verified, "恢复有效产品")?;
    let patents_of = |number: &str| -> Result<Vec<String>> {
        let product = worker.get(&format!("/api/v1/products/{number}"))?.json()?;
        Ok(product["patents"]
            .as_array()
            .context("patents")?
            .iter()
            .filter_map(|p| p["number"].as_str().map(str::to_owned))
            .collect())
    };
    let mut csv = String::from("number,status,date\n");
    for number in patents_of(&confirmed)?
        .into_iter()
        .chain(patents_of(&lifted)?)
    {
        csv.push_str(&format!("{number},lapsed,{}-01-10\n", this_year()));
    }
    let admin = worker.admin()?;
    let reply = admin.put_json(
        "/api/v1/settings/prompted_revocation_days",
        &json!({"value": 0}),
        None,
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    let reply = admin.post_raw(
        "/api/v1/patent-status-imports",
        "text/csv",
        csv.into_bytes(),
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    // Confirmed by the enterprise: revoked at once, by the enterprise.
    let own = verified.path(&format!("/products/{confirmed}"));
    ensure!(
        verified.session.get(&own)?.json()?["revocation_prompt"].is_object(),
        "not prompted"
    );
    let reply = verified
        .session
        .post_json(&format!("{own}/revocation-confirmation"), &json!({}))?;
    ensure!(reply.status == 200, "{}", reply.body);
    ensure!(reply.json()?["status"] == "revoked", "{}", reply.body);
    // Lifted by a modification that links a valid patent: the cron leaves it alone.
    let mut data = verified
        .session
        .post_json(
            &verified.path("/filings"),
            &json!({"kind": "modification", "product": lifted}),
        )?
        .json()?;
    let id = data["id"].as_i64().context("id")?;
    let fresh = verified.add_patent()?;
    data["data"]["patents"] = json!([{"number": fresh, "core": true, "contribution_pct": 80}]);
    data["data"]["evidence"] = json!([verified.upload("evidence")?]);
    let reply = verified.session.put_json(
        &verified.path(&format!("/filings/{id}")),
        &json!({"data": data["data"]}),
        data["version"].as_i64(),
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    verified.submit(id)?;
    let reply = worker.reviewer()?.post_json(
        &format!("/api/v1/filings/{id}/decision"),
        &json!({"decision": "approve"}),
    )?;
    ensure!(reply.status == 200, "{}", reply.body);
    ensure!(
        verified
            .session
            .get(&verified.path(&format!("/products/{lifted}")))?
            .json()?["revocation_prompt"]
            .is_null(),
        "prompt kept"
    );
    worker.run_scheduled()?;
    ensure!(
        worker.get(&format!("/api/v1/products/{lifted}"))?.json()?["status"] == "recorded",
        "revoked despite a valid patent"
    );
    let history = verified
        .session
        .get(&verified.path("/transactions"))?
        .json()?;
    let revocation = history["items"]
        .as_array()
        .context("items")?
        .iter()
        .find(|t| t["kind"] == "revocation")
        .context("no revocation")?
        .clone();
    ensure!(
        revocation["actor_role"] == "enterprise" && revocation["product"] == confirmed.as_str(),
        "{revocation}"
    );
    Ok(())
}
