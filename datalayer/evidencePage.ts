/**
 * The evidence bundle's page for a claims handler: the same facts as evidence.json, rendered offline. Nothing is
 * fetched: the CSS is inline, every image is referenced relative to the bundle folder, and the only script counts
 * the images the browser could show (so a reader, and the test, sees at once whether every copy is there).
 */
import type { Evidence } from "./evidenceSchema.js";

const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
/** A bundle-relative reference: each segment percent-encoded, so no name can reach outside the folder or the page. */
const href = (path: string): string => path.split("/").map(encodeURIComponent).join("/");
const short = (v: string) => (v.length > 16 ? `${v.slice(0, 12)}…` : v);
const retention = (r: Evidence["images"][number]["retention"]) =>
  !r ? "not reported" : `${r.mode ? `${r.mode} until ${r.until}` : "none"}${r.legalHold ? ", legal hold" : ""}${r.inForce ? "" : " (not in force)"}`;

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a}.grid{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0;width:180px;border:1px solid #d0d7de;border-radius:6px;padding:6px;background:#f6f8fa}
figure img{width:100%;height:130px;object-fit:contain;background:#eaeef2;display:block}
figcaption{font-size:11px;word-break:break-all;margin-top:4px}
table{border-collapse:collapse;width:100%;font-size:12px}th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{font-size:11px;word-break:break-all}
ol.timeline{list-style:none;padding-left:0;border-left:3px solid #0969da;margin-left:8px}
ol.timeline li{position:relative;padding:2px 0 8px 16px}ol.timeline li::before{content:"";position:absolute;left:-8px;top:7px;width:11px;height:11px;border-radius:50%;background:#0969da}
ol.timeline .grant::before{background:#bf8700}ol.timeline .run::before{background:#1a7f37}
.sig{padding:8px;border-radius:6px;background:#ddf4ff}.unsigned{background:#fff8c5}`;

export function evidencePage(e: Evidence): string {
  type Event = { at: string; cls: string; text: string };
  const events: Event[] = [
    ...e.images.map((i) => ({ at: i.uploadedAt ?? "", cls: "upload", text: `uploaded ${i.path} (version ${short(i.versionId)})` })),
    ...e.runs.flatMap((r) => [
      { at: r.startedAt, cls: "run", text: `run ${r.name} ${r.id} started by ${r.who} on ${r.host}: ${r.command.join(" ")}` },
      {
        at: r.endedAt,
        cls: "run",
        text: `run ${r.name} ${r.id} ended (${r.status}), ${r.datums.length} datum${r.datums.length === 1 ? "" : "s"} of this household`,
      },
    ]),
    ...e.grants.map((g) => ({
      at: g.issuedAt,
      cls: "grant",
      text: `${g.by} granted ${g.access} on ${g.bucket}/${g.prefix} to ${g.to ?? "link holders"} until ${g.expiresAt}: ${g.reason ?? ""}`,
    })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const row = (cells: readonly string[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
  const head = (cells: readonly string[]) => `<tr>${cells.map((c) => `<th>${c}</th>`).join("")}</tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>Evidence: ${esc(e.household)}${e.claim ? ` (claim ${esc(e.claim)})` : ""}</title><style>${CSS}</style></head>
<body data-images="${e.images.length}">
<h1>Evidence for ${e.claim ? `claim ${esc(e.claim)}, ` : ""}household ${esc(e.household)}</h1>
<p class="meta">Made ${esc(e.createdAt)} by ${esc(e.createdBy)} on ${esc(e.host)} from <code>${esc(e.repo)}</code> at commit <code>${esc(e.commit)}</code>.
Uploads ${e.range.from ? `from ${esc(e.range.from)} ` : ""}${e.range.to ? `to ${esc(e.range.to)}` : e.range.from ? "" : "of any date"}. Schema <code>${esc(e.schema)}</code>.</p>
<p class="sig${e.signer ? "" : " unsigned"}">${e.signer ? `Signed (Ed25519). Public key fingerprint: <code id="fingerprint">${esc(e.signer.fingerprint)}</code>. Check the bundle with <code>stowage evidence check DIR</code>.` : "Not signed. manifest.json still hashes every file: check with <code>stowage evidence check DIR</code>."}</p>
<p id="shown" class="meta">${e.images.length} image${e.images.length === 1 ? "" : "s"} in this bundle.</p>

<h2>Images (${e.images.length})</h2>
<div class="grid">${e.images.map((i) => `<figure><img src="${href(i.file)}" alt="${esc(i.path)}" loading="eager"><figcaption>${esc(i.path)}<br>version <code>${esc(short(i.versionId))}</code><br>${i.size} bytes, uploaded ${esc(i.uploadedAt ?? "?")}</figcaption></figure>`).join("\n")}</div>
<table>${head(["path", "version", "size", "SHA-256", "uploaded", "retention"])}${e.images.map((i) => row([esc(i.path), `<code>${esc(i.versionId)}</code>`, String(i.size), `<code>${i.sha256}</code>`, esc(i.uploadedAt ?? ""), esc(retention(i.retention))])).join("")}</table>

<h2>Timeline</h2>
<ol class="timeline" id="timeline">${events.map((ev) => `<li class="${ev.cls}"><b>${esc(ev.at)}</b> ${esc(ev.text)}</li>`).join("\n")}</ol>

<h2>Processing (${e.runs.length} run${e.runs.length === 1 ? "" : "s"})</h2>
<table>${head(["run", "command", "code", "started", "ended", "status", "who", "host", "from → to"])}${e.runs.map((r) => row([esc(`${r.name} ${r.id}`), `<code>${esc(r.command.join(" "))}</code>`, `<code>${esc(JSON.stringify(r.code))}</code>`, esc(r.startedAt), esc(r.endedAt), esc(r.status), esc(r.who), esc(r.host), `<code>${esc(r.input.repo)}@${esc(short(r.input.commit))}</code> → <code>${esc(r.output.repo)}@${esc(short(r.output.commit ?? "none"))}</code>`])).join("")}</table>
<h3>Outputs (${e.outputs.length})</h3>
<table>${head(["path", "version", "size", "SHA-256", "written", "run", "retention"])}${e.outputs.map((o) => row([esc(`${o.repo}/${o.path}`), `<code>${esc(o.versionId)}</code>`, String(o.size), `<code>${o.sha256}</code>`, esc(o.uploadedAt ?? ""), esc(o.run), esc(retention(o.retention))])).join("")}</table>

<h2>Access log (${e.grants.length} grant${e.grants.length === 1 ? "" : "s"})</h2>
<table id="access">${head(["issued", "by", "to", "prefix", "access", "until", "why"])}${e.grants.map((g) => row([esc(g.issuedAt), esc(g.by), esc(g.to ?? "presigned links"), esc(`${g.bucket}/${g.prefix}`), esc(g.access), esc(g.expiresAt), esc(g.reason ?? "")])).join("")}</table>
<script>
addEventListener("load", () => {
  const imgs = [...document.querySelectorAll("figure img")];
  const ok = imgs.filter((i) => i.complete && i.naturalWidth > 0).length;
  document.body.dataset.imagesShown = String(ok);
  document.getElementById("shown").textContent = ok + " of " + imgs.length + " images shown" + (ok === imgs.length ? "." : ": some copies are missing or damaged.");
});
</script>
</body></html>
`;
}
