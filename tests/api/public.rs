//! The public read API: listing with filters, stable cursor pages, 2-character
//! Chinese search, lookups by registration number and patent number; and uploads.

use anyhow::{Context, Result, ensure};
use ppr_tests::TestWorker;
use ppr_tests::fixtures::unique;

use crate::registration::urlencode;
use crate::support::{Case, assert_error, assert_field};

pub const CASES: &[Case] = &[
    (
        "public::two_character_chinese_search",
        two_character_chinese_search,
    ),
    ("public::filters_and_cursor_pages", filters_and_cursor_pages),
    ("public::bad_parameters_are_422", bad_parameters_are_422),
    ("public::lookups", lookups),
    ("public::uploads_are_checked", uploads_are_checked),
    (
        "public::the_export_pages_through_everything",
        the_export_pages_through_everything,
    ),
    (
        "public::the_lookup_jumps_to_the_page",
        the_lookup_jumps_to_the_page,
    ),
    (
        "public::the_product_fields_in_both_languages",
        the_product_fields_in_both_languages,
    ),
    (
        "public::registry_pages_are_live_and_cacheable",
        registry_pages_are_live_and_cacheable,
    ),
    (
        "public::registry_pages_refuse_bad_input_with_a_page",
        registry_pages_refuse_bad_input_with_a_page,
    ),
    (
        "public::sitemaps_list_every_record_in_both_languages",
        sitemaps_list_every_record_in_both_languages,
    ),
];

/// The sitemap index names a file per 25,000 ids; a product and its enterprise are in
/// them in both languages with the date of their last change, absolute.
fn sitemaps_list_every_record_in_both_languages(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise_in("440300")?;
    let number = worker.recorded_product(&verified, &format!("站点地图测试{}", unique()))?;
    let index = worker.get("/sitemap.xml")?;
    ensure!(index.status == 200, "{}", index.status);
    ensure!(
        index.header("content-type") == Some("application/xml; charset=utf-8"),
        "{:?}",
        index.header("content-type")
    );
    let origin = worker.url("");
    for name in ["pages", "products-0", "enterprises-0"] {
        ensure!(
            index
                .body
                .contains(&format!("<loc>{origin}/sitemaps/{name}.xml</loc>")),
            "{name} missing: {}",
            index.body
        );
    }
    let products = worker.get("/sitemaps/products-0.xml")?;
    ensure!(products.status == 200, "{}", products.status);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    for root in ["/", "/en/"] {
        let entry = format!("<loc>{origin}{root}products/{number}/</loc><lastmod>");
        ensure!(products.body.contains(&entry), "{entry} missing");
    }
    ensure!(
        products.body.matches("<url>").count() <= 50_000,
        "too many addresses"
    );
    ensure!(
        products.body.contains(&today) || products.body.contains("<lastmod>20"),
        "no lastmod"
    );
    let enterprises = worker.get("/sitemaps/enterprises-0.xml")?;
    ensure!(
        enterprises.body.contains(&format!(
            "{origin}/en/enterprises/{}/",
            verified.enterprise.uscc
        )),
        "the enterprise is missing"
    );
    let pages = worker.get("/sitemaps/pages.xml")?;
    ensure!(
        pages.body.contains(&format!("{origin}/products/field/03/")),
        "listings missing"
    );
    for missing in ["/sitemaps/products-999.xml", "/sitemaps/users-0.xml"] {
        let reply = worker.get(missing)?;
        ensure!(reply.status == 404, "{missing}: {}", reply.status);
    }
    Ok(())
}

