/**
 * Helpers for the live-MX guard tests of both components.
 *
 * A guard that refuses the deployment makes a resource registration fail, which Pulumi's SDK
 * surfaces as an unhandled rejection, as the language host would see it. Jest would count that
 * against the test worker, so such a program runs in a separate Node process under the same mocks.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { TS_REGISTER } from "./ts-register";

export interface ChildRun {
  /** The rejections the program saw: error name and, for config errors, their issues. */
  readonly failures: { name: string; issues: unknown }[];
  /** Names of the resources the mock engine registered. */
  readonly registered: string[];
}

/** Declare one component (`exportName` from `modulePath`, relative to the repo) with `args` in a child process. */
export async function runComponentInChild(modulePath: string, exportName: string, args: unknown, options: { preview?: boolean } = {}): Promise<ChildRun> {
  const program = `
    const { installMocks } = require("./test/support/pulumi-mocks");
    const failures = [];
    process.on("unhandledRejection", (e) => failures.push({ name: e && e.name, issues: e && e.issues }));
    installMocks({ preview: ${options.preview ? "true" : "false"} }).then((engine) => {
      const Component = require(${JSON.stringify(modulePath)})[${JSON.stringify(exportName)}];
      new Component("uncovered", JSON.parse(process.env.COMPONENT_ARGS));
      const report = () => {
        process.stdout.write(JSON.stringify({ failures, registered: engine.resources.map((r) => r.name) }));
        process.exit(0);
      };
      // Done when the SDK's queue of registrations has drained (each succeeded or failed; a
      // failure's unhandled rejection is emitted on the turn after), or, when a failed
      // registration leaves the ones that wait for it pending for ever, when nothing is left to run.
      require("@pulumi/pulumi/runtime/settings").waitForRPCs().then(() => setImmediate(report));
      process.once("beforeExit", report);
    });`;
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ["-r", TS_REGISTER, "-e", program],
      { cwd: path.resolve(__dirname, "..", ".."), env: { ...process.env, COMPONENT_ARGS: JSON.stringify(args) }, timeout: 60000 },
      // The SDK's exit hook may make the exit code non-zero after a failed registration (as the
      // language host would); the report on stdout is what is checked.
      (error, out, err) => (out.startsWith("{") ? resolve(out) : reject(new Error(`${error?.message ?? "no report"}\n${err}`))),
    ),
  );
  return JSON.parse(stdout) as ChildRun;
}
