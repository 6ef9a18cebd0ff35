/* testsrv: one libuv server process whose behaviour ('mode') the tests
 * choose, from a plain echo to hostile peers that stall, flood or reset.
 * It binds loopback addresses only, prints "PORT <n>" once it listens, and
 * exits on SIGTERM, SIGINT or at the end of its lifetime. Starting and
 * stopping it from shell tests is start.sh's job. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* memmem; the build defines it for every file. */
#endif
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/sockios.h>
#endif
#include <uv.h>

#define CHUNK 65536               /* Read buffer and generated write size. */
#define QUEUE_MAX (1u << 20)      /* Echo stops reading above this backlog. */
#define HTTP_MAX_HEAD 65536
#define HTTP_MAX_INPUT (1u << 20)
#define LINGER_MS 2000            /* Wait for the peer's EOF after ours. */
#define RESET_POLL_MS 10
#define RESET_POLLS 300

enum mode {
  MODE_BANNER, MODE_ECHO, MODE_HTTP, MODE_SILENT, MODE_CLOSE, MODE_RESET,
  MODE_TRICKLE, MODE_FLOOD, MODE_LINES, MODE_DELAY, MODE_NOREAD,
  MODE_TLSGARBAGE
};

static const struct {
  const char *name;
  int nargs;
  int udp;  /* Whether the mode also runs with --udp. */
} modes[] = {
  {"banner", 1, 0}, {"echo", 0, 1}, {"http", 0, 0}, {"silent", 0, 1},
  {"close", 0, 0}, {"reset", 1, 0}, {"trickle", 1, 0}, {"flood", 1, 0},
  {"lines", 1, 0}, {"delay", 2, 0}, {"noread", 0, 0}, {"tlsgarbage", 0, 0},
};

static struct {
  const char *bind, *pidfile, *count_file, *title, *auth;
  uint64_t port, delay_ms, interval_ms, n;
  double lifetime;
  int udp;
  enum mode mode;
  char *text;       /* TEXT after escape processing; 'text_len' bytes. */
  size_t text_len;
} cfg = {"127.0.0.1", NULL, NULL, "nsx test page", "admin:admin",
         0, 1000, 1000, 0, 120.0, 0, MODE_ECHO, NULL, 0};

/* One accepted TCP connection. It owns two handles and is freed when the
 * second one has closed; every write and shutdown callback runs before. */
struct conn {
  uv_tcp_t tcp;
  uv_timer_t timer;  /* The mode's timer, then the lingering close's. */
  uv_shutdown_t shutdown;
  int handles;
  int closing, finishing, shut_done, eof, reading, paused;
  int waiting, slow_head, slow_close;  /* A '/slow' answer is pending. */
  uint64_t pos;      /* Bytes, lines or polls done so far. */
  char *in;          /* HTTP input not parsed yet. */
  size_t in_len, in_cap;
};

struct wreq {
  uv_write_t req;
  struct conn *c;
  char data[];
};

struct ureq {
  uv_udp_send_t req;
  char data[];
};

static uv_loop_t *loop;
static union {
  uv_tcp_t tcp;
  uv_udp_t udp;
} listener;
static uv_signal_t sigterm, sigint;
static uv_timer_t lifetime;
static unsigned long accepted;
static char readbuf[CHUNK];
static char *page_index, *auth_token;

static const char tls_garbage[] = "nsx-testsrv: this is not TLS\r\n";
static const char page_slow[] =
  "<html><head><title>slow</title></head><body>slow</body></html>\n";
static const char page_auth[] =
  "<html><head><title>authenticated</title></head><body>ok</body></html>\n";
static const char page_401[] =
  "<html><head><title>401 Unauthorized</title></head><body></body></html>\n";
static const char page_404[] =
  "<html><head><title>404 Not Found</title></head><body></body></html>\n";
static const char page_error[] =
  "<html><head><title>error</title></head><body></body></html>\n";
