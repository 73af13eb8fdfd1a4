//! Regional management ports: application → approval → API token → scoped reads with
//! confidential data (and out-of-scope refusals) → export; the access log an
//! enterprise sees; XPCC and sub-provincial city scopes.

use anyhow::{Context, Result, ensure};
use ppr_tests::TestWorker;
use ppr_tests::fixtures::{PASSWORD, unique};
use ppr_tests::ports::{Port, application, open_port};
use serde_json::{Value, json};

use crate::support::{Case, assert_error, assert_field};

pub const CASES: &[Case] = &[
    (
        "ports::application_approval_and_scoped_reads",
        application_approval_and_scoped_reads,
    ),
    ("ports::xpcc_scope", xpcc_scope),
    (
        "ports::a_sales_sum_of_few_enterprises_is_not_shown",
        a_sales_sum_of_few_enterprises_is_not_shown,
    ),
];

fn application_approval_and_scoped_reads(worker: &TestWorker) -> Result<()> {
    // Bad applications name their fields.
    let mut bad = application("440305");
    bad["contacts"] = json!([]);
    let error = assert_error(
        &worker.post_json("/api/v1/port-applications", &bad)?,
        422,
        "validation_failed",
    )?;
    assert_field(&error, "region_scope", "not_prefecture")?;
    assert_field(&error, "contacts", "required")?;

    // Apply (anonymously, twice with one key), then the admin approves.
    let body = application("440300");
    let key = format!("port-{}", unique());
    let send = || {
        worker.request(
            "POST",
            "/api/v1/port-applications",
            &[
                ("content-type", "application/json"),
                ("idempotency-key", &key),
            ],
            body.to_string().into_bytes(),
        )
    };
    let first = send()?;
    ensure!(first.status == 201, "{} {}", first.status, first.body);
    let applied = first.json()?;
    ensure!(applied["status"] == "pending", "{applied}");
    ensure!(
        applied.get("contacts").is_none(),
        "contacts leaked: {applied}"
    );
    let again = send()?;
    ensure!(
        again.json()?["id"] == applied["id"],
        "replay: {}",
        again.body
    );
    let id = applied["id"].as_i64().context("id")?;

    let admin = worker.admin()?;
    let listed = admin
        .get("/api/v1/port-applications?status=pending")?
        .json()?;
    let mine = listed["items"]
        .as_array()
        .context("items")?
        .iter()
        .find(|a| a["id"] == id)
        .context("listed")?;
    ensure!(mine["contacts"][0]["name"] == "王五", "{mine}");
    let decide = |decision: Value| {
        admin.post_json(
            &format!("/api/v1/port-applications/{id}/decision"),
            &decision,
        )
    };
    assert_field(
        &assert_error(
            &decide(json!({"decision": "reject"}))?,
            422,
            "validation_failed",
        )?,
        "reason",
        "required",
    )?;
    let approved = decide(json!({"decision": "approve"}))?;
    ensure!(
        approved.status == 200,
        "{} {}",
        approved.status,
        approved.body
    );
    let approved = approved.json()?;
    let token = approved["token"].as_str().context("token")?.to_owned();
    ensure!(token.starts_with("ppr_") && token.len() == 68, "{token}");
    ensure!(approved["port"]["region_scope"] == "440300", "{approved}");
    assert_error(
        &decide(json!({"decision": "approve"}))?,
        409,
        "application_decided",
    )?;
    assert_error(
        &worker.post_json("/api/v1/port-applications", &application("440300"))?,
        409,
        "port_exists",
    )?;
    let port = Port {
        worker,
        token,
        email: body["account_email"].as_str().context("email")?.to_owned(),
        office: body["office_name"].as_str().context("office")?.to_owned(),
    };

    // A Shenzhen enterprise (inside) and a Guangzhou one (same province, outside).
    let inside = worker.verified_enterprise_in("440305")?;
    let inside_number = worker.recorded_product(&inside, "深圳端口产品")?;
    let outside = worker.verified_enterprise_in("440103")?;
    let outside_number = worker.recorded_product(&outside, "广州端口产品")?;

    let me = port.get("/api/v1/port")?;
    ensure!(me.status == 200, "{} {}", me.status, me.body);
    ensure!(me.json()?["region_scope"] == "440300", "{}", me.body);
    let numbers = port.product_numbers("limit=1000")?;
    ensure!(numbers.contains(&inside_number), "{numbers:?}");
    ensure!(!numbers.contains(&outside_number), "{numbers:?}");
    let products = port.get("/api/v1/port/products?limit=1000")?.json()?;
    let row = products["items"]
        .as_array()
        .context("items")?
        .iter()
        .find(|p| p["registration_number"] == inside_number.as_str())
        .context("row")?;
    ensure!(row["sales"].is_i64(), "confidential figures missing: {row}");
    let found = port.product_numbers(&format!("q={inside_number}"))?;
    ensure!(found == [inside_number.clone()], "{found:?}");
    // Text as typed: 100 Chinese characters (300 bytes, where D1 limits a LIKE pattern
    // to 50) and LIKE's own wildcards are searched for, not refused or expanded.
    let long = crate::registration::urlencode(&"深".repeat(100));
    for path in [
        format!("/api/v1/port/products?q={long}"),
        format!("/api/v1/port/enterprises?q={long}"),
        "/api/v1/port/products?q=%25".to_owned(),
        "/api/v1/port/products?q=_".to_owned(),
    ] {
        let reply = port.get(&path)?;
        ensure!(
            reply.status == 200,
            "{path}: {} {}",
            reply.status,
            reply.body
        );
        ensure!(
            reply.json()?["items"].as_array().is_some_and(Vec::is_empty),
            "{path}: {}",
            reply.body
        );
    }
    // The statistics count by status, field and city, and the sales of recorded ones.
    let stats = port.get("/api/v1/port/statistics")?.json()?;
    ensure!(
        stats["by_city"]["440300"]["recorded"].as_i64() >= Some(1),
        "{stats}"
    );
    // A year's sales show as a sum only where at least 3 enterprises make it.
    ensure!(
        stats["sales_of_recorded_products"]
            .as_array()
            .is_some_and(|years| !years.is_empty()
                && years.iter().all(|y| {
                    (y["sales"].as_i64() > Some(0) && y["enterprises"].as_i64() >= Some(3))
                        || (y["sales"].is_null() && y["fewer_than_enterprises"] == 3)
                })),
        "{stats}"
    );
    ensure!(
        stats["recorded_vs_identified"]["recorded"] == stats["by_status"]["recorded"],
        "{stats}"
    );
    let enterprises = port.get("/api/v1/port/enterprises?limit=1000")?.json()?;
    let usccs: Vec<&str> = enterprises["items"]
        .as_array()
        .context("items")?
        .iter()
        .filter_map(|e| e["uscc"].as_str())
        .collect();
    ensure!(
        usccs.contains(&inside.enterprise.uscc.as_str()),
        "{usccs:?}"
    );
    ensure!(
        !usccs.contains(&outside.enterprise.uscc.as_str()),
        "{usccs:?}"
    );
    let csv = port.get("/api/v1/port/products?format=csv")?;
    ensure!(csv.status == 200, "{}", csv.status);
    ensure!(
        csv.header("content-type")
            .is_some_and(|t| t.starts_with("text/csv")),
        "csv type"
    );
    ensure!(
        csv.body.contains(&inside_number) && !csv.body.contains(&outside_number),
        "csv rows"
    );
    ensure!(csv.body.starts_with('\u{feff}'), "csv needs a BOM");
    assert_error(
        &port.get("/api/v1/port/products?city=440100")?,
        403,
        "outside_scope",
    )?;
    let stats = port.get("/api/v1/port/statistics")?.json()?;
    ensure!(
        stats["by_status"]["recorded"].as_i64().unwrap_or(0) >= 1,
        "{stats}"
    );

    // Out of scope through the enterprise routes; inside is read and logged.
    assert_error(
        &port.get(&format!(
            "/api/v1/enterprises/{}/products",
            outside.enterprise.uscc
        ))?,
        403,
        "outside_scope",
    )?;
    let own = port.get(&format!(
        "/api/v1/enterprises/{}/products",
        inside.enterprise.uscc
    ))?;
    ensure!(own.status == 200, "{} {}", own.status, own.body);
    let log = inside.session.get(&inside.path("/access-log"))?.json()?;
    let entries = log["items"].as_array().context("items")?;
    ensure!(
        entries
            .iter()
            .any(|e| e["actor_name"] == port.office.as_str()
                && e["via"] == "token"
                && e["what"].as_str().is_some_and(|w| w.contains("/products"))),
        "{log}"
    );
    ensure!(
        entries
            .iter()
            .any(|e| e["what"] == "port: products and economic figures"),
        "{log}"
    );
    let other_log = outside.session.get(&outside.path("/access-log"))?.json()?;
    ensure!(
        !other_log["items"]
            .as_array()
            .context("items")?
            .iter()
            .any(|e| e["actor_name"] == port.office.as_str()),
        "{other_log}"
    );
    assert_error(
        &outside.session.get(&inside.path("/access-log"))?,
        403,
        "not_your_enterprise",
    )?;

    // Demonstration enterprises and their coverage.
    let listed = port.send(
        "PUT",
        "/api/v1/port/demonstration-enterprises",
        Some(&json!({"enterprises": [
            {"uscc": inside.enterprise.uscc, "label": "示范"},
            {"uscc": "91350100M000100Y43", "label": "未注册"},
        ]})),
    )?;
    ensure!(listed.status == 200, "{} {}", listed.status, listed.body);
    let listed = listed.json()?;
    ensure!(listed["listed"] == 2 && listed["covered"] == 1, "{listed}");
    let bad_list = port.send(
        "PUT",
        "/api/v1/port/demonstration-enterprises",
        Some(&json!({"enterprises": [{"uscc": "91350100M000100Y4Z"}]})),
    )?;
    assert_field(
        &assert_error(&bad_list, 422, "validation_failed")?,
        "enterprises[0].uscc",
        "check_char",
    )?;

    // The account signs in too; tokens are issued and revoked by it, never by a token.
    let session = worker.sign_in(&port.email, PASSWORD)?;
    ensure!(session.get("/api/v1/port")?.status == 200, "session port");
    let label = json!({"label": "省平台"});
    assert_error(
        &port.send("POST", "/api/v1/port/tokens", Some(&label))?,
        403,
        "session_required",
    )?;
    let issued = session.post_json("/api/v1/port/tokens", &label)?;
    ensure!(issued.status == 201, "{} {}", issued.status, issued.body);
    let issued = issued.json()?;
    let second = Port {
        worker,
        token: issued["token"].as_str().context("token")?.to_owned(),
        email: port.email.clone(),
        office: port.office.clone(),
    };
    ensure!(second.get("/api/v1/port")?.status == 200, "second token");
    let id = issued["id"].as_i64().context("token id")?;
    assert_error(
        &second.send("DELETE", &format!("/api/v1/port/tokens/{id}"), None)?,
        403,
        "session_required",
    )?;
    let revoked = session.delete(&format!("/api/v1/port/tokens/{id}"))?;
    ensure!(revoked.status == 204, "{} {}", revoked.status, revoked.body);
    assert_error(&second.get("/api/v1/port")?, 401, "invalid_token")?;
    let bogus = Port {
        worker,
        token: "ppr_0000".into(),
        email: String::new(),
        office: String::new(),
    };
    assert_error(&bogus.get("/api/v1/port")?, 401, "invalid_token")?;
    Ok(())
}

