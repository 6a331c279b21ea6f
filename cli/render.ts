/**
 * `mta-sts render --config <file> [--json]`: for each domain, the policy bytes, the id and the
 * records exactly as they would be deployed. Offline and deterministic.
 */
import { Command } from "commander";
import { splitTxtValue } from "../components/model/records";
import { renderMailDomain } from "../components/model/rendered";
import { loadDomainDeployments } from "./config-file";
import { CliContext } from "./exit-codes";

export function registerRender(program: Command, ctx: CliContext): void {
  program
    .command("render")
    .description("print, for each domain of a config file, the policy file, its id and the TXT records as they would be deployed")
    .requiredOption("-c, --config <file>", "a Pulumi stack file (Pulumi.<stack>.yaml) or a YAML file with `domains:`")
    .option("--json", "print one JSON document")
    .action((options: { config: string; json?: boolean }) => {
      const { domains, warnings } = loadDomainDeployments(options.config);
      const rendered = domains.map((d) => renderMailDomain(d.intent));
      if (options.json) {
        ctx.out(JSON.stringify({ domains: rendered, warnings }, null, 2) + "\n");
        return;
      }
      for (const warning of warnings) ctx.err(`warning ${warning.path}: ${warning.message}\n`);
      for (const r of rendered) {
        ctx.out(`# ${r.domain}\n`);
        ctx.out(`policy ${r.policyUrl} (id ${r.policyId}, CRLF line ends):\n`);
        ctx.out(indent(r.policyText.replace(/\r\n/g, "\n")));
        ctx.out(`TXT ${r.stsRecordName} ${presentTxt(r.stsRecord)}\n`);
        if (r.tlsRptRecord) ctx.out(`TXT ${r.tlsRptRecordName} ${presentTxt(r.tlsRptRecord)}\n`);
        ctx.out("\n");
      }
    });
}

/**
 * A TXT value in zone-file presentation form: one quoted character-string per 255 octets
 * (RFC 1035 §3.3.14, §5.1), as it is published; readers join them (what `lint` reads back).
 */
function presentTxt(value: string): string {
  return splitTxtValue(value)
    .map((chunk) => `"${chunk.replace(/(["\\])/g, "\\$1")}"`)
    .join(" ");
}

function indent(text: string): string {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => `    ${line}\n`)
    .join("");
}
