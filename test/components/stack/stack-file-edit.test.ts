/**
 * Editing a stack file in place (stack-file-edit.ts): each edit changes exactly the intended
 * lines, shown as the unified diff `git diff` prints, and the result reads back as the intended
 * values.
 *
 * Trap guarded against: writing the file back through a YAML serialiser, which re-indents,
 * re-quotes and re-aligns comments, so a one-line change becomes a pull request nobody can review.
 */
import fc from "fast-check";
import { parse } from "yaml";
import { editStackFile, formatYamlPath, StackFileEdit, StackFileEditError } from "../../../components/stack/stack-file-edit";
import { unifiedDiff } from "../../support/unified-diff";

/** Comments, odd alignment, quoted and plain scalars, block and flow mappings, a blank line. */
const STACK = [
  "# Production mail domains. Reviewed by the mail team.",
  "config:",
  "  aws:region:   eu-west-1            # odd alignment on purpose",
  "  mta-sts:defaults:",
  "    policy:",
  "      maxAgeSeconds: 1209600          # 14 days",
  "  mta-sts:sharedAwsHost: { groupSize: 10, groupCount: 110 }",
  "  mta-sts:domains:",
  "    # testing, block style",
  "    - domain: example.com",
  '      hostedZoneId: "Z0123456789EXAMPLE"',
  "      policy:",
  "        mode: 'testing'",
  "        mx:",
  "          - mx1.example.com",
  '          - "*.mail.example.com"',
  "",
  "    # flow style policy",
  "    - domain: example.net",
  '      policy: { mode: testing, mx: ["*.mail.protection.outlook.com"] }',
  "    - { domain: example.org, policy: { mode: none } }",
  "    - domain: no-policy.example",
  "      host: aws",
  "    - domain: last.example",
  "      group: 3",
  "      policy:",
  "        mode: testing   # flip me",
  "        mx: [mx.last.example]",
  "",
].join("\n");

const D = (i: number, ...rest: (string | number)[]) => ["config", "mta-sts:domains", i, ...rest];

/** Edit, check that the result reads back as the original with the values set, and return the diff. */
function diffOf(text: string, edits: StackFileEdit[]): string {
  const result = editStackFile(text, edits);
  const expected = parse(text);
  for (const e of edits) {
    let node = expected;
    for (const s of e.path.slice(0, -1)) node = node[s] ??= {};
    node[e.path[e.path.length - 1]] = e.value;
  }
  expect(parse(result)).toEqual(expected);
  return unifiedDiff(text, result);
}

describe("set a value that exists: only its line changes, comment and quoting kept", () => {
  test("a plain scalar with a trailing comment", () => {
    expect(diffOf(STACK, [{ path: D(4, "policy", "mode"), value: "enforce" }])).toBe(
      ["@@ -27 +27 @@", "-        mode: testing   # flip me", "+        mode: enforce   # flip me"].join("\n"),
    );
  });

  test("a single-quoted scalar stays single-quoted, a double-quoted one double-quoted", () => {
    expect(diffOf(STACK, [{ path: D(0, "policy", "mode"), value: "enforce" }])).toBe(["@@ -13 +13 @@", "-        mode: 'testing'", "+        mode: 'enforce'"].join("\n"));
    expect(diffOf(STACK, [{ path: D(0, "hostedZoneId"), value: "Z999" }])).toBe(
      ["@@ -11 +11 @@", '-      hostedZoneId: "Z0123456789EXAMPLE"', '+      hostedZoneId: "Z999"'].join("\n"),
    );
  });

  test("a value inside a flow mapping, keeping the rest of the line", () => {
    expect(diffOf(STACK, [{ path: ["config", "mta-sts:sharedAwsHost", "groupCount"], value: 120 }])).toBe(
      ["@@ -7 +7 @@", "-  mta-sts:sharedAwsHost: { groupSize: 10, groupCount: 110 }", "+  mta-sts:sharedAwsHost: { groupSize: 10, groupCount: 120 }"].join("\n"),
    );
  });

  test("a plain value that would read back as something else is quoted", () => {
    expect(diffOf(STACK, [{ path: D(3, "host"), value: "true" }])).toBe(["@@ -23 +23 @@", "-      host: aws", '+      host: "true"'].join("\n"));
    expect(diffOf(STACK, [{ path: D(3, "host"), value: "a: b" }])).toBe(["@@ -23 +23 @@", "-      host: aws", '+      host: "a: b"'].join("\n"));
  });

  test("setting the value the file already has changes no byte", () => {
    expect(editStackFile(STACK, [{ path: D(4, "group"), value: 3 }, { path: D(0, "policy", "mode"), value: "testing" }])).toBe(STACK);
  });

  test("an empty value gets the value after its colon", () => {
    expect(diffOf("a:\n  group:\n  b: 1\n", [{ path: ["a", "group"], value: 7 }])).toBe(["@@ -2 +2 @@", "-  group:", "+  group: 7"].join("\n"));
  });
});

