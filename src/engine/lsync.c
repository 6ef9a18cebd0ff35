/* nmap.mutex(obj) and nmap.condvar(obj): one function per object, cached
 * with weak values, over the queues of sched/sync.c. A mutex is held by
 * the coroutine that locked it (possibly a nested one) and released,
 * handing it to the next waiter, when its thread ends for any reason.
 * Every thread that called nmap.condvar(obj) broadcasts on it when it
 * ends, which is the seed's "spurious wake-up" guarantee. */
#include <lauxlib.h>
#include <stdlib.h>

#include "engine/lsync.h"
#include "engine/thread.h"

static const char MUTEX_MT[] = "nsx.mutex";
static const char CONDVAR_MT[] = "nsx.condvar";

struct lmutex {
  struct nsx_mutex m;
  struct nsx_list held_node;   /* on the holder thread's 'held' list */
  int self_ref;                /* anchors the userdata while held */
};

struct lcondvar {
  struct nsx_condvar cv;
};

/* A thread's registration on a condvar, broadcast when the thread ends. */
struct cvreg {
  struct nsx_list node;        /* on the thread's 'cvregs' list */
  struct lcondvar *cv;
  int ref;                     /* anchors the condvar function */
};

static struct nsx_thread *thread_of_task(struct nsx_task *task) {
  return (struct nsx_thread *)((char *)task -
                               offsetof(struct nsx_thread, task));
}

static struct lmutex *of_held(struct nsx_list *node) {
  return nsx_list_entry(node, struct lmutex, held_node);
}

/* Drops the anchor of a waiter whose thread was killed while waiting. */
static void waiter_cancelled(struct nsx_sync_waiter *w) {
  struct nsx_thread *t = thread_of_task(w->task);
  luaL_unref(t->E->L, LUA_REGISTRYINDEX, w->owner_ref);
  w->owner_ref = LUA_NOREF;
}

/* Releases 'lm' held by its current holder and hands it on. Runs inside
 * "done" or when the holder's thread ends. [-0, +0, -] */
static void mutex_release(lua_State *L, struct lmutex *lm) {
  struct nsx_engine *E = nsx_engine_of(L);
  struct nsx_sync_waiter *w;

  luaL_unref(L, LUA_REGISTRYINDEX, lm->m.holder_ref);
  nsx_list_unlink(&lm->held_node);
  w = nsx_mutex_unlock(&E->sched, &lm->m);
  if (w) {
    nsx_list_insert_tail(&thread_of_task(w->task)->held, &lm->held_node);
    w->owner_ref = LUA_NOREF;   /* the mutex carries it now */
  } else {
    luaL_unref(L, LUA_REGISTRYINDEX, lm->self_ref);
    lm->self_ref = LUA_NOREF;
  }
}

/* Records the running coroutine as holder. Stack: upvalue holds the
 * userdata. [-0, +0, m] */
static void mutex_took(lua_State *L, struct lmutex *lm, struct nsx_thread *t) {
  nsx_list_insert_tail(&t->held, &lm->held_node);
  lua_pushvalue(L, lua_upvalueindex(1));
  lm->self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

static int lock_k(lua_State *L, int status, lua_KContext ctx) {
  (void)L;
  (void)status;
  (void)ctx;
  return 0;
}

/* The function nmap.mutex returns: fn("lock"|"done"|"trylock"|"running").
 * Upvalue 1: the lmutex userdata. [-0, +(0|1), e] */
static int mutex_fn(lua_State *L) {
  static const char *const ops[] = {"lock", "done", "trylock", "running",
                                    NULL};
  struct lmutex *lm = lua_touserdata(L, lua_upvalueindex(1));
  struct nsx_engine *E = nsx_engine_of(L);
  int op = luaL_checkoption(L, 1, NULL, ops), ref;
  struct nsx_thread *t;

  switch (op) {
  case 0:                                   /* lock */
  case 2:                                   /* trylock */
    t = op == 0 ? nsx_park_check(L, "mutex lock") : E->current;
    if (!t) return luaL_error(L, "mutex trylock: not in a script thread");
    lua_pushthread(L);
    ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (nsx_mutex_trylock(&lm->m, &t->task, L, ref)) {
      mutex_took(L, lm, t);
      if (op == 2) lua_pushboolean(L, 1);
      return op == 2;
    }
    if (op == 2) {
      luaL_unref(L, LUA_REGISTRYINDEX, ref);
      lua_pushboolean(L, 0);
      return 1;
    }
    t->waiter.task = &t->task;
    t->waiter.owner = L;
    t->waiter.owner_ref = ref;
    t->waiter.on_cancel = waiter_cancelled;
    nsx_mutex_wait(&E->sched, &lm->m, &t->waiter);
    return nsx_yield(L, lock_k, 0);
  case 1:                                   /* done */
    if (lm->m.holder != (void *)L)
      return luaL_error(L, "do not have a lock on this mutex");
    mutex_release(L, lm);
    return 0;
  default:                                  /* running */
    if (!lm->m.holder) return 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, lm->m.holder_ref);
    return 1;
  }
}

static int wait_k(lua_State *L, int status, lua_KContext ctx) {
  (void)L;
  (void)status;
  (void)ctx;
  return 0;
}

/* The function nmap.condvar returns: fn("wait"|"signal"|"broadcast").
 * Upvalue 1: the lcondvar userdata. [-0, +0, e] */
