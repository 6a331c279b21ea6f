/**
 * The README's "Reviewing a pull request" section says what the code does: its risk table is the
 * model's rule table, and its example output is what the command it shows prints, byte for byte.
 */
import { REVIEW_RULES } from "../../../components/model/review-risks";
import { readmeSection } from "../../support/readme";
import { runCliProcess } from "../../support/cli";

const section = readmeSection("## Reviewing a pull request with `mta-sts plan`");

test("the risk table is the rule table of components/model/review-risks.ts", () => {
  const table = section.slice(section.indexOf("| code | severity | when | fix |"));
  const rows = table
    .split("\n")
    .slice(2)
    .filter((l) => l.startsWith("| `"))
    .map((l) => l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()));
  expect(rows.map((r) => r[0])).toEqual(REVIEW_RULES.map((r) => `\`${r.code}\``));
  for (const [[, severity, when, fix], rule] of rows.map((r, i) => [r, REVIEW_RULES[i]] as const)) {
    expect(severity).toContain(rule.severity);
    expect(when).toBe(rule.when);
    expect(fix).toBe(rule.fix);
  }
});

test("the example output is what the command shown prints (regenerate it by running that command)", () => {
  const command = "npx mta-sts plan --stack examples/review/Pulumi.example-pr.yaml --base Pulumi.example.yaml";
  const at = section.indexOf(`${command}\n`);
  expect(at).toBeGreaterThan(0);
  // The ```sh block with the command, then the ``` block with its output.
  const shown = /^```\n\n```\n([\s\S]*?)\n```\n/.exec(section.slice(at + command.length + 1))![1];
  const args = command.split(" ").slice(2);
  const run = runCliProcess(args, { timeoutMs: 180_000 });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(1);
  expect(run.stdout.trimEnd()).toBe(shown);
});
