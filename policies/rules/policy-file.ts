/**
 * Rule 2: the policy file in S3. A sender fetches `https://mta-sts.<domain>/.well-known/mta-sts.txt`
 * and needs a `text/plain` body that parses (RFC 8461 §3.3: "the media type ... MUST be text/plain");
 * anything else and it treats the domain as having no policy. The bucket behind it must stay
 * private: only the CDN reads it (docs/invariants.md: secure by default), so nobody can serve or
 * list other bytes.
 */
import { analysePolicy } from "../../components/model/policy";
import { describe, isUnknown, normaliseHost, outcome, Outcome, RuleResource, Unknown, UNKNOWN } from "./resource";

export const POLICY_KEY = ".well-known/mta-sts.txt";
export const BUCKET_OBJECT_TYPES = ["aws:s3/bucketObjectv2:BucketObjectv2", "aws:s3/bucketObject:BucketObject"];
export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const BUCKET_ACL_TYPES = ["aws:s3/bucketAclV2:BucketAclV2", "aws:s3/bucketAcl:BucketAcl"];
const PUBLIC_CANNED_ACLS = ["public-read", "public-read-write", "authenticated-read"];
const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

/**
 * Where an S3 object serves the policy: `null` for the key `.well-known/mta-sts.txt` (a bucket per
 * host; the distribution that reads the bucket says for which host), the host for
 * `mta-sts.<domain>/.well-known/mta-sts.txt` (one bucket for many hosts, routed by `Host`, as
 * AwsSharedMtaStsHost does), undefined for any other object or a key not known yet.
 */
export function policyObjectHost(resource: RuleResource): string | null | undefined {
  if (!BUCKET_OBJECT_TYPES.includes(resource.type)) return undefined;
  const key = resource.props.key;
  if (typeof key !== "string") return undefined;
  const path = key.replace(/^\/+/, "");
  if (path === POLICY_KEY) return null;
  const match = /^(mta-sts\.[^/]+)\/\.well-known\/mta-sts\.txt$/i.exec(path);
  return match ? normaliseHost(match[1]) : undefined;
}

/** True when the resource is an S3 object at a policy path (its key is known). */
export function isPolicyObject(resource: RuleResource): boolean {
  return policyObjectHost(resource) !== undefined;
}

/**
 * The policy bytes an object uploads: `content`, or `contentBase64` decoded, or a `source`
 * StringAsset's text. `UNKNOWN` when not known yet; undefined when the bytes come from a file or
 * archive the pack cannot read.
 */
export function objectPolicyText(resource: RuleResource): string | Unknown | undefined {
  const { content, contentBase64, source } = resource.props;
  if (isUnknown(content) || isUnknown(contentBase64) || isUnknown(source)) return UNKNOWN;
  if (typeof content === "string") return content;
  if (typeof contentBase64 === "string") return Buffer.from(contentBase64, "base64").toString("utf8");
  if (source && typeof source === "object" && typeof source.text === "string") return source.text;
  return undefined;
}

/** Rule 2, per resource: the object parses as a policy, is `text/plain`, and has no public ACL. */
export function checkPolicyObject(resource: RuleResource): Outcome {
  const result = outcome();
  if (!isPolicyObject(resource)) return result;
  const where = `${describe(resource)} at ${String(resource.props.key)}`;
  const text = objectPolicyText(resource);
  if (isUnknown(text)) {
    result.undecidable.push({ reason: `${where}: the policy bytes are not known until the resources they are computed from exist; they are checked at \`pulumi up\`` });
  } else if (text === undefined) {
    result.violations.push({
      message: `${where}: the policy bytes come from a file or archive (\`source\`) that this pack cannot read, so nobody checks them before senders do. Put the policy text in \`content\` (e.g. from renderPolicy()).`,
    });
  } else {
    const errors = analysePolicy(text).findings.filter((f) => f.severity === "error");
    if (errors.length > 0) {
      const list = errors.map((f) => (f.line ? `line ${f.line}: ${f.message}` : f.message)).join("; ");
      result.violations.push({ message: `${where}: senders cannot parse this policy and act as if the domain had none (RFC 8461 §3.2): ${list}. Render it with renderPolicy() or fix those lines.` });
    }
  }
  const contentType = resource.props.contentType;
  if (isUnknown(contentType)) {
    result.undecidable.push({ reason: `${where}: contentType is not known yet; it is checked at \`pulumi up\`` });
  } else if (typeof contentType !== "string" || contentType.split(";")[0].trim().toLowerCase() !== "text/plain") {
    const now = typeof contentType === "string" ? `is "${contentType}"` : "is not set (S3 then serves binary/octet-stream)";
    result.violations.push({ message: `${where}: contentType ${now}; senders require text/plain (RFC 8461 §3.3). Set contentType: "text/plain".` });
  }
  const acl = resource.props.acl;
  if (isUnknown(acl)) {
    result.undecidable.push({ reason: `${where}: acl is not known yet; it is checked at \`pulumi up\`` });
  } else if (typeof acl === "string" && PUBLIC_CANNED_ACLS.includes(acl)) {
    result.violations.push({ message: `${where}: acl "${acl}" makes the policy object public; only the CDN may read it. Remove \`acl\` (the bucket owner keeps control) and serve the file through CloudFront with Origin Access Control.` });
  }
  return result;
}

