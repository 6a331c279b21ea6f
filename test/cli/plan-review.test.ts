/**
 * The review of a change (cli/plan-review.ts) and how it is shown (cli/plan-review-render.ts):
 * the summary line, risks first, allowed risks, the JSON shape, and text and markdown that stay
 * safe when the plans carry hostile bytes (a pull request's config may come from anyone).
 */
import { Plan, PLAN_FORMAT_VERSION, PlanDomain, PlanResource } from "../../cli/plan-report";
import { reviewPlans, reviewToJson, summaryLine } from "../../cli/plan-review";
import { htmlText, markdownText, reviewToMarkdown, reviewToText } from "../../cli/plan-review-render";
import { MailDomainIntent } from "../../components/model/config";
import { PolicyMode } from "../../components/model/policy";
import { renderMailDomain } from "../../components/model/rendered";

function domain(name: string, mode: PolicyMode, mx = [`mx.${name}`]): PlanDomain {
  const intent: MailDomainIntent = { domain: name, policyHost: `mta-sts.${name}`, policy: { mode, mx, maxAgeSeconds: 604800 } };
  return { ...renderMailDomain(intent), host: "aws", dns: "route53", component: name.replace(/\./g, "-") };
}

function txt(d: PlanDomain): PlanResource {
  const name = `${d.component}-sts-txt`;
  return { type: "aws:route53/record:Record", name, urn: `urn:pulumi:plan::mta-sts::aws:route53/record:Record::${name}`, inputs: { name: d.stsRecordName, records: [d.stsRecord] }, dependsOn: [] };
}

function plan(domains: PlanDomain[]): Plan {
  return { kind: "mta-sts-offline-plan", version: PLAN_FORMAT_VERSION, notice: "", stack: "Pulumi.prod.yaml", warnings: [], domains, resources: domains.map(txt), edges: [] };
}

// Base: four domains. Head: one goes to enforce, one is removed while in testing, one is added.
const base = plan([domain("a.example", "testing"), domain("b.example", "testing"), domain("gone.example", "testing"), domain("same.example", "enforce")]);
const head = plan([domain("a.example", "enforce"), domain("b.example", "testing", ["mx2.b.example"]), domain("new.example", "testing"), domain("same.example", "enforce")]);

describe("the review", () => {
  const review = reviewPlans(base, head, { baseLabel: "origin/main:Pulumi.prod.yaml" });

  test("one summary line: domains changed, added, removed; risks and how many block; resources", () => {
    expect(summaryLine(review.summary)).toBe("2 domains changed, 1 added, 1 removed; 2 risks (1 blocking); resources: 1 create, 2 update, 1 delete");
  });

  test("risks come blocking first, each with its domain, message and fix", () => {
    expect(review.risks.map((r) => `${r.severity} ${r.code} ${r.domain}`)).toEqual(["block domain-removed-while-active gone.example", "warn enforce-enabled a.example"]);
  });

  test("an allowed risk is still listed, marked allowed, and no longer blocks", () => {
    const allowed = reviewPlans(base, head, { baseLabel: "b", allow: ["domain-removed-while-active"] });
    expect(allowed.summary).toMatchObject({ risks: 2, blocking: 0, allowed: 1 });
    expect(allowed.risks.find((r) => r.code === "domain-removed-while-active")!.allowed).toBe(true);
    expect(summaryLine(allowed.summary)).toContain("2 risks (0 blocking, 1 allowed)");
    expect(reviewToText(allowed)).toMatch(/^ALLOWED \(block\) {2}domain-removed-while-active {2}gone\.example is removed/m);
  });

  test("--json: ok, summary, every domain (unchanged ones by name only) and every changed resource", () => {
    const json = reviewToJson(review) as any;
    expect(json).toMatchObject({ ok: true, kind: "mta-sts-plan-review", version: PLAN_FORMAT_VERSION, base: "origin/main:Pulumi.prod.yaml" });
    expect(json.summary).toMatchObject({ domainsChanged: 2, added: 1, removed: 1, risks: 2, blocking: 1 });
    expect(json.domains.find((d: any) => d.domain === "same.example")).toEqual({ domain: "same.example", change: "unchanged" });
    const a = json.domains.find((d: any) => d.domain === "a.example");
    expect(a).toMatchObject({ change: "changed", modeBefore: "testing", modeAfter: "enforce", idBefore: domain("a.example", "testing").policyId, idAfter: domain("a.example", "enforce").policyId });
    expect(a.policyAfter).toBe(domain("a.example", "enforce").policyText);
    expect(a.risks).toEqual([expect.objectContaining({ code: "enforce-enabled", severity: "warn", allowed: false })]);
    expect(json.resources.map((r: any) => `${r.change} ${r.name}`)).toEqual(["update a-example-sts-txt", "update b-example-sts-txt", "delete gone-example-sts-txt", "create new-example-sts-txt"]);
    expect(json.resources[0].properties).toEqual([expect.objectContaining({ name: "records", replaces: false })]);
  });

  test("text: the summary, one line per risk with its status first, then each changed domain and nothing for an unchanged one", () => {
    const text = reviewToText(review);
    const lines = text.split("\n");
    expect(lines[1]).toBe(summaryLine(review.summary));
    expect(lines[3]).toMatch(/^BLOCK {2}domain-removed-while-active {2}gone\.example .* Fix: publish `mode: none` first/);
    expect(lines[4]).toMatch(/^WARN {2}enforce-enabled {2}a\.example goes from testing to enforce/);
    expect(text).toContain("changed a.example\n  mode testing → enforce\n");
    expect(text).toContain("    - mode: testing\n    + mode: enforce\n");
    expect(text).not.toContain("same.example");
  });

  test("markdown: the summary, the risks table first, then one collapsible section per changed domain", () => {
    const md = reviewToMarkdown(review);
    const risksAt = md.indexOf("| status | risk |");
    expect(md).toContain(`**${markdownText(summaryLine(review.summary))}**`);
    expect(risksAt).toBeGreaterThan(0);
    expect(md.indexOf("<details>")).toBeGreaterThan(risksAt);
    expect(md.match(/<details>/g)).toHaveLength(4); // a, b, gone, new
    expect(md).toContain("<summary>changed: <code>a.example</code>, 1 risk</summary>");
    expect(md).toContain("```diff\n version: STSv1\n-mode: testing\n+mode: enforce\n");
    expect(md).not.toContain("same.example");
  });
});