static const char page_links[] =
  "<html><head><title>links</title>\n"
  "<link rel=\"stylesheet\" href=\"/style.css\">\n"
  "<script src=\"/js/app.js\"></script>\n"
  "<style>body { background: url(/img/bg.png); }</style>\n"
  "</head><body>\n"
  "<a href=\"/\">home</a>\n"
  "<a href=\"/slow\">slow</a>\n"
  "<a href='/auth'>auth</a>\n"
  "<a href=\"sub/page.html\">relative</a>\n"
  "<img src=\"/img/logo.png\">\n"
  "<div style=\"background-image: url('/img/div.png')\"></div>\n"
  "<a href=\"http://example.com/outside\">outside</a>\n"
  "</body></html>\n";

static void http_process(struct conn *c);

static void on_closed(uv_handle_t *h) {
  struct conn *c = h->data;

  if (c && --c->handles == 0) {
    free(c->in);
    free(c);
  }
}

static void conn_close(struct conn *c) {
  if (c->closing)
    return;
  c->closing = 1;
  uv_close((uv_handle_t *)&c->timer, on_closed);
  uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void alloc_buf(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  /* One static buffer serves every read: each read callback consumes it
   * before the loop asks for the next one. */
  (void)h, (void)hint;
  *buf = uv_buf_init(readbuf, sizeof readbuf);
}

static void conn_read(struct conn *c, int on) {
  if (c->closing || c->eof || c->reading == on)
    return;
  if (on ? uv_read_start((uv_stream_t *)&c->tcp, alloc_buf, on_read) == 0
         : uv_read_stop((uv_stream_t *)&c->tcp) == 0)
    c->reading = on;
}

static void on_linger(uv_timer_t *t) {
  conn_close(t->data);
}

/* Our FIN is out. Close once the peer's EOF arrives (or LINGER_MS later):
 * closing a socket with unread input would send a reset instead. */
static void on_shutdown(uv_shutdown_t *req, int status) {
  struct conn *c = req->data;

  c->shut_done = 1;
  if (status < 0 || c->eof) {
    conn_close(c);
    return;
  }
  c->paused = 0;
  conn_read(c, 1);
  uv_timer_start(&c->timer, on_linger, LINGER_MS, 0);
}

/* End the connection gracefully once the queued writes are out. */
static void conn_finish(struct conn *c) {
  if (c->closing || c->finishing)
    return;
  c->finishing = 1;
  uv_timer_stop(&c->timer);
  c->shutdown.data = c;
  if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) < 0)
    conn_close(c);
}

static void after_write(struct conn *c);

static void on_written(uv_write_t *req, int status) {
  struct wreq *w = (struct wreq *)req;
  struct conn *c = w->c;

  free(w);
  if (status < 0)
    conn_close(c);
  else if (!c->closing)
    after_write(c);
}

/* Queue 'a' followed by 'b' (which may be NULL) as one write. */
static void conn_send(struct conn *c, const char *a, size_t alen,
                      const char *b, size_t blen) {
  struct wreq *w;
  uv_buf_t buf;

  if (c->closing || c->finishing)
    return;
  w = malloc(sizeof *w + alen + blen);
  if (!w) {
    conn_close(c);
    return;
  }
  w->c = c;
  memcpy(w->data, a, alen);
  if (blen)
    memcpy(w->data + alen, b, blen);
  buf = uv_buf_init(w->data, (unsigned)(alen + blen));
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) < 0) {
    free(w);
    conn_close(c);
  }
}

static void reset_now(struct conn *c) {
  struct linger lg = {1, 0};
  uv_os_fd_t fd;

  if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  conn_close(c);
}

/* Reset only once the peer has acknowledged every byte, so that it
 * receives all N of them before the RST. */