static int condvar_fn(lua_State *L) {
  static const char *const ops[] = {"wait", "signal", "broadcast", NULL};
  struct lcondvar *cv = lua_touserdata(L, lua_upvalueindex(1));
  struct nsx_engine *E = nsx_engine_of(L);
  int op = luaL_checkoption(L, 1, NULL, ops);
  struct nsx_thread *t;

  switch (op) {
  case 0:
    t = nsx_park_check(L, "condvar wait");
    t->waiter.task = &t->task;
    t->waiter.owner = L;
    t->waiter.owner_ref = LUA_NOREF;
    t->waiter.on_cancel = NULL;
    nsx_condvar_wait(&E->sched, &cv->cv, &t->waiter);
    return nsx_yield(L, wait_k, 0);
  case 1:
    nsx_condvar_signal(&E->sched, &cv->cv);
    return 0;
  default:
    while (nsx_condvar_signal(&E->sched, &cv->cv)) {}
    return 0;
  }
}

/* Registers the condvar function on top of the stack with the running
 * thread, once per thread. [-0, +0, m] */
static void register_condvar(lua_State *L, struct nsx_thread *t,
                             struct lcondvar *cv) {
  struct nsx_list *it, *tmp;
  struct cvreg *reg;

  nsx_list_foreach_safe(it, tmp, &t->cvregs) {
    if (nsx_list_entry(it, struct cvreg, node)->cv == cv) return;
  }
  reg = malloc(sizeof *reg);
  if (!reg) luaL_error(L, "not enough memory");
  reg->cv = cv;
  lua_pushvalue(L, -1);
  reg->ref = luaL_ref(L, LUA_REGISTRYINDEX);
  nsx_list_insert_tail(&t->cvregs, &reg->node);
}

/* Shared part of nmap.mutex and nmap.condvar: returns the cached function
 * for the object at index 1, or makes one. [-0, +1, e] */
static int sync_get(lua_State *L, int cache_ref, const char *mt,
                    size_t size, lua_CFunction fn, const char *name) {
  int type = lua_type(L, 1);
  void *ud;

  if (type == LUA_TNONE || type == LUA_TNIL || type == LUA_TBOOLEAN ||
      type == LUA_TNUMBER) {
    lua_pushfstring(L, "bad argument #1 to '%s' (object expected)", name);
    return lua_error(L);
  }
  lua_settop(L, 1);
  lua_rawgeti(L, LUA_REGISTRYINDEX, cache_ref);      /* obj, cache */
  lua_pushvalue(L, 1);
  if (lua_rawget(L, 2) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  ud = lua_newuserdatauv(L, size, 0);                /* obj, cache, ud */
  luaL_setmetatable(L, mt);
  if (fn == mutex_fn) {
    struct lmutex *lm = ud;
    nsx_mutex_init(&lm->m);
    nsx_list_init(&lm->held_node);
    lm->self_ref = LUA_NOREF;
  } else {
    nsx_condvar_init(&((struct lcondvar *)ud)->cv);
  }
  lua_pushcclosure(L, fn, 1);                        /* obj, cache, fn */
  lua_pushvalue(L, 1);
  lua_pushvalue(L, -2);
  lua_rawset(L, 2);                                  /* cache[obj] = fn */
  return 1;
}

/* nmap.mutex(obj) [-0, +1, e] */
int nsx_lsync_mutex(lua_State *L) {
  return sync_get(L, nsx_engine_of(L)->mutex_cache_ref, MUTEX_MT,
                  sizeof(struct lmutex), mutex_fn, "mutex");
}

/* nmap.condvar(obj) [-0, +1, e] */
int nsx_lsync_condvar(lua_State *L) {
  struct nsx_engine *E = nsx_engine_of(L);
  struct lcondvar *cv;

  sync_get(L, E->condvar_cache_ref, CONDVAR_MT, sizeof(struct lcondvar),
           condvar_fn, "condvar");
  lua_getupvalue(L, -1, 1);
  cv = lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (E->current) register_condvar(L, E->current, cv);
  return 1;
}

void nsx_lsync_thread_end(struct nsx_thread *t) {
  lua_State *L = t->E->L;
  struct nsx_list *it, *tmp;

  nsx_list_foreach_safe(it, tmp, &t->held) {
    mutex_release(L, of_held(it));
  }
  nsx_list_foreach_safe(it, tmp, &t->cvregs) {
    struct cvreg *reg = nsx_list_entry(it, struct cvreg, node);
    while (nsx_condvar_signal(&t->E->sched, &reg->cv->cv)) {}
    luaL_unref(L, LUA_REGISTRYINDEX, reg->ref);
    nsx_list_unlink(&reg->node);
    free(reg);
  }
}

static int sync_tostring(lua_State *L) {
  lua_pushfstring(L, "%s: %p", luaL_typename(L, 1), lua_topointer(L, 1));
  return 1;
}

void nsx_lsync_open(lua_State *L) {
  struct nsx_engine *E = nsx_engine_of(L);
  int *refs[] = {&E->mutex_cache_ref, &E->condvar_cache_ref};

  for (int i = 0; i < 2; i++) {
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "v");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    *refs[i] = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  luaL_newmetatable(L, MUTEX_MT);
  lua_pushcfunction(L, sync_tostring);
  lua_setfield(L, -2, "__tostring");
  luaL_newmetatable(L, CONDVAR_MT);
  lua_pushcfunction(L, sync_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 2);
}