fn xpcc_scope(worker: &TestWorker) -> Result<()> {
    let port = open_port(worker, "xpcc", None)?;
    let corps = worker.verified_enterprise_in("659001")?;
    let corps_number = worker.recorded_product(&corps, "兵团产品")?;
    let urumqi = worker.verified_enterprise_in("650102")?;
    let urumqi_number = worker.recorded_product(&urumqi, "乌鲁木齐产品")?;
    let numbers = port.product_numbers("limit=1000")?;
    ensure!(numbers.contains(&corps_number), "{numbers:?}");
    ensure!(!numbers.contains(&urumqi_number), "{numbers:?}");
    assert_error(
        &port.get(&format!(
            "/api/v1/enterprises/{}/patents",
            urumqi.enterprise.uscc
        ))?,
        403,
        "outside_scope",
    )?;
    Ok(())
}

/// A port whose region has one enterprise with a recorded product sees that product
/// counted, but not its sales: a sum of fewer than 3 enterprises' figures is one
/// enterprise's confidential figure, which only the logged product listing shows.
fn a_sales_sum_of_few_enterprises_is_not_shown(worker: &TestWorker) -> Result<()> {
    let port = ppr_tests::ports::open_port(worker, "540100", None)?;
    let lhasa = worker.verified_enterprise_in("540100")?;
    worker.recorded_product(&lhasa, "拉萨端口产品")?;
    let stats = port.get("/api/v1/port/statistics")?.json()?;
    let years = stats["sales_of_recorded_products"]
        .as_array()
        .context("sales")?;
    ensure!(!years.is_empty(), "{stats}");
    for year in years {
        ensure!(
            year["products"] == 1 && year["sales"].is_null() && year["fewer_than_enterprises"] == 3,
            "{year}"
        );
    }
    Ok(())
}
