"""The report's inline stylesheet (no web fonts, no external files)."""

from __future__ import annotations

__all__ = ["CSS"]

CSS = """
:root { --ink: #1d2230; --muted: #5d6475; --line: #e2e5ec; --accent: #e08a1e;
        --bg: #f6f7fa; --card: #ffffff; --good: #2e7d4f; --bad: #b23b3b; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 20px 60px; }
header.top { background: #141824; color: #f1f2f6; }
header.top .inner { max-width: 1200px; margin: 0 auto; padding: 22px 20px 18px; }
header.top h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; }
header.top p { margin: 0; color: #b9bfcf; }
header.top .chips span { display: inline-block; margin: 10px 8px 0 0; padding: 2px 10px;
       border-radius: 12px; background: #262c3d; color: #dfe3ee; font-size: 13px; }
h2 { font-size: 21px; margin: 38px 0 10px;
  padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 18px 0 6px; }
p.lead { color: var(--muted); margin-top: 0; }
.hero { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-top: 16px; }
figure { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px;
         padding: 8px; }
figure img { width: 100%; height: auto; display: block; border-radius: 4px; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 6px; }
figcaption b { color: var(--ink); }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; align-items: start; }
.grid3 { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line);
  border-radius: 8px; padding: 12px 14px; }
table.kv { border-collapse: collapse; width: 100%; font-size: 14px; }
table.kv td { padding: 4px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.kv td:first-child { color: var(--muted); white-space: nowrap; width: 42%; }
table.nums { border-collapse: collapse; width: 100%; font-size: 13px; margin-top: 8px; }
table.nums th, table.nums td { padding: 4px 8px;
  border-bottom: 1px solid var(--line); text-align: right; }
table.nums th:first-child, table.nums td:first-child { text-align: left; }
table.nums tr.hl td { background: #fff4e3; font-weight: 600; }
.verdict { font-size: 15px; font-weight: 600; }
.stages { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
.stage .m { font-size: 12.5px; color: var(--muted);
  margin-top: 4px; font-variant-numeric: tabular-nums; }
.delta-good { color: var(--good); font-weight: 600; }
.delta-bad { color: var(--bad); font-weight: 600; }
.crops { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 10px; }
.crop img { width: 100%; image-rendering: pixelated; }
.strip { display: flex; flex-wrap: wrap; gap: 8px; }
.strip figure { padding: 5px; }
.strip img { width: 150px; image-rendering: pixelated; }
.strip figure.chosen { border: 2px solid var(--accent); }
.flow { overflow-x: auto; }
.reason { background: #fff8ec; border-left: 4px solid var(--accent);
  padding: 10px 14px; border-radius: 4px; }
details.card-md { margin-top: 16px; }
details.card-md summary { cursor: pointer; font-size: 16px; font-weight: 650; }
details.card-md h3, details.card-md h4, details.card-md h5 { margin: 16px 0 6px; }
details.card-md img { max-width: 100%; height: auto; }
details.card-md table.nums { display: block; overflow-x: auto; }
details.card-md pre, pre.card-md { white-space: pre-wrap; background: #f1f3f7; padding: 12px;
  border-radius: 6px; font-size: 13px; max-height: 520px; overflow: auto; }
.delta { color: var(--muted); }
ol.refs { font-size: 13.5px; color: var(--muted); }
footer { margin-top: 40px; font-size: 12.5px; color: var(--muted); }
@media (max-width: 860px) { .hero, .grid2, .stages, .grid3 { grid-template-columns: 1fr; } }
"""
