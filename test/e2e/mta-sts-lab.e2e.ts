/**
 * The network-namespace lab (root): what only a real sender-side client proves.
 *
 * A set of configs is rendered by the project itself (the `--expect` loader, `cli/config-file.ts`,
 * which ends in `renderMailDomain`), published by dnsmasq and nginx inside a namespace of its own,
 * and then:
 * - Debian's `mta-sts-query` must see each policy VALID with our id, mode, mx and max_age;
 * - `mta-sts check --expect <config>` must pass on each;
 * - each broken deployment must make `check` fail with its specific reason, and where RFC 8461
 *   says a sender must not use the policy, `mta-sts-query` must refuse it too.
 *
 * Where the real client and `check` disagree, the case says so in `disagreement` (and the
 * summary printed at the end lists it): `check` goes further than a sender can.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadDomainDeployments, loadRenderedDomains } from "../../cli/config-file";
import type { CheckReport } from "../../components/check/findings";
import { MailDomainIntent } from "../../components/model/config";
import { splitTxtValue } from "../../components/model/records";
import { POLICY_PATH, renderMailDomain, RenderedMailDomain } from "../../components/model/rendered";
import { mtaStsQuery, QueryResult } from "./lab/mta-sts-query";
import { LabDomain, NetnsLab } from "./lab/netns-lab";
import { TS_REGISTER } from "../support/ts-register";

const REPO = resolve(__dirname, "../..");

/** The configs every deployment kind must get right (plain config file, as `--expect` reads it). */
const CONFIGS_YAML = `domains:
  # enforce, two exact MX hosts, one report address
  - domain: enforce.test
    policy: { mode: enforce, mx: [mx1.enforce.test, mx2.enforce.test], maxAgeSeconds: 1209600 }
    tlsRpt: { rua: ["mailto:tlsrpt@enforce.test"] }
  # testing, a one-label wildcard covering two MX hosts
  - domain: wildcard.test
    policy: { mode: testing, mx: ["*.mail.wildcard.test"], maxAgeSeconds: 604800 }
  # an IDN mail domain and IDN mx names written in Unicode: published as A-labels
  - domain: bücher.test
    policy: { mode: enforce, mx: [mx.bücher.test, backup-mx.münchen.test], maxAgeSeconds: 2592000 }
  # retiring: mode none, no mx
  - domain: retired.test
    policy: { mode: none, maxAgeSeconds: 86400 }
  # a TLS-RPT record over 255 octets, published as several character-strings
  - domain: reports.test
    policy: { mode: testing, mx: [mx.reports.test], maxAgeSeconds: 1209600 }
    tlsRpt:
      rua:
${Array.from({ length: 7 }, (_, i) => `        - "mailto:tls-reports-${i}@reporting-service.reports.test"`).join("\n")}
        - "https://tlsrpt.reporting-service.reports.test/v1/report"
`;

/** The live MX records of each good config. */
const LIVE_MX: Record<string, string[]> = {
  "enforce.test": ["mx1.enforce.test", "mx2.enforce.test"],
  "wildcard.test": ["a.mail.wildcard.test", "b.mail.wildcard.test"],
  "xn--bcher-kva.test": ["mx.xn--bcher-kva.test", "backup-mx.xn--mnchen-3ya.test"],
  "retired.test": ["mx.retired.test"],
  "reports.test": ["mx.reports.test"],
};

/** The intended config of each broken deployment; what is broken is in BROKEN below. */
const BROKEN_YAML = `domains:
${["redirect", "content-type", "tls-1.1", "expired-cert", "wrong-name-cert", "two-records", "not-found", "drift", "uncovered-mx"]
  .map((name) => `  - domain: ${name}.broken.test\n    policy: { mode: enforce, mx: [mx1.${name}.broken.test], maxAgeSeconds: 1209600 }`)
  .join("\n")}
`;

interface BrokenCase {
  readonly name: string;
  readonly what: string;
  /** The lab deployment: the correct one for the config, with one thing broken. */
  readonly deploy: (correct: LabDomain, rendered: RenderedMailDomain) => LabDomain;
  /** Exactly the checks that must fail. */
  readonly failedChecks: string[];
  /** The reason the main failing check must give. */
  readonly reason: RegExp;
  /** What mta-sts-query must report. */
  readonly client: "VALID" | "FETCH_ERROR" | "NONE";
  /** Proof that the lab really deploys the breakage (so a failure is for the stated reason). */
  readonly proof?: () => void;
  /** What the client must log as its reason, when it says one. */
  readonly clientLog?: RegExp;
  /** Why check and the real client differ, when they do. */
  readonly disagreement?: string;
}

