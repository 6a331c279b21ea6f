/**
 * Replacing a file in one step (what `init --out` and `check --prometheus` write): a temporary
 * file in the same directory, then a rename, so a reader (node_exporter's textfile collector, a
 * pull request) sees the old content or the new one, never half; and a failure leaves the old one.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AtomicWriteError, writeFileAtomic } from "../../cli/atomic-write";

/** Called just before each rename the code under test makes, with what the directory holds then. */
let beforeRename: ((from: string, to: string) => void) | undefined;
jest.mock("node:fs", () => {
  const actual = jest.requireActual<typeof import("node:fs")>("node:fs");
  return {
    ...actual,
    renameSync: (from: string, to: string) => {
      beforeRename?.(from, to);
      actual.renameSync(from, to);
    },
  };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-atomic-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("the new content replaces the old, and no temporary file is left beside it", () => {
  const file = join(dir, "mta_sts.prom");
  writeFileSync(file, "old\n");
  writeFileAtomic(file, "new\n");
  expect(readFileSync(file, "utf8")).toBe("new\n");
  expect(readdirSync(dir)).toEqual(["mta_sts.prom"]);
});

test("the content is written under a dot name ending in .tmp in the same directory, which node_exporter's *.prom glob never reads, then renamed", () => {
  const file = join(dir, "mta_sts.prom");
  const renames: [string, string][] = [];
  beforeRename = (from, to) => {
    renames.push([from, to]);
    // At the moment of the rename, the target is still absent and the whole text is in the temporary file.
    expect(readFileSync(from, "utf8")).toBe("complete\n");
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/^\.mta_sts\.prom\.\d+\.[0-9a-f]{8}\.tmp$/)]);
  };
  try {
    writeFileAtomic(file, "complete\n");
  } finally {
    beforeRename = undefined;
  }
  expect(renames).toHaveLength(1);
  expect(renames[0][1]).toBe(file);
  expect(readFileSync(file, "utf8")).toBe("complete\n");
});

test("a rename that fails (the target is a directory) keeps what was there, removes the temporary file, and names the path", () => {
  const target = join(dir, "taken");
  mkdirSync(join(target, "inside"), { recursive: true });
  expect(() => writeFileAtomic(target, "x")).toThrow(AtomicWriteError);
  expect(() => writeFileAtomic(target, "x")).toThrow(new RegExp(`^cannot write ${target}: E[A-Z]+$`));
  expect(readdirSync(dir)).toEqual(["taken"]);
  expect(readdirSync(target)).toEqual(["inside"]);
});

test("a directory that does not exist: an AtomicWriteError with ENOENT, nothing created", () => {
  expect(() => writeFileAtomic(join(dir, "missing", "x.prom"), "x")).toThrow(/ENOENT$/);
  expect(readdirSync(dir)).toEqual([]);
});
