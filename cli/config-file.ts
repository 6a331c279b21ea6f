/**
 * Reading a config file for the CLI: a Pulumi stack file (`config:` with `mta-sts:domains` and
 * `mta-sts:defaults`, as `Pulumi.<stack>.yaml`) or a plain YAML/JSON file with `domains:` and
 * `defaults:`. Both are validated by the same stack schema the program uses.
 */
import { parse as parseYaml } from "yaml";
import { renderMailDomain, RenderedMailDomain } from "../components/model/rendered";
import { ConfigIssue } from "../components/model/config";
import type { YamlPath } from "../components/stack/stack-file-edit";
import { AwsQuotasConfig, DomainDeployment, SharedAwsHostConfig, StackConfigInput, stackConfigInput, validateStackConfig } from "../components/stack/stack-config";
import { INPUT_LIMITS, readBoundedFile } from "./bounded-read";
import { EXIT_COULD_NOT_RUN, UsageError } from "./verb-contract";

/** The project name in Pulumi.yaml, and so the namespace of its config keys. */
export const CONFIG_NAMESPACE = "mta-sts";

/**
 * Read the raw stack config from a stack file or a plain config file, with every key the
 * program would not read listed as unknown (the validator reports each with a did-you-mean).
 */
export function readStackConfigFile(path: string): StackConfigInput {
  // Size and time bounded (bounded-read.ts); a CliError with the code `io` when it cannot be read.
  return stackConfigFromText(readBoundedFile(path, INPUT_LIMITS.stackFile).toString("utf8"), path);
}

/** The raw stack config in the text of the file `path` (named in errors), as `readStackConfigFile` reads it. */
export function stackConfigFromText(text: string, path: string): StackConfigInput {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    // The parser's first line names the place ("... at line 2, column 1:"); its excerpt follows on the next lines.
    const where = (err as Error).message.split("\n")[0].replace(/:\s*$/, "");
    throw new UsageError(`${path} is not valid YAML: ${where}; correct it there`, EXIT_COULD_NOT_RUN, { code: "config" });
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new UsageError(`${path}: expected a mapping with \`config:\` (a Pulumi stack file) or \`domains:\``, EXIT_COULD_NOT_RUN, { code: "config" });
  }
  const record = doc as Record<string, unknown>;
  if (Object.hasOwn(record, "config")) {
    const config = record.config ?? {};
    if (typeof config !== "object" || Array.isArray(config)) throw new UsageError(`${path}: \`config:\` must be a mapping of keys such as mta-sts:domains`, EXIT_COULD_NOT_RUN, { code: "config" });
    return stackConfigInput(config as Record<string, unknown>, CONFIG_NAMESPACE);
  }
  return stackConfigInput(record);
}

/**
 * Where the domain list is in a file `stackConfigFromText` read: `config.mta-sts:domains` in a
 * Pulumi stack file, `domains` in a plain config file.
 */
export function domainsYamlPath(text: string): YamlPath {
  const doc = parseYaml(text) as unknown;
  const stackFile = doc !== null && typeof doc === "object" && !Array.isArray(doc) && Object.hasOwn(doc, "config");
  return stackFile ? ["config", `${CONFIG_NAMESPACE}:domains`] : ["domains"];
}

/**
 * Report config issues as one error with the code `config`: every problem on its own line with
 * its path. `undone` says what the verb did not do ("planned or declared", "grouped").
 */
export function configError(path: string, issues: readonly ConfigIssue[], undone = "planned or declared"): UsageError {
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join("\n");
  return new UsageError(`${path} has ${issues.length} problem${issues.length === 1 ? "" : "s"}; nothing was ${undone}:\n${lines}`, EXIT_COULD_NOT_RUN, { code: "config", issues });
}

/**
 * Validated deployments of every domain in a config file, as `plan`, `render` and `lint --stack`
 * all validate it; throws UsageError listing all issues.
 */
export function loadDomainDeployments(path: string): { domains: DomainDeployment[]; sharedAwsHost?: SharedAwsHostConfig; awsQuotas: AwsQuotasConfig; warnings: ConfigIssue[] } {
  const result = validateStackConfig(readStackConfigFile(path));
  if (!result.ok) throw configError(path, result.issues);
  return { domains: result.domains, ...(result.sharedAwsHost ? { sharedAwsHost: result.sharedAwsHost } : {}), awsQuotas: result.awsQuotas, warnings: result.warnings };
}

/**
 * What would be published for every domain of a config file (`check --stack`). The shared host's
 * group rules are not checked: what a domain serves does not depend on its group, so a deployed
 * stack is checked live before its pins are written too.
 */
export function loadRenderedDomains(path: string): RenderedMailDomain[] {
  const result = validateStackConfig(readStackConfigFile(path), { checkGroups: false });
  if (!result.ok) throw configError(path, result.issues);
  return result.domains.map((d) => renderMailDomain(d.intent));
}