/// A product recorded a moment ago has its pages at once (no site build between),
/// and every public page and answer is cacheable: `Cache-Control` public with a short
/// max-age, an `ETag` answered with 304, `Cache-Tag`s, and never a cookie.
fn registry_pages_are_live_and_cacheable(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise_in("440300")?;
    let name = format!("缓存测试仪{}", unique());
    let number = worker.recorded_product(&verified, &name)?;
    let patent = verified.session.get(&verified.path("/patents"))?.json()?["items"][0]["number"]
        .as_str()
        .context("patent")?
        .to_owned();
    let uscc = &verified.enterprise.uscc;
    let pages = [
        format!("/products/{number}/"),
        format!("/en/products/{number}/"),
        format!("/enterprises/{uscc}/"),
        format!("/patents/{patent}/"),
        "/products/".to_owned(),
        "/products/field/03/".to_owned(),
        "/products/province/44/".to_owned(),
        "/products/prefecture/4403/".to_owned(),
        format!("/search/?q={}", urlencode("缓存")),
        format!("/api/v1/products/{number}"),
        format!("/api/v1/products?q={}", urlencode("缓存")),
        format!("/api/v1/enterprises/{uscc}"),
        format!("/api/v1/patents/{patent}/products"),
    ];
    for path in &pages {
        let reply = worker.get(path)?;
        ensure!(reply.status == 200, "{path}: {}", reply.status);
        ensure!(
            reply.body.contains(&number),
            "{path} does not show {number}"
        );
        ensure!(reply.header("set-cookie").is_none(), "{path} sets a cookie");
        let cache = reply.header("cache-control").unwrap_or_default();
        ensure!(
            cache.contains("public") && cache.contains("max-age=60"),
            "{path}: cache-control {cache}"
        );
        let tags = reply.header("cache-tag").unwrap_or_default();
        ensure!(tags.starts_with("registry"), "{path}: cache-tag {tags}");
        let etag = reply.header("etag").context("etag")?.to_owned();
        let again = worker.request("GET", path, &[("if-none-match", &etag)], Vec::new())?;
        ensure!(
            again.status == 304,
            "{path}: {} to If-None-Match",
            again.status
        );
        ensure!(again.body.is_empty(), "{path}: a 304 with a body");
        let other = worker.request("GET", path, &[("if-none-match", "\"other\"")], Vec::new())?;
        ensure!(
            other.status == 200,
            "{path}: {} to another tag",
            other.status
        );
    }
    let page = worker.get(&format!("/products/{number}/"))?;
    let tags = page.header("cache-tag").unwrap_or_default();
    ensure!(
        tags.contains(&format!("product-{number}")) && tags.contains(&format!("enterprise-{uscc}")),
        "{tags}"
    );
    ensure!(page.body.contains(&name), "name");
    ensure!(
        page.body.contains(&format!("href=\"/patents/{patent}/\"")),
        "the patent is a link"
    );
    ensure!(
        page.body.contains(&format!(
            "hreflang=\"en\" href=\"{}/en/products/{number}/\"",
            worker.url("")
        )),
        "hreflang is absolute"
    );
    // Among the newest of its field (other tests record beside this one).
    let listing = worker.get("/products/field/03/")?;
    ensure!(
        listing.body.contains(&number),
        "not in its field's first page"
    );
    // A change is seen at once: the old tag no longer answers 304, though the Worker
    // answered it a moment ago (its remembered validators go with any write).
    let path = format!("/products/{number}/");
    let etag = worker
        .get(&path)?
        .header("etag")
        .context("etag")?
        .to_owned();
    let again = worker.request("GET", &path, &[("if-none-match", &etag)], Vec::new())?;
    ensure!(again.status == 304, "{}", again.status);
    verified.revoke(&number)?;
    let after = worker.request("GET", &path, &[("if-none-match", &etag)], Vec::new())?;
    ensure!(
        after.status == 200 && after.body.contains("已撤销"),
        "revoked, yet {} to the old tag",
        after.status
    );
    // Pages that belong to someone are never cached.
    let signin = worker.get("/enterprise/signin/")?;
    ensure!(
        signin.header("cache-control") == Some("no-store"),
        "{:?}",
        signin.header("cache-control")
    );
    ensure!(
        signin.body.contains(&format!(
            "hreflang=\"en\" href=\"{}/en/enterprise/signin/\"",
            worker.url("")
        )),
        "the sign-in page's hreflang is not absolute"
    );
    Ok(())
}

