/** The staged rollout's decisions (components/model/rollout.ts): who is promoted, why the others stay, who is demoted. */
import { planDemotion, planPromotion, RolloutDomain, selectionProblems } from "../../../components/model/rollout";
import type { DomainReadiness, ReadinessVerdict } from "../../../components/model/tlsrpt-readiness";

function domain(name: string, index: number, overrides: Partial<RolloutDomain> = {}): RolloutDomain {
  return { domain: name, index, mode: "testing", modeFrom: "domain", rollout: "auto", rolloutFrom: "default", maxAgeSeconds: 1209600, maxAgeFrom: "domain", ...overrides };
}

function verdict(name: string, v: ReadinessVerdict, reasons: DomainReadiness["readiness"]["reasons"] = []): DomainReadiness {
  return {
    domain: name,
    reports: 28,
    reporters: ["Google Inc.", "Microsoft Corporation"],
    firstDay: "2026-03-01",
    lastDay: "2026-03-14",
    days: 14,
    successfulSessions: 280,
    failedSessions: 0,
    policyTypes: ["sts"],
    failuresByResultType: {},
    failures: [],
    daily: [],
    evidence: { days: 14, reporters: ["Google Inc.", "Microsoft Corporation"], successfulSessions: 280, failedSessions: 0 },
    readiness: { verdict: v, reasons },
  };
}

const TOO_FEW_DAYS = { code: "too-few-days" as const, message: "3 days with an sts report for the current policy; --min-days needs 14 (wait 11 more)" };
const FAILURES = { code: "failures" as const, message: "certificate-expired: 2 failed sessions to mx.a.example; renew the MX's certificate" };

describe("planPromotion: only testing domains whose verdict is ready", () => {
  const domains = [domain("a.example", 0), domain("b.example", 1), domain("c.example", 2), domain("d.example", 3, { mode: "enforce" }), domain("e.example", 4, { mode: "none" })];
  const readiness = [verdict("a.example", "ready"), verdict("b.example", "insufficient-evidence", [TOO_FEW_DAYS]), verdict("c.example", "not-ready", [FAILURES]), verdict("d.example", "ready"), verdict("e.example", "ready")];

  test("a ready testing domain is promoted with its evidence; the others stay with the verdict's reasons", () => {
    const plan = planPromotion(domains, readiness);
    expect(plan.promote).toEqual([{ domain: "a.example", index: 0, modeFrom: "domain", evidence: readiness[0].evidence, notes: [] }]);
    expect(plan.stay.map((s) => [s.domain, s.reason.code, s.reason.message])).toEqual([
      ["b.example", "insufficient-evidence", TOO_FEW_DAYS.message],
      ["c.example", "not-ready", FAILURES.message],
    ]);
    expect(plan.stay[1].verdictReasons).toEqual([FAILURES]);
  });

  test("enforce and none are never touched: ready or not, they are listed apart", () => {
    const plan = planPromotion(domains, readiness);
    expect(plan.others.map((o) => [o.domain, o.mode, o.refusingMail])).toEqual([
      ["d.example", "enforce", false],
      ["e.example", "none", false],
    ]);
  });

  test("an enforce domain with failures is marked refusing mail, and is not demoted", () => {
    const refusing = verdict("d.example", "not-ready", [{ code: "enforce-refusing-mail", message: "d.example is in enforce and senders report 2 failed sessions" }, FAILURES]);
    const plan = planPromotion([domain("d.example", 0, { mode: "enforce" })], [refusing]);
    expect(plan.others).toMatchObject([{ domain: "d.example", mode: "enforce", refusingMail: true }]);
    expect(plan.promote).toEqual([]);
    expect(plan.stay).toEqual([]);
  });

  test("a domain without any verdict has no evidence and stays", () => {
    const plan = planPromotion([domain("a.example", 0)], []);
    expect(plan.stay).toMatchObject([{ domain: "a.example", verdict: "insufficient-evidence", evidence: { days: 0, reporters: [] } }]);
  });

  test("a domain that took testing from the defaults is promoted with modeFrom defaults (it gets a mode of its own)", () => {
    expect(planPromotion([domain("a.example", 0, { modeFrom: "defaults" })], [verdict("a.example", "ready")]).promote[0].modeFrom).toBe("defaults");
  });
});

describe("rollout: hold", () => {
  test("keeps a ready domain in testing, saying where the hold is written and that the reports say ready", () => {
    const plan = planPromotion(
      [domain("a.example", 0, { rollout: "hold", rolloutFrom: "domain" }), domain("b.example", 1, { rollout: "hold", rolloutFrom: "defaults" }), domain("c.example", 2, { rolloutFrom: "domain" })],
      [verdict("a.example", "ready"), verdict("b.example", "insufficient-evidence", [TOO_FEW_DAYS]), verdict("c.example", "ready")],
    );
    expect(plan.promote.map((p) => p.domain)).toEqual(["c.example"]);
    expect(plan.stay.map((s) => [s.domain, s.reason.code, s.reason.message])).toEqual([
      ["a.example", "rollout-hold", "rollout: hold in its entry; remove it to let promote move it (its reports say ready)"],
      ["b.example", "rollout-hold", "rollout: hold in mta-sts:defaults; give it rollout: auto to let promote move it (its verdict is insufficient-evidence)"],
    ]);
  });
});

