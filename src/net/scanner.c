/* The port scan on a thread of its own (see scanner.h).
 *
 * Every job is one record shared by the two threads, allocated with room
 * for all its results, so that no message is ever allocated (and none
 * can be lost to a failed allocation). Each field belongs to the caller's
 * thread ("main"), to the scan thread ("scan"), or to whichever holds
 * s->lock. The scan thread writes a result into the job's array and notes
 * the job as having news; once per turn of its loop (before and after
 * each poll) it takes the lock once, raises 'published' of every job with
 * news, puts them on the outbox and wakes main if the outbox was empty.
 * Main, under the lock, takes jobs off the outbox with their 'published'
 * and 'ended', and hands the results out after unlocking (the mutex
 * orders each result's write before its read). Commands go the other way
 * on the inbox.
 *
 * Publishing per turn rather than per result matters on machines where a
 * wake-up of the other thread is dear (a VM's inter-processor interrupt):
 * the results of one poll, often hundreds, cost main one wake-up.
 *
 * The scan thread never touches a job again once it has marked it
 * 'ended' (all reported, or its cancel carried out): only then does the
 * main thread free it, or at once if it is cancelled before the scan
 * thread took its start, or after the thread has stopped. A command for
 * a job that has ended is dropped. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"
#include "net/scanner.h"
#include "sched/list.h"

struct result {                  /* 8 bytes: a -p- job holds 65,535 */
  float rtt;                     /* seconds */
  uint16_t port;
  uint8_t kind;                  /* enum nsx_probe_result */
};

enum { CMD_NONE, CMD_START, CMD_CANCEL };

struct nsx_scanjob {
  struct nsx_scanner *s;
  /* Set by main before the job is queued; read-only afterwards. */
  struct sockaddr_storage addr;
  const uint16_t *ports;         /* the caller's */
  size_t n;
  struct result *results;        /* n slots, written by scan */
  nsx_probe_cb on_port;
  nsx_probe_done_cb on_done;
  void *ud;
  int direct;                    /* on main's prober, not the thread */
  /* main */
  struct nsx_list node;          /* on s->jobs until freed */
  struct nsx_list news_node;     /* on a drained outbox */
  size_t taken;                  /* results handed to on_port */
  size_t seen;                   /* 'published' when last drained */
  int seen_ended, cancelled;
  /* s->lock */
  struct nsx_list in_node;       /* on s->inbox while 'cmd' waits */
  struct nsx_list out_node;      /* on s->outbox: news for main */
  int cmd;
  int ended;
  size_t published;              /* results main may read */
  /* scan (direct jobs: main) */
  struct nsx_list scan_node;     /* on s->running while the prober has it */
  struct nsx_list work_node;     /* on the commands taken off the inbox */
  struct nsx_list news_out;      /* on s->news: to publish this turn */
  int end_news;                  /* the end is to publish */
  int todo;                      /* the command taken off the inbox */
  struct nsx_probejob *pj;       /* the prober's job while it runs */
  size_t written;
};

struct nsx_scanner {
  uv_loop_t *loop;               /* the caller's */
  size_t max_inflight;
  int timeout_ms, tries;
  struct nsx_rate *rate;
  /* main */
  struct nsx_list jobs;          /* every job not freed */
  size_t pending;                /* unreported ports + jobs not ended */
  struct nsx_prober *direct;     /* on 'loop', made when first needed */
  int can_thread;                /* no rate limit, and the lock exists */
  int running;                   /* the scan thread runs */
  uv_async_t wake_main;          /* scan -> main: the outbox has news */
  uv_timer_t idle;               /* stops the thread when it has no job */
  int closing;                   /* handles of 'loop' still closing */
  uv_thread_t thread;
  /* scan, while it runs */
  uv_loop_t scan_loop;
  uv_async_t wake_scan;          /* main -> scan: the inbox has work */
  struct nsx_prober *prober;
  struct nsx_list started;       /* jobs the prober has */
  struct nsx_list news;          /* jobs with results or an end to publish */
  uv_prepare_t flush_before;     /* publish: before each poll ... */
  uv_check_t flush_after;        /* ... and after it */
  /* shared */
  uv_mutex_t lock;
  struct nsx_list inbox, outbox; /* s->lock */
  int stop;                      /* s->lock */
};

