/**
 * A posted report's bytes, bounded: at most `max` bytes as sent, and at most `max` bytes once
 * gunzip'd. With Web APIs only (`ReadableStream`, `DecompressionStream`), so it runs in workerd
 * as in Node.
 *
 * A gzip bomb inflates a few KiB into gigabytes. Decompression is fed 1 KiB at a time and read
 * between the writes; deflate expands at most about 1,032 times (a 258-byte match, RFC 1951
 * §3.2.5, in two bits), so no step can produce much more than 1 MiB before the count stops it,
 * and the stream is cancelled there.
 */
import { isGzip } from "../model/tlsrpt-report";

export type BodyResult = { ok: true; bytes: Uint8Array } | { ok: false; status: 400 | 413; message: string };

/** Bytes fed to the decompressor per write. */
const INFLATE_SLICE = 1024;

function tooLarge(what: string, max: number): BodyResult {
  return { ok: false, status: 413, message: `the report is larger than ${max} bytes ${what}; refused (a real report is a few KiB)` };
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * A body that is too large is still read (and dropped) up to this many times the limit before it
 * is refused: a sender that is still uploading when the connection closes gets a reset instead
 * of the 413, and retries. Beyond it the connection is closed at once.
 */
const DRAIN_FACTOR = 4;

/** Read and drop the rest of a refused body, up to `limit` bytes in all, then let it go. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, read: number, limit: number): Promise<void> {
  while (read <= limit) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
}

/**
 * The request body, refused (413) as soon as it passes `max` bytes: when `Content-Length`
 * says so, before anything is kept, else while it is read (a chunked body has no length).
 */
export async function readBoundedBody(body: ReadableStream<Uint8Array> | null, contentLength: string | null, max: number): Promise<BodyResult> {
  const declared = contentLength !== null && /^\d+$/.test(contentLength.trim()) ? Number(contentLength) : undefined;
  if (declared !== undefined && declared > max) {
    if (body && declared <= DRAIN_FACTOR * max) await drain(body.getReader(), 0, DRAIN_FACTOR * max);
    else await body?.cancel().catch(() => undefined);
    return tooLarge("as sent", max);
  }
  if (body === null) return { ok: true, bytes: new Uint8Array(0) };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await drain(reader, total, DRAIN_FACTOR * max);
      return tooLarge("as sent", max);
    }
    chunks.push(value);
  }
  return { ok: true, bytes: concat(chunks, total) };
}

/** Gunzip `bytes` (RFC 1952), refused (413) past `max` bytes of output, 400 when damaged. */
export async function gunzipBounded(bytes: Uint8Array, max: number): Promise<BodyResult> {
  const stream = new DecompressionStream("gzip");
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let stopped = false;
  // The writes run beside the reads; a write waits while the output is not read (backpressure).
  const feeding = (async () => {
    for (let offset = 0; offset < bytes.byteLength && !stopped; offset += INFLATE_SLICE) {
      await writer.write(bytes.subarray(offset, offset + INFLATE_SLICE));
    }
    if (!stopped) await writer.close();
  })();
  // Its failure is the reader's too; kept from being an unhandled rejection.
  feeding.catch(() => undefined);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        stopped = true;
        await reader.cancel().catch(() => undefined);
        await writer.abort().catch(() => undefined);
        return tooLarge("once decompressed", max);
      }
      chunks.push(value);
    }
    await feeding;
  } catch (err) {
    stopped = true;
    return { ok: false, status: 400, message: `the gzip data is damaged (${err instanceof Error ? err.message : String(err)})` };
  }
  return { ok: true, bytes: concat(chunks, total) };
}

/**
 * The report's JSON bytes: gunzip'd when they are gzip (RFC 1952's magic bytes decide, as for
 * report files: some senders label gzip as json and the reverse), else as sent.
 */
export async function reportBytes(body: ReadableStream<Uint8Array> | null, contentLength: string | null, max: number): Promise<BodyResult> {
  const sent = await readBoundedBody(body, contentLength, max);
  if (!sent.ok || !isGzip(sent.bytes)) return sent;
  return gunzipBounded(sent.bytes, max);
}
