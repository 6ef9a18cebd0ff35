/* Script threads and worker threads (see thread.h). A main thread's body
 * re-runs the script file in a fresh environment, calls the rule, then
 * the action, as Nmap does; each step may yield, so the body is a C
 * function with continuations. Ending a thread, for any reason, goes
 * through thread_end, which returns every resource the thread held. */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/host.h"
#include "engine/keys.h"
#include "engine/lsock.h"
#include "engine/lsync.h"
#include "engine/scan.h"
#include "engine/thread.h"

const char nsx_yield_sentinel = 0;

static const char ENV_MT[] = "nsx.script_env_mt";
static const char *const RULE_NAMES[] = {"prerule", "hostrule", "portrule",
                                         "postrule"};

enum { HOOK_COUNT = 1000 };

uint64_t nsx_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct nsx_thread *of_task(struct nsx_task *task) {
  return (struct nsx_thread *)((char *)task -
                               offsetof(struct nsx_thread, task));
}

/* Appends to a name being built, always NUL-terminated, truncating. */
struct namebuf {
  char *p;
  size_t left;                   /* bytes left, the NUL's included */
};

static void name_put(struct namebuf *b, const char *s, size_t n) {
  if (b->left == 0) return;
  if (n >= b->left) n = b->left - 1;
  memcpy(b->p, s, n);
  b->p += n;
  b->left -= n;
  *b->p = '\0';
}

static void name_str(struct namebuf *b, const char *s) {
  name_put(b, s, strlen(s));
}

static void name_port(struct namebuf *b, int port) {
  char digits[12];
  size_t n = sizeof digits;
  unsigned v = (unsigned)port;

  do {
    digits[--n] = (char)('0' + v % 10);
    v /= 10;
  } while (v && n > 0);
  name_put(b, digits + n, sizeof digits - n);
}

/* Written without printf: the -d lines name every thread twice, and
 * printf was most of their cost. */
const char *nsx_thread_name(const struct nsx_thread *t, int with_addr,
                            char *buf, size_t len) {
  const char *ip = t->host ? nsx_host_ip(t->host) : NULL;
  const char *tn = t->host ? nsx_host_targetname(t->host) : NULL;
  struct namebuf b = {buf, len};

  if (len) buf[0] = '\0';
  name_str(&b, t->script->id);
  if (with_addr) {
    /* The address part of tostring(co), as Nmap's getinfo shows it. */
    char addr[32];
    snprintf(addr, sizeof addr, "%p", (const void *)t->co);
    name_str(&b, t->worker ? " W:" : " M:");
    name_str(&b, strncmp(addr, "0x", 2) == 0 ? addr + 2 : addr);
  }
  if (!ip && !tn) return buf;
  name_str(&b, " against ");
  if (tn) {
    name_str(&b, tn);
    if (!ip) return buf;
    name_str(&b, " (");
  }
  name_str(&b, ip);
  if (t->port_number >= 0) {
    name_str(&b, ":");
    name_port(&b, t->port_number);
  }
  if (tn) name_str(&b, ")");
  return buf;
}

/* A thread's deadline passed. When it was its host's --host-timeout, the
 * host has timed out too, whichever of the two timers fires first (both
 * are due in the same millisecond; if this one ended the host's last
 * thread, the host timer would never fire). */
static void deadline_passed(struct nsx_thread *t) {
  uint64_t hd = t->host ? nsx_host_deadline(t->host) : 0;

  if (hd && t->deadline_ms >= hd) nsx_scan_host_expired(t->E, t->host);
}

/* The count hook: ends a thread that runs past its deadline without ever
 * yielding. It yields (the scheduler then kills the thread, leaving its
 * coroutine suspended) or, where Lua cannot yield, raises. */
static void deadline_hook(lua_State *L, lua_Debug *ar) {
  struct nsx_engine *E = nsx_engine_of(L);
  struct nsx_thread *t = E->current;

  (void)ar;
  if (!t || !t->deadline_ms || nsx_now_ms() < t->deadline_ms) return;
  t->kill_pending = 1;
  deadline_passed(t);
  if (lua_isyieldable(L)) {
    lua_yield(L, 0);
    return;
  }
  luaL_error(L, "script timed out");
}

void nsx_thread_set_hook(struct nsx_engine *E, lua_State *co) {
  (void)E;
  lua_sethook(co, deadline_hook, LUA_MASKCOUNT, HOOK_COUNT);
}

