/* The C modules that every nsx Lua state has. */
#ifndef NSX_LUA_MODULES_H
#define NSX_LUA_MODULES_H

#include <lua.h>

int luaopen_openssl(lua_State *L);
int luaopen_zlib(lua_State *L);

/* Opens Lua's standard libraries and the C modules Nmap's nselib expects
 * (lpeg, lfs, openssl, zlib) as globals and in package.loaded, the way Nmap
 * opens them. The 'nmap' module is opened by the engine. [-0, +0, e] */
void nsx_lua_openlibs(lua_State *L);

#endif
