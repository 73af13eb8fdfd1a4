// End-to-end tests of the enterprise's forms in headless Chromium: registration with
// the USCC checked as it is typed, a filing submitted with the wasm client and again
// with JavaScript off, both ending in the enterprise's list of filings, a product's
// annual update, the same filing and the same update edited in two tabs; and a
// regional office's application for its port.
// Run by `cargo test -p ppr-tests --test e2e`, which passes BASE_URL, ARTIFACTS and
// the accounts and identifiers to use.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { axeViolations } from "./axe.mjs";

const base = process.env.BASE_URL;
const artifacts = process.env.ARTIFACTS;
const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is not set`);
  return value;
};

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
});
after(async () => browser?.close());

async function page(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, ...options });
  const p = await context.newPage();
  p.errors = [];
  p.on("pageerror", (e) => p.errors.push(String(e)));
  return p;
}

async function signIn(p) {
  await p.goto(`${base}/enterprise/signin/`);
  await p.fill("#email", env("ENTERPRISE_EMAIL"));
  await p.fill("#password", env("ENTERPRISE_PASSWORD"));
  await Promise.all([p.waitForURL("**/enterprise/filings/**"), p.click("main button[type=submit]")]);
}

async function fillFiling(p, name, patent) {
  await p.fill("#name", name);
  await p.fill("#model", "E2E-1");
  await p.selectOption("#field", "01");
  await p.fill("#description", "端到端测试的储能电池管理产品。");
  await p.fill("#first_marketed_on", "2021-06-01");
  await p.fill("#manufacture_region", "320500");
  await p.fill("#patents-0-number", patent);
  await p.fill("#patents-0-contribution_pct", "60");
  await p.check("#patents-0-core");
  await p.fill("#economics-sales", "8800000");
  await p.fill("#economics-exports", "1000000");
  await p.fill("#economics-profit", "1200000");
  await p.fill("#economics-ip_investment", "400000");
  await p.setInputFiles("#evidence_file", {
    name: "invoice.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"),
  });
}

test("registration checks the USCC as it is typed, then registers", async () => {
  const p = await page();
  await p.goto(`${base}/enterprise/register/`);
  await p.waitForFunction(() => document.querySelector("script[type=module][src='/form.js']"));
  // A mistyped check character: the error shows before anything is submitted.
  await p.locator("#uscc").pressSequentially("91350100M000100Y4Z");
  await p.waitForFunction(() => document.getElementById("uscc-error").textContent.length > 0);
  assert.equal(await p.getAttribute("#uscc", "aria-invalid"), "true");
  await p.screenshot({ path: `${artifacts}/register-uscc-error.png`, fullPage: true });
  await p.fill("#uscc", env("FRESH_USCC"));
  await p.dispatchEvent("#uscc", "input");
  await p.waitForFunction(() => document.getElementById("uscc-error").textContent === "");
  await p.fill("#name", "端到端注册测试有限公司");
  await p.fill("#contact-name", "李四");
  await p.fill("#contact-email", env("FRESH_EMAIL"));
  await p.fill("#contact-phone", "13900139000");
  await p.fill("#password", "e2e password 123");
  await Promise.all([p.waitForURL("**/enterprise/signin/?registered=1"), p.click("main button[type=submit]")]);
  assert.match(await p.locator("main").innerText(), /注册成功/);
  assert.deepEqual(p.errors, []);
});

test("a filing with the wasm client: patent checked as typed, what-if, submitted", async () => {
  const p = await page();
  await signIn(p);
  await p.goto(`${base}/enterprise/filing/`);
  await fillFiling(p, "端到端储能电池组（JS）", "ZL2010800631969");
  // The number's check digit is wrong (…196.9 becomes …196.X): shown at once.
  await p.fill("#patents-0-number", "");
  await p.locator("#patents-0-number").pressSequentially("201080063196.X");
  await p.waitForFunction(() => document.getElementById("patents-0-number-error").textContent.length > 0);
  await p.fill("#patents-0-number", env("PATENT"));
  await p.dispatchEvent("#patents-0-number", "input");
  await p.waitForFunction(() => document.getElementById("patents-0-number-error").textContent === "");
  // The what-if preview scores what is typed against the newest benchmarks.
  await p.waitForSelector("#preview-body table");
  assert.ok(await p.isVisible("#preview"));
  await p.screenshot({ path: `${artifacts}/filing-preview.png`, fullPage: true });
  await Promise.all([p.waitForURL("**/enterprise/filings/?submitted=*"), p.click("main button[type=submit]")]);
  const row = p.locator("#filings tr", { hasText: "端到端储能电池组（JS）" });
  assert.equal(await row.getAttribute("data-status"), "submitted");
  await p.screenshot({ path: `${artifacts}/filings.png`, fullPage: true });
  assert.deepEqual(p.errors, []);
});

test("the same filing with JavaScript off: errors beside the fields, then submitted", async () => {
  const p = await page({ javaScriptEnabled: false });
  await signIn(p);
  await p.goto(`${base}/enterprise/filing/`);
  await fillFiling(p, "端到端储能电池组（无脚本）", "201080063196.X");
  await p.click("main button[type=submit]");
  // The server's answer: the same form, the error beside the patent, what was typed kept.
  await p.waitForSelector("#error-summary");
  assert.ok((await p.locator("#patents-0-number-error").innerText()).length > 0);
  assert.equal(await p.inputValue("#name"), "端到端储能电池组（无脚本）");
  assert.equal(await p.inputValue("#economics-sales"), "8800000");
  await p.screenshot({ path: `${artifacts}/filing-no-js-error.png`, fullPage: true });
  await p.fill("#patents-0-number", env("PATENT"));
  await Promise.all([p.waitForURL("**/enterprise/filings/?submitted=*"), p.click("main button[type=submit]")]);
  const row = p.locator("#filings tr", { hasText: "端到端储能电池组（无脚本）" });
  assert.equal(await row.getAttribute("data-status"), "submitted");
  // One filing, not two: the draft of the refused post was the one submitted.
  assert.equal(await p.locator("#filings tr", { hasText: "无脚本" }).count(), 1);
});

test("the annual update with JavaScript off: a refusal beside its field, then saved", async () => {
  const p = await page({ javaScriptEnabled: false });
  await signIn(p);
  const number = env("PRODUCT");
  await p.click(`#products tr[data-number="${number}"] a[href$="/update/"]`);
  await p.waitForURL(`**/enterprise/products/${number}/update/`);
  // Exports above sales: the API refuses, the page says so beside the field.
  await p.fill("#economics-sales", "1000000");
  await p.fill("#economics-exports", "5000000");
  await p.fill("#economics-profit", "-20000");
  await p.fill("#economics-ip_investment", "30000");
  await p.click("main button[type=submit]");
  await p.waitForSelector("#error-summary");
  assert.ok((await p.locator("#economics-exports-error").innerText()).length > 0);
  assert.equal(await p.inputValue("#economics-exports"), "5000000");
  await p.screenshot({ path: `${artifacts}/update-error.png`, fullPage: true });
  await p.fill("#economics-exports", "400000");
  await Promise.all([p.waitForURL(`**/enterprise/filings/?updated=${number}`), p.click("main button[type=submit]")]);
  assert.match(await p.locator("main").innerText(), /年度数据已更新/);
  // The saved figures are what the form shows next time.
  await p.goto(`${base}/enterprise/products/${number}/update/`);
  assert.equal(await p.inputValue("#economics-sales"), "1000000");
  assert.equal(await p.inputValue("#economics-profit"), "-20000");
});

