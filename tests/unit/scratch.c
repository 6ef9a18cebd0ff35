/* The unit tests' scratch directory (see scratch.h). */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"
#include "unit.h"

char scratch_root[256];

static int rm_one(const char *p, const struct stat *st, int flag,
                  struct FTW *f) {
  (void)st, (void)flag, (void)f;
  return remove(p);
}

void scratch_cleanup(void) {
  if (scratch_root[0] != '\0')
    nftw(scratch_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *scratch_dir(const char *tag) {
  char t[PATH_MAX], real[PATH_MAX];

  snprintf(t, sizeof t, "/tmp/nsx-%s-XXXXXX", tag);
  ASSERT(mkdtemp(t) != NULL);
  ASSERT(realpath(t, real) != NULL && strlen(real) < sizeof scratch_root);
  strcpy(scratch_root, real);
  atexit(scratch_cleanup);
  return scratch_root;
}

const char *scratch_at(const char *rel) {
  static char buf[4][PATH_MAX];
  static int i;

  i = (i + 1) % 4;
  snprintf(buf[i], sizeof buf[i], "%s/%s", scratch_root, rel);
  return buf[i];
}

void scratch_mkdirs(const char *rel) {
  char p[PATH_MAX], *s;

  snprintf(p, sizeof p, "%s/%s", scratch_root, rel);
  for (s = p + strlen(scratch_root) + 1; (s = strchr(s, '/')) != NULL; s++) {
    *s = '\0';
    mkdir(p, 0755);
    *s = '/';
  }
  ASSERT(mkdir(p, 0755) == 0 || errno == EEXIST);
}

int scratch_rm(const char *rel) {
  return nftw(scratch_at(rel), rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void scratch_touch(const char *rel, const char *text) {
  FILE *f = fopen(scratch_at(rel), "w");

  ASSERT(f != NULL);
  fputs(text, f);
  fclose(f);
}