/*
 * Where mta-sts-query and `check` disagree (both on purpose; see `disagreement` in the cases):
 * - drift: mta-sts-query says VALID. A sender cannot know which bytes an id was published for
 *   (RFC 8461 §3.1: the id is opaque), so it takes what is served; `check --expect` knows the config.
 * - uncovered-mx: mta-sts-query says VALID. The policy is valid; a sender applies the mx patterns
 *   per delivery (RFC 8461 §4.1) and only then refuses the unlisted MX, so the bounce is invisible
 *   to a policy fetch; `check` compares the live MX list with the policy ahead of time.
 * Everywhere RFC 8461 says a sender must not use the policy (redirect, 404, TLS < 1.2, expired or
 * misnamed certificate, two records) and for a non-text/plain type, both refuse.
 * Beyond that, `check` also warns where mta-sts-query has no opinion (certificate expiring within
 * 21 days, no TLS-RPT record, short max_age): those never change the client's VALID.
 */
const BROKEN: BrokenCase[] = [
  {
    name: "redirect",
    what: "the policy path answers 301 to another URL (RFC 8461 §3.3: senders must not follow redirects)",
    deploy: (d) => ({ ...d, answer: { kind: "redirect", location: `https://www.redirect.broken.test${POLICY_PATH}` } }),
    failedChecks: ["policy-http-status"],
    reason: /HTTP 301 redirect to https:\/\/www\.redirect\.broken\.test\/\.well-known\/mta-sts\.txt; senders must not follow redirects/,
    client: "FETCH_ERROR",
  },
  {
    name: "content-type",
    what: "the policy is served as text/html (RFC 8461 §3.2: text/plain)",
    deploy: (d) => ({ ...d, answer: { kind: "policy", body: (d.answer as { body: string }).body, contentType: "text/html" } }),
    failedChecks: ["policy-content-type"],
    reason: /Content-Type is "text\/html"/,
    client: "FETCH_ERROR",
  },
  {
    name: "tls-1.1",
    what: "the policy host offers only TLS 1.0 and 1.1 (RFC 8461 §3.3: TLS 1.2 or newer, RFC 7525)",
    deploy: (d) => ({ ...d, tls: "legacy" }),
    failedChecks: ["policy-tls"],
    reason: /no TLS 1\.2\+ handshake/,
    client: "FETCH_ERROR",
    proof: () => {
      // The server does answer, with TLS 1.1, to a client that still allows it.
      const args = ["s_client", "-connect", "127.0.0.2:443", "-servername", "mta-sts.tls-1.1.broken.test", "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"];
      expect(lab.exec("openssl", args, { PATH: process.env.PATH }).stdout).toMatch(/Protocol\s*: TLSv1\.1/);
    },
  },
  {
    name: "expired-cert",
    what: "the policy host's certificate expired a month ago (RFC 8461 §3.3)",
    deploy: (d) => ({ ...d, certificate: "expired" }),
    failedChecks: ["certificate-chain", "certificate-expiry"],
    reason: /the certificate expired on/,
    client: "FETCH_ERROR",
    clientLog: /certificate verify failed: certificate has expired/,
  },
  {
    name: "wrong-name-cert",
    what: "the policy host serves a certificate for another name (RFC 8461 §3.3, RFC 6125)",
    deploy: (d) => ({ ...d, certificate: "other-name" }),
    failedChecks: ["certificate-name"],
    reason: /does not name mta-sts\.wrong-name-cert\.broken\.test/,
    client: "FETCH_ERROR",
    clientLog: /certificate verify failed: Hostname mismatch/,
  },
  {
    name: "two-records",
    what: "two TXT records at _mta-sts start with v=STSv1 (RFC 8461 §3.1: senders use neither)",
    deploy: (d) => ({ ...d, stsTxt: [...d.stsTxt, ["v=STSv1; id=20250101000000Z"]] }),
    failedChecks: ["sts-record"],
    reason: /2 TXT records at _mta-sts start with "v=STSv1"; exactly one is allowed/,
    client: "NONE",
  },
  {
    name: "not-found",
    what: "the policy path answers 404 (RFC 8461 §3.3: only 200 is a policy)",
    deploy: (d) => ({ ...d, answer: { kind: "status", status: 404 } }),
    failedChecks: ["policy-http-status"],
    reason: /HTTP 404 for https:\/\/mta-sts\.not-found\.broken\.test/,
    client: "FETCH_ERROR",
  },
  {
    name: "drift",
    what: "the id announces the config's policy but the host serves another policy (an extra mx); checked with --expect",
    deploy: (d, r) => {
      const other = renderMailDomain({ domain: r.domain, policyHost: r.policyHost, policy: { mode: "enforce", mx: ["mx1.drift.broken.test", "mx2.drift.broken.test"], maxAgeSeconds: 1209600 } });
      return { ...d, answer: { kind: "policy", body: other.policyText } };
    },
    failedChecks: ["expect-policy"],
    reason: /the served policy differs from what the config renders \(line 4: live "mx: mx2\.drift\.broken\.test"/,
    client: "VALID",
    disagreement:
      "mta-sts-query accepts the policy: the id is opaque to a sender (RFC 8461 §3.1), so it cannot know the bytes are not the ones the id was published for; only a check that knows the config (--expect) can see the drift",
  },
  {
    name: "uncovered-mx",
    what: "the domain has a live MX host (mx2) the enforce policy does not list",
    deploy: (d) => ({ ...d, mx: ["mx1.uncovered-mx.broken.test", "mx2.uncovered-mx.broken.test"] }),
    failedChecks: ["mx-coverage"],
    reason: /MX host\(s\) mx2\.uncovered-mx\.broken\.test match no mx pattern of the enforce policy/,
    client: "VALID",
    disagreement:
      "mta-sts-query accepts the policy: it is valid, and a sender only applies the mx patterns per delivery (RFC 8461 §4.1), when it then refuses mx2 — so the real client cannot show the bounce ahead of time; check compares the live MX list with the policy",
  },
];

function labDomain(r: RenderedMailDomain, mx: string[]): LabDomain {
  return {
    domain: r.domain,
    stsTxt: [splitTxtValue(r.stsRecord)],
    tlsRptTxt: r.tlsRptRecord ? [splitTxtValue(r.tlsRptRecord)] : [],
    mx,
    answer: { kind: "policy", body: r.policyText },
  };
}

const lab = new NetnsLab();
let configsPath: string;
let brokenPath: string;
let configs: { rendered: RenderedMailDomain; intent: MailDomainIntent }[];
let brokenRendered: Map<string, RenderedMailDomain>;
const summary: string[] = [];

function runCheck(domain: string, expectFile?: string): { code: number; report?: CheckReport; stderr: string } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  const args = ["-r", TS_REGISTER, join(REPO, "cli/main.ts"), "check", domain, "--json", "--ca-file", lab.ca.caPath, "--timeout", "5"];
  if (expectFile) args.push("--expect", expectFile);
  const { code, stdout, stderr } = lab.exec(process.execPath, args, env);
  let report: CheckReport | undefined;
  try {
    report = JSON.parse(stdout) as CheckReport;
  } catch {
    report = undefined;
  }
  return { code, report, stderr };
}