describe("insert a key: one new line at the siblings' indentation, nothing else moves", () => {
  test("into a block mapping, after its last line and before the blank line and comment that follow", () => {
    expect(diffOf(STACK, [{ path: D(0, "group"), value: 7 }])).toBe(["@@ -16,0 +17 @@", "+      group: 7"].join("\n"));
  });

  test("into an existing block `policy:` mapping", () => {
    expect(diffOf(STACK, [{ path: D(4, "policy", "maxAgeSeconds"), value: 86400 }])).toBe(["@@ -28,0 +29 @@", "+        maxAgeSeconds: 86400"].join("\n"));
  });

  test("a new `policy:` block, indented by the step the file uses", () => {
    expect(diffOf(STACK, [{ path: D(3, "policy", "mode"), value: "enforce" }])).toBe(["@@ -23,0 +24,2 @@", "+      policy:", "+        mode: enforce"].join("\n"));
  });

  test("into a flow mapping, after its last entry", () => {
    expect(diffOf(STACK, [{ path: D(1, "policy", "maxAgeSeconds"), value: 86400 }])).toBe(
      [
        "@@ -20 +20 @@",
        '-      policy: { mode: testing, mx: ["*.mail.protection.outlook.com"] }',
        '+      policy: { mode: testing, mx: ["*.mail.protection.outlook.com"], maxAgeSeconds: 86400 }',
      ].join("\n"),
    );
    expect(diffOf(STACK, [{ path: D(2, "group"), value: 0 }])).toBe(
      ["@@ -21 +21 @@", "-    - { domain: example.org, policy: { mode: none } }", "+    - { domain: example.org, policy: { mode: none }, group: 0 }"].join("\n"),
    );
  });

  test("a nested mapping into a flow mapping, and into flow mappings with a trailing comma or none", () => {
    expect(diffOf("a: { b: 1 }\n", [{ path: ["a", "c", "d"], value: "x" }])).toBe(["@@ -1 +1 @@", "-a: { b: 1 }", "+a: { b: 1, c: { d: x } }"].join("\n"));
    expect(diffOf("a: {b: 1, }\n", [{ path: ["a", "c"], value: 2 }])).toBe(["@@ -1 +1 @@", "-a: {b: 1, }", "+a: {b: 1, c: 2, }"].join("\n"));
    expect(diffOf("a: {}\n", [{ path: ["a", "c"], value: 2 }])).toBe(["@@ -1 +1 @@", "-a: {}", "+a: { c: 2 }"].join("\n"));
  });

  test("into the top-level config mapping, after the whole domains list", () => {
    expect(diffOf(STACK, [{ path: ["config", "mta-sts:skipLiveChecks"], value: true }])).toBe(["@@ -28,0 +29 @@", "+  mta-sts:skipLiveChecks: true"].join("\n"));
  });

  test("into an empty `policy:`, which becomes a block mapping", () => {
    expect(diffOf("d:\n  policy:   # later\n  x: 1\n", [{ path: ["d", "policy", "mode"], value: "enforce" }])).toBe(["@@ -2,0 +3 @@", "+    mode: enforce"].join("\n"));
  });

  test("a file indented by 4 gets new nested keys indented by 4", () => {
    expect(diffOf("a:\n    b:\n        c: 1\n    d: 2\n", [{ path: ["a", "e", "f"], value: 3 }])).toBe(["@@ -4,0 +5,2 @@", "+    e:", "+        f: 3"].join("\n"));
  });

  test("a file without a final line break gets the key on a new line", () => {
    expect(editStackFile("a:\n  b: 1", [{ path: ["a", "c"], value: 2 }])).toBe("a:\n  b: 1\n  c: 2");
  });
});

