/**
 * The pure RFC model of MTA-STS (RFC 8461) and TLS-RPT (RFC 8460): config validation, canonical
 * rendering, content-derived ids, strict parsers. No I/O and no Pulumi, so the CLI, the policy
 * pack and the components share exactly one reading of the standards.
 */
export * from "./findings";
export * from "./hostname";
export * from "./mx-match";
export * from "./policy-id";
export * from "./policy";
export * from "./records";
export * from "./config";
export * from "./dns-home";
export * from "./max-age-advice";
export * from "./rendered";
export * from "./review-risks";
export * from "./tlsrpt-report";
export * from "./tlsrpt-readiness";
export * from "./rollout";
export * from "./tlsrpt-receiver";
