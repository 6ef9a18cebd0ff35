/* Target expressions and exclusion sets. An IPv4 expression is held as one
 * 256-bit set per octet (a CIDR block is such a product too), an IPv6 one
 * as a first and last address; both are walked lazily. Exclusions are
 * stored as sorted address intervals. DNS is left to the caller. */
#include "target/hostspec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUOTE_MAX 60      /* longest piece of input quoted in a message */
#define NAME_MAX_LEN 253  /* longest DNS name, without the trailing dot */
#define LABEL_MAX_LEN 63
#define GRID_INTERVALS 4096

enum kind { KIND_V4, KIND_V6, KIND_NAME };

/* The IPv4 addresses a.b.c.d with each octet in its set. */
struct octets {
  uint8_t bits[4][32];
};

struct nsx_hostspec {
  enum kind kind; /* KIND_NAME until resolved, then KIND_V4 or KIND_V6 */
  int prefix;     /* "/n", or -1 */
  char *name;
  int done;
  /* KIND_V4: the sets, and each as an ascending list with a cursor. */
  struct octets set;
  uint8_t vals[4][256];
  uint16_t nvals[4];
  uint16_t pos[4];
  /* KIND_V6: big-endian bounds of the block and the cursor. */
  uint8_t first[16], last[16], cur[16];
  uint32_t scope;
};

static int isdigit_(int c) { return c >= '0' && c <= '9'; }

