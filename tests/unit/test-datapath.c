/* Tests for the data path: search order, lookups, and what counts as a
 * file or a directory. Each test runs in its own process, so changing the
 * environment and the current directory is safe. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "script/datapath.h"
#include "unit.h"

static char tmp[256];

static int rm_one(const char *p, const struct stat *st, int flag,
                  struct FTW *f) {
  return remove(p);
}

static void cleanup(void) { nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

/* A fresh directory under /tmp, canonical, removed at exit. */
static const char *tmpdir(void) {
  char t[] = "/tmp/nsx-datapath-XXXXXX", real[PATH_MAX];

  ASSERT(mkdtemp(t) != NULL);
  ASSERT(realpath(t, real) != NULL && strlen(real) < sizeof tmp);
  strcpy(tmp, real);
  atexit(cleanup);
  return tmp;
}

/* "<tmp>/<rel>" in a static buffer (one of four, used in turn). */
static const char *at(const char *rel) {
  static char buf[4][PATH_MAX];
  static int i;

  i = (i + 1) % 4;
  snprintf(buf[i], sizeof buf[i], "%s/%s", tmp, rel);
  return buf[i];
}

static void mkdirs(const char *rel) {
  char p[PATH_MAX], *s;

  snprintf(p, sizeof p, "%s/%s", tmp, rel);
  for (s = p + strlen(tmp) + 1; (s = strchr(s, '/')) != NULL; s++) {
    *s = '\0';
    mkdir(p, 0755);
    *s = '/';
  }
  ASSERT(mkdir(p, 0755) == 0 || errno == EEXIST);
}

static void touch(const char *rel, const char *text) {
  FILE *f = fopen(at(rel), "w");

  ASSERT(f != NULL);
  fputs(text, f);
  fclose(f);
}

static void check_str_free(char *got, const char *want) {
  ASSERT_EQ_STR(got, want);
  free(got);
}

TEST(datapath_search_order) {
  struct nsx_datapath dp;

  tmpdir();
  mkdirs("data");
  mkdirs("prefix/bin");
  touch("prefix/bin/nsx", "");
  setenv("NMAPDIR", at("nmapdir"), 1);
  setenv("HOME", at("home"), 1);
  ASSERT_EQ_INT(nsx_datapath_init(&dp, at("data"), at("prefix/bin/nsx")), 0);
  ASSERT_EQ_INT(dp.n, 6);
  ASSERT_EQ_STR(dp.dirs[0], at("data"));
  ASSERT_EQ_STR(dp.dirs[1], at("nmapdir"));
  ASSERT_EQ_STR(dp.dirs[2], at("home/.nmap"));
  ASSERT_EQ_STR(dp.dirs[3], at("prefix/bin"));
  ASSERT_EQ_STR(dp.dirs[4], at("prefix/share/nmap"));
  ASSERT_EQ_STR(dp.dirs[5], NSX_DEFAULT_DATADIR);
  nsx_datapath_free(&dp);
  ASSERT_EQ_INT(dp.n, 0);
  nsx_datapath_free(&dp);
  cleanup();
}

/* The executable is found through symbolic links to it. */
TEST(datapath_exe_symlink) {
  struct nsx_datapath dp;

  tmpdir();
  unsetenv("NMAPDIR");
  unsetenv("HOME");
  mkdirs("opt/nsx/bin");
  mkdirs("usr/bin");
  touch("opt/nsx/bin/nsx", "");
  ASSERT(symlink(at("opt/nsx/bin/nsx"), at("usr/bin/nsx")) == 0);
  ASSERT_EQ_INT(nsx_datapath_init(&dp, NULL, at("usr/bin/nsx")), 0);
  /* No HOME: the password database gives the home directory. */
  ASSERT(dp.n == 4);
  ASSERT(strstr(dp.dirs[0], "/.nmap") != NULL);
  ASSERT_EQ_STR(dp.dirs[1], at("opt/nsx/bin"));
  ASSERT_EQ_STR(dp.dirs[2], at("opt/nsx/share/nmap"));
  nsx_datapath_free(&dp);
  cleanup();
}

/* Without a '/' in argv[0], /proc/self/exe says where we are. */
TEST(datapath_exe_from_proc) {
  struct nsx_datapath dp;
  char exe[PATH_MAX], *slash;
  ssize_t n;
  size_t i;

  n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  ASSERT(n > 0);
  exe[n] = '\0';
  slash = strrchr(exe, '/');
  *slash = '\0';
  ASSERT_EQ_INT(nsx_datapath_init(&dp, NULL, "nsx"), 0);
  for (i = 0; i < dp.n && strcmp(dp.dirs[i], exe) != 0; i++) continue;
  ASSERT(i < dp.n);
  nsx_datapath_free(&dp);
  ASSERT_EQ_INT(nsx_datapath_init(&dp, NULL, NULL), 0);
  for (i = 0; i < dp.n && strcmp(dp.dirs[i], exe) != 0; i++) continue;
  ASSERT(i < dp.n);
  nsx_datapath_free(&dp);
}

