/* stdnse hooks supplied by the engine (spec/engine.md §11): functions
 * that need to know which thread is running. Outside a script thread
 * they return nothing, as Nmap's do. */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "engine/host.h"
#include "engine/lstdnse.h"
#include "engine/thread.h"

static const char SILENT = 0;

void nsx_lstdnse_push_silent(lua_State *L) {
  lua_pushlightuserdata(L, (void *)&SILENT);
}

int nsx_lstdnse_is_silent(lua_State *L, int idx) {
  return lua_touserdata(L, idx) == &SILENT;
}

/* stdnse.base() [-0, +1, -] */
static int l_base(lua_State *L) {
  struct nsx_thread *t = nsx_thread_current(L);
  if (!t) return 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, t->co_ref);
  return 1;
}

/* stdnse.gettid(): tostring of the main thread's coroutine, also for its
 * workers. [-0, +1, m] */
static int l_gettid(lua_State *L) {
  struct nsx_thread *t = nsx_thread_current(L);
  char buf[48];
  if (!t) return 0;
  snprintf(buf, sizeof buf, "thread: %p", t->main_co);
  lua_pushstring(L, buf);
  return 1;
}

static int l_getid(lua_State *L) {
  struct nsx_thread *t = nsx_thread_current(L);
  if (!t) return 0;
  lua_pushstring(L, t->script->id);
  return 1;
}

/* stdnse.getinfo(): "<id> M:<addr>" or "<id> W:<addr>". [-0, +1, m] */
static int l_getinfo(lua_State *L) {
  struct nsx_thread *t = nsx_thread_current(L);
  char buf[300], addr[32];
  if (!t) return 0;
  snprintf(addr, sizeof addr, "%p", (void *)t->co);
  snprintf(buf, sizeof buf, "%s %s:%s", t->script->id, t->worker ? "W" : "M",
           strncmp(addr, "0x", 2) == 0 ? addr + 2 : addr);
  lua_pushstring(L, buf);
  return 1;
}

/* stdnse.gethostport(): the engine's own host and port tables. */
static int l_gethostport(lua_State *L) {
  struct nsx_thread *t = nsx_thread_current(L);
  if (!t || !t->host) return 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, t->host->table_ref);
  if (t->port_number < 0) return 1;
  nsx_port_push_table(L, t->host, t->port_number, t->port_proto);
  return 2;
}

static int l_isworker(lua_State *L) {
  struct nsx_thread *t = nsx_thread_current(L);
  if (!t) return 0;
  lua_pushboolean(L, t->worker);
  return 1;
}

/* stdnse.silent_require(name, ...) [-?, +1, e] */
static int l_silent_require(lua_State *L) {
  struct nsx_engine *E = nsx_engine_of(L);
  int n = lua_gettop(L);

  lua_getglobal(L, "require");
  lua_insert(L, 1);
  if (lua_pcall(L, n, 1, 0) == LUA_OK) return 1;
  if (E->opt.debug >= 1) {
    luaL_traceback(L, L, lua_tostring(L, -1), 0);
    nsx_debug(E, 1, "%s", lua_tostring(L, -1));
  }
  nsx_lstdnse_push_silent(L);
  return lua_error(L);
}

void nsx_lstdnse_install(lua_State *L, int idx) {
  static const luaL_Reg fns[] = {
    {"new_thread", nsx_thread_spawn_worker},
    {"base", l_base},
    {"gettid", l_gettid},
    {"getid", l_getid},
    {"getinfo", l_getinfo},
    {"gethostport", l_gethostport},
    {"isworker", l_isworker},
    {"silent_require", l_silent_require},
    {NULL, NULL}
  };

  idx = lua_absindex(L, idx);
  for (const luaL_Reg *f = fns; f->name; f++) {
    lua_pushstring(L, f->name);
    lua_pushcfunction(L, f->func);
    lua_rawset(L, idx);
  }
}

/* http.pGet(host, port, path, options, cookies, all_requests): queue a GET
 * for http.pipeline. Upvalue 1: the http module. [-?, +1, e] */
static int l_pget(lua_State *L) {
  lua_settop(L, 6);
  lua_getfield(L, lua_upvalueindex(1), "pipeline_add");
  lua_pushvalue(L, 3);                              /* path */
  lua_pushvalue(L, 4);                              /* options */
  lua_pushvalue(L, 6);                              /* all_requests */
  lua_pushliteral(L, "GET");
  lua_call(L, 4, 1);
  return 1;
}

static int pipeline_k(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  (void)ctx;
  return lua_gettop(L) - 3;
}

/* http.pipeline(host, port, all_requests) = http.pipeline_go(...). It
 * does network I/O, so it may yield. [-?, +?, e] */
static int l_pipeline(lua_State *L) {
  lua_settop(L, 3);
  lua_getfield(L, lua_upvalueindex(1), "pipeline_go");
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_pushvalue(L, 3);
  lua_callk(L, 3, LUA_MULTRET, 0, pipeline_k);
  return pipeline_k(L, LUA_OK, 0);
}

int nsx_lstdnse_http_loader(lua_State *L) {
  int n = lua_gettop(L);

  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, 1);                                /* http */
  if (lua_istable(L, -1)) {
    const char *names[] = {"pGet", "pipeline"};
    lua_CFunction fns[] = {l_pget, l_pipeline};
    for (int i = 0; i < 2; i++) {
      lua_pushstring(L, names[i]);
      if (lua_rawget(L, -2) == LUA_TNIL) {
        lua_pushstring(L, names[i]);
        lua_pushvalue(L, -3);
        lua_pushcclosure(L, fns[i], 1);
        lua_rawset(L, -4);
      }
      lua_pop(L, 1);
    }
  }
  return 1;
}
