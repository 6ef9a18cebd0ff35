/* The engine's Lua state, set up the way Nmap's nselib expects it
 * (spec/engine.md §1): standard libraries and C modules as globals, the
 * 'nmap' module, a package searcher for nselib along the data path ahead
 * of Lua's own, coroutine functions that cooperate with the scheduler,
 * stdnse's engine hooks, and a strict _G. */
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/keys.h"
#include "engine/lcoro.h"
#include "engine/lsock.h"
#include "engine/lstdnse.h"
#include "engine/lsync.h"
#include "engine/nmaplib.h"
#include "engine/state.h"
#include "engine/thread.h"
#include "lua/modules.h"
#include "script/datapath.h"

/* package.searchers[1]: "a.b" -> nselib/a/b.lua along the data path.
 * [-1, +2, e] */
static int nselib_searcher(lua_State *L) {
  struct nsx_engine *E = nsx_engine_of(L);
  const char *name = luaL_checkstring(L, 1);
  luaL_Buffer b;
  char *path;

  luaL_buffinit(L, &b);
  luaL_addstring(&b, "nselib/");
  for (const char *p = name; *p; p++) luaL_addchar(&b, *p == '.' ? '/' : *p);
  luaL_addstring(&b, ".lua");
  luaL_pushresult(&b);                              /* name, rel */
  path = nsx_datapath_find(E->dp, lua_tostring(L, -1));
  if (!path) {
    lua_pushfstring(L, "\n\tNSE failed to find %s in search paths.",
                    lua_tostring(L, -1));
    return 1;
  }
  if (luaL_loadfilex(L, path, "t") != LUA_OK) {
    lua_pushfstring(L, "error loading module '%s' from file '%s':\n\t%s",
                    name, path, lua_tostring(L, -1));
    free(path);
    return lua_error(L);
  }
  lua_pushstring(L, path);
  free(path);
  if (strcmp(name, "http") == 0) {
    /* Wrap http's loader so the seed's old names get added. */
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, nsx_lstdnse_http_loader, 1);
    lua_replace(L, -3);
  }
  return 2;
}

static void install_searcher(lua_State *L) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "searchers");                 /* package, searchers */
  for (lua_Integer i = (lua_Integer)luaL_len(L, -1); i >= 1; i--) {
    lua_rawgeti(L, -1, i);
    lua_rawseti(L, -2, i + 1);
  }
  lua_pushcfunction(L, nselib_searcher);
  lua_rawseti(L, -2, 1);
  lua_pop(L, 2);
}

/* Runs require(name) protected; on failure writes the message. */
static int require_lib(lua_State *L, const char *name, char *err,
                       size_t errlen) {
  lua_getglobal(L, "require");
  lua_pushstring(L, name);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    snprintf(err, errlen, "cannot load nselib's '%s': %s", name,
             lua_tostring(L, -1));
    lua_pop(L, 1);
    return -1;
  }
  return 0;
}

/* Lua's allocator, with accounting: every byte is charged to the script
 * thread that is running (E->current) when it is allocated and credited
 * when freed, and an allocation that would take a thread over
 * --script-memory fails. Lua then collects garbage and retries; if the
 * thread is still over, it gets a "not enough memory" error and ends like
 * any failing script, while the scan goes on. Outside threads (start-up,
 * output) nothing is limited. */
/* Blocks of up to NSX_POOL_MAX bytes come from the engine's pool, the
 * rest from malloc. Sanitizer builds leave all of it to malloc, which
 * they watch. */
#if defined(__SANITIZE_ADDRESS__)
#define USE_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define USE_POOL 0
#endif
#endif
#ifndef USE_POOL
#define USE_POOL 1
#endif

/* Frees the block 'ptr' of 'size' bytes (NULL is ignored). */
static void block_free(struct nsx_engine *E, void *ptr, size_t size) {
  if (!ptr) return;
#if USE_POOL
  if (size <= NSX_POOL_MAX) {
    nsx_pool_free(&E->pool, ptr, size);
    return;
  }
#endif
  (void)E;
  (void)size;
  free(ptr);
}

/* realloc() for blocks whose size the caller knows ('old', 0 for a new
 * block). */
