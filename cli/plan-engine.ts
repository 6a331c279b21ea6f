/**
 * Runs the repository's own Pulumi program (index.ts) under Pulumi's mock engine and records
 * what it declares: each resource's type, name, parent and inputs, and the dependencies the SDK
 * sends to the engine (explicit `dependsOn` and those implied by inputs), which are exactly the
 * "waits for" edges `pulumi up` would honour. No cloud calls, no credentials, no deployed state.
 *
 * The program is loaded once per process (Pulumi's runtime is a process-wide singleton), so the
 * CLI runs this in its own process.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { StackConfigInput } from "../components/stack/stack-config";
import { isEncryptedValue } from "../components/stack/tlsrpt-receiver-config";
import { CONFIG_NAMESPACE } from "./config-file";
import { leanSdkDiagnostics } from "./lean-sdk";

export interface PlannedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** Name of the parent resource; undefined for top-level components. */
  readonly parent?: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  /** Names of the resources this one waits for. */
  readonly dependsOn: readonly string[];
  /**
   * URNs this resource was known by before (its `aliases` option, and those it inherits from an
   * aliased parent), so that a renamed resource is recognised as the same one, as the engine does.
   */
  readonly aliases: readonly string[];
  /** Input names whose change replaces the resource (its `replaceOnChanges` option). */
  readonly replaceOnChanges: readonly string[];
}

export interface ProgramRun {
  readonly resources: readonly PlannedResource[];
  /** The program's stack outputs, resolved. */
  readonly outputs: Record<string, unknown>;
  /**
   * The warnings the program logged (`pulumi.log.warn`), in order. Captured instead of printed:
   * the mock engine would print each as `warning: [runtime] ...` to stderr, beside the plan's own
   * report of the same warnings.
   */
  readonly warnings: readonly string[];
}

/** Placeholder for a value only the cloud knows; stable so the plan is byte-identical. */
const computed = (what: string) => `<computed: ${what}>`;

/** Outputs a provider would compute, as stable placeholders (names only, no randomness). */
function computedOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
  switch (type) {
    case "aws:acm/certificate:Certificate": {
      // ACM answers one DNS validation record per name on the certificate.
      const names: string[] = [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])];
      return {
        arn: computed(`${name}.arn`),
        domainValidationOptions: names.map((domainName) => ({
          domainName,
          resourceRecordName: computed(`validation name for ${domainName}`),
          resourceRecordType: "CNAME",
          resourceRecordValue: computed(`validation value for ${domainName}`),
        })),
      };
    }
    case "aws:cloudfront/distribution:Distribution":
      return { arn: computed(`${name}.arn`), domainName: computed(`${name}.domainName`), hostedZoneId: "Z2FDTNDATAQYW2" };
    case "aws:route53/record:Record":
      return { fqdn: computed(`${name}.fqdn`) };
    case "cloudflare:index/pagesProject:PagesProject":
      return { subdomain: computed(`${inputs.name}.pages.dev`) };
    case "aws:s3/bucket:Bucket":
      return { bucket: inputs.bucket ?? computed(`${name}.bucket`), arn: computed(`${name}.arn`), bucketRegionalDomainName: computed(`${name}.bucketRegionalDomainName`) };
    default:
      return { arn: computed(`${name}.arn`) };
  }
}

/** Answers for the few lookups the program may make, as placeholders. */
function invoke(token: string, inputs: Record<string, any>): Record<string, unknown> {
  if (token === "aws:route53/getZone:getZone") {
    const zone = computed(`Route 53 zone looked up by name "${inputs.name}"`);
    return { zoneId: zone, id: zone, name: inputs.name };
  }
  throw new Error(`the offline plan cannot answer the lookup ${token}`);
}