describe("hostile bytes in a plan", () => {
  // A base plan is a file anyone can hand in; its strings reach a terminal and a PR comment.
  const evil = domain("a.example", "testing");
  const hostile: PlanDomain = {
    ...evil,
    policyText: evil.policyText.replace("mode: testing", "mode: testing\u001b[2J | <img src=x onerror=alert(1)> ````"),
  };
  const review = reviewPlans(plan([hostile]), plan([domain("a.example", "enforce")]), { baseLabel: "evil.json\u001b]0;owned\u0007" });

  test("text output carries no raw control character", () => {
    const text = reviewToText(review);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toContain("\\x1b[2J");
    // A bidirectional override would reorder what the reader sees: shown as an escape instead.
    expect(reviewToText(reviewPlans(plan([]), plan([domain("a.example", "enforce")]), { baseLabel: "base\u202elmth.exe" }))).toContain("base\\u202elmth.exe");
  });

  test("markdown output escapes HTML and table pipes, and fences code longer than any backtick run inside", () => {
    const md = reviewToMarkdown(review);
    // Inside a fenced block the text is shown as is; everywhere else no tag survives.
    const outsideCode = md.replace(/`````diff\n[\s\S]*?\n`````/g, "");
    expect(outsideCode).not.toContain("<img");
    expect(md).toContain("mode: testing [2J | <img src=x onerror=alert(1)> ````\n");
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(md).toContain("`````diff");
    expect(markdownText("a|b <c> *d*")).toBe("a\\|b \\<c\\> \\*d\\*");
    expect(htmlText(`<b>"x"&`)).toBe("&#60;b&#62;&#34;x&#34;&#38;");
  });

  test("a comment stays under GitHub's size limit: sections that do not fit are counted, not cut", () => {
    const many = Array.from({ length: 400 }, (_, i) => `d${i}.example`);
    const big = reviewPlans(plan(many.map((d) => domain(d, "testing"))), plan(many.map((d) => domain(d, "enforce"))), { baseLabel: "b" });
    const md = reviewToMarkdown(big, { budget: 20000 });
    expect(md.length).toBeLessThanOrEqual(20000 + 400);
    expect(md).toMatch(/\n\d+ more sections are not shown/);
    expect((md.match(/<details>/g) ?? []).length).toBe(md.split("</details>").length - 1); // no section cut in half
  });
});
