/* Fuzzes Nmap's socket receive methods as scripts see them: receive,
 * receive_bytes, receive_lines and receive_buf (engine/lsock.c over
 * net/sock.c), run by the real engine. Each input is one scan whose only
 * thread, the prerule of receive.nse, connects over TCP to a server this
 * harness runs on the engine's own loop (127.0.0.1, port 0). The server
 * sends the fuzzed stream in fuzzed chunks, one per loop iteration, then
 * EOF; the script runs the fuzzed operations, checks them against its
 * model of the stream and leaves a verdict, which must be "ok".
 *
 * Input: byte 0 the mode (buf, direct, mixed) and the chunk seed; byte 1
 * --max-receive (0: the default, else n * 8 bytes); byte 2 the number of
 * operations; then one byte per operation; the rest is the stream.
 *
 * Each connection binds a different 127/8 source address, so the
 * TIME_WAIT entries of a long run never exhaust the ephemeral ports. */
#include <lauxlib.h>
#include <signal.h>
#include <string.h>
#include <uv.h>

#include "engine/engine.h"
#include "engine/scan.h"
#include "engine/targets.h"
#include "fuzz.h"
#include "net/sock.h"
#include "output/out.h"
#include "script/datapath.h"
#include "script/loader.h"

enum { INPUT_MAX = 1 << 16 };

struct server {
  uv_tcp_t listener;
  int port;
  uv_tcp_t conn;
  uv_idle_t idle;
  uv_shutdown_t shut;
  int accepted, open;
  const uint8_t *data;
  size_t len, off;
  uint32_t seed;
};

static uv_loop_t loop;
static struct nsx_datapath dp;
static struct nsx_engine E;
static struct nsx_output out;
static struct server srv;
static uint32_t iteration;

static void on_conn_closed(uv_handle_t *h) {
  (void)h;
  srv.open--;
}

