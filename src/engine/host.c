/* Hosts and ports (see host.h). The engine's data lives in C; the Lua
 * tables are built from it for each thread, so a script can change its
 * copy freely and the engine's view only changes through nmap.set_port_*.
 * Hosts are found from a table by its _Target serial or its ip, among the
 * hosts being scanned now (the registry table E->hosts_ref). */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/host.h"
#include "engine/keys.h"
#include "net/addr.h"
#include "target/proto.h"
#include "target/services.h"

static const char *const STATE_NAMES[NSX_PS_COUNT] = {
  "open", "closed", "filtered", "unfiltered", "open|filtered",
  "closed|filtered"
};

static uint64_t next_serial = 1;

/* nsx_port_push_table indexes the interned names by these enums. */
_Static_assert(NSX_K_UDP == NSX_K_TCP + NSX_PROTO_UDP &&
                   NSX_K_SCTP == NSX_K_TCP + NSX_PROTO_SCTP,
               "protocol names follow enum nsx_proto");
_Static_assert(NSX_K_CLOSED == NSX_K_OPEN + NSX_PS_CLOSED &&
                   NSX_K_CLOSED_FILTERED ==
                       NSX_K_OPEN + NSX_PS_CLOSED_FILTERED &&
                   NSX_PS_COUNT == 6,
               "state names follow enum nsx_port_state");

const char *nsx_port_state_name(int state) {
  return state >= 0 && state < NSX_PS_COUNT ? STATE_NAMES[state] : "unknown";
}

int nsx_port_state_parse(const char *name) {
  for (int i = 0; i < NSX_PS_COUNT; i++)
    if (strcmp(name, STATE_NAMES[i]) == 0) return i;
  return -1;
}

/* Our own address towards 'dst': connect() on a UDP socket picks the
 * route without sending anything. The engine's socket for the family
 * serves every host (a UDP socket may be connected again): two system
 * calls per host instead of four; a socket of its own if there is none. */
static void source_addr(struct nsx_engine *E, const struct sockaddr *dst,
                        struct sockaddr_storage *out) {
  struct sockaddr_storage d;
  socklen_t len = sizeof *out;
  int fd = E->route_fd[dst->sa_family == AF_INET6], own = fd < 0;

  memset(out, 0, sizeof *out);
  if (own && (fd = socket(dst->sa_family, SOCK_DGRAM, 0)) < 0) return;
  memcpy(&d, dst, nsx_addr_len(dst));
  nsx_addr_set_port(&d, 9);
  if (connect(fd, (struct sockaddr *)&d, (socklen_t)nsx_addr_len(dst)) < 0 ||
      getsockname(fd, (struct sockaddr *)out, &len) < 0)
    memset(out, 0, sizeof *out);
  if (own) close(fd);
}

struct nsx_host *nsx_host_new(struct nsx_engine *E,
                              const struct sockaddr *addr,
                              const char *targetname) {
  struct nsx_host *h = calloc(1, sizeof *h);

  if (!h) return NULL;
  h->E = E;
  h->serial = next_serial++;
  memcpy(&h->addr, addr, nsx_addr_len(addr));
  nsx_addr_set_port(&h->addr, 0);
  nsx_addr_ntop(addr, h->ip, sizeof h->ip);
  if (targetname && !(h->targetname = strdup(targetname))) goto fail;
  if (!(h->name = strdup(""))) goto fail;
  source_addr(E, addr, &h->src);
  h->reason = "user-set";
  h->registry_ref = LUA_NOREF;
  h->table_ref = LUA_NOREF;
  nsx_list_init(&h->node);
  nsx_list_init(&h->sock_waiters);
  nsx_list_init(&h->budget_node);
  nsx_list_init(&h->group.threads);
  nsx_list_init(&h->group.create_node);
  return h;
fail:
  free(h->targetname);
  free(h);
  return NULL;
}

void nsx_version_free(struct nsx_version *v) {
  if (!v) return;
  free(v->name);
  free(v->product);
  free(v->version);
  free(v->extrainfo);
  free(v->hostname);
  free(v->ostype);
  free(v->devicetype);
  free(v->service_fp);
  for (size_t i = 0; i < v->ncpe; i++) free(v->cpe[i]);
  free(v->cpe);
  free(v);
}

