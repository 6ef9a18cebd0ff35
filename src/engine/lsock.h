/* The socket object of nmap.new_socket / nmap.socket.new (lsock.c). */
#ifndef NSX_LSOCK_H
#define NSX_LSOCK_H

#include <lua.h>

struct nsx_thread;

/* Registers the socket metatable and pushes the nmap.socket module table
 * (new, sleep, get_stats, parse_ssl_certificate). [-0, +1, m] */
void nsx_lsock_open(lua_State *L);

/* nmap.new_socket(proto, af) [-0, +1, e] */
int nsx_lsock_new(lua_State *L);

/* stdnse.sleep / nmap.socket.sleep(seconds) [-0, +0, e] */
int nsx_lsock_sleep(lua_State *L);

/* Closes every connection a thread made, and wakes threads waiting for a
 * socket slot. */
void nsx_lsock_thread_end(struct nsx_thread *t);

#endif
