/* epoll-server: the benchmark's one server. It listens on a few TCP ports,
 * sends a banner line to every connection it accepts and answers every
 * line it reads with one line, on a single epoll loop. The client side of
 * the benchmark lives in epoll-client.c; measuring lives in measure.c.
 *
 * Why 0.0.0.0: the benchmark stands 127.0.0.0/22 in for 1024 hosts, and a
 * socket bound to 127.0.0.1 only accepts connections to 127.0.0.1. One
 * listener per port on the wildcard address serves every 127.x.y.z. The
 * benchmark only ever targets 127.0.0.0/8, and, as a second guard, this
 * server closes at once any connection whose local or peer address is not
 * in 127.0.0.0/8, so nothing from the machine's other interfaces is served.
 *
 * Usage: epoll-server [-b BANNER] [-s STATSFILE] [-t LIFETIME_S] PORT...
 * Prints "READY" on stdout once every port listens. SIGUSR1 appends one
 * line of counters to STATSFILE (or stdout) and starts a new interval;
 * SIGTERM or SIGINT, or the end of its lifetime, ends it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* accept4, signalfd; the build defines it too. */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 64
#define MAX_EVENTS 512
#define REPLY "pong\r\n"

/* Per-descriptor state, indexed by fd. Tags tell listeners from
 * connections in the epoll data without a lookup. */
enum kind { K_FREE, K_LISTEN, K_CONN, K_SIGNAL };

struct slot {
  unsigned char kind;
};

static struct slot *slots;
static size_t nslots;
static const char *banner = "220 nsx-bench ready\r\n";
static size_t banner_len;

/* Counters of the current interval (since start or the last SIGUSR1). */
static struct {
  uint64_t accepted, refused, lines, cur, peak, write_errors;
} st;

static int is_loopback(const struct sockaddr_in *a) {
  return a->sin_family == AF_INET &&
         (ntohl(a->sin_addr.s_addr) >> 24) == 127;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void raise_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
    nslots = rl.rlim_cur == RLIM_INFINITY ? 1u << 20 : (size_t)rl.rlim_cur;
  else
    nslots = 1024;
}

static int listen_on(int ep, int port) {
  struct sockaddr_in a;
  struct epoll_event ev;
  int fd, one = 1;

  fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
      listen(fd, 65535) < 0) {
    fprintf(stderr, "epoll-server: port %d: %s\n", port, strerror(errno));
    close(fd);
    return -1;
  }
  slots[fd].kind = K_LISTEN;
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  return fd;
}

static void conn_close(int fd) {
  /* The peer closed first, so its side would wait in TIME_WAIT for 60 s:
   * tens of thousands of those from earlier runs slow every later
   * connect() (the kernel searches past them for a free port) and made
   * a run's time depend on what ran in the minute before it. A reset
   * instead of our FIN ends the peer's socket at once (RFC 1337 leaves
   * that to the OS; Linux does it unless tcp_rfc1337 is set). Closing
   * removes the descriptor from the epoll set too. */
  struct linger lg = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(fd);
  slots[fd].kind = K_FREE;
  st.cur--;
}

/* Accepts every pending connection on listener 'lfd'. */
static void on_accept(int ep, int lfd) {
  for (;;) {
    struct sockaddr_in peer, self;
    socklen_t plen = sizeof peer, slen = sizeof self;
    struct epoll_event ev;
    int fd = accept4(lfd, (struct sockaddr *)&peer, &plen,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  /* EAGAIN, or EMFILE: try again on the next event. */
    }
    if ((size_t)fd >= nslots ||
        getsockname(fd, (struct sockaddr *)&self, &slen) < 0 ||
        !is_loopback(&peer) || !is_loopback(&self)) {
      st.refused++;
      close(fd);
      continue;
    }
    st.accepted++;
    if (++st.cur > st.peak) st.peak = st.cur;
    slots[fd].kind = K_CONN;
    /* A fresh socket's send buffer always takes a short banner whole. */
    if (write(fd, banner, banner_len) != (ssize_t)banner_len) {
      st.write_errors++;
      conn_close(fd);
      continue;
    }
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) conn_close(fd);
  }
}

