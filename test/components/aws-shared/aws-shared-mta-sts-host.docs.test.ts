/**
 * The README's input and output tables of the shared AWS host say exactly what the JSDoc of
 * components/aws-shared/args.ts and of the component says, so the two cannot drift apart
 * (STYLE.md: "The README's input table is the same text"); and every field documents its default.
 */
import { memberDocs, tableRowsAfter } from "../../support/readme";

const SECTION = "## Many domains on one AWS host: `AwsSharedMtaStsHost`";

const rowsAfter = (marker: string) => tableRowsAfter(SECTION, marker);

test("every field of the shared host's args has JSDoc ending with its default (or Required.)", () => {
  const docs = [...memberDocs("components/aws-shared/args.ts", "AwsSharedMtaStsHostArgs"), ...memberDocs("components/aws-shared/args.ts", "SharedDomainArgs")];
  expect(docs.length).toBeGreaterThanOrEqual(13);
  for (const [field, doc] of docs) expect([field, /(Defaults to [^.]*(\.[^.]+)*\.|Required\.)$/.test(doc)]).toEqual([field, true]);
});

test("the README's input tables have one row per input, with the JSDoc text", () => {
  expect(Object.fromEntries(rowsAfter("### Inputs\n"))).toEqual(Object.fromEntries(memberDocs("components/aws-shared/args.ts", "AwsSharedMtaStsHostArgs")));
  expect(Object.fromEntries(rowsAfter("Each entry of `domains`:\n"))).toEqual(Object.fromEntries(memberDocs("components/aws-shared/args.ts", "SharedDomainArgs")));
});

test("the README's output table has one row per output, with the JSDoc text", () => {
  expect(Object.fromEntries(rowsAfter("### Outputs\n"))).toEqual(Object.fromEntries(memberDocs("components/aws-shared/aws-shared-mta-sts-host.ts", "AwsSharedMtaStsHost")));
});

test("the docs of `group` say why pins are better than the hash", () => {
  const group = memberDocs("components/aws-shared/args.ts", "SharedDomainArgs").get("group")!;
  expect(group).toMatch(/assignGroups/);
  expect(group).toMatch(/about three times as many groups/);
  expect(group).toMatch(/moves only when its pin is edited/);
});
