/* winfixture.exe — a Windows test program for hostpod-shim.exe's tests (run under Wine).
 *   exit N                 exits with code N
 *   print N                writes N numbered lines to stdout, "err" to stderr, then a last "tail" without newline
 *   long N                 writes one N-byte line of 'x' to stdout
 *   spawn PIDFILE          starts "winfixture sleep 600" (a grandchild), writes its pid to PIDFILE, sleeps
 *   sleep S                sleeps S seconds
 *   trap CODE MARKFILE     writes MARKFILE.ready once its handler is in place; on CTRL_SHUTDOWN
 *                          writes MARKFILE and exits with CODE; else sleeps
 *   ignore [READYFILE]     ignores CTRL_SHUTDOWN (returns TRUE from the handler) and sleeps;
 *                          writes READYFILE once the handler is in place
 *   spawn-exit             starts "winfixture ignore" and exits 3 at once
 *   alive PID              exits 0 while process PID runs, 1 when it has ended or is unknown
 *   kill PID               TerminateProcess(PID, 9); exits 0 when done */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int code;
static const char *mark;

static BOOL WINAPI on_trap(DWORD ev) {
  if (ev != CTRL_SHUTDOWN_EVENT) return FALSE;
  HANDLE h = CreateFileA(mark, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
  if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
  ExitProcess((UINT)code);
}

static BOOL WINAPI on_ignore(DWORD ev) {
  (void)ev;
  return TRUE;
}

static DWORD spawn_self(const char *args) {
  char self[MAX_PATH], cl[MAX_PATH * 2];
  GetModuleFileNameA(NULL, self, MAX_PATH);
  snprintf(cl, sizeof cl, "\"%s\" %s", self, args);
  STARTUPINFOA si = { .cb = sizeof si };
  PROCESS_INFORMATION pi;
  if (!CreateProcessA(self, cl, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) return 0;
  CloseHandle(pi.hThread), CloseHandle(pi.hProcess);
  return pi.dwProcessId;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *m = argv[1];
  if (!strcmp(m, "exit") && argc == 3) return atoi(argv[2]);
  if (!strcmp(m, "print") && argc == 3) {
    for (int i = 0; i < atoi(argv[2]); i++) printf("line %d\n", i);
    fflush(stdout);
    fputs("err\n", stderr);
    fflush(stderr);
    fputs("tail", stdout);
    fflush(stdout);
    return 0;
  }
  if (!strcmp(m, "long") && argc == 3) {
    int n = atoi(argv[2]);
    char *b = malloc((size_t)n + 1);
    memset(b, 'x', (size_t)n);
    b[n] = '\n';
    fwrite(b, 1, (size_t)n + 1, stdout);
    fflush(stdout);
    return 0;
  }
  if (!strcmp(m, "spawn") && argc == 3) {
    DWORD pid = spawn_self("sleep 600");
    FILE *f = fopen(argv[2], "w");
    if (!f || !pid) return 4;
    fprintf(f, "%lu\n", (unsigned long)pid);
    fclose(f);
    Sleep(600000);
    return 0;
  }
  if (!strcmp(m, "spawn-exit")) {
    if (!spawn_self("ignore")) return 4;
    Sleep(300);
    return 3;
  }
  if (!strcmp(m, "sleep") && argc == 3) {
    Sleep((DWORD)atoi(argv[2]) * 1000);
    return 0;
  }
  if (!strcmp(m, "trap") && argc == 4) {
    code = atoi(argv[2]);
    mark = argv[3];
    SetConsoleCtrlHandler(on_trap, TRUE);
    char ready[MAX_PATH];
    snprintf(ready, sizeof ready, "%s.ready", mark);
    HANDLE h = CreateFileA(ready, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
    Sleep(600000);
    return 0;
  }
  if (!strcmp(m, "alive") && argc == 3) {
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)atoi(argv[2]));
    DWORD c = 0;
    return h && GetExitCodeProcess(h, &c) && c == STILL_ACTIVE ? 0 : 1;
  }
  if (!strcmp(m, "kill") && argc == 3) {
    HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, (DWORD)atoi(argv[2]));
    return h && TerminateProcess(h, 9) ? 0 : 1;
  }
  if (!strcmp(m, "ignore")) {
    SetConsoleCtrlHandler(on_ignore, TRUE);
    if (argc == 3) {
      HANDLE h = CreateFileA(argv[2], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
      if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
    }
    Sleep(600000);
    return 0;
  }
  return 2;
}
