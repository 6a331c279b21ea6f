/**
 * The README's "From testing to enforce" walks through real commands on examples/rollout/: each
 * command it shows, run in that order in a copy of the example (a git repository, so that
 * `--base HEAD` and `git checkout` work as in a clone), prints exactly the output shown under it.
 * The example's mailbox is what test/support/rollout-example.ts generates.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { runCli, runCliProcess } from "../support/cli";
import { rolloutExampleMbox } from "../support/rollout-example";
import { readmeSection } from "../support/readme";
import { rolloutWalkthrough } from "../support/rollout-walkthrough";

const root = path.join(__dirname, "..", "..");
const section = readmeSection("## From testing to enforce");

describe("examples/rollout/tls-reports.mbox is what test/support/rollout-example.ts generates (regenerate it as its header says)", () => {
  const committed = readFileSync(path.join(root, "examples/rollout/tls-reports.mbox"), "utf8");

  test("the generator is deterministic: two runs give the same bytes", () => {
    expect(rolloutExampleMbox()).toBe(rolloutExampleMbox());
  });

  test("the committed mailbox is the generated one: every line, and every gzip'd report decompressed", () => {
    // Deflate output is only as stable as the zlib build Node bundles (and the gzip header names
    // the OS), so the attachments are compared by what they hold: the report each one carries.
    expect(withReportsDecompressed(committed)).toEqual(withReportsDecompressed(rolloutExampleMbox()));
  });

  test("it holds the 95 report mails the walk-through counts, each with its gzip'd report", () => {
    expect(committed.match(/^From /gm)).toHaveLength(95);
    expect(withReportsDecompressed(committed).filter((l) => l.startsWith('<gzip> {"organization-name":'))).toHaveLength(95);
  });
});

/** The mbox's lines, each base64 attachment (after its blank line, up to the next blank line) replaced by its gunzipped text. */
function withReportsDecompressed(mbox: string): string[] {
  const lines = mbox.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    if (lines[i] !== "Content-Transfer-Encoding: base64" || lines[i + 1] !== "") continue;
    out.push("");
    let end = i + 2;
    while (end < lines.length && lines[end] !== "") end++;
    out.push(`<gzip> ${gunzipSync(Buffer.from(lines.slice(i + 2, end).join(""), "base64")).toString("utf8")}`);
    i = end - 1;
  }
  return out;
}

test("the stack excerpt is the example stack's own text", () => {
  const excerpt = /```yaml\n([\s\S]*?)```/.exec(section)![1];
  expect(readFileSync(path.join(root, "examples/rollout/Pulumi.rollout.yaml"), "utf8")).toContain(excerpt);
});

describe("every command shown prints the output shown under it", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "mta-sts-promote-docs-"));
    mkdirSync(path.join(dir, "examples"));
    cpSync(path.join(root, "examples/rollout"), path.join(dir, "examples/rollout"), { recursive: true });
    for (const args of [["init", "-q", "-b", "main"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "the example"]]) {
      expect(spawnSync("git", args, { cwd: dir }).status).toBe(0);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const blocks = rolloutWalkthrough();

  test("the section shows the walk-through's commands, in order", () => {
    expect(blocks.map((b) => b.command.split(" ").slice(0, 3).join(" "))).toEqual([
      "npx mta-sts reports",
      "npx mta-sts promote",
      "npx mta-sts promote",
      "npx mta-sts plan",
      "npx mta-sts promote",
      "npx mta-sts demote",
      "git checkout --",
    ]);
  });

  test(
    "run in order, each prints exactly its output, and the last puts the example back",
    async () => {
      for (const { command, output, status } of blocks) {
        const args = command.split(" ");
        // plan runs Pulumi's engine, one per process: a process of its own; the others in this one, in the example's directory.
        const run = args[0] === "npx" && args[2] !== "plan"
          ? await inDirectory(dir, () => runCli(args.slice(2))).then((r) => ({ stdout: r.out, stderr: r.err, status: r.code }))
          : args[0] === "npx"
          ? runCliProcess(args.slice(2), { cwd: dir, timeoutMs: 300_000 })
          : spawnSync(args[0], args.slice(1), { cwd: dir, encoding: "utf8", timeout: 60_000 });
        expect({ command, stderr: run.stderr }).toEqual({ command, stderr: "" });
        expect({ command, status: run.status }).toEqual({ command, status });
        expect({ command, stdout: run.stdout }).toEqual({ command, stdout: output });
      }
      expect(readFileSync(path.join(dir, "examples/rollout/Pulumi.rollout.yaml"), "utf8")).toBe(readFileSync(path.join(root, "examples/rollout/Pulumi.rollout.yaml"), "utf8"));
    },
    600_000,
  );
});

/** `fn` with `dir` as the working directory, as a command typed there sees it. */
async function inDirectory<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(before);
  }
}

test("the --json keys the section lists are the keys promote and demote print", async () => {
  const listed = (verb: string) => {
    const text = section.slice(section.indexOf(`\`${verb} --json\` prints \`{`));
    return [...text.slice(0, text.indexOf("}")).matchAll(/"(\w+)"/g)].map((m) => m[1]);
  };
  const stack = path.join(root, "examples/rollout/Pulumi.rollout.yaml");
  const promote = JSON.parse((await runCli(["promote", "--stack", stack, "--dry-run", "--json", path.join(root, "examples/rollout/tls-reports.mbox")])).out);
  expect(listed("promote")).toEqual(Object.keys(promote));
  // `"reason": { "code", "message" }`: an object's keys follow its own.
  const keys = (value: Record<string, unknown>): string[] => Object.entries(value).flatMap(([k, v]) => (k === "reason" ? [k, ...Object.keys(v as object)] : [k]));
  for (const [list, entry] of [["promoted", promote.promoted[0]], ["stayInTesting", promote.stayInTesting[0]]] as const) {
    const text = section.slice(section.indexOf(`\`${list}\` holds \`{`) + `\`${list}\` holds \``.length);
    let depth = 0;
    const end = [...text].findIndex((c) => (c === "{" ? (depth++, false) : c === "}" ? --depth === 0 : false));
    expect([...text.slice(0, end).matchAll(/"(\w+)"/g)].map((m) => m[1])).toEqual(keys(entry));
  }
  const demote = JSON.parse((await runCli(["demote", "--stack", stack, "example.com", "--dry-run", "--json"])).out);
  expect(listed("demote")).toEqual(Object.keys(demote));
});
