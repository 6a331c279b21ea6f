/** parseTlsRptReport(bytes | text): gzip by magic bytes, a bound on the decompressed size, never a throw. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { aggregateReports, parseTlsRptReport } from "../../../components";
import { MAX_REPORT_BYTES } from "../../../components/reports/parse-report";

const json = readFileSync(join(__dirname, "..", "..", "fixtures/reports/rfc8460-example.json"));

describe("parseTlsRptReport (library entry)", () => {
  test("reads the same report from JSON text, JSON bytes and gzip'd bytes", () => {
    const results = [parseTlsRptReport(json.toString("utf8")), parseTlsRptReport(json), parseTlsRptReport(gzipSync(json))];
    for (const r of results) expect(r).toMatchObject({ ok: true, value: { reportId: "5065427c-23d3-47ca-b6e0-946ea0e8c4be" } });
  });

  test("gzip is detected by content: a gzip'd report in a Uint8Array with no name at all", () => {
    const bytes = new Uint8Array(gzipSync(json));
    expect(parseTlsRptReport(bytes).ok).toBe(true);
  });

  test("a gzip bomb stops at the bound: 64 MiB of zeros compressed to a few KiB is refused", () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(200 * 1024);
    const r = parseTlsRptReport(bomb);
    expect(r).toMatchObject({ ok: false, error: { kind: "too-large" } });
    if (!r.ok) expect(r.error.message).toContain(String(MAX_REPORT_BYTES));
  });

  test("damaged gzip is an error value, not an exception", () => {
    const broken = gzipSync(json).subarray(0, 40);
    expect(() => parseTlsRptReport(broken)).not.toThrow();
    expect(parseTlsRptReport(broken).ok).toBe(false);
    expect(parseTlsRptReport(null as unknown as string).ok).toBe(false);
  });

  test("aggregateReports is exported next to it", () => {
    const r = parseTlsRptReport(json);
    if (!r.ok) throw new Error(r.error.message);
    expect(aggregateReports([r.value]).domains[0].domain).toBe("company-y.example");
  });
});

describe("the report model stays portable (it is bundled into a Worker)", () => {
  test.each(["tlsrpt-report.ts", "tlsrpt-readiness.ts", "tlsrpt-receiver.ts"])("%s imports no node: module and uses no Buffer", (file) => {
    const source = readFileSync(join(__dirname, "../../../components/model", file), "utf8");
    expect(source).not.toMatch(/from\s+["']node:|require\(|\bBuffer\b/);
    const imports = [...source.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]);
    expect(imports.every((i) => i.startsWith("./tlsrpt-"))).toBe(true);
  });

  test("every model file it imports is itself one of them", () => {
    const files = readdirSync(join(__dirname, "../../../components/model")).filter((f) => f.startsWith("tlsrpt-"));
    expect(files.sort()).toEqual(["tlsrpt-readiness.ts", "tlsrpt-receiver.ts", "tlsrpt-report.ts"]);
  });
});
