/* Loading and querying nmap-services. The whole file is read into one
 * buffer that the table keeps; names are NUL-terminated in place, so a load
 * makes a handful of allocations however long the file is. The frequency
 * ranking behind --top-ports is computed with a radix sort when first
 * asked for. */
#include "target/services.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Frequencies are kept as integers in units of 1e-9: comparing them gives
 * the order Nmap gets from comparing the parsed doubles, and parsing them
 * is much cheaper than strtod. */
#define FREQ_SCALE 1000000000u
#define FREQ_DIGITS 9
#define FILE_LIMIT (64u << 20)

struct entry {
  uint64_t freq;
  uint32_t name; /* offset of the NUL-terminated name in 'text' */
  uint16_t port;
};

struct table {
  struct entry *v; /* ascending port order, one entry per port */
  size_t n, cap;
  uint16_t *rank; /* ports by descending frequency, ties by port */
  int unsorted;   /* set while loading if the file's ports went backwards */
};

struct nsx_services {
  char *text;
  struct table t[NSX_PROTO_COUNT];
};

struct loader {
  const char *what;
  size_t line;
  char *err;
  size_t errlen;
};

static void seterr(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;

  if (err == NULL || errlen == 0) return;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* What a byte is to the parser. The text ends in a NUL and every line in
 * a newline or that NUL, so the scanning loops need no bounds check: they
 * stop at a byte of another class. A NUL inside the text is part of a
 * word, as any other byte that is not blank. */
enum { C_WORD, C_BLANK, C_STOP };
static const unsigned char cls[256] = {
  [' '] = C_BLANK, ['\t'] = C_BLANK, ['\r'] = C_BLANK,
  ['\n'] = C_STOP, ['\0'] = C_STOP,
};

static char *skipblank(char *p) {
  while (cls[(unsigned char)*p] == C_BLANK) p++;
  return p;
}

/* Past the word at 'p'; 'end' is the text's final NUL. */
static char *skipword(char *p, const char *end) {
  for (;;) {
    while (cls[(unsigned char)*p] == C_WORD) p++;
    if (*p != '\0' || p == end) return p;
    p++;
  }
}

static int at_eol(const char *p, const char *end) {
  return *p == '\n' || p == end;
}

/* Parses the decimal ("0.000152") that is the word at 'p'. Returns the
 * word's end, or NULL if the word is not such a number. */
static char *parse_freq(char *p, const char *end, uint64_t *out) {
  uint64_t whole = 0, frac = 0;
  int digits = 0, fdigits = 0;

  for (; *p >= '0' && *p <= '9'; p++, digits++) {
    if (whole > FREQ_SCALE) return NULL;
    whole = whole * 10 + (uint64_t)(*p - '0');
  }
  if (*p == '.') {
    for (p++; *p >= '0' && *p <= '9'; p++, digits++)
      if (fdigits < FREQ_DIGITS) {
        frac = frac * 10 + (uint64_t)(*p - '0');
        fdigits++;
      }
  }
  if (skipword(p, end) != p || digits == 0 || whole > FREQ_SCALE) return NULL;
  for (; fdigits < FREQ_DIGITS; fdigits++) frac *= 10;
  *out = whole * FREQ_SCALE + frac;
  return p;
}

/* The protocol named by [p, end), or -1 for one that is not ours. */
static int proto_of(const char *p, const char *end) {
  size_t n = (size_t)(end - p);

  if (n == 3 && memcmp(p, "tcp", 3) == 0) return NSX_PROTO_TCP;
  if (n == 3 && memcmp(p, "udp", 3) == 0) return NSX_PROTO_UDP;
  if (n == 4 && memcmp(p, "sctp", 4) == 0) return NSX_PROTO_SCTP;
  return -1;
}

static int push(struct table *t, uint16_t port, uint32_t name, uint64_t freq) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 1024;
    struct entry *v = realloc(t->v, cap * sizeof *v);
    if (v == NULL) return -ENOMEM;
    t->v = v;
    t->cap = cap;
  }
  if (t->n > 0 && port <= t->v[t->n - 1].port) t->unsorted = 1;
  t->v[t->n].freq = freq;
  t->v[t->n].name = name;
  t->v[t->n].port = port;
  t->n++;
  return 0;
}

/* Parses the line at 'p' of 'svc->text', whose final NUL is at 'end'.
 * Returns the start of the next line, or NULL with the message in 'ld'.
 * Blank lines, comments and protocols that are not ours are skipped. */
