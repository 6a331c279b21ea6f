/**
 * Reports from paths given on the command line, any mix: report files (JSON or gzip), zip
 * archives, mails (`.eml`, Maildir entries), mbox files, and directories read recursively
 * (a Maildir's `cur/` and `new/` included, its `tmp/` of half-delivered mails left out). Every
 * file is recognised by its content. Streaming: one file, or one mbox message, at a time.
 */
import { Dirent } from "node:fs";
import { lstat, open, opendir, readFile, stat } from "node:fs/promises";
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
  else if (info.isFile()) yield* readFileByContent(path, info.size, options);
}

async function* readDirectory(dir: string, options: MailOptions, depth: number): AsyncGenerator<SourceEvent> {
  if (depth >= SOURCE_LIMITS.maxDepth) {
    yield { kind: "skipped", source: dir, reason: `nested deeper than ${SOURCE_LIMITS.maxDepth} directories; not read`, looksLikeReport: false };
    return;
  }
  let handle;
  try {
    handle = await opendir(dir);
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
    else yield* readPath(path, options, depth + 1);
  }
}

async function isMaildir(dir: string): Promise<boolean> {
  const [cur, nw] = await Promise.all([lstat(join(dir, "cur")).catch(() => undefined), lstat(join(dir, "new")).catch(() => undefined)]);
  return Boolean(cur?.isDirectory() && nw?.isDirectory());
}

async function head(path: string): Promise<Uint8Array> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function* readFileByContent(path: string, size: number, options: MailOptions): AsyncGenerator<SourceEvent> {
  let kind: ContentKind;
  try {
    kind = detectContent(await head(path));
  } catch (err) {
    yield { kind: "skipped", source: path, reason: `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, looksLikeReport: true };
    return;
  }
  if (kind === "mbox") {
    try {
      for await (const m of splitMbox(path, SOURCE_LIMITS.maxMessageBytes)) {
        const where = `${path}#${m.index}`;
        if ("tooLarge" in m) yield { kind: "skipped", source: where, reason: `the mail is larger than ${SOURCE_LIMITS.maxMessageBytes} bytes`, looksLikeReport: false };
        else yield* await readMail(m.bytes, where, options);
      }
    } catch (err) {
      yield { kind: "skipped", source: path, reason: `cannot read the mbox (${(err as NodeJS.ErrnoException).code ?? String(err)})`, looksLikeReport: true };
    }
    return;
  }
  if (kind === "other") {
    yield { kind: "skipped", source: path, reason: "not a report, a mail, an mbox or a zip archive", looksLikeReport: false };
    return;
  }
  const limit = kind === "zip" ? SOURCE_LIMITS.maxZipBytes : kind === "mail" ? SOURCE_LIMITS.maxMessageBytes : SOURCE_LIMITS.maxFileBytes;
  if (size > limit) {
    yield { kind: "skipped", source: path, reason: `larger than ${limit} bytes; not read`, looksLikeReport: kind !== "mail" };
    return;
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    yield { kind: "skipped", source: path, reason: `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, looksLikeReport: true };
    return;
  }
  if (bytes.length > limit) {
    yield { kind: "skipped", source: path, reason: `larger than ${limit} bytes; not read`, looksLikeReport: kind !== "mail" };
    return;
  }
  if (kind === "zip") yield* readZipBuffer(bytes, path);
  else if (kind === "mail") yield* await readMail(bytes, path, options);
  else {
    const parsed = parseTlsRptReport(bytes);
    if (parsed.ok) yield { kind: "report", source: path, report: parsed.value, authenticated: false };
    else yield { kind: "skipped", source: path, reason: parsed.error.message, looksLikeReport: true };
  }
}
