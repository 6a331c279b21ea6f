/**
 * Builders for the policy-pack tests: plain resources shaped like `@pulumi/policy`'s
 * `PolicyResource` (what the rules in policies/rules take), and the example stack's resources
 * captured under Pulumi mocks by the offline plan engine, in the same shape.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import type { PlannedResource } from "../../cli/plan-engine";
import { RuleResource, UNKNOWN } from "../../policies/rules";
import { TS_REGISTER } from "./ts-register";

type Mutable = { -readonly [K in keyof RuleResource]: RuleResource[K] };

/** A resource for rule tests; `dependencies`, `parent` and `propertyDependencies` are other builders' results. */
export function res(type: string, name: string, props: Record<string, any>, links: Partial<Pick<RuleResource, "parent" | "dependencies" | "propertyDependencies">> = {}): RuleResource {
  return { type, name, urn: `urn:pulumi:test::proj::${type}::${name}`, props, dependencies: [], ...links };
}

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * Run the repository's program on Pulumi.example.yaml under the offline plan engine, in a child
 * process (Pulumi's runtime is a per-process singleton), and return what it declared.
 */
export async function captureExampleStack(stackFile = "Pulumi.example.yaml"): Promise<PlannedResource[]> {
  const program = `
    const { runProgramOffline } = require("./cli/plan-engine");
    const { readStackConfigFile } = require("./cli/config-file");
    runProgramOffline(readStackConfigFile(${JSON.stringify(stackFile)})).then(
      (run) => { process.stdout.write(JSON.stringify(run.resources)); process.exit(0); },
      (err) => { process.stderr.write(String(err && err.stack || err)); process.exit(2); });`;
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ["-r", TS_REGISTER, "-e", program], { cwd: ROOT, timeout: 60000, maxBuffer: 64 * 1024 * 1024 }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
    ),
  );
  return JSON.parse(stdout) as PlannedResource[];
}

/** The plan engine writes values only the cloud knows as `<computed: ...>`; at preview they are unknown. */
const COMPUTED = /<computed: [^>]*>/;

/** Replace every value that is or contains a `<computed: ...>` placeholder by `unknown`. */
export function withUnknowns(value: unknown, unknown: unknown = UNKNOWN): any {
  if (typeof value === "string") return COMPUTED.test(value) ? unknown : value;
  if (Array.isArray(value)) return value.map((v) => withUnknowns(v, unknown));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withUnknowns(v, unknown)]));
  return value;
}

/**
 * The captured resources as a stack rule sees them at preview: props are the inputs with computed
 * values unknown, parent and dependencies are the resource objects (found by name: the program's
 * names are unique, children carry their component's name).
 */
export function asRuleResources(planned: readonly PlannedResource[], unknown: unknown = UNKNOWN): RuleResource[] {
  const byName = new Map<string, Mutable>();
  for (const p of planned) {
    if (byName.has(p.name)) throw new Error(`two resources are named "${p.name}"; match them by URN instead`);
    byName.set(p.name, { type: p.type, name: p.name, urn: p.urn, props: withUnknowns(p.inputs, unknown) });
  }
  for (const p of planned) {
    const r = byName.get(p.name)!;
    if (p.parent) r.parent = byName.get(p.parent);
    r.dependencies = p.dependsOn.map((name) => {
      const dep = byName.get(name);
      if (!dep) throw new Error(`${p.name} depends on "${name}", which was not captured`);
      return dep;
    });
  }
  return [...byName.values()];
}
