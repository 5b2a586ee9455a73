/*
 * hostpod-shim: launches and watches the processes of one hostpod container (a "task").
 *
 *   hostpod-shim start DIR
 *       Reads DIR/spec, daemonizes, starts the init process inside the job, prints
 *       "ok SHIMPID INITPID STARTED\n" (or "error STAGE ERRNO\n") on stdout, then copies the
 *       init's stdout/stderr into the log in the CRI format. When init exits: SIGTERM to the
 *       rest of the job, SIGKILL after the grace period, DIR/exit written atomically, exit.
 *   hostpod-shim serve
 *       Reads "TAG DIR" lines on stdin and starts a shim for each as above, forked from this
 *       small process; reports are prefixed with TAG. Saves a spawn from Node per start.
 *   hostpod-shim exec [--tty] [--status-fd N] SPECFILE
 *       Runs one more process in the same job (cgroups, mount namespace, user, env, cwd) as
 *       this process's child, in the foreground; exits with its code (a signal n gives 128+n).
 *
 * The spec is a sequence of NUL-terminated tokens: a key, then that key's values
 * (see parse_spec). Only libc; every syscall checked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <linux/close_range.h>
#include <dirent.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define LOG_CHUNK 16384 /* longest record text: a longer line is logged as P pieces of this size */
#define READ_SIZE 65536 /* bytes read from a pipe at a time */
#define MAX_PIDS 65536

/* Stages a launch can fail at; the TypeScript side maps the names to messages. */
enum stage { ST_CGROUP = 1, ST_SETNS, ST_UNSHARE, ST_PROPAGATION, ST_BIND, ST_SYMLINK,
             ST_SETGROUPS, ST_SETGID, ST_SETUID, ST_CHDIR, ST_EXEC, ST_FORK, ST_PIPE, ST_LOG,
             ST_STDIO, ST_OOM };
static const char *stage_names[] = { "", "cgroup", "setns", "unshare", "propagation", "bind",
                                     "symlink", "setgroups", "setgid", "setuid", "chdir", "exec",
                                     "fork", "pipe", "log", "stdio", "oomscoreadj" };

/* prop: 0 = as inherited (a slave of the host's mount when that one is shared), else
 * MS_PRIVATE, MS_SLAVE or MS_SHARED (the kubelet's None, HostToContainer, Bidirectional).
 * at: bindat — the source is (src, srcrel), the destination (dst, dstrel), resolved by fd. */
struct bind {
  const char *src, *dst;
  int ro;
  unsigned long prop;
  int tree_fd;
  int at;
  const char *srcrel, *dstrel;
};
struct link { const char *target, *path; };

struct spec {
  char **argv, **envp;
  int argc, envc;
  const char *cwd, *log_path, *kill_file;
  int has_uid;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  int ngroups;
  const char **cgroups;
  int ncgroups;
  int private_ns;
  struct bind *binds;
  int nbinds;
  struct link *links;
  int nlinks;
  int grace_ms;
  int mkcwd_mode; /* create a missing cwd with this mode, after the identity change (0: never) */
  pid_t ns_pid;
  long long log_max; /* rotate the log before a record would take it past this many bytes (0: never) */
  int log_files;     /* files kept, the current one included (container.log, .1 … .N-1) */
  const char *stdio_path[3]; /* given stdin/stdout/stderr (containerd's FIFOs) instead of /dev/null and the log */
  int has_oom;
  int oom_score_adj;
};

/* Where the start report ("ok …" / "error STAGE ERRNO") goes while it is still owed, and the
 * request tag that prefixes it in serve mode. Every early failure pays the report, so a
 * caller waiting for it is never left hanging. */
static int report_fd = -1;
static char report_tag[64] = "";

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...) {
  if (report_fd < 0) return;
  char line[512];
  int n = snprintf(line, sizeof line, "%s", report_tag);
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof line - 1) n = (int)sizeof line - 1;
  ssize_t ignored = write(report_fd, line, (size_t)n);
  (void)ignored;
  report_fd = -1;
}

static void die(const char *what) {
  int e = errno;
  fprintf(stderr, "hostpod-shim: %s: %s\n", what, strerror(e));
  report("error shim %d\n", e);
  exit(125);
}

/* Closes (or marks close-on-exec) every fd from `from` up: a caller may leak fds without
 * CLOEXEC, and none of them may reach the workload or pin the caller's pipes. */
static void close_fds_from(int from, int cloexec_only) {
  if (syscall(SYS_close_range, (unsigned)from, ~0U, cloexec_only ? CLOSE_RANGE_CLOEXEC : 0) == 0) return;
  for (int fd = from; fd < 65536; fd++) cloexec_only ? fcntl(fd, F_SETFD, FD_CLOEXEC) : close(fd);
}

static void spec_fail(void) {
  report("error spec %d\n", EINVAL);
  exit(125);
}

static void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size);
  if (!p) die("calloc");
  return p;
}

static char *read_all(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  if (!buf) die("malloc");
  for (;;) {
    if (n == cap && !(buf = realloc(buf, cap *= 2))) die("realloc");
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd), free(buf), errno = e;
      return NULL;
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  close(fd);
  *len = n;
  return buf;
}

static long parse_num(const char *s, const char *key) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *s == '\0' || *end != '\0' || v < 0) {
    fprintf(stderr, "hostpod-shim: spec: bad number for %s: \"%s\"\n", key, s);
    spec_fail();
  }
  return v;
}

/* "propagation private|slave|shared": for the bind just before it. */
static void parse_propagation(struct spec *s, const char *v) {
  unsigned long p = !strcmp(v, "private") ? MS_PRIVATE : !strcmp(v, "slave") ? MS_SLAVE : !strcmp(v, "shared") ? MS_SHARED : 0;
  if (!p || s->nbinds == 0) {
    fprintf(stderr, "hostpod-shim: spec: propagation \"%s\" needs private|slave|shared after a bind\n", v);
    spec_fail();
  }
  s->binds[s->nbinds - 1].prop = p;
}

/* "oomscoreadj N", -1000..1000 (the caller already kept it within what the host allows). */
static void parse_oom(struct spec *s, const char *v) {
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno || *v == '\0' || *end != '\0' || n < -1000 || n > 1000) {
    fprintf(stderr, "hostpod-shim: spec: bad oomscoreadj \"%s\"\n", v);
    spec_fail();
  }
  s->has_oom = 1, s->oom_score_adj = (int)n;
}

/* Keys: arg V | env V | cwd V | uid N | gid N | group N | cgroup PROCSFILE | kill KILLFILE |
 * ns private | bind ro|rw SRC DST | symlink TARGET PATH | log PATH | grace MS | nsfrom PID |
 * logmax BYTES | logfiles N */
static void parse_spec(const char *path, struct spec *s) {
  size_t len;
  char *buf = read_all(path, &len);
  if (!buf) {
    fprintf(stderr, "hostpod-shim: %s: %s\n", path, strerror(errno));
    spec_fail();
  }
  if (len == 0 || buf[len - 1] != '\0') {
    fprintf(stderr, "hostpod-shim: spec %s: not NUL-terminated\n", path);
    spec_fail();
  }
  size_t ntok = 0;
  for (size_t i = 0; i < len; i++) ntok += buf[i] == '\0';
  char **tok = xcalloc(ntok, sizeof *tok);
  for (size_t i = 0, t = 0; i < len; t++) {
    tok[t] = buf + i;
    i += strlen(buf + i) + 1;
  }
  memset(s, 0, sizeof *s);
  s->argv = xcalloc(ntok + 1, sizeof(char *));
  s->envp = xcalloc(ntok + 1, sizeof(char *));
  s->groups = xcalloc(ntok, sizeof(gid_t));
  s->cgroups = xcalloc(ntok, sizeof(char *));
  s->binds = xcalloc(ntok, sizeof(struct bind));
  s->links = xcalloc(ntok, sizeof(struct link));
  s->grace_ms = 5000;
  s->log_files = 5;
  for (size_t i = 0; i < ntok;) {
    const char *k = tok[i++];
    int want = !strcmp(k, "bindat") ? 5 : !strcmp(k, "bind") ? 3 : !strcmp(k, "symlink") ? 2 : 1;
    if (i + (size_t)want > ntok) {
      fprintf(stderr, "hostpod-shim: spec: %s needs %d value(s)\n", k, want);
      spec_fail();
    }
    char **v = tok + i;
    i += (size_t)want;
    if (!strcmp(k, "arg")) s->argv[s->argc++] = v[0];
    else if (!strcmp(k, "env")) s->envp[s->envc++] = v[0];
    else if (!strcmp(k, "cwd")) s->cwd = v[0];
    else if (!strcmp(k, "uid")) s->has_uid = 1, s->uid = (uid_t)parse_num(v[0], k);
    else if (!strcmp(k, "gid")) s->gid = (gid_t)parse_num(v[0], k);
    else if (!strcmp(k, "group")) s->groups[s->ngroups++] = (gid_t)parse_num(v[0], k);
    else if (!strcmp(k, "cgroup")) s->cgroups[s->ncgroups++] = v[0];
    else if (!strcmp(k, "kill")) s->kill_file = v[0];
    else if (!strcmp(k, "ns")) s->private_ns = !strcmp(v[0], "private");
    else if (!strcmp(k, "bind"))
      s->binds[s->nbinds++] = (struct bind){ v[1], v[2], !strcmp(v[0], "ro"), 0, -1, 0, NULL, NULL };
    else if (!strcmp(k, "bindat"))
      s->binds[s->nbinds++] = (struct bind){ v[1], v[3], !strcmp(v[0], "ro"), 0, -1, 1, v[2], v[4] };
    else if (!strcmp(k, "mkcwd")) s->mkcwd_mode = (int)parse_num(v[0], k) & 07777;
    else if (!strcmp(k, "symlink")) s->links[s->nlinks++] = (struct link){ v[0], v[1] };
    else if (!strcmp(k, "log")) s->log_path = v[0];
    else if (!strcmp(k, "grace")) s->grace_ms = (int)parse_num(v[0], k);
    else if (!strcmp(k, "nsfrom")) s->ns_pid = (pid_t)parse_num(v[0], k);
    else if (!strcmp(k, "logmax")) s->log_max = parse_num(v[0], k);
    else if (!strcmp(k, "logfiles")) s->log_files = (int)parse_num(v[0], k);
    else if (!strcmp(k, "propagation")) parse_propagation(s, v[0]);
    else if (!strcmp(k, "stdin")) s->stdio_path[0] = v[0];
    else if (!strcmp(k, "stdout")) s->stdio_path[1] = v[0];
    else if (!strcmp(k, "stderr")) s->stdio_path[2] = v[0];
    else if (!strcmp(k, "oomscoreadj")) parse_oom(s, v[0]);
    else {
      fprintf(stderr, "hostpod-shim: spec: unknown key \"%s\"\n", k);
      spec_fail();
    }
  }
  if (s->argc == 0) {
    fprintf(stderr, "hostpod-shim: spec %s: no arg\n", path);
    spec_fail();
  }
  if (s->log_max > 0 && (s->log_files < 2 || s->log_files > 1000)) {
    fprintf(stderr, "hostpod-shim: spec %s: logfiles must be 2..1000\n", path);
    spec_fail();
  }
}

