/**
 * Packaging for other Pulumi languages: `pulumi package add <repo>` reads PulumiPlugin.yaml and
 * infers the component schema from the TypeScript types. Generating it offline proves the four
 * components, their documented inputs and their flat outputs reach YAML, Python and Go users.
 *
 * In `npm run test:e2e` (no root needed): the inference runs the TypeScript compiler over the
 * whole package and the providers' type declarations, as `pulumi package add` does, about 20 s of
 * CPU, a tenth of all the unit and component tests together.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { AwsMtaSts } from "../components/aws/aws-mta-sts";
import { AwsSharedMtaStsHost } from "../components/aws-shared/aws-shared-mta-sts-host";
import { CloudflareMtaSts } from "../components/cloudflare/cloudflare-mta-sts";
import { CloudflareTlsRptReceiver } from "../components/cloudflare/cloudflare-tlsrpt-receiver";

const root = path.join(__dirname, "..");
let schema: any;

beforeAll(async () => {
  const provider = new ComponentProvider({ components: [AwsMtaSts, AwsSharedMtaStsHost, CloudflareMtaSts, CloudflareTlsRptReceiver], dirname: root, name: "pulumi-mta-sts" });
  schema = JSON.parse(await provider.getSchema());
}, 120000);

test("PulumiPlugin.yaml declares the nodejs runtime", () => {
  expect(readFileSync(path.join(root, "PulumiPlugin.yaml"), "utf8")).toMatch(/^runtime: nodejs$/m);
});

test("the schema is the pulumi-mta-sts package with its four components, and no other resource", () => {
  expect(schema.name).toBe("pulumi-mta-sts");
  expect(Object.keys(schema.resources).sort()).toEqual(["pulumi-mta-sts:index:AwsMtaSts", "pulumi-mta-sts:index:AwsSharedMtaStsHost", "pulumi-mta-sts:index:CloudflareMtaSts", "pulumi-mta-sts:index:CloudflareTlsRptReceiver"]);
  for (const resource of Object.values<{ isComponent: boolean }>(schema.resources)) expect(resource.isComponent).toBe(true);
});

/** Each output as other languages see it: its schema type, and whether it is always set. */
function outputs(token: string): Record<string, { type: unknown; always: boolean; described: boolean }> {
  const resource = schema.resources[token];
  const required = new Set<string>(resource.required ?? []);
  return Object.fromEntries(
    Object.entries<any>(resource.properties).map(([name, p]) => [name, { type: p.$ref ?? (p.additionalProperties ? { map: p.additionalProperties.type } : p.type), always: required.has(name), described: /\S/.test(p.description ?? "") }]),
  );
}
const flat = (type: unknown, always = true) => ({ type, always, described: true });

test("AwsMtaSts has its documented inputs, with descriptions, and its flat outputs", () => {
  const aws = schema.resources["pulumi-mta-sts:index:AwsMtaSts"];
  expect(aws.requiredInputs).toEqual(expect.arrayContaining(["domain", "policy"]));
  for (const input of ["domain", "policy", "tlsRpt", "dns", "hostedZoneId", "cloudflareZoneId", "adoptExistingRecords", "verifyLiveMx", "dnsResolver"]) {
    expect(aws.inputProperties[input]).toBeDefined();
    expect(aws.inputProperties[input].description).toMatch(/\S/);
  }
  expect(outputs("pulumi-mta-sts:index:AwsMtaSts")).toEqual({
    policyId: flat("string"),
    policyUrl: flat("string"),
    policyText: flat("string"),
    stsRecord: flat("string"),
    tlsRptRecord: flat("string", false),
    distributionDomainName: flat("string"),
    certificateArn: flat("string"),
    bucketName: flat("string"),
  });
});

