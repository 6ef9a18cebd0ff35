/* epoll-client: the benchmark's yardstick, a minimal client that does the
 * same round trips as the benchmark scripts over one epoll loop with a
 * chosen number of connections in flight: what this machine can do at
 * best. The server side is epoll-server.c.
 *
 * Usage: epoll-client [-c INFLIGHT] [-m MODE] [-n REPEAT] [-t LIMIT_S]
 *                     -p PORTS TARGET...
 * For every TARGET address (a.b.c.d or a.b.c.d/n, inside 127.0.0.0/8 only)
 * and every port of PORTS (comma-separated), it connects and then, by MODE:
 *   connect    closes at once (what a connect port scan does);
 *   banner     reads the banner line and closes (the default);
 *   roundtrip  reads the banner line, sends one line, reads the one-line
 *              answer and closes.
 * It prints one machine-readable line of counts and times. The whole run
 * stops after LIMIT_S seconds (default 120). With -n, every address and
 * port is done REPEAT times (the workers workload's 8 per host). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* accept4, signalfd; the build defines it too. */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 64
#define MAX_EVENTS 512
#define REQUEST "ping\n"

enum stage { S_CONNECT, S_BANNER, S_REPLY };

struct conn {
  int fd;
  enum stage stage;
};

static uint32_t *hosts;      /* Host byte order. */
static size_t nhosts, hosts_cap;
static int ports[MAX_PORTS];
static size_t nports;
static size_t next_job, njobs, repeat = 1;
static enum { M_CONNECT, M_BANNER, M_ROUNDTRIP } mode = M_BANNER;
static struct conn *conns;   /* Indexed by fd. */
static size_t nconns_cap;
static uint64_t ok, failed, connect_failed, inflight, peak;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int add_host(uint32_t h) {
  if (nhosts == hosts_cap) {
    size_t cap = hosts_cap ? hosts_cap * 2 : 1024;
    uint32_t *p = realloc(hosts, cap * sizeof *p);
    if (!p) return -1;
    hosts = p;
    hosts_cap = cap;
  }
  hosts[nhosts++] = h;
  return 0;
}

/* Adds a.b.c.d or a.b.c.d/n; refuses anything outside 127.0.0.0/8. */
static int add_target(const char *spec) {
  char buf[64], *slash;
  struct in_addr a;
  int bits = 32;
  uint32_t base, count;

  if (strlen(spec) >= sizeof buf) return -1;
  strcpy(buf, spec);
  slash = strchr(buf, '/');
  if (slash) {
    *slash = '\0';
    bits = atoi(slash + 1);
    if (bits < 8 || bits > 32) return -1;
  }
  if (inet_pton(AF_INET, buf, &a) != 1) return -1;
  base = ntohl(a.s_addr);
  if ((base >> 24) != 127) {
    fprintf(stderr, "epoll-client: %s is not in 127.0.0.0/8\n", spec);
    return -1;
  }
  count = bits == 32 ? 1 : 1u << (32 - bits);
  base &= bits == 32 ? 0xffffffffu : ~(count - 1);
  for (uint32_t i = 0; i < count; i++)
    if (add_host(base + i) < 0) return -1;
  return 0;
}

static int parse_ports(char *list) {
  for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
    int p = atoi(tok);
    if (p <= 0 || p > 65535 || nports == MAX_PORTS) return -1;
    ports[nports++] = p;
  }
  return nports ? 0 : -1;
}

static void finish(int ep, int fd, int success) {
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  conns[fd].fd = -1;
  inflight--;
  if (success)
    ok++;
  else
    failed++;
}

/* Starts the next job's connect. Returns 0, or -1 when none is left. */
static int start_one(int ep) {
  struct sockaddr_in a;
  struct epoll_event ev;
  size_t job;
  int fd;

  while (next_job < njobs) {
    job = next_job++ / repeat;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(hosts[job / nports]);
    a.sin_port = htons((uint16_t)ports[job % nports]);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || (size_t)fd >= nconns_cap) {
      if (fd >= 0) close(fd);
      connect_failed++;
      failed++;
      continue;
    }
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 &&
        errno != EINPROGRESS) {
      close(fd);
      connect_failed++;
      failed++;
      continue;
    }
    conns[fd].fd = fd;
    conns[fd].stage = S_CONNECT;
    ev.events = EPOLLOUT;
    ev.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    if (++inflight > peak) peak = inflight;
    return 0;
  }
  return -1;
}

