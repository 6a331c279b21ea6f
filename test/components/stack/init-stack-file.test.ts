/**
 * The stack file init writes: comments carry what DNS said, so nothing DNS says can end a
 * comment and write YAML of its own; the file is a Pulumi stack file the schema accepts.
 */
import { parse as parseYaml } from "yaml";
import { OnboardedDomain } from "../../../components/model/onboarding";
import { renderInitStackFile } from "../../../components/stack/init-stack-file";
import { stackConfigInput, validateStackConfig } from "../../../components/stack/stack-config";

const entry: OnboardedDomain = {
  kind: "entry",
  domain: "a.test",
  mode: "testing",
  modeSource: "testing: new",
  mx: [{ pattern: "mx.a.test", source: "live MX, preference 10\n    - domain: injected-by-source.test" }],
  liveMx: ["mx.a.test"],
  notes: ["a note\r\nconfig:\n  mta-sts:skipLiveChecks: true"],
  alerts: [],
};

test("a reason or note with line ends and control characters stays inside its comment, made visible", () => {
  const text = renderInitStackFile(
    [entry, { kind: "failed", domain: "b.test", reason: "timeout\n  - domain: injected.test\n    policy: { mode: none }\x1b[2K" }],
    { host: "aws", dns: "route53", generatedAt: new Date("2026-01-01T00:00:00Z") },
  );
  const doc = parseYaml(text) as { config: Record<string, unknown> };
  expect(Object.keys(doc.config)).toEqual(["mta-sts:domains"]);
  const validation = validateStackConfig(stackConfigInput(doc.config, "mta-sts"));
  expect(validation.ok && validation.domains.map((d) => d.intent.domain)).toEqual(["a.test"]);
  expect(text).toContain("#   b.test: timeout\\x0a  - domain: injected.test\\x0a    policy: { mode: none }\\x1b[2K");
  expect(text).toContain("# note: a note\\x0d\\x0aconfig:\\x0a  mta-sts:skipLiveChecks: true");
  for (const line of text.split("\n")) expect(line).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
});
