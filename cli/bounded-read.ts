/**
 * Reading the CLI's inputs (files named on the command line, standard input) with a size bound
 * and a time bound, so that no input can exhaust memory or hold the command forever:
 *
 * - `mta-sts lint /dev/zero` or `yes | mta-sts lint` stop at the limit of the input's kind plus
 *   one byte and are refused; a regular file over the limit is refused from its size, unread;
 * - a FIFO is opened without blocking (a plain open waits for a writer, in a thread that nothing
 *   can cancel). When nothing writes to it within `NO_WRITER_TIMEOUT_MS`, or when its data does
 *   not end within `READ_TIMEOUT_MS`, the read is refused; so is a pipe or device that never ends.
 *
 * The limits per kind are in `INPUT_LIMITS` and in the README. Every refusal is a `CliError`
 * with the code `io` that names the input, the limit and what to do.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import type { Readable } from "node:stream";
import { CliError } from "./verb-contract";

/** How much of one kind of input is read. */
export interface InputLimit {
  /** What the input is, for messages: "a policy file or TXT value". */
  readonly kind: string;
  /** Inputs longer than this many bytes are refused. */
  readonly maxBytes: number;
  /** Why the limit is what it is, and what to do; ends the refusal message. */
  readonly advice: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** The limit of each kind of input the CLI reads. */
export const INPUT_LIMITS = {
  /**
   * 128 KiB. RFC 8461 §3.3: senders refuse a policy over 64 KiB; reading up to twice that lets
   * `lint` report such a policy itself (with its size). A TXT value is far smaller.
   */
  policyOrTxt: { kind: "a policy file or TXT value", maxBytes: 128 * KiB, advice: "senders refuse policies over 65536 bytes (RFC 8461 §3.3); is this the right file?" },
  /** 4 MiB: a stack config of 1,000 domains takes a few hundred KiB. */
  stackFile: { kind: "a stack or config file", maxBytes: 4 * MiB, advice: "1,000 domains take a few hundred KiB; is this the right file?" },
  /** 1 MiB: a system CA bundle of about 150 certificates takes about 220 KiB. */
  pem: { kind: "a PEM file", maxBytes: 1 * MiB, advice: "a CA bundle of a few hundred certificates takes a few hundred KiB; is this the right file?" },
} as const satisfies Record<string, InputLimit>;

/** Data from a pipe, FIFO, device or non-terminal standard input must end within this time. */
export const READ_TIMEOUT_MS = 30_000;
/** A FIFO that nothing opens for writing is given up after this time. */
export const NO_WRITER_TIMEOUT_MS = 2_000;

export interface ReadOptions {
  /** How messages name the input; defaults to its path (`--ca-file ca.pem` reads better). */
  readonly label?: string;
  /** Defaults to `READ_TIMEOUT_MS` for files (only pipes, FIFOs and devices can take long); none for streams unless given. */
  readonly timeoutMs?: number;
  /** Defaults to `NO_WRITER_TIMEOUT_MS`. */
  readonly noWriterTimeoutMs?: number;
}

const CHUNK = 64 * KiB;
const POLL_MS = 20;

function tooLarge(name: string, limit: InputLimit): CliError {
  return new CliError("io", `${name} is larger than ${limit.maxBytes} bytes, the limit for ${limit.kind}: ${limit.advice}`);
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Sleep without returning to the event loop: the reader is synchronous, as its callers are. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Read the file at `path` (a regular file, a FIFO, a device such as /dev/stdin) with the size
 * bound of `limit` and the time bounds of `options`. Throws a `CliError` (`io`) naming the file.
 */
export function readBoundedFile(path: string, limit: InputLimit, options: ReadOptions = {}): Buffer {
  const name = options.label ?? path;
  const timeoutMs = options.timeoutMs ?? READ_TIMEOUT_MS;
  const noWriterTimeoutMs = options.noWriterTimeoutMs ?? NO_WRITER_TIMEOUT_MS;
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new CliError("io", `cannot read ${name}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new CliError("io", `cannot read ${name}: EISDIR (it is a directory; give a file)`);
    if (stat.isFile() && stat.size > limit.maxBytes) throw tooLarge(name, limit);

    const chunks: Buffer[] = [];
    let total = 0;
    let writerSeen = false;
    const started = Date.now();
    const buffer = Buffer.alloc(CHUNK);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, CHUNK, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== "EAGAIN" && code !== "EWOULDBLOCK") throw new CliError("io", `cannot read ${name}: ${code ?? String(err)}`);
        // A writer holds the FIFO (or the device is open) but has sent nothing yet.
        writerSeen = true;
        if (Date.now() - started > timeoutMs) {
          throw new CliError("io", `gave up reading ${name} after ${seconds(timeoutMs)}: its writer did not finish (a pipe, FIFO or device that stays open)`);
        }
        pause(POLL_MS);
        continue;
      }
      if (n === 0) {
        // A FIFO with no data and no writer reads as empty (POSIX read(2)); wait a little for one.
        if (stat.isFIFO() && total === 0 && !writerSeen) {
          if (Date.now() - started > noWriterTimeoutMs) {
            throw new CliError("io", `gave up reading ${name} after ${seconds(noWriterTimeoutMs)}: nothing wrote to it (a FIFO without a writer)`);
          }
          pause(POLL_MS);
          continue;
        }
        break;
      }
      writerSeen = true;
      total += n;
      if (total > limit.maxBytes) throw tooLarge(name, limit);
      chunks.push(Buffer.from(buffer.subarray(0, n)));
      if (!stat.isFile() && Date.now() - started > timeoutMs) {
        throw new CliError("io", `gave up reading ${name} after ${seconds(timeoutMs)}: it did not end (a pipe, FIFO or device that keeps sending)`);
      }
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/**
 * Read a stream (standard input) to its end with the size bound of `limit` and, when
 * `options.timeoutMs` is given, a time bound. `name` names it in messages ("standard input").
 * The stream is destroyed when the read is refused, so a writer such as `yes` stops.
 */
export function readBoundedStream(stream: Readable, name: string, limit: InputLimit, options: Pick<ReadOptions, "timeoutMs"> = {}): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const finish = (error: CliError | undefined): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      if (error) {
        stream.destroy();
        reject(error);
      } else {
        resolve(Buffer.concat(chunks, total));
      }
    };
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      total += bytes.length;
      if (total > limit.maxBytes) finish(tooLarge(name, limit));
      else chunks.push(bytes);
    };
    const onEnd = (): void => finish(undefined);
    const onError = (err: NodeJS.ErrnoException): void => finish(new CliError("io", `cannot read ${name}: ${err.code ?? err.message}`));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => finish(new CliError("io", `gave up reading ${name} after ${seconds(options.timeoutMs!)}: it did not end (close it, or give a file instead)`)), options.timeoutMs);
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.once("error", onError);
  });
}
