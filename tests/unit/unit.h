/* A minimal unit-test harness. Each TEST() registers itself at start-up;
 * runner.c runs every case in a forked child with a time limit and prints
 * TAP. Assertions print both values and end only the failing child. */
#ifndef NSX_UNIT_H
#define NSX_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void unit_register(const char *name, void (*fn)(void));

#define TEST(name)                                                      \
  static void test_##name(void);                                        \
  __attribute__((constructor)) static void register_##name(void) {      \
    unit_register(#name, test_##name);                                  \
  }                                                                     \
  static void test_##name(void)

#define UNIT_FAIL(...)                                                  \
  do {                                                                  \
    fprintf(stderr, "# %s:%d: ", __FILE__, __LINE__);                   \
    fprintf(stderr, __VA_ARGS__);                                       \
    fputc('\n', stderr);                                                \
    exit(1);                                                            \
  } while (0)

#define ASSERT(c)                                                       \
  do {                                                                  \
    if (!(c)) UNIT_FAIL("assertion failed: %s", #c);                    \
  } while (0)

#define ASSERT_EQ_INT(a, b)                                             \
  do {                                                                  \
    long long a_ = (long long)(a), b_ = (long long)(b);                 \
    if (a_ != b_)                                                       \
      UNIT_FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_);              \
  } while (0)

#define ASSERT_EQ_STR(a, b)                                             \
  do {                                                                  \
    const char *a_ = (a), *b_ = (b);                                    \
    if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                \
      UNIT_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b,                   \
                a_ ? a_ : "(null)", b_ ? b_ : "(null)");                \
  } while (0)

#endif
