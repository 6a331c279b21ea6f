/**
 * Editing a Pulumi stack file (`Pulumi.<stack>.yaml`) in place: set a few values and leave every
 * other byte as the person who wrote the file left it.
 *
 * Commands that change a stack file (`groups --write` pins domains to groups; promotion flips a
 * policy's mode) make a pull request that a reviewer reads line by line, so the diff must be the
 * change and nothing else. Serialising the file again through a YAML library re-indents, re-quotes
 * and re-aligns comments. Instead the file is parsed once (the `yaml` package gives every node its
 * source `range`), and each edit becomes a patch of the original text at the node it changes:
 *
 * - a scalar that exists is replaced at its range, keeping its quoting style (plain, 'single' or
 *   "double") where the new value allows it, and its trailing comment;
 * - a key that does not exist is inserted into its mapping: in a block mapping on a new line after
 *   the mapping's last line, at the column of its first key (nested mappings one indentation step
 *   further, the step the file already uses, else 2); in a flow mapping (`{ mode: testing }`)
 *   after its last entry, as `, key: value`. Missing mappings on the way are created the same
 *   way (`policy:` with `mode: enforce` under it);
 * - new lines use the file's line ends (CRLF or LF).
 *
 * Shapes that cannot be edited that way without guessing are refused with a
 * `StackFileEditError` that names the path, and nothing is changed: an alias or an anchor on the
 * way (the change would show up elsewhere too), a block scalar (`|`, `>`) or a multi-line value,
 * a tagged value, a flow mapping with comments inside, a path through a list item that does not
 * exist. Finally the result is parsed again and must equal the original with exactly the asked
 * values set; otherwise the edit is refused rather than written.
 *
 * Pure: text in, text out.
 */
import { isDeepStrictEqual } from "node:util";
import { isAlias, isMap, isScalar, isSeq, Node, Pair, parse, parseDocument, Scalar, YAMLMap } from "yaml";

/** A path into the file: mapping keys and list indexes, e.g. `["config", "mta-sts:domains", 3, "group"]`. */
export type YamlPath = readonly (string | number)[];
/** The values an edit can write. */
export type YamlScalarValue = string | number | boolean;

/** Make the value at `path` equal `value`, creating the mapping keys that are missing on the way. */
export interface StackFileEdit {
  readonly path: YamlPath;
  readonly value: YamlScalarValue;
}

/** An edit that cannot be made safely; nothing was changed. `path` is where it stopped. */
export class StackFileEditError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = "StackFileEditError";
  }
}

/** `["config", "mta-sts:domains", 3, "group"]` → `config.mta-sts:domains[3].group`. */
export function formatYamlPath(path: YamlPath): string {
  if (path.length === 0) return "(file)";
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/**
 * Apply `edits` to the YAML `text` and return the new text, in which only the edited values and
 * the inserted keys differ. Throws `StackFileEditError` (and changes nothing) when an edit cannot
 * be made safely. Edits that set a value the file already has change nothing.
 */
export function editStackFile(text: string, edits: readonly StackFileEdit[]): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new StackFileEditError("(file)", `is not valid YAML (${doc.errors[0].message.split("\n")[0]}); fix it first`);
  const ctx: EditContext = { text, eol: /\r?\n/.exec(text)?.[0] ?? "\n", step: indentStep(doc.contents, text), patches: [], inserts: new Map() };

  const seen = new Set<string>();
  for (const edit of edits) {
    const key = JSON.stringify(edit.path);
    if (seen.has(key)) throw new StackFileEditError(formatYamlPath(edit.path), "is edited twice; give each path one value");
    seen.add(key);
    checkValue(edit);
    planEdit(doc.contents, edit, ctx);
  }
  for (const insert of ctx.inserts.values()) ctx.patches.push(insertionPatch(insert, ctx));

  const result = applyPatches(text, ctx.patches);
  verify(text, result, edits);
  return result;
}

// --- Planning: where each edit lands ------------------------------------------------------------

interface EditContext {
  readonly text: string;
  readonly eol: string;
  /** Indentation step for new nested block mappings. */
  readonly step: number;
  readonly patches: Patch[];
  /** Keys to insert, per mapping (or per empty value that becomes a mapping). */
  readonly inserts: Map<Node, PendingInsert>;
}

/** A replacement of `text[start, end)`; `depth` orders insertions at the same offset (deeper first). */
interface Patch {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly depth: number;
}

/** New keys for one mapping: a tree of keys, leaves are values. */
type KeyTree = Map<string, KeyTree | YamlScalarValue>;

