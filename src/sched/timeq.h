/* Timeouts in FIFO queues, one queue per duration, each driven by a single
 * libuv timer. Timeouts of equal duration expire in the order they were
 * started, so a queue stays sorted by appending: starting and stopping are
 * O(1), where libuv's own timer heap is O(log n) per operation and a
 * malloc'd handle each. Scripts use few distinct durations (a sleep of
 * 10 ms, a socket timeout of 5 s, --script-timeout...), which is what
 * makes this pay. */
#ifndef NSX_TIMEQ_H
#define NSX_TIMEQ_H

#include <stdint.h>
#include <uv.h>

#include "sched/list.h"

struct nsx_timeout;
typedef void (*nsx_timeout_cb)(struct nsx_timeout *to);

struct nsx_timeq;

/* One pending timeout; the caller embeds it in its own struct. */
struct nsx_timeout {
  struct nsx_list node;          /* on its queue, while pending */
  uint64_t due;                  /* loop time (ms) it expires at */
  struct nsx_timeq *q;
  nsx_timeout_cb cb;
};

struct nsx_timers {
  uv_loop_t *loop;
  struct nsx_timeq **queues;
  size_t nqueues;
};

void nsx_timers_init(struct nsx_timers *tm, uv_loop_t *loop);

/* Closes every queue's timer (freed once the loop has run the closes);
 * pending timeouts are dropped. */
void nsx_timers_close(struct nsx_timers *tm);

static inline void nsx_timeout_init(struct nsx_timeout *to) {
  nsx_list_init(&to->node);
  to->q = NULL;
}

/* Calls 'cb' from the loop 'ms' milliseconds from now (never from this
 * call). A pending timeout is restarted. Returns 0, or UV_ENOSPC when too
 * many other durations are pending (or memory ran out): nothing is then
 * pending and the caller needs a timer of its own. */
int nsx_timeout_start(struct nsx_timers *tm, struct nsx_timeout *to,
                      uint64_t ms, nsx_timeout_cb cb);

/* Stops a pending timeout; harmless when it is not pending. */
void nsx_timeout_stop(struct nsx_timeout *to);

static inline int nsx_timeout_pending(const struct nsx_timeout *to) {
  return nsx_list_linked(&to->node);
}

#endif
