/* hostpod-shim.exe — the Windows per-container helper (see README.md, "hostpod-shim.exe").
 *
 * `hostpod-shim.exe start DIR` reads DIR\spec, creates (or opens) the container's named job
 * object, sets its limits from our own copy of each struct (never query-modify-set: Wine returns
 * zeros and a round trip drops KILL_ON_JOB_CLOSE), creates the first process inside the job,
 * copies its stdout/stderr into the CRI log, and writes DIR\exit when it ends. It holds the job
 * handle for the container's life: KILL_ON_JOB_CLOSE ends every process of the job if the shim
 * dies. Built with mingw-w64, Win32 API only. */
#define WIN32_LEAN_AND_MEAN
#define _WIN32_WINNT 0x0A00
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define LOG_CHUNK 16384 /* longest record text: a longer line is logged as P pieces, as containerd does */
#define READ_SIZE 65536
#define DEFAULT_GRACE_MS 5000 /* hcsshim's Shutdown deadline after the first process exits */
#define MSG_ACTIVE_PROCESS_ZERO 4
#define MSG_JOB_MEMORY_LIMIT 10
#ifndef PROC_THREAD_ATTRIBUTE_JOB_LIST
#define PROC_THREAD_ATTRIBUTE_JOB_LIST 0x2000D
#endif

struct spec {
  wchar_t *job, *app, *cmdline, *cwd, *log;
  wchar_t *env;    /* UTF-16 block, NUL-separated, double-NUL-ended; NULL: inherit ours */
  size_t env_len;  /* in wchar_t */
  DWORD grace_ms;
  ULONGLONG memory; /* JobMemoryLimit in bytes; 0: none */
  DWORD cpu_rate;   /* 1..10000, hard cap; 0: none */
  DWORD cpu_weight; /* 1..9; 0: none */
};

static wchar_t dir[MAX_PATH];
static HANDLE job, port, log_file = INVALID_HANDLE_VALUE;
static CRITICAL_SECTION log_lock;
static volatile LONG oom_killed;
static HANDLE job_empty; /* set on JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO */

/* ---- small helpers ---- */

static wchar_t *widen(const char *s) {
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
  if (n <= 0) return NULL;
  wchar_t *w = malloc((size_t)n * sizeof *w);
  if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) free(w), w = NULL;
  return w;
}

static void path_in_dir(wchar_t *out, size_t size, const wchar_t *name) {
  _snwprintf(out, size, L"%ls\\%ls", dir, name);
  out[size - 1] = 0;
}

/* RFC 3339 UTC with 9 fractional digits (FILETIME has 100 ns steps: the last two are 0). */
static void format_time(const FILETIME *ft, char *out, size_t size) {
  SYSTEMTIME st;
  FileTimeToSystemTime(ft, &st);
  ULARGE_INTEGER u = { .LowPart = ft->dwLowDateTime, .HighPart = ft->dwHighDateTime };
  snprintf(out, size, "%04u-%02u-%02uT%02u:%02u:%02u.%07lluZ", st.wYear, st.wMonth, st.wDay, st.wHour,
           st.wMinute, st.wSecond, u.QuadPart % 10000000ULL);
  size_t len = strlen(out); /* two more digits before the Z */
  if (len + 3 <= size) memmove(out + len + 1, out + len - 1, 2), out[len - 1] = '0', out[len] = '0';
}

static void now_text(char *out, size_t size) {
  FILETIME ft;
  GetSystemTimePreciseAsFileTime(&ft);
  format_time(&ft, out, size);
}

/* temp + rename: a reader sees the whole file or none. `tmp`, when not INVALID, is the temp file
 * made at start (so the exit record needs no new allocation when the disk is full). */
