/**
 * The Pages host: the generated site served by the real `wrangler pages dev` (workerd, offline,
 * 127.0.0.1, a random port), and the deploy script the component runs, executed with a stand-in
 * `wrangler` that keeps what it was asked to upload.
 *
 * Trap guarded against: static uploaders that drop dot-directories such as
 * `.well-known`, or serve the policy with a guessed content type, a cache header or a redirect.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { pagesDeployScript, pagesSiteFiles, SITE_FILES_ENV, writePagesSite } from "../../../components/cloudflare/pages-site";
import { POLICY_PATH } from "../../../components/model/rendered";
import { validateDomainArgs } from "../../../components/validate-args";
import { httpRequest, PagesDev, startPagesDev } from "../../support/workers";

const run = promisify(execFile);

const ENFORCE = validateDomainArgs({ domain: "example.org", policy: { mode: "enforce", mx: ["*.mail.protection.outlook.com"], maxAgeSeconds: 1209600 } }).rendered;
const IDN = validateDomainArgs({ domain: "bücher.example", policy: { mode: "testing", mx: ["mx.bücher.example", "mx2.example.net"], maxAgeSeconds: 86400 } }).rendered;

/** Every file under `folder`, relative path → content. */
async function listFiles(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out[relative(folder, full)] = await readFile(full, "utf8");
    }
  };
  await walk(folder);
  return out;
}

/** A stand-in `wrangler` in `scratch/bin` that copies the folder it is given to `scratch/uploaded` and records its arguments. */
async function standInWrangler(scratch: string): Promise<void> {
  const bin = join(scratch, "bin");
  await mkdir(bin);
  const stub = [
    "#!/bin/sh",
    'printf "%s\\n" "$@" > "$STUB_OUT/args"',
    'printf "%s" "$CLOUDFLARE_ACCOUNT_ID" > "$STUB_OUT/account"',
    'cp -R "$3" "$STUB_OUT/uploaded"',
    'printf "%s" "$3" > "$STUB_OUT/folder"',
    "",
  ].join("\n");
  await writeFile(join(bin, "wrangler"), stub);
  await chmod(join(bin, "wrangler"), 0o755);
}

/** The deploy script as the component's `local.Command` runs it, with the stand-in `wrangler` of `scratch` first on PATH. */
const runDeployScript = (scratch: string, env: Record<string, string | undefined>) =>
  run("/bin/sh", ["-c", pagesDeployScript({ projectName: "mta-sts-example-org" })], {
    env: { PATH: `${join(scratch, "bin")}:${process.env.PATH}`, STUB_OUT: scratch, ...env } as NodeJS.ProcessEnv,
  });

/**
 * Per policy, the folder the deploy script uploads, served by `wrangler pages dev`: started once
 * for the file (each start is a wrangler and a workerd), one after the other (two wranglers
 * starting together can race for the same free port), and used by the served-site tests and by
 * the deploy script's "serves the very folder it uploads".
 */
const SERVED = [
  ["enforce with a wildcard mx", ENFORCE],
  ["an IDN mx", IDN],
] as const;
const served = new Map<string, { scratch: string; server?: PagesDev }>();
beforeAll(async () => {
  for (const [label, rendered] of SERVED) {
    const site: { scratch: string; server?: PagesDev } = { scratch: await mkdtemp(join(tmpdir(), "mta-sts-pages-")) };
    served.set(label, site);
    await standInWrangler(site.scratch);
    await runDeployScript(site.scratch, { CLOUDFLARE_API_TOKEN: "t", CLOUDFLARE_ACCOUNT_ID: "acc123", [SITE_FILES_ENV]: JSON.stringify(pagesSiteFiles(rendered.policyText)) });
    site.server = await startPagesDev(join(site.scratch, "uploaded"));
  }
}, 120_000);
afterAll(async () => {
  for (const site of served.values()) {
    await site.server?.stop();
    await rm(site.scratch, { recursive: true, force: true });
  }
});