static int write_str(const char *path, const char *str) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, str, strlen(str));
  int e = errno;
  close(fd);
  errno = e;
  return n == (ssize_t)strlen(str) ? 0 : -1;
}

static int mkdir_p(const char *path) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) return errno = ENAMETOOLONG, -1;
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Makes `dst` a mount point of the same kind (dir or file) as `src`. */
static int make_mount_point(const char *src, const char *dst) {
  struct stat st;
  if (stat(src, &st) < 0) return -1;
  if (S_ISDIR(st.st_mode)) return mkdir_p(dst);
  char parent[PATH_MAX];
  if (snprintf(parent, sizeof parent, "%s", dst) >= (int)sizeof parent) return errno = ENAMETOOLONG, -1;
  char *slash = strrchr(parent, '/');
  if (slash && slash != parent) {
    *slash = '\0';
    if (mkdir_p(parent) < 0) return -1;
  }
  int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 && errno != EISDIR) return -1;
  if (fd >= 0) close(fd);
  return 0;
}

/* ---- safe paths: fd-relative resolution, creation and removal ----
 *
 * hostpod runs as root; volumes, workspaces and working directories may be writable by a
 * container's account or another local user, who can plant a symlink or swap a directory for
 * one at any moment. So paths under such places are never handed to the kernel whole: they are
 * walked one component at a time from a trusted base directory's fd, each component opened
 * O_PATH|O_NOFOLLOW relative to the fd of the directory reached so far. A symlink is read
 * (never followed by the kernel) and resolved by us: within the base (RES_IN_ROOT: an absolute
 * target restarts at the base, ".." stops there — what openat2's RESOLVE_IN_ROOT does), or not
 * at all past it (RES_BENEATH: an absolute target or a ".." above the base is EXDEV, as
 * RESOLVE_BENEATH). ".." goes back to the fd we came from, so a directory moved meanwhile cannot
 * lead out. Missing components are made with mkdirat and reopened O_NOFOLLOW (a symlink swapped
 * in between is refused, never followed); ownership is set on the opened fd. This walk works on
 * every kernel (openat2 needs 5.6). Mounts then go through /proc/self/fd/N, as the kubelet does
 * for subPaths. */

#define SAFE_MAX_LINKS 40 /* Linux's MAXSYMLINKS */
#define SAFE_MAX_DEPTH 512

enum resolve_mode { RES_IN_ROOT, RES_BENEATH };
enum last_kind { LAST_NONE, LAST_DIR, LAST_FILE };

struct safe_opts {
  enum resolve_mode mode;
  enum last_kind create; /* make a missing path: directories, and the last one as this kind */
  mode_t dir_mode, file_mode;
  int chown; /* chown what is made to uid:gid */
  uid_t uid;
  gid_t gid;
};

struct safe_result {
  int fd;            /* O_PATH fd of the resolved path */
  int parent;        /* O_PATH fd of its directory (-1 when the path is the base itself) */
  char name[256];    /* its name in that directory */
};

/* Owner and exact mode (mkdir drops the setgid bit and applies the umask) of what the walk just
 * made, set on its fd: chmod through /proc/self/fd/N reaches exactly that inode (an O_PATH fd
 * takes no fchmod), so a swap of the name meanwhile cannot redirect it. */
static int set_made_attrs(int fd, const struct safe_opts *o, int is_dir) {
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
  if (o->chown && fchownat(fd, "", o->uid, o->gid, AT_EMPTY_PATH) < 0) return -1;
  return chmod(self, is_dir ? o->dir_mode : o->file_mode);
}

/* Resolves `rel` under `base` (a directory fd, trusted) as described above. Returns 0 and
 * fills `out` (the caller closes out->fd and out->parent), or -1 with errno set. */
static int safe_resolve(int base, const char *rel, const struct safe_opts *o, struct safe_result *out) {
  static int fds[SAFE_MAX_DEPTH];
  static char names[SAFE_MAX_DEPTH][256];
  char pending[2 * PATH_MAX], next[2 * PATH_MAX];
  int depth = 0, links = 0, err = 0;
  fds[0] = base;
  if (snprintf(pending, sizeof pending, "%s", rel) >= (int)sizeof pending) return errno = ENAMETOOLONG, -1;
  char *p = pending;
  /* pending[0 .. in_link) holds a symlink's target: beneath, nothing is made through a link
   * (a dangling one is ENOENT, as the kubelet refuses a subPath it cannot resolve). */
  char *in_link = pending;
  while (*p) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *start = p;
    size_t len = strcspn(p, "/");
    char comp[256];
    if (len >= sizeof comp) { err = ENAMETOOLONG; break; }
    memcpy(comp, p, len), comp[len] = '\0';
    p += len;
    while (*p == '/') p++;
    int last = *p == '\0';
    if (!strcmp(comp, ".")) continue;
    if (!strcmp(comp, "..")) {
      if (depth == 0) {
        if (o->mode == RES_BENEATH) { err = EXDEV; break; }
        continue;
      }
      close(fds[depth--]);
      continue;
    }
    int cur = fds[depth];
    int fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    int made = 0;
    if (fd < 0 && errno == ENOENT && o->create != LAST_NONE && !(o->mode == RES_BENEATH && start < in_link)) {
      if (!last || o->create == LAST_DIR) {
        if (mkdirat(cur, comp, o->dir_mode) == 0) made = 1;
        else if (errno != EEXIST) { err = errno; break; }
      } else {
        int w = openat(cur, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, o->file_mode);
        if (w >= 0) made = 1, close(w);
        else if (errno != EEXIST) { err = errno; break; }
      }
      fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) { err = errno; break; }
    struct stat st;
    if (fstat(fd, &st) < 0) { err = errno, close(fd); break; }
    /* What we made, if it is still what we made (not a symlink swapped in since): its attrs. */
    if (made && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) && set_made_attrs(fd, o, S_ISDIR(st.st_mode)) < 0) {
      err = errno, close(fd);
      break;
    }
    if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
      close(fd);
      if (n < 0) { err = errno; break; }
      target[n] = '\0';
      if (++links > SAFE_MAX_LINKS) { err = ELOOP; break; }
      if (target[0] == '/') {
        if (o->mode == RES_BENEATH) { err = EXDEV; break; }
        while (depth > 0) close(fds[depth--]);
      }
      if (snprintf(next, sizeof next, "%s/%s", target, p) >= (int)sizeof next) { err = ENAMETOOLONG; break; }
      size_t from_link = strlen(target) + 1 + (p < in_link ? (size_t)(in_link - p) : 0);
      memcpy(pending, next, strlen(next) + 1);
      p = pending;
      in_link = pending + from_link;
      continue;
    }
    if (!last && !S_ISDIR(st.st_mode)) { err = ENOTDIR, close(fd); break; }
    if (depth + 1 >= SAFE_MAX_DEPTH) { err = ENAMETOOLONG, close(fd); break; }
    fds[++depth] = fd;
    memcpy(names[depth], comp, len + 1);
  }
  if (err) {
    while (depth > 0) close(fds[depth--]);
    return errno = err, -1;
  }
  if (depth == 0) {
    out->fd = fcntl(base, F_DUPFD_CLOEXEC, 0);
    out->parent = -1, out->name[0] = '\0';
    return out->fd < 0 ? -1 : 0;
  }
  out->fd = fds[depth];
  out->parent = fds[depth - 1] == base ? fcntl(base, F_DUPFD_CLOEXEC, 0) : fds[depth - 1];
  memcpy(out->name, names[depth], strlen(names[depth]) + 1);
  for (int i = depth - 2; i >= 1; i--) close(fds[i]);
  return 0;
}

static void safe_close(struct safe_result *r) {
  if (r->fd >= 0) close(r->fd);
  if (r->parent >= 0) close(r->parent);
  r->fd = r->parent = -1;
}

/* Removes `name` in the directory `dirfd` and everything below it, never following a symlink
 * (a symlink is removed, its target untouched) and never crossing into another filesystem (a
 * mount below: EBUSY, nothing of it deleted). `depth` bounds the recursion (ELOOP past it). */
