/* Fuzzes the script-args parser (script/args.c) differentially: every
 * input goes to nsx_args_parse and to Nmap 7.93's own LPeg grammar
 * (args-ref.lua), which must agree on whether it parses and on the table.
 * The first input byte picks nsx_args_parse on the rest, or nsx_args_load
 * on the rest split at its first NUL into file contents and --script-args.
 * Also checked: the stack moves by exactly the documented amount, an error
 * comes with a message, and nesting stays within NSX_ARGS_MAXDEPTH. */
#include <lauxlib.h>
#include <lualib.h>
#include <string.h>

#include "fuzz.h"
#include "lua/modules.h"
#include "script/args.h"

enum { INPUT_MAX = 8192 };

static lua_State *L;
static int ref_ref = LUA_NOREF;   /* the args-ref.lua module */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  L = luaL_newstate();
  if (!L) abort();
  nsx_lua_openlibs(L);
  if (luaL_dofile(L, NSX_FUZZ_DIR "/args-ref.lua") != LUA_OK) {
    fprintf(stderr, "fuzz-script-args: %s\n", lua_tostring(L, -1));
    abort();
  }
  ref_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

/* Depth of nested tables at 'idx' (1 for a flat table). [-0, +0, -] */
static int depth(lua_State *S, int idx) {
  int d = 0;
  idx = lua_absindex(S, idx);
  luaL_checkstack(S, 3, NULL);
  lua_pushnil(S);
  while (lua_next(S, idx)) {
    FUZZ_CHECK(lua_type(S, -2) == LUA_TSTRING ||
               lua_type(S, -2) == LUA_TNUMBER, "key of type %s",
               luaL_typename(S, -2));
    FUZZ_CHECK(lua_type(S, -1) == LUA_TSTRING ||
               lua_type(S, -1) == LUA_TTABLE, "value of type %s",
               luaL_typename(S, -1));
    if (lua_istable(S, -1)) {
      int k = depth(S, -1);
      if (k > d) d = k;
    }
    lua_pop(S, 1);
  }
  return d + 1;
}

/* Calls ref.<fn> on the strings given (NULL pushes nil); leaves the
 * result (a table or nil) on the stack and returns 1, or returns 0 if the
 * reference raised (LPeg out of stack), pushing nothing. [-0, +(0|1), e] */
static int reference(const char *fn, const char *a, size_t alen,
                     const char *b, size_t blen) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref_ref);         /* ref */
  lua_getfield(L, -1, fn);                            /* ref, fn */
  lua_remove(L, -2);                                  /* fn */
  if (a) lua_pushlstring(L, a, alen); else lua_pushnil(L);
  if (b) lua_pushlstring(L, b, blen); else lua_pushnil(L);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
    lua_pop(L, 1);
    return 0;
  }
  return 1;
}

/* Compares the tables (or nil) at -2 (reference) and -1 (nsx); pops
 * both. */
static void compare(const char *what) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref_ref);
  lua_getfield(L, -1, "diff");
  lua_remove(L, -2);
  lua_pushvalue(L, -3);
  lua_pushvalue(L, -3);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) abort();
  FUZZ_CHECK(lua_isnil(L, -1), "%s: nsx and Nmap disagree: %s", what,
             lua_tostring(L, -1));
  lua_pop(L, 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[512];
  const char *text;
  size_t len;
  int rc, top, ok;

  if (size < 1 || size > INPUT_MAX) return 0;
  text = (const char *)data + 1;
  len = size - 1;
  top = lua_gettop(L);
  memset(err, 'x', sizeof err);
  if (data[0] & 1) {
    /* nsx_args_load: "file" NUL "cli", or just a file. */
    const char *nul = memchr(text, '\0', len);
    char *file = fuzz_cstr((const uint8_t *)text, nul ? (size_t)(nul - text)
                                                      : len);
    char *cli = nul ? fuzz_cstr((const uint8_t *)nul + 1,
                                len - (size_t)(nul - text) - 1) : NULL;
    if (data[0] & 2) {           /* no file: --script-args alone */
      free(file);
      file = cli;
      cli = NULL;
      rc = nsx_args_load(L, NULL, file, err, sizeof err);
      ok = file ? reference("load", NULL, 0, file, strlen(file))
                : reference("load", NULL, 0, NULL, 0);
    } else {
      rc = nsx_args_load(L, file, cli, err, sizeof err);
      ok = reference("load", file, strlen(file), cli, cli ? strlen(cli) : 0);
    }
    free(file);
    free(cli);
  } else {
    rc = nsx_args_parse(L, text, len, err, sizeof err);
    ok = reference("parse", text, len, NULL, 0);
  }
  if (ok) lua_insert(L, rc == 0 ? -2 : -1);     /* ref [, nsx] */
  if (rc == 0) {
    FUZZ_CHECK(lua_gettop(L) == top + 1 + ok, "success pushed %d values",
               lua_gettop(L) - top - ok);
    FUZZ_CHECK(lua_istable(L, -1), "success pushed a %s",
               luaL_typename(L, -1));
    FUZZ_CHECK(depth(L, -1) <= NSX_ARGS_MAXDEPTH + 1, "too deep");
  } else {
    FUZZ_CHECK(rc == -1, "returned %d", rc);
    FUZZ_CHECK(lua_gettop(L) == top + ok, "failure pushed %d values",
               lua_gettop(L) - top - ok);
    FUZZ_CHECK(fuzz_msg_ok(err, sizeof err), "error without a message");
    lua_pushnil(L);
  }
  if (ok) {
    /* nsx refuses nesting deeper than NSX_ARGS_MAXDEPTH, where Nmap's
     * LPeg stack runs out one level later: only compare below that. */
    if (!(rc != 0 && strstr(err, "nested deeper than")))
      compare(data[0] & 1 ? "nsx_args_load" : "nsx_args_parse");
    else
      lua_pop(L, 2);
  } else {
    lua_pop(L, 1);
  }
  FUZZ_CHECK(lua_gettop(L) == top, "stack moved by %d", lua_gettop(L) - top);
  lua_gc(L, LUA_GCSTEP, 0);
  return 0;
}
