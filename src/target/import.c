/* The import reader: its input buffer (read from a file descriptor or fed
 * by the caller), format detection, and the helpers every format parser
 * shares. The formats themselves are in import_list.c, import_mlist.c,
 * import_json.c and import_nmap.c (with the XML tokenizer in
 * import_xml.c). */
#include "target/import_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct nsx_import *reader_new(enum nsx_import_format fmt,
                                     const char *name) {
  struct nsx_import *imp = calloc(1, sizeof *imp);

  if (imp == NULL) return NULL;
  imp->fmt = fmt;
  imp->fd = -1;
  imp->line = 1;
  snprintf(imp->name, sizeof imp->name, "%s", name ? name : "input");
  imp->buf = malloc(IMPORT_BUF_CAP);
  imp->rec.mem = malloc(IMPORT_ARENA_CAP);
  imp->rec.cap = IMPORT_ARENA_CAP;
  imp->tok = malloc(IMPORT_JSON_TOKENS * sizeof *imp->tok);
  imp->doc = nsx__nmap_doc_new();
  if (!imp->buf || !imp->rec.mem || !imp->tok || !imp->doc) {
    nsx_import_close(imp);
    return NULL;
  }
  return imp;
}

struct nsx_import *nsx_import_open_fd(int fd, enum nsx_import_format fmt,
                                      const char *name) {
  struct nsx_import *imp = reader_new(fmt, name);

  if (imp) imp->fd = fd;
  return imp;
}

struct nsx_import *nsx_import_open_path(const char *path,
                                        enum nsx_import_format fmt,
                                        char *err, size_t errlen) {
  struct nsx_import *imp;
  int fd;

  if (strcmp(path, "-") == 0) {
    imp = nsx_import_open_fd(STDIN_FILENO, fmt, "stdin");
    if (imp == NULL) snprintf(err, errlen, "stdin: out of memory");
    return imp;
  }
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return NULL;
  }
  imp = nsx_import_open_fd(fd, fmt, path);
  if (imp == NULL) {
    close(fd);
    snprintf(err, errlen, "%s: out of memory", path);
    return NULL;
  }
  imp->own_fd = 1;
  return imp;
}

struct nsx_import *nsx_import_new(enum nsx_import_format fmt,
                                  const char *name) {
  struct nsx_import *imp = reader_new(fmt, name);

  if (imp) imp->push = 1;
  return imp;
}

/* Moves the unread bytes to the front of the buffer. */
static void compact(struct nsx_import *imp) {
  if (imp->r == 0) return;
  memmove(imp->buf, imp->buf + imp->r, imp->w - imp->r);
  imp->w -= imp->r;
  imp->r = 0;
}

size_t nsx_import_feed(struct nsx_import *imp, const void *data,
                       size_t len) {
  size_t room;

  if (!imp->push || imp->eof) return 0;
  if (imp->w + len > IMPORT_BUF_CAP) compact(imp);
  room = IMPORT_BUF_CAP - imp->w;
  if (len > room) len = room;
  memcpy(imp->buf + imp->w, data, len);
  imp->w += len;
  return len;
}

void nsx_import_feed_end(struct nsx_import *imp) {
  if (imp->push) imp->eof = 1;
}

int nsx__import_more(struct nsx_import *imp) {
  ssize_t n;

  if (imp->eof) return 0;
  compact(imp);
  if (imp->w == IMPORT_BUF_CAP) return -ENOBUFS;
  if (imp->push) return -EAGAIN;
  do {
    n = read(imp->fd, imp->buf + imp->w, IMPORT_BUF_CAP - imp->w);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    int e = errno;
    imp->eof = 1;
    imp->done = 1;
    nsx__import_fail(imp, imp->line, "read error: %s", strerror(e));
    return -EIO;
  }
  if (n == 0) {
    imp->eof = 1;
    return 0;
  }
  imp->w += (size_t)n;
  return 1;
}

void nsx__import_consume(struct nsx_import *imp, size_t n) {
  const char *p = imp->buf + imp->r, *end = p + n;

  while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    imp->line++;
    p++;
  }
  imp->r += n;
  imp->hint = 0;
}

unsigned long nsx__import_line_at(const struct nsx_import *imp, size_t off) {
  const char *p = imp->buf + imp->r, *end = p + off;
  unsigned long line = imp->line;

  while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    line++;
    p++;
  }
  return line;
}

