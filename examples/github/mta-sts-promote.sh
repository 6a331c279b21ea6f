#!/usr/bin/env bash
# Open, or update, the pull request that moves the domains of one stack file from testing to
# enforce, from the evidence of their TLS reports. Run by examples/github/mta-sts-promote.yml on
# a schedule, from a checkout of the base branch with `npm ci` done; runs anywhere else too.
#
#   STACK          the stack file, e.g. Pulumi.mail-prod.yaml (required)
#   SOURCES        what `mta-sts promote` reads, separated by spaces: an IMAP mailbox
#                  (imaps://tlsrpt@mail.example.com/INBOX, password in MTA_STS_IMAP_PASSWORD),
#                  mbox files, Maildirs, directories of report files (required)
#   PROMOTE_FLAGS  more options for promote, e.g. "--max 10 --require-authenticated" (optional)
#   BASE_BRANCH    the branch the pull request goes to; the checkout is at it (default: main)
#   PROMOTE_BRANCH the branch the job owns and rebuilds from BASE_BRANCH on every run
#                  (default: mta-sts/promote-<stack>); do not push to it yourself
#   RUNNER_TEMP    where to keep the job's files (GitHub Actions sets it; else a new directory)
#   GH_TOKEN       for `gh`: a token that may push and open pull requests
#
# What it does:
#   1. `mta-sts promote --json` edits STACK in place (only the promoted domains' mode lines);
#      nothing to promote: it stops, and an open pull request is left as it is;
#   2. commits the change on PROMOTE_BRANCH, on top of BASE_BRANCH;
#   3. `mta-sts plan --base` the base commit, as markdown: what the change publishes;
#   4. pushes the branch (forced: the branch is rebuilt each run; unchanged, it is not pushed)
#      and opens the pull request, or updates the title and description of the open one.
#
# Exit codes: 0 done (also when nothing was promoted); 2 promote or plan could not run;
# anything else from git or gh.
set -euo pipefail

: "${STACK:?set STACK to the stack file, e.g. Pulumi.mail-prod.yaml}"
: "${SOURCES:?set SOURCES to the report sources, e.g. imaps://tlsrpt@mail.example.com/INBOX}"
base="${BASE_BRANCH:-main}"
name="$(basename "$STACK")"
name="${name#Pulumi.}"
name="${name%.yaml}"
branch="${PROMOTE_BRANCH:-mta-sts/promote-$name}"
out="${RUNNER_TEMP:-$(mktemp -d)}/mta-sts-promote"
mkdir -p "$out"

# Our own bin, from this checkout's node_modules: `--no` never installs a registry package.
mta_sts() { npm exec --no -- mta-sts "$@"; }

read -r -a sources <<< "$SOURCES"
read -r -a flags <<< "${PROMOTE_FLAGS:-}"
base_sha="$(git rev-parse HEAD)"
if ! git diff --quiet HEAD -- "$STACK"; then
  echo "::error::$STACK has uncommitted changes; run from a clean checkout of $base" >&2
  exit 2
fi

# 1. Promote. Exit 2 means it could not run (a bad stack file, an unreadable report): fail.
status=0
mta_sts promote --stack "$STACK" "${flags[@]}" --json "${sources[@]}" > "$out/promote.json" || status=$?
if [ "$status" -ne 0 ]; then
  echo "::error::mta-sts promote could not run (exit $status):" >&2
  cat "$out/promote.json" >&2
  exit "$status"
fi
if git diff --quiet HEAD -- "$STACK"; then
  echo "Nothing to promote in $STACK."
  exit 0
fi

