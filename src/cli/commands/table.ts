/**
 * kubectl's table layout (its tabwriter: minimum cell width 6, padding 3): columns padded to
 * their widest cell plus three spaces, the last column not padded.
 */
export function formatColumns(
  header: readonly string[],
  rows: readonly string[][],
  noHeader = false,
): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(6, ...all.map((r) => (r[i] ?? '').length + 3)));
  return (noHeader ? rows : all).map((cells) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('')
      .trimEnd(),
  );
}

/** kubectl's RFC 1123 time with a numeric zone: `Thu, 01 Jan 2026 00:00:00 +0000`. */
export function rfc1123(iso: string | undefined): string {
  if (!iso) return '<unknown>';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '<unknown>';
  return d.toUTCString().replace(/GMT$/, '+0000');
}
