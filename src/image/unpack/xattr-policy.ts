/**
 * Which extended attributes of a layer entry the unpacker writes (the table is in README.md).
 * The layer cache keeps an image's content as it is, file capabilities included, and only root
 * can read it; what a container may gain from that content is decided where it runs (workspaces
 * are mounted `nosuid`, which disables setuid bits and file capabilities alike). Left out is
 * what an image has no business setting on the host: overlay metadata (only whiteout entries
 * make it), the rest of `trusted.*` (root-run host services read that namespace as their own,
 * and an unprivileged unpack could not write it, so the result would depend on who unpacks),
 * and `security.*` other than `security.capability` (LSM labels and integrity data are the host
 * policy's to set; podman skips `security.selinux` too).
 */
export type XattrDecision = { apply: true } | { apply: false; why: string };

const WRITE: XattrDecision = { apply: true };

/** The decision for one xattr name from a layer (see the table above). */
export function xattrDecision(name: string): XattrDecision {
  if (name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.')) {
    return { apply: false, why: 'overlay metadata (only whiteout entries may set it)' };
  }
  if (name.startsWith('trusted.')) {
    return { apply: false, why: 'the trusted namespace belongs to host services, not images' };
  }
  if (name === 'security.capability') return WRITE;
  if (name.startsWith('security.')) {
    return { apply: false, why: "security labels are the host policy's to set, not an image's" };
  }
  return WRITE;
}
