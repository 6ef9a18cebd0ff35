/* Where the scan's hosts come from (see targets.h). Items, each a target
 * expression with any known ports, come from a queue (command-line words,
 * nmap.add_targets) and then from -iL inputs; each item's expression is
 * expanded lazily, and names are resolved on libuv's thread pool so the
 * loop never blocks. A bad expression or a name that does not resolve is
 * reported on stderr in one line and skipped; the rest goes on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/host.h"
#include "engine/inputs.h"
#include "engine/targets.h"
#include "net/addr.h"
#include "net/resolve.h"
#include "target/hostspec.h"
#include "target/import.h"

enum { MAX_INPUTS = 8 };

struct nsx_tsource {
  struct nsx_engine *E;
  struct nsx_titem *head, *tail; /* queued items */
  size_t nqueued;
  struct nsx_input *inputs[MAX_INPUTS];
  size_t ninputs, input;         /* the one being read */
  size_t added;                  /* by nmap.add_targets */
  size_t bad;                    /* items that gave no host */
  uint64_t expected;             /* addresses in the queued expressions */
  struct nsx_titem *cur;         /* the item being expanded */
  struct nsx_hostspec *spec;     /* its expression */
  struct sockaddr_storage named; /* the address its name resolved to */
  int named_set;
  struct nsx_resolve *resolving;
  int resolve_status;
  unsigned resolved : 1;
};

struct nsx_tsource *nsx_tsource_new(struct nsx_engine *E) {
  struct nsx_tsource *ts = calloc(1, sizeof *ts);
  if (ts) ts->E = E;
  return ts;
}

static void enqueue(struct nsx_tsource *ts, struct nsx_titem *it) {
  it->next = NULL;
  if (ts->tail)
    ts->tail->next = it;
  else
    ts->head = it;
  ts->tail = it;
  ts->nqueued++;
}

/* An item for a command-line word: "host:port[/proto]" becomes a target
 * with that port known (read by the -iL list reader, so both agree);
 * anything else is a target expression. */
static struct nsx_titem *word_item(const char *word) {
  struct nsx_import *imp;
  struct nsx_import_rec rec;
  struct nsx_titem *it = NULL;
  char err[256];

  if (!strchr(word, ':') || nsx_addr_parse(word, AF_INET6, 0,
                                           &(struct sockaddr_storage){0}) == 0)
    return nsx_titem_new(word);
  if (!(imp = nsx_import_new(NSX_IMPORT_LIST, "target"))) return NULL;
  nsx_import_feed(imp, word, strlen(word));
  nsx_import_feed_end(imp);
  if (nsx_import_next(imp, &rec, err, sizeof err) == 1 && rec.has_port &&
      (it = nsx_titem_new(rec.target))) {
    it->ports = calloc(1, sizeof *it->ports);
    if (it->ports) {
      it->cap = it->nports = 1;
      it->ports[0].number = rec.port;
      it->ports[0].proto = (uint8_t)rec.proto;
      it->ports[0].state = NSX_PS_OPEN;
      it->ports[0].reason = "user-set";
    }
  } else {
    it = nsx_titem_new(word);   /* reported as a bad target when reached */
  }
  nsx_import_close(imp);
  return it;
}

int nsx_tsource_add(struct nsx_tsource *ts, const char *word) {
  struct nsx_titem *it = word_item(word);
  struct nsx_hostspec *hs;
  char err[256];

  if (!it) return -1;
  enqueue(ts, it);
  /* Counting is cheap (iteration is lazy): it gives the status line its
   * total. A bad expression counts nothing and is reported when reached. */
  if ((hs = nsx_hostspec_parse(it->expr, err, sizeof err)) != NULL) {
    uint64_t n = nsx_hostspec_count(hs);
    ts->expected = n > UINT64_MAX - ts->expected ? UINT64_MAX
                                                 : ts->expected + n;
    nsx_hostspec_free(hs);
  }
  return 0;
}

int nsx_tsource_add_file(struct nsx_tsource *ts, const char *path,
                         char *err, size_t errlen) {
  struct nsx_input *in;

  if (ts->ninputs == MAX_INPUTS) {
    snprintf(err, errlen, "too many -iL inputs (at most %d)", MAX_INPUTS);
    return -1;
  }
  if (!(in = nsx_input_open(ts->E->loop, path, err, errlen))) return -1;
  ts->inputs[ts->ninputs++] = in;
  return 0;
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
  return ts->nqueued;
}

