/**
 * A tiny authoritative DNS server for tests (UDP, node:dgram, 127.0.0.1, random port): answers
 * A, AAAA, MX and TXT from an in-memory zone, NXDOMAIN for unknown names, NODATA for known names
 * without the type. TXT records keep their character-strings, so a record split into several
 * strings (RFC 1035 §3.3.14) reaches the client as it would from a real server. `mode` lets a
 * test make the server fail (`servfail`) or stay silent (`drop`) to exercise the "no answer" path.
 */
import { createSocket, RemoteInfo, Socket } from "node:dgram";

export interface ZoneEntry {
  A?: string[];
  AAAA?: string[];
  MX?: { priority: number; exchange: string }[];
  /** Each record is its list of character-strings (each at most 255 octets). */
  TXT?: string[][];
}

/** Names in lowercase, without trailing dot. */
export type Zone = Record<string, ZoneEntry>;

export interface TestDnsServer {
  readonly port: number;
  /** `127.0.0.1:<port>`, for `--resolver`. */
  readonly address: string;
  zone: Zone;
  mode: "answer" | "servfail" | "drop";
  /**
   * Names (and every name below them) answered as if `mode` were the given one: a domain whose
   * DNS times out or fails while the rest of the zone answers.
   */
  failing: Record<string, "servfail" | "drop">;
  /** Questions received, as `TYPE name`. */
  readonly queries: string[];
  close(): Promise<void>;
}

const TYPES: Record<number, keyof ZoneEntry> = { 1: "A", 28: "AAAA", 15: "MX", 16: "TXT" };

function encodeName(name: string): Buffer {
  const labels = name === "" ? [] : name.split(".");
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)])), Buffer.from([0])]);
}

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  while (msg[i] !== 0) {
    const len = msg[i];
    labels.push(msg.subarray(i + 1, i + 1 + len).toString("latin1"));
    i += 1 + len;
  }
  return { name: labels.join("."), end: i + 1 };
}

function rdata(type: keyof ZoneEntry, value: unknown): Buffer {
  switch (type) {
    case "A":
      return Buffer.from((value as string).split(".").map(Number));
    case "AAAA": {
      const [head, tail = ""] = (value as string).split("::");
      const h = head ? head.split(":") : [];
      const t = tail ? tail.split(":") : [];
      const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
      const out = Buffer.alloc(16);
      groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
      return out;
    }
    case "MX": {
      const mx = value as { priority: number; exchange: string };
      const pref = Buffer.alloc(2);
      pref.writeUInt16BE(mx.priority);
      return Buffer.concat([pref, encodeName(mx.exchange.replace(/\.$/, ""))]);
    }
    case "TXT":
      return Buffer.concat((value as string[]).map((s) => {
        const bytes = Buffer.from(s, "utf8");
        if (bytes.length > 255) throw new Error(`TXT character-string over 255 octets: ${s}`);
        return Buffer.concat([Buffer.from([bytes.length]), bytes]);
      }));
  }
}

function answer(query: Buffer, zone: Zone, mode: TestDnsServer["mode"]): Buffer {
  const id = query.readUInt16BE(0);
  const { name: rawName, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const name = rawName.toLowerCase();
  const entry = zone[name];
  const type = TYPES[qtype];
  const values = entry && type ? ((entry[type] ?? []) as unknown[]) : [];
  // RCODE: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN.
  const rcode = mode === "servfail" ? 2 : entry ? 0 : 3;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x8000 | 0x0400 | (query.readUInt16BE(2) & 0x0100) | rcode, 2); // QR, AA, RD copied
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rcode === 0 ? values.length : 0, 6);
  const answers = rcode !== 0 ? [] : values.map((v) => {
    const data = rdata(type, v);
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(qtype, 0);
    fixed.writeUInt16BE(1, 2); // IN
    fixed.writeUInt32BE(60, 4);
    fixed.writeUInt16BE(data.length, 8);
    return Buffer.concat([Buffer.from([0xc0, 0x0c]), fixed, data]); // name: pointer to the question
  });
  return Buffer.concat([header, question, ...answers]);
}

export async function startDnsServer(zone: Zone = {}): Promise<TestDnsServer> {
  const socket: Socket = createSocket("udp4");
  const server: TestDnsServer = {
    port: 0,
    address: "",
    zone,
    mode: "answer",
    failing: {},
    queries: [],
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on("message", (msg: Buffer, from: RemoteInfo) => {
    try {
      const { name, end } = readName(msg, 12);
      const lower = name.toLowerCase();
      server.queries.push(`${TYPES[msg.readUInt16BE(end)] ?? msg.readUInt16BE(end)} ${lower}`);
      const failing = Object.entries(server.failing).find(([n]) => lower === n || lower.endsWith(`.${n}`))?.[1];
      const mode = failing ?? server.mode;
      if (mode === "drop") return;
      socket.send(answer(msg, server.zone, mode), from.port, from.address);
    } catch {
      // A malformed question gets no answer, as from a real server under attack.
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const port = socket.address().port;
  Object.assign(server, { port, address: `127.0.0.1:${port}` });
  return server;
}
