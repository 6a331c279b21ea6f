/**
 * A recording Pulumi mock engine for component tests: no CLI, no plugins, no cloud.
 *
 * - Every `newResource` is logged with its inputs, in the order the SDK registers it, and when
 *   its mock returned, so a test can prove "B was registered only after A was created".
 * - `lateTypes` makes chosen resource types complete late (a slow CloudFront distribution, a
 *   slow certificate validation), `lateNames` chosen resources only (one host record, not every
 *   record of the zone), which is how ordering is proven under mocks: the SDK registers a
 *   resource only once every `dependsOn` and every input Output it uses has resolved, so a TXT
 *   record that truly waits is registered after the late resource completes; one that does not
 *   wait is registered before.
 * - `captureOptions` is a `transformations` entry that records each child's `dependsOn`, which the
 *   mock engine itself never sees.
 * - `logs` receives what the code under test logs with `pulumi.log` (warnings on a component, for
 *   instance), with the URN of the resource it was logged on, as the real engine would. Without an
 *   engine the SDK prints each message with `console.warn`, which filled a passing test run with
 *   code frames; here a test asserts on the messages instead.
 *
 * Usage: `const engine = await installMocks(); const { AwsMtaSts } = await import("../components");`
 * (setMocks must run before the code under test is imported).
 */
import * as pulumi from "@pulumi/pulumi";

export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly provider?: string;
  /** Position in the order of registration (0-based). */
  readonly registeredAt: number;
  /** Position in the order of completion, set when the mock returned. */
  completedAt?: number;
}

/** One message logged through `pulumi.log` (debug messages are not kept). */
export interface EngineLog {
  readonly severity: "info" | "warning" | "error";
  readonly message: string;
  /** URN of the resource it was logged on; "" for none. */
  readonly urn: string;
}

export interface MockEngine {
  readonly resources: RegisteredResource[];
  /** Messages logged with `pulumi.log.info|warn|error`, in order. */
  readonly logs: EngineLog[];
  readonly calls: { token: string; inputs: Record<string, any> }[];
  /** `dependsOn` names per child resource name, filled by `captureOptions`. */
  readonly dependsOn: Map<string, string[]>;
  /** Parent name per child resource name, filled by `captureOptions`. */
  readonly parents: Map<string, string | undefined>;
  /** Provider name per child resource name, filled by `captureOptions`. */
  readonly providers: Map<string, string | undefined>;
  /**
   * Registrations and completions on one timeline, in the order they happened, so a test can say
   * "B was registered after A completed" (`registeredAt` and `completedAt` are separate counters).
   */
  readonly events: { kind: "registered" | "completed"; name: string }[];
  captureOptions: pulumi.ResourceTransformation;
  byName(name: string): RegisteredResource;
  byType(type: string): RegisteredResource[];
  /** Forget everything recorded so far (between tests). */
  reset(): void;
}

export interface MockOptions {
  /** Resource types whose creation completes after this many milliseconds. */
  lateTypes?: Record<string, number>;
  /** Resources (by name) whose creation completes after this many milliseconds: one of a type. */
  lateNames?: Record<string, number>;
  /** Extra output properties per resource type, merged over the inputs. */
  outputs?: (type: string, name: string, inputs: Record<string, any>) => Record<string, any>;
  /** Results for invokes (data sources) by token. */
  invokes?: Record<string, (inputs: Record<string, any>) => Record<string, any>>;
  preview?: boolean;
}