static void on_reset_poll(uv_timer_t *t) {
  struct conn *c = t->data;
  int unacked = 0;

#ifdef SIOCOUTQ
  uv_os_fd_t fd;

  if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 &&
      ioctl(fd, SIOCOUTQ, &unacked) < 0)
    unacked = 0;
#endif
  if (unacked == 0 || ++c->pos > cfg.n + RESET_POLLS)
    reset_now(c);
  else
    uv_timer_start(&c->timer, on_reset_poll, RESET_POLL_MS, 0);
}

/* Write the next chunk of a generated stream (flood, lines, reset), or end
 * the connection when the stream is complete. Called again after each
 * write, so the peer's reading paces it. */
static void pump(struct conn *c) {
  char buf[CHUNK];
  size_t n = 0;

  if (cfg.mode == MODE_LINES) {
    while (c->pos < cfg.n && n < sizeof buf - 32)
      n += (size_t)snprintf(buf + n, sizeof buf - n, "line %llu\n",
                            (unsigned long long)++c->pos);
  } else {
    n = cfg.n - c->pos < sizeof buf ? (size_t)(cfg.n - c->pos) : sizeof buf;
    memset(buf, 'x', n);
    c->pos += n;
  }
  if (n > 0)
    conn_send(c, buf, n, NULL, 0);
  else if (cfg.mode == MODE_RESET)
    on_reset_poll(&c->timer);
  else
    conn_finish(c);
}

static void after_write(struct conn *c) {
  switch (cfg.mode) {
  case MODE_FLOOD:
  case MODE_LINES:
  case MODE_RESET:
    if (c->pos <= cfg.n && !c->finishing)
      pump(c);
    break;
  default:
    if (c->paused && uv_stream_get_write_queue_size(
                         (uv_stream_t *)&c->tcp) < QUEUE_MAX / 4) {
      c->paused = 0;
      conn_read(c, 1);
    }
  }
}

static void on_trickle(uv_timer_t *t) {
  struct conn *c = t->data;

  if (c->pos >= cfg.text_len) {
    conn_finish(c);
    return;
  }
  conn_send(c, cfg.text + c->pos++, 1, NULL, 0);
  uv_timer_start(&c->timer, on_trickle, cfg.interval_ms, 0);
}

static void on_delay(uv_timer_t *t) {
  struct conn *c = t->data;

  conn_send(c, cfg.text, cfg.text_len, "\r\n", 2);
  conn_read(c, 1);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  struct conn *c = s->data;
  size_t n = nread > 0 ? (size_t)nread : 0;

  if (nread < 0) {
    c->reading = 0;
    c->eof = 1;
    if (nread != UV_EOF || c->shut_done)
      conn_close(c);
    else if (!c->finishing && !c->waiting && (cfg.mode == MODE_BANNER ||
             cfg.mode == MODE_ECHO || cfg.mode == MODE_DELAY ||
             cfg.mode == MODE_HTTP || cfg.mode == MODE_TLSGARBAGE))
      conn_finish(c);
    return;
  }
  if (n == 0 || c->finishing)
    return;
  switch (cfg.mode) {
  case MODE_BANNER:
  case MODE_ECHO:
  case MODE_DELAY:
    conn_send(c, buf->base, n, NULL, 0);
    if (uv_stream_get_write_queue_size(s) > QUEUE_MAX) {
      conn_read(c, 0);
      c->paused = 1;
    }
    break;
  case MODE_TLSGARBAGE:
    conn_send(c, tls_garbage, sizeof tls_garbage - 1, NULL, 0);
    break;
  case MODE_HTTP:
    if (c->in_len + n > HTTP_MAX_INPUT) {
      conn_close(c);
      return;
    }
    if (c->in_len + n > c->in_cap) {
      size_t cap = (c->in_len + n) * 2;
      char *p = realloc(c->in, cap);

      if (!p) {
        conn_close(c);
        return;
      }
      c->in = p;
      c->in_cap = cap;
    }
    memcpy(c->in + c->in_len, buf->base, n);
    c->in_len += n;
    http_process(c);
    break;
  default:
    break;  /* The other modes discard their input. */
  }
}

