/* Sentinel-passing coroutine.resume/wrap (see lcoro.c). */
#ifndef NSX_LCORO_H
#define NSX_LCORO_H

#include <lua.h>

/* Replaces coroutine.create, resume, wrap and close in the
 * shared 'coroutine' table. [-0, +0, e] */
void nsx_lcoro_install(lua_State *L);

#endif