/// An unknown number is the 404 page in its language with a search box; a bad filter
/// is a 422 page naming it; nothing is a 5xx.
fn registry_pages_refuse_bad_input_with_a_page(worker: &TestWorker) -> Result<()> {
    let cases = [
        ("/products/PR2026-44-999999-1/", 404, "页面不存在"),
        ("/en/products/PR2026-44-999999-1/", 404, "Page not found"),
        ("/products/%E7%94%B5/", 404, "页面不存在"),
        ("/enterprises/91350100M000100Y4X/", 404, "页面不存在"),
        ("/patents/12345/", 404, "页面不存在"),
        ("/products/field/zz/", 404, "页面不存在"),
        ("/products/province/%27/", 404, "页面不存在"),
        ("/rounds/1999/", 404, "页面不存在"),
        ("/rounds/abc/", 404, "页面不存在"),
        ("/search/?year=abc", 422, "年度应为四位数字"),
        (
            "/en/search/?field=zz",
            422,
            "There is no such product field",
        ),
        ("/search/?region=999999", 422, "没有这个省份"),
        ("/search/?status=gone", 422, "没有这个状态"),
        ("/products/?cursor=-1", 422, "翻页位置无效"),
        ("/search/?q=%22%22", 422, "请输入至少"),
    ];
    for (path, status, text) in cases {
        let reply = worker.get(path)?;
        ensure!(
            reply.status == status,
            "{path}: {} not {status}",
            reply.status
        );
        ensure!(
            reply.body.contains(text),
            "{path}: no {text:?} in {}",
            reply.body
        );
        ensure!(reply.body.contains("name=\"q\""), "{path}: no search box");
        ensure!(
            reply.header("cache-control") == Some("no-store"),
            "{path}: a refusal is cached"
        );
    }
    // A registration number with a wrong check character: the nearest valid number.
    let verified = worker.verified_enterprise_in("440300")?;
    let number = worker.recorded_product(&verified, &format!("校验位测试{}", unique()))?;
    let wrong_check = if number.ends_with('0') { '1' } else { '0' };
    let typed = format!("{}{wrong_check}", &number[..number.len() - 1]);
    let reply = worker.get(&format!("/search/?q={}", urlencode(&typed)))?;
    ensure!(reply.status == 200, "{}", reply.status);
    ensure!(
        reply.body.contains("校验位") && reply.body.contains(&format!("/products/{number}/")),
        "no correction offered"
    );
    // POST is not how a registry page is read.
    let post = worker.request("POST", "/products/", &[], Vec::new())?;
    ensure!(post.status == 405, "{}", post.status);
    // The old static paging moved to the listing.
    let old = worker.get("/en/products/field/03/page/2/")?;
    ensure!(old.status == 301, "{}", old.status);
    ensure!(
        old.header("location") == Some("/en/products/field/03/"),
        "{:?}",
        old.header("location")
    );
    Ok(())
}

fn the_product_fields_in_both_languages(worker: &TestWorker) -> Result<()> {
    let reply = worker.get("/api/v1/product-fields")?;
    ensure!(reply.status == 200, "{} {}", reply.status, reply.body);
    let fields = reply.json()?;
    let codes: Vec<&str> = fields["items"]
        .as_array()
        .context("items")?
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    ensure!(
        codes == ["01", "02", "03", "04", "05", "06", "07", "99"],
        "{codes:?}"
    );
    ensure!(
        fields["items"][0]["name_zh"] == "信息通信技术制造业",
        "{fields}"
    );
    ensure!(
        fields["items"][0]["name_en"]
            .as_str()
            .is_some_and(|n| !n.is_empty()),
        "{fields}"
    );
    // Each code is one the listings' filter takes.
    let filtered = worker.get("/api/v1/products?field=99")?;
    ensure!(filtered.status == 200, "{}", filtered.status);
    let refused = worker.get("/api/v1/product-fields?lang=zh")?;
    let error = assert_error(&refused, 422, "validation_failed")?;
    assert_field(&error, "lang", "unknown_parameter")?;
    Ok(())
}

fn numbers(page: &serde_json::Value) -> Vec<String> {
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["registration_number"].as_str().map(str::to_owned))
        .collect()
}

fn two_character_chinese_search(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise_in("510100")?;
    let tag = format!("X{}", unique());
    let battery = worker.recorded_product(&verified, &format!("磷酸铁锂电池{tag}"))?;
    let chip = worker.recorded_product(&verified, &format!("存储芯片{tag}"))?;
    let find = |q: &str| -> Result<Vec<String>> {
        let page = worker.get(&format!("/api/v1/products?q={}&limit=100", urlencode(q)))?;
        ensure!(page.status == 200, "{q}: {}", page.body);
        Ok(numbers(&page.json()?))
    };
    let hits = find(&format!("电池 {tag}"))?;
    ensure!(hits == [battery.clone()], "电池: {hits:?}");
    let hits = find(&format!("芯片 {tag}"))?;
    ensure!(hits == [chip.clone()], "芯片: {hits:?}");
    let hits = find(&format!("铁锂电 {tag}"))?;
    ensure!(hits == [battery.clone()], "铁锂电: {hits:?}");
    // Bigrams in the wrong order do not match: a phrase, not a bag of characters.
    let hits = find(&format!("池电 {tag}"))?;
    ensure!(hits.is_empty(), "池电: {hits:?}");
    // The enterprise name is searchable too, and Latin text by prefix.
    let hits = find(&format!("{} 电池", &tag[..tag.len() - 1]))?;
    ensure!(hits.contains(&battery), "prefix: {hits:?}");
    Ok(())
}

