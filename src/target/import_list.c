/* -iL target lists, read as Nmap reads them: words separated by blanks
 * and line ends, '#' starting a comment anywhere up to the end of the
 * line. A word is a target expression (checked with hostspec.h), or a
 * target with one port: "192.0.2.1:80", "host.example:22/tcp",
 * "10.0.0.1:53/udp", "[2001:db8::1]:443". A bare word with two or more
 * ':' is an IPv6 expression, so an IPv6 target with a port needs []. */
#include "target/import_int.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "target/hostspec.h"

/* The word, quoted for a message, in parse_port: made on the error paths
 * only, as it costs more than parsing a good line. */
#define Q nsx__import_quote(word, wlen, q, sizeof q)

/* Parses "PORT" or "PORT/PROTO" (the 'n' bytes at 's') into 'rec'.
 * Returns 0, or -1 with a message naming 'word'. */
static int parse_port(struct nsx_import *imp, struct nsx_import_rec *rec,
                      const char *s, size_t n, const char *word,
                      size_t wlen) {
  char q[128], proto[8];
  const char *slash = memchr(s, '/', n);
  size_t plen = slash ? (size_t)(slash - s) : n, i;
  unsigned long port = 0;
  int p = NSX_PROTO_TCP;

  if (plen == 0)
    return nsx__import_fail(imp, rec->line, "missing port in '%s'", Q);
  for (i = 0; i < plen; i++) {
    if (s[i] < '0' || s[i] > '9' || i >= 5)
      return nsx__import_fail(imp, rec->line, "invalid port '%.*s' in '%s' "
                              "(a number from 0 to 65535)",
                              (int)(plen > 12 ? 12 : plen), s, Q);
    port = port * 10 + (unsigned long)(s[i] - '0');
  }
  if (port > 65535)
    return nsx__import_fail(imp, rec->line, "port %lu out of range (0-65535) "
                            "in '%s'", port, Q);
  if (slash != NULL) {
    size_t pl = n - plen - 1;
    if (pl == 0 || pl >= sizeof proto)
      return nsx__import_fail(imp, rec->line, "invalid protocol in '%s' "
                              "(tcp, udp or sctp)", Q);
    for (i = 0; i < pl; i++) {
      char c = slash[1 + i];
      proto[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    proto[pl] = '\0';
    p = nsx_proto_parse(proto);
    if (p < 0)
      return nsx__import_fail(imp, rec->line, "invalid protocol '%s' in '%s' "
                              "(tcp, udp or sctp)", proto, Q);
  }
#undef Q
  rec->has_port = 1;
  rec->port = (uint16_t)port;
  rec->proto = (enum nsx_proto)p;
  rec->state = "open";
  rec->reason = "user-set";
  return 0;
}

/* Checks the target expression, the 'n' bytes at 's', and stores it in
 * 'rec'. Returns 0 or -1 with a message. */
static int set_target(struct nsx_import *imp, struct nsx_import_rec *rec,
                      const char *s, size_t n, const char *word,
                      size_t wlen) {
  char msg[256], q[128];
  struct nsx_hostspec *hs;
  char *t;

  if (n == 0)
    return nsx__import_fail(imp, rec->line, "missing target in '%s'",
                            nsx__import_quote(word, wlen, q, sizeof q));
  t = nsx__arena_put(&imp->rec, s, n);
  if (t == NULL) return nsx__import_fail(imp, rec->line, "out of memory");
  rec->family = nsx__import_family(s, n);
  /* A literal address is a valid expression: only the others need the
   * full parse (ranges, prefixes, names), a tenth of the cost of a line
   * of a long ADDR:PORT list otherwise. */
  if (rec->family == AF_UNSPEC) {
    hs = nsx_hostspec_parse(t, msg, sizeof msg);
    if (hs == NULL) return nsx__import_fail(imp, rec->line, "%s", msg);
    nsx_hostspec_free(hs);
  }
  rec->target = t;
  return 0;
}

/* Turns one word of 'wlen' bytes into 'rec'. Returns 1 or -1. */
static int parse_word(struct nsx_import *imp, struct nsx_import_rec *rec,
                      const char *w, size_t wlen) {
  char q[128];
  const char *colon, *close;
  size_t i, ncolon = 0;

  for (i = 0; i < wlen; i++) {
    unsigned char c = (unsigned char)w[i];
    if (c < 0x21 || c >= 0x7f)
      return nsx__import_fail(imp, rec->line, "invalid byte 0x%02x in "
                              "target '%s'", c,
                              nsx__import_quote(w, wlen, q, sizeof q));
    ncolon += c == ':';
  }
  if (w[0] == '[') {
    close = memchr(w, ']', wlen);
    if (close == NULL)
      return nsx__import_fail(imp, rec->line, "missing ']' in '%s'",
                              nsx__import_quote(w, wlen, q, sizeof q));
    if (set_target(imp, rec, w + 1, (size_t)(close - w - 1), w, wlen) < 0)
      return -1;
    i = (size_t)(close + 1 - w);
    if (i == wlen) return 1;
    if (w[i] != ':')
      return nsx__import_fail(imp, rec->line, "expected ':PORT' after ']' "
                              "in '%s'",
                              nsx__import_quote(w, wlen, q, sizeof q));
    if (parse_port(imp, rec, w + i + 1, wlen - i - 1, w, wlen) < 0)
      return -1;
    return 1;
  }
  if (ncolon != 1) {
    if (set_target(imp, rec, w, wlen, w, wlen) < 0) return -1;
    return 1;
  }
  colon = memchr(w, ':', wlen);
  i = (size_t)(colon - w);
  if (set_target(imp, rec, w, i, w, wlen) < 0) return -1;
  if (parse_port(imp, rec, colon + 1, wlen - i - 1, w, wlen) < 0) return -1;
  return 1;
}

int nsx__import_list_next(struct nsx_import *imp,
                          struct nsx_import_rec *rec) {
  const char *s, *p, *end;
  char q[128];
  int rc;

  for (;;) {
    if (imp->skip != SKIP_NONE && (rc = nsx__import_skip(imp)) != 1)
      return rc;
    s = p = imp->buf + imp->r;
    end = imp->buf + imp->w;
    while (p < end && nsx__import_blank(*p)) p++;
    nsx__import_consume(imp, (size_t)(p - s));
    if (p == end) {
      rc = nsx__import_more(imp);
      if (rc == 1) continue;
      return rc;
    }
    if (*p == '#') {
      imp->skip = SKIP_LINE;
      continue;
    }
    s = p;
    while (p < end && !nsx__import_blank(*p) && *p != '#') p++;
    if ((size_t)(p - s) > NSX_IMPORT_MAX_WORD) {
      nsx__import_fail(imp, imp->line, "target longer than %d bytes: '%s'",
                       NSX_IMPORT_MAX_WORD,
                       nsx__import_quote(s, (size_t)(p - s), q, sizeof q));
      nsx__import_consume(imp, (size_t)(p - s));
      imp->skip = SKIP_WORD;
      return -1;
    }
    if (p == end && !imp->eof) {
      rc = nsx__import_more(imp);
      if (rc == 1 || rc == 0) continue;
      return rc;
    }
    nsx__import_rec_init(imp, rec, imp->line);
    nsx__import_consume(imp, (size_t)(p - s));
    return parse_word(imp, rec, s, (size_t)(p - s));
  }
}
