/* hostpod-notify PID MESSAGE — sends MESSAGE (e.g. "READY=1") to the service manager's
 * $NOTIFY_SOCKET on behalf of process PID, as sd_pid_notify(3) does.
 *
 * Node.js has no unix datagram sockets, so the daemon runs this once per notification. The
 * datagram carries SCM_CREDENTIALS naming PID (the daemon, the unit's main process): systemd
 * accepts it under NotifyAccess=main. Claiming another pid needs CAP_SYS_ADMIN; without it the
 * message goes with this process's own credentials (accepted under NotifyAccess=all).
 * A socket name starting with "@" is in the abstract namespace. Exit 0 when sent, 1 when not
 * (the reason on stderr), 2 on bad arguments. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: hostpod-notify PID MESSAGE\n");
    return 2;
  }
  char *end;
  long pid = strtol(argv[1], &end, 10);
  const char *path = getenv("NOTIFY_SOCKET");
  if (*argv[1] == '\0' || *end != '\0' || pid <= 0) {
    fprintf(stderr, "hostpod-notify: \"%s\" is not a pid\n", argv[1]);
    return 2;
  }
  if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) < 2 || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    fprintf(stderr, "hostpod-notify: NOTIFY_SOCKET \"%s\" is not an absolute path or @abstract name\n", path ? path : "");
    return 1;
  }
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  size_t len = strlen(path);
  memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0';
  /* An abstract name is exactly its bytes (no trailing NUL); a path is NUL-terminated. */
  socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("hostpod-notify: socket");
    return 1;
  }
  struct iovec iov = { .iov_base = argv[2], .iov_len = strlen(argv[2]) };
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(struct ucred))];
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr msg = { .msg_name = &addr, .msg_namelen = alen, .msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_CREDENTIALS;
  c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
  struct ucred cred = { .pid = (pid_t)pid, .uid = getuid(), .gid = getgid() };
  memcpy(CMSG_DATA(c), &cred, sizeof cred);
  ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
  if (n < 0 && errno == EPERM) {
    msg.msg_control = NULL;
    msg.msg_controllen = 0;
    n = sendmsg(fd, &msg, MSG_NOSIGNAL);
  }
  if (n < 0) {
    fprintf(stderr, "hostpod-notify: cannot send to %s: %s\n", path, strerror(errno));
    close(fd);
    return 1;
  }
  close(fd);
  return 0;
}
