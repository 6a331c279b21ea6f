/**
 * How `promote`, `demote` and `reports` name the next step for people: the commands to run,
 * written so they can be pasted into a shell, and where in the file a mode was written.
 */
import { basename } from "node:path";
import { formatYamlPath, YamlPath } from "../components/stack/stack-file-edit";

/** A file name as one shell word: as it is when it is plain, else single-quoted. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

/** `mta-sts demote --stack Pulumi.prod.yaml example.com`. */
export function demoteCommand(stackFile: string | undefined, domain: string): string {
  return `mta-sts demote --stack ${stackFile === undefined ? "<stack file>" : shellWord(stackFile)} ${domain}`;
}

/** `pulumi up --stack prod` for `Pulumi.prod.yaml` (Pulumi's name for a stack's config file), else `pulumi up`. */
export function pulumiUpCommand(stackFile: string): string {
  const name = /^Pulumi\.(.+)\.ya?ml$/.exec(basename(stackFile))?.[1];
  return name ? `pulumi up --stack ${shellWord(name)}` : "pulumi up";
}

/** `config.mta-sts:domains[3].policy.mode`: where a domain's mode is written. */
export function modeYamlPath(domainsPath: YamlPath, index: number): string {
  return formatYamlPath([...domainsPath, index, "policy", "mode"]);
}