size_t nsx_tsource_bad(const struct nsx_tsource *ts) {
  size_t n = ts->bad;
  for (size_t i = 0; i < ts->ninputs; i++) n += nsx_input_bad(ts->inputs[i]);
  return n;
}

uint64_t nsx_tsource_expected(const struct nsx_tsource *ts) {
  return ts->expected;
}

int nsx_tsource_busy(const struct nsx_tsource *ts) {
  if (ts->resolving) return 1;
  return ts->input < ts->ninputs && nsx_input_busy(ts->inputs[ts->input]);
}

static void on_resolved(void *ud, int status, const struct addrinfo *res) {
  struct nsx_tsource *ts = ud;
  ts->resolving = NULL;
  ts->resolved = 1;
  ts->resolve_status = status;
  if (status == 0) {
    memcpy(&ts->named, res->ai_addr, res->ai_addrlen);
    nsx_addr_set_port(&ts->named, 0);
    if (nsx_hostspec_resolved(ts->spec, res->ai_addr) < 0)
      ts->resolve_status = UV_EAI_FAMILY;
  }
}

static void drop_cur(struct nsx_tsource *ts) {
  nsx_hostspec_free(ts->spec);
  ts->spec = NULL;
  nsx_titem_free(ts->cur);
  ts->cur = NULL;
  ts->named_set = 0;
  ts->resolved = 0;
}

/* The next item to expand: queued ones first, then the inputs in order.
 * Returns 1, 0 when there are none, -1 while an input waits. */
static int next_item(struct nsx_tsource *ts, struct nsx_titem **out) {
  if (ts->head) {
    *out = ts->head;
    ts->head = ts->head->next;
    if (!ts->head) ts->tail = NULL;
    ts->nqueued--;
    return 1;
  }
  while (ts->input < ts->ninputs) {
    int rc = nsx_input_next(ts->inputs[ts->input], out);
    if (rc != 0) return rc;
    ts->input++;
  }
  return 0;
}

/* Starts on a new item: parses its expression, and starts resolving it
 * when it is a name. Returns 1 when it can be expanded now, 0 if it was
 * bad (reported), -1 while a name is being resolved. */
static int start_item(struct nsx_tsource *ts, struct nsx_titem *it) {
  char err[256];
  const char *name;
  int rc;

  ts->cur = it;
  if (!(ts->spec = nsx_hostspec_parse(it->expr, err, sizeof err))) {
    fprintf(stderr, "nsx: invalid target: %s\n", err);
    ts->bad++;
    drop_cur(ts);
    return 0;
  }
  if (!(name = nsx_hostspec_name(ts->spec))) return 1;
  ts->resolving = nsx_resolve_start(ts->E->loop, name, ts->E->opt.family,
                                    on_resolved, ts, &rc);
  if (!ts->resolving) {
    ts->resolved = 1;
    ts->resolve_status = rc;
  }
  return -1;
}

int nsx_tsource_next(struct nsx_tsource *ts, struct nsx_target *out) {
  struct nsx_titem *it;
  int rc;

  for (;;) {
    if (ts->resolving) return -1;
    if (ts->resolved) {
      ts->resolved = 0;
      if (ts->resolve_status < 0) {
        fprintf(stderr, "Failed to resolve \"%s\".\n",
                nsx_hostspec_name(ts->spec));
        ts->bad++;
        drop_cur(ts);
        continue;
      }
      ts->named_set = 1;
    }
    if (ts->spec) {
      if (nsx_hostspec_next(ts->spec, &out->addr) == 1) {
        const char *name = nsx_hostspec_name(ts->spec);
        /* In "name/24", the name stands for one address of the block. */
        out->targetname =
            ts->named_set &&
                    nsx_addr_cmp((struct sockaddr *)&out->addr,
                                 (struct sockaddr *)&ts->named) == 0
                ? name
                : ts->cur->hostname;
        out->ptr = ts->cur->ptr;
        out->ports = ts->cur->ports;
        out->nports = ts->cur->nports;
        return 1;
      }
      drop_cur(ts);
    }
    rc = next_item(ts, &it);
    if (rc <= 0) return rc;
    rc = start_item(ts, it);
    if (rc == -1) return -1;
  }
}

void nsx_tsource_free(struct nsx_tsource *ts) {
  if (!ts) return;
  if (ts->resolving) nsx_resolve_cancel(ts->resolving);
  drop_cur(ts);
  while (ts->head) {
    struct nsx_titem *it = ts->head;
    ts->head = it->next;
    nsx_titem_free(it);
  }
  for (size_t i = 0; i < ts->ninputs; i++) nsx_input_close(ts->inputs[i]);
  free(ts);
}