static void on_connection(uv_stream_t *server, int status) {
  struct conn *c;

  if (status < 0) {
    fprintf(stderr, "testsrv: accept: %s\n", uv_strerror(status));
    return;
  }
  c = calloc(1, sizeof *c);
  if (!c)
    return;
  uv_tcp_init(loop, &c->tcp);
  uv_timer_init(loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  c->handles = 2;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
    conn_close(c);
    return;
  }
  accepted++;
  switch (cfg.mode) {
  case MODE_BANNER:
    conn_send(c, cfg.text, cfg.text_len, "\r\n", 2);
    conn_read(c, 1);
    break;
  case MODE_CLOSE:
    conn_close(c);
    break;
  case MODE_DELAY:
    uv_timer_start(&c->timer, on_delay, cfg.delay_ms, 0);
    break;
  case MODE_TRICKLE:
    conn_read(c, 1);
    on_trickle(&c->timer);
    break;
  case MODE_FLOOD:
  case MODE_LINES:
  case MODE_RESET:
    conn_read(c, 1);
    pump(c);
    break;
  case MODE_NOREAD:
    break;
  default:
    conn_read(c, 1);
  }
}

/* Answer one HTTP request; 'last' ends the connection afterwards. */
static void http_reply(struct conn *c, int code, const char *body,
                       const char *extra, int head, int last) {
  char hdr[512];
  const char *reason;
  size_t blen = strlen(body);
  int n;

  switch (code) {
  case 200: reason = "OK"; break;
  case 401: reason = "Unauthorized"; break;
  case 404: reason = "Not Found"; break;
  case 405: reason = "Method Not Allowed"; break;
  case 413: reason = "Payload Too Large"; break;
  case 501: reason = "Not Implemented"; break;
  default: reason = "Bad Request"; break;
  }
  n = snprintf(hdr, sizeof hdr,
               "HTTP/1.1 %d %s\r\nServer: nsx-testsrv\r\n"
               "Content-Type: text/html\r\nContent-Length: %zu\r\n"
               "Connection: %s\r\n%s\r\n",
               code, reason, blen, last ? "close" : "keep-alive",
               extra ? extra : "");
  conn_send(c, hdr, (size_t)n, body, head ? 0 : blen);
  if (last)
    conn_finish(c);
}

/* Return the value of header 'name' in the NUL-terminated header block
 * 'h' (whose lines end in CRLF), or NULL. The value runs to the CR. */
static const char *http_header(const char *h, const char *name) {
  size_t len = strlen(name);

  for (h = strstr(h, "\r\n"); h; h = strstr(h, "\r\n")) {
    h += 2;
    if (strncasecmp(h, name, len) == 0 && h[len] == ':') {
      h += len + 1;
      while (*h == ' ' || *h == '\t')
        h++;
      return h;
    }
  }
  return NULL;
}

/* Whether the header value 'v' (which ends at a CR) holds 'tok'. */
static int has_token(const char *v, const char *tok) {
  size_t len = strcspn(v, "\r"), tlen = strlen(tok), i;

  for (i = 0; i + tlen <= len; i++)
    if (strncasecmp(v + i, tok, tlen) == 0)
      return 1;
  return 0;
}

static int http_authorized(const char *h) {
  const char *v = http_header(h, "Authorization");
  size_t len = strlen(auth_token);

  if (!v || strncasecmp(v, "Basic ", 6) != 0)
    return 0;
  for (v += 6; *v == ' '; v++)
    ;
  return strncmp(v, auth_token, len) == 0 &&
         (v[len] == '\r' || v[len] == ' ');
}