export async function runProgramOffline(config: StackConfigInput, programPath = path.join(__dirname, "..", "index")): Promise<ProgramRun> {
  // Inputs as declared, by type and name (names are unique per type: children carry their
  // component's name).
  const declared = new Map<string, Record<string, unknown>>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        declared.set(`${args.type}::${args.name}`, args.inputs);
        return { id: computed(`${args.name}.id`), state: { ...args.inputs, ...computedOutputs(args.type, args.name, args.inputs) } };
      },
      call: (args) => invoke(args.token, args.inputs),
    },
    CONFIG_NAMESPACE,
    "plan",
    false,
  );
  pulumi.runtime.setAllConfig({
    [`${CONFIG_NAMESPACE}:domains`]: JSON.stringify(config.domains ?? null),
    [`${CONFIG_NAMESPACE}:defaults`]: JSON.stringify(config.defaults ?? {}),
    [`${CONFIG_NAMESPACE}:skipLiveChecks`]: "true",
    ...(config.sharedAwsHost !== undefined ? { [`${CONFIG_NAMESPACE}:sharedAwsHost`]: JSON.stringify(config.sharedAwsHost) } : {}),
    ...(config.tlsRptReceiver !== undefined ? { [`${CONFIG_NAMESPACE}:tlsRptReceiver`]: JSON.stringify(withWebhookStandIn(config.tlsRptReceiver)) } : {}),
  });

  // Record what the SDK sends to the engine: parent and dependencies are not visible to mocks.
  const monitor = pulumi.runtime.getMonitor() as any;
  const requests: {
    urn: string;
    type: string;
    name: string;
    parent: string;
    custom: boolean;
    dependencies: string[];
    aliases: string[];
    replaceOnChanges: string[];
  }[] = [];
  const aliasesByUrn = new Map<string, string[]>();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const parent: string = req.getParent();
    const type: string = req.getType();
    const name: string = req.getName();
    const urn: string = monitor.newUrn(parent, type, name);
    const aliases = aliasUrns(req, { parent, type, name, parentAliases: aliasesByUrn.get(parent) ?? [] }, monitor.newUrn.bind(monitor));
    aliasesByUrn.set(urn, aliases);
    requests.push({ urn, type, name, parent, custom: req.getCustom(), dependencies: req.getDependenciesList(), aliases, replaceOnChanges: req.getReplaceonchangesList() });
    return register(req, callback);
  };

  let outputs: Record<string, unknown>;
  const warnings: string[] = [];
  const log = pulumi.log as { warn: typeof pulumi.log.warn };
  const warn = log.warn;
  log.warn = (message: string) => {
    warnings.push(message);
    return Promise.resolve();
  };
  const lean = leanSdkDiagnostics();
  try {
    outputs = await untilSettledOrStalled(async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const program = require(programPath) as Record<string, unknown>;
      const resolved: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(program)) resolved[key] = await resolveDeep(value);
      await pulumi.runtime.disconnect();
      return resolved;
    }, () => `${requests.length} ${requests.length === 1 ? "resource was" : "resources were"} declared`);
  } finally {
    lean.restore();
    log.warn = warn;
  }

  const nameOf = (urn: string) => urn.split("::").pop() ?? urn;
  const resources = requests.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    ...(r.parent ? { parent: nameOf(r.parent) } : {}),
    custom: r.custom,
    inputs: r.custom ? withoutInternals(declared.get(`${r.type}::${r.name}`) ?? {}) : {},
    dependsOn: [...new Set(r.dependencies.map(nameOf))].sort(),
    aliases: [...new Set(r.aliases)].sort(),
    replaceOnChanges: [...r.replaceOnChanges].sort(),
  }));
  return { resources, outputs, warnings };
}

/**
 * Run `work`; if Node runs out of things to do while it is still pending (a promise nothing will
 * ever settle: a dependency cycle between resources, or an awaited value that never comes), fail
 * with a message instead of letting the process exit quietly with no plan. This stands in for the
 * SDK's leak report, which the plan switches off (lean-sdk.ts).
 */