static void close_conn(void) {
  if (!srv.accepted) return;
  srv.accepted = 0;
  uv_close((uv_handle_t *)&srv.idle, on_conn_closed);
  uv_close((uv_handle_t *)&srv.conn, on_conn_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  (void)req;
  (void)status;
}

/* One chunk per loop iteration, then our FIN. */
static void on_idle(uv_idle_t *h) {
  size_t chunk;
  uv_buf_t buf;
  int n;

  if (srv.off < srv.len) {
    srv.seed = srv.seed * 1103515245u + 12345u;
    chunk = 1 + (srv.seed >> 16) % 300;
    if (chunk > srv.len - srv.off) chunk = srv.len - srv.off;
    buf = uv_buf_init((char *)srv.data + srv.off, (unsigned)chunk);
    n = uv_try_write((uv_stream_t *)&srv.conn, &buf, 1);
    if (n > 0) srv.off += (size_t)n;
    else if (n != UV_EAGAIN) srv.off = srv.len;   /* the peer is gone */
    if (srv.off < srv.len) return;
  }
  uv_idle_stop(h);
  uv_shutdown(&srv.shut, (uv_stream_t *)&srv.conn, on_shutdown);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  static char sink[4096];
  (void)h;
  (void)hint;
  *buf = uv_buf_init(sink, sizeof sink);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  (void)buf;
  if (n < 0) uv_read_stop(st);
}

static void on_connection(uv_stream_t *server, int status) {
  if (status < 0 || srv.accepted) return;
  uv_tcp_init(&loop, &srv.conn);
  uv_idle_init(&loop, &srv.idle);
  srv.accepted = 1;
  srv.open += 2;
  if (uv_accept(server, (uv_stream_t *)&srv.conn) < 0) {
    close_conn();
    return;
  }
  uv_read_start((uv_stream_t *)&srv.conn, on_alloc, on_read);
  uv_idle_start(&srv.idle, on_idle);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  struct sockaddr_in sin;
  struct nsx_script *s;
  char err[1024];
  int len = sizeof sin;

  (void)argc;
  (void)argv;
  signal(SIGPIPE, SIG_IGN);   /* as nsx's main() does */
  if (nsx_datapath_init(&dp, NULL, NULL) < 0) abort();
  nsx_engine_defaults(&E.opt);
  E.opt.max_sockets = 16;
  E.opt.max_probes = 1;
  E.opt.script_timeout = 30;
  E.opt.no_resolve = 1;
  E.opt.skip_ping = 1;
  if (uv_loop_init(&loop) < 0) abort();
  if (nsx_engine_init(&E, &loop, &dp, err, sizeof err) < 0) {
    fprintf(stderr, "fuzz-receive: %s\n", err);
    abort();
  }
  E.log = stderr;
  E.out = &out;
  lua_rawgeti(E.L, LUA_REGISTRYINDEX, E.registry_ref);
  lua_newtable(E.L);
  lua_setfield(E.L, -2, "args");
  lua_pop(E.L, 1);

  E.scripts = calloc(1, sizeof *E.scripts);
  if (!E.scripts) abort();
  s = &E.scripts[0];
  s->factory_ref = LUA_NOREF;
  s->path = strdup(NSX_FUZZ_DIR "/receive.nse");
  s->id = strdup("receive");
  if (nsx_script_load(E.L, s, err, sizeof err) != 0) {
    fprintf(stderr, "fuzz-receive: %s\n", err);
    abort();
  }
  E.nscripts = 1;
  if (nsx_scripts_runlevels(E.scripts, 1, &E.nrunlevels, err,
                            sizeof err) < 0)
    abort();
  if (E.nrunlevels < 1) E.nrunlevels = 1;

  uv_tcp_init(&loop, &srv.listener);
  uv_ip4_addr("127.0.0.1", 0, &sin);
  if (uv_tcp_bind(&srv.listener, (struct sockaddr *)&sin, 0) < 0 ||
      uv_listen((uv_stream_t *)&srv.listener, 16, on_connection) < 0 ||
      uv_tcp_getsockname(&srv.listener, (struct sockaddr *)&sin, &len) < 0)
    abort();
  srv.port = ntohs(sin.sin_port);
  return 0;
}

/* nmap.registry.fuzz = {...} for the script. [-0, +0, m] */
static void set_params(const char *mode, size_t max_receive, const char *ops,
                       size_t nops, const uint8_t *stream, size_t len) {
  lua_State *L = E.L;
  char src[32];
  uint32_t k = ++iteration;

  snprintf(src, sizeof src, "127.%u.%u.%u", 1 + (k >> 16) % 254,
           (k >> 8) & 255, k & 255);
  lua_rawgeti(L, LUA_REGISTRYINDEX, E.registry_ref);   /* registry */
  lua_createtable(L, 0, 6);                            /* registry, f */
  lua_pushstring(L, mode);
  lua_setfield(L, -2, "mode");
  lua_pushinteger(L, (lua_Integer)max_receive);
  lua_setfield(L, -2, "max_receive");
  lua_pushlstring(L, ops, nops);
  lua_setfield(L, -2, "ops");
  lua_pushlstring(L, (const char *)stream, len);
  lua_setfield(L, -2, "stream");
  lua_pushinteger(L, srv.port);
  lua_setfield(L, -2, "port");
  lua_pushstring(L, src);
  lua_setfield(L, -2, "src");
  lua_setfield(L, -2, "fuzz");                         /* registry */
  lua_pushnil(L);
  lua_setfield(L, -2, "fuzz_verdict");
  lua_pop(L, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const modes[] = {"buf", "direct", "mixed"};
  struct nsx_scan_setup setup;
  struct nsx_tsource *ts;
  const char *verdict;
  size_t nops, max_receive;
  int spins;

  if (size < 3 || size > INPUT_MAX) return 0;
  nops = data[2] % 32;
  if (size < 3 + nops) return 0;
  max_receive = data[1] ? (size_t)data[1] * 8 : (size_t)64 << 20;
  E.opt.max_receive = max_receive;
  set_params(modes[data[0] % 3], max_receive, (const char *)data + 3, nops,
             data + 3 + nops, size - 3 - nops);
  srv.data = data + 3 + nops;
  srv.len = size - 3 - nops;
  srv.off = 0;
  srv.seed = data[0] / 3;

  ts = nsx_tsource_new(&E);
  if (!ts) abort();
  memset(&setup, 0, sizeof setup);
  setup.targets = ts;
  setup.scripts_only = 1;
  if (nsx_scan_run(&E, &setup) < 0) abort();
  nsx_tsource_free(ts);

  lua_rawgeti(E.L, LUA_REGISTRYINDEX, E.registry_ref);
  lua_getfield(E.L, -1, "fuzz_verdict");
  verdict = lua_tostring(E.L, -1);
  FUZZ_CHECK(verdict && strcmp(verdict, "ok") == 0, "%s",
             verdict ? verdict : "the script never ran");
  lua_pop(E.L, 2);
  FUZZ_CHECK(E.nsocks == 0, "%zu script sockets still counted", E.nsocks);

  close_conn();
  for (spins = 0; srv.open > 0 || nsx_sock_count() > 0; spins++) {
    FUZZ_CHECK(spins < 1000, "%zu sockets never freed", nsx_sock_count());
    uv_run(&loop, UV_RUN_NOWAIT);
  }
  lua_gc(E.L, LUA_GCSTEP, 0);
  return 0;
}
