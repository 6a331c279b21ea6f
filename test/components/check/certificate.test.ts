/** The checker's judgement of the policy host's certificate (RFC 8461 §3.3): chain, name, expiry ahead. */
import { judgeCertificate } from "../../../components/check/certificate";
import type { ServedCertificate } from "../../../components/check/fetch-policy";

const now = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;
const cert = (validTo: Date, over: Partial<ServedCertificate> = {}): ServedCertificate => ({
  subject: "CN=mta-sts.example.com",
  issuer: "CN=Test CA",
  subjectAltName: "DNS:mta-sts.example.com",
  validFrom: new Date(now.getTime() - 30 * DAY),
  validTo,
  chainTrusted: true,
  matchesHost: true,
  ...over,
});
const expiry = (c: ServedCertificate) => judgeCertificate(c, "mta-sts.example.com", now).find((f) => f.check === "certificate-expiry")!;

describe("RFC 8461 §3.3: certificate expiry ahead (warn under 21 days, fail under 7)", () => {
  // The boundaries to the millisecond: exactly 21 days left still passes, a millisecond less
  // warns; exactly 7 days left still warns, a millisecond less fails.
  test.each([
    [21 * DAY, "pass"],
    [21 * DAY - 1, "warn"],
    [7 * DAY, "warn"],
    [7 * DAY - 1, "fail"],
  ])("%d ms left → %s", (left, status) => {
    expect(expiry(cert(new Date(now.getTime() + left))).status).toBe(status);
  });
  test("the warning and the failure say how long is left and the threshold", () => {
    expect(expiry(cert(new Date(now.getTime() + 10 * DAY))).message).toMatch(/expires in 10 days, .*\(under 21 days\)/);
    expect(expiry(cert(new Date(now.getTime() + 3 * DAY))).message).toMatch(/expires in 3 day\(s\), .*\(under 7 days\)/);
  });
  test.each([
    [60, "pass"],
    [21, "pass"],
    [20, "warn"],
    [7, "warn"],
    [6, "fail"],
    [0, "fail"],
    [-1, "fail"],
  ])("%d whole days left → %s", (days, status) => {
    expect(expiry(cert(new Date(now.getTime() + days * DAY + 60_000))).status).toBe(status);
  });
  test("a certificate not valid yet fails", () => {
    expect(expiry(cert(new Date(now.getTime() + 90 * DAY), { validFrom: new Date(now.getTime() + DAY) })).message).toMatch(/not valid before/);
  });
  test("an untrusted chain names OpenSSL's reason in words", () => {
    const chain = judgeCertificate(cert(new Date(now.getTime() + 90 * DAY), { chainTrusted: false, chainError: "DEPTH_ZERO_SELF_SIGNED_CERT" }), "mta-sts.example.com", now)[0];
    expect(chain).toMatchObject({ check: "certificate-chain", status: "fail" });
    expect(chain.message).toMatch(/self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
  });
});
