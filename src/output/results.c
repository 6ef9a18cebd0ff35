/* Result lists (see results.h). */
#include <stdlib.h>
#include <string.h>

#include "output/results.h"

struct nsx_script_result *nsx_results_add(struct nsx_results *rs,
                                          const char *id,
                                          struct nsx_result *res,
                                          enum nsx_result_status status,
                                          uint64_t seq, double elapsed) {
  struct nsx_script_result *r;
  char *idcopy = strdup(id);

  if (!idcopy) goto fail;
  if (rs->n == rs->cap) {
    size_t cap = rs->cap ? rs->cap * 2 : 4;
    void *p = realloc(rs->v, cap * sizeof *rs->v);
    if (!p) goto fail;
    rs->v = p;
    rs->cap = cap;
  }
  r = &rs->v[rs->n++];
  r->id = idcopy;
  r->res = *res;
  memset(res, 0, sizeof *res);
  r->status = status;
  r->error = NULL;
  r->seq = seq;
  r->elapsed = elapsed;
  r->done = 0;
  return r;
fail:
  free(idcopy);
  nsx_result_free(res);
  return NULL;
}

static int cmp(const void *a, const void *b) {
  const struct nsx_script_result *x = a, *y = b;
  int d = strcmp(x->id, y->id);
  if (d) return d;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void nsx_results_sort(struct nsx_results *rs) {
  if (rs->n > 1) qsort(rs->v, rs->n, sizeof *rs->v, cmp);
}

size_t nsx_results_shown(const struct nsx_results *rs, int debug) {
  size_t n = 0;
  for (size_t i = 0; i < rs->n; i++) n += nsx_result_shown(&rs->v[i], debug);
  return n;
}

void nsx_results_free(struct nsx_results *rs) {
  for (size_t i = 0; i < rs->n; i++) {
    free(rs->v[i].id);
    free(rs->v[i].error);
    nsx_result_free(&rs->v[i].res);
  }
  free(rs->v);
  rs->v = NULL;
  rs->n = rs->cap = 0;
}
