/**
 * The public manifests of `../shared/fixtures/manifests/` (the seed pod and the sig-windows-tools
 * DaemonSets), which a checkout of hostpod on a user's machine does not have beside it. Tests that
 * use them ask here and skip themselves, saying why, when they are absent.
 *
 * `HOSTPOD_SHARED_DIR` names the folder (the one holding `fixtures/`); by default it is `shared/`
 * beside the checkout. `HOSTPOD_REQUIRE_SHARED=1` (set by `.ci/run`) turns a missing folder into
 * a failure instead of a skip, so CI always runs them.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../../..');

export interface SharedFixtures {
  /** `<shared>/fixtures/manifests`, when present. */
  manifests: string;
  /** A `skip` option for `test()`/`describe()`: false when present, else the reason. */
  skip: string | false;
}

/** Where the shared manifests are, and whether tests that need them must skip. */
export function sharedFixtures(): SharedFixtures {
  const base = process.env.HOSTPOD_SHARED_DIR || join(REPO, '..', 'shared');
  const manifests = join(base, 'fixtures', 'manifests');
  if (existsSync(join(manifests, 'sig-windows-tools')) && existsSync(join(manifests, 'seed')))
    return { manifests, skip: false };
  const reason = `needs the public seed and sig-windows-tools manifests at ${manifests} (set HOSTPOD_SHARED_DIR to the folder holding fixtures/)`;
  if (process.env.HOSTPOD_REQUIRE_SHARED === '1') throw new Error(`HOSTPOD_REQUIRE_SHARED=1: ${reason}`);
  return { manifests, skip: reason };
}
