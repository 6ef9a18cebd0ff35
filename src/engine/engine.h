/* The engine: one Lua state, one libuv loop, one scheduler, and the
 * objects a scan is made of (scripts, hosts, ports, groups of threads).
 * Everything here runs on the loop's thread. The pieces live in:
 *   thread.c   script threads and workers: create, resume, park, end
 *   lcoro.c    coroutine.resume/wrap that pass the scheduler's yields up
 *   lsync.c    nmap.mutex, nmap.condvar
 *   lsock.c    the socket object of nmap.new_socket
 *   nmaplib.c  the rest of the 'nmap' module;  lstdnse.c  stdnse hooks
 *   state.c    the Lua state as Nmap's nselib expects it
 *   host.c     hosts and ports, and their Lua tables
 *   scan.c     phases, runlevels, host admission, thread creation */
#ifndef NSX_ENGINE_H
#define NSX_ENGINE_H

#include <lua.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <uv.h>

#include "engine/heap.h"
#include "engine/pool.h"
#include "net/sock.h"
#include "sched/sched.h"
#include "sched/sync.h"
#include "sched/timeq.h"

struct nsx_host;
struct nsx_port;
struct nsx_output;
struct nsx_thread;
struct nsx_datapath;
struct nsx_services;
struct nsx_scanstate;
struct nsx_rate;

enum nsx_rule { NSX_PRERULE, NSX_HOSTRULE, NSX_PORTRULE, NSX_POSTRULE };
enum nsx_phase { NSX_PHASE_PRE, NSX_PHASE_SCAN, NSX_PHASE_POST };

/* One selected script, loaded once; every thread re-runs its body. */
struct nsx_script {
  char *path;
  char *id;                  /* file name without ".nse" */
  int factory_ref;           /* function(env) returning the body closure */
  int env_size;              /* entries its environment had (a size hint) */
  int runlevel;              /* 1 + the deepest selected dependency */
  unsigned rules;            /* bit (1 << nsx_rule) per rule function */
  unsigned by_name : 1;      /* selected by name: verbosity + 1 */
  unsigned forced : 1;       /* '+' rule: run without calling the rule */
  char **deps;
  size_t ndeps;
  char **categories;
  size_t ncategories;
  char *description;         /* for --script-help; NULL if none */
};

/* The threads of one runlevel of one host (scan phase) or of one runlevel
 * of the pre- or post-scan phase. Main threads are created lazily, under
 * the concurrency limit, from the cursor below. When no main thread is
 * left and none is to come, remaining workers are orphans and end. */
struct nsx_group {
  struct nsx_host *host;     /* NULL outside the scan phase */
  enum nsx_phase phase;
  int runlevel;
  size_t nmain, nworkers;    /* live threads */
  struct nsx_list threads;   /* every live thread of the group */
  /* Creation cursor: scripts of this runlevel, hostrule or pre/postrule
   * first, then every (script, port) for portrules. */
  size_t next_script, next_port;
  int stage;
  unsigned creating : 1;     /* on the engine's creation queue */
  unsigned finishing : 1;    /* ending its threads: do not re-enter */
  unsigned finished : 1;     /* 'done' has been called */
  struct nsx_list create_node;
  void (*done)(struct nsx_group *g);
};

struct nsx_options {
  int debug, verbose;
  int family;                /* AF_INET, or AF_INET6 with -6 */
  double script_timeout;     /* seconds; 0 = none */
  double host_timeout;       /* seconds; 0 = none */
  size_t max_threads;        /* concurrency limit on main threads */
  size_t max_sockets;        /* sockets open at once */
  size_t max_receive;        /* bytes one receive may buffer */
  size_t script_memory;      /* bytes one thread may hold; 0 = no limit */
  size_t max_hostgroup;      /* hosts in flight */
  int connect_timeout_ms;    /* port scan: wait for SYN-ACK/RST */
  size_t max_probes;         /* port scan: connects in flight */
  int timing;                /* -T level, 0-5 */
  int ttl;                   /* --ttl, 0 = unset */
  int data_length;           /* --data-length */
  int version_intensity;     /* --version-intensity */
  const char *interface;     /* -e, or NULL */
  double max_rate;           /* --max-rate: connects a second; 0 = any */
  size_t max_host_conns;     /* script sockets per host; 0 = no limit */
  unsigned host_error_budget; /* socket/script errors per host; 0 = off */
  unsigned shard, nshards;   /* --shard K/N: this is shard K (1-based) */
  unsigned no_resolve : 1;   /* -n */
  unsigned skip_ping : 1;    /* -Pn */
  unsigned script_trace : 1;
  unsigned reason : 1;       /* --reason: show the REASON column */
};

