/* main() for the fuzz targets in builds without libFuzzer: runs every file
 * named on the command line, and every file in every directory named, once
 * through LLVMFuzzerTestOneInput, so each corpus is a regression test
 * under any compiler (and under ASan with NSX_SANITIZE). Prints a TAP-like
 * summary; any broken invariant aborts, as under libFuzzer. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Defined by targets that need one-time set-up; NULL otherwise. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf;
  long len;

  if (!f) {
    perror(path);
    return -1;
  }
  if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 ||
      fseek(f, 0, SEEK_SET) < 0) {
    perror(path);
    fclose(f);
    return -1;
  }
  /* A copy of exactly 'len' bytes, so ASan sees reads past the input. */
  buf = malloc(len ? (size_t)len : 1);
  if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
    fprintf(stderr, "%s: cannot read\n", path);
    free(buf);
    fclose(f);
    return -1;
  }
  fclose(f);
  LLVMFuzzerTestOneInput(buf, (size_t)len);
  free(buf);
  return 0;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs the files of 'dir' in name order; returns how many, or -1. */
static int run_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0;
  int count = 0;

  if (!d) {
    perror(dir);
    return -1;
  }
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      names = realloc(names, cap * sizeof *names);
      if (!names) abort();
    }
    names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
    if (!names[n]) abort();
    sprintf(names[n], "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp);
  for (size_t i = 0; i < n; i++) {
    if (run_file(names[i]) < 0) count = -1;
    else if (count >= 0) count++;
    free(names[i]);
  }
  free(names);
  return count;
}

int main(int argc, char **argv) {
  int total = 0, rc = 0;

  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
    return 2;
  }
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; i++) {
    struct stat st;
    int n;

    if (stat(argv[i], &st) < 0) {
      perror(argv[i]);
      rc = 1;
      continue;
    }
    n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
    if (n < 0) rc = 1;
    else total += S_ISDIR(st.st_mode) ? n : 1;
  }
  printf("%s: %d inputs replayed%s\n", argv[0], total,
         rc ? ", some unreadable" : "");
  return rc;
}
