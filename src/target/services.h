/* The nmap-services table: service names and open frequencies of ports,
 * per protocol. It answers "what is port N called", "which ports are
 * called NAME" and "which ports are most often open". Turning -p text into
 * port lists is portspec.c's job. */
#ifndef NSX_SERVICES_H
#define NSX_SERVICES_H

#include <stddef.h>
#include <stdint.h>

#include "target/proto.h"

struct nsx_services;

/* Reads the nmap-services file at 'path' (lines "name port/proto freq
 * # comment"; blank lines and '#' comments are skipped, protocols other
 * than tcp, udp and sctp are ignored, a missing frequency counts as 0, and
 * of two entries for one port/protocol the first wins). Returns the table,
 * which the caller frees with nsx_services_free, or NULL with a one-line
 * message in 'err' (I/O error, malformed line with its number, or out of
 * memory). */
struct nsx_services *nsx_services_load(const char *path, char *err,
                                       size_t errlen);

/* Like nsx_services_load, from 'len' bytes at 'text' (copied). 'what' names
 * the source in error messages. */
struct nsx_services *nsx_services_parse(const char *text, size_t len,
                                        const char *what, char *err,
                                        size_t errlen);

/* Frees the table and every name it handed out. NULL is ignored. */
void nsx_services_free(struct nsx_services *svc);

/* The name of 'port' for 'proto' ("http"), owned by the table, or NULL if
 * the file does not list it. */
const char *nsx_services_name(const struct nsx_services *svc, unsigned port,
                              enum nsx_proto proto);

/* How many ports the file lists for 'proto'. */
size_t nsx_services_count(const struct nsx_services *svc,
                          enum nsx_proto proto);

/* Finds the ports of 'proto' whose name matches 'pattern' (exact and case
 * sensitive, except that '*' matches any run of characters and '?' any one
 * character). Writes up to 'max' of them to 'out' in ascending order and
 * returns how many matched in all, which may exceed 'max' (65536 is always
 * enough). */
size_t nsx_services_lookup(const struct nsx_services *svc,
                           const char *pattern, enum nsx_proto proto,
                           uint16_t *out, size_t max);

/* Writes the 'n' ports of 'proto' with the highest open frequency to
 * 'out', most frequent first, ties in ascending port order (the order
 * Nmap's --top-ports uses). Returns how many were written: 'n', or fewer
 * if the file lists fewer ports; 0 if out of memory. The first call for a
 * protocol ranks its ports, later calls only copy. */
size_t nsx_services_top(const struct nsx_services *svc, enum nsx_proto proto,
                        size_t n, uint16_t *out);

/* 1 if 'name' matches the '*'/'?' wildcard 'pattern', else 0. */
int nsx_services_wildmatch(const char *pattern, const char *name);

#endif
