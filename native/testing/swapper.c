/*
 * swapper SECONDS A B — the attacker of the safe-path tests: swaps the names A and B
 * (renameat2 RENAME_EXCHANGE: atomic, so a directory and a symlink trade places) as fast as it
 * can for SECONDS seconds, then prints how many swaps it made. A path operation that follows
 * whatever stands at A at the wrong moment goes through the symlink.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: swapper SECONDS A B\n");
    return 2;
  }
  double seconds = atof(argv[1]);
  struct timespec t0, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long swaps = 0, failed = 0;
  do {
    if (syscall(SYS_renameat2, AT_FDCWD, argv[2], AT_FDCWD, argv[3], RENAME_EXCHANGE) == 0) swaps++;
    else failed++;
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
  printf("swapped %ld failed %ld\n", swaps, failed);
  return 0;
}
