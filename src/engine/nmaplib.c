/* The 'nmap' Lua module (spec/nmap-api.md §3): everything but sockets
 * (lsock.c), mutexes and condvars (lsync.c) and interfaces (liface.c).
 * Functions that take a host table find the engine's host through it
 * (host.c) and raise like Nmap's when it names no host being scanned. */
#include <lauxlib.h>
#include <math.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "engine/host.h"
#include "engine/lsock.h"
#include "engine/lsync.h"
#include "engine/nmaplib.h"
#include "engine/scan.h"
#include "engine/thread.h"
#include "net/addr.h"
#include "net/resolve.h"
#include "script/datapath.h"
#include "target/proto.h"

static int l_debugging(lua_State *L) {
  lua_pushinteger(L, nsx_engine_of(L)->opt.debug);
  return 1;
}

/* -v level, plus one inside threads of scripts selected by name. */
static int l_verbosity(lua_State *L) {
  struct nsx_engine *E = nsx_engine_of(L);
  int v = E->opt.verbose;
  if (E->current && E->current->script->by_name) v++;
  lua_pushinteger(L, v);
  return 1;
}

static int l_version_intensity(lua_State *L) {
  struct nsx_engine *E = nsx_engine_of(L);
  lua_Integer v = E->opt.version_intensity;

  if (E->current && E->current->script->by_name) {
    lua_pushinteger(L, 9);
    return 1;
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, E->registry_ref);
  if (lua_getfield(L, -1, "args") == LUA_TTABLE &&
      lua_getfield(L, -1, "script-intensity") != LUA_TNIL) {
    int ok;
    lua_Integer n = lua_tointegerx(L, -1, &ok);
    if (ok && n >= 0 && n <= 9) v = n;
  }
  lua_pushinteger(L, v);
  return 1;
}

static int l_timing_level(lua_State *L) {
  lua_pushinteger(L, nsx_engine_of(L)->opt.timing);
  return 1;
}

static int l_address_family(lua_State *L) {
  lua_pushstring(L, nsx_engine_of(L)->opt.family == AF_INET6 ? "inet6"
                                                             : "inet");
  return 1;
}

static int l_clock(lua_State *L) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  lua_pushnumber(L, (lua_Number)tv.tv_sec + tv.tv_usec / 1e6);
  return 1;
}

static int l_clock_ms(lua_State *L) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  lua_pushnumber(L, ceil((lua_Number)tv.tv_sec * 1000 + tv.tv_usec / 1e3));
  return 1;
}

/* nmap.log_write("stdout"|"stderr", s) [-0, +0, e] */
static int l_log_write(lua_State *L) {
  static const char *const where[] = {"stdout", "stderr", NULL};
  struct nsx_engine *E = nsx_engine_of(L);
  int w = luaL_checkoption(L, 1, NULL, where);
  const char *s = luaL_checkstring(L, 2);
  FILE *f = w == 0 ? E->log : stderr;

  fprintf(f, "NSE: %s\n", s);
  fflush(f);
  return 0;
}

static int l_fetchfile(lua_State *L) {
  char *path = nsx_datapath_find(nsx_engine_of(L)->dp, luaL_checkstring(L, 1));
  if (!path) return 0;
  lua_pushstring(L, path);
  free(path);
  return 1;
}

/* nsx sends no raw packets, so scripts that need them stand aside. */
static int l_is_privileged(lua_State *L) {
  lua_pushboolean(L, 0);
  return 1;
}

static int l_get_interface(lua_State *L) {
  const char *e = nsx_engine_of(L)->opt.interface;
  if (!e) return 0;
  lua_pushstring(L, e);
  return 1;
}

static int l_get_ttl(lua_State *L) {
  int ttl = nsx_engine_of(L)->opt.ttl;
  lua_pushinteger(L, ttl > 0 && ttl < 256 ? ttl : 64);
  return 1;
}

static int l_get_payload_length(lua_State *L) {
  lua_pushinteger(L, nsx_engine_of(L)->opt.data_length);
  return 1;
}

static int l_have_ssl(lua_State *L) {
  lua_pushboolean(L, 1);
  return 1;
}

static int l_get_random_bytes(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  luaL_Buffer b;
  unsigned char *p;

  luaL_argcheck(L, n >= 0, 1, "must not be negative");
  p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)n);
  if (n > 0 && RAND_bytes(p, (int)n) != 1)
    return luaL_error(L, "cannot get random bytes");
  luaL_pushresultsize(&b, (size_t)n);
  return 1;
}

