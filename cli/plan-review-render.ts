/**
 * The review for people: as text for a terminal (one line per risk, status first, then what
 * happens and the fix), and as markdown for a pull-request comment (the summary, the risks
 * first, then one collapsible section per changed domain).
 *
 * Everything shown comes from the stack config of a pull request, which may come from anyone
 * who can open one: text is stripped of control characters before it reaches a terminal, and
 * escaped for markdown and HTML before it reaches a comment.
 */
import { escapeForTerminal } from "../components/terminal-text";
import { PropertyChange, ResourceChange } from "./plan-diff";
import { policyMode, Review, ReviewedDomain, ReviewedRisk, summaryLine } from "./plan-review";

// ---------------------------------------------------------------------------------------- text

const STATUS: Record<ReviewedRisk["severity"], string> = { block: "BLOCK", warn: "WARN", info: "INFO" };

function riskStatus(r: ReviewedRisk): string {
  return r.allowed ? `ALLOWED (${r.severity})` : STATUS[r.severity];
}

export function reviewToText(review: Review): string {
  // Untrusted text made visible, as in every verb's output (components/terminal-text.ts).
  const t = escapeForTerminal;
  const out: string[] = [];
  out.push(`mta-sts plan --base: ${t(review.stack)} compared with ${t(review.base)}`);
  out.push(summaryLine(review.summary), "");
  for (const r of review.risks) out.push(`${riskStatus(r)}  ${r.code}  ${t(r.message)}. Fix: ${t(r.fix)}`);
  if (review.risks.length > 0) out.push("");
  for (const d of review.domains) {
    if (d.change === "unchanged") continue;
    out.push(`${d.change} ${t(d.domain)}`);
    for (const line of domainFacts(d)) out.push(`  ${t(line)}`);
    // A removed domain's old policy is in its id; an added or changed one is worth reading.
    if (d.policyLines.length > 0 && d.change !== "removed") {
      out.push("  policy:");
      for (const l of d.policyLines) out.push(`    ${l.op === "=" ? " " : l.op} ${t(l.text)}`);
    }
    for (const rec of d.records) out.push(`  TXT ${t(rec.name)}: ${t(recordValue(rec.before))} → ${t(recordValue(rec.after))}`);
    for (const line of resourceLines(d.resources)) out.push(`  ${t(line)}`);
    if (d.sharedResources.length > 0) out.push(`  shared: ${t(d.sharedResources.map((r) => `${r.change} ${r.name}`).join(", "))}`);
    out.push("");
  }
  const shared = review.resources.filter((r) => r.domains.length !== 1);
  if (shared.length > 0) {
    out.push("shared resources (several domains or none)");
    for (const r of shared) out.push(`  ${t(resourceLine(r))}${r.domains.length > 1 ? t(`; serves ${r.domains.join(", ")}`) : ""}`);
    out.push("");
  }
  if (review.summary.domainsChanged + review.summary.added + review.summary.removed === 0 && review.resources.length === 0) out.push("No change.", "");
  return out.join("\n");
}

const UNREADABLE = "(unreadable policy)";

/** The mode and id lines of a domain: `mode testing → enforce`, `id 53af… → 9c1e…`. */
function domainFacts(d: ReviewedDomain): string[] {
  const lines: string[] = [];
  const [mb, ma] = [policyMode(d.before?.policyText), policyMode(d.after?.policyText)];
  const [ib, ia] = [d.before?.policyId, d.after?.policyId];
  // An added or removed domain: what it publishes, or published.
  if (!d.before || !d.after) return [`mode ${mb ?? ma ?? UNREADABLE}`, `id ${ib ?? ia}`, `host ${(d.before ?? d.after)!.host}`];
  lines.push(mb !== ma ? `mode ${mb ?? UNREADABLE} → ${ma ?? UNREADABLE}` : `mode ${ma ?? UNREADABLE}`);
  if (ib !== ia) lines.push(`id ${ib} → ${ia}`);
  if (d.before.host !== d.after.host) lines.push(`host ${d.before.host} → ${d.after.host}`);
  return lines;
}

function recordValue(v: string | undefined): string {
  return v === undefined ? "(none)" : JSON.stringify(v);
}

function propertyText(p: PropertyChange): string {
  const values = p.before !== undefined || p.after !== undefined ? ` ${p.before ?? "(none)"} → ${p.after ?? "(none)"}` : "";
  return `${p.name}${p.replaces ? " (replaces)" : ""}${values}`;
}

/**
 * Updated and replaced resources one per line with their properties; created and deleted ones
 * by name on one line per kind (an added domain brings a dozen).
 */
function resourceLines(resources: readonly ResourceChange[]): string[] {
  const lines = resources.filter((r) => r.change === "update" || r.change === "replace").map(resourceLine);
  for (const kind of ["create", "delete"] as const) {
    const named = resources.filter((r) => r.change === kind).map((r) => r.name);
    if (named.length > 0) lines.push(`${kind} ${named.length}: ${named.join(", ")}`);
  }
  return lines;
}

function resourceLine(r: ResourceChange): string {
  const renamed = r.formerName ? ` (was ${r.formerName})` : "";
  const props = r.properties.length > 0 ? `: ${r.properties.map(propertyText).join("; ")}` : "";
  return `${r.change} ${r.name}${renamed} (${r.type})${props}`;
}

// ------------------------------------------------------------------------------------ markdown

/** GitHub refuses comments over 65536 characters; stay below with room for the marker. */
export const MARKDOWN_BUDGET = 60000;

