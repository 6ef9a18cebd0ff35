/* The scan (see scan.h). One loop drives everything: scheduler passes
 * alternate with libuv's loop, new hosts are admitted while there is room,
 * and threads are created lazily under the concurrency limit from the
 * queue of groups (a runlevel of a host, or of a pre/post-scan phase).
 * When nothing can move any more although threads wait (a deadlock on
 * mutexes or condvars), the stuck threads are reported and ended. */
#include <lauxlib.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/host.h"
#include "engine/scan.h"
#include "engine/targets.h"
#include "net/addr.h"
#include "net/scanner.h"
#include "net/rate.h"
#include "output/out.h"
#include "script/datapath.h"
#include "target/portspec.h"
#include "target/proto.h"

struct rdns {
  uv_getnameinfo_t req;
  struct nsx_host *host;         /* NULL once the host is gone */
};

/* Discovery state of a host. */
struct hostscan {
  struct nsx_scanjob *job;
  struct rdns *rdns;
  int waiting;                   /* port scan and rdns still running */
  int answered;                  /* some port answered */
  int known;                     /* its ports came with it: no discovery */
  double rtt_min;                /* the fastest answer, in seconds */
};

struct nsx_scanstate {
  const struct nsx_scan_setup *setup;
  struct nsx_scanner *scanner;
  struct nsx_list hosts;         /* hosts in flight */
  size_t inflight;
  uint64_t hosts_done;
  size_t rdns_pending;
  uint64_t hosts_seen, hosts_up;
  /* Phase timings for -d, in monotonic ms: discovery runs from the first
   * host's admission to the last host's discovery; scripts from the first
   * host that began scripts to the last host done. */
  uint64_t disc_first, disc_last, scripts_first, scripts_last;
  uint64_t result_seq;
  struct nsx_results phase_results;
  int phase_done;
  int interrupted;               /* SIGINT/SIGTERM: finish with what we have */
  uv_signal_t sigint, sigterm, sigusr1;
  uv_prepare_t nowait;           /* see keep_polls_short */
  int targets_done;
  struct nsx_list over_budget;   /* hosts to cut short */
  struct nsx_rate rate;          /* --max-rate */
  struct nsx_portlist *excluded; /* nmap-service-probes "Exclude" */
  int excluded_loaded;
  size_t fresh_cap;              /* FRESH_MAX or FRESH_BUSY, see run_loop */
};

static void store_failure(struct nsx_engine *E, struct nsx_thread *t,
                          enum nsx_result_status status, const char *text,
                          const char *error);

static const enum nsx_rule PHASE_RULE[] = {NSX_PRERULE, NSX_HOSTRULE,
                                           NSX_POSTRULE};

/* Groups */

static void group_init(struct nsx_group *g, struct nsx_host *h,
                       enum nsx_phase phase, int runlevel,
                       void (*done)(struct nsx_group *)) {
  memset(g, 0, sizeof *g);
  g->host = h;
  g->phase = phase;
  g->runlevel = runlevel;
  g->done = done;
  nsx_list_init(&g->threads);
  nsx_list_init(&g->create_node);
}

static void group_start(struct nsx_engine *E, struct nsx_group *g) {
  nsx_verbose(E, 2, "Starting runlevel %d (of %d) scan%s%s.", g->runlevel,
              E->nrunlevels, g->host ? " against " : "",
              g->host ? g->host->ip : "");
  g->creating = 1;
  nsx_list_insert_tail(&E->creating, &g->create_node);
}

static int port_scannable(const struct nsx_port *p) {
  return p->state == NSX_PS_OPEN || p->state == NSX_PS_OPEN_FILTERED ||
         p->state == NSX_PS_UNFILTERED;
}

/* Creates the group's next thread. Returns 1, or 0 when there is none
 * left to create. */
static int group_next(struct nsx_engine *E, struct nsx_group *g) {
  struct nsx_host *h = g->host;

  if (g->stage == 0) {
    enum nsx_rule rule = PHASE_RULE[g->phase];
    while (g->next_script < E->nscripts) {
      struct nsx_script *s = &E->scripts[g->next_script++];
      if (s->runlevel == g->runlevel && (s->rules & (1u << rule)))
        return nsx_thread_new(E, g, s, rule, h, -1, 0) != NULL;
    }
    if (g->phase != NSX_PHASE_SCAN) return 0;
    g->stage = 1;
    g->next_script = 0;
    g->next_port = 0;
  }
  while (g->next_port < h->nports) {
    struct nsx_port *p = &h->ports[g->next_port];
    if (port_scannable(p)) {
      while (g->next_script < E->nscripts) {
        struct nsx_script *s = &E->scripts[g->next_script++];
        if (s->runlevel == g->runlevel && (s->rules & (1u << NSX_PORTRULE)))
          return nsx_thread_new(E, g, s, NSX_PORTRULE, h, p->number,
                                p->proto) != NULL;
      }
    }
    g->next_port++;
    g->next_script = 0;
  }
  return 0;
}

