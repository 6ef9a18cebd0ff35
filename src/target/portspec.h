/* Port lists from Nmap's -p syntax, --exclude-ports and --top-ports: one
 * sorted, duplicate-free array of ports per protocol. Service names come
 * from services.h; which protocols a scan actually uses is the caller's
 * business (an unprefixed port lands in all three lists). */
#ifndef NSX_PORTSPEC_H
#define NSX_PORTSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "target/proto.h"
#include "target/services.h"

/* Nmap's default when neither -p nor --top-ports is given. */
#define NSX_PORTLIST_DEFAULT_TOP 1000

/* ports[p] holds n[p] ascending, distinct ports of protocol p; it is NULL
 * when n[p] is 0. The list owns the arrays. An all-zero struct is an empty
 * list, as nsx_portlist_init makes. */
struct nsx_portlist {
  uint16_t *ports[NSX_PROTO_COUNT];
  size_t n[NSX_PROTO_COUNT];
};

/* Makes 'pl' an empty list. */
void nsx_portlist_init(struct nsx_portlist *pl);

/* Frees the arrays and leaves 'pl' empty, ready for reuse. */
void nsx_portlist_free(struct nsx_portlist *pl);

/* Parses a -p (or --exclude-ports) value into 'pl', replacing what it held.
 * Accepted, comma-separated: "80", "1-1024", "-1024" (from 1), "60000-"
 * (to 65535), "-" (1-65535), port 0 only when written as a bound; service
 * names and '*'/'?' patterns ("http", "http*"); "[...]" around entries to
 * keep only ports nmap-services lists; "T:", "U:", "S:" prefixes, which
 * apply to the entries after them up to the next prefix (before any, an
 * entry is for all protocols). Blanks around entries and one trailing comma
 * are allowed. 'svc' may be NULL if no names or brackets are used. Returns
 * 0, or -EINVAL with a one-line message naming the bad entry in 'err', or
 * -ENOMEM; on error 'pl' is unchanged. An empty result is not an error. */
int nsx_portspec_parse(const char *spec, const struct nsx_services *svc,
                       struct nsx_portlist *pl, char *err, size_t errlen);

/* Removes from 'pl' every port that is in 'ex', protocol by protocol. */
void nsx_portlist_subtract(struct nsx_portlist *pl,
                           const struct nsx_portlist *ex);

/* Replaces 'pl' with, per protocol, the 'n' ports of highest frequency in
 * 'svc' that are in 'within' (any port if NULL) and not in 'exclude' (if
 * not NULL). 'pl' may be the same list as 'within' or 'exclude'. Ports
 * nmap-services does not list are never chosen. Returns 0 or -ENOMEM
 * ('pl' unchanged). */
int nsx_portlist_top(struct nsx_portlist *pl, const struct nsx_services *svc,
                     size_t n, const struct nsx_portlist *within,
                     const struct nsx_portlist *exclude);

/* The whole of Nmap's port selection: 'ports' is the -p text or NULL,
 * 'exclude' the --exclude-ports text or NULL, 'top' the --top-ports count
 * or 0 if not given. With 'top' or without 'ports', the result is the top
 * 'top' (default NSX_PORTLIST_DEFAULT_TOP) ports among 'ports' (all if
 * NULL) minus 'exclude'; otherwise 'ports' minus 'exclude'. Returns 0,
 * -EINVAL with a message in 'err' naming the option and entry, or
 * -ENOMEM; on error 'pl' is unchanged. */
int nsx_portspec_select(struct nsx_portlist *pl, const char *ports,
                        const char *exclude, size_t top,
                        const struct nsx_services *svc, char *err,
                        size_t errlen);

/* 1 if 'port' of 'proto' is in 'pl', else 0. */
int nsx_portlist_has(const struct nsx_portlist *pl, enum nsx_proto proto,
                          unsigned port);

/* Writes the ports of 'proto' as Nmap's scaninfo "services" attribute does
 * ("1,3-4,6-7"; "" if none) to 'buf', truncated to 'len' bytes with a NUL.
 * Returns the length of the full text, as snprintf does. */
size_t nsx_portlist_format(const struct nsx_portlist *pl, enum nsx_proto proto,
                           char *buf, size_t len);

#endif
