/**
 * Every input the CLI reads has a size bound and a time bound (cli/bounded-read.ts), so none can
 * exhaust memory or hold the command forever. Before, `lint /dev/zero` grew to 1.2 GB and
 * aborted, and `yes | mta-sts lint`, a FIFO and `--ca-file /dev/zero` hung.
 *
 * Where a test guards against a hang, the jest timeout is well above the bound it expects (and
 * far below "forever"): not a timed assert, a test that fails by timing out.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { INPUT_LIMITS, readBoundedFile, readBoundedStream } from "../../cli/bounded-read";
import { CliError } from "../../cli/verb-contract";
import { runCli, spawnCli, stopCliProcesses } from "../support/cli";

let dir: string;
const writers = new Set<ChildProcess>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-bounded-"));
});
afterEach(() => {
  for (const w of writers) w.kill("SIGKILL");
  writers.clear();
  stopCliProcesses();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fifos = 0;
function fifo(): string {
  const path = join(dir, `fifo-${++fifos}`);
  execFileSync("mkfifo", [path]);
  return path;
}

/** A shell that opens `path` for writing and runs `script` with it on fd 3. */
function writer(path: string, script: string): ChildProcess {
  const child = spawn("sh", ["-c", `exec 3>"$0"; ${script}`, path], { stdio: "ignore" });
  writers.add(child);
  return child;
}

const small = { kind: "a test input", maxBytes: 1000, advice: "make it smaller" };

