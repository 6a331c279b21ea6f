/**
 * The pulumi-mta-sts program: every mail domain of the stack config (`mta-sts:domains`, with
 * `mta-sts:defaults` merged under each) gets MTA-STS and TLS-RPT, on AWS or Cloudflare.
 *
 * The whole config is validated before anything is declared; a bad config stops `pulumi preview`
 * and `pulumi up` with every problem and its path, and no stack trace. `mta-sts plan` evaluates
 * this same file under Pulumi's mock engine.
 */
import * as pulumi from "@pulumi/pulumi";
import { validateStackConfig } from "./components/stack/stack-config";
import { declareDomains, DomainOutputs } from "./components/stack/declare-domains";

const config = new pulumi.Config("mta-sts");
const result = validateStackConfig({
  domains: config.getObject("domains"),
  defaults: config.getObject("defaults"),
  sharedAwsHost: config.getObject("sharedAwsHost"),
});
if (!result.ok) {
  throw new pulumi.RunError(
    `the stack config has ${result.issues.length} problem(s); nothing was declared:\n` + result.issues.map((i) => `  ${i.path}: ${i.message}`).join("\n"),
  );
}
for (const warning of result.warnings) pulumi.log.warn(`${warning.path}: ${warning.message}`);

/** Per domain: host kind, policy URL, policy id and the two TXT values. */
export const domains: Record<string, DomainOutputs> = declareDomains(result.domains, {
  skipLiveChecks: config.getBoolean("skipLiveChecks") ?? false,
  ...(result.sharedAwsHost ? { sharedAwsHost: result.sharedAwsHost } : {}),
});
