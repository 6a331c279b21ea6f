/**
 * The pulumi-mta-sts program: every mail domain of the stack config (`mta-sts:domains`, with
 * `mta-sts:defaults` merged under each) gets MTA-STS and TLS-RPT, on AWS or Cloudflare; with
 * `mta-sts:tlsRptReceiver`, the stack also deploys its own TLS-RPT receiver (a Cloudflare Worker).
 *
 * The whole config is validated before anything is declared; a bad config stops `pulumi preview`
 * and `pulumi up` with every problem and its path, and no stack trace. `mta-sts plan` evaluates
 * this same file under Pulumi's mock engine.
 */
import * as pulumi from "@pulumi/pulumi";
import { stackConfigInput, validateStackConfig } from "./components/stack/stack-config";
import { declareStack, DomainOutputs, ReceiverOutputs } from "./components/stack/declare-domains";
import { ReceiverBundleError } from "./components/cloudflare/tlsrpt-receiver-bundle";
import { MtaStsConfigError } from "./components/model/config";

/** The project name in Pulumi.yaml, and so the namespace of the program's config keys. */
const NAMESPACE = "mta-sts";

/**
 * Every config key of the stack, as values: Pulumi keeps structured values as JSON text and
 * plain ones as text. What is not JSON stays text, for the validator to name.
 */
function stackConfigValues(): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(pulumi.runtime.allConfig())) {
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // Plain text.
    }
    Object.defineProperty(values, key, { value, enumerable: true });
  }
  return values;
}

// Every `mta-sts:*` key goes to the validator, so a misspelt one is an error, not ignored.
const result = validateStackConfig(stackConfigInput(stackConfigValues(), NAMESPACE));
if (!result.ok) {
  throw new pulumi.RunError(
    `the stack config has ${result.issues.length} problem(s); nothing was declared:\n` + result.issues.map((i) => `  ${i.path}: ${i.message}`).join("\n"),
  );
}
// Warnings are logged by each domain's component, naming its domain, once.

/** What the program declares; a problem found while declaring (a missing receiver bundle) stops it without a stack trace. */
function declare(valid: Extract<typeof result, { ok: true }>): ReturnType<typeof declareStack> {
  try {
    return declareStack(valid.domains, {
      skipLiveChecks: valid.skipLiveChecks,
      ...(valid.sharedAwsHost ? { sharedAwsHost: valid.sharedAwsHost } : {}),
      ...(valid.tlsRptReceiver ? { tlsRptReceiver: valid.tlsRptReceiver } : {}),
    });
  } catch (err) {
    if (err instanceof MtaStsConfigError || err instanceof ReceiverBundleError) throw new pulumi.RunError(`nothing more was declared: ${err.message}`);
    throw err;
  }
}

const stack = declare(result);

/** Per domain: host kind, policy URL, policy id and the two TXT values. */
export const domains: Record<string, DomainOutputs> = stack.domains;

const receiver = stack.tlsRptReceiver;

/** With `mta-sts:tlsRptReceiver`: its report and export URLs and the domains it takes reports for. */
export const tlsRptReceiver: Omit<ReceiverOutputs, "exportToken"> | undefined = receiver
  ? { reportUrl: receiver.reportUrl, exportUrl: receiver.exportUrl, allowedDomains: receiver.allowedDomains }
  : undefined;

/**
 * The receiver's export token, a secret, on its own so that it can be written to a file:
 * `pulumi stack output tlsRptReceiverToken --show-secrets > tlsrpt.token`.
 */
export const tlsRptReceiverToken: ReceiverOutputs["exportToken"] | undefined = receiver?.exportToken;