/* Ends a group whose main threads are all gone: its workers are orphans
 * and end too; then the group's owner moves on. */
static void group_check(struct nsx_engine *E, struct nsx_group *g) {
  if (g->finishing || g->finished || g->creating || g->nmain > 0) return;
  if (g->nworkers > 0) {
    nsx_debug(E, 1, "%zu orphans left!", g->nworkers);
    g->finishing = 1;
    while (!nsx_list_empty(&g->threads))
      nsx_thread_kill(nsx_list_entry(g->threads.next, struct nsx_thread,
                                     group_node), NSX_END_ORPHAN);
    g->finishing = 0;
  }
  g->finished = 1;
  g->done(g);
}

/* Ends every thread of a group at once (host timeout). */
static void group_abort(struct nsx_engine *E, struct nsx_group *g,
                        enum nsx_end why) {
  if (g->creating) {
    nsx_list_unlink(&g->create_node);
    g->creating = 0;
  }
  g->finishing = 1;
  while (!nsx_list_empty(&g->threads))
    nsx_thread_kill(nsx_list_entry(g->threads.next, struct nsx_thread,
                                   group_node), why);
  g->finishing = 0;
  group_check(E, g);
}

/* Main threads created and not yet resumed, at most. A thread's rule is
 * evaluated at its first resume, and most threads of a broad selection
 * end there (-sC: 125 scripts, each for the host and for every port).
 * Creating every thread before running any held them all at once: -sC
 * on 256 hosts x 2 ports made 61,445 threads and peaked at 360-580 MB,
 * growing with the hosts in flight; in batches it stays at 30-40 MB. */
#define FRESH_MAX 512

/* The same limit while threads that were woken (by an answer, a timer,
 * another thread) wait to run: answers already in go on before more
 * threads start and ask. Never 0, so that a flood of answers cannot keep
 * new threads from starting. */
#define FRESH_BUSY 32

static void create_threads(struct nsx_engine *E) {
  while (E->nmain < E->opt.max_threads && E->nfresh < E->scan->fresh_cap &&
         !nsx_list_empty(&E->creating)) {
    struct nsx_group *g =
        nsx_list_entry(E->creating.next, struct nsx_group, create_node);
    if (!group_next(E, g)) {
      nsx_list_unlink(&g->create_node);
      g->creating = 0;
      group_check(E, g);
    }
  }
}

void nsx_scan_thread_ended(struct nsx_thread *t, enum nsx_end why) {
  struct nsx_group *g = t->group;

  if (!t->worker && t->started &&
      (why == NSX_END_TIMEOUT || why == NSX_END_STUCK))
    store_failure(t->E, t, NSX_STATUS_TIMEOUT, "",
                  why == NSX_END_TIMEOUT ? "timed out"
                                         : "ended in a deadlock");
  nsx_list_unlink(&t->group_node);
  if (t->worker)
    g->nworkers--;
  else
    g->nmain--;
  group_check(t->E, g);
}

/* Results */

static struct nsx_results *results_of(struct nsx_engine *E,
                                      struct nsx_thread *t) {
  struct nsx_port *p;

  switch ((enum nsx_rule)t->rule) {
  case NSX_HOSTRULE:
    return &t->host->results;
  case NSX_PORTRULE:
    p = nsx_host_port(t->host, t->port_number, t->port_proto);
    return p ? &p->results : NULL;
  default:
    return &E->scan->phase_results;
  }
}

/* Keeps a thread's outcome with its host, port or phase. 'error' (may be
 * NULL) is the failure's message. */
static void store(struct nsx_engine *E, struct nsx_thread *t,
                  struct nsx_result *res, enum nsx_result_status status,
                  const char *error) {
  struct nsx_results *rs = results_of(E, t);
  double elapsed = (double)(nsx_now_ms() - t->start_ms) / 1000.0;
  struct nsx_script_result *r;
  struct timespec now;

  if (!rs) {
    nsx_result_free(res);
    return;
  }
  r = nsx_results_add(rs, t->script->id, res, status, E->scan->result_seq++,
                      elapsed);
  if (!r) return;
  if (status == NSX_STATUS_OK) E->results_total++;
  if (status == NSX_STATUS_OK && r->res.textlen == 0)
    fprintf(stderr, "Bug in %s: no string output.\n", r->id);
  clock_gettime(CLOCK_REALTIME, &now);
  r->done = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
  if (error) r->error = strdup(error);
}

/* A failed or killed thread's record: Nmap's error text for failures
 * (shown only without -d), nothing for timeouts (never shown). */
static void store_failure(struct nsx_engine *E, struct nsx_thread *t,
                          enum nsx_result_status status, const char *text,
                          const char *error) {
  struct nsx_result res;

  memset(&res, 0, sizeof res);
  res.text = strdup(text);
  if (!res.text) return;
  res.textlen = strlen(text);
  res.stored = 1;
  store(E, t, &res, status, error);
}