static void on_deadline(uv_timer_t *timer) {
  struct nsx_thread *t = timer->data;
  struct nsx_engine *E = t->E;
  char name[400];

  if (E->opt.debug >= 1)
    nsx_debug(E, 1, "%s timed out",
              nsx_thread_name(t, E->opt.debug > 1, name, sizeof name));
  deadline_passed(t);
  nsx_thread_kill(t, NSX_END_TIMEOUT);
}

static void free_timer(uv_handle_t *h) {
  free(h);
}

static void arm_deadline(struct nsx_thread *t) {
  uint64_t now = nsx_now_ms();

  if (!t->deadline_ms) return;
  nsx_thread_set_hook(t->E, t->co);
  t->deadline = malloc(sizeof *t->deadline);
  if (!t->deadline) return;   /* the count hook still applies */
  uv_timer_init(t->E->loop, t->deadline);
  t->deadline->data = t;
  uv_timer_start(t->deadline, on_deadline,
                 t->deadline_ms > now ? t->deadline_ms - now : 0, 0);
}

/* Returns every resource of a thread and frees it. If the thread ended
 * with an error, the error object is on top of 'from' (a state that may
 * be the thread's own coroutine). */
static void thread_end(struct nsx_thread *t, enum nsx_end why) {
  struct nsx_engine *E = t->E;
  lua_State *L = E->L;

  if (t->ending) return;
  t->ending = 1;
  nsx_task_cancel(&E->sched, &t->task);
  if (t->deadline) {
    uv_close((uv_handle_t *)t->deadline, free_timer);
    t->deadline = NULL;
  }
  nsx_lsync_thread_end(t);
  nsx_lsock_thread_end(t);
  if (t->worker && t->rec_ref != LUA_NOREF) {
    luaL_unref(L, LUA_REGISTRYINDEX, t->rec_ref);
    t->rec_ref = LUA_NOREF;
  }
  *(struct nsx_thread **)lua_getextraspace(t->co) = NULL;
  luaL_unref(L, LUA_REGISTRYINDEX, t->co_ref);
  t->co_ref = LUA_NOREF;
  E->nthreads--;
  if (!t->worker) E->nmain--;
  if (t->fresh) E->nfresh--;
  nsx_scan_thread_ended(t, why);
  free(t);
}

/* Records a worker's error object (on top of 'from', which may be the
 * main state) where its status function finds it. [-1, +0, -] */
static void worker_error(struct nsx_thread *t, lua_State *from) {
  lua_State *L = t->E->L;
  if (from != L) lua_xmove(from, L, 1);               /* err */
  lua_rawgeti(L, LUA_REGISTRYINDEX, t->rec_ref);      /* err, status fn */
  lua_insert(L, -2);                                  /* status fn, err */
  lua_setupvalue(L, -2, 2);
  lua_pop(L, 1);
}

/* Is the error object on top of 'co' nmap.new_try's {errtype=...}? Only
 * raw accesses: the coroutine is dead, no metamethod may run on it. */
static int is_try_error(lua_State *co) {
  int yes;
  if (lua_type(co, -1) != LUA_TTABLE) return 0;
  lua_pushliteral(co, "errtype");
  lua_rawget(co, -2);
  yes = lua_type(co, -1) == LUA_TSTRING &&
        strcmp(lua_tostring(co, -1), "nmap.new_try") == 0;
  lua_pop(co, 1);
  return yes;
}

/* Handles an error object on top of t->co after a failed resume. */
static void thread_error(struct nsx_thread *t) {
  struct nsx_engine *E = t->E;
  lua_State *co = t->co;
  char name[400];

  if (t->kill_pending) {
    lua_pop(co, 1);
    nsx_debug(E, 1, "%s timed out",
              nsx_thread_name(t, E->opt.debug > 1, name, sizeof name));
    lua_pushliteral(co, "timed out");
  } else if (is_try_error(co)) {
    /* nmap.new_try's exception: the script ends quietly. */
    lua_pushliteral(co, "message");
    lua_rawget(co, -2);
    lua_remove(co, -2);
    if (E->opt.debug >= 1) {
      nsx_debug(E, 1, "Finished %s. Reason: %s\n",
                nsx_thread_name(t, E->opt.debug > 1, name, sizeof name),
                lua_isstring(co, -1) ? lua_tostring(co, -1) : "(error)");
    }
  } else {
    nsx_scan_thread_failed(E, t, co);
  }
  if (t->worker) {
    worker_error(t, co);
  } else {
    lua_pop(co, 1);
  }
  thread_end(t, t->kill_pending ? NSX_END_TIMEOUT : NSX_END_ERROR);
}

