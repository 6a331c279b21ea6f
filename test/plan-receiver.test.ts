/**
 * The offline plan of a stack with the kit's TLS-RPT receiver (`mta-sts:tlsRptReceiver`): the
 * receiver's resources, the `_smtp._tls` records that list it waiting for it, and the webhook URL
 * given as a Pulumi secret (`secure:`), which the plan cannot decrypt, shown as `[secret]`
 * without failing. One process, as a reviewer runs it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const root = path.join(__dirname, "..");
const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const ACCOUNT = "f037e56e89293a057740de681ac9abbe";
const ENCRYPTED = "v1:AAAAEncryptedWebhookCiphertext";

const STACK = `config:
  mta-sts:tlsRptReceiver:
    hostname: tlsrpt.example.com
    cloudflareZoneId: ${ZONE}
    cloudflareAccountId: ${ACCOUNT}
    alertWebhookUrl:
      secure: ${ENCRYPTED}
    alertWebhookFormat: slack
  mta-sts:domains:
    - domain: example.com
      host: cloudflare-worker
      cloudflareZoneId: ${ZONE}
      cloudflareAccountId: ${ACCOUNT}
      policy: { mode: testing, mx: [mx1.example.com] }
      tlsRpt: { rua: ["mailto:tls@example.com"], receiver: true }
    - domain: example.net
      host: aws
      hostedZoneId: Z123
      policy: { mode: testing, mx: [mx1.example.net] }
      tlsRpt: { rua: ["mailto:tls@example.net"] }
`;

let scratch: string;
let run: { status: number | null; stdout: string; stderr: string };
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "mta-sts-plan-receiver-"));
  const file = path.join(scratch, "Pulumi.receiver.yaml");
  writeFileSync(file, STACK);
  const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "cli", "main.ts"), "plan", "--stack", file], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, "tsconfig.json") },
    timeout: 300_000,
  });
  run = { status: result.status, stdout: result.stdout, stderr: result.stderr };
}, 320_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("a secure: webhook URL does not stop the plan, and is shown as [secret] (never the ciphertext or a stand-in)", () => {
  expect([run.status, run.stderr]).toEqual([0, expect.stringContaining("planned")]);
  expect(run.stdout).toContain('    bindings = "[secret]"');
  expect(run.stdout).not.toContain(ENCRYPTED);
  expect(run.stdout).not.toMatch(/invalid|hooks\.|token-of/);
});

test("the receiver's bucket, token, Worker and custom domain are planned", () => {
  for (const line of [
    "tlsrpt-receiver  pulumi-mta-sts:index:CloudflareTlsRptReceiver",
    "tlsrpt-receiver-bucket  cloudflare:index/r2Bucket:R2Bucket  parent=tlsrpt-receiver",
    "tlsrpt-receiver-token  random:index/randomPassword:RandomPassword  parent=tlsrpt-receiver",
    "tlsrpt-receiver-script  cloudflare:index/workersScript:WorkersScript  parent=tlsrpt-receiver",
    "tlsrpt-receiver-domain  cloudflare:index/workersCustomDomain:WorkersCustomDomain  parent=tlsrpt-receiver",
  ]) {
    expect(run.stdout).toContain(line);
  }
  expect(run.stdout).toContain('    hostname = "tlsrpt.example.com"');
});

test("only the domain with receiver: true lists the receiver, and its record waits for the Worker and its domain", () => {
  expect(run.stdout).toContain('TXT     _smtp._tls.example.com  "v=TLSRPTv1; rua=mailto:tls@example.com,https://tlsrpt.example.com/v1/report"');
  expect(run.stdout).toContain('TXT     _smtp._tls.example.net  "v=TLSRPTv1; rua=mailto:tls@example.net"');
  const waits = (name: string) => run.stdout.split("\n").find((l) => l.startsWith(`${name}  waits for`)) ?? "";
  expect(waits("example-com-tlsrpt-txt")).toBe("example-com-tlsrpt-txt  waits for  tlsrpt-receiver-domain, tlsrpt-receiver-script");
  expect(waits("example-net-tlsrpt-txt")).not.toContain("tlsrpt-receiver");
});
