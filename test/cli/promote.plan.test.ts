/**
 * What a promotion changes, as the reviewer of its pull request sees it: `mta-sts plan` on the
 * promoted file against the old one (`plan --base`, JSON) shows exactly the mode changes of the
 * promoted domains: their new policy text and new ids, nothing else. The stack is the bundled
 * example (comments, five domains on three hosts), promoted on generated reports.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runCli, runCliProcess } from "../support/cli";
import { dayRange, reportJson } from "../support/reports";

const root = path.join(__dirname, "..", "..");
let dir: string;
let review: {
  summary: Record<string, unknown>;
  domains: { domain: string; change: string; modeBefore?: string; modeAfter?: string; idBefore?: string; idAfter?: string; policyBefore?: string; policyAfter?: string; records?: { name: string; before?: string; after?: string }[]; risks?: { code: string }[] }[];
  resources: { name: string; change: string; domains: string[]; properties: { name: string; before?: string; after?: string }[] }[];
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "mta-sts-promote-plan-"));
  const stack = path.join(dir, "Pulumi.example.yaml");
  copyFileSync(path.join(root, "Pulumi.example.yaml"), stack);
  copyFileSync(stack, path.join(dir, "before.yaml"));
  mkdirSync(path.join(dir, "reports"));
  for (const domain of ["example.com", "example.org", "example.net"]) {
    for (const day of dayRange(14)) {
      for (const org of ["Google Inc.", "Microsoft Corporation"]) writeFileSync(path.join(dir, "reports", `${domain}-${org}-${day}.json`), reportJson({ day, domain, org }));
    }
  }
  const promote = await runCli(["promote", "--stack", stack, path.join(dir, "reports"), "--json"]);
  expect(promote.code).toBe(0);
  expect(JSON.parse(promote.out).promoted.map((p: { domain: string }) => p.domain)).toEqual(["example.com", "example.org"]);
  const run = runCliProcess(["plan", "--stack", stack, "--base", path.join(dir, "before.yaml"), "--json"], { timeoutMs: 300_000 });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  review = JSON.parse(run.stdout);
}, 330_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("only the promoted domains change, from testing to enforce; the others are unchanged; nothing is added or removed", () => {
  expect(review.summary).toMatchObject({ domainsChanged: 2, added: 0, removed: 0, blocking: 0 });
  expect(review.domains.map((d) => [d.domain, d.change, d.modeBefore, d.modeAfter])).toEqual([
    ["example.com", "changed", "testing", "enforce"],
    ["example.net", "unchanged", undefined, undefined],
    ["example.org", "changed", "testing", "enforce"],
    ["old-brand.example", "unchanged", undefined, undefined],
    ["xn--bcher-kva.example", "unchanged", undefined, undefined],
  ]);
});

test("each promoted domain gets the same policy text with mode: enforce, a new id, and the _mta-sts record with that id; the one risk is enforce-enabled", () => {
  for (const d of review.domains.filter((x) => x.change === "changed")) {
    expect(d.policyAfter).toBe(d.policyBefore!.replace("mode: testing\r\n", "mode: enforce\r\n"));
    expect(d.idAfter).not.toBe(d.idBefore);
    expect(d.records).toEqual([{ name: `_mta-sts.${d.domain}`, before: `v=STSv1; id=${d.idBefore}`, after: `v=STSv1; id=${d.idAfter}` }]);
    expect(d.risks!.map((r) => r.code)).toEqual(["enforce-enabled"]);
  }
});

test("every resource that changes belongs to a promoted domain and changes only in the policy's bytes or its id", () => {
  const ids = new Map(review.domains.filter((d) => d.change === "changed").map((d) => [d.domain, [d.idBefore!, d.idAfter!] as const]));
  expect(review.resources.length).toBeGreaterThan(0);
  for (const r of review.resources) {
    expect(r.domains.every((d) => ids.has(d))).toBe(true);
    const [before, after] = ids.get(r.domains[0])!;
    for (const p of r.properties) {
      if (p.name === "environment.MTA_STS_SITE_FILES") {
        // The Pages upload carries the policy file: same size ("testing" and "enforce" are 7 letters), other bytes.
        expect(p.after!.replace(/sha256 \w+…/, "")).toBe(p.before!.replace(/sha256 \w+…/, ""));
        continue;
      }
      // The policy object's hash is its id; a TXT record and a deploy trigger hold the id itself.
      const swapped = p.before!.split(before).join(after).split(before.slice(0, 12)).join(after.slice(0, 12));
      expect({ resource: r.name, property: p.name, after: p.after }).toEqual({ resource: r.name, property: p.name, after: swapped });
    }
  }
});

test("the promoted file differs from the old one in the two mode lines only", () => {
  const before = readFileSync(path.join(dir, "before.yaml"), "utf8").split("\n");
  const after = readFileSync(path.join(dir, "Pulumi.example.yaml"), "utf8").split("\n");
  expect(after).toHaveLength(before.length);
  const changed = before.map((line, i) => [line, after[i]]).filter(([a, b]) => a !== b);
  expect(changed).toEqual([
    ["        mode: testing", "        mode: enforce"],
    ["        mode: testing", "        mode: enforce"],
  ]);
});