static const char ERROR_TEXT[] =
    "ERROR: Script execution failed (use -d to debug)";

void nsx_scan_thread_result(struct nsx_engine *E, struct nsx_thread *t,
                            lua_State *co, int nres) {
  lua_State *L = E->L;
  struct nsx_result res;
  char name[400];

  lua_xmove(co, L, nres);
  if (nsx_result_pcapture(L, nres, &res, 0) != LUA_OK) {
    nsx_thread_name(t, 0, name, sizeof name);
    fprintf(stderr, "NSE: %s: bad output: %s\n", name,
            lua_tostring(L, -1) ? lua_tostring(L, -1) : "(error object)");
    lua_pop(L, 1);
    store_failure(E, t, NSX_STATUS_ERROR, ERROR_TEXT, "bad output");
    return;
  }
  if (!res.stored) {
    nsx_result_free(&res);
    return;
  }
  store(E, t, &res, NSX_STATUS_OK, NULL);
}

/* tostring(v) for an error object, protected. [-0, +0, -] */
static int tostring_k(lua_State *L) {
  luaL_tolstring(L, 1, NULL);
  return 1;
}

void nsx_scan_thread_failed(struct nsx_engine *E, struct nsx_thread *t,
                            lua_State *co) {
  lua_State *L = E->L;
  const char *msg;
  char name[400];

  nsx_thread_name(t, E->opt.debug > 1, name, sizeof name);
  lua_pushcfunction(L, tostring_k);
  lua_pushvalue(co, -1);
  lua_xmove(co, L, 1);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK || !lua_isstring(L, -1)) {
    lua_pop(L, 1);
    lua_pushliteral(L, "(error object is not a string)");
  }
  msg = lua_tostring(L, -1);
  if (E->opt.debug >= 1) {
    luaL_traceback(L, co, msg, 0);
    nsx_debug(E, 1, "%s threw an error!\n%s\n", name, lua_tostring(L, -1));
    lua_pop(L, 1);
  } else if (!t->worker) {
    fprintf(stderr, "NSE: %s failed: %s\n", name, msg);
  }
  if (!t->worker) store_failure(E, t, NSX_STATUS_ERROR, ERROR_TEXT, msg);
  if (t->host) nsx_scan_host_error(E, t->host);
  lua_pop(L, 1);
}

/* Hosts */

static void host_done(struct nsx_engine *E, struct nsx_host *h);

static void host_group_done(struct nsx_group *g) {
  struct nsx_host *h = g->host;
  struct nsx_engine *E = h->E;

  if (!h->timed_out && !E->scan->interrupted && !h->over_budget &&
      h->runlevel < E->nrunlevels) {
    h->runlevel++;
    group_init(&h->group, h, NSX_PHASE_SCAN, h->runlevel, host_group_done);
    group_start(E, &h->group);
    return;
  }
  host_done(E, h);
}

static int has_rule(struct nsx_engine *E, enum nsx_rule rule) {
  for (size_t i = 0; i < E->nscripts; i++)
    if (E->scripts[i].rules & (1u << rule)) return 1;
  return 0;
}

/* Decides whether the host is up from what discovery found so far. */
static void settle_up(struct nsx_engine *E, struct nsx_host *h) {
  struct nsx_scanstate *S = E->scan;
  struct hostscan *hs = h->scan;

  h->up = E->opt.skip_ping || hs->answered || hs->known ||
          S->setup->ntcp == 0;
  h->srtt = hs->rtt_min;
  if (!E->opt.skip_ping && hs->answered) h->reason = "conn-refused";
  if (h->up) S->hosts_up++;
}

/* A host cut short (--host-timeout, an interrupt) before its discovery
 * ended: reported with the ports found so far if it is up, as Nmap
 * reports a host that timed out in its port scan as up. */
static void discovery_cut(struct nsx_engine *E, struct nsx_host *h) {
  settle_up(E, h);
  host_done(E, h);
}

static void discovery_done(struct nsx_engine *E, struct nsx_host *h) {
  struct nsx_scanstate *S = E->scan;

  settle_up(E, h);
  if (!h->up) {
    host_done(E, h);
    return;
  }
  S->disc_last = nsx_now_ms();
  if (!has_rule(E, NSX_HOSTRULE) && !has_rule(E, NSX_PORTRULE)) {
    host_done(E, h);
    return;
  }
  nsx_verbose(E, 1, "Script scanning %s.", h->ip);
  if (!S->scripts_first) S->scripts_first = nsx_now_ms();
  h->runlevel = 1;
  group_init(&h->group, h, NSX_PHASE_SCAN, 1, host_group_done);
  group_start(E, &h->group);
}

