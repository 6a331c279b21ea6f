/**
 * The Cloudflare input and output tables in the README's Cloudflare section say exactly
 * what the JSDoc says, so the two cannot drift apart (STYLE.md: "The README's input table is the
 * same text").
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { readmeSection } from "./support/readme";

const root = path.resolve(__dirname, "..");
const COMPONENT = "components/cloudflare/cloudflare-mta-sts.ts";

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
      docs.set(member.name.text, jsDoc.map((d) => ts.getTextOfJSDocComment(d.comment) ?? "").join(" ").replace(/\s+/g, " ").trim());
    }
  });
  return docs;
}

/** Rows of the markdown table under `### heading`: first cell (without backticks) → last cell. */
function tableRows(heading: string): Map<string, string> {
  const text = readmeSection("## Cloudflare: `CloudflareMtaSts`");
  const lines = text.slice(text.indexOf(`### ${heading}\n`)).split("\n").slice(1);
  const rows = new Map<string, string>();
  for (const line of lines.slice(lines.findIndex((l) => l.startsWith("|")))) {
    if (!line.startsWith("|")) break;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    if (/^-+$/.test(cells[0]) || cells[0] === "input" || cells[0] === "output") continue;
    rows.set(cells[0].replace(/`/g, ""), cells[cells.length - 1]);
  }
  return rows;
}

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
