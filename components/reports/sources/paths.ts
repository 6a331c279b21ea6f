/**
 * Reports from paths given on the command line, any mix: report files (JSON or gzip), zip
 * archives, mails (`.eml`, Maildir entries), mbox files, and directories read recursively
 * (a Maildir's `cur/` and `new/` included, its `tmp/` of half-delivered mails left out). Every
 * file is recognised by its content. Streaming: one file, or one mbox message, at a time.
 */
import { closeSync, Dirent, fstatSync, openSync, readSync } from "node:fs";
import { lstat, opendir, stat } from "node:fs/promises";
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
  let handle;
  try {
    handle = await opendir(dir, { bufferSize: 256 });
  } catch (err) {
    yield { kind: "skipped", source: dir, reason: `cannot read the directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`, looksLikeReport: true };
    return;
  }
  const maildir = await isMaildir(dir);
  for await (const entry of handle as AsyncIterable<Dirent>) {
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
    }
    else yield* readPath(path, options, depth + 1);
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
    const head = Buffer.alloc(Math.min(512, size));
    const got = readSync(fd, head, 0, head.length, 0);
    const kind = detectContent(head.subarray(0, got));
    const limit = kind === "zip" ? SOURCE_LIMITS.maxZipBytes : kind === "mail" ? SOURCE_LIMITS.maxMessageBytes : SOURCE_LIMITS.maxFileBytes;
    if (kind === "mbox" || kind === "other" || size > limit) return { kind, size, limit };
    const bytes = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, bytes, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return { kind, bytes: bytes.subarray(0, off), size, limit };
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
