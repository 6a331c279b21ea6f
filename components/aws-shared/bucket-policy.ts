/**
 * The shared policy bucket's resource policy, as a pure function so it is tested by value.
 *
 * It admits exactly one kind of reader, CloudFront acting for one of the host's group
 * distributions (`AWS:SourceArn`, signed by the Origin Access Control), and exactly one kind of
 * object, a policy file `mta-sts.<domain>/.well-known/mta-sts.txt`. Per-object ARNs would not fit:
 * S3 bucket policies are limited to 20 KB, a few hundred domains. Which distribution reads which
 * object is decided by the routing function (a host only reaches its own key); every object
 * here is a public policy file anyway, so the bucket policy only has to keep everything else
 * out. No statement grants `s3:ListBucket`, so S3 answers 403 for a key it does not hold.
 * Requests without TLS are refused.
 */
import { denyRequestsWithoutTls } from "../aws/bucket-policy";
import { POLICY_PATH } from "../model/rendered";

/** The IAM policy document for the shared bucket, as JSON text; `distributionArns` in any order. */
export function sharedBucketPolicy(args: { bucketArn: string; distributionArns: readonly string[] }): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowTheGroupDistributionsToReadPolicyFilesOnly",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: `${args.bucketArn}/mta-sts.*${POLICY_PATH}`,
        Condition: { StringEquals: { "AWS:SourceArn": [...args.distributionArns].sort() } },
      },
      denyRequestsWithoutTls(args.bucketArn),
    ],
  });
}
