/* -iL input (see inputs.h). A regular file is read with blocking reads
 * (the disk answers at once); anything else, such as masscan piped into
 * nsx, is read through libuv and fed to the reader, so the loop never
 * waits for the producer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "engine/host.h"
#include "engine/inputs.h"
#include "target/import.h"

enum { WINDOW = 4096, BUCKETS = 8192, PIPE_CHUNK = 65536 };

struct reason {
  struct reason *next;
  char text[];
};

struct nsx_input {
  struct nsx_import *imp;
  char *name;
  size_t bad;
  int done;
  struct nsx_titem *ready, *ready_tail;
  struct nsx_titem *cur;         /* consecutive grouping */
  struct nsx_list lru;           /* window grouping, oldest first */
  struct nsx_titem *bucket[BUCKETS];
  size_t nwindow;
  struct reason *reasons;        /* interned reason strings */
  /* Reading a pipe through libuv. */
  int async, reading, eof;
  uv_pipe_t pipe;
  char *pend;                    /* read but not yet fed */
  size_t npend, offpend;
};

struct nsx_titem *nsx_titem_new(const char *expr) {
  struct nsx_titem *it = calloc(1, sizeof *it);
  if (!it) return NULL;
  if (!(it->expr = strdup(expr))) {
    free(it);
    return NULL;
  }
  nsx_list_init(&it->lru);
  return it;
}

void nsx_titem_free(struct nsx_titem *it) {
  if (!it) return;
  for (size_t i = 0; i < it->nports; i++)
    nsx_version_free(it->ports[i].version);
  free(it->ports);
  free(it->expr);
  free(it->hostname);
  free(it->ptr);
  free(it);
}

static const char *intern(struct nsx_input *in, const char *s) {
  struct reason *r;
  size_t n;

  if (!s) return "user-set";
  for (r = in->reasons; r; r = r->next)
    if (strcmp(r->text, s) == 0) return r->text;
  n = strlen(s);
  if (!(r = malloc(sizeof *r + n + 1))) return "user-set";
  memcpy(r->text, s, n + 1);
  r->next = in->reasons;
  in->reasons = r;
  return r->text;
}

static void push_ready(struct nsx_input *in, struct nsx_titem *it) {
  it->next = NULL;
  if (in->ready_tail)
    in->ready_tail->next = it;
  else
    in->ready = it;
  in->ready_tail = it;
}

/* The service fields of a record as a version, or NULL if it has none. */
static struct nsx_version *version_of(const struct nsx_import_service *svc) {
  struct nsx_version v;

  if (!svc->name && !svc->product && !svc->version && !svc->tunnel)
    return NULL;
  memset(&v, 0, sizeof v);
  v.name = (char *)svc->name;
  v.product = (char *)svc->product;
  v.version = (char *)svc->version;
  v.extrainfo = (char *)svc->extrainfo;
  v.hostname = (char *)svc->hostname;
  v.ostype = (char *)svc->ostype;
  v.devicetype = (char *)svc->devicetype;
  v.service_fp = (char *)svc->servicefp;
  v.tunnel_ssl = svc->tunnel && strcmp(svc->tunnel, "ssl") == 0;
  v.cpe = (char **)svc->cpe;
  v.ncpe = svc->ncpe;
  v.probed = svc->method && strcmp(svc->method, "probed") == 0;
  v.conf = svc->conf >= 0 ? svc->conf : (v.probed ? 10 : 3);
  return nsx_version_copy(&v);
}

/* Adds the record's port to an item, once. */
static void add_port(struct nsx_input *in, struct nsx_titem *it,
                     const struct nsx_import_rec *rec) {
  struct nsx_known_port *kp;
  int state = rec->state ? nsx_port_state_parse(rec->state) : NSX_PS_OPEN;

  for (size_t i = 0; i < it->nports; i++)
    if (it->ports[i].number == rec->port && it->ports[i].proto == rec->proto)
      return;
  if (it->nports == it->cap) {
    size_t cap = it->cap ? it->cap * 2 : 4;
    void *p = realloc(it->ports, cap * sizeof *it->ports);
    if (!p) return;
    it->ports = p;
    it->cap = cap;
  }
  kp = &it->ports[it->nports++];
  kp->number = rec->port;
  kp->proto = (uint8_t)rec->proto;
  kp->state = (uint8_t)(state < 0 ? NSX_PS_OPEN : state);
  kp->reason = intern(in, rec->reason);
  kp->version = version_of(&rec->svc);
}

