/**
 * The DNS home of an AWS-hosted domain is decided once (model/dns-home.ts) for the AWS components
 * and for the stack config. The two once disagreed about `cloudflareZoneId` without `dns`; this
 * table runs every combination of the DNS fields through both and fails if they part again: the
 * same home, and the same problems at the same paths with the same words.
 */
import { awsDnsFieldIssues } from "../../../components/aws-common/dns-fields";
import { dnsHomeOf } from "../../../components/model/dns-home";
import { validateStackConfig } from "../../../components/stack/stack-config";

const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const policy = { mode: "testing", mx: ["mx1.example.com"] };

/** [the DNS fields, the home both choose (or undefined: refused), the paths of the problems] */
const CASES: [Record<string, unknown>, "route53" | "cloudflare" | undefined, string[]][] = [
  [{}, "route53", []],
  [{ dns: "route53" }, "route53", []],
  [{ hostedZoneId: "Z0123456789ABC" }, "route53", []],
  [{ dns: "route53", hostedZoneId: "Z0123456789ABC" }, "route53", []],
  // cloudflareZoneId alone: DNS at Cloudflare, in a program and in the stack file alike.
  [{ cloudflareZoneId: ZONE }, "cloudflare", []],
  [{ dns: "cloudflare", cloudflareZoneId: ZONE }, "cloudflare", []],
  [{ dns: "cloudflare" }, undefined, ["cloudflareZoneId"]],
  [{ dns: "cloudflare", cloudflareZoneId: "" }, undefined, ["cloudflareZoneId"]],
  [{ cloudflareZoneId: "zone1" }, undefined, ["cloudflareZoneId"]],
  [{ cloudflareZoneId: ZONE.toUpperCase() }, undefined, ["cloudflareZoneId"]],
  [{ dns: "route53", cloudflareZoneId: ZONE }, undefined, ["cloudflareZoneId"]],
  [{ hostedZoneId: "Z1", cloudflareZoneId: ZONE }, undefined, ["cloudflareZoneId"]],
  [{ dns: "cloudflare", hostedZoneId: "Z1", cloudflareZoneId: ZONE }, undefined, ["hostedZoneId"]],
  [{ dns: "cloudflare", hostedZoneId: "Z1" }, undefined, ["cloudflareZoneId", "hostedZoneId"]],
  [{ cloudflareZoneId: ZONE, adoptExistingRecords: true }, undefined, ["adoptExistingRecords"]],
  [{ dns: "route53", adoptExistingRecords: true }, "route53", []],
];

describe("the AWS components and the stack config choose the same DNS home and refuse the same fields", () => {
  test.each(CASES)("%j", (fields, home, problemPaths) => {
    const components = awsDnsFieldIssues(fields as never);
    const stack = validateStackConfig({ domains: [{ domain: "example.com", host: "aws", policy, ...fields }] });

    expect(components.map((i) => i.path)).toEqual(problemPaths);
    if (home === undefined) {
      expect(stack.ok).toBe(false);
      if (stack.ok) return;
      expect(stack.issues).toEqual(components.map((i) => ({ path: `domains[0].${i.path}`, message: i.message })));
    } else {
      expect(stack.ok).toBe(true);
      if (!stack.ok) return;
      expect(stack.domains[0].dns).toBe(home);
      expect(dnsHomeOf(fields)).toBe(home);
    }
  });
});

test("a Cloudflare host keeps its records at Cloudflare whatever the DNS fields say", () => {
  expect(dnsHomeOf({ host: "cloudflare-worker" })).toBe("cloudflare");
  expect(dnsHomeOf({ host: "cloudflare-pages", dns: "route53" })).toBe("cloudflare");
  expect(dnsHomeOf({ host: "aws", dns: "route53", cloudflareZoneId: ZONE })).toBe("route53");
});
