/**
 * Rule 4: publish before announce (docs/invariants.md).
 *
 * A sender that sees a new id in `_mta-sts.<domain>` fetches the policy at once and caches what it
 * gets for `max_age`. If the record changes before the new bytes are served, the sender caches the
 * old policy under the new id, or finds nothing and keeps a stale one. So every `_mta-sts` TXT
 * record must wait for the resources that serve the policy of its domain:
 * - AWS: the CloudFront distribution with alias `mta-sts.<domain>`, and the S3 object at
 *   `.well-known/mta-sts.txt` in the bucket that distribution reads from, or the object at
 *   `mta-sts.<domain>/.well-known/mta-sts.txt` (a bucket shared by many hosts);
 * - Cloudflare Worker: the custom domain `mta-sts.<domain>` and the Worker script it names;
 * - Cloudflare Pages: the Pages domain `mta-sts.<domain>` and the command that deploys its project.
 *
 * "Waits for" follows the engine's dependency edges transitively (what `dependsOn` and inputs
 * taken from outputs record), and a dependency on a component reaches every resource under it,
 * as Pulumi's SDK expands it. A parent's own `dependsOn` does not count: Pulumi does not make
 * children wait for their parent's dependencies (children inherit providers and `protect` from a
 * parent, not `dependsOn`), so counting it would pass a stack whose record can change first.
 *
 * What serves the policy may live outside the stack (another stack, a hosted MTA-STS service);
 * then the order cannot be checked here, and `checkPolicyHostInStack` says so (advisory).
 */
import { BUCKET_TYPES, bucketSources, policyObjectHost } from "./policy-file";
import { DISTRIBUTION, mtaStsAliases } from "./cloudfront";
import { describe, isUnknown, normaliseHost, outcome, Outcome, RuleResource } from "./resource";
import { MailTxtRecord, readMailTxtRecord } from "./txt-records";

const WORKER_DOMAIN_TYPES = ["cloudflare:index/workersCustomDomain:WorkersCustomDomain", "cloudflare:index/workerDomain:WorkerDomain"];
const WORKER_SCRIPT_TYPES = ["cloudflare:index/workersScript:WorkersScript", "cloudflare:index/workerScript:WorkerScript"];
const PAGES_DOMAIN = "cloudflare:index/pagesDomain:PagesDomain";
const PAGES_PROJECT = "cloudflare:index/pagesProject:PagesProject";
const COMMAND = "command:local:Command";

/** What serves `https://mta-sts.<domain>/.well-known/mta-sts.txt` in this stack. */
export interface PolicyHost {
  /** Resources the `_mta-sts` record must wait for. Empty: nothing in the stack serves it. */
  readonly required: RuleResource[];
  /** Parts of the serving path that are not in the stack (for the advisory rule). */
  readonly missing: string[];
  /** Host resources whose host name is not known yet, so they could not be matched. */
  readonly unmatched: RuleResource[];
}

/** Find the resources that serve the policy of `domain`. */
export function policyHost(domain: string, resources: readonly RuleResource[]): PolicyHost {
  const host = `mta-sts.${domain}`;
  const required: RuleResource[] = [];
  const missing: string[] = [];
  const unmatched: RuleResource[] = [];

  // AWS: the distribution with the alias, then the policy object in the bucket it reads.
  for (const distribution of resources.filter((r) => r.type === DISTRIBUTION)) {
    const aliases = mtaStsAliases(distribution);
    if (aliases === undefined) {
      if (isUnknown(distribution.props.aliases)) unmatched.push(distribution);
      continue;
    }
    if (!aliases.includes(host)) continue;
    required.push(distribution);
    const objects = resources.filter((o) => {
      const objectHost = policyObjectHost(o);
      return objectHost === host || (objectHost === null && servesFromSameBucket(distribution, o));
    });
    if (objects.length === 0) missing.push(`the S3 object at .well-known/mta-sts.txt that ${describe(distribution)} serves (not declared in this stack, or not in a bucket the distribution reads from)`);
    required.push(...objects);
  }

  // Cloudflare Worker: the custom domain and the script it routes to.
  for (const binding of resources.filter((r) => WORKER_DOMAIN_TYPES.includes(r.type))) {
    const hostname = binding.props.hostname;
    if (isUnknown(hostname)) unmatched.push(binding);
    if (typeof hostname !== "string" || normaliseHost(hostname) !== host) continue;
    required.push(binding);
    const service = binding.props.service;
    const scripts = resources.filter(
      (s) => WORKER_SCRIPT_TYPES.includes(s.type) && ((typeof service === "string" && (s.props.scriptName ?? s.props.name) === service) || (binding.dependencies ?? []).includes(s)),
    );
    if (scripts.length === 0) missing.push(`the Worker script "${String(service)}" that ${describe(binding)} routes to`);
    required.push(...scripts);
  }

  // Cloudflare Pages: the Pages domain and the command that deploys the bytes to its project.
  for (const pagesDomain of resources.filter((r) => r.type === PAGES_DOMAIN)) {
    const name = pagesDomain.props.name ?? pagesDomain.props.domain;
    if (isUnknown(name)) unmatched.push(pagesDomain);
    if (typeof name !== "string" || normaliseHost(name) !== host) continue;
    required.push(pagesDomain);
    const projectName = pagesDomain.props.projectName;
    const projects = resources.filter((p) => p.type === PAGES_PROJECT && ((typeof projectName === "string" && p.props.name === projectName) || (pagesDomain.dependencies ?? []).includes(p)));
    const deploys = resources.filter((c) => c.type === COMMAND && (c.dependencies ?? []).some((d) => projects.includes(d)));
    if (deploys.length === 0) missing.push(`the deployment of the Pages project "${String(projectName)}" (a command that uploads the files, e.g. \`wrangler pages deploy\`)`);
    required.push(...deploys);
  }
  return { required, missing, unmatched };
}

