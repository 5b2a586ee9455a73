import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/cli/commands/table.ts
function formatColumns(header, rows, noHeader = false) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(6, ...all.map((r) => (r[i] ?? "").length + 3)));
  return (noHeader ? rows : all).map(
    (cells) => cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i])).join("").trimEnd()
  );
}
function rfc1123(iso) {
  if (!iso) return "<unknown>";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "<unknown>";
  return d.toUTCString().replace(/GMT$/, "+0000");
}

export {
  formatColumns,
  rfc1123
};
