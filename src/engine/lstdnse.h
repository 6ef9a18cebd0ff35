/* The stdnse functions the engine supplies (lstdnse.c). */
#ifndef NSX_LSTDNSE_H
#define NSX_LSTDNSE_H

#include <lua.h>

/* Installs new_thread, base, gettid, getid, getinfo, gethostport,
 * isworker and silent_require into the stdnse table at 'idx' (with rawset:
 * stdnse's environment is strict). [-0, +0, m] */
void nsx_lstdnse_install(lua_State *L, int idx);

/* The error object silent_require raises: script loading skips the script
 * quietly when it sees it. */
void nsx_lstdnse_push_silent(lua_State *L);
int nsx_lstdnse_is_silent(lua_State *L, int idx);

/* Loader wrapper for nselib's http: runs the real loader (upvalue 1) and
 * adds http.pGet and http.pipeline, the names the seed's example 9.10
 * uses, as thin aliases of pipeline_add and pipeline_go. [-?, +1, e] */
int nsx_lstdnse_http_loader(lua_State *L);

#endif