/* nmap.get_dns_servers(): the nameservers of /etc/resolv.conf. */
static int l_get_dns_servers(lua_State *L) {
  FILE *f = fopen("/etc/resolv.conf", "r");
  char line[512], addr[256];
  lua_Integer n = 0;

  lua_newtable(L);
  if (!f) return 1;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, " nameserver %255s", addr) == 1) {
      lua_pushstring(L, addr);
      lua_rawseti(L, -2, ++n);
    }
  }
  fclose(f);
  return 1;
}

static int l_new_dnet(lua_State *L) {
  return luaL_error(L, "raw packets are not supported by nsx (new_dnet)");
}

/* new_try(handler): try(status, ...) returns ... when status is truthy;
 * else calls handler() and raises {errtype="nmap.new_try", message=...}.
 * Upvalue 1: the handler or nil. */

static int try_raise(lua_State *L, int status, lua_KContext msg_index) {
  (void)status;
  lua_createtable(L, 0, 2);
  lua_pushliteral(L, "nmap.new_try");
  lua_setfield(L, -2, "errtype");
  lua_pushvalue(L, (int)msg_index);
  lua_setfield(L, -2, "message");
  return lua_error(L);
}

static int l_try(lua_State *L) {
  int n = lua_gettop(L), t = lua_type(L, 1);

  if (t != LUA_TBOOLEAN && t != LUA_TNIL && t != LUA_TNONE) {
    fputs("finalizing a non-conforming function that did not first return "
          "a boolean\n", stderr);
  }
  if (lua_toboolean(L, 1)) return n - 1;
  lua_settop(L, 2);
  if (!lua_isnil(L, lua_upvalueindex(1))) {
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_callk(L, 0, 0, 2, try_raise);
  }
  return try_raise(L, LUA_OK, 2);
}

static int l_new_try(lua_State *L) {
  lua_settop(L, 1);
  if (!lua_isnil(L, 1)) luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_pushcclosure(L, l_try, 1);
  return 1;
}

/* Port state and version. */

static int l_get_port_state(lua_State *L) {
  struct nsx_host *h = nsx_host_check(L, 1);
  struct nsx_port *p = nsx_port_check(L, 2, h);
  if (!p) return 0;
  nsx_port_push_table(L, h, p->number, p->proto);
  return 1;
}

/* nmap.get_ports(host, prev, proto, state) [-0, +1, e] */
static int l_get_ports(lua_State *L) {
  static const char *const states[] = {"open", "closed", "filtered",
                                       "unfiltered", "open|filtered",
                                       "closed|filtered", NULL};
  struct nsx_host *h = nsx_host_check(L, 1);
  const char *proto_name = luaL_checkstring(L, 3);
  int state = luaL_checkoption(L, 4, NULL, states), proto;
  size_t i = 0;

  proto = nsx_proto_parse(proto_name);
  luaL_argcheck(L, proto >= 0, 3, "protocol must be tcp, udp or sctp");
  if (!lua_isnil(L, 2)) {
    lua_Integer after;
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, 2, "number");
    after = luaL_checkinteger(L, -1);
    lua_pop(L, 1);
    while (i < h->nports && (h->ports[i].proto < proto ||
                             (h->ports[i].proto == proto &&
                              h->ports[i].number <= after)))
      i++;
  }
  for (; i < h->nports; i++) {
    struct nsx_port *p = &h->ports[i];
    if (p->proto == proto && p->state == state) {
      nsx_port_push_table(L, h, p->number, p->proto);
      return 1;
    }
  }
  return 0;
}

static int l_set_port_state(lua_State *L) {
  static const char *const states[] = {"open", "closed", NULL};
  struct nsx_host *h = nsx_host_check(L, 1);
  struct nsx_port *p = nsx_port_check(L, 2, h);
  int st = luaL_checkoption(L, 3, NULL, states) == 0 ? NSX_PS_OPEN
                                                     : NSX_PS_CLOSED;
  if (p && p->state != st) {
    p->state = (uint8_t)st;
    p->reason = "script-set";
  }
  return 0;
}

/* Copies version field 'key' of the table on top into '*dst'. */
static void take_field(lua_State *L, const char *key, char **dst) {
  const char *s;
  free(*dst);
  *dst = NULL;
  lua_getfield(L, -1, key);
  s = lua_tostring(L, -1);
  if (s) *dst = strdup(s);
  lua_pop(L, 1);
}