static int isalnum_(int c) {
  return isdigit_(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Writes "invalid target 'TEXT': WHY" to 'err' and returns NULL. */
static void *fail(char *err, size_t errlen, const char *text,
                  const char *fmt, ...) {
  size_t len = strlen(text), used;
  va_list ap;

  if (err == NULL || errlen == 0) return NULL;
  snprintf(err, errlen, "invalid target '%.*s%s': ",
           (int)(len > QUOTE_MAX ? QUOTE_MAX : len), text,
           len > QUOTE_MAX ? "..." : "");
  used = strlen(err);
  if (used + 1 < errlen) {
    va_start(ap, fmt);
    vsnprintf(err + used, errlen - used, fmt, ap);
    va_end(ap);
  }
  return NULL;
}

static int has(const uint8_t *bits, unsigned v) {
  return (bits[v >> 3] >> (v & 7)) & 1;
}

static void put(uint8_t *bits, unsigned v) {
  bits[v >> 3] |= (uint8_t)(1u << (v & 7));
}

static int full(const uint8_t *bits) {
  unsigned i;

  for (i = 0; i < 32; i++)
    if (bits[i] != 0xff) return 0;
  return 1;
}

/* Reads one octet number at '*s', storing it in '*v'. */
static int octet_number(const char **s, const char *end, unsigned *v,
                        char *why, size_t whylen) {
  const char *p = *s;
  unsigned long n = 0;

  while (p < end && isdigit_((unsigned char)*p)) {
    if (n <= 255) n = n * 10 + (unsigned long)(*p - '0');
    p++;
  }
  if (n > 255) {
    snprintf(why, whylen, "octet '%.*s' out of range (0-255)",
             (int)(p - *s > 12 ? 12 : p - *s), *s);
    return -1;
  }
  *v = (unsigned)n;
  *s = p;
  return 0;
}

/* Parses the four octet sets of [s, end), which holds only digits, dots,
 * commas, '-' and '*'. */
static int parse_v4(const char *s, const char *end, struct octets *o,
                    char *why, size_t whylen) {
  unsigned i = 0, lo, hi, v;

  memset(o, 0, sizeof *o);
  for (;;) {
    if (i == 4) {
      snprintf(why, whylen, "more than 4 octets");
      return -1;
    }
    for (;;) {
      int haslo = 0, dash = 0;
      lo = 0;
      hi = 255;
      if (s < end && *s == '*') {
        s++;
      } else {
        if (s < end && isdigit_((unsigned char)*s)) {
          if (octet_number(&s, end, &lo, why, whylen) < 0) return -1;
          haslo = 1;
        }
        if (s < end && *s == '-') {
          dash = 1;
          s++;
          if (s < end && isdigit_((unsigned char)*s) &&
              octet_number(&s, end, &hi, why, whylen) < 0)
            return -1;
        }
        if (!haslo && !dash) {
          snprintf(why, whylen, "empty entry in octet %u", i + 1);
          return -1;
        }
        if (!dash) hi = lo;
        if (lo > hi) {
          snprintf(why, whylen, "octet range %u-%u is backwards", lo, hi);
          return -1;
        }
      }
      for (v = lo; v <= hi; v++) put(o->bits[i], v);
      if (s < end && *s == ',') {
        s++;
        continue;
      }
      break;
    }
    i++;
    if (s == end) break;
    if (*s != '.') {
      snprintf(why, whylen, "unexpected '%c' in octet %u", *s, i);
      return -1;
    }
    s++;
  }
  if (i < 4) {
    snprintf(why, whylen, "IPv4 address needs 4 octets, found %u", i);
    return -1;
  }
  return 0;
}

/* Widens every address to its /bits block: in each octet the mask cuts
 * into, a value v brings in all of (v & m) .. (v | ~m). */
static void widen(struct octets *o, unsigned bits) {
  uint8_t base[32], out[32];
  unsigned i, v, m;
  int k;

  for (i = 0; i < 4; i++) {
    k = (int)bits - 8 * (int)i;
    if (k >= 8) continue;
    m = k <= 0 ? 0 : (0xffu << (8 - k)) & 0xff;
    memset(base, 0, sizeof base);
    memset(out, 0, sizeof out);
    for (v = 0; v < 256; v++)
      if (has(o->bits[i], v)) put(base, v & m);
    for (v = 0; v < 256; v++)
      if (has(base, v & m)) put(out, v);
    memcpy(o->bits[i], out, sizeof out);
  }
}

/* Makes the value lists from the sets and starts over. */
static void start_v4(struct nsx_hostspec *spec) {
  unsigned i, v;

  /* Empty runs of 64 values are skipped whole: a lone address (every
   * ADDR:PORT line of a long input list) has one value per octet. */
  for (i = 0; i < 4; i++) {
    spec->nvals[i] = 0;
    for (v = 0; v < 256; v += 64) {
      uint64_t word;
      memcpy(&word, &spec->set.bits[i][v >> 3], sizeof word);
      if (word == 0) continue;          /* 64 values at once */
      for (unsigned b = v; b < v + 64; b += 8) {
        unsigned byte = spec->set.bits[i][b >> 3], k;
        for (k = 0; byte != 0; k++, byte >>= 1)
          if (byte & 1) spec->vals[i][spec->nvals[i]++] = (uint8_t)(b + k);
      }
    }
  }
  spec->kind = KIND_V4;
  nsx_hostspec_rewind(spec);
}

/* Sets the IPv6 block of 'addr' /bits and starts over. */
static void start_v6(struct nsx_hostspec *spec, const uint8_t *addr,
                     unsigned bits, uint32_t scope) {
  unsigned i;

  for (i = 0; i < 16; i++) {
    int k = (int)bits - 8 * (int)i;
    uint8_t m = k >= 8 ? 0xff : k <= 0 ? 0 : (uint8_t)(0xff << (8 - k));
    spec->first[i] = addr[i] & m;
    spec->last[i] = addr[i] | (uint8_t)~m;
  }
  spec->scope = scope;
  spec->kind = KIND_V6;
  nsx_hostspec_rewind(spec);
}

static int parse_v6(struct nsx_hostspec *spec, const char *s, size_t len,
                    unsigned bits, char *why, size_t whylen) {
  char buf[INET6_ADDRSTRLEN], zone[IF_NAMESIZE];
  const char *pct = memchr(s, '%', len);
  size_t alen = pct ? (size_t)(pct - s) : len, zlen;
  uint8_t addr[16];
  unsigned long scope = 0;

  if (alen >= sizeof buf) {
    snprintf(why, whylen, "IPv6 address too long");
    return -1;
  }
  memcpy(buf, s, alen);
  buf[alen] = '\0';
  if (inet_pton(AF_INET6, buf, addr) != 1) {
    snprintf(why, whylen, "not a valid IPv6 address");
    return -1;
  }
  if (pct != NULL) {
    zlen = len - alen - 1;
    if (zlen == 0 || zlen >= sizeof zone) {
      snprintf(why, whylen, zlen ? "zone too long" : "empty zone after '%%'");
      return -1;
    }
    memcpy(zone, pct + 1, zlen);
    zone[zlen] = '\0';
    if (strspn(zone, "0123456789") == zlen) {
      for (size_t i = 0; i < zlen && scope <= UINT32_MAX; i++)
        scope = scope * 10 + (unsigned long)(zone[i] - '0');
    } else {
      scope = if_nametoindex(zone);
      if (scope == 0) {
        snprintf(why, whylen, "unknown interface '%s' in zone", zone);
        return -1;
      }
    }
    if (scope > UINT32_MAX) {
      snprintf(why, whylen, "zone number '%s' out of range", zone);
      return -1;
    }
  }
  start_v6(spec, addr, bits, (uint32_t)scope);
  return 0;
}

static int check_name(const char *s, size_t len, char *why, size_t whylen) {
  size_t i, label = 0;

  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '.') {
      if (label == 0) {
        snprintf(why, whylen, "empty label in hostname");
        return -1;
      }
      label = 0;
    } else if (isalnum_(c) || c == '-' || c == '_') {
      if (++label > LABEL_MAX_LEN) {
        snprintf(why, whylen, "hostname label longer than %d characters",
                 LABEL_MAX_LEN);
        return -1;
      }
    } else if (c >= ' ' && c < 0x7f) {
      snprintf(why, whylen, "invalid character '%c' in hostname", c);
      return -1;
    } else {
      snprintf(why, whylen, "invalid character 0x%02x in hostname", c);
      return -1;
    }
  }
  if (len - (s[len - 1] == '.') > NAME_MAX_LEN) {
    snprintf(why, whylen, "hostname longer than %d characters", NAME_MAX_LEN);
    return -1;
  }
  return 0;
}

