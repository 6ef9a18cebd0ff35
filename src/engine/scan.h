/* A scan: pre-scan scripts, then hosts streamed through discovery (TCP
 * connect scan, reverse DNS) and their scripts runlevel by runlevel, then
 * post-scan scripts (scan.c). Each host's report is written as soon as
 * its last thread ends. */
#ifndef NSX_SCAN_H
#define NSX_SCAN_H

#include <lua.h>
#include <stdint.h>

#include "engine/engine.h"
#include "engine/thread.h"

struct nsx_tsource;

struct nsx_scan_setup {
  struct nsx_tsource *targets;
  const uint16_t *tcp_ports;     /* ports to scan on every host */
  size_t ntcp;
  unsigned scripts_only : 1;     /* -sn: no port scan */
};

struct nsx_scan_stats {
  uint64_t hosts_done;           /* hosts finished (up or down) */
  uint64_t hosts_total;          /* hosts expected in all; 0 = unknown */
  size_t hosts_inflight;
};

/* Counters for the status line. */
void nsx_scan_stats(struct nsx_engine *E, struct nsx_scan_stats *st);

/* Runs the whole scan. Returns 0, or -1 if the scan could not start. */
int nsx_scan_run(struct nsx_engine *E, const struct nsx_scan_setup *setup);

/* Called by thread.c when a thread ends, for group bookkeeping. */
void nsx_scan_thread_ended(struct nsx_thread *t, enum nsx_end why);

/* A main thread returned: its action's 'nres' values are on top of 'co'
 * (popped). */
void nsx_scan_thread_result(struct nsx_engine *E, struct nsx_thread *t,
                            lua_State *co, int nres);

/* A thread raised an error: the object is on top of 'co' (left there).
 * Logs it and, for main threads, records Nmap's error output. */
void nsx_scan_thread_failed(struct nsx_engine *E, struct nsx_thread *t,
                            lua_State *co);

/* A socket or script error against 'h': once --host-error-budget is spent,
 * the host's remaining threads are skipped (soon after, from the loop). */
void nsx_scan_host_error(struct nsx_engine *E, struct nsx_host *h);

/* 'h' reached its --host-timeout: marks it (its report says so, and no
 * later runlevel starts) and says so once at -v. The host timer calls it
 * and then ends the host's threads; thread.c calls it when a thread's
 * own deadline, which was the host's, fires first. */
void nsx_scan_host_expired(struct nsx_engine *E, struct nsx_host *h);

/* nmap.add_targets and its counters. */
int nsx_scan_add_target(struct nsx_engine *E, const char *expr);
size_t nsx_scan_targets_queued(struct nsx_engine *E);
size_t nsx_scan_targets_added(struct nsx_engine *E);

/* nmap.port_is_excluded: ports nmap-service-probes says not to probe. */
int nsx_scan_port_excluded(struct nsx_engine *E, int port, int proto);

#endif
