/**
 * What `enforce` protects against, proven with a real sender (root): Debian's Postfix, with
 * Debian's mta-sts-daemon as its TLS policy map, sends through a router where an attacker can
 * strip STARTTLS from the MX's EHLO reply and refuse connections to the policy host.
 *
 * The policies and TXT records are the project's own rendering (validateMailDomain →
 * renderMailDomain) of the configs below; DNS never changes between scenarios, only the
 * attacker does. Each scenario gets a fresh sender (empty policy cache, empty queue) and is
 * judged from the sender's log and queue, the MX's inbox and the attacker's transcript:
 *
 * 1. no MTA-STS, attacker on          → delivered in clear; the attacker reads the body
 * 2. enforce, attacker on             → not delivered: "TLS is required, but was not offered"
 * 3. testing, attacker on             → delivered in clear (testing protects nothing)
 * 4. enforce, no attacker             → delivered over verified TLS
 * 5. enforce, MX not in the policy    → not delivered (the MX's certificate does not match)
 * 6. enforce, first contact, attacker
 *    also blocks the policy host      → delivered in clear: trust on first use
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { MailDomainConfig, validateMailDomain } from "../../components/model/config";
import { splitTxtValue } from "../../components/model/records";
import { POLICY_PATH, renderMailDomain, RenderedMailDomain } from "../../components/model/rendered";
import { ADDRESS, Attack, InboxEntry, MailLab } from "./lab/mail-lab";
import { LabDomain } from "./lab/netns-lab";
import { DeliveryOutcome, PostfixSender, QueuedMessage } from "./lab/postfix-sender";
import type { TranscriptEntry } from "./lab/starttls-stripper";

/** The MTA-STS configs, as a user writes them; `plain.test` publishes no MTA-STS at all. */
const CONFIGS: MailDomainConfig[] = [
  { domain: "enforce.test", policy: { mode: "enforce", mx: ["mx.enforce.test"], maxAgeSeconds: 1209600 } },
  { domain: "testing.test", policy: { mode: "testing", mx: ["mx.testing.test"], maxAgeSeconds: 1209600 } },
  // The live MX (mx.unlisted.test) is not the one the policy lists.
  { domain: "unlisted.test", policy: { mode: "enforce", mx: ["old-mx.unlisted.test"], maxAgeSeconds: 1209600 } },
];
const NO_MTA_STS = "plain.test";

const ATTACKER_ON: Attack = { stripStartTls: true, blockPolicyHost: false };
const NO_ATTACKER: Attack = { stripStartTls: false, blockPolicyHost: false };

const REQUIRED = ["ip", "nft", "dnsmasq", "nginx", "openssl", "postfix", "postconf", "postqueue", "postmap", "mta-sts-daemon"];
const APT = "apt-get install postfix postfix-mta-sts-resolver python3-aiosmtpd nftables dnsmasq nginx openssl iproute2";

const lab = new MailLab();
const rendered = new Map<string, RenderedMailDomain>();
const senders: PostfixSender[] = [];
const summary: string[] = [];

/** What one scenario left behind, everywhere a user could look. */
interface Evidence {
  readonly outcome: DeliveryOutcome;
  /** The sender's whole log for this scenario (a fresh Postfix per scenario). */
  readonly log: string;
  readonly queue: QueuedMessage[];
  /** The MX's copies of this scenario's message (found by a marker in its body). */
  readonly inbox: InboxEntry[];
  /** What the attacker relayed during this scenario. */
  readonly transcript: TranscriptEntry[];
  /** Requests to the policy hosts during this scenario (`<client> <host> "<request>" <status>`). */
  readonly policyRequests: string[];
  readonly counters: { stripStartTls?: number; blockPolicyHost?: number };
  /** What the sender's policy daemon answers for the domain afterwards (undefined: no policy). */
  readonly policy?: string;
  /** The `_mta-sts` TXT records the sender's resolver saw during the scenario. */
  readonly announced: string[];
  readonly marker: string;
}

