/* Fuzzes the read side of net/sock.c: nsx_sock_read (NSX_READ_ANY,
 * NSX_READ_BYTES, NSX_READ_LINES), its read limit, timeouts, cancelling
 * and nsx_sock_consume, on a real libuv loop. The socket is one end of a
 * socketpair opened into the nsx_sock's TCP handle; a writer on the other
 * end sends the fuzzed stream in fuzzed chunks, one chunk per loop
 * iteration, and then shuts down its side (EOF).
 *
 * Input: byte 0 the read limit (0: the default, else n * 16 bytes); byte 1
 * the number of operations (1-16); one byte per operation; one byte that
 * seeds the chunk sizes; the rest is the stream.
 *
 * Invariants: the read buffer always holds exactly the stream bytes after
 * those consumed; a read that succeeds holds what its kind asked for; one
 * that stops at the limit holds at least the limit; EOF comes only once
 * the whole stream is in; nothing times out but zero-timeout reads; a
 * cancelled read never calls back; every socket is freed at the end. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "fuzz.h"
#include "net/sock.h"

enum { INPUT_MAX = 1 << 18, SAFETY_MS = 20000, MAX_SPINS = 1 << 20 };

struct writer {
  uv_idle_t idle;
  int fd;
  const uint8_t *data;
  size_t len, off;
  uint32_t seed;
  int shut;
};

struct op {
  int done, calls, status;
};

static uv_loop_t loop;
static struct nsx_sockets sockets;

static void on_idle(uv_idle_t *h) {
  struct writer *w = h->data;
  size_t chunk;
  ssize_t n;

  if (w->off < w->len) {
    w->seed = w->seed * 1103515245u + 12345u;
    chunk = 1 + (w->seed >> 16) % 600;
    if (chunk > w->len - w->off) chunk = w->len - w->off;
    n = write(w->fd, w->data + w->off, chunk);
    if (n > 0) w->off += (size_t)n;
    else FUZZ_CHECK(errno == EAGAIN, "write: %s", strerror(errno));
  }
  if (w->off == w->len && !w->shut) {
    shutdown(w->fd, SHUT_WR);
    w->shut = 1;
    uv_idle_stop(h);
  }
}

static void on_read(struct nsx_sock *s, int status, void *ud) {
  struct op *op = ud;
  (void)s;
  op->done = 1;
  op->calls++;
  op->status = status;
}

static size_t newlines(const char *p, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += p[i] == '\n';
  return k;
}

/* Runs the loop until 'op' is done; aborts if that takes forever. */
static void wait_op(struct op *op) {
  for (long spins = 0; !op->done; spins++) {
    FUZZ_CHECK(spins < MAX_SPINS, "a read never ended");
    uv_run(&loop, UV_RUN_ONCE);
  }
}

/* The buffer is the stream from 'consumed' on, and no more than was
 * written. */
