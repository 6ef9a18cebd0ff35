/* Dispatch to every writer the user asked for (see out.h). The status
 * line is erased first, so it never mixes with results on a terminal. */
#include <stdlib.h>

#include "engine/progress.h"
#include "output/out.h"

int nsx_out_add(struct nsx_output *o, const struct nsx_writer_ops *ops,
                FILE *f, int own, int screen) {
  struct nsx_writer *w;

  if (o->n == NSX_MAX_WRITERS) return -1;
  w = &o->w[o->n++];
  w->ops = ops;
  w->out = o;
  w->f = f;
  w->own = (unsigned)own;
  w->screen = (unsigned)screen;
  return 0;
}

void nsx_out_begin(struct nsx_output *o, struct nsx_engine *E) {
  nsx_progress_clear();
  for (size_t i = 0; i < o->n; i++) o->w[i].ops->begin(&o->w[i], E);
}

void nsx_out_phase(struct nsx_output *o, struct nsx_engine *E,
                   enum nsx_phase phase, const struct nsx_results *rs) {
  nsx_progress_clear();
  for (size_t i = 0; i < o->n; i++) o->w[i].ops->phase(&o->w[i], E, phase, rs);
}

void nsx_out_host(struct nsx_output *o, struct nsx_engine *E,
                  struct nsx_host *h) {
  nsx_progress_clear();
  for (size_t i = 0; i < o->n; i++) o->w[i].ops->host(&o->w[i], E, h);
}

void nsx_out_end(struct nsx_output *o, struct nsx_engine *E) {
  nsx_progress_clear();
  for (size_t i = 0; i < o->n; i++) o->w[i].ops->end(&o->w[i], E);
}

void nsx_out_close(struct nsx_output *o) {
  for (size_t i = 0; i < o->n; i++)
    if (o->w[i].own) fclose(o->w[i].f);
  o->n = 0;
  free(o->cmdline);
  o->cmdline = NULL;
}
