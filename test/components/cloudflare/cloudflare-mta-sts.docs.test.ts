/**
 * The Cloudflare input and output tables in the README's Cloudflare section say exactly
 * what the JSDoc says, so the two cannot drift apart (STYLE.md: "The README's input table is the
 * same text").
 */
import { memberDocs, readmeSection, tableRows as sectionTableRows } from "../../support/readme";

const tableRows = (table: string) => sectionTableRows("## Cloudflare: `CloudflareMtaSts`", table);

const COMPONENT = "components/cloudflare/cloudflare-mta-sts.ts";

test("every CloudflareMtaStsArgs field has JSDoc ending with its default (or Required.)", () => {
  const docs = memberDocs(COMPONENT, "CloudflareMtaStsArgs");
  expect([...docs.keys()].sort()).toEqual(["accountId", "dnsResolver", "domain", "host", "policy", "siteName", "tlsRpt", "verifyLiveMx", "zoneId"]);
  for (const [field, doc] of docs) expect([field, /(Defaults to [^.]*(\.[^.]+)*\.|Required\.)$/.test(doc)]).toEqual([field, true]);
});

test("the README's Cloudflare section input table has one row per input, with the JSDoc text", () => {
  const expected = new Map<string, string>();
  for (const [field, doc] of memberDocs(COMPONENT, "CloudflareMtaStsArgs")) expected.set(field, doc);
  for (const [field, doc] of memberDocs("components/args.ts", "PolicyArgs")) expected.set(`policy.${field}`, doc);
  for (const [field, doc] of memberDocs("components/args.ts", "TlsRptArgs")) expected.set(`tlsRpt.${field}`, doc);
  expect(Object.fromEntries(tableRows("Inputs"))).toEqual(Object.fromEntries(expected));
});

test("the README's Cloudflare section output table has one row per output, with the JSDoc text", () => {
  const docs = memberDocs(COMPONENT, "CloudflareMtaSts");
  expect([...docs.keys()].sort()).toEqual(["host", "policyId", "policyText", "policyUrl", "siteName", "stsRecord", "tlsRptRecord"]);
  expect(Object.fromEntries(tableRows("Outputs"))).toEqual(Object.fromEntries(docs));
});

test("README's Cloudflare section names what the Pages deploy needs", () => {
  const text = readmeSection("## Cloudflare: `CloudflareMtaSts`");
  for (const needed of ["### When to choose Pages over a Worker", "wrangler", "npx", "CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID"]) expect(text).toContain(needed);
});
