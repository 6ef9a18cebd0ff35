/* Nmap's socket object over net/sock.c. Each method either returns at
 * once (the result is known: data already buffered, an argument cannot be
 * resolved, the socket is closed) or parks the calling thread until the
 * event loop completes the operation, then returns from a continuation.
 * Return values and status strings follow spec/nmap-api.md §0 and §5
 * exactly, because nselib compares them. A socket's connection belongs to
 * the thread that connected it and is closed when that thread ends. */
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lsock.h"
#include "engine/host.h"
#include "engine/scan.h"
#include "engine/thread.h"
#include "engine/trace.h"
#include "lua/cert.h"
#include "net/addr.h"
#include "net/rate.h"
#include "net/resolve.h"
#include "net/sock.h"
#include "net/tls.h"

#define SOCKET_MT "nsx.socket"

enum { DEFAULT_TIMEOUT_MS = 30000 };

enum stage { ST_SLOT, ST_RATE, ST_RESOLVE, ST_CONNECT, ST_TLS };

struct lsock {
  struct nsx_engine *E;
  struct nsx_sock *s;            /* the connection, or NULL */
  enum nsx_sock_proto proto;     /* protocol given at creation */
  int family;
  int timeout_ms;
  unsigned has_bind : 1;
  unsigned counted : 1;          /* 's' counts in E->nsocks */
  unsigned ssl : 1;              /* 's' speaks TLS */
  unsigned slot_woken : 1;       /* woken for a socket slot, not yet run */
  size_t scanned;                /* receive_buf: 'buf' bytes already
                                    searched for a plain delimiter */
  struct sockaddr_storage bind_addr;
  struct nsx_buf buf;            /* receive_buf's buffer */
  struct nsx_thread *owner;      /* the thread that connected it */
  struct nsx_list owner_node;    /* on owner->socks */

  /* The operation in progress. */
  struct nsx_thread *waiter;     /* parked or about to continue */
  struct nsx_wait wait;
  int op_status;
  struct nsx_resolve *resolving;
  struct nsx_list slot_node;     /* on E's or a host's sock_waiters */
  struct nsx_rate_waiter rate_w; /* waiting for a --max-rate token */
  struct nsx_host *host;         /* whose per-host count 's' is in */
  enum nsx_sock_proto cproto;    /* connect: protocol, target, name */
  int cssl;
  int cport;
  char *cname;                   /* host to resolve, or NULL */
  char *sni;                     /* TLS server name, or NULL */
  struct sockaddr_storage caddr;
};

/* luaL_checkudata without looking the metatable up by name: every
 * socket method call checks its argument. */
static struct lsock *check_sock(lua_State *L) {
  void *ud = lua_touserdata(L, 1);
  int ok = 0;

  if (ud && lua_getmetatable(L, 1)) {
    ok = lua_topointer(L, -1) == nsx_engine_of(L)->socket_mt;
    lua_pop(L, 1);
  }
  if (!ok) luaL_typeerror(L, 1, SOCKET_MT);
  return ud;
}

static const char *status_string(int status) {
  switch (status) {
  case NSX_ETIMEDOUT: return "TIMEOUT";
  case NSX_EEOF: return "EOF";
  case NSX_ECANCELED: return "CANCELLED";
  default: return "ERROR";
  }
}

/* nil, STATUS: a failure reported by the event loop. [-0, +2, -] */
static int fail(lua_State *L, int status) {
  lua_pushnil(L);
  lua_pushstring(L, status_string(status));
  return 2;
}

/* false, msg: a failure known at once. [-0, +2, -] */
static int fail_now(lua_State *L, const char *msg) {
  lua_pushboolean(L, 0);
  lua_pushstring(L, msg);
  return 2;
}

/* Wakes the first thread waiting for a socket slot on 'list'. */
static void wake_slot_waiter(struct nsx_engine *E, struct nsx_list *list) {
  struct nsx_list *first = nsx_list_first(list);
  struct lsock *ls;

  if (!first) return;
  ls = nsx_list_entry(first, struct lsock, slot_node);
  nsx_list_unlink(&ls->slot_node);
  E->nsock_waiting--;
  ls->slot_woken = 1;
  if (ls->waiter) nsx_task_wake(&E->sched, &ls->waiter->task);
}