static void stop_thread(struct nsx_scanner *s);
static void on_idle(uv_timer_t *t);

static void job_free(struct nsx_scanjob *job) {
  nsx_list_unlink(&job->node);
  nsx_list_unlink(&job->in_node);
  nsx_list_unlink(&job->out_node);
  nsx_list_unlink(&job->news_node);
  free(job->results);
  free(job);
}

/* While ports are to come, the thread's news must wake the caller's loop
 * (and keep it alive); once none are, the thread may stop. */
static void add_pending(struct nsx_scanner *s, size_t more, size_t less) {
  size_t before = s->pending;

  s->pending = s->pending + more - less;
  if (!s->can_thread || (before == 0) == (s->pending == 0)) return;
  if (s->pending) {
    uv_ref((uv_handle_t *)&s->wake_main);
    uv_timer_stop(&s->idle);
  } else {
    uv_unref((uv_handle_t *)&s->wake_main);
    if (s->running)
      uv_timer_start(&s->idle, on_idle, NSX_SCANNER_IDLE_MS, 0);
  }
}

/* The scan thread */

/* Notes that the job has results to publish and, with 'ended', that the
 * scan thread is done with it (published at the end of this turn). */
static void note(struct nsx_scanjob *job, int ended) {
  if (ended) job->end_news = 1;
  if (!nsx_list_linked(&job->news_out))
    nsx_list_insert_tail(&job->s->news, &job->news_out);
}

/* Lets main see the results noted so far, and the ends. A job whose end
 * is published may be freed by main as soon as the lock is released, so
 * each is taken off 'news' before that. */
static void publish(struct nsx_scanner *s) {
  int was_empty;

  if (nsx_list_empty(&s->news)) return;
  uv_mutex_lock(&s->lock);
  was_empty = nsx_list_empty(&s->outbox);
  while (!nsx_list_empty(&s->news)) {
    struct nsx_scanjob *job = nsx_list_entry(s->news.next,
                                             struct nsx_scanjob, news_out);
    nsx_list_unlink(&job->news_out);
    job->published = job->written;
    if (job->end_news) job->ended = 1;
    if (!nsx_list_linked(&job->out_node))
      nsx_list_insert_tail(&s->outbox, &job->out_node);
  }
  uv_mutex_unlock(&s->lock);
  if (was_empty) uv_async_send(&s->wake_main);
}

static void on_flush_before(uv_prepare_t *h) {
  publish(h->data);
}

static void on_flush_after(uv_check_t *h) {
  publish(h->data);
}

static void scan_on_port(void *ud, unsigned port, enum nsx_probe_result r,
                         double rtt) {
  struct nsx_scanjob *job = ud;
  struct result *res = &job->results[job->written++];

  res->port = (uint16_t)port;
  res->kind = (uint8_t)r;
  res->rtt = (float)rtt;
  note(job, 0);
}

static void scan_on_done(void *ud) {
  struct nsx_scanjob *job = ud;

  job->pj = NULL;                /* the prober has freed its job */
  nsx_list_unlink(&job->scan_node);
  note(job, 1);
}

/* Carries out one command taken off the inbox. */
static void scan_command(struct nsx_scanner *s, struct nsx_scanjob *job) {
  if (job->end_news) return;     /* it ended this turn: a cancel too late */
  if (job->todo == CMD_CANCEL) {
    nsx_list_unlink(&job->scan_node);     /* from s->started */
    nsx_probejob_cancel(job->pj);
    job->pj = NULL;
    note(job, 1);
    return;
  }
  job->pj = nsx_prober_scan(s->prober, (struct sockaddr *)&job->addr,
                            job->ports, job->n, scan_on_port, scan_on_done,
                            job);
  if (job->pj)
    nsx_list_insert_tail(&s->started, &job->scan_node);
  else
    note(job, 1);                /* out of memory: nothing to report */
}