struct nsx_engine {
  uv_loop_t *loop;
  struct nsx_sched sched;
  struct nsx_timers timers;      /* sleeps (lsleep.c) */
  struct nsx_sockets sockets;    /* the scripts' sockets' shared state */
  lua_State *L;
  struct nsx_options opt;
  struct nsx_datapath *dp;       /* where nselib, scripts, data are */
  struct nsx_services *services; /* nmap-services, for port names */
  struct nsx_thread *current;    /* the thread being resumed, or NULL */

  struct nsx_script *scripts;
  size_t nscripts;
  int nrunlevels;

  int64_t mem;                   /* bytes the Lua state holds */
  size_t nthreads;               /* live threads, workers included */
  size_t nmain;                  /* live main threads */
  size_t nfresh;                 /* main threads not yet resumed once */
  size_t nthreads_peak;          /* most threads alive at once */
  uint64_t threads_started;
  struct nsx_list creating;      /* groups with threads still to create */

  size_t nsocks;                 /* script sockets open */
  struct nsx_rate *rate;         /* --max-rate's bucket, or NULL */
  size_t nsock_waiting;          /* threads waiting for a socket slot */
  struct nsx_list sock_waiters;

  enum nsx_phase phase;
  struct nsx_group phase_group;  /* the pre- or post-scan runlevel */

  int mutex_cache_ref;           /* obj -> mutex function (weak values) */
  int condvar_cache_ref;         /* obj -> condvar function (weak values) */
  int hosts_ref;                 /* host serial -> host (light userdata) */
  const void *socket_mt;         /* the socket metatable (type checks) */
  int env_mt_ref;                /* script environments' metatable, or 0 */
  struct nsx_heap heap;          /* prefaulting (heap.c) */
  struct nsx_pool pool;          /* the Lua state's small blocks */
  int route_fd[2];               /* UDP sockets (IPv4, IPv6) asking the
                                    kernel for our source address, or -1 */
  int registry_ref;              /* nmap.registry */
  int keys_ref;                  /* interned table keys (keys.h) */

  struct nsx_scanstate *scan;    /* the scan running now (scan.c) */
  uint64_t hosts_seen, hosts_up;
  uint64_t results_total;        /* script results stored (status ok) */
  int interrupted;               /* the scan was cut short by a signal */
  struct nsx_output *out;
  FILE *log;                     /* debug and verbose messages */
  int log_tty;                   /* 'log' is a terminal: flush each line */
};

/* The engine that owns a Lua state. There is one engine per process; the
 * coroutines' extra space is kept for the script thread a base coroutine
 * belongs to (thread.h). */
extern struct nsx_engine *nsx__engine;
static inline struct nsx_engine *nsx_engine_of(lua_State *L) {
  (void)L;
  return nsx__engine;
}

/* Default options: Nmap's, with nsx's own limits. */
void nsx_engine_defaults(struct nsx_options *o);

/* Sets up the engine on 'loop' with the data path 'dp': scheduler and Lua
 * state. Returns 0, or -1 with a message. */
int nsx_engine_init(struct nsx_engine *E, uv_loop_t *loop,
                    struct nsx_datapath *dp, char *err, size_t errlen);
void nsx_engine_free(struct nsx_engine *E);

/* Raises the open-file limit to its hard maximum and returns it. */
size_t nsx_raise_nofile(void);

/* Grows the process's descriptor table to room for 'n' descriptors (at
 * most 65,536) now. Call it before the process has a second thread. */
void nsx_reserve_fds(size_t n);

/* Monotonic milliseconds, cheap enough for a count hook. */
uint64_t nsx_now_ms(void);

/* Writes "NSE: <message>\n" to the log when the debug (or verbose) level
 * is at least 'level'. */
void nsx_debug(struct nsx_engine *E, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void nsx_verbose(struct nsx_engine *E, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