/* Closes the connection, if any; the socket object stays usable. */
static void close_conn(struct lsock *ls) {
  struct nsx_engine *E = ls->E;

  if (!ls->s) return;
  if (ls->owner) nsx_trace_event(E, ls->s, "CLOSE");
  nsx_sock_close(ls->s);
  ls->s = NULL;
  ls->ssl = 0;
  nsx_list_unlink(&ls->owner_node);
  ls->owner = NULL;
  if (ls->counted) {
    ls->counted = 0;
    E->nsocks--;
    wake_slot_waiter(E, &E->sock_waiters);
  }
  if (ls->host) {
    ls->host->nsocks--;
    wake_slot_waiter(E, &ls->host->sock_waiters);
    ls->host = NULL;
  }
}

/* Counts a failure against the target host's --host-error-budget:
 * timeouts and resets, not refusals (a closed port is an answer). */
static void host_error(struct lsock *ls, int status) {
  struct nsx_thread *t = ls->E->current;
  if (t && t->host && (status == NSX_ETIMEDOUT || status == UV_ECONNRESET ||
                       status == NSX_ETLS))
    nsx_scan_host_error(ls->E, t->host);
}

static void on_token(struct nsx_rate_waiter *w) {
  struct lsock *ls = (struct lsock *)((char *)w -
                                      offsetof(struct lsock, rate_w));
  if (ls->waiter) nsx_task_wake(&ls->E->sched, &ls->waiter->task);
}

/* Completion of any socket operation: record and wake the waiter. */
static void on_done(struct nsx_sock *s, int status, void *ud) {
  struct lsock *ls = ud;
  (void)s;
  ls->op_status = status;
  if (ls->waiter) nsx_task_wake(&ls->E->sched, &ls->waiter->task);
}

/* A killed thread's pending operation is abandoned without callback. */
static void cancel_op(struct nsx_wait *w) {
  struct lsock *ls = (struct lsock *)((char *)w -
                                      offsetof(struct lsock, wait));
  if (ls->resolving) {
    nsx_resolve_cancel(ls->resolving);
    ls->resolving = NULL;
  }
  if (nsx_list_linked(&ls->slot_node)) {
    nsx_list_unlink(&ls->slot_node);
    ls->E->nsock_waiting--;
  }
  if (nsx_list_linked(&ls->rate_w.node)) nsx_rate_cancel(&ls->rate_w);
  if (ls->s) nsx_sock_cancel(ls->s);
  ls->waiter = NULL;
}

/* The parked thread is running again: the socket is free. */
static void resumed(struct lsock *ls) {
  ls->waiter = NULL;
  if (ls->E->current) ls->E->current->io = NULL;
}

/* Parks the running thread on this socket. [-0, +0, e] */
static int park(lua_State *L, struct lsock *ls, const char *what, int io,
                lua_KFunction k, lua_KContext ctx) {
  ls->wait.cancel = cancel_op;
  ls->wait.what = what;
  ls->wait.io = (unsigned)io;
  ls->waiter = ls->E->current;
  if (ls->waiter) ls->waiter->io = ls;
  return nsx_park(L, &ls->wait, k, ctx);
}

/* Raises unless the socket is free for a new operation. */
static void check_free(lua_State *L, struct lsock *ls) {
  if (ls->waiter)
    luaL_error(L, "Invalid reuse of a socket from one thread to another.");
}

static void set_owner(struct lsock *ls, struct nsx_thread *t) {
  nsx_list_unlink(&ls->owner_node);
  ls->owner = t;
  if (t) nsx_list_insert_tail(&t->socks, &ls->owner_node);
}

/* Makes a connection object of the given protocol for 'family', bound as
 * bind() asked. Returns 0 or a libuv error. */
static int open_conn(struct lsock *ls, enum nsx_sock_proto proto,
                     int family) {
  struct nsx_sock *s = nsx_sock_new(&ls->E->sockets, proto, family);
  int rc;

  if (!s) return UV_ENOMEM;
  if (ls->has_bind) {
    struct sockaddr_storage b = ls->bind_addr;
    if (b.ss_family != family) {
      nsx_sock_close(s);
      return UV_EAFNOSUPPORT;
    }
    rc = nsx_sock_bind(s, (struct sockaddr *)&b);
    if (rc < 0) {
      nsx_sock_close(s);
      return rc;
    }
  }
  s->read_limit = ls->E->opt.max_receive;
  ls->s = s;
  ls->counted = 1;
  ls->E->nsocks++;
  if (ls->E->current && ls->E->current->host) {
    ls->host = ls->E->current->host;
    ls->host->nsocks++;
  }
  /* The connection is its thread's from the start, so a thread ended in
   * the middle of connecting still closes it. */
  set_owner(ls, ls->E->current);
  return 0;
}

