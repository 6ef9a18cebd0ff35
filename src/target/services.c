/* Loading and querying nmap-services. The whole file is read into one
 * buffer that the table keeps; names are NUL-terminated in place, so a load
 * makes a handful of allocations however long the file is. The frequency
 * ranking behind --top-ports is computed once here, with a radix sort. */
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

static int isblank_(int c) { return c == ' ' || c == '\t' || c == '\r'; }

static char *skipblank(char *p, char *end) {
  while (p < end && isblank_((unsigned char)*p)) p++;
  return p;
}

static char *skipword(char *p, char *end) {
  while (p < end && !isblank_((unsigned char)*p)) p++;
  return p;
}

/* Parses a decimal like "0.000152" filling all of [p, end). */
static int parse_freq(const char *p, const char *end, uint64_t *out) {
  uint64_t whole = 0, frac = 0;
  int digits = 0, fdigits = 0;

  for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
    if (whole > FREQ_SCALE) return -1;
    whole = whole * 10 + (uint64_t)(*p - '0');
  }
  if (p < end && *p == '.') {
    for (p++; p < end && *p >= '0' && *p <= '9'; p++, digits++)
      if (fdigits < FREQ_DIGITS) {
        frac = frac * 10 + (uint64_t)(*p - '0');
        fdigits++;
      }
  }
  if (p != end || digits == 0 || whole > FREQ_SCALE) return -1;
  for (; fdigits < FREQ_DIGITS; fdigits++) frac *= 10;
  *out = whole * FREQ_SCALE + frac;
  return 0;
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

/* Parses the line [p, end) of 'svc->text'. Returns 0 (also for skipped
 * lines) or -1 with the message in 'ld'. */
static int parse_line(struct nsx_services *svc, char *p, char *end,
                      struct loader *ld) {
  char *name, *nameend, *field, *fieldend, *slash, *q;
  unsigned long port = 0;
  uint64_t freq = 0;
  int proto;
  char protoname[8];
  size_t protolen;

  p = skipblank(p, end);
  if (p == end || *p == '#') return 0;
  name = p;
  nameend = skipword(p, end);
  field = skipblank(nameend, end);
  fieldend = skipword(field, end);
  if (field == fieldend || *field == '#') {
    seterr(ld->err, ld->errlen, "%s:%zu: expected 'port/protocol' after "
           "'%.*s'", ld->what, ld->line, (int)(nameend - name), name);
    return -1;
  }
  slash = memchr(field, '/', (size_t)(fieldend - field));
  for (q = field; q < (slash ? slash : fieldend); q++) {
    if (*q < '0' || *q > '9' || port > 65535) break;
    port = port * 10 + (unsigned long)(*q - '0');
  }
  if (slash == NULL || slash == field || q != slash || port > 65535) {
    seterr(ld->err, ld->errlen, "%s:%zu: bad port/protocol '%.*s'",
           ld->what, ld->line, (int)(fieldend - field), field);
    return -1;
  }
  protolen = (size_t)(fieldend - slash - 1);
  if (protolen >= sizeof protoname) return 0;
  memcpy(protoname, slash + 1, protolen);
  protoname[protolen] = '\0';
  proto = nsx_proto_parse(protoname);
  if (proto < 0) return 0; /* Other protocols (ddp, ...) are not ours. */

  field = skipblank(fieldend, end);
  if (field < end && *field != '#') {
    fieldend = skipword(field, end);
    if (parse_freq(field, fieldend, &freq) < 0) {
      seterr(ld->err, ld->errlen, "%s:%zu: bad frequency '%.*s'", ld->what,
             ld->line, (int)(fieldend - field), field);
      return -1;
    }
  }
  *nameend = '\0';
  if (push(&svc->t[proto], (uint16_t)port, (uint32_t)(name - svc->text),
           freq) < 0) {
    seterr(ld->err, ld->errlen, "%s: out of memory", ld->what);
    return -1;
  }
  return 0;
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
  uint32_t *a, *b, *tmp;
  uint64_t max = 0;
  size_t i, count[256];
  unsigned shift;

  t->rank = malloc((t->n ? t->n : 1) * sizeof *t->rank);
  a = malloc((t->n ? t->n : 1) * sizeof *a);
  b = malloc((t->n ? t->n : 1) * sizeof *b);
  if (t->rank == NULL || a == NULL || b == NULL) {
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
  for (i = 0; i < t->n; i++) t->rank[i] = t->v[a[i]].port;
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
  char *p = text, *end = text + len, *nl;
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
    nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL) nl = end;
    ld.line++;
    if (parse_line(svc, p, nl, &ld) < 0) goto fail;
    p = nl + 1;
  }
  for (i = 0; i < NSX_PROTO_COUNT; i++) {
    dedup(&svc->t[i]);
    if (rank(&svc->t[i]) < 0) {
      seterr(err, errlen, "%s: out of memory", what);
      goto fail;
    }
  }
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
  memcpy(out, t->rank, n * sizeof *out);
  return n;
}
