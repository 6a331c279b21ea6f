/**
 * Split an mbox file (RFC 4155) into its messages, streaming. Every message starts with a line
 * beginning "From "; a body line that begins so is written escaped as ">From " (mboxo and mboxrd
 * both), and mboxrd's extra ">" levels are removed on reading.
 *
 * Written here rather than taken from npm: the splitters there (node-mbox, mbox-reader) hold a
 * whole message, and a line without an end, in memory without any bound, so one damaged or
 * hostile mbox could exhaust memory. This one is linear in the input, keeps at most one message
 * of `maxMessageBytes`, and reports a larger message as too large instead of buffering it.
 */
import { createReadStream } from "node:fs";

export type MboxMessage = { readonly index: number; readonly bytes: Buffer } | { readonly index: number; readonly tooLarge: true };

const FROM = Buffer.from("From ");

/** The messages of an mbox file, one at a time. */
export async function* splitMbox(path: string, maxMessageBytes: number): AsyncGenerator<MboxMessage> {
  let parts: Buffer[] = [];
  let size = 0;
  let overflow = false;
  let index = 0;
  let started = false;
  let carry: Buffer | undefined; // a line not yet ended, or its first bytes when it is too long
  let carryOverflow = false;

  function* flush(): Generator<MboxMessage> {
    if (started) {
      index++;
      if (overflow) yield { index, tooLarge: true };
      else yield { index, bytes: Buffer.concat(parts, size) };
    }
    parts = [];
    size = 0;
    overflow = false;
  }

  function* line(l: Buffer): Generator<MboxMessage> {
    if (l.length >= 5 && l.subarray(0, 5).equals(FROM)) {
      yield* flush();
      started = true;
      return;
    }
    if (!started) return; // bytes before the first "From " line are not a message
    // mboxrd: ">From " with one or more ">" loses one.
    let body = l;
    if (l[0] === 0x3e) {
      let i = 0;
      while (i < l.length && l[i] === 0x3e) i++;
      if (l.subarray(i, i + 5).equals(FROM)) body = l.subarray(1);
    }
    if (overflow) return;
    if (size + body.length > maxMessageBytes) {
      overflow = true;
      parts = [];
      return;
    }
    parts.push(body);
    size += body.length;
  }

  // A line longer than a whole message is cut to its first 5 bytes: enough to know whether it
  // starts with "From " (then it is a separator); otherwise its message is too large.
  const endLongLine = function* (): Generator<MboxMessage> {
    const isFrom = carry!.subarray(0, 5).equals(FROM);
    carry = undefined;
    carryOverflow = false;
    if (isFrom) yield* line(FROM);
    else if (started) {
      overflow = true;
      parts = [];
    }
  };

  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      if (carryOverflow) yield* endLongLine();
      else {
        const l = carry ? Buffer.concat([carry, chunk.subarray(start, nl + 1)]) : chunk.subarray(start, nl + 1);
        carry = undefined;
        yield* line(l);
      }
      start = nl + 1;
    }
    if (start < chunk.length && !carryOverflow) {
      carry = carry ? Buffer.concat([carry, chunk.subarray(start)]) : Buffer.from(chunk.subarray(start));
      if (carry.length > maxMessageBytes) {
        carry = carry.subarray(0, 5);
        carryOverflow = true;
      }
    }
  }
  if (carryOverflow) yield* endLongLine();
  else if (carry) yield* line(carry);
  yield* flush();
}
