/* Script files: compiling, the load-time run that reads a script's
 * fields, and runlevels from dependencies (loader.c). */
#ifndef NSX_LOADER_H
#define NSX_LOADER_H

#include <stddef.h>

#include "engine/engine.h"

/* Loads the script at s->path (s->id set by the caller): compiles it into
 * s->factory_ref and runs its body once to read action, categories,
 * dependencies and the rules. Returns 0; 1 when the script asked to be
 * skipped quietly (stdnse.silent_require of a missing module); or -1 with
 * a message naming the file and the problem. [-0, +0, m] */
int nsx_script_load(lua_State *L, struct nsx_script *s, char *err,
                    size_t errlen);

/* Releases what nsx_script_load and the caller allocated. */
void nsx_script_free(lua_State *L, struct nsx_script *s);

/* Sets each script's runlevel to 1 + the deepest selected dependency and
 * the highest into *maxlevel. Returns 0, or -1 on a dependency cycle
 * ("circular dependency in chain `a->b->a`"). */
int nsx_scripts_runlevels(struct nsx_script *v, size_t n, int *maxlevel,
                          char *err, size_t errlen);

#endif
