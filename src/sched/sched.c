/* Run queue and park/wake bookkeeping (see sched.h). The event loop itself
 * is libuv's; the engine alternates scheduler passes with uv_run. */
#include <assert.h>

#include "sched/sched.h"

void nsx_sched_init(struct nsx_sched *s, uv_loop_t *loop) {
  s->loop = loop;
  nsx_list_init(&s->ready);
  s->nready = 0;
  s->nparked = 0;
  s->nparked_io = 0;
  s->resumes = 0;
}

void nsx_task_init(struct nsx_task *t, nsx_task_cb run) {
  nsx_list_init(&t->node);
  t->run = run;
  t->wait = NULL;
  t->state = NSX_TASK_IDLE;
}

void nsx_task_ready(struct nsx_sched *s, struct nsx_task *t) {
  assert(t->state == NSX_TASK_IDLE);
  t->state = NSX_TASK_READY;
  nsx_list_insert_tail(&s->ready, &t->node);
  s->nready++;
}

void nsx_task_park(struct nsx_sched *s, struct nsx_task *t,
                   struct nsx_wait *w) {
  assert(t->state == NSX_TASK_IDLE);
  t->state = NSX_TASK_PARKED;
  t->wait = w;
  s->nparked++;
  if (w->io) s->nparked_io++;
}

static void unpark(struct nsx_sched *s, struct nsx_task *t) {
  s->nparked--;
  if (t->wait->io) s->nparked_io--;
  t->wait = NULL;
  t->state = NSX_TASK_IDLE;
}

int nsx_task_wake(struct nsx_sched *s, struct nsx_task *t) {
  if (t->state != NSX_TASK_PARKED) return 0;
  unpark(s, t);
  nsx_task_ready(s, t);
  return 1;
}

void nsx_task_cancel(struct nsx_sched *s, struct nsx_task *t) {
  struct nsx_wait *w;

  switch (t->state) {
  case NSX_TASK_READY:
    nsx_list_unlink(&t->node);
    s->nready--;
    t->state = NSX_TASK_IDLE;
    break;
  case NSX_TASK_PARKED:
    w = t->wait;
    unpark(s, t);
    if (w->cancel) w->cancel(w);
    break;
  case NSX_TASK_IDLE:
    break;
  }
}

size_t nsx_sched_pass(struct nsx_sched *s) {
  struct nsx_list batch;
  size_t n = 0;

  /* Tasks made ready while this batch runs wait for the next pass. */
  nsx_list_init(&batch);
  nsx_list_splice(&batch, &s->ready);
  while (!nsx_list_empty(&batch)) {
    struct nsx_task *t = nsx_list_entry(batch.next, struct nsx_task, node);
    nsx_list_unlink(&t->node);
    s->nready--;
    t->state = NSX_TASK_IDLE;
    n++;
    t->run(t);
  }
  s->resumes += n;
  return n;
}
