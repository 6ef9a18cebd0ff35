/* coroutine.resume and coroutine.wrap for scripts. When a coroutine that a
 * script resumed blocks in the engine (socket I/O, sleep, mutex, condvar),
 * it yields the scheduler's sentinel; these versions pass that yield up
 * to the script thread's base coroutine, and when the scheduler resumes
 * the thread they resume the inner coroutine exactly where it stopped. A
 * script's own yields work as in plain Lua. Script threads' base
 * coroutines belong to the scheduler: resuming or closing one is refused.
 * coroutine.create is replaced too, only to clear the new coroutine's
 * script-thread mark, which Lua copies from the creating coroutine. */
#include <lauxlib.h>

#include "engine/lcoro.h"
#include "engine/thread.h"

enum { UP_CO = 1 };

/* Is 'co' the base coroutine of a live script thread? [-0, +0, -] */
static int is_script_thread(lua_State *L, int idx) {
  lua_State *co = lua_tothread(L, idx);
  return co && nsx_thread_of(co) != NULL;
}

/* Moves 'narg' values from L to co, resumes co, and moves its results (or
 * its error object) back. Returns the number of results, or -1 with the
 * error object on top. [-narg, +(nres|1), e] */
static int transfer(lua_State *L, lua_State *co, int narg) {
  int status, nres;

  if (!lua_checkstack(co, narg)) {
    lua_pushliteral(L, "too many arguments to resume");
    return -1;
  }
  lua_xmove(L, co, narg);
  status = lua_resume(co, L, narg, &nres);
  if (status != LUA_OK && status != LUA_YIELD) {
    lua_xmove(co, L, 1);
    return -1;
  }
  if (!lua_checkstack(L, nres + 1)) {
    lua_pop(co, nres);
    lua_pushliteral(L, "too many results to resume");
    return -1;
  }
  lua_xmove(co, L, nres);
  return nres;
}

static int resume_k(lua_State *L, int status, lua_KContext wrapped);

/* Resumes co until it does something other than block in the engine.
 * 'base' is the stack index holding co's anchor; values from base+1 up
 * are the arguments. For wrap (wrapped != 0) returns the results or
 * raises; for resume returns true/false plus results. */
static int resume_loop(lua_State *L, lua_State *co, int base,
                       lua_KContext wrapped) {
  struct nsx_engine *E = nsx_engine_of(L);
  int nres = transfer(L, co, lua_gettop(L) - base);

  if (nres < 0) {
    if (wrapped) {
      int st = lua_status(co);
      if (st != LUA_OK && st != LUA_YIELD) {
        lua_resetthread(co);   /* close its to-be-closed variables */
        lua_settop(co, 0);
      }
      if (lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
      }
      return lua_error(L);
    }
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
  }
  if (lua_status(co) == LUA_YIELD && E->current) {
    if (nres == 1 && lua_touserdata(L, -1) == &nsx_yield_sentinel) {
      /* The inner coroutine waits on the engine: wait with it. */
      if (!lua_isyieldable(L)) {
        nsx_task_cancel(&E->sched, &E->current->task);
        return luaL_error(L, "attempt to yield across a C-call boundary "
                             "(blocking call in a coroutine resumed from C)");
      }
      lua_settop(L, base);
      return nsx_yield(L, resume_k, wrapped);
    }
    if (E->current->kill_pending) {
      /* The deadline hook stopped the inner coroutine: stop this one. */
      if (lua_isyieldable(L)) return lua_yield(L, 0);
      return luaL_error(L, "script timed out");
    }
  }
  if (wrapped) return nres;
  lua_pushboolean(L, 1);
  lua_insert(L, -(nres + 1));
  return nres + 1;
}

static int resume_k(lua_State *L, int status, lua_KContext wrapped) {
  (void)status;
  if (wrapped)
    return resume_loop(L, lua_tothread(L, lua_upvalueindex(UP_CO)), 0,
                       wrapped);
  return resume_loop(L, lua_tothread(L, 1), 1, wrapped);
}

/* coroutine.resume(co, ...) [-0, +?, e] */
static int lcoro_resume(lua_State *L) {
  lua_State *co = lua_tothread(L, 1);

  luaL_argexpected(L, co != NULL, 1, "coroutine");
  if (is_script_thread(L, 1)) {
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "cannot resume a script thread: only the engine's "
                       "scheduler resumes it");
    return 2;
  }
  return resume_loop(L, co, 1, 0);
}

static int wrap_call(lua_State *L) {
  return resume_loop(L, lua_tothread(L, lua_upvalueindex(UP_CO)), 0, 1);
}

/* A new coroutine for a script: Lua copies the creating coroutine's extra
 * space into it, so clear the mark that says "script thread". */
static lua_State *new_coroutine(lua_State *L) {
  lua_State *co = lua_newthread(L);
  *(struct nsx_thread **)lua_getextraspace(co) = NULL;
  return co;
}

/* coroutine.create(f) [-0, +1, e] */
static int lcoro_create(lua_State *L) {
  lua_State *co;

  luaL_checktype(L, 1, LUA_TFUNCTION);
  co = new_coroutine(L);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  return 1;
}

/* coroutine.wrap(f) [-0, +1, e] */
static int lcoro_wrap(lua_State *L) {
  lua_State *co;

  luaL_checktype(L, 1, LUA_TFUNCTION);
  co = new_coroutine(L);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  lua_pushcclosure(L, wrap_call, 1);
  return 1;
}

/* coroutine.close(co), refusing script threads. Upvalue 1: the original.
 * [-0, +?, e] */
static int lcoro_close(lua_State *L) {
  luaL_argexpected(L, lua_type(L, 1) == LUA_TTHREAD, 1, "coroutine");
  if (is_script_thread(L, 1))
    return luaL_error(L, "cannot close a script thread: the engine's "
                         "scheduler owns it");
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

void nsx_lcoro_install(lua_State *L) {
  lua_getglobal(L, "coroutine");
  lua_pushcfunction(L, lcoro_create);
  lua_setfield(L, -2, "create");
  lua_pushcfunction(L, lcoro_resume);
  lua_setfield(L, -2, "resume");
  lua_pushcfunction(L, lcoro_wrap);
  lua_setfield(L, -2, "wrap");
  lua_getfield(L, -1, "close");
  lua_pushcclosure(L, lcoro_close, 1);
  lua_setfield(L, -2, "close");
  lua_pop(L, 1);
}
