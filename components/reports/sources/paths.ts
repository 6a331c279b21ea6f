/**
 * Reports from paths given on the command line, any mix: report files (JSON or gzip), zip
 * archives, mails (`.eml`, Maildir entries), mbox files, and directories read recursively
 * (a Maildir's `cur/` and `new/` included, its `tmp/` of half-delivered mails left out). Every
 * file is recognised by its content. Streaming: one file, or one mbox message, at a time.
 */
import { closeSync, Dir, fstatSync, opendirSync, openSync, readSync } from "node:fs";
import { lstat, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseTlsRptReport } from "../parse-report";
import { ContentKind, detectContent } from "./detect";
import { ReportSourceError, SOURCE_LIMITS, SourceEvent } from "./events";
import { MailOptions, readMail } from "./mail";
import { splitMbox } from "./mbox";
import { readZipBuffer } from "./zip";

/** Check that every path exists before anything is read (a missing one means: could not run). */
export async function checkPaths(paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    try {
      await stat(p);
    } catch (err) {
      throw new ReportSourceError(`${p}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
}

/** Every report under the given paths. */
export async function* readReportPaths(paths: readonly string[], options: MailOptions = {}): AsyncGenerator<SourceEvent> {
  await checkPaths(paths);
  for (const p of paths) yield* readPath(p, options, 0);
}

async function* readPath(path: string, options: MailOptions, depth: number): AsyncGenerator<SourceEvent> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    yield { kind: "skipped", source: path, reason: `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, looksLikeReport: true };
    return;
  }
  if (info.isDirectory()) yield* readDirectory(path, options, depth);
  else if (info.isFile()) {
    const found = readFileByContent(path, options);
    if (isEvent(found)) yield found;
    else yield* found;
  }
}

async function* readDirectory(dir: string, options: MailOptions, depth: number): AsyncGenerator<SourceEvent> {
  if (depth >= SOURCE_LIMITS.maxDepth) {
    yield { kind: "skipped", source: dir, reason: `nested deeper than ${SOURCE_LIMITS.maxDepth} directories; not read`, looksLikeReport: false };
    return;
  }
  let handle: Dir;
  try {
    // Read synchronously, like the files in it: an asynchronous listing running beside the
    // synchronous reads of its files slowed both down.
    handle = opendirSync(dir, { bufferSize: 256 });
  } catch (err) {
    yield { kind: "skipped", source: dir, reason: `cannot read the directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`, looksLikeReport: true };
    return;
  }
  try {
    const maildir = await isMaildir(dir);
    for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
      const path = join(dir, entry.name);
      // A Maildir's tmp/ holds mails still being written (Maildir spec: readers ignore it).
      if (maildir && entry.name === "tmp") continue;
      // Symbolic links to directories are not followed: a link loop would never end.
      if (entry.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isDirectory()) continue;
      if (entry.isDirectory()) yield* readDirectory(path, options, depth + 1);
      else if (entry.isFile()) {
        const found = readFileByContent(path, options);
        if (isEvent(found)) yield found;
        else yield* found;
      } else yield* readPath(path, options, depth + 1);
    }
  } finally {
    handle.closeSync();
  }
}

async function isMaildir(dir: string): Promise<boolean> {
  const [cur, nw] = await Promise.all([lstat(join(dir, "cur")).catch(() => undefined), lstat(join(dir, "new")).catch(() => undefined)]);
  return Boolean(cur?.isDirectory() && nw?.isDirectory());
}

/**
 * Open a file and read what its first bytes call for. Local files are read synchronously: a
 * report is a few KiB, and one blocking read costs less than the thread-pool round trips of
 * several asynchronous ones (at 100,000 reports that was most of the run).
 */
function readBounded(path: string): { kind: ContentKind; bytes?: Buffer; size: number; limit: number } {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    // One read of the whole file when it is small enough for any kind; else only its head.
    const want = size <= SOURCE_LIMITS.maxFileBytes ? size : Math.min(size, 512);
    const buf = Buffer.allocUnsafe(want);
    let off = 0;
    while (off < want) {
      const n = readSync(fd, buf, off, want - off, off);
      if (n === 0) break;
      off += n;
    }
    const bytes = buf.subarray(0, off);
    const kind = detectContent(bytes.subarray(0, 512));
    const limit = kind === "zip" ? SOURCE_LIMITS.maxZipBytes : kind === "mail" ? SOURCE_LIMITS.maxMessageBytes : SOURCE_LIMITS.maxFileBytes;
    if (kind === "mbox" || kind === "other" || size > limit) return { kind, size, limit };
    if (want === size) return { kind, bytes, size, limit };
    // A zip larger than a report file but within the zip bound: read the rest.
    const all = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, all, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return { kind, bytes: all.subarray(0, got), size, limit };
  } finally {
    closeSync(fd);
  }
}

/**
 * What one file holds. A report file (the common case, a hundred thousand of them in a year's
 * export) is answered synchronously; mails, mboxes and archives asynchronously.
 */
function readFileByContent(path: string, options: MailOptions): SourceEvent | AsyncIterable<SourceEvent> {
  let read: ReturnType<typeof readBounded>;
  try {
    read = readBounded(path);
  } catch (err) {
    return { kind: "skipped", source: path, reason: `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, looksLikeReport: true };
  }
  const { kind, limit } = read;
  if (kind === "mbox") return readMbox(path, options);
  if (kind === "other") return { kind: "skipped", source: path, reason: "not a report, a mail, an mbox or a zip archive", looksLikeReport: false };
  if (!read.bytes) return { kind: "skipped", source: path, reason: `larger than ${limit} bytes; not read`, looksLikeReport: kind !== "mail" };
  const bytes = read.bytes;
  if (kind === "zip") return readZipBuffer(bytes, path);
  if (kind === "mail") return readMailEvents(bytes, path, options);
  const parsed = parseTlsRptReport(bytes);
  if (parsed.ok) return { kind: "report", source: path, report: parsed.value, authenticated: false };
  return { kind: "skipped", source: path, reason: parsed.error.message, looksLikeReport: true };
}

async function* readMailEvents(bytes: Buffer, path: string, options: MailOptions): AsyncGenerator<SourceEvent> {
  yield* await readMail(bytes, path, options);
}

async function* readMbox(path: string, options: MailOptions): AsyncGenerator<SourceEvent> {
  try {
    for await (const m of splitMbox(path, SOURCE_LIMITS.maxMessageBytes)) {
      const where = `${path}#${m.index}`;
      if ("tooLarge" in m) yield { kind: "skipped", source: where, reason: `the mail is larger than ${SOURCE_LIMITS.maxMessageBytes} bytes`, looksLikeReport: false };
      else yield* await readMail(m.bytes, where, options);
    }
  } catch (err) {
    yield { kind: "skipped", source: path, reason: `cannot read the mbox (${(err as NodeJS.ErrnoException).code ?? String(err)})`, looksLikeReport: true };
  }
}

function isEvent(x: SourceEvent | AsyncIterable<SourceEvent>): x is SourceEvent {
  return "kind" in x;
}
