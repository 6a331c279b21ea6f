/**
 * Cloudflare zone and account ids, as the stack config and the components take them: 32
 * lowercase hex digits (`023e105f4ecef8ad9ca31a8372d0c353`), as the dashboard's overview page
 * and the API show them. A wrong id would only fail at `pulumi up`, in the middle of a
 * deployment; checked here, it is a config error before anything is declared.
 *
 * Pure: no Pulumi import, no I/O.
 */

const CLOUDFLARE_ID = /^[0-9a-f]{32}$/;

/** Which id a message is about. */
export type CloudflareIdKind = "zone" | "account";

/**
 * Why `value` is not a Cloudflare id, or undefined when it is one. A number means YAML read an
 * unquoted all-digit id as a number (and may have lost digits doing so): the fix is quotes.
 */
export function cloudflareIdProblem(value: unknown, kind: CloudflareIdKind): string | undefined {
  const where = kind === "zone" ? "the zone's overview page" : "the dashboard's account home";
  if (typeof value === "number" || typeof value === "bigint") {
    return `was read as a number, not text: YAML reads an unquoted id of digits only as a number and may drop digits; quote it, e.g. "0123456789abcdef0123456789abcdef"`;
  }
  if (typeof value !== "string") return `must be the Cloudflare ${kind} id as text: 32 hex characters, from ${where}`;
  if (CLOUDFLARE_ID.test(value)) return undefined;
  const hint = /^[0-9A-Fa-f]{32}$/.test(value) ? "; write it in lowercase" : "";
  return `${JSON.stringify(value)} is not a Cloudflare ${kind} id: it must be 32 hex characters (0-9, a-f), copied from ${where}${hint}`;
}
