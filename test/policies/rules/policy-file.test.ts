/**
 * Policy pack, rule 2: the S3 object at .well-known/mta-sts.txt parses as a policy, is text/plain,
 * and its bucket cannot be made public.
 */
import { checkPolicyBucketPrivate, checkPolicyObject } from "../../../policies/rules/policy-file";
import { UNKNOWN } from "../../../policies/rules";
import { renderPolicy } from "../../../components/model/policy";
import { res } from "../../support/policy-resources";

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const good = renderPolicy({ mode: "enforce", mx: ["mx1.example.com"], maxAgeSeconds: 1209600 });
const object = (props: Record<string, unknown>, links = {}) => res(OBJECT, "policy", { key: ".well-known/mta-sts.txt", content: good, contentType: "text/plain", bucket: "policy-bucket", ...props }, links);
const messages = (o: { violations: { message: string }[] }) => o.violations.map((v) => v.message);

describe("rule 2: the policy object parses and is text/plain", () => {
  test("rendered policy bytes with text/plain pass", () => {
    expect(checkPolicyObject(object({})).violations).toEqual([]);
    expect(checkPolicyObject(object({ contentType: "text/plain; charset=utf-8", key: "/.well-known/mta-sts.txt" })).violations).toEqual([]);
  });

  test("a policy senders parse is no violation, even with an mx our own config would refuse (*.com)", () => {
    expect(checkPolicyObject(object({ content: "version: STSv1\nmode: enforce\nmx: *.com\nmax_age: 1209600\n" })).violations).toEqual([]);
  });

  test("a policy with a misspelt mode is a violation naming the line and the allowed values", () => {
    const [message] = messages(checkPolicyObject(object({ content: "version: STSv1\nmode: enforcing\nmx: mx1.example.com\nmax_age: 86400\n" })));
    expect(message).toMatch(/senders cannot parse this policy/);
    expect(message).toMatch(/line 2: mode is "enforcing"; it must be exactly enforce, testing or none/);
  });

  test("contentBase64 is decoded before parsing", () => {
    expect(checkPolicyObject(object({ content: undefined, contentBase64: Buffer.from(good).toString("base64") })).violations).toEqual([]);
    expect(messages(checkPolicyObject(object({ content: undefined, contentBase64: Buffer.from("mode: enforce\n").toString("base64") })))[0]).toMatch(/no `version: STSv1` line/);
  });

  test("bytes from a file asset the pack cannot read are a violation asking for content", () => {
    expect(messages(checkPolicyObject(object({ content: undefined, source: { path: "./mta-sts.txt" } })))[0]).toMatch(/Put the policy text in `content`/);
  });

  test("a missing or wrong content type is a violation that says to set text/plain", () => {
    expect(messages(checkPolicyObject(object({ contentType: undefined })))[0]).toMatch(/contentType is not set \(S3 then serves binary\/octet-stream\).*Set contentType: "text\/plain"/);
    expect(messages(checkPolicyObject(object({ contentType: "application/octet-stream" })))[0]).toMatch(/contentType is "application\/octet-stream"/);
  });

  test("a public-read object ACL is a violation", () => {
    expect(messages(checkPolicyObject(object({ acl: "public-read" })))[0]).toMatch(/acl "public-read" makes the policy object public/);
  });

  test("an object keyed by host (one bucket for many hosts) is judged too", () => {
    expect(messages(checkPolicyObject(object({ key: "mta-sts.example.com/.well-known/mta-sts.txt", contentType: "binary/octet-stream" })))[0]).toMatch(/at mta-sts.example.com\/.well-known\/mta-sts.txt: contentType is "binary\/octet-stream"/);
  });

  test("objects at other keys are not judged", () => {
    expect(checkPolicyObject(object({ key: "index.html", content: "<html>", contentType: "text/html" })).violations).toEqual([]);
  });

  test("content unknown at preview is not judgeable rather than passing", () => {
    const result = checkPolicyObject(object({ content: UNKNOWN }));
    expect(result.violations).toEqual([]);
    expect(result.undecidable[0].reason).toMatch(/policy bytes are not known/);
  });
});

describe("rule 2 across the stack: the policy bucket cannot be public", () => {
  const bucket = res("aws:s3/bucket:Bucket", "bucket", {});
  const allOn = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };

  test("a public access block with all four settings on, for the object's bucket resource, passes (bucket id unknown at preview)", () => {
    const pab = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", { bucket: UNKNOWN, ...allOn }, { dependencies: [bucket] });
    const obj = object({ bucket: UNKNOWN }, { dependencies: [bucket] });
    const result = checkPolicyBucketPrivate([bucket, pab, obj]);
    expect(result).toEqual({ violations: [], undecidable: [] });
  });

  test("a block that targets the same literal bucket name passes", () => {
    const pab = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", { bucket: "policy-bucket", ...allOn });
    expect(checkPolicyBucketPrivate([pab, object({})]).violations).toEqual([]);
  });

  test("a block with restrictPublicBuckets off is a violation naming that setting", () => {
    const pab = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", { bucket: "policy-bucket", ...allOn, restrictPublicBuckets: false });
    expect(messages(checkPolicyBucketPrivate([pab, object({})]))[0]).toMatch(/leaves restrictPublicBuckets off.*Set all four to true/);
  });

  test("no block, and a bucket policy that allows everyone, is a violation that shows the grant", () => {
    const policy = res("aws:s3/bucketPolicy:BucketPolicy", "bp", {
      bucket: "policy-bucket",
      policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::policy-bucket/*" }] }),
    });
    const [message] = messages(checkPolicyBucketPrivate([policy, object({})]));
    expect(message).toMatch(/nothing in this stack blocks public access/);
    expect(message).toMatch(/allows any principal without a condition/);
    expect(message).toMatch(/BucketPublicAccessBlock .* all true/);
  });

  test("a block for another bucket does not count", () => {
    const other = res("aws:s3/bucket:Bucket", "other", {});
    const pab = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", { bucket: UNKNOWN, ...allOn }, { dependencies: [other] });
    const obj = object({ bucket: UNKNOWN }, { dependencies: [bucket] });
    expect(checkPolicyBucketPrivate([bucket, other, pab, obj]).violations).toHaveLength(1);
  });

  test("an object whose bucket is unknown and not traceable is not judgeable rather than passing", () => {
    const result = checkPolicyBucketPrivate([object({ bucket: UNKNOWN })]);
    expect(result.violations).toEqual([]);
    expect(result.undecidable).toHaveLength(1);
  });
});