/** The object is in a bucket the distribution reads from (same bucket resource, or its literal name in an origin). */
function servesFromSameBucket(distribution: RuleResource, object: RuleResource): boolean {
  const objectBuckets = bucketSources(object);
  const fromOrigins = distribution.propertyDependencies?.origins?.filter((r) => BUCKET_TYPES.includes(r.type));
  const distributionBuckets = fromOrigins && fromOrigins.length > 0 ? fromOrigins : (distribution.dependencies ?? []).filter((r) => BUCKET_TYPES.includes(r.type));
  if (objectBuckets.some((b) => distributionBuckets.includes(b))) return true;
  const bucket = object.props.bucket;
  const origins = distribution.props.origins;
  return typeof bucket === "string" && Array.isArray(origins) && origins.some((o: any) => typeof o?.domainName === "string" && o.domainName.startsWith(`${bucket}.s3.`));
}

/**
 * Everything `resource` waits for: its dependencies, theirs, and so on; a component reached this
 * way brings every resource under it (Pulumi waits for a component's children).
 */
export function waitsFor(resource: RuleResource, resources: readonly RuleResource[]): Set<RuleResource> {
  const children = new Map<RuleResource, RuleResource[]>();
  for (const r of resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  const seen = new Set<RuleResource>();
  const todo = [...(resource.dependencies ?? [])];
  while (todo.length > 0) {
    const next = todo.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    todo.push(...(next.dependencies ?? []), ...(children.get(next) ?? []));
  }
  return seen;
}

function stsRecords(resources: readonly RuleResource[]): MailTxtRecord[] {
  return resources.map(readMailTxtRecord).filter((r): r is MailTxtRecord => r !== undefined && r.kind === "sts");
}

/** Rule 4: every `_mta-sts` record waits for what serves its domain's policy. */
export function checkPublishBeforeAnnounce(resources: readonly RuleResource[]): Outcome {
  const result = outcome();
  for (const record of stsRecords(resources)) {
    if (record.domain === undefined) continue; // relative name: reported by checkPolicyHostInStack
    const { required, unmatched } = policyHost(record.domain, resources);
    const txt = record.resource;
    if (required.length === 0) {
      if (unmatched.length > 0) {
        result.undecidable.push({ urn: txt.urn, reason: `${record.name}: the host names of ${unmatched.map(describe).join(", ")} are not known yet, so what serves mta-sts.${record.domain} cannot be found; it is checked at \`pulumi up\`` });
      }
      continue;
    }
    const reached = waitsFor(txt, resources);
    const notAwaited = required.filter((r) => !reached.has(r));
    if (notAwaited.length === 0) continue;
    result.violations.push({
      urn: txt.urn,
      message:
        `${record.name} TXT ${describe(txt)} does not wait for ${notAwaited.map(describe).join(", ")}, which serve https://mta-sts.${record.domain}/.well-known/mta-sts.txt. ` +
        `Pulumi may then change the id before the new policy is live, and senders cache the old policy under the new id. ` +
        `Add them to the record's dependsOn (or take the record's value from their outputs), or use AwsMtaSts / CloudflareMtaSts, which do this.`,
    });
  }
  return result;
}

/**
 * Advisory companion of rule 4: an `_mta-sts` record whose policy host is not (entirely) in this
 * stack, so the order cannot be checked here.
 */
export function checkPolicyHostInStack(resources: readonly RuleResource[]): Outcome {
  const result = outcome();
  for (const record of stsRecords(resources)) {
    const txt = record.resource;
    if (record.domain === undefined) {
      result.violations.push({ urn: txt.urn, message: `${record.name} TXT ${describe(txt)}: the name is relative to its zone, so this pack cannot tell which domain's policy host it must wait for. Write the full name, e.g. "_mta-sts.example.com".` });
      continue;
    }
    const { required, missing, unmatched } = policyHost(record.domain, resources);
    if (required.length === 0 && unmatched.length === 0) {
      result.violations.push({
        urn: txt.urn,
        message: `${record.name} TXT ${describe(txt)}: nothing in this stack serves https://mta-sts.${record.domain}/.well-known/mta-sts.txt, so whether the policy is published before this record changes cannot be checked here. If another stack or service serves it, deploy that first on every policy change; otherwise declare the host in this stack (AwsMtaSts / CloudflareMtaSts).`,
      });
    } else if (missing.length > 0) {
      result.violations.push({ urn: txt.urn, message: `${record.name} TXT ${describe(txt)}: part of what serves the policy is not in this stack, so the order cannot be checked for it: ${missing.join("; ")}.` });
    }
  }
  return result;
}
