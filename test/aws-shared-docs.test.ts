/**
 * The README's input and output tables of the shared AWS host say exactly what the JSDoc of
 * components/aws-shared/args.ts and of the component says, so the two cannot drift apart
 * (STYLE.md: "The README's input table is the same text"); and every field documents its default.
 */
import { memberDocs, readmeSection } from "./support/readme";

const SECTION = "## Many domains on one AWS host: `AwsSharedMtaStsHost`";

/** The rows (first cell without backticks → last cell) of the table right after `marker` in the section. */
function rowsAfter(marker: string): Map<string, string> {
  const text = readmeSection(SECTION);
  const lines = text.slice(text.indexOf(marker) + marker.length).split("\n");
  const rows = new Map<string, string>();
  for (const line of lines.slice(lines.findIndex((l) => l.startsWith("|")))) {
    if (!line.startsWith("|")) break;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    if (/^-+$/.test(cells[0]) || cells[0] === "input" || cells[0] === "output") continue;
    rows.set(cells[0].replace(/`/g, ""), cells[cells.length - 1]);
  }
  return rows;
}

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
