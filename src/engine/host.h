/* Hosts and their ports as the engine keeps them, and the Lua tables
 * scripts see (spec/nmap-api.md §1-§2). Each thread gets fresh copies of
 * the tables, except host.registry, which the host's threads share. */
#ifndef NSX_HOST_H
#define NSX_HOST_H

#include <lua.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/engine.h"
#include "net/addr.h"
#include "output/results.h"

enum nsx_port_state {
  NSX_PS_OPEN,
  NSX_PS_CLOSED,
  NSX_PS_FILTERED,
  NSX_PS_UNFILTERED,
  NSX_PS_OPEN_FILTERED,
  NSX_PS_CLOSED_FILTERED,
  NSX_PS_COUNT
};

/* A port's service as nmap.set_port_version stored it, or as an earlier
 * scan's XML said (-iL): Nmap's port.version fields. */
struct nsx_version {
  char *name, *product, *version, *extrainfo, *hostname, *ostype;
  char *devicetype, *service_fp;
  int tunnel_ssl;
  char **cpe;
  size_t ncpe;
  const char *probestate;     /* "hardmatched", "softmatched", ... */
  int conf;                   /* name_confidence: 10 when probed */
  unsigned probed : 1;        /* method "probed" (else "table") */
};

struct nsx_port {
  uint16_t number;
  uint8_t proto;              /* enum nsx_proto */
  uint8_t state;              /* enum nsx_port_state */
  const char *reason;         /* "syn-ack", "conn-refused", "user-set"... */
  const char *service;        /* from nmap-services; NULL = unknown */
  struct nsx_version *version;
  struct nsx_results results;
};

struct nsx_host {
  struct nsx_engine *E;
  uint64_t serial;
  struct sockaddr_storage addr;
  struct sockaddr_storage src;   /* our address towards it, if known */
  char ip[NSX_ADDRSTRLEN];
  char *targetname;              /* as given, or NULL for an address */
  char *name;                    /* reverse DNS; "" when none */
  const char *reason;            /* why it is up */
  struct nsx_port *ports;        /* sorted by (proto, number) */
  size_t nports, capports;
  struct nsx_results results;    /* hostrule results */
  int registry_ref;              /* host.registry */
  int table_ref;                 /* the engine's own host table */
  double srtt;                   /* seconds; 0 when not measured */
  uint64_t start_ms, deadline_ms, end_ms;
  unsigned up : 1;
  unsigned timed_out : 1;          /* --host-timeout cut it short */
  unsigned interrupted : 1;        /* SIGINT/SIGTERM cut it short */
  unsigned over_budget : 1;        /* --host-error-budget spent */
  unsigned errors;                 /* socket and script errors so far */
  size_t nsocks;                   /* script sockets open to it */
  struct nsx_list sock_waiters;    /* threads waiting for one of those */
  struct nsx_list budget_node;     /* on the scan's list to cut short */
  struct nsx_group group;        /* the runlevel now running */
  int runlevel;
  struct nsx_list node;          /* on the engine's list of hosts */
  uv_timer_t *timer;             /* --host-timeout */
  void *scan;                    /* port scan state (portscan.c) */
};

/* A deep copy (NULL when out of memory), and freeing one. */
struct nsx_version *nsx_version_copy(const struct nsx_version *v);
void nsx_version_free(struct nsx_version *v);

const char *nsx_port_state_name(int state);
/* Parses a state name; returns -1 if unknown. */
int nsx_port_state_parse(const char *name);

/* A new host with no ports; NULL when out of memory. [-0, +0, m] */
struct nsx_host *nsx_host_new(struct nsx_engine *E,
                              const struct sockaddr *addr,
                              const char *targetname);
void nsx_host_free(struct nsx_host *h);

static inline const char *nsx_host_ip(const struct nsx_host *h) {
  return h->ip;
}
static inline const char *nsx_host_targetname(const struct nsx_host *h) {
  return h->targetname;
}
static inline uint64_t nsx_host_deadline(const struct nsx_host *h) {
  return h->deadline_ms;
}

/* Adds a port (or updates its state). Returns NULL when out of memory. */
struct nsx_port *nsx_host_add_port(struct nsx_host *h, int number, int proto,
                                   int state, const char *reason);
struct nsx_port *nsx_host_port(struct nsx_host *h, int number, int proto);

/* Makes the host visible to nmap.* functions (by _Target and ip) and
 * creates its registry and engine table; nsx_host_free undoes it. */
void nsx_host_publish(lua_State *L, struct nsx_host *h);

/* Pushes a fresh host table for a thread. [-0, +1, m] */
void nsx_host_push_table(lua_State *L, struct nsx_host *h);
/* Pushes a fresh port table. [-0, +1, m] */
void nsx_port_push_table(lua_State *L, struct nsx_host *h, int number,
                         int proto);

/* The host a host-table argument stands for; raises like Nmap when it
 * names no host being scanned. [-0, +0, e] */
struct nsx_host *nsx_host_check(lua_State *L, int idx);

/* The port a port-table argument names on 'h', or NULL; raises on a
 * malformed table. [-0, +0, e] */
struct nsx_port *nsx_port_check(lua_State *L, int idx, struct nsx_host *h);

#endif