interface PendingInsert {
  /** The mapping that receives the keys, or the empty value (`policy:`) that becomes one. */
  readonly target: { kind: "map"; map: YAMLMap } | { kind: "empty"; pair: Pair<Scalar, Scalar> };
  readonly where: YamlPath;
  readonly keys: KeyTree;
}

function planEdit(root: unknown, edit: StackFileEdit, ctx: EditContext): void {
  let node: unknown = root;
  let parentPair: Pair<unknown, unknown> | undefined;
  let inFlow = false;
  for (let i = 0; i < edit.path.length; i++) {
    const here = edit.path.slice(0, i);
    const segment = edit.path[i];
    refuseShared(node, here);
    if (typeof segment === "number") {
      if (!isSeq(node)) throw new StackFileEditError(formatYamlPath(here), `is not a list, so it has no item [${segment}]`);
      if (!Number.isInteger(segment) || segment < 0 || segment >= node.items.length) {
        throw new StackFileEditError(formatYamlPath(here), `has ${node.items.length} items, so there is no item [${segment}]; add the item by hand`);
      }
      inFlow ||= node.flow === true;
      parentPair = undefined;
      node = node.items[segment];
      continue;
    }
    if (isEmptyValue(node) && parentPair && !inFlow) {
      addInsert(ctx, node as Scalar, { kind: "empty", pair: parentPair as Pair<Scalar, Scalar> }, here, edit.path.slice(i), edit.value);
      return;
    }
    if (!isMap(node)) throw new StackFileEditError(formatYamlPath(here), `is ${describe(node)}, not a mapping, so it has no key "${segment}"`);
    inFlow ||= node.flow === true;
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === segment);
    if (!pair) {
      addInsert(ctx, node, { kind: "map", map: node }, here, edit.path.slice(i), edit.value);
      return;
    }
    parentPair = pair;
    node = pair.value;
  }

  const at = formatYamlPath(edit.path);
  refuseShared(node, edit.path);
  if (!isScalar(node)) throw new StackFileEditError(at, `is ${describe(node)}, not a single value; edit it by hand`);
  if (isEmptyValue(node)) {
    // `group:` with nothing after it: write the value after the colon.
    if (inFlow || ctx.text[node.range![0] - 1] !== ":") throw new StackFileEditError(at, "has no value; write one by hand");
    ctx.patches.push({ start: node.range![0], end: node.range![0], text: ` ${renderScalar(edit.value, "PLAIN", inFlow)}`, depth: edit.path.length });
    return;
  }
  refuseUnsafeScalar(node, at, ctx.text);
  const [start, end] = node.range!;
  const rendered = node.value === edit.value ? ctx.text.slice(start, end) : renderScalar(edit.value, node.type, inFlow);
  if (rendered !== ctx.text.slice(start, end)) ctx.patches.push({ start, end, text: rendered, depth: edit.path.length });
}

/** Record that `rest` (keys only) must be created under `node`, ending in `value`. */
function addInsert(ctx: EditContext, node: Node, target: PendingInsert["target"], where: YamlPath, rest: YamlPath, value: YamlScalarValue): void {
  const index = rest.findIndex((s) => typeof s === "number");
  if (index >= 0) {
    throw new StackFileEditError(formatYamlPath([...where, ...rest.slice(0, index)]), `does not exist, so it has no item [${rest[index]}]; add the list by hand`);
  }
  const pending = ctx.inserts.get(node) ?? { target, where, keys: new Map() };
  ctx.inserts.set(node, pending);
  let tree = pending.keys;
  for (const [i, key] of (rest as string[]).entries()) {
    const last = i === rest.length - 1;
    const existing = tree.get(key);
    if (last) {
      if (existing !== undefined) throw new StackFileEditError(formatYamlPath([...where, ...rest]), "is both a value and a mapping in these edits");
      tree.set(key, value);
    } else {
      if (existing !== undefined && !(existing instanceof Map)) throw new StackFileEditError(formatYamlPath([...where, ...rest.slice(0, i + 1)]), "is both a value and a mapping in these edits");
      const next: KeyTree = existing instanceof Map ? existing : new Map();
      tree.set(key, next);
      tree = next;
    }
  }
}

// --- Rendering the inserted keys ----------------------------------------------------------------

