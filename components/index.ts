/** pulumi-mta-sts: the library entry. */
export * from "./model";
export * from "./args";
export * from "./aws/aws-mta-sts";
export * from "./aws-shared/aws-shared-mta-sts-host";
export * from "./cloudflare/cloudflare-mta-sts";
export * from "./cloudflare/cloudflare-tlsrpt-receiver";
export * from "./aws-shared/aws-quotas";
export * from "./aws-shared/group-packer";
export { parseTlsRptReport, MAX_REPORT_BYTES } from "./reports/parse-report";