static uint64_t hash_of(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static void window_remove(struct nsx_input *in, struct nsx_titem *it) {
  struct nsx_titem **pp = &in->bucket[it->hash % BUCKETS];
  while (*pp != it) pp = &(*pp)->hnext;
  *pp = it->hnext;
  nsx_list_unlink(&it->lru);
  in->nwindow--;
}

/* The window's item for 'expr', made (evicting the oldest) if needed. */
static struct nsx_titem *window_get(struct nsx_input *in, const char *expr) {
  uint64_t h = hash_of(expr);
  struct nsx_titem *it;

  for (it = in->bucket[h % BUCKETS]; it; it = it->hnext)
    if (it->hash == h && strcmp(it->expr, expr) == 0) {
      nsx_list_unlink(&it->lru);
      nsx_list_insert_tail(&in->lru, &it->lru);
      return it;
    }
  if (in->nwindow == WINDOW) {
    struct nsx_titem *old =
        nsx_list_entry(in->lru.next, struct nsx_titem, lru);
    window_remove(in, old);
    push_ready(in, old);
  }
  if (!(it = nsx_titem_new(expr))) return NULL;
  it->hash = h;
  it->hnext = in->bucket[h % BUCKETS];
  in->bucket[h % BUCKETS] = it;
  nsx_list_insert_tail(&in->lru, &it->lru);
  in->nwindow++;
  return it;
}

/* Every item still gathering goes to the ready queue (end of input). */
static void flush(struct nsx_input *in) {
  if (in->cur) {
    push_ready(in, in->cur);
    in->cur = NULL;
  }
  while (!nsx_list_empty(&in->lru)) {
    struct nsx_titem *it = nsx_list_entry(in->lru.next, struct nsx_titem, lru);
    window_remove(in, it);
    push_ready(in, it);
  }
}

static void set_names(struct nsx_titem *it, const struct nsx_import_rec *rec) {
  if (rec->hostname && !it->hostname) it->hostname = strdup(rec->hostname);
  if (rec->ptr && !it->ptr) it->ptr = strdup(rec->ptr);
}

static void take_record(struct nsx_input *in, const struct nsx_import_rec *rec) {
  struct nsx_titem *it;

  /* Hosts an earlier scan found down are not scanned. */
  if (rec->host_state && strcmp(rec->host_state, "up") != 0) return;
  if (rec->format == NSX_IMPORT_MASSCAN_LIST ||
      rec->format == NSX_IMPORT_JSON) {
    it = window_get(in, rec->target);
  } else if (in->cur && strcmp(in->cur->expr, rec->target) == 0) {
    it = in->cur;
  } else {
    if (in->cur) push_ready(in, in->cur);
    it = in->cur = nsx_titem_new(rec->target);
  }
  if (!it) return;
  set_names(it, rec);
  if (rec->has_port) add_port(in, it, rec);
}

static void on_alloc(uv_handle_t *h, size_t size, uv_buf_t *buf) {
  struct nsx_input *in = h->data;
  (void)size;
  if (!in->pend) in->pend = malloc(PIPE_CHUNK);
  *buf = uv_buf_init(in->pend, in->pend ? PIPE_CHUNK : 0);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  struct nsx_input *in = s->data;

  (void)buf;
  if (n > 0) {
    /* Hold the bytes and stop reading until the reader has taken them. */
    in->npend = (size_t)n;
    in->offpend = 0;
    uv_read_stop(s);
    in->reading = 0;
  } else if (n < 0) {
    if (n != UV_EOF)
      fprintf(stderr, "nsx: -iL %s: %s\n", in->name, uv_strerror((int)n));
    in->eof = 1;
    uv_read_stop(s);
    in->reading = 0;
  }
}

/* Hands waiting bytes to the reader, or asks for more. Returns 1 if the
 * reader may have new input, 0 if it must wait. */
static int feed(struct nsx_input *in) {
  if (in->npend > in->offpend) {
    in->offpend += nsx_import_feed(in->imp, in->pend + in->offpend,
                                   in->npend - in->offpend);
    return 1;
  }
  if (in->eof) {
    nsx_import_feed_end(in->imp);
    return 1;
  }
  if (!in->reading && uv_read_start((uv_stream_t *)&in->pipe, on_alloc,
                                    on_read) == 0)
    in->reading = 1;
  return 0;
}

int nsx_input_next(struct nsx_input *in, struct nsx_titem **out) {
  struct nsx_import_rec rec;
  char err[512];
  int rc;

  for (;;) {
    if (in->ready) {
      *out = in->ready;
      in->ready = in->ready->next;
      if (!in->ready) in->ready_tail = NULL;
      (*out)->next = NULL;
      return 1;
    }
    if (in->done) return 0;
    rc = nsx_import_next(in->imp, &rec, err, sizeof err);
    if (rc == 1) {
      take_record(in, &rec);
    } else if (rc == 0) {
      flush(in);
      in->done = 1;
    } else if (rc == -1) {
      fprintf(stderr, "nsx: -iL %s\n", err);
      in->bad++;
    } else if (!in->async || !feed(in)) {
      /* Waiting for a pipe: release the target being gathered, so a host
       * is not held back while its producer is quiet. */
      if (in->cur) {
        push_ready(in, in->cur);
        in->cur = NULL;
        continue;
      }
      return -1;
    }
  }
}

struct nsx_input *nsx_input_open(uv_loop_t *loop, const char *path,
                                 char *err, size_t errlen) {
  struct nsx_input *in = calloc(1, sizeof *in);
  struct stat st;
  int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : -1;

  if (!in || !(in->name = strdup(strcmp(path, "-") == 0 ? "stdin" : path)))
    goto oom;
  nsx_list_init(&in->lru);
  if (fd < 0 && (stat(path, &st) < 0 || S_ISREG(st.st_mode))) {
    in->imp = nsx_import_open_path(path, NSX_IMPORT_AUTO, err, errlen);
    if (!in->imp) goto fail;
    return in;
  }
  if (fd < 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
    snprintf(err, errlen, "cannot open -iL '%s'", path);
    goto fail;
  }
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    in->imp = nsx_import_open_fd(fd, NSX_IMPORT_AUTO, in->name);
    if (!in->imp) goto oom;
    return in;
  }
  in->async = 1;
  in->imp = nsx_import_new(NSX_IMPORT_AUTO, in->name);
  if (!in->imp || uv_pipe_init(loop, &in->pipe, 0) < 0 ||
      uv_pipe_open(&in->pipe, fd) < 0) {
    snprintf(err, errlen, "cannot read -iL '%s' as a stream", path);
    goto fail;
  }
  in->pipe.data = in;
  return in;
oom:
  snprintf(err, errlen, "out of memory");
fail:
  if (in) {
    nsx_import_close(in->imp);
    free(in->name);
    free(in);
  }
  return NULL;
}

size_t nsx_input_bad(const struct nsx_input *in) {
  return in->bad;
}

int nsx_input_busy(const struct nsx_input *in) {
  return in->reading;
}

static void free_after_close(uv_handle_t *h) {
  struct nsx_input *in = h->data;
  free(in->pend);
  free(in);
}

void nsx_input_close(struct nsx_input *in) {
  struct reason *r, *next;

  if (!in) return;
  flush(in);
  while (in->ready) {
    struct nsx_titem *it = in->ready;
    in->ready = it->next;
    nsx_titem_free(it);
  }
  for (r = in->reasons; r; r = next) {
    next = r->next;
    free(r);
  }
  nsx_import_close(in->imp);
  free(in->name);
  if (in->async) {
    uv_close((uv_handle_t *)&in->pipe, free_after_close);
    return;
  }
  free(in);
}