static int write_file_atomic(const wchar_t *name, const char *content, HANDLE tmp) {
  wchar_t tmp_path[MAX_PATH], path[MAX_PATH], tmp_name[MAX_PATH];
  _snwprintf(tmp_name, MAX_PATH, L".%ls.tmp", name);
  path_in_dir(tmp_path, MAX_PATH, tmp_name);
  path_in_dir(path, MAX_PATH, name);
  if (tmp == INVALID_HANDLE_VALUE)
    tmp = CreateFileW(tmp_path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  if (tmp == INVALID_HANDLE_VALUE) return -1;
  DWORD len = (DWORD)strlen(content), written = 0;
  LARGE_INTEGER zero = { 0 };
  BOOL ok = SetFilePointerEx(tmp, zero, NULL, FILE_BEGIN) && WriteFile(tmp, content, len, &written, NULL) &&
            written == len && SetEndOfFile(tmp);
  CloseHandle(tmp);
  if (ok && MoveFileExW(tmp_path, path, MOVEFILE_REPLACE_EXISTING)) return 0;
  DeleteFileW(tmp_path);
  return -1;
}

static HANDLE make_reserved(const wchar_t *name, DWORD size) {
  wchar_t path[MAX_PATH];
  char fill[512];
  path_in_dir(path, MAX_PATH, name);
  HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE) return h;
  memset(fill, ' ', size);
  fill[size - 1] = '\n';
  DWORD written = 0;
  if (!WriteFile(h, fill, size, &written, NULL) || written != size) {
    CloseHandle(h);
    DeleteFileW(path);
    return INVALID_HANDLE_VALUE;
  }
  return h;
}

/* ---- spec ---- */

/* DIR\spec: NUL-terminated UTF-8 tokens, a key then its value (src/runtime/task/windows/launch-spec.ts). */
static int read_spec(struct spec *s) {
  wchar_t path[MAX_PATH];
  path_in_dir(path, MAX_PATH, L"spec");
  HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
  if (h == INVALID_HANDLE_VALUE) return -1;
  LARGE_INTEGER size;
  if (!GetFileSizeEx(h, &size) || size.QuadPart > (1 << 24)) return CloseHandle(h), SetLastError(ERROR_INVALID_DATA), -1;
  char *buf = malloc((size_t)size.QuadPart + 1);
  DWORD got = 0;
  if (!buf || !ReadFile(h, buf, (DWORD)size.QuadPart, &got, NULL) || got != size.QuadPart) return CloseHandle(h), -1;
  CloseHandle(h);
  buf[got] = 0;
  memset(s, 0, sizeof *s);
  s->grace_ms = DEFAULT_GRACE_MS;
  size_t env_cap = 0;
  for (char *p = buf; p < buf + got;) {
    char *key = p;
    p += strlen(p) + 1;
    if (p >= buf + got) return SetLastError(ERROR_INVALID_DATA), -1; /* a key without its value */
    char *val = p;
    p += strlen(p) + 1;
    wchar_t *w = widen(val);
    if (!w) return SetLastError(ERROR_NO_UNICODE_TRANSLATION), -1;
    if (!strcmp(key, "job")) s->job = w;
    else if (!strcmp(key, "app")) s->app = w;
    else if (!strcmp(key, "cmdline")) s->cmdline = w;
    else if (!strcmp(key, "cwd")) s->cwd = w;
    else if (!strcmp(key, "log")) s->log = w;
    else if (!strcmp(key, "grace")) s->grace_ms = (DWORD)strtoul(val, NULL, 10);
    else if (!strcmp(key, "memory")) s->memory = strtoull(val, NULL, 10);
    else if (!strcmp(key, "cpurate")) s->cpu_rate = (DWORD)strtoul(val, NULL, 10);
    else if (!strcmp(key, "cpuweight")) s->cpu_weight = (DWORD)strtoul(val, NULL, 10);
    else if (!strcmp(key, "env")) {
      size_t n = wcslen(w) + 1;
      if (s->env_len + n + 1 > env_cap) {
        env_cap = (s->env_len + n + 1) * 2;
        s->env = realloc(s->env, env_cap * sizeof *s->env);
        if (!s->env) return -1;
      }
      memcpy(s->env + s->env_len, w, n * sizeof *w);
      s->env_len += n;
      s->env[s->env_len] = 0;
      free(w);
    } else return SetLastError(ERROR_INVALID_DATA), -1;
  }
  if (!s->job || !s->cmdline || s->cpu_rate > 10000 || s->cpu_weight > 9 || (s->cpu_rate && s->cpu_weight))
    return SetLastError(ERROR_INVALID_DATA), -1;
  if (s->env && s->env_len == 0) s->env[1] = 0;
  return 0;
}

