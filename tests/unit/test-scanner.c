/* net/scanner.c on a real loop, against listeners of the test's own on
 * 127.0.0.1: the scan thread's results reach the caller's loop in full
 * and in order (every port, then the end), never from inside a call; a
 * cancelled job says nothing more, whether it is cancelled before the
 * thread saw it, while it runs or after it ended; the thread stops when
 * idle and starts again for the next job; freeing the scanner with jobs
 * left stops the thread. The same with a rate limit, which keeps the
 * scan on the caller's loop. */
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/scanner.h"
#include "unit.h"

enum { NOPEN = 4, NPORTS = 40, NJOBS = 30 };

struct job_state {
  int ports, open, closed, done;
  int after_done;                /* a port reported after the end */
  unsigned last;
};

static int in_call;

static void on_port(void *ud, unsigned port, enum nsx_probe_result r,
                    double rtt) {
  struct job_state *st = ud;
  (void)port;
  (void)rtt;
  if (in_call) UNIT_FAIL("on_port ran inside a call");
  if (st->done) st->after_done++;
  st->ports++;
  st->last = port;
  if (r == NSX_PROBE_OPEN) st->open++;
  if (r == NSX_PROBE_CLOSED) st->closed++;
}

static void on_done(void *ud) {
  struct job_state *st = ud;
  if (in_call) UNIT_FAIL("on_done ran inside a call");
  st->done++;
}

/* Listeners on 127.0.0.1 (open ports) and as many ports that were bound
 * and closed again (closed ports, most likely still free). */
