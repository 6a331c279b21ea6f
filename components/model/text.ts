/**
 * Trimming of untrusted text in linear time. Policies and TXT records come from the network and
 * can hold a line of a million blanks; an unanchored `/[ \t]+$/` tries every start position of
 * such a run and scans it to the end each time, which is quadratic (minutes for one line). These
 * loops look at each character at most once.
 */

/** RFC 5234 §B.1: WSP = SP / HTAB. */
function isWsp(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** `text` without the WSP (spaces and tabs) at its start and its end. */
export function trimWsp(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isWsp(text.charCodeAt(start))) start++;
  while (end > start && isWsp(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/** `text` without the dots at its end: `mx.example.com..` is `mx.example.com`. */
export function trimTrailingDots(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2e) end--;
  return text.slice(0, end);
}
