/* TCP connect scan over libuv (see portscan.h). Jobs wait in a FIFO; a
 * job leaves the queue once all its ports have been started, so finding
 * work is O(1). Silent ports go back on their job's retry list until
 * their tries are used up. Probes of open ports are closed with a reset,
 * which leaves no TIME_WAIT behind when thousands of ports are probed. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/addr.h"
#include "net/portscan.h"
#include "sched/timeq.h"

struct nsx_prober {
  uv_loop_t *loop;
  /* Connects and closes wait for the prepare handle, just before the
   * loop polls, and go out back to back: a server on the same machine
   * then wakes once per batch, not once per probe (see net/sock.h). */
  uv_prepare_t prepare;
  int pump_wanted;
  /* Every probe has the same timeout: one FIFO queue, one libuv timer,
   * instead of a timer (heap entry, handle to close) per probe. */
  struct nsx_timers timers;
  struct nsx_list to_close;      /* finished probes, descriptors open */
  size_t limit;                  /* connects in flight asked for */
  size_t max_inflight;           /* lowered while sockets run out */
  size_t inflight, queued;
  int timeout_ms, tries;
  struct nsx_list jobs;          /* jobs with ports still to start */
  struct nsx_rate *rate;         /* --max-rate, or NULL */
  struct nsx_rate_waiter rate_w; /* queued for a token */
  int have_token;                /* a token taken for the next connect */
};

struct nsx_probejob {
  struct nsx_prober *p;
  struct sockaddr_storage addr;
  const uint16_t *ports;         /* the caller's; to start: [next..n) */
  size_t n, next;
  uint16_t *retry;               /* silent ports to try again, made at */
  uint8_t *retry_tries;          /* the first (n slots each) */
  size_t nretry;
  size_t remaining;              /* ports not yet reported */
  struct nsx_list queue_node;
  struct nsx_list probes;        /* connects in flight */
  nsx_probe_cb on_port;
  nsx_probe_done_cb on_done;
  void *ud;
};

struct probe {
  uv_tcp_t tcp;
  uv_connect_t req;
  struct nsx_timeout to;         /* the attempt's timeout */
  struct nsx_prober *p;
  struct nsx_probejob *job;      /* NULL once cancelled */
  struct nsx_list node;          /* on job->probes, then p->to_close */
  uint64_t start;
  uint16_t port;
  uint8_t tries;
  uint8_t finished;
  uint8_t closing;
  int status;                    /* an error the connect met at once */
};

static void pump(struct nsx_prober *p);
static void issue_closes(struct nsx_prober *p);

static void on_prepare(uv_prepare_t *h) {
  struct nsx_prober *p = h->data;

  issue_closes(p);
  if (p->pump_wanted) {
    p->pump_wanted = 0;
    pump(p);
  }
  uv_unref((uv_handle_t *)h);
}

/* Asks for a pump before the next poll; pending work keeps the loop
 * alive. */
static void want_pump(struct nsx_prober *p) {
  p->pump_wanted = 1;
  uv_ref((uv_handle_t *)&p->prepare);
}

static void on_token(struct nsx_rate_waiter *w) {
  struct nsx_prober *p = (struct nsx_prober *)((char *)w -
                                               offsetof(struct nsx_prober,
                                                        rate_w));
  p->have_token = 1;
  want_pump(p);
}

struct nsx_prober *nsx_prober_new(uv_loop_t *loop, size_t max_inflight,
                                  int timeout_ms, int tries,
                                  struct nsx_rate *rate) {
  struct nsx_prober *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->rate = rate;
  nsx_list_init(&p->rate_w.node);
  p->rate_w.cb = on_token;
  p->loop = loop;
  p->limit = p->max_inflight = max_inflight ? max_inflight : 1;
  p->timeout_ms = timeout_ms;
  p->tries = tries > 0 ? tries : 1;
  nsx_list_init(&p->jobs);
  nsx_list_init(&p->to_close);
  nsx_timers_init(&p->timers, loop);
  uv_prepare_init(loop, &p->prepare);
  p->prepare.data = p;
  uv_prepare_start(&p->prepare, on_prepare);
  uv_unref((uv_handle_t *)&p->prepare);
  return p;
}

static void on_prepare_closed(uv_handle_t *h) {
  free(h->data);
}

void nsx_prober_free(struct nsx_prober *p) {
  if (nsx_list_linked(&p->rate_w.node)) nsx_rate_cancel(&p->rate_w);
  issue_closes(p);
  nsx_timers_close(&p->timers);
  uv_close((uv_handle_t *)&p->prepare, on_prepare_closed);
}