/* Relative directories are made absolute at once and tidied; unset and
 * empty ones are left out; a directory is listed once. */
TEST(datapath_tidy_and_dedupe) {
  struct nsx_datapath dp;

  tmpdir();
  ASSERT(chdir(tmp) == 0);
  setenv("NMAPDIR", "", 1);
  setenv("HOME", at("h"), 1);
  ASSERT_EQ_INT(nsx_datapath_init(&dp, "data/./sub//", "/nonexistent/nsx"),
                0);
  ASSERT_EQ_STR(dp.dirs[0], at("data/sub"));
  ASSERT_EQ_STR(dp.dirs[1], at("h/.nmap"));
  ASSERT_EQ_STR(dp.dirs[2], "/nonexistent");
  ASSERT_EQ_STR(dp.dirs[3], "/share/nmap");
  ASSERT_EQ_STR(dp.dirs[4], NSX_DEFAULT_DATADIR);
  ASSERT_EQ_INT(dp.n, 5);
  nsx_datapath_free(&dp);

  setenv("NMAPDIR", at("same"), 1);
  ASSERT_EQ_INT(nsx_datapath_init(&dp, "same/", "/nsx"), 0);
  ASSERT_EQ_STR(dp.dirs[0], at("same"));
  ASSERT_EQ_STR(dp.dirs[1], at("h/.nmap"));
  ASSERT_EQ_STR(dp.dirs[2], "/");
  ASSERT_EQ_STR(dp.dirs[3], "/share/nmap");
  nsx_datapath_free(&dp);

  unsetenv("NMAPDIR");
  ASSERT_EQ_INT(nsx_datapath_init(&dp, NSX_DEFAULT_DATADIR "/", "/nsx"), 0);
  ASSERT_EQ_STR(dp.dirs[0], NSX_DEFAULT_DATADIR);
  ASSERT_EQ_INT(dp.n, 4);   /* the default is not listed twice */
  nsx_datapath_free(&dp);
  ASSERT_EQ_INT(nsx_datapath_init(&dp, "", "/nsx"), 0);
  ASSERT_EQ_STR(dp.dirs[0], at("h/.nmap"));
  nsx_datapath_free(&dp);
  cleanup();
}

/* A test path: three directories of our own, in order. */
static void three(struct nsx_datapath *dp) {
  memset(dp, 0, sizeof *dp);
  dp->dirs[0] = strdup(at("a"));
  dp->dirs[1] = strdup(at("b"));
  dp->dirs[2] = strdup(at("c"));
  dp->n = 3;
  mkdirs("a");
  mkdirs("b");
  mkdirs("c");
}

TEST(datapath_find_first_wins) {
  struct nsx_datapath dp;

  tmpdir();
  three(&dp);
  mkdirs("b/nselib");
  mkdirs("c/nselib");
  touch("b/nselib/x.lua", "b");
  touch("c/nselib/x.lua", "c");
  check_str_free(nsx_datapath_find(&dp, "nselib/x.lua"), at("b/nselib/x.lua"));
  ASSERT(remove(at("b/nselib/x.lua")) == 0);
  check_str_free(nsx_datapath_find(&dp, "nselib/x.lua"), at("c/nselib/x.lua"));
  errno = 0;
  ASSERT(nsx_datapath_find(&dp, "nselib/none.lua") == NULL);
  ASSERT_EQ_INT(errno, ENOENT);
  ASSERT(nsx_datapath_find(&dp, NULL) == NULL);
  nsx_datapath_free(&dp);
  cleanup();
}

/* find wants a file and find_dir a directory, each skipping the other
 * kind; lookup takes whichever comes first, as Nmap's own lookup does. */
