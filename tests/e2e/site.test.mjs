// End-to-end tests of the public site in headless Chromium (Debian's, driven by
// playwright-core), against the real Worker on workerd serving the site built from its
// own registry. Run by `cargo test -p ppr-tests --test e2e`, which starts the Worker
// and passes BASE_URL, ARTIFACTS (where screenshots go) and PRODUCT (a registration
// number on the site) and CERTIFICATE (a certificate code it issued).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { launch, openPage } from "./browser.mjs";
import { axeViolations } from "./axe.mjs";

const base = process.env.BASE_URL;
const artifacts = process.env.ARTIFACTS;
const product = process.env.PRODUCT;
const certificate = process.env.CERTIFICATE;
mkdirSync(artifacts, { recursive: true });

let browser;
before(async () => {
  browser = await launch();
});
after(async () => browser?.close());

const page = (options) => openPage(browser, options);

test("search finds a product by a 2-character Chinese query, without JavaScript too", async () => {
  for (const javaScriptEnabled of [true, false]) {
    const p = await page({ javaScriptEnabled });
    await p.goto(`${base}/search/`);
    await p.fill("#search-q", "电池");
    await p.press("#search-q", "Enter");
    await p.waitForSelector("table.products", { timeout: 15000 });
    const names = await p.locator("table.products tbody tr td:nth-child(2)").allTextContents();
    assert.ok(names.length > 0, "no results");
    assert.ok(names.every((t) => t.includes("电池")), `not all 电池: ${names}`);
    assert.match(await p.locator(".count").innerText(), /共 \d+ 件/);
    await p.screenshot({ path: `${artifacts}/search-js-${javaScriptEnabled}.png`, fullPage: true });
    assert.deepEqual(p.errors, []);
  }
});

test("the exact lookup jumps to the product page", async () => {
  const p = await page();
  await p.goto(`${base}/`);
  // As people type it: lower case, no hyphens.
  await p.fill("#lookup-q", product.toLowerCase().replaceAll("-", ""));
  await p.press("#lookup-q", "Enter");
  await p.waitForURL(`**/products/${product}/`);
  assert.match(await p.locator("h1").innerText(), /\S/);
  await p.screenshot({ path: `${artifacts}/product.png`, fullPage: true });
  assert.deepEqual(p.errors, []);
});

test("a certificate code, as typed, opens its verification page", async () => {
  const p = await page();
  await p.goto(`${base}/search/`);
  await p.fill("#certificate-q", certificate.toLowerCase());
  await p.press("#certificate-q", "Enter");
  await p.waitForURL(`**/certificates/${certificate}/`);
  assert.match(await p.locator("main").innerText(), /该证书真实有效/);
  await p.screenshot({ path: `${artifacts}/certificate.png`, fullPage: true });
  assert.deepEqual(p.errors, []);
  // One symbol wrong: a 404 page that says so, with a box to try again.
  const last = certificate.length - 3;
  const typo = certificate.slice(0, last) + (certificate[last] === "0" ? "1" : "0") + certificate.slice(last + 1);
  const response = await p.goto(`${base}/en/certificates/${typo}/`);
  assert.equal(response.status(), 404);
  assert.match(await p.locator("main").innerText(), /No such certificate/);
});

test("pages fit a 360 px wide screen and start with a skip link", async () => {
  const p = await page({ viewport: { width: 360, height: 740 } });
  for (const path of ["/", `/products/${product}/`, "/statistics/", "/products/", "/en/faq/",
    "/search/?q=%E7%94%B5%E6%B1%A0", "/rounds/", "/en/products/identified/"]) {
    await p.goto(`${base}${path}`);
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${path} is ${width} px wide`);
  }
  await p.goto(`${base}/`);
  await p.keyboard.press("Tab");
  assert.equal(await p.evaluate(() => document.activeElement?.className), "skip");
  await p.screenshot({ path: `${artifacts}/home-360.png`, fullPage: true });
  assert.deepEqual(p.errors, []);
});

test("every page has its twin in the other language", async () => {
  const p = await page();
  await p.goto(`${base}/products/${product}/`);
  assert.equal(await p.getAttribute("html", "lang"), "zh-CN");
  await p.click("a.lang");
  await p.waitForURL(`**/en/products/${product}/`);
  assert.equal(await p.getAttribute("html", "lang"), "en");
  await p.screenshot({ path: `${artifacts}/product-en.png`, fullPage: true });
});

test("a missing page is a 404 in both languages", async () => {
  const p = await page();
  const response = await p.goto(`${base}/no/such/page/`);
  assert.equal(response.status(), 404);
  const text = await p.locator("main").innerText();
  assert.ok(text.includes("页面不存在") && text.includes("Page not found"), text);
  await p.screenshot({ path: `${artifacts}/not-found.png` });
});

test("pages pass axe-core's WCAG 2.1 AA checks", async () => {
  // The pages allow no inline script (CSP); axe goes in as one, so CSP is bypassed.
  const p = await page({ bypassCSP: true });
  const paths = ["/", "/products/", `/products/${product}/`, "/statistics/", "/faq/", "/guide/",
    "/api/", "/open-data/", "/rounds/", "/search/", "/search/?q=%E7%94%B5%E6%B1%A0", `/en/products/${product}/`,
    "/en/statistics/", `/rounds/${new Date().getFullYear()}/`,
    `/certificates/${certificate}/`, "/enterprise/register/", "/enterprise/signin/",
    "/no/such/page/"];
  assert.deepEqual(await axeViolations(p, base, paths), []);
});
