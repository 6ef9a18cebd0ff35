/* The script results of one host, one port, or one phase, kept until the
 * writers print them: sorted by script id (byte-wise), ties in the order
 * the threads finished. */
#ifndef NSX_RESULTS_H
#define NSX_RESULTS_H

#include <stdint.h>

#include "output/format.h"

enum nsx_result_status {
  NSX_STATUS_OK,
  NSX_STATUS_ERROR,
  NSX_STATUS_TIMEOUT
};

/* A script thread's outcome. Threads that were killed (TIMEOUT) or
 * failed (ERROR) are recorded too, for JSON Lines; Nmap-style outputs show
 * what Nmap shows (see nsx_result_shown). */
struct nsx_script_result {
  char *id;
  struct nsx_result res;
  enum nsx_result_status status;
  char *error;               /* ERROR: the error message, or NULL */
  uint64_t seq;              /* completion order */
  double elapsed;            /* seconds the thread ran for */
  double done;               /* when it ended: seconds since the epoch */
};

struct nsx_results {
  struct nsx_script_result *v;
  size_t n, cap;
};

/* Appends a result, taking over 'res' (left zeroed). Returns the new
 * entry, or NULL when out of memory ('res' is then freed). */
struct nsx_script_result *nsx_results_add(struct nsx_results *rs,
                                          const char *id,
                                          struct nsx_result *res,
                                          enum nsx_result_status status,
                                          uint64_t seq, double elapsed);

void nsx_results_sort(struct nsx_results *rs);

/* Whether normal and XML output show a result, as Nmap would: results,
 * and failures only without -d (Nmap prints its ERROR line then); never
 * threads killed by a timeout. */
static inline int nsx_result_shown(const struct nsx_script_result *r,
                                   int debug) {
  return r->status == NSX_STATUS_OK ||
         (r->status == NSX_STATUS_ERROR && debug == 0);
}

/* How many results of 'rs' nsx_result_shown keeps. */
size_t nsx_results_shown(const struct nsx_results *rs, int debug);
void nsx_results_free(struct nsx_results *rs);

#endif
