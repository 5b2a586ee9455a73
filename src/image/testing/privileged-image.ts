/**
 * An image whose binaries would give privilege if the runtime let them: made by tools we did not
 * write — setcap (libcap2-bin) and chmod on copies of /bin/cat, packed by umoci — so the layer
 * carries a real `SCHILY.xattr.security.capability` record and a real setuid-root entry.
 * Needs root (setcap, root-owned setuid files).
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The image's files, as paths inside it. */
export const PRIVILEGED_FILES = {
  /** A copy of cat with `cap_dac_read_search+ep`: reads any file when the capability applies. */
  capCat: 'bin/capcat',
  /** A copy of cat, owned by root, mode 04755: reads as root when setuid applies. */
  suidCat: 'bin/suidcat',
  /** A plain copy of cat (the control: the same binary without privilege). */
  plainCat: 'bin/plaincat',
} as const;

/** Builds `layout:tag` (an OCI layout made with umoci) holding the files above. */
export async function buildPrivilegedImage(layout: string, tag: string): Promise<void> {
  const src = await mkdtemp(join(tmpdir(), 'hostpod-privimg-'));
  try {
    await mkdir(join(src, 'bin'));
    for (const f of Object.values(PRIVILEGED_FILES)) await copyFile('/bin/cat', join(src, f));
    await run('setcap', ['cap_dac_read_search+ep', join(src, PRIVILEGED_FILES.capCat)]);
    await chmod(join(src, PRIVILEGED_FILES.suidCat), 0o4755);
    await run('umoci', ['init', '--layout', layout]).catch((e: Error) => {
      if (!/exists/.test(e.message)) throw e;
    });
    await run('umoci', ['new', '--image', `${layout}:${tag}`]);
    await run('umoci', ['insert', '--image', `${layout}:${tag}`, src, '/']);
  } finally {
    await rm(src, { recursive: true, force: true });
  }
}