/* connect(host, port[, proto]) */

static int connect_step(lua_State *L, struct lsock *ls, enum stage st);

static int connect_k(lua_State *L, int status, lua_KContext st) {
  struct lsock *ls = check_sock(L);
  (void)status;
  resumed(ls);
  return connect_step(L, ls, (enum stage)st);
}

static void on_resolved(void *ud, int status, const struct addrinfo *res) {
  struct lsock *ls = ud;
  ls->resolving = NULL;
  ls->op_status = status;
  if (status == 0) {
    memcpy(&ls->caddr, res->ai_addr, res->ai_addrlen);
    nsx_addr_set_port(&ls->caddr, ls->cport);
  }
  if (ls->waiter) nsx_task_wake(&ls->E->sched, &ls->waiter->task);
}

static void connect_done(struct lsock *ls) {
  free(ls->cname);
  ls->cname = NULL;
}

static int connect_step(lua_State *L, struct lsock *ls, enum stage st) {
  struct nsx_engine *E = ls->E;
  int rc;

  switch (st) {
  case ST_SLOT:
    ls->slot_woken = 0;
    if (ls->cproto == NSX_SOCK_TCP) {
      struct nsx_host *h = E->current ? E->current->host : NULL;
      struct nsx_list *wait = NULL;
      if (E->nsocks >= E->opt.max_sockets)
        wait = &E->sock_waiters;
      else if (h && E->opt.max_host_conns &&
               h->nsocks >= E->opt.max_host_conns)
        wait = &h->sock_waiters;
      if (wait) {
        nsx_list_insert_tail(wait, &ls->slot_node);
        E->nsock_waiting++;
        return park(L, ls, "socket slot", 0, connect_k, ST_SLOT);
      }
    }
    /* fall through */
  case ST_RATE:
    if (ls->cproto == NSX_SOCK_TCP && E->rate && st != ST_RATE &&
        !nsx_rate_take(E->rate, &ls->rate_w))
      return park(L, ls, "rate limit", 1, connect_k, ST_RATE);
    st = ST_SLOT;   /* not ST_RESOLVE: the name is not looked up yet */
    /* fall through */
  case ST_RESOLVE:
    if (ls->cname && st == ST_RESOLVE) {
      if (ls->op_status < 0) {
        rc = ls->op_status;
        connect_done(ls);
        return fail_now(L, nsx_resolve_strerror(rc));
      }
    } else if (ls->cname) {
      ls->resolving = nsx_resolve_start(E->loop, ls->cname, E->opt.family,
                                        on_resolved, ls, &rc);
      if (!ls->resolving) {
        connect_done(ls);
        return fail_now(L, nsx_resolve_strerror(rc));
      }
      return park(L, ls, "resolve", 1, connect_k, ST_RESOLVE);
    }
    connect_done(ls);
    rc = open_conn(ls, ls->cproto, ls->caddr.ss_family);
    if (rc == 0)
      rc = nsx_sock_connect(ls->s, (struct sockaddr *)&ls->caddr,
                            ls->timeout_ms, on_done, ls);
    if (rc == 0) return park(L, ls, "connect", 1, connect_k, ST_CONNECT);
    if (rc < 0) {
      close_conn(ls);
      return fail(L, rc);
    }
    ls->op_status = 0;   /* UDP connects at once */
    /* fall through */
  case ST_CONNECT:
    if (ls->op_status < 0) {
      rc = ls->op_status;
      host_error(ls, rc);
      close_conn(ls);
      return fail(L, rc);
    }
    nsx_trace_event(E, ls->s, "CONNECT");
    if (ls->cssl) {
      rc = nsx_tls_start(ls->s, ls->sni, ls->timeout_ms, on_done, ls);
      if (rc == 0) return park(L, ls, "TLS handshake", 1, connect_k, ST_TLS);
      ls->op_status = rc < 0 ? rc : 0;
    } else {
      lua_pushboolean(L, 1);
      return 1;
    }
    /* fall through */
  case ST_TLS:
    if (ls->op_status < 0) {
      rc = ls->op_status;
      host_error(ls, rc);
      close_conn(ls);
      return fail(L, rc);
    }
    ls->ssl = 1;
    lua_pushboolean(L, 1);
    return 1;
  }
  return 0;
}

/* Reads host and port arguments at 'idx' and idx+1 into the pending
 * connect fields. Returns NULL or an error message for false, msg. */