static void on_port(void *ud, unsigned port, enum nsx_probe_result r,
                    double rtt) {
  static const char *const reasons[] = {"syn-ack", "conn-refused",
                                        "no-response", "host-unreach"};
  static const int states[] = {NSX_PS_OPEN, NSX_PS_CLOSED, NSX_PS_FILTERED,
                               NSX_PS_FILTERED};
  struct nsx_host *h = ud;
  struct hostscan *hs = h->scan;

  nsx_host_add_port(h, (int)port, NSX_PROTO_TCP, states[r], reasons[r]);
  if (r == NSX_PROBE_OPEN || r == NSX_PROBE_CLOSED) {
    hs->answered = 1;
    if (hs->rtt_min == 0 || rtt < hs->rtt_min) hs->rtt_min = rtt;
  }
  if (r == NSX_PROBE_OPEN)
    nsx_verbose(h->E, 1, "Discovered open port %u/tcp on %s", port, h->ip);
}

static void on_scanned(void *ud) {
  struct nsx_host *h = ud;
  struct hostscan *hs = h->scan;

  hs->job = NULL;
  if (--hs->waiting == 0) discovery_done(h->E, h);
}

static void on_rdns(uv_getnameinfo_t *req, int status, const char *hostname,
                    const char *service) {
  struct rdns *r = (struct rdns *)req;
  struct nsx_host *h = r->host;
  struct hostscan *hs;

  (void)service;
  if (!h) {
    free(r);
    return;
  }
  hs = h->scan;
  h->E->scan->rdns_pending--;
  hs->rdns = NULL;
  /* 'hostname' lives in the request: copy it before freeing that. */
  if (status == 0 && hostname && strcmp(hostname, h->ip) != 0) {
    char *name = strdup(hostname);
    if (name) {
      free(h->name);
      h->name = name;
    }
  }
  free(r);
  if (--hs->waiting == 0) discovery_done(h->E, h);
}

void nsx_scan_host_expired(struct nsx_engine *E, struct nsx_host *h) {
  if (h->timed_out) return;
  h->timed_out = 1;
  nsx_verbose(E, 0, "Host %s timed out (--host-timeout); reporting what "
              "was found.", h->ip);
}

static void on_host_timeout(uv_timer_t *timer) {
  struct nsx_host *h = timer->data;
  struct nsx_engine *E = h->E;
  struct hostscan *hs = h->scan;

  nsx_scan_host_expired(E, h);
  if (hs->waiting > 0) {
    discovery_cut(E, h);
    return;
  }
  group_abort(E, &h->group, NSX_END_TIMEOUT);
}

static void free_handle(uv_handle_t *h) {
  free(h);
}

static void host_done(struct nsx_engine *E, struct nsx_host *h) {
  struct nsx_scanstate *S = E->scan;
  struct hostscan *hs = h->scan;

  h->end_ms = nsx_now_ms();
  if (h->timer) {
    uv_close((uv_handle_t *)h->timer, free_handle);
    h->timer = NULL;
  }
  if (hs->job) nsx_scanjob_cancel(hs->job);
  if (hs->rdns) {
    hs->rdns->host = NULL;
    uv_cancel((uv_req_t *)&hs->rdns->req);
    S->rdns_pending--;
  }
  if (h->up) nsx_out_host(E->out, E, h);
  if (h->runlevel > 0) S->scripts_last = h->end_ms;
  nsx_list_unlink(&h->node);
  nsx_list_unlink(&h->budget_node);
  S->inflight--;
  S->hosts_done++;
  free(hs);
  nsx_host_free(h);
}

/* Gives a host the ports its input already knew (ip:port, an earlier
 * scan): they are not discovered again, and the host counts as up. */
static void add_known_ports(struct nsx_host *h, const struct nsx_target *t) {
  struct hostscan *hs = h->scan;

  for (size_t i = 0; i < t->nports; i++) {
    const struct nsx_known_port *kp = &t->ports[i];
    struct nsx_port *p = nsx_host_add_port(h, kp->number, kp->proto,
                                           kp->state, kp->reason);
    if (p && kp->version && !p->version)
      p->version = nsx_version_copy(kp->version);
  }
  hs->known = 1;
}