static int safe_remove(int dirfd, const char *name, dev_t dev, int depth) {
  if (depth > 4096) return errno = ELOOP, -1;
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    if (errno != ENOTDIR && errno != ELOOP) return -1;
    if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT) return -1; /* a file or a symlink */
    return 0;
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return errno = e, -1;
  }
  if (st.st_dev != dev) { /* a mount point: its filesystem is not ours to empty */
    close(fd);
    return errno = EBUSY, -1;
  }
  for (int round = 0; round < 100; round++) {
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    DIR *d = dup < 0 ? NULL : fdopendir(dup);
    if (!d) {
      int e = errno;
      if (dup >= 0) close(dup);
      close(fd);
      return errno = e, -1;
    }
    struct dirent *e;
    int failed = 0;
    while ((e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      if (safe_remove(fd, e->d_name, dev, depth + 1) < 0) { failed = errno; break; }
    }
    closedir(d);
    if (failed) {
      close(fd);
      return errno = failed, -1;
    }
    if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT) {
      close(fd);
      return 0;
    }
    if (errno != ENOTEMPTY && errno != EEXIST) break; /* something was added meanwhile: again */
    lseek(fd, 0, SEEK_SET);
  }
  int e = errno;
  close(fd);
  return errno = e, -1;
}

/* A bind mount from (srcbase, srcrel) onto (dstbase, dstrel), each side resolved by fd: the
 * source beneath its base (a subPath never leads out of its volume), the destination in its
 * base as root (a mount point inside the workspace or an earlier volume), made as the kind of
 * the source if missing. Mounted through /proc/self/fd/N, so the kernel never walks the
 * untrusted path again; a read-only bind is remounted through a fresh fd of the new mount. */
static int safe_bind(const char *srcbase, const char *srcrel, const char *dstbase, const char *dstrel, int ro) {
  struct safe_result src = { -1, -1, "" }, dst = { -1, -1, "" };
  int sb = open(srcbase, O_PATH | O_CLOEXEC), db = -1, rc = -1;
  struct stat st;
  char from[64], to[64];
  if (sb < 0) return -1;
  struct safe_opts so = { RES_BENEATH, LAST_NONE, 0, 0, 0, 0, 0 };
  if (safe_resolve(sb, srcrel, &so, &src) < 0 || fstat(src.fd, &st) < 0) goto out;
  if ((db = open(dstbase, O_PATH | O_CLOEXEC)) < 0) goto out;
  struct safe_opts dopt = { RES_IN_ROOT, S_ISDIR(st.st_mode) ? LAST_DIR : LAST_FILE, 0755, 0644, 0, 0, 0 };
  if (safe_resolve(db, dstrel, &dopt, &dst) < 0) goto out;
  struct stat dt;
  if (fstat(dst.fd, &dt) < 0) goto out;
  if (S_ISDIR(dt.st_mode) != S_ISDIR(st.st_mode)) {
    errno = S_ISDIR(st.st_mode) ? ENOTDIR : EISDIR;
    goto out;
  }
  snprintf(from, sizeof from, "/proc/self/fd/%d", src.fd);
  snprintf(to, sizeof to, "/proc/self/fd/%d", dst.fd);
  if (mount(from, to, NULL, MS_BIND | MS_REC, NULL) < 0) goto out;
  if (ro) {
    /* dst.fd still names the directory under the new mount: reopen the name to get its root. */
    int top = dst.parent >= 0 ? openat(dst.parent, dst.name, O_PATH | O_NOFOLLOW | O_CLOEXEC)
                              : open(dstbase, O_PATH | O_CLOEXEC);
    if (top < 0) goto out;
    snprintf(to, sizeof to, "/proc/self/fd/%d", top);
    int r = mount(NULL, to, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
    int e = errno;
    close(top);
    if (r < 0) {
      errno = e;
      goto out;
    }
  }
  rc = 0;
out:;
  int e = errno;
  safe_close(&src), safe_close(&dst);
  close(sb);
  if (db >= 0) close(db);
  errno = e;
  return rc;
}

/* mkdir -p `path` with `mode`, as whoever calls it (the container's own credentials: it can
 * make only what its account could). */
static int mkdir_p_mode(const char *path, mode_t mode) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) return errno = ENAMETOOLONG, -1;
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(tmp, mode) < 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return mkdir(tmp, mode) < 0 && errno != EEXIST ? -1 : 0;
}

static void fail_stage(int status_fd, int stage) {
  int msg[2] = { stage, errno };
  ssize_t ignored = write(status_fd, msg, sizeof msg);
  (void)ignored;
  _exit(127);
}

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#define HP_OPEN_TREE_CLONE 1
#define HP_OPEN_TREE_CLOEXEC O_CLOEXEC
#define HP_AT_RECURSIVE 0x8000
#define HP_MOVE_MOUNT_F_EMPTY_PATH 0x4

/* Bidirectional (rshared) binds: a copy of each source's mount tree is taken while this process
 * still shares the host's mount namespace, so the copy joins the source's peer group; it is
 * attached after `/` was made a slave. Mounts the container makes under it then reach the host,
 * while the container's other mounts (its workspace, its volumes) stay private to it. A bind
 * made after `/` became a slave could only be a slave itself. */
static int open_shared_trees(const struct spec *s) {
  for (int i = 0; i < s->nbinds; i++) {
    if (s->binds[i].prop != MS_SHARED) continue;
    long fd = syscall(SYS_open_tree, AT_FDCWD, s->binds[i].src,
                      HP_OPEN_TREE_CLONE | HP_OPEN_TREE_CLOEXEC | HP_AT_RECURSIVE);
    if (fd < 0) return -1;
    s->binds[i].tree_fd = (int)fd;
  }
  return 0;
}

static int attach_tree(int fd, const char *dst) {
  int r = (int)syscall(SYS_move_mount, fd, "", AT_FDCWD, dst, HP_MOVE_MOUNT_F_EMPTY_PATH);
  int e = errno;
  close(fd);
  errno = e;
  return r;
}

/* The given stdio (containerd's FIFOs, or files), opened in the new child before it changes
 * user or mounts. A FIFO is opened read-write for output (never blocks, and the pipe always has
 * a reader, as runc keeps one); input is opened without waiting for a writer (a client with
 * nothing to send opened and closed its end already: the process reads EOF, as under runc; a
 * client still opening its end is counted as a writer by then), then made blocking. The shim
 * itself never holds them, so the reader sees EOF when the container's last process closes them. */
static int open_stdio(const struct spec *s) {
  for (int i = 0; i < 3; i++) {
    const char *p = s->stdio_path[i];
    if (!p || !*p) continue;
    int fd = -1;
    if (i == 2 && s->stdio_path[1] && !strcmp(s->stdio_path[1], p)) fd = dup(1);
    else if (i == 0) {
      fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) return -1;
    } else {
      struct stat st;
      int fifo = stat(p, &st) == 0 && S_ISFIFO(st.st_mode);
      fd = open(p, (fifo ? O_RDWR : O_WRONLY | O_APPEND | O_CREAT) | O_CLOEXEC, 0640);
    }
    if (fd < 0 || dup2(fd, i) < 0) return -1;
    if (fd != i) close(fd);
  }
  return 0;
}

