/**
 * `mta-sts reports imaps://...` against a real Dovecot (Debian's dovecot-imapd) started here on
 * 127.0.0.1, with DKIM keys published by a lab DNS server: reports are read over imaps and over
 * imap + STARTTLS, nothing is marked unless --mark-seen, a wrong password cannot run, and
 * --require-authenticated tells signed reports from forged ones.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../support/cli";
import { makeDkimKey, reportMail, signMail } from "../support/dkim";
import { startDnsServer, TestDnsServer } from "../support/dns-server";
import { createTestCa } from "../support/https-server";
import { dayRange, reportGz } from "../support/reports";
import { DovecotServer, issueIpCertificate, startDovecot } from "./support/dovecot";

const PASSWORD = "lab-imap-password";
let dir: string;
let dovecot: DovecotServer;
let dns: TestDnsServer;
let caPath: string;
const signers = [makeDkimKey("reporter-a.example"), makeDkimKey("reporter-b.example")];

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the IMAP e2e test runs as root (Dovecot drops privileges to its own users)");
  dir = mkdtempSync(join(tmpdir(), "mta-sts-imap-e2e-"));
  chmodSync(dir, 0o755); // the mail user (nobody) must reach its Maildir below
  dns = await startDnsServer(Object.fromEntries(signers.map((k) => [`lab._domainkey.${k.domain}`, { TXT: [[k.txt.slice(0, 250), k.txt.slice(250)]] }])));
  const caDir = join(dir, "ca");
  mkdirSync(caDir);
  const ca = createTestCa(caDir, "mta-sts reports lab CA");
  caPath = ca.caPath;
  const cert = issueIpCertificate(caDir, "imap");

  const messages: { name: string; body: string; cur?: boolean }[] = [];
  let n = 0;
  for (const day of dayRange(14)) {
    for (const key of signers) {
      // signed.example: mails signed by their submitters; forged.example: the same, unsigned.
      for (const domain of ["signed.example", "forged.example"]) {
        const raw = reportMail({ from: `tlsrpt@${key.domain}`, submitter: key.domain, domain, gzBase64: reportGz({ day, domain, org: key.domain }).toString("base64"), messageId: `${day}.${domain}@${key.domain}` });
        messages.push({ name: `17000${String(n++).padStart(5, "0")}.M${n}P1.lab`, body: domain === "signed.example" ? await signMail(raw, key) : raw, cur: n % 2 === 0 });
      }
    }
  }
  messages.push({ name: "1800000000.M1P1.lab", body: readFileSync(join(__dirname, "../fixtures/reports/cron-no-report.eml"), "utf8") });
  dovecot = await startDovecot({ dir: join(dir, "dovecot"), user: "reports", password: PASSWORD, certPem: cert.certPem, keyPem: cert.keyPem, messages });
  process.env.MTA_STS_IMAP_PASSWORD = PASSWORD;
}, 120000);

afterAll(async () => {
  delete process.env.MTA_STS_IMAP_PASSWORD;
  await dovecot?.stop();
  await dns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const imaps = () => `imaps://reports@127.0.0.1:${dovecot.imapsPort}/INBOX`;
const starttls = () => `imap://reports@127.0.0.1:${dovecot.imapPort}/INBOX`;
const seenFlags = () => dovecot.listMaildir().filter((f) => /:2,[A-Z]*S/.test(f));

test("imaps: every report is read, the cron mail is 'no report', and nothing is marked", async () => {
  const before = seenFlags();
  const { code, out, err } = await runCli(["reports", imaps(), "--ca-file", caPath, "--resolver", dns.address, "--json"]);
  expect(err).toBe("");
  expect(code).toBe(0);
  const json = JSON.parse(out);
  expect(json.reports).toBe(56);
  expect(json.skipped).toEqual([{ source: expect.stringMatching(/^imaps:\/\/reports@127\.0\.0\.1:\d+\/INBOX#\d+$/), reason: "no report" }]);
  expect(json.domains.map((d: any) => [d.domain, d.readiness.verdict])).toEqual([["forged.example", "ready"], ["signed.example", "ready"]]);
  expect(seenFlags()).toEqual(before);
  expect(before).toEqual([]);
}, 120000);

test("imap:// with STARTTLS reads the same mailbox", async () => {
  const { code, out } = await runCli(["reports", starttls(), "--ca-file", caPath, "--resolver", dns.address, "--json"]);
  expect(code).toBe(0);
  expect(JSON.parse(out).reports).toBe(56);
}, 120000);

test("--require-authenticated: the signed reports are still ready, the forged (unsigned) ones prove nothing", async () => {
  const { out } = await runCli(["reports", imaps(), "--ca-file", caPath, "--resolver", dns.address, "--json", "--require-authenticated"]);
  const verdicts = Object.fromEntries(JSON.parse(out).domains.map((d: any) => [d.domain, d.readiness]));
  expect(verdicts["signed.example"].verdict).toBe("ready");
  expect(verdicts["forged.example"].verdict).toBe("insufficient-evidence");
  expect(verdicts["forged.example"].reasons.map((r: any) => r.code)).toContain("unauthenticated");
}, 120000);

test("a wrong password cannot run (exit 2), and the password file is read instead of the environment", async () => {
  const pwFile = join(dir, "wrong-password");
  writeFileSync(pwFile, "not-the-password\n");
  const { code, out } = await runCli(["reports", imaps(), "--ca-file", caPath, "--password-file", pwFile, "--json"]);
  expect(code).toBe(2);
  expect(JSON.parse(out)).toMatchObject({ ok: false, error: { code: "io", message: expect.stringContaining("cannot log in") } });
}, 120000);

test("a server certificate the CA did not issue is refused", async () => {
  const { code, err } = await runCli(["reports", imaps(), "--resolver", dns.address]);
  expect(code).toBe(2);
  expect(err).toMatch(/cannot log in/);
}, 120000);

test("--mark-seen flags exactly the mails that held a report", async () => {
  const { code } = await runCli(["reports", imaps(), "--ca-file", caPath, "--resolver", dns.address, "--mark-seen", "--json"]);
  expect(code).toBe(0);
  const files = dovecot.listMaildir();
  expect(files.filter((f) => /:2,[A-Z]*S/.test(f))).toHaveLength(56);
  expect(files.filter((f) => f.includes("1800000000.M1P1.lab")).every((f) => !/:2,[A-Z]*S/.test(f))).toBe(true);
}, 120000);