static const char *parse_target(lua_State *L, struct lsock *ls, int idx,
                                const char **proto_from_port) {
  const char *host = NULL, *sni = NULL;
  lua_Integer port;
  int top = lua_gettop(L), host_is_addr;

  *proto_from_port = NULL;
  if (lua_istable(L, idx)) {
    lua_getfield(L, idx, "ip");
    lua_getfield(L, idx, "targetname");
    host = lua_tostring(L, -2);
    sni = lua_tostring(L, -1);
    if (!host) host = sni;
    if (!host)
      luaL_error(L, "host table does not have a 'ip' or 'targetname' field");
  } else {
    host = luaL_checkstring(L, idx);
    sni = host;
  }
  if (lua_istable(L, idx + 1)) {
    lua_getfield(L, idx + 1, "number");
    if (!lua_isinteger(L, -1))
      luaL_error(L, "port table must have an integer 'number' field");
    port = lua_tointeger(L, -1);
    lua_getfield(L, idx + 1, "protocol");
    *proto_from_port = lua_tostring(L, -1);
    if (*proto_from_port)
      *proto_from_port = strcmp(*proto_from_port, "udp") == 0 ? "udp" : "tcp";
  } else {
    int ok;
    port = lua_tointegerx(L, idx + 1, &ok);
    if (!ok) luaL_argerror(L, idx + 1, "port number expected");
  }
  if (port < 0 || port > 65535) luaL_argerror(L, idx + 1, "port out of range");
  ls->cport = (int)port;
  free(ls->cname);
  free(ls->sni);
  ls->cname = NULL;
  ls->sni = NULL;
  host_is_addr = nsx_addr_parse(host, AF_UNSPEC, ls->cport, &ls->caddr) == 0;
  if (!host_is_addr && !(ls->cname = strdup(host)))
    luaL_error(L, "not enough memory");
  /* A name, not an address, goes in the TLS hello. The same string as
   * 'host' (a target given by address, as most are) needs no second
   * parse. */
  if (sni && (sni == host
                  ? !host_is_addr
                  : nsx_addr_parse(sni, AF_UNSPEC, 0,
                                   &(struct sockaddr_storage){0}) < 0) &&
      !(ls->sni = strdup(sni)))
    luaL_error(L, "not enough memory");
  lua_settop(L, top);
  return NULL;
}

static int lsock_connect(lua_State *L) {
  static const char *const protos[] = {"tcp", "udp", "ssl", NULL};
  struct lsock *ls = check_sock(L);
  const char *from_port;
  int p;

  check_free(L, ls);
  parse_target(L, ls, 2, &from_port);
  if (!lua_isnoneornil(L, 4))
    p = luaL_checkoption(L, 4, NULL, protos);
  else if (from_port)
    p = strcmp(from_port, "udp") == 0 ? 1 : 0;
  else
    p = ls->proto == NSX_SOCK_UDP ? 1 : 0;
  ls->cproto = p == 1 ? NSX_SOCK_UDP : NSX_SOCK_TCP;
  ls->cssl = p == 2;
  lua_settop(L, 1);
  close_conn(ls);
  nsx_buf_free(&ls->buf);
  ls->op_status = 0;
  return connect_step(L, ls, ST_SLOT);
}

/* Sets up an unconnected UDP socket on first use (sendto, receive). */
static int udp_setup(struct lsock *ls, int family) {
  if (ls->s) return 0;
  if (ls->proto != NSX_SOCK_UDP) return UV_ENOTCONN;
  return open_conn(ls, NSX_SOCK_UDP, family);
}

static int connected(struct lsock *ls) {
  return ls->s && ls->s->connected;
}

/* send(data) */

static int send_k(lua_State *L, int status, lua_KContext ctx) {
  struct lsock *ls = check_sock(L);
  (void)status;
  (void)ctx;
  resumed(ls);
  if (ls->op_status < 0) return fail(L, ls->op_status);
  nsx_trace_event(ls->E, ls->s, "SEND");
  lua_pushboolean(L, 1);
  return 1;
}

static int lsock_send(lua_State *L) {
  struct lsock *ls = check_sock(L);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  int rc;

  check_free(L, ls);
  if (!connected(ls)) return fail_now(L, "socket must be connected");
  nsx_trace_data(ls->E, ls->s, 0, data, len);
  rc = nsx_sock_write(ls->s, data, len, ls->timeout_ms, on_done, ls);
  if (rc == 0) return park(L, ls, "send", 1, send_k, 0);
  if (rc < 0) return fail(L, rc);
  nsx_trace_event(ls->E, ls->s, "SEND");
  lua_pushboolean(L, 1);
  return 1;
}