/** Send one message from a fresh sender to `bob@<domain>` under `attack`, and collect the evidence. */
async function scenario(name: string, domain: string, attack: Attack): Promise<Evidence> {
  lab.setAttack(attack);
  const before = { transcript: lab.transcript().length, requests: lab.policyRequests().length };
  const sender = new PostfixSender(lab, name);
  senders.push(sender);
  try {
    await sender.start();
    const marker = `body-of-${name}-${randomUUID()}`;
    const queueId = sender.send({ from: "alice@sender.lab.test", to: `bob@${domain}`, subject: `scenario ${name}`, body: `Quarterly figures, confidential: ${marker}` });
    const outcome = await sender.outcome(queueId);
    const evidence: Evidence = {
      outcome,
      log: sender.log(),
      queue: sender.queue(),
      inbox: lab.inbox().filter((m) => m.content.includes(marker)),
      transcript: lab.transcript().slice(before.transcript),
      policyRequests: lab.policyRequests().slice(before.requests),
      counters: lab.attackCounters(),
      policy: sender.policyFor(domain),
      announced: lab.senderTxt(`_mta-sts.${domain}`),
      marker,
    };
    const tls = evidence.inbox[0] ? (evidence.inbox[0].tls ? `over ${evidence.inbox[0].tlsVersion}` : "in clear") : "-";
    const read = evidence.transcript.some((t) => t.from === "client" && t.line.includes(marker));
    summary.push(
      `  ${name.padEnd(32)} ${outcome.status.padEnd(9)} ${tls.padEnd(13)} attacker read the body: ${read ? "yes" : "no "}  policy: ${evidence.policy ?? "none"}`,
    );
    return evidence;
  } finally {
    await sender.stop();
    lab.setAttack(NO_ATTACKER);
  }
}

const clientLines = (e: Evidence) => e.transcript.filter((t) => t.from === "client").map((t) => t.line);
const strippedLines = (e: Evidence) => e.transcript.filter((t) => t.stripped).map((t) => t.line);
const requestsFor = (e: Evidence, domain: string) => e.policyRequests.filter((r) => r.split(" ")[1] === `mta-sts.${domain}`);

function labDomain(r: RenderedMailDomain): LabDomain {
  return { domain: r.domain, stsTxt: [splitTxtValue(r.stsRecord)], tlsRptTxt: [], mx: [`mx.${r.domain}`], answer: { kind: "policy", body: r.policyText } };
}