fn filters_and_cursor_pages(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise_in("620100")?;
    let mut recorded = Vec::new();
    for i in 0..3 {
        recorded.push(worker.recorded_product(&verified, &format!("甘肃分页产品{i}"))?);
    }
    // Region filter by province, prefecture and county code; field filter.
    for region in ["620000", "620100"] {
        let page = worker
            .get(&format!("/api/v1/products?region={region}&limit=100"))?
            .json()?;
        let found = numbers(&page);
        ensure!(
            recorded.iter().all(|n| found.contains(n)),
            "{region}: {found:?}"
        );
        ensure!(
            page["items"]
                .as_array()
                .context("items")?
                .iter()
                .all(|p| p["enterprise"]["region"]["province"] == "620000"),
            "{page}"
        );
    }
    let page = worker
        .get("/api/v1/products?region=440300&limit=100")?
        .json()?;
    ensure!(
        numbers(&page).iter().all(|n| !recorded.contains(n)),
        "{page}"
    );
    let page = worker.get("/api/v1/products?field=05&limit=100")?.json()?;
    ensure!(
        numbers(&page).iter().all(|n| !recorded.contains(n)),
        "field 03 products under 05"
    );
    // Pages of one: newest first, no repeats, no gaps.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..3 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/products?region=620100&limit=1&cursor={c}"),
            None => "/api/v1/products?region=620100&limit=1".to_owned(),
        };
        let page = worker.get(&path)?.json()?;
        seen.extend(numbers(&page));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    let newest_first: Vec<String> = recorded.iter().rev().cloned().collect();
    ensure!(seen == newest_first, "{seen:?} vs {newest_first:?}");
    Ok(())
}

fn bad_parameters_are_422(worker: &TestWorker) -> Result<()> {
    for (query, field) in [
        ("field=42", "field"),
        ("region=999999", "region"),
        ("year=20", "year"),
        ("status=pending", "status"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=abc", "cursor"),
        ("q=%22%20*", "q"),
    ] {
        let reply = worker.get(&format!("/api/v1/products?{query}"))?;
        let error = assert_error(&reply, 422, "validation_failed")?;
        ensure!(error["fields"][0]["field"] == field, "{query}: {error}");
    }
    let reply = worker.get("/api/v1/patents/CN102822194B/products")?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "number", "publication_number")?;
    Ok(())
}

fn lookups(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise()?;
    let number = worker.recorded_product(&verified, "查询测试产品")?;
    // The number as people type it.
    let loose = number.to_lowercase().replace('-', "");
    let reply = worker.get(&format!("/api/v1/products/{loose}"))?;
    ensure!(reply.status == 200, "{}", reply.body);
    ensure!(
        reply.json()?["registration_number"] == number.as_str(),
        "{}",
        reply.body
    );
    let reply = worker.get("/api/v1/products/PR2026-44-999999-0")?;
    assert_error(&reply, 404, "product_not_found")?;
    let reply = worker.get("/api/v1/enterprises/91350100M000100Y43")?;
    assert_error(&reply, 404, "enterprise_not_found")?;
    let reply = worker.get("/api/v1/enterprises/not-a-uscc")?;
    assert_error(&reply, 404, "enterprise_not_found")?;
    let unused = ppr_tests::registry::patent_number();
    let reply = worker.get(&format!("/api/v1/patents/{unused}/products"))?;
    ensure!(
        reply.status == 200 && reply.json()?["items"] == serde_json::json!([]),
        "{}",
        reply.body
    );
    Ok(())
}