static void on_slow(uv_timer_t *t) {
  struct conn *c = t->data;

  c->waiting = 0;
  http_reply(c, 200, page_slow, NULL, c->slow_head, c->slow_close);
  http_process(c);
  if (c->eof && !c->waiting)
    conn_finish(c);  /* The peer half-closed while it waited. */
}

/* Answer the complete requests in 'c->in' in order. A '/slow' request
 * holds back the ones behind it until its answer is out, which keeps
 * pipelined answers in request order. */
static void http_process(struct conn *c) {
  while (!c->closing && !c->finishing && !c->waiting) {
    char *end = c->in ? memmem(c->in, c->in_len, "\r\n\r\n", 4) : NULL;
    char *h, *path, *version, *eol;
    const char *v;
    size_t hlen, total;
    unsigned long long body = 0;
    int head, last;

    if (!end) {
      if (c->in_len > HTTP_MAX_HEAD)
        http_reply(c, 400, page_error, NULL, 0, 1);
      return;
    }
    hlen = (size_t)(end - c->in) + 4;
    h = malloc(hlen + 1);
    if (!h) {
      conn_close(c);
      return;
    }
    memcpy(h, c->in, hlen);
    h[hlen - 2] = '\0';  /* Keep the last header's CRLF for http_header. */
    eol = strstr(h, "\r\n");
    path = strchr(h, ' ');
    version = path ? strchr(path + 1, ' ') : NULL;
    if (!eol || !version || version > eol) {
      free(h);
      http_reply(c, 400, page_error, NULL, 0, 1);
      return;
    }
    *path++ = *version++ = '\0';
    path[strcspn(path, "?#")] = '\0';
    head = strcmp(h, "HEAD") == 0;
    last = strncmp(version, "HTTP/1.0", 8) == 0;
    if ((v = http_header(version, "Connection")) != NULL)
      last = has_token(v, "close") ? 1
           : has_token(v, "keep-alive") ? 0 : last;
    if ((v = http_header(version, "Content-Length")) != NULL)
      body = strtoull(v, NULL, 10);
    total = hlen + (size_t)(body < HTTP_MAX_INPUT ? body : HTTP_MAX_INPUT);
    if (body >= HTTP_MAX_INPUT)
      http_reply(c, 413, page_error, NULL, head, 1);
    else if (http_header(version, "Transfer-Encoding"))
      http_reply(c, 501, page_error, NULL, head, 1);
    else if (c->in_len < total) {
      free(h);
      return;  /* Wait for the rest of the body. */
    } else if (!head && strcmp(h, "GET") != 0)
      http_reply(c, 405, page_error, "Allow: GET, HEAD\r\n", 0, last);
    else if (strcmp(path, "/") == 0)
      http_reply(c, 200, page_index, NULL, head, last);
    else if (strcmp(path, "/links") == 0)
      http_reply(c, 200, page_links, NULL, head, last);
    else if (strcmp(path, "/auth") == 0 && http_authorized(version))
      http_reply(c, 200, page_auth, NULL, head, last);
    else if (strcmp(path, "/auth") == 0)
      http_reply(c, 401, page_401,
                 "WWW-Authenticate: Basic realm=\"nsx-testsrv\"\r\n",
                 head, last);
    else if (strcmp(path, "/slow") == 0) {
      c->waiting = 1;
      c->slow_head = head;
      c->slow_close = last;
      uv_timer_start(&c->timer, on_slow, cfg.delay_ms, 0);
    } else
      http_reply(c, 404, page_404, NULL, head, last);
    free(h);
    total = total < c->in_len ? total : c->in_len;
    memmove(c->in, c->in + total, c->in_len - total);
    c->in_len -= total;
  }
}

static void on_udp_sent(uv_udp_send_t *req, int status) {
  (void)status;
  free(req);
}