describe("pagesSiteFiles / writePagesSite", () => {
  let scratch: string;
  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), "mta-sts-site-"));
  });
  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("writes exactly .well-known/mta-sts.txt with the policy bytes and a _headers file, nothing else", async () => {
    await writePagesSite(scratch, ENFORCE.policyText);
    const files = await listFiles(scratch);
    expect(Object.keys(files).sort()).toEqual([".well-known/mta-sts.txt", "_headers"]);
    expect(files[".well-known/mta-sts.txt"]).toBe(ENFORCE.policyText);
  });

  it("sets text/plain and no-store for the policy path in _headers", () => {
    const headers = pagesSiteFiles(ENFORCE.policyText)._headers;
    expect(headers.split("\n")).toEqual([POLICY_PATH, "  Content-Type: text/plain; charset=utf-8", "  Cache-Control: no-store", "  X-Content-Type-Options: nosniff", ""]);
  });

  it("gives the same files for the same policy bytes", () => {
    expect(pagesSiteFiles(IDN.policyText)).toEqual(pagesSiteFiles(IDN.policyText));
  });
});

describe.each(SERVED)("the generated site served by wrangler pages dev, for a policy in %s", (label, rendered) => {
  let server: PagesDev | undefined;
  beforeAll(async () => {
    server = served.get(label)!.server;
    // The site the deploy script uploads holds exactly the files writePagesSite writes.
    const expected = join(served.get(label)!.scratch, "expected");
    await writePagesSite(expected, rendered.policyText);
    expect(await listFiles(join(served.get(label)!.scratch, "uploaded"))).toEqual(await listFiles(expected));
  });

  it("answers GET /.well-known/mta-sts.txt with 200 and exactly the policy bytes (the dot-directory is not dropped)", async () => {
    const res = await httpRequest(`${server!.url}${POLICY_PATH}`);
    expect(res.status).toBe(200);
    expect(res.body.equals(Buffer.from(rendered.policyText, "utf8"))).toBe(true);
  });

  it("labels it text/plain; charset=utf-8, no-store, and does not redirect", async () => {
    const res = await httpRequest(`${server!.url}${POLICY_PATH}`);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers.location).toBeUndefined();
  });

  it("answers HEAD on the policy path with 200 and text/plain", async () => {
    const res = await httpRequest(`${server!.url}${POLICY_PATH}`, "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
  });

  it.each(["/", "/index.html", "/.well-known/", "/other.txt", "/.well-known/other.txt"])("answers %s with 404 and without the policy", async (path) => {
    const res = await httpRequest(`${server!.url}${path}`);
    expect(res.status).toBe(404);
    expect(res.headers.location).toBeUndefined();
    expect(res.body.toString("utf8")).not.toContain("version: STSv1");
  });

  // `pages dev` looks for `<path>/index.html` under a file and answers 502 for these two; what
  // matters is that neither the policy nor the `_headers` file is served there, and no redirect.
  it.each(["/_headers", "/.well-known/mta-sts.txt/"])("does not serve %s (neither the policy nor the _headers file, no redirect)", async (path) => {
    const res = await httpRequest(`${server!.url}${path}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.body.toString("utf8")).not.toContain("version: STSv1");
    expect(res.body.toString("utf8")).not.toContain("Cache-Control: no-store");
  });
});

/**
 * The deploy script as the component's `local.Command` runs it, with `wrangler` replaced by a
 * stand-in on PATH that copies the folder it was given and records its arguments.
 */
describe("the Pages deploy script", () => {
  let scratch: string;
  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), "mta-sts-deploy-"));
    await standInWrangler(scratch);
  });
  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  const runScript = (env: Record<string, string | undefined>) => runDeployScript(scratch, env);

  it("uploads a folder holding exactly the files of writePagesSite, with wrangler pages deploy to the production branch", async () => {
    await runScript({ CLOUDFLARE_API_TOKEN: "t", CLOUDFLARE_ACCOUNT_ID: "acc123", [SITE_FILES_ENV]: JSON.stringify(pagesSiteFiles(IDN.policyText)) });
    const expected = join(scratch, "expected");
    await writePagesSite(expected, IDN.policyText);
    expect(await listFiles(join(scratch, "uploaded"))).toEqual(await listFiles(expected));
    const args = (await readFile(join(scratch, "args"), "utf8")).trim().split("\n");
    expect(args).toEqual(["pages", "deploy", await readFile(join(scratch, "folder"), "utf8"), "--project-name", "mta-sts-example-org", "--branch", "main", "--commit-dirty=true"]);
    expect(await readFile(join(scratch, "account"), "utf8")).toBe("acc123");
  });

  it("removes its temporary folder after the upload", async () => {
    await runScript({ CLOUDFLARE_API_TOKEN: "t", CLOUDFLARE_ACCOUNT_ID: "acc123", [SITE_FILES_ENV]: JSON.stringify(pagesSiteFiles(ENFORCE.policyText)) });
    const folder = await readFile(join(scratch, "folder"), "utf8");
    await expect(stat(folder)).rejects.toThrow(/ENOENT/);
  });

  it("serves, under wrangler pages dev, the very folder it uploads", async () => {
    // The file's server for ENFORCE serves the folder this script uploaded for it (see SERVED).
    const site = served.get("enforce with a wildcard mx")!;
    expect((await readFile(join(site.scratch, "args"), "utf8")).split("\n").slice(0, 2)).toEqual(["pages", "deploy"]);
    const res = await httpRequest(`${site.server!.url}${POLICY_PATH}`);
    expect(res.status).toBe(200);
    expect(res.body.toString("utf8")).toBe(ENFORCE.policyText);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
  });

  it("stops with a clear message and uploads nothing when CLOUDFLARE_API_TOKEN is not set", async () => {
    const failure = runScript({ CLOUDFLARE_ACCOUNT_ID: "acc123", [SITE_FILES_ENV]: JSON.stringify(pagesSiteFiles(ENFORCE.policyText)) });
    await expect(failure).rejects.toMatchObject({ stderr: expect.stringContaining("CLOUDFLARE_API_TOKEN must be set") });
    await expect(stat(join(scratch, "args"))).rejects.toThrow(/ENOENT/);
  });

  it.each([
    ["a name that climbs out", "../escape.txt"],
    ["a name that climbs out after a folder", ".well-known/../../escape.txt"],
    ["an absolute name", "ABSOLUTE"],
  ])("refuses a file map with %s, and writes nothing anywhere", async (_, name) => {
    // The site folder is made under TMPDIR: put that in the scratch folder, so that everything
    // the script could write, inside the site or next to it, is in view.
    const tmp = join(scratch, "tmp");
    await mkdir(tmp);
    const target = name === "ABSOLUTE" ? join(scratch, "escape.txt") : name;
    const files = { ".well-known/mta-sts.txt": ENFORCE.policyText, [target]: "x" };
    const failure = runScript({ CLOUDFLARE_API_TOKEN: "t", CLOUDFLARE_ACCOUNT_ID: "acc123", TMPDIR: tmp, [SITE_FILES_ENV]: JSON.stringify(files) });
    await expect(failure).rejects.toMatchObject({ stderr: expect.stringContaining(`refusing to write outside the site: ${target}`) });
    // Nothing uploaded, nothing left in the scratch folder but the wrangler stand-in and the
    // empty TMPDIR (the script removes its site folder on exit), and nothing in the folder it ran in.
    expect(Object.keys(await listFiles(scratch))).toEqual(["bin/wrangler"]);
    expect(await readdir(tmp)).toEqual([]);
    await expect(stat(join(process.cwd(), "escape.txt"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses a project name that is not a Pages project name", () => {
    expect(() => pagesDeployScript({ projectName: "Bad Name; rm -rf /" })).toThrow(/projectName/);
  });
});
