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
#include <sys/wait.h>
#include <sys/syscall.h>
#include <linux/close_range.h>
#include <dirent.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define LOG_CHUNK 16384
#define MAX_PIDS 65536

/* Stages a launch can fail at; the TypeScript side maps the names to messages. */
enum stage { ST_CGROUP = 1, ST_SETNS, ST_UNSHARE, ST_PROPAGATION, ST_BIND, ST_SYMLINK,
             ST_SETGROUPS, ST_SETGID, ST_SETUID, ST_CHDIR, ST_EXEC, ST_FORK, ST_PIPE, ST_LOG };
static const char *stage_names[] = { "", "cgroup", "setns", "unshare", "propagation", "bind",
                                     "symlink", "setgroups", "setgid", "setuid", "chdir", "exec",
                                     "fork", "pipe", "log" };

struct bind { const char *src, *dst; int ro; };
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
  pid_t ns_pid;
  long long log_max; /* rotate the log before a record would take it past this many bytes (0: never) */
  int log_files;     /* files kept, the current one included (container.log, .1 … .N-1) */
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
    int want = !strcmp(k, "bind") ? 3 : !strcmp(k, "symlink") ? 2 : 1;
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
      s->binds[s->nbinds++] = (struct bind){ v[1], v[2], !strcmp(v[0], "ro") };
    else if (!strcmp(k, "symlink")) s->links[s->nlinks++] = (struct link){ v[0], v[1] };
    else if (!strcmp(k, "log")) s->log_path = v[0];
    else if (!strcmp(k, "grace")) s->grace_ms = (int)parse_num(v[0], k);
    else if (!strcmp(k, "nsfrom")) s->ns_pid = (pid_t)parse_num(v[0], k);
    else if (!strcmp(k, "logmax")) s->log_max = parse_num(v[0], k);
    else if (!strcmp(k, "logfiles")) s->log_files = (int)parse_num(v[0], k);
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