struct nsx_hostspec *nsx_hostspec_parse(const char *text, char *err,
                                        size_t errlen) {
  struct nsx_hostspec *spec;
  const char *slash;
  size_t len, i;
  enum kind kind;
  unsigned max, bits;
  char why[128];

  if (text == NULL || *text == '\0') {
    if (err && errlen) snprintf(err, errlen, "empty target");
    return NULL;
  }
  slash = strchr(text, '/');
  len = slash ? (size_t)(slash - text) : strlen(text);
  if (len == 0) return fail(err, errlen, text, "missing address before '/'");
  if (memchr(text, ':', len) != NULL) {
    kind = KIND_V6;
    max = 128;
  } else if (strspn(text, "0123456789.,-*") >= len) {
    kind = KIND_V4;
    max = 32;
  } else {
    kind = KIND_NAME;
    max = 128;
  }
  bits = max;
  if (slash != NULL) {
    unsigned long n = 0;
    const char *p = slash + 1;
    if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
      return fail(err, errlen, text, "invalid prefix length '/%.12s'", p);
    for (; *p && n <= max; p++) n = n * 10 + (unsigned long)(*p - '0');
    if (n > max)
      return fail(err, errlen, text, "prefix length '/%.12s' out of range "
                  "(0-%u)", slash + 1, max);
    bits = (unsigned)n;
  }
  spec = calloc(1, sizeof *spec);
  if (spec == NULL) return fail(err, errlen, text, "out of memory");
  spec->kind = kind;
  spec->prefix = slash ? (int)bits : -1;
  why[0] = '\0';
  switch (kind) {
  case KIND_V4:
    if (parse_v4(text, text + len, &spec->set, why, sizeof why) < 0) break;
    widen(&spec->set, bits);
    start_v4(spec);
    return spec;
  case KIND_V6:
    if (parse_v6(spec, text, len, bits, why, sizeof why) < 0) break;
    return spec;
  case KIND_NAME:
    if (check_name(text, len, why, sizeof why) < 0) break;
    spec->name = malloc(len + 1);
    if (spec->name == NULL) {
      snprintf(why, sizeof why, "out of memory");
      break;
    }
    for (i = 0; i < len; i++) spec->name[i] = text[i];
    spec->name[len] = '\0';
    return spec;
  }
  nsx_hostspec_free(spec);
  return fail(err, errlen, text, "%s", why);
}

