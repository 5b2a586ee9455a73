import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barChartSvg } from '../bench/svg-chart.ts';

test('barChartSvg() draws one bar per finite value, lengths in proportion, labels escaped', () => {
  const svg = barChartSvg({
    title: 'start <latency>',
    unit: 'ms',
    bars: [
      { label: 'hostpod', value: 50, ours: true },
      { label: 'runc & co', value: 100 },
      { label: 'broken', value: Number.NaN },
    ],
  });
  const widths = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.equal(widths.length, 2, 'the NaN bar is left out');
  assert.ok(Math.abs(widths[1]! / widths[0]! - 2) < 0.01, `proportional: ${widths}`);
  assert.match(svg, /start &lt;latency&gt;/);
  assert.match(svg, /runc &amp; co/);
  assert.doesNotMatch(svg, /broken/);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
});
