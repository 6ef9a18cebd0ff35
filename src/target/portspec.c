/* Parsing of Nmap's -p syntax into per-protocol port lists, and the set
 * operations --exclude-ports and --top-ports need. A parse marks ports in
 * one bitmap per protocol and turns them into sorted arrays at the end;
 * names and frequencies come from services.c. */
#include "target/portspec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPORTS 65536
#define ALL_PROTOS ((1u << NSX_PROTO_COUNT) - 1)
#define QUOTE_MAX 40 /* longest piece of input quoted in a message */

/* What an entry began with, before its port or name. */
enum { OPENED_BRACKET = 1, SAW_PREFIX = 2 };

struct parser {
  const struct nsx_services *svc;
  uint8_t *bits;               /* NSX_PROTO_COUNT bitmaps of NPORTS bits */
  uint16_t *known[NSX_PROTO_COUNT]; /* nmap-services ports, for "[...]" */
  size_t nknown[NSX_PROTO_COUNT];
  uint16_t *buf;               /* NPORTS scratch entries for name lookups */
  char *err;
  size_t errlen;
};

static void seterr(struct parser *ps, const char *fmt, ...) {
  va_list ap;

  if (ps->err == NULL || ps->errlen == 0) return;
  va_start(ap, fmt);
  vsnprintf(ps->err, ps->errlen, fmt, ap);
  va_end(ap);
}

/* Quotes at most QUOTE_MAX bytes of [s, s+len) as "%.*s%s". */
#define QUOTED(s, len) \
  (int)((len) > QUOTE_MAX ? QUOTE_MAX : (len)), (s), \
      ((len) > QUOTE_MAX ? "..." : "")

static int isblank_(int c) { return c == ' ' || c == '\t'; }

static const char *skipblank(const char *p) {
  while (isblank_((unsigned char)*p)) p++;
  return p;
}

static void mark(struct parser *ps, unsigned proto, unsigned port) {
  uint8_t *b = ps->bits + (size_t)proto * (NPORTS / 8);

  b[port >> 3] |= (uint8_t)(1u << (port & 7));
}

/* Parses digits [p, end) into '*out'; -1 if empty, not all digits, or
 * above 65535. */
static int parse_port(const char *p, const char *end, unsigned *out) {
  unsigned long v = 0;

  if (p == end) return -1;
  for (; p < end; p++) {
    if (*p < '0' || *p > '9') return -1;
    v = v * 10 + (unsigned long)(*p - '0');
    if (v > 65535) return -2;
  }
  *out = (unsigned)v;
  return 0;
}

/* The ports nmap-services lists for 'proto', fetched on first use. */
static int known(struct parser *ps, unsigned proto) {
  size_t n;

  if (ps->known[proto] != NULL) return 0;
  n = nsx_services_count(ps->svc, (enum nsx_proto)proto);
  ps->known[proto] = malloc((n ? n : 1) * sizeof(uint16_t));
  if (ps->known[proto] == NULL) return -ENOMEM;
  ps->nknown[proto] = nsx_services_lookup(ps->svc, "*", (enum nsx_proto)proto,
                                          ps->known[proto], n);
  return 0;
}

/* Handles a numeric entry "a", "a-b", "-b", "a-" or "-". */
static int range(struct parser *ps, const char *tok, size_t len,
                 unsigned protos, int bracket) {
  const char *end = tok + len, *dash = memchr(tok, '-', len);
  const char *what = dash ? "port range" : "port";
  unsigned lo = 1, hi = 65535, proto, i;
  int rc = 0;

  if (dash == NULL) {
    rc = parse_port(tok, end, &lo);
    hi = lo;
  } else if (memchr(dash + 1, '-', (size_t)(end - dash - 1)) != NULL) {
    seterr(ps, "invalid port range '%.*s%s': more than one '-'",
           QUOTED(tok, len));
    return -EINVAL;
  } else {
    if (dash > tok) rc = parse_port(tok, dash, &lo);
    if (rc == 0 && dash + 1 < end) rc = parse_port(dash + 1, end, &hi);
  }
  if (rc == -2) {
    seterr(ps, "invalid %s '%.*s%s': port out of range (0-65535)", what,
           QUOTED(tok, len));
    return -EINVAL;
  }
  if (rc < 0) {
    seterr(ps, "invalid %s '%.*s%s'", what, QUOTED(tok, len));
    return -EINVAL;
  }
  if (lo > hi) {
    seterr(ps, "invalid port range '%.*s%s': start is greater than end",
           QUOTED(tok, len));
    return -EINVAL;
  }
  if (bracket && ps->svc == NULL) {
    seterr(ps, "'[%.*s%s]' given, but nmap-services is not loaded",
           QUOTED(tok, len));
    return -EINVAL;
  }
  for (proto = 0; proto < NSX_PROTO_COUNT; proto++) {
    if (!(protos & (1u << proto))) continue;
    if (!bracket) {
      for (i = lo; i <= hi; i++) mark(ps, proto, i);
      continue;
    }
    if (known(ps, proto) < 0) {
      seterr(ps, "out of memory");
      return -ENOMEM;
    }
    for (i = 0; i < ps->nknown[proto]; i++)
      if (ps->known[proto][i] >= lo && ps->known[proto][i] <= hi)
        mark(ps, proto, ps->known[proto][i]);
  }
  return 0;
}

