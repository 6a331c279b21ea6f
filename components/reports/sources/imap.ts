/**
 * Reports from an IMAP mailbox: `imaps://user@host[:port]/MAILBOX` (TLS from the start, port 993)
 * or `imap://user@host[:port]/MAILBOX` (STARTTLS required, port 143; a server that does not
 * offer it is refused, so the password never crosses the network in clear). The client is
 * imapflow. The mailbox is opened read-only (EXAMINE) and bodies are fetched with BODY.PEEK, so
 * nothing is marked; with `markSeen`, the mails that held a report are flagged \Seen afterwards.
 *
 * Streaming: the UIDs and sizes are listed first (a few bytes per mail), then the mails are
 * fetched in batches of bounded total size; a mail over the mail bound is skipped unread.
 */
import { isIP } from "node:net";
import { ImapFlow } from "imapflow";
import { ReportSourceError, SOURCE_LIMITS, SourceEvent } from "./events";
import { MailOptions, readMail } from "./mail";

export interface ImapOptions extends MailOptions {
  /** The password (from MTA_STS_IMAP_PASSWORD or --password-file; never from the URL). */
  readonly password: string;
  /** Only mails received on or after this day (`YYYY-MM-DD`), less one day for delivery. Defaults to all. */
  readonly since?: string;
  /** Flag the mails that held a report \Seen. Defaults to false: the mailbox is not changed. */
  readonly markSeen?: boolean;
  /** Extra CA certificates (PEM) to trust, e.g. a lab CA. Defaults to the system's. */
  readonly ca?: Buffer;
  /** Time limit of connecting and of each wait for the server, in ms. Defaults to 30000. */
  readonly timeoutMs?: number;
}

export interface ImapTarget {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly mailbox: string;
  /** The URL without anything secret, for messages and sources. */
  readonly display: string;
}

/** Parse `imaps://user@host/INBOX`; a password in the URL is refused. */
export function parseImapUrl(text: string): ImapTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ReportSourceError(`${text} is not a URL; write imaps://user@host/INBOX`);
  }
  if (url.protocol !== "imaps:" && url.protocol !== "imap:") throw new ReportSourceError(`${text}: only imaps:// and imap:// (with STARTTLS) are read`);
  if (url.password) throw new ReportSourceError("the IMAP URL holds a password: never put it on the command line; set MTA_STS_IMAP_PASSWORD or use --password-file");
  if (!url.username) throw new ReportSourceError(`${url.protocol}//${url.host}${url.pathname}: no user; write ${url.protocol}//user@${url.host}${url.pathname}`);
  const secure = url.protocol === "imaps:";
  const user = decodeURIComponent(url.username);
  const mailbox = decodeURIComponent(url.pathname.replace(/^\//, "")) || "INBOX";
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port ? Number(url.port) : secure ? 993 : 143;
  return { secure, host, port, user, mailbox, display: `${url.protocol}//${encodeURIComponent(user)}@${url.host}/${encodeURIComponent(mailbox)}` };
}

/** Every report in the mailbox. Throws `ReportSourceError` when it cannot connect or log in. */
export async function* readImapMailbox(urlText: string, options: ImapOptions): AsyncGenerator<SourceEvent> {
  const target = parseImapUrl(urlText);
  const timeout = options.timeoutMs ?? 30000;
  const client = new ImapFlow({
    host: target.host,
    port: target.port,
    secure: target.secure,
    doSTARTTLS: target.secure ? undefined : true,
    auth: { user: target.user, pass: options.password },
    logger: false,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // RFC 6066 §3: SNI carries host names only, never an address.
    tls: { ...(options.ca ? { ca: options.ca } : {}), ...(isIP(target.host) ? {} : { servername: target.host }) },
    disableAutoIdle: true,
  });
  client.on("error", () => undefined); // reported through the failing command instead
  try {
    await client.connect();
  } catch (err) {
    throw new ReportSourceError(`${target.display}: cannot log in (${describe(err)})`);
  }
  try {
    try {
      await client.mailboxOpen(target.mailbox, { readOnly: !options.markSeen });
    } catch (err) {
      throw new ReportSourceError(`${target.display}: cannot open the mailbox (${describe(err)})`);
    }
    let uids: number[];
    if (options.since) {
      const since = new Date(Date.parse(`${options.since}T00:00:00Z`) - 86400000);
      uids = ((await client.search({ since }, { uid: true })) || []) as number[];
    } else uids = ((await client.search({ all: true }, { uid: true })) || []) as number[];
    if (uids.length === 0) return;

    const sizes = new Map<number, number>();
    for await (const m of client.fetch(uids, { uid: true, size: true }, { uid: true })) sizes.set(m.uid, m.size ?? 0);

    const batch: number[] = [];
    let batchBytes = 0;
    const flush = async function* (): AsyncGenerator<SourceEvent> {
      if (batch.length === 0) return;
      const withReport: number[] = [];
      const collected: { uid: number; source: Buffer }[] = [];
      for await (const m of client.fetch(batch.slice(), { uid: true, source: { maxLength: SOURCE_LIMITS.maxMessageBytes } }, { uid: true })) {
        if (m.source) collected.push({ uid: m.uid, source: m.source });
      }
      batch.length = 0;
      batchBytes = 0;
      for (const { uid, source } of collected) {
        const events = await readMail(source, `${target.display}#${uid}`, options);
        if (events.some((e) => e.kind === "report")) withReport.push(uid);
        yield* events;
      }
      if (options.markSeen && withReport.length > 0) await client.messageFlagsAdd(withReport, ["\\Seen"], { uid: true });
    };
    for (const uid of uids) {
      const size = sizes.get(uid) ?? 0;
      if (size > SOURCE_LIMITS.maxMessageBytes) {
        yield { kind: "skipped", source: `${target.display}#${uid}`, reason: `the mail is larger than ${SOURCE_LIMITS.maxMessageBytes} bytes; not fetched`, looksLikeReport: false };
        continue;
      }
      if (batch.length >= 200 || batchBytes + size > 32 * 1024 * 1024) yield* flush();
      batch.push(uid);
      batchBytes += size;
    }
    yield* flush();
  } catch (err) {
    if (err instanceof ReportSourceError) throw err;
    yield { kind: "skipped", source: target.display, reason: `the IMAP session failed part way (${describe(err)}); the rest of the mailbox was not read`, looksLikeReport: true };
  } finally {
    await client.logout().catch(() => client.close());
  }
}

function describe(err: unknown): string {
  const e = err as { responseText?: string; message?: string; code?: string; authenticationFailed?: boolean };
  if (e?.authenticationFailed) return `authentication failed${e.responseText ? `: ${e.responseText}` : ""}`;
  return e?.responseText || e?.message || e?.code || String(err);
}
