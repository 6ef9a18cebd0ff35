/* Builds the data path (spec/libs.md §2) and finds files and directories
 * along it. Only the file system is consulted here: no Lua, no caching, so
 * a file created after start-up is found by the next lookup. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "script/datapath.h"

#ifndef NSX_DEFAULT_DATADIR
#error "the build must define NSX_DEFAULT_DATADIR"
#endif

/* "<a>/<b>", without doubling a '/' that 'a' already ends with. */
static char *join(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  int slash = la > 0 && a[la - 1] == '/';
  char *p = malloc(la + lb + 2);

  if (p == NULL) return NULL;
  memcpy(p, a, la);
  if (!slash) p[la++] = '/';
  memcpy(p + la, b, lb + 1);
  return p;
}

/* Lexical clean-up of an absolute path in place: "//" becomes "/", "."
 * components go, and so does a trailing '/'. ".." is kept, because the
 * component before it may be a symbolic link. */
static void tidy(char *p) {
  char *r = p, *w = p;

  while (*r) {
    if (r[0] == '/' && (r[1] == '/' || (r[1] == '.' && (r[2] == '/' ||
                                                        r[2] == '\0')))) {
      r += r[1] == '/' ? 1 : 2;
      continue;
    }
    *w++ = *r++;
  }
  if (w > p + 1 && w[-1] == '/') w--;
  if (w == p) *w++ = '/';
  *w = '\0';
}

/* A malloc'd, tidied absolute form of 'p' (relative to the cwd), or NULL
 * when out of memory or the cwd is unknown. */
static char *absolute(const char *p) {
  char *cwd, *r;

  if (p[0] == '/') {
    r = strdup(p);
  } else {
    if ((cwd = getcwd(NULL, 0)) == NULL) return NULL;
    r = join(cwd, p);
    free(cwd);
  }
  if (r != NULL) tidy(r);
  return r;
}

/* The canonical path of the running executable, malloc'd, or NULL. */
static char *exe_path(const char *argv0) {
  char buf[PATH_MAX];
  ssize_t n;

  if (argv0 != NULL && strchr(argv0, '/') != NULL) {
    char *r = realpath(argv0, NULL);
    return r != NULL ? r : absolute(argv0);
  }
  n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0 || (size_t)n >= sizeof buf - 1) return NULL;
  buf[n] = '\0';
  return strdup(buf);
}

/* The home directory: $HOME, else the password database. */
static const char *home_dir(void) {
  const char *h = getenv("HOME");
  struct passwd *pw;

  if (h != NULL && h[0] != '\0') return h;
  pw = getpwuid(getuid());
  return pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] != '\0'
             ? pw->pw_dir : NULL;
}

/* Appends 'dir' (owned) unless it is NULL-for-unset or already listed. */
static void add(struct nsx_datapath *dp, char *dir) {
  size_t i;

  if (dir == NULL) return;
  for (i = 0; i < dp->n; i++)
    if (strcmp(dp->dirs[i], dir) == 0) break;
  if (i < dp->n || dp->n == NSX_DATAPATH_MAX) {
    free(dir);
    return;
  }
  dp->dirs[dp->n++] = dir;
}

/* Each step either adds a directory or has nothing to add; 'oom' counts
 * allocations that failed, so a directory is never silently dropped. */
int nsx_datapath_init(struct nsx_datapath *dp, const char *datadir_opt,
                      const char *argv0) {
  const char *env, *home;
  char *exe, *slash, *d;
  int oom = 0;

  memset(dp, 0, sizeof *dp);
  if (datadir_opt != NULL && datadir_opt[0] != '\0') {
    add(dp, d = absolute(datadir_opt));
    oom |= d == NULL;
  }
  if ((env = getenv("NMAPDIR")) != NULL && env[0] != '\0') {
    add(dp, d = absolute(env));
    oom |= d == NULL;
  }
  if ((home = home_dir()) != NULL) {
    char *h = absolute(home);
    add(dp, d = h != NULL ? join(h, ".nmap") : NULL);
    oom |= d == NULL;
    free(h);
  }
  /* The executable's path is canonical when realpath or /proc answered,
   * so cutting components off it is the same as letting the kernel
   * resolve "<exe dir>/../share/nmap". (realpath fails only when argv[0]
   * names no file, and then the lexical guess is as good as any.) */
  if ((exe = exe_path(argv0)) != NULL) {
    slash = strrchr(exe, '/');
    *(slash == exe ? slash + 1 : slash) = '\0';
    add(dp, d = strdup(exe));
    oom |= d == NULL;
    slash = strrchr(exe, '/');
    if (slash != NULL) *(slash == exe ? slash + 1 : slash) = '\0';
    add(dp, d = join(exe, "share/nmap"));
    oom |= d == NULL;
    free(exe);
  }
  add(dp, d = absolute(NSX_DEFAULT_DATADIR));
  oom |= d == NULL;
  if (oom) {
    nsx_datapath_free(dp);
    return -ENOMEM;
  }
  return 0;
}

void nsx_datapath_free(struct nsx_datapath *dp) {
  size_t i;

  for (i = 0; i < dp->n; i++) free(dp->dirs[i]);
  memset(dp, 0, sizeof *dp);
}

/* Readability is checked with the effective ids, as opening would be. */
enum nsx_path_kind nsx_path_kind(const char *path) {
  struct stat st;

  if (path == NULL || path[0] == '\0' || stat(path, &st) != 0)
    return NSX_PATH_NONE;
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return NSX_PATH_NONE;
  if (faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) != 0) return NSX_PATH_NONE;
  return S_ISDIR(st.st_mode) ? NSX_PATH_DIR : NSX_PATH_FILE;
}

/* The first candidate whose kind is 'want' (NSX_PATH_NONE: either). */
static char *search(const struct nsx_datapath *dp, const char *rel,
                    enum nsx_path_kind want, enum nsx_path_kind *kind) {
  enum nsx_path_kind k;
  char *p;
  size_t i;

  *kind = NSX_PATH_NONE;
  if (rel == NULL) {
    errno = ENOENT;
    return NULL;
  }
  if (rel[0] == '/') {
    k = nsx_path_kind(rel);
    if (k == NSX_PATH_NONE || (want != NSX_PATH_NONE && k != want)) {
      errno = ENOENT;
      return NULL;
    }
    if ((p = strdup(rel)) != NULL) *kind = k;
    return p;
  }
  for (i = 0; i < dp->n; i++) {
    if ((p = join(dp->dirs[i], rel)) == NULL) return NULL;
    k = nsx_path_kind(p);
    if (k != NSX_PATH_NONE && (want == NSX_PATH_NONE || k == want)) {
      *kind = k;
      return p;
    }
    free(p);
  }
  errno = ENOENT;
  return NULL;
}

char *nsx_datapath_find(const struct nsx_datapath *dp, const char *rel) {
  enum nsx_path_kind k;
  return search(dp, rel, NSX_PATH_FILE, &k);
}

char *nsx_datapath_find_dir(const struct nsx_datapath *dp, const char *rel) {
  enum nsx_path_kind k;
  return search(dp, rel, NSX_PATH_DIR, &k);
}

char *nsx_datapath_lookup(const struct nsx_datapath *dp, const char *rel,
                          enum nsx_path_kind *kind) {
  return search(dp, rel, NSX_PATH_NONE, kind);
}