/* In the new child: join the job, mounts, user, cwd, exec. Never returns. */
static void child_exec(const struct spec *s, int status_fd, int ns_fd) {
  char pid[24];
  snprintf(pid, sizeof pid, "%d", (int)getpid());
  /* A real-time policy inherited from hostpod is not the workload's, and the kernel refuses
   * to move a real-time task into a cpu cgroup without RT runtime (EINVAL). */
  int policy = sched_getscheduler(0);
  if (policy == SCHED_FIFO || policy == SCHED_RR) {
    struct sched_param normal = { .sched_priority = 0 };
    if (sched_setscheduler(0, SCHED_OTHER, &normal) < 0) fail_stage(status_fd, ST_CGROUP);
  }
  for (int i = 0; i < s->ncgroups; i++)
    if (write_str(s->cgroups[i], pid) < 0) fail_stage(status_fd, ST_CGROUP);
  if (s->has_oom) {
    char adj[16];
    snprintf(adj, sizeof adj, "%d", s->oom_score_adj);
    if (write_str("/proc/self/oom_score_adj", adj) < 0) fail_stage(status_fd, ST_OOM);
  }
  if (ns_fd >= 0) {
    if (setns(ns_fd, CLONE_NEWNS) < 0) fail_stage(status_fd, ST_SETNS);
  } else if (s->private_ns) {
    if (open_shared_trees(s) < 0) fail_stage(status_fd, ST_BIND);
    if (unshare(CLONE_NEWNS) < 0) fail_stage(status_fd, ST_UNSHARE);
    /* Host mounts keep propagating in; ours do not leak out. */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) fail_stage(status_fd, ST_PROPAGATION);
    for (int i = 0; i < s->nbinds; i++) {
      const struct bind *b = &s->binds[i];
      if (b->at) {
        if (safe_bind(b->src, b->srcrel, b->dst, b->dstrel, b->ro) < 0) fail_stage(status_fd, ST_BIND);
        if (b->prop) {
          /* The bind itself was made fd by fd; its propagation is set on the mount it made. */
          char at[PATH_MAX];
          snprintf(at, sizeof at, "%s%s%s", b->dst, *b->dstrel ? "/" : "", b->dstrel);
          if (mount(NULL, at, NULL, MS_REC | b->prop, NULL) < 0) fail_stage(status_fd, ST_PROPAGATION);
        }
        continue;
      }
      if (make_mount_point(b->src, b->dst) < 0) fail_stage(status_fd, ST_BIND);
      if (b->tree_fd >= 0) {
        if (attach_tree(b->tree_fd, b->dst) < 0) fail_stage(status_fd, ST_BIND);
      } else if (mount(b->src, b->dst, NULL, MS_BIND | MS_REC, NULL) < 0) fail_stage(status_fd, ST_BIND);
      if (b->prop && mount(NULL, b->dst, NULL, MS_REC | b->prop, NULL) < 0) fail_stage(status_fd, ST_PROPAGATION);
      if (b->ro && mount(NULL, b->dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
        fail_stage(status_fd, ST_BIND);
    }
  }
  for (int i = 0; i < s->nlinks; i++) {
    if (symlink(s->links[i].target, s->links[i].path) == 0) continue;
    char cur[PATH_MAX];
    ssize_t n = errno == EEXIST ? readlink(s->links[i].path, cur, sizeof cur - 1) : -1;
    if (n < 0 || (cur[n] = '\0', strcmp(cur, s->links[i].target) != 0)) {
      if (n >= 0) errno = EEXIST;
      fail_stage(status_fd, ST_SYMLINK);
    }
  }
  if (s->has_uid) {
    if (setgroups((size_t)s->ngroups, s->groups) < 0) fail_stage(status_fd, ST_SETGROUPS);
    if (setgid(s->gid) < 0) fail_stage(status_fd, ST_SETGID);
    if (setuid(s->uid) < 0) fail_stage(status_fd, ST_SETUID);
  }
  /* A missing working dir is made here, with the container's own credentials: an account can
   * create only what it could create itself (SYSTEM, as root, anything: the reference's rule). */
  if (s->cwd && chdir(s->cwd) < 0 &&
      (errno != ENOENT || !s->mkcwd_mode || mkdir_p_mode(s->cwd, (mode_t)s->mkcwd_mode) < 0 || chdir(s->cwd) < 0))
    fail_stage(status_fd, ST_CHDIR);
  /* Dispositions set to ignore survive execve: give the workload a clean slate. */
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execve(s->argv[0], s->argv, s->envp);
  fail_stage(status_fd, ST_EXEC);
}

/* Reads the child's launch report: 0 when it exec'd (EOF), else fills stage/err. */
static int read_status(int fd, int *stage, int *err) {
  int msg[2];
  ssize_t n;
  do n = read(fd, msg, sizeof msg); while (n < 0 && errno == EINTR);
  if (n == (ssize_t)sizeof msg) {
    *stage = msg[0], *err = msg[1];
    return -1;
  }
  return 0;
}

static void format_time(char *out, size_t size, const struct timespec *ts) {
  struct tm tm;
  gmtime_r(&ts->tv_sec, &tm);
  size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, size - n, ".%09ldZ", ts->tv_nsec);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the job: its pids, signalling it, killing it ---- */

static const struct spec *job;

/* Pids of the job (the first cgroup.procs), or without cgroups every descendant of ours. */
static int job_pids(pid_t *out, int max) {
  int n = 0;
  if (job->ncgroups > 0) {
    size_t len;
    char *buf = read_all(job->cgroups[0], &len);
    if (!buf) return 0;
    for (char *p = buf; p < buf + len && n < max;) {
      char *end;
      long v = strtol(p, &end, 10);
      if (end == p) break;
      if (v > 0) out[n++] = (pid_t)v;
      p = end + 1;
    }
    free(buf);
    return n;
  }
  /* No cgroups: we are a child subreaper, so every process of the job descends from us. */
  static pid_t pid[MAX_PIDS], ppid[MAX_PIDS];
  int all = 0;
  DIR *d = opendir("/proc");
  if (!d) return 0;
  struct dirent *e;
  while ((e = readdir(d)) && all < MAX_PIDS) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    char path[300], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0) continue;
    buf[r] = '\0';
    char *rp = strrchr(buf, ')');
    char state;
    int pp;
    if (!rp || sscanf(rp + 1, " %c %d", &state, &pp) != 2 || state == 'Z') continue;
    pid[all] = atoi(e->d_name), ppid[all++] = pp;
  }
  closedir(d);
  out[0] = getpid();
  int have = 1, grew = 1;
  while (grew) {
    grew = 0;
    for (int i = 0; i < all; i++) {
      int known = 0, parent = 0;
      for (int j = 0; j < have && !(known && parent); j++) known |= out[j] == pid[i], parent |= out[j] == ppid[i];
      if (parent && !known && have < max) out[have++] = pid[i], grew = 1;
    }
  }
  for (int i = 1; i < have; i++) out[n++] = out[i];
  return n;
}

static void signal_job(int sig, pid_t except) {
  static pid_t pids[MAX_PIDS];
  int n = job_pids(pids, MAX_PIDS);
  for (int i = 0; i < n; i++)
    if (pids[i] != except && pids[i] != getpid()) kill(pids[i], sig);
}

static void kill_job(void) {
  if (job->kill_file && write_str(job->kill_file, "1") == 0) return;
  signal_job(SIGKILL, 0);
}

/* ---- the log, in the CRI format ---- */

/* A pipe is read READ_SIZE bytes at a time; the records of one read (each line, or each
 * LOG_CHUNK-byte piece of a longer one) share one timestamp and go to the log in one writev
 * (iovecs: the header, then the text with its newline straight from the read buffer).
 * With O_APPEND a batch lands whole and in order; a failed or short write keeps whole records
 * only (see flush_batch). */
struct stream {
  int fd;
  const char *name;
  char buf[LOG_CHUNK + READ_SIZE]; /* a line's start (< LOG_CHUNK bytes) carried over, then a read */
  size_t len;
};

#define BATCH_RECORDS 340 /* ≤ 3 iovecs a record (header, text, newline if not in the text): ≤ IOV_MAX */
static struct iovec batch_iov[3 * BATCH_RECORDS];
static int batch_niov;
static struct { size_t log_bytes, out_bytes; } batch_rec[BATCH_RECORDS + 1];
static int batch_n;                /* records in the batch (the marker included) */
static size_t batch_bytes;         /* log bytes in the batch */
static char head_f[80], head_p[80]; /* this read's headers: "<time> <stream> F " and "… P " */
static size_t head_len;
static char marker[160];           /* the "output was lost" record, when the batch starts with one */
static long long marker_bytes, marker_records;
static const char newline = '\n';

static int log_fd = -1;
static long long log_size;   /* bytes in the current log file */
static int rotate_broken;    /* a rotation failed half-way: keep appending until the next reopen */
static long long rotate_retry_at; /* the next file could not be made: try again at this time (ms) */

/* Disk full (or any failing write): whole records are dropped and counted; the log says so with
 * a marker record once a write succeeds again, and <dir>/log-status says so meanwhile. */
static int status_fd = -1;
#define STATUS_SIZE 192
static int log_failing, log_errno;
static long long lost_bytes, lost_records; /* since the task started */
static long long gap_bytes, gap_records;   /* since the last marker (not yet reported in the log) */
static char failing_since[64] = "-";

/* Rewrites the status line in place: a fixed-size file written at start, so an update needs no
 * new block on a full disk. "failing=0|1 dropped_bytes=N dropped_records=N errno=N since=T",
 * padded with spaces to STATUS_SIZE - 1, then a newline. */
static void write_status(void) {
  if (status_fd < 0) return;
  char line[STATUS_SIZE];
  int n = snprintf(line, sizeof line, "failing=%d dropped_bytes=%lld dropped_records=%lld errno=%d since=%s",
                   log_failing, lost_bytes, lost_records, log_errno, failing_since);
  if (n < 0 || n > STATUS_SIZE - 1) n = STATUS_SIZE - 1;
  memset(line + n, ' ', (size_t)(STATUS_SIZE - 1 - n));
  line[STATUS_SIZE - 1] = '\n';
  ssize_t ignored = pwrite(status_fd, line, sizeof line, 0);
  (void)ignored;
}

/* Opens the log path (appending) as log_fd and learns its size. Returns -1 with errno set. */
static int open_log(void) {
  int fd = open(job->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return -1;
  struct stat st;
  log_size = fstat(fd, &st) == 0 ? (long long)st.st_size : 0;
  rotate_broken = 0, rotate_retry_at = 0;
  if (log_fd < 0) log_fd = fd;
  else dup3(fd, log_fd, O_CLOEXEC), close(fd);
  return 0;
}

/* Size-based rotation, as the kubelet does it: PATH.(N-2) → PATH.(N-1) (the oldest replaced),
 * …, PATH → PATH.1, then a fresh PATH. Whole records only: the caller rotates between them.
 * A reader that holds the old file open reads it to its end, then finds the next file by
 * name; the shift goes oldest first, so at every moment the names are in order.
 * The fresh file is made first, under a hidden name (.BASE.next): if that fails (no space, no
 * inode, no fd) nothing moves, the current file goes on growing and it is tried again 1 s later. */
static void rotate_log(void) {
  char from[PATH_MAX], to[PATH_MAX], next[PATH_MAX];
  const char *slash = strrchr(job->log_path, '/');
  int dirlen = slash ? (int)(slash - job->log_path + 1) : 0;
  snprintf(next, sizeof next, "%.*s.%s.next", dirlen, job->log_path, job->log_path + dirlen);
  int fd = open(next, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    rotate_retry_at = now_ms() + 1000;
    return;
  }
  for (int k = job->log_files - 1; k >= 2; k--) {
    snprintf(from, sizeof from, "%s.%d", job->log_path, k - 1);
    snprintf(to, sizeof to, "%s.%d", job->log_path, k);
    rename(from, to); /* a missing older file is normal (fewer rotations so far) */
  }
  snprintf(to, sizeof to, "%s.1", job->log_path);
  if (rename(job->log_path, to) < 0) {
    rotate_broken = 1; /* the current one must move: go on appending to it rather than lose output */
  } else if (rename(next, job->log_path) < 0) {
    rename(to, job->log_path); /* put the current file back under its name */
    rotate_broken = 1;
  } else {
    dup3(fd, log_fd, O_CLOEXEC);
    log_size = 0;
  }
  close(fd);
  if (rotate_broken) unlink(next);
}

/* Writes the batch with one writev (more only after a short write). On failure the records
 * written whole stay, a record written in part is cut off again (ftruncate), and the rest are
 * dropped and counted; the next batch tries again, led by a marker record. */
static void flush_batch(void) {
  if (batch_n == 0) return;
  struct iovec *iov = batch_iov;
  int niov = batch_niov;
  size_t done = 0;
  int err = 0;
  /* Many short records: one copy into a flat buffer costs less than the kernel walking
   * hundreds of small iovecs (about a fifth less CPU for 100-byte lines). */
  static char flat[65536];
  struct iovec one;
  if (niov > 8 && batch_bytes <= sizeof flat) {
    size_t at = 0;
    for (int i = 0; i < niov; i++) memcpy(flat + at, iov[i].iov_base, iov[i].iov_len), at += iov[i].iov_len;
    one = (struct iovec){ flat, at };
    iov = &one, niov = 1;
  }
  while (done < batch_bytes) {
    ssize_t w = writev(log_fd, iov, niov); /* niov ≤ 3 × BATCH_RECORDS ≤ IOV_MAX (1024) */
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      err = w < 0 ? errno : ENOSPC;
      break;
    }
    done += (size_t)w;
    for (size_t left = (size_t)w; left > 0;) { /* step past what was written */
      if (left >= iov->iov_len) left -= iov->iov_len, iov++, niov--;
      else iov->iov_base = (char *)iov->iov_base + left, iov->iov_len -= left, left = 0;
    }
  }
  size_t kept = 0;
  int whole = 0;
  while (whole < batch_n && kept + batch_rec[whole].log_bytes <= done) kept += batch_rec[whole++].log_bytes;
  if (marker_records > 0 && whole == 1 && batch_n > 1) whole = 0, kept = 0; /* a marker alone says nothing new */
  if (done > kept) { /* half a record: cut it off, readers must never see it */
    off_t end = lseek(log_fd, 0, SEEK_CUR);
    if (end >= (off_t)(done - kept)) {
      int r;
      do r = ftruncate(log_fd, end - (off_t)(done - kept)); while (r < 0 && errno == EINTR);
    }
  }
  log_size += (long long)kept;
  if (whole > 0 && marker_records > 0) gap_bytes -= marker_bytes, gap_records -= marker_records;
  int changed = 0;
  for (int i = marker_records > 0 ? 1 : 0; i < batch_n; i++) {
    if (i < whole) continue;
    gap_bytes += (long long)batch_rec[i].out_bytes, gap_records++;
    lost_bytes += (long long)batch_rec[i].out_bytes, lost_records++;
    changed = 1;
  }
  if (changed) {
    if (!log_failing) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      format_time(failing_since, sizeof failing_since, &ts);
    }
    log_failing = 1, log_errno = err;
    write_status();
  } else if (log_failing) {
    log_failing = 0;
    write_status();
  }
  batch_n = 0, batch_niov = 0, batch_bytes = 0, marker_records = 0, marker_bytes = 0;
}

