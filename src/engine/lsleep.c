/* stdnse.sleep / nmap.socket.sleep. A sleep is a timeout in the engine's
 * FIFO queues (sched/timeq.c), embedded in the thread: no allocation, O(1)
 * to start and cancel. When too many distinct durations are pending at
 * once, a sleep gets a libuv timer of its own instead, freed by libuv's
 * close callback, so a thread killed mid-sleep leaves nothing behind. */
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>

#include "engine/lsock.h"
#include "engine/thread.h"

/* The fallback: a timer of its own. */
struct sleeper {
  uv_timer_t timer;
  struct nsx_wait wait;
  struct nsx_thread *t;
};

static void free_sleeper(uv_handle_t *h) {
  free(h->data);
}

static void on_wake(uv_timer_t *timer) {
  struct sleeper *sl = timer->data;
  struct nsx_thread *t = sl->t;
  uv_close((uv_handle_t *)&sl->timer, free_sleeper);
  nsx_task_wake(&t->E->sched, &t->task);
}

static void on_cancel(struct nsx_wait *w) {
  struct sleeper *sl = (struct sleeper *)((char *)w -
                                          offsetof(struct sleeper, wait));
  uv_timer_stop(&sl->timer);
  uv_close((uv_handle_t *)&sl->timer, free_sleeper);
}

/* The queued sleep of a thread. */
static void on_due(struct nsx_timeout *to) {
  struct nsx_thread *t = (struct nsx_thread *)((char *)to -
                                               offsetof(struct nsx_thread,
                                                        sleep_to));
  nsx_task_wake(&t->E->sched, &t->task);
}

static void on_cancel_queued(struct nsx_wait *w) {
  struct nsx_thread *t = (struct nsx_thread *)((char *)w -
                                               offsetof(struct nsx_thread,
                                                        sleep_wait));
  nsx_timeout_stop(&t->sleep_to);
}

static int sleep_k(lua_State *L, int status, lua_KContext ctx) {
  (void)L;
  (void)status;
  (void)ctx;
  return 0;
}

int nsx_lsock_sleep(lua_State *L) {
  struct nsx_engine *E = nsx_engine_of(L);
  lua_Number secs = luaL_checknumber(L, 1);
  struct nsx_thread *t;
  struct sleeper *sl;
  double ms;

  if (secs < 0)
    return luaL_error(L, "argument to sleep (%f) must not be negative",
                      (double)secs);
  t = nsx_park_check(L, "sleep");
  ms = floor(secs * 1000 + 0.5);
  if (ms > 9e15) ms = 9e15;
  if (nsx_timeout_start(&E->timers, &t->sleep_to, (uint64_t)ms, on_due) == 0) {
    t->sleep_wait.cancel = on_cancel_queued;
    t->sleep_wait.what = "sleep";
    t->sleep_wait.io = 1;
    return nsx_park(L, &t->sleep_wait, sleep_k, 0);
  }
  sl = malloc(sizeof *sl);
  if (!sl) return luaL_error(L, "not enough memory");
  sl->t = t;
  sl->wait.cancel = on_cancel;
  sl->wait.what = "sleep";
  sl->wait.io = 1;
  uv_timer_init(E->loop, &sl->timer);
  sl->timer.data = sl;
  uv_timer_start(&sl->timer, on_wake, (uint64_t)ms, 0);
  return nsx_park(L, &sl->wait, sleep_k, 0);
}
