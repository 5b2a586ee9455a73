import cliProgress from 'cli-progress';
import type { PullEvent, PullResult } from '../../image/pull.ts';
import { shortDigest } from '../../oci/digest.ts';
import { humanSize } from './images-common.ts';

/** Renders pull events as plain lines (not a terminal): one per blob outcome and retry. */
export function plainPullPrinter(write: (line: string) => void): (e: PullEvent) => void {
  const labels = new Map<string, string>();
  return (e) => {
    switch (e.type) {
      case 'resolved': {
        let layer = 0;
        const layers = e.blobs.filter((b) => b.role === 'layer').length;
        for (const b of e.blobs) {
          labels.set(b.digest, b.role === 'config' ? 'config' : `layer ${++layer}/${layers}`);
        }
        write(
          `Resolved ${e.reference} to ${e.manifestDigest} (${e.platform}${e.indexDigest ? `, from index ${e.indexDigest}` : ''})`,
        );
        break;
      }
      case 'blob-start':
        if (e.offset > 0) {
          write(
            `${shortDigest(e.digest)}: ${labels.get(e.digest)} resuming at ${humanSize(e.offset)} of ${humanSize(e.size)}`,
          );
        }
        break;
      case 'blob-done':
        write(
          `${shortDigest(e.digest)}: ${labels.get(e.digest)} ${humanSize(e.size)} ${e.status === 'exists' ? 'already present' : 'downloaded'}`,
        );
        break;
      case 'retry':
        write(`retry ${e.attempt}: ${e.what} in ${e.delayMs} ms (${e.reason})`);
        break;
      case 'blob-progress':
        break;
    }
  };
}

/** Renders pull events as one progress bar per blob on a terminal (cli-progress). */
export function barPullPrinter(stream: NodeJS.WritableStream): {
  onEvent: (e: PullEvent) => void;
  stop(): void;
} {
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: ' {id} {label} [{bar}] {percentage}% | {done}/{size}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    onEvent(e) {
      if (e.type === 'resolved') {
        let layer = 0;
        const layers = e.blobs.filter((b) => b.role === 'layer').length;
        for (const b of e.blobs) {
          const label = b.role === 'config' ? 'config     ' : `layer ${++layer}/${layers}`;
          bars.set(
            b.digest,
            multi.create(b.size, 0, {
              id: shortDigest(b.digest),
              label,
              done: '0B',
              size: humanSize(b.size),
            }),
          );
        }
      } else if (e.type === 'blob-progress' || e.type === 'blob-start') {
        const done = e.type === 'blob-progress' ? e.done : e.offset;
        bars.get(e.digest)?.update(done, { done: humanSize(done) });
      } else if (e.type === 'blob-done') {
        const label = e.status === 'exists' ? 'present' : 'done';
        bars.get(e.digest)?.update(e.size, { done: `${humanSize(e.size)} ${label}` });
      } else if (e.type === 'retry') {
        multi.log(`retry ${e.attempt}: ${e.what} in ${e.delayMs} ms (${e.reason})\n`);
      }
    },
    stop() {
      multi.stop();
    },
  };
}

/** The summary line printed on stdout after a pull. */
export function formatPulled(r: PullResult): string {
  const total = r.fetchedBlobs + r.reusedBlobs;
  return `Pulled ${r.reference} ${r.manifestDigest} (${r.platform}, ${humanSize(r.size)}; downloaded ${humanSize(r.downloadedBytes)}, reused ${r.reusedBlobs} of ${total} blobs)`;
}
