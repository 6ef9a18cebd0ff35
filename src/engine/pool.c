/* Small blocks for the Lua state, by class, without headers (see
 * pool.h). */
#include <stdlib.h>

#include "engine/pool.h"

enum {
  ARENA_SIZE = 64 << 10,          /* below glibc's mmap threshold: the
                                     arenas come from the heap that
                                     heap.c prefaults */
  ARENA_HEAD = 16                 /* the link to the previous arena */
};

void nsx_pool_init(struct nsx_pool *p) {
  size_t i;

  for (i = 0; i < NSX_POOL_CLASSES; i++) p->free[i] = NULL;
  p->next = p->end = NULL;
  p->arenas = NULL;
  p->narenas = 0;
}

static size_t class_of(size_t n) {
  return (n - 1) >> 4;
}

void *nsx_pool_alloc(struct nsx_pool *p, size_t n) {
  size_t c = class_of(n), size = (c + 1) << 4;
  void *b = p->free[c];
  char *arena;

  if (b) {
    void *next = *(void **)b;
    /* Freed blocks come back in the collector's sweep order, long out of
     * the cache: fetch the class's next one while this one is used. */
    if (next) __builtin_prefetch(next, 1);
    p->free[c] = next;
    return b;
  }
  if ((size_t)(p->end - p->next) < size) {
    /* What is left of the old arena (under 512 bytes) stays unused. */
    arena = malloc(ARENA_SIZE);
    if (!arena) return NULL;
    *(void **)arena = p->arenas;
    p->arenas = arena;
    p->narenas++;
    p->next = arena + ARENA_HEAD;
    p->end = arena + ARENA_SIZE;
  }
  b = p->next;
  p->next += size;
  return b;
}

void nsx_pool_free(struct nsx_pool *p, void *b, size_t n) {
  size_t c = class_of(n);

  *(void **)b = p->free[c];
  p->free[c] = b;
}

void nsx_pool_release(struct nsx_pool *p) {
  while (p->arenas) {
    void *prev = *(void **)p->arenas;
    free(p->arenas);
    p->arenas = prev;
  }
  nsx_pool_init(p);
}
