/**
 * pulumi-mta-sts guardrails: a Pulumi CrossGuard policy pack for every stack that touches MTA-STS
 * (RFC 8461) or TLS-RPT (RFC 8460), whoever wrote it.
 *
 *   pulumi preview --policy-pack ./policies [--policy-pack-config ./policies/levels.json]
 *
 * The rules are in ./rules (pure, unit-tested); ./pack.ts turns them into policies.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./pack";

new PolicyPack("pulumi-mta-sts", { policies });