test("CloudflareMtaSts has its documented inputs and outputs", () => {
  const cf = schema.resources["pulumi-mta-sts:index:CloudflareMtaSts"];
  expect(cf.requiredInputs).toEqual(expect.arrayContaining(["domain", "policy", "zoneId", "accountId"]));
  for (const input of ["domain", "policy", "tlsRpt", "zoneId", "accountId", "host"]) {
    expect(cf.inputProperties[input]?.description).toMatch(/\S/);
  }
  expect(outputs("pulumi-mta-sts:index:CloudflareMtaSts")).toEqual({
    policyId: flat("string"),
    policyUrl: flat("string"),
    policyText: flat("string"),
    stsRecord: flat("string"),
    tlsRptRecord: flat("string", false),
    host: flat("#/types/pulumi-mta-sts:index:CloudflareHostKind"),
    siteName: flat("string"),
  });
});

test("policy mode is an enum and the policy's fields keep their docs and defaults", () => {
  const types = schema.types;
  const mode = types["pulumi-mta-sts:index:PolicyMode"];
  expect(mode.enum.map((e: { value: string }) => e.value).sort()).toEqual(["enforce", "none", "testing"]);
  const policy = types["pulumi-mta-sts:index:PolicyArgs"];
  expect(policy.properties.maxAgeSeconds.description).toContain("Defaults to 604800");
  expect(policy.required).toEqual(["mode"]);
});

test("AwsSharedMtaStsHost has its domains list, grouping inputs and per-domain output maps", () => {
  const shared = schema.resources["pulumi-mta-sts:index:AwsSharedMtaStsHost"];
  expect(shared.isComponent).toBe(true);
  expect(shared.requiredInputs).toEqual(["domains"]);
  for (const input of ["domains", "groupSize", "groupCount", "dnsResolver"]) expect(shared.inputProperties[input]?.description).toMatch(/\S/);
  expect(shared.inputProperties.domains.items.$ref).toBe("#/types/pulumi-mta-sts:index:SharedDomainArgs");
  const domainArgs = schema.types["pulumi-mta-sts:index:SharedDomainArgs"];
  // Its own fields and those it extends from AwsDomainArgs, each with its description.
  for (const field of ["domain", "policy", "tlsRpt", "dns", "hostedZoneId", "cloudflareZoneId", "verifyLiveMx", "adoptExistingRecords", "group"]) {
    expect([field, domainArgs.properties[field]?.description]).toEqual([field, expect.stringMatching(/\S/)]);
  }
  expect(domainArgs.required).toEqual(["domain", "policy"]);
  // Per-domain and per-group values are maps of strings: one flat map per kind of value.
  const map = flat({ map: "string" });
  expect(outputs("pulumi-mta-sts:index:AwsSharedMtaStsHost")).toEqual({
    policyIds: map,
    policyUrls: map,
    stsRecords: map,
    tlsRptRecords: map,
    domainGroups: map,
    distributionDomainNames: map,
    certificateArns: map,
    bucketName: flat("string"),
    groupCount: flat("number"),
  });
});

test("CloudflareTlsRptReceiver has its documented inputs (the alert format an enum), the webhook URL an input, and flat outputs", () => {
  const rx = schema.resources["pulumi-mta-sts:index:CloudflareTlsRptReceiver"];
  expect(rx.isComponent).toBe(true);
  expect(rx.requiredInputs).toEqual(expect.arrayContaining(["hostname", "zoneId", "accountId", "allowedDomains"]));
  for (const input of ["hostname", "zoneId", "accountId", "allowedDomains", "alertWebhookUrl", "alertWebhookFormat", "scriptName", "bucketName", "exportPageSize"]) {
    expect([input, rx.inputProperties[input]?.description]).toEqual([input, expect.stringMatching(/Defaults to|Required/)]);
  }
  const format = schema.types["pulumi-mta-sts:index:AlertWebhookFormat"];
  expect(format.enum.map((e: { value: string }) => e.value).sort()).toEqual(["json", "slack", "teams"]);
  expect(outputs("pulumi-mta-sts:index:CloudflareTlsRptReceiver")).toEqual({
    reportUrl: flat("string"),
    exportUrl: flat("string"),
    hostname: flat("string"),
    exportToken: flat("string"),
    scriptName: flat("string"),
    bucketName: flat("string"),
    allowedDomains: flat("array"),
  });
});
