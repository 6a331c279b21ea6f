/** The report readers: files by content, zip, MIME mails of every form, mbox, Maildir, bounds, and DKIM. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { KEY_LOOKUP_LIMITS, NO_REPORT, readMail, readReportPaths, ReportSourceError, SourceEvent, verifyReportMail } from "../../../../components/reports/sources";
import { splitMbox } from "../../../../components/reports/sources/mbox";
import { makeDkimKey, reportMail, signMail } from "../../../support/dkim";
import { dayRange, reportGz, reportJson } from "../../../support/reports";
import { makeZip } from "../../../support/zip";

const FIXTURES = join(__dirname, "..", "..", "..", "fixtures/reports");
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
/** DNS that knows no key: the real signatures of the fixtures cannot verify, quickly. */
const noDns = { dkim: { resolver: async () => Promise.reject(Object.assign(new Error("no such name"), { code: "ENOTFOUND" })) } };

async function all(gen: AsyncIterable<SourceEvent>): Promise<SourceEvent[]> {
  const out: SourceEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}
const reports = (events: SourceEvent[]) => events.filter((e) => e.kind === "report");
const skipped = (events: SourceEvent[]) => events.filter((e) => e.kind === "skipped");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-sources-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("MIME mails (RFC 8460 §5.3)", () => {
  test.each([
    ["google-no-policy-found.eml", "cardinalhealth.ca", "report-type unquoted, application/tlsrpt+gzip"],
    ["mailru.eml", "krvtz.net", "report-type quoted"],
    ["microsoft-no-timezone.eml", "test.xmox.nl", "date-times without a zone"],
    ["microsoft-tlsa-sts.eml", "krvtz.net", "an HTML-only body"],
    ["rfc8460-message.eml", "company-y.example", "application/tlsrpt+json, 8bit"],
  ])("%s: the report is found (%s)", async (name, domain) => {
    const events = await readMail(fixture(name), name, noDns);
    expect(reports(events)).toHaveLength(1);
    const found = reports(events)[0];
    if (found.kind !== "report") throw new Error("no report");
    expect(found.report.policies[0].policyDomain).toBe(domain);
    expect(found.authenticated).toBe(false);
    expect(found.source).toMatch(new RegExp(`^${name.replace(".", "\\.")} `));
  });

  const rfcMail = fixture("rfc8460-message.eml").toString("utf8");
  test.each([
    ["application/tlsrpt", rfcMail.replace("application/tlsrpt+json", "application/tlsrpt")],
    ["application/octet-stream with a .json.gz file name", rfcMail.replace("application/tlsrpt+json", "application/octet-stream")],
    ["a single-part message", rfcMail.replace(/Content-Type: multipart\/report[^]*?filename="[^"]+"\n\n/, 'Content-Type: application/tlsrpt+json\nContent-Disposition: attachment; filename="r.json"\n\n').replace(/\n-+=_NextPart[^\n]*--\n$/, "\n")],
  ])("the report is found as %s", async (_label, text) => {
    expect(reports(await readMail(Buffer.from(text), "m", noDns))).toHaveLength(1);
  });

  test('a mail with no report (a cron mail) is skipped as "no report", which does not count as a broken report', async () => {
    expect(await readMail(fixture("cron-no-report.eml"), "cron", noDns)).toEqual([{ kind: "skipped", source: "cron", reason: NO_REPORT, looksLikeReport: false }]);
  });

  test("a report attachment that does not parse is skipped with its reason, and counts as a broken report", async () => {
    const text = rfcMail.replace('"organization-name": "Company-X",', "");
    const [e] = await readMail(Buffer.from(text), "m", noDns);
    expect(e).toMatchObject({ kind: "skipped", looksLikeReport: true, reason: expect.stringContaining("organization-name") });
  });
});

describe("paths of any mix, recognised by content", () => {
  test("report files without telling names, a zip, a Maildir (tmp left out), an mbox and a directory tree", async () => {
    writeFileSync(join(dir, "report-a"), reportJson({ day: "2026-03-01", org: "A" }));
    writeFileSync(join(dir, "report-b.dat"), reportGz({ day: "2026-03-02", org: "B" }));
    writeFileSync(join(dir, "bundle.zip"), makeZip([{ name: "x/1.json.gz", data: reportGz({ day: "2026-03-03", org: "C" }) }, { name: "2.json", data: Buffer.from(reportJson({ day: "2026-03-04", org: "D" })) }, { name: "notes.txt", data: Buffer.from("hello") }]));
    const maildir = join(dir, "Maildir");
    for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(maildir, sub), { recursive: true });
    writeFileSync(join(maildir, "cur", "1700000000.M1P1.host,S=2000:2,S"), fixture("mailru.eml"));
    writeFileSync(join(maildir, "new", "1700000001.M2P2.host"), fixture("google-no-policy-found.eml"));
    writeFileSync(join(maildir, "new", "1700000002.M3P3.host"), fixture("cron-no-report.eml"));
    writeFileSync(join(maildir, "tmp", "1700000003.M4P4.host"), fixture("microsoft-no-timezone.eml"));
    const mbox = ["From MAILER-DAEMON Mon Mar  2 01:00:00 2026", fixture("rfc8460-message.eml").toString("utf8").replace("This is an aggregate", ">From here on: this is an aggregate"), "From root Mon Mar  2 02:00:00 2026", fixture("cron-no-report.eml").toString("utf8"), ""].join("\n");
    writeFileSync(join(dir, "archive.mbox"), mbox);
    writeFileSync(join(dir, "picture.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));

    const events = await all(readReportPaths([dir], noDns));
    const found = reports(events).map((e) => (e.kind === "report" ? e.report.organizationName : "")).sort();
    expect(found).toEqual(["A", "B", "C", "Company-X", "D", "Google Inc.", "Mail.ru"]);
    const skips = skipped(events).map((e) => (e.kind === "skipped" ? [e.source.slice(dir.length + 1), e.reason, e.looksLikeReport] : []));
    expect(skips).toEqual(expect.arrayContaining([
      ["Maildir/new/1700000002.M3P3.host", NO_REPORT, false],
      ["archive.mbox#2", NO_REPORT, false],
      ["bundle.zip:notes.txt", "not a report (neither JSON nor gzip)", false],
      ["picture.png", "not a report, a mail, an mbox or a zip archive", false],
    ]));
    expect(events.some((e) => e.source.includes("Maildir/tmp"))).toBe(false);
  });

  test("mboxrd: a body line escaped as >From is read back as From", async () => {
    const json = reportJson({ day: "2026-03-01" });
    const mail = `From: a@b.example\nSubject: r\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n>From the reporter\n--b\nContent-Type: application/tlsrpt+json\n\n${json}\n--b--\n`;
    writeFileSync(join(dir, "box"), `From x Mon Mar  2 01:00:00 2026\n${mail}From y Mon Mar  2 01:00:00 2026\n${mail.replaceAll("2026-03-01", "2026-03-02")}`);
    const events = await all(readReportPaths([join(dir, "box")], noDns));
    expect(reports(events).map((e) => (e.kind === "report" ? e.report.day : ""))).toEqual(["2026-03-01", "2026-03-02"]);
    const messages = [];
    for await (const m of splitMbox(join(dir, "box"), 1 << 20)) messages.push("bytes" in m ? m.bytes.toString("utf8") : "");
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain("\nFrom the reporter\n");
    expect(messages[0]).not.toContain(">From");
  });

  test("a gzip bomb, broken JSON and an oversized mbox message are skipped; the run goes on", async () => {
    writeFileSync(join(dir, "bomb.gz"), gzipSync(Buffer.alloc(32 * 1024 * 1024, 0x20)));
    writeFileSync(join(dir, "broken.json"), "{ not json");
    writeFileSync(join(dir, "huge.mbox"), Buffer.concat([Buffer.from("From x Mon Mar  2 01:00:00 2026\nSubject: big\n\n"), Buffer.alloc(17 * 1024 * 1024, 0x61), Buffer.from("\nFrom y Mon Mar  2 01:00:00 2026\n"), fixture("rfc8460-message.eml")]));
    writeFileSync(join(dir, "good.json"), reportJson({ day: "2026-03-01" }));
    const events = await all(readReportPaths([dir], noDns));
    expect(reports(events).map((e) => e.source.slice(dir.length + 1)).sort()).toEqual(["good.json", "huge.mbox#2 mail.sender.example!example.com!1013662812!1013749130.json.gz"]);
    const reasons = Object.fromEntries(skipped(events).map((e) => [e.source.slice(dir.length + 1), e.kind === "skipped" ? [e.looksLikeReport, e.reason] : []]));
    expect(reasons["bomb.gz"]).toEqual([true, expect.stringContaining("larger than 1048576 bytes once decompressed")]);
    expect(reasons["broken.json"]).toEqual([true, expect.stringContaining("not JSON")]);
    expect(reasons["huge.mbox#1"]).toEqual([false, expect.stringContaining("larger than")]);
  });

  test("report files and mails around 64 KiB, read in one read or by their size, each read whole and as itself", async () => {
    // The sizes either side of the first read's 64 KiB: a file that fills it is read by its size.
    const sizes = [65535, 65536, 65537, 200000];
    for (const size of sizes) {
      const text = reportJson({ day: "2026-03-01", org: `Org ${size}` });
      writeFileSync(join(dir, `r${size}`), text.replace(/}$/, `${" ".repeat(size - Buffer.byteLength(text))}}`));
    }
    const mail = reportMail({ from: "x@reporter.example", submitter: "reporter.example", domain: "mail.example", gzBase64: reportGz({ day: "2026-03-02", domain: "mail.example" }).toString("base64"), messageId: "m@x" });
    writeFileSync(join(dir, "small.eml"), mail);
    writeFileSync(join(dir, "large.eml"), mail.replace("This is an aggregate TLS report", `This is an aggregate TLS report${" x".repeat(40000)}`));
    writeFileSync(join(dir, "small.zip"), makeZip([{ name: "z.json", data: Buffer.from(reportJson({ day: "2026-03-03", domain: "zip.example" })) }]));
    const events = await all(readReportPaths([dir], noDns));
    expect(skipped(events)).toEqual([]);
    const bySource = Object.fromEntries(reports(events).map((e) => [e.source.slice(dir.length + 1), e.kind === "report" ? `${e.report.organizationName} ${e.report.policies[0].policyDomain}` : ""]));
    for (const size of sizes) expect(bySource[`r${size}`]).toBe(`Org ${size} example.com`);
    expect(Object.entries(bySource).filter(([k]) => !k.startsWith("r")).map(([, v]) => v).sort()).toEqual(["Google Inc. mail.example", "Google Inc. mail.example", "Google Inc. zip.example"]);
  });

  test("a path that does not exist means the run cannot start", async () => {
    await expect(all(readReportPaths([join(dir, "nope")]))).rejects.toBeInstanceOf(ReportSourceError);
  });
});

describe("DKIM (RFC 8460 §5.3): authenticated reports", () => {
  const key = makeDkimKey("reporter.example");
  const dns = { resolver: async (name: string) => (name === "lab._domainkey.reporter.example" ? [[key.txt]] : Promise.reject(Object.assign(new Error("NXDOMAIN"), { code: "ENOTFOUND" }))) };
  const mail = reportMail({ from: "tlsrpt@reporter.example", submitter: "reporter.example", domain: "example.com", gzBase64: reportGz({ day: dayRange(1)[0], org: "Reporter" }).toString("base64"), messageId: "r1@reporter.example" });

  test("a mail signed by the submitter's domain is authenticated, with the signer", async () => {
    const signed = await signMail(mail, key);
    expect(await verifyReportMail(Buffer.from(signed), "reporter.example", dns)).toEqual({ authenticated: true, signer: "reporter.example" });
    const [e] = await readMail(Buffer.from(signed), "m", { dkim: dns });
    expect(e).toMatchObject({ kind: "report", authenticated: true, signer: "reporter.example" });
  });

  test("an unsigned mail, a changed body, and a signature of another domain are not", async () => {
    const signed = await signMail(mail, key);
    expect((await verifyReportMail(Buffer.from(mail), "reporter.example", dns)).authenticated).toBe(false);
    const forged = signed.replace("This is an aggregate TLS report", "This is an aggregate TLS rep0rt");
    expect((await verifyReportMail(Buffer.from(forged), "reporter.example", dns)).authenticated).toBe(false);
    expect((await verifyReportMail(Buffer.from(signed), "google.com", dns)).authenticated).toBe(false);
  });

  test("a key record longer than a key can be is not used, however it is split into strings", async () => {
    const signed = Buffer.from(await signMail(mail, key));
    // An unknown tag is ignored (RFC 6376 §3.6.1): the same key verifies with a short one.
    const withTag = (n: number) => ({ resolver: async () => [[`${key.txt}; x=`, "a".repeat(n)]] });
    expect((await verifyReportMail(signed, "reporter.example", withTag(100))).authenticated).toBe(true);
    expect((await verifyReportMail(signed, "reporter.example", withTag(KEY_LOOKUP_LIMITS.maxRecordChars))).authenticated).toBe(false);
  });

  test("a mail with many signatures asks the DNS for a few keys, not one per signature", async () => {
    const signed = await signMail(mail, key);
    const header = signed.slice(0, signed.indexOf(mail));
    const many = Buffer.from(header.repeat(50) + mail);
    let asked = 0;
    const counting = { resolver: async (name: string, rrtype: string) => (asked++, dns.resolver(name)) };
    await verifyReportMail(many, "reporter.example", counting);
    expect(asked).toBe(KEY_LOOKUP_LIMITS.maxLookups);
  });

  test("once the verification has timed out, the DNS is asked nothing more", async () => {
    const signed = await signMail(mail, key);
    const header = signed.slice(0, signed.indexOf(mail));
    const twice = Buffer.from(header + header + mail);
    let asked = 0;
    let answerFirst: (records: string[][]) => void = () => undefined;
    const slow = { resolver: (name: string) => (asked++, asked === 1 ? new Promise<string[][]>((r) => (answerFirst = r)) : dns.resolver(name)), timeoutMs: 50 };
    expect(await verifyReportMail(twice, "reporter.example", slow)).toEqual({ authenticated: false });
    // The first answer arrives after the deadline: the second signature's key is not looked up.
    answerFirst([[key.txt]]);
    await new Promise((r) => setTimeout(r, 50));
    expect(asked).toBe(1);
  });
});