static void on_udp_recv(uv_udp_t *u, ssize_t nread, const uv_buf_t *buf,
                        const struct sockaddr *addr, unsigned flags) {
  struct ureq *r;
  uv_buf_t out;

  (void)flags;
  if (nread < 0 || !addr)
    return;  /* An error (e.g. an ICMP-caused one) or nothing to read. */
  accepted++;
  if (cfg.mode != MODE_ECHO)
    return;
  r = malloc(sizeof *r + (size_t)nread);
  if (!r)
    return;
  memcpy(r->data, buf->base, (size_t)nread);
  out = uv_buf_init(r->data, (unsigned)nread);
  if (uv_udp_send(&r->req, u, &out, 1, addr, on_udp_sent) < 0)
    free(r);
}

static void close_any(uv_handle_t *h, void *arg) {
  (void)arg;
  if (uv_is_closing(h))
    return;
  if (h->data)
    conn_close(h->data);
  else
    uv_close(h, NULL);
}

static void stop(void) {
  uv_walk(loop, close_any, NULL);
}

static void on_signal(uv_signal_t *s, int signum) {
  (void)s, (void)signum;
  stop();
}

static void on_lifetime(uv_timer_t *t) {
  (void)t;
  stop();
}

/* Decode backslash escapes: \r \n \t \0 \\ \xHH; any other escaped
 * character stands for itself. Returns a malloc'd buffer. */
static char *unescape(const char *s, size_t *len) {
  char *out = malloc(strlen(s) + 1), *p = out;

  if (!out)
    return NULL;
  while (*s) {
    if (*s != '\\' || !s[1]) {
      *p++ = *s++;
      continue;
    }
    switch (*++s) {
    case 'r': *p++ = '\r'; break;
    case 'n': *p++ = '\n'; break;
    case 't': *p++ = '\t'; break;
    case '0': *p++ = '\0'; break;
    case 'x':
      if (isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
        char hex[3] = {s[1], s[2], '\0'};

        *p++ = (char)strtol(hex, NULL, 16);
        s += 2;
      } else {
        *p++ = 'x';
      }
      break;
    default: *p++ = *s; break;
    }
    s++;
  }
  *len = (size_t)(p - out);
  return out;
}

static char *base64(const char *s) {
  static const char tab[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t len = strlen(s), i;
  char *out = malloc(len / 3 * 4 + 5), *p = out;

  for (i = 0; out && i < len; i += 3) {
    unsigned long v = (unsigned long)(unsigned char)s[i] << 16;

    if (i + 1 < len)
      v |= (unsigned long)(unsigned char)s[i + 1] << 8;
    if (i + 2 < len)
      v |= (unsigned char)s[i + 2];
    *p++ = tab[v >> 18 & 63];
    *p++ = tab[v >> 12 & 63];
    *p++ = i + 1 < len ? tab[v >> 6 & 63] : '=';
    *p++ = i + 2 < len ? tab[v & 63] : '=';
  }
  if (out)
    *p = '\0';
  return out;
}

static void usage(void) {
  fputs(
    "usage: testsrv [--bind ADDR] [--port N] [--lifetime SECONDS]\n"
    "         [--pidfile FILE] [--count-file FILE] [--tcp | --udp]\n"
    "         MODE [ARGS] [MODE-OPTIONS]\n"
    "modes: banner TEXT | echo | http | silent | close | reset N |\n"
    "       trickle TEXT | flood N | lines N | delay MS TEXT | noread |\n"
    "       tlsgarbage   (--udp: echo, silent)\n"
    "mode options: --title T, --delay MS, --auth USER:PASS (http);\n"
    "       --interval MS (trickle)\n"
    "TEXT takes the escapes \\r \\n \\t \\0 \\\\ \\xHH.\n", stderr);
}

static int parse_uint(const char *s, uint64_t max, uint64_t *out) {
  char *end;
  unsigned long long v;

  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno || *end || v > max)
    return -1;
  *out = v;
  return 0;
}

/* Parse the command line into 'cfg'. Options may come before or after the
 * mode's arguments; "--" ends them. Returns 0 or -1 (after a message). */
