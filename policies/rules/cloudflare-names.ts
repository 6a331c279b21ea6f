/**
 * Rule 6: one name, one Worker script (or one Pages project) per Cloudflare account.
 *
 * A Worker script and a Pages project are named by the account, not by the stack: two resources
 * with one name in one account are one script or project, and each `pulumi up` uploads the
 * other's content over it. With MTA-STS that means one domain serves another domain's policy,
 * and in `enforce` senders refuse its MX hosts: its mail bounces. Names written by hand, or
 * derived from domains by replacing dots with hyphens (`shop.acme-example.org` and
 * `shop-acme.example.org`), collide this way; CloudflareMtaSts's default names cannot.
 *
 * Workers and Pages projects have names of their own kind each: a script and a project may share
 * a name. A name or account that is unknown at preview cannot be compared, and is judged at
 * `pulumi up`.
 */
import { describe, isUnknown, outcome, Outcome, RuleResource } from "./resource";

/** The resource types that hold an account-wide name, and the property that holds it. */
const NAMED_KINDS: readonly { type: string; kind: string; nameProp: string }[] = [
  { type: "cloudflare:index/workersScript:WorkersScript", kind: "Worker script", nameProp: "scriptName" },
  { type: "cloudflare:index/workerScript:WorkerScript", kind: "Worker script", nameProp: "name" },
  { type: "cloudflare:index/pagesProject:PagesProject", kind: "Pages project", nameProp: "name" },
];

export function checkCloudflareNamesUnique(resources: readonly RuleResource[]): Outcome {
  const result = outcome();
  const owners = new Map<string, RuleResource[]>();
  for (const resource of resources) {
    const named = NAMED_KINDS.find((k) => k.type === resource.type);
    if (!named) continue;
    const name = resource.props[named.nameProp];
    const account = resource.props.accountId;
    if (isUnknown(name) || isUnknown(account)) {
      result.undecidable.push({
        reason: `${describe(resource)}: its ${named.kind} name or account is not known until the resources it is computed from exist, so it cannot be compared with the others; it is checked at \`pulumi up\``,
        urn: resource.urn,
      });
      continue;
    }
    if (typeof name !== "string") continue;
    const key = `${named.kind}\u0000${typeof account === "string" ? account : ""}\u0000${name}`;
    owners.set(key, [...(owners.get(key) ?? []), resource]);
  }
  for (const [key, list] of owners) {
    if (list.length < 2) continue;
    const [kind, account, name] = key.split("\u0000");
    const [first, ...others] = list;
    for (const other of others) {
      result.violations.push({
        message:
          `${describe(other)} and ${describe(first)} are both the ${kind} "${name}"${account ? ` in account ${account}` : ""}: one ${kind} name in one account is one ${kind}, so each deployment uploads the other's content over it, ` +
          `and a domain served by it gets the other domain's MTA-STS policy (in enforce mode its mail bounces). Give each its own name (CloudflareMtaSts: leave siteName out, or make it unique).`,
        urn: other.urn,
      });
    }
  }
  return result;
}