/** Default computed outputs, shaped like the providers' real ones. */
function defaultOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case "aws:s3/bucket:Bucket":
      return { bucket: inputs.bucket ?? `${name}-bucket`, arn: `arn:aws:s3:::${inputs.bucket ?? name}`, bucketRegionalDomainName: `${inputs.bucket ?? name}.s3.us-east-1.amazonaws.com` };
    case "aws:s3/bucketObjectv2:BucketObjectv2":
      return { etag: `etag-${name}`, versionId: `v-${name}` };
    case "aws:acm/certificate:Certificate":
      return {
        arn: `arn:aws:acm:us-east-1:123456789012:certificate/${name}`,
        // One validation option per name, as ACM gives (subject alternative names included).
        domainValidationOptions: [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])].map((domainName: string) => ({
          domainName,
          resourceRecordName: `_x1.${domainName}.`,
          resourceRecordType: "CNAME",
          resourceRecordValue: `_x2.acm-validations.aws.`,
        })),
      };
    case "aws:acm/certificateValidation:CertificateValidation":
      return { certificateArn: inputs.certificateArn };
    case "aws:cloudfront/distribution:Distribution":
      return { arn: `arn:aws:cloudfront::123456789012:distribution/${name}`, domainName: `d${name.length}abcdef.cloudfront.net`, hostedZoneId: "Z2FDTNDATAQYW2" };
    case "aws:cloudfront/function:Function":
      return { arn: `arn:aws:cloudfront::123456789012:function/${name}`, etag: "ETVPDKIKX0DER", liveStageEtag: "ETVPDKIKX0DER", status: "DEPLOYED" };
    case "aws:cloudfront/originAccessControl:OriginAccessControl":
      return { etag: "E1" };
    case "aws:route53/record:Record":
      return { fqdn: inputs.name };
    case "cloudflare:index/pagesProject:PagesProject":
      return { subdomain: `${inputs.name}.pages.dev` };
    case "cloudflare:index/pagesDomain:PagesDomain":
      return { status: "active" };
    case "command:local:Command":
      return { stdout: "", stderr: "" };
    case "random:index/randomPassword:RandomPassword":
      // A stand-in of the requested length; the provider marks `result` secret.
      return { result: `token-of-${name}`.padEnd(inputs.length ?? 16, "x").slice(0, inputs.length ?? 16) };
    default:
      return {};
  }
}

export async function installMocks(options: MockOptions = {}): Promise<MockEngine> {
  const resources: RegisteredResource[] = [];
  const calls: { token: string; inputs: Record<string, any> }[] = [];
  const dependsOn = new Map<string, string[]>();
  const parents = new Map<string, string | undefined>();
  const providers = new Map<string, string | undefined>();
  const events: { kind: "registered" | "completed"; name: string }[] = [];
  const logs: EngineLog[] = [];
  let completed = 0;

  await pulumi.runtime.setMocks(
    {
      newResource: async (args: pulumi.runtime.MockResourceArgs): Promise<pulumi.runtime.MockResourceResult> => {
        const entry: RegisteredResource = { type: args.type, name: args.name, inputs: args.inputs, provider: args.provider, registeredAt: resources.length };
        resources.push(entry);
        events.push({ kind: "registered", name: args.name });
        const delay = options.lateNames?.[args.name] ?? options.lateTypes?.[args.type];
        if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
        entry.completedAt = completed++;
        events.push({ kind: "completed", name: args.name });
        const state = { ...args.inputs, ...defaultOutputs(args.type, args.name, args.inputs), ...(options.outputs?.(args.type, args.name, args.inputs) ?? {}) };
        return { id: `${args.name}-id`, state };
      },
      call: (args: pulumi.runtime.MockCallArgs) => {
        calls.push({ token: args.token, inputs: args.inputs });
        const handler = options.invokes?.[args.token];
        if (!handler) throw new Error(`unexpected invoke ${args.token}: the component must not look anything up here`);
        return handler(args.inputs);
      },
    },
    "mta-sts-test",
    "test",
    options.preview ?? false,
  );

  receiveLogs(logs);

  const nameOf = (r: unknown): string => (r as { __name?: string }).__name ?? "<unknown>";
  const captureOptions: pulumi.ResourceTransformation = ({ name, opts }) => {
    const deps = opts.dependsOn;
    const list = deps === undefined ? [] : Array.isArray(deps) ? deps : [deps];
    dependsOn.set(name, (list as unknown[]).map(nameOf));
    parents.set(name, opts.parent ? nameOf(opts.parent) : undefined);
    providers.set(name, opts.provider ? nameOf(opts.provider) : undefined);
    return undefined;
  };

  return {
    resources,
    logs,
    calls,
    dependsOn,
    parents,
    providers,
    events,
    captureOptions,
    byName(name) {
      const found = resources.find((r) => r.name === name);
      if (!found) throw new Error(`no resource named ${name}; declared: ${resources.map((r) => r.name).join(", ")}`);
      return found;
    },
    byType: (type) => resources.filter((r) => r.type === type),
    reset() {
      resources.length = 0;
      calls.length = 0;
      dependsOn.clear();
      parents.clear();
      providers.clear();
      events.length = 0;
      logs.length = 0;
      completed = 0;
    },
  };
}

