/* The scan's source of hosts (targets.c). */
#ifndef NSX_TARGETS_H
#define NSX_TARGETS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/engine.h"

struct nsx_tsource;

struct nsx_tsource *nsx_tsource_new(struct nsx_engine *E);
void nsx_tsource_free(struct nsx_tsource *ts);

/* Queues a target expression (address, range, CIDR block, name). Returns
 * 0 or -1 when out of memory; bad expressions are reported when reached. */
int nsx_tsource_add(struct nsx_tsource *ts, const char *expr);

/* nmap.add_targets: queues a valid expression; returns -1 if invalid. */
int nsx_tsource_add_new(struct nsx_tsource *ts, const char *expr);
size_t nsx_tsource_added(const struct nsx_tsource *ts);
size_t nsx_tsource_queued(const struct nsx_tsource *ts);
size_t nsx_tsource_bad(const struct nsx_tsource *ts);

/* The next host: returns 1 with its address and *targetname (the name it
 * was given by, or NULL; valid until the next call), 0 when there are no
 * more, or -1 while a name is being resolved (call again after the loop
 * has run). */
int nsx_tsource_next(struct nsx_tsource *ts, struct sockaddr_storage *addr,
                     const char **targetname);

/* How many hosts the expressions queued so far stand for (names count
 * as one; UINT64_MAX when too many to count). */
uint64_t nsx_tsource_expected(const struct nsx_tsource *ts);

/* Whether a name resolution is in flight. */
int nsx_tsource_busy(const struct nsx_tsource *ts);

#endif