describe("--only, --exclude and --max", () => {
  const domains = ["a.example", "b.example", "c.example", "d.example"].map((d, i) => domain(d, i));
  const ready = domains.map((d) => verdict(d.domain, "ready"));

  test("--only promotes only the named domains; the others stay as not-selected", () => {
    const plan = planPromotion(domains, ready, { only: ["b.example", "d.example"] });
    expect(plan.promote.map((p) => p.domain)).toEqual(["b.example", "d.example"]);
    expect(plan.stay.map((s) => [s.domain, s.reason.code])).toEqual([
      ["a.example", "not-selected"],
      ["c.example", "not-selected"],
    ]);
  });

  test("--exclude keeps the named domains in testing", () => {
    const plan = planPromotion(domains, ready, { exclude: ["a.example"] });
    expect(plan.promote.map((p) => p.domain)).toEqual(["b.example", "c.example", "d.example"]);
    expect(plan.stay).toMatchObject([{ domain: "a.example", reason: { code: "excluded" } }]);
  });

  test("--max promotes the first ready domains in the stack file's order; the rest stay as over-max for the next run", () => {
    const shuffled = [domains[2], domains[0], domains[3], domains[1]];
    const notReadyFirst = [verdict("a.example", "not-ready", [FAILURES]), ...ready.slice(1)];
    const plan = planPromotion(shuffled, notReadyFirst, { max: 2 });
    expect(plan.promote.map((p) => p.domain)).toEqual(["b.example", "c.example"]);
    expect(plan.stay.map((s) => [s.domain, s.reason.code])).toEqual([
      ["a.example", "not-ready"],
      ["d.example", "over-max"],
    ]);
    expect(plan.stay[1].reason.message).toBe("ready, but --max 2 promotions per run were made already; the next run promotes it");
  });

  test("selectionProblems names what is not a domain of the stack, a domain named twice, and a --max under 1", () => {
    expect(selectionProblems(domains, { only: ["a.example"], exclude: ["b.example"], max: 3 })).toEqual([]);
    expect(selectionProblems(domains, { only: ["a.exmple", "b.example"], exclude: ["b.example", "reports/"], max: 0 })).toEqual([
      "--only a.exmple is not a domain of the stack config; name a domain listed in mta-sts:domains",
      "--exclude reports/ is not a domain of the stack config; name a domain listed in mta-sts:domains",
      "b.example is named by both --only and --exclude; name it once",
      "--max 0 must be a whole number from 1",
    ]);
  });
});

describe("max_age under 14 days (RFC 8461 §3.2)", () => {
  test("the domain is promoted anyway, with a note that says the value, where it comes from, and what to raise it to", () => {
    const cases: [Partial<RolloutDomain>, string | undefined][] = [
      [{ maxAgeSeconds: 604800, maxAgeFrom: "default" }, "max_age is 604800 s (7 days, the default), under 14 days; once enforce has held, raise policy.maxAgeSeconds to 1209600 (14 days) or more"],
      [{ maxAgeSeconds: 86400, maxAgeFrom: "defaults" }, "max_age is 86400 s (1 day, from mta-sts:defaults), under 14 days"],
      [{ maxAgeSeconds: 5400, maxAgeFrom: "domain" }, "max_age is 5400 s (1.5 hours), under 14 days"],
      [{ maxAgeSeconds: 1209599, maxAgeFrom: "domain" }, "max_age is 1209599 s (13.9 days), under 14 days"],
      [{ maxAgeSeconds: 1209600 }, undefined],
      [{ maxAgeSeconds: 31557600 }, undefined],
    ];
    for (const [overrides, note] of cases) {
      const [p] = planPromotion([domain("a.example", 0, overrides)], [verdict("a.example", "ready")]).promote;
      expect(p.domain).toBe("a.example");
      if (note === undefined) expect(p.notes).toEqual([]);
      else expect(p.notes).toEqual([{ code: "short-max-age", message: expect.stringContaining(note) }]);
    }
  });
});

describe("planDemotion", () => {
  const domains = [domain("a.example", 0, { mode: "enforce" }), domain("b.example", 1), domain("c.example", 2, { mode: "none" }), domain("d.example", 3, { mode: "enforce", modeFrom: "defaults" })];

  test("enforce goes back to testing in the stack file's order; testing and none are left, each with why; unknown names are returned", () => {
    const plan = planDemotion(domains, ["d.example", "b.example", "c.example", "a.example", "a.example", "x.example"]);
    expect(plan.demote).toEqual([
      { domain: "a.example", index: 0, modeFrom: "domain" },
      { domain: "d.example", index: 3, modeFrom: "defaults" },
    ]);
    expect(plan.unchanged).toEqual([
      { domain: "b.example", index: 1, mode: "testing", message: "already in testing; nothing to change" },
      { domain: "c.example", index: 2, mode: "none", message: "is in mode none (being retired); demote moves enforce to testing only, so it is left alone" },
    ]);
    expect(plan.unknown).toEqual(["x.example"]);
  });
});
