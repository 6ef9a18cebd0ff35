/* Socket addresses: numeric parsing and printing (no DNS; resolve.c does
 * names). */
#ifndef NSX_ADDR_H
#define NSX_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* Longest text nsx_addr_ntop writes: an IPv6 address with a zone. */
#define NSX_ADDRSTRLEN 64

/* Parses a numeric IPv4 or IPv6 address (IPv6 may carry a "%zone") and
 * stores it with 'port' in 'out'. 'family' AF_UNSPEC accepts both.
 * Returns 0, or -1 if 'text' is not a numeric address of that family. */
int nsx_addr_parse(const char *text, int family, int port,
                   struct sockaddr_storage *out);

/* Writes the address (without port) as text; returns 'buf'. */
const char *nsx_addr_ntop(const struct sockaddr *sa, char *buf, size_t len);

/* The port of an AF_INET/AF_INET6 address; 0 for others. */
int nsx_addr_port(const struct sockaddr *sa);
void nsx_addr_set_port(struct sockaddr_storage *ss, int port);

/* Size of the sockaddr for its family. */
size_t nsx_addr_len(const struct sockaddr *sa);

/* Address bytes in network order (4 or 16), for host.bin_ip. */
const void *nsx_addr_bytes(const struct sockaddr *sa, size_t *len);

/* Compares addresses and ports; 0 when equal. */
int nsx_addr_cmp(const struct sockaddr *a, const struct sockaddr *b);

#endif
