/* Benchmark fixture: writes output as fast as it can, for the log-throughput benchmark.
 *   logwriter SECONDS LINE_BYTES [REPORT_FILE]
 * Writes lines of LINE_BYTES bytes (newline included; 0: no newline at all, one endless partial
 * line) to stdout in 64 KiB write()s for SECONDS seconds (checked every 64 writes), then writes
 * "wrote N" (the bytes written) to REPORT_FILE, or to stderr, and exits 0. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: logwriter SECONDS LINE_BYTES [REPORT_FILE]\n");
    return 2;
  }
  double seconds = atof(argv[1]);
  long line = atol(argv[2]);
  if (seconds <= 0 || line < 0 || line > CHUNK) {
    fprintf(stderr, "logwriter: bad arguments\n");
    return 2;
  }
  /* A buffer of whole lines (or plain bytes): CHUNK rounded down to a multiple of the line. */
  static char buf[CHUNK];
  size_t size = line > 0 ? (size_t)(CHUNK / line * line) : CHUNK;
  for (size_t i = 0; i < size; i++) buf[i] = (char)('a' + i % 26);
  if (line > 0)
    for (size_t i = (size_t)line - 1; i < size; i += (size_t)line) buf[i] = '\n';
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long long total = 0;
  for (long n = 0;; n++) {
    if (n % 64 == 0) {
      clock_gettime(CLOCK_MONOTONIC, &t);
      if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 >= seconds) break;
    }
    for (size_t off = 0; off < size;) {
      ssize_t w = write(1, buf + off, size - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        perror("logwriter: write");
        return 1;
      }
      off += (size_t)w;
    }
    total += (long long)size;
  }
  FILE *report = argc == 4 ? fopen(argv[3], "w") : stderr;
  if (!report) {
    perror("logwriter: report file");
    return 1;
  }
  fprintf(report, "wrote %lld\n", total);
  return fclose(report) == 0 ? 0 : 1;
}