static int lsock_sendto(lua_State *L) {
  struct lsock *ls = check_sock(L);
  struct sockaddr_storage to;
  const char *from_port, *data;
  size_t len;
  int rc;

  check_free(L, ls);
  parse_target(L, ls, 2, &from_port);
  data = luaL_checklstring(L, 4, &len);
  if (ls->cname) {
    /* Names are resolved by connect; sendto takes addresses, which is all
     * nselib passes it. */
    return fail_now(L, "sendto needs a numeric address");
  }
  to = ls->caddr;
  rc = udp_setup(ls, to.ss_family);
  if (rc == 0) rc = nsx_sock_sendto(ls->s, (struct sockaddr *)&to, data, len);
  if (rc < 0) return fail(L, rc);
  lua_pushboolean(L, 1);
  return 1;
}

/* receive(), receive_bytes(n), receive_lines(n) */

/* Returns what the read brought: true, data (even after a timeout or EOF,
 * if some data came) or nil, STATUS. [-0, +2, m] */
static int deliver(lua_State *L, struct lsock *ls, int status) {
  struct nsx_sock *s = ls->s;

  /* At --max-receive (NSX_ETOOBIG) the read stops and, like a read cut
   * short by EOF or a timeout, returns what it has. */
  if (s && (s->rbuf.len > 0 || status == 0)) {
    nsx_trace_data(ls->E, s, 1, s->rbuf.data, s->rbuf.len);
    lua_pushboolean(L, 1);
    lua_pushlstring(L, s->rbuf.data ? s->rbuf.data : "", s->rbuf.len);
    nsx_sock_consume(s, s->rbuf.len);
    return 2;
  }
  return fail(L, status);
}

static int receive_k(lua_State *L, int status, lua_KContext ctx) {
  struct lsock *ls = check_sock(L);
  (void)status;
  (void)ctx;
  resumed(ls);
  return deliver(L, ls, ls->op_status);
}

static lua_Integer check_count(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 2);
  return n < 0 ? 0 : n;
}

static int do_read(lua_State *L, struct lsock *ls, enum nsx_read_kind kind,
                   size_t want) {
  int rc;

  check_free(L, ls);
  lua_settop(L, 1);
  if (!ls->s && ls->proto == NSX_SOCK_UDP) {
    rc = udp_setup(ls, ls->family);
    if (rc < 0) return fail(L, rc);
  }
  if (!ls->s || (ls->proto == NSX_SOCK_TCP && !ls->s->connected))
    return fail_now(L, "socket must be connected");
  rc = nsx_sock_read(ls->s, kind, want, ls->timeout_ms, on_done, ls);
  if (rc == 0) return park(L, ls, "receive", 1, receive_k, 0);
  return deliver(L, ls, rc == 1 ? 0 : rc);
}

static int lsock_receive(lua_State *L) {
  return do_read(L, check_sock(L), NSX_READ_ANY, 1);
}

static int lsock_receive_bytes(lua_State *L) {
  struct lsock *ls = check_sock(L);
  return do_read(L, ls, NSX_READ_BYTES, (size_t)check_count(L));
}

static int lsock_receive_lines(lua_State *L) {
  struct lsock *ls = check_sock(L);
  return do_read(L, ls, NSX_READ_LINES, (size_t)check_count(L));
}

/* receive_buf(delimiter, keep) */

/* Looks for the delimiter in the socket's buffer with string.find (a
 * pattern; upvalue 1) or the delimiter function. If found, pushes true and
 * the data and returns 1; else returns 0. The delimiter must not yield.
 * Stack: 1 self, 2 delimiter, 3 keep. [-0, +(0|2), e] */
