/* Mutex and condition-variable queues (see sync.h). The Lua-facing half,
 * with object caching and ownership rules, is src/engine/lsync.c. */
#include "sched/sync.h"

static void waiter_cancel(struct nsx_wait *wait) {
  struct nsx_sync_waiter *w =
      (struct nsx_sync_waiter *)((char *)wait -
                                 offsetof(struct nsx_sync_waiter, wait));
  nsx_list_unlink(&w->node);
  if (w->on_cancel) w->on_cancel(w);
}

static void enqueue(struct nsx_sched *s, struct nsx_list *q,
                    struct nsx_sync_waiter *w, const char *what) {
  w->wait.cancel = waiter_cancel;
  w->wait.what = what;
  w->wait.io = 0;
  nsx_list_insert_tail(q, &w->node);
  nsx_task_park(s, w->task, &w->wait);
}

void nsx_mutex_init(struct nsx_mutex *m) {
  nsx_list_init(&m->queue);
  m->holder_task = NULL;
  m->holder = NULL;
  m->holder_ref = -1;
}

int nsx_mutex_trylock(struct nsx_mutex *m, struct nsx_task *task,
                      void *owner, int owner_ref) {
  if (m->holder) return 0;
  m->holder = owner;
  m->holder_ref = owner_ref;
  m->holder_task = task;
  return 1;
}

void nsx_mutex_wait(struct nsx_sched *s, struct nsx_mutex *m,
                    struct nsx_sync_waiter *w) {
  enqueue(s, &m->queue, w, "mutex");
}

struct nsx_sync_waiter *nsx_mutex_unlock(struct nsx_sched *s,
                                         struct nsx_mutex *m) {
  struct nsx_list *first = nsx_list_first(&m->queue);
  struct nsx_sync_waiter *w;

  if (!first) {
    m->holder = NULL;
    m->holder_ref = -1;
    m->holder_task = NULL;
    return NULL;
  }
  w = nsx_list_entry(first, struct nsx_sync_waiter, node);
  nsx_list_unlink(&w->node);
  m->holder = w->owner;
  m->holder_ref = w->owner_ref;
  m->holder_task = w->task;
  nsx_task_wake(s, w->task);
  return w;
}

void nsx_condvar_init(struct nsx_condvar *cv) {
  nsx_list_init(&cv->waiters);
}

void nsx_condvar_wait(struct nsx_sched *s, struct nsx_condvar *cv,
                      struct nsx_sync_waiter *w) {
  enqueue(s, &cv->waiters, w, "condvar");
}

struct nsx_sync_waiter *nsx_condvar_signal(struct nsx_sched *s,
                                           struct nsx_condvar *cv) {
  struct nsx_list *last = nsx_list_last(&cv->waiters);
  struct nsx_sync_waiter *w;

  if (!last) return NULL;
  w = nsx_list_entry(last, struct nsx_sync_waiter, node);
  nsx_list_unlink(&w->node);
  nsx_task_wake(s, w->task);
  return w;
}