/**
 * The bucket resources a resource's `bucket` input comes from: its `propertyDependencies.bucket`
 * when the engine gives them, else its dependencies of a bucket type.
 */
export function bucketSources(resource: RuleResource): RuleResource[] {
  const fromProperty = resource.propertyDependencies?.bucket?.filter((r) => BUCKET_TYPES.includes(r.type));
  if (fromProperty && fromProperty.length > 0) return fromProperty;
  return (resource.dependencies ?? []).filter((r) => BUCKET_TYPES.includes(r.type));
}

/**
 * Whether `other` (a public access block, bucket policy or ACL) applies to the same bucket as
 * `object`: both take their `bucket` from the same bucket resource, or both name it literally.
 */
export function sameBucket(object: RuleResource, other: RuleResource): boolean {
  const sources = bucketSources(object);
  if (bucketSources(other).some((b) => sources.includes(b))) return true;
  const name = object.props.bucket;
  const otherName = other.props.bucket;
  if (typeof otherName !== "string") return false;
  if (typeof name === "string" && name === otherName) return true;
  return sources.some((b) => typeof b.props.bucket === "string" && b.props.bucket === otherName);
}

/**
 * Rule 2, across the stack: the bucket of every policy object has a public access block with all
 * four settings on. With those on, S3 refuses public ACLs and public bucket policies and ignores
 * existing ones, so the bucket cannot be public whatever else is declared; the bucket policy itself
 * is usually unknown at preview (it names ARNs), so it cannot be read there. A bucket made private
 * only by an account-level block is not visible to the pack and is reported: declare the block next
 * to the bucket, or set this rule to advisory for such stacks.
 */
export function checkPolicyBucketPrivate(resources: readonly RuleResource[]): Outcome {
  const result = outcome();
  for (const object of resources.filter(isPolicyObject)) {
    const blocks = resources.filter((r) => r.type === PUBLIC_ACCESS_BLOCK && sameBucket(object, r));
    const where = `${describe(object)} at ${String(object.props.key)}`;
    const fix = "declare an aws.s3.BucketPublicAccessBlock for that bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true";
    if (blocks.length === 0) {
      if (isUnknown(object.props.bucket) && bucketSources(object).length === 0) {
        result.undecidable.push({ urn: object.urn, reason: `${where}: its bucket is not known yet, so its public access block cannot be found; it is checked at \`pulumi up\`` });
        continue;
      }
      const grants = publicGrants(object, resources);
      const seen = grants.length > 0 ? ` It is public now: ${grants.join("; ")}.` : "";
      result.violations.push({ urn: object.urn, message: `${where}: nothing in this stack blocks public access to its bucket, so the bucket can be made public.${seen} To fix, ${fix}.` });
      continue;
    }
    const flags = blocks.map((block) => PAB_FLAGS.map((flag) => ({ flag, value: block.props[flag] })));
    if (flags.some((set) => set.every(({ value }) => value === true))) continue;
    if (flags.some((set) => set.some(({ value }) => isUnknown(value)))) {
      result.undecidable.push({ urn: object.urn, reason: `${where}: a public access block setting is not known yet; it is checked at \`pulumi up\`` });
      continue;
    }
    const off = [...new Set(flags.flatMap((set) => set.filter(({ value }) => value !== true).map(({ flag }) => flag)))];
    const grants = publicGrants(object, resources);
    const seen = grants.length > 0 ? ` It is public now: ${grants.join("; ")}.` : "";
    result.violations.push({ urn: object.urn, message: `${where}: the bucket's public access block leaves ${off.join(", ")} off, so the bucket can be made public.${seen} Set all four to true.` });
  }
  return result;
}

/** Public grants visible in the stack for an object's bucket (for the message only). */
function publicGrants(object: RuleResource, resources: readonly RuleResource[]): string[] {
  const found: string[] = [];
  for (const bucket of bucketSources(object)) {
    if (typeof bucket.props.acl === "string" && PUBLIC_CANNED_ACLS.includes(bucket.props.acl)) found.push(`${describe(bucket)} has acl "${bucket.props.acl}"`);
  }
  for (const r of resources) {
    if (!sameBucket(object, r)) continue;
    if (BUCKET_ACL_TYPES.includes(r.type)) {
      const acl = r.props.acl;
      if (typeof acl === "string" && PUBLIC_CANNED_ACLS.includes(acl)) found.push(`${describe(r)} sets acl "${acl}"`);
      const grants = r.props.accessControlPolicy?.grants;
      if (Array.isArray(grants) && grants.some((g: any) => typeof g?.grantee?.uri === "string" && /AllUsers|AuthenticatedUsers/.test(g.grantee.uri))) {
        found.push(`${describe(r)} grants access to all users`);
      }
    }
    if (r.type === BUCKET_POLICY && allowsEveryone(r.props.policy)) found.push(`${describe(r)} allows any principal without a condition`);
  }
  return found;
}

/** An IAM policy document with an Allow statement for `*` and no condition. */
function allowsEveryone(policy: unknown): boolean {
  let doc: any = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy);
    } catch {
      return false;
    }
  }
  const statements = Array.isArray(doc?.Statement) ? doc.Statement : doc?.Statement ? [doc.Statement] : [];
  return statements.some((s: any) => s?.Effect === "Allow" && (s.Principal === "*" || s.Principal?.AWS === "*") && !s.Condition);
}
