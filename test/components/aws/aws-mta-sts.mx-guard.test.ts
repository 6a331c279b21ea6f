/**
 * The enforce guard inside AwsMtaSts: before the policy object or the `_mta-sts` id
 * change, the live MX hosts are looked up through `dnsResolver` (here a real UDP DNS server on a
 * random local port) and compared with the policy's mx patterns. An uncovered host fails the
 * deployment in `enforce` and is a warning in `testing`.
 *
 * Trap guarded against: a forgotten MX host in an enforce policy makes senders refuse to deliver
 * to it (RFC 8461 §4.1), i.e. bounced mail the moment the new id is published.
 */
import * as dgram from "node:dgram";
import type * as pulumiType from "@pulumi/pulumi";
import { runComponentInChild } from "../../support/component-child";
import { completedWithin, installMocks, MockEngine } from "../../support/pulumi-mocks";

type Args = import("../../../components/aws/aws-mta-sts").AwsMtaStsArgs;

/** A minimal authoritative DNS server answering MX questions from a table. */
class MxServer {
  readonly socket = dgram.createSocket("udp4");
  readonly questions: string[] = [];
  /** Called just before each answer is sent. */
  onAnswer: (name: string) => void = () => {};
  delayMs = 0;
  constructor(private readonly table: Record<string, string[]>) {}

  async start(): Promise<string> {
    this.socket.on("message", (query, peer) => void this.answer(query, peer));
    await new Promise<void>((resolve) => this.socket.bind(0, "127.0.0.1", resolve));
    return `127.0.0.1:${this.socket.address().port}`;
  }

  close(): void {
    this.socket.close();
  }

  private async answer(query: Buffer, peer: dgram.RemoteInfo): Promise<void> {
    let offset = 12;
    const labels: string[] = [];
    while (query[offset] !== 0) {
      labels.push(query.subarray(offset + 1, offset + 1 + query[offset]).toString("ascii"));
      offset += query[offset] + 1;
    }
    const questionEnd = offset + 5;
    const name = labels.join(".").toLowerCase();
    const qtype = query.readUInt16BE(offset + 1);
    this.questions.push(`${name}/${qtype}`);
    const hosts = this.table[name];
    const answers = qtype === 15 && hosts ? hosts.map((host, i) => mxAnswer(10 * (i + 1), host)) : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | (hosts ? 0 : 3), 2); // QR, AA, RD copied; NXDOMAIN if unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.onAnswer(name);
    this.socket.send(Buffer.concat([header, query.subarray(12, questionEnd), ...answers]), peer.port, peer.address);
  }
}

function encodeName(name: string): Buffer {
  return Buffer.concat([...name.split(".").map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, "ascii")])), Buffer.from([0])]);
}

function mxAnswer(preference: number, host: string): Buffer {
  const rdata = Buffer.concat([Buffer.from([preference >> 8, preference & 0xff]), encodeName(host)]);
  const fixed = Buffer.alloc(12);
  fixed.writeUInt16BE(0xc00c, 0); // the question's name
  fixed.writeUInt16BE(15, 2); // MX
  fixed.writeUInt16BE(1, 4); // IN
  fixed.writeUInt32BE(60, 6);
  fixed.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([fixed, rdata]);
}

let engine: MockEngine;
let AwsMtaSts: typeof import("../../../components/aws/aws-mta-sts").AwsMtaSts;
let pulumi: typeof pulumiType;
let server: MxServer;
let resolver: string;

beforeAll(async () => {
  engine = await installMocks();
  ({ AwsMtaSts } = await import("../../../components/aws/aws-mta-sts"));
  pulumi = await import("@pulumi/pulumi");
  server = new MxServer({
    "example.com": ["mx1.example.com", "a.mail.example.com"],
    "forgotten.example": ["mx1.forgotten.example", "backup-mx.provider.example"],
  });
  resolver = await server.start();
});
afterAll(() => server.close());
beforeEach(() => {
  engine.reset();
  server.questions.length = 0;
  server.delayMs = 0;
  server.onAnswer = () => {};
});

function args(domain: string, mode: "enforce" | "testing", mx: string[], extra: Partial<Args> = {}): Args {
  return { domain, hostedZoneId: "Z1", policy: { mode, mx, maxAgeSeconds: 1209600 }, dnsResolver: resolver, ...extra };
}

