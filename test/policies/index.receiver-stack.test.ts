/**
 * The policy pack against a stack with the kit's TLS-RPT receiver
 * (examples/receiver/Pulumi.receiver.yaml): the receiver's Worker, bucket and custom domain, and
 * the `_smtp._tls` records that name it, break none of the pack's rules (its Worker serves no
 * MTA-STS policy, and its name is its own in the account).
 */
import type { PlannedResource } from "../../cli/plan-engine";
import { asRuleResources, captureExampleStack } from "../support/policy-resources";
import { runPack } from "../support/policy-pack";

let planned: PlannedResource[];
beforeAll(async () => {
  planned = await captureExampleStack("examples/receiver/Pulumi.receiver.yaml");
}, 120000);

test("the receiver's resources are in the capture", () => {
  const names = planned.map((p) => p.name);
  for (const name of ["tlsrpt-receiver-bucket", "tlsrpt-receiver-token", "tlsrpt-receiver-script", "tlsrpt-receiver-domain"]) expect(names).toContain(name);
});

test("no rule reports a violation, and none is left unable to judge at preview", async () => {
  expect(await runPack(asRuleResources(planned))).toEqual({ violations: [], cannotRun: [] });
});