static void host_admit(struct nsx_engine *E, const struct nsx_target *t) {
  struct nsx_scanstate *S = E->scan;
  const struct sockaddr *addr = (const struct sockaddr *)&t->addr;
  struct nsx_host *h = nsx_host_new(E, addr, t->targetname);
  struct hostscan *hs = calloc(1, sizeof *hs);

  if (!h || !hs) {
    fprintf(stderr, "nsx: out of memory: skipping a host\n");
    free(hs);
    if (h) nsx_host_free(h);
    return;
  }
  h->scan = hs;
  nsx_host_publish(E->L, h);
  nsx_list_insert_tail(&S->hosts, &h->node);
  S->inflight++;
  S->hosts_seen++;
  if (!S->disc_first) S->disc_first = nsx_now_ms();
  h->start_ms = nsx_now_ms();
  if (E->opt.host_timeout > 0) {
    h->deadline_ms = h->start_ms + (uint64_t)(E->opt.host_timeout * 1000);
    if ((h->timer = malloc(sizeof *h->timer))) {
      uv_timer_init(E->loop, h->timer);
      h->timer->data = h;
      uv_timer_start(h->timer, on_host_timeout,
                     (uint64_t)(E->opt.host_timeout * 1000), 0);
    }
  }
  if (t->ptr) {
    char *name = strdup(t->ptr);
    if (name) {
      free(h->name);
      h->name = name;
    }
  }
  if (t->nports > 0) add_known_ports(h, t);
  /* Reverse DNS first: starting it is the slow part (thread pool), and
   * the connects' round trip times should not include it. */
  if (!E->opt.no_resolve && !t->ptr &&
      (hs->rdns = calloc(1, sizeof *hs->rdns))) {
    hs->rdns->host = h;
    if (uv_getnameinfo(E->loop, &hs->rdns->req, on_rdns, addr,
                       NI_NAMEREQD) == 0) {
      hs->waiting++;
      S->rdns_pending++;
    } else {
      free(hs->rdns);
      hs->rdns = NULL;
    }
  }
  if (S->setup->ntcp > 0 && !hs->known) {
    hs->job = nsx_scanner_scan(S->scanner, addr, S->setup->tcp_ports,
                              S->setup->ntcp, on_port, on_scanned, h);
    if (hs->job) hs->waiting++;
  }
  if (hs->waiting == 0) discovery_done(E, h);
}

/* Which of 'n' shards a host belongs to: FNV-1a of its address, so the
 * split depends on nothing but the address and every shard agrees. */
static unsigned shard_of(const struct sockaddr *sa, unsigned n) {
  size_t len;
  const unsigned char *p = nsx_addr_bytes(sa, &len);
  uint64_t h = 1469598103934665603ULL;

  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return (unsigned)(h % n);
}

/* Admits hosts while there is room: fewer than --max-hostgroup in
 * flight, and no thread creation held back by the concurrency limit. A
 * host that needs no discovery queues its threads at once: they are
 * created before the next host is taken. */
static void admit(struct nsx_engine *E) {
  struct nsx_scanstate *S = E->scan;
  struct nsx_target t;

  while (!S->targets_done && S->inflight < E->opt.max_hostgroup) {
    int rc;
    if (!nsx_list_empty(&E->creating)) {
      create_threads(E);
      if (!nsx_list_empty(&E->creating)) break;   /* at the limit */
    }
    rc = nsx_tsource_next(S->setup->targets, &t);
    if (rc == 0) S->targets_done = 1;
    if (rc <= 0) break;
    if (E->opt.nshards > 1 &&
        shard_of((struct sockaddr *)&t.addr, E->opt.nshards) !=
            E->opt.shard - 1)
      continue;
    host_admit(E, &t);
  }
}

/* The loop */

static int io_pending(struct nsx_engine *E) {
  struct nsx_scanstate *S = E->scan;
  return nsx_scanner_pending(S->scanner) > 0 || S->rdns_pending > 0 ||
         nsx_tsource_busy(S->setup->targets);
}

/* The first thread of any live group for which 'pick' is true. */
static struct nsx_thread *find_thread(struct nsx_engine *E,
                                      int (*pick)(struct nsx_thread *)) {
  struct nsx_list *hn, *htmp, *it, *tmp;

  nsx_list_foreach_safe(it, tmp, &E->phase_group.threads) {
    struct nsx_thread *t = nsx_list_entry(it, struct nsx_thread, group_node);
    if (pick(t)) return t;
  }
  nsx_list_foreach_safe(hn, htmp, &E->scan->hosts) {
    struct nsx_host *h = nsx_list_entry(hn, struct nsx_host, node);
    nsx_list_foreach_safe(it, tmp, &h->group.threads) {
      struct nsx_thread *t = nsx_list_entry(it, struct nsx_thread,
                                            group_node);
      if (pick(t)) return t;
    }
  }
  return NULL;
}

static int waits_on_others(struct nsx_thread *t) {
  return t->task.state == NSX_TASK_PARKED && !t->task.wait->io && !t->stuck;
}

static int is_stuck(struct nsx_thread *t) {
  return t->stuck;
}

/* Every waiting thread waits on a mutex, condvar or socket slot that no
 * running thread can release: report each (what it waits on, where) and
 * end them, so the scan goes on instead of hanging. */
static void report_stuck(struct nsx_engine *E) {
  struct nsx_thread *t;
  char name[400];

  fprintf(stderr, "NSE: deadlock: %zu thread(s) wait for each other; "
          "ending them:\n", E->sched.nparked);
  while ((t = find_thread(E, waits_on_others)) != NULL) {
    t->stuck = 1;
    nsx_thread_name(t, 1, name, sizeof name);
    luaL_traceback(E->L, t->co, NULL, 0);
    fprintf(stderr, "NSE: stuck: %s waits on a %s\n%s\n", name,
            t->task.wait->what, lua_tostring(E->L, -1));
    lua_pop(E->L, 1);
  }
  while ((t = find_thread(E, is_stuck)) != NULL)
    nsx_thread_kill(t, NSX_END_STUCK);
}