static char *parse_line(struct nsx_services *svc, char *p, const char *end,
                        struct loader *ld) {
  char *name, *nameend, *field, *protoend, *q;
  unsigned long port = 0;
  uint64_t freq = 0;
  int proto;

  p = skipblank(p);
  if (at_eol(p, end) || *p == '#') goto next;
  name = p;
  nameend = skipword(p, end);
  field = skipblank(nameend);
  if (at_eol(field, end) || *field == '#') {
    seterr(ld->err, ld->errlen, "%s:%zu: expected 'port/protocol' after "
           "'%.*s'", ld->what, ld->line, (int)(nameend - name), name);
    return NULL;
  }
  for (q = field; *q >= '0' && *q <= '9' && port <= 65535; q++)
    port = port * 10 + (unsigned long)(*q - '0');
  if (q == field || *q != '/' || port > 65535) {
    seterr(ld->err, ld->errlen, "%s:%zu: bad port/protocol '%.*s'",
           ld->what, ld->line, (int)(skipword(field, end) - field), field);
    return NULL;
  }
  protoend = skipword(q + 1, end);
  proto = proto_of(q + 1, protoend);
  if (proto < 0) goto next; /* Other protocols (ddp, ...) are not ours. */

  p = skipblank(protoend);
  if (!at_eol(p, end) && *p != '#') {
    q = parse_freq(p, end, &freq);
    if (q == NULL) {
      seterr(ld->err, ld->errlen, "%s:%zu: bad frequency '%.*s'", ld->what,
             ld->line, (int)(skipword(p, end) - p), p);
      return NULL;
    }
    p = q;
  }
  if (push(&svc->t[proto], (uint16_t)port, (uint32_t)(name - svc->text),
           freq) < 0) {
    seterr(ld->err, ld->errlen, "%s: out of memory", ld->what);
    return NULL;
  }
  *nameend = '\0';  /* a field follows, so this was a blank */

next:
  if (*p != '\n') p = memchr(p, '\n', (size_t)(end - p));
  return p ? p + 1 : (char *)end;
}

static int cmp_port(const void *a, const void *b) {
  const struct entry *x = a, *y = b;

  if (x->port != y->port) return x->port < y->port ? -1 : 1;
  /* Equal ports keep file order: the earlier entry has the lower name
   * offset. */
  return x->name < y->name ? -1 : x->name > y->name;
}

/* Sorts by port if needed and drops all but the first of each port. */
static void dedup(struct table *t) {
  size_t i, k;

  if (!t->unsorted) return;
  qsort(t->v, t->n, sizeof *t->v, cmp_port);
  for (i = 0, k = 0; i < t->n; i++)
    if (k == 0 || t->v[i].port != t->v[k - 1].port) t->v[k++] = t->v[i];
  t->n = k;
}

/* Builds 't->rank' with a stable LSD radix sort on (max - freq), so equal
 * frequencies stay in port order. */
static int rank(struct table *t) {
  uint16_t *r;
  uint32_t *a, *b, *tmp;
  uint64_t max = 0;
  size_t i, count[256];
  unsigned shift;

  r = malloc((t->n ? t->n : 1) * sizeof *r);
  a = malloc((t->n ? t->n : 1) * sizeof *a);
  b = malloc((t->n ? t->n : 1) * sizeof *b);
  if (r == NULL || a == NULL || b == NULL) {
    free(r);
    free(a);
    free(b);
    return -ENOMEM;
  }
  for (i = 0; i < t->n; i++) {
    a[i] = (uint32_t)i;
    if (t->v[i].freq > max) max = t->v[i].freq;
  }
  for (shift = 0; shift < 64 && (max >> shift) != 0; shift += 8) {
    size_t sum = 0;
    memset(count, 0, sizeof count);
    for (i = 0; i < t->n; i++)
      count[((max - t->v[a[i]].freq) >> shift) & 0xff]++;
    for (i = 0; i < 256; i++) {
      size_t c = count[i];
      count[i] = sum;
      sum += c;
    }
    for (i = 0; i < t->n; i++)
      b[count[((max - t->v[a[i]].freq) >> shift) & 0xff]++] = a[i];
    tmp = a;
    a = b;
    b = tmp;
  }
  for (i = 0; i < t->n; i++) r[i] = t->v[a[i]].port;
  t->rank = r;
  free(a);
  free(b);
  return 0;
}

/* Takes ownership of 'text' (NUL-terminated, 'len' bytes before the NUL)
 * and builds the table from it. */
static struct nsx_services *build(char *text, size_t len, const char *what,
                                  char *err, size_t errlen) {
  struct nsx_services *svc;
  struct loader ld = {what, 0, err, errlen};
  char *p = text, *end = text + len;
  int i;

  if (len > UINT32_MAX) {
    free(text);
    seterr(err, errlen, "%s: file too large", what);
    return NULL;
  }
  svc = calloc(1, sizeof *svc);
  if (svc == NULL) {
    free(text);
    seterr(err, errlen, "%s: out of memory", what);
    return NULL;
  }
  svc->text = text;
  while (p < end) {
    ld.line++;
    p = parse_line(svc, p, end, &ld);
    if (p == NULL) goto fail;
  }
  for (i = 0; i < NSX_PROTO_COUNT; i++) dedup(&svc->t[i]);
  return svc;

fail:
  nsx_services_free(svc);
  return NULL;
}