/* Handles a service name or pattern; it must match in some protocol of
 * 'protos'. Matches are in nmap-services by definition, so brackets change
 * nothing here. */
static int service(struct parser *ps, const char *tok, size_t len,
                   unsigned protos) {
  char name[128];
  size_t total = 0, n, i;
  unsigned proto;

  if (len >= sizeof name) {
    seterr(ps, "unknown service '%.*s%s'", QUOTED(tok, len));
    return -EINVAL;
  }
  memcpy(name, tok, len);
  name[len] = '\0';
  for (proto = 0; proto < NSX_PROTO_COUNT; proto++) {
    if (!(protos & (1u << proto))) continue;
    n = nsx_services_lookup(ps->svc, name, (enum nsx_proto)proto, ps->buf,
                            NPORTS);
    for (i = 0; i < n; i++) mark(ps, proto, ps->buf[i]);
    total += n;
  }
  if (total > 0) return 0;
  if (tok[0] >= '0' && tok[0] <= '9')
    seterr(ps, "invalid port '%s'", name);
  else if (strpbrk(name, "*?") != NULL)
    seterr(ps, "no service matches '%s'", name);
  else
    seterr(ps, "unknown service '%s'", name);
  return -EINVAL;
}

static int entry(struct parser *ps, const char *tok, size_t len,
                 unsigned protos, int bracket) {
  size_t i;

  for (i = 0; i < len; i++)
    if (!(tok[i] >= '0' && tok[i] <= '9') && tok[i] != '-') break;
  if (i == len) return range(ps, tok, len, protos, bracket);
  if (ps->svc == NULL) {
    seterr(ps, "service name '%.*s%s' given, but nmap-services is not "
           "loaded", QUOTED(tok, len));
    return -EINVAL;
  }
  return service(ps, tok, len, protos);
}

/* Reads an optional "X:" prefix at 'p'. Returns the new position, or NULL
 * with an error. '*protos' becomes the chosen protocol's bit. */
