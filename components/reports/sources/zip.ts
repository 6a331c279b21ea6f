/**
 * Reports in a zip archive (some mailbox exports and hand-made bundles). Read with yauzl; every
 * member is bounded (a member over the report bound is skipped without inflating the rest of it),
 * and so is the number of members. Members are recognised by content like any file.
 */
import { Entry, fromBuffer, ZipFile } from "yauzl";
import { MAX_REPORT_BYTES, parseTlsRptReport } from "../parse-report";
import { detectContent } from "./detect";
import { SOURCE_LIMITS, SourceEvent } from "./events";

function open(bytes: Uint8Array): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) => (err || !zip ? reject(err ?? new Error("no archive")) : resolve(zip))),
  );
}

function nextEntry(zip: ZipFile): Promise<Entry | undefined> {
  return new Promise((resolve, reject) => {
    const onEntry = (e: Entry) => { cleanup(); resolve(e); };
    const onEnd = () => { cleanup(); resolve(undefined); };
    const onError = (err: Error) => { cleanup(); reject(err); };
    const cleanup = () => { zip.off("entry", onEntry); zip.off("end", onEnd); zip.off("error", onError); };
    zip.on("entry", onEntry).on("end", onEnd).on("error", onError);
    zip.readEntry();
  });
}

function readEntry(zip: ZipFile, entry: Entry, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error("cannot open member"));
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (c: Buffer) => {
        size += c.length;
        if (size > max) {
          stream.destroy();
          reject(new Error(`larger than ${max} bytes`));
        } else chunks.push(c);
      });
      stream.on("end", () => resolve(Buffer.concat(chunks)));
      stream.on("error", reject);
    });
  });
}

/** Every report in a zip held in memory (bounded by the caller). */
export async function* readZipBuffer(bytes: Uint8Array, source: string): AsyncGenerator<SourceEvent> {
  if (bytes.byteLength > SOURCE_LIMITS.maxZipBytes) {
    yield { kind: "skipped", source, reason: `the archive is larger than ${SOURCE_LIMITS.maxZipBytes} bytes`, looksLikeReport: true };
    return;
  }
  let zip: ZipFile;
  try {
    zip = await open(bytes);
  } catch (err) {
    yield { kind: "skipped", source, reason: `not a readable zip archive (${(err as Error).message})`, looksLikeReport: true };
    return;
  }
  try {
    for (let n = 0; ; n++) {
      let entry: Entry | undefined;
      try {
        entry = await nextEntry(zip);
      } catch (err) {
        yield { kind: "skipped", source, reason: `damaged zip archive (${(err as Error).message})`, looksLikeReport: true };
        return;
      }
      if (!entry) return;
      if (n >= SOURCE_LIMITS.maxZipEntries) {
        yield { kind: "skipped", source, reason: `more than ${SOURCE_LIMITS.maxZipEntries} members; the rest were not read`, looksLikeReport: true };
        return;
      }
      if (entry.fileName.endsWith("/")) continue;
      const where = `${source}:${entry.fileName}`;
      // Members hold one report each; gzip'd ones are bounded again when they are inflated.
      const max = Math.min(SOURCE_LIMITS.maxFileBytes, MAX_REPORT_BYTES * 2);
      let data: Buffer;
      try {
        data = await readEntry(zip, entry, max);
      } catch (err) {
        yield { kind: "skipped", source: where, reason: `unreadable member (${(err as Error).message})`, looksLikeReport: true };
        continue;
      }
      const kind = detectContent(data);
      if (kind !== "gzip" && kind !== "json") {
        yield { kind: "skipped", source: where, reason: "not a report (neither JSON nor gzip)", looksLikeReport: false };
        continue;
      }
      const parsed = parseTlsRptReport(data);
      if (parsed.ok) yield { kind: "report", source: where, report: parsed.value, authenticated: false };
      else yield { kind: "skipped", source: where, reason: parsed.error.message, looksLikeReport: true };
    }
  } finally {
    zip.close();
  }
}
