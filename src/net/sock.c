/* TCP and UDP sockets over libuv (see sock.h). Reads go through one shared
 * 64 KiB scratch buffer and are appended to the socket's own buffer, so an
 * idle socket holds no read memory. TLS is layered on top in tls.c. */
#include <stdlib.h>
#include <string.h>

#include "net/sock.h"
#include "net/sock_int.h"

enum { SCRATCH_SIZE = 65536, READ_AHEAD = 256 * 1024 };

/* Default bound of one read; large enough for any sane protocol response,
 * small enough that a peer flooding bytes cannot exhaust memory. */
#define DEFAULT_READ_LIMIT ((size_t)64 << 20)

/* Bytes that may wait in libuv's queue: a peer that does not read gets
 * its sends refused past this, instead of piling them up in memory. */
#define MAX_QUEUED ((size_t)1 << 20)

struct write_req {
  union {
    uv_write_t tcp;
    uv_udp_send_t udp;
  } req;
  struct nsx_sock *s;
  size_t len;
  char data[];
};

static size_t nsocks;
static char scratch[SCRATCH_SIZE];

enum { NSX_DEFER_BATCH = 64 };

static void issue_closes(struct nsx_sockets *ss);

size_t nsx_sock_count(void) {
  return nsocks;
}

int nsx_buf_append(struct nsx_buf *b, const char *data, size_t len) {
  if (len == 0) return 0;
  if (len > b->cap - b->len) {
    size_t cap = b->cap ? b->cap : 256;
    char *p;
    while (cap - b->len < len) cap *= 2;
    p = realloc(b->data, cap);
    if (!p) return UV_ENOMEM;
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
  return 0;
}

void nsx_buf_free(struct nsx_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

static size_t count_lines(const char *p, size_t n) {
  size_t k = 0;
  const char *end;

  if (n == 0) return 0;
  end = p + n;
  while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    k++;
    p++;
  }
  return k;
}

static int enough(const struct nsx_sock *s, size_t datagrams) {
  switch (s->kind) {
  case NSX_READ_ANY:
    return s->rbuf.len > 0 || datagrams > 0;
  case NSX_READ_BYTES:
    return s->rbuf.len >= s->want && (s->rbuf.len > 0 || datagrams > 0);
  case NSX_READ_LINES:
    return s->lines >= s->want && (s->rbuf.len > 0 || datagrams > 0);
  }
  return 0;
}

void nsx__sock_stop_reading(struct nsx_sock *s) {
  if (!s->reading) return;
  s->reading = 0;
  if (s->proto == NSX_SOCK_TCP)
    uv_read_stop(&s->h.stream);
  else
    uv_udp_recv_stop(&s->h.udp);
}

/* A socket's one timeout: in its context's FIFO queue for that duration
 * (O(1), no handle of its own), or, when the queues are all taken by
 * other durations, in a libuv timer the socket gets for good. */
static void on_due(struct nsx_timeout *to) {
  struct nsx_sock *s = (struct nsx_sock *)((char *)to -
                                           offsetof(struct nsx_sock, to));
  s->on_time(s);
}

static void on_own_timer(uv_timer_t *t) {
  struct nsx_sock *s = t->data;
  s->on_time(s);
}

static void timer_start(struct nsx_sock *s, uint64_t ms,
                        void (*fn)(struct nsx_sock *)) {
  s->on_time = fn;
  if (s->own_timer) uv_timer_stop(s->own_timer);
  if (nsx_timeout_start(&s->ss->timers, &s->to, ms, on_due) == 0) return;
  if (!s->own_timer) {
    if (!(s->own_timer = malloc(sizeof *s->own_timer))) {
      /* Out of memory: the operation goes on without a deadline. */
      return;
    }
    uv_timer_init(s->ss->loop, s->own_timer);
    s->own_timer->data = s;
    s->handles_open++;
  }
  uv_timer_start(s->own_timer, on_own_timer, ms, 0);
}

static void timer_stop(struct nsx_sock *s) {
  nsx_timeout_stop(&s->to);
  if (s->own_timer) uv_timer_stop(s->own_timer);
}

/* Ends the pending operation and reports 'status' to its callback. */
void nsx__sock_finish(struct nsx_sock *s, int status) {
  nsx_sock_cb cb = s->cb;
  void *ud = s->cb_ud;

  if (nsx_list_linked(&s->connect_node)) {   /* never issued */
    nsx_list_unlink(&s->connect_node);
    s->ss->nconnects--;
  }
  /* A TCP socket goes on reading into its buffer (up to READ_AHEAD), so a
   * script's next receive finds the data without another epoll_ctl pair;
   * UDP stops, to keep datagrams apart. */
  if (s->op == NSX_OP_READ &&
      (s->proto == NSX_SOCK_UDP || status < 0 || s->rbuf.len >= READ_AHEAD))
    nsx__sock_stop_reading(s);
  timer_stop(s);
  s->op = NSX_OP_NONE;
  s->cb = NULL;
  s->cb_ud = NULL;
  if (cb) cb(s, status, ud);
}

#define finish nsx__sock_finish

static void on_timeout(struct nsx_sock *s) {
  finish(s, NSX_ETIMEDOUT);
}

void nsx__sock_begin(struct nsx_sock *s, int op, int timeout_ms,
                     nsx_sock_cb cb, void *ud) {
  s->op = op;
  s->cb = cb;
  s->cb_ud = ud;
  if (timeout_ms >= 0) timer_start(s, (uint64_t)timeout_ms, on_timeout);
}

struct nsx_sock *nsx_sock_new(struct nsx_sockets *ss,
                              enum nsx_sock_proto proto, int family) {
  struct nsx_sock *s = calloc(1, sizeof *s);
  int rc;

  if (!s) return NULL;
  s->ss = ss;
  s->loop = ss->loop;
  s->proto = proto;
  s->family = family;
  s->read_limit = DEFAULT_READ_LIMIT;
  nsx_list_init(&s->connect_node);
  nsx_list_init(&s->close_node);
  nsx_timeout_init(&s->to);
  for (int tries = 0; tries < 2; tries++) {
    if (proto == NSX_SOCK_TCP)
      rc = uv_tcp_init_ex(ss->loop, &s->h.tcp, (unsigned)family);
    else
      rc = uv_udp_init_ex(ss->loop, &s->h.udp, (unsigned)family);
    /* Out of descriptors while closes wait in the queue: close them now. */
    if ((rc != UV_EMFILE && rc != UV_ENFILE) || ss->ncloses == 0) break;
    issue_closes(ss);
  }
  if (rc < 0) {
    free(s);
    return NULL;
  }
  s->h.handle.data = s;
  s->handles_open = 1;
  nsocks++;
  return s;
}

int nsx_sock_bind(struct nsx_sock *s, const struct sockaddr *addr) {
  if (s->proto == NSX_SOCK_TCP) return uv_tcp_bind(&s->h.tcp, addr, 0);
  return uv_udp_bind(&s->h.udp, addr, UV_UDP_REUSEADDR);
}

static socklen_t addr_len(const struct sockaddr *a) {
  return a->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                  : sizeof(struct sockaddr_in);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_tcp_read(uv_stream_t *stream, ssize_t nread,
                        const uv_buf_t *buf);

static void on_connect(uv_connect_t *req, int status) {
  struct nsx_sock *s = req->handle->data;
  if (s->op != NSX_OP_CONNECT) return;   /* cancelled or timed out */
  if (status == 0) s->connected = 1;
  finish(s, status);
}

/* A connect the system refused at once is reported from the loop, like
 * any other outcome, through the socket's timeout, due at once. */
static void on_refused_now(struct nsx_sock *s) {
  finish(s, s->error);
}

static void issue_connect(struct nsx_sock *s) {
  int rc = uv_tcp_connect(&s->connect_req, &s->h.tcp,
                          (struct sockaddr *)&s->peer, on_connect);
  if (rc < 0) {
    s->error = rc;
    timer_start(s, 0, on_refused_now);
    return;
  }
  /* Reading ahead from the start registers the descriptor with epoll once
   * for the connect and the first data; starting only when the connect
   * is done costs two more epoll_ctl calls per connection. libuv
   * reports the connect before any read. */
  if (uv_read_start(&s->h.stream, on_alloc, on_tcp_read) == 0) s->reading = 1;
}

static void issue_connects(struct nsx_sockets *ss) {
  while (!nsx_list_empty(&ss->connects)) {
    struct nsx_sock *s = nsx_list_entry(ss->connects.next, struct nsx_sock,
                                        connect_node);
    nsx_list_unlink(&s->connect_node);
    ss->nconnects--;
    issue_connect(s);
  }
}

static void on_closed(uv_handle_t *h);

static void issue_close(struct nsx_sock *s) {
  uv_close(&s->h.handle, on_closed);
  if (s->own_timer) uv_close((uv_handle_t *)s->own_timer, on_closed);
}

static void issue_closes(struct nsx_sockets *ss) {
  while (!nsx_list_empty(&ss->closes)) {
    struct nsx_sock *s = nsx_list_entry(ss->closes.next, struct nsx_sock,
                                        close_node);
    nsx_list_unlink(&s->close_node);
    ss->ncloses--;
    issue_close(s);
  }
}

void nsx_sockets_flush(struct nsx_sockets *ss) {
  /* Closes first: a peer that sees our FIN and our next SYN together (one
   * script's socket closed, the next one's connect) wakes once for both. */
  issue_closes(ss);
  issue_connects(ss);
  uv_unref((uv_handle_t *)&ss->prepare);
}

static void on_prepare(uv_prepare_t *p) {
  nsx_sockets_flush(p->data);
}

/* Queued work keeps the loop alive (uv_run then runs the prepare handle
 * even with nothing else to wait for); an empty queue does not. */
static void queued(struct nsx_sockets *ss) {
  uv_ref((uv_handle_t *)&ss->prepare);
}

void nsx_sockets_init(struct nsx_sockets *ss, uv_loop_t *loop) {
  ss->loop = loop;
  nsx_list_init(&ss->connects);
  nsx_list_init(&ss->closes);
  ss->nconnects = ss->ncloses = 0;
  nsx_timers_init(&ss->timers, loop);
  uv_prepare_init(loop, &ss->prepare);
  ss->prepare.data = ss;
  uv_prepare_start(&ss->prepare, on_prepare);
  uv_unref((uv_handle_t *)&ss->prepare);
}

void nsx_sockets_close(struct nsx_sockets *ss) {
  nsx_sockets_flush(ss);
  nsx_timers_close(&ss->timers);
  uv_close((uv_handle_t *)&ss->prepare, NULL);
}

int nsx_sock_connect(struct nsx_sock *s, const struct sockaddr *addr,
                     int timeout_ms, nsx_sock_cb cb, void *ud) {
  int rc;

  if (s->op != NSX_OP_NONE) return UV_EBUSY;
  memcpy(&s->peer, addr, addr_len(addr));
  if (s->proto == NSX_SOCK_UDP) {
    rc = uv_udp_connect(&s->h.udp, addr);
    if (rc < 0) return rc;
    s->connected = 1;
    s->has_peer = 1;
    return 1;
  }
  nsx__sock_begin(s, NSX_OP_CONNECT, timeout_ms, cb, ud);
  if (s->ss->nconnects >= NSX_DEFER_BATCH) {
    issue_closes(s->ss);
    issue_connects(s->ss);
  }
  nsx_list_insert_tail(&s->ss->connects, &s->connect_node);
  s->ss->nconnects++;
  queued(s->ss);
  return 0;
}

/* A waiting write ends when everything queued so far is out, or at the
 * first error. */
static void on_written(struct write_req *w, int status) {
  struct nsx_sock *s = w->s;
  s->writes_pending--;
  s->queued -= w->len;
  if (status < 0 && status != UV_ECANCELED && s->error == 0)
    s->error = status;
  if (s->op == NSX_OP_WRITE && (status < 0 || s->writes_pending == 0))
    finish(s, status);
  free(w);
}

static void on_tcp_written(uv_write_t *req, int status) {
  on_written((struct write_req *)req, status);
}

static void on_udp_sent(uv_udp_send_t *req, int status) {
  on_written((struct write_req *)req, status);
}

static struct write_req *new_write(struct nsx_sock *s, const char *data,
                                   size_t len) {
  struct write_req *w = malloc(sizeof *w + len);
  if (!w) return NULL;
  w->s = s;
  w->len = len;
  memcpy(w->data, data, len);
  return w;
}

int nsx__sock_write_raw(struct nsx_sock *s, const char *data, size_t len,
                        int timeout_ms, nsx_sock_cb cb, void *ud) {
  uv_buf_t buf = uv_buf_init((char *)data, (unsigned)len);
  struct write_req *w;
  int n, rc;

  if (s->proto == NSX_SOCK_UDP) {
    n = uv_udp_try_send(&s->h.udp, &buf, 1, NULL);
    if (n >= 0) return 1;
    if (n != UV_EAGAIN) return n;
    if (!(w = new_write(s, data, len))) return UV_ENOMEM;
    buf = uv_buf_init(w->data, (unsigned)len);
    rc = uv_udp_send(&w->req.udp, &s->h.udp, &buf, 1, NULL, on_udp_sent);
  } else {
    /* Writes queued earlier must go first, so only try directly when
     * nothing is queued. */
    n = s->writes_pending ? 0 : uv_try_write(&s->h.stream, &buf, 1);
    if (n == (int)len) return 1;
    if (n < 0 && n != UV_EAGAIN) return n;
    if (n < 0) n = 0;
    if (!(w = new_write(s, data + n, len - (size_t)n))) return UV_ENOMEM;
    buf = uv_buf_init(w->data, (unsigned)w->len);
    rc = uv_write(&w->req.tcp, &s->h.stream, &buf, 1, on_tcp_written);
  }
  if (rc < 0) {
    free(w);
    return rc;
  }
  s->writes_pending++;
  s->queued += w->len;
  if (cb) nsx__sock_begin(s, NSX_OP_WRITE, timeout_ms, cb, ud);
  return 0;
}

int nsx_sock_write(struct nsx_sock *s, const char *data, size_t len,
                   int timeout_ms, nsx_sock_cb cb, void *ud) {
  if (s->op != NSX_OP_NONE) return UV_EBUSY;
  if (!s->connected) return UV_ENOTCONN;
  if (s->error) return s->error;
  /* Earlier sends that timed out are still queued: the peer does not
   * read. Refuse more rather than buffer without bound. */
  if (s->queued > MAX_QUEUED) return NSX_ETIMEDOUT;
  if (s->tls) return nsx__tls_write(s, data, len, timeout_ms, cb, ud);
  return nsx__sock_write_raw(s, data, len, timeout_ms, cb, ud);
}

int nsx_sock_sendto(struct nsx_sock *s, const struct sockaddr *addr,
                    const char *data, size_t len) {
  uv_buf_t buf = uv_buf_init((char *)data, (unsigned)len);
  int n;

  if (s->proto != NSX_SOCK_UDP) return UV_EPROTOTYPE;
  if (s->has_peer) {
    /* A connected UDP socket cannot name another destination; sending
     * to its own peer is what the caller means. */
    n = uv_udp_try_send(&s->h.udp, &buf, 1, NULL);
  } else {
    n = uv_udp_try_send(&s->h.udp, &buf, 1, addr);
  }
  return n < 0 ? n : 1;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  (void)suggested;
  *buf = uv_buf_init(scratch, SCRATCH_SIZE);
}

/* Ends a pending read once the buffer holds enough, or too much. */
void nsx__sock_check_read(struct nsx_sock *s, size_t datagrams) {
  if (s->op != NSX_OP_READ) return;
  if (enough(s, datagrams))
    finish(s, 0);
  else if (s->rbuf.len >= s->read_limit)
    finish(s, NSX_ETOOBIG);
}

/* Appends what arrived and ends the read once it has enough. */
void nsx__sock_got_data(struct nsx_sock *s, const char *data, size_t n,
                        size_t datagrams) {
  if (nsx_buf_append(&s->rbuf, data, n) < 0) {
    finish(s, UV_ENOMEM);
    return;
  }
  if (s->kind == NSX_READ_LINES) s->lines += count_lines(data, n);
  if (s->op != NSX_OP_READ && s->rbuf.len >= READ_AHEAD)
    nsx__sock_stop_reading(s);
  nsx__sock_check_read(s, datagrams);
}

static void on_tcp_read(uv_stream_t *stream, ssize_t nread,
                        const uv_buf_t *buf) {
  struct nsx_sock *s = stream->data;

  if (nread > 0 && s->tls) {
    nsx__tls_input(s, buf->base, (size_t)nread);
  } else if (nread > 0) {
    nsx__sock_got_data(s, buf->base, (size_t)nread, 0);
  } else if (nread == UV_EOF) {
    s->eof = 1;
    nsx__sock_stop_reading(s);
    finish(s, nsx__tls_handshaking(s) ? NSX_ETLS : NSX_EEOF);
  } else if (nread < 0) {
    s->error = (int)nread;
    nsx__sock_stop_reading(s);
    finish(s, (int)nread);
  }
}

static void on_udp_read(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
                        const struct sockaddr *addr, unsigned flags) {
  struct nsx_sock *s = udp->data;

  (void)flags;
  if (nread < 0) {
    finish(s, (int)nread);
  } else if (addr != NULL) {
    nsx__sock_got_data(s, buf->base, (size_t)nread, 1);
  }
}

int nsx_sock_read(struct nsx_sock *s, enum nsx_read_kind kind, size_t want,
                  int timeout_ms, nsx_sock_cb cb, void *ud) {
  int rc;

  if (s->op != NSX_OP_NONE) return UV_EBUSY;
  s->kind = kind;
  s->want = want;
  s->lines = kind == NSX_READ_LINES ? count_lines(s->rbuf.data, s->rbuf.len)
                                    : 0;
  if (s->rbuf.len > 0 && enough(s, 0)) return 1;
  if (s->eof) return NSX_EEOF;
  if (s->error) return s->error;
  if (s->proto == NSX_SOCK_TCP && !s->connected) return UV_ENOTCONN;
  if (!s->reading) {
    if (s->proto == NSX_SOCK_TCP)
      rc = uv_read_start(&s->h.stream, on_alloc, on_tcp_read);
    else
      rc = uv_udp_recv_start(&s->h.udp, on_alloc, on_udp_read);
    if (rc < 0) return rc;
    s->reading = 1;
  }
  nsx__sock_begin(s, NSX_OP_READ, timeout_ms, cb, ud);
  return 0;
}

int nsx__sock_read_raw(struct nsx_sock *s) {
  int rc;
  if (s->reading) return 0;
  rc = uv_read_start(&s->h.stream, on_alloc, on_tcp_read);
  if (rc == 0) s->reading = 1;
  return rc;
}

void nsx_sock_consume(struct nsx_sock *s, size_t n) {
  if (n >= s->rbuf.len) {
    s->rbuf.len = 0;
    if (s->rbuf.cap > SCRATCH_SIZE) nsx_buf_free(&s->rbuf);
    return;
  }
  memmove(s->rbuf.data, s->rbuf.data + n, s->rbuf.len - n);
  s->rbuf.len -= n;
}

void nsx_sock_cancel(struct nsx_sock *s) {
  if (s->op == NSX_OP_NONE) return;
  s->cb = NULL;
  s->cb_ud = NULL;
  finish(s, NSX_ECANCELED);
}

static void on_closed(uv_handle_t *h) {
  struct nsx_sock *s = h->data;
  if (--s->handles_open > 0) return;
  nsx_buf_free(&s->rbuf);
  nsx__tls_free(s);
  nsocks--;
  free(s->own_timer);
  free(s);
}

void nsx_sock_close(struct nsx_sock *s) {
  if (s->closing) return;
  s->closing = 1;
  if (s->op != NSX_OP_NONE) finish(s, NSX_ECANCELED);
  nsx__sock_stop_reading(s);
  timer_stop(s);
  if (s->ss->ncloses >= NSX_DEFER_BATCH) issue_closes(s->ss);
  nsx_list_insert_tail(&s->ss->closes, &s->close_node);
  s->ss->ncloses++;
  queued(s->ss);
}

int nsx_sock_names(struct nsx_sock *s, struct sockaddr_storage *local,
                   struct sockaddr_storage *remote) {
  int len = sizeof *local, rc;

  if (s->proto == NSX_SOCK_TCP) {
    rc = uv_tcp_getsockname(&s->h.tcp, (struct sockaddr *)local, &len);
    if (rc < 0) return rc;
    len = sizeof *remote;
    return uv_tcp_getpeername(&s->h.tcp, (struct sockaddr *)remote, &len);
  }
  rc = uv_udp_getsockname(&s->h.udp, (struct sockaddr *)local, &len);
  if (rc < 0) return rc;
  if (!s->has_peer) return UV_ENOTCONN;
  memcpy(remote, &s->peer, sizeof s->peer);
  return 0;
}