/** The guard refuses in preview as in `up`: the child runs the component in preview. */
const runProgramInChild = (componentArgs: Args) => runComponentInChild("./components/aws/aws-mta-sts", "AwsMtaSts", componentArgs, { preview: true });
const completed = (name: string) => completedWithin(engine, name, 8000);

describe("live MX guard", () => {
  test("enforce with every live MX covered publishes after asking the given resolver for the domain's MX", async () => {
    new AwsMtaSts("covered", args("example.com", "enforce", ["mx1.example.com", "*.mail.example.com"]), { transformations: [engine.captureOptions] });
    expect(await completed("covered-sts-txt")).toBe(true);
    expect(server.questions).toContain("example.com/15");
    expect(engine.byName("covered-policy").inputs.content).toContain("mode: enforce\r\n");
  });

  test("the policy object and the _mta-sts TXT are registered only after the MX answer arrived", async () => {
    server.delayMs = 300;
    server.onAnswer = () => engine.events.push({ kind: "completed", name: "dns-mx-answer" });
    new AwsMtaSts("gated", args("example.com", "enforce", ["mx1.example.com", "*.mail.example.com"]), { transformations: [engine.captureOptions] });
    expect(await completed("gated-sts-txt")).toBe(true);
    const at = (kind: string, name: string) => engine.events.findIndex((e) => e.kind === kind && e.name === name);
    expect(at("completed", "dns-mx-answer")).toBeGreaterThanOrEqual(0);
    expect(at("registered", "gated-policy")).toBeGreaterThan(at("completed", "dns-mx-answer"));
    expect(at("registered", "gated-sts-txt")).toBeGreaterThan(at("completed", "dns-mx-answer"));
    // Control: the bucket does not wait for the lookup.
    expect(at("registered", "gated-bucket")).toBeLessThan(at("completed", "dns-mx-answer"));
  });

  test("enforce with an uncovered live MX fails the preview with policy.mx named, before the policy or the id is published", async () => {
    const outcome = await runProgramInChild(args("forgotten.example", "enforce", ["mx1.forgotten.example"]));
    expect(server.questions).toContain("forgotten.example/15");
    expect(outcome.failures.length).toBeGreaterThan(0);
    for (const failure of outcome.failures) {
      expect(failure.name).toBe("MtaStsConfigError");
      expect(failure.issues).toEqual([{ path: "policy.mx", message: expect.stringContaining("backup-mx.provider.example") }]);
    }
    // What does not wait for the guard was declared; the policy object and the id were not.
    expect(outcome.registered).toEqual(expect.arrayContaining(["uncovered-bucket", "uncovered-cdn", "uncovered-cert"]));
    expect(outcome.registered).not.toContain("uncovered-policy");
    expect(outcome.registered).not.toContain("uncovered-sts-txt");
  });

  test("the same program with the forgotten MX added to policy.mx previews cleanly and declares the policy and the id", async () => {
    const outcome = await runProgramInChild(args("forgotten.example", "enforce", ["mx1.forgotten.example", "backup-mx.provider.example"]));
    expect(outcome.failures).toEqual([]);
    expect(outcome.registered).toEqual(expect.arrayContaining(["uncovered-policy", "uncovered-sts-txt"]));
  });

  test("testing with an uncovered live MX publishes and warns on the component", async () => {
    const warn = jest.spyOn(pulumi.log, "warn");
    try {
      const mail = new AwsMtaSts("warned", args("forgotten.example", "testing", ["mx1.forgotten.example"]), { transformations: [engine.captureOptions] });
      expect(await completed("warned-sts-txt")).toBe(true);
      const calls = warn.mock.calls.filter(([message]) => String(message).includes("backup-mx.provider.example"));
      expect(calls).toHaveLength(1);
      expect(String(calls[0][0])).toMatch(/^policy\.mx: /);
      expect(calls[0][1]).toBe(mail);
    } finally {
      warn.mockRestore();
    }
  });

  test("verifyLiveMx: false skips the lookup and publishes even an enforce policy with an uncovered MX", async () => {
    new AwsMtaSts("unchecked", args("forgotten.example", "enforce", ["mx1.forgotten.example"], { verifyLiveMx: false }), { transformations: [engine.captureOptions] });
    expect(await completed("unchecked-sts-txt")).toBe(true);
    expect(server.questions).toEqual([]);
  });
});