function caught(read: () => unknown): CliError {
  try {
    read();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error("the read was not refused");
}

describe("the limits of each kind of input", () => {
  test("a policy or TXT value: 128 KiB, twice the 64 KiB senders accept; a stack file 4 MiB; a PEM file 1 MiB", () => {
    expect(INPUT_LIMITS.policyOrTxt.maxBytes).toBe(128 * 1024);
    expect(INPUT_LIMITS.stackFile.maxBytes).toBe(4 * 1024 * 1024);
    expect(INPUT_LIMITS.pem.maxBytes).toBe(1024 * 1024);
  });
});

describe("readBoundedFile", () => {
  test("reads a file up to the limit, byte for byte", () => {
    const path = join(dir, "ok.txt");
    writeFileSync(path, "x".repeat(1000));
    expect(readBoundedFile(path, small).toString()).toBe("x".repeat(1000));
  });

  test("a regular file one byte over the limit is refused, naming the file, the limit and the advice", () => {
    const path = join(dir, "big.txt");
    writeFileSync(path, "x".repeat(1001));
    const error = caught(() => readBoundedFile(path, small));
    expect(error.code).toBe("io");
    expect(error.message).toBe(`${path} is larger than 1000 bytes, the limit for a test input: make it smaller`);
  });

  test("/dev/zero is refused at the limit instead of filling memory", () => {
    expect(caught(() => readBoundedFile("/dev/zero", INPUT_LIMITS.stackFile)).message).toMatch(/^\/dev\/zero is larger than 4194304 bytes, the limit for a stack or config file/);
  });

  test("a directory or a missing file is one message with the reason", () => {
    expect(caught(() => readBoundedFile(dir, small)).message).toBe(`cannot read ${dir}: EISDIR (it is a directory; give a file)`);
    expect(caught(() => readBoundedFile(join(dir, "missing"), small)).message).toBe(`cannot read ${join(dir, "missing")}: ENOENT`);
  });

  test(
    "a FIFO nobody writes to is given up after the no-writer time",
    () => {
      expect(caught(() => readBoundedFile(fifo(), small, { noWriterTimeoutMs: 100 })).message).toMatch(/^gave up reading .*fifo-\d+ after 0\.1 s: nothing wrote to it \(a FIFO without a writer\)$/);
    },
    5000,
  );

  test(
    "a FIFO whose writer holds it open and sends nothing is given up after the read time limit",
    async () => {
      const path = fifo();
      writer(path, "sleep 30");
      const error = caught(() => readBoundedFile(path, small, { timeoutMs: 200 }));
      expect(error.message).toMatch(/after 0\.2 s: its writer did not finish/);
    },
    10_000,
  );

  test(
    "a FIFO whose writer never stops is refused at the size limit",
    async () => {
      const path = fifo();
      writer(path, "yes >&3");
      expect(caught(() => readBoundedFile(path, small)).message).toMatch(/is larger than 1000 bytes/);
    },
    10_000,
  );

  test(
    "a FIFO written a little later and closed is read whole",
    async () => {
      const path = fifo();
      writer(path, 'sleep 0.1; printf "version: STSv1\\n" >&3');
      expect(readBoundedFile(path, small).toString()).toBe("version: STSv1\n");
    },
    10_000,
  );
});

describe("readBoundedStream (standard input)", () => {
  test("reads a stream to its end", async () => {
    expect((await readBoundedStream(Readable.from([Buffer.from("a"), Buffer.from("b")]), "standard input", small)).toString()).toBe("ab");
  });

  test("an endless stream is refused at the limit and destroyed, so its writer stops", async () => {
    const endless = new Readable({ read() { this.push(Buffer.alloc(512, 0x79)); } });
    await expect(readBoundedStream(endless, "standard input", small)).rejects.toThrow("standard input is larger than 1000 bytes, the limit for a test input: make it smaller");
    expect(endless.destroyed).toBe(true);
  });

  test("a stream that never ends is given up after its time limit", async () => {
    const silent = new PassThrough();
    await expect(readBoundedStream(silent, "standard input", small, { timeoutMs: 200 })).rejects.toThrow(/^gave up reading standard input after 0\.2 s: it did not end/);
  });
});

describe("the commands refuse unbounded input with exit 2 and one line", () => {
  test.each([
    [["lint", "/dev/zero"], /^mta-sts: \/dev\/zero is larger than 131072 bytes, the limit for a policy file or TXT value: senders refuse policies over 65536 bytes \(RFC 8461 §3\.3\)/],
    [["render", "--stack", "/dev/zero"], /^mta-sts: \/dev\/zero is larger than 4194304 bytes, the limit for a stack or config file/],
    [["plan", "--stack", "/dev/zero"], /^mta-sts: \/dev\/zero is larger than 4194304 bytes/],
    [["check", "example.com", "--ca-file", "/dev/zero"], /^mta-sts: --ca-file \/dev\/zero is larger than 1048576 bytes, the limit for a PEM file/],
    [["check", "example.com", "--stack", "/dev/zero"], /^mta-sts: \/dev\/zero is larger than 4194304 bytes/],
  ])("%j", async (argv, reason) => {
    const { code, out, err } = await runCli(argv);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(reason);
    expect(err.split("\n")).toHaveLength(2);
  });

  test("--json: the refusal as an io error object", async () => {
    const { code, out } = await runCli(["lint", "--json", "/dev/zero"]);
    expect(code).toBe(2);
    expect(JSON.parse(out)).toEqual({ ok: false, error: { code: "io", message: expect.stringMatching(/^\/dev\/zero is larger than 131072 bytes/) } });
  });

  // In processes: the old code blocked in open(2) for ever, which no timeout in this process could end.
  test(
    "a FIFO nobody writes to: lint, render --stack and --ca-file each give up after 2 s",
    async () => {
      const runs = await Promise.all([["lint"], ["render", "--stack"], ["check", "example.com", "--ca-file"]].map((argv) => spawnCli([...argv, fifo()])));
      for (const { code, err } of runs) {
        expect(code).toBe(2);
        expect(err).toMatch(/^mta-sts: (--ca-file )?.*fifo-\d+.* after 2 s: nothing wrote to it \(a FIFO without a writer\)$/m);
      }
    },
    60_000,
  );

  test(
    "`yes | mta-sts lint`: standard input is refused at the limit and the command ends",
    async () => {
      const { code, out, err } = await spawnCli(["lint"], { pipeFrom: "yes" });
      expect(code).toBe(2);
      expect(out).toBe("");
      expect(err).toMatch(/^mta-sts: standard input is larger than 131072 bytes, the limit for a policy file or TXT value/);
    },
    60_000,
  );

  test(
    "`mta-sts lint < /dev/zero`: the same",
    async () => {
      const { code, err } = await spawnCli(["lint", "-"], { stdin: "/dev/zero" });
      expect(code).toBe(2);
      expect(err).toMatch(/^mta-sts: standard input is larger than 131072 bytes/);
    },
    60_000,
  );
});
