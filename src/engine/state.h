/* The engine's Lua state (see state.c). */
#ifndef NSX_STATE_H
#define NSX_STATE_H

#include <stddef.h>

#include "engine/engine.h"

/* Creates E->L ready for nselib and scripts; E->dp must be set. Returns
 * 0, or -1 with a message in 'err'. */
int nsx_state_open(struct nsx_engine *E, char *err, size_t errlen);
void nsx_state_close(struct nsx_engine *E);

#endif
