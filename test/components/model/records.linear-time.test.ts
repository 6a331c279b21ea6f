/**
 * Untrusted text is parsed in linear time: a TXT record of 256 KiB (a policy line:
 * policy.linear-time.test.ts) of blanks (or dots, or escaped quotes) is read at once. The regular
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
const analyseStsRecord = (...txts: string[]) => callInWorker<Analysis>("components/model/records.ts", "analyseStsRecord", txts.map((t) => [t]));
const analyseTlsRptRecord = (...txts: string[]) => callInWorker<Analysis>("components/model/records.ts", "analyseTlsRptRecord", txts.map((t) => [t]));

describe("RFC 8461 §3.1, RFC 8460 §3: a TXT record of 256 KiB is read in linear time", () => {
  test(
    "blanks inside an _mta-sts field (the separator trim)",
    async () => {
      for (const { value, findings } of await analyseStsRecord(`v=STSv1; id=a${" ".repeat(RUN)}b`, `v=STSv1; id=a${"\t".repeat(RUN)}b`)) {
        expect(value).toBeUndefined();
        expect(findings[0]).toMatchObject({ severity: "error", kind: "invalid-value" });
      }
    },
    LINEAR,
  );

  test(
    "blanks inside a _smtp._tls field, and a rua whose domain is 256 KiB of dots and a second @",
    async () => {
      const [blanks, dots] = await analyseTlsRptRecord(`v=TLSRPTv1; rua=mailto:a@example.com${" ".repeat(RUN)}x`, `v=TLSRPTv1; rua=mailto:a@${".".repeat(RUN)}@`);
      expect(blanks.value).toBeUndefined();
      expect(dots.findings[0].message).toMatch(/is not mailto: with a valid address/);
    },
    LINEAR,
  );

  test(
    "a TXT value in dig's quoted form that never closes its string of escaped quotes (lint)",
    async () => {
      const [joined] = await callInWorker<string>("cli/lint.ts", "txtFromPresentation", [[`"${'\\"'.repeat(RUN / 2)}`]]);
      expect(joined).toBe("");
    },
    LINEAR,
  );
});