const char *nsx_hostspec_name(const struct nsx_hostspec *spec) {
  return spec->name;
}

int nsx_hostspec_prefix(const struct nsx_hostspec *spec) {
  return spec->prefix;
}

int nsx_hostspec_resolved(struct nsx_hostspec *spec,
                          const struct sockaddr *addr) {
  if (spec->name == NULL) return -EINVAL;
  if (addr->sa_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
    const uint8_t *b = (const uint8_t *)&sin->sin_addr;
    unsigned i;
    if (spec->prefix > 32) return -EINVAL;
    memset(&spec->set, 0, sizeof spec->set);
    for (i = 0; i < 4; i++) put(spec->set.bits[i], b[i]);
    widen(&spec->set, spec->prefix < 0 ? 32 : (unsigned)spec->prefix);
    start_v4(spec);
    return 0;
  }
  if (addr->sa_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
    start_v6(spec, sin6->sin6_addr.s6_addr,
             spec->prefix < 0 ? 128 : (unsigned)spec->prefix,
             sin6->sin6_scope_id);
    return 0;
  }
  return -EAFNOSUPPORT;
}

int nsx_hostspec_next(struct nsx_hostspec *spec, struct sockaddr_storage *out) {
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
  int i;

  if (spec->kind == KIND_NAME) return -EAGAIN;
  if (spec->done) return 0;
  memset(out, 0, sizeof *out);
  if (spec->kind == KIND_V4) {
    struct sockaddr_in *sin = (struct sockaddr_in *)out;
    uint8_t *b = (uint8_t *)&sin->sin_addr;
    sin->sin_family = AF_INET;
    for (i = 0; i < 4; i++) b[i] = spec->vals[i][spec->pos[i]];
    /* An odometer: the last octet turns fastest. */
    for (i = 3; i >= 0; i--) {
      if (++spec->pos[i] < spec->nvals[i]) break;
      spec->pos[i] = 0;
    }
    spec->done = i < 0;
    return 1;
  }
  sin6->sin6_family = AF_INET6;
  sin6->sin6_scope_id = spec->scope;
  memcpy(sin6->sin6_addr.s6_addr, spec->cur, 16);
  if (memcmp(spec->cur, spec->last, 16) == 0) {
    spec->done = 1;
  } else {
    for (i = 15; i >= 0 && ++spec->cur[i] == 0; i--) continue;
  }
  return 1;
}

void nsx_hostspec_rewind(struct nsx_hostspec *spec) {
  memset(spec->pos, 0, sizeof spec->pos);
  memcpy(spec->cur, spec->first, 16);
  spec->done = 0;
}

/* 2^n, saturating. */
static uint64_t power2(unsigned n) {
  return n >= 64 ? UINT64_MAX : (uint64_t)1 << n;
}

uint64_t nsx_hostspec_count(const struct nsx_hostspec *spec) {
  uint64_t n = 1;
  unsigned i, k;

  switch (spec->kind) {
  case KIND_NAME:
    if (spec->prefix < 0) return 1;
    if (spec->prefix <= 32) return power2(32 - (unsigned)spec->prefix);
    return power2(128 - (unsigned)spec->prefix);
  case KIND_V4:
    for (i = 0; i < 4; i++) n *= spec->nvals[i];
    return n;
  case KIND_V6:
    /* The block is first..last with the low k bits free. */
    for (k = 0; k < 128; k++) {
      unsigned byte = 15 - k / 8, bit = k % 8;
      if (((spec->first[byte] ^ spec->last[byte]) >> bit & 1) == 0) break;
    }
    return power2(k);
  }
  return 0;
}

void nsx_hostspec_free(struct nsx_hostspec *spec) {
  if (spec == NULL) return;
  free(spec->name);
  free(spec);
}

/* An exclusion set keeps closed intervals of 128-bit big-endian keys (an
 * IPv4 address is the last 4 bytes), one store per family. Each store is a
 * stack of sorted runs of disjoint intervals whose sizes grow like the
 * bits of a binary counter: an add pushes a run of one and merges equal
 * levels, so adds cost O(log n) amortized and a match does one binary
 * search per run, with no sorting step between adding and matching. */