/* ---- the job ---- */

/* Pids of the job's processes into `out` (at most `cap`); returns the count, -1 on failure. */
static int job_pids(DWORD *out, int cap) {
  static union {
    JOBOBJECT_BASIC_PROCESS_ID_LIST list;
    char raw[sizeof(JOBOBJECT_BASIC_PROCESS_ID_LIST) + 1023 * sizeof(ULONG_PTR)];
  } buf;
  memset(&buf, 0, sizeof buf);
  if (!QueryInformationJobObject(job, JobObjectBasicProcessIdList, &buf, sizeof buf, NULL) &&
      GetLastError() != ERROR_MORE_DATA)
    return -1;
  int n = (int)buf.list.NumberOfProcessIdsInList;
  if (n > cap) n = cap;
  for (int i = 0; i < n; i++) out[i] = (DWORD)buf.list.ProcessIdList[i];
  return n;
}

static int set_limits(const struct spec *s) {
  /* Our own copy, whole: KILL_ON_JOB_CLOSE ends the container if the shim dies. */
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext;
  memset(&ext, 0, sizeof ext);
  ext.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (s->memory) {
    ext.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_JOB_MEMORY;
    ext.JobMemoryLimit = (SIZE_T)s->memory;
  }
  if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &ext, sizeof ext)) return -1;
  if (s->cpu_rate || s->cpu_weight) {
    JOBOBJECT_CPU_RATE_CONTROL_INFORMATION cpu;
    memset(&cpu, 0, sizeof cpu);
    if (s->cpu_rate) {
      cpu.ControlFlags = JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP;
      cpu.CpuRate = s->cpu_rate;
    } else {
      cpu.ControlFlags = JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED;
      cpu.Weight = s->cpu_weight;
    }
    if (!SetInformationJobObject(job, JobObjectCpuRateControlInformation, &cpu, sizeof cpu)) return -2;
  }
  return 0;
}

/* Completion-port messages: OOM (commit refused at the job's memory limit) and "job empty".
 * Delivery is not guaranteed, so emptiness is also polled. */
static DWORD WINAPI port_thread(LPVOID unused) {
  (void)unused;
  for (;;) {
    DWORD msg = 0;
    ULONG_PTR key = 0;
    LPOVERLAPPED data = NULL;
    if (!GetQueuedCompletionStatus(port, &msg, &key, &data, INFINITE)) {
      if (data == NULL) return 0;
      continue;
    }
    if (msg == MSG_JOB_MEMORY_LIMIT) InterlockedExchange(&oom_killed, 1);
    else if (msg == MSG_ACTIVE_PROCESS_ZERO) SetEvent(job_empty);
  }
}

/* CTRL_SHUTDOWN_EVENT to one process, by running kernel32!CtrlRoutine in it as hcsshim does
 * (GenerateConsoleCtrlEvent only knows Ctrl-C/Break and needs a shared console). */