export async function untilSettledOrStalled<T>(work: () => Promise<T>, progress: () => string): Promise<T> {
  let stalled: ((err: Error) => void) | undefined;
  const onStall = () =>
    stalled?.(
      new Error(
        `the program never finished: ${progress()}, then it waited for a value nothing will produce (a dependency cycle between resources, or a promise that never settles)`,
      ),
    );
  process.once("beforeExit", onStall);
  try {
    return await Promise.race([work(), new Promise<never>((_, reject) => (stalled = reject))]);
  } finally {
    process.removeListener("beforeExit", onStall);
  }
}

/**
 * The URNs a resource was known by, as the engine computes them from the SDK's alias specs: each
 * spec fills what it leaves out from the resource itself (name, type, parent), and a child of an
 * aliased parent is also known under each of the parent's old URNs, with its own name or the
 * names its specs give.
 */
function aliasUrns(
  req: any,
  self: { parent: string; type: string; name: string; parentAliases: readonly string[] },
  newUrn: (parent: string, type: string, name: string) => string,
): string[] {
  const urns: string[] = [];
  const identities: { type: string; name: string }[] = [{ type: self.type, name: self.name }];
  for (const alias of req.getAliasesList() as any[]) {
    if (!alias.hasSpec()) {
      urns.push(alias.getUrn());
      continue;
    }
    const spec = alias.getSpec();
    const type: string = spec.getType() || self.type;
    const name: string = spec.getName() || self.name;
    const parent: string = spec.getNoparent() ? "" : spec.getParenturn() || self.parent;
    // `urn:pulumi:<stack>::<project>::<types>::<name>`; a spec may name another stack or project.
    const [head, project, ...rest] = newUrn(parent, type, name).split("::");
    const stack = head.slice("urn:pulumi:".length);
    const urn = [`urn:pulumi:${spec.getStack() || stack}`, spec.getProject() || project, ...rest].join("::");
    urns.push(urn);
    identities.push({ type, name });
  }
  for (const parentAlias of self.parentAliases) for (const id of identities) urns.push(newUrn(parentAlias, id.type, id.name));
  for (const urn of req.getAliasurnsList?.() ?? []) urns.push(urn);
  return urns;
}

/** Drop the SDK's bookkeeping keys (`__defaults`), which are not the user's inputs. */
function withoutInternals(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).filter(([key]) => !key.startsWith("__")).map(([key, value]) => [key, withSecretsHidden(value)]));
}

/** How the plan shows a secret input (the export token, the webhook URL): never its value. */
export const SECRET_SHOWN_AS = "[secret]";

/** The key and value the SDK marks a secret with when it serializes an input. */
const SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

/** `value` with every secret in it replaced by `[secret]`. */
function withSecretsHidden(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSecretsHidden);
  if (value === null || typeof value !== "object") return value;
  if ((value as Record<string, unknown>)[SECRET_SIGNATURE_KEY] === SECRET_SIGNATURE) return SECRET_SHOWN_AS;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withSecretsHidden(v)]));
}

/**
 * The stand-in the plan gives the program for a webhook URL the stack file holds encrypted
 * (`secure:`): only `pulumi` can decrypt it. The program passes it on as a secret, so the plan
 * shows `[secret]`; `.invalid` (RFC 2606) names no host, should it ever be used.
 */
export const ENCRYPTED_WEBHOOK_STAND_IN = "https://encrypted-webhook-url.invalid/";

function withWebhookStandIn(receiver: unknown): unknown {
  if (receiver === null || typeof receiver !== "object" || Array.isArray(receiver)) return receiver;
  const block = receiver as Record<string, unknown>;
  return isEncryptedValue(block.alertWebhookUrl) ? { ...block, alertWebhookUrl: ENCRYPTED_WEBHOOK_STAND_IN } : block;
}

/** Resolve Outputs nested in plain objects (the program's exports). */
async function resolveDeep(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const resolved = await new Promise<unknown>((resolve) => (value as pulumi.Output<unknown>).apply((v) => resolve(v)));
    return resolveDeep(resolved);
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
  if (value !== null && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolveDeep(v);
    return out;
  }
  return value;
}
