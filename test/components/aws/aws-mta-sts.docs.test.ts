/**
 * The input and output tables of the README's AWS section say exactly what the JSDoc says, so the
 * two cannot drift apart (STYLE.md: "The README's input table is the same text").
 */
import { memberDocs, tableRows as sectionTableRows } from "../../support/readme";

const tableRows = (table: string) => sectionTableRows("## AWS: `AwsMtaSts`", table);


test("every AwsMtaStsArgs field has JSDoc ending with its default (or Required.)", () => {
  const docs = memberDocs("components/aws/aws-mta-sts.ts", "AwsMtaStsArgs");
  expect(docs.size).toBeGreaterThanOrEqual(9);
  for (const [field, doc] of docs) expect([field, /(Defaults to [^.]*(\.[^.]+)*\.|Required\.)$/.test(doc)]).toEqual([field, true]);
});

test("the README's AWS section input table has one row per input, with the JSDoc text", () => {
  const rows = tableRows("Inputs");
  const expected = new Map<string, string>();
  for (const [field, doc] of memberDocs("components/aws/aws-mta-sts.ts", "AwsMtaStsArgs")) expected.set(field, doc);
  for (const [field, doc] of memberDocs("components/args.ts", "PolicyArgs")) expected.set(`policy.${field}`, doc);
  for (const [field, doc] of memberDocs("components/args.ts", "TlsRptArgs")) expected.set(`tlsRpt.${field}`, doc);
  expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(expected));
});

test("the README's AWS section output table has one row per output, with the JSDoc text", () => {
  const rows = tableRows("Outputs");
  const docs = memberDocs("components/aws/aws-mta-sts.ts", "AwsMtaSts");
  expect([...docs.keys()].sort()).toEqual(
    ["policyId", "policyUrl", "policyText", "stsRecord", "tlsRptRecord", "distributionDomainName", "certificateArn", "bucketName"].sort(),
  );
  expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(docs));
});
