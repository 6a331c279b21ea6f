/**
 * The Pages upload, end to end on this machine: the component's deploy script runs the real
 * `wrangler pages deploy` (from node_modules/.bin on PATH, as a consumer's npm script would),
 * pointed at a stand-in for Cloudflare's API on 127.0.0.1 (CLOUDFLARE_API_BASE_URL). What reaches
 * the API is what Cloudflare would publish.
 *
 * Trap guarded against: static uploaders that silently drop dot-directories such as
 * `.well-known`, so the deployment "succeeds" and the policy path answers 404.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, IncomingHttpHeaders, Server } from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { pagesDeployScript, pagesSiteFiles, SITE_FILES_ENV } from "../../../components/cloudflare/pages-site";
import { validateDomainArgs } from "../../../components/validate-args";
import { offlineWranglerEnv } from "../../support/workers";

const run = promisify(execFile);
const ACCOUNT = "f037e56e89293a057740de681ac9abbe";
const PROJECT = "mta-sts-example-org";
const TOKEN = "test-token-from-the-environment";

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Just enough of the Pages direct-upload API for wrangler 4 to deploy; records every request. */
async function startFakeApi(): Promise<{ base: string; seen: Seen[]; assets: Map<string, { bytes: Buffer; contentType: string }>; server: Server }> {
  const seen: Seen[] = [];
  const assets = new Map<string, { bytes: Buffer; contentType: string }>();
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const jwt = `${b64({ alg: "none" })}.${b64({ exp: Math.floor(Date.now() / 1000) + 3600 })}.x`;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? "").replace(/^\/client\/v4/, "");
      seen.push({ method: req.method ?? "", path, headers: req.headers, body });
      const ok = (result: unknown) => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ success: true, errors: [], messages: [], result }));
      };
      const project = `/accounts/${ACCOUNT}/pages/projects/${PROJECT}`;
      const deployment = { id: "dep1", url: `https://dep1.${PROJECT}.pages.dev`, environment: "production", latest_stage: { name: "deploy", status: "success" }, stages: [] };
      if (req.method === "GET" && path === project) return ok({ name: PROJECT, production_branch: "main", deployment_configs: { production: {}, preview: {} } });
      if (req.method === "GET" && path === `${project}/upload-token`) return ok({ jwt });
      if (path === "/pages/assets/check-missing") return ok(JSON.parse(body.toString()).hashes);
      if (path === "/pages/assets/upload") {
        for (const file of JSON.parse(body.toString())) assets.set(file.key, { bytes: Buffer.from(file.value, "base64"), contentType: file.metadata.contentType });
        return ok(null);
      }
      if (path === "/pages/assets/upsert-hashes") return ok(true);
      if (req.method === "POST" && path === `${project}/deployments`) return ok(deployment);
      if (req.method === "GET" && path.startsWith(`${project}/deployments/dep1`)) return ok(path.includes("/history/logs") ? { data: [], total: 0 } : deployment);
      res.statusCode = 404;
      res.end(JSON.stringify({ success: false, errors: [{ code: 7003, message: `no route ${req.method} ${path}` }], messages: [], result: null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`, seen, assets, server };
}

/** The named parts of a multipart/form-data body (enough for wrangler's small deployment form). */
function formParts(body: Buffer, contentType: string): Map<string, string> {
  const boundary = /boundary=(.+)$/.exec(contentType)![1];
  const parts = new Map<string, string>();
  for (const part of body.toString("utf8").split(`--${boundary}`)) {
    const match = /name="([^"]+)"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*)\r\n$/.exec(part);
    if (match) parts.set(match[1], match[2]);
  }
  return parts;
}

describe("the Pages deploy script with the real wrangler against a local stand-in for the API", () => {
  const rendered = validateDomainArgs({ domain: "example.org", policy: { mode: "enforce", mx: ["*.mail.protection.outlook.com", "mx.bücher.example"], maxAgeSeconds: 1209600 } }).rendered;
  let api: Awaited<ReturnType<typeof startFakeApi>>;
  let scratch: string;
  let output: string;

  beforeAll(async () => {
    api = await startFakeApi();
    scratch = await mkdtemp(join(tmpdir(), "mta-sts-deploy-"));
    const env = {
      ...offlineWranglerEnv(scratch),
      PATH: `${join(__dirname, "..", "..", "..", "node_modules", ".bin")}:${process.env.PATH}`,
      CLOUDFLARE_API_BASE_URL: api.base,
      CLOUDFLARE_API_TOKEN: TOKEN,
      CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
      [SITE_FILES_ENV]: JSON.stringify(pagesSiteFiles(rendered.policyText)),
    };
    const result = await run("/bin/sh", ["-c", pagesDeployScript({ projectName: PROJECT })], { cwd: scratch, env, timeout: 90_000 });
    output = result.stdout + result.stderr;
  }, 120_000);
  afterAll(async () => {
    await new Promise((resolve) => api?.server.close(resolve));
    await rm(scratch, { recursive: true, force: true });
  });

  it("reports a completed deployment", () => {
    expect(output).toContain("Deployment complete");
  });

  it("uploads .well-known/mta-sts.txt (the dot-directory is kept) with exactly the policy bytes, as text/plain", () => {
    const deploy = api.seen.find((r) => r.method === "POST" && r.path.endsWith("/deployments"))!;
    const manifest = JSON.parse(formParts(deploy.body, String(deploy.headers["content-type"])).get("manifest")!);
    expect(Object.keys(manifest)).toEqual(["/.well-known/mta-sts.txt"]);
    const asset = api.assets.get(manifest["/.well-known/mta-sts.txt"])!;
    expect(asset.bytes.equals(Buffer.from(rendered.policyText, "utf8"))).toBe(true);
    expect(asset.contentType).toBe("text/plain");
  });

  it("sends the _headers file that sets text/plain; charset=utf-8 and no-store, to the production branch", () => {
    const deploy = api.seen.find((r) => r.method === "POST" && r.path.endsWith("/deployments"))!;
    const parts = formParts(deploy.body, String(deploy.headers["content-type"]));
    expect(parts.get("_headers")).toBe(pagesSiteFiles(rendered.policyText)._headers);
    expect(parts.get("branch")).toBe("main");
  });

  it("uses the account id and the API token from its environment, and nothing else", () => {
    const accountCalls = api.seen.filter((r) => r.path.startsWith("/accounts/"));
    expect(accountCalls.length).toBeGreaterThan(0);
    for (const call of accountCalls) {
      expect(call.path.startsWith(`/accounts/${ACCOUNT}/pages/projects/${PROJECT}`)).toBe(true);
      expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);
    }
  });
});
