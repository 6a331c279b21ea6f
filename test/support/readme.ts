/**
 * Reading the README and the sources for the docs tests, which prove that the README's input and
 * output tables say exactly what the JSDoc says (STYLE.md: "The README's input table is the same
 * text").
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const root = path.join(__dirname, "..", "..");

/** The README section under a `## ` heading, up to the next `## ` heading. */
export function readmeSection(heading: string): string {
  const text = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const start = text.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const next = text.indexOf("\n## ", start + heading.length);
  return text.slice(start, next < 0 ? undefined : next + 1);
}

/** Rows of the markdown table under `### table` in a README section: first cell (without backticks) → last cell. */
export function tableRows(section: string, table: string): Map<string, string> {
  return tableRowsAfter(section, `### ${table}\n`);
}

/** Rows of the first markdown table after the text `marker` in a README section: first cell (without backticks) → last cell. */
export function tableRowsAfter(section: string, marker: string): Map<string, string> {
  const text = readmeSection(section);
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

/**
 * JSDoc text of every member of an interface or class (properties only), whitespace collapsed.
 * An interface's members include those it `extends`, from the same file or from a file it
 * imports the base from (as Pulumi's schema analyser sees them).
 */
export function memberDocs(file: string, declaration: string): Map<string, string> {
  const source = ts.createSourceFile(file, fs.readFileSync(path.join(root, file), "utf8"), ts.ScriptTarget.ES2022, true);
  const docs = new Map<string, string>();
  source.forEachChild((node) => {
    if (!(ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) || node.name?.text !== declaration) return;
    if (ts.isInterfaceDeclaration(node)) {
      for (const clause of node.heritageClauses ?? []) {
        for (const base of clause.types) {
          const baseName = base.expression.getText(source);
          for (const [field, doc] of memberDocs(fileDeclaring(source, file, baseName), baseName)) docs.set(field, doc);
        }
      }
    }
    for (const member of node.members) {
      if (!member.name || !ts.isIdentifier(member.name)) continue;
      if (ts.isClassDeclaration(node) && !ts.isPropertyDeclaration(member)) continue;
      const jsDoc = (member as unknown as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
      docs.set(member.name.text, jsDoc.map((d) => ts.getTextOfJSDocComment(d.comment) ?? "").join(" ").replace(/\s+/g, " ").trim());
    }
  });
  return docs;
}

/** The file (relative to the root) that declares `name` as seen from `file`: itself, or the relative module it imports `name` from. */
function fileDeclaring(source: ts.SourceFile, file: string, name: string): string {
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => e.name.text === name)) {
      return path.join(path.dirname(file), `${statement.moduleSpecifier.text}.ts`);
    }
  }
  return file;
}