static void ctrl_shutdown(DWORD pid) {
  static LPTHREAD_START_ROUTINE routine;
  if (!routine) routine = (LPTHREAD_START_ROUTINE)(void *)GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "CtrlRoutine");
  if (!routine) return;
  HANDLE h = OpenProcess(PROCESS_CREATE_THREAD | PROCESS_QUERY_INFORMATION | PROCESS_VM_OPERATION |
                             PROCESS_VM_WRITE | PROCESS_VM_READ,
                         FALSE, pid);
  if (!h) return;
  HANDLE t = CreateRemoteThread(h, NULL, 0, routine, (LPVOID)(ULONG_PTR)CTRL_SHUTDOWN_EVENT, 0, NULL);
  if (t) CloseHandle(t);
  CloseHandle(h);
}

static void shutdown_all(void) {
  static DWORD pids[1024];
  int n = job_pids(pids, 1024);
  for (int i = 0; i < n; i++) ctrl_shutdown(pids[i]);
}

/* True once the job has no process, waiting at most `ms`. */
static int wait_job_empty(DWORD ms) {
  ULONGLONG deadline = GetTickCount64() + ms;
  DWORD pid;
  for (;;) {
    if (job_pids(&pid, 1) == 0) return 1;
    ULONGLONG now = GetTickCount64();
    if (now >= deadline) return 0;
    DWORD left = (DWORD)(deadline - now);
    WaitForSingleObject(job_empty, left < 100 ? left : 100);
  }
}

/* ---- the log ---- */

struct stream {
  HANDLE pipe;
  const char *name;
  char *buf; /* READ_SIZE + LOG_CHUNK: the start of an unfinished line, then the next read */
  size_t len;
};

static char *out_buf;
static size_t out_len, out_cap;

static void add_record(const char *head, size_t head_len, const char *text, size_t len) {
  size_t need = out_len + head_len + len + 1;
  if (need > out_cap) {
    out_cap = need * 2;
    out_buf = realloc(out_buf, out_cap);
    if (!out_buf) ExitProcess(3);
  }
  memcpy(out_buf + out_len, head, head_len), out_len += head_len;
  memcpy(out_buf + out_len, text, len), out_len += len;
  out_buf[out_len++] = '\n';
}

/* One read: the records of whole lines (and 16 KiB pieces) go out in one WriteFile under the lock. */
static DWORD WINAPI log_thread(LPVOID arg) {
  struct stream *st = arg;
  for (;;) {
    DWORD got = 0;
    BOOL ok = ReadFile(st->pipe, st->buf + st->len, READ_SIZE, &got, NULL);
    char now[48], head_f[80], head_p[80];
    now_text(now, sizeof now);
    size_t hl = (size_t)snprintf(head_f, sizeof head_f, "%s %s F ", now, st->name);
    snprintf(head_p, sizeof head_p, "%s %s P ", now, st->name);
    EnterCriticalSection(&log_lock);
    out_len = 0;
    size_t start = 0;
    if (!ok || got == 0) {
      if (st->len) add_record(head_f, hl, st->buf, st->len);
      st->len = 0;
    } else {
      size_t end = st->len + got;
      for (;;) {
        char *nl = memchr(st->buf + start, '\n', end - start);
        size_t stop = nl ? (size_t)(nl - st->buf) : end;
        while (stop - start >= LOG_CHUNK) add_record(head_p, hl, st->buf + start, LOG_CHUNK), start += LOG_CHUNK;
        if (!nl) break;
        /* "\r\n" ends a line as "\n" does (containerd reads lines with Go's bufio ReadLine). */
        size_t text_end = stop > start && st->buf[stop - 1] == '\r' ? stop - 1 : stop;
        add_record(head_f, hl, st->buf + start, text_end - start);
        start = stop + 1;
      }
      memmove(st->buf, st->buf + start, end - start);
      st->len = end - start;
    }
    DWORD written;
    if (out_len && log_file != INVALID_HANDLE_VALUE) WriteFile(log_file, out_buf, (DWORD)out_len, &written, NULL);
    LeaveCriticalSection(&log_lock);
    if (!ok || got == 0) {
      CloseHandle(st->pipe);
      return 0;
    }
  }
}

/* ---- start ---- */

