/**
 * The offline plan of a stack with the kit's TLS-RPT receiver (`mta-sts:tlsRptReceiver`): the
 * receiver's resources, the `_smtp._tls` records that list it waiting for it, and the webhook URL
 * given as a Pulumi secret (`secure:`), which the plan cannot decrypt, shown as `[secret]`
 * without failing. One process, as a reviewer runs it, on the README's example stack.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { runCliProcess } from "../support/cli";

const root = path.join(__dirname, "..", "..");
const EXAMPLE = "examples/receiver/Pulumi.receiver.yaml";
const ENCRYPTED = "v1:ZXhhbXBsZS1jaXBoZXJ0ZXh0LW5vdC1hLXJlYWwtc2VjcmV0";

let run: { status: number | null; stdout: string; stderr: string };
beforeAll(() => {
  // As the README shows it: npx mta-sts plan --stack examples/receiver/Pulumi.receiver.yaml
  run = runCliProcess(["plan", "--stack", EXAMPLE], { timeoutMs: 300_000 });
}, 320_000);

test("the README shows this plan's command and the example's stack block", () => {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  expect(readme).toContain(`npx mta-sts plan --stack ${EXAMPLE}`);
  expect(readFileSync(path.join(root, EXAMPLE), "utf8")).toContain(`secure: ${ENCRYPTED}`);
});

test("a secure: webhook URL does not stop the plan, and is shown as [secret] (never the ciphertext or a stand-in)", () => {
  expect([run.status, run.stderr]).toEqual([0, expect.stringContaining("planned")]);
  expect(run.stdout).toContain('    bindings = "[secret]"');
  expect(run.stdout).not.toContain(ENCRYPTED);
  expect(run.stdout).not.toMatch(/encrypted-webhook-url|hooks\.slack|token-of/);
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
  expect(run.stdout).toContain('TXT     _smtp._tls.example.com  "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://tlsrpt.example.com/v1/report"');
  expect(run.stdout).toContain('TXT     _smtp._tls.example.net  "v=TLSRPTv1; rua=https://tlsrpt.example.com/v1/report"');
  expect(run.stdout).toContain('TXT     _smtp._tls.example.org  "v=TLSRPTv1; rua=mailto:tlsrpt@example.org"');
  const waits = (name: string) => run.stdout.split("\n").find((l) => l.startsWith(`${name}  waits for`)) ?? "";
  expect(waits("example-com-tlsrpt-txt")).toBe("example-com-tlsrpt-txt  waits for  tlsrpt-receiver-domain, tlsrpt-receiver-script");
  expect(waits("example-net-tlsrpt-txt")).toBe("example-net-tlsrpt-txt  waits for  tlsrpt-receiver-domain, tlsrpt-receiver-script");
  expect(waits("example-org-tlsrpt-txt")).not.toContain("tlsrpt-receiver");
});
