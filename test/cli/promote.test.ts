/**
 * `mta-sts promote` and `mta-sts demote` on real files: the stack file is edited in place (only
 * the mode lines of the promoted domains change), `--dry-run` writes nothing, a stack file that
 * does not validate is refused, a second run changes nothing, and the controls a platform team
 * needs (--only, --exclude, --max, rollout: hold) and the evidence flags shared with `reports`.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyPatch } from "diff";
import { loadStackForEdit, rewriteModes, writeStackFile } from "../../cli/stack-file-rewrite";
import { runCli } from "../support/cli";
import { dayRange, reportJson } from "../support/reports";
import { unifiedDiff } from "../support/unified-diff";

let dir: string;
let reports: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-promote-"));
  reports = join(dir, "reports");
  mkdirSync(reports);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A platform team's stack file: comments, aligned comments, quoting, blank lines, flow and block mappings. */
const STACK = `# Production mail domains. Reviewed by the mail team.
config:
  aws:region: eu-west-1
  mta-sts:defaults:
    policy:
      mode: testing              # every new domain starts in testing
      maxAgeSeconds: 1209600     # 14 days
    tlsRpt: { rua: ["mailto:tlsrpt@example.com"] }
  mta-sts:domains:
    # The shop: its own mode, aligned comment.
    - domain: shop.example
      hostedZoneId: Z0000000000001
      policy:
        mode:   "testing"        # since March
        mx: ["mx1.shop.example", "mx2.shop.example"]

    # Takes testing from the defaults; flow mapping.
    - domain: api.example
      hostedZoneId: Z0000000000002
      policy: { mx: [mx.api.example] }

    # Takes testing from the defaults; block mapping without mode, short max_age.
    - domain: short.example
      hostedZoneId: Z0000000000003
      policy:
        mx:
          - mx.short.example
        maxAgeSeconds: 86400

    # No reports yet.
    - domain: quiet.example
      hostedZoneId: Z0000000000004
      policy: { mode: 'testing', mx: [mx.quiet.example] }

    # Reports show failures.
    - domain: broken.example
      hostedZoneId: Z0000000000005
      policy: { mode: testing, mx: [mx.broken.example] }

    # Already enforced.
    - domain: done.example
      hostedZoneId: Z0000000000006
      policy: { mode: enforce, mx: [mx.done.example] }
`;

function writeStack(text = STACK, name = "Pulumi.prod.yaml"): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Two organizations' clean reports for 14 days, plus failures for some domains: ready, unless failing. */
function writeReports(domains: string[], options: { failing?: string[]; days?: number } = {}): void {
  for (const domain of domains) {
    for (const day of dayRange(options.days ?? 14)) {
      const failed = options.failing?.includes(domain) && day === "2026-03-03";
      writeFileSync(join(reports, `${domain}-g-${day}.json`), reportJson({ day, domain, org: "Google Inc." }));
      writeFileSync(
        join(reports, `${domain}-m-${day}.json`),
        reportJson({ day, domain, org: "Microsoft Corporation", ...(failed ? { failed: 2, details: [{ "result-type": "certificate-expired", "failed-session-count": 2, "receiving-mx-hostname": `mx.${domain}` }] } : {}) }),
      );
    }
  }
}

const READY = ["shop.example", "api.example", "short.example", "broken.example", "done.example"];

