/* A scratch directory for unit tests that need files: made fresh under
 * /tmp, canonical (no symlinks in its path), removed at exit. Each test
 * runs in its own process, so each gets its own. */
#ifndef NSX_UNIT_SCRATCH_H
#define NSX_UNIT_SCRATCH_H

/* The directory's path, "" until scratch_dir() is called. */
extern char scratch_root[256];

/* Makes the directory, named after 'tag'; returns scratch_root. */
const char *scratch_dir(const char *tag);

/* Removes the directory and all in it now. */
void scratch_cleanup(void);

/* "<root>/<rel>" in a static buffer (one of four, used in turn). */
const char *scratch_at(const char *rel);

/* Makes <root>/<rel> and its parents. */
void scratch_mkdirs(const char *rel);

/* Removes <root>/<rel> and all in it; returns 0 or -1. */
int scratch_rm(const char *rel);

/* Writes 'text' to <root>/<rel>. */
void scratch_touch(const char *rel, const char *text);

#endif
