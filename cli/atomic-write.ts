/**
 * Writing a file so that a reader sees either the old content or the new one, never half of
 * it: the text goes to a temporary file in the same directory (so that the rename stays on one
 * file system), is flushed to disk, and is then renamed over the target (rename(2) replaces it
 * in one step). What `init --out` and `check --prometheus` write: a stack file a pull request
 * picks up, a textfile node_exporter's collector reads at any moment.
 *
 * The temporary name starts with a dot and ends in `.tmp`, so node_exporter's textfile
 * collector, which reads only `*.prom`, never reads it.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";

/** The file could not be written; nothing was replaced. */
export class AtomicWriteError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
  ) {
    super(`cannot write ${path}: ${code}`);
    this.name = "AtomicWriteError";
  }
}

/** Replace `path` with `text` in one step (see the module doc). */
export function writeFileAtomic(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    // "wx": never follow or reuse a file someone else put there.
    fd = openSync(temporary, "wx", 0o644);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temporary, { force: true });
    throw new AtomicWriteError(path, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
}