describe("promote edits the stack file in place", () => {
  test("a stack config with comments and several domains: only the ready testing domains change, and the diff is exactly their mode lines", async () => {
    const stack = writeStack();
    writeReports(READY, { failing: ["broken.example"] });
    const { code, out, err } = await runCli(["promote", "--stack", stack, reports]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const after = readFileSync(stack, "utf8");
    expect(unifiedDiff(STACK, after)).toBe(
      [
        "@@ -14 +14 @@",
        '-        mode:   "testing"        # since March',
        '+        mode:   "enforce"        # since March',
        "@@ -20 +20 @@",
        "-      policy: { mx: [mx.api.example] }",
        "+      policy: { mx: [mx.api.example], mode: enforce }",
        "@@ -28,0 +29 @@",
        "+        mode: enforce",
      ].join("\n"),
    );
    const lines = out.split("\n");
    expect(lines[0]).toBe(`promote  shop.example: ready, 14 days, 2 reporters, 280 sessions, 0 failed; testing -> enforce at config.mta-sts:domains[0].policy.mode`);
    expect(lines[1]).toBe(`promote  api.example: ready, 14 days, 2 reporters, 280 sessions, 0 failed; testing (from mta-sts:defaults) -> enforce, its own mode at config.mta-sts:domains[1].policy.mode`);
    expect(lines[2]).toMatch(/^promote {2}short\.example: ready, .* at config\.mta-sts:domains\[2\]\.policy\.mode$/);
    expect(lines[3]).toMatch(/^ {2}note {3}max_age is 86400 s \(1 day\), under 14 days; once enforce has held, raise policy\.maxAgeSeconds to 1209600 \(14 days\) or more \(RFC 8461 §3\.2/);
    expect(lines[4]).toBe("stay     quiet.example: insufficient-evidence: no TLS report names quiet.example; check that its _smtp._tls record points at this mailbox, and wait for senders to report");
    expect(lines[5]).toMatch(/^stay {5}broken\.example: not-ready: certificate-expired: 2 failed sessions to mx\.broken\.example, reported by Microsoft Corporation on 2026-03-03; renew the MX's certificate$/);
    expect(out).toContain(`wrote ${stack}: 3 domains to enforce, 2 stay in testing, 1 already in enforce\n`);
    expect(out).toContain(`after review, deploy: pulumi up --stack prod`);
  });

  test("a domain whose mode comes from mta-sts:defaults gets a mode of its own; the defaults and the other domains that use them stay", async () => {
    const text = `domains:\n  - domain: a.example\n    hostedZoneId: Z1\n  - domain: b.example\n    hostedZoneId: Z2\ndefaults:\n  policy: { mode: testing, mx: [mx.shared.example] }\n`;
    const stack = writeStack(text, "stack.yaml");
    writeReports(["a.example"]);
    const json = JSON.parse((await runCli(["promote", "--stack", stack, reports, "--json"])).out);
    expect(json.promoted).toMatchObject([{ domain: "a.example", index: 0, path: "domains[0].policy.mode", modeFrom: "defaults" }]);
    // a.example had no policy key at all: one is made for it, under the entry.
    expect(unifiedDiff(text, readFileSync(stack, "utf8"))).toBe(["@@ -3,0 +4,2 @@", "+    policy:", "+      mode: enforce"].join("\n"));
    const plan = JSON.parse((await runCli(["render", "--stack", stack, "--json"])).out);
    expect(plan.domains.map((d: { domain: string; policyText: string }) => [d.domain, /mode: (\w+)/.exec(d.policyText)![1]])).toEqual([
      ["a.example", "enforce"],
      ["b.example", "testing"],
    ]);
  });

  test("--dry-run prints the unified diff it would make and writes nothing: the file's bytes and mtime stay", async () => {
    const stack = writeStack();
    writeReports(READY, { failing: ["broken.example"] });
    const past = new Date("2026-01-01T00:00:00Z");
    utimesSync(stack, past, past);
    const before = { bytes: readFileSync(stack), mtimeMs: statSync(stack).mtimeMs };
    const dry = await runCli(["promote", "--stack", stack, "--dry-run", reports]);
    expect(dry.code).toBe(0);
    expect(readFileSync(stack).equals(before.bytes)).toBe(true);
    expect(statSync(stack).mtimeMs).toBe(before.mtimeMs);
    expect(readdirSync(dir).sort()).toEqual(["Pulumi.prod.yaml", "reports"]);
    expect(dry.out).toContain(`dry run: 3 domains would go to enforce, 2 stay in testing, 1 already in enforce; nothing was written (run without --dry-run to write ${stack})`);
    const diff = dry.out.slice(dry.out.indexOf(`--- ${stack}\n`));
    expect(diff.split("\n").slice(0, 3)).toEqual([`--- ${stack}`, `+++ ${stack}`, "@@ -11,13 +11,13 @@"]);
    // The diff shown is the change the real run makes.
    const json = JSON.parse((await runCli(["promote", "--stack", stack, "--dry-run", "--json", reports])).out);
    expect(json).toMatchObject({ ok: true, dryRun: true, written: false, changed: true });
    expect(`${diff.trimEnd()}\n`).toBe(json.diff);
    expect(readFileSync(stack).equals(before.bytes)).toBe(true);
    expect((await runCli(["promote", "--stack", stack, reports])).code).toBe(0);
    expect(applyPatch(before.bytes.toString("utf8"), json.diff)).toBe(readFileSync(stack, "utf8"));
  });

  test("re-running on a promoted file changes nothing (idempotent), and says so", async () => {
    const stack = writeStack();
    writeReports(READY, { failing: ["broken.example"] });
    expect((await runCli(["promote", "--stack", stack, reports])).code).toBe(0);
    const promoted = readFileSync(stack);
    const mtimeMs = statSync(stack).mtimeMs;
    const again = await runCli(["promote", "--stack", stack, reports]);
    expect(again.code).toBe(0);
    expect(again.out).toContain(`nothing to promote in ${stack}: 2 stay in testing, 4 already in enforce\n`);
    expect(readFileSync(stack).equals(promoted)).toBe(true);
    expect(statSync(stack).mtimeMs).toBe(mtimeMs);
    const json = JSON.parse((await runCli(["promote", "--stack", stack, reports, "--json"])).out);
    expect(json).toMatchObject({ ok: true, written: false, changed: false, promoted: [] });
    expect(json.diff).toBeUndefined();
  });

  test("a secure: value, the encryption settings, and anchors and aliases off the edited paths stay byte for byte", async () => {
    // Pulumi writes secrets as `secure:` ciphertext; an anchor shares a list or a block between domains.
    const text = [
      "secretsprovider: awskms://alias/pulumi",
      "encryptionsalt: v1:Zm9vYmFy:v1:Zm9vYmFyYmF6:Zm9v",
      "config:",
      "  aws:region: eu-west-1",
      "  cloudflare:apiToken:",
      "    secure: AAABAJ3yKjmqv4mHZx2NTjZ5f0gO9Y8ZrZrq3OeWw+LYaPQ3Yw==",
      "  mta-sts:defaults:",
      "    policy:",
      "      mode: testing",
      "    tlsRpt: &rpt",
      '      rua: ["mailto:tlsrpt@example.com"]',
      "  mta-sts:domains:",
      "    - domain: a.example",
      "      hostedZoneId: Z1",
      "      policy:",
      "        mx: &mx [mx.a.example]   # shared with b.example",
      "    - domain: b.example",
      "      hostedZoneId: Z2",
      "      tlsRpt: *rpt",
      "      policy: { mx: *mx }",
      "",
    ].join("\n");
    const stack = writeStack(text);
    writeReports(["a.example", "b.example"]);
    const run = await runCli(["promote", "--stack", stack, reports]);
    expect(run).toMatchObject({ code: 0, err: "" });
    expect(unifiedDiff(text, readFileSync(stack, "utf8"))).toBe(["@@ -16,0 +17 @@", "+        mode: enforce", "@@ -20 +21 @@", "-      policy: { mx: *mx }", "+      policy: { mx: *mx, mode: enforce }"].join("\n"));
  });

  test("a CRLF file keeps its line ends, and the inserted line uses them too", async () => {
    const text = STACK.replace(/\n/g, "\r\n");
    const stack = writeStack(text);
    writeReports(["short.example"]);
    expect((await runCli(["promote", "--stack", stack, reports])).code).toBe(0);
    expect(unifiedDiff(text, readFileSync(stack, "utf8"))).toBe(["@@ -28,0 +29 @@", "+        mode: enforce␍"].join("\n"));
  });
});

describe("refusals: exit 2 and nothing written", () => {
  test("a stack file that does not validate: every problem with its field path", async () => {
    const bad = STACK.replace('mode:   "testing"', "mode:   testin").replace("hostedZoneId: Z0000000000002", "hostedZoneId: Z0000000000002\n      rolout: hold");
    const stack = writeStack(bad);
    writeReports(READY);
    const human = await runCli(["promote", "--stack", stack, reports]);
    expect(human.code).toBe(2);
    expect(human.out).toBe("");
    expect(human.err.split("\n")).toEqual([
      `mta-sts: ${stack} has 2 problems; fix them first, nothing was changed:`,
      '  domains[0].policy.mode: must be "enforce", "testing" or "none" (RFC 8461 §3.2)',
      '  domains[1].rolout: unknown field; did you mean "rollout"?',
      "",
    ]);
    const json = JSON.parse((await runCli(["promote", "--stack", stack, reports, "--json"])).out);
    expect(json.error).toMatchObject({ code: "config", issues: [{ path: "domains[0].policy.mode" }, { path: "domains[1].rolout" }] });
    expect(readFileSync(stack, "utf8")).toBe(bad);
  });

  test("an input that looked like a report but could not be read: it could hold the failures, so nothing is promoted", async () => {
    const stack = writeStack();
    writeReports(READY);
    writeFileSync(join(reports, "truncated.json"), '{"organization-name": "Google Inc.", "policies": [');
    const { code, out, err } = await runCli(["promote", "--stack", stack, reports]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(/^mta-sts: 1 input looked like a TLS report but could not be read, .*nothing was promoted; fix or remove it, or leave it out of the sources:\n/);
    expect(err).toContain(`  ${join(reports, "truncated.json")}: `);
    expect(readFileSync(stack, "utf8")).toBe(STACK);
  });

  test("a file whose shape cannot be edited safely (the mode is an alias) is named, and nothing is written", async () => {
    const text = `defaults:\n  policy: { mx: [mx.a.example] }\ndomains:\n  - domain: a.example\n    hostedZoneId: Z1\n    policy: { mode: &m testing }\n  - domain: b.example\n    hostedZoneId: Z2\n    policy: { mode: *m }\n`;
    const stack = writeStack(text, "stack.yaml");
    writeReports(["a.example"]);
    const { code, err } = await runCli(["promote", "--stack", stack, reports]);
    expect(code).toBe(2);
    expect(err).toMatch(/^mta-sts: cannot edit .*stack\.yaml in place: domains\[0\]\.policy\.mode: has an anchor \(&m\) that other parts of the file repeat; edit it by hand; nothing was written\n$/);
    expect(readFileSync(stack, "utf8")).toBe(text);
  });

  test("a policy that is an alias of another part of the file: one line naming the field and the fix", async () => {
    const text = `defaults:\n  policy: &p { mode: testing, mx: [mx.a.example] }\ndomains:\n  - domain: a.example\n    hostedZoneId: Z1\n    policy: *p\n`;
    const stack = writeStack(text, "stack.yaml");
    writeReports(["a.example"]);
    const { code, out, err } = await runCli(["promote", "--stack", stack, reports]);
    expect({ code, out }).toEqual({ code: 2, out: "" });
    expect(err).toBe(`mta-sts: cannot edit ${stack} in place: domains[0].policy: is an alias (*p) of another part of the file; edit the anchored part by hand; nothing was written\n`);
    expect(readFileSync(stack, "utf8")).toBe(text);
  });

  test("a file that is not YAML: one line with the place and what to do", async () => {
    const stack = writeStack("domains: [\n", "stack.yaml");
    writeReports(["a.example"]);
    const { code, out, err } = await runCli(["promote", "--stack", stack, reports]);
    expect({ code, out }).toEqual({ code: 2, out: "" });
    expect(err).toMatch(new RegExp(`^mta-sts: ${stack.replace(/[.*+?^$\{\}()|[\]\\]/g, "\\$&")} is not valid YAML: .* at line 2, column 1; correct it there\\n$`));
  });

  test("a file changed by someone else while the reports were read is not overwritten", () => {
    const stack = writeStack();
    const loaded = loadStackForEdit(stack);
    const rewrite = rewriteModes(loaded, [{ index: 0, mode: "enforce" }]);
    writeFileSync(stack, STACK.replace("# The shop", "# The shop (edited meanwhile)"));
    expect(() => writeStackFile(loaded, rewrite.after)).toThrow(/changed while this command ran .*nothing was written: run the command again/);
    expect(readFileSync(stack, "utf8")).toContain("edited meanwhile");
  });
});

describe("the write", () => {
  test("keeps the file's permissions, follows a symbolic link (the link stays), and leaves no temporary file", async () => {
    mkdirSync(join(dir, "stacks"));
    const real = join(dir, "stacks", "Pulumi.prod.yaml");
    writeFileSync(real, STACK);
    chmodSync(real, 0o640);
    const link = join(dir, "Pulumi.link.yaml");
    symlinkSync(real, link);
    writeReports(["shop.example"]);
    expect((await runCli(["promote", "--stack", link, reports])).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync(real).mode & 0o777).toBe(0o640);
    expect(readFileSync(real, "utf8")).toContain('mode:   "enforce"');
    expect(readdirSync(join(dir, "stacks"))).toEqual(["Pulumi.prod.yaml"]);
  });
});

describe("controls: --only, --exclude, --max, rollout: hold", () => {
  const promotedBy = async (...args: string[]) => {
    const stack = writeStack();
    const run = await runCli(["promote", "--stack", stack, "--dry-run", "--json", reports, ...args]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.out);
    return { promoted: json.promoted.map((p: { domain: string }) => p.domain), stay: Object.fromEntries(json.stayInTesting.map((s: { domain: string; reason: { code: string } }) => [s.domain, s.reason.code])) };
  };

  test("--only (comma-separated and repeated, any case) promotes only the named domains", async () => {
    writeReports(READY);
    expect(await promotedBy("--only", "SHOP.example,short.example.", "--only", "quiet.example")).toEqual({
      promoted: ["shop.example", "short.example"],
      stay: { "api.example": "not-selected", "quiet.example": "insufficient-evidence", "broken.example": "not-selected" },
    });
  });

  test("--exclude keeps the named domains in testing", async () => {
    writeReports(READY);
    expect((await promotedBy("--exclude", "api.example")).stay["api.example"]).toBe("excluded");
  });

  test("--max N promotes the first N ready domains in the file's order; the rest wait for the next run", async () => {
    writeReports(READY);
    expect(await promotedBy("--max", "2")).toEqual({
      promoted: ["shop.example", "api.example"],
      stay: { "short.example": "over-max", "quiet.example": "insufficient-evidence", "broken.example": "over-max" },
    });
  });

  test("a name that is no domain of the stack, or a bad --max, cannot run", async () => {
    const stack = writeStack();
    writeReports(READY);
    for (const [args, message] of [
      [["--only", "shop.exmaple"], "--only shop.exmaple is not a domain of the stack config; name a domain listed in mta-sts:domains"],
      [["--exclude", "10.0.0.1"], '--exclude "10.0.0.1": "10.0.0.1" is an IP address'],
      [["--max", "0"], '--max "0" must be a whole number from 1'],
      [["--max", "ten"], '--max "ten" must be a whole number from 1'],
    ] as const) {
      const run = await runCli(["promote", "--stack", stack, reports, ...args, "--json"]);
      expect(run.code).toBe(2);
      expect(JSON.parse(run.out).error).toMatchObject({ code: "usage", message: expect.stringContaining(message) });
    }
    expect(readFileSync(stack, "utf8")).toBe(STACK);
  });

  test("rollout: hold keeps a ready domain in testing and is reported; in the defaults it makes promotion opt-in per domain", async () => {
    writeReports(READY);
    const held = STACK.replace("      hostedZoneId: Z0000000000001\n", "      hostedZoneId: Z0000000000001\n      rollout: hold      # waiting for the new MX\n");
    const stack = writeStack(held);
    const run = await runCli(["promote", "--stack", stack, reports]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("hold     shop.example: rollout-hold: rollout: hold in its entry; remove it to let promote move it (its reports say ready)\n");
    expect(readFileSync(stack, "utf8")).toContain('mode:   "testing"');

    const optIn = STACK.replace("  mta-sts:defaults:\n", "  mta-sts:defaults:\n    rollout: hold\n").replace("      hostedZoneId: Z0000000000002\n", "      hostedZoneId: Z0000000000002\n      rollout: auto\n");
    const json = JSON.parse((await runCli(["promote", "--stack", writeStack(optIn), reports, "--json", "--dry-run"])).out);
    expect(json.promoted.map((p: { domain: string }) => p.domain)).toEqual(["api.example"]);
    expect(json.stayInTesting.find((s: { domain: string }) => s.domain === "shop.example").reason.message).toMatch(/^rollout: hold in mta-sts:defaults; give it rollout: auto/);
  });
});

describe("the same evidence as mta-sts reports", () => {
  test("promote promotes exactly the testing domains that reports --stack calls ready, under the same flags", async () => {
    const stack = writeStack();
    writeReports(["shop.example", "api.example"], { days: 5 });
    writeReports(["short.example"], { days: 14 });
    for (const flags of [[], ["--min-days", "5"], ["--min-days", "5", "--min-reporters", "3"], ["--since", "2026-03-03", "--min-days", "3"], ["--require-authenticated", "--min-days", "1"]]) {
      const judged = JSON.parse((await runCli(["reports", reports, "--stack", stack, "--json", ...flags])).out);
      const ready = judged.domains.filter((d: { mode: string; readiness: { verdict: string } }) => d.mode === "testing" && d.readiness.verdict === "ready").map((d: { domain: string }) => d.domain);
      const promoted = JSON.parse((await runCli(["promote", "--stack", stack, reports, "--dry-run", "--json", ...flags])).out).promoted.map((p: { domain: string }) => p.domain);
      expect({ flags, promoted: [...promoted].sort() }).toEqual({ flags, promoted: [...ready].sort() });
    }
  });

  test("a bad verdict flag is refused before anything is read, as reports refuses it", async () => {
    const stack = writeStack();
    const run = await runCli(["promote", "--stack", stack, join(dir, "missing"), "--max-failure-rate", "5%"]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/^mta-sts: --max-failure-rate "5%" must be a fraction from 0 to below 1/);
  });
});

describe("an enforce domain that is refusing mail", () => {
  test("reports --stack puts it first and names the demote command; promote leaves it and says the same", async () => {
    const stack = writeStack();
    writeReports(["done.example"], { failing: ["done.example"] });
    const judged = await runCli(["reports", reports, "--stack", stack]);
    expect(judged.out.split("\n")[0]).toBe(
      `REFUSING MAIL  done.example is in enforce and senders report 2 failed sessions: mail to it is refused now; fix the failures below, or return it to testing now: mta-sts demote --stack ${stack} done.example, then pulumi up`,
    );
    const run = await runCli(["promote", "--stack", stack, reports]);
    expect(run.code).toBe(0);
    expect(run.out.split("\n")[0]).toMatch(new RegExp(`^REFUSING MAIL  done\\.example is in enforce and senders report 2 failed sessions: .*promote never demotes: .*mta-sts demote --stack ${stack.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} done\\.example, then pulumi up --stack prod$`));
    expect(readFileSync(stack, "utf8")).toBe(STACK);
    const json = JSON.parse((await runCli(["promote", "--stack", stack, reports, "--json"])).out);
    expect(json.notInTesting).toEqual([expect.objectContaining({ domain: "done.example", mode: "enforce", verdict: "not-ready", refusingMail: true, demote: `mta-sts demote --stack ${stack} done.example` })]);
  });
});

describe("demote", () => {
  const ENFORCED = STACK.replace('mode:   "testing"', 'mode:   "enforce"').replace("mode: testing              # every new domain", "mode: enforce              # every new domain");

  test("sets testing in place for the named enforce domains, a mode of its own for one that took enforce from the defaults, and says what to deploy", async () => {
    const stack = writeStack(ENFORCED);
    const { code, out, err } = await runCli(["demote", "--stack", stack, "shop.example", "API.example", "quiet.example"]);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(unifiedDiff(ENFORCED, readFileSync(stack, "utf8"))).toBe(
      ["@@ -14 +14 @@", '-        mode:   "enforce"        # since March', '+        mode:   "testing"        # since March', "@@ -20 +20 @@", "-      policy: { mx: [mx.api.example] }", "+      policy: { mx: [mx.api.example], mode: testing }"].join("\n"),
    );
    const lines = out.split("\n");
    expect(lines[0]).toMatch(/^demote {5}shop\.example: enforce -> testing at config\.mta-sts:domains\[0\]\.policy\.mode; policy id [0-9a-f]{32} -> [0-9a-f]{32}$/);
    expect(lines[1]).toMatch(/^demote {5}api\.example: enforce \(from mta-sts:defaults\) -> testing, its own mode at config\.mta-sts:domains\[1\]\.policy\.mode; /);
    expect(lines[2]).toBe("unchanged  quiet.example: already in testing; nothing to change");
    expect(out).toContain(`wrote ${stack}: 2 domains back to testing; deploy it now, mail to them is refused until it is live: pulumi up --stack prod\n`);
  });

  test("--dry-run prints the diff and writes nothing; a second run changes nothing; --json", async () => {
    const stack = writeStack(ENFORCED);
    const dry = JSON.parse((await runCli(["demote", "--stack", stack, "done.example", "--dry-run", "--json"])).out);
    expect(dry).toMatchObject({ ok: true, dryRun: true, written: false, demoted: [{ domain: "done.example", index: 5, path: "config.mta-sts:domains[5].policy.mode", modeFrom: "domain" }], deploy: "pulumi up --stack prod" });
    expect(dry.diff).toContain("-      policy: { mode: enforce, mx: [mx.done.example] }\n+      policy: { mode: testing, mx: [mx.done.example] }\n");
    expect(readFileSync(stack, "utf8")).toBe(ENFORCED);
    expect((await runCli(["demote", "--stack", stack, "done.example"])).code).toBe(0);
    const again = await runCli(["demote", "--stack", stack, "done.example"]);
    expect(again).toMatchObject({ code: 0, out: `unchanged  done.example: already in testing; nothing to change\n\nnothing to change in ${stack}\n` });
  });

  test("a name that is no domain of the stack cannot run, and nothing is written", async () => {
    const stack = writeStack(ENFORCED);
    const run = await runCli(["demote", "--stack", stack, "shop.example", "nope.example"]);
    expect(run.code).toBe(2);
    expect(run.err).toBe(`mta-sts: nope.example is not a domain of ${stack}; name domains listed in mta-sts:domains; see \`mta-sts demote --help\`\n`);
    expect(readFileSync(stack, "utf8")).toBe(ENFORCED);
  });

  test("never runs on its own: promote with failing reports for a testing domain leaves every enforce domain as it is", async () => {
    const stack = writeStack(ENFORCED);
    writeReports(READY, { failing: READY });
    expect((await runCli(["promote", "--stack", stack, reports])).code).toBe(0);
    expect(readFileSync(stack, "utf8")).toBe(ENFORCED);
    expect(existsSync(stack)).toBe(true);
  });
});