/* nmap.set_port_version(host, port[, probestate]) [-0, +0, e] */
static int l_set_port_version(lua_State *L) {
  static const char *const states[] = {"hardmatched", "softmatched",
                                       "nomatch", "tcpwrapped",
                                       "incomplete", NULL};
  struct nsx_host *h = nsx_host_check(L, 1);
  struct nsx_port *p = nsx_port_check(L, 2, h);
  int ps = luaL_checkoption(L, 3, "hardmatched", states);
  struct nsx_version *v;
  const char *tunnel;

  if (lua_getfield(L, 2, "version") != LUA_TTABLE)
    return luaL_error(L, "port 'version' field must be a table");
  lua_getfield(L, -1, "service_tunnel");
  tunnel = lua_tostring(L, -1);
  if (tunnel && strcmp(tunnel, "none") != 0 && strcmp(tunnel, "ssl") != 0)
    return luaL_error(L, "invalid value for port.version.service_tunnel");
  lua_pop(L, 1);
  lua_getfield(L, -1, "cpe");
  if (!lua_isnil(L, -1) && !lua_istable(L, -1))
    return luaL_error(L, "port.version 'cpe' field must be a table");
  lua_pop(L, 1);
  if (!p) return 0;
  if (!p->version && !(p->version = calloc(1, sizeof *p->version)))
    return luaL_error(L, "not enough memory");
  v = p->version;
  take_field(L, "name", &v->name);
  take_field(L, "product", &v->product);
  take_field(L, "version", &v->version);
  take_field(L, "extrainfo", &v->extrainfo);
  take_field(L, "hostname", &v->hostname);
  take_field(L, "ostype", &v->ostype);
  take_field(L, "devicetype", &v->devicetype);
  take_field(L, "service_fp", &v->service_fp);
  if (ps == 0) {
    free(v->service_fp);
    v->service_fp = NULL;
  }
  v->tunnel_ssl = tunnel && strcmp(tunnel, "ssl") == 0;
  v->probestate = states[ps];
  v->probed = 1;
  v->conf = 10;
  for (size_t i = 0; i < v->ncpe; i++) free(v->cpe[i]);
  free(v->cpe);
  v->cpe = NULL;
  v->ncpe = 0;
  if (lua_getfield(L, -1, "cpe") == LUA_TTABLE) {
    size_t n = (size_t)luaL_len(L, -1);
    v->cpe = calloc(n ? n : 1, sizeof *v->cpe);
    for (size_t i = 0; v->cpe && i < n; i++) {
      lua_rawgeti(L, -1, (lua_Integer)i + 1);
      if (lua_tostring(L, -1)) v->cpe[v->ncpe++] = strdup(lua_tostring(L, -1));
      lua_pop(L, 1);
    }
  }
  return 0;
}

/* nmap.resolve(name[, family]) -> true, {addresses} | false, msg */

struct resolve_op {
  struct nsx_wait wait;
  struct nsx_resolve *r;
  struct nsx_thread *t;
  int status;
  int family;
  char addrs[16][NSX_ADDRSTRLEN];
  int n;
};

static void collect(struct resolve_op *op, const struct addrinfo *res) {
  for (; res && op->n < 16; res = res->ai_next) {
    char buf[NSX_ADDRSTRLEN];
    int dup = 0;
    if (op->family != AF_UNSPEC && res->ai_family != op->family) continue;
    nsx_addr_ntop(res->ai_addr, buf, sizeof buf);
    for (int i = 0; i < op->n; i++) dup |= strcmp(op->addrs[i], buf) == 0;
    if (!dup) strcpy(op->addrs[op->n++], buf);
  }
}

