/* The engine's interned table keys (see keys.h). */
#include <lauxlib.h>

#include "engine/keys.h"

int nsx_keys_open(lua_State *L) {
  static const char *const names[] = {
    NULL,
#define NSX_KEY_NAME(e, s) s,
    NSX_KEY_LIST(NSX_KEY_NAME)
#undef NSX_KEY_NAME
  };

  lua_createtable(L, NSX_K_COUNT - 1, 0);
  for (int k = 1; k < NSX_K_COUNT; k++) {
    lua_pushstring(L, names[k]);
    lua_rawseti(L, -2, k);
  }
  return luaL_ref(L, LUA_REGISTRYINDEX);
}