struct nsx_services *nsx_services_parse(const char *text, size_t len,
                                        const char *what, char *err,
                                        size_t errlen) {
  char *copy = malloc(len + 1);

  if (copy == NULL) {
    seterr(err, errlen, "%s: out of memory", what);
    return NULL;
  }
  memcpy(copy, text, len);
  copy[len] = '\0';
  return build(copy, len, what, err, errlen);
}

struct nsx_services *nsx_services_load(const char *path, char *err,
                                       size_t errlen) {
  struct stat st;
  char *text = NULL;
  size_t len = 0;
  ssize_t got;
  int fd;

  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    seterr(err, errlen, "cannot open '%s': %s", path, strerror(errno));
    return NULL;
  }
  if (fstat(fd, &st) < 0) {
    seterr(err, errlen, "cannot read '%s': %s", path, strerror(errno));
    goto fail;
  }
  if (!S_ISREG(st.st_mode) || (uintmax_t)st.st_size > FILE_LIMIT) {
    seterr(err, errlen, "cannot read '%s': %s", path,
           S_ISREG(st.st_mode) ? "file too large" : "not a regular file");
    goto fail;
  }
  text = malloc((size_t)st.st_size + 1);
  if (text == NULL) {
    seterr(err, errlen, "%s: out of memory", path);
    goto fail;
  }
  /* Read to EOF rather than trusting st_size, which may be stale. */
  while (len < (size_t)st.st_size) {
    got = read(fd, text + len, (size_t)st.st_size - len);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      seterr(err, errlen, "cannot read '%s': %s", path, strerror(errno));
      goto fail;
    }
    if (got == 0) break;
    len += (size_t)got;
  }
  close(fd);
  text[len] = '\0';
  return build(text, len, path, err, errlen);

fail:
  free(text);
  close(fd);
  return NULL;
}

void nsx_services_free(struct nsx_services *svc) {
  int i;

  if (svc == NULL) return;
  for (i = 0; i < NSX_PROTO_COUNT; i++) {
    free(svc->t[i].v);
    free(svc->t[i].rank);
  }
  free(svc->text);
  free(svc);
}

static const struct table *table(const struct nsx_services *svc,
                                 enum nsx_proto proto) {
  if (svc == NULL || (unsigned)proto >= NSX_PROTO_COUNT) return NULL;
  return &svc->t[proto];
}

const char *nsx_services_name(const struct nsx_services *svc, unsigned port,
                              enum nsx_proto proto) {
  const struct table *t = table(svc, proto);
  size_t lo = 0, hi;

  if (t == NULL || port > 65535) return NULL;
  hi = t->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->v[mid].port < port)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < t->n && t->v[lo].port == port) return svc->text + t->v[lo].name;
  return NULL;
}

size_t nsx_services_count(const struct nsx_services *svc,
                          enum nsx_proto proto) {
  const struct table *t = table(svc, proto);

  return t ? t->n : 0;
}

int nsx_services_wildmatch(const char *pattern, const char *name) {
  const char *star = NULL, *resume = NULL;

  /* Greedy matching that backtracks only to the last '*': enough, since
   * an earlier star can never need to absorb more than the last one. */
  while (*name) {
    if (*pattern == '*') {
      star = ++pattern;
      resume = name;
    } else if (*pattern == '?' || *pattern == *name) {
      pattern++;
      name++;
    } else if (star) {
      pattern = star;
      name = ++resume;
    } else {
      return 0;
    }
  }
  while (*pattern == '*') pattern++;
  return *pattern == '\0';
}

size_t nsx_services_lookup(const struct nsx_services *svc,
                           const char *pattern, enum nsx_proto proto,
                           uint16_t *out, size_t max) {
  const struct table *t = table(svc, proto);
  size_t i, k = 0;

  if (t == NULL || pattern == NULL) return 0;
  for (i = 0; i < t->n; i++) {
    if (!nsx_services_wildmatch(pattern, svc->text + t->v[i].name)) continue;
    if (k < max) out[k] = t->v[i].port;
    k++;
  }
  return k;
}

size_t nsx_services_top(const struct nsx_services *svc, enum nsx_proto proto,
                        size_t n, uint16_t *out) {
  const struct table *t = table(svc, proto);

  if (t == NULL) return 0;
  if (n > t->n) n = t->n;
  if (n == 0) return 0;
  /* The ranking is made on first use: a run given its ports never needs
   * it. The table stays logically constant, so the cast is safe. */
  if (t->rank == NULL && rank((struct table *)t) < 0) return 0;
  memcpy(out, t->rank, n * sizeof *out);
  return n;
}