static void *block_resize(struct nsx_engine *E, void *ptr, size_t old,
                          size_t nsize) {
#if USE_POOL
  void *p;

  if (old > NSX_POOL_MAX && nsize > NSX_POOL_MAX) return realloc(ptr, nsize);
  if (ptr && old <= NSX_POOL_MAX && nsize <= NSX_POOL_MAX &&
      nsx_pool_same_class(old, nsize))
    return ptr;
  p = nsize <= NSX_POOL_MAX ? nsx_pool_alloc(&E->pool, nsize) : malloc(nsize);
  if (!p) {
    /* Lua counts on a shrink never failing. The old block is large
     * enough; freed later as 'nsize' bytes, it serves that class. */
    return ptr && nsize < old ? ptr : NULL;
  }
  if (!ptr) return p;
  memcpy(p, ptr, old < nsize ? old : nsize);
  block_free(E, ptr, old);
  return p;
#else
  (void)E;
  (void)old;
  return realloc(ptr, nsize);
#endif
}

static void *l_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  struct nsx_engine *E = ud;
  struct nsx_thread *t = E->current;
  size_t old = ptr ? osize : 0;
  void *p;

  if (nsize == 0) {
    block_free(E, ptr, old);
    E->mem -= (int64_t)old;
    if (t) t->mem -= (int64_t)old;
    return NULL;
  }
  if (t && nsize > old && E->opt.script_memory &&
      t->mem + (int64_t)(nsize - old) > (int64_t)E->opt.script_memory)
    return NULL;
  p = block_resize(E, ptr, old, nsize);
  if (!p) return NULL;
  E->mem += (int64_t)nsize - (int64_t)old;
  if (E->mem > E->heap.next) nsx_heap_grew(&E->heap, E->mem);
  if (t) t->mem += (int64_t)nsize - (int64_t)old;
  return p;
}

/* An error outside any protected call is an engine bug: say what it was
 * before aborting. */
static int l_panic(lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  fprintf(stderr, "nsx: internal error: unprotected Lua error: %s\n",
          msg ? msg : "(error object is not a string)");
  fflush(NULL);
  return 0;
}

struct nsx_engine *nsx__engine;

int nsx_state_open(struct nsx_engine *E, char *err, size_t errlen) {
  lua_State *L;

  nsx_pool_init(&E->pool);
  L = lua_newstate(l_alloc, E);
  if (!L) {
    nsx_pool_release(&E->pool);
    snprintf(err, errlen, "cannot create the Lua state: out of memory");
    return -1;
  }
  E->L = L;
  lua_atpanic(L, l_panic);
  nsx__engine = E;
  /* New coroutines copy this: no thread marks the main state. */
  *(void **)lua_getextraspace(L) = NULL;
  /* Incremental collection, a cycle starting when the heap has tripled
   * since the last one ended (a pause of 300%, not Lua's 200%): a scan
   * that starts thousands of threads at once only grows the heap, and
   * every cycle marks every live thread, so fewer cycles is less work; a
   * script that keeps growing its own data peaks at 1.4x the memory.
   * Lua's generational mode did worse once the Lua heap had its own
   * allocator (pool.c): a -sC scan, whose threads mostly die young,
   * kept it falling back to full collections (enterinc, sweep2old), and
   * user time was 2.06-2.29 s against 1.70-1.89 s incremental; a million
   * threads took 1.60-1.75 s against 1.33-1.44 s; banner and workers
   * were the same either way. */
  lua_gc(L, LUA_GCINC, 300, 0, 0);
  nsx_lua_openlibs(L);
  /* Lua 5.1's global, which the seed's example 9.10 still calls. */
  lua_getglobal(L, "table");
  lua_getfield(L, -1, "unpack");
  lua_setglobal(L, "unpack");
  lua_pop(L, 1);

  lua_newtable(L);
  E->hosts_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_newtable(L);
  E->registry_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  E->keys_ref = nsx_keys_open(L);
  nsx_lsync_open(L);

  luaL_requiref(L, "nmap", nsx_luaopen_nmap, 1);    /* nmap */
  lua_getfield(L, -1, "socket");
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "nmap.socket");
  lua_pop(L, 3);

  install_searcher(L);
  nsx_lcoro_install(L);
  if (require_lib(L, "stdnse", err, errlen) < 0) return -1;
  nsx_lstdnse_install(L, lua_gettop(L));
  lua_pop(L, 1);
  if (require_lib(L, "strict", err, errlen) < 0) return -1;
  lua_pushglobaltable(L);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    snprintf(err, errlen, "cannot make _G strict: %s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return -1;
  }
  return 0;
}

void nsx_state_close(struct nsx_engine *E) {
  if (!E->L) return;
  lua_close(E->L);
  E->L = NULL;
  nsx_pool_release(&E->pool);
}
