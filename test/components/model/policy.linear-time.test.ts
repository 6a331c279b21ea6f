/**
 * Untrusted text is parsed in linear time: a policy line of 256 KiB (a TXT record:
 * records.linear-time.test.ts) of blanks (or dots, or escaped quotes) is read at once. The regular
 * expressions these replaced (`/[ \t]+$/`, `/^[ \t]+|[ \t]+$/g`, `/\.+$/`, `/[^@\s]+\.[^@\s]+$/`,
 * `/"((?:[^"\\]|\\.)*)"/g`) backtrack quadratically over such runs: half a minute or more for each
 * 256 KiB line on the machines this was measured on, ten minutes for one of 1 MB.
 *
 * Not a timed assert: the inputs are parsed in a worker thread and the test waits for the answer
 * with a jest timeout (LINEAR) far above what linear code needs (milliseconds, plus a second or
 * two to start the worker) and far below what the quadratic code needed. Quadratic code
 * therefore fails these tests by timing out.
 */
import type { Finding } from "../../../components/model/findings";
import { callInWorker, stopWorkers } from "../../support/in-worker";

const LINEAR = 15_000;
const RUN = 256 * 1024;

afterEach(stopWorkers);

type Analysis = { value?: unknown; findings: Finding[] };
const analysePolicy = (...texts: string[]) => callInWorker<Analysis>("components/model/policy.ts", "analysePolicy", texts.map((t) => [t]));
const policy = (line: string) => `version: STSv1\nmode: testing\n${line}\nmax_age: 86400\n`;

describe("RFC 8461 §3.2: a policy line of 256 KiB is read in linear time", () => {
  test(
    "blanks inside a value, before its last character (the trailing-WSP trim)",
    async () => {
      const results = await analysePolicy(...[" ", "\t", " \t"].map((blank) => policy(`mx: a${blank.repeat(RUN / blank.length)}b`)));
      for (const { value, findings } of results) {
        expect(value).toBeUndefined();
        expect(findings.some((f) => f.severity === "error" && f.line === 3)).toBe(true);
      }
    },
    LINEAR,
  );

  test(
    "an mx of dots ending in a dot (the advice that removes the trailing dots)",
    async () => {
      const [{ findings }] = await analysePolicy(policy(`mx: a${".".repeat(RUN)}b.`));
      expect(findings.some((f) => f.line === 3 && /ends with a dot/.test(f.message))).toBe(true);
    },
    LINEAR,
  );
});