describe("many edits at once", () => {
  test("a pin for every domain and a mode flip: one patch each, inner keys before outer ones on a shared line", () => {
    const edits: StackFileEdit[] = [
      { path: D(0, "group"), value: 7 },
      { path: D(1, "group"), value: 7 },
      { path: D(2, "group"), value: 8 },
      { path: D(3, "group"), value: 8 },
      { path: D(4, "policy", "mode"), value: "enforce" },
      { path: D(4, "policy", "maxAgeSeconds"), value: 604800 },
      { path: D(4, "adoptExistingRecords"), value: false },
    ];
    expect(diffOf(STACK, edits)).toBe(
      [
        "@@ -16,0 +17 @@",
        "+      group: 7",
        // git joins the pin after line 20 and the change of line 21 into one hunk.
        "@@ -21 +22,2 @@",
        "-    - { domain: example.org, policy: { mode: none } }",
        "+      group: 7",
        "+    - { domain: example.org, policy: { mode: none }, group: 8 }",
        "@@ -23,0 +26 @@",
        "+      group: 8",
        "@@ -27 +30 @@",
        "-        mode: testing   # flip me",
        "+        mode: enforce   # flip me",
        "@@ -28,0 +32,2 @@",
        "+        maxAgeSeconds: 604800",
        "+      adoptExistingRecords: false",
      ].join("\n"),
    );
  });

  test("two edits under one missing mapping create it once", () => {
    expect(diffOf(STACK, [{ path: D(3, "policy", "mode"), value: "testing" }, { path: D(3, "policy", "maxAgeSeconds"), value: 86400 }])).toBe(
      ["@@ -23,0 +24,3 @@", "+      policy:", "+        mode: testing", "+        maxAgeSeconds: 86400"].join("\n"),
    );
  });

  test("pins on any set of entries change only the inserted lines (property)", () => {
    const entries = Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? `  - { domain: d${i}.example, policy: { mode: testing } }` : `  - domain: d${i}.example   # entry ${i}\n    policy:\n      mode: testing`));
    const text = `domains:\n${entries.join("\n")}\n`;
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 999 }), (picked, group) => {
        const result = editStackFile(text, picked.map((i) => ({ path: ["domains", i, "group"], value: group })));
        const doc = parse(result) as { domains: { group?: number }[] };
        doc.domains.forEach((d, i) => expect(d.group).toBe(picked.includes(i) ? group : undefined));
        // Without the new pins, the text is the original byte for byte.
        const unpinned = result.split("\n").filter((l) => l !== `    group: ${group}`).join("\n").split(`, group: ${group} }`).join(" }");
        expect(unpinned).toBe(text);
      }),
    );
  });
});

