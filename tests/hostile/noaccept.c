/* noaccept: a TCP listener on 127.0.0.1 whose accept queue is full, so a
 * connect to it never completes (the kernel drops the SYNs): the peer the
 * hostile tests need to end threads in the middle of a connect. testsrv
 * accepts in every mode, so this small program stands beside it. It takes
 * testsrv's start-up options, so start.sh can run it as TESTSRV:
 *   noaccept [--pidfile FILE] [--lifetime SECONDS]
 * prints "PORT <n>" once the queue is full, and exits 0 on SIGTERM, on
 * SIGINT or when its lifetime (default 120 s) ends. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { FILLERS = 2 };

static volatile sig_atomic_t done;

static void on_signal(int sig) {
  (void)sig;
  done = 1;
}

int main(int argc, char **argv) {
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  const char *pidfile = NULL;
  double lifetime = 120;
  int l, fill[FILLERS], i;
  FILE *f;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--pidfile") == 0 && i + 1 < argc) {
      pidfile = argv[++i];
    } else if (strcmp(argv[i], "--lifetime") == 0 && i + 1 < argc) {
      lifetime = atof(argv[++i]);
    } else {
      fprintf(stderr, "usage: noaccept [--pidfile FILE] [--lifetime S]\n");
      return 2;
    }
  }
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  l = socket(AF_INET, SOCK_STREAM, 0);
  /* A backlog of 0 holds one connection; the fillers take it, and the
   * kernel drops every later SYN. */
  if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof sin) < 0 ||
      listen(l, 0) < 0 ||
      getsockname(l, (struct sockaddr *)&sin, &len) < 0) {
    perror("noaccept");
    return 1;
  }
  for (i = 0; i < FILLERS; i++) {
    fill[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (fill[i] < 0) {
      perror("noaccept: socket");
      return 1;
    }
    fcntl(fill[i], F_SETFL, O_NONBLOCK);
    if (connect(fill[i], (struct sockaddr *)&sin, sizeof sin) < 0 &&
        errno != EINPROGRESS) {
      perror("noaccept: connect");
      return 1;
    }
  }
  usleep(100000);  /* let the fillers' handshakes land in the queue */
  if (pidfile) {
    f = fopen(pidfile, "w");
    if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
      perror(pidfile);
      return 1;
    }
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGALRM, on_signal);
  alarm(lifetime > 1 ? (unsigned)lifetime : 1);
  printf("PORT %d\n", ntohs(sin.sin_port));
  fflush(stdout);
  while (!done) pause();
  if (pidfile) unlink(pidfile);
  return 0;
}
