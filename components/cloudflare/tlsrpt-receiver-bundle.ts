/**
 * Where `CloudflareTlsRptReceiver` finds the Worker it uploads: `dist/worker/tlsrpt-receiver.mjs`
 * of this package, built by `npm run build` (scripts/build-receiver-bundle.js; `npm ci`,
 * `npm pack` and an install from git run it through `prepare`). Nothing is bundled at
 * `pulumi up`: the file is only read.
 *
 * The same file is found however the program runs:
 * - compiled, from `dist/components/cloudflare/` (an installed package, or `node dist/...`):
 *   `../../worker/`, i.e. `dist/worker/`;
 * - from source with ts-node or jest, from `components/cloudflare/`: `../../dist/worker/`.
 *
 * The bundle's first line records a SHA-256 of the sources it was built from. When those
 * sources are present (a clone, or the package, which ships them) and differ, the bundle is
 * older than the code beside it, and deploying it would run another receiver than the one
 * reviewed: that is refused with the command that fixes it.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const RECEIVER_BUNDLE_FILE = "tlsrpt-receiver.mjs";

/** Where the bundle may be, first match wins. */
export function receiverBundleCandidates(dir: string = __dirname): string[] {
  return [resolve(dir, "..", "..", "worker", RECEIVER_BUNDLE_FILE), resolve(dir, "..", "..", "dist", "worker", RECEIVER_BUNDLE_FILE)];
}

/** The bundle could not be used; the message names the fix. */
export class ReceiverBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReceiverBundleError";
  }
}

const HEADER = /^\/\/ pulumi-mta-sts TLS-RPT receiver Worker;.* sources-sha256=([0-9a-f]{64}) inputs=(\S+)\n/;

/** The same digest as scripts/build-receiver-bundle.js: each input's path and bytes, in order. */
function sourcesHash(root: string, inputs: readonly string[]): string {
  const hash = createHash("sha256");
  for (const input of inputs) hash.update(`${input}\0`).update(readFileSync(join(root, input))).update("\0");
  return hash.digest("hex");
}

/** The Worker module text, checked against its sources where they are present. */
export function loadReceiverBundle(dir: string = __dirname): { path: string; source: string } {
  const candidates = receiverBundleCandidates(dir);
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    throw new ReceiverBundleError(
      `the TLS-RPT receiver's Worker bundle is missing (looked for ${candidates.join(" and ")}); run \`npm run build\` in pulumi-mta-sts (npm ci and an install from git run it)`,
    );
  }
  const source = readFileSync(path, "utf8");
  const header = HEADER.exec(source);
  if (!header) throw new ReceiverBundleError(`${path} is not a receiver bundle built by this package; run \`npm run build\``);
  // <root>/dist/worker/<file>: the sources are paths relative to <root>.
  const root = resolve(path, "..", "..", "..");
  const inputs = header[2].split(",");
  if (inputs.every((input) => existsSync(join(root, input))) && sourcesHash(root, inputs) !== header[1]) {
    throw new ReceiverBundleError(`${path} was built from other sources than the ones beside it (${inputs.filter((i) => i.startsWith("components/tlsrpt-receiver/")).join(", ")}, ...); run \`npm run build\` so the receiver that is deployed is the one in the code`);
  }
  return { path, source };
}