test("the annual update with the wasm client: the what-if follows the figures typed", async () => {
  const p = await page();
  await signIn(p);
  const number = env("PRODUCT");
  await p.goto(`${base}/enterprise/products/${number}/update/`);
  // Scored at once from the saved figures, the record's patents and the newest set.
  await p.waitForSelector("#preview-body [data-identified]");
  const before = await p.innerHTML("#preview-body");
  await p.fill("#economics-sales", "1");
  await p.fill("#economics-exports", "0");
  await p.fill("#economics-profit", "0");
  await p.waitForFunction((old) => document.getElementById("preview-body").innerHTML !== old, before);
  assert.equal(await p.getAttribute("#preview-body [data-identified]", "data-identified"), "false");
  await p.screenshot({ path: `${artifacts}/update-preview.png`, fullPage: true });
  assert.deepEqual(p.errors, []);
});

test("the annual update in two tabs: the later save is told and keeps its figures", async () => {
  const a = await page({ javaScriptEnabled: false });
  const b = await page({ javaScriptEnabled: false });
  await signIn(a);
  await signIn(b);
  const number = env("PRODUCT");
  const url = `${base}/enterprise/products/${number}/update/`;
  await a.goto(url);
  await b.goto(url);
  // B saves first.
  await b.fill("#economics-sales", "2000000");
  await b.fill("#economics-exports", "100000");
  await b.fill("#economics-profit", "300000");
  await b.fill("#economics-ip_investment", "50000");
  await Promise.all([b.waitForURL(`**/enterprise/filings/?updated=${number}`), b.click("main button[type=submit]")]);
  // A, rendered before B's save, is told, and what it typed is still there.
  await a.fill("#economics-sales", "3000000");
  await a.fill("#economics-exports", "0");
  await a.fill("#economics-profit", "400000");
  await a.fill("#economics-ip_investment", "60000");
  await a.click("main button[type=submit]");
  await a.waitForSelector("#conflict");
  assert.match(await a.locator("#conflict").innerText(), /已在别处/);
  assert.equal(await a.inputValue("#economics-sales"), "3000000");
  for (const width of [1280, 390]) {
    await a.setViewportSize({ width, height: 900 });
    await a.screenshot({ path: `${artifacts}/update-conflict-${width}.png`, fullPage: true });
  }
  // Nothing of A's was saved.
  await b.goto(url);
  assert.equal(await b.inputValue("#economics-sales"), "2000000");
  // Saving again is a deliberate choice, and goes through.
  await Promise.all([a.waitForURL(`**/enterprise/filings/?updated=${number}`), a.click("main button[type=submit]")]);
  await b.goto(url);
  assert.equal(await b.inputValue("#economics-sales"), "3000000");
});