/* Cancels what still runs (main frees the jobs) and lets the loop end. */
static void scan_stop(struct nsx_scanner *s) {
  while (!nsx_list_empty(&s->started)) {
    struct nsx_scanjob *job = nsx_list_entry(s->started.next,
                                             struct nsx_scanjob, scan_node);
    nsx_list_unlink(&job->scan_node);
    nsx_probejob_cancel(job->pj);
    job->pj = NULL;
  }
  nsx_prober_free(s->prober);
  s->prober = NULL;
  publish(s);
  uv_close((uv_handle_t *)&s->flush_before, NULL);
  uv_close((uv_handle_t *)&s->flush_after, NULL);
  uv_close((uv_handle_t *)&s->wake_scan, NULL);
}

static void on_wake_scan(uv_async_t *a) {
  struct nsx_scanner *s = a->data;
  struct nsx_scanjob *job;
  struct nsx_list work;
  int stop;

  nsx_list_init(&work);
  uv_mutex_lock(&s->lock);
  while (!nsx_list_empty(&s->inbox)) {
    job = nsx_list_entry(s->inbox.next, struct nsx_scanjob, in_node);
    nsx_list_unlink(&job->in_node);
    job->todo = job->cmd;
    job->cmd = CMD_NONE;
    if (job->ended) continue;    /* main frees it; nothing left to do */
    nsx_list_insert_tail(&work, &job->work_node);
  }
  stop = s->stop;
  uv_mutex_unlock(&s->lock);

  while (!nsx_list_empty(&work)) {
    job = nsx_list_entry(work.next, struct nsx_scanjob, work_node);
    nsx_list_unlink(&job->work_node);
    scan_command(s, job);
  }
  if (stop) scan_stop(s);
}

static void scan_main(void *arg) {
  struct nsx_scanner *s = arg;

  uv_run(&s->scan_loop, UV_RUN_DEFAULT);
}

/* The caller's side */

/* Hands out what the scan thread published: results, then the end. */
static void on_wake_main(uv_async_t *a) {
  struct nsx_scanner *s = a->data;
  struct nsx_list news;

  nsx_list_init(&news);
  uv_mutex_lock(&s->lock);
  while (!nsx_list_empty(&s->outbox)) {
    struct nsx_scanjob *job = nsx_list_entry(s->outbox.next,
                                             struct nsx_scanjob, out_node);
    nsx_list_unlink(&job->out_node);
    job->seen = job->published;
    job->seen_ended = job->ended;
    if (job->ended) nsx_list_unlink(&job->in_node);   /* a cancel too late */
    nsx_list_insert_tail(&news, &job->news_node);
  }
  uv_mutex_unlock(&s->lock);

  while (!nsx_list_empty(&news)) {
    struct nsx_scanjob *job = nsx_list_entry(news.next, struct nsx_scanjob,
                                             news_node);
    nsx_list_unlink(&job->news_node);
    while (!job->cancelled && job->taken < job->seen) {
      struct result *r = &job->results[job->taken++];
      add_pending(s, 0, 1);
      job->on_port(job->ud, r->port, (enum nsx_probe_result)r->kind, r->rtt);
    }
    if (!job->seen_ended) continue;
    if (job->cancelled) {
      job_free(job);
    } else {
      nsx_probe_done_cb done = job->on_done;
      void *ud = job->ud;
      size_t left = job->n - job->taken;
      job_free(job);
      add_pending(s, 0, left + 1);
      done(ud);
    }
  }
}

static void on_idle(uv_timer_t *t) {
  struct nsx_scanner *s = t->data;

  if (s->pending == 0 && s->running) stop_thread(s);
}

/* Jobs on main's own prober: its callbacks are the caller's. */
static void direct_on_port(void *ud, unsigned port, enum nsx_probe_result r,
                           double rtt) {
  struct nsx_scanjob *job = ud;

  job->taken++;
  add_pending(job->s, 0, 1);
  job->on_port(job->ud, port, r, rtt);
}

