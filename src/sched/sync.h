/* Mutexes and condition variables between tasks: the queueing half of
 * nmap.mutex and nmap.condvar, without Lua. Waiters sit on intrusive
 * queues; a task cancelled while waiting leaves its queue at once, so a
 * lock is never handed to, and a signal never spent on, a dead task.
 * Owners are opaque to this file (in nsx, the Lua coroutine that called);
 * 'owner_ref' is carried along for the caller, who anchors owners. */
#ifndef NSX_SYNC_H
#define NSX_SYNC_H

#include "sched/sched.h"

struct nsx_sync_waiter;
typedef void (*nsx_waiter_cb)(struct nsx_sync_waiter *w);

/* One waiting task. The caller provides the storage; it stays in use until
 * the task is woken or cancelled. */
struct nsx_sync_waiter {
  struct nsx_list node;       /* on a mutex or condvar queue */
  struct nsx_wait wait;       /* what the task is parked on */
  struct nsx_task *task;
  void *owner;                /* who waits (a coroutine) */
  int owner_ref;
  nsx_waiter_cb on_cancel;    /* after leaving the queue on cancel; may
                                 be NULL */
};

struct nsx_mutex {
  struct nsx_list queue;      /* FIFO of nsx_sync_waiter */
  struct nsx_task *holder_task;
  void *holder;               /* NULL when free */
  int holder_ref;
};

struct nsx_condvar {
  struct nsx_list waiters;    /* signal takes the most recent (LIFO) */
};

void nsx_mutex_init(struct nsx_mutex *m);

/* Takes the mutex if it is free and returns 1; returns 0 if it is busy,
 * even when 'owner' holds it already (mutexes are not re-entrant). */
int nsx_mutex_trylock(struct nsx_mutex *m, struct nsx_task *task,
                      void *owner, int owner_ref);

/* Queues 'w' (task, owner, owner_ref, on_cancel filled in by the caller)
 * behind the holder and parks its task; the caller then yields. When the
 * lock is handed over the waiter becomes holder and its task is woken. */
void nsx_mutex_wait(struct nsx_sched *s, struct nsx_mutex *m,
                    struct nsx_sync_waiter *w);

/* Releases the mutex and hands it to the first waiter (FIFO), whose task
 * is woken. Returns that waiter, now the holder, or NULL if the mutex is
 * free. The old holder's owner_ref is the caller's to drop beforehand. */
struct nsx_sync_waiter *nsx_mutex_unlock(struct nsx_sched *s,
                                         struct nsx_mutex *m);

void nsx_condvar_init(struct nsx_condvar *cv);

/* Queues 'w' and parks its task; the caller then yields. */
void nsx_condvar_wait(struct nsx_sched *s, struct nsx_condvar *cv,
                      struct nsx_sync_waiter *w);

/* Wakes the most recently queued waiter and returns it (its owner_ref is
 * the caller's to drop), or returns NULL if none waits. A broadcast is a
 * loop of signals. */
struct nsx_sync_waiter *nsx_condvar_signal(struct nsx_sched *s,
                                           struct nsx_condvar *cv);

#endif
