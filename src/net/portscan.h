/* The built-in TCP connect scan: many connects in flight on the event
 * loop, shared by every host being scanned, with a limit on connects in
 * flight (file descriptors) and a per-attempt timeout. A port is open when
 * the connect succeeds, closed when it is refused, filtered when no answer
 * comes after the retries. Knows nothing of Lua or of the engine. */
#ifndef NSX_PORTSCAN_H
#define NSX_PORTSCAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "net/rate.h"
#include "sched/list.h"

enum nsx_probe_result {
  NSX_PROBE_OPEN,       /* connect succeeded ("syn-ack") */
  NSX_PROBE_CLOSED,     /* refused ("conn-refused") */
  NSX_PROBE_FILTERED,   /* no answer ("no-response") */
  NSX_PROBE_UNREACH     /* ICMP unreachable and the like ("host-unreach") */
};

struct nsx_prober;
struct nsx_probejob;

/* One port's outcome; rtt in seconds (0 when unknown). */
typedef void (*nsx_probe_cb)(void *ud, unsigned port,
                             enum nsx_probe_result result, double rtt);
/* Every port of the job has been reported. */
typedef void (*nsx_probe_done_cb)(void *ud);

/* A prober for 'loop' allowing 'max_inflight' connects at once, each
 * given 'timeout_ms', and 'tries' attempts for ports that stay silent.
 * With 'rate' (may be NULL), every connect takes a token from it. */
struct nsx_prober *nsx_prober_new(uv_loop_t *loop, size_t max_inflight,
                                  int timeout_ms, int tries,
                                  struct nsx_rate *rate);
void nsx_prober_free(struct nsx_prober *p);

/* Queues a scan of the n > 0 'ports' on 'addr'. The array is not copied
 * (a scan of -p- on thousands of hosts would hold a copy per host): it
 * must stay as it is until the job has ended or been cancelled. Jobs are
 * served in FIFO order. Callbacks run from the loop, never from this
 * call. Returns NULL when out of memory. */
struct nsx_probejob *nsx_prober_scan(struct nsx_prober *p,
                                     const struct sockaddr *addr,
                                     const uint16_t *ports, size_t n,
                                     nsx_probe_cb on_port,
                                     nsx_probe_done_cb on_done, void *ud);

/* Stops a job: no callback of it runs afterwards. */
void nsx_probejob_cancel(struct nsx_probejob *job);

/* Connects in flight plus ports still queued, over all jobs. */
size_t nsx_prober_pending(const struct nsx_prober *p);

#endif
