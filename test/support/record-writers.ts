/**
 * The set-up the DNS record writer tests share: the recording mock engine (installed before the
 * file's tests, reset before each), a bare parent component with the dependsOn recorder, and a
 * TLS-RPT value longer than one TXT character-string (RFC 1035 §3.3.14).
 */
import type * as pulumi from "@pulumi/pulumi";
import { installMocks, MockEngine } from "./pulumi-mocks";

export interface RecordWriterSetup {
  readonly engine: MockEngine;
  /** A bare component to parent the records, with the dependsOn recorder installed. */
  parent(name: string): pulumi.ComponentResource;
}

/** Call at the top level of a test file, before its own `beforeAll` imports the writers. */
export function recordWriterSetup(): RecordWriterSetup {
  let engine: MockEngine | undefined;
  let sdk: typeof pulumi;
  beforeAll(async () => {
    engine = await installMocks();
    sdk = await import("@pulumi/pulumi");
  });
  beforeEach(() => engine?.reset());
  const ready = (): MockEngine => {
    if (!engine) throw new Error("the mock engine is installed in beforeAll");
    return engine;
  };
  return {
    get engine() {
      return ready();
    },
    parent: (name) => new sdk.ComponentResource("test:index:Parent", name, {}, { transformations: [ready().captureOptions] }),
  };
}

export const LONG_RUA = `v=TLSRPTv1; rua=${Array.from({ length: 12 }, (_, i) => `mailto:tls-reports-${i}@reports.example.com`).join(",")}`;