/**
 * Text for a markdown context (a paragraph, a list item, a table cell): every ASCII punctuation
 * character backslash-escaped (CommonMark §2.4), so nothing becomes a link, emphasis, HTML or a
 * table column; line breaks and control characters become spaces.
 */
export function markdownText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
}

/** Text inside a raw HTML block (`<summary>`), where markdown is not parsed: HTML-escaped. */
export function htmlText(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ")
    .replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Monospace in a markdown context, escaped like `markdownText`. */
function mdCode(text: string): string {
  return `<code>${markdownText(text)}</code>`;
}

/** A fenced block longer than any backtick run inside it (CommonMark §4.5), so it cannot be closed early. */
function fenced(info: string, lines: readonly string[]): string {
  const body = lines.map((l) => l.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, " "));
  const longest = Math.max(2, ...body.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((run) => run.length))));
  const fence = "`".repeat(longest + 1);
  return [`${fence}${info}`, ...body, fence].join("\n");
}

export function reviewToMarkdown(review: Review, options: { budget?: number } = {}): string {
  const budget = options.budget ?? MARKDOWN_BUDGET;
  const head: string[] = [];
  head.push(`### MTA-STS review of ${mdCode(review.stack)}`, "");
  head.push(`Compared with ${mdCode(review.base)}.`, "");
  head.push(`**${markdownText(summaryLine(review.summary))}**`, "");
  if (review.risks.length > 0) {
    head.push("| status | risk | what happens | fix |", "|---|---|---|---|");
    // Blocking risks come first, so the ones cut for size are the least important.
    let used = head.join("\n").length;
    let rows = 0;
    for (const r of review.risks) {
      const status = r.allowed ? `allowed (${r.severity})` : r.severity === "block" ? "**block**" : r.severity;
      const row = `| ${status} | ${mdCode(r.code)} | ${markdownText(r.message)} | ${markdownText(r.fix)} |`;
      if (used + row.length + 800 > budget) break;
      head.push(row);
      used += row.length + 1;
      rows++;
    }
    head.push("");
    if (rows < review.risks.length) head.push(`${review.risks.length - rows} more risks are not shown: a comment holds at most 65536 characters.`, "");
  } else {
    head.push("No risks.", "");
  }
  const sections = review.domains.filter((d) => d.change !== "unchanged").map(domainSection);
  const shared = review.resources.filter((r) => r.domains.length !== 1);
  if (shared.length > 0) sections.push(sharedSection(shared));

  let text = head.join("\n");
  let shown = 0;
  for (const section of sections) {
    if (text.length + section.length + 400 > budget) break;
    text += `\n${section}\n`;
    shown++;
  }
  if (shown < sections.length) {
    text +=
      `\n${sections.length - shown} more ${sections.length - shown === 1 ? "section is" : "sections are"} not shown: a comment holds at most 65536 characters. ` +
      `Run ${mdCode(`mta-sts plan --stack ${review.stack} --base <base>`)} to see everything.\n`;
  }
  return text;
}

function domainSection(d: ReviewedDomain): string {
  const risks = d.risks.length ? `, ${d.risks.length} ${d.risks.length === 1 ? "risk" : "risks"}` : "";
  const out: string[] = [];
  out.push(`<details><summary>${htmlText(d.change)}: <code>${htmlText(d.domain)}</code>${htmlText(risks)}</summary>`, "");
  for (const line of domainFacts(d)) out.push(`- ${markdownText(line)}`);
  if (d.policyLines.length > 0 && d.change !== "removed") {
    out.push("", "Policy:", "", fenced("diff", d.policyLines.map((l) => `${l.op === "=" ? " " : l.op}${l.text}`)));
  }
  if (d.records.length > 0) {
    out.push("", "| TXT | before | after |", "|---|---|---|");
    for (const r of d.records) out.push(`| ${mdCode(r.name)} | ${r.before === undefined ? "(none)" : mdCode(r.before)} | ${r.after === undefined ? "(none)" : mdCode(r.after)} |`);
  }
  if (d.resources.length > 0 || d.sharedResources.length > 0) {
    out.push("", "Resources:", "");
    for (const r of d.resources.filter((x) => x.change === "update" || x.change === "replace")) out.push(`- ${resourceMarkdown(r)}`);
    for (const kind of ["create", "delete"] as const) {
      const named = d.resources.filter((r) => r.change === kind);
      if (named.length > 0) out.push(`- ${kind === "delete" ? "**delete**" : kind} ${named.length}: ${named.map((r) => mdCode(r.name)).join(", ")}`);
    }
    for (const r of d.sharedResources) out.push(`- ${resourceMarkdown(r)} (shared)`);
  }
  out.push("", "</details>");
  return out.join("\n");
}

function sharedSection(resources: readonly ResourceChange[]): string {
  const out = [`<details><summary>shared resources (${resources.length})</summary>`, ""];
  for (const r of resources) out.push(`- ${resourceMarkdown(r)}${r.domains.length > 1 ? `; serves ${markdownText(r.domains.join(", "))}` : ""}`);
  out.push("", "</details>");
  return out.join("\n");
}

function resourceMarkdown(r: ResourceChange): string {
  const renamed = r.formerName ? ` (was ${mdCode(r.formerName)})` : "";
  const props = r.properties.length > 0 ? `: ${r.properties.map((p) => markdownText(propertyText(p))).join("; ")}` : "";
  const change = r.change === "replace" || r.change === "delete" ? `**${r.change}**` : r.change;
  return `${change} ${mdCode(r.name)}${renamed} ${markdownText(`(${r.type})`)}${props}`;
}