static int parse_args(int argc, char **argv) {
  const char *pos[4];
  int npos = 0, i, m = -1, opts = 1;
  char *end;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *val;
    size_t nlen;
    int ok = 1;

    if (!opts || strncmp(a, "--", 2) != 0) {
      if (npos == 4) {
        fprintf(stderr, "testsrv: too many arguments\n");
        return -1;
      }
      pos[npos++] = a;
      continue;
    }
    if (a[2] == '\0') {
      opts = 0;
      continue;
    }
    if (!strcmp(a, "--tcp") || !strcmp(a, "--udp")) {
      cfg.udp = a[2] == 'u';
      continue;
    }
    if (!strcmp(a, "--help"))
      return -1;
    nlen = strcspn(a, "=");
    val = a[nlen] ? a + nlen + 1 : i + 1 < argc ? argv[++i] : NULL;
    if (!val) {
      fprintf(stderr, "testsrv: %s needs a value\n", a);
      return -1;
    }
#define IS(opt) (nlen == sizeof opt - 1 && !strncmp(a, opt, nlen))
    if (IS("--bind"))
      cfg.bind = val;
    else if (IS("--pidfile"))
      cfg.pidfile = val;
    else if (IS("--count-file"))
      cfg.count_file = val;
    else if (IS("--title"))
      cfg.title = val;
    else if (IS("--auth"))
      ok = strchr(cfg.auth = val, ':') != NULL;
    else if (IS("--port"))
      ok = parse_uint(val, 65535, &cfg.port) == 0;
    else if (IS("--delay"))
      ok = parse_uint(val, 86400000, &cfg.delay_ms) == 0;
    else if (IS("--interval"))
      ok = parse_uint(val, 86400000, &cfg.interval_ms) == 0;
    else if (IS("--lifetime"))
      ok = (cfg.lifetime = strtod(val, &end)) > 0 && *end == '\0' &&
           cfg.lifetime <= 86400;
    else
      ok = 0;
#undef IS
    if (!ok) {
      fprintf(stderr, "testsrv: bad option or value: %.*s %s\n", (int)nlen,
              a, val);
      return -1;
    }
  }
  for (i = 0; npos > 0 && i < (int)(sizeof modes / sizeof modes[0]); i++)
    if (!strcmp(pos[0], modes[i].name))
      m = i;
  if (m < 0 || npos - 1 != modes[m].nargs) {
    fprintf(stderr, "testsrv: %s\n", m < 0 ? "missing or unknown MODE"
                                           : "wrong number of mode arguments");
    return -1;
  }
  cfg.mode = (enum mode)m;
  if (cfg.udp && !modes[m].udp) {
    fprintf(stderr, "testsrv: mode %s does not run with --udp\n", pos[0]);
    return -1;
  }
  if (cfg.mode == MODE_RESET || cfg.mode == MODE_FLOOD ||
      cfg.mode == MODE_LINES) {
    if (parse_uint(pos[1], UINT64_MAX / 2, &cfg.n) < 0) {
      fprintf(stderr, "testsrv: bad count: %s\n", pos[1]);
      return -1;
    }
  } else if (cfg.mode == MODE_DELAY) {
    if (parse_uint(pos[1], 86400000, &cfg.delay_ms) < 0) {
      fprintf(stderr, "testsrv: bad delay: %s\n", pos[1]);
      return -1;
    }
    cfg.text = unescape(pos[2], &cfg.text_len);
  } else if (npos == 2) {
    cfg.text = unescape(pos[1], &cfg.text_len);
  }
  return 0;
}

