/**
 * The policy id (RFC 8461 §3.1: `id=` 1*32(ALPHA / DIGIT)) tells senders that the policy changed.
 * We derive it from the exact bytes that are served, so the same intent always yields the same id
 * (no diff in review, no needless refetch by senders), and any change to the served file yields a
 * new one. Never from a timestamp, never from the config: only from what a sender will download.
 */
import { createHash } from "node:crypto";

/** First 32 hex characters of SHA-256 over exactly `policy`'s bytes (UTF-8 for a string). */
export function policyId(policy: string | Uint8Array): string {
  return createHash("sha256").update(policy).digest("hex").slice(0, 32);
}