/* SIGINT or SIGTERM: stop admitting hosts, end every thread, and write
 * each host's report with what was found; a second signal exits at once. */
static void on_interrupt(uv_signal_t *sig, int signum) {
  struct nsx_engine *E = sig->data;
  struct nsx_scanstate *S = E->scan;

  if (S->interrupted) {
    fprintf(stderr, "nsx: interrupted again; exiting without waiting\n");
    fflush(NULL);
    _exit(128 + signum);
  }
  S->interrupted = 1;
  S->targets_done = 1;
  fprintf(stderr, "nsx: interrupted (%s): writing the results found so "
          "far\n", signum == SIGINT ? "SIGINT" : "SIGTERM");
  if (E->phase != NSX_PHASE_SCAN)
    group_abort(E, &E->phase_group, NSX_END_TIMEOUT);
  while (!nsx_list_empty(&S->hosts)) {
    struct nsx_host *h = nsx_list_entry(S->hosts.next, struct nsx_host, node);
    struct hostscan *hs = h->scan;
    h->interrupted = 1;
    if (hs->waiting > 0) {
      discovery_cut(E, h);
      continue;
    }
    if (h->group.finished) {
      host_done(E, h);
      continue;
    }
    group_abort(E, &h->group, NSX_END_TIMEOUT);
    if (!nsx_list_empty(&S->hosts) && S->hosts.next == &h->node)
      host_done(E, h);
  }
}

static int list_thread(struct nsx_thread *t) {
  char name[400];
  const char *state = t->task.state == NSX_TASK_PARKED ? t->task.wait->what
                      : t->task.state == NSX_TASK_READY ? "ready to run"
                                                         : "running";
  fprintf(stderr, "  %s: %s, %.1fs\n",
          nsx_thread_name(t, 1, name, sizeof name), state,
          (double)(nsx_now_ms() - t->start_ms) / 1000);
  return 0;
}

/* SIGUSR1: the live thread table on stderr. */
static void on_usr1(uv_signal_t *sig, int signum) {
  struct nsx_engine *E = sig->data;

  (void)signum;
  fprintf(stderr, "nsx: %zu threads (%zu main), %zu ready, %zu waiting "
          "(%zu on I/O or timers), %zu hosts in flight, %zu sockets open:\n",
          E->nthreads, E->nmain, E->sched.nready, E->sched.nparked,
          E->sched.nparked_io, E->scan->inflight, E->nsocks);
  find_thread(E, list_thread);
}

static void start_signals(struct nsx_engine *E, struct nsx_scanstate *S) {
  uv_signal_t *sigs[] = {&S->sigint, &S->sigterm, &S->sigusr1};
  int nums[] = {SIGINT, SIGTERM, SIGUSR1};

  for (int i = 0; i < 3; i++) {
    uv_signal_init(E->loop, sigs[i]);
    sigs[i]->data = E;
    uv_signal_start(sigs[i], i < 2 ? on_interrupt : on_usr1, nums[i]);
    uv_unref((uv_handle_t *)sigs[i]);
  }
}

/* Runs in each loop iteration after the timers and before the poll. A
 * timer that came due since the last iteration (a sleep, a socket
 * timeout) may have made threads ready just now; the poll must then not
 * wait for the next event, which may never come, but return at once so
 * that run_loop resumes them. */
static void keep_polls_short(uv_prepare_t *p) {
  struct nsx_engine *E = p->data;

  if (nsx_sched_has_ready(&E->sched)) uv_stop(p->loop);
}

static void start_nowait(struct nsx_engine *E, struct nsx_scanstate *S) {
  uv_prepare_init(E->loop, &S->nowait);
  S->nowait.data = E;
  uv_prepare_start(&S->nowait, keep_polls_short);
  uv_unref((uv_handle_t *)&S->nowait);
}

static void stop_signals(struct nsx_scanstate *S) {
  uv_close((uv_handle_t *)&S->sigint, NULL);
  uv_close((uv_handle_t *)&S->sigterm, NULL);
  uv_close((uv_handle_t *)&S->sigusr1, NULL);
}

void nsx_scan_host_error(struct nsx_engine *E, struct nsx_host *h) {
  struct nsx_scanstate *S = E->scan;

  h->errors++;
  if (!S || !E->opt.host_error_budget || h->over_budget ||
      h->errors < E->opt.host_error_budget)
    return;
  h->over_budget = 1;
  nsx_list_insert_tail(&S->over_budget, &h->budget_node);
}

/* Cuts short the hosts whose error budget is spent. Runs from the loop,
 * never from inside a thread or a callback that a thread waits on. */
