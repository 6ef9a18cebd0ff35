/* The scan's source of hosts (targets.c): target expressions from the
 * command line, -iL files (lists, masscan and Nmap output, read by
 * inputs.c) and nmap.add_targets, expanded lazily, with names resolved on
 * libuv's thread pool. A target may come with known ports (ip:port
 * entries, earlier scans): those are not discovered again. */
#ifndef NSX_TARGETS_H
#define NSX_TARGETS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/engine.h"

struct nsx_tsource;
struct nsx_version;

/* A port the input already knows about. */
struct nsx_known_port {
  uint16_t number;
  uint8_t proto;                 /* enum nsx_proto */
  uint8_t state;                 /* enum nsx_port_state */
  const char *reason;            /* lives as long as the source */
  struct nsx_version *version;   /* owned; NULL if none */
};

/* One host to scan. Pointers stay valid until the next call. */
struct nsx_target {
  struct sockaddr_storage addr;
  const char *targetname;        /* the name it was given by, or NULL */
  const char *ptr;               /* its reverse DNS name, if known */
  const struct nsx_known_port *ports;   /* known ports, or NULL: discover */
  size_t nports;
};

struct nsx_tsource *nsx_tsource_new(struct nsx_engine *E);
void nsx_tsource_free(struct nsx_tsource *ts);

/* Queues a command-line word: a target expression (address, range, CIDR
 * block, name) or host:port[/proto]. Returns 0, or -1 when out of memory;
 * bad words are reported when reached. */
int nsx_tsource_add(struct nsx_tsource *ts, const char *word);

/* -iL: reads targets from a file ("-" is standard input) in any format
 * inputs.c knows, as the scan consumes them. Returns 0, or -1 with a
 * message if it cannot be opened. */
int nsx_tsource_add_file(struct nsx_tsource *ts, const char *path,
                         char *err, size_t errlen);

/* nmap.add_targets: queues a valid expression; returns -1 if invalid. */
int nsx_tsource_add_new(struct nsx_tsource *ts, const char *expr);
size_t nsx_tsource_added(const struct nsx_tsource *ts);
size_t nsx_tsource_queued(const struct nsx_tsource *ts);
size_t nsx_tsource_bad(const struct nsx_tsource *ts);

/* The next host: returns 1 and fills '*out', 0 when there are no more, or
 * -1 while waiting (a name lookup, or input from a pipe): call again after
 * the loop has run. */
int nsx_tsource_next(struct nsx_tsource *ts, struct nsx_target *out);

/* How many hosts the command-line expressions stand for (names count as
 * one; UINT64_MAX when too many); files are not counted. */
uint64_t nsx_tsource_expected(const struct nsx_tsource *ts);

/* Whether a name lookup or a read is in flight. */
int nsx_tsource_busy(const struct nsx_tsource *ts);

#endif
