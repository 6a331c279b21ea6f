/**
 * The pack as Pulumi runs it: `pulumi preview --policy-pack ./policies` starts
 * `@pulumi/pulumi/cmd/run-policy-pack` in the pack's directory, which compiles index.ts with
 * ts-node (type-checked) and serves the Analyzer gRPC API to the engine. This test does the same
 * (the Pulumi CLI itself cannot be downloaded here) and plays the engine: it reads the policies
 * and their default levels, configures levels as a `--policy-pack-config` file would, and sends
 * resources with known and unknown values.
 *
 * In `npm run test:e2e` (no root needed), with the other suites that run this project the way an
 * outside tool runs it: Pulumi's runner type-checks the whole pack before it serves. The rules
 * themselves are unit-tested in test/policies/rules/.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { RULES } from "../../policies/rules";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };

const ROOT = path.resolve(__dirname, "..", "..");
const LEVEL = analyzerProto.EnforcementLevel;
let pack: ChildProcess;
let client: any;

beforeAll(async () => {
  const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [path.join(ROOT, "policies")] });
  pack = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: path.join(ROOT, "policies"), stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  pack.stderr!.on("data", (d) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    pack.stdout!.once("data", (d) => resolve(Number(String(d).trim())));
    pack.once("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving:\n${stderr}`)));
  });
  client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 120000);

afterAll(() => {
  client?.close();
  pack?.kill();
});

const call = <T>(method: string, request: unknown): Promise<T> => new Promise((resolve, reject) => client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));

async function configure(levels: Record<string, number>): Promise<void> {
  const request = new analyzerProto.ConfigureAnalyzerRequest();
  for (const [name, level] of Object.entries(levels)) {
    const config = new analyzerProto.PolicyConfig();
    config.setEnforcementlevel(level);
    config.setProperties(Struct.fromJavaScript({}));
    request.getPolicyconfigMap().set(name, config);
  }
  await call("configure", request);
}

async function analyze(type: string, name: string, props: Record<string, unknown>) {
  const request = new analyzerProto.AnalyzeRequest();
  request.setType(type);
  request.setName(name);
  request.setUrn(`urn:pulumi:dev::proj::${type}::${name}`);
  request.setProperties(Struct.fromJavaScript(props as any));
  request.setOptions(new analyzerProto.AnalyzerResourceOptions());
  const response = await call<analyzerProto.AnalyzeResponse>("analyze", request);
  return response.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage() }));
}

const badTxt = { name: "_mta-sts.example.com", type: "TXT", records: ["v=STSv1; id=not valid"], zoneId: "Z1" };

describe("the pack runs under Pulumi's policy runner", () => {
  test("it announces every rule with its default level", async () => {
    const info = await call<analyzerProto.AnalyzerInfo>("getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe("pulumi-mta-sts");
    const announced = Object.fromEntries(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]));
    expect(announced).toEqual(Object.fromEntries(RULES.map((r) => [r.name, r.enforcementLevel === "mandatory" ? LEVEL.MANDATORY : LEVEL.ADVISORY])));
  });

  test("a hand-written invalid _mta-sts record is a mandatory violation by default, advisory or silent when configured so", async () => {
    await configure({});
    expect(await analyze("aws:route53/record:Record", "hand", badTxt)).toEqual([{ policy: "mta-sts-txt-record-valid", level: LEVEL.MANDATORY, message: expect.stringMatching(/id "not valid" must be 1 to 32 letters and digits/) }]);
    await configure({ "mta-sts-txt-record-valid": LEVEL.ADVISORY });
    expect((await analyze("aws:route53/record:Record", "hand", badTxt)).map((d) => d.level)).toEqual([LEVEL.ADVISORY]);
    await configure({ "mta-sts-txt-record-valid": LEVEL.DISABLED });
    expect(await analyze("aws:route53/record:Record", "hand", badTxt)).toEqual([]);
    await configure({});
  });

  test("a policy object whose content is unknown at preview gets Pulumi's advisory can't-run note, not a pass", async () => {
    const diagnostics = await analyze("aws:s3/bucketObjectv2:BucketObjectv2", "policy", { key: ".well-known/mta-sts.txt", content: unknownStringValue, contentType: "text/plain", bucket: unknownStringValue });
    // Both rules that read the bytes say so; neither passes nor blocks.
    expect(diagnostics).toEqual([
      { policy: "mta-sts-policy-file-valid", level: LEVEL.ADVISORY, message: expect.stringMatching(/can't run policy 'mta-sts-policy-file-valid'.*during preview: .*policy bytes are not known/) },
      { policy: "mta-sts-enforce-max-age", level: LEVEL.ADVISORY, message: expect.stringMatching(/can't run policy 'mta-sts-enforce-max-age'.*during preview: .*policy bytes are not known/) },
    ]);
  });
});
