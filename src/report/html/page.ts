/** The page around a report: inline CSS, a section index, no scripts. */
import { COLORS } from '../svg.js';
import { Raw, raw, html } from './core.js';

export const CSS = `
:root{--real:${COLORS.real};--syn:${COLORS.synthetic};--ink:#1f2328;--muted:#656d76;--line:#d8dee4;--soft:#eef1f4;--bg:#f6f8fa;--card:#fff;--accent:#0b5cad;--good:#1a7f37;--fair:#bf8700;--poor:#cf222e;--info:#8c959f;color-scheme:light}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;color:var(--ink);background:var(--bg)}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;background:var(--soft);padding:1px 5px;border-radius:4px;overflow-wrap:anywhere}
.wrap{max-width:1240px;margin:0 auto;padding:0 24px}
header.top{background:var(--card);border-bottom:1px solid var(--line);padding:22px 0 20px}
.eyebrow{margin:0;text-transform:uppercase;letter-spacing:.08em;font-size:11px;font-weight:600;color:var(--muted)}
.title-row{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:12px 24px;margin:2px 0 4px}
h1{font-size:28px;line-height:1.2;margin:0;font-weight:700;letter-spacing:-.01em}
.backend{display:inline-flex;align-items:center;gap:10px;padding:8px 14px;border-radius:10px;background:var(--accent);color:#fff;font-size:15px}
.backend .backend-k{font-size:11px;text-transform:uppercase;letter-spacing:.08em;opacity:.8}
.backend .backend-dev{font-size:11px;font-weight:700;padding:2px 7px;border-radius:999px;background:rgba(255,255,255,.2)}
.backend.none{background:var(--soft);color:var(--ink)}
.run-meta{display:flex;flex-wrap:wrap;gap:4px 18px;margin:6px 0 16px;color:var(--muted)}
.meta{display:grid;grid-template-columns:repeat(auto-fit,minmax(250px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px}
.card h3{margin:0 0 8px;font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.card h3 a{color:inherit;text-decoration:none}
.hash{margin:8px 0 0;font-size:12px;color:var(--muted)}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:0;font-size:13px}
dl.kv dt{color:var(--muted)}
dl.kv dd{margin:0;font-variant-numeric:tabular-nums;min-width:0;overflow-wrap:anywhere}
nav.toc{position:sticky;top:0;z-index:2;background:rgba(255,255,255,.94);border-bottom:1px solid var(--line);backdrop-filter:blur(6px)}
nav.toc .wrap{display:flex;flex-wrap:wrap;gap:2px 4px;padding-top:6px;padding-bottom:6px}
nav.toc a{color:var(--ink);text-decoration:none;font-size:13px;padding:3px 9px;border-radius:6px}
nav.toc a:hover{background:var(--soft)}
main{padding-bottom:48px}
section{margin-top:32px;scroll-margin-top:48px}
section h2{font-size:20px;margin:0 0 14px;padding-bottom:6px;border-bottom:1px solid var(--line)}
section h3{font-size:15px;margin:22px 0 8px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px}
.card.summary{border-top:4px solid var(--info);display:flex;flex-direction:column}
.tone-good{border-top-color:var(--good)!important}.tone-fair{border-top-color:var(--fair)!important}.tone-poor{border-top-color:var(--poor)!important}
.figs{display:flex;flex-wrap:wrap;gap:6px 22px;margin-bottom:6px}
.fig{display:flex;flex-direction:column;min-width:0}
.fig .v{font-size:24px;font-weight:650;line-height:1.15;font-variant-numeric:tabular-nums}
.fig .k{font-size:12px;color:var(--ink)}
.fig .n{font-size:11px;color:var(--muted)}
.reading{margin:4px 0 6px}
.def{margin:auto 0 0;font-size:11.5px;color:var(--muted)}
.muted{color:var(--muted)}.small{font-size:12.5px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:4px 0 6px;font-size:13px}
.legend .key{display:inline-flex;align-items:center;gap:6px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px}
.grid{display:grid;gap:12px}
.small-multiples{grid-template-columns:repeat(auto-fill,minmax(270px,1fr))}
.grid.wide{grid-template-columns:repeat(auto-fit,minmax(380px,1fr));margin-top:12px}
figure.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 6px 4px;min-width:0}
figure.chart .chart-svg{display:block;width:100%;height:auto}
figure.chart.natural{display:inline-block;max-width:100%;vertical-align:top}
figure.chart.natural .chart-svg{width:auto;max-width:100%}
figcaption{font-size:12px;color:var(--muted);padding:2px 6px}
.split{display:flex;flex-wrap:wrap;gap:16px 28px;align-items:flex-start}
.split>dl.kv,.split>p{flex:1 1 260px;max-width:560px;margin-top:8px}
.split>.table-wrap{flex:1 1 300px;max-width:640px;margin:0}
.split.tables{margin-top:12px}
.split.tables>.table-wrap:first-child{flex:1 1 280px;max-width:440px}
.split.tables>.table-wrap:last-child{flex:3 1 560px;max-width:none}
.table-wrap{overflow-x:auto;margin:12px 0;background:var(--card);border:1px solid var(--line);border-radius:8px}
table.data{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
table.data caption{text-align:left;font-weight:600;padding:8px 10px 4px;font-size:13px}
table.data th{text-align:left;font-weight:600;color:var(--muted);border-bottom:1px solid var(--line);padding:6px 10px;white-space:nowrap;font-size:12px}
table.data td{border-top:1px solid var(--soft);padding:5px 10px;vertical-align:top}
table.data .num{text-align:right}
table.data .grow{width:45%}
table.data tbody tr:hover{background:#fafbfc}
.missing{color:var(--muted);font-style:italic}
.kind{font-size:12px;padding:1px 7px;border-radius:999px;background:var(--soft)}
.kind-categorical,.kind-boolean{background:#fff1d6}.kind-numeric,.kind-integer{background:#dcecf9}.kind-datetime{background:#e6f4ea}
.tag{font-size:11px;padding:0 5px;border-radius:4px;border:1px solid var(--line);color:var(--muted)}
.cat{font-weight:600}
.skipped-note,.skipped .reading{color:var(--muted);font-style:italic}
.skipped-list{color:var(--muted);font-size:13px}
.gate{padding:10px 14px;border-radius:6px;border:1px solid;margin:0 0 16px;font-weight:600}.gate-fail{border-color:var(--poor);color:var(--poor);background:#fff5f5}.gate-pass{border-color:var(--good);color:var(--good);background:#f3fbf5}
footer{color:var(--muted);font-size:12px;padding:24px 0 32px;border-top:1px solid var(--line);margin-top:32px}
@media (max-width:640px){.wrap{padding:0 12px}h1{font-size:22px}.fig .v{font-size:20px}}
@media print{
  @page{margin:12mm}
  body{background:#fff;font-size:11.5px}
  nav.toc{display:none}
  header.top{border:0;padding-top:0}
  .backend{border:1px solid #000;background:#fff!important;color:#000}
  .backend .backend-dev{background:#eee}
  section{break-before:auto;margin-top:18px}
  section h2{break-after:avoid}
  .card,figure.chart,.table-wrap,tr{break-inside:avoid}
  .small-multiples{grid-template-columns:repeat(3,1fr)}
  .table-wrap{overflow:visible;border-color:#ccc}
  a{color:inherit;text-decoration:none}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}`;

/** The page around a report's header and sections: inline CSS, a section index, no scripts. */
export function pageHtml(p: { title: string; generator: string; header: Raw; nav: readonly { id: string; title: string }[]; main: Raw; footer: Raw }): string {
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="generator" content="synthdiff ${p.generator}">
<title>${p.title}</title>
<style>${raw(CSS)}</style>
</head>
<body>
${p.header}
<nav class="toc" aria-label="Sections"><div class="wrap">${p.nav.map((s) => html`<a href="#${s.id}">${s.title}</a>`)}</div></nav>
<main class="wrap">
${p.main}
<footer>${p.footer}</footer>
</main>
</body>
</html>
`;
  return page.value;
}