/* Sets this read's headers (one clock read per read, not per line). */
static void stamp(const struct stream *st) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  format_time(head_f, sizeof head_f, &ts);
  size_t n = strlen(head_f);
  head_len = n + (size_t)snprintf(head_f + n, sizeof head_f - n, " %s F ", st->name);
  memcpy(head_p, head_f, head_len + 1);
  head_p[head_len - 2] = 'P';
}

/* Starts the batch with the marker record: what was lost since the last one, and why. It is
 * written before anything newer, so the gap it reports is just before it in the log. */
static void add_marker(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  format_time(marker, sizeof marker, &ts);
  size_t m = strlen(marker);
  m += (size_t)snprintf(marker + m, sizeof marker - m,
                        " stderr F hostpod: %lld bytes (%lld record%s) of output were lost: %s\n",
                        gap_bytes, gap_records, gap_records == 1 ? "" : "s", strerror(log_errno));
  if (m > sizeof marker - 1) m = sizeof marker - 1, marker[m - 1] = '\n';
  batch_iov[0] = (struct iovec){ marker, m };
  batch_niov = 1;
  batch_rec[0].log_bytes = m, batch_rec[0].out_bytes = 0;
  marker_bytes = gap_bytes, marker_records = gap_records;
  batch_n = 1, batch_bytes = m;
}

/* Adds one record: the current header (F or P) and `n` bytes of text; `nl` is 1 when the text
 * ends with its newline in place, 0 when one is to be added (a last line, or a P piece). */
static void add_record(char tag, const char *data, size_t n, int nl) {
  if (log_fd < 0) return;
  size_t rec = head_len + n + (nl ? 0 : 1);
  if (batch_n == BATCH_RECORDS) flush_batch();
  if (batch_n == 0 && gap_records > 0) add_marker(); /* say what was lost before going on */
  long long pending = log_size + (long long)batch_bytes;
  if (job->log_max > 0 && !rotate_broken && pending > 0 && pending + (long long)rec > job->log_max &&
      (rotate_retry_at == 0 || now_ms() >= rotate_retry_at)) {
    flush_batch();
    if (log_size > 0) rotate_log();
    if (gap_records > 0) { /* that flush failed: the next batch starts with its marker */
      add_record(tag, data, n, nl);
      return;
    }
  }
  struct iovec *iov = batch_iov + batch_niov;
  iov[0] = (struct iovec){ tag == 'P' ? head_p : head_f, head_len };
  iov[1] = (struct iovec){ (void *)data, n };
  batch_niov += 2;
  if (!nl) iov[2] = (struct iovec){ (void *)&newline, 1 }, batch_niov++;
  batch_rec[batch_n].log_bytes = rec, batch_rec[batch_n].out_bytes = n;
  batch_n++, batch_bytes += rec;
}

/* Reads what is available and logs its lines; returns 0 at EOF (stream closed). */
static int pump(struct stream *st) {
  ssize_t r;
  do r = read(st->fd, st->buf + st->len, READ_SIZE); while (r < 0 && errno == EINTR);
  if (r < 0 && errno == EAGAIN) return 1;
  stamp(st);
  if (r <= 0) {
    if (st->len) add_record('F', st->buf, st->len, 0);
    flush_batch();
    st->len = 0;
    close(st->fd);
    st->fd = -1;
    return 0;
  }
  size_t end = st->len + (size_t)r, start = 0;
  for (;;) {
    char *nl = memchr(st->buf + start, '\n', end - start);
    size_t stop = nl ? (size_t)(nl - st->buf) : end; /* this line's text ends here (so far) */
    while (stop - start >= LOG_CHUNK) add_record('P', st->buf + start, LOG_CHUNK, 0), start += LOG_CHUNK;
    if (!nl) break;
    add_record('F', st->buf + start, stop + 1 - start, 1);
    start = stop + 1;
  }
  flush_batch(); /* before the buffer moves: the batch points into it */
  memmove(st->buf, st->buf + start, end - start);
  st->len = end - start;
  return 1;
}

/* At the end: the marker for output lost last, if the disk has room again by now. */
static void flush_lost(void) {
  if (gap_records == 0 || log_fd < 0) return;
  if (batch_n == 0) add_marker();
  flush_batch();
}

/* ---- start ---- */

/* temp + rename: a reader sees the whole file or none. No fsync: these files describe live
 * processes, which a machine crash ends anyway; a crash of hostpod keeps the page cache.
 * `fd`, when >= 0, is the temp file already made (and filled with spaces) at start: writing the
 * record over them needs no new block, so the exit record is kept on a full disk too. */