struct ival {
  uint8_t lo[16], hi[16];
};

struct run {
  struct ival *v;
  size_t n;
  unsigned level;
};

struct store {
  struct run runs[64];
  unsigned nruns;
};

struct nsx_exclude {
  struct store fam[2]; /* 0: IPv4, 1: IPv6 */
  struct octets *grids; /* IPv4 expressions kept as octet sets */
  size_t ngrids, capgrids;
};

/* Appends 'iv' to 'r', whose last interval starts no later than 'iv',
 * joining the two if they overlap or touch. */
static void append(struct run *r, const struct ival *iv) {
  struct ival *last;
  uint8_t next[16];
  int i;

  if (r->n > 0) {
    last = &r->v[r->n - 1];
    memcpy(next, last->hi, 16);
    for (i = 15; i >= 0 && ++next[i] == 0; i--) continue;
    /* i < 0: 'last' reaches the top of the space and covers 'iv'. */
    if (i < 0 || memcmp(iv->lo, next, 16) <= 0) {
      if (i >= 0 && memcmp(iv->hi, last->hi, 16) > 0)
        memcpy(last->hi, iv->hi, 16);
      return;
    }
  }
  r->v[r->n++] = *iv;
}

static int store_add(struct store *st, const struct ival *iv) {
  struct run r, m;
  size_t i, j;

  r.v = malloc(sizeof *r.v);
  if (r.v == NULL) return -ENOMEM;
  r.v[0] = *iv;
  r.n = 1;
  r.level = 0;
  while (st->nruns > 0 && st->runs[st->nruns - 1].level == r.level) {
    struct run *a = &st->runs[st->nruns - 1];
    m.v = malloc((a->n + r.n) * sizeof *m.v);
    if (m.v == NULL) {
      free(r.v);
      return -ENOMEM;
    }
    m.n = 0;
    m.level = r.level + 1;
    for (i = 0, j = 0; i < a->n || j < r.n;) {
      if (j == r.n || (i < a->n && memcmp(a->v[i].lo, r.v[j].lo, 16) <= 0))
        append(&m, &a->v[i++]);
      else
        append(&m, &r.v[j++]);
    }
    free(a->v);
    free(r.v);
    st->nruns--;
    r = m;
  }
  st->runs[st->nruns++] = r;
  return 0;
}

static int store_match(const struct store *st, const uint8_t *key) {
  unsigned k;

  for (k = 0; k < st->nruns; k++) {
    const struct run *r = &st->runs[k];
    size_t lo = 0, hi = r->n;
    /* Find the first interval starting above 'key'; the one before it is
     * the only candidate. */
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (memcmp(r->v[mid].lo, key, 16) <= 0)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo > 0 && memcmp(key, r->v[lo - 1].hi, 16) <= 0) return 1;
  }
  return 0;
}

static void key4(uint32_t a, uint8_t *key) {
  memset(key, 0, 12);
  key[12] = (uint8_t)(a >> 24);
  key[13] = (uint8_t)(a >> 16);
  key[14] = (uint8_t)(a >> 8);
  key[15] = (uint8_t)a;
}

static int add_v4_range(struct nsx_exclude *ex, uint32_t lo, uint32_t hi) {
  struct ival iv;

  key4(lo, iv.lo);
  key4(hi, iv.hi);
  return store_add(&ex->fam[0], &iv);
}

/* Adds an IPv4 product of octet sets: as intervals if it breaks into at
 * most GRID_INTERVALS of them, else as a grid that matching tests octet by
 * octet. The intervals: octets after 'j' are full, so each combination of
 * values in octets before 'j', times each contiguous run in octet 'j', is
 * one interval. */
