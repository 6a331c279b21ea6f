/** pulumi-mta-sts: the library entry. */
export * from "./model";
export * from "./args";