/* Reads what 'fd' sent and answers each complete line with one line. */
static void on_read(int fd) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      for (ssize_t i = 0; i < n; i++) {
        if (buf[i] != '\n') continue;
        st.lines++;
        if (write(fd, REPLY, sizeof REPLY - 1) != (ssize_t)(sizeof REPLY - 1))
          st.write_errors++;
      }
      if ((size_t)n < sizeof buf) return;  /* Drained; level-triggered. */
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    conn_close(fd);  /* EOF or error. */
    return;
  }
}

static void dump_stats(FILE *out, double t0) {
  fprintf(out,
          "server_accepted=%llu server_refused=%llu server_lines=%llu "
          "server_peak_conns=%llu server_open_conns=%llu "
          "server_write_errors=%llu server_interval_s=%.3f\n",
          (unsigned long long)st.accepted, (unsigned long long)st.refused,
          (unsigned long long)st.lines, (unsigned long long)st.peak,
          (unsigned long long)st.cur, (unsigned long long)st.write_errors,
          now_s() - t0);
  fflush(out);
}

static void usage(void) {
  fprintf(stderr, "usage: epoll-server [-b BANNER] [-s STATSFILE] "
                  "[-t LIFETIME_S] PORT...\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *statsfile = NULL;
  double lifetime = 600, start, t0;
  struct epoll_event evs[MAX_EVENTS];
  struct epoll_event sev;
  sigset_t mask;
  int ep, sfd, opt, nports = 0;
  char *bbuf = NULL;

  while ((opt = getopt(argc, argv, "b:s:t:")) != -1) {
    switch (opt) {
    case 'b':
      bbuf = malloc(strlen(optarg) + 3);
      if (!bbuf) return 1;
      sprintf(bbuf, "%s\r\n", optarg);
      banner = bbuf;
      break;
    case 's': statsfile = optarg; break;
    case 't': lifetime = atof(optarg); break;
    default: usage();
    }
  }
  if (optind >= argc || argc - optind > MAX_PORTS) usage();
  banner_len = strlen(banner);
  raise_nofile();
  slots = calloc(nslots, sizeof *slots);
  if (!slots) return 1;
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return 1;

  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGUSR1);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  signal(SIGPIPE, SIG_IGN);
  sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0 || (size_t)sfd >= nslots) return 1;
  slots[sfd].kind = K_SIGNAL;
  sev.events = EPOLLIN;
  sev.data.fd = sfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &sev);

  for (int i = optind; i < argc; i++) {
    int port = atoi(argv[i]);
    if (port <= 0 || port > 65535 || listen_on(ep, port) < 0) return 1;
    nports++;
  }
  printf("READY %d\n", nports);
  fflush(stdout);

  start = t0 = now_s();
  for (;;) {
    double left = lifetime - (now_s() - start);
    int n;
    if (left <= 0) break;
    n = epoll_wait(ep, evs, MAX_EVENTS, left > 1 ? 1000 : (int)(left * 1000));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      switch (slots[fd].kind) {
      case K_LISTEN: on_accept(ep, fd); break;
      case K_CONN: on_read(fd); break;
      case K_SIGNAL: {
        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) == sizeof si) {
          if (si.ssi_signo == SIGUSR1) {
            FILE *out = statsfile ? fopen(statsfile, "a") : stdout;
            if (out) {
              dump_stats(out, t0);
              if (out != stdout) fclose(out);
            }
            st.accepted = st.refused = st.lines = st.write_errors = 0;
            st.peak = st.cur;
            t0 = now_s();
          } else {
            goto out;
          }
        }
        break;
      }
      default: break;
      }
    }
  }
out:
  free(bbuf);
  return 0;
}
