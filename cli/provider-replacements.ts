/**
 * Which input changes make a provider replace a resource (delete and create it again) instead of
 * updating it in place: the one table `plan --base` uses to say "replace". Pulumi's AWS and
 * Cloudflare providers are bridged from the Terraform providers, so the facts are the upstream
 * schemas' `ForceNew` (terraform-plugin-sdk) and `RequiresReplace` (terraform-plugin-framework)
 * markers; the Pulumi SDKs' TypeScript does not carry them.
 *
 * Sources (the providers' own schema code, read for @pulumi/aws 7 and @pulumi/cloudflare 6):
 * - hashicorp/terraform-provider-aws:
 *   - internal/service/acm/certificate.go: `domain_name`, `subject_alternative_names`,
 *     `validation_method`, `certificate_authority_arn` are ForceNew (ACM cannot change a
 *     certificate's names; a new one is requested);
 *   - internal/service/acm/certificate_validation.go: `certificate_arn`,
 *     `validation_record_fqdns` are ForceNew;
 *   - internal/service/s3/bucket.go: `bucket` (the bucket's name), `bucket_prefix`;
 *   - internal/service/s3/object.go (`aws_s3_object`, Pulumi's BucketObjectv2): `bucket`, `key`;
 *   - internal/service/s3/bucket_policy.go, bucket_public_access_block.go,
 *     bucket_ownership_controls.go: `bucket`;
 *   - internal/service/cloudfront/function.go: `name` (code, runtime and comment update in place);
 *   - internal/service/route53/record.go: `name`, `zone_id` (`type` and `records` update in place);
 *   - internal/provider/sdkv2/region.go (`forceNewIfRegionChanges`): the per-resource `region` of
 *     every regional resource. A CloudFront distribution and an origin access control replace on
 *     nothing we set.
 * - cloudflare/terraform-provider-cloudflare (v5, framework):
 *   - internal/services/workers_script/schema.go: `script_name`, `account_id` RequiresReplace;
 *   - internal/services/workers_custom_domain/schema.go: `hostname`, `account_id`;
 *   - internal/services/pages_project/schema.go: `name`, `account_id`;
 *   - internal/services/pages_domain/schema.go: `name`, `project_name`, `account_id`;
 *   - internal/services/dns_record/schema.go: `zone_id` (`name`, `type`, `content` update in place).
 * - @pulumi/command (local/command.d.ts, `triggers`): "If the update command was provided the
 *   resource will be updated, otherwise it will be replaced"; the Pages deploy command has no
 *   `update`, so a trigger change re-runs it as a replacement.
 *
 * Names are the Pulumi input names (camelCase). A resource's own `replaceOnChanges` option adds
 * to this table.
 */
const REPLACED_ON: Readonly<Record<string, readonly string[]>> = {
  "aws:acm/certificate:Certificate": ["domainName", "subjectAlternativeNames", "validationMethod", "certificateAuthorityArn", "region"],
  "aws:acm/certificateValidation:CertificateValidation": ["certificateArn", "validationRecordFqdns", "region"],
  "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix", "region"],
  "aws:s3/bucketObjectv2:BucketObjectv2": ["bucket", "key", "region"],
  "aws:s3/bucketPolicy:BucketPolicy": ["bucket", "region"],
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["bucket", "region"],
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ["bucket", "region"],
  "aws:cloudfront/function:Function": ["name"],
  "aws:route53/record:Record": ["name", "zoneId"],
  "cloudflare:index/workersScript:WorkersScript": ["scriptName", "accountId"],
  "cloudflare:index/workersCustomDomain:WorkersCustomDomain": ["hostname", "accountId"],
  "cloudflare:index/pagesProject:PagesProject": ["name", "accountId"],
  "cloudflare:index/pagesDomain:PagesDomain": ["name", "projectName", "accountId"],
  "cloudflare:index/dnsRecord:DnsRecord": ["zoneId"],
  "command:local:Command": ["triggers"],
};

/** The input names of `type` whose change replaces the resource, plus its own `replaceOnChanges`. */
export function replacingInputs(type: string, replaceOnChanges: readonly string[] = []): ReadonlySet<string> {
  return new Set([...(REPLACED_ON[type] ?? []), ...replaceOnChanges]);
}

/** The resource types whose replacement touches what serves `https://mta-sts.<domain>/`. */
export const POLICY_HOST_TYPES: ReadonlyMap<string, string> = new Map([
  ["aws:acm/certificate:Certificate", "certificate"],
  ["aws:cloudfront/distribution:Distribution", "distribution"],
  ["aws:cloudfront/function:Function", "routing function"],
  ["cloudflare:index/workersScript:WorkersScript", "Worker script"],
  ["cloudflare:index/workersCustomDomain:WorkersCustomDomain", "Worker custom domain"],
  ["cloudflare:index/pagesProject:PagesProject", "Pages project"],
  ["cloudflare:index/pagesDomain:PagesDomain", "Pages domain"],
]);

/** The CloudFront distribution type: an alternate domain name lives on one distribution only. */
export const DISTRIBUTION_TYPE = "aws:cloudfront/distribution:Distribution";