/* Fill 'ss' from the numeric loopback address 'cfg.bind'. */
static int bind_addr(struct sockaddr_storage *ss) {
  struct sockaddr_in *sin = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
  int port = (int)cfg.port;

  if (uv_ip4_addr(cfg.bind, port, sin) == 0) {
    if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127)
      return 0;
  } else if (uv_ip6_addr(cfg.bind, port, sin6) == 0) {
    if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
      return 0;
  } else {
    fprintf(stderr, "testsrv: not a numeric address: %s\n", cfg.bind);
    return -1;
  }
  fprintf(stderr, "testsrv: refusing non-loopback address %s\n", cfg.bind);
  return -1;
}

static int listen_on(const struct sockaddr *sa) {
  struct sockaddr_storage ss;
  int len = sizeof ss, err;

  if (cfg.udp) {
    uv_udp_init(loop, &listener.udp);
    err = uv_udp_bind(&listener.udp, sa, 0);
    if (!err)
      err = uv_udp_recv_start(&listener.udp, alloc_buf, on_udp_recv);
    if (!err)
      err = uv_udp_getsockname(&listener.udp, (struct sockaddr *)&ss, &len);
  } else {
    uv_tcp_init(loop, &listener.tcp);
    err = uv_tcp_bind(&listener.tcp, sa, 0);
    if (!err)
      err = uv_listen((uv_stream_t *)&listener.tcp, 511, on_connection);
    if (!err)
      err = uv_tcp_getsockname(&listener.tcp, (struct sockaddr *)&ss, &len);
  }
  if (err) {
    fprintf(stderr, "testsrv: %s: %s\n", cfg.bind, uv_strerror(err));
    return -1;
  }
  return ntohs(ss.ss_family == AF_INET6
                 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                 : ((struct sockaddr_in *)&ss)->sin_port);
}

static int write_file(const char *path, unsigned long value) {
  FILE *f = fopen(path, "w");

  if (!f || fprintf(f, "%lu\n", value) < 0 || fclose(f) != 0) {
    fprintf(stderr, "testsrv: %s: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  struct sockaddr_storage ss;
  struct rlimit rl;
  int port, rc = 1, own_pidfile = 0;
  size_t size;

  if (parse_args(argc, argv) < 0) {
    usage();
    return 2;
  }
  if (bind_addr(&ss) < 0)
    return 2;
  signal(SIGPIPE, SIG_IGN);
  /* Many connections at once: take every descriptor we are allowed. */
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  size = 2 * strlen(cfg.title) + 128;
  page_index = malloc(size);
  auth_token = base64(cfg.auth);
  if (!page_index || !auth_token)
    goto fail;
  snprintf(page_index, size, "<html><head><title>%s</title></head><body>"
           "<h1>%s</h1><p>nsx test server</p></body></html>\n",
           cfg.title, cfg.title);
  loop = uv_default_loop();
  port = listen_on((struct sockaddr *)&ss);
  if (port < 0)
    goto fail;
  if (cfg.pidfile) {
    own_pidfile = 1;
    if (write_file(cfg.pidfile, (unsigned long)getpid()) < 0)
      goto fail;
  }
  uv_signal_init(loop, &sigterm);
  uv_signal_start(&sigterm, on_signal, SIGTERM);
  uv_signal_init(loop, &sigint);
  uv_signal_start(&sigint, on_signal, SIGINT);
  uv_timer_init(loop, &lifetime);
  uv_timer_start(&lifetime, on_lifetime, (uint64_t)(cfg.lifetime * 1000), 0);
  printf("PORT %d\n", port);
  fflush(stdout);
  uv_run(loop, UV_RUN_DEFAULT);
  rc = 0;
  if (cfg.count_file && write_file(cfg.count_file, accepted) < 0)
    rc = 1;
fail:
  if (loop) {
    stop();  /* Nothing is left after a normal run; this is for errors. */
    uv_run(loop, UV_RUN_DEFAULT);
    if (uv_loop_close(loop) != 0)
      rc = 1;
  }
  if (own_pidfile)
    unlink(cfg.pidfile);
  free(auth_token);
  free(page_index);
  free(cfg.text);
  return rc;
}
