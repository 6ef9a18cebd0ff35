/* Engine set-up and teardown, and its log lines. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/progress.h"
#include "engine/state.h"
#include "script/loader.h"

static void vlog(struct nsx_engine *E, const char *fmt, va_list ap) {
  nsx_progress_clear();
  fputs("NSE: ", E->log);
  vfprintf(E->log, fmt, ap);
  fputc('\n', E->log);
  /* Logs share stdout with the results, so order holds without flushing;
   * a terminal still sees each line at once. */
  if (E->log_tty) fflush(E->log);
}

void nsx_debug(struct nsx_engine *E, int level, const char *fmt, ...) {
  va_list ap;
  if (E->opt.debug < level) return;
  va_start(ap, fmt);
  vlog(E, fmt, ap);
  va_end(ap);
}

void nsx_verbose(struct nsx_engine *E, int level, const char *fmt, ...) {
  va_list ap;
  if (E->opt.verbose < level && E->opt.debug < level) return;
  va_start(ap, fmt);
  vlog(E, fmt, ap);
  va_end(ap);
}

size_t nsx_raise_nofile(void) {
  struct rlimit rl;

  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur == RLIM_INFINITY ? (size_t)1 << 20 : (size_t)rl.rlim_cur;
}

/* The kernel grows a descriptor table by doubling as descriptors are
 * opened, and in a process with more than one thread each growth waits
 * for an RCU grace period (another thread may still be reading the old
 * table), the thread that opened the descriptor asleep meanwhile. On the
 * bench machine a grace period takes 4 to 14 ms, and the port scan's
 * thread, opening thousands of sockets, slept 50 ms of a 0.45 s scan of
 * 10,240 ports that way. Grown now, while nsx has one thread, the table
 * needs no grace period; it never shrinks. */
void nsx_reserve_fds(size_t n) {
  int fd;

  if (n > 65536) n = 65536;
  if (n < 2) return;
  fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  if ((size_t)fd < n - 1 && dup2(fd, (int)(n - 1)) >= 0) close((int)(n - 1));
  close(fd);
}

void nsx_engine_defaults(struct nsx_options *o) {
  memset(o, 0, sizeof *o);
  o->family = AF_INET;
  o->max_threads = 100000;
  o->max_hostgroup = 4096;
  o->max_receive = (size_t)64 << 20;
  o->script_memory = (size_t)512 << 20;
  o->connect_timeout_ms = 1000;
  o->timing = 3;
  o->version_intensity = 7;
}

int nsx_engine_init(struct nsx_engine *E, uv_loop_t *loop,
                    struct nsx_datapath *dp, char *err, size_t errlen) {
  E->loop = loop;
  E->dp = dp;
  E->log = stdout;
  E->log_tty = isatty(fileno(stdout));
  E->current = NULL;
  E->env_mt_ref = 0;
  nsx_heap_init(&E->heap);
  /* Opened now, before any script runs, so that they count among the
   * descriptors a scan starts with (see host.c's source_addr). */
  E->route_fd[0] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  E->route_fd[1] = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  nsx_sched_init(&E->sched, loop);
  nsx_timers_init(&E->timers, loop);
  nsx_sockets_init(&E->sockets, loop);
  nsx_list_init(&E->creating);
  nsx_list_init(&E->sock_waiters);
  nsx_list_init(&E->phase_group.threads);
  nsx_list_init(&E->phase_group.create_node);
  return nsx_state_open(E, err, errlen);
}

void nsx_engine_free(struct nsx_engine *E) {
  for (size_t i = 0; i < E->nscripts; i++)
    nsx_script_free(E->L, &E->scripts[i]);
  free(E->scripts);
  E->scripts = NULL;
  E->nscripts = 0;
  nsx_state_close(E);
  for (int i = 0; i < 2; i++) {
    if (E->route_fd[i] >= 0) close(E->route_fd[i]);
    E->route_fd[i] = -1;
  }
  nsx_timers_close(&E->timers);
  nsx_sockets_close(&E->sockets);
  /* Let libuv finish closing what Lua's collector closed. */
  uv_run(E->loop, UV_RUN_NOWAIT);
}