/* Reads what is there; returns 1 once a newline came, 0 to wait, -1 on
 * EOF or error. The server sends nothing after the line we wait for, so a
 * read never holds part of the next answer. */
static int read_line(int fd) {
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n > 0) return memchr(buf, '\n', (size_t)n) ? 1 : 0;
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
  return -1;
}

static void on_event(int ep, int fd, uint32_t events) {
  struct conn *c = &conns[fd];
  struct epoll_event ev;
  int err = 0, r;
  socklen_t len = sizeof err;

  switch (c->stage) {
  case S_CONNECT:
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
      connect_failed++;
      finish(ep, fd, 0);
      return;
    }
    if (mode == M_CONNECT) {
      finish(ep, fd, 1);
      return;
    }
    c->stage = S_BANNER;
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
    return;
  case S_BANNER:
    r = read_line(fd);
    if (r < 0) finish(ep, fd, 0);
    if (r <= 0) return;
    if (mode != M_ROUNDTRIP) {
      finish(ep, fd, 1);
      return;
    }
    if (write(fd, REQUEST, sizeof REQUEST - 1) != sizeof REQUEST - 1) {
      finish(ep, fd, 0);
      return;
    }
    c->stage = S_REPLY;
    return;
  case S_REPLY:
    r = read_line(fd);
    if (r != 0) finish(ep, fd, r > 0);
    return;
  }
  (void)events;
}

static void usage(void) {
  fprintf(stderr, "usage: epoll-client [-c INFLIGHT] "
                  "[-m connect|banner|roundtrip] [-n REPEAT] [-t LIMIT_S] "
                  "-p PORTS TARGET...\n");
  exit(2);
}

int main(int argc, char **argv) {
  struct epoll_event evs[MAX_EVENTS];
  struct rlimit rl;
  double limit = 120, t0, t1;
  size_t want = 1000;
  int ep, opt, timed_out = 0;

  while ((opt = getopt(argc, argv, "c:m:n:t:p:")) != -1) {
    switch (opt) {
    case 'c': want = (size_t)atol(optarg); break;
    case 'm':
      if (strcmp(optarg, "connect") == 0)
        mode = M_CONNECT;
      else if (strcmp(optarg, "banner") == 0)
        mode = M_BANNER;
      else if (strcmp(optarg, "roundtrip") == 0)
        mode = M_ROUNDTRIP;
      else
        usage();
      break;
    case 'n': repeat = (size_t)atol(optarg); break;
    case 't': limit = atof(optarg); break;
    case 'p':
      if (parse_ports(optarg) < 0) usage();
      break;
    default: usage();
    }
  }
  if (!nports || optind >= argc || want == 0 || repeat == 0) usage();
  for (int i = optind; i < argc; i++)
    if (add_target(argv[i]) < 0) usage();
  njobs = nhosts * nports * repeat;

  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  getrlimit(RLIMIT_NOFILE, &rl);
  nconns_cap = rl.rlim_cur == RLIM_INFINITY ? 1u << 20 : rl.rlim_cur;
  if (want + 16 > nconns_cap) want = nconns_cap - 16;
  conns = calloc(nconns_cap, sizeof *conns);
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (!conns || ep < 0) return 1;

  t0 = now_s();
  while (inflight < want && start_one(ep) == 0) {}
  while (inflight > 0) {
    int n;
    if (now_s() - t0 > limit) {
      timed_out = 1;
      break;
    }
    n = epoll_wait(ep, evs, MAX_EVENTS, 1000);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; i++) on_event(ep, evs[i].data.fd, evs[i].events);
    while (inflight < want && start_one(ep) == 0) {}
  }
  t1 = now_s();
  printf("client_jobs=%zu client_ok=%llu client_failed=%llu "
         "client_connect_failed=%llu client_peak_inflight=%llu "
         "client_wall_s=%.4f client_timed_out=%d\n",
         njobs, (unsigned long long)ok, (unsigned long long)failed,
         (unsigned long long)connect_failed, (unsigned long long)peak,
         t1 - t0, timed_out);
  return ok == njobs ? 0 : 1;
}
