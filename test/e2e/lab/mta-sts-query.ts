/**
 * Debian's `mta-sts-query` (package postfix-mta-sts-resolver): a real sender-side MTA-STS
 * client (the resolver Postfix asks before delivering). Run inside the lab's namespace, where
 * `ip netns exec` has bind-mounted the lab's resolv.conf over /etc/resolv.conf (its aiodns/c-ares
 * reads that), and with SSL_CERT_FILE naming the lab CA (its aiohttp verifies with Python's
 * default SSL context, which OpenSSL points at SSL_CERT_FILE; SSL_CERT_DIR is removed so the
 * system roots play no part).
 *
 * It prints a Python tuple, e.g.
 *   (<STSFetchResult.VALID: 1>, ('0f3c...', {'mx': ['mx1.example.test'], 'version': 'STSv1', 'mode': 'enforce', 'max_age': 1209600}))
 *   (<STSFetchResult.FETCH_ERROR: 2>, None)
 *   (<STSFetchResult.NONE: 0>, None)
 */
import type { NetnsLab } from "./netns-lab";

export interface QueryResult {
  readonly result: "VALID" | "FETCH_ERROR" | "NONE" | "NOT_CHANGED";
  readonly id?: string;
  readonly policy?: { mode: string; mx: string[]; max_age: number; version: string };
  /** What it logged (the reason of a FETCH_ERROR, e.g. the certificate error). */
  readonly log: string;
  readonly raw: string;
}

export function mtaStsQuery(lab: NetnsLab, domain: string): QueryResult {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, SSL_CERT_FILE: lab.ca.caPath, LANG: "C.UTF-8" };
  const { code, stdout, stderr } = lab.exec("mta-sts-query", ["-v", "debug", domain], env);
  const line = stdout.trim().split("\n").pop() ?? "";
  const status = /^\(<STSFetchResult\.(\w+): \d+>, (.*)\)$/.exec(line);
  if (code !== 0 || !status) throw new Error(`mta-sts-query ${domain} failed (${code}): ${stdout}${stderr}`);
  const result = status[1] as QueryResult["result"];
  if (result !== "VALID") return { result, log: stderr, raw: line };
  const valid = /^\('([^']*)', (\{.*\})\)$/.exec(status[2]);
  if (!valid) throw new Error(`mta-sts-query ${domain}: unexpected output ${line}`);
  // The dict holds only strings, lists of strings and an int; none contains a quote.
  const policy = JSON.parse(valid[2].replace(/'/g, '"')) as QueryResult["policy"];
  return { result, id: valid[1], policy, log: stderr, raw: line };
}