static const char *prefix(struct parser *ps, const char *p, unsigned *protos,
                          int *seen) {
  *seen = 0;
  if (!((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) ||
      p[1] != ':')
    return p;
  switch (p[0]) {
  case 'T': *protos = 1u << NSX_PROTO_TCP; break;
  case 'U': *protos = 1u << NSX_PROTO_UDP; break;
  case 'S': *protos = 1u << NSX_PROTO_SCTP; break;
  default:
    seterr(ps, "unknown protocol prefix '%c:' (expected T:, U: or S:)", p[0]);
    return NULL;
  }
  *seen = 1;
  return skipblank(p + 2);
}

static int run(struct parser *ps, const char *spec) {
  const char *p = skipblank(spec), *tok, *open = NULL, *start;
  unsigned protos = ALL_PROTOS;
  int bracket = 0, seen, opened, rc;
  size_t len;

  if (*p == '\0') {
    seterr(ps, "empty port list");
    return -EINVAL;
  }
  for (;;) {
    start = p;
    opened = 0;
    /* A prefix and a '[' may come in either order ("T:[80]", "[T:80]"). */
    for (;;) {
      p = prefix(ps, p, &protos, &seen);
      if (p == NULL) return -EINVAL;
      if (seen) opened |= SAW_PREFIX;
      if (*p != '[') break;
      if (bracket) {
        seterr(ps, "nested '[' in port list at '%.*s%s'",
               QUOTED(p, strlen(p)));
        return -EINVAL;
      }
      bracket = 1;
      open = p;
      opened |= OPENED_BRACKET;
      p = skipblank(p + 1);
    }
    tok = p;
    len = strcspn(p, ",[] \t");
    if (len > 0) {
      rc = entry(ps, tok, len, protos, bracket);
      if (rc < 0) return rc;
    } else if ((opened & OPENED_BRACKET) && *p == ']') {
      seterr(ps, "empty '[]' in port list");
      return -EINVAL;
    } else if (opened == 0 && *p != '\0') {
      seterr(ps, "empty entry in port list at '%.*s%s'",
             QUOTED(start, strlen(start)));
      return -EINVAL;
    }
    p = skipblank(p + len);
    if (*p == ']') {
      if (!bracket) {
        seterr(ps, "unexpected ']' in port list at '%.*s%s'",
               QUOTED(start, strlen(start)));
        return -EINVAL;
      }
      bracket = 0;
      p = skipblank(p + 1);
    }
    if (*p == '\0') break;
    if (*p != ',') {
      seterr(ps, "unexpected '%c' in port list at '%.*s%s'", *p,
             QUOTED(start, strlen(start)));
      return -EINVAL;
    }
    p = skipblank(p + 1);
    if (*p == '\0') break; /* One trailing comma, as Nmap allows. */
  }
  if (bracket) {
    seterr(ps, "unclosed '[' in port list at '%.*s%s'",
           QUOTED(open, strlen(open)));
    return -EINVAL;
  }
  return 0;
}

/* The ports set in the bitmap 'b', ascending, written to 'out' unless it
 * is NULL; returns how many. Zero words are skipped 64 ports at a time. */
static size_t bitmap_ports(const uint8_t *b, uint16_t *out) {
  size_t n = 0, w, j;
  uint64_t word;

  for (w = 0; w < NPORTS / 8; w += sizeof word) {
    memcpy(&word, b + w, sizeof word);
    if (word == 0) continue;
    for (j = w; j < w + sizeof word; j++) {
      unsigned byte = b[j];
      while (byte) {
        if (out) out[n] = (uint16_t)(j * 8 + (unsigned)__builtin_ctz(byte));
        n++;
        byte &= byte - 1;
      }
    }
  }
  return n;
}

/* Moves the bitmaps of 'ps' into 'pl', replacing its arrays. */
static int collect(struct parser *ps, struct nsx_portlist *pl) {
  struct nsx_portlist out;
  unsigned proto;
  size_t n;

  nsx_portlist_init(&out);
  for (proto = 0; proto < NSX_PROTO_COUNT; proto++) {
    const uint8_t *b = ps->bits + (size_t)proto * (NPORTS / 8);
    n = bitmap_ports(b, NULL);
    if (n == 0) continue;
    out.ports[proto] = malloc(n * sizeof(uint16_t));
    if (out.ports[proto] == NULL) {
      nsx_portlist_free(&out);
      return -ENOMEM;
    }
    out.n[proto] = bitmap_ports(b, out.ports[proto]);
  }
  nsx_portlist_free(pl);
  *pl = out;
  return 0;
}

void nsx_portlist_init(struct nsx_portlist *pl) {
  memset(pl, 0, sizeof *pl);
}

void nsx_portlist_free(struct nsx_portlist *pl) {
  unsigned proto;

  for (proto = 0; proto < NSX_PROTO_COUNT; proto++) free(pl->ports[proto]);
  nsx_portlist_init(pl);
}

int nsx_portspec_parse(const char *spec, const struct nsx_services *svc,
                       struct nsx_portlist *pl, char *err, size_t errlen) {
  struct parser ps;
  unsigned proto;
  int rc = -ENOMEM;

  memset(&ps, 0, sizeof ps);
  ps.svc = svc;
  ps.err = err;
  ps.errlen = errlen;
  if (spec == NULL) spec = "";
  ps.bits = calloc(NSX_PROTO_COUNT, NPORTS / 8);
  ps.buf = malloc(NPORTS * sizeof *ps.buf);
  if (ps.bits == NULL || ps.buf == NULL) goto done;
  rc = run(&ps, spec);
  if (rc == 0) rc = collect(&ps, pl);

done:
  if (rc == -ENOMEM) seterr(&ps, "out of memory");
  for (proto = 0; proto < NSX_PROTO_COUNT; proto++) free(ps.known[proto]);
  free(ps.buf);
  free(ps.bits);
  return rc;
}

static int find(const uint16_t *v, size_t n, unsigned port) {
  size_t lo = 0, hi = n;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (v[mid] < port)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && v[lo] == port;
}

int nsx_portlist_has(const struct nsx_portlist *pl, enum nsx_proto proto,
                          unsigned port) {
  if ((unsigned)proto >= NSX_PROTO_COUNT) return 0;
  return find(pl->ports[proto], pl->n[proto], port);
}

void nsx_portlist_subtract(struct nsx_portlist *pl,
                           const struct nsx_portlist *ex) {
  unsigned proto;
  size_t i, j, k;

  for (proto = 0; proto < NSX_PROTO_COUNT; proto++) {
    const uint16_t *e = ex->ports[proto];
    uint16_t *v = pl->ports[proto];
    /* Both are sorted: one merge-like pass, compacting in place. */
    for (i = 0, j = 0, k = 0; i < pl->n[proto]; i++) {
      while (j < ex->n[proto] && e[j] < v[i]) j++;
      if (j < ex->n[proto] && e[j] == v[i]) continue;
      v[k++] = v[i];
    }
    pl->n[proto] = k;
    if (k == 0) {
      free(pl->ports[proto]);
      pl->ports[proto] = NULL;
    }
  }
}

int nsx_portlist_top(struct nsx_portlist *pl, const struct nsx_services *svc,
                     size_t n, const struct nsx_portlist *within,
                     const struct nsx_portlist *exclude) {
  struct nsx_portlist out;
  uint16_t *rank = NULL;
  uint8_t *seen;
  size_t count, i, k;
  unsigned proto;

  nsx_portlist_init(&out);
  for (proto = 0; proto < NSX_PROTO_COUNT; proto++) {
    count = nsx_services_count(svc, (enum nsx_proto)proto);
    if (count == 0 || n == 0) continue;
    rank = malloc(count * sizeof *rank);
    if (rank == NULL) goto fail;
    count = nsx_services_top(svc, (enum nsx_proto)proto, count, rank);
    if (count == 0) goto fail;  /* out of memory for the ranking */
    for (i = 0, k = 0; i < count && k < n; i++) {
      if (within && !find(within->ports[proto], within->n[proto], rank[i]))
        continue;
      if (exclude && find(exclude->ports[proto], exclude->n[proto], rank[i]))
        continue;
      rank[k++] = rank[i];
    }
    if (k == 0) {
      free(rank);
      continue;
    }
    out.ports[proto] = rank;
    out.n[proto] = k;
    rank = NULL;
  }
  /* Back to port order: the ranking served only to choose. A bitmap pass
   * costs the same for any count, which suits --top-ports 65535 too. */
  seen = malloc(NPORTS / 8);
  if (seen == NULL) goto fail;
  for (proto = 0; proto < NSX_PROTO_COUNT; proto++) {
    uint16_t *v = out.ports[proto];
    if (out.n[proto] < 2) continue;
    memset(seen, 0, NPORTS / 8);
    for (i = 0; i < out.n[proto]; i++)
      seen[v[i] >> 3] |= (uint8_t)(1u << (v[i] & 7));
    bitmap_ports(seen, v);
  }
  free(seen);
  nsx_portlist_free(pl);
  *pl = out;
  return 0;

fail:
  free(rank);
  nsx_portlist_free(&out);
  return -ENOMEM;
}

int nsx_portspec_select(struct nsx_portlist *pl, const char *ports,
                        const char *exclude, size_t top,
                        const struct nsx_services *svc, char *err,
                        size_t errlen) {
  struct nsx_portlist want, ex;
  char msg[256];
  int rc = 0;

  nsx_portlist_init(&want);
  nsx_portlist_init(&ex);
  if (ports != NULL) {
    rc = nsx_portspec_parse(ports, svc, &want, msg, sizeof msg);
    if (rc < 0) {
      snprintf(err, errlen, "-p: %s", msg);
      goto done;
    }
  }
  if (exclude != NULL) {
    rc = nsx_portspec_parse(exclude, svc, &ex, msg, sizeof msg);
    if (rc < 0) {
      snprintf(err, errlen, "--exclude-ports: %s", msg);
      goto done;
    }
  }
  if (top > 0 || ports == NULL) {
    if (top == 0) top = NSX_PORTLIST_DEFAULT_TOP;
    if (svc == NULL) {
      snprintf(err, errlen, "choosing the top %zu ports needs nmap-services",
               top);
      rc = -EINVAL;
      goto done;
    }
    rc = nsx_portlist_top(&want, svc, top, ports ? &want : NULL, &ex);
  } else {
    nsx_portlist_subtract(&want, &ex);
  }
  if (rc == -ENOMEM) snprintf(err, errlen, "out of memory");
  if (rc == 0) {
    nsx_portlist_free(pl);
    *pl = want;
    nsx_portlist_init(&want);
  }

done:
  nsx_portlist_free(&ex);
  nsx_portlist_free(&want);
  return rc;
}

size_t nsx_portlist_format(const struct nsx_portlist *pl, enum nsx_proto proto,
                           char *buf, size_t len) {
  const uint16_t *v;
  size_t i, j, n, total = 0;
  char piece[16];
  int k;

  if (len > 0) buf[0] = '\0';
  if ((unsigned)proto >= NSX_PROTO_COUNT) return 0;
  v = pl->ports[proto];
  n = pl->n[proto];
  for (i = 0; i < n; i = j + 1) {
    for (j = i; j + 1 < n && v[j + 1] == v[j] + 1; j++) continue;
    if (j == i)
      k = snprintf(piece, sizeof piece, "%s%u", i ? "," : "", v[i]);
    else
      k = snprintf(piece, sizeof piece, "%s%u-%u", i ? "," : "", v[i], v[j]);
    if (total + (size_t)k < len) memcpy(buf + total, piece, (size_t)k + 1);
    else if (total < len) {
      memcpy(buf + total, piece, len - total - 1);
      buf[len - 1] = '\0';
    }
    total += (size_t)k;
  }
  return total;
}
