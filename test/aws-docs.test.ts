/**
 * The input and output tables of the README's AWS section say exactly what the JSDoc says, so the
 * two cannot drift apart (STYLE.md: "The README's input table is the same text").
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { readmeSection } from "./support/readme";

const root = path.resolve(__dirname, "..");

/** JSDoc text of every member of an interface or class, whitespace collapsed. */
function memberDocs(file: string, declaration: string): Map<string, string> {
  const source = ts.createSourceFile(file, fs.readFileSync(path.join(root, file), "utf8"), ts.ScriptTarget.ES2022, true);
  const docs = new Map<string, string>();
  source.forEachChild((node) => {
    if (!(ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) || node.name?.text !== declaration) return;
    for (const member of node.members) {
      if (!member.name || !ts.isIdentifier(member.name)) continue;
      if (ts.isClassDeclaration(node) && !ts.isPropertyDeclaration(member)) continue;
      const jsDoc = (member as unknown as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
      const text = jsDoc.map((d) => ts.getTextOfJSDocComment(d.comment) ?? "").join(" ").replace(/\s+/g, " ").trim();
      docs.set(member.name.text, text);
    }
  });
  return docs;
}

/** Rows of the markdown table under `heading`: first cell (without backticks) → last cell. */
function tableRows(heading: string): Map<string, string> {
  const text = readmeSection("## AWS: `AwsMtaSts`");
  const section = text.slice(text.indexOf(`### ${heading}\n`));
  const lines = section.split("\n").slice(1);
  const rows = new Map<string, string>();
  for (const line of lines.slice(lines.findIndex((l) => l.startsWith("|")))) {
    if (!line.startsWith("|")) break;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    if (cells[0] === "---" || /^-+$/.test(cells[0]) || cells[0] === "input" || cells[0] === "output") continue;
    rows.set(cells[0].replace(/`/g, ""), cells[cells.length - 1]);
  }
  return rows;
}

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