static void direct_on_done(void *ud) {
  struct nsx_scanjob *job = ud;
  struct nsx_scanner *s = job->s;
  nsx_probe_done_cb done = job->on_done;
  void *done_ud = job->ud;
  size_t left = job->n - job->taken;

  job_free(job);
  add_pending(s, 0, left + 1);
  done(done_ud);
}

/* Starts the scan thread with an empty inbox; 0, or -1 with nothing left
 * behind. */
static int start_thread(struct nsx_scanner *s) {
  sigset_t all, old;
  int rc;

  if (uv_loop_init(&s->scan_loop) < 0) return -1;
  nsx_list_init(&s->started);
  nsx_list_init(&s->news);
  s->stop = 0;
  /* Neither fails on an initialised loop; their closes are queued with
   * the async's below, whatever happens. */
  uv_prepare_init(&s->scan_loop, &s->flush_before);
  uv_check_init(&s->scan_loop, &s->flush_after);
  s->flush_before.data = s->flush_after.data = s;
  uv_prepare_start(&s->flush_before, on_flush_before);
  uv_check_start(&s->flush_after, on_flush_after);
  s->prober = nsx_prober_new(&s->scan_loop, s->max_inflight, s->timeout_ms,
                             s->tries, NULL);
  rc = s->prober ? uv_async_init(&s->scan_loop, &s->wake_scan, on_wake_scan)
                 : -1;
  if (rc == 0) {
    s->wake_scan.data = s;
    /* Signals are the main thread's business (libuv's signal handles). */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = uv_thread_create(&s->thread, scan_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc < 0) uv_close((uv_handle_t *)&s->wake_scan, NULL);
  }
  if (rc < 0) {
    if (s->prober) nsx_prober_free(s->prober);
    s->prober = NULL;
    uv_close((uv_handle_t *)&s->flush_before, NULL);
    uv_close((uv_handle_t *)&s->flush_after, NULL);
    uv_run(&s->scan_loop, UV_RUN_DEFAULT);   /* the closes */
    uv_loop_close(&s->scan_loop);
    return -1;
  }
  s->running = 1;
  return 0;
}

/* Stops the thread and waits for it; frees the jobs it had (all of them
 * cancelled, unless the scanner itself is being freed). */
static void stop_thread(struct nsx_scanner *s) {
  struct nsx_list *it, *tmp;

  uv_mutex_lock(&s->lock);
  s->stop = 1;
  uv_mutex_unlock(&s->lock);
  uv_async_send(&s->wake_scan);
  uv_thread_join(&s->thread);
  uv_loop_close(&s->scan_loop);
  s->running = 0;
  uv_timer_stop(&s->idle);
  nsx_list_foreach_safe(it, tmp, &s->jobs) {
    struct nsx_scanjob *job = nsx_list_entry(it, struct nsx_scanjob, node);
    if (!job->direct) job_free(job);
  }
}

struct nsx_scanner *nsx_scanner_new(uv_loop_t *loop, size_t max_inflight,
                                    int timeout_ms, int tries,
                                    struct nsx_rate *rate) {
  struct nsx_scanner *s = calloc(1, sizeof *s);

  if (!s) return NULL;
  s->loop = loop;
  s->max_inflight = max_inflight;
  s->timeout_ms = timeout_ms;
  s->tries = tries;
  s->rate = rate;
  nsx_list_init(&s->jobs);
  nsx_list_init(&s->inbox);
  nsx_list_init(&s->outbox);
  nsx_list_init(&s->started);
  uv_timer_init(loop, &s->idle);
  s->idle.data = s;
  uv_unref((uv_handle_t *)&s->idle);
  s->closing = 1;
  if (!rate && uv_mutex_init(&s->lock) == 0) {
    if (uv_async_init(loop, &s->wake_main, on_wake_main) == 0) {
      s->wake_main.data = s;
      uv_unref((uv_handle_t *)&s->wake_main);
      s->can_thread = 1;
      s->closing = 2;
    } else {
      uv_mutex_destroy(&s->lock);
    }
  }
  return s;
}

