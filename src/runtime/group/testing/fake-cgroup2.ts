import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import type { CgroupFs } from '../cgroup-fs.ts';

/**
 * A temporary directory posing as a cgroup v2-only hierarchy, with the kernel's rules for what
 * hostpod does to it (Documentation/admin-guide/cgroup-v2.rst), so the v2 logic can be tested on
 * a host that is not v2-only:
 *
 * - a new cgroup gets `cgroup.controllers` = its parent's `cgroup.subtree_control`, an empty
 *   `cgroup.subtree_control` and `cgroup.procs`, and the interface files of its controllers
 *   (`memory.max` only with memory, …); writing a file that does not exist is ENOENT;
 * - `+c` in `cgroup.subtree_control` needs `c` in the cgroup's `cgroup.controllers` (ENOENT),
 *   and no process in the cgroup unless it is the root — the "no internal processes" rule
 *   (EBUSY); `-c` is refused while a child still enables `c` (EBUSY);
 * - a pid cannot join a non-root cgroup whose `cgroup.subtree_control` is not empty (EBUSY);
 *   joining moves it out of its previous cgroup;
 * - `rmdir` of a cgroup with processes or children is EBUSY; `cgroup.kill` empties the subtree.
 *
 * The same rules are checked against the real unified hierarchy in `fake-cgroup2.test.ts`.
 */
export class FakeCgroup2 {
  readonly fs: CgroupFs;

