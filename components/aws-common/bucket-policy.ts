/**
 * The resource policies of the private policy buckets, as pure functions so they are tested by
 * value. Both admit one kind of reader, CloudFront acting for the component's own distributions
 * (the `AWS:SourceArn` condition; CloudFront signs with the Origin Access Control), and read
 * access to policy files only:
 *
 * - `policyBucketPolicy` (AwsMtaSts): one distribution, one object, the policy file;
 * - `sharedBucketPolicy` (AwsSharedMtaStsHost): the host's group distributions, and every object
 *   shaped like a policy file, `mta-sts.<domain>/.well-known/mta-sts.txt`. Per-object ARNs would
 *   not fit: S3 bucket policies are limited to 20 KB, a few hundred domains. Which distribution
 *   reads which object is decided by the routing function (a host only reaches its own key);
 *   every object there is a public policy file anyway, so the bucket policy only has to keep
 *   everything else out.
 *
 * No statement grants `s3:ListBucket`, so S3 answers 403 (not 404) for a key it does not hold,
 * and CloudFront passes that 403 on. Requests without TLS are refused.
 */
import { POLICY_PATH } from "../model/rendered";

/** The IAM policy document for an AwsMtaSts policy bucket, as JSON text. */
export function policyBucketPolicy(args: { bucketArn: string; objectKey: string; distributionArn: string }): string {
  return policyDocument(args.bucketArn, cloudFrontReads("AllowThisDistributionToReadThePolicyFileOnly", `${args.bucketArn}/${args.objectKey}`, args.distributionArn));
}

/** The IAM policy document for the shared bucket, as JSON text; `distributionArns` in any order. */
export function sharedBucketPolicy(args: { bucketArn: string; distributionArns: readonly string[] }): string {
  return policyDocument(args.bucketArn, cloudFrontReads("AllowTheGroupDistributionsToReadPolicyFilesOnly", `${args.bucketArn}/mta-sts.*${POLICY_PATH}`, [...args.distributionArns].sort()));
}

/** The document: the one statement that lets CloudFront read, and the refusal of plain HTTP. */
function policyDocument(bucketArn: string, reads: object): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [reads, denyRequestsWithoutTls(bucketArn)] });
}

/** CloudFront may `GetObject` `resource`, only when it acts for one of `sourceArns` (its Origin Access Control signs the request). */
function cloudFrontReads(sid: string, resource: string, sourceArns: string | readonly string[]) {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { Service: "cloudfront.amazonaws.com" },
    Action: "s3:GetObject",
    Resource: resource,
    Condition: { StringEquals: { "AWS:SourceArn": sourceArns } },
  };
}

/** The statement that refuses every request to the bucket made without TLS (both buckets have it). */
export function denyRequestsWithoutTls(bucketArn: string) {
  return {
    Sid: "DenyRequestsWithoutTls",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/**
 * The most bytes `sharedBucketPolicy` takes for `distributions` distributions: the document with
 * the longest ARNs there can be (a bucket name of 63 characters; a 12-digit account and a
 * 14-character distribution id), to compare with S3's 20 KB limit before anything is declared.
 */
export function sharedBucketPolicyBytes(distributions: number): number {
  const bucketArn = `arn:aws:s3:::${"b".repeat(63)}`;
  const distributionArns = Array.from({ length: distributions }, (_, i) => `arn:aws:cloudfront::123456789012:distribution/E${String(i).padStart(13, "0")}`);
  return Buffer.byteLength(sharedBucketPolicy({ bucketArn, distributionArns }), "utf8");
}