static void thread_run(struct nsx_task *task) {
  struct nsx_thread *t = of_task(task);
  struct nsx_engine *E = t->E;
  lua_State *co = t->co;
  char name[400];
  int nres = 0, rc, nargs = t->nargs;

  t->nargs = 0;
  if (t->fresh) {
    t->fresh = 0;
    E->nfresh--;
  }
  E->current = t;
  rc = lua_resume(co, E->L, nargs, &nres);
  E->current = NULL;
  if (rc == LUA_YIELD) {
    lua_pop(co, nres);
    if (t->task.state == NSX_TASK_PARKED) return;
    if (t->kill_pending) {
      nsx_debug(E, 1, "%s timed out",
                nsx_thread_name(t, E->opt.debug > 1, name, sizeof name));
      if (t->worker) {
        lua_pushliteral(co, "timed out");
        worker_error(t, co);
      }
      thread_end(t, NSX_END_TIMEOUT);
      return;
    }
    nsx_debug(E, 1, "%s yielded unexpectedly and cannot be resumed.",
              nsx_thread_name(t, E->opt.debug > 1, name, sizeof name));
    if (t->worker) {
      lua_pushliteral(co, "yielded unexpectedly and cannot be resumed");
      worker_error(t, co);
    }
    thread_end(t, NSX_END_ERROR);
  } else if (rc == LUA_OK) {
    if (!t->worker && t->started) {
      nsx_scan_thread_result(E, t, co, nres);
      if (E->opt.debug > 0)
        nsx_debug(E, 1, "Finished %s.",
                  nsx_thread_name(t, E->opt.debug > 1, name, sizeof name));
    } else if (t->worker && E->opt.debug > 1) {
      nsx_debug(E, 2, "Finished %s.", nsx_thread_name(t, 1, name,
                                                       sizeof name));
    }
    lua_settop(co, 0);
    thread_end(t, NSX_END_OK);
  } else {
    thread_error(t);
  }
}

enum { STEP_BODY = 1, STEP_RULE, STEP_ACTION };

static int body_k(lua_State *L, int status, lua_KContext step);

/* Entries of the table at 'idx' (raw). [-0, +0, -] */
static int env_entries(lua_State *L, int idx) {
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    n++;
  }
  return n;
}

static int call_action(lua_State *L, struct nsx_thread *t, int nargs) {
  struct nsx_engine *E = t->E;
  char name[400];

  t->started = 1;
  if (E->opt.debug >= 1)
    nsx_debug(E, 1, "Starting %s.",
              nsx_thread_name(t, E->opt.debug > 1, name, sizeof name));
  lua_getfield(L, nargs + 1, "action");
  for (int i = 1; i <= nargs; i++) lua_pushvalue(L, i);
  lua_callk(L, nargs, 2, STEP_ACTION, body_k);
  return body_k(L, LUA_OK, STEP_ACTION);
}

/* Stack: the rule's arguments (host[, port]), then the environment. */
static int body_k(lua_State *L, int status, lua_KContext step) {
  struct nsx_thread *t = nsx_thread_current(L);
  int nargs = t->port_number >= 0 ? 2 : (t->host ? 1 : 0);

  (void)status;
  switch (step) {
  case STEP_BODY:
    if (!t->script->env_size) t->script->env_size = env_entries(L, nargs + 1);
    if (t->script->forced) return call_action(L, t, nargs);
    lua_getfield(L, nargs + 1, RULE_NAMES[t->rule]);
    for (int i = 1; i <= nargs; i++) lua_pushvalue(L, i);
    lua_callk(L, nargs, 1, STEP_RULE, body_k);
    /* fall through */
  case STEP_RULE:
    if (!lua_toboolean(L, -1)) return 0;
    lua_pop(L, 1);
    return call_action(L, t, nargs);
  default:
    return 2;
  }
}

