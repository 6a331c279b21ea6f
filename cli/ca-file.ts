/**
 * `--ca-file <pem>`: the certificate authorities `check` trusts instead of the system's. Every
 * `BEGIN CERTIFICATE` block must hold a certificate that node's crypto can read; otherwise the
 * file is refused with exit code 2, because a file whose certificates are silently ignored makes
 * a correct server look untrusted.
 */
import { X509Certificate } from "node:crypto";
import { INPUT_LIMITS, readBoundedFile } from "./bounded-read";
import { CliError } from "./verb-contract";

const BEGIN = "-----BEGIN CERTIFICATE-----";
const END = "-----END CERTIFICATE-----";

/** The PEM text of `path` when it holds at least one certificate and every block is one. */
export function loadCaFile(path: string): string {
  const text = readBoundedFile(path, INPUT_LIMITS.pem, { label: `--ca-file ${path}` }).toString("latin1");
  let valid = 0;
  let problem: string | undefined;
  let line = 1;
  let counted = 0;
  // indexOf, not a regular expression: linear in the file's size whatever it holds.
  for (let begin = text.indexOf(BEGIN), block = 1; begin >= 0 && !problem; begin = text.indexOf(BEGIN, begin + BEGIN.length), block++) {
    for (let i = text.indexOf("\n", counted); i >= 0 && i < begin; i = text.indexOf("\n", i + 1)) line++;
    counted = begin;
    const end = text.indexOf(END, begin + BEGIN.length);
    if (end < 0) {
      problem = `block ${block} (line ${line}) has no "${END}" line`;
      break;
    }
    try {
      new X509Certificate(text.slice(begin, end + END.length));
      valid++;
    } catch {
      problem = `block ${block} (line ${line}) between the PEM markers is not a certificate`;
    }
  }
  const fix = "give a PEM file of CA certificates";
  if (valid === 0) throw new CliError("usage", `no certificate in --ca-file ${path}: ${problem ?? `it has no "${BEGIN}" block`}; ${fix}`);
  if (problem) throw new CliError("usage", `--ca-file ${path}: ${problem}; ${fix}`);
  return text;
}
