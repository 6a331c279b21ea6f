/**
 * RFC 8461 §3.2: the `max_age` advice (`maxAgeAdvice`) is given in three places: the config
 * warning, the policy analyser (`lint`, `check`) and the policy pack's `mta-sts-enforce-max-age`.
 * Each once had its own thresholds. This table sends every (mode, seconds) through all three and
 * fails if one of them advises differently, or not at all where the others do.
 */
import { analysePolicy, maxAgeAdvice, MIN_ENFORCE_MAX_AGE, ONE_DAY_SECONDS, PolicyMode, renderPolicy, validateMailDomain } from "../../../components/model";
import { checkEnforceMaxAge } from "../../../policies/rules/max-age";
import { RuleResource } from "../../../policies/rules/resource";

const mx = ["mx.example.com"];

function configAdvice(mode: PolicyMode, maxAgeSeconds: number): string[] {
  const result = validateMailDomain({ domain: "example.com", policy: { mode, mx, maxAgeSeconds } });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.warnings.filter((w) => w.path === "policy.maxAgeSeconds").map((w) => w.message);
}

function analyserAdvice(mode: PolicyMode, maxAgeSeconds: number): string[] {
  return analysePolicy(renderPolicy({ mode, mx, maxAgeSeconds })).findings.filter((f) => f.kind === "short-max-age").map((f) => f.message);
}

function packAdvice(mode: PolicyMode, maxAgeSeconds: number, minEnforceMaxAgeSeconds = MIN_ENFORCE_MAX_AGE): string[] {
  const object: RuleResource = {
    type: "aws:s3/bucketObjectv2:BucketObjectv2",
    name: "policy",
    urn: "urn:pulumi:test::test::aws:s3/bucketObjectv2:BucketObjectv2::policy",
    props: { key: ".well-known/mta-sts.txt", contentType: "text/plain", content: renderPolicy({ mode, mx, maxAgeSeconds }) },
  };
  return checkEnforceMaxAge(object, { minEnforceMaxAgeSeconds }).violations.map((v) => v.message);
}

/** [mode, seconds, the kind of advice, or undefined for none] */
const TABLE: [PolicyMode, number, "under-one-day" | "short-for-enforce" | undefined][] = [
  ["testing", 0, "under-one-day"],
  ["testing", 3600, "under-one-day"],
  ["testing", ONE_DAY_SECONDS - 1, "under-one-day"],
  ["testing", ONE_DAY_SECONDS, undefined],
  ["testing", 604800, undefined],
  ["none", 60, "under-one-day"],
  ["none", ONE_DAY_SECONDS, undefined],
  ["enforce", 3600, "under-one-day"],
  ["enforce", ONE_DAY_SECONDS, "short-for-enforce"],
  ["enforce", 604800, "short-for-enforce"],
  ["enforce", MIN_ENFORCE_MAX_AGE - 1, "short-for-enforce"],
  ["enforce", MIN_ENFORCE_MAX_AGE, undefined],
  ["enforce", 31557600, undefined],
];

describe("the config warning, the analyser and the policy pack give the same max_age advice", () => {
  test.each(TABLE)("mode %s, max_age %d: %s", (mode, seconds, kind) => {
    const advice = maxAgeAdvice(mode, seconds);
    expect(advice?.kind).toBe(kind);
    const expected = advice ? [advice.message] : [];
    expect(configAdvice(mode, seconds)).toEqual(expected);
    expect(analyserAdvice(mode, seconds)).toEqual(expected.map((m) => `max_age ${m}`));
    const pack = packAdvice(mode, seconds);
    expect(pack).toHaveLength(expected.length);
    if (advice) expect(pack[0]).toContain(`max_age ${advice.message}`);
  });
});

test("the pack's minEnforceMaxAgeSeconds moves the enforce threshold, and its advice says the new one", () => {
  const thirtyDays = 30 * ONE_DAY_SECONDS;
  expect(packAdvice("enforce", MIN_ENFORCE_MAX_AGE, thirtyDays)).toEqual([expect.stringContaining(maxAgeAdvice("enforce", MIN_ENFORCE_MAX_AGE, thirtyDays)!.message)]);
  expect(maxAgeAdvice("enforce", MIN_ENFORCE_MAX_AGE, thirtyDays)!.message).toMatch(/under 30 days \(2592000 s\).*use at least 2592000 s$/);
  expect(packAdvice("enforce", thirtyDays, thirtyDays)).toEqual([]);
  // Testing is not held to the enforce threshold.
  expect(packAdvice("testing", MIN_ENFORCE_MAX_AGE, thirtyDays)).toEqual([]);
});

test("the advice names the value, the reason and the fix", () => {
  expect(maxAgeAdvice("testing", 3600)!.message).toBe(
    "3600 s is under one day: senders refetch constantly and lose the policy quickly when the policy host is down; use at least 86400 s",
  );
  expect(maxAgeAdvice("enforce", 604800)!.message).toBe(
    "604800 s in enforce mode is under 14 days (1209600 s); RFC 8461 §3.2 recommends weeks so a downgrade attacker cannot outwait the policy; use at least 1209600 s",
  );
});