/* The main function of a script thread. [-0, +2, e] */
static int thread_body(lua_State *L) {
  struct nsx_thread *t = nsx_thread_current(L);

  /* Sized for what the script's body will add, as its first run showed:
   * no rehash as the globals come in. */
  lua_createtable(L, 0, t->script->env_size > 3 ? t->script->env_size : 3);
  lua_rawgeti(L, LUA_REGISTRYINDEX, t->E->keys_ref);   /* env, keys */
  lua_rawgeti(L, -1, NSX_K_SCRIPT_PATH);
  lua_pushstring(L, t->script->path);
  lua_rawset(L, -4);
  lua_rawgeti(L, -1, NSX_K_SCRIPT_NAME);
  lua_pushstring(L, t->script->id);
  lua_rawset(L, -4);
  lua_rawgeti(L, -1, NSX_K_SCRIPT_TYPE);
  lua_pushstring(L, RULE_NAMES[t->rule]);
  lua_rawset(L, -4);
  lua_pop(L, 1);                                    /* env */
  lua_rawgeti(L, LUA_REGISTRYINDEX, t->E->env_mt_ref);
  lua_setmetatable(L, -2);
  lua_rawgeti(L, LUA_REGISTRYINDEX, t->script->factory_ref);
  lua_pushvalue(L, -2);                             /* ..., env, f, env */
  lua_call(L, 1, 1);                                /* ..., env, body */
  lua_callk(L, 0, 0, STEP_BODY, body_k);
  return body_k(L, LUA_OK, STEP_BODY);
}

/* Makes the environments' metatable once; a registry reference finds it
 * without a lookup by name for every thread. */
