/**
 * The stack file `mta-sts init` writes: a Pulumi stack file (`config:` with `mta-sts:domains`,
 * and `mta-sts:defaults` / `mta-sts:sharedAwsHost` where needed) holding one entry per onboarded
 * domain, each value with a comment saying where it came from (the yaml package's Document API
 * keeps comments on nodes).
 *
 * The file never looks complete when it is not: the domains whose DNS did not answer are listed
 * in a comment at the top, under "INCOMPLETE", with the reason, and so are the domains left out
 * because they receive no mail.
 *
 * Comments quote what DNS said (host names, reasons), so each is made one line of visible
 * characters (terminal-text.ts): a value can never end the comment and start YAML of its own.
 *
 * Pure: text out, no I/O.
 */
import { Document, isMap, isScalar, isSeq, Node, Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";
import type { OnboardedDomain, Onboarding, SkippedDomain } from "../model/onboarding";
import { escapeForTerminal } from "../terminal-text";
import type { HostKind } from "./stack-config";

/** The project name of Pulumi.yaml, the namespace of the config keys. */
const NAMESPACE = "mta-sts";

export interface InitStackFileOptions {
  /** What serves every domain's policy (`--host`). */
  readonly host: HostKind;
  /** Where the records go (`--dns`). */
  readonly dns: "route53" | "cloudflare";
  /** `--cloudflare-account-id`, for the Cloudflare hosts. */
  readonly cloudflareAccountId?: string;
  /** Zone id per domain (`--cloudflare-zones`), when the records go to Cloudflare. */
  readonly cloudflareZones?: ReadonlyMap<string, string>;
  /** `mta-sts:sharedAwsHost`, and each domain's pin (assignGroups). */
  readonly sharedAwsHost?: { readonly groupSize: number; readonly groupCount: number; readonly pins: ReadonlyMap<string, number> };
  /** When and where DNS was read, for the header. */
  readonly generatedAt: Date;
  /** The resolver asked, or undefined for the system's resolvers. */
  readonly resolver?: string;
}

/** The YAML text of the stack file for `results` (in the order the domains were given). */
export function renderInitStackFile(results: readonly Onboarding[], options: InitStackFileOptions): string {
  const entries = results.filter((r): r is OnboardedDomain => r.kind === "entry");
  const failed = results.filter((r): r is SkippedDomain => r.kind === "failed");
  const leftOut = results.filter((r): r is SkippedDomain => r.kind === "left-out");

  const doc = new Document({ config: {} });
  doc.commentBefore = header(results.length, entries.length, leftOut, failed, options);
  const config = doc.get("config") as YAMLMap;

  if (options.sharedAwsHost) {
    const shared = doc.createNode({ groupSize: options.sharedAwsHost.groupSize, groupCount: options.sharedAwsHost.groupCount }) as YAMLMap;
    const pair = new Pair(doc.createNode(`${NAMESPACE}:sharedAwsHost`), shared);
    comment(pair.key as Node, "before", `every domain on one shared AWS host; groupCount leaves room for a tenth more domains, and each domain is pinned to its group (\`mta-sts groups\`)`);
    config.items.push(pair);
  }
  const defaults = defaultsOf(options);
  if (defaults.length > 0) {
    const map = new YAMLMap();
    for (const [key, value, why] of defaults) {
      const node = doc.createNode(value) as Scalar;
      comment(node, "after", why);
      map.items.push(new Pair(doc.createNode(key), node));
    }
    config.items.push(new Pair(doc.createNode(`${NAMESPACE}:defaults`), map));
  }
  const list = new YAMLSeq();
  for (const entry of entries) list.items.push(entryNode(doc, entry, options));
  config.items.push(new Pair(doc.createNode(`${NAMESPACE}:domains`), list));
  return doc.toString({ lineWidth: 0 });
}

function header(asked: number, written: number, leftOut: readonly SkippedDomain[], failed: readonly SkippedDomain[], options: InitStackFileOptions): string {
  const lines = [
    ` Written by \`mta-sts init\` from live DNS on ${options.generatedAt.toISOString()}, asking ${options.resolver ?? "the system's resolvers"}.`,
    ` ${asked} domain(s) asked: ${written} written, ${leftOut.length} left out (no mail to protect), ${failed.length} failed (their DNS did not answer).`,
    ` Every domain starts in testing unless it already publishes a policy; read its TLS-RPT reports before enforce.`,
  ];
  if (failed.length > 0) {
    lines.push(" INCOMPLETE: these domains are NOT in this file, because their DNS did not answer; run init for them again:");
    for (const f of failed) lines.push(`   ${f.domain}: ${f.reason}`);
  }
  if (leftOut.length > 0) {
    lines.push(" Left out:");
    for (const l of leftOut) lines.push(`   ${l.domain}: ${l.reason}`);
  }
  return lines.map(oneLine).join("\n");
}

/** `mta-sts:defaults` entries for what every domain shares: [key, value, why]. */
function defaultsOf(options: InitStackFileOptions): [string, string, string][] {
  const out: [string, string, string][] = [];
  if (options.host !== "aws") out.push(["host", options.host, "from --host"]);
  if (options.host === "aws" && options.dns === "cloudflare") out.push(["dns", "cloudflare", "from --dns: the records go to Cloudflare, the policy is served by AWS"]);
  if (options.host !== "aws" && options.cloudflareAccountId !== undefined) out.push(["cloudflareAccountId", options.cloudflareAccountId, "from --cloudflare-account-id"]);
  return out;
}

function entryNode(doc: Document, entry: OnboardedDomain, options: InitStackFileOptions): YAMLMap {
  const map = new YAMLMap();
  const put = (key: string, value: Node) => map.items.push(new Pair(doc.createNode(key), value));
  const scalar = (value: unknown, why?: string) => {
    const node = doc.createNode(value) as Scalar;
    if (why) comment(node, "after", why);
    return node;
  };

  put("domain", scalar(entry.domain));
  const before = [`${entry.domain}: live MX ${entry.liveMx.join(", ")}`, ...entry.alerts.map((a) => `ALERT: ${a}`), ...entry.notes.map((n) => `note: ${n}`)];
  comment(map, "before", ...before);

  const policy = new YAMLMap();
  policy.items.push(new Pair(doc.createNode("mode"), scalar(entry.mode, entry.modeSource)));
  const mx = new YAMLSeq();
  for (const m of entry.mx) mx.items.push(scalar(m.pattern, m.source));
  policy.items.push(new Pair(doc.createNode("mx"), mx));
  if (entry.maxAgeSeconds) policy.items.push(new Pair(doc.createNode("maxAgeSeconds"), scalar(entry.maxAgeSeconds.value, entry.maxAgeSeconds.source)));
  put("policy", policy);

  if (entry.rua) {
    const rua = new YAMLSeq();
    for (const uri of entry.rua.value) rua.items.push(scalar(uri, entry.rua.source));
    const tlsRpt = new YAMLMap();
    tlsRpt.items.push(new Pair(doc.createNode("rua"), rua));
    put("tlsRpt", tlsRpt);
  }
  if (entry.adoptExistingRecords) put("adoptExistingRecords", scalar(true, entry.adoptExistingRecords.source));
  const zone = options.dns === "cloudflare" || options.host !== "aws" ? options.cloudflareZones?.get(entry.domain) : undefined;
  if (zone !== undefined) put("cloudflareZoneId", scalar(zone, "from --cloudflare-zones"));
  const pin = options.sharedAwsHost?.pins.get(entry.domain);
  if (pin !== undefined) put("group", scalar(pin, "packed into the shared host's groups (assignGroups); never moves once deployed"));
  return map;
}

/**
 * Attach a comment to `node`: each of `text` on a line of its own before it, or `text` at the
 * end of its line. Line ends inside a text are made visible like any control character.
 */
function comment(node: Node | YAMLMap, where: "before" | "after", ...text: string[]): void {
  const lines = text.map(oneLine);
  if (where === "before") {
    node.commentBefore = lines.join("\n");
    return;
  }
  if (isScalar(node) || isMap(node) || isSeq(node)) node.comment = lines.join(" ");
}

/** One comment line: control characters made visible, so nothing in it can start a new line of YAML. */
function oneLine(text: string): string {
  const line = escapeForTerminal(text);
  return line.startsWith(" ") ? line : ` ${line}`;
}