test("the same filing in two tabs: the later save is told, keeps what was typed, and overwrites nothing", async () => {
  const a = await page({ javaScriptEnabled: false });
  const b = await page({ javaScriptEnabled: false });
  await signIn(a);
  await signIn(b);
  // Tab A starts a filing without a description: a draft is saved, not submitted.
  await a.goto(`${base}/enterprise/filing/`);
  await fillFiling(a, "两个窗口的储能电池", env("PATENT"));
  await a.fill("#description", "");
  await a.click("main button[type=submit]");
  await a.waitForSelector("#error-summary");
  const id = await a.inputValue("input[name=filing_id]");
  assert.match(id, /^\d+$/);
  // Tab B opens the same draft from the list, renames it and saves (still incomplete).
  await b.goto(`${base}/enterprise/filings/`);
  await Promise.all([b.waitForURL(`**/enterprise/filing/?id=${id}`), b.click(`#filings a[href$="filing/?id=${id}"]`)]);
  assert.equal(await b.inputValue("#name"), "两个窗口的储能电池");
  assert.equal(await b.inputValue("#patents-0-number"), env("PATENT"));
  await b.fill("#name", "乙窗口改过的名称");
  await b.click("main button[type=submit]");
  await b.waitForSelector("#error-summary");
  assert.equal(await b.inputValue("#name"), "乙窗口改过的名称");
  // Tab A, rendered before B's save, completes the filing and submits: it is told, in
  // Chinese, that someone else saved first, and everything it typed is still there.
  await a.fill("#name", "甲窗口的名称");
  await a.fill("#description", "甲窗口填写的产品描述。");
  await a.click("main button[type=submit]");
  await a.waitForSelector("#conflict");
  assert.match(await a.locator("#conflict").innerText(), /已在别处/);
  assert.equal(await a.inputValue("#name"), "甲窗口的名称");
  assert.equal(await a.inputValue("#description"), "甲窗口填写的产品描述。");
  for (const width of [1280, 390]) {
    await a.setViewportSize({ width, height: 900 });
    await a.screenshot({ path: `${artifacts}/filing-conflict-${width}.png`, fullPage: true });
  }
  // Nothing of A's was saved: the filing still has B's name.
  await b.goto(`${base}/enterprise/filing/?id=${id}`);
  assert.equal(await b.inputValue("#name"), "乙窗口改过的名称");
  // Posting again is a deliberate choice: A's content replaces B's and is submitted.
  await Promise.all([a.waitForURL("**/enterprise/filings/?submitted=*"), a.click("main button[type=submit]")]);
  const row = a.locator("#filings tr", { hasText: "甲窗口的名称" });
  assert.equal(await row.getAttribute("data-status"), "submitted");
  assert.equal(await a.locator("#filings tr", { hasText: "乙窗口改过的名称" }).count(), 0);
});

