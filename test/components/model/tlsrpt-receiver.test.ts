/**
 * The receiver's rules, without a runtime: the storage key (injective, one key level per part,
 * bounded), media types, the failure alert (counted as `mta-sts reports` counts) and its three
 * webhook shapes, the bounded body reader with a gzip bomb (Web streams, as in workerd), and the
 * bundle: only the pure model goes into the Worker, and it is found and checked against its
 * sources the way the component finds it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { encodeKeyPart, isUtcDay, MAX_ENCODED_ORGANIZATION_NAME, oneLineJson, tlsRptFailureAlert, tlsRptMediaType, tlsRptStoreKey } from "../../../components/model/tlsrpt-receiver";
import { parseTlsRptReportJson, TlsRptReport } from "../../../components/model/tlsrpt-report";
import { alertPayload, plainLine } from "../../../components/tlsrpt-receiver/alert-payload";
import { gunzipBounded, readBoundedBody, reportBytes } from "../../../components/tlsrpt-receiver/read-body";
import { loadReceiverBundle, receiverBundleCandidates } from "../../../components/cloudflare/tlsrpt-receiver-bundle";
import { reportJson } from "../../support/reports";

const ROOT = join(__dirname, "..", "..", "..");
const fixture = (name: string) => readFileSync(join(__dirname, "..", "..", "fixtures/reports", name), "utf8");
const report = (text: string): TlsRptReport => {
  const parsed = parseTlsRptReportJson(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
};
const stream = (bytes: Uint8Array, chunk = 64 * 1024) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += chunk) controller.enqueue(bytes.subarray(i, i + chunk));
      controller.close();
    },
  });

describe("the storage key: <day>/<policy-domain>/<organization-name>/<report-id>.json", () => {
  test("the RFC 8460 example report is stored under its day, domain, organization and id", () => {
    expect(tlsRptStoreKey(report(fixture("rfc8460-example.json")))).toEqual({ ok: true, key: "2016-04-01/company-y.example/Company-X/5065427c-23d3-47ca-b6e0-946ea0e8c4be.json" });
  });

  test("two different organization names or ids never share a key (property: the encoding is injective)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), fc.string({ unit: "grapheme", maxLength: 30 }), (a, b) => {
        if (a === b) return;
        expect(encodeKeyPart(a)).not.toBe(encodeKeyPart(b));
      }),
    );
  });

  test("an encoded part holds only A-Z a-z 0-9 _ ~ - and %XX: no /, no dot, no control character", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (s) => {
        expect(encodeKeyPart(s)).toMatch(/^([A-Za-z0-9_~-]|%[0-9A-F]{2})*$/);
      }),
    );
    expect(encodeKeyPart("../..")).toBe("%2E%2E%2F%2E%2E");
    expect(encodeKeyPart("Bücher")).toBe("B%C3%BCcher");
  });

  test("a name too long to store is refused, not cut (two cut names could meet)", () => {
    const long = JSON.parse(reportJson({ day: "2026-03-01", org: "x".repeat(MAX_ENCODED_ORGANIZATION_NAME + 1) }));
    expect(tlsRptStoreKey(report(JSON.stringify(long)))).toEqual({ ok: false, field: "organization-name", message: expect.stringContaining("too long to store") });
    const fits = JSON.parse(reportJson({ day: "2026-03-01", org: "x".repeat(MAX_ENCODED_ORGANIZATION_NAME) }));
    expect(tlsRptStoreKey(report(JSON.stringify(fits))).ok).toBe(true);
  });

  test("a lone surrogate is refused (UTF-8 would turn it into U+FFFD and two names into one key)", () => {
    const r = { ...report(reportJson({ day: "2026-03-01" })), organizationName: "a\ud800b" };
    expect(tlsRptStoreKey(r)).toMatchObject({ ok: false, field: "organization-name" });
    expect(tlsRptStoreKey({ ...r, organizationName: "a\u{1F600}b" }).ok).toBe(true);
  });

  test("every key of a real report stays under R2's 1,024 bytes", () => {
    const r = { ...report(reportJson({ day: "2026-03-01" })), organizationName: "é".repeat(50), reportId: "漢".repeat(44) };
    const key = tlsRptStoreKey({ ...r, policies: [{ ...r.policies[0], policyDomain: `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.example` }] });
    expect(key.ok && new TextEncoder().encode(key.key).length).toBeLessThan(1024);
  });

  test("a day is a real UTC date, YYYY-MM-DD", () => {
    expect(["2026-03-01", "2024-02-29", "0001-01-01"].map(isUtcDay)).toEqual([true, true, true]);
    expect(["2026-02-30", "2026-3-1", "+10000-01-01", "", 20260301].map(isUtcDay)).toEqual([false, false, false, false, false]);
  });
});

describe("media types (RFC 8460 §5.4)", () => {
  test.each([
    ["application/tlsrpt+gzip", "gzip"],
    ["Application/TLSRPT+JSON; charset=utf-8", "json"],
    ["application/json", undefined],
    ["application/tlsrpt+jsonx", undefined],
    [null, undefined],
  ])("%s is %s", (type, kind) => {
    expect(tlsRptMediaType(type)).toBe(kind);
  });
});

test("a pretty-printed report becomes one line with the same value (NDJSON), its BOM dropped", () => {
  const text = `\ufeff${fixture("rfc8460-example.json")}`;
  const line = oneLineJson(text);
  expect(line).not.toMatch(/[\r\n]/);
  expect(JSON.parse(line)).toEqual(JSON.parse(text.slice(1)));
});

describe("the failure alert", () => {
  test("none for a report whose every session succeeded", () => {
    expect(tlsRptFailureAlert(report(fixture("microsoft-tlsa-sts.json")))).toBeUndefined();
  });

  test("the RFC example: result types largest first, the receiving MX hosts, the counts", () => {
    expect(tlsRptFailureAlert(report(fixture("rfc8460-example.json")))).toEqual({
      reporter: "Company-X",
      reportId: "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
      day: "2016-04-01",
      domains: [
        {
          domain: "company-y.example",
          failedSessions: 303,
          successfulSessions: 5326,
          resultTypes: [
            { resultType: "starttls-not-supported", sessions: 200 },
            { resultType: "certificate-expired", sessions: 100 },
            { resultType: "validation-failure", sessions: 3 },
          ],
          receivingMx: ["mx-backup.mail.company-y.example", "mx1.mail.company-y.example", "mx2.mail.company-y.example"],
          policyTypes: ["sts"],
        },
      ],
    });
  });

  test("failed sessions that no detail explains are listed as unspecified", () => {
    const r = report(reportJson({ day: "2026-03-01", failed: 5, details: [{ "result-type": "certificate-expired", "failed-session-count": 2 }] }));
    expect(tlsRptFailureAlert(r)!.domains[0].resultTypes).toEqual([
      { resultType: "unspecified", sessions: 3 },
      { resultType: "certificate-expired", sessions: 2 },
    ]);
  });
});

describe("the webhook shapes", () => {
  const hostile = report(
    reportJson({ day: "2026-03-01", org: "<!channel> & [link](https://evil.example)\n\u001b[2J", failed: 1, details: [{ "result-type": "certificate-expired", "failed-session-count": 1, "receiving-mx-hostname": "mx.example.com" }] }),
  );
  const alert = tlsRptFailureAlert(hostile)!;

  test("slack is { text } with & < > as entities and no control character", () => {
    const payload = alertPayload(alert, "slack", "tlsrpt.example.com") as { text: string };
    expect(Object.keys(payload)).toEqual(["text"]);
    expect(payload.text).toContain("&lt;!channel&gt; &amp; [link](https://evil.example)");
    expect(payload.text).not.toMatch(/[<>\u001b]/);
  });

  test("teams carries the report's text only in TextRuns", () => {
    const payload = alertPayload(alert, "teams", "tlsrpt.example.com") as any;
    const body = payload.attachments[0].content.body as { type: string; inlines: { type: string; text: string }[] }[];
    expect(body.every((b) => b.type === "RichTextBlock" && b.inlines.every((i) => i.type === "TextRun"))).toBe(true);
    expect(JSON.stringify(body)).not.toContain("\\u001b");
  });

  test("json is versioned and bounded: a 10,000-character organization name arrives cut to 200", () => {
    const long = tlsRptFailureAlert({ ...hostile, organizationName: "y".repeat(10_000) })!;
    const payload = alertPayload(long, "json", "tlsrpt.example.com") as any;
    expect(payload).toMatchObject({ kind: "mta-sts-tlsrpt-failure", version: 1, receiver: "tlsrpt.example.com" });
    expect(payload.reporter).toHaveLength(200);
    expect(plainLine("a\nb\u2028c")).toBe("a b c");
  });
});

describe("the bounded body (Web streams, as workerd runs them)", () => {
  const MiB = 1024 * 1024;

  test("a gzip bomb (16 MiB from 16 KiB) stops at 1 MiB with 413", async () => {
    const bomb = gzipSync(Buffer.alloc(16 * MiB, 0x20));
    expect(await gunzipBounded(bomb, MiB)).toEqual({ ok: false, status: 413, message: expect.stringContaining("once decompressed") });
  });

  test("a report compressed is returned decompressed, byte for byte", async () => {
    const json = Buffer.from(fixture("rfc8460-example.json"));
    const result = await reportBytes(stream(gzipSync(json), 7), null, MiB);
    expect(result.ok && Buffer.from(result.bytes).equals(json)).toBe(true);
  });

  test("exactly 1 MiB decompressed passes; one byte more does not", async () => {
    expect((await gunzipBounded(gzipSync(Buffer.alloc(MiB, 0x20)), MiB)).ok).toBe(true);
    expect((await gunzipBounded(gzipSync(Buffer.alloc(MiB + 1, 0x20)), MiB)).ok).toBe(false);
  });

  test("a body over the limit is refused from its Content-Length, or while it streams without one", async () => {
    expect(await readBoundedBody(stream(Buffer.alloc(10)), String(MiB + 1), MiB)).toMatchObject({ ok: false, status: 413 });
    expect(await readBoundedBody(stream(Buffer.alloc(MiB + 1)), null, MiB)).toMatchObject({ ok: false, status: 413 });
    expect(await readBoundedBody(stream(Buffer.alloc(MiB)), null, MiB)).toMatchObject({ ok: true });
  });

  test("damaged gzip is 400", async () => {
    const damaged = Buffer.from(gzipSync(Buffer.from(fixture("rfc8460-example.json"))));
    damaged.fill(0, 12, 40);
    expect(await gunzipBounded(damaged, MiB)).toMatchObject({ ok: false, status: 400 });
  });
});

describe("the Worker bundle", () => {
  test("holds only the receiver's own files and the pure report model: no node: module, no require, no Buffer", () => {
    const { source } = loadReceiverBundle(join(ROOT, "components", "cloudflare"));
    const inputs = /inputs=(\S+)/.exec(source.split("\n")[0])![1].split(",");
    expect(inputs).toEqual([
      "components/model/tlsrpt-readiness.ts",
      "components/model/tlsrpt-receiver.ts",
      "components/model/tlsrpt-report.ts",
      "components/tlsrpt-receiver/alert-payload.ts",
      "components/tlsrpt-receiver/bindings.ts",
      "components/tlsrpt-receiver/handler.ts",
      "components/tlsrpt-receiver/read-body.ts",
      "components/tlsrpt-receiver/worker.ts",
    ]);
    expect(source).not.toMatch(/\bfrom\s*["']node:|\brequire\(|\bBuffer\b|\bprocess\./);
    expect(source).toMatch(/^export \{\s*worker_default as default\s*\};?\s*$/m);
  });

  test("the model files it bundles import nothing but each other", () => {
    for (const file of ["tlsrpt-receiver.ts", "tlsrpt-report.ts", "tlsrpt-readiness.ts"]) {
      const text = readFileSync(join(ROOT, "components", "model", file), "utf8");
      const imports = [...text.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]);
      expect([file, imports.every((i) => /^\.\/tlsrpt-(report|readiness|receiver)$/.test(i))]).toEqual([file, true]);
      expect(text).not.toMatch(/\bBuffer\b/);
    }
  });

  test("is found from source (components/cloudflare) and compiled (dist/components/cloudflare) in dist/worker", () => {
    expect(receiverBundleCandidates(join(ROOT, "components", "cloudflare"))[1]).toBe(join(ROOT, "dist", "worker", "tlsrpt-receiver.mjs"));
    expect(receiverBundleCandidates(join(ROOT, "dist", "components", "cloudflare"))[0]).toBe(join(ROOT, "dist", "worker", "tlsrpt-receiver.mjs"));
  });

  describe("in a copy of the package", () => {
    let copy: string;
    beforeAll(() => {
      copy = mkdtempSync(join(tmpdir(), "mta-sts-bundle-"));
      for (const dir of ["components/tlsrpt-receiver", "components/model", "dist/worker"]) cpSync(join(ROOT, dir), join(copy, dir), { recursive: true });
      mkdirSync(join(copy, "components", "cloudflare"), { recursive: true });
    });
    afterAll(() => rmSync(copy, { recursive: true, force: true }));

    test("a bundle older than its sources is refused, naming npm run build", () => {
      const handler = join(copy, "components/tlsrpt-receiver/handler.ts");
      const original = readFileSync(handler, "utf8");
      expect(loadReceiverBundle(join(copy, "components", "cloudflare")).source.length).toBeGreaterThan(1000);
      writeFileSync(handler, `${original}\n// changed\n`);
      try {
        expect(() => loadReceiverBundle(join(copy, "components", "cloudflare"))).toThrow(/built from other sources.*npm run build/);
      } finally {
        writeFileSync(handler, original);
      }
    });

    test("a missing bundle is refused, naming npm run build", () => {
      expect(() => loadReceiverBundle(join(copy, "components", "nowhere", "cloudflare"))).toThrow(/Worker bundle is missing.*npm run build/);
    });
  });
});