static int buf_match(lua_State *L, struct lsock *ls) {
  lua_Integer first, last;
  int isnum1, isnum2;
  size_t dlen;
  const char *delim;

  if (ls->buf.len == 0) return 0;
  delim = lua_tolstring(L, 2, &dlen);
  if (delim && dlen > 0 && !strpbrk(delim, "^$*+?.([%-") &&
      strlen(delim) == dlen) {
    /* A delimiter without pattern magic ("\n", "\r\n\r\n") is looked
     * for in C, only in what came since the last look: no copy of the
     * buffer, no rescan. */
    size_t from = ls->scanned > dlen - 1 ? ls->scanned - (dlen - 1) : 0;
    const char *hit = memmem(ls->buf.data + from, ls->buf.len - from, delim,
                             dlen);
    if (!hit) {
      ls->scanned = ls->buf.len;
      return 0;
    }
    first = hit - ls->buf.data + 1;
    last = first + (lua_Integer)dlen - 1;
    goto found;
  }
  if (lua_isfunction(L, 2)) {
    lua_pushvalue(L, 2);
    lua_pushlstring(L, ls->buf.data, ls->buf.len);
    lua_call(L, 1, 2);
  } else {
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushlstring(L, ls->buf.data, ls->buf.len);
    lua_pushvalue(L, 2);
    lua_call(L, 2, 2);
  }
  if (lua_isnil(L, -2)) {
    lua_pop(L, 2);
    return 0;
  }
  first = lua_tointegerx(L, -2, &isnum1);
  last = lua_tointegerx(L, -1, &isnum2);
  lua_pop(L, 2);
  if (!isnum1 || !isnum2 || first < 1 || first > last ||
      last > (lua_Integer)ls->buf.len)
    return luaL_error(L, "invalid indices for match");
found:
  ls->scanned = 0;
  lua_pushboolean(L, 1);
  if (lua_toboolean(L, 3))
    lua_pushlstring(L, ls->buf.data, (size_t)last);
  else
    lua_pushlstring(L, ls->buf.data, (size_t)(first - 1));
  memmove(ls->buf.data, ls->buf.data + last, ls->buf.len - (size_t)last);
  ls->buf.len -= (size_t)last;
  return 1;
}

/* Moves what the last read brought into the receive_buf buffer. */
static int take_read(struct lsock *ls) {
  struct nsx_sock *s = ls->s;
  int rc;

  if (!s || s->rbuf.len == 0) return 0;
  nsx_trace_data(ls->E, s, 1, s->rbuf.data, s->rbuf.len);
  rc = nsx_buf_append(&ls->buf, s->rbuf.data, s->rbuf.len);
  nsx_sock_consume(s, s->rbuf.len);
  return rc;
}

static int rbuf_k(lua_State *L, int status, lua_KContext ctx);

static int rbuf_loop(lua_State *L, struct lsock *ls, int status) {
  for (;;) {
    if (buf_match(L, ls)) return 2;
    if (status < 0) return fail(L, status);
    if (ls->buf.len >= ls->E->opt.max_receive) {
      nsx_debug(ls->E, 1, "receive_buf: no delimiter in %zu bytes; giving "
                "up (--max-receive)", ls->buf.len);
      return fail(L, NSX_ETOOBIG);
    }
    if (!ls->s) return fail(L, NSX_ECANCELED);
    /* Each look for the delimiter goes over the whole buffer. Past 1 MiB
     * (no sane protocol unit is that long) wait for a quarter more before
     * looking again, so a flood costs O(n log n), not O(n^2); what came
     * before a timeout is still looked at. */
    status = ls->buf.len < ((size_t)1 << 20)
                 ? nsx_sock_read(ls->s, NSX_READ_ANY, 1, ls->timeout_ms,
                                 on_done, ls)
                 : nsx_sock_read(ls->s, NSX_READ_BYTES, ls->buf.len / 4,
                                 ls->timeout_ms, on_done, ls);
    if (status == 0) return park(L, ls, "receive", 1, rbuf_k, 0);
    if (status == 1) status = 0;
    if (take_read(ls) < 0) status = UV_ENOMEM;
  }
}

static int rbuf_k(lua_State *L, int status, lua_KContext ctx) {
  struct lsock *ls = check_sock(L);
  (void)status;
  (void)ctx;
  resumed(ls);
  if (take_read(ls) < 0) return fail(L, UV_ENOMEM);
  return rbuf_loop(L, ls, ls->op_status);
}

static int lsock_receive_buf(lua_State *L) {
  struct lsock *ls = check_sock(L);

  luaL_argexpected(L, lua_type(L, 2) == LUA_TSTRING || lua_isfunction(L, 2),
                   2, "string or function");
  luaL_checktype(L, 3, LUA_TBOOLEAN);
  check_free(L, ls);
  lua_settop(L, 3);
  ls->scanned = 0;
  if (!ls->s && ls->proto == NSX_SOCK_UDP) {
    int rc = udp_setup(ls, ls->family);
    if (rc < 0) return fail(L, rc);
  }
  if (!ls->s || (ls->proto == NSX_SOCK_TCP && !ls->s->connected))
    return fail_now(L, "socket must be connected");
  return rbuf_loop(L, ls, 0);
}

