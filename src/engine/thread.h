/* Script threads: one Lua coroutine per (script, host[, port]) instance,
 * plus the worker threads scripts start with stdnse.new_thread. A thread
 * is a scheduler task; it owns what it acquired (held mutexes, condvar
 * registrations, connected sockets) and gives all of it back when it ends,
 * whatever the cause: return, error, timeout, orphaning or deadlock. */
#ifndef NSX_THREAD_H
#define NSX_THREAD_H

#include "engine/engine.h"

enum nsx_end {
  NSX_END_OK,          /* returned */
  NSX_END_ERROR,       /* raised an error (object on the stack) */
  NSX_END_TIMEOUT,     /* killed by --script-timeout or --host-timeout */
  NSX_END_ORPHAN,      /* a worker whose group has no main thread left */
  NSX_END_STUCK        /* ended by deadlock detection */
};

struct nsx_thread {
  struct nsx_task task;
  struct nsx_engine *E;
  lua_State *co;               /* base coroutine, anchored by co_ref */
  struct nsx_script *script;
  struct nsx_group *group;
  struct nsx_host *host;       /* NULL in pre/post-scan */
  const void *main_co;         /* the main thread's coroutine (gettid) */
  void *io;                    /* the socket it waits on (lsock.c) */
  int co_ref;
  int rec_ref;                 /* worker: its status function, whose
                                  second upvalue receives its error */
  int port_number;             /* -1 unless portrule */
  int nargs;                   /* values to pass at the next resume */
  unsigned char port_proto;
  unsigned char rule;          /* enum nsx_rule */
  unsigned worker : 1;
  unsigned started : 1;        /* the action has begun */
  unsigned kill_pending : 1;   /* deadline passed while running */
  unsigned ending : 1;
  unsigned stuck : 1;          /* found in a deadlock */
  unsigned fresh : 1;          /* main thread never resumed (its rule not
                                  yet evaluated) */
  int64_t mem;                 /* bytes allocated less bytes freed while
                                  it ran (state.c) */
  uint64_t start_ms;
  uint64_t deadline_ms;        /* 0 = none */
  uv_timer_t *deadline;        /* fires at deadline_ms while parked */
  struct nsx_list group_node;
  struct nsx_list held;        /* mutexes held (lsync.c) */
  struct nsx_list cvregs;      /* condvar registrations (lsync.c) */
  struct nsx_list socks;       /* sockets it connected (lsock.c) */
  /* A thread is parked on one thing at a time, so the waits share room
   * (64 bytes less a thread, which a million threads notice). Each list
   * node points at itself when unlinked, so whichever member was used
   * last leaves the node at offset 0 reading "not queued". */
  union {
    struct nsx_sync_waiter waiter;     /* mutex or condvar (lsync.c) */
    struct {
      struct nsx_timeout sleep_to;     /* stdnse.sleep (lsleep.c) */
      struct nsx_wait sleep_wait;
    };
  };
};

/* The script thread whose base coroutine 'co' is, or NULL (a coroutine
 * of a script's own, or one whose thread has ended). */
static inline struct nsx_thread *nsx_thread_of(lua_State *co) {
  return *(struct nsx_thread **)lua_getextraspace(co);
}

/* The thread being resumed, or NULL (start-up, output formatting). */
static inline struct nsx_thread *nsx_thread_current(lua_State *L) {
  return nsx_engine_of(L)->current;
}

/* Creates a main thread for 'script' in group 'g' and queues it. 'rule'
 * says which rule to call; host and port (a port number, or -1) give its
 * arguments. Returns NULL if the Lua state is out of memory. */
struct nsx_thread *nsx_thread_new(struct nsx_engine *E, struct nsx_group *g,
                                  struct nsx_script *script,
                                  enum nsx_rule rule, struct nsx_host *host,
                                  int port_number, int port_proto);

/* stdnse.new_thread(main, ...) -> co, status_fn. [-0, +2, e] */
int nsx_thread_spawn_worker(lua_State *L);

/* Parks the running thread on 'w' and yields to the scheduler; when the
 * thread is woken, 'k' runs with 'ctx' and returns the call's results.
 * Outside a script thread, or where Lua cannot yield, it cancels 'w' and
 * raises an error. Use as: return nsx_park(L, w, k, ctx); [-0, +0, e] */
int nsx_park(lua_State *L, struct nsx_wait *w, lua_KFunction k,
             lua_KContext ctx);

/* The two halves of nsx_park, for waits that park the task themselves
 * (sync.c's queues): check first, then queue, then yield. Returns the
 * running thread. [-0, +0, e] */
struct nsx_thread *nsx_park_check(lua_State *L, const char *what);
int nsx_yield(lua_State *L, lua_KFunction k, lua_KContext ctx);

/* Ends a thread that is not running now: its wait is cancelled, what it
 * holds is released, and its coroutine is left suspended (never resumed
 * again). */
void nsx_thread_kill(struct nsx_thread *t, enum nsx_end why);

/* The value nsx_park yields, so lcoro.c can recognise it. */
extern const char nsx_yield_sentinel;

/* Installs the count hook that enforces deadlines on 'co' (and so on the
 * coroutines it creates). */
void nsx_thread_set_hook(struct nsx_engine *E, lua_State *co);

/* "<id>" or "<id> M:<addr>"/"<id> W:<addr>" plus " against <target>" for
 * log lines; writes into 'buf'. */
const char *nsx_thread_name(const struct nsx_thread *t, int with_addr,
                            char *buf, size_t len);

#endif
