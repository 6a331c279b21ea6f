/**
 * The benchmark's generated stacks (bench/generate-stack.ts) are configs the program accepts:
 * a bench of configs that fail validation would time the error path, not the plan.
 */
import { BENCH_MODES, generateStack } from "../../bench/generate-stack";
import { validateStackConfig } from "../../components/stack/stack-config";

test.each(BENCH_MODES)("the generated %s stack is valid, with Cloudflare ids of 32 hex characters", (mode) => {
  const stack = generateStack(25, mode);
  const result = validateStackConfig(stack);
  expect(result.ok ? [] : result.issues).toEqual([]);
  for (const d of stack.domains as Record<string, unknown>[]) {
    for (const key of ["cloudflareZoneId", "cloudflareAccountId"]) if (key in d) expect(d[key]).toMatch(/^[0-9a-f]{32}$/);
  }
});
