/* Faulting the C heap in ahead of use, in batches. A scan that starts
 * thousands of threads touches tens of megabytes of fresh heap, page by
 * page; on a virtual machine each page fault (a trap into the kernel and
 * often out to the hypervisor) costs more than zeroing the page. Once
 * the Lua heap passes a size worth it, glibc is asked to grow the break
 * in steps of megabytes, and every 64 KB of growth a look at the break
 * (no system call) finds each new step soon after it is made: one call
 * (MADV_POPULATE_WRITE) then populates it whole, before malloc and Lua
 * touch more than a few of its pages. Small scans are left alone. */
#ifndef NSX_HEAP_H
#define NSX_HEAP_H

#include <stdint.h>

struct nsx_heap {
  char *done;                    /* populated up to here */
  int64_t next;                  /* Lua heap size of the next look */
  int on;                        /* 0: not supported or turned off */
};

void nsx_heap_init(struct nsx_heap *h);

/* Called with the Lua heap's size when it passes h->next. */
void nsx_heap_grew(struct nsx_heap *h, int64_t mem);

#endif
