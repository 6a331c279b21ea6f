/** The live checker behind `mta-sts check`: DNS and HTTPS injected, findings as values. */
export * from "./certificate";
export * from "./dns-lookup";
export * from "./fetch-policy";
export * from "./findings";
export * from "./mx-tls";
export * from "./smtp-starttls";
export * from "./report";
export * from "./run-check";