const failed = (report: CheckReport) => report.findings.filter((f) => f.status === "fail");

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the e2e lab needs root (ip netns); run the unit tests with `npm test` instead");
  for (const tool of ["ip", "dnsmasq", "nginx", "openssl", "mta-sts-query"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) throw new Error(`the e2e lab needs ${tool} (apt-get install dnsmasq nginx openssl iproute2 postfix-mta-sts-resolver)`);
  }
  configsPath = join(lab.dir, "configs.yaml");
  brokenPath = join(lab.dir, "broken.yaml");
  writeFileSync(configsPath, CONFIGS_YAML);
  writeFileSync(brokenPath, BROKEN_YAML);
  // The same loader `check --expect` uses: config file → validated intent → renderMailDomain.
  const rendered = loadRenderedDomains(configsPath);
  const intents = loadDomainDeployments(configsPath).domains.map((d) => d.intent);
  configs = rendered.map((r, i) => ({ rendered: r, intent: intents[i] }));
  brokenRendered = new Map(loadRenderedDomains(brokenPath).map((r) => [r.domain, r]));

  const deployments: LabDomain[] = configs.map(({ rendered: r }) => labDomain(r, LIVE_MX[r.domain]));
  for (const c of BROKEN) {
    const r = brokenRendered.get(`${c.name}.broken.test`)!;
    deployments.push(c.deploy(labDomain(r, [`mx1.${c.name}.broken.test`]), r));
  }
  await lab.start(deployments);
  console.log(
    [
      `lab ${lab.ns}: ${deployments.length} domains`,
      `configs: ${configs.map((c) => `${c.rendered.domain} (${c.intent.policy.mode})`).join(", ")}`,
      `broken cases: ${BROKEN.map((c) => c.name).join(", ")}`,
    ].join("\n"),
  );
}, 120_000);

afterAll(() => {
  lab.stop();
  if (summary.length) console.log(`mta-sts-query vs mta-sts check:\n${summary.join("\n")}`);
});

