/**
 * The guard helpers of components/guard/component-guard.ts: with the live MX guard off, a value
 * stays plain; with it on, the value (policy bytes, the `_mta-sts` id) waits for the verdict.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterGuard, afterGuardAnd } from "../../../components/guard/component-guard";
import { MxCoverage } from "../../../components/guard/mx-guard";
import { installMocks } from "../../support/pulumi-mocks";

const resolved = <T>(value: pulumi.Input<T>): Promise<T> => new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));

beforeAll(async () => {
  await installMocks();
});

test("with the guard off, afterGuard is the plain value; with it on, the value waits for the verdict", async () => {
  expect(afterGuard(undefined, "policy bytes")).toBe("policy bytes");
  let pass!: (coverage: MxCoverage) => void;
  const guard = pulumi.output(new Promise<MxCoverage>((resolve) => (pass = resolve)));
  let seen: string | undefined;
  pulumi.output(afterGuard(guard, "policy bytes")).apply((v) => (seen = v));
  await new Promise((r) => setTimeout(r, 20));
  expect(seen).toBeUndefined();
  pass({ level: "ok", message: "covered" } as MxCoverage);
  await new Promise((r) => setTimeout(r, 20));
  expect(seen).toBe("policy bytes");
});

test("afterGuardAnd waits for the upstream output, and for the guard when there is one", async () => {
  let etag!: (v: string) => void;
  const upstream = pulumi.output(new Promise<string>((resolve) => (etag = resolve)));
  let seen: string | undefined;
  afterGuardAnd(undefined, upstream, "v=STSv1; id=abc").apply((v) => (seen = v));
  await new Promise((r) => setTimeout(r, 20));
  expect(seen).toBeUndefined();
  etag("etag-1");
  expect(await resolved(afterGuardAnd(undefined, upstream, "v=STSv1; id=abc"))).toBe("v=STSv1; id=abc");
  expect(seen).toBe("v=STSv1; id=abc");

  let pass!: (coverage: MxCoverage) => void;
  const guard = pulumi.output(new Promise<MxCoverage>((resolve) => (pass = resolve)));
  let guarded: string | undefined;
  afterGuardAnd(guard, upstream, "v=STSv1; id=def").apply((v) => (guarded = v));
  await new Promise((r) => setTimeout(r, 20));
  expect(guarded).toBeUndefined();
  pass({ level: "ok", message: "covered" } as MxCoverage);
  await new Promise((r) => setTimeout(r, 20));
  expect(guarded).toBe("v=STSv1; id=def");
});