int nsx__import_fail(struct nsx_import *imp, unsigned long line,
                     const char *fmt, ...) {
  va_list ap;
  int n;

  if (imp->err == NULL || imp->errlen == 0) return -1;
  n = snprintf(imp->err, imp->errlen, "%s:%lu: ", imp->name, line);
  if (n >= 0 && (size_t)n < imp->errlen) {
    va_start(ap, fmt);
    vsnprintf(imp->err + n, imp->errlen - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return -1;
}

size_t nsx__utf8_put(char *out, unsigned long cp) {
  unsigned char *u = (unsigned char *)out;

  if (cp < 0x80) {
    u[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    u[0] = (unsigned char)(0xc0 | cp >> 6);
    u[1] = (unsigned char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    u[0] = (unsigned char)(0xe0 | cp >> 12);
    u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
    u[2] = (unsigned char)(0x80 | (cp & 0x3f));
    return 3;
  }
  u[0] = (unsigned char)(0xf0 | cp >> 18);
  u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
  u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
  u[3] = (unsigned char)(0x80 | (cp & 0x3f));
  return 4;
}

char *nsx__import_quote(const char *s, size_t n, char *out, size_t outlen) {
  size_t i, o = 0;

  if (outlen == 0) return out;
  for (i = 0; i < n && i < 60 && o + 5 < outlen; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out[o++] = (char)c;
    } else {
      snprintf(out + o, outlen - o, "\\x%02x", c);
      o += 4;
    }
  }
  if (i < n && o + 4 < outlen) {
    memcpy(out + o, "...", 3);
    o += 3;
  }
  out[o] = '\0';
  return out;
}

char *nsx__arena_put(struct import_arena *a, const char *s, size_t n) {
  char *p;

  if (n + 1 > a->cap - a->used) return NULL;
  p = a->mem + a->used;
  memcpy(p, s, n);
  p[n] = '\0';
  a->used += n + 1;
  return p;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char *nsx__arena_unescape_x(struct import_arena *a, const char *s, size_t n,
                            size_t *outlen) {
  char *p;
  size_t i, o = 0;

  if (n + 1 > a->cap - a->used) return NULL;
  p = a->mem + a->used;
  for (i = 0; i < n; i++) {
    if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' &&
        hexval((unsigned char)s[i + 2]) >= 0 &&
        hexval((unsigned char)s[i + 3]) >= 0) {
      p[o++] = (char)(hexval((unsigned char)s[i + 2]) * 16 +
                      hexval((unsigned char)s[i + 3]));
      i += 3;
    } else {
      p[o++] = s[i];
    }
  }
  p[o] = '\0';
  a->used += o + 1;
  *outlen = o;
  return p;
}

int nsx__import_skip(struct nsx_import *imp) {
  int rc;

  for (;;) {
    const char *s = imp->buf + imp->r, *p = s, *end = imp->buf + imp->w;
    if (imp->skip == SKIP_LINE) {
      p = memchr(s, '\n', (size_t)(end - s));
      if (p != NULL) {
        nsx__import_consume(imp, (size_t)(p + 1 - s));
        imp->skip = SKIP_NONE;
        return 1;
      }
      p = end;
    } else if (imp->skip == SKIP_WORD) {
      while (p < end && !nsx__import_blank(*p) && *p != '#') p++;
      if (p < end) {
        nsx__import_consume(imp, (size_t)(p - s));
        imp->skip = SKIP_NONE;
        return 1;
      }
    } else {
      return 1;
    }
    nsx__import_consume(imp, (size_t)(p - s));
    rc = nsx__import_more(imp);
    if (rc == 0) imp->skip = SKIP_NONE;
    if (rc <= 0) return rc;
  }
}

int nsx__import_getline(struct nsx_import *imp, size_t *len,
                        size_t *total) {
  int rc;

  for (;;) {
    const char *s = imp->buf + imp->r;
    size_t n = imp->w - imp->r;
    const char *nl = memchr(s + imp->hint, '\n', n - imp->hint);
    if (nl != NULL) {
      *total = (size_t)(nl - s) + 1;
      *len = *total - 1;
      if (*len > 0 && s[*len - 1] == '\r') (*len)--;
      return 1;
    }
    imp->hint = n;
    rc = nsx__import_more(imp);
    if (rc == 1) continue;
    if (rc == 0 && n > 0) {
      *total = *len = n;
      if (s[n - 1] == '\r') (*len)--;
      return 1;
    }
    if (rc == -ENOBUFS) {
      nsx__import_fail(imp, imp->line, "line longer than %d bytes",
                       IMPORT_BUF_CAP);
      nsx__import_consume(imp, n);
      imp->skip = SKIP_LINE;
      return -1;
    }
    return rc;
  }
}

void nsx__import_rec_init(struct nsx_import *imp, struct nsx_import_rec *rec,
                          unsigned long line) {
  memset(rec, 0, sizeof *rec);
  rec->format = imp->fmt;
  rec->line = line;
  rec->family = AF_UNSPEC;
  rec->reason_ttl = -1;
  rec->svc.conf = -1;
  rec->svc.rpcnum = rec->svc.lowver = rec->svc.highver = -1;
  rec->timestamp = -1;
}

int nsx__import_family(const char *s, size_t n) {
  char tmp[64];
  unsigned char bin[16];

  if (n == 0 || n >= sizeof tmp) return AF_UNSPEC;
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  if (inet_pton(AF_INET, tmp, bin) == 1) return AF_INET;
  if (inet_pton(AF_INET6, tmp, bin) == 1) return AF_INET6;
  return AF_UNSPEC;
}

const char *nsx__import_masscan_reason(const char *state, enum nsx_proto p) {
  int open = strcmp(state, "open") == 0;

  switch (p) {
  case NSX_PROTO_TCP: return open ? "syn-ack" : "reset";
  case NSX_PROTO_UDP: return open ? "udp-response" : "port-unreach";
  case NSX_PROTO_SCTP: return open ? "init-ack" : "abort";
  }
  return NULL;
}

const char *nsx__import_state(const char *s, size_t n) {
  static const char *const names[] = {
    "open", "closed", "filtered", "unfiltered", "open|filtered",
    "closed|filtered"
  };
  size_t i;

  for (i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
      return names[i];
  return NULL;
}

const char *nsx_import_format_name(enum nsx_import_format fmt) {
  switch (fmt) {
  case NSX_IMPORT_AUTO: return "auto";
  case NSX_IMPORT_LIST: return "list";
  case NSX_IMPORT_MASSCAN_LIST: return "masscan-list";
  case NSX_IMPORT_JSON: return "json";
  case NSX_IMPORT_XML: return "xml";
  }
  return "?";
}

enum nsx_import_format nsx_import_format(const struct nsx_import *imp) {
  return imp->fmt;
}

/* 1 if the line at 's' (of 'n' bytes) looks like masscan -oL's
 * "open tcp 80 192.0.2.1 1700000000". */
static int masscan_line(const char *s, size_t n) {
  static const char *const heads[] = {
    "open ", "closed ", "banner ", "unknown "
  };
  static const char *const protos[] = {
    "tcp ", "udp ", "sctp ", "icmp ", "arp "
  };
  size_t i, j, k;

  for (i = 0; i < 4; i++) {
    size_t hl = strlen(heads[i]);
    if (n < hl || memcmp(s, heads[i], hl) != 0) continue;
    for (j = 0; j < 5; j++) {
      size_t pl = strlen(protos[j]);
      if (n < hl + pl || memcmp(s + hl, protos[j], pl) != 0) continue;
      k = hl + pl;
      return k < n && s[k] >= '0' && s[k] <= '9';
    }
  }
  return 0;
}

/* Decides the format from the first IMPORT_SNIFF_LEN bytes at buf[r]:
 * from the first byte that is not blank, or else the first line that is
 * not a comment. 'final' says no more bytes will come into that window.
 * Returns 1 when decided, with '*stop' after the last byte the decision
 * used, or 0 if it needs more bytes. Whether input arrives whole or in
 * pieces never changes the answer. */
static int decide(struct nsx_import *imp, int final, const char **stop) {
  const char *s = imp->buf + imp->r, *end = imp->buf + imp->w, *p = s;

  if (end - s > IMPORT_SNIFF_LEN) end = s + IMPORT_SNIFF_LEN;
  *stop = end;
  if (end - s >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) p += 3;
  imp->fmt = NSX_IMPORT_LIST;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p)), *q = p, *t;
    size_t len = eol ? (size_t)(eol - p) : (size_t)(end - p);
    while (q < p + len && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
    if (q == p + len) {
      if (eol == NULL) break;
      p = eol + 1;
      continue;
    }
    *stop = q + 1;
    if (*q == '<') {
      imp->fmt = NSX_IMPORT_XML;
    } else if (*q == '{') {
      imp->fmt = NSX_IMPORT_JSON;
    } else if (*q == '[') {
      /* "[" alone opens a JSON array; "[2001:db8::1]:443" is a target. */
      for (t = q + 1; t < end && (*t == ' ' || *t == '\t' || *t == '\r' ||
                                  *t == '\n'); t++)
        ;
      if (t == end && !final) break;
      *stop = t < end ? t + 1 : end;
      if (t == end || *t == '{' || *t == ']') imp->fmt = NSX_IMPORT_JSON;
    } else if (eol == NULL && !final) {
      break;                    /* the line is needed whole */
    } else {
      *stop = p + len;
      if (*q == '#') {
        if (len - (size_t)(q - p) >= 8 && memcmp(q, "#masscan", 8) == 0) {
          imp->fmt = NSX_IMPORT_MASSCAN_LIST;
          return 1;
        }
        if (eol == NULL) return 1;
        p = eol + 1;
        continue;
      }
      if (masscan_line(q, len - (size_t)(q - p)))
        imp->fmt = NSX_IMPORT_MASSCAN_LIST;
    }
    return 1;
  }
  *stop = end;
  if (final) return 1;
  imp->fmt = NSX_IMPORT_AUTO;
  return 0;
}

/* Like 'decide', but refuses binary input: masscan's -oB, and a NUL byte
 * among the bytes the decision used. Returns 1, 0, or -1 with a
 * message. */
static int sniff(struct nsx_import *imp, int final) {
  const char *s = imp->buf + imp->r, *stop, *nul;
  size_t n = imp->w - imp->r;

  if (!final && n < 10 && memcmp(s, "masscan/1.", n) == 0) return 0;
  if (n >= 10 && memcmp(s, "masscan/1.", 10) == 0)
    return nsx__import_fail(imp, 1, "masscan binary output (-oB) is not "
                            "read; convert it with 'masscan --readscan "
                            "FILE -oX out.xml'");
  if (decide(imp, final, &stop) == 0) return 0;
  nul = memchr(s, '\0', (size_t)(stop - s));
  if (nul != NULL)
    return nsx__import_fail(imp, 1, "binary data (a NUL byte at offset "
                            "%zu), not a target list or scan output",
                            (size_t)(nul - s));
  return 1;
}

/* Reads until the format can be told, at most IMPORT_SNIFF_LEN bytes.
 * Returns 0, -EAGAIN or -1. */
static int detect(struct nsx_import *imp) {
  int rc;

  for (;;) {
    int final = imp->eof || imp->w - imp->r >= IMPORT_SNIFF_LEN ||
                imp->w - imp->r == IMPORT_BUF_CAP;
    rc = sniff(imp, final);
    if (rc == 1) return 0;
    if (rc < 0) {
      imp->done = 1;
      return -1;
    }
    rc = nsx__import_more(imp);
    if (rc == -EAGAIN) return rc;
    if (rc == -EIO) return -1;
  }
}

int nsx_import_next(struct nsx_import *imp, struct nsx_import_rec *rec,
                    char *err, size_t errlen) {
  int rc;

  if (err && errlen) err[0] = '\0';
  imp->err = err;
  imp->errlen = errlen;
  if (imp->done) return 0;
  if (imp->pending) {
    imp->pending = 0;
    *rec = imp->prec;
    return 1;
  }
  imp->rec.used = 0;
  if (imp->fmt == NSX_IMPORT_AUTO && (rc = detect(imp)) < 0) return rc;
  switch (imp->fmt) {
  case NSX_IMPORT_LIST: rc = nsx__import_list_next(imp, rec); break;
  case NSX_IMPORT_MASSCAN_LIST: rc = nsx__import_mlist_next(imp, rec); break;
  case NSX_IMPORT_JSON: rc = nsx__import_json_next(imp, rec); break;
  case NSX_IMPORT_XML: rc = nsx__import_xml_next(imp, rec); break;
  default: rc = 0; break;
  }
  if (rc == -EIO) rc = -1;
  if (rc == 0) imp->done = 1;
  return rc;
}

void nsx_import_close(struct nsx_import *imp) {
  if (imp == NULL) return;
  if (imp->own_fd && imp->fd >= 0) close(imp->fd);
  nsx__nmap_doc_free(imp->doc);
  free(imp->tok);
  free(imp->rec.mem);
  free(imp->buf);
  free(imp);
}
