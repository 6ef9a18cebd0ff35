/* FIFO timeout queues (see timeq.h). Each queue's libuv timer is armed
 * for its first entry while the queue is not empty. At most MAX_QUEUES
 * durations have a queue at once; a queue left empty is given to the
 * next new duration, and when all are busy nsx_timeout_start says so and
 * the caller uses a timer of its own. */
#include <stdlib.h>

#include "sched/timeq.h"

enum { MAX_QUEUES = 64 };

struct nsx_timeq {
  uv_timer_t timer;
  uint64_t duration;             /* ms */
  struct nsx_list pending;
  struct nsx_timers *tm;
};

void nsx_timers_init(struct nsx_timers *tm, uv_loop_t *loop) {
  tm->loop = loop;
  tm->queues = NULL;
  tm->nqueues = 0;
}

static void on_fire(uv_timer_t *timer);

/* Arms the queue's timer for its first entry, or stops it when empty. */
static void arm(struct nsx_timeq *q) {
  struct nsx_timeout *first;
  uint64_t now;

  if (nsx_list_empty(&q->pending)) {
    uv_timer_stop(&q->timer);
    return;
  }
  first = nsx_list_entry(q->pending.next, struct nsx_timeout, node);
  now = uv_now(q->tm->loop);
  uv_timer_start(&q->timer, on_fire, first->due > now ? first->due - now : 0,
                 0);
}

static void on_fire(uv_timer_t *timer) {
  struct nsx_timeq *q = timer->data;
  uint64_t now = uv_now(q->tm->loop);

  while (!nsx_list_empty(&q->pending)) {
    struct nsx_timeout *to =
        nsx_list_entry(q->pending.next, struct nsx_timeout, node);
    if (to->due > now) break;
    nsx_list_unlink(&to->node);
    to->q = NULL;
    to->cb(to);          /* may start or stop other timeouts */
  }
  arm(q);
}

/* The queue for 'duration': its own, or an empty one taken over, or a new
 * one while there are fewer than MAX_QUEUES; NULL otherwise. */
static struct nsx_timeq *queue_for(struct nsx_timers *tm, uint64_t duration) {
  struct nsx_timeq *q, *idle = NULL;

  for (size_t i = 0; i < tm->nqueues; i++) {
    q = tm->queues[i];
    if (q->duration == duration) return q;
    if (!idle && nsx_list_empty(&q->pending)) idle = q;
  }
  if (idle) {
    idle->duration = duration;
    return idle;
  }
  if (tm->nqueues == MAX_QUEUES) return NULL;
  if (!tm->queues && !(tm->queues = calloc(MAX_QUEUES, sizeof *tm->queues)))
    return NULL;
  if (!(q = calloc(1, sizeof *q))) return NULL;
  q->duration = duration;
  q->tm = tm;
  nsx_list_init(&q->pending);
  uv_timer_init(tm->loop, &q->timer);
  q->timer.data = q;
  tm->queues[tm->nqueues++] = q;
  return q;
}

int nsx_timeout_start(struct nsx_timers *tm, struct nsx_timeout *to,
                      uint64_t ms, nsx_timeout_cb cb) {
  struct nsx_timeq *q;

  nsx_timeout_stop(to);
  if (!(q = queue_for(tm, ms))) return UV_ENOSPC;
  to->due = uv_now(tm->loop) + ms;
  to->cb = cb;
  to->q = q;
  nsx_list_insert_tail(&q->pending, &to->node);
  if (q->pending.next == &to->node) arm(q);
  return 0;
}

void nsx_timeout_stop(struct nsx_timeout *to) {
  struct nsx_timeq *q = to->q;

  if (!nsx_list_linked(&to->node)) return;
  nsx_list_unlink(&to->node);
  to->q = NULL;
  /* A later first entry needs no re-arming: an early firing finds nothing
   * due and re-arms. Only an emptied queue stops its timer. */
  if (nsx_list_empty(&q->pending)) uv_timer_stop(&q->timer);
}

static void free_queue(uv_handle_t *h) {
  free(h->data);
}

void nsx_timers_close(struct nsx_timers *tm) {
  for (size_t i = 0; i < tm->nqueues; i++)
    uv_close((uv_handle_t *)&tm->queues[i]->timer, free_queue);
  free(tm->queues);
  tm->queues = NULL;
  tm->nqueues = 0;
}
