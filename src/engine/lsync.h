/* nmap.mutex and nmap.condvar (see lsync.c). */
#ifndef NSX_LSYNC_H
#define NSX_LSYNC_H

#include <lua.h>

struct nsx_thread;

/* Creates the weak caches and metatables. [-0, +0, m] */
void nsx_lsync_open(lua_State *L);

/* nmap.mutex(obj), nmap.condvar(obj). [-0, +1, e] */
int nsx_lsync_mutex(lua_State *L);
int nsx_lsync_condvar(lua_State *L);

/* Releases the mutexes a thread holds (handing each to its next waiter)
 * and broadcasts on every condvar it registered with. */
void nsx_lsync_thread_end(struct nsx_thread *t);

#endif