TEST(datapath_files_and_dirs) {
  struct nsx_datapath dp;
  enum nsx_path_kind k;

  tmpdir();
  three(&dp);
  mkdirs("a/scripts/x");
  touch("b/scripts", "");
  mkdirs("c/scripts");
  touch("c/scripts/x", "");
  check_str_free(nsx_datapath_find(&dp, "scripts/x"), at("c/scripts/x"));
  check_str_free(nsx_datapath_find_dir(&dp, "scripts/x"), at("a/scripts/x"));
  check_str_free(nsx_datapath_find_dir(&dp, "scripts"), at("a/scripts"));
  check_str_free(nsx_datapath_find(&dp, "scripts"), at("b/scripts"));
  check_str_free(nsx_datapath_lookup(&dp, "scripts/x", &k), at("a/scripts/x"));
  ASSERT_EQ_INT(k, NSX_PATH_DIR);
  check_str_free(nsx_datapath_lookup(&dp, "scripts", &k), at("a/scripts"));
  ASSERT_EQ_INT(k, NSX_PATH_DIR);
  ASSERT(remove(at("a/scripts/x")) == 0);
  check_str_free(nsx_datapath_lookup(&dp, "scripts/x", &k), at("c/scripts/x"));
  ASSERT_EQ_INT(k, NSX_PATH_FILE);
  ASSERT(nsx_datapath_lookup(&dp, "nothing", &k) == NULL);
  ASSERT_EQ_INT(k, NSX_PATH_NONE);
  /* A trailing '/' only finds directories. */
  check_str_free(nsx_datapath_find_dir(&dp, "scripts/"), at("a/scripts/"));
  ASSERT(nsx_datapath_find(&dp, "scripts/x/") == NULL);
  nsx_datapath_free(&dp);
  cleanup();
}

TEST(datapath_absolute_names) {
  struct nsx_datapath dp;
  enum nsx_path_kind k;

  tmpdir();
  three(&dp);
  touch("abs.nse", "");
  touch("a/abs.nse", "");
  check_str_free(nsx_datapath_find(&dp, at("abs.nse")), at("abs.nse"));
  ASSERT(nsx_datapath_find(&dp, at("none.nse")) == NULL);
  ASSERT(nsx_datapath_find(&dp, tmp) == NULL);
  check_str_free(nsx_datapath_find_dir(&dp, tmp), tmp);
  ASSERT(nsx_datapath_find_dir(&dp, at("abs.nse")) == NULL);
  check_str_free(nsx_datapath_lookup(&dp, tmp, &k), tmp);
  ASSERT_EQ_INT(k, NSX_PATH_DIR);
  nsx_datapath_free(&dp);
  cleanup();
}

TEST(datapath_path_kind) {
  tmpdir();
  touch("f", "x");
  mkdirs("d");
  ASSERT(mkfifo(at("fifo"), 0644) == 0);
  ASSERT(symlink(at("f"), at("link")) == 0);
  ASSERT(symlink(at("missing"), at("dangling")) == 0);
  ASSERT_EQ_INT(nsx_path_kind(at("f")), NSX_PATH_FILE);
  ASSERT_EQ_INT(nsx_path_kind(at("link")), NSX_PATH_FILE);
  ASSERT_EQ_INT(nsx_path_kind(at("d")), NSX_PATH_DIR);
  ASSERT_EQ_INT(nsx_path_kind(at("fifo")), NSX_PATH_NONE);
  ASSERT_EQ_INT(nsx_path_kind(at("dangling")), NSX_PATH_NONE);
  ASSERT_EQ_INT(nsx_path_kind(at("missing")), NSX_PATH_NONE);
  ASSERT_EQ_INT(nsx_path_kind("/dev/null"), NSX_PATH_NONE);
  ASSERT_EQ_INT(nsx_path_kind(""), NSX_PATH_NONE);
  ASSERT_EQ_INT(nsx_path_kind(NULL), NSX_PATH_NONE);
  /* Permissions mean nothing to root, so this part needs another user. */
  if (geteuid() != 0) {
    ASSERT(chmod(at("f"), 0) == 0);
    ASSERT_EQ_INT(nsx_path_kind(at("f")), NSX_PATH_NONE);
  }
  cleanup();
}

/* The files nselib and the engine need, in Debian's nmap-common. */
TEST(datapath_nmap_common) {
  struct nsx_datapath dp;

  if (nsx_path_kind("/usr/share/nmap/nmap-services") != NSX_PATH_FILE) {
    printf("# skipped: no /usr/share/nmap\n");
    return;
  }
  ASSERT_EQ_INT(nsx_datapath_init(&dp, "/usr/share/nmap", "nsx"), 0);
  check_str_free(nsx_datapath_find(&dp, "nmap-services"),
                 "/usr/share/nmap/nmap-services");
  check_str_free(nsx_datapath_find(&dp, "nselib/stdnse.lua"),
                 "/usr/share/nmap/nselib/stdnse.lua");
  check_str_free(nsx_datapath_find(&dp, "scripts/script.db"),
                 "/usr/share/nmap/scripts/script.db");
  check_str_free(nsx_datapath_find_dir(&dp, "nselib/data"),
                 "/usr/share/nmap/nselib/data");
  ASSERT(nsx_datapath_find(&dp, "scripts") == NULL);
  nsx_datapath_free(&dp);
}
