/* The status line: on a terminal, one line on stderr redrawn every second
 * (erased before anything else is printed, so it never mixes with
 * results); with --stats-every, a plain line every interval for logs. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/progress.h"
#include "engine/scan.h"

static struct {
  struct nsx_engine *E;
  uv_timer_t timer;
  int active;
  int tty;                 /* redraw in place */
  int drawn;               /* a line is on screen now */
  uint64_t start_ms, last_ms, last_results;
} P;

static void fmt_duration(char *buf, size_t len, double secs) {
  unsigned long s = secs < 0 ? 0 : (unsigned long)(secs + 0.5);
  if (s >= 3600)
    snprintf(buf, len, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
  else
    snprintf(buf, len, "%lu:%02lu", s / 60, s % 60);
}

void nsx_progress_format(struct nsx_engine *E, char *buf, size_t len) {
  struct nsx_scan_stats st;
  uint64_t now = nsx_now_ms();
  double elapsed = (double)(now - P.start_ms) / 1000.0;
  double span = (double)(now - P.last_ms) / 1000.0;
  double rate = span > 0 ? (double)(E->results_total - P.last_results) / span
                         : 0;
  char el[32], eta[48] = "";
  size_t off;

  nsx_scan_stats(E, &st);
  fmt_duration(el, sizeof el, elapsed);
  if (st.hosts_total > 0 && st.hosts_done > 0 &&
      st.hosts_done < st.hosts_total) {
    char d[32];
    fmt_duration(d, sizeof d, elapsed / (double)st.hosts_done *
                                  (double)(st.hosts_total - st.hosts_done));
    snprintf(eta, sizeof eta, ", ETA %s", d);
  }
  off = (size_t)snprintf(buf, len, "nsx: %s elapsed; hosts %llu done",
                         el, (unsigned long long)st.hosts_done);
  if (st.hosts_total > 0 && off < len)
    off += (size_t)snprintf(buf + off, len - off, " of %llu",
                            (unsigned long long)st.hosts_total);
  if (off < len)
    snprintf(buf + off, len - off,
             ", %zu in flight; threads %zu (%zu waiting, %zu on I/O); "
             "%llu results, %.0f/s%s",
             st.hosts_inflight, E->nthreads, E->sched.nparked,
             E->sched.nparked_io, (unsigned long long)E->results_total, rate,
             eta);
}

static void on_tick(uv_timer_t *timer) {
  struct nsx_engine *E = timer->data;
  char line[512];

  nsx_progress_format(E, line, sizeof line);
  if (P.tty) {
    fprintf(stderr, "\r%s\033[K", line);
    P.drawn = 1;
  } else {
    fprintf(stderr, "%s\n", line);
  }
  fflush(stderr);
  P.last_ms = nsx_now_ms();
  P.last_results = E->results_total;
}

void nsx_progress_start(struct nsx_engine *E, double every) {
  int tty = isatty(STDERR_FILENO);
  uint64_t ms;

  if (P.active || (every <= 0 && !tty)) return;
  P.E = E;
  P.tty = every <= 0;
  P.drawn = 0;
  P.start_ms = P.last_ms = nsx_now_ms();
  P.last_results = 0;
  ms = every > 0 ? (uint64_t)(every * 1000) : 1000;
  if (ms < 100) ms = 100;
  uv_timer_init(E->loop, &P.timer);
  P.timer.data = E;
  uv_timer_start(&P.timer, on_tick, ms, ms);
  /* The status line alone must not keep the loop running. */
  uv_unref((uv_handle_t *)&P.timer);
  P.active = 1;
}

void nsx_progress_clear(void) {
  if (!P.drawn) return;
  fputs("\r\033[K", stderr);
  fflush(stderr);
  P.drawn = 0;
}

void nsx_progress_stop(void) {
  if (!P.active) return;
  nsx_progress_clear();
  uv_timer_stop(&P.timer);
  uv_close((uv_handle_t *)&P.timer, NULL);
  P.active = 0;
}