static void cut_over_budget(struct nsx_engine *E) {
  struct nsx_scanstate *S = E->scan;

  while (!nsx_list_empty(&S->over_budget)) {
    struct nsx_host *h = nsx_list_entry(S->over_budget.next, struct nsx_host,
                                        budget_node);
    nsx_list_unlink(&h->budget_node);
    fprintf(stderr, "nsx: %s: %u errors (--host-error-budget); skipping the "
            "rest of this host\n", h->ip, h->errors);
    if (h->group.finished || ((struct hostscan *)h->scan)->waiting > 0)
      continue;
    group_abort(E, &h->group, NSX_END_TIMEOUT);
  }
}

static int stuck(struct nsx_engine *E) {
  return !nsx_sched_has_ready(&E->sched) && E->sched.nparked > 0 &&
         E->sched.nparked_io == 0 && !io_pending(E) &&
         (nsx_list_empty(&E->creating) || E->nmain >= E->opt.max_threads);
}

/* Threads resumed, at most, between two polls of I/O while threads are
 * ready. */
#define RESUMES_PER_POLL 64

/* Threads wait to be made, or hosts to be admitted. */
static int can_create(struct nsx_engine *E) {
  return !nsx_list_empty(&E->creating) ||
         (E->phase == NSX_PHASE_SCAN && !E->scan->targets_done);
}

/* Runs the loop until 'done' says the phase is over. */
static void run_loop(struct nsx_engine *E, int (*done)(struct nsx_engine *)) {
  size_t ran = 0;                /* threads resumed since the last poll */

  for (;;) {
    cut_over_budget(E);
    /* Before threads are made, the answers that are already in: a thread
     * started now would ask the network while answers wait, and every
     * thread made ahead of them adds its state to what is in play. When
     * all were made first, a banner scan of 10,240 ports held all 10,240
     * connections and 58 MB of threads at once; taking answers first it
     * holds about 600, and the same run took 0.45 s instead of 0.37 s
     * (the epoll client: 0.36 s). */
    if (!nsx_sched_has_ready(&E->sched) && can_create(E)) {
      uv_run(E->loop, UV_RUN_NOWAIT);
      ran = 0;
    }
    E->scan->fresh_cap =
        nsx_sched_has_ready(&E->sched) ? FRESH_BUSY : FRESH_MAX;
    create_threads(E);
    if (E->phase == NSX_PHASE_SCAN) {
      admit(E);
      create_threads(E);
    }
    if (nsx_sched_has_ready(&E->sched)) {
      /* Threads that a pass wakes (a lock handed on, a condvar signalled)
       * run in the next pass without a poll in between, so a chain of
       * hand-overs costs no epoll_wait per step. I/O is still polled,
       * without waiting, once RESUMES_PER_POLL threads have run, so that
       * threads that keep waking each other cannot starve it. */
      ran += nsx_sched_pass(&E->sched);
      uv_update_time(E->loop);
      if (nsx_sched_has_ready(&E->sched) && ran >= RESUMES_PER_POLL) {
        uv_run(E->loop, UV_RUN_NOWAIT);
        ran = 0;
      }
      continue;
    }
    ran = 0;
    if (done(E)) {
      nsx_sockets_flush(&E->sockets);   /* the phase ends with them closed */
      return;
    }
    if (stuck(E)) {
      report_stuck(E);
      continue;
    }
    if (!uv_loop_alive(E->loop)) {
      /* Nothing can happen any more; should not occur. */
      fprintf(stderr, "nsx: internal error: the scan cannot progress "
              "(%zu threads parked)\n", E->sched.nparked);
      return;
    }
    uv_run(E->loop, UV_RUN_ONCE);
  }
}

static int phase_over(struct nsx_engine *E) {
  return E->scan->phase_done;
}

static int scan_over(struct nsx_engine *E) {
  return E->scan->targets_done && E->scan->inflight == 0;
}

static void phase_group_done(struct nsx_group *g) {
  struct nsx_engine *E = (struct nsx_engine *)((char *)g -
                                               offsetof(struct nsx_engine,
                                                        phase_group));
  if (g->runlevel < E->nrunlevels && !E->scan->interrupted) {
    int next = g->runlevel + 1;
    group_init(g, NULL, g->phase, next, phase_group_done);
    group_start(E, g);
    return;
  }
  E->scan->phase_done = 1;
}

static void run_phase(struct nsx_engine *E, enum nsx_phase phase) {
  struct nsx_scanstate *S = E->scan;

  E->phase = phase;
  S->phase_done = 0;
  nsx_verbose(E, 1, "Script %s.", phase == NSX_PHASE_PRE ? "Pre-scanning"
                                                         : "Post-scanning");
  group_init(&E->phase_group, NULL, phase, 1, phase_group_done);
  group_start(E, &E->phase_group);
  run_loop(E, phase_over);
  nsx_results_sort(&S->phase_results);
  nsx_out_phase(E->out, E, phase, &S->phase_results);
  nsx_results_free(&S->phase_results);
}