static void on_closed(uv_handle_t *h) {
  struct nsx_scanner *s = h->data;

  if (--s->closing == 0) free(s);
}

void nsx_scanner_free(struct nsx_scanner *s) {
  if (s->running) stop_thread(s);
  while (!nsx_list_empty(&s->jobs))
    nsx_scanjob_cancel(nsx_list_entry(s->jobs.next, struct nsx_scanjob,
                                      node));
  if (s->direct) nsx_prober_free(s->direct);
  if (s->can_thread) {
    uv_mutex_destroy(&s->lock);
    uv_close((uv_handle_t *)&s->wake_main, on_closed);
  }
  uv_close((uv_handle_t *)&s->idle, on_closed);
}

/* Hands 'job' to main's own prober. 0, or -1 when out of memory. */
static int start_direct(struct nsx_scanner *s, struct nsx_scanjob *job) {
  if (!s->direct)
    s->direct = nsx_prober_new(s->loop, s->max_inflight, s->timeout_ms,
                               s->tries, s->rate);
  if (!s->direct) return -1;
  job->direct = 1;
  job->pj = nsx_prober_scan(s->direct, (struct sockaddr *)&job->addr,
                            job->ports, job->n, direct_on_port,
                            direct_on_done, job);
  return job->pj ? 0 : -1;
}

struct nsx_scanjob *nsx_scanner_scan(struct nsx_scanner *s,
                                     const struct sockaddr *addr,
                                     const uint16_t *ports, size_t n,
                                     nsx_probe_cb on_port,
                                     nsx_probe_done_cb on_done, void *ud) {
  struct nsx_scanjob *job = calloc(1, sizeof *job);

  if (!job) return NULL;
  nsx_list_init(&job->node);
  nsx_list_init(&job->news_node);
  nsx_list_init(&job->in_node);
  nsx_list_init(&job->out_node);
  nsx_list_init(&job->scan_node);
  nsx_list_init(&job->work_node);
  nsx_list_init(&job->news_out);
  job->s = s;
  memcpy(&job->addr, addr, nsx_addr_len(addr));
  job->ports = ports;
  job->n = n;
  job->on_port = on_port;
  job->on_done = on_done;
  job->ud = ud;
  if (s->can_thread && (s->running || start_thread(s) == 0)) {
    job->results = malloc((n ? n : 1) * sizeof *job->results);
    if (!job->results) {
      job_free(job);
      return NULL;
    }
    uv_mutex_lock(&s->lock);
    job->cmd = CMD_START;
    nsx_list_insert_tail(&s->inbox, &job->in_node);
    uv_mutex_unlock(&s->lock);
    uv_async_send(&s->wake_scan);
  } else if (start_direct(s, job) < 0) {
    job_free(job);
    return NULL;
  }
  nsx_list_insert_tail(&s->jobs, &job->node);
  add_pending(s, n + 1, 0);
  return job;
}

void nsx_scanjob_cancel(struct nsx_scanjob *job) {
  struct nsx_scanner *s = job->s;
  size_t left = job->n - job->taken;
  int free_now = 1, wake = 0;

  if (job->cancelled) return;
  job->cancelled = 1;
  if (job->direct) {
    nsx_probejob_cancel(job->pj);
  } else {
    uv_mutex_lock(&s->lock);
    if (job->cmd == CMD_START) {
      nsx_list_unlink(&job->in_node);   /* the scan thread never saw it */
    } else if (!job->ended) {
      job->cmd = CMD_CANCEL;
      nsx_list_insert_tail(&s->inbox, &job->in_node);
      wake = 1;
      free_now = 0;              /* freed once the thread has ended it */
    } else {
      free_now = 0;              /* it ended: freed when drained */
    }
    uv_mutex_unlock(&s->lock);
    if (wake) uv_async_send(&s->wake_scan);
  }
  if (free_now) job_free(job);
  add_pending(s, 0, left + 1);
}

size_t nsx_scanner_pending(const struct nsx_scanner *s) {
  return s->pending;
}

int nsx_scanner_thread_running(const struct nsx_scanner *s) {
  return s->running;
}