static void report(const char *text) {
  write_file_atomic(L"started", text, INVALID_HANDLE_VALUE);
}

static int fail(const char *stage, DWORD code) {
  char text[128];
  snprintf(text, sizeof text, "error %s %lu\n", stage, (unsigned long)code);
  report(text);
  return 1;
}

static int start(void) {
  struct spec s;
  if (read_spec(&s) < 0) return fail("spec", GetLastError());
  InitializeCriticalSection(&log_lock);
  job_empty = CreateEventW(NULL, FALSE, FALSE, NULL);

  job = CreateJobObjectW(NULL, s.job);
  if (!job) return fail("job", GetLastError());
  /* A job that exists was made by hostpod (JobObjectGroupManager.create) with its limits and
   * KILL_ON_JOB_CLOSE: setting ours over them would drop what it set. */
  int made_here = GetLastError() != ERROR_ALREADY_EXISTS;
  if (!made_here) {
    DWORD pid;
    if (job_pids(&pid, 1) != 0) return fail("job", ERROR_ALREADY_EXISTS); /* a live container's job */
  }
  int lr = made_here ? set_limits(&s) : 0;
  if (lr == -1) return fail("memory", GetLastError());
  if (lr == -2) return fail("cpu", GetLastError());
  port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
  JOBOBJECT_ASSOCIATE_COMPLETION_PORT assoc = { .CompletionKey = job, .CompletionPort = port };
  if (!port || !SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &assoc, sizeof assoc))
    return fail("port", GetLastError());
  CloseHandle(CreateThread(NULL, 0, port_thread, NULL, 0, NULL));

  if (s.log) {
    log_file = CreateFileW(s.log, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (log_file == INVALID_HANDLE_VALUE) return fail("log", GetLastError());
  }
  HANDLE exit_tmp = make_reserved(L".exit.tmp", 512);

  /* stdin: NUL; stdout/stderr: pipes whose write ends only the child inherits. */
  SECURITY_ATTRIBUTES inherit = { sizeof inherit, NULL, TRUE };
  HANDLE out_r, out_w, err_r, err_w;
  HANDLE in = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit, OPEN_EXISTING, 0, NULL);
  if (in == INVALID_HANDLE_VALUE || !CreatePipe(&out_r, &out_w, &inherit, 0) || !CreatePipe(&err_r, &err_w, &inherit, 0))
    return fail("pipe", GetLastError());
  SetHandleInformation(out_r, HANDLE_FLAG_INHERIT, 0);
  SetHandleInformation(err_r, HANDLE_FLAG_INHERIT, 0);

  HANDLE handles[3] = { in, out_w, err_w };
  SIZE_T attr_size = 0;
  InitializeProcThreadAttributeList(NULL, 2, 0, &attr_size);
  LPPROC_THREAD_ATTRIBUTE_LIST attrs = malloc(attr_size);
  if (!attrs || !InitializeProcThreadAttributeList(attrs, 2, 0, &attr_size) ||
      !UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles, sizeof handles, NULL, NULL))
    return fail("attributes", GetLastError());
  int job_list = UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_JOB_LIST, &job, sizeof job, NULL, NULL);

  STARTUPINFOEXW si;
  memset(&si, 0, sizeof si);
  si.StartupInfo.cb = sizeof si;
  si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  si.StartupInfo.hStdInput = in;
  si.StartupInfo.hStdOutput = out_w;
  si.StartupInfo.hStdError = err_w;
  si.lpAttributeList = attrs;
  PROCESS_INFORMATION pi;
  DWORD flags = EXTENDED_STARTUPINFO_PRESENT | (s.env ? CREATE_UNICODE_ENVIRONMENT : 0);
  /* CreateProcessW may write into the command line. */
  size_t cl_len = wcslen(s.cmdline) + 1;
  wchar_t *cl = malloc(cl_len * sizeof *cl);
  memcpy(cl, s.cmdline, cl_len * sizeof *cl);
  const char *how = "joblist";
  BOOL created = job_list && CreateProcessW(s.app, cl, NULL, NULL, TRUE, flags, s.env, s.cwd, &si.StartupInfo, &pi);
  DWORD err = GetLastError();
  if (created) {
    /* Wine may take the attribute and not apply it: check, and fall back if the process is outside. */
    BOOL in_job = FALSE;
    if (!IsProcessInJob(pi.hProcess, job, &in_job) || !in_job) {
      if (!AssignProcessToJobObject(job, pi.hProcess)) {
        err = GetLastError();
        TerminateProcess(pi.hProcess, 1);
        return fail("assign", err);
      }
      how = "late-assign";
    }
  } else if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND || err == ERROR_DIRECTORY ||
             err == ERROR_ACCESS_DENIED || err == ERROR_BAD_EXE_FORMAT) {
    return fail("exec", err);
  } else {
    /* The attribute refused: start suspended, put it in the job, then let it run. */
    DeleteProcThreadAttributeList(attrs);
    InitializeProcThreadAttributeList(attrs, 2, 0, &attr_size);
    UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles, sizeof handles, NULL, NULL);
    memcpy(cl, s.cmdline, cl_len * sizeof *cl);
    if (!CreateProcessW(s.app, cl, NULL, NULL, TRUE, flags | CREATE_SUSPENDED, s.env, s.cwd, &si.StartupInfo, &pi))
      return fail("exec", GetLastError());
    if (!AssignProcessToJobObject(job, pi.hProcess)) {
      err = GetLastError();
      TerminateProcess(pi.hProcess, 1);
      return fail("assign", err);
    }
    ResumeThread(pi.hThread);
    how = "assign";
  }
  CloseHandle(pi.hThread);
  CloseHandle(in), CloseHandle(out_w), CloseHandle(err_w);

  FILETIME created_at, exited_at, kernel, user;
  GetProcessTimes(pi.hProcess, &created_at, &exited_at, &kernel, &user);
  char started[48], text[256];
  format_time(&created_at, started, sizeof started);
  FILETIME self_created;
  GetProcessTimes(GetCurrentProcess(), &self_created, &exited_at, &kernel, &user);
  ULARGE_INTEGER self_ct = { .LowPart = self_created.dwLowDateTime, .HighPart = self_created.dwHighDateTime };
  DWORD shim_pid = GetCurrentProcessId();
  snprintf(text, sizeof text, "%lu %llu\n", (unsigned long)shim_pid, self_ct.QuadPart);
  write_file_atomic(L"shim.pid", text, INVALID_HANDLE_VALUE);
  snprintf(text, sizeof text, "%lu %s\n", (unsigned long)pi.dwProcessId, started);
  write_file_atomic(L"init.pid", text, INVALID_HANDLE_VALUE);
  snprintf(text, sizeof text, "ok %lu %lu %s %s\n", (unsigned long)shim_pid, (unsigned long)pi.dwProcessId, started, how);
  report(text);

  struct stream out = { out_r, "stdout", malloc(READ_SIZE + LOG_CHUNK), 0 };
  struct stream errs = { err_r, "stderr", malloc(READ_SIZE + LOG_CHUNK), 0 };
  HANDLE readers[2] = { CreateThread(NULL, 0, log_thread, &out, 0, NULL), CreateThread(NULL, 0, log_thread, &errs, 0, NULL) };

  /* Until the first process exits: watch DIR for the stop file (the TS side's stop request). */
  wchar_t stop_path[MAX_PATH];
  path_in_dir(stop_path, MAX_PATH, L"stop");
  HANDLE change = FindFirstChangeNotificationW(dir, FALSE, FILE_NOTIFY_CHANGE_FILE_NAME);
  HANDLE waits[2] = { pi.hProcess, change };
  int stopping = 0, killed = 0;
  ULONGLONG deadline = 0;
  for (;;) {
    DWORD r = WaitForMultipleObjects(change == INVALID_HANDLE_VALUE ? 1 : 2, waits, FALSE, 200);
    if (r == WAIT_OBJECT_0) break;
    if (r == WAIT_OBJECT_0 + 1) FindNextChangeNotification(change);
    if (!stopping && GetFileAttributesW(stop_path) != INVALID_FILE_ATTRIBUTES) {
      /* The stop file holds the grace period in ms (empty: the spec's). */
      DWORD grace = s.grace_ms;
      HANDLE h = CreateFileW(stop_path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                             OPEN_EXISTING, 0, NULL);
      if (h != INVALID_HANDLE_VALUE) {
        char g[32] = { 0 };
        DWORD n = 0;
        if (ReadFile(h, g, sizeof g - 1, &n, NULL) && n > 0 && g[0] >= '0' && g[0] <= '9') grace = (DWORD)strtoul(g, NULL, 10);
        CloseHandle(h);
      }
      stopping = 1;
      deadline = GetTickCount64() + grace;
      shutdown_all();
    }
    if (stopping && !killed && GetTickCount64() >= deadline) {
      TerminateJobObject(job, 1);
      killed = 1;
    }
  }
  if (change != INVALID_HANDLE_VALUE) FindCloseChangeNotification(change);
  DWORD code = 0;
  GetExitCodeProcess(pi.hProcess, &code);
  GetProcessTimes(pi.hProcess, &created_at, &exited_at, &kernel, &user);
  char finished[48];
  format_time(&exited_at, finished, sizeof finished);

  /* The rest of the job: CTRL_SHUTDOWN, then TerminateJobObject(1) after the grace period. */
  if (!wait_job_empty(0)) {
    if (!stopping) shutdown_all();
    DWORD left = s.grace_ms;
    if (stopping) {
      ULONGLONG now = GetTickCount64();
      left = now >= deadline ? 0 : (DWORD)(deadline - now);
    }
    if (!wait_job_empty(left)) {
      TerminateJobObject(job, 1);
      killed = 1;
      wait_job_empty(2000);
    }
  }
  /* The pipes close with the last writer; 1 s more for them to drain (hcsshim's CopyAfterExitTimeout). */
  if (WaitForMultipleObjects(2, readers, TRUE, 1000) == WAIT_TIMEOUT) {
    CancelSynchronousIo(readers[0]);
    CancelSynchronousIo(readers[1]);
    WaitForMultipleObjects(2, readers, TRUE, 500);
  }
  Sleep(50); /* a JOB_MEMORY_LIMIT message queued just before the end */
  char record[512];
  snprintf(record, sizeof record,
           "{\"exitCode\":%lu,\"signal\":0,\"startedAt\":\"%s\",\"finishedAt\":\"%s\",\"killed\":%s,"
           "\"oomKilled\":%s,\"initPid\":%lu,\"shimPid\":%lu}",
           (unsigned long)code, started, finished, killed ? "true" : "false", oom_killed ? "true" : "false",
           (unsigned long)pi.dwProcessId, (unsigned long)shim_pid);
  EnterCriticalSection(&log_lock);
  if (log_file != INVALID_HANDLE_VALUE) CloseHandle(log_file), log_file = INVALID_HANDLE_VALUE;
  LeaveCriticalSection(&log_lock);
  write_file_atomic(L"exit", record, exit_tmp);
  return 0;
}

int wmain(int argc, wchar_t **argv) {
  if (argc == 3 && !wcscmp(argv[1], L"start")) {
    size_t n = wcslen(argv[2]);
    if (n == 0 || n >= MAX_PATH - 32) return 2;
    wcscpy(dir, argv[2]);
    while (n > 1 && (dir[n - 1] == L'\\' || dir[n - 1] == L'/')) dir[--n] = 0;
    return start();
  }
  fputs("usage: hostpod-shim.exe start DIR\n", stderr);
  return 2;
}
