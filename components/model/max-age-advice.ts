/**
 * How long senders should cache a policy: the advice on `max_age` (RFC 8461 §3.2), in one place
 * for the config warnings, the policy analyser (`lint`, `check`) and the policy pack.
 *
 * A sender keeps a policy for `max_age` seconds and refetches it when the id changes. Under one
 * day, senders refetch all the time and are left without a policy soon after the policy host
 * goes down. In `enforce`, the policy protects a sender only while it is cached: RFC 8461 §3.2
 * suggests "weeks or greater", so an attacker who blocks the policy fetch cannot simply wait for
 * the cache to run out. Both are legal; they are advice, never errors.
 */
import type { PolicyMode } from "./policy";

/** One day: the shortest `max_age` we do not warn about. */
export const ONE_DAY_SECONDS = 86400;
/** 14 days: the shortest `max_age` we do not warn about in `enforce` (RFC 8461 §3.2: weeks). */
export const MIN_ENFORCE_MAX_AGE = 14 * ONE_DAY_SECONDS;

export interface MaxAgeAdvice {
  /** `under-one-day` in any mode; `short-for-enforce` a day or more, but short for `enforce`. */
  readonly kind: "under-one-day" | "short-for-enforce";
  /** The `max_age` that would silence the advice. */
  readonly atLeast: number;
  /** The reason and the fix, after the value's name: `3600 s is under one day: ...; use at least 86400 s`. */
  readonly message: string;
}

/**
 * The advice for a policy of `mode` cached for `seconds`, or undefined when there is none.
 * `minEnforceSeconds` is the shortest `max_age` accepted in `enforce` (the policy pack lets a
 * stack raise it); it defaults to 14 days.
 */
export function maxAgeAdvice(mode: PolicyMode, seconds: number, minEnforceSeconds: number = MIN_ENFORCE_MAX_AGE): MaxAgeAdvice | undefined {
  const atLeast = mode === "enforce" ? minEnforceSeconds : ONE_DAY_SECONDS;
  if (seconds >= atLeast) return undefined;
  if (seconds < ONE_DAY_SECONDS) {
    return {
      kind: "under-one-day",
      atLeast,
      message: `${seconds} s is under one day: senders refetch constantly and lose the policy quickly when the policy host is down; use at least ${atLeast} s`,
    };
  }
  return {
    kind: "short-for-enforce",
    atLeast,
    message: `${seconds} s in enforce mode is under ${days(minEnforceSeconds)} (${minEnforceSeconds} s); RFC 8461 §3.2 recommends weeks so a downgrade attacker cannot outwait the policy; use at least ${minEnforceSeconds} s`,
  };
}

/** `1209600` → `14 days`, `2592001` → `30 days`, `129600` → `1.5 days`. */
function days(seconds: number): string {
  const n = Math.round((seconds / ONE_DAY_SECONDS) * 10) / 10;
  return `${n} day${n === 1 ? "" : "s"}`;
}
