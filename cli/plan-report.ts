/**
 * The offline plan as text for a reviewer and as JSON for a bot. Deterministic: the same config
 * gives the same bytes, and a change to one domain changes only that domain's lines.
 */
import { createHash } from "node:crypto";
import { RenderedMailDomain } from "../components/model/rendered";
import { DomainDeployment } from "../components/stack/stack-config";
import { ConfigIssue } from "../components/model/config";
import { terminalLines } from "../components/terminal-text";
import { PlannedResource } from "./plan-engine";

export const PLAN_NOTICE =
  "OFFLINE PLAN: what `pulumi up` would declare, evaluated with Pulumi's mock engine. " +
  "No cloud calls, no credentials, no comparison with deployed state: this is not a diff " +
  "(run `pulumi preview --diff` for that). Values marked <computed: ...> are known only after deployment.";

export interface PlanDomain extends RenderedMailDomain {
  readonly host: string;
  readonly dns: string;
  readonly component: string;
}

/**
 * The version of the plan's JSON format. `plan --base` reads a plan only of this version; raise
 * it whenever a field `plan --base` reads changes its meaning or goes away.
 */
export const PLAN_FORMAT_VERSION = 1;

/** A resource as the plan records it. `aliases` and `replaceOnChanges` appear only when set. */
export interface PlanResource {
  readonly type: string;
  readonly name: string;
  /** The resource's identity in the stack (type chain and name), as the engine sees it. */
  readonly urn: string;
  readonly parent?: string;
  readonly inputs: Record<string, unknown>;
  readonly dependsOn: readonly string[];
  /** URNs the resource was known by before (Pulumi `aliases`): a rename, not a replacement. */
  readonly aliases?: readonly string[];
  /** Inputs whose change replaces the resource (the `replaceOnChanges` option). */
  readonly replaceOnChanges?: readonly string[];
}

export interface Plan {
  readonly kind: "mta-sts-offline-plan";
  readonly version: number;
  readonly notice: string;
  readonly stack: string;
  readonly warnings: readonly ConfigIssue[];
  readonly domains: readonly PlanDomain[];
  readonly resources: readonly PlanResource[];
  /** `[waiter, waitedFor]` pairs, sorted. */
  readonly edges: readonly (readonly [string, string])[];
}

export function buildPlan(
  stack: string,
  deployments: readonly DomainDeployment[],
  rendered: readonly RenderedMailDomain[],
  components: ReadonlyMap<string, string>,
  resources: readonly PlannedResource[],
  warnings: readonly ConfigIssue[],
): Plan {
  const domains = deployments.map((d, i) => ({ ...rendered[i], host: d.host, dns: d.dns, component: components.get(d.intent.domain)! }));
  // Group each component with its children, in config order; children sorted by name.
  const order = new Map(domains.map((d, i) => [d.component, i]));
  const byName = new Map(resources.map((x) => [x.name, x]));
  const rootOf = (r: PlannedResource): string => {
    let current: PlannedResource | undefined = r;
    while (current?.parent) current = byName.get(current.parent);
    return current?.name ?? r.name;
  };
  const sorted = [...resources].sort((a, b) => {
    const ga = order.get(rootOf(a)) ?? Number.MAX_SAFE_INTEGER;
    const gb = order.get(rootOf(b)) ?? Number.MAX_SAFE_INTEGER;
    if (ga !== gb) return ga - gb;
    if (a.custom !== b.custom) return a.custom ? 1 : -1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : 1;
  });
  const edges = sorted.flatMap((r) => r.dependsOn.map((d) => [r.name, d] as const));
  return {
    kind: "mta-sts-offline-plan",
    version: PLAN_FORMAT_VERSION,
    notice: PLAN_NOTICE,
    stack,
    warnings,
    domains,
    resources: sorted.map(({ type, name, urn, parent, inputs, dependsOn, aliases, replaceOnChanges }) => ({
      type,
      name,
      urn,
      ...(parent ? { parent } : {}),
      inputs,
      dependsOn,
      ...(aliases.length ? { aliases } : {}),
      ...(replaceOnChanges.length ? { replaceOnChanges } : {}),
    })),
    edges,
  };
}

export function planToText(plan: Plan): string {
  const out: string[] = [];
  out.push(`# ${plan.notice}`, `# stack config: ${plan.stack}`, "");
  for (const w of plan.warnings) out.push(`warning ${w.path}: ${w.message}`);
  if (plan.warnings.length) out.push("");
  out.push(`## Domains (${plan.domains.length})`, "");
  for (const d of plan.domains) {
    out.push(`### ${d.domain}  (host ${d.host}, dns ${d.dns}, component ${d.component})`);
    out.push(`policy  ${d.policyUrl}`);
    out.push(`id      ${d.policyId}`);
    for (const line of d.policyText.split("\r\n").filter((l) => l !== "")) out.push(`  | ${line}`);
    out.push(`TXT     ${d.stsRecordName}  "${d.stsRecord}"`);
    out.push(d.tlsRptRecord ? `TXT     ${d.tlsRptRecordName}  "${d.tlsRptRecord}"` : `TXT     ${d.tlsRptRecordName}  (none: no tlsRpt configured)`);
    out.push("");
  }
  out.push(`## Resources (${plan.resources.length})`, "");
  for (const r of plan.resources) {
    out.push(`${r.name}  ${r.type}${r.parent ? `  parent=${r.parent}` : ""}`);
    if (Object.keys(r.inputs).length === 0) continue;
    for (const [key, value] of flatten(r.inputs)) out.push(`    ${key} = ${value}`);
  }
  out.push("", `## Ordering: what waits for what (${plan.edges.length} edges)`, "");
  const waits = new Map<string, string[]>();
  for (const [waiter, waited] of plan.edges) waits.set(waiter, [...(waits.get(waiter) ?? []), waited]);
  for (const [waiter, waited] of waits) out.push(`${waiter}  waits for  ${waited.join(", ")}`);
  // Names, values and warnings come from the stack file: escaped like any other outside text.
  return terminalLines(out);
}

/** Inputs as `a.b[0].c = value` lines; multi-line or long text is summarised by size and hash. */
export function flatten(value: unknown, prefix = ""): [string, string][] {
  if (value === undefined) return [];
  if (value === null || typeof value !== "object") return [[prefix, scalar(value)]];
  if (Array.isArray(value)) {
    if (value.length === 0) return [[prefix, "[]"]];
    if (value.every((v) => v === null || typeof v !== "object")) return [[prefix, `[${value.map(scalar).join(", ")}]`]];
    return value.flatMap((v, i) => flatten(v, `${prefix}[${i}]`));
  }
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return [[prefix, "{}"]];
  return entries.flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}

function scalar(value: unknown): string {
  if (typeof value !== "string") return JSON.stringify(value);
  if (value.includes("\n") || value.length > 120) {
    const hash = createHash("sha256").update(value).digest("hex").slice(0, 12);
    return `<text, ${Buffer.byteLength(value)} bytes, sha256 ${hash}…>`;
  }
  return JSON.stringify(value);
}
