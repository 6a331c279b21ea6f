/**
 * The static site that Cloudflare Pages serves for one domain's MTA-STS policy (RFC 8461 §3.3):
 * `.well-known/mta-sts.txt` holding exactly the policy bytes, and a `_headers` file that makes
 * Pages answer it with `Content-Type: text/plain; charset=utf-8` and `Cache-Control: no-store`
 * (headers in `_headers` override what Pages would send). No `index.html` and no `404.html`:
 * nothing else is served.
 *
 * The Pulumi provider cannot upload files to Pages (it only manages the project), so the
 * component runs `wrangler pages deploy` from a `@pulumi/command` `local.Command`. The site is
 * written by that command, on the machine that runs `pulumi up`, from the file map computed here
 * (so no path of a temporary folder ends up in the state and diffs from one machine to the next),
 * and `writePagesSite` writes the very same map for the tests and for anyone deploying by hand.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { POLICY_PATH } from "../model/rendered";
import { POLICY_RESPONSE_HEADERS } from "./worker-script";

/** Relative path → file content (UTF-8), in a stable order. */
export type PagesSiteFiles = Readonly<Record<string, string>>;

/** The production branch the component deploys to; Pages serves custom domains from it. */
export const PAGES_PRODUCTION_BRANCH = "main";

/** The files of the site for exactly these policy bytes. */
export function pagesSiteFiles(policyText: string): PagesSiteFiles {
  if (typeof policyText !== "string" || policyText.length === 0) {
    throw new TypeError("policyText: the rendered policy is required (renderPolicy's output)");
  }
  const headerLines = Object.entries(POLICY_RESPONSE_HEADERS).map(([name, value]) => `  ${name}: ${value}`);
  return {
    [POLICY_PATH.slice(1)]: policyText,
    // Pages `_headers`: a URL pattern, then indented `Name: value` lines that override the defaults.
    _headers: [POLICY_PATH, ...headerLines, ""].join("\n"),
  };
}

/** Write the site for `policyText` into `folder` (created if missing); returns the paths written. */
export async function writePagesSite(folder: string, policyText: string): Promise<string[]> {
  const files = pagesSiteFiles(policyText);
  for (const [relative, content] of Object.entries(files)) {
    const target = join(folder, relative);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content, "utf8");
  }
  return Object.keys(files);
}

/**
 * The environment variable that carries the file map (JSON) to the deploy command, and the
 * Node.js program the command runs to write it. Node is always there: Pulumi runs this program
 * with it. The program refuses paths that would leave the folder.
 */
export const SITE_FILES_ENV = "MTA_STS_SITE_FILES";
const WRITE_SITE_JS = [
  'const fs = require("fs"), path = require("path");',
  "const root = path.resolve(process.argv[1]);",
  `const files = JSON.parse(process.env.${SITE_FILES_ENV});`,
  "for (const [name, content] of Object.entries(files)) {",
  "  const target = path.resolve(root, name);",
  '  if (!target.startsWith(root + path.sep)) throw new Error("refusing to write outside the site: " + name);',
  "  fs.mkdirSync(path.dirname(target), { recursive: true });",
  '  fs.writeFileSync(target, content, "utf8");',
  "}",
].join(" ");

export interface PagesDeployCommandArgs {
  /** The Pages project to deploy to. */
  readonly projectName: string;
  /** Defaults to `PAGES_PRODUCTION_BRANCH`. */
  readonly branch?: string;
}

/**
 * The POSIX shell script that writes the site into a fresh temporary folder and uploads it with
 * `wrangler pages deploy` (wrangler from PATH, else `npx --yes wrangler@4`), then removes the folder.
 * It reads `MTA_STS_SITE_FILES` (the file map), `CLOUDFLARE_ACCOUNT_ID` and `CLOUDFLARE_API_TOKEN`
 * from its environment and stops with a clear message when the token is missing, rather than
 * letting wrangler fall back to an interactive login.
 */
export function pagesDeployScript(args: PagesDeployCommandArgs): string {
  const project = args.projectName;
  const branch = args.branch ?? PAGES_PRODUCTION_BRANCH;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(project)) throw new TypeError(`projectName: "${project}" must be lowercase letters, digits and hyphens`);
  if (!/^[A-Za-z0-9._/-]+$/.test(branch)) throw new TypeError(`branch: "${branch}" is not a plain branch name`);
  return [
    "set -eu",
    ': "${CLOUDFLARE_API_TOKEN:?CLOUDFLARE_API_TOKEN must be set in the environment of pulumi up (a token with Cloudflare Pages: Edit)}"',
    ': "${CLOUDFLARE_ACCOUNT_ID:?CLOUDFLARE_ACCOUNT_ID must be set}"',
    `: "\${${SITE_FILES_ENV}:?${SITE_FILES_ENV} must hold the site files}"`,
    'site="$(mktemp -d)"',
    "trap 'rm -rf \"$site\"' EXIT",
    `node -e '${WRITE_SITE_JS}' "$site"`,
    "if command -v wrangler >/dev/null 2>&1; then wrangler=wrangler; else wrangler='npx --yes wrangler@4'; fi",
    `$wrangler pages deploy "$site" --project-name ${project} --branch ${branch} --commit-dirty=true`,
  ].join("\n");
}