static void write_file_atomic(const char *dir, const char *name, const char *content, int fd) {
  char tmp[PATH_MAX], dst[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
  snprintf(dst, sizeof dst, "%s/%s", dir, name);
  size_t len = strlen(content);
  int ok;
  if (fd >= 0) {
    ok = pwrite(fd, content, len, 0) == (ssize_t)len && ftruncate(fd, (off_t)len) == 0;
  } else {
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    ok = write(fd, content, len) == (ssize_t)len;
  }
  close(fd);
  if (ok) rename(tmp, dst);
  else unlink(tmp);
}

/* Makes DIR/NAME holding `size` bytes (spaces, a newline last), for later writes in place. */
static int make_reserved(const char *dir, const char *name, size_t size) {
  char path[PATH_MAX], fill[512];
  if (size > sizeof fill) return -1;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  memset(fill, ' ', size);
  fill[size - 1] = '\n';
  if (write(fd, fill, size) != (ssize_t)size) {
    close(fd);
    unlink(path);
    return -1;
  }
  return fd;
}

/* Field 22 of /proc/self/stat (start time in clock ticks since boot) into `out`; "" if unreadable.
 * The command name (field 2) may hold spaces and parentheses: fields follow its last ')'. */
static const char *self_start_time(char *out, size_t size) {
  char buf[1024];
  size_t len = 0;
  char *text = read_all("/proc/self/stat", &len);
  out[0] = '\0';
  if (!text) return out;
  if (len >= sizeof buf) len = sizeof buf - 1;
  memcpy(buf, text, len);
  buf[len] = '\0';
  free(text);
  char *p = strrchr(buf, ')');
  for (int field = 2; p && field < 22; field++) p = strchr(p + 1, ' ');
  if (p) snprintf(out, size, "%.*s", (int)strcspn(p + 1, " \n"), p + 1);
  return out;
}

/* The shim proper: already forked off its caller; owes the start report on report_fd. */
static int run_shim(const char *dir, struct spec *spec) {
  struct spec s = *spec;
  job = spec;
  if (setsid() < 0) die("setsid");
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die("prctl");
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN); /* a log past RLIMIT_FSIZE: EFBIG, dropped records, not the end of us */
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigaddset(&chld, SIGUSR1); /* reopen the log (after it was rotated by rename) */
  if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0) die("sigprocmask");
  int sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sig_fd < 0) die("signalfd");

  int out[2] = { -1, -1 }, err[2] = { -1, -1 }, status[2];
  int stage = 0, code = 0;
  if (s.log_path && open_log() < 0) stage = ST_LOG, code = errno;
  /* Made now, while there is room: the status of the log and the exit record's temp file. */
  if (!stage && s.log_path && (status_fd = make_reserved(dir, "log-status", STATUS_SIZE)) >= 0) write_status();
  int exit_fd = stage ? -1 : make_reserved(dir, ".exit.tmp", 512);
  if (!stage && (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0))
    stage = ST_PIPE, code = errno;
  pid_t init = -1;
  if (!stage && (init = fork()) < 0) stage = ST_FORK, code = errno;
  if (init == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) fail_stage(status[1], ST_PIPE);
    if (null > 2) close(null);
    if (open_stdio(&s) < 0) fail_stage(status[1], ST_STDIO);
    child_exec(&s, status[1], -1);
  }
  struct timespec started;
  if (!stage) {
    close(out[1]), close(err[1]), close(status[1]);
    if (read_status(status[0], &stage, &code) < 0) waitpid(init, NULL, 0);
    close(status[0]);
  }
  if (stage) {
    report("error %s %d\n", stage_names[stage], code);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/log-status", dir);
    if (status_fd >= 0) unlink(path);
    snprintf(path, sizeof path, "%s/.exit.tmp", dir);
    if (exit_fd >= 0) unlink(path);
    return 1;
  }
  clock_gettime(CLOCK_REALTIME, &started);
  char text[128], when[64];
  /* "PID STARTTIME": with the start time a reused pid is never mistaken for this shim. */
  char ticks[32];
  snprintf(text, sizeof text, "%d %s\n", (int)getpid(), self_start_time(ticks, sizeof ticks));
  write_file_atomic(dir, "shim.pid", text, -1);
  format_time(when, sizeof when, &started);
  snprintf(text, sizeof text, "%d %s\n", (int)init, when);
  write_file_atomic(dir, "init.pid", text, -1);
  report("ok %d %d %s\n", (int)getpid(), (int)init, when);
  int null = open("/dev/null", O_RDWR);
  if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) die("/dev/null");
  if (null > 2) close(null);

  static struct stream streams[2];
  /* Field by field: assigning a whole struct would write (and so make resident) its buffer. */
  streams[0].fd = out[0], streams[0].name = "stdout";
  streams[1].fd = err[0], streams[1].name = "stderr";
  int init_status = 0, init_done = 0, killed = 0;
  long long deadline = 0, empty_since = 0;
  struct timespec finished = { 0, 0 };
  for (;;) {
    struct pollfd pf[3] = { { sig_fd, POLLIN, 0 }, { streams[0].fd, POLLIN, 0 }, { streams[1].fd, POLLIN, 0 } };
    int r = poll(pf, 3, init_done ? 20 : -1);
    if (r < 0 && errno != EINTR) die("poll");
    if (r > 0 && (pf[0].revents & POLLIN)) {
      struct signalfd_siginfo si;
      int reopen = 0;
      while (read(sig_fd, &si, sizeof si) > 0) reopen |= si.ssi_signo == SIGUSR1;
      if (reopen && s.log_path && log_fd >= 0) open_log();
    }
    for (int i = 0; i < 2; i++)
      if (r > 0 && pf[i + 1].revents) pump(&streams[i]);
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
      if (p != init) continue;
      init_done = 1, init_status = st;
      clock_gettime(CLOCK_REALTIME, &finished);
      deadline = now_ms() + s.grace_ms;
      signal_job(SIGTERM, init);
    }
    if (!init_done) continue;
    static pid_t pids[MAX_PIDS];
    int alive = job_pids(pids, MAX_PIDS);
    long long now = now_ms();
    if (alive > 0 && now >= deadline) {
      kill_job();
      killed = 1;
    }
    /* A process stuck in the kernel must not hold the exit record back forever. */
    if (alive > 0 && now < deadline + 10000) continue;
    /* Job empty (or given up on): the pipes end once the last writer is gone; a short drain. */
    if (!empty_since) empty_since = now;
    if ((streams[0].fd < 0 && streams[1].fd < 0) || now - empty_since > 500) break;
  }
  for (int i = 0; i < 2; i++) {
    if (streams[i].fd < 0 || !streams[i].len) continue;
    stamp(&streams[i]);
    add_record('F', streams[i].buf, streams[i].len, 0);
    flush_batch();
  }
  flush_lost();

  int exit_code = WIFEXITED(init_status) ? WEXITSTATUS(init_status) : 128 + WTERMSIG(init_status);
  int signo = WIFSIGNALED(init_status) ? WTERMSIG(init_status) : 0;
  char fin[64], record[512];
  format_time(fin, sizeof fin, &finished);
  snprintf(record, sizeof record,
           "{\"exitCode\":%d,\"signal\":%d,\"startedAt\":\"%s\",\"finishedAt\":\"%s\",\"killed\":%s,"
           "\"initPid\":%d,\"shimPid\":%d}\n",
           exit_code, signo, when, fin, killed ? "true" : "false", (int)init, (int)getpid());
  write_file_atomic(dir, "exit", record, exit_fd);
  return 0;
}

static int cmd_start(const char *dir) {
  static struct spec s;
  char path[PATH_MAX];
  report_fd = 1;
  close_fds_from(3, 0);
  snprintf(path, sizeof path, "%s/spec", dir);
  parse_spec(path, &s);
  pid_t first = fork();
  if (first < 0) {
    report("error fork %d\n", errno);
    return 1;
  }
  if (first > 0) _exit(0); /* the caller's child returns at once; the shim lives on */
  return run_shim(dir, &s);
}

/* ---- serve: mount / unmount requests ---- */

#define MAX_MOUNT_OPTIONS 4000 /* the kernel takes one page of options; overlay.ts uses the same bound */
#define MAX_FIELDS 512

/* Reads a request's fields: "LEN:BYTES" separated by one space, to the end of the line. BYTES
 * may hold anything but NUL (a newline in a path included: the line is extended with the next
 * one from `in` when a field runs past it). Returns the number of fields, -1 if malformed. */
static int read_fields(char **line, size_t *cap, size_t *len, size_t pos, FILE *in, char **out, int max) {
  static size_t at[MAX_FIELDS]; /* offsets: the line may move when it grows */
  int n = 0;
  if (max > MAX_FIELDS) max = MAX_FIELDS;
  while (pos < *len) {
    if (n == max) return -1;
    char *end;
    errno = 0;
    unsigned long flen = strtoul(*line + pos, &end, 10);
    if (errno || end == *line + pos || *end != ':' || flen > 65536) return -1;
    size_t start = (size_t)(end - *line) + 1;
    while (start + flen > *len) { /* the field holds newlines: take the next line too */
      char *more = NULL;
      size_t more_cap = 0;
      ssize_t m = getline(&more, &more_cap, in);
      if (m <= 0) {
        free(more);
        return -1;
      }
      if (more[m - 1] == '\n') more[--m] = '\0';
      if (*len + 1 + (size_t)m + 1 > *cap) {
        *cap = *len + 1 + (size_t)m + 1;
        char *grown = realloc(*line, *cap);
        if (!grown) {
          free(more);
          return -1;
        }
        *line = grown;
      }
      (*line)[(*len)++] = '\n';
      memcpy(*line + *len, more, (size_t)m + 1);
      *len += (size_t)m;
      free(more);
    }
    at[n++] = start;
    pos = start + flen;
    if (pos < *len && (*line)[pos] != ' ') return -1;
    (*line)[pos] = '\0';
    if (memchr(*line + start, '\0', flen)) return -1; /* a NUL inside: the path would be cut short */
    pos++;
  }
  for (int i = 0; i < n; i++) out[i] = *line + at[i];
  return n;
}

static void answer(const char *tag, int err, const char *what) {
  if (err == 0) dprintf(1, "%s ok%s%s\n", tag, what ? " " : "", what ? what : "");
  else dprintf(1, "%s error %s %d %s\n", tag, what, err, strerror(err));
}

/* "TAG mount CWD TARGET LOWER… UPPER WORK" (LOWERs highest first): mounts an overlay at TARGET
 * (nosuid, nodev) with the option string overlay.ts builds. CWD, when not empty, is where
 * relative dirs are resolved (the server moves there for the call, as mount(8) is run there). */
static void serve_mount(const char *tag, char **f, int n, int home) {
  if (n < 5) {
    answer(tag, EINVAL, "request");
    return;
  }
  const char *cwd = f[0], *target = f[1];
  char options[MAX_MOUNT_OPTIONS + 1];
  size_t used = 0;
  for (int i = 2; i < n; i++) {
    if (!*f[i] || strpbrk(f[i], ",:\\")) {
      answer(tag, EINVAL, "path");
      return;
    }
    const char *key = i == 2 ? "lowerdir=" : i < n - 2 ? ":" : i == n - 2 ? ",upperdir=" : ",workdir=";
    int w = snprintf(options + used, sizeof options - used, "%s%s", key, f[i]);
    if (w < 0 || (size_t)w >= sizeof options - used) {
      answer(tag, E2BIG, "options");
      return;
    }
    used += (size_t)w;
  }
  if (*cwd && chdir(cwd) < 0) {
    answer(tag, errno, "chdir");
    return;
  }
  /* A workspace holds image content: its setuid bits and file capabilities must not give a
   * container privilege (nosuid disables both), nor its device nodes access (docs/security.md). */
  int err = mount("overlay", target, "overlay", MS_NOSUID | MS_NODEV, options) < 0 ? errno : 0;
  if (*cwd && fchdir(home) < 0) {
    fprintf(stderr, "hostpod-shim: serve: cannot return to the start directory: %s\n", strerror(errno));
    exit(125); /* later relative requests would resolve elsewhere: end, hostpod restarts the server */
  }
  answer(tag, err, err ? "mount" : NULL);
}

/* "TAG unmount TARGET": umount2(TARGET, 0); when busy, a lazy detach (what `umount -l` does),
 * answered "ok detached". */
static void serve_unmount(const char *tag, char **f, int n) {
  if (n != 1 || !*f[0]) {
    answer(tag, EINVAL, "request");
    return;
  }
  if (umount2(f[0], UMOUNT_NOFOLLOW) == 0) {
    answer(tag, 0, NULL);
    return;
  }
  int err = errno;
  if (err == EBUSY && umount2(f[0], MNT_DETACH | UMOUNT_NOFOLLOW) == 0) {
    answer(tag, 0, "detached");
    return;
  }
  answer(tag, err == EBUSY ? errno : err, "umount");
}