fn uploads_are_checked(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise()?;
    let path = verified.path("/documents?purpose=evidence&filename=%E5%8F%91%E7%A5%A8.pdf");
    let reply = verified
        .session
        .post_raw(&path, "text/html", b"<html>".to_vec())?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "content-type", "unsupported_type")?;
    let reply =
        verified
            .session
            .post_raw(&path, "application/pdf", b"MZ\x90\x00 not a pdf".to_vec())?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "body", "content_mismatch")?;
    let reply = verified
        .session
        .post_raw(&path, "application/pdf", Vec::new())?;
    assert_error(&reply, 422, "validation_failed")?;
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b'0');
    let reply = verified.session.post_raw(&path, "application/pdf", big)?;
    assert_error(&reply, 413, "payload_too_large")?;
    let reply = verified.session.post_raw(
        &verified.path("/documents?purpose=other"),
        "application/pdf",
        ppr_tests::registry::PDF.to_vec(),
    )?;
    let error = assert_error(&reply, 422, "validation_failed")?;
    assert_field(&error, "purpose", "unknown_purpose")?;
    // A good upload round-trips byte for byte, as an attachment with its name.
    let reply =
        verified
            .session
            .post_raw(&path, "application/pdf", ppr_tests::registry::PDF.to_vec())?;
    ensure!(reply.status == 201, "{}", reply.body);
    let document = reply.json()?;
    ensure!(document["filename"] == "发票.pdf", "{document}");
    let download = verified
        .session
        .get(&verified.path(&format!("/documents/{}", document["id"])))?;
    ensure!(download.status == 200, "{}", download.body);
    ensure!(
        download.body.as_bytes() == ppr_tests::registry::PDF,
        "bytes differ"
    );
    ensure!(
        download.header("content-type") == Some("application/pdf"),
        "{:?}",
        download.header("content-type")
    );
    ensure!(
        download
            .header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment")),
        "no attachment"
    );
    // Another enterprise cannot fetch it, even under its own USCC.
    let other = worker.verified_enterprise()?;
    let reply = other
        .session
        .get(&other.path(&format!("/documents/{}", document["id"])))?;
    assert_error(&reply, 404, "document_not_found")?;
    Ok(())
}

/// The export walks every product once, in a stable order, with its patents; a
/// revoked product is in it too.
fn the_export_pages_through_everything(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise_in("420100")?;
    let tag = format!("EXPORT{}", unique());
    let number = worker.recorded_product(&verified, &format!("导出测试{tag}"))?;
    let mut seen: Vec<String> = Vec::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let reply = worker.get(&format!("/api/v1/export/products?limit=3{cursor}"))?;
        ensure!(reply.status == 200, "{}", reply.body);
        let page = reply.json()?;
        for item in page["items"].as_array().context("items")? {
            if item["registration_number"] == number.as_str() {
                ensure!(
                    item["patents"][0]["number"].is_string() && item["patents"][0]["core"] == true,
                    "{item}"
                );
            }
        }
        seen.extend(numbers(&page));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    ensure!(pages > 1, "one page only");
    let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
    ensure!(unique.len() == seen.len(), "a product came twice");
    ensure!(seen.contains(&number), "{number} missing from the export");
    let bad = worker.get("/api/v1/export/products?limit=5000")?;
    assert_error(&bad, 422, "validation_failed")?;
    Ok(())
}

/// `/lookup` sends each kind of identifier to its page, and anything else to search.
fn the_lookup_jumps_to_the_page(worker: &TestWorker) -> Result<()> {
    let verified = worker.verified_enterprise_in("320100")?;
    let number = worker.recorded_product(&verified, &format!("查找测试{}", unique()))?;
    let patent = verified.session.get(&verified.path("/patents"))?.json()?["items"][0]["number"]
        .as_str()
        .context("patent")?
        .to_owned();
    let location = |q: &str| -> Result<String> {
        let reply = worker.get(&format!("/lookup?q={}&lang=en", urlencode(q)))?;
        ensure!(reply.status == 302, "{q}: {} {}", reply.status, reply.body);
        Ok(reply.header("location").unwrap_or_default().to_owned())
    };
    ensure!(
        location(&number.to_lowercase().replace('-', ""))? == format!("/en/products/{number}/"),
        "registration number"
    );
    ensure!(
        location(&verified.enterprise.uscc)?
            == format!("/en/enterprises/{}/", verified.enterprise.uscc),
        "USCC"
    );
    ensure!(
        location(&format!("ZL{patent}"))? == format!("/en/patents/{patent}/"),
        "patent number"
    );
    ensure!(
        location("pi20267kqm3xdp9tnac")? == "/en/certificates/PI2026-7KQM-3XDP-9TNA-C/",
        "certificate code"
    );
    ensure!(
        location("电池 <script>")? == "/en/search/?q=%E7%94%B5%E6%B1%A0%20%3Cscript%3E",
        "free text goes to the search, encoded"
    );
    let zh = worker.get(&format!("/lookup?q={}", urlencode(&number)))?;
    ensure!(
        zh.header("location") == Some(format!("/products/{number}/").as_str()),
        "{:?}",
        zh.header("location")
    );
    Ok(())
}
