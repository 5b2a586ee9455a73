/**
 * A horizontal bar chart as a self-contained SVG, drawn by a benchmark from its own figures so
 * docs/performance.md shows what the last run measured. One bar per row, its value written at
 * its end; hostpod's bars in one colour, the peers' in another; the scale starts at 0.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface Bar {
  label: string;
  value: number;
  /** hostpod's own bar (drawn in the highlight colour). */
  ours?: boolean;
}

export interface BarChart {
  title: string;
  /** The unit shown after each value (`ms`, `MiB`). */
  unit: string;
  bars: readonly Bar[];
  /** A line under the title: conditions of the run. */
  note?: string;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The chart as SVG text. Bars with a value that is not a finite number ≥ 0 are left out. */
export function barChartSvg(c: BarChart): string {
  const bars = c.bars.filter((b) => Number.isFinite(b.value) && b.value >= 0);
  const labelW = Math.min(420, 12 + 6.6 * Math.max(8, ...bars.map((b) => b.label.length)));
  const plotW = 380;
  const rowH = 22;
  const top = c.note ? 52 : 36;
  const width = Math.round(labelW + plotW + 90);
  const height = top + rowH * bars.length + 12;
  const max = Math.max(...bars.map((b) => b.value), 0) || 1;
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${esc(c.title)}</text>`,
  ];
  if (c.note) out.push(`<text x="8" y="38" fill="#555555">${esc(c.note)}</text>`);
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const w = Math.max(1, (b.value / max) * plotW);
    out.push(
      `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${b.ours ? '#2b7bb9' : '#a9a9a9'}"/>`,
      `<text x="${(labelW + w + 4).toFixed(1)}" y="${y + 15}">${fmt(b.value)} ${esc(c.unit)}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}

/** Writes the chart to `path` (docs/charts/…), making its folder. */
export async function writeBarChart(path: string, c: BarChart): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, barChartSvg(c));
}