function insertionPatch(insert: PendingInsert, ctx: EditContext): Patch {
  const depth = insert.where.length;
  const at = formatYamlPath(insert.where);
  if (insert.target.kind === "empty") {
    // `policy:` with no value becomes a block mapping: new lines under it, one step in.
    const { pair } = insert.target;
    const column = columnOf(ctx.text, pair.key.range![0]);
    const pos = lineEnd(ctx.text, pair.value!.range![0]);
    return { start: pos, end: pos, text: blockLines(insert.keys, column + ctx.step, ctx.step).map((l) => ctx.eol + l).join(""), depth };
  }
  const { map } = insert.target;
  if (map.flow) return flowInsertion(map, insert.keys, at, ctx, depth);

  const first = map.items[0];
  if (!first || !isScalar(first.key)) throw new StackFileEditError(at, "is a block mapping without a plain first key; add the key by hand");
  const column = columnOf(ctx.text, first.key.range![0]);
  const end = lastContentEnd(map, at);
  const pos = lineEnd(ctx.text, end);
  return { start: pos, end: pos, text: blockLines(insert.keys, column, ctx.step).map((l) => ctx.eol + l).join(""), depth };
}

/** `key: value` lines at `column`, nested mappings one `step` further. */
function blockLines(keys: KeyTree, column: number, step: number): string[] {
  const pad = " ".repeat(column);
  const lines: string[] = [];
  for (const [key, value] of keys) {
    if (value instanceof Map) lines.push(`${pad}${renderScalar(key, "PLAIN", false)}:`, ...blockLines(value, column + step, step));
    else lines.push(`${pad}${renderScalar(key, "PLAIN", false)}: ${renderScalar(value, "PLAIN", false)}`);
  }
  return lines;
}

/** `key: value, other: { nested: 1 }` for a flow mapping. */
function flowEntries(keys: KeyTree): string {
  return [...keys]
    .map(([key, value]) => `${renderScalar(key, "PLAIN", true)}: ${value instanceof Map ? `{ ${flowEntries(value)} }` : renderScalar(value, "PLAIN", true)}`)
    .join(", ");
}

function flowInsertion(map: YAMLMap, keys: KeyTree, at: string, ctx: EditContext, depth: number): Patch {
  const [start, end] = map.range!;
  const close = end - 1;
  if (ctx.text[start] !== "{" || ctx.text[close] !== "}") throw new StackFileEditError(at, "is a flow mapping whose braces could not be found; add the key by hand");
  const entries = flowEntries(keys);
  const last = map.items[map.items.length - 1];
  if (!last) {
    if (ctx.text.slice(start + 1, close).trim() !== "") throw new StackFileEditError(at, "is an empty flow mapping with a comment inside; add the key by hand");
    return { start, end, text: `{ ${entries} }`, depth };
  }
  const lastEnd = (last.value as Node | null)?.range?.[1] ?? (last.key as Node).range![1];
  const between = ctx.text.slice(lastEnd, close);
  if (/^\s*$/.test(between)) return { start: lastEnd, end: lastEnd, text: `, ${entries}`, depth };
  const trailingComma = /^(\s*,)\s*$/.exec(between);
  if (trailingComma) {
    const pos = lastEnd + trailingComma[1].length;
    return { start: pos, end: pos, text: ` ${entries},`, depth };
  }
  throw new StackFileEditError(at, "is a flow mapping with a comment after its last entry; add the key by hand");
}

/**
 * A scalar in the given style if the value allows it: plain only for simple words that read back
 * as the same string (not `true`, `null`, `012`, nothing with `: `, `#` or flow indicators), else
 * double-quoted; single quotes kept where they were.
 */
function renderScalar(value: YamlScalarValue, style: Scalar["type"], inFlow: boolean): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (style === "QUOTE_SINGLE" && !/[\x00-\x1f\x7f]/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  if (style !== "QUOTE_DOUBLE" && /^[A-Za-z0-9_./][A-Za-z0-9_./@+=:-]*$/.test(value) && !value.endsWith(":") && readsBackAs(value, value, inFlow)) return value;
  return JSON.stringify(value);
}

function readsBackAs(source: string, value: string, inFlow: boolean): boolean {
  try {
    return (inFlow ? (parse(`{ k: ${source} }`) as { k: unknown }).k : parse(source)) === value;
  } catch {
    return false;
  }
}

// --- Text positions -------------------------------------------------------------------------