/* serve: one request per stdin line. "TAG DIR" gets a shim forked from this small process
 * (cheaper than a spawn from Node) and a report line "TAG ok …" / "TAG error …" on stdout.
 * "TAG mount …" and "TAG unmount …" are done inline (a mount takes about a millisecond) and
 * answered "TAG ok[ detached]" / "TAG error WHAT ERRNO MESSAGE". Ends at EOF; the shims it
 * made live on. */
static int cmd_serve(char *title) {
  close_fds_from(3, 0);
  signal(SIGCHLD, SIG_IGN); /* shims are never reaped here: they outlive this server */
  signal(SIGPIPE, SIG_IGN);
  int home = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC); /* where a mount's chdir returns to */
  char *line = NULL;
  size_t cap = 0;
  ssize_t got;
  while ((got = getline(&line, &cap, stdin)) > 0) {
    size_t n = (size_t)got;
    if (line[n - 1] == '\n') line[--n] = '\0';
    char *space = strchr(line, ' ');
    if (!space || space == line || space - line > 40) continue;
    *space = '\0';
    char tag[48];
    snprintf(tag, sizeof tag, "%s", line);
    const char *dir = space + 1;
    int is_mount = !strncmp(dir, "mount ", 6), is_unmount = !strncmp(dir, "unmount ", 8);
    if (is_mount || is_unmount) {
      static char *fields[MAX_FIELDS];
      size_t pos = (size_t)(dir - line) + (is_mount ? 6 : 8);
      int nf = read_fields(&line, &cap, &n, pos, stdin, fields, MAX_FIELDS);
      if (nf < 0) answer(tag, EINVAL, "request");
      else if (is_mount && home < 0) answer(tag, EBADF, "chdir");
      else if (is_mount) serve_mount(tag, fields, nf, home);
      else serve_unmount(tag, fields, nf);
      continue;
    }
    pid_t p = fork();
    if (p < 0) dprintf(1, "%s error fork %d\n", tag, errno);
    if (p != 0) continue;
    if (home >= 0) close(home);
    signal(SIGCHLD, SIG_DFL);
    memcpy(title, "task", 5); /* ps shows "hostpod-shim task" for shims, "… serve" for the server */
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) dup2(null, 0);
    snprintf(report_tag, sizeof report_tag, "%s ", tag);
    report_fd = 1;
    static struct spec s;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/spec", dir);
    parse_spec(path, &s);
    _exit(run_shim(dir, &s));
  }
  return 0;
}

/* ---- exec ---- */

static pid_t exec_child = -1;
static int exec_group = 0; /* forward signals to the child's process group (its own session) */
static struct termios saved_tty;
static int tty_raw = 0;

static void forward(int sig) {
  if (exec_child > 0) kill(exec_group ? -exec_child : exec_child, sig);
}

static void restore_tty(void) {
  if (tty_raw) tcsetattr(0, TCSAFLUSH, &saved_tty);
}

static void copy_winsize(int master) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
}

static int write_full(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    buf += w, n -= (size_t)w;
  }
  return 0;
}

static int relay_tty(int master) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGWINCH);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");
  int in_open = 1, status = 0, exited = 0;
  char buf[8192];
  for (;;) {
    struct pollfd pf[3] = { { sfd, POLLIN, 0 }, { master, POLLIN, 0 }, { in_open ? 0 : -1, POLLIN, 0 } };
    if (poll(pf, 3, -1) < 0 && errno != EINTR) die("poll");
    if (pf[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si)
        if (si.ssi_signo == SIGWINCH) copy_winsize(master);
      if (waitpid(exec_child, &status, WNOHANG) == exec_child) exited = 1;
    }
    if (exited) {
      /* The child is gone: copy what it left in the terminal, even if a background
       * process still holds the terminal open, then stop. */
      fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
      ssize_t n;
      while ((n = read(master, buf, sizeof buf)) > 0) write_full(1, buf, (size_t)n);
      return status;
    }
    if (pf[1].revents) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n > 0) write_full(1, buf, (size_t)n);
      else if (n == 0 || (errno != EINTR && errno != EAGAIN)) break; /* EIO: the terminal is closed */
    }
    if (pf[2].revents) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n > 0) write_full(master, buf, (size_t)n);
      else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        in_open = 0;
        char eof = 4; /* ^D: the end of our input is the end of the terminal's input */
        write_full(master, &eof, 1);
      }
    }
  }
  while (waitpid(exec_child, &status, 0) < 0 && errno == EINTR) {}
  return status;
}

/* Without --tty: copies our terminal stdin into the program's stdin pipe (in_w) and its
 * stdout/stderr pipes (out_r, err_r) to ours, for the fds that were terminals (-1 for the
 * others), until the program exits; then what its pipes hold is copied and the relay stops,
 * even if a background process still holds them. Returns its wait status. */
static int relay_pipes(int in_w, int out_r, int err_r) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");
  if (in_w >= 0) fcntl(in_w, F_SETFL, fcntl(in_w, F_GETFL) | O_NONBLOCK);
  int status = 0, exited = 0;
  char buf[8192], in_buf[8192];
  size_t in_len = 0, in_off = 0;
  int out_fd[2] = { out_r, err_r };
  for (;;) {
    /* Read the terminal only while we are its foreground job: in the background a read would
     * stop us (SIGTTIN) as soon as the user types at the shell; look again every 250 ms (fg). */
    int fg = in_w >= 0 && tcgetpgrp(0) == getpgrp();
    struct pollfd pf[5] = {
      { sfd, POLLIN, 0 },
      { out_fd[0], POLLIN, 0 },
      { out_fd[1], POLLIN, 0 },
      { fg && in_len == 0 ? 0 : -1, POLLIN, 0 },
      { in_w >= 0 && in_len > 0 ? in_w : -1, POLLOUT, 0 },
    };
    if (poll(pf, 5, in_w >= 0 && !fg ? 250 : -1) < 0 && errno != EINTR) die("poll");
    if (pf[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {}
      if (waitpid(exec_child, &status, WNOHANG) == exec_child) exited = 1;
    }
    for (int i = 0; i < 2; i++) {
      if (out_fd[i] < 0 || !(pf[1 + i].revents || exited)) continue;
      if (exited) fcntl(out_fd[i], F_SETFL, fcntl(out_fd[i], F_GETFL) | O_NONBLOCK);
      ssize_t n;
      while ((n = read(out_fd[i], buf, sizeof buf)) > 0) {
        write_full(1 + i, buf, (size_t)n);
        if (!exited) break;
      }
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) close(out_fd[i]), out_fd[i] = -1;
    }
    if (exited) return status;
    if (pf[3].revents) {
      ssize_t n = read(0, in_buf, sizeof in_buf);
      if (n > 0) in_len = (size_t)n, in_off = 0;
      else if (n == 0 || (errno != EINTR && errno != EAGAIN)) close(in_w), in_w = -1; /* EOF: ^D */
    }
    if (pf[4].revents && in_w >= 0) {
      ssize_t w = write(in_w, in_buf + in_off, in_len - in_off);
      if (w > 0 && (in_off += (size_t)w) == in_len) in_len = 0;
      else if (w < 0 && errno != EINTR && errno != EAGAIN) close(in_w), in_w = -1, in_len = 0; /* EPIPE */
    }
  }
}

