/**
 * `mta-sts reports --html`: the page in a real headless browser (Debian's chromium, driven by
 * playwright-core, which downloads nothing): it loads with no console error and no request, and
 * each domain's chart shows a failure bar on exactly the days senders reported failures.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, BrowserContext } from "playwright-core";
import { runCli } from "../support/cli";
import { dayRange, reportJson } from "../support/reports";

let dir: string;
let browser: BrowserContext;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-html-e2e-"));
  // A fresh profile of its own (--user-data-dir, which playwright passes for a persistent context).
  browser = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}, 60000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the page loads with no console error, and the chart marks exactly the failure days", async () => {
  const failureDays = ["2026-03-04", "2026-03-09"];
  for (const day of dayRange(14)) {
    const failing = failureDays.includes(day);
    writeFileSync(join(dir, `g-${day}.json`), reportJson({ day, domain: "shop.example", org: "Google Inc.", successful: 5000, failed: failing ? 3 : 0, details: failing ? [{ "result-type": "certificate-expired", "failed-session-count": 3, "receiving-mx-hostname": "mx.shop.example" }] : undefined }));
    writeFileSync(join(dir, `m-${day}.json`), reportJson({ day, domain: "calm.example", org: "Microsoft Corporation", successful: 40 }));
    writeFileSync(join(dir, `x-${day}.json`), reportJson({ day, domain: "calm.example", org: "<b>Evil</b> & Co" }));
  }
  const page = join(dir, "report.html");
  const { code } = await runCli(["reports", dir, "--html", page, "--resolver", "127.0.0.1:9"]);
  expect(code).toBe(1);

  const tab = await browser.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  tab.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  tab.on("pageerror", (e) => problems.push(String(e)));
  tab.on("request", (r) => !r.url().startsWith("file:") && requests.push(r.url()));
  await tab.goto(`file://${page}`);
  await tab.waitForSelector("section.domain");

  const shop = tab.locator('section.domain[data-domain="shop.example"]');
  expect(await shop.locator(".verdict").innerText()).toBe("not-ready");
  const failureBars = shop.locator("svg.chart rect.failure-day");
  expect(await failureBars.evaluateAll((rects) => rects.map((r) => r.getAttribute("data-day")))).toEqual(failureDays);
  for (const bar of await failureBars.all()) {
    const box = await bar.boundingBox();
    expect(box && box.width > 0 && box.height > 0).toBe(true);
  }
  expect(await shop.locator("svg.chart rect.ok-day").count()).toBe(14);
  expect(await shop.locator(".reasons").innerText()).toContain("certificate-expired: 6 failed sessions to mx.shop.example");

  const calm = tab.locator('section.domain[data-domain="calm.example"]');
  expect(await calm.locator("svg.chart rect.failure-day").count()).toBe(0);
  expect(await calm.locator(".totals").innerText()).toContain("<b>Evil</b> & Co");
  expect(await calm.locator("b").count()).toBe(0);

  // The filter hides the domains of other verdicts.
  await tab.selectOption("#filter", "not-ready");
  expect(await calm.isVisible()).toBe(false);
  expect(await shop.isVisible()).toBe(true);

  await tab.screenshot({ path: join(dir, "report.png"), fullPage: true });
  expect(problems).toEqual([]);
  expect(requests).toEqual([]);
}, 120000);
