/**
 * A passing test run is quiet: what components log with `pulumi.log` under Pulumi's mocks goes
 * to the recording mock engine (test/support/pulumi-mocks.ts), where a test can assert on it,
 * instead of `console.warn` blocks with code frames in the middle of jest's report.
 */
import { idle, installMocks, MockEngine, settle } from "../support/pulumi-mocks";

let engine: MockEngine;
let AwsMtaSts: typeof import("../../components/aws/aws-mta-sts").AwsMtaSts;
let pulumi: typeof import("@pulumi/pulumi");

beforeAll(async () => {
  engine = await installMocks();
  ({ AwsMtaSts } = await import("../../components/aws/aws-mta-sts"));
  pulumi = await import("@pulumi/pulumi");
});
beforeEach(() => engine.reset());

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await settle(20);
}

test("a component's warning reaches the mock engine with the component's URN, and nothing is printed", async () => {
  const printed = jest.spyOn(console, "warn");
  try {
    const mail = new AwsMtaSts("short", { domain: "example.com", hostedZoneId: "Z123", policy: { mode: "testing", mx: ["mx1.example.com"], maxAgeSeconds: 3600 }, verifyLiveMx: false });
    const urn = await new Promise<string>((resolve) => mail.urn.apply(resolve));
    // The last record is declared last: once it is done, nothing of the component is still running.
    await until(() => engine.resources.some((r) => r.name === "short-sts-txt" && r.completedAt !== undefined));
    expect(engine.logs).toEqual([{ severity: "warning", message: expect.stringMatching(/^example\.com: policy\.maxAgeSeconds: 3600 s is under one day/), urn }]);
    expect(printed).not.toHaveBeenCalled();
  } finally {
    printed.mockRestore();
  }
});

test("info, warning and error are recorded as such (debug, the SDK's chatter, is not), and reset() forgets them", async () => {
  await Promise.all([pulumi.log.debug("d"), pulumi.log.info("i"), pulumi.log.warn("w"), pulumi.log.error("e")]);
  expect(engine.logs.map((l) => [l.severity, l.message, l.urn])).toEqual([
    ["info", "i", ""],
    ["warning", "w", ""],
    ["error", "e", ""],
  ]);
  engine.reset();
  expect(engine.logs).toEqual([]);
});

test("idle() resolves only once a resource declared with an input that resolves late has been through the engine", async () => {
  const late = new Promise<string>((resolve) => setTimeout(() => resolve("late value"), 300));
  class Thing extends pulumi.CustomResource {
    constructor(name: string, props: Record<string, unknown>) {
      super("test:index:Thing", name, props);
    }
  }
  new Thing("late-input", { value: pulumi.output(late) });
  expect(engine.resources).toEqual([]);
  await idle();
  expect(engine.byName("late-input")).toMatchObject({ inputs: { value: "late value" }, completedAt: 0 });
});