  /** Makes the root of the fake hierarchy at `mount` (an empty temp dir), offering `controllers`. */
  constructor(
    readonly mount: string,
    readonly controllers: readonly string[] = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids'],
  ) {
    mkdirSync(mount, { recursive: true });
    writeFileSync(posix.join(mount, 'cgroup.controllers'), `${controllers.join(' ')}\n`);
    writeFileSync(posix.join(mount, 'cgroup.subtree_control'), '');
    writeFileSync(posix.join(mount, 'cgroup.procs'), '');
    writeFileSync(posix.join(mount, 'cpu.stat'), 'usage_usec 0\n');
    this.fs = {
      mkdir: (dir, options) => this.mkdir(dir, options?.recursive ?? false),
      rmdir: (dir) => this.rmdir(dir),
      read: (file) => readFileSync(file, 'utf8'),
      write: (file, value) => this.write(file, value),
      exists: (path) => existsSync(path),
      subdirs: (dir) =>
        readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name),
    };
  }

  /** Puts a (pretend) process into the cgroup `dir`, with the kernel's checks. */
  addProcess(dir: string, pid: number): void {
    this.fs.write(posix.join(dir, 'cgroup.procs'), String(pid));
  }

  /** The pids in cgroup `dir`. */
  procs(dir: string): number[] {
    return list(readFileSync(posix.join(dir, 'cgroup.procs'), 'utf8')).map(Number);
  }

  private isCgroup(dir: string): boolean {
    return existsSync(posix.join(dir, 'cgroup.controllers'));
  }

  private mkdir(dir: string, recursive: boolean): void {
    if (this.isCgroup(dir)) {
      if (recursive) return;
      throw errno('EEXIST', 'mkdir', dir);
    }
    const parent = posix.dirname(dir);
    if (!this.isCgroup(parent)) {
      if (!recursive || !parent.startsWith(this.mount)) throw errno('ENOENT', 'mkdir', dir);
      this.mkdir(parent, true);
    }
    mkdirSync(dir);
    const enabled = list(readFileSync(posix.join(parent, 'cgroup.subtree_control'), 'utf8'));
    writeFileSync(posix.join(dir, 'cgroup.controllers'), enabled.length ? `${enabled.join(' ')}\n` : '');
    for (const f of ['cgroup.subtree_control', 'cgroup.procs', 'cgroup.kill'])
      writeFileSync(posix.join(dir, f), '');
    writeFileSync(posix.join(dir, 'cgroup.events'), 'populated 0\nfrozen 0\n');
    writeFileSync(posix.join(dir, 'cpu.stat'), 'usage_usec 0\n');
    for (const c of enabled) this.addInterfaceFiles(dir, c);
  }

  private addInterfaceFiles(dir: string, controller: string): void {
    const files: Record<string, Record<string, string>> = {
      memory: {
        'memory.max': 'max\n',
        'memory.current': '0\n',
        'memory.stat': 'anon 0\ninactive_file 0\n',
        'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n',
      },
      cpu: { 'cpu.max': 'max 100000\n', 'cpu.weight': '100\n' },
      pids: { 'pids.max': 'max\n', 'pids.current': '0\n' },
    };
    for (const [f, v] of Object.entries(files[controller] ?? {})) writeFileSync(posix.join(dir, f), v);
  }

  private rmdir(dir: string): void {
    if (!this.isCgroup(dir)) throw errno('ENOENT', 'rmdir', dir);
    if (dir === this.mount) throw errno('EBUSY', 'rmdir', dir);
    if (this.procs(dir).length > 0 || this.children(dir).length > 0) throw errno('EBUSY', 'rmdir', dir);
    rmSync(dir, { recursive: true });
  }

  private children(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => posix.join(dir, e.name));
  }

  private write(file: string, value: string): void {
    const dir = posix.dirname(file);
    if (!existsSync(file) || !this.isCgroup(dir)) throw errno('ENOENT', 'open', file);
    switch (posix.basename(file)) {
      case 'cgroup.subtree_control':
        this.writeSubtreeControl(dir, value);
        return;
      case 'cgroup.procs':
        this.join(dir, Number(value.trim()));
        return;
      case 'cgroup.kill':
        this.kill(dir);
        return;
      case 'cgroup.controllers':
      case 'cgroup.events':
        throw errno('EACCES', 'open', file);
      default:
        writeFileSync(file, value);
    }
  }

  private writeSubtreeControl(dir: string, value: string): void {
    const available = list(readFileSync(posix.join(dir, 'cgroup.controllers'), 'utf8'));
    const enabled = new Set(list(readFileSync(posix.join(dir, 'cgroup.subtree_control'), 'utf8')));
    const children = this.children(dir);
    for (const token of list(value)) {
      const c = token.slice(1);
      if (!/^[+-]/.test(token) || c === '') throw errno('EINVAL', 'write', dir);
      if (!available.includes(c)) throw errno('ENOENT', 'write', dir);
      if (token.startsWith('+')) {
        if (dir !== this.mount && this.procs(dir).length > 0) throw errno('EBUSY', 'write', dir);
        enabled.add(c);
      } else {
        const inUse = children.some((ch) =>
          list(readFileSync(posix.join(ch, 'cgroup.subtree_control'), 'utf8')).includes(c),
        );
        if (inUse) throw errno('EBUSY', 'write', dir);
        enabled.delete(c);
      }
    }
    // The kernel lists them in its own order (that of cgroup.controllers at the root).
    const ordered = this.controllers.filter((c) => enabled.has(c));
    writeFileSync(posix.join(dir, 'cgroup.subtree_control'), ordered.length ? `${ordered.join(' ')}\n` : '');
    for (const ch of children) {
      writeFileSync(posix.join(ch, 'cgroup.controllers'), ordered.length ? `${ordered.join(' ')}\n` : '');
      for (const c of ordered) this.addInterfaceFiles(ch, c);
    }
  }

  private join(dir: string, pid: number): void {
    if (!Number.isSafeInteger(pid) || pid <= 0) throw errno('EINVAL', 'write', dir);
    const controllersOn = list(readFileSync(posix.join(dir, 'cgroup.subtree_control'), 'utf8')).length > 0;
    if (dir !== this.mount && controllersOn) throw errno('EBUSY', 'write', dir);
    for (const d of this.allCgroups(this.mount)) {
      const left = this.procs(d).filter((p) => p !== pid);
      writeFileSync(posix.join(d, 'cgroup.procs'), left.map((p) => `${p}\n`).join(''));
    }
    writeFileSync(posix.join(dir, 'cgroup.procs'), [...this.procs(dir), pid].map((p) => `${p}\n`).join(''));
  }

  private kill(dir: string): void {
    for (const d of this.allCgroups(dir)) writeFileSync(posix.join(d, 'cgroup.procs'), '');
  }

  private allCgroups(dir: string): string[] {
    return [dir, ...this.children(dir).flatMap((c) => this.allCgroups(c))];
  }
}

function list(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} ${path}`), { code, syscall, path });
}