function versions(): string {
  const postfix = spawnSync("postconf", ["-d", "-h", "mail_version"], { encoding: "utf8" }).stdout.trim();
  const pkg = (name: string) => spawnSync("dpkg-query", ["-W", "-f", "${Version}", name], { encoding: "utf8" }).stdout.trim() || "?";
  return `Postfix ${postfix}, postfix-mta-sts-resolver ${pkg("postfix-mta-sts-resolver")}, python3-aiosmtpd ${pkg("python3-aiosmtpd")}, nftables ${pkg("nftables")}`;
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the mail lab needs root (ip netns, nftables); run the unit tests with `npm test` instead");
  for (const tool of REQUIRED) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) throw new Error(`the mail lab needs ${tool} (${APT})`);
  }
  if (spawnSync("/usr/bin/python3", ["-c", "import aiosmtpd"]).status !== 0) throw new Error(`the mail lab needs Debian's python3-aiosmtpd (${APT})`);
  for (const config of CONFIGS) {
    const intent = validateMailDomain(config);
    if (!intent.ok) throw new Error(`lab config ${config.domain}: ${intent.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
    const r = renderMailDomain(intent.value);
    rendered.set(r.domain, r);
  }
  const plain: LabDomain = { domain: NO_MTA_STS, stsTxt: [], tlsRptTxt: [], mx: [`mx.${NO_MTA_STS}`], answer: { kind: "status", status: 404 } };
  await lab.start([plain, ...[...rendered.values()].map(labDomain)]);
  console.log(`mail lab ${lab.ns.sender} / ${lab.ns.router} / ${lab.ns.net}: ${versions()}`);
}, 60_000);

afterAll(async () => {
  for (const s of senders) await s.stop();
  lab.stop();
  if (summary.length) console.log(`a real sender under attack (scenario, outcome, how it arrived, what the attacker saw, the daemon's policy):\n${summary.join("\n")}`);
});

describe("the lab publishes what the project renders, and DNS tells the truth", () => {
  test("from the sender, each _mta-sts TXT record and each policy file are byte for byte the project's rendering", () => {
    const domains = [...rendered.values()];
    const script = `
      const dns = require("node:dns").promises, https = require("node:https"), fs = require("node:fs");
      const [ca, ...domains] = process.argv.slice(1);
      const get = (host) => new Promise((ok, fail) => https.get({ host, path: ${JSON.stringify(POLICY_PATH)}, ca: fs.readFileSync(ca), timeout: 5000 }, (res) => {
        const parts = []; res.on("data", (d) => parts.push(d)); res.on("end", () => ok({ status: res.statusCode, type: res.headers["content-type"], body: Buffer.concat(parts).toString("utf8") }));
      }).on("error", fail));
      Promise.all(domains.map(async (d) => ({ txt: (await dns.resolveTxt("_mta-sts." + d)).map((r) => r.join("")), mx: (await dns.resolveMx(d)).map((m) => m.exchange), policy: await get("mta-sts." + d) })))
        .then((r) => console.log(JSON.stringify(r)), (e) => { console.error(String(e)); process.exit(1); });`;
    const { code, stdout, stderr } = lab.exec("sender", process.execPath, ["-e", script, lab.ca.caPath, ...domains.map((d) => d.domain)]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const seen = JSON.parse(stdout) as { txt: string[]; mx: string[]; policy: { status: number; type: string; body: string } }[];
    expect(seen).toEqual(domains.map((r) => ({ txt: [r.stsRecord], mx: [`mx.${r.domain}`], policy: { status: 200, type: "text/plain", body: r.policyText } })));
  });
});

describe("a real sender (Postfix + mta-sts-daemon) under a STARTTLS-stripping attacker", () => {
  test("1. no MTA-STS, attacker on: delivered in clear, and the attacker reads the message (the vulnerability)", async () => {
    const e = await scenario("1-no-mta-sts-attacked", NO_MTA_STS, ATTACKER_ON);
    expect(e.outcome.status).toBe("sent");
    expect(e.log).not.toMatch(/TLS connection established/);
    expect(e.queue).toEqual([]);
    expect(e.inbox).toHaveLength(1);
    expect(e.inbox[0]).toMatchObject({ tls: false, peer: ADDRESS.routerNetSide, rcptTos: [`bob@${NO_MTA_STS}`] });
    expect(strippedLines(e)).toEqual([expect.stringMatching(/^250[ -]STARTTLS$/)]);
    expect(clientLines(e).some((l) => l.includes(e.marker))).toBe(true);
    expect(e.counters.stripStartTls).toBeGreaterThan(0);
    expect(e.policy).toBeUndefined();
    expect(e.policyRequests).toEqual([]);
    expect(e.announced).toEqual([]);
  });

  test('2. enforce, attacker on: not delivered, deferred with "TLS is required, but was not offered", and the attacker sees no message body', async () => {
    const e = await scenario("2-enforce-attacked", "enforce.test", ATTACKER_ON);
    const refusal = `TLS is required, but was not offered by host mx.enforce.test[${ADDRESS.mx}]`;
    expect(e.outcome).toMatchObject({ status: "deferred", reason: refusal });
    expect(e.queue).toEqual([expect.objectContaining({ queue_name: "deferred", recipients: [{ address: "bob@enforce.test", delay_reason: refusal }] })]);
    expect(e.inbox).toEqual([]);
    // The attacker was on the path and stripped the offer, but the sender said no more than EHLO
    // (and QUIT): no MAIL, RCPT or DATA, so no envelope and no body.
    expect(strippedLines(e)).toEqual([expect.stringMatching(/^250[ -]STARTTLS$/)]);
    const commands = clientLines(e).map((l) => l.split(" ")[0].toUpperCase());
    expect(commands[0]).toBe("EHLO");
    expect(commands.filter((c) => c !== "EHLO" && c !== "QUIT")).toEqual([]);
    expect(e.transcript.some((t) => t.line.includes(e.marker))).toBe(false);
    expect(e.counters.stripStartTls).toBeGreaterThan(0);
    // The daemon fetched the rendered enforce policy on first contact and told Postfix to require verified TLS.
    expect(requestsFor(e, "enforce.test")).toEqual([expect.stringMatching(/"GET \/\.well-known\/mta-sts\.txt HTTP\/1\.1" 200$/)]);
    expect(e.policy).toMatch(/^secure match=mx\.enforce\.test( |$)/);
    expect(e.announced).toEqual([rendered.get("enforce.test")!.stsRecord]);
  });

  test("3. testing, attacker on: delivered in clear, and the attacker reads the message (testing is not protection)", async () => {
    const e = await scenario("3-testing-attacked", "testing.test", ATTACKER_ON);
    expect(e.outcome.status).toBe("sent");
    expect(e.log).not.toMatch(/TLS connection established/);
    expect(e.queue).toEqual([]);
    expect(e.inbox).toHaveLength(1);
    expect(e.inbox[0]).toMatchObject({ tls: false, peer: ADDRESS.routerNetSide });
    expect(strippedLines(e)).toHaveLength(1);
    expect(clientLines(e).some((l) => l.includes(e.marker))).toBe(true);
    // The sender did fetch the testing policy; RFC 8461 §5 says testing must not change delivery.
    expect(requestsFor(e, "testing.test")).toEqual([expect.stringMatching(/ 200$/)]);
    expect(e.policy).toBeUndefined();
    expect(e.announced).toEqual([rendered.get("testing.test")!.stsRecord]);
  });

  test("4. enforce, no attacker: delivered over verified TLS", async () => {
    const e = await scenario("4-enforce-clean-path", "enforce.test", NO_ATTACKER);
    expect(e.outcome.status).toBe("sent");
    expect(e.log).toMatch(new RegExp(`Verified TLS connection established to mx\\.enforce\\.test\\[${ADDRESS.mx.replace(/\./g, "\\.")}\\]:25`));
    expect(e.queue).toEqual([]);
    expect(e.inbox).toHaveLength(1);
    expect(e.inbox[0]).toMatchObject({ tls: true, peer: ADDRESS.sender, rcptTos: ["bob@enforce.test"] });
    expect(e.inbox[0].tlsVersion).toMatch(/^TLSv1\.[23]$/);
    expect(e.transcript).toEqual([]);
    expect(requestsFor(e, "enforce.test")).toEqual([expect.stringMatching(/ 200$/)]);
    expect(e.policy).toMatch(/^secure match=mx\.enforce\.test( |$)/);
    expect(e.announced).toEqual([rendered.get("enforce.test")!.stsRecord]);
  });

  test("5. enforce, the MX left out of the policy's mx list: not delivered", async () => {
    const e = await scenario("5-enforce-mx-not-listed", "unlisted.test", NO_ATTACKER);
    expect(e.outcome).toMatchObject({ status: "deferred", reason: "Server certificate not verified" });
    // TLS itself worked (the chain is trusted), but the MX's name is not one the policy allows.
    expect(e.log).toMatch(/TLS connection established to mx\.unlisted\.test\[/);
    expect(e.log).not.toMatch(/Verified TLS connection/);
    expect(e.queue).toEqual([expect.objectContaining({ queue_name: "deferred", recipients: [{ address: "bob@unlisted.test", delay_reason: "Server certificate not verified" }] })]);
    expect(e.inbox).toEqual([]);
    expect(e.transcript).toEqual([]);
    expect(e.policy).toMatch(/^secure match=old-mx\.unlisted\.test( |$)/);
    expect(requestsFor(e, "unlisted.test")).toEqual([expect.stringMatching(/ 200$/)]);
    expect(e.announced).toEqual([rendered.get("unlisted.test")!.stsRecord]);
  });

  test("6. enforce on first contact, attacker also blocks the policy host: delivered in clear (trust on first use)", async () => {
    const e = await scenario("6-enforce-first-contact-blocked", "enforce.test", { stripStartTls: true, blockPolicyHost: true });
    expect(e.outcome.status).toBe("sent");
    expect(e.log).not.toMatch(/TLS connection established/);
    expect(e.queue).toEqual([]);
    expect(e.inbox).toHaveLength(1);
    expect(e.inbox[0]).toMatchObject({ tls: false, peer: ADDRESS.routerNetSide });
    expect(clientLines(e).some((l) => l.includes(e.marker))).toBe(true);
    // The TXT record still announced the policy (DNS is unchanged); the fetch was refused, so the
    // sender, with nothing cached, had no policy to apply.
    expect(e.announced).toEqual([rendered.get("enforce.test")!.stsRecord]);
    expect(e.counters.blockPolicyHost).toBeGreaterThan(0);
    expect(e.policyRequests).toEqual([]);
    expect(e.policy).toBeUndefined();
  });
});
