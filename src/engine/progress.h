/* The status line on stderr (progress.c). */
#ifndef NSX_PROGRESS_H
#define NSX_PROGRESS_H

#include <stddef.h>

#include "engine/engine.h"

/* Starts the status line: redrawn every second when stderr is a terminal
 * and 'every' is 0; a plain line every 'every' seconds otherwise (logs).
 * Nothing when 'every' is 0 and stderr is not a terminal. */
void nsx_progress_start(struct nsx_engine *E, double every);

/* Erases the line on the terminal; call before printing anything. */
void nsx_progress_clear(void);

void nsx_progress_stop(void);

/* The status text itself. */
void nsx_progress_format(struct nsx_engine *E, char *buf, size_t len);

#endif