static void check_buffer(const struct nsx_sock *s, const struct writer *w,
                         size_t consumed) {
  FUZZ_CHECK(consumed + s->rbuf.len <= w->off, "buffer %zu + consumed %zu "
             "> written %zu", s->rbuf.len, consumed, w->off);
  FUZZ_CHECK(s->rbuf.len == 0 ||
             memcmp(s->rbuf.data, w->data + consumed, s->rbuf.len) == 0,
             "buffer differs from the stream at %zu", consumed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  struct writer w;
  struct nsx_sock *s;
  const uint8_t *ops;
  size_t nops, consumed = 0, limit;
  int fds[2], rc;

  if (size < 3 || size > INPUT_MAX) return 0;
  if (!ready) {
    signal(SIGPIPE, SIG_IGN);   /* as nsx's main() does */
    if (uv_loop_init(&loop) < 0) abort();
    nsx_sockets_init(&sockets, &loop);
    ready = 1;
  }
  limit = data[0] ? (size_t)data[0] * 16 : 0;
  nops = (size_t)(data[1] % 16) + 1;
  if (size < 3 + nops) return 0;
  ops = data + 2;

  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0) abort();
  fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
  memset(&w, 0, sizeof w);
  w.fd = fds[1];
  w.seed = data[2 + nops];
  w.data = data + 3 + nops;
  w.len = size - 3 - nops;
  uv_idle_init(&loop, &w.idle);
  w.idle.data = &w;
  uv_idle_start(&w.idle, on_idle);

  s = nsx_sock_new(&sockets, NSX_SOCK_TCP, AF_UNSPEC);
  if (!s) abort();
  rc = uv_tcp_open(&s->h.tcp, fds[0]);
  FUZZ_CHECK(rc == 0, "uv_tcp_open: %s", uv_strerror(rc));
  s->connected = 1;
  if (limit) s->read_limit = limit;

  /* The operations, then reads of anything until EOF (each of those
   * takes at least one byte or ends the loop). */
  for (size_t i = 0; i < nops + w.len + 2; i++) {
    uint8_t code = i < nops ? ops[i] : 0x80;
    enum nsx_read_kind kind = (enum nsx_read_kind)(code % 3);
    size_t want = kind == NSX_READ_LINES ? (size_t)(code / 3) % 8
                                         : (size_t)(code / 3) % 42 * 8;
    int quick = i < nops && (code & 0x40), status;
    struct op op = {0, 0, 0};

    if (i >= nops) kind = NSX_READ_ANY;
    rc = nsx_sock_read(s, kind, want, quick ? 0 : SAFETY_MS, on_read, &op);
    if (rc == 0 && code == 0xff) {
      /* Cancel after one loop iteration: no callback, ever. */
      uv_run(&loop, UV_RUN_NOWAIT);
      if (!op.done) {
        nsx_sock_cancel(s);
        uv_run(&loop, UV_RUN_NOWAIT);
        FUZZ_CHECK(!op.done, "a cancelled read called back");
        check_buffer(s, &w, consumed);
        continue;
      }
    }
    if (rc == 0) wait_op(&op);
    FUZZ_CHECK(op.calls <= 1, "%d callbacks for one read", op.calls);
    status = rc == 0 ? op.status : rc == 1 ? 0 : rc;
    check_buffer(s, &w, consumed);
    if (status == 0) {
      FUZZ_CHECK(s->rbuf.len > 0, "success with an empty buffer");
      if (kind == NSX_READ_BYTES)
        FUZZ_CHECK(s->rbuf.len >= want, "%zu bytes for %zu", s->rbuf.len,
                   want);
      if (kind == NSX_READ_LINES)
        FUZZ_CHECK(newlines(s->rbuf.data, s->rbuf.len) >= want,
                   "%zu lines for %zu", newlines(s->rbuf.data, s->rbuf.len),
                   want);
    } else if (status == NSX_ETOOBIG) {
      FUZZ_CHECK(s->rbuf.len >= s->read_limit, "limit %zu hit at %zu",
                 s->read_limit, s->rbuf.len);
    } else if (status == NSX_EEOF) {
      FUZZ_CHECK(w.shut && consumed + s->rbuf.len == w.len,
                 "EOF with %zu of %zu bytes", consumed + s->rbuf.len, w.len);
    } else {
      FUZZ_CHECK(status == NSX_ETIMEDOUT && quick, "read status %d (%s)",
                 status, nsx_strerror(status));
    }
    /* Consume all, up to the first newline, or half. */
    if (s->rbuf.len > 0) {
      size_t n = s->rbuf.len;
      if (!(code & 0x80)) {
        const char *nl = memchr(s->rbuf.data, '\n', s->rbuf.len);
        n = nl && (code & 0x20) ? (size_t)(nl - s->rbuf.data) + 1
                                : (s->rbuf.len + 1) / 2;
      }
      nsx_sock_consume(s, n);
      consumed += n;
      check_buffer(s, &w, consumed);
    }
    if (status == NSX_EEOF && s->rbuf.len == 0) break;
  }
  FUZZ_CHECK(consumed == w.len, "consumed %zu of %zu", consumed, w.len);
  nsx_sock_close(s);
  uv_idle_stop(&w.idle);
  uv_close((uv_handle_t *)&w.idle, NULL);
  for (int spins = 0; nsx_sock_count() > 0 || uv_loop_alive(&loop); spins++) {
    FUZZ_CHECK(spins < 1000, "socket not freed");
    uv_run(&loop, UV_RUN_NOWAIT);
  }
  close(fds[1]);
  return 0;
}
