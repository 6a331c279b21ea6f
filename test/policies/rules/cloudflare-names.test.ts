/**
 * Policy pack, rule 6: no two Worker scripts (or two Pages projects) with one name in one
 * Cloudflare account. Trap: `shop.acme-example.org` and `shop-acme.example.org` both got the
 * Worker `mta-sts-shop-acme-example-org`; the second upload replaced the first and one domain
 * served the other's policy.
 */
import { checkCloudflareNamesUnique } from "../../../policies/rules/cloudflare-names";
import { UNKNOWN } from "../../../policies/rules";
import { res } from "../../support/policy-resources";
import { runPack } from "../../support/policy-pack";

const SCRIPT = "cloudflare:index/workersScript:WorkersScript";
const SCRIPT_V4 = "cloudflare:index/workerScript:WorkerScript";
const PROJECT = "cloudflare:index/pagesProject:PagesProject";
const ACCOUNT = "f037e56e89293a057740de681ac9abbe";
const OTHER_ACCOUNT = "0123456789abcdef0123456789abcdef";
const script = (name: string, scriptName: unknown, accountId: unknown = ACCOUNT) => res(SCRIPT, name, { accountId, scriptName, mainModule: "mta-sts.mjs" });
const project = (name: string, projectName: unknown, accountId: unknown = ACCOUNT) => res(PROJECT, name, { accountId, name: projectName, productionBranch: "main" });
const messages = (o: { violations: { message: string }[] }) => o.violations.map((v) => v.message);

describe("rule 6: one Worker script or Pages project per name and account", () => {
  test("the two Workers of the report, with the components' names, pass", () => {
    const result = checkCloudflareNamesUnique([script("a-script", "mta-sts-shop-acme--example-org"), script("b-script", "mta-sts-shop--acme-example-org")]);
    expect(result).toEqual({ violations: [], undecidable: [] });
  });

  test("two Worker scripts with one name in one account are a violation naming both resources and the fix", () => {
    const result = checkCloudflareNamesUnique([script("a-script", "mta-sts-shop-acme-example-org"), script("b-script", "mta-sts-shop-acme-example-org")]);
    expect(result.violations).toHaveLength(1);
    const [message] = messages(result);
    expect(message).toMatch(/"b-script" \(cloudflare:index\/workersScript:WorkersScript\) and "a-script" .* are both the Worker script "mta-sts-shop-acme-example-org" in account f037e56e89293a057740de681ac9abbe/);
    expect(message).toMatch(/gets the other domain's MTA-STS policy/);
    expect(message).toMatch(/Give each its own name/);
    expect(result.violations[0].urn).toContain("b-script");
  });

  test("two Pages projects with one name in one account are a violation", () => {
    expect(messages(checkCloudflareNamesUnique([project("a-project", "mta-sts-x"), project("b-project", "mta-sts-x")]))[0]).toMatch(/both the Pages project "mta-sts-x"/);
  });

  test("a v4 WorkerScript and a v6 WorkersScript with one name collide too", () => {
    const v4 = res(SCRIPT_V4, "old-script", { accountId: ACCOUNT, name: "mta-sts-x" });
    expect(checkCloudflareNamesUnique([v4, script("new-script", "mta-sts-x")]).violations).toHaveLength(1);
  });

  test("one name in two accounts, or as a Worker and a Pages project, passes", () => {
    expect(checkCloudflareNamesUnique([script("a", "mta-sts-x"), script("b", "mta-sts-x", OTHER_ACCOUNT), project("c", "mta-sts-x")]).violations).toEqual([]);
  });

  test("three with one name give a violation for each after the first", () => {
    expect(checkCloudflareNamesUnique([script("a", "n"), script("b", "n"), script("c", "n")]).violations.map((v) => v.urn!.split("::").pop())).toEqual(["b", "c"]);
  });

  test("a name unknown at preview is not a pass: it is judged at pulumi up", () => {
    const result = checkCloudflareNamesUnique([script("a", UNKNOWN), script("b", "mta-sts-x")]);
    expect(result.violations).toEqual([]);
    expect(result.undecidable).toEqual([{ reason: expect.stringMatching(/"a" .* checked at `pulumi up`/), urn: expect.stringContaining("::a") }]);
  });

  test("through the pack, the collision is a mandatory violation of mta-sts-cloudflare-name-unique", async () => {
    const run = await runPack([script("a-script", "mta-sts-dup"), script("b-script", "mta-sts-dup")], {}, ["mta-sts-cloudflare-name-unique"]);
    expect(run.violations.map((v) => v.policy)).toEqual(["mta-sts-cloudflare-name-unique"]);
  });
});
