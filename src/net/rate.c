/* Token bucket for --max-rate (see rate.h). Tokens accrue continuously up
 * to a burst of one, so connects are spaced 1/rate apart and no second ever
 * holds more than rate + 1 of them; the timer is armed only while someone
 * waits. */
#include "net/rate.h"

static void refill(struct nsx_rate *r) {
  uint64_t now = uv_hrtime();
  r->tokens += (double)(now - r->last) / 1e9 * r->rate;
  if (r->tokens > r->burst) r->tokens = r->burst;
  r->last = now;
}

static void arm(struct nsx_rate *r);

static void on_tick(uv_timer_t *t) {
  struct nsx_rate *r = t->data;

  refill(r);
  while (r->tokens >= 1 && !nsx_list_empty(&r->waiters)) {
    struct nsx_rate_waiter *w =
        nsx_list_entry(r->waiters.next, struct nsx_rate_waiter, node);
    nsx_list_unlink(&w->node);
    r->tokens -= 1;
    w->cb(w);
  }
  arm(r);
}

/* Wakes up when the next token is due, if anyone waits. */
static void arm(struct nsx_rate *r) {
  double need;
  uint64_t ms;

  if (nsx_list_empty(&r->waiters)) return;
  need = r->tokens >= 1 ? 0 : (1 - r->tokens) / r->rate;
  ms = (uint64_t)(need * 1000) + 1;
  uv_timer_start(&r->timer, on_tick, ms, 0);
}

void nsx_rate_init(struct nsx_rate *r, uv_loop_t *loop, double rate) {
  uv_timer_init(loop, &r->timer);
  r->timer.data = r;
  r->rate = rate;
  r->burst = 1;
  r->tokens = r->burst;
  r->last = uv_hrtime();
  nsx_list_init(&r->waiters);
}

void nsx_rate_close(struct nsx_rate *r) {
  uv_close((uv_handle_t *)&r->timer, NULL);
}

int nsx_rate_take(struct nsx_rate *r, struct nsx_rate_waiter *w) {
  if (r->rate <= 0) return 1;
  refill(r);
  /* Waiters already queued go first. */
  if (r->tokens >= 1 && nsx_list_empty(&r->waiters)) {
    r->tokens -= 1;
    return 1;
  }
  if (w) {
    nsx_list_insert_tail(&r->waiters, &w->node);
    if (!uv_is_active((uv_handle_t *)&r->timer)) arm(r);
  }
  return 0;
}

void nsx_rate_cancel(struct nsx_rate_waiter *w) {
  nsx_list_unlink(&w->node);
}
