/**
 * `mta-sts render --stack <file> [--json]`: for each domain, the policy bytes, the id and the
 * records exactly as they would be deployed. Offline and deterministic. `--config` is the same
 * option under its first name.
 */
import { Command, Option } from "commander";
import { presentationTxt } from "../components/dns/txt-values";
import { renderMailDomain } from "../components/model/rendered";
import { terminalLines } from "../components/terminal-text";
import { loadDomainDeployments } from "./config-file";
import { CliContext } from "./verb-contract";
import { formatJson } from "./json-output";
import { stackFileOption } from "./stack-option";

export function registerRender(program: Command, ctx: CliContext): void {
  program
    .command("render")
    .description("print, for each domain of a config file, the policy file, its id and the TXT records as they would be deployed")
    .option("-s, --stack <file>", "a Pulumi stack file (Pulumi.<stack>.yaml) or a YAML file with `domains:`")
    .addOption(new Option("-c, --config <file>", "the same as --stack"))
    .option("--json", "print one JSON document")
    .action((options: { stack?: string; config?: string; json?: boolean }) => {
      const file = stackFileOption("render", options);
      const { domains, warnings } = loadDomainDeployments(file);
      const rendered = domains.map((d) => renderMailDomain(d.intent));
      if (options.json) {
        ctx.out(formatJson(true, { domains: rendered, warnings }));
        return;
      }
      ctx.err(terminalLines(warnings.map((w) => `warning ${w.path}: ${w.message}`)));
      const lines: string[] = [];
      for (const r of rendered) {
        lines.push(`# ${r.domain}`, `policy ${r.policyUrl} (id ${r.policyId}, CRLF line ends):`);
        for (const line of r.policyText.split("\r\n").filter((l) => l !== "")) lines.push(`    ${line}`);
        // As published: one quoted character-string per 255 octets, which readers join.
        lines.push(`TXT ${r.stsRecordName} ${presentationTxt(r.stsRecord)}`);
        if (r.tlsRptRecord) lines.push(`TXT ${r.tlsRptRecordName} ${presentationTxt(r.tlsRptRecord)}`);
        lines.push("");
      }
      // Values come from the config file: escaped like any other outside text.
      ctx.out(terminalLines(lines));
    });
}