size_t nsx_prober_pending(const struct nsx_prober *p) {
  return p->inflight + p->queued;
}

static void job_free(struct nsx_probejob *job) {
  free(job->retry);
  free(job->retry_tries);
  free(job);
}

static void on_probe_closed(uv_handle_t *h) {
  struct probe *pr = h->data;
  if (--pr->closing == 0) free(pr);
}

/* Queues a finished probe (not on any list) for closing. */
static void probe_close(struct probe *pr) {
  nsx_list_insert_tail(&pr->p->to_close, &pr->node);
  uv_ref((uv_handle_t *)&pr->p->prepare);
}

static void issue_closes(struct nsx_prober *p) {
  while (!nsx_list_empty(&p->to_close)) {
    struct probe *pr = nsx_list_entry(p->to_close.next, struct probe, node);
    nsx_list_unlink(&pr->node);
    pr->closing = 1;
    uv_close((uv_handle_t *)&pr->tcp, on_probe_closed);
  }
}

/* Puts a port on the job's retry list, which is made (with room for
 * every port of the job) the first time. Returns 0, or -1 when out of
 * memory. */
static int push_retry(struct nsx_probejob *job, uint16_t port,
                      uint8_t tries) {
  if (!job->retry) {
    job->retry = malloc(job->n * sizeof *job->retry);
    job->retry_tries = malloc(job->n);
    if (!job->retry || !job->retry_tries) {
      free(job->retry);
      free(job->retry_tries);
      job->retry = NULL;
      job->retry_tries = NULL;
      return -1;
    }
  }
  job->retry[job->nretry] = port;
  job->retry_tries[job->nretry++] = tries;
  return 0;
}

/* Reports a port and ends the job once every port is reported. */
static void report(struct nsx_probejob *job, unsigned port,
                   enum nsx_probe_result r, double rtt) {
  job->on_port(job->ud, port, r, rtt);
  if (--job->remaining == 0) {
    nsx_probe_done_cb done = job->on_done;
    void *ud = job->ud;
    job_free(job);
    done(ud);
  }
}

static void probe_finish(struct probe *pr, enum nsx_probe_result r) {
  struct nsx_prober *p = pr->p;
  struct nsx_probejob *job = pr->job;
  double rtt = (double)(uv_hrtime() - pr->start) / 1e9;

  pr->finished = 1;
  nsx_timeout_stop(&pr->to);
  if (r == NSX_PROBE_OPEN) {
    struct linger lg = {1, 0};
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)&pr->tcp, &fd) == 0)
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  nsx_list_unlink(&pr->node);
  probe_close(pr);
  p->inflight--;
  if (p->max_inflight < p->limit) p->max_inflight++;
  if (job) {
    if (r == NSX_PROBE_FILTERED && pr->tries < p->tries &&
        push_retry(job, pr->port, pr->tries) == 0) {
      p->queued++;
      if (!nsx_list_linked(&job->queue_node))
        nsx_list_insert_tail(&p->jobs, &job->queue_node);
    } else {
      report(job, pr->port, r, r == NSX_PROBE_FILTERED ? 0 : rtt);
    }
  }
  want_pump(p);
}

static void connected(struct probe *pr, int status) {
  enum nsx_probe_result r;

  switch (status) {
  case 0: r = NSX_PROBE_OPEN; break;
  case UV_ECONNREFUSED: r = NSX_PROBE_CLOSED; break;
  case UV_EHOSTUNREACH:
  case UV_ENETUNREACH:
  case UV_EACCES:
  case UV_EPERM: r = NSX_PROBE_UNREACH; break;
  default: r = NSX_PROBE_FILTERED; break;
  }
  probe_finish(pr, r);
}

static void on_connect(uv_connect_t *req, int status) {
  struct probe *pr = req->data;
  if (!pr->finished) connected(pr, status);
}

/* The attempt's time is up, or an error met at once is due for report. */
static void on_timeout(struct nsx_timeout *to) {
  struct probe *pr = (struct probe *)((char *)to -
                                      offsetof(struct probe, to));
  if (pr->finished) return;
  if (pr->status)
    connected(pr, pr->status);
  else
    probe_finish(pr, NSX_PROBE_FILTERED);
}

static int out_of_sockets(int rc) {
  return rc == UV_EMFILE || rc == UV_ENFILE || rc == UV_ENOBUFS ||
         rc == UV_EADDRNOTAVAIL;
}

