/**
 * Reports from paths given on the command line, any mix: report files (JSON or gzip), zip
 * archives, mails (`.eml`, Maildir entries), mbox files, and directories read recursively
 * (a Maildir's `cur/` and `new/` included, its `tmp/` of half-delivered mails left out). Every
 * file is recognised by its content. Streaming: one file, or one mbox message, at a time.
 *
 * Local files and directories are read synchronously: a report is a few KiB, and one blocking
 * read costs less than the thread-pool round trips of several asynchronous ones. Only mails,
 * mboxes and archives are read asynchronously (their parsers are), and their readers, with the
 * MIME, DKIM and zip libraries, are loaded when the first of them is met: a directory of report
 * files needs none of them.
 */
import { closeSync, Dir, fstatSync, lstatSync, opendirSync, openSync, readSync, statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { parseTlsRptReport } from "../parse-report";
import { ContentKind, detectContent } from "./detect";
import { ReportSourceError, SOURCE_LIMITS, SourceEvent } from "./events";
import type { MailOptions } from "./mail";

const mailReader = () => require("./mail") as typeof import("./mail");
const mboxReader = () => require("./mbox") as typeof import("./mbox");
const zipReader = () => require("./zip") as typeof import("./zip");

/** What the walk meets: an event, or the events of a mail, mbox or archive, still to be read. */
type Found = SourceEvent | AsyncIterable<SourceEvent>;

/** Events per batch of `readReportBatches`. */
const BATCH = 64;

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
  for await (const batch of readReportBatches(paths, options)) yield* batch;
}

/**
 * Every report under the given paths, in batches of up to 64 events in the order they are read:
 * a hundred thousand report files cost a few thousand awaits, not one (or three, through the
 * nested directories) per report.
 */