static void fail_stage(int status_fd, int stage) {
  int msg[2] = { stage, errno };
  ssize_t ignored = write(status_fd, msg, sizeof msg);
  (void)ignored;
  _exit(127);
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
  if (ns_fd >= 0) {
    if (setns(ns_fd, CLONE_NEWNS) < 0) fail_stage(status_fd, ST_SETNS);
  } else if (s->private_ns) {
    if (unshare(CLONE_NEWNS) < 0) fail_stage(status_fd, ST_UNSHARE);
    /* Host mounts keep propagating in; ours do not leak out. */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) fail_stage(status_fd, ST_PROPAGATION);
    for (int i = 0; i < s->nbinds; i++) {
      const struct bind *b = &s->binds[i];
      if (make_mount_point(b->src, b->dst) < 0) fail_stage(status_fd, ST_BIND);
      if (mount(b->src, b->dst, NULL, MS_BIND | MS_REC, NULL) < 0) fail_stage(status_fd, ST_BIND);
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
  if (s->cwd && chdir(s->cwd) < 0) fail_stage(status_fd, ST_CHDIR);
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

struct stream {
  int fd;
  const char *name;
  char buf[LOG_CHUNK];
  size_t len;
};

static int log_fd = -1;
static long long log_size;   /* bytes in the current log file */
static int rotate_broken;    /* a rotation failed: keep appending until the next reopen */

/* Opens the log path (appending) as log_fd and learns its size. Returns -1 with errno set. */
static int open_log(void) {
  int fd = open(job->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return -1;
  struct stat st;
  log_size = fstat(fd, &st) == 0 ? (long long)st.st_size : 0;
  rotate_broken = 0;
  if (log_fd < 0) log_fd = fd;
  else dup3(fd, log_fd, O_CLOEXEC), close(fd);
  return 0;
}

/* Size-based rotation, as the kubelet does it: PATH.(N-2) → PATH.(N-1) (the oldest replaced),
 * …, PATH → PATH.1, then a fresh PATH. Whole records only: the caller rotates between them.
 * A reader that holds the old file open reads it to its end, then finds the next file by
 * name; the shift goes oldest first, so at every moment the names are in order. */
static void rotate_log(void) {
  char from[PATH_MAX], to[PATH_MAX];
  for (int k = job->log_files - 1; k >= 1; k--) {
    if (k == 1) snprintf(from, sizeof from, "%s", job->log_path);
    else snprintf(from, sizeof from, "%s.%d", job->log_path, k - 1);
    snprintf(to, sizeof to, "%s.%d", job->log_path, k);
    /* A missing older file is normal (fewer rotations so far); the current one must move. */
    if (rename(from, to) < 0 && k == 1) {
      rotate_broken = 1; /* go on appending to it rather than lose output */
      return;
    }
  }
  if (open_log() < 0) rotate_broken = 1; /* keep writing to the renamed file rather than lose output */
}

static void log_line(const struct stream *st, char tag, const char *data, size_t n) {
  if (log_fd < 0) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  char head[80];
  format_time(head, sizeof head, &ts);
  size_t hl = strlen(head);
  hl += (size_t)snprintf(head + hl, sizeof head - hl, " %s %c ", st->name, tag);
  char *line = malloc(hl + n + 1);
  if (!line) return;
  memcpy(line, head, hl);
  memcpy(line + hl, data, n);
  line[hl + n] = '\n';
  long long rec = (long long)(hl + n + 1);
  if (job->log_max > 0 && !rotate_broken && log_size > 0 && log_size + rec > job->log_max) rotate_log();
  log_size += rec;
  /* One write per line: with O_APPEND, readers never see half a record. */
  size_t off = 0;
  while (off < hl + n + 1) {
    ssize_t w = write(log_fd, line + off, hl + n + 1 - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += (size_t)w;
  }
  free(line);
}

/* Reads what is available; returns 0 at EOF (stream closed). */
static int pump(struct stream *st) {
  ssize_t r;
  do r = read(st->fd, st->buf + st->len, sizeof st->buf - st->len); while (r < 0 && errno == EINTR);
  if (r <= 0) {
    if (r < 0 && errno == EAGAIN) return 1;
    if (st->len) log_line(st, 'F', st->buf, st->len);
    st->len = 0;
    close(st->fd);
    st->fd = -1;
    return 0;
  }
  st->len += (size_t)r;
  size_t start = 0;
  for (size_t i = 0; i < st->len; i++)
    if (st->buf[i] == '\n') log_line(st, 'F', st->buf + start, i - start), start = i + 1;
  memmove(st->buf, st->buf + start, st->len - start);
  st->len -= start;
  if (st->len == sizeof st->buf) log_line(st, 'P', st->buf, st->len), st->len = 0;
  return 1;
}

/* ---- start ---- */

/* temp + rename: a reader sees the whole file or none. No fsync: these files describe live
 * processes, which a machine crash ends anyway; a crash of hostpod keeps the page cache. */
static void write_file_atomic(const char *dir, const char *name, const char *content) {
  char tmp[PATH_MAX], dst[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
  snprintf(dst, sizeof dst, "%s/%s", dir, name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t w = write(fd, content, strlen(content));
  int ok = w == (ssize_t)strlen(content);
  close(fd);
  if (ok) rename(tmp, dst);
  else unlink(tmp);
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
  if (!stage && (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0))
    stage = ST_PIPE, code = errno;
  pid_t init = -1;
  if (!stage && (init = fork()) < 0) stage = ST_FORK, code = errno;
  if (init == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) fail_stage(status[1], ST_PIPE);
    if (null > 2) close(null);
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
    return 1;
  }
  clock_gettime(CLOCK_REALTIME, &started);
  char text[128], when[64];
  snprintf(text, sizeof text, "%d\n", (int)getpid());
  write_file_atomic(dir, "shim.pid", text);
  format_time(when, sizeof when, &started);
  snprintf(text, sizeof text, "%d %s\n", (int)init, when);
  write_file_atomic(dir, "init.pid", text);
  report("ok %d %d %s\n", (int)getpid(), (int)init, when);
  int null = open("/dev/null", O_RDWR);
  if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) die("/dev/null");
  if (null > 2) close(null);

  static struct stream streams[2];
  streams[0] = (struct stream){ .fd = out[0], .name = "stdout" };
  streams[1] = (struct stream){ .fd = err[0], .name = "stderr" };
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
  for (int i = 0; i < 2; i++)
    if (streams[i].fd >= 0 && streams[i].len) log_line(&streams[i], 'F', streams[i].buf, streams[i].len);

  int exit_code = WIFEXITED(init_status) ? WEXITSTATUS(init_status) : 128 + WTERMSIG(init_status);
  int signo = WIFSIGNALED(init_status) ? WTERMSIG(init_status) : 0;
  char fin[64], record[512];
  format_time(fin, sizeof fin, &finished);
  snprintf(record, sizeof record,
           "{\"exitCode\":%d,\"signal\":%d,\"startedAt\":\"%s\",\"finishedAt\":\"%s\",\"killed\":%s,"
           "\"initPid\":%d,\"shimPid\":%d}\n",
           exit_code, signo, when, fin, killed ? "true" : "false", (int)init, (int)getpid());
  write_file_atomic(dir, "exit", record);
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
 * with the option string overlay.ts builds. CWD, when not empty, is where relative dirs are
 * resolved (the server moves there for the call, as mount(8) is run there). */
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
  int err = mount("overlay", target, "overlay", 0, options) < 0 ? errno : 0;
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
static struct termios saved_tty;
static int tty_raw = 0;

static void forward(int sig) {
  if (exec_child > 0) kill(exec_child, sig);
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
  if (!stage && tty) {
    copy_winsize(master);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGWINCH);
    sigprocmask(SIG_BLOCK, &set, NULL);
  }
  if (!stage && (exec_child = fork()) < 0) stage = ST_FORK, code = errno;
  if (!stage && exec_child == 0) {
    if (tty) {
      int fd;
      if (setsid() < 0 || (fd = open(slave, O_RDWR)) < 0 || ioctl(fd, TIOCSCTTY, 0) < 0 ||
          dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
        fail_stage(status[1], ST_PIPE);
      if (fd > 2) close(fd);
    }
    child_exec(&s, status[1], ns_fd);
  }
  if (!stage) {
    close(status[1]);
    if (read_status(status[0], &stage, &code) < 0) waitpid(exec_child, NULL, 0);
    close(status[0]);
  }
  if (stage) {
    if (status_fd >= 0) dprintf(status_fd, "error %s %d\n", stage_names[stage], code);
    fprintf(stderr, "hostpod-shim: exec %s failed at %s: %s\n", s.argv[0], stage_names[stage], strerror(code));
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
  } else {
    while (waitpid(exec_child, &wstatus, 0) < 0)
      if (errno != EINTR) die("waitpid");
  }
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "start")) return cmd_start(argv[2]);
  if (argc == 2 && !strcmp(argv[1], "serve")) return cmd_serve(argv[1]);
  if (argc >= 3 && !strcmp(argv[1], "exec")) return cmd_exec(argc - 2, argv + 2);
  fprintf(stderr, "usage: hostpod-shim start DIR | hostpod-shim serve | hostpod-shim exec [--tty] [--status-fd N] SPECFILE\n");
  return 125;
}
