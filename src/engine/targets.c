/* Where the scan's hosts come from: target expressions from the command
 * line (and later from nmap.add_targets), expanded lazily, with names
 * resolved on libuv's thread pool so the loop never blocks. A bad
 * expression or a name that does not resolve is reported on stderr in one
 * line and skipped; the rest of the scan goes on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/targets.h"
#include "net/addr.h"
#include "net/resolve.h"
#include "target/hostspec.h"

struct nsx_tsource {
  struct nsx_engine *E;
  char **words;                  /* expressions, consumed in order */
  size_t nwords, capwords, next;
  size_t added;                  /* by nmap.add_targets */
  uint64_t expected;             /* addresses in all expressions so far */
  size_t bad;                    /* expressions that gave no host */
  struct nsx_hostspec *cur;      /* the expression being expanded */
  char *cur_name;                /* the name it came from, if any */
  struct sockaddr_storage named; /* the address the name resolved to */
  struct nsx_hostspec *pending;  /* a name being resolved */
  struct nsx_resolve *resolving;
  int resolve_status;
  unsigned resolved : 1;
};

struct nsx_tsource *nsx_tsource_new(struct nsx_engine *E) {
  struct nsx_tsource *ts = calloc(1, sizeof *ts);
  if (ts) ts->E = E;
  return ts;
}

int nsx_tsource_add(struct nsx_tsource *ts, const char *expr) {
  struct nsx_hostspec *hs;
  char *w, err[256];

  if (ts->nwords == ts->capwords) {
    size_t cap = ts->capwords ? ts->capwords * 2 : 16;
    char **p = realloc(ts->words, cap * sizeof *p);
    if (!p) return -1;
    ts->words = p;
    ts->capwords = cap;
  }
  if (!(w = strdup(expr))) return -1;
  ts->words[ts->nwords++] = w;
  /* Counting is cheap (iteration is lazy): it gives the status line its
   * total. A bad expression counts nothing and is reported when reached. */
  if ((hs = nsx_hostspec_parse(expr, err, sizeof err)) != NULL) {
    uint64_t n = nsx_hostspec_count(hs);
    ts->expected = n > UINT64_MAX - ts->expected ? UINT64_MAX
                                                 : ts->expected + n;
    nsx_hostspec_free(hs);
  }
  return 0;
}

uint64_t nsx_tsource_expected(const struct nsx_tsource *ts) {
  return ts->expected;
}

int nsx_tsource_add_new(struct nsx_tsource *ts, const char *expr) {
  char err[256];
  struct nsx_hostspec *hs = nsx_hostspec_parse(expr, err, sizeof err);

  if (!hs) return -1;
  nsx_hostspec_free(hs);
  if (nsx_tsource_add(ts, expr) < 0) return -1;
  ts->added++;
  return 0;
}

size_t nsx_tsource_added(const struct nsx_tsource *ts) {
  return ts->added;
}

size_t nsx_tsource_queued(const struct nsx_tsource *ts) {
  return ts->nwords - ts->next;
}

size_t nsx_tsource_bad(const struct nsx_tsource *ts) {
  return ts->bad;
}

int nsx_tsource_busy(const struct nsx_tsource *ts) {
  return ts->resolving != NULL;
}

static void on_resolved(void *ud, int status, const struct addrinfo *res) {
  struct nsx_tsource *ts = ud;
  ts->resolving = NULL;
  ts->resolved = 1;
  ts->resolve_status = status;
  if (status == 0) {
    memcpy(&ts->named, res->ai_addr, res->ai_addrlen);
    if (nsx_hostspec_resolved(ts->pending, res->ai_addr) < 0)
      ts->resolve_status = UV_EAI_FAMILY;
  }
}

static void drop_cur(struct nsx_tsource *ts) {
  nsx_hostspec_free(ts->cur);
  ts->cur = NULL;
  free(ts->cur_name);
  ts->cur_name = NULL;
}

int nsx_tsource_next(struct nsx_tsource *ts, struct sockaddr_storage *addr,
                     const char **targetname) {
  char err[256];
  int rc;

  for (;;) {
    if (ts->cur) {
      if (nsx_hostspec_next(ts->cur, addr) == 1) {
        /* In "name/24", the name stands for one address of the block. */
        *targetname = ts->cur_name &&
                      nsx_addr_cmp((struct sockaddr *)addr,
                                   (struct sockaddr *)&ts->named) == 0
                          ? ts->cur_name : NULL;
        return 1;
      }
      drop_cur(ts);
    }
    if (ts->resolving) return -1;
    if (ts->resolved) {
      const char *name = nsx_hostspec_name(ts->pending);
      ts->resolved = 0;
      if (ts->resolve_status < 0) {
        fprintf(stderr, "Failed to resolve \"%s\".\n", name);
        ts->bad++;
        nsx_hostspec_free(ts->pending);
      } else {
        ts->cur = ts->pending;
        ts->cur_name = strdup(name);
        nsx_addr_set_port(&ts->named, 0);
      }
      ts->pending = NULL;
      continue;
    }
    if (ts->next == ts->nwords) return 0;
    {
      const char *word = ts->words[ts->next];
      struct nsx_hostspec *hs = nsx_hostspec_parse(word, err, sizeof err);
      free(ts->words[ts->next]);
      ts->words[ts->next++] = NULL;
      if (!hs) {
        fprintf(stderr, "nsx: invalid target: %s\n", err);
        ts->bad++;
        continue;
      }
      if (!nsx_hostspec_name(hs)) {
        ts->cur = hs;
        continue;
      }
      ts->pending = hs;
      ts->resolving = nsx_resolve_start(ts->E->loop, nsx_hostspec_name(hs),
                                        ts->E->opt.family, on_resolved, ts,
                                        &rc);
      if (!ts->resolving) {
        ts->resolved = 1;
        ts->resolve_status = rc;
      }
    }
  }
}

void nsx_tsource_free(struct nsx_tsource *ts) {
  if (!ts) return;
  if (ts->resolving) nsx_resolve_cancel(ts->resolving);
  nsx_hostspec_free(ts->pending);
  drop_cur(ts);
  for (size_t i = ts->next; i < ts->nwords; i++) free(ts->words[i]);
  free(ts->words);
  free(ts);
}
