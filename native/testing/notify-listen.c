/* Test fixture: listens on a unix datagram socket as systemd's notify socket does (SO_PASSCRED)
 * and prints each message it receives as "pid=<sender's pid> <message>" on a line (newlines
 * in the message as \n), until
 * COUNT messages were received. NAME is a path, or "@name" for the abstract namespace.
 * Prints "listening" once bound. Usage: notify-listen NAME COUNT */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  const char *name = argv[1];
  int count = atoi(argv[2]);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  size_t len = strlen(name);
  if (len < 2 || len >= sizeof addr.sun_path) return 2;
  memcpy(addr.sun_path, name, len);
  if (name[0] == '@') addr.sun_path[0] = '\0';
  socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (name[0] != '@'));
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  int on = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0 ||
      bind(fd, (struct sockaddr *)&addr, alen) < 0) {
    perror("notify-listen");
    return 1;
  }
  printf("listening\n");
  fflush(stdout);
  for (int i = 0; i < count; i++) {
    char buf[4096];
    union {
      struct cmsghdr h;
      char c[CMSG_SPACE(sizeof(struct ucred))];
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf - 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.c, .msg_controllen = sizeof control.c };
    ssize_t n = recvmsg(fd, &msg, 0);
    if (n < 0) {
      perror("notify-listen: recvmsg");
      return 1;
    }
    buf[n] = '\0';
    long pid = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        struct ucred cred;
        memcpy(&cred, CMSG_DATA(c), sizeof cred);
        pid = cred.pid;
      }
    printf("pid=%ld ", pid);
    for (char *p = buf; *p; p++) fputs(*p == '\n' ? "\\n" : (char[]){ *p, 0 }, stdout);
    printf("\n");
    fflush(stdout);
  }
  return 0;
}