static void make_ports(int *fds, uint16_t *ports) {
  for (int i = 0; i < NPORTS; i++) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ASSERT(fd >= 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    ASSERT(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    ports[i] = ntohs(a.sin_port);
    if (i < NOPEN) {
      ASSERT(listen(fd, 256) == 0);
      fds[i] = fd;
    } else {
      close(fd);
      fds[i] = -1;
    }
  }
}

static void close_ports(int *fds) {
  for (int i = 0; i < NPORTS; i++)
    if (fds[i] >= 0) close(fds[i]);
}

static struct sockaddr_in loopback(void) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static void noop_timer(uv_timer_t *t) {
  (void)t;
}

static int all_done(struct job_state *st, int n) {
  for (int i = 0; i < n; i++)
    if (!st[i].done) return 0;
  return 1;
}

static void run_scans(struct nsx_rate *rate, int expect_threaded) {
  uv_loop_t loop;
  struct nsx_scanner *s;
  struct sockaddr_in to = loopback();
  struct job_state st[NJOBS];
  int fds[NPORTS];
  uint16_t ports[NPORTS];

  make_ports(fds, ports);
  ASSERT_EQ_INT(uv_loop_init(&loop), 0);
  if (rate) nsx_rate_init(rate, &loop, 100000);
  s = nsx_scanner_new(&loop, 64, 2000, 1, rate);
  ASSERT(s != NULL);
  ASSERT_EQ_INT(nsx_scanner_thread_running(s), 0);
  memset(st, 0, sizeof st);
  in_call = 1;
  for (int i = 0; i < NJOBS; i++)
    ASSERT(nsx_scanner_scan(s, (struct sockaddr *)&to, ports, NPORTS,
                            on_port, on_done, &st[i]) != NULL);
  in_call = 0;
  ASSERT_EQ_INT(nsx_scanner_thread_running(s), expect_threaded);
  ASSERT_EQ_INT(nsx_scanner_pending(s), NJOBS * (NPORTS + 1));
  for (int spins = 0; !all_done(st, NJOBS) && spins < 100000; spins++)
    uv_run(&loop, UV_RUN_ONCE);
  for (int i = 0; i < NJOBS; i++) {
    ASSERT_EQ_INT(st[i].done, 1);
    ASSERT_EQ_INT(st[i].after_done, 0);
    ASSERT_EQ_INT(st[i].ports, NPORTS);
    ASSERT_EQ_INT(st[i].open, NOPEN);
    ASSERT_EQ_INT(st[i].closed, NPORTS - NOPEN);
  }
  ASSERT_EQ_INT(nsx_scanner_pending(s), 0);
  /* Nothing keeps the loop alive once the scans are over, and the
   * thread stops when it has had nothing to do for a moment. */
  if (!rate) {
    uv_timer_t wait;
    ASSERT_EQ_INT(uv_run(&loop, UV_RUN_NOWAIT), 0);
    ASSERT_EQ_INT(nsx_scanner_thread_running(s), 1);
    /* Something else keeps the loop going meanwhile, as in a scan. */
    uv_timer_init(&loop, &wait);
    uv_timer_start(&wait, noop_timer, NSX_SCANNER_IDLE_MS + 30, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    ASSERT_EQ_INT(nsx_scanner_thread_running(s), 0);
    uv_close((uv_handle_t *)&wait, NULL);
    /* The next job starts it again. */
    memset(st, 0, sizeof st);
    ASSERT(nsx_scanner_scan(s, (struct sockaddr *)&to, ports, NPORTS,
                            on_port, on_done, &st[0]) != NULL);
    ASSERT_EQ_INT(nsx_scanner_thread_running(s), 1);
    for (int spins = 0; !st[0].done && spins < 100000; spins++)
      uv_run(&loop, UV_RUN_ONCE);
    ASSERT_EQ_INT(st[0].ports, NPORTS);
    ASSERT_EQ_INT(st[0].open, NOPEN);
  }
  nsx_scanner_free(s);
  if (rate) nsx_rate_close(rate);
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT_EQ_INT(uv_loop_close(&loop), 0);
  close_ports(fds);
}

TEST(scanner_thread_reports_every_port_then_the_end) {
  run_scans(NULL, 1);
}

TEST(scanner_with_rate_limit_runs_on_the_loop) {
  struct nsx_rate rate;
  run_scans(&rate, 0);
}

/* Cancels job i at stage i % 3: at once (the thread has not seen it),
 * after its first result, after its end was published but before the
 * loop handed it out. Cancelled jobs say nothing more; the others run
 * to their end; nothing leaks (the ASan build checks). */
TEST(scanner_cancel_at_any_stage) {
  uv_loop_t loop;
  struct nsx_scanner *s;
  struct sockaddr_in to = loopback();
  struct nsx_scanjob *jobs[NJOBS];
  struct job_state st[NJOBS];
  int cancelled[NJOBS], mid = 0;
  int fds[NPORTS];
  uint16_t ports[NPORTS];

  make_ports(fds, ports);
  ASSERT_EQ_INT(uv_loop_init(&loop), 0);
  s = nsx_scanner_new(&loop, 8, 2000, 1, NULL);
  ASSERT(s != NULL);
  memset(st, 0, sizeof st);
  memset(cancelled, 0, sizeof cancelled);
  for (int i = 0; i < NJOBS; i++) {
    jobs[i] = nsx_scanner_scan(s, (struct sockaddr *)&to, ports, NPORTS,
                               on_port, on_done, &st[i]);
    ASSERT(jobs[i] != NULL);
  }
  for (int i = 0; i < NJOBS; i += 3) {
    nsx_scanjob_cancel(jobs[i]);
    cancelled[i] = 1;
  }
  for (int spins = 0; spins < 100000; spins++) {
    int live = 0;
    for (int i = 0; i < NJOBS; i++) {
      if (cancelled[i] || st[i].done) continue;
      live++;
      if (i % 3 == 1 && st[i].ports > 0) {
        nsx_scanjob_cancel(jobs[i]);
        cancelled[i] = 1;
      }
    }
    if (!live) break;
    /* Give the thread time to finish (and publish) some jobs whole. */
    if (spins % 4 == 3) usleep(2000);
    uv_run(&loop, UV_RUN_ONCE);
  }
  ASSERT_EQ_INT(nsx_scanner_pending(s), 0);
  for (int i = 1; i < NJOBS; i += 3) mid += cancelled[i];
  printf("# %d of %d jobs cancelled while running\n", mid, NJOBS / 3);
  for (int i = 0; i < NJOBS; i++) {
    if (i % 3 == 0) ASSERT_EQ_INT(st[i].ports, 0);
    if (i % 3 == 1) ASSERT(st[i].ports >= 1 && st[i].ports <= NPORTS);
    if (cancelled[i]) ASSERT_EQ_INT(st[i].done, 0);
    if (i % 3 == 2) {
      ASSERT_EQ_INT(st[i].done, 1);
      ASSERT_EQ_INT(st[i].ports, NPORTS);
    }
  }
  /* Jobs that ended in the thread while nobody ran the loop: cancelling
   * them before the loop hands their end out drops them quietly. */
  {
    struct job_state late[2];
    struct nsx_scanjob *lj[2];
    memset(late, 0, sizeof late);
    for (int i = 0; i < 2; i++)
      lj[i] = nsx_scanner_scan(s, (struct sockaddr *)&to, ports, NOPEN,
                               on_port, on_done, &late[i]);
    ASSERT(lj[0] && lj[1]);
    usleep(300000);              /* the thread scans 4 open ports */
    nsx_scanjob_cancel(lj[0]);
    for (int spins = 0; !late[1].done && spins < 1000; spins++)
      uv_run(&loop, UV_RUN_ONCE);
    ASSERT_EQ_INT(late[0].ports + late[0].done, 0);
    ASSERT_EQ_INT(late[1].done, 1);
    ASSERT_EQ_INT(late[1].open, NOPEN);
  }
  nsx_scanner_free(s);
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT_EQ_INT(uv_loop_close(&loop), 0);
  close_ports(fds);
}

/* Freeing the scanner while jobs still run stops the thread, and no
 * callback runs afterwards. */
TEST(scanner_free_with_jobs_running) {
  uv_loop_t loop;
  struct nsx_scanner *s;
  struct sockaddr_in to = loopback();
  struct job_state st[NJOBS];
  int fds[NPORTS];
  uint16_t ports[NPORTS];

  make_ports(fds, ports);
  ASSERT_EQ_INT(uv_loop_init(&loop), 0);
  s = nsx_scanner_new(&loop, 4, 2000, 1, NULL);
  ASSERT(s != NULL);
  memset(st, 0, sizeof st);
  for (int i = 0; i < NJOBS; i++)
    ASSERT(nsx_scanner_scan(s, (struct sockaddr *)&to, ports, NPORTS,
                            on_port, on_done, &st[i]) != NULL);
  uv_run(&loop, UV_RUN_NOWAIT);
  nsx_scanner_free(s);
  in_call = 1;                   /* any callback from here on fails */
  uv_run(&loop, UV_RUN_DEFAULT);
  in_call = 0;
  ASSERT_EQ_INT(uv_loop_close(&loop), 0);
  close_ports(fds);
}