describe("CRLF files stay CRLF", () => {
  test("the same edits on the CRLF file give the CRLF version of the same result, new lines included", () => {
    const crlf = STACK.replace(/\n/g, "\r\n");
    const edits: StackFileEdit[] = [
      { path: D(0, "group"), value: 7 },
      { path: D(3, "policy", "mode"), value: "enforce" },
      { path: D(4, "policy", "mode"), value: "enforce" },
    ];
    const result = editStackFile(crlf, edits);
    expect(result).toBe(editStackFile(STACK, edits).replace(/\n/g, "\r\n"));
    expect(result.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    expect(diffOf(crlf, edits)).toBe(
      [
        "@@ -16,0 +17 @@",
        "+      group: 7␍",
        "@@ -23,0 +25,2 @@",
        "+      policy:␍",
        "+        mode: enforce␍",
        "@@ -27 +30 @@",
        "-        mode: testing   # flip me␍",
        "+        mode: enforce   # flip me␍",
      ].join("\n"),
    );
  });
});

describe("shapes it cannot edit safely are refused, naming the path, and nothing is changed", () => {
  const refused = (text: string, edits: StackFileEdit[]) => {
    try {
      editStackFile(text, edits);
    } catch (err) {
      expect(err).toBeInstanceOf(StackFileEditError);
      return (err as Error).message;
    }
    throw new Error("the edit was not refused");
  };

  test.each([
    ["an anchored mapping", "base: &b { mode: testing }\nd:\n  policy: *b\n", ["base", "mode"], /^base: has an anchor \(&b\) that other parts of the file repeat; edit it by hand$/],
    ["a path through an alias", "base: &b { mode: testing }\nd:\n  policy: *b\n", ["d", "policy", "mode"], /^d\.policy: is an alias \(\*b\)/],
    ["a block scalar", "a:\n  note: |\n    text\n", ["a", "note"], /^a\.note: is a block scalar/],
    ["a mapping ending in a block scalar", "a:\n  note: |\n    text\n", ["a", "group"], /^a: ends in a block scalar/],
    ["a multi-line plain value", "a:\n  b: one\n    two\n", ["a", "b"], /^a\.b: spans several lines/],
    ["a tagged value", "a:\n  b: !!str 5\n", ["a", "b"], /^a\.b: has an explicit tag/],
    ["a list item that does not exist", "domains:\n  - domain: a\n", ["domains", 3, "group"], /^domains: has 1 items, so there is no item \[3\]/],
    ["a list that does not exist", "a: {}\n", ["a", "mx", 0], /^a\.mx: does not exist, so it has no item \[0\]/],
    ["a key under a plain value", "a: 1\n", ["a", "b"], /^a: is the value 1, not a mapping, so it has no key "b"$/],
    ["a mapping set as a value", "a:\n  b: 1\n", ["a"], /^a: is a mapping, not a single value/],
    ["a flow mapping with a comment after its last entry", "a: { b: 1 # note\n  }\n", ["a", "c"], /^a: is a flow mapping with a comment after its last entry/],
    ["a file that is not YAML", "a: [1\n", ["a"], /^\(file\): is not valid YAML/],
  ])("%s", (_name, text, path, message) => {
    expect(refused(text, [{ path, value: 1 }])).toMatch(message);
  });

  test("the same path twice, or a value and a mapping at one path", () => {
    expect(refused(STACK, [{ path: D(0, "group"), value: 1 }, { path: D(0, "group"), value: 2 }])).toMatch(/^config\.mta-sts:domains\[0\]\.group: is edited twice/);
    expect(refused(STACK, [{ path: D(3, "policy"), value: 1 }, { path: D(3, "policy", "mode"), value: "x" }])).toMatch(/is both a value and a mapping/);
  });

  test("values that YAML cannot hold as a plain scalar are refused", () => {
    expect(refused(STACK, [{ path: D(0, "group"), value: Number.NaN }])).toMatch(/a string, a finite number or a boolean/);
  });

  test("paths print as they read in messages", () => {
    expect(formatYamlPath(["config", "mta-sts:domains", 3, "policy", "mode"])).toBe("config.mta-sts:domains[3].policy.mode");
  });
});
