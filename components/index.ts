/** pulumi-mta-sts: the library entry. */
export * from "./model";
export * from "./args";
export * from "./aws/aws-mta-sts";
export * from "./cloudflare/cloudflare-mta-sts";
