/* Name resolution on libuv's thread pool, cancellable: once cancelled, a
 * lookup's callback never runs, even if the lookup was already under way
 * (its result is then dropped when it arrives). */
#ifndef NSX_RESOLVE_H
#define NSX_RESOLVE_H

#include <netdb.h>
#include <uv.h>

struct nsx_resolve;

/* status is 0 or a libuv error (UV_EAI_*); 'res' is valid only during the
 * call and only when status is 0. */
typedef void (*nsx_resolve_cb)(void *ud, int status,
                               const struct addrinfo *res);

/* Starts resolving 'name' for 'family' (AF_INET, AF_INET6, AF_UNSPEC).
 * Returns NULL, with *err set, if it could not start. */
struct nsx_resolve *nsx_resolve_start(uv_loop_t *loop, const char *name,
                                      int family, nsx_resolve_cb cb,
                                      void *ud, int *err);

void nsx_resolve_cancel(struct nsx_resolve *r);

/* The text of a resolution error as getaddrinfo's gai_strerror words it
 * (e.g. "Name or service not known"). */
const char *nsx_resolve_strerror(int status);

#endif
