/**
 * Policy pack, rule 5 (advisory, policies/rules/max-age.ts): a policy object or Worker script
 * whose policy has a short max_age, by the model's `maxAgeAdvice` (RFC 8461 §3.2).
 */
import { checkEnforceMaxAge } from "../../../policies/rules/max-age";
import { renderPolicy } from "../../../components/model/policy";
import { res } from "../../support/policy-resources";

const messages = (o: { violations: { message: string }[] }) => o.violations.map((v) => v.message);

describe("rule 5 (advisory): max_age under one day, or in enforce under 14 days", () => {
  const object = (mode: "enforce" | "testing", maxAgeSeconds: number) =>
    res("aws:s3/bucketObjectv2:BucketObjectv2", "policy", { key: ".well-known/mta-sts.txt", contentType: "text/plain", content: renderPolicy({ mode, mx: ["mx.example.com"], maxAgeSeconds }) });

  test("enforce with 7 days is reported with the value and the fix", () => {
    expect(messages(checkEnforceMaxAge(object("enforce", 604800)))[0]).toMatch(/mode enforce: max_age 604800 s in enforce mode is under 14 days \(1209600 s\).*use at least 1209600 s/);
  });

  test("testing with an hour is reported too, as the config warning and lint do", () => {
    expect(messages(checkEnforceMaxAge(object("testing", 3600)))[0]).toMatch(/mode testing: max_age 3600 s is under one day.*use at least 86400 s/);
  });

  test("enforce with 14 days, and testing with 1 day, pass", () => {
    expect(checkEnforceMaxAge(object("enforce", 1209600)).violations).toEqual([]);
    expect(checkEnforceMaxAge(object("testing", 86400)).violations).toEqual([]);
  });

  test("the threshold is configurable", () => {
    expect(checkEnforceMaxAge(object("enforce", 1209600), { minEnforceMaxAgeSeconds: 2592000 }).violations).toHaveLength(1);
  });

  test("the policy embedded in a generated Worker script is read", () => {
    const policy = renderPolicy({ mode: "enforce", mx: ["mx.example.com"], maxAgeSeconds: 86400 });
    const script = res("cloudflare:index/workersScript:WorkersScript", "script", { content: `// generated\nconst POLICY = ${JSON.stringify(policy)};\nexport default {};\n` });
    expect(checkEnforceMaxAge(script).violations).toHaveLength(1);
  });
});
