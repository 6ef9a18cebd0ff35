/* Prefaulting the heap in batches (see heap.h). */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/heap.h"

enum {
  HEAP_START = 4 << 20,          /* Lua heap size where it begins */
  HEAP_STEP = 64 << 10,          /* growth between two checks */
  HEAP_PAD = 4 << 20             /* glibc's extra room at each brk */
};

void nsx_heap_init(struct nsx_heap *h) {
  h->next = HEAP_START;
  h->done = NULL;
  h->on = 0;
#if defined(MADV_POPULATE_WRITE) && !defined(__SANITIZE_ADDRESS__)
  /* The heap is the brk area from the break at start-up on; with
   * sanitizers the allocator is theirs and lives elsewhere. */
  h->done = sbrk(0);
  h->on = h->done != (char *)-1;
#endif
}

void nsx_heap_grew(struct nsx_heap *h, int64_t mem) {
  h->next = mem + HEAP_STEP;
#ifdef MADV_POPULATE_WRITE
  char *top, *from;
  long page = sysconf(_SC_PAGESIZE);

  if (!h->on) return;
  if (mem < HEAP_START + HEAP_STEP) mallopt(M_TOP_PAD, HEAP_PAD);
  top = sbrk(0);
  if (top == (char *)-1) return;
  if (top < h->done) h->done = top;            /* glibc trimmed the heap */
  if (top == h->done) return;
  from = (char *)((uintptr_t)h->done & ~(uintptr_t)(page - 1));
  if (madvise(from, (size_t)(top - from), MADV_POPULATE_WRITE) < 0 &&
      (errno == EINVAL || errno == EPERM))
    h->on = 0;                                 /* kernel before 5.14 */
  h->done = top;
#endif
}