test("the conflict is told in English on the English form", async () => {
  const a = await page({ javaScriptEnabled: false });
  const b = await page({ javaScriptEnabled: false });
  await signIn(a);
  await signIn(b);
  await a.goto(`${base}/en/enterprise/filing/`);
  await fillFiling(a, "Two-tab battery pack", env("PATENT"));
  await a.fill("#description", "");
  await a.click("main button[type=submit]");
  await a.waitForSelector("#error-summary");
  const id = await a.inputValue("input[name=filing_id]");
  await b.goto(`${base}/en/enterprise/filing/?id=${id}`);
  await b.fill("#model", "B-2");
  await b.click("main button[type=submit]");
  await b.waitForSelector("#error-summary");
  await a.fill("#model", "A-2");
  await a.click("main button[type=submit]");
  await a.waitForSelector("#conflict");
  assert.match(await a.locator("#conflict").innerText(), /changed and saved elsewhere/);
  assert.equal(await a.inputValue("#model"), "A-2");
});

test("a regional office applies for its port: refusals beside the fields, then submitted", async () => {
  const p = await page({ javaScriptEnabled: false });
  await p.goto(`${base}/port/apply/`);
  await p.fill("#office_name", "端到端测试知识产权局");
  await p.fill("#region_scope", "460105");
  await p.fill("#contacts-0-name", "赵六");
  await p.fill("#contacts-0-title", "科长");
  await p.fill("#contacts-0-phone", "12345");
  await p.fill("#contacts-0-email", "zhao@ip.test");
  await p.fill("#account_email", `port${Date.now()}@ip.test`);
  await p.fill("#password", "e2e port password");
  await Promise.all([p.waitForLoadState("load"), p.click("main button[type=submit]")]);
  await p.waitForSelector("#error-summary");
  // A county is no port's region; a phone number of five digits is none.
  assert.equal(await p.getAttribute("#region_scope", "aria-invalid"), "true");
  assert.equal(await p.getAttribute("#contacts-0-phone", "aria-invalid"), "true");
  assert.equal(await p.inputValue("#office_name"), "端到端测试知识产权局");
  assert.equal(await p.inputValue("#password"), "");
  await p.screenshot({ path: `${artifacts}/port-application-errors.png`, fullPage: true });
  await p.fill("#region_scope", "460000");
  await p.fill("#contacts-0-phone", "13700137000");
  await p.fill("#password", "e2e port password");
  await Promise.all([p.waitForLoadState("load"), p.click("main button[type=submit]")]);
  await p.waitForSelector("#submitted");
  assert.match(await p.locator("#submitted").innerText(), /申请已提交/);
  assert.match(await p.locator("#submitted").innerText(), /460000/);
  await p.screenshot({ path: `${artifacts}/port-application-submitted.png`, fullPage: true });
});

test("the signed-in pages pass axe-core's WCAG 2.1 AA checks", async () => {
  const p = await page({ bypassCSP: true });
  await signIn(p);
  const number = env("PRODUCT");
  const paths = ["/enterprise/filings/", "/enterprise/filing/", `/enterprise/products/${number}/update/`,
    "/en/enterprise/filing/", "/port/apply/", "/en/port/apply/"];
  assert.deepEqual(await axeViolations(p, base, paths), []);
});
