/**
 * How the shared host numbers and names its groups, and which slice of groups shares which
 * CloudFront resources.
 *
 * - A group is numbered 0 to 999 and labelled `g07` (two digits, three from 100): the label is
 *   the group's part of child names (`<name>-g07-cdn`) and output keys.
 * - A slice is a run of GROUPS_PER_SLICE consecutive group numbers (g00 to g99, g100 to g199, ...)
 *   whose distributions share one Origin Access Control, one routing function and one cache
 *   policy. CloudFront allows 100 distributions per Origin Access Control, per function and per
 *   cache policy (aws-quotas.ts), so a slice can never pass any of them. A group's slice is a
 *   function of its number alone: adding or removing groups never moves a distribution to
 *   another slice.
 *
 * Pure: no imports, so every other module of the shared host can use it.
 */

/** The highest group number, for the hash and for pins (group labels run g00 to g999). */
export const MAX_GROUP_INDEX = 999;

/**
 * Groups per slice: the smallest of CloudFront's default distributions per Origin Access
 * Control, per function and per cache policy (all 100). Fixed, so a raised quota never moves a
 * distribution between slices.
 */
export const GROUPS_PER_SLICE = 100;

/** `7` → `g07`, `123` → `g123`. */
export function groupLabel(index: number): string {
  return `g${String(index).padStart(2, "0")}`;
}

/** The slice of a group number: 0 for g00 to g99, 1 for g100 to g199, ... */
export function sliceOf(groupIndex: number): number {
  return Math.floor(groupIndex / GROUPS_PER_SLICE);
}

/** `groups g100 to g199`. */
export function sliceGroups(slice: number): string {
  const first = slice * GROUPS_PER_SLICE;
  return `groups ${groupLabel(first)} to ${groupLabel(first + GROUPS_PER_SLICE - 1)}`;
}

/**
 * The prefix of a slice's children (`<prefix>-oac`, `-routing`, `-cache`): the host's own name
 * for slice 0, so that a host deployed with one Origin Access Control keeps it; `<name>-s<k>`
 * for slice k.
 */
export function slicePrefix(name: string, slice: number): string {
  return slice === 0 ? name : `${name}-s${slice}`;
}