static void env_metatable(struct nsx_engine *E, lua_State *L) {
  if (E->env_mt_ref) return;
  luaL_newmetatable(L, ENV_MT);
  lua_pushglobaltable(L);
  lua_setfield(L, -2, "__index");
  E->env_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

/* Common part of main and worker threads: the struct, its coroutine (left
 * on top of L), and registration. [-0, +1, m] */
static struct nsx_thread *thread_alloc(struct nsx_engine *E, lua_State *L,
                                       struct nsx_group *g,
                                       struct nsx_script *script) {
  struct nsx_thread *t = calloc(1, sizeof *t);

  if (!t) return NULL;
  nsx_task_init(&t->task, thread_run);
  t->E = E;
  t->script = script;
  t->group = g;
  t->port_number = -1;
  t->rec_ref = LUA_NOREF;
  t->start_ms = nsx_now_ms();
  nsx_list_init(&t->group_node);
  nsx_list_init(&t->held);
  nsx_list_init(&t->cvregs);
  nsx_list_init(&t->socks);
  nsx_timeout_init(&t->sleep_to);
  t->co = lua_newthread(L);                         /* co */
  *(struct nsx_thread **)lua_getextraspace(t->co) = t;   /* see lcoro.c */
  lua_pushvalue(L, -1);
  t->co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  E->nthreads++;
  if (E->nthreads > E->nthreads_peak) E->nthreads_peak = E->nthreads;
  E->threads_started++;
  return t;
}

struct nsx_thread *nsx_thread_new(struct nsx_engine *E, struct nsx_group *g,
                                  struct nsx_script *script,
                                  enum nsx_rule rule, struct nsx_host *host,
                                  int port_number, int port_proto) {
  lua_State *L = E->L;
  struct nsx_thread *t;
  uint64_t script_deadline = 0, host_deadline;

  env_metatable(E, L);
  t = thread_alloc(E, L, g, script);
  if (!t) return NULL;
  t->rule = rule;
  t->host = host;
  t->port_number = port_number;
  t->port_proto = port_proto;
  t->main_co = t->co;
  E->nmain++;
  t->fresh = 1;
  E->nfresh++;
  lua_pushcfunction(t->co, thread_body);
  t->nargs = 0;
  if (host) {
    nsx_host_push_table(L, host);
    lua_xmove(L, t->co, 1);
    t->nargs++;
    if (port_number >= 0) {
      nsx_port_push_table(L, host, port_number, port_proto);
      lua_xmove(L, t->co, 1);
      t->nargs++;
    }
  }
  lua_pop(L, 1);                                    /* co */
  if (E->opt.script_timeout > 0)
    script_deadline = t->start_ms + (uint64_t)(E->opt.script_timeout * 1000);
  host_deadline = host ? nsx_host_deadline(host) : 0;
  t->deadline_ms = script_deadline;
  if (host_deadline && (!t->deadline_ms || host_deadline < t->deadline_ms))
    t->deadline_ms = host_deadline;
  arm_deadline(t);
  nsx_list_insert_tail(&g->threads, &t->group_node);
  g->nmain++;
  nsx_task_ready(&E->sched, &t->task);
  return t;
}

/* coroutine.status(co) as seen from L. [-0, +0, -] */
static const char *co_status(lua_State *L, lua_State *co) {
  lua_Debug ar;

  if (L == co) return "running";
  switch (lua_status(co)) {
  case LUA_YIELD:
    return "suspended";
  case LUA_OK:
    if (lua_getstack(co, 0, &ar)) return "normal";   /* it resumed another */
    return lua_gettop(co) == 0 ? "dead" : "suspended";
  default:
    return "dead";
  }
}

/* Status function of a worker: coroutine.status(co), error object.
 * Upvalues: co, the error (nil until the worker fails). [-0, +2, -] */
static int worker_status(lua_State *L) {
  lua_pushstring(L, co_status(L, lua_tothread(L, lua_upvalueindex(1))));
  lua_pushvalue(L, lua_upvalueindex(2));
  return 2;
}

int nsx_thread_spawn_worker(lua_State *L) {
  struct nsx_engine *E = nsx_engine_of(L);
  struct nsx_thread *parent = E->current, *t;
  int n = lua_gettop(L);
  int64_t before;

  if (!parent)
    return luaL_error(L, "stdnse.new_thread can only be run from an "
                         "active script");
  luaL_argexpected(L, lua_type(L, 1) == LUA_TFUNCTION, 1, "function");
  before = parent->mem;
  t = thread_alloc(E, L, parent->group, parent->script);  /* main,...,co */
  if (!t) return luaL_error(L, "not enough memory");
  t->worker = 1;
  t->rule = parent->rule;
  t->host = parent->host;
  t->port_number = parent->port_number;
  t->port_proto = parent->port_proto;
  t->main_co = parent->main_co;
  t->start_ms = parent->start_ms;
  t->deadline_ms = parent->deadline_ms;
  /* The worker's function and arguments go onto its own stack. */
  for (int i = 1; i <= n; i++) lua_pushvalue(L, i);
  lua_xmove(L, t->co, n);
  t->nargs = n - 1;
  lua_pushvalue(L, -1);
  lua_pushnil(L);
  lua_pushcclosure(L, worker_status, 2);            /* ..., co, fn */
  lua_pushvalue(L, -1);
  t->rec_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  /* The worker's own coroutine and status function are its memory, not
   * its parent's (--script-memory). */
  t->mem = parent->mem - before;
  parent->mem = before;
  if (t->deadline_ms) arm_deadline(t);
  nsx_list_insert_tail(&parent->group->threads, &t->group_node);
  parent->group->nworkers++;
  nsx_task_ready(&E->sched, &t->task);
  return 2;
}

static const char *park_problem(lua_State *L) {
  if (!nsx_engine_of(L)->current)
    return "cannot wait outside a script thread";
  if (!lua_isyieldable(L)) return "attempt to yield across a C-call boundary";
  return NULL;
}

struct nsx_thread *nsx_park_check(lua_State *L, const char *what) {
  const char *problem = park_problem(L);
  if (problem) luaL_error(L, "%s: %s", what, problem);
  return nsx_engine_of(L)->current;
}

int nsx_yield(lua_State *L, lua_KFunction k, lua_KContext ctx) {
  lua_pushlightuserdata(L, (void *)&nsx_yield_sentinel);
  return lua_yieldk(L, 1, ctx, k);
}

int nsx_park(lua_State *L, struct nsx_wait *w, lua_KFunction k,
             lua_KContext ctx) {
  const char *problem = park_problem(L);
  struct nsx_engine *E = nsx_engine_of(L);

  if (problem) {
    if (w->cancel) w->cancel(w);
    return luaL_error(L, "%s: %s", w->what, problem);
  }
  nsx_task_park(&E->sched, &E->current->task, w);
  return nsx_yield(L, k, ctx);
}

void nsx_thread_kill(struct nsx_thread *t, enum nsx_end why) {
  if (t->worker) {
    lua_State *L = t->E->L;
    if (why == NSX_END_TIMEOUT)
      lua_pushliteral(L, "timed out");
    else if (why == NSX_END_STUCK)
      lua_pushliteral(L, "deadlock: ended by the scheduler");
    else
      lua_pushliteral(L, "orphaned: its script thread ended");
    worker_error(t, L);
  }
  thread_end(t, why);
}