/** Where the last value of a block mapping ends (before its line's comment and line break). */
function lastContentEnd(node: unknown, at: string): number {
  if (isMap(node) && !node.flow) {
    const last = node.items[node.items.length - 1];
    return lastContentEnd(last.value ?? last.key, at);
  }
  if (isSeq(node) && !node.flow) return lastContentEnd(node.items[node.items.length - 1], at);
  if (isScalar(node) && (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED")) {
    throw new StackFileEditError(at, "ends in a block scalar (| or >), after which a new key's place is ambiguous; add the key by hand");
  }
  return (node as Node).range![1];
}

/** The end of the line that holds `pos` (before `\r\n` or `\n`), or the end of the text. */
function lineEnd(text: string, pos: number): number {
  const newline = text.indexOf("\n", pos);
  if (newline < 0) return text.length;
  return text[newline - 1] === "\r" ? newline - 1 : newline;
}

function columnOf(text: string, pos: number): number {
  return pos - (text.lastIndexOf("\n", pos - 1) + 1);
}

/** The indentation step the file uses for a block mapping nested in another, else 2. */
function indentStep(root: unknown, text: string): number {
  let step: number | undefined;
  const visit = (node: unknown): void => {
    if (step !== undefined) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        const value = pair.value;
        if (!node.flow && isMap(value) && !value.flow && value.items.length > 0 && isScalar(pair.key) && isScalar(value.items[0].key)) {
          const diff = columnOf(text, value.items[0].key.range![0]) - columnOf(text, pair.key.range![0]);
          if (diff > 0) step = diff;
        }
        visit(value);
      }
    } else if (isSeq(node)) node.items.forEach(visit);
  };
  visit(root);
  return step ?? 2;
}

// --- Refusals -------------------------------------------------------------------------------

function refuseShared(node: unknown, path: YamlPath): void {
  if (isAlias(node)) throw new StackFileEditError(formatYamlPath(path), `is an alias (*${node.source}) of another part of the file; edit the anchored part by hand`);
  const anchor = (node as { anchor?: string } | null)?.anchor;
  if (anchor) throw new StackFileEditError(formatYamlPath(path), `has an anchor (&${anchor}) that other parts of the file repeat; edit it by hand`);
}

function refuseUnsafeScalar(node: Scalar, at: string, text: string): void {
  if (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") throw new StackFileEditError(at, "is a block scalar (| or >); edit it by hand");
  if (node.tag) throw new StackFileEditError(at, `has an explicit tag (${node.tag}); edit it by hand`);
  const [start, end] = node.range!;
  if (/[\r\n]/.test(text.slice(start, end))) throw new StackFileEditError(at, "spans several lines; edit it by hand");
}

function isEmptyValue(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.source === "" && node.range != null && node.range[0] === node.range[1];
}

function describe(node: unknown): string {
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return node.value === null ? "empty" : `the value ${JSON.stringify(node.value)}`;
  return "missing";
}

function checkValue(edit: StackFileEdit): void {
  const ok = typeof edit.value === "string" || typeof edit.value === "boolean" || (typeof edit.value === "number" && Number.isFinite(edit.value));
  if (!ok) throw new StackFileEditError(formatYamlPath(edit.path), `can be set to a string, a finite number or a boolean, not ${String(edit.value)}`);
  if (edit.path.length === 0) throw new StackFileEditError("(file)", "an edit needs a path");
}

// --- Applying and checking ------------------------------------------------------------------

function applyPatches(text: string, patches: readonly Patch[]): string {
  const sorted = [...patches].sort((a, b) => a.start - b.start || a.end - b.end || b.depth - a.depth);
  let out = "";
  let cursor = 0;
  for (const p of sorted) {
    if (p.start < cursor) throw new StackFileEditError("(file)", "two edits change the same text; make them one at a time");
    out += text.slice(cursor, p.start) + p.text;
    cursor = p.end;
  }
  return out + text.slice(cursor);
}

/** The result must read back as the original with exactly the edited values set. */
function verify(before: string, result: string, edits: readonly StackFileEdit[]): void {
  const expected = parseDocument(before).toJS() as Record<string, unknown>;
  for (const edit of edits) setIn(expected, edit.path, edit.value);
  const after = parseDocument(result);
  if (after.errors.length > 0 || !isDeepStrictEqual(after.toJS(), expected)) {
    throw new StackFileEditError("(file)", "the edit would change more than the values asked for (an unusual layout); nothing was changed: edit the file by hand");
  }
}

function setIn(root: Record<string, unknown>, path: YamlPath, value: YamlScalarValue): void {
  let node: Record<string | number, unknown> = root;
  for (const [i, segment] of path.entries()) {
    if (i === path.length - 1) {
      node[segment] = value;
      return;
    }
    const next = node[segment];
    if (next === null || typeof next !== "object") node[segment] = {};
    node = node[segment] as Record<string | number, unknown>;
  }
}
