/* -iL input turned into scan items (inputs.c): records of the import
 * readers (src/target/import*.c) grouped into one item per target with its
 * known ports. Nmap XML and lists keep a host's records together, so a
 * target's item ends when the next target begins; masscan scatters a
 * host's ports over the whole run, so its records are gathered in a
 * window of recent targets, and an item leaves the window when it is the
 * least recently seen of too many (a target seen again after that is
 * scanned again: sort masscan output by address to avoid it). */
#ifndef NSX_INPUTS_H
#define NSX_INPUTS_H

#include <stddef.h>
#include <uv.h>

#include "engine/targets.h"
#include "sched/list.h"

/* A target expression and what the input knew about it. */
struct nsx_titem {
  struct nsx_titem *next;        /* on a queue */
  char *expr;
  char *hostname;                /* the name it was given by, or NULL */
  char *ptr;                     /* its reverse DNS name, or NULL */
  struct nsx_known_port *ports;
  size_t nports, cap;
  struct nsx_list lru;           /* inputs.c's window */
  struct nsx_titem *hnext;
  uint64_t hash;
};

/* A new item for 'expr' with no ports; NULL when out of memory. */
struct nsx_titem *nsx_titem_new(const char *expr);
void nsx_titem_free(struct nsx_titem *it);

struct nsx_input;

/* Opens 'path' ("-" = standard input; a pipe or terminal is read without
 * blocking the loop). Returns NULL with a one-line message on failure. */
struct nsx_input *nsx_input_open(uv_loop_t *loop, const char *path,
                                 char *err, size_t errlen);

/* The next item: 1 (the caller owns *out), 0 at the end, -1 while waiting
 * for input. Bad records are reported on stderr and counted. */
int nsx_input_next(struct nsx_input *in, struct nsx_titem **out);

size_t nsx_input_bad(const struct nsx_input *in);
int nsx_input_busy(const struct nsx_input *in);

/* Closes the input; the reason strings of its ports stay valid until
 * then. */
void nsx_input_close(struct nsx_input *in);

#endif
