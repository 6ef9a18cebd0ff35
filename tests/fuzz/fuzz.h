/* What every fuzz target (fuzz-*.c) defines and may use. A target is built
 * twice: against libFuzzer with clang (NSX_FUZZ=ON), and with replay.c as
 * main() under any compiler, which runs its corpus once as a regression
 * test. A broken invariant is reported with FUZZ_CHECK, which aborts so
 * that libFuzzer saves the input. */
#ifndef NSX_FUZZ_H
#define NSX_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Runs one input; returns 0 (libFuzzer ignores other values). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Optional one-time set-up; replay.c calls it too when it is defined. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                              \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, \
              #cond);                                                      \
      fprintf(stderr, __VA_ARGS__);                                        \
      fputc('\n', stderr);                                                 \
      abort();                                                             \
    }                                                                      \
  } while (0)

/* A NUL-terminated copy of the input (malloc'd; embedded NULs stay and
 * simply end the string early). Aborts when out of memory. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s) abort();
  for (size_t i = 0; i < size; i++) s[i] = (char)data[i];
  s[size] = '\0';
  return s;
}

/* Whether 'err' (of 'len' bytes) holds a NUL-terminated, non-empty
 * message. */
static inline int fuzz_msg_ok(const char *err, size_t len) {
  size_t i;
  for (i = 0; i < len && err[i]; i++) continue;
  return i > 0 && i < len;
}

#endif
