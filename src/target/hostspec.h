/* Nmap target expressions ("10.0.0-1.1-3", "10.0.0.0/30", "fe80::1%lo/126",
 * "scanme.nmap.org/28") as lazy iterators of addresses, and the exclusion
 * set behind --exclude and --excludefile. Splitting a command line or file
 * into words and resolving names (resolve.c) are the caller's jobs. */
#ifndef NSX_HOSTSPEC_H
#define NSX_HOSTSPEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct nsx_hostspec;
struct nsx_exclude;

/* Parses one target expression, which is one of:
 *  - IPv4 with an octet set in each of the 4 octets: a number, "a-b",
 *    "-b" (from 0), "a-" (to 255), "-" or "*" (0-255), or a comma list of
 *    these ("10.0-1.0.1,3,5-7"), optionally followed by "/n" (0-32), which
 *    widens every address to its /n block;
 *  - IPv6, optionally with "%zone" (interface name or number) and "/n"
 *    (0-128);
 *  - a hostname, optionally with "/n" (0-128), applied after resolution.
 * Returns the spec (free with nsx_hostspec_free), or NULL with a one-line
 * message naming the problem in 'err' ("invalid target '1.2.3': ..."). A
 * string of only digits, dots, commas, '-' and '*' is always IPv4, so
 * "1.2.3" is an error here, not a name. */
struct nsx_hostspec *nsx_hostspec_parse(const char *text, char *err,
                                        size_t errlen);

/* The hostname to resolve (without "/n"), owned by the spec, or NULL if
 * the expression is numeric. Stays set after nsx_hostspec_resolved. */
const char *nsx_hostspec_name(const struct nsx_hostspec *spec);

/* The "/n" given, or -1 if none. */
int nsx_hostspec_prefix(const struct nsx_hostspec *spec);

/* Supplies the address the name resolved to (AF_INET or AF_INET6; the port
 * is ignored, an IPv6 scope id is kept). Iteration then covers the name's
 * "/n" block, or just that address, and restarts. Returns 0, -EINVAL if
 * the spec has no name or "/n" is above 32 for an IPv4 address, or
 * -EAFNOSUPPORT for another family. */
int nsx_hostspec_resolved(struct nsx_hostspec *spec,
                          const struct sockaddr *addr);

/* Stores the next address (port 0) in '*out' and returns 1, or returns 0
 * when all have been produced, or -EAGAIN if the spec is a name not yet
 * resolved. Addresses come in Nmap's order: IPv4 ascending octet by octet
 * from the first, IPv6 from the start of the block to its end. Nothing is
 * expanded in memory, whatever the size. */
int nsx_hostspec_next(struct nsx_hostspec *spec, struct sockaddr_storage *out);

/* Starts the iteration over from the first address. */
void nsx_hostspec_rewind(struct nsx_hostspec *spec);

/* How many addresses the expression covers, saturating at UINT64_MAX (an
 * IPv6 /64 or wider). An unresolved name counts 1 without "/n", and with
 * it, as an IPv4 block if n <= 32 and an IPv6 block otherwise. */
uint64_t nsx_hostspec_count(const struct nsx_hostspec *spec);

/* Frees the spec. NULL is ignored. */
void nsx_hostspec_free(struct nsx_hostspec *spec);

/* An empty exclusion set, or NULL if out of memory. */
struct nsx_exclude *nsx_exclude_new(void);

/* Adds every address of 'spec' to the set (the spec itself is neither kept
 * nor advanced). Returns 0, -EAGAIN if 'spec' is a name not yet resolved,
 * or -ENOMEM (the set then holds part of 'spec'). */
int nsx_exclude_add(struct nsx_exclude *ex, const struct nsx_hostspec *spec);

/* Parses 'text' with nsx_hostspec_parse and adds it. Names are refused
 * (-EINVAL with a message): resolve them and use nsx_exclude_add. Returns
 * 0, -EINVAL or -ENOMEM, with a message in 'err' on error. */
int nsx_exclude_add_text(struct nsx_exclude *ex, const char *text, char *err,
                         size_t errlen);

/* 1 if 'addr' (AF_INET or AF_INET6) is in the set, else 0. IPv6 zones are
 * not compared. Costs a binary search per O(log n) sorted runs, plus a
 * check of each IPv4 octet-range expression too scattered to store as
 * intervals (more than 4096 of them). */
int nsx_exclude_match(const struct nsx_exclude *ex,
                      const struct sockaddr *addr);

/* Frees the set. NULL is ignored. */
void nsx_exclude_free(struct nsx_exclude *ex);

#endif
