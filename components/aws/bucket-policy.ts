/**
 * The policy bucket's resource policy, as a pure function so it is tested by value.
 *
 * It admits exactly one reader, CloudFront acting for exactly one distribution (the
 * `AWS:SourceArn` condition; CloudFront signs with the Origin Access Control), and exactly one
 * object, the policy file. No statement grants `s3:ListBucket`, so S3 answers 403 (not 404) for a
 * key it does not hold; with the object resource scoped to the policy key, CloudFront gets 403
 * for every other path too, and passes that 403 to the client. Requests without TLS are refused.
 */

/** The IAM policy document for the policy bucket, as JSON text. */
export function policyBucketPolicy(args: { bucketArn: string; objectKey: string; distributionArn: string }): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowThisDistributionToReadThePolicyFileOnly",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: `${args.bucketArn}/${args.objectKey}`,
        Condition: { StringEquals: { "AWS:SourceArn": args.distributionArn } },
      },
      denyRequestsWithoutTls(args.bucketArn),
    ],
  });
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