void nsx_host_free(struct nsx_host *h) {
  lua_State *L = h->E->L;

  if (h->table_ref != LUA_NOREF) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->E->hosts_ref);
    lua_pushnil(L);
    lua_rawseti(L, -2, (lua_Integer)h->serial);
    lua_getfield(L, -1, h->ip);
    if (lua_touserdata(L, -1) == h) {
      lua_pushnil(L);
      lua_setfield(L, -3, h->ip);
    }
    lua_pop(L, 2);
    luaL_unref(L, LUA_REGISTRYINDEX, h->table_ref);
    luaL_unref(L, LUA_REGISTRYINDEX, h->registry_ref);
  }
  for (size_t i = 0; i < h->nports; i++) {
    nsx_version_free(h->ports[i].version);
    nsx_results_free(&h->ports[i].results);
  }
  free(h->ports);
  nsx_results_free(&h->results);
  free(h->targetname);
  free(h->name);
  free(h);
}

static int dup_str(char **dst, const char *src) {
  *dst = NULL;
  return src && !(*dst = strdup(src)) ? -1 : 0;
}

struct nsx_version *nsx_version_copy(const struct nsx_version *v) {
  struct nsx_version *c = calloc(1, sizeof *c);
  int bad = 0;

  if (!c) return NULL;
  *c = *v;
  bad |= dup_str(&c->name, v->name);
  bad |= dup_str(&c->product, v->product);
  bad |= dup_str(&c->version, v->version);
  bad |= dup_str(&c->extrainfo, v->extrainfo);
  bad |= dup_str(&c->hostname, v->hostname);
  bad |= dup_str(&c->ostype, v->ostype);
  bad |= dup_str(&c->devicetype, v->devicetype);
  bad |= dup_str(&c->service_fp, v->service_fp);
  c->cpe = NULL;
  c->ncpe = 0;
  if (v->ncpe && (c->cpe = calloc(v->ncpe, sizeof *c->cpe))) {
    for (size_t i = 0; i < v->ncpe; i++)
      bad |= dup_str(&c->cpe[c->ncpe++], v->cpe[i]);
  }
  if (bad || (v->ncpe && !c->cpe)) {
    nsx_version_free(c);
    return NULL;
  }
  return c;
}

static int port_cmp(int proto_a, int num_a, int proto_b, int num_b) {
  if (proto_a != proto_b) return proto_a - proto_b;
  return num_a - num_b;
}