interface LogRequest {
  getSeverity(): number;
  getMessage(): string;
  getUrn(): string;
}

/** Where the engine of the last `installMocks` records what is logged. */
let currentLogs: EngineLog[] = [];

/**
 * Give `pulumi.log` an engine that records into `logs`. The SDK's log functions ask
 * `runtime/settings.getEngine()` for the engine at each call and only fall back to the console
 * when there is none; mocks install no engine, so this one stands in for the log service alone.
 */
function receiveLogs(logs: EngineLog[]): void {
  currentLogs = logs;
  attachLogEngine();
}

/** Point the `@pulumi/pulumi` loaded in the current module registry at the recording engine. */
function attachLogEngine(): void {
  const severities = ["debug", "info", "warning", "error"] as const;
  const engine = {
    log(request: LogRequest, done: () => void): void {
      const severity = severities[request.getSeverity()] ?? "error";
      // The SDK's own debug messages (one per RPC), which `pulumi up` shows only with -v.
      if (severity !== "debug") currentLogs.push({ severity, message: request.getMessage(), urn: request.getUrn() });
      done();
    },
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { getEngine: () => unknown };
  settings.getEngine = () => engine;
}

/**
 * `jest.isolateModules`, with the recording engine attached to the fresh `@pulumi/pulumi` the
 * isolated code loads (it has its own copy of the SDK's modules, mocks aside, which live in a
 * global store).
 */
export function isolateModules(load: () => void): void {
  jest.isolateModules(() => {
    attachLogEngine();
    load();
  });
}

/** Resolve an Output's value under mocks (tests only). */
export function valueOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/**
 * Resolve once the SDK has nothing in flight: every resource declared so far (and every output
 * registration, invoke and `pulumi.log` message) has been through the mock engine. The SDK takes a keep-alive when a
 * resource is declared, before its inputs resolve, and drops it when the engine has answered, so
 * this is a positive signal where a fixed sleep is a guess. Rejects after `timeoutMs`.
 */
export async function idle(timeoutMs = 20000): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the mock engine was still busy after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([settings.waitForRPCs(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Wait until the mock engine has completed the named resource; false after the time limit. */
export async function completedWithin(engine: MockEngine, name: string, timeoutMs: number): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (engine.events.some((e) => e.kind === "completed" && e.name === name)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

/** Wait until the mock engine has completed `name`, however late; throws after the time limit. */
export async function waitForCompleted(engine: MockEngine, name: string, timeoutMs = 10000): Promise<void> {
  if (!(await completedWithin(engine, name, timeoutMs))) throw new Error(`${name} never completed; events: ${JSON.stringify(engine.events)}`);
}

/** Wait until everything declared has been through the engine, and check `name` was created. */
export async function idleAndCompleted(engine: MockEngine, name: string, timeoutMs = 8000): Promise<void> {
  // Everything declared so far has been through the engine: `name` was created by now or never is.
  await idle(timeoutMs);
  if (!engine.events.some((e) => e.kind === "completed" && e.name === name)) {
    throw new Error(`${name} never completed; declared: ${engine.resources.map((r) => r.name).join(", ")}`);
  }
}

/** Wait until every resource registered so far has been processed by the mock engine. */
export async function settle(ms = 50): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
