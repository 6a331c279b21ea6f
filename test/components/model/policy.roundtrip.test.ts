/**
 * The id is a function of the served bytes only (docs/invariants.md). Property tests over
 * generated configs: render → parse gives back the normalised intent; equal intent written in
 * any order or case gives equal bytes and id; any change of intent changes the id.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { parsePolicy, policyId, PolicyMode, renderMailDomain, renderPolicy, validateMailDomain, MAX_AGE_LIMIT } from "../../../components/model";

const RUNS = { numRuns: 150 };

/** Second derivation of the id, independent of the implementation: SHA-256 hex, first 32. */
const expectedId = (bytes: string) => createHash("sha256").update(Buffer.from(bytes, "utf8")).digest("hex").slice(0, 32);

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/).filter((l) => !/^..--/.test(l));
const host = fc.array(label, { minLength: 2, maxLength: 4 }).map((labels) => labels.join("."));
const pattern = fc.oneof({ weight: 3, arbitrary: host }, { weight: 1, arbitrary: host.map((h) => `*.${h}`) });
const mode = fc.constantFrom<PolicyMode>("enforce", "testing", "none");
const maxAge = fc.integer({ min: 0, max: MAX_AGE_LIMIT });
/** A valid policy config: mx may be empty only in mode none. */
const policyConfig = fc
  .record({ mode, mx: fc.uniqueArray(pattern, { maxLength: 6 }), maxAgeSeconds: maxAge })
  .filter((p) => p.mode === "none" || p.mx.length > 0);

/** The same intent spelled differently: shuffled, mixed case, root dots, duplicates. */
const respelling = (mx: readonly string[]) =>
  fc.record({
    order: fc.shuffledSubarray([...mx], { minLength: mx.length, maxLength: mx.length }),
    upper: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
    dots: fc.array(fc.boolean(), { minLength: mx.length, maxLength: mx.length }),
    dup: fc.boolean(),
  }).map(({ order, upper, dots, dup }) => {
    const spelled = order.map((m, i) => {
      const cased = [...m].map((c, j) => (upper[j % upper.length] ? c.toUpperCase() : c)).join("");
      return dots[i] ? `${cased}.` : cased;
    });
    return dup && spelled.length > 0 ? [...spelled, spelled[0].toUpperCase()] : spelled;
  });

const intentOf = (policy: { mode: PolicyMode; mx: readonly string[]; maxAgeSeconds: number }) => {
  const result = validateMailDomain({ domain: "example.com", policy: { ...policy, mx: [...policy.mx] } });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
};