export async function* readReportBatches(paths: readonly string[], options: MailOptions = {}): AsyncGenerator<SourceEvent[]> {
  await checkPaths(paths);
  let batch: SourceEvent[] = [];
  for (const p of paths) {
    for (const found of walkPath(p, options, 0)) {
      if (isEvent(found)) batch.push(found);
      else {
        for await (const e of found) {
          batch.push(e);
          if (batch.length >= BATCH) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

function* walkPath(path: string, options: MailOptions, depth: number): Generator<Found> {
  let info;
  try {
    info = statSync(path);
  } catch (err) {
    yield { kind: "skipped", source: path, reason: `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, looksLikeReport: true };
    return;
  }
  if (info.isDirectory()) yield* walkDirectory(path, options, depth);
  else if (info.isFile()) yield readFileByContent(path, options);
}

function* walkDirectory(dir: string, options: MailOptions, depth: number): Generator<Found> {
  if (depth >= SOURCE_LIMITS.maxDepth) {
    yield { kind: "skipped", source: dir, reason: `nested deeper than ${SOURCE_LIMITS.maxDepth} directories; not read`, looksLikeReport: false };
    return;
  }
  let handle: Dir;
  try {
    handle = opendirSync(dir, { bufferSize: 256 });
  } catch (err) {
    yield { kind: "skipped", source: dir, reason: `cannot read the directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`, looksLikeReport: true };
    return;
  }
  try {
    const maildir = isMaildir(dir);
    // join(dir, name) for every entry, with the directory normalised once: an entry's name is
    // never "." or ".." and holds no separator, so it only ever follows the prefix.
    const prefix = join(dir, "x").slice(0, -1);
    for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
      const path = prefix + entry.name;
      // A Maildir's tmp/ holds mails still being written (Maildir spec: readers ignore it).
      if (maildir && entry.name === "tmp") continue;
      if (entry.isFile()) yield readFileByContent(path, options);
      else if (entry.isDirectory()) yield* walkDirectory(path, options, depth + 1);
      // Symbolic links to directories are not followed: a link loop would never end.
      else if (entry.isSymbolicLink() && isDirectory(path)) continue;
      else yield* walkPath(path, options, depth + 1);
    }
  } finally {
    handle.closeSync();
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isMaildir(dir: string): boolean {
  const isDir = (p: string) => lstatSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
  return isDir(join(dir, "cur")) && isDir(join(dir, "new"));
}

/** Every file's first read lands here: most files are a report of a few KiB, read in one go. */
const FIRST_READ = Buffer.allocUnsafe(64 * 1024);

/**
 * Open a file and read what its first bytes call for. Local files are read synchronously: a
 * report is a few KiB, and one blocking read costs less than the thread-pool round trips of
 * several asynchronous ones (at 100,000 reports that was most of the run).
 *
 * A file that fits in `FIRST_READ` is read without asking its size: a read that returns less
 * than asked, then one that returns nothing, is the whole file (an fstat, with the Stats object
 * Node builds for it, cost more than the read). Its bytes are then a view of `FIRST_READ` for a
 * report (parsed at once, before the next file is read), a copy for a mail or an archive.
 */
function readBounded(path: string): { kind: ContentKind; bytes?: Buffer; size: number; limit: number } {
  const fd = openSync(path, "r");
  try {
    const n = readSync(fd, FIRST_READ, 0, FIRST_READ.length, 0);
    if (n < FIRST_READ.length && readSync(fd, FIRST_READ, n, 1, n) === 0) {
      const whole = FIRST_READ.subarray(0, n);
      const kind = detectContent(whole.subarray(0, 512));
      const limit = limitFor(kind);
      if (kind === "mbox" || kind === "other") return { kind, size: n, limit };
      return { kind, bytes: kind === "gzip" || kind === "json" ? whole : Buffer.from(whole), size: n, limit };
    }
    return readLarge(fd);
  } finally {
    closeSync(fd);
  }
}

/** A file larger than `FIRST_READ`: its size first, then all of it if its kind allows that size. */
function readLarge(fd: number): { kind: ContentKind; bytes?: Buffer; size: number; limit: number } {
  const size = fstatSync(fd).size;
  const head = Buffer.allocUnsafe(Math.min(size, 512));
  const kind = detectContent(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
  const limit = limitFor(kind);
  if (kind === "mbox" || kind === "other" || size > limit) return { kind, size, limit };
  const all = Buffer.allocUnsafe(size);
  let got = 0;
  while (got < size) {
    const n = readSync(fd, all, got, size - got, got);
    if (n === 0) break;
    got += n;
  }
  return { kind, bytes: all.subarray(0, got), size, limit };
}

function limitFor(kind: ContentKind): number {
  return kind === "zip" ? SOURCE_LIMITS.maxZipBytes : kind === "mail" ? SOURCE_LIMITS.maxMessageBytes : SOURCE_LIMITS.maxFileBytes;
}

/**
 * What one file holds. A report file (the common case, a hundred thousand of them in a year's
 * export) is answered synchronously; mails, mboxes and archives asynchronously.
 */
function readFileByContent(path: string, options: MailOptions): Found {
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
  if (kind === "zip") return zipReader().readZipBuffer(bytes, path);
  if (kind === "mail") return readMailEvents(bytes, path, options);
  // Parsed now: `bytes` may be a view of FIRST_READ, which the next file overwrites.
  const parsed = parseTlsRptReport(bytes);
  if (parsed.ok) return { kind: "report", source: path, report: parsed.value, authenticated: false };
  return { kind: "skipped", source: path, reason: parsed.error.message, looksLikeReport: true };
}

async function* readMailEvents(bytes: Buffer, path: string, options: MailOptions): AsyncGenerator<SourceEvent> {
  yield* await mailReader().readMail(bytes, path, options);
}

async function* readMbox(path: string, options: MailOptions): AsyncGenerator<SourceEvent> {
  try {
    const { readMail } = mailReader();
    for await (const m of mboxReader().splitMbox(path, SOURCE_LIMITS.maxMessageBytes)) {
      const where = `${path}#${m.index}`;
      if ("tooLarge" in m) yield { kind: "skipped", source: where, reason: `the mail is larger than ${SOURCE_LIMITS.maxMessageBytes} bytes`, looksLikeReport: false };
      else yield* await readMail(m.bytes, where, options);
    }
  } catch (err) {
    yield { kind: "skipped", source: path, reason: `cannot read the mbox (${(err as NodeJS.ErrnoException).code ?? String(err)})`, looksLikeReport: true };
  }
}

function isEvent(x: Found): x is SourceEvent {
  return "kind" in x;
}