static int resolve_result(lua_State *L, struct resolve_op *op) {
  if (op->status < 0) {
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "Failed to resolve");
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_createtable(L, op->n, 0);
  for (int i = 0; i < op->n; i++) {
    lua_pushstring(L, op->addrs[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 2;
}

static void on_resolved(void *ud, int status, const struct addrinfo *res) {
  struct resolve_op *op = ud;
  op->r = NULL;
  op->status = status;
  if (status == 0) collect(op, res);
  nsx_task_wake(&op->t->E->sched, &op->t->task);
}

static void resolve_cancel(struct nsx_wait *w) {
  struct resolve_op *op = (struct resolve_op *)w;
  if (op->r) nsx_resolve_cancel(op->r);
  op->r = NULL;
}

static int resolve_k(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  (void)ctx;
  return resolve_result(L, lua_touserdata(L, 3));
}

static int l_resolve(lua_State *L) {
  static const char *const fams[] = {"inet", "inet6", "unspec", NULL};
  static const int famv[] = {AF_INET, AF_INET6, AF_UNSPEC};
  struct nsx_engine *E = nsx_engine_of(L);
  const char *name = luaL_checkstring(L, 1);
  int fam = famv[luaL_checkoption(L, 2, "unspec", fams)], err;
  struct resolve_op *op;

  lua_settop(L, 2);
  op = lua_newuserdatauv(L, sizeof *op, 0);          /* name, fam, op */
  memset(op, 0, sizeof *op);
  op->family = fam;
  if (!E->current || !lua_isyieldable(L)) {
    /* No thread to park (a script's file scope): look it up directly. */
    struct addrinfo hints = {0}, *res;
    hints.ai_family = fam;
    hints.ai_socktype = SOCK_STREAM;
    op->status = getaddrinfo(name, NULL, &hints, &res) == 0 ? 0 : -1;
    if (op->status == 0) {
      collect(op, res);
      freeaddrinfo(res);
    }
    return resolve_result(L, op);
  }
  op->t = E->current;
  op->r = nsx_resolve_start(E->loop, name, fam, on_resolved, op, &err);
  if (!op->r) {
    op->status = err;
    return resolve_result(L, op);
  }
  op->wait.cancel = resolve_cancel;
  op->wait.what = "resolve";
  op->wait.io = 1;
  return nsx_park(L, &op->wait, resolve_k, 0);
}

static int l_add_targets(lua_State *L) {
  struct nsx_engine *E = nsx_engine_of(L);
  int n = lua_gettop(L), added = 0;

  if (n == 0) {
    lua_pushinteger(L, (lua_Integer)nsx_scan_targets_queued(E));
    return 1;
  }
  for (int i = 1; i <= n; i++) {
    const char *t = lua_tostring(L, i);
    if (t && nsx_scan_add_target(E, t) == 0) added++;
  }
  lua_pushinteger(L, added);
  if (added == 0) {
    lua_pushliteral(L, "failed to add new targets.");
    return 2;
  }
  return 1;
}

static int l_new_targets_num(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)nsx_scan_targets_added(nsx_engine_of(L)));
  return 1;
}

static int l_port_is_excluded(lua_State *L) {
  lua_Integer port = luaL_checkinteger(L, 1);
  int proto = nsx_proto_parse(luaL_checkstring(L, 2));

  luaL_argcheck(L, proto >= 0, 2, "protocol must be tcp, udp or sctp");
  lua_pushboolean(L, nsx_scan_port_excluded(nsx_engine_of(L), (int)port,
                                            proto));
  return 1;
}

int nsx_luaopen_nmap(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"add_targets", l_add_targets},
    {"address_family", l_address_family},
    {"clock", l_clock},
    {"clock_ms", l_clock_ms},
    {"condvar", nsx_lsync_condvar},
    {"debugging", l_debugging},
    {"fetchfile", l_fetchfile},
    {"get_dns_servers", l_get_dns_servers},
    {"get_interface", l_get_interface},
    {"get_interface_info", nsx_nmap_get_interface_info},
    {"get_payload_length", l_get_payload_length},
    {"get_port_state", l_get_port_state},
    {"get_ports", l_get_ports},
    {"get_random_bytes", l_get_random_bytes},
    {"get_ttl", l_get_ttl},
    {"have_ssl", l_have_ssl},
    {"is_privileged", l_is_privileged},
    {"list_interfaces", nsx_nmap_list_interfaces},
    {"log_write", l_log_write},
    {"mutex", nsx_lsync_mutex},
    {"new_dnet", l_new_dnet},
    {"new_socket", nsx_lsock_new},
    {"new_targets_num", l_new_targets_num},
    {"new_try", l_new_try},
    {"port_is_excluded", l_port_is_excluded},
    {"resolve", l_resolve},
    {"set_port_state", l_set_port_state},
    {"set_port_version", l_set_port_version},
    {"timing_level", l_timing_level},
    {"verbosity", l_verbosity},
    {"version_intensity", l_version_intensity},
    {NULL, NULL}
  };
  struct nsx_engine *E = nsx_engine_of(L);

  luaL_newlib(L, fns);
  lua_rawgeti(L, LUA_REGISTRYINDEX, E->registry_ref);
  lua_setfield(L, -2, "registry");
  nsx_lsock_open(L);                                /* nmap, socket */
  lua_setfield(L, -2, "socket");
  lua_newtable(L);
  lua_pushcfunction(L, l_new_dnet);
  lua_setfield(L, -2, "new");
  lua_setfield(L, -2, "dnet");
  return 1;
}