describe("render/parse round trip (RFC 8461 §3.2)", () => {
  it("parsePolicy(renderPolicy(c)) gives back the normalised intent", () => {
    fc.assert(
      fc.property(policyConfig, (config) => {
        const intent = intentOf(config);
        const parsed = parsePolicy(renderPolicy(intent.policy));
        expect(parsed).toEqual({ ok: true, value: { version: "STSv1", mode: config.mode, mx: intent.policy.mx, maxAge: config.maxAgeSeconds, extensions: {} } });
      }),
      RUNS,
    );
  });

  it("the normalised mx is the lowercase, dot-less, de-duplicated, sorted input", () => {
    fc.assert(
      fc.property(policyConfig.chain((c) => respelling(c.mx).map((mx) => ({ ...c, mx }))), (config) => {
        const expected = [...new Set(config.mx.map((m) => m.toLowerCase().replace(/\.$/, "")))].sort();
        expect(intentOf(config).policy.mx).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("every line of the rendered policy ends with CRLF and there are 3 + |mx| lines", () => {
    fc.assert(
      fc.property(policyConfig, (config) => {
        const text = renderPolicy(intentOf(config).policy);
        const lines = text.split("\r\n");
        expect(lines.pop()).toBe("");
        expect(lines).toHaveLength(3 + new Set(config.mx).size);
        expect(lines.every((l) => !/[\r\n]/.test(l))).toBe(true);
      }),
      RUNS,
    );
  });
});

describe("RFC 8461 §3.1 id: derived from exactly the served bytes", () => {
  it("is the first 32 hex characters of SHA-256 over the bytes, so alphanumeric and at most 32 long", () => {
    fc.assert(
      fc.property(policyConfig, (config) => {
        const bytes = renderPolicy(intentOf(config).policy);
        const id = policyId(bytes);
        expect(id).toBe(expectedId(bytes));
        expect(id).toMatch(/^[A-Za-z0-9]{1,32}$/);
      }),
      RUNS,
    );
  });

  it("hashes the bytes given, not a re-rendering: a Buffer and its string give the same id", () => {
    const bytes = renderPolicy({ mode: "testing", mx: ["mx.bücher.example"], maxAgeSeconds: 86400 });
    expect(policyId(Buffer.from(bytes, "utf8"))).toBe(expectedId(bytes));
    expect(policyId(bytes.replace(/\r\n/g, "\n"))).not.toBe(policyId(bytes));
  });

  it("reordering mx, changing case, root dots and duplicates do not change the bytes or the id", () => {
    fc.assert(
      fc.property(policyConfig.chain((c) => respelling(c.mx).map((respelled) => ({ c, respelled }))), ({ c, respelled }) => {
        const a = renderMailDomain(intentOf(c));
        const b = renderMailDomain(intentOf({ ...c, mx: respelled }));
        expect(b.policyText).toBe(a.policyText);
        expect(b.policyId).toBe(a.policyId);
        expect(b.stsRecord).toBe(`v=STSv1; id=${expectedId(a.policyText)}`);
      }),
      RUNS,
    );
  });

  it("Unicode and A-label spellings of the same mx give the same id", () => {
    const u = renderPolicy({ mode: "enforce", mx: ["MX.Bücher.example", "*.bücher.example"], maxAgeSeconds: 1209600 });
    const a = renderPolicy({ mode: "enforce", mx: ["*.xn--bcher-kva.example", "mx.xn--bcher-kva.example"], maxAgeSeconds: 1209600 });
    expect(policyId(u)).toBe(policyId(a));
  });

  it("changing the mode changes the id", () => {
    fc.assert(
      fc.property(policyConfig.filter((c) => c.mx.length > 0), mode, (config, other) => {
        fc.pre(other !== config.mode);
        expect(policyId(renderPolicy(intentOf({ ...config, mode: other }).policy))).not.toBe(policyId(renderPolicy(intentOf(config).policy)));
      }),
      RUNS,
    );
  });

  it("changing max_age changes the id", () => {
    fc.assert(
      fc.property(policyConfig, maxAge, (config, other) => {
        fc.pre(other !== config.maxAgeSeconds);
        expect(policyId(renderPolicy(intentOf({ ...config, maxAgeSeconds: other }).policy))).not.toBe(policyId(renderPolicy(intentOf(config).policy)));
      }),
      RUNS,
    );
  });

  it("adding an mx pattern changes the id", () => {
    fc.assert(
      fc.property(policyConfig, pattern, (config, extra) => {
        fc.pre(!config.mx.includes(extra));
        expect(policyId(renderPolicy(intentOf({ ...config, mx: [...config.mx, extra] }).policy))).not.toBe(policyId(renderPolicy(intentOf(config).policy)));
      }),
      RUNS,
    );
  });

  it("removing an mx pattern changes the id", () => {
    fc.assert(
      fc.property(policyConfig.filter((c) => c.mx.length > 1), fc.nat(), (config, index) => {
        const fewer = config.mx.filter((_, i) => i !== index % config.mx.length);
        expect(policyId(renderPolicy(intentOf({ ...config, mx: fewer }).policy))).not.toBe(policyId(renderPolicy(intentOf(config).policy)));
      }),
      RUNS,
    );
  });

  it("the id does not depend on the domain or TLS-RPT, only on the policy bytes", () => {
    const policy = { mode: "testing", mx: ["mx.example.com"], maxAgeSeconds: 86400 };
    const a = validateMailDomain({ domain: "example.com", policy });
    const b = validateMailDomain({ domain: "example.org", policy, tlsRpt: { rua: ["mailto:r@example.org"] } });
    if (!a.ok || !b.ok) throw new Error("fixture");
    expect(renderMailDomain(a.value).policyId).toBe(renderMailDomain(b.value).policyId);
  });
});
