/** DKIM-signed report mails for tests: a lab key, its DNS record, and mailauth's signer. */
import { generateKeyPairSync } from "node:crypto";
import { dkimSign } from "mailauth";

export interface LabDkimKey {
  readonly domain: string;
  readonly selector: string;
  readonly privateKey: string;
  /** The TXT record at `<selector>._domainkey.<domain>` (RFC 6376 §3.6.1). */
  readonly txt: string;
}

export function makeDkimKey(domain: string, selector = "lab"): LabDkimKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const spki = publicKey.export({ type: "spki", format: "der" }).toString("base64");
  return { domain, selector, privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), txt: `v=DKIM1; k=rsa; p=${spki}` };
}

/** Sign a raw mail with the key (relaxed/relaxed, rsa-sha256); returns the signed mail. */
export async function signMail(raw: string, key: LabDkimKey): Promise<string> {
  const result = await dkimSign(raw, {
    canonicalization: "relaxed/relaxed",
    signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey, algorithm: "rsa-sha256" }],
  } as Parameters<typeof dkimSign>[1]);
  if (result.errors?.length) throw new Error(`signing failed: ${JSON.stringify(result.errors)}`);
  return result.signatures + raw;
}

/** A report mail from `submitter` holding `reportJson` (gzip'd, base64) as RFC 8460 §5.3 describes. */
export function reportMail(opts: { from: string; submitter: string; domain: string; gzBase64: string; messageId: string }): string {
  const boundary = "----=_lab_boundary";
  return [
    `From: ${opts.from}`,
    `To: tlsrpt@${opts.domain}`,
    `Date: Mon, 02 Mar 2026 01:00:00 +0000`,
    `Subject: Report Domain: ${opts.domain} Submitter: ${opts.submitter}`,
    `Message-ID: <${opts.messageId}>`,
    `TLS-Report-Domain: ${opts.domain}`,
    `TLS-Report-Submitter: ${opts.submitter}`,
    `MIME-Version: 1.0`,
    `Content-Type: multipart/report; report-type="tlsrpt"; boundary="${boundary}"`,
    ``,
    `--${boundary}`,
    `Content-Type: text/plain; charset="us-ascii"`,
    ``,
    `This is an aggregate TLS report from ${opts.submitter}`,
    ``,
    `--${boundary}`,
    `Content-Type: application/tlsrpt+gzip`,
    `Content-Disposition: attachment; filename="${opts.submitter}!${opts.domain}!1772323200!1772409599.json.gz"`,
    `Content-Transfer-Encoding: base64`,
    ``,
    ...(opts.gzBase64.match(/.{1,76}/g) ?? []),
    ``,
    `--${boundary}--`,
    ``,
  ].join("\r\n");
}
