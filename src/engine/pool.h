/* The Lua state's allocator for small blocks. Lua tells the size of
 * every block it frees or resizes, so blocks of up to NSX_POOL_MAX bytes
 * need no header: they are carved from 64 KB arenas in classes of 16
 * bytes, and a freed block goes on its class's list, to be handed out
 * again first (it is likely still in the cache). Allocating and freeing
 * are a few instructions; glibc's malloc took 150-200 for each of the
 * tens of allocations a script thread makes, and more when a scan that
 * ends most threads at their rule (-sC) has it recycle memory all the
 * time: free lists to consolidate, chunks to unlink.
 *
 * Memory on a class's list serves only that class; the arenas are freed
 * with the pool. Only one thread may use a pool. */
#ifndef NSX_POOL_H
#define NSX_POOL_H

#include <stddef.h>

#define NSX_POOL_MAX 512          /* larger blocks are malloc's */
#define NSX_POOL_CLASSES (NSX_POOL_MAX / 16)

struct nsx_pool {
  void *free[NSX_POOL_CLASSES];   /* class i holds blocks of 16 * (i + 1) */
  char *next, *end;               /* the rest of the newest arena */
  void *arenas;                   /* every arena, newest first */
  size_t narenas;
};

void nsx_pool_init(struct nsx_pool *p);

/* A block of 'n' bytes (1 to NSX_POOL_MAX), aligned to 16, or NULL when
 * out of memory. */
void *nsx_pool_alloc(struct nsx_pool *p, size_t n);

/* Gives back 'b', allocated with the same 'n' (or one of its class). */
void nsx_pool_free(struct nsx_pool *p, void *b, size_t n);

/* 1 if blocks of 'a' and 'b' bytes are of one class. */
static inline int nsx_pool_same_class(size_t a, size_t b) {
  return (a + 15) >> 4 == (b + 15) >> 4;
}

/* Frees every arena; blocks handed out are gone with them. */
void nsx_pool_release(struct nsx_pool *p);

#endif
