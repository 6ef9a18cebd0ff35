/* A token bucket for --max-rate: at most 'rate' new connections a second,
 * shared by the port scan and scripts. Callers that find no token queue a
 * waiter; the bucket's timer calls waiters back in FIFO order as tokens
 * come, one token each. */
#ifndef NSX_RATE_H
#define NSX_RATE_H

#include <stdint.h>
#include <uv.h>

#include "sched/list.h"

struct nsx_rate_waiter;
typedef void (*nsx_rate_cb)(struct nsx_rate_waiter *w);

struct nsx_rate_waiter {
  struct nsx_list node;
  nsx_rate_cb cb;
};

struct nsx_rate {
  uv_timer_t timer;
  double rate;                   /* tokens a second; 0 = no limit */
  double tokens, burst;
  uint64_t last;                 /* uv_hrtime of the last refill */
  struct nsx_list waiters;
};

void nsx_rate_init(struct nsx_rate *r, uv_loop_t *loop, double rate);
void nsx_rate_close(struct nsx_rate *r);

/* Takes a token if one is there: returns 1. Else returns 0 and, if 'w'
 * is not NULL, queues it: w->cb runs (from the loop) once a token was
 * taken for it. */
int nsx_rate_take(struct nsx_rate *r, struct nsx_rate_waiter *w);

/* Removes a queued waiter (its callback will not run). */
void nsx_rate_cancel(struct nsx_rate_waiter *w);

#endif
