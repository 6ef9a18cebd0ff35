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

struct nsx_script_result {
  char *id;
  struct nsx_result res;
  enum nsx_result_status status;
  uint64_t seq;              /* completion order */
  double elapsed;            /* seconds the thread ran for */
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
void nsx_results_free(struct nsx_results *rs);

#endif
