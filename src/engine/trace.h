/* --script-trace logging of socket events and data (trace.c). */
#ifndef NSX_TRACE_H
#define NSX_TRACE_H

#include <stddef.h>

#include "engine/engine.h"
#include "net/sock.h"

/* "NSE: TCP local > remote | WHAT" when --script-trace is on. */
void nsx_trace_event(struct nsx_engine *E, struct nsx_sock *s,
                     const char *what);

/* The data sent ('received' 0) or received, as a hex dump. */
void nsx_trace_data(struct nsx_engine *E, struct nsx_sock *s, int received,
                    const char *data, size_t len);

#endif
