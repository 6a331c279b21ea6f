/**
 * The stack config's side of the rollout: the `rollout` field (per domain and in the defaults),
 * where each domain's mode, rollout and max_age are written, and the check that an edited file
 * changed nothing but the asked modes.
 */
import { parse } from "yaml";
import { stackConfigInput, validateStackConfig } from "../../../components/stack/stack-config";
import { modeChangeProblems, modeEdits, rolloutDomains } from "../../../components/stack/stack-rollout";

function validate(yaml: string) {
  const input = stackConfigInput(parse(yaml));
  return { input, result: validateStackConfig(input) };
}

const STACK = `
defaults:
  policy: { mode: testing, maxAgeSeconds: 86400 }
  rollout: hold
domains:
  - domain: a.example
    hostedZoneId: Z1
    rollout: auto
    policy: { mode: testing, mx: [mx.a.example], maxAgeSeconds: 1209600 }
  - domain: b.example
    hostedZoneId: Z2
    policy: { mx: [mx.b.example] }
`;

describe("rollout in the stack config", () => {
  test("auto and hold are accepted per domain and in mta-sts:defaults; the default is auto", () => {
    const { result } = validate(STACK);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.domains.map((d) => d.rollout)).toEqual(["auto", "hold"]);
    const plain = validate("domains:\n  - domain: c.example\n    hostedZoneId: Z3\n    policy: { mode: testing, mx: [mx.c.example] }\n").result;
    expect(plain.ok && plain.domains[0].rollout).toBe("auto");
  });

  test("any other value is an error at its path that names the values", () => {
    const { result } = validate("defaults: { rollout: later }\ndomains:\n  - domain: c.example\n    hostedZoneId: Z3\n    rollout: true\n    policy: { mode: testing, mx: [mx.c.example] }\n");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      { path: "defaults.rollout", message: "must be auto or hold (hold keeps the domain out of mta-sts promote)" },
      { path: "domains[0].rollout", message: "must be auto or hold (hold keeps the domain out of mta-sts promote)" },
    ]);
  });

  test("a misspelt rollout is an unknown field with a did-you-mean", () => {
    const { result } = validate("domains:\n  - domain: c.example\n    hostedZoneId: Z3\n    rolout: hold\n    policy: { mode: testing, mx: [mx.c.example] }\n");
    expect(!result.ok && result.issues).toEqual([{ path: "domains[0].rolout", message: 'unknown field; did you mean "rollout"?' }]);
  });
});

describe("rolloutDomains: where each domain's fields are written", () => {
  test("mode, rollout and max_age from the entry, from the defaults, or our default", () => {
    const { input, result } = validate(STACK);
    if (!result.ok) throw new Error("invalid");
    expect(rolloutDomains(input, result.domains)).toEqual([
      { domain: "a.example", index: 0, mode: "testing", modeFrom: "domain", rollout: "auto", rolloutFrom: "domain", maxAgeSeconds: 1209600, maxAgeFrom: "domain" },
      { domain: "b.example", index: 1, mode: "testing", modeFrom: "defaults", rollout: "hold", rolloutFrom: "defaults", maxAgeSeconds: 86400, maxAgeFrom: "defaults" },
    ]);
    const bare = validate("domains:\n  - domain: c.example\n    hostedZoneId: Z3\n    policy: { mode: testing, mx: [mx.c.example] }\n");
    if (!bare.result.ok) throw new Error("invalid");
    expect(rolloutDomains(bare.input, bare.result.domains)[0]).toMatchObject({ rolloutFrom: "default", maxAgeFrom: "default", maxAgeSeconds: 604800 });
  });

  test("modeEdits writes each mode into the domain's own entry, never into the defaults", () => {
    expect(modeEdits(["config", "mta-sts:domains"], [{ index: 1, mode: "enforce" }])).toEqual([{ path: ["config", "mta-sts:domains", 1, "policy", "mode"], value: "enforce" }]);
  });
});

describe("modeChangeProblems: the edited config means the old one with exactly the asked modes", () => {
  const before = validate(STACK).result;
  if (!before.ok) throw new Error("invalid");

  test("no problem when only the asked modes changed", () => {
    const after = validate(STACK.replace("policy: { mx: [mx.b.example] }", "policy: { mx: [mx.b.example], mode: enforce }")).result;
    expect(after.ok && modeChangeProblems(before.domains, after.domains, [{ index: 1, mode: "enforce" }])).toEqual([]);
  });

  test("a mode that did not change as asked, a mode that changed unasked, and any other change are named", () => {
    const after = validate(STACK.replace("mode: testing, mx: [mx.a.example]", "mode: enforce, mx: [mx.a.example]").replace("mx: [mx.b.example]", "mx: [mx.other.example]")).result;
    if (!after.ok) throw new Error("invalid");
    expect(modeChangeProblems(before.domains, after.domains, [{ index: 1, mode: "enforce" }])).toEqual([
      "domains[0]: a.example has mode enforce in the edited file, not testing",
      "domains[1]: b.example has mode testing in the edited file, not enforce",
      "domains[1]: b.example changed in more than its mode in the edited file",
    ]);
  });

  test("a changed default that reaches another domain is named too", () => {
    const after = validate(STACK.replace("maxAgeSeconds: 86400", "maxAgeSeconds: 86401")).result;
    expect(after.ok && modeChangeProblems(before.domains, after.domains, [])).toEqual(["domains[1]: b.example changed in more than its mode in the edited file"]);
  });
});
