/** The report readers: paths (files, zip, mail, mbox, Maildir, directories), IMAP and the kit's HTTPS receiver. */
export * from "./events";
export { checkPaths, readReportPaths } from "./paths";
export { parseImapUrl, readImapMailbox } from "./imap";
export { parseReceiverUrl, readReceiverReports } from "./receiver";
export type { ReceiverOptions, ReceiverTarget } from "./receiver";
export type { ImapOptions, ImapTarget } from "./imap";
export { readMail } from "./mail";
export type { MailOptions } from "./mail";
export { dnsResolverFor, KEY_LOOKUP_LIMITS, verifyReportMail } from "./dkim";
export type { DkimOptions, DkimVerdict, TxtResolver } from "./dkim";
