/* luarun: runs a plain Lua test file in a Lua state that has nsx's C modules
 * (lpeg, lfs, openssl, zlib, ...), for unit tests of those modules. Usage:
 *   luarun FILE [ARGS...]      the arguments are in the global 'arg'
 * Exits 0 if the file ran without error, 1 otherwise. The global
 * 'nsx_test_parse_cert' is nmap.socket.parse_ssl_certificate (t-cert.lua). */
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>

#include "lua/cert.h"
#include "lua/modules.h"

static int traceback(lua_State *L) {
  luaL_traceback(L, L, luaL_tolstring(L, 1, NULL), 1);
  return 1;
}

int main(int argc, char **argv) {
  lua_State *L;
  int i, rc;

  if (argc < 2) {
    fprintf(stderr, "usage: luarun FILE [ARGS...]\n");
    return 2;
  }
  L = luaL_newstate();
  nsx_lua_openlibs(L);
  lua_register(L, "nsx_test_parse_cert", nsx_cert_parse);
  lua_createtable(L, argc, 0);
  for (i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - 1);
  }
  lua_setglobal(L, "arg");
  lua_pushcfunction(L, traceback);
  rc = luaL_loadfile(L, argv[1]);
  if (rc == LUA_OK) rc = lua_pcall(L, 0, 0, -2);
  if (rc != LUA_OK) fprintf(stderr, "luarun: %s\n", lua_tostring(L, -1));
  lua_close(L);
  return rc == LUA_OK ? 0 : 1;
}