int nsx_scan_run(struct nsx_engine *E, const struct nsx_scan_setup *setup) {
  struct nsx_scanstate S;
  uint64_t t0, t1, t2;
  int first_shard;

  memset(&S, 0, sizeof S);
  S.setup = setup;
  S.fresh_cap = FRESH_MAX;
  nsx_list_init(&S.hosts);
  nsx_list_init(&S.over_budget);
  nsx_rate_init(&S.rate, E->loop, E->opt.max_rate);
  E->rate = E->opt.max_rate > 0 ? &S.rate : NULL;
  S.scanner = nsx_scanner_new(E->loop, E->opt.max_probes,
                            E->opt.connect_timeout_ms, 2, E->rate);
  if (!S.scanner) return -1;
  E->scan = &S;
  nsx_list_init(&E->phase_group.threads);
  start_signals(E, &S);
  start_nowait(E, &S);
  t0 = nsx_now_ms();
  /* With --shard, pre- and post-scan scripts run in shard 1 only, so the
   * union of the shards' results is a single run's. */
  first_shard = E->opt.nshards <= 1 || E->opt.shard == 1;
  if (first_shard && has_rule(E, NSX_PRERULE)) run_phase(E, NSX_PHASE_PRE);
  t1 = nsx_now_ms();
  E->phase = NSX_PHASE_SCAN;
  run_loop(E, scan_over);
  t2 = nsx_now_ms();
  if (first_shard && has_rule(E, NSX_POSTRULE) && !S.interrupted)
    run_phase(E, NSX_PHASE_POST);
  stop_signals(&S);
  uv_close((uv_handle_t *)&S.nowait, NULL);
  nsx_rate_close(&S.rate);
  E->rate = NULL;
  uv_run(E->loop, UV_RUN_NOWAIT);
  E->interrupted = S.interrupted;
  nsx_debug(E, 1, "Timing: pre-scan %.3fs, discovery %.3fs, scripts %.3fs, "
            "scan phase %.3fs, post-scan %.3fs; %llu threads, %llu resumes, "
            "at most %zu threads at once",
            (double)(t1 - t0) / 1000,
            (double)(S.disc_last - S.disc_first) / 1000,
            (double)(S.scripts_last - S.scripts_first) / 1000,
            (double)(t2 - t1) / 1000, (double)(nsx_now_ms() - t2) / 1000,
            (unsigned long long)E->threads_started,
            (unsigned long long)E->sched.resumes, E->nthreads_peak);
  E->hosts_seen = S.hosts_seen;
  E->hosts_up = S.hosts_up;
  nsx_scanner_free(S.scanner);
  if (S.excluded) {
    nsx_portlist_free(S.excluded);
    free(S.excluded);
  }
  E->scan = NULL;
  return 0;
}

void nsx_scan_stats(struct nsx_engine *E, struct nsx_scan_stats *st) {
  struct nsx_scanstate *S = E->scan;

  memset(st, 0, sizeof *st);
  if (!S) return;
  st->hosts_done = S->hosts_done;
  st->hosts_inflight = S->inflight;
  st->hosts_total = nsx_tsource_expected(S->setup->targets);
}

int nsx_scan_add_target(struct nsx_engine *E, const char *expr) {
  if (!E->scan) return -1;
  return nsx_tsource_add_new(E->scan->setup->targets, expr);
}

size_t nsx_scan_targets_queued(struct nsx_engine *E) {
  return E->scan ? nsx_tsource_queued(E->scan->setup->targets) : 0;
}

size_t nsx_scan_targets_added(struct nsx_engine *E) {
  return E->scan ? nsx_tsource_added(E->scan->setup->targets) : 0;
}

/* Reads the "Exclude" directive of nmap-service-probes once. */
static void load_excluded(struct nsx_engine *E) {
  struct nsx_scanstate *S = E->scan;
  char *path = nsx_datapath_find(E->dp, "nmap-service-probes");
  char line[4096], err[256];
  FILE *f;

  S->excluded_loaded = 1;
  if (!path) return;
  f = fopen(path, "r");
  free(path);
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "Exclude ", 8) != 0) continue;
    line[strcspn(line, "\r\n")] = '\0';
    S->excluded = calloc(1, sizeof *S->excluded);
    if (S->excluded &&
        nsx_portspec_parse(line + 8, E->services, S->excluded, err,
                           sizeof err) < 0) {
      free(S->excluded);
      S->excluded = NULL;
    }
    break;
  }
  fclose(f);
}

int nsx_scan_port_excluded(struct nsx_engine *E, int port, int proto) {
  if (!E->scan) return 0;
  if (!E->scan->excluded_loaded) load_excluded(E);
  return E->scan->excluded &&
         nsx_portlist_has(E->scan->excluded, (enum nsx_proto)proto,
                          (unsigned)port);
}