/* Index of the first port not below (proto, number). */
static size_t port_find(const struct nsx_host *h, int number, int proto) {
  size_t lo = 0, hi = h->nports;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (port_cmp(h->ports[mid].proto, h->ports[mid].number, proto,
                 number) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

struct nsx_port *nsx_host_port(struct nsx_host *h, int number, int proto) {
  size_t i = port_find(h, number, proto);
  if (i < h->nports && h->ports[i].number == number &&
      h->ports[i].proto == proto)
    return &h->ports[i];
  return NULL;
}

struct nsx_port *nsx_host_add_port(struct nsx_host *h, int number, int proto,
                                   int state, const char *reason) {
  size_t i = port_find(h, number, proto);
  struct nsx_port *p;

  if (i < h->nports && h->ports[i].number == number &&
      h->ports[i].proto == proto) {
    p = &h->ports[i];
  } else {
    if (h->nports == h->capports) {
      size_t cap = h->capports ? h->capports * 2 : 8;
      void *np = realloc(h->ports, cap * sizeof *h->ports);
      if (!np) return NULL;
      h->ports = np;
      h->capports = cap;
    }
    memmove(&h->ports[i + 1], &h->ports[i],
            (h->nports - i) * sizeof *h->ports);
    h->nports++;
    p = &h->ports[i];
    memset(p, 0, sizeof *p);
    p->number = (uint16_t)number;
    p->proto = (uint8_t)proto;
    p->service = h->E->services
                     ? nsx_services_name(h->E->services, (unsigned)number,
                                         (enum nsx_proto)proto)
                     : NULL;
  }
  p->state = (uint8_t)state;
  p->reason = reason;
  return p;
}

/* t[k] = the string v, if there is one. 't' and 'keys' (the interned
 * key array) are absolute indexes; the tables are ours, with no
 * metatable, so raw sets are what lua_setfield would do. [-0, +0, m] */
static void put_str(lua_State *L, int t, int keys, int k, const char *v) {
  if (!v) return;
  lua_rawgeti(L, keys, k);
  lua_pushstring(L, v);
  lua_rawset(L, t);
}

/* t[k] = the interned string v. [-0, +0, m] */
static void put_key(lua_State *L, int t, int keys, int k, int v) {
  lua_rawgeti(L, keys, k);
  lua_rawgeti(L, keys, v);
  lua_rawset(L, t);
}

static void put_int(lua_State *L, int t, int keys, int k, lua_Integer v) {
  lua_rawgeti(L, keys, k);
  lua_pushinteger(L, v);
  lua_rawset(L, t);
}

static void put_num(lua_State *L, int t, int keys, int k, lua_Number v) {
  lua_rawgeti(L, keys, k);
  lua_pushnumber(L, v);
  lua_rawset(L, t);
}

static void put_bytes(lua_State *L, int t, int keys, int k,
                      const struct sockaddr *sa) {
  size_t len;
  const void *bytes = nsx_addr_bytes(sa, &len);

  lua_rawgeti(L, keys, k);
  lua_pushlstring(L, bytes, len);
  lua_rawset(L, t);
}

/* The fields of a host table, on the table at the top. [-0, +0, m] */
static void fill_host(lua_State *L, struct nsx_host *h) {
  int t = lua_gettop(L), keys = t + 1, times;
  double timeout;

  lua_rawgeti(L, LUA_REGISTRYINDEX, h->E->keys_ref);   /* host, keys */
  put_str(L, t, keys, NSX_K_IP, h->ip);
  put_str(L, t, keys, NSX_K_NAME, h->name);
  put_str(L, t, keys, NSX_K_TARGETNAME, h->targetname);
  put_str(L, t, keys, NSX_K_REASON, h->reason);
  put_int(L, t, keys, NSX_K_REASON_TTL, 0);
  put_bytes(L, t, keys, NSX_K_BIN_IP, (struct sockaddr *)&h->addr);
  if (h->src.ss_family)
    put_bytes(L, t, keys, NSX_K_BIN_IP_SRC, (struct sockaddr *)&h->src);
  put_int(L, t, keys, NSX_K_INTERFACE_MTU, 0);
  /* Nmap's retransmission timeout: srtt + 4 rttvar, at least 100 ms. */
  timeout = h->srtt * 3;
  if (timeout < 0.1) timeout = 0.1;
  if (timeout > 10) timeout = 10;
  lua_rawgeti(L, keys, NSX_K_TIMES);
  lua_createtable(L, 0, 3);                   /* host, keys, "times", times */
  times = lua_gettop(L);
  put_num(L, times, keys, NSX_K_SRTT, h->srtt);
  put_num(L, times, keys, NSX_K_RTTVAR, h->srtt / 2);
  put_num(L, times, keys, NSX_K_TIMEOUT, timeout);
  lua_rawset(L, t);
  lua_rawgeti(L, keys, NSX_K_REGISTRY);
  lua_rawgeti(L, LUA_REGISTRYINDEX, h->registry_ref);
  lua_rawset(L, t);
  put_int(L, t, keys, NSX_K_TARGET, (lua_Integer)h->serial);
  lua_settop(L, t);
}

void nsx_host_publish(lua_State *L, struct nsx_host *h) {
  struct nsx_engine *E = h->E;

  lua_newtable(L);
  h->registry_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_newtable(L);
  fill_host(L, h);
  h->table_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_rawgeti(L, LUA_REGISTRYINDEX, E->hosts_ref);
  lua_pushlightuserdata(L, h);
  lua_rawseti(L, -2, (lua_Integer)h->serial);
  lua_pushlightuserdata(L, h);
  lua_setfield(L, -2, h->ip);
  lua_pop(L, 1);
}

void nsx_host_push_table(lua_State *L, struct nsx_host *h) {
  lua_createtable(L, 0, 14);
  fill_host(L, h);
}

void nsx_port_push_table(lua_State *L, struct nsx_host *h, int number,
                         int proto) {
  struct nsx_port *p = nsx_host_port(h, number, proto);
  struct nsx_version *v = p ? p->version : NULL;
  /* A port nmap-services does not list has no service name at all (nil),
   * as in Nmap; output writers print "unknown" for it. */
  const char *service = p ? p->service : NULL;
  int state = p ? p->state : NSX_PS_OPEN;
  int t, keys, ver, cpe;

  if (v && v->name) service = v->name;
  lua_createtable(L, 0, 7);                         /* port */
  t = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, h->E->keys_ref);   /* port, keys */
  keys = t + 1;
  put_int(L, t, keys, NSX_K_NUMBER, number);
  if (proto >= 0 && proto < NSX_PROTO_COUNT)
    put_key(L, t, keys, NSX_K_PROTOCOL, NSX_K_TCP + proto);
  else
    put_str(L, t, keys, NSX_K_PROTOCOL, "?");
  put_str(L, t, keys, NSX_K_SERVICE, service);
  if (state >= 0 && state < NSX_PS_COUNT)
    put_key(L, t, keys, NSX_K_STATE, NSX_K_OPEN + state);
  else
    put_str(L, t, keys, NSX_K_STATE, "unknown");
  if (p && p->reason)
    put_str(L, t, keys, NSX_K_REASON, p->reason);
  else
    put_key(L, t, keys, NSX_K_REASON, NSX_K_USER_SET);
  put_int(L, t, keys, NSX_K_REASON_TTL, 0);
  lua_rawgeti(L, keys, NSX_K_VERSION);
  lua_createtable(L, 0, 8);                 /* port, keys, "version", ver */
  ver = lua_gettop(L);
  put_str(L, ver, keys, NSX_K_NAME, service);
  put_num(L, ver, keys, NSX_K_NAME_CONFIDENCE,
          v ? (lua_Number)v->conf : 3.0);
  put_key(L, ver, keys, NSX_K_SERVICE_DTYPE,
          v && v->probed ? NSX_K_PROBED : NSX_K_TABLE);
  put_key(L, ver, keys, NSX_K_SERVICE_TUNNEL,
          v && v->tunnel_ssl ? NSX_K_SSL : NSX_K_NONE);
  if (v) {
    put_str(L, ver, keys, NSX_K_PRODUCT, v->product);
    put_str(L, ver, keys, NSX_K_VERSION, v->version);
    put_str(L, ver, keys, NSX_K_EXTRAINFO, v->extrainfo);
    put_str(L, ver, keys, NSX_K_HOSTNAME, v->hostname);
    put_str(L, ver, keys, NSX_K_OSTYPE, v->ostype);
    put_str(L, ver, keys, NSX_K_DEVICETYPE, v->devicetype);
    put_str(L, ver, keys, NSX_K_SERVICE_FP, v->service_fp);
  }
  lua_rawgeti(L, keys, NSX_K_CPE);
  lua_createtable(L, v ? (int)v->ncpe : 0, 0);
  cpe = lua_gettop(L);
  for (size_t i = 0; v && i < v->ncpe; i++) {
    lua_pushstring(L, v->cpe[i]);
    lua_rawseti(L, cpe, (lua_Integer)i + 1);
  }
  lua_rawset(L, ver);                               /* ver.cpe */
  lua_rawset(L, t);                                 /* port.version */
  lua_settop(L, t);
}

struct nsx_host *nsx_host_check(lua_State *L, int idx) {
  struct nsx_engine *E = nsx_engine_of(L);
  struct nsx_host *h = NULL;
  int found = 0;

  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_rawgeti(L, LUA_REGISTRYINDEX, E->hosts_ref);  /* hosts */
  if (lua_getfield(L, idx, "_Target") == LUA_TNUMBER) {
    lua_rawget(L, -2);
    h = lua_touserdata(L, -1);
    found = 1;
  }
  lua_pop(L, 1);
  if (!h) {
    if (lua_getfield(L, idx, "ip") != LUA_TSTRING) {
      lua_pop(L, 1);
      lua_getfield(L, idx, "targetname");
    }
    if (lua_type(L, -1) == LUA_TSTRING) {
      found = 1;
      lua_rawget(L, -2);
      h = lua_touserdata(L, -1);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (!found)
    luaL_error(L, "host table does not have a 'ip' or 'targetname' field");
  if (!h) luaL_argerror(L, idx, "host is not being processed right now");
  return h;
}

struct nsx_port *nsx_port_check(lua_State *L, int idx, struct nsx_host *h) {
  lua_Integer number;
  const char *proto;
  int p;

  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_getfield(L, idx, "number");
  if (!lua_isinteger(L, -1))
    luaL_error(L, "port 'number' field must be an integer");
  number = lua_tointeger(L, -1);
  lua_getfield(L, idx, "protocol");
  proto = lua_tostring(L, -1);
  if (!proto) luaL_error(L, "port 'protocol' field must be a string");
  p = nsx_proto_parse(proto);
  if (p < 0) luaL_error(L, "port 'protocol' field must be tcp, udp or sctp");
  lua_pop(L, 2);
  if (number < 0 || number > 65535) return NULL;
  return nsx_host_port(h, (int)number, p);
}