static int lsock_close(lua_State *L) {
  struct lsock *ls = check_sock(L);

  if (!ls->s) return fail_now(L, "socket already closed");
  close_conn(ls);
  nsx_buf_free(&ls->buf);
  ls->timeout_ms = DEFAULT_TIMEOUT_MS;
  ls->has_bind = 0;
  lua_pushboolean(L, 1);
  return 1;
}

static int lsock_set_timeout(lua_State *L) {
  struct lsock *ls = check_sock(L);
  lua_Number t = floor(luaL_checknumber(L, 2));

  luaL_argcheck(L, t >= -1, 2, "timeout must be -1 (none) or more");
  ls->timeout_ms = t > 2147483647.0 ? 2147483647 : (int)t;
  lua_pushboolean(L, 1);
  return 1;
}

static void push_addr(lua_State *L, const struct sockaddr_storage *ss) {
  char buf[NSX_ADDRSTRLEN];
  lua_pushstring(L, nsx_addr_ntop((const struct sockaddr *)ss, buf,
                                  sizeof buf));
  lua_pushinteger(L, nsx_addr_port((const struct sockaddr *)ss));
}

static int lsock_get_info(lua_State *L) {
  struct lsock *ls = check_sock(L);
  struct sockaddr_storage local, remote;
  int rc;

  if (!ls->s && ls->proto == NSX_SOCK_UDP && udp_setup(ls, ls->family) < 0)
    return fail_now(L, "socket must be connected");
  if (!ls->s || (ls->proto == NSX_SOCK_TCP && !ls->s->connected))
    return fail_now(L, "socket must be connected");
  rc = nsx_sock_names(ls->s, &local, &remote);
  if (rc == UV_ENOTCONN && ls->s->proto == NSX_SOCK_UDP) {
    memset(&remote, 0, sizeof remote);
    remote.ss_family = local.ss_family;
  } else if (rc < 0) {
    return fail_now(L, "socket must be connected");
  }
  lua_pushboolean(L, 1);
  push_addr(L, &local);
  push_addr(L, &remote);
  return 5;
}

static int lsock_bind(lua_State *L) {
  struct lsock *ls = check_sock(L);
  const char *addr = luaL_optstring(L, 2, NULL);
  lua_Integer port = luaL_checkinteger(L, 3);
  struct sockaddr_storage b;

  luaL_argcheck(L, port >= 0 && port <= 65535, 3, "port out of range");
  if (addr) {
    if (nsx_addr_parse(addr, AF_UNSPEC, (int)port, &b) < 0)
      return fail_now(L, "getaddrinfo: Name or service not known");
  } else {
    nsx_addr_parse(ls->family == AF_INET6 ? "::" : "0.0.0.0", ls->family,
                   (int)port, &b);
  }
  ls->bind_addr = b;
  ls->has_bind = 1;
  lua_pushboolean(L, 1);
  return 1;
}

static int reconnect_k(lua_State *L, int status, lua_KContext ctx) {
  struct lsock *ls = check_sock(L);
  (void)status;
  (void)ctx;
  resumed(ls);
  if (ls->op_status < 0) return fail(L, ls->op_status);
  ls->ssl = 1;
  lua_pushboolean(L, 1);
  return 1;
}

static int lsock_reconnect_ssl(lua_State *L) {
  struct lsock *ls = check_sock(L);
  int rc;

  check_free(L, ls);
  if (!connected(ls) || ls->s->proto != NSX_SOCK_TCP)
    return fail_now(L, "socket must be connected");
  nsx_buf_free(&ls->buf);
  nsx_sock_consume(ls->s, ls->s->rbuf.len);
  rc = nsx_tls_start(ls->s, ls->sni, ls->timeout_ms, on_done, ls);
  if (rc == 0) return park(L, ls, "TLS handshake", 1, reconnect_k, 0);
  ls->op_status = rc < 0 ? rc : 0;
  return reconnect_k(L, LUA_OK, 0);
}

static int lsock_get_ssl_certificate(lua_State *L) {
  struct lsock *ls = check_sock(L);

  X509 *cert;

  luaL_argcheck(L, ls->ssl && ls->s, 1, "not a SSL socket");
  cert = nsx_tls_peer_cert(ls->s);
  if (!cert) return 0;
  nsx_cert_push(L, cert);
  X509_free(cert);
  return 1;
}

static int lsock_pcap(lua_State *L) {
  return luaL_error(L, "packet capture is not supported by nsx");
}

