/* Opens the standard libraries and the C modules nselib needs. lpeg and lfs
 * come from Debian's lua-lpeg and lua-filesystem; openssl and zlib are ours.
 * The engine's own 'nmap' module is opened elsewhere (nmaplib.c). */
#include <lauxlib.h>
#include <lualib.h>

#include "lua/modules.h"

int luaopen_lpeg(lua_State *L);
int luaopen_lfs(lua_State *L);

/* Nmap's own lfs has get_path_separator(), which http-fetch calls at file
 * scope; Debian's lfs does not. [-0, +1, -] */
static int lfs_get_path_separator(lua_State *L) {
  lua_pushliteral(L, "/");
  return 1;
}

static const luaL_Reg cmodules[] = {
  {"lpeg", luaopen_lpeg},
  {"lfs", luaopen_lfs},
  {"openssl", luaopen_openssl},
  {"zlib", luaopen_zlib},
  {NULL, NULL}
};

void nsx_lua_openlibs(lua_State *L) {
  const luaL_Reg *m;

  luaL_openlibs(L);
  for (m = cmodules; m->name; m++) {
    luaL_requiref(L, m->name, m->func, 1);
    lua_pop(L, 1);
  }
  lua_getglobal(L, "lfs");
  lua_pushcfunction(L, lfs_get_path_separator);
  lua_setfield(L, -2, "get_path_separator");
  lua_pop(L, 1);
}
