/* The port scan as the engine uses it: the connect scan of portscan.h,
 * run on a thread and event loop of its own, so that discovery and the
 * scripts (one Lua state, one thread) use two cores instead of taking
 * turns on one. Jobs go to the scan thread and results come back through
 * two queues; the callbacks run on the caller's loop, each job's in the
 * order the scan thread produced them, never from inside a call here.
 *
 * The thread starts with the first job and stops once no job has been
 * left for a moment: an idle thread is not free (on a 2-core VM the
 * kernel then kept the engine and a local server on separate cores, and
 * the same script run took 18% longer). With a rate limit the scan stays
 * on the caller's loop, as it does when no thread can be made: the token
 * bucket is shared with the scripts' connects and lives there. Knows
 * nothing of Lua or of the engine. */
#ifndef NSX_SCANNER_H
#define NSX_SCANNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "net/portscan.h"
#include "net/rate.h"

struct nsx_scanner;
struct nsx_scanjob;

/* The scan thread stops after this long without a job. */
#define NSX_SCANNER_IDLE_MS 50

/* A scanner whose callbacks run on 'loop'; the other arguments are
 * nsx_prober_new's. With 'rate' NULL the probes run on a thread of their
 * own (or on 'loop' when no thread can be made). NULL when out of
 * memory. */
struct nsx_scanner *nsx_scanner_new(uv_loop_t *loop, size_t max_inflight,
                                    int timeout_ms, int tries,
                                    struct nsx_rate *rate);

/* Stops the scan thread, cancels what is left and frees everything; no
 * callback runs afterwards. */
void nsx_scanner_free(struct nsx_scanner *s);

/* Queues a scan of 'ports' (n > 0) on 'addr', as nsx_prober_scan: the
 * array is not copied, and the scan thread reads it until the job has
 * ended or been cancelled. Returns NULL when out of memory. */
struct nsx_scanjob *nsx_scanner_scan(struct nsx_scanner *s,
                                     const struct sockaddr *addr,
                                     const uint16_t *ports, size_t n,
                                     nsx_probe_cb on_port,
                                     nsx_probe_done_cb on_done, void *ud);

/* Stops a job: no callback of it runs afterwards. */
void nsx_scanjob_cancel(struct nsx_scanjob *job);

/* Ports not reported yet plus jobs not ended yet: 0 when nothing is to
 * come. */
size_t nsx_scanner_pending(const struct nsx_scanner *s);

/* 1 while the scan thread runs. */
int nsx_scanner_thread_running(const struct nsx_scanner *s);

#endif
