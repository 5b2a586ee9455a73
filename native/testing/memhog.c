/* Test fixture: allocates and touches N MiB, prints "held N" on stdout, then sleeps until killed.
 * Used to prove that a memory limit is job-wide (two of these cannot both hold their memory). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: memhog MIB\n");
    return 2;
  }
  long mib = atol(argv[1]);
  for (long i = 0; i < mib; i++) {
    char *p = malloc(1 << 20);
    if (!p) {
      fprintf(stderr, "malloc failed at %ld MiB\n", i);
      return 1;
    }
    memset(p, 0x5a, 1 << 20);
  }
  printf("held %ld\n", mib);
  fflush(stdout);
  for (;;) pause();
}