static int cmd_exec(int argc, char **argv) {
  int tty = 0, status_fd = -1;
  const char *path = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--tty")) tty = 1;
    else if (!strcmp(argv[i], "--status-fd") && i + 1 < argc) status_fd = (int)parse_num(argv[++i], "--status-fd");
    else path = argv[i];
  }
  if (!path) {
    fprintf(stderr, "usage: hostpod-shim exec [--tty] [--status-fd N] SPECFILE\n");
    return 125;
  }
  close_fds_from(3, 1); /* the status fd too: it must not reach the program */
  /* A caller may hand over FIFOs opened without blocking (containerd's stdin): the program
   * gets them blocking, as a program expects. */
  for (int fd = 0; fd < 3; fd++) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  }
  static struct spec s;
  parse_spec(path, &s);
  int stage = 0, code = 0, ns_fd = -1, master = -1, status[2];
  char slave[128];
  if (s.ns_pid > 0) {
    char nspath[64];
    snprintf(nspath, sizeof nspath, "/proc/%d/ns/mnt", (int)s.ns_pid);
    if ((ns_fd = open(nspath, O_RDONLY | O_CLOEXEC)) < 0) stage = ST_SETNS, code = errno;
    /* The pid must still be a process of the job (not a recycled pid) now that we hold
     * its namespace open. */
    if (!stage && s.ncgroups > 0) {
      static pid_t pids[MAX_PIDS];
      job = &s;
      int n = job_pids(pids, MAX_PIDS), found = 0;
      for (int i = 0; i < n; i++) found |= pids[i] == s.ns_pid;
      if (!found) stage = ST_SETNS, code = ESRCH;
    }
  }
  if (!stage && tty &&
      ((master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 || grantpt(master) < 0 ||
       unlockpt(master) < 0 || ptsname_r(master, slave, sizeof slave) != 0))
    stage = ST_PIPE, code = errno;
  if (!stage && pipe2(status, O_CLOEXEC) < 0) stage = ST_PIPE, code = errno;
  struct sigaction sa = { .sa_handler = forward };
  sigemptyset(&sa.sa_mask);
  int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaction(sigs[i], &sa, NULL);
  /* Without --tty the program must not get our terminal: holding it, a process could push
   * input into the caller's shell (TIOCSTI) or read what is typed there after the exec returns.
   * It gets a session of its own (no controlling terminal) and, for each of stdin, stdout and
   * stderr that is a terminal, a pipe we relay. */
  int relay[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } }, relaying = 0;
  for (int i = 0; !stage && !tty && i < 3; i++) {
    if (!isatty(i)) continue;
    if (pipe2(relay[i], O_CLOEXEC) < 0) stage = ST_PIPE, code = errno;
    relaying = 1;
  }
  if (!stage && (tty || relaying)) {
    if (tty) copy_winsize(master);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGWINCH);
    sigprocmask(SIG_BLOCK, &set, NULL);
  }
  exec_group = !tty;
  if (!stage && (exec_child = fork()) < 0) stage = ST_FORK, code = errno;
  if (!stage && exec_child == 0) {
    if (tty) {
      int fd;
      if (setsid() < 0 || (fd = open(slave, O_RDWR)) < 0 || ioctl(fd, TIOCSCTTY, 0) < 0 ||
          dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
        fail_stage(status[1], ST_PIPE);
      if (fd > 2) close(fd);
    } else {
      if (setsid() < 0) fail_stage(status[1], ST_PIPE);
      for (int i = 0; i < 3; i++)
        if (relay[i][0] >= 0 && dup2(relay[i][i == 0 ? 0 : 1], i) < 0) fail_stage(status[1], ST_PIPE);
    }
    child_exec(&s, status[1], ns_fd);
  }
  /* The child's ends (stdin's read end, stdout's and stderr's write ends) are its own now; we
   * keep stdin's write end and the read ends of stdout and stderr. */
  for (int i = 0; i < 3; i++)
    if (relay[i][0] >= 0) close(relay[i][i == 0 ? 0 : 1]);
  if (!stage) {
    close(status[1]);
    if (read_status(status[0], &stage, &code) < 0) waitpid(exec_child, NULL, 0);
    close(status[0]);
  }
  if (stage) {
    /* With a status fd the caller reports it (in its own words); without, stderr is the report. */
    if (status_fd >= 0) dprintf(status_fd, "error %s %d\n", stage_names[stage], code);
    else fprintf(stderr, "hostpod-shim: exec %s failed at %s: %s\n", s.argv[0], stage_names[stage], strerror(code));
    return code == ENOENT ? 127 : 126;
  }
  if (status_fd >= 0) dprintf(status_fd, "ok %d\n", (int)exec_child), close(status_fd);
  int wstatus = 0;
  if (tty) {
    if (isatty(0) && tcgetattr(0, &saved_tty) == 0) {
      struct termios raw = saved_tty;
      cfmakeraw(&raw);
      if (tcsetattr(0, TCSAFLUSH, &raw) == 0) tty_raw = 1, atexit(restore_tty);
    }
    wstatus = relay_tty(master);
  } else if (relaying) {
    signal(SIGPIPE, SIG_IGN); /* the program may close its stdin: a write error, not our death */
    wstatus = relay_pipes(relay[0][1], relay[1][0], relay[2][0]);
  } else {
    while (waitpid(exec_child, &wstatus, 0) < 0)
      if (errno != EINTR) die("waitpid");
  }
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

/* ---- pause: the pod sandbox's process (containerd's CRI keeps one per pod) ---- */

static volatile sig_atomic_t pause_done;
static void pause_stop(int sig) { (void)sig; pause_done = 1; }

/* Sleeps until SIGTERM or SIGINT, then exits 0: what the pause image does, without an image. */
static int cmd_pause(void) {
  struct sigaction sa = { .sa_handler = pause_stop };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  while (!pause_done) pause();
  return 0;
}

/* ---- resize PTS ROWS COLS: a terminal's window size, set on its slave side ---- */

static int cmd_resize(const char *pts, const char *rows, const char *cols) {
  if (strncmp(pts, "/dev/pts/", 9) != 0) {
    fprintf(stderr, "hostpod-shim: resize: %s is not a /dev/pts terminal\n", pts);
    return 2;
  }
  struct winsize ws = { .ws_row = (unsigned short)parse_num(rows, "rows"), .ws_col = (unsigned short)parse_num(cols, "cols") };
  int fd = open(pts, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 || ioctl(fd, TIOCSWINSZ, &ws) < 0) {
    fprintf(stderr, "hostpod-shim: resize %s: %s\n", pts, strerror(errno));
    return 1;
  }
  close(fd);
  return 0;
}

/* ---- containerd-start SOCKET: the fast path of `containerd-shim-hostpod-v1 start` ----
 * When the namespace's shim server already answers on SOCKET, containerd's `start` needs only
 * its address: written to ./address (the bundle is the cwd; temp + rename, as runc does) and
 * printed, with nothing on stderr. Exit 3, silently, when nobody answers: the launcher then
 * runs the Node.js `start`, which starts the server. Saves a Node.js start-up per container. */
#include <sys/socket.h>
#include <sys/un.h>

static int answers(const struct sockaddr_un *sa) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  int ok = connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0;
  close(fd);
  return ok;
}

static int cmd_containerd_start(const char *socket_path) {
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen(socket_path) >= sizeof sa.sun_path) return 3;
  strcpy(sa.sun_path, socket_path);
  /* While another start is bringing the server up (SOCKET.starting exists), wait for it (at
   * most 10 s) rather than start Node.js again: 20 pods created at once start one server. */
  char lock[PATH_MAX];
  snprintf(lock, sizeof lock, "%s.starting", socket_path);
  for (int i = 0; !answers(&sa); i++) {
    struct stat st;
    if (i >= 500 || stat(lock, &st) < 0) return 3;
    usleep(20000);
  }
  char address[sizeof sa.sun_path + 16];
  int n = snprintf(address, sizeof address, "unix://%s", socket_path);
  int out = open(".address", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) return 3;
  int ok = write(out, address, (size_t)n) == n;
  close(out);
  if (!ok || rename(".address", "address") < 0) {
    unlink(".address");
    return 3;
  }
  return write(1, address, (size_t)n) == n ? 0 : 3;
}

/* ---- fs: safe path operations for hostpod (see "safe paths" above) ---- */

/* hostpod-shim fs mkdir [--beneath] [--mode OCTAL] [--owner UID:GID] BASE REL
 *   Makes the missing directories of REL under BASE (symlinks resolved in BASE as the root, or
 *   with --beneath never past it, and nothing made through a link), chowning what it makes;
 *   prints "ok dir|file RESOLVED-PATH" (an existing last component may be a file).
 * hostpod-shim fs rm BASE NAME
 *   Removes BASE/NAME and everything below, never following a symlink nor crossing a mount.
 * Errors: "error ERRNO MESSAGE" on stdout, exit 1. BASE is trusted (hostpod's own). */
static int cmd_fs(int argc, char **argv) {
  umask(0); /* the modes asked for are the modes made */
  const char *op = argc > 0 ? argv[0] : "";
  struct safe_opts o = { RES_IN_ROOT, LAST_DIR, 0755, 0644, 0, 0, 0 };
  const char *pos[2];
  int npos = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--beneath")) o.mode = RES_BENEATH;
    else if (!strcmp(argv[i], "--mode") && i + 1 < argc) o.dir_mode = (mode_t)strtol(argv[++i], NULL, 8) & 07777;
    else if (!strcmp(argv[i], "--owner") && i + 1 < argc) {
      unsigned long u, g;
      if (sscanf(argv[++i], "%lu:%lu", &u, &g) != 2) return dprintf(1, "error %d bad --owner\n", EINVAL), 1;
      o.chown = 1, o.uid = (uid_t)u, o.gid = (gid_t)g;
    } else if (npos < 2) pos[npos++] = argv[i];
    else npos = 3;
  }
  if (npos != 2 || (strcmp(op, "mkdir") && strcmp(op, "rm"))) {
    fprintf(stderr, "usage: hostpod-shim fs mkdir [--beneath] [--mode OCTAL] [--owner UID:GID] BASE REL | fs rm BASE NAME\n");
    return 125;
  }
  int base = open(pos[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (base < 0) return dprintf(1, "error %d %s\n", errno, strerror(errno)), 1;
  if (!strcmp(op, "rm")) {
    struct stat st;
    if (strchr(pos[1], '/') || !strcmp(pos[1], "..") || !strcmp(pos[1], ".") || !*pos[1])
      return dprintf(1, "error %d NAME must be one path component\n", EINVAL), 1;
    if (fstat(base, &st) < 0 || safe_remove(base, pos[1], st.st_dev, 0) < 0)
      return dprintf(1, "error %d %s\n", errno, strerror(errno)), 1;
    dprintf(1, "ok\n");
    return 0;
  }
  struct safe_result r;
  if (safe_resolve(base, pos[1], &o, &r) < 0) return dprintf(1, "error %d %s\n", errno, strerror(errno)), 1;
  struct stat st;
  char link[64], path[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", r.fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n < 0 || fstat(r.fd, &st) < 0) return dprintf(1, "error %d %s\n", errno, strerror(errno)), 1;
  path[n] = '\0';
  dprintf(1, "ok %s %s\n", S_ISDIR(st.st_mode) ? "dir" : "file", path);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "containerd-start")) return cmd_containerd_start(argv[2]);
  if (argc == 2 && !strcmp(argv[1], "pause")) return cmd_pause();
  if (argc == 5 && !strcmp(argv[1], "resize")) return cmd_resize(argv[2], argv[3], argv[4]);
  if (argc == 3 && !strcmp(argv[1], "start")) return cmd_start(argv[2]);
  if (argc == 2 && !strcmp(argv[1], "serve")) return cmd_serve(argv[1]);
  if (argc >= 3 && !strcmp(argv[1], "exec")) return cmd_exec(argc - 2, argv + 2);
  if (argc >= 3 && !strcmp(argv[1], "fs")) return cmd_fs(argc - 2, argv + 2);
  fprintf(stderr, "usage: hostpod-shim start DIR | hostpod-shim serve | hostpod-shim exec [--tty] [--status-fd N] SPECFILE"
                  " | hostpod-shim fs mkdir|rm ...\n");
  return 125;
}
