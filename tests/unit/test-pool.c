/* engine/pool.c: blocks are 16-byte aligned, as large as their class and
 * never overlap while held; a freed block comes back first for its class
 * and only for it; arenas are added as blocks run out, and released. */
#include <stdint.h>

#include "engine/pool.h"
#include "unit.h"

enum { NBLOCKS = 20000 };

static void *held[NBLOCKS];
static size_t held_size[NBLOCKS];

TEST(pool_blocks_aligned_sized_and_disjoint) {
  struct nsx_pool p;
  size_t i, n;

  nsx_pool_init(&p);
  for (i = 0; i < NBLOCKS; i++) {
    n = 1 + (i * 37) % NSX_POOL_MAX;
    held[i] = nsx_pool_alloc(&p, n);
    held_size[i] = n;
    ASSERT(held[i] != NULL);
    ASSERT_EQ_INT((uintptr_t)held[i] % 16, 0);
    /* The whole class is usable: fill it with the block's own mark. */
    memset(held[i], (int)(i & 0xff), ((n + 15) / 16) * 16);
  }
  for (i = 0; i < NBLOCKS; i++) {
    const unsigned char *b = held[i];
    size_t k, len = ((held_size[i] + 15) / 16) * 16;
    for (k = 0; k < len; k++)
      if (b[k] != (unsigned char)(i & 0xff))
        UNIT_FAIL("block %zu byte %zu overwritten", i, k);
  }
  ASSERT(p.narenas > 1);
  nsx_pool_release(&p);
  ASSERT_EQ_INT(p.narenas, 0);
  ASSERT(p.arenas == NULL);
}

TEST(pool_reuses_a_freed_block_in_its_class_only) {
  struct nsx_pool p;
  void *a, *b, *c, *d;

  nsx_pool_init(&p);
  a = nsx_pool_alloc(&p, 40);              /* class of 33..48 */
  b = nsx_pool_alloc(&p, 100);
  nsx_pool_free(&p, a, 40);
  c = nsx_pool_alloc(&p, 64);              /* another class: not 'a' */
  ASSERT(c != a);
  d = nsx_pool_alloc(&p, 33);              /* same class: 'a' again */
  ASSERT(d == a);
  nsx_pool_free(&p, b, 100);
  nsx_pool_free(&p, c, 64);
  nsx_pool_free(&p, d, 33);
  /* Last freed, first handed out. */
  ASSERT(nsx_pool_alloc(&p, 97) == b);
  ASSERT(nsx_pool_alloc(&p, 64) == c);
  nsx_pool_release(&p);
}

TEST(pool_class_boundaries) {
  ASSERT(nsx_pool_same_class(1, 16));
  ASSERT(!nsx_pool_same_class(16, 17));
  ASSERT(nsx_pool_same_class(17, 32));
  ASSERT(nsx_pool_same_class(NSX_POOL_MAX - 15, NSX_POOL_MAX));
  ASSERT(!nsx_pool_same_class(NSX_POOL_MAX - 16, NSX_POOL_MAX));
}

TEST(pool_largest_class_fills_arenas) {
  struct nsx_pool p;
  size_t i;

  nsx_pool_init(&p);
  /* 64 KB arenas less their 16-byte head hold 127 blocks of 512. */
  for (i = 0; i < 128; i++) ASSERT(nsx_pool_alloc(&p, NSX_POOL_MAX) != NULL);
  ASSERT_EQ_INT(p.narenas, 2);
  nsx_pool_release(&p);
}
