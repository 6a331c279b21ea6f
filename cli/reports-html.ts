/**
 * `mta-sts reports --html FILE`: one self-contained page (no network, no CDN: inline CSS, inline
 * SVG, a few lines of inline script, and a Content-Security-Policy that forbids loading anything)
 * with, per domain, a daily chart of successful and failed sessions, its verdict and reasons.
 * Everything that came from a report is escaped for HTML.
 */
import type { AggregateResult, DomainReadiness, ReadinessOptions } from "../components/model/tlsrpt-readiness";

/** Text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** At most this many days are drawn per domain (the latest). */
const MAX_CHART_DAYS = 400;

function dayRange(first: string, last: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${last}T00:00:00Z`);
  for (let t = Math.max(Date.parse(`${first}T00:00:00Z`), end - (MAX_CHART_DAYS - 1) * 86400000); t <= end; t += 86400000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** The chart: successful sessions per day as green bars, and below them a red bar on every day with failures. */
function chart(d: DomainReadiness): string {
  if (!d.firstDay || !d.lastDay) return `<p class="empty">No reports.</p>`;
  const days = dayRange(d.firstDay, d.lastDay);
  const byDay = new Map(d.daily.map((x) => [x.day, x]));
  const barW = Math.max(3, Math.min(24, Math.floor(720 / days.length)));
  const width = days.length * barW + 60;
  const okH = 90;
  const failH = 40;
  const maxOk = Math.max(1, ...d.daily.map((x) => x.successfulSessions));
  const maxFail = Math.max(1, ...d.daily.map((x) => x.failedSessions));
  const bars: string[] = [];
  days.forEach((day, i) => {
    const x = 50 + i * barW;
    const v = byDay.get(day);
    const ok = v?.successfulSessions ?? 0;
    const failed = v?.failedSessions ?? 0;
    if (ok > 0) {
      const h = Math.max(1, Math.round((ok / maxOk) * okH));
      bars.push(`<rect class="ok-day" data-day="${day}" data-sessions="${ok}" x="${x}" y="${10 + okH - h}" width="${barW - 1}" height="${h}"><title>${day}: ${ok} successful sessions</title></rect>`);
    }
    if (failed > 0) {
      // Failures get their own scale: one failure among a million sessions must still show.
      const h = Math.max(4, Math.round((failed / maxFail) * failH));
      bars.push(`<rect class="failure-day" data-day="${day}" data-sessions="${failed}" x="${x}" y="${okH + 20}" width="${barW - 1}" height="${h}"><title>${day}: ${failed} failed sessions</title></rect>`);
    }
  });
  const label = (x: number, y: number, text: string, anchor = "start") => `<text x="${x}" y="${y}" text-anchor="${anchor}">${escapeHtml(text)}</text>`;
  return `<svg class="chart" role="img" aria-label="daily sessions for ${escapeHtml(d.domain)}" width="${width}" height="${okH + failH + 50}" viewBox="0 0 ${width} ${okH + failH + 50}">
${label(2, 20, String(maxOk))}${label(2, okH + 10, "0")}${label(2, okH + 34, "failed")}
<line x1="48" y1="${okH + 10}" x2="${width}" y2="${okH + 10}" class="axis"/>
${bars.join("\n")}
${label(50, okH + failH + 40, days[0])}${label(width - 2, okH + failH + 40, days[days.length - 1], "end")}
</svg>`;
}

function domainSection(d: DomainReadiness, index: number): string {
  const reasons = d.readiness.reasons.map((r) => `<li><code>${escapeHtml(r.code)}</code> ${escapeHtml(r.message)}</li>`).join("");
  const failures = Object.entries(d.failuresByResultType)
    .map(([type, n]) => `<li>${escapeHtml(type)}: ${n}</li>`)
    .join("");
  return `<section class="domain" id="d${index}" data-verdict="${escapeHtml(d.readiness.verdict)}" data-domain="${escapeHtml(d.domain)}">
<h2><span class="verdict ${escapeHtml(d.readiness.verdict)}">${escapeHtml(d.readiness.verdict)}</span> ${escapeHtml(d.domain)}${d.mode ? ` <span class="mode">${escapeHtml(d.mode)}</span>` : ""}</h2>
<p class="totals">${plural(d.reports, "report")} from ${plural(d.reporters.length, "reporter")} (${d.reporters.map(escapeHtml).join(", ")}), ${plural(d.days, "day")}${d.firstDay ? ` from ${d.firstDay} to ${d.lastDay}` : ""}; ${d.successfulSessions} successful and ${d.failedSessions} failed sessions.</p>
${chart(d)}
${reasons ? `<ul class="reasons">${reasons}</ul>` : ""}
${failures ? `<p>Failures by result type:</p><ul class="failures">${failures}</ul>` : ""}
</section>`;
}

export function renderReportsHtml(result: AggregateResult, meta: { generated: string; stack: boolean; options: ReadinessOptions }): string {
  const order = { "not-ready": 0, "insufficient-evidence": 1, ready: 2 } as const;
  const domains = [...result.domains].sort((a, b) => order[a.readiness.verdict] - order[b.readiness.verdict] || a.domain.localeCompare(b.domain));
  const counts = { "not-ready": 0, "insufficient-evidence": 0, ready: 0 };
  for (const d of domains) counts[d.readiness.verdict]++;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>TLS reports: readiness for enforce</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
.verdict { padding: 0 .4em; border-radius: 3px; color: #fff; font-size: .8em; }
.verdict.ready { background: #2e7d32; } .verdict.not-ready { background: #c62828; } .verdict.insufficient-evidence { background: #9e6a00; }
.mode { font-size: .8em; color: #555; border: 1px solid #aaa; padding: 0 .3em; border-radius: 3px; }
.chart rect.ok-day { fill: #66bb6a; } .chart rect.failure-day { fill: #d32f2f; } .chart text { font-size: 10px; fill: #555; } .chart .axis { stroke: #999; }
section.domain { border-top: 1px solid #ddd; padding-top: .5em; }
section.hidden { display: none; }
</style>
</head>
<body>
<h1>TLS reports: readiness for enforce</h1>
<p>${result.reports} reports counted, ${result.duplicates} duplicates; ${counts["not-ready"]} not ready, ${counts["insufficient-evidence"]} with insufficient evidence, ${counts.ready} ready. Thresholds: ${meta.options.minDays ?? 14} days, ${meta.options.minReporters ?? 2} reporters, failure rate at most ${meta.options.maxFailureRate ?? 0}${meta.options.requireAuthenticated ? ", authenticated reports only" : ""}${meta.options.since ? `, since ${escapeHtml(meta.options.since)}` : ""}. Generated ${escapeHtml(meta.generated)}.</p>
<p><label>Show <select id="filter"><option value="all">every domain</option><option value="not-ready">not ready</option><option value="insufficient-evidence">insufficient evidence</option><option value="ready">ready</option></select></label></p>
${domains.map(domainSection).join("\n")}
<script>
document.getElementById("filter").addEventListener("change", function (event) {
  var want = event.target.value;
  document.querySelectorAll("section.domain").forEach(function (s) {
    s.classList.toggle("hidden", want !== "all" && s.getAttribute("data-verdict") !== want);
  });
});
</script>
</body>
</html>
`;
}
