/* The scheduler: a run queue of tasks over libuv. A task is anything the
 * scheduler can resume (in nsx, a script thread). A task is either idle,
 * ready (queued to run), running, or parked on a wait record until an event
 * wakes it. Waking is O(1); a pass resumes only the tasks that were ready
 * when it began, so I/O is polled between passes and nothing starves.
 * Only the scheduler resumes tasks: callbacks just call nsx_task_wake.
 * This file knows nothing of Lua; src/engine/thread.c builds on it. */
#ifndef NSX_SCHED_H
#define NSX_SCHED_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sched/list.h"

struct nsx_task;
struct nsx_wait;

/* Resumes a task; called only by nsx_sched_pass. */
typedef void (*nsx_task_cb)(struct nsx_task *task);
/* Undoes a wait when its task is cancelled (killed); the wait's event must
 * not wake the task afterwards. */
typedef void (*nsx_wait_cb)(struct nsx_wait *wait);

enum nsx_task_state {
  NSX_TASK_IDLE,     /* not queued: new, running, or finished */
  NSX_TASK_READY,    /* on the run queue */
  NSX_TASK_PARKED    /* waiting on 'wait' */
};

/* What a parked task waits for. 'io' waits end by themselves (a timer or
 * a socket event); the others (mutex, condvar) need another task to act,
 * which is what deadlock detection looks at. */
struct nsx_wait {
  nsx_wait_cb cancel;
  const char *what;
  unsigned io : 1;
};

struct nsx_task {
  struct nsx_list node;       /* link on the run queue */
  nsx_task_cb run;
  struct nsx_wait *wait;      /* while parked */
  enum nsx_task_state state;
};

struct nsx_sched {
  uv_loop_t *loop;
  struct nsx_list ready;
  size_t nready;
  size_t nparked;             /* all parked tasks */
  size_t nparked_io;          /* parked tasks whose wait is 'io' */
  uint64_t resumes;           /* tasks resumed so far (statistics) */
};

void nsx_sched_init(struct nsx_sched *s, uv_loop_t *loop);
void nsx_task_init(struct nsx_task *t, nsx_task_cb run);

/* Queues an idle task to run in a coming pass. */
void nsx_task_ready(struct nsx_sched *s, struct nsx_task *t);

/* Marks the running task 't' as parked on 'w'. The caller then returns to
 * the scheduler (for a Lua thread: yields). */
void nsx_task_park(struct nsx_sched *s, struct nsx_task *t,
                   struct nsx_wait *w);

/* Moves a parked task to the run queue. Waking a task that is not parked
 * is a no-op and returns 0 (its wait was cancelled, or it was woken
 * already); returns 1 if it was woken. */
int nsx_task_wake(struct nsx_sched *s, struct nsx_task *t);

/* Takes a task off the run queue or out of its wait (calling the wait's
 * cancel function), leaving it idle. Used to kill a task. */
void nsx_task_cancel(struct nsx_sched *s, struct nsx_task *t);

/* Resumes every task that was ready when the pass began, in FIFO order.
 * Returns the number resumed. */
size_t nsx_sched_pass(struct nsx_sched *s);

static inline int nsx_sched_has_ready(const struct nsx_sched *s) {
  return s->nready > 0;
}

#endif
