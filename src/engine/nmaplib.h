/* The 'nmap' Lua module (nmaplib.c, liface.c). */
#ifndef NSX_NMAPLIB_H
#define NSX_NMAPLIB_H

#include <lua.h>

/* Opens the module: its functions, nmap.registry, nmap.socket and
 * nmap.dnet. [-0, +1, m] */
int nsx_luaopen_nmap(lua_State *L);

/* nmap.list_interfaces(), nmap.get_interface_info(name) */
int nsx_nmap_list_interfaces(lua_State *L);
int nsx_nmap_get_interface_info(lua_State *L);

#endif