static int add_v4(struct nsx_exclude *ex, const struct octets *o) {
  uint8_t vals[3][256];
  unsigned nvals[3] = {0, 0, 0}, pos[3] = {0, 0, 0}, a, b, v, shift;
  uint64_t pieces = 1, runs = 0;
  uint32_t prefix;
  int j = 3, i, rc;

  while (j >= 0 && full(o->bits[j])) j--;
  if (j < 0) return add_v4_range(ex, 0, UINT32_MAX);
  for (i = 0; i < j; i++) {
    for (v = 0; v < 256; v++)
      if (has(o->bits[i], v)) vals[i][nvals[i]++] = (uint8_t)v;
    pieces *= nvals[i];
  }
  for (v = 0; v < 256; v++)
    runs += has(o->bits[j], v) && (v == 0 || !has(o->bits[j], v - 1));
  if (pieces * runs > GRID_INTERVALS) {
    if (ex->ngrids == ex->capgrids) {
      size_t cap = ex->capgrids ? ex->capgrids * 2 : 8;
      struct octets *g = realloc(ex->grids, cap * sizeof *g);
      if (g == NULL) return -ENOMEM;
      ex->grids = g;
      ex->capgrids = cap;
    }
    ex->grids[ex->ngrids++] = *o;
    return 0;
  }
  shift = 8 * (3 - (unsigned)j);
  for (;;) {
    prefix = 0;
    for (i = 0; i < j; i++)
      prefix |= (uint32_t)vals[i][pos[i]] << (24 - 8 * i);
    for (a = 0; a < 256; a = b + 1) {
      for (; a < 256 && !has(o->bits[j], a); a++) continue;
      if (a == 256) break;
      for (b = a; b + 1 < 256 && has(o->bits[j], b + 1); b++) continue;
      rc = add_v4_range(ex, prefix | a << shift,
                        prefix | b << shift | (uint32_t)((1ull << shift) - 1));
      if (rc < 0) return rc;
    }
    for (i = j - 1; i >= 0; i--) {
      if (++pos[i] < nvals[i]) break;
      pos[i] = 0;
    }
    if (i < 0) return 0;
  }
}

struct nsx_exclude *nsx_exclude_new(void) {
  return calloc(1, sizeof(struct nsx_exclude));
}

int nsx_exclude_add(struct nsx_exclude *ex, const struct nsx_hostspec *spec) {
  struct ival iv;

  switch (spec->kind) {
  case KIND_NAME:
    return -EAGAIN;
  case KIND_V4:
    return add_v4(ex, &spec->set);
  case KIND_V6:
    memcpy(iv.lo, spec->first, 16);
    memcpy(iv.hi, spec->last, 16);
    return store_add(&ex->fam[1], &iv);
  }
  return -EINVAL;
}

int nsx_exclude_add_text(struct nsx_exclude *ex, const char *text, char *err,
                         size_t errlen) {
  struct nsx_hostspec *spec = nsx_hostspec_parse(text, err, errlen);
  int rc;

  if (spec == NULL) return -EINVAL;
  if (spec->kind == KIND_NAME) {
    fail(err, errlen, text, "a hostname must be resolved before it can be "
         "excluded");
    nsx_hostspec_free(spec);
    return -EINVAL;
  }
  rc = nsx_exclude_add(ex, spec);
  if (rc < 0) fail(err, errlen, text, "out of memory");
  nsx_hostspec_free(spec);
  return rc;
}

int nsx_exclude_match(const struct nsx_exclude *ex,
                      const struct sockaddr *addr) {
  uint8_t key[16];
  const uint8_t *b;
  size_t g;

  if (addr->sa_family == AF_INET6) {
    memcpy(key, ((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr, 16);
    return store_match(&ex->fam[1], key);
  }
  if (addr->sa_family != AF_INET) return 0;
  b = (const uint8_t *)&((const struct sockaddr_in *)addr)->sin_addr;
  memset(key, 0, 12);
  memcpy(key + 12, b, 4);
  if (store_match(&ex->fam[0], key)) return 1;
  for (g = 0; g < ex->ngrids; g++)
    if (has(ex->grids[g].bits[0], b[0]) && has(ex->grids[g].bits[1], b[1]) &&
        has(ex->grids[g].bits[2], b[2]) && has(ex->grids[g].bits[3], b[3]))
      return 1;
  return 0;
}

void nsx_exclude_free(struct nsx_exclude *ex) {
  unsigned f, k;

  if (ex == NULL) return;
  for (f = 0; f < 2; f++)
    for (k = 0; k < ex->fam[f].nruns; k++) free(ex->fam[f].runs[k].v);
  free(ex->grids);
  free(ex);
}