# The commit message and the pull request's title and description, from promote's JSON (domain
# names are A-labels; every message, which may quote a report, goes into a fenced block).
node - "$out" "$STACK" <<'JS'
const fs = require("fs");
const [out, stack] = process.argv.slice(2);
const r = JSON.parse(fs.readFileSync(`${out}/promote.json`, "utf8"));
const names = r.promoted.map((p) => p.domain);
const title = `mta-sts: ${names.length === 1 ? names[0] : `${names.length} domains`} of ${stack} to enforce`;
const fence = (lines) => {
  const body = lines.map((l) => l.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, " "));
  const longest = Math.max(2, ...body.map((l) => Math.max(0, ...(l.match(/`+/g) || []).map((run) => run.length))));
  return ["`".repeat(longest + 1), ...body, "`".repeat(longest + 1)].join("\n");
};
const promoted = r.promoted.map((p) => `- \`${p.domain}\`: ${p.evidence.days} days, ${p.evidence.reporters.length} reporters, ${p.evidence.successfulSessions + p.evidence.failedSessions} sessions, ${p.evidence.failedSessions} failed (\`${p.path}\`)`);
const notes = r.promoted.flatMap((p) => p.notes.map((n) => `${p.domain}: ${n.message}`));
const stay = r.stayInTesting.map((s) => `${s.domain}: ${s.reason.code}: ${s.reason.message}`);
const refusing = r.notInTesting.filter((o) => o.refusingMail).map((o) => `${o.domain} is in enforce and refusing mail now: ${o.demote}`);
const summary = [
  `### MTA-STS: ${names.length} domain${names.length === 1 ? "" : "s"} of \`${stack}\` to enforce`,
  "",
  "Their TLS reports say ready (`mta-sts promote`): enough days and reporters, no failure, for the policy configured now.",
  "",
  ...promoted,
  "",
  ...(refusing.length ? ["**Refusing mail now** (promote never demotes; see the README's From testing to enforce):", "", fence(refusing), ""] : []),
  ...(notes.length ? ["Notes:", "", fence(notes), ""] : []),
  ...(stay.length ? [`<details><summary>${stay.length} stay in testing</summary>`, "", fence(stay), "", "</details>", ""] : []),
  "After merging, deploy: `" + r.deploy + "` (the live MX check runs once more before enforce is published).",
  "",
].join("\n");
fs.writeFileSync(`${out}/title.txt`, title);
fs.writeFileSync(`${out}/summary.md`, summary);
fs.writeFileSync(`${out}/commit.txt`, `${title}\n\n${r.promoted.map((p) => `- ${p.domain}: ready (${p.evidence.days} days, ${p.evidence.reporters.length} reporters, ${p.evidence.failedSessions} failed sessions)`).join("\n")}\n`);
JS

# 2. The commit, on the job's branch, on top of the base.
git switch --quiet -C "$branch"
git add -- "$STACK"
git -c user.name="${GIT_USER_NAME:-github-actions[bot]}" -c user.email="${GIT_USER_EMAIL:-41898282+github-actions[bot]@users.noreply.github.com}" \
  commit --quiet -F "$out/commit.txt"

# 3. What it publishes, compared with the base commit (exit 1 is a blocking risk: shown, not fatal).
status=0
mta_sts plan --stack "$STACK" --base "$base_sha" --markdown > "$out/review.md" 2> "$out/review.err" || status=$?
if [ "$status" -ge 2 ]; then
  echo "::error::mta-sts plan --base could not run (exit $status):" >&2
  cat "$out/review.err" >&2
  exit "$status"
fi
# The description: the summary, then the review if both fit in GitHub's 65536 characters.
node - "$out" "$STACK" <<'JS'
const fs = require("fs");
const [out, stack] = process.argv.slice(2);
const LIMIT = 65000;
let summary = fs.readFileSync(`${out}/summary.md`, "utf8");
if (summary.length > LIMIT / 2) summary = `${summary.slice(0, LIMIT / 2)}\n\n(cut here: too long for a description; \`mta-sts promote --dry-run\` shows it all)\n`;
let review = fs.readFileSync(`${out}/review.md`, "utf8");
if (summary.length + review.length + 2 > LIMIT) review = `The review of what this publishes is too long for the description: run \`mta-sts plan --stack ${stack} --base <base>\`.\n`;
fs.writeFileSync(`${out}/body.md`, `${summary}\n${review}`);
JS

# 4. Push (unless the open pull request's branch holds this very change on this very base) and
# open or update the pull request.
if git fetch --quiet origin "refs/heads/$branch" 2> /dev/null && git merge-base --is-ancestor "$base_sha" FETCH_HEAD && git diff --quiet FETCH_HEAD HEAD; then
  echo "$branch already holds this change on $base; not pushed."
else
  git push --quiet --force origin "HEAD:refs/heads/$branch"
fi
number="$(gh pr list --head "$branch" --base "$base" --state open --json number --jq '.[0].number // empty')"
if [ -n "$number" ]; then
  gh pr edit "$number" --title "$(cat "$out/title.txt")" --body-file "$out/body.md"
  echo "Updated pull request #$number."
else
  gh pr create --base "$base" --head "$branch" --title "$(cat "$out/title.txt")" --body-file "$out/body.md"
fi
