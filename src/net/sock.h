/* Sockets over libuv: one struct nsx_sock per connection (TCP or UDP),
 * with at most one read and any number of writes in flight, each read or
 * connect bounded by a timeout. Completion callbacks run from the event
 * loop, never from inside the call that started the operation: an
 * operation whose result is known at once returns it instead (> 0 done,
 * < 0 error), and the caller goes on without waiting. Knows nothing of Lua
 * or threads; src/engine/lsock.c builds Nmap's socket object on it. */
#ifndef NSX_SOCK_H
#define NSX_SOCK_H

#include <stddef.h>
#include <sys/socket.h>
#include <uv.h>

#include "net/errors.h"
#include "sched/list.h"
#include "sched/timeq.h"

enum nsx_sock_proto { NSX_SOCK_TCP, NSX_SOCK_UDP };

enum nsx_read_kind {
  NSX_READ_ANY,      /* at least one byte (TCP) or one datagram (UDP) */
  NSX_READ_BYTES,    /* at least 'want' bytes */
  NSX_READ_LINES     /* at least 'want' newline characters */
};

struct nsx_sock;
struct nsx_tls;

/* The sockets of one loop: the connects and closes queued for the next
 * poll (see nsx_sock_connect) and the queues of their timeouts. */
struct nsx_sockets {
  uv_loop_t *loop;
  uv_prepare_t prepare;          /* issues the queued work */
  struct nsx_list connects, closes;
  size_t nconnects, ncloses;
  struct nsx_timers timers;
};

void nsx_sockets_init(struct nsx_sockets *ss, uv_loop_t *loop);

/* Issues the queued closes and connects now, instead of before the next
 * poll: at the end of a phase, so that it ends with its descriptors
 * closed. */
void nsx_sockets_flush(struct nsx_sockets *ss);

/* Flushes, then closes the handles (run the loop once more to finish). */
void nsx_sockets_close(struct nsx_sockets *ss);

/* Called once when an operation ends: status 0, or a negative code
 * (NSX_ETIMEDOUT, NSX_EEOF, NSX_ECANCELED, a libuv error). For reads the
 * data received so far is in the socket's buffer even when status < 0. */
typedef void (*nsx_sock_cb)(struct nsx_sock *s, int status, void *ud);

struct nsx_buf {
  char *data;
  size_t len, cap;
};

struct nsx_sock {
  uv_loop_t *loop;
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_udp_t udp;
  } h;
  struct nsx_sockets *ss;
  struct nsx_timeout to;       /* the pending operation's timeout */
  uv_timer_t *own_timer;       /* for durations the queues cannot take */
  void (*on_time)(struct nsx_sock *s);
  uv_connect_t connect_req;
  struct nsx_list connect_node; /* on the queue of connects to issue */
  struct nsx_list close_node;   /* on the queue of closes to issue */
  enum nsx_sock_proto proto;
  int family;                  /* AF_INET or AF_INET6 */
  unsigned connected : 1;
  unsigned eof : 1;            /* the peer closed its side */
  unsigned closing : 1;
  unsigned reading : 1;
  unsigned has_peer : 1;       /* UDP: default destination known */
  int handles_open;            /* handles still to be closed */
  int error;                   /* sticky error seen while reading */
  size_t read_limit;           /* most bytes one read may buffer */

  /* The pending operation, if any: a connect, a read, or waiting for a
   * queued write. */
  enum { NSX_OP_NONE, NSX_OP_CONNECT, NSX_OP_READ, NSX_OP_WRITE } op;
  nsx_sock_cb cb;
  void *cb_ud;
  enum nsx_read_kind kind;
  size_t want;
  size_t lines;                /* newlines in 'rbuf' */
  struct nsx_buf rbuf;         /* bytes read and not yet taken */

  struct nsx_tls *tls;         /* TLS state once started (tls.c) */
  struct sockaddr_storage peer;
  size_t writes_pending;       /* writes queued in libuv */
  size_t queued;               /* their bytes */
  void *data;                  /* the owner's pointer */
};

/* Creates an unconnected socket. Returns NULL when out of memory. */
struct nsx_sock *nsx_sock_new(struct nsx_sockets *ss,
                              enum nsx_sock_proto proto, int family);

/* Binds the local end before connecting. Returns 0 or a libuv error. */
int nsx_sock_bind(struct nsx_sock *s, const struct sockaddr *addr);

/* Starts connecting to 'addr'. TCP: returns 0 and calls 'cb' later (an
 * error the system reports at once included), or returns < 0 at once.
 * UDP: sets the default destination and returns 1 (or < 0). timeout_ms < 0
 * means no timeout, else it counts from this call.
 *
 * TCP connects are queued and issued together, back to back, just before
 * the loop next polls (or when NSX_DEFER_BATCH are waiting). A server on
 * the same machine then wakes once per batch instead of once per
 * connection: each wake-up of a sleeping process costs more than the
 * connect itself on loopback. */
int nsx_sock_connect(struct nsx_sock *s, const struct sockaddr *addr,
                     int timeout_ms, nsx_sock_cb cb, void *ud);

/* Sends 'len' bytes. Returns 1 when everything was handed to the kernel at
 * once, or < 0 on an immediate error. Otherwise the rest is copied and
 * queued, 0 is returned, and 'cb' runs when it has been written or when
 * 'timeout_ms' passes first (the bytes still go out afterwards). While
 * more than 1 MiB waits in the queue, sends fail at once with
 * NSX_ETIMEDOUT: the peer is not reading. */
int nsx_sock_write(struct nsx_sock *s, const char *data, size_t len,
                   int timeout_ms, nsx_sock_cb cb, void *ud);

/* UDP only: sends one datagram to 'addr'. Returns 1 or < 0. */
int nsx_sock_sendto(struct nsx_sock *s, const struct sockaddr *addr,
                    const char *data, size_t len);

/* Starts a read of the given kind. Returns 1 if the buffer already holds
 * enough, NSX_EEOF if the peer has closed and the buffer is empty, other
 * codes < 0 on errors, or 0 when 'cb' will run later. Reading stops when
 * the buffer reaches 'read_limit' bytes (status NSX_ETOOBIG). */
int nsx_sock_read(struct nsx_sock *s, enum nsx_read_kind kind, size_t want,
                  int timeout_ms, nsx_sock_cb cb, void *ud);

/* Removes the first 'n' bytes of the read buffer. */
void nsx_sock_consume(struct nsx_sock *s, size_t n);

/* Stops the pending operation without calling its callback. */
void nsx_sock_cancel(struct nsx_sock *s);

/* Closes the socket. A pending operation gets NSX_ECANCELED through
 * its callback before this returns. The descriptor itself is closed just
 * before the loop next polls (or when NSX_DEFER_BATCH closes wait), with
 * the queued connects, for the reason nsx_sock_connect gives. The memory
 * is freed once libuv has closed the handles; the caller must not use 's'
 * afterwards. */
void nsx_sock_close(struct nsx_sock *s);

/* Local and remote addresses of a connected socket; returns 0 or < 0. */
int nsx_sock_names(struct nsx_sock *s, struct sockaddr_storage *local,
                   struct sockaddr_storage *remote);

/* Number of sockets open now, process-wide (file descriptors in use). */
size_t nsx_sock_count(void);

/* Appends to a growable buffer; returns 0 or UV_ENOMEM. */
int nsx_buf_append(struct nsx_buf *b, const char *data, size_t len);
void nsx_buf_free(struct nsx_buf *b);

#endif