describe("the lab publishes exactly what the project renders", () => {
  test("the config set includes an IDN mx, a wildcard, mode none and a TLS-RPT record over 255 octets", () => {
    const byDomain = new Map(configs.map((c) => [c.rendered.domain, c]));
    expect(byDomain.get("xn--bcher-kva.test")!.intent.policy.mx).toEqual(["backup-mx.xn--mnchen-3ya.test", "mx.xn--bcher-kva.test"]);
    expect(byDomain.get("wildcard.test")!.intent.policy.mx).toEqual(["*.mail.wildcard.test"]);
    expect(byDomain.get("retired.test")!.intent.policy.mode).toBe("none");
    expect(Buffer.byteLength(byDomain.get("reports.test")!.rendered.tlsRptRecord!)).toBeGreaterThan(255);
  });

  test("dnsmasq answers each config's TXT records exactly as rendered, the long TLS-RPT record as several character-strings (RFC 1035 §3.3.14)", () => {
    const names = configs.flatMap(({ rendered: r }) => [r.stsRecordName, ...(r.tlsRptRecord ? [r.tlsRptRecordName] : [])]);
    const script = `const dns = require("node:dns").promises; Promise.all(${JSON.stringify(names)}.map((n) => dns.resolveTxt(n))).then((r) => console.log(JSON.stringify(r)))`;
    const { code, stdout, stderr } = lab.exec(process.execPath, ["-e", script], { PATH: process.env.PATH });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const answers = JSON.parse(stdout) as string[][][];
    const expected = configs.flatMap(({ rendered: r }) => [[splitTxtValue(r.stsRecord)], ...(r.tlsRptRecord ? [[splitTxtValue(r.tlsRptRecord)]] : [])]);
    expect(answers).toEqual(expected);
    const long = answers[names.indexOf("_smtp._tls.reports.test")][0];
    expect(long.length).toBeGreaterThan(1);
    expect(long.join("")).toBe(configs.find((c) => c.rendered.domain === "reports.test")!.rendered.tlsRptRecord);
  });
});

describe("each config: the real client (mta-sts-query) and mta-sts check agree it is valid", () => {
  const domains = ["enforce.test", "wildcard.test", "xn--bcher-kva.test", "retired.test", "reports.test"];

  test.each(domains)("mta-sts-query reports %s VALID with the config's id, mode, mx and max_age (RFC 8461 §3, §4)", (domain) => {
    const { rendered, intent } = configs.find((c) => c.rendered.domain === domain)!;
    const result: QueryResult = mtaStsQuery(lab, domain);
    expect(result.result).toBe("VALID");
    expect(result.id).toBe(rendered.policyId);
    expect(result.policy).toEqual({ version: "STSv1", mode: intent.policy.mode, mx: [...intent.policy.mx], max_age: intent.policy.maxAgeSeconds });
    summary.push(`  ${domain.padEnd(34)} mta-sts-query ${result.result.padEnd(11)} check: (next test)`);
  });

  test.each(domains)("mta-sts check --expect passes on %s (exit 0, no failed check)", (domain) => {
    const { code, report, stderr } = runCheck(domain, configsPath);
    expect(stderr).toBe("");
    expect(report && failed(report)).toEqual([]);
    expect(code).toBe(0);
    expect(report!.findings.filter((f) => f.check.startsWith("expect-")).map((f) => f.status)).toEqual(["pass", "pass", "pass"]);
    const row = summary.findIndex((l) => l.includes(` ${domain} `));
    const text = `pass (${report!.summary.warn} warning(s))`;
    if (row >= 0) summary[row] = summary[row].replace("(next test)", text);
    else summary.push(`  ${domain.padEnd(34)} check: ${text}`);
  });
});

describe("each broken deployment: check fails with the specific reason; the real client refuses where RFC 8461 says a sender must", () => {
  test.each(BROKEN.map((c) => [`${c.name}: ${c.what}`, c] as const))("%s", (_name, c) => {
    const domain = `${c.name}.broken.test`;
    c.proof?.();
    const { code, report, stderr } = runCheck(domain, c.name === "drift" ? brokenPath : undefined);
    expect(stderr).toBe("");
    expect(report).toBeDefined();
    expect(failed(report!).map((f) => f.check).sort()).toEqual([...c.failedChecks].sort());
    expect(failed(report!).map((f) => f.message).join("\n")).toMatch(c.reason);
    expect(code).toBe(1);

    const query = mtaStsQuery(lab, domain);
    expect(query.result).toBe(c.client);
    if (c.clientLog) expect(query.log).toMatch(c.clientLog);
    if (c.client === "VALID") {
      // The client accepted what was announced; check knows better (see `disagreement`).
      expect(c.disagreement).toBeDefined();
      expect(query.id).toBe(brokenRendered.get(domain)!.policyId);
    }
    summary.push(
      `  ${domain.padEnd(34)} mta-sts-query ${query.result.padEnd(11)} check: fail (${c.failedChecks.join(", ")})${c.disagreement ? `\n      disagreement: ${c.disagreement}` : ""}`,
    );
  });
});
