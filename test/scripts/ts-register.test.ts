/**
 * scripts/ts-register.js runs this repository's TypeScript in Node: `npm start`, `npm run
 * mta-sts`, the base plan of `plan --base` from the sources, and every process the tests start.
 * Each case runs a real Node process with a cache folder of its own.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TS_REGISTER } from "../support/ts-register";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "mta-sts-ts-register-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(entry: string, cache: string) {
  const result = spawnSync(process.execPath, ["-r", TS_REGISTER, entry], { encoding: "utf8", timeout: 30_000, env: { ...process.env, MTA_STS_TS_CACHE: cache } });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

function writeProgram(greeting: string): string {
  writeFileSync(path.join(dir, "greeting.ts"), `export const greeting: string = ${JSON.stringify(greeting)};\n`);
  const main = path.join(dir, "main.ts");
  // A type annotation, an interface, and a lazily loaded module, as cli/main.ts loads its verbs.
  writeFileSync(main, `interface Said { text: string }\nimport("./greeting").then((m) => { const said: Said = { text: m.greeting }; process.stdout.write(said.text); });\n`);
  return main;
}

test("runs a TypeScript program whose modules are loaded with import()", () => {
  const main = writeProgram("hello");
  expect(run(main, path.join(dir, "cache"))).toEqual({ code: 0, out: "hello", err: "" });
});

test("a second process reads every module from the cache; an edited module is transpiled again", () => {
  const cache = path.join(dir, "cache");
  const main = writeProgram("one");
  expect(run(main, cache).out).toBe("one");
  const first = readdirSync(cache).sort();
  expect(first).toHaveLength(2);

  expect(run(main, cache).out).toBe("one");
  expect(readdirSync(cache).sort()).toEqual(first);

  writeProgram("two");
  expect(run(main, cache).out).toBe("two");
  const third = readdirSync(cache);
  expect(third).toHaveLength(3);
  expect(third).toEqual(expect.arrayContaining(first));
});

test("a cache folder that cannot be made only costs the cache: the program still runs", () => {
  const main = writeProgram("still");
  const notAFolder = path.join(dir, "file");
  writeFileSync(notAFolder, "");
  expect(run(main, path.join(notAFolder, "cache"))).toEqual({ code: 0, out: "still", err: "" });
});
