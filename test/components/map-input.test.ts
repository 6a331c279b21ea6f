/**
 * mapInput: plain values stay plain (no Output, no promises: the offline plan at 1000 domains
 * pays for every Output), Outputs and promises are mapped once resolved.
 */
import * as pulumi from "@pulumi/pulumi";
import { mapInput } from "../../components/map-input";
import { installMocks } from "../support/pulumi-mocks";

const resolved = <T>(value: pulumi.Input<T>): Promise<T> => new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));

beforeAll(async () => {
  await installMocks();
});

test("mapInput maps a plain value at once, to a plain value", () => {
  const mapped = mapInput("v=STSv1; id=abc", (v) => `"${v}"`);
  expect(pulumi.Output.isInstance(mapped)).toBe(false);
  expect(mapped).toBe('"v=STSv1; id=abc"');
});

test("mapInput maps an Output and a promise once they resolve", async () => {
  const fromOutput = mapInput(pulumi.output("a.example."), (v) => v.replace(/\.$/, ""));
  const fromPromise = mapInput(Promise.resolve("b.example."), (v) => v.replace(/\.$/, ""));
  expect(pulumi.Output.isInstance(fromOutput)).toBe(true);
  expect(pulumi.Output.isInstance(fromPromise)).toBe(true);
  expect(await resolved(fromOutput)).toBe("a.example");
  expect(await resolved(fromPromise)).toBe("b.example");
});
