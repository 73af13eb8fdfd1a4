// The registry's pages, rendered by the Worker from D1, in headless Chromium: a product
// recorded through the API after the static site was built is at once reachable by
// the lookup, shown on its page with its patents, first in its field's listing, found
// by a 2-character query (the same products as the API's answer), and listed on its
// patent's page; after its revocation (PHASE=revoked) its page and listings say so.
// JavaScript on and off, Chinese and English, 360 px, print, axe.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { launch, openPage } from "./browser.mjs";
import { axeViolations } from "./axe.mjs";

const base = process.env.BASE_URL;
const artifacts = process.env.ARTIFACTS;
const phase = process.env.PHASE;
const number = process.env.FRESH_PRODUCT;
const name = process.env.FRESH_NAME;
const patent = process.env.FRESH_PATENT;
const query = name.slice(0, 2);
mkdirSync(artifacts, { recursive: true });

let browser;
before(async () => {
  browser = await launch();
});
after(async () => browser?.close());

const page = (options) => openPage(browser, options);

/// The registration numbers a page lists, in order.
async function listed(p) {
  return p.locator("table.products tbody tr td:first-child code").allTextContents();
}

/// The registration numbers the API answers for a query string.
async function api(search) {
  const response = await fetch(`${base}/api/v1/products?${search}&limit=50`);
  assert.equal(response.status, 200);
  return (await response.json()).items.map((p) => p.registration_number);
}

if (phase === "registry") {
  for (const javaScriptEnabled of [true, false]) {
    test(`a product recorded a moment ago is found everywhere (JavaScript ${javaScriptEnabled ? "on" : "off"})`, async () => {
      const p = await page({ javaScriptEnabled });
      // The lookup, as people type the number: lower case, no hyphens.
      await p.goto(`${base}/`);
      await p.fill("#lookup-q", number.toLowerCase().replaceAll("-", ""));
      await p.press("#lookup-q", "Enter");
      await p.waitForURL(`**/products/${number}/`);
      assert.match(await p.locator("h1").innerText(), new RegExp(name));
      // Its patent is a link to the patent's page, which lists it.
      await p.click(`a[href="/patents/${patent}/"]`);
      await p.waitForURL(`**/patents/${patent}/`);
      assert.ok((await listed(p)).includes(number), "not on its patent's page");
      // First in its field's listing.
      await p.goto(`${base}/products/field/03/`);
      assert.equal((await listed(p))[0], number);
      // A 2-character query finds it, with a count: the API's products, in its order.
      await p.goto(`${base}/search/`);
      await p.fill("#search-q", query);
      await p.press("#search-q", "Enter");
      await p.waitForURL(/\/search\/\?/);
      const found = await listed(p);
      assert.ok(found.includes(number), `${query} did not find ${number}`);
      assert.deepEqual(found, await api(`q=${encodeURIComponent(query)}`));
      assert.match(await p.locator(".count").innerText(), new RegExp(`共 ${found.length} 件`));
      // Filters combine with the text, in the same form.
      await p.selectOption("#search-field", "03");
      await p.selectOption("#search-region", "440000");
      await p.click("form#search button[type=submit]");
      await p.waitForURL(/field=03/);
      assert.deepEqual(await listed(p), await api(`q=${encodeURIComponent(query)}&field=03&region=440000`));
      assert.equal(await p.inputValue("#search-q"), query, "the query is kept");
      // The English site finds the same with a Chinese query.
      await p.goto(`${base}/en/search/?q=${encodeURIComponent(query)}`);
      assert.deepEqual(await listed(p), found);
      assert.equal(await p.getAttribute("html", "lang"), "en");
      // Nothing found: a count of 0 and what to try.
      await p.goto(`${base}/search/?q=xyzzyq`);
      assert.match(await p.locator(".count").innerText(), /共 0 件/);
      assert.match(await p.locator(".empty").innerText(), /两个汉字/);
      await p.screenshot({ path: `${artifacts}/registry-search-js-${javaScriptEnabled}.png`, fullPage: true });
      assert.deepEqual(p.errors, []);
    });
  }

  test("a mistyped check character is named, with the number meant", async () => {
    const p = await page();
    const last = number.at(-1) === "0" ? "1" : "0";
    await p.goto(`${base}/`);
    await p.fill("#lookup-q", number.slice(0, -1) + last);
    await p.press("#lookup-q", "Enter");
    await p.waitForURL(/\/search\/\?q=/);
    assert.match(await p.locator(".notice").innerText(), /校验位/);
    await p.click(`.notice a[href="/products/${number}/"]`);
    await p.waitForURL(`**/products/${number}/`);
  });

  test("a product page fits 360 px, keeps identifiers whole and prints its address", async () => {
    const p = await page({ viewport: { width: 360, height: 740 } });
    for (const path of [`/products/${number}/`, `/en/products/${number}/`, `/search/?q=${encodeURIComponent(query)}`,
      "/products/field/03/", `/patents/${patent}/`]) {
      await p.goto(`${base}${path}`);
      const width = await p.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `${path} is ${width} px wide`);
    }
    await p.goto(`${base}/products/${number}/`);
    const broken = await p.evaluate(() => [...document.querySelectorAll("main code.id")]
      .filter((c) => c.getClientRects().length > 1).map((c) => c.textContent));
    assert.deepEqual(broken, [], "identifiers broken across lines");
    await p.screenshot({ path: `${artifacts}/registry-product-360.png`, fullPage: true });
    await p.emulateMedia({ media: "print" });
    assert.equal(await p.locator("header.site nav").isVisible(), false, "the navigation prints");
    assert.match(await p.locator("footer .print-only").innerText(), new RegExp(`${base}/products/${number}/`));
    assert.ok(await p.locator("figure.qr svg").isVisible(), "no QR code in print");
    assert.match(await p.locator("footer").innerText(), /数据时间/);
    await p.screenshot({ path: `${artifacts}/registry-product-print.png`, fullPage: true });
  });

  test("the registry's pages pass axe-core's WCAG 2.1 AA checks", async () => {
    const p = await page({ bypassCSP: true });
    const paths = [`/products/${number}/`, `/en/products/${number}/`, `/patents/${patent}/`,
      `/search/?q=${encodeURIComponent(query)}`, "/search/?q=xyzzyq", "/search/?year=abc",
      "/products/field/03/", "/en/products/province/44/", `/enterprises/${process.env.FRESH_USCC_RECORDED}/`,
      "/products/PR2026-44-999999-1/", "/en/rounds/"];
    assert.deepEqual(await axeViolations(p, base, paths), []);
  });
}

if (phase === "revoked") {
  test("a revoked product says so at once, with its date, and leaves the listings", async () => {
    const p = await page({ javaScriptEnabled: false });
    await p.goto(`${base}/products/${number}/`);
    const notice = await p.locator(".notice").innerText();
    assert.match(notice, /已撤销: \d{4}-\d{2}-\d{2}/);
    await p.goto(`${base}/en/products/${number}/`);
    assert.match(await p.locator(".notice").innerText(), /Revoked: \d{4}-\d{2}-\d{2}/);
    await p.goto(`${base}/products/field/03/`);
    assert.ok(!(await listed(p)).includes(number), "still listed as recorded");
    await p.goto(`${base}/search/?q=${encodeURIComponent(query)}&status=revoked`);
    assert.ok((await listed(p)).includes(number), "not among the revoked");
    await p.goto(`${base}/patents/${patent}/`);
    assert.ok(!(await listed(p)).includes(number), "a revoked product still marks the patent");
    await p.screenshot({ path: `${artifacts}/registry-revoked.png`, fullPage: true });
  });
}
