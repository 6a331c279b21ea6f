/**
 * The private S3 bucket that holds policy files, and what goes into it.
 *
 * - The bucket is private by construction: objects owned by the bucket owner (no ACLs), every
 *   kind of public access blocked. Only CloudFront reads it, through the Origin Access Control
 *   and the bucket policy (bucket-policy.ts).
 * - A policy object is `text/plain` (RFC 8461 §3.2) with `Cache-Control: no-store`: with a
 *   cache policy that caches nothing, no cache between S3 and senders keeps old bytes once the
 *   `_mta-sts` id has changed (publish before announce).
 *
 * Children: `${name}-bucket`, `${name}-bucket-ownership`, `${name}-bucket-public-access`,
 * `${name}-bucket-policy`, and `${prefix}-policy` per object.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface PrivateBucket {
  readonly bucket: aws.s3.Bucket;
  readonly ownership: aws.s3.BucketOwnershipControls;
  readonly publicAccess: aws.s3.BucketPublicAccessBlock;
}

/** The bucket, owner-enforced, with all public access blocked. */
export function privateBucket(name: string, parent: pulumi.Resource): PrivateBucket {
  const child = { parent };
  const bucket = new aws.s3.Bucket(`${name}-bucket`, {}, child);
  const ownership = new aws.s3.BucketOwnershipControls(`${name}-bucket-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-bucket-public-access`,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    child,
  );
  return { bucket, ownership, publicAccess };
}

/**
 * One policy file (`${prefix}-policy`) at `key`, written once the bucket's ownership and public
 * access settings are in place. `content` is the exact bytes to serve.
 */
export function policyObject(prefix: string, bucket: PrivateBucket, key: string, content: pulumi.Input<string>, parent: pulumi.Resource): aws.s3.BucketObjectv2 {
  return new aws.s3.BucketObjectv2(
    `${prefix}-policy`,
    { bucket: bucket.bucket.id, key, content, contentType: "text/plain", cacheControl: "no-store" },
    { parent, dependsOn: [bucket.ownership, bucket.publicAccess] },
  );
}

/**
 * The bucket's resource policy (`${name}-bucket-policy`), once public access is blocked (so that
 * S3 judges the document against the block). `document` is built from the bucket's and the
 * distributions' ARNs (bucket-policy.ts).
 */
export function bucketPolicy(name: string, bucket: PrivateBucket, document: pulumi.Input<string>, parent: pulumi.Resource): aws.s3.BucketPolicy {
  return new aws.s3.BucketPolicy(`${name}-bucket-policy`, { bucket: bucket.bucket.id, policy: document }, { parent, dependsOn: [bucket.publicAccess] });
}