static int lsock_gc(lua_State *L) {
  struct lsock *ls = check_sock(L);

  cancel_op(&ls->wait);
  close_conn(ls);
  nsx_list_unlink(&ls->owner_node);
  nsx_buf_free(&ls->buf);
  free(ls->cname);
  free(ls->sni);
  ls->cname = ls->sni = NULL;
  return 0;
}

static int lsock_tostring(lua_State *L) {
  struct lsock *ls = check_sock(L);
  lua_pushfstring(L, "nsock: %p", (void *)ls);
  return 1;
}

int nsx_lsock_new(lua_State *L) {
  static const char *const protos[] = {"tcp", "udp", NULL};
  static const char *const fams[] = {"inet", "inet6", NULL};
  struct nsx_engine *E = nsx_engine_of(L);
  int proto = luaL_checkoption(L, 1, "tcp", protos);
  int fam = luaL_checkoption(L, 2, E->opt.family == AF_INET6 ? "inet6"
                                                             : "inet", fams);
  struct lsock *ls = lua_newuserdatauv(L, sizeof *ls, 0);

  memset(ls, 0, sizeof *ls);
  ls->E = E;
  ls->proto = proto == 1 ? NSX_SOCK_UDP : NSX_SOCK_TCP;
  ls->family = fam == 1 ? AF_INET6 : AF_INET;
  ls->timeout_ms = DEFAULT_TIMEOUT_MS;
  nsx_list_init(&ls->owner_node);
  nsx_list_init(&ls->slot_node);
  nsx_list_init(&ls->rate_w.node);
  ls->rate_w.cb = on_token;
  luaL_setmetatable(L, SOCKET_MT);
  return 1;
}

static int lsock_get_stats(lua_State *L) {
  lua_createtable(L, 0, 1);
  lua_pushinteger(L, (lua_Integer)nsx_engine_of(L)->nsock_waiting);
  lua_setfield(L, -2, "connect_waiting");
  return 1;
}

void nsx_lsock_thread_end(struct nsx_thread *t) {
  struct nsx_list *it, *tmp;

  if (t->io) {
    struct lsock *ls = t->io;
    ls->waiter = NULL;
    t->io = NULL;
    if (ls->slot_woken) {
      /* Woken for a free socket slot but ended before it could take it:
       * the next waiter gets the wake-up instead. */
      ls->slot_woken = 0;
      wake_slot_waiter(t->E, &t->E->sock_waiters);
      if (t->host) wake_slot_waiter(t->E, &t->host->sock_waiters);
    }
  }
  nsx_list_foreach_safe(it, tmp, &t->socks) {
    close_conn(nsx_list_entry(it, struct lsock, owner_node));
  }
}

static const luaL_Reg methods[] = {
  {"connect", lsock_connect},
  {"send", lsock_send},
  {"sendto", lsock_sendto},
  {"receive", lsock_receive},
  {"receive_bytes", lsock_receive_bytes},
  {"receive_lines", lsock_receive_lines},
  {"close", lsock_close},
  {"set_timeout", lsock_set_timeout},
  {"get_info", lsock_get_info},
  {"bind", lsock_bind},
  {"reconnect_ssl", lsock_reconnect_ssl},
  {"get_ssl_certificate", lsock_get_ssl_certificate},
  {"pcap_open", lsock_pcap},
  {"pcap_receive", lsock_pcap},
  {"pcap_close", lsock_pcap},
  {NULL, NULL}
};

void nsx_lsock_open(lua_State *L) {
  luaL_newmetatable(L, SOCKET_MT);                  /* mt */
  nsx_engine_of(L)->socket_mt = lua_topointer(L, -1);
  lua_newtable(L);                                  /* mt, methods */
  luaL_setfuncs(L, methods, 0);
  lua_getglobal(L, "string");
  lua_getfield(L, -1, "find");
  lua_remove(L, -2);
  lua_pushcclosure(L, lsock_receive_buf, 1);
  lua_setfield(L, -2, "receive_buf");
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, lsock_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, lsock_gc);
  lua_setfield(L, -2, "__close");
  lua_pushcfunction(L, lsock_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushliteral(L, "socket");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);

  lua_createtable(L, 0, 5);                         /* nmap.socket */
  lua_pushcfunction(L, nsx_lsock_new);
  lua_setfield(L, -2, "new");
  lua_pushcfunction(L, nsx_lsock_sleep);
  lua_setfield(L, -2, "sleep");
  lua_pushcfunction(L, lsock_get_stats);
  lua_setfield(L, -2, "get_stats");
  lua_pushcfunction(L, nsx_cert_parse);
  lua_setfield(L, -2, "parse_ssl_certificate");
}