/* Starts one connect. Returns 0, or -1 if the system refused to make a
 * socket now (the port goes back to the queue). */
static int probe_start(struct nsx_probejob *job, uint16_t port,
                       uint8_t tries) {
  struct nsx_prober *p = job->p;
  struct probe *pr = calloc(1, sizeof *pr);
  struct sockaddr_storage to = job->addr;
  int rc;

  if (!pr) return -1;
  pr->p = p;
  pr->job = job;
  pr->port = port;
  pr->tries = (uint8_t)(tries + 1);
  pr->tcp.data = pr;
  pr->req.data = pr;
  nsx_list_init(&pr->node);
  nsx_timeout_init(&pr->to);
  if (uv_tcp_init(p->loop, &pr->tcp) < 0) {
    free(pr);
    return -1;
  }
  nsx_addr_set_port(&to, port);
  pr->start = uv_hrtime();
  rc = uv_tcp_connect(&pr->req, &pr->tcp, (struct sockaddr *)&to,
                      on_connect);
  if (rc < 0 && out_of_sockets(rc) && p->inflight > 0) {
    probe_close(pr);
    return -1;
  }
  nsx_list_insert_tail(&job->probes, &pr->node);
  p->inflight++;
  /* An error met at once is reported from the loop, like any other. A
   * queue the timers cannot make (out of memory) leaves the attempt to
   * the kernel's own connect timeout. */
  pr->status = rc < 0 ? rc : 0;
  nsx_timeout_start(&p->timers, &pr->to, rc < 0 ? 0 : (uint64_t)p->timeout_ms,
                    on_timeout);
  return 0;
}

static void pump(struct nsx_prober *p) {
  while (p->inflight < p->max_inflight && !nsx_list_empty(&p->jobs)) {
    struct nsx_probejob *job =
        nsx_list_entry(p->jobs.next, struct nsx_probejob, queue_node);
    uint16_t port;
    uint8_t tries = 0;
    int retried = 0;

    if (p->rate && !p->have_token) {
      if (nsx_list_linked(&p->rate_w.node)) break;   /* already waiting */
      if (!nsx_rate_take(p->rate, &p->rate_w)) break;
    }
    p->have_token = 0;
    if (job->nretry > 0) {
      port = job->retry[--job->nretry];
      tries = job->retry_tries[job->nretry];
      retried = 1;
    } else {
      port = job->ports[job->next++];
    }
    p->queued--;
    if (job->next == job->n && job->nretry == 0)
      nsx_list_unlink(&job->queue_node);
    if (probe_start(job, port, tries) < 0) {
      /* Out of sockets: put the port back where it came from (a retry
       * list has room for it), wait for one to close. */
      if (retried)
        push_retry(job, port, tries);
      else
        job->next--;
      p->queued++;
      if (!nsx_list_linked(&job->queue_node))
        nsx_list_insert_head(&p->jobs, &job->queue_node);
      p->max_inflight = p->inflight;
      break;
    }
  }
}

struct nsx_probejob *nsx_prober_scan(struct nsx_prober *p,
                                     const struct sockaddr *addr,
                                     const uint16_t *ports, size_t n,
                                     nsx_probe_cb on_port,
                                     nsx_probe_done_cb on_done, void *ud) {
  struct nsx_probejob *job;

  if (n == 0 || !(job = calloc(1, sizeof *job))) return NULL;
  memcpy(&job->addr, addr, nsx_addr_len(addr));
  job->p = p;
  job->ports = ports;
  job->n = n;
  job->remaining = n;
  job->on_port = on_port;
  job->on_done = on_done;
  job->ud = ud;
  nsx_list_init(&job->queue_node);
  nsx_list_init(&job->probes);
  p->queued += n;
  nsx_list_insert_tail(&p->jobs, &job->queue_node);
  want_pump(p);
  return job;
}

void nsx_probejob_cancel(struct nsx_probejob *job) {
  struct nsx_prober *p = job->p;
  struct nsx_list *it, *tmp;

  nsx_list_foreach_safe(it, tmp, &job->probes) {
    struct probe *pr = nsx_list_entry(it, struct probe, node);
    pr->job = NULL;
    pr->finished = 1;
    nsx_timeout_stop(&pr->to);
    nsx_list_unlink(&pr->node);
    probe_close(pr);
    p->inflight--;
  }
  p->queued -= (job->n - job->next) + job->nretry;
  nsx_list_unlink(&job->queue_node);
  job_free(job);
  want_pump(p);
}
