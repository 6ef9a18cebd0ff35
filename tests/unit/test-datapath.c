/* Tests for the data path: search order, lookups, and what counts as a
 * file or a directory. Each test runs in its own process, so changing the
 * environment and the current directory is safe. */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "script/datapath.h"
#include "scratch.h"
#include "unit.h"


static void check_str_free(char *got, const char *want) {
  ASSERT_EQ_STR(got, want);
  free(got);
}

TEST(datapath_search_order) {
  struct nsx_datapath dp;

  scratch_dir("datapath");
  scratch_mkdirs("data");
  scratch_mkdirs("prefix/bin");
  scratch_touch("prefix/bin/nsx", "");
  setenv("NMAPDIR", scratch_at("nmapdir"), 1);
  setenv("HOME", scratch_at("home"), 1);
  ASSERT_EQ_INT(nsx_datapath_init(&dp, scratch_at("data"), scratch_at("prefix/bin/nsx")), 0);
  ASSERT_EQ_INT(dp.n, 6);
  ASSERT_EQ_STR(dp.dirs[0], scratch_at("data"));
  ASSERT_EQ_STR(dp.dirs[1], scratch_at("nmapdir"));
  ASSERT_EQ_STR(dp.dirs[2], scratch_at("home/.nmap"));
  ASSERT_EQ_STR(dp.dirs[3], scratch_at("prefix/bin"));
  ASSERT_EQ_STR(dp.dirs[4], scratch_at("prefix/share/nmap"));
  ASSERT_EQ_STR(dp.dirs[5], NSX_DEFAULT_DATADIR);
  nsx_datapath_free(&dp);
  ASSERT_EQ_INT(dp.n, 0);
  nsx_datapath_free(&dp);
  scratch_cleanup();
}

/* The executable is found through symbolic links to it. */
TEST(datapath_exe_symlink) {
  struct nsx_datapath dp;

  scratch_dir("datapath");
  unsetenv("NMAPDIR");
  unsetenv("HOME");
  scratch_mkdirs("opt/nsx/bin");
  scratch_mkdirs("usr/bin");
  scratch_touch("opt/nsx/bin/nsx", "");
  ASSERT(symlink(scratch_at("opt/nsx/bin/nsx"), scratch_at("usr/bin/nsx")) == 0);
  ASSERT_EQ_INT(nsx_datapath_init(&dp, NULL, scratch_at("usr/bin/nsx")), 0);
  /* No HOME: the password database gives the home directory. */
  ASSERT(dp.n == 4);
  ASSERT(strstr(dp.dirs[0], "/.nmap") != NULL);
  ASSERT_EQ_STR(dp.dirs[1], scratch_at("opt/nsx/bin"));
  ASSERT_EQ_STR(dp.dirs[2], scratch_at("opt/nsx/share/nmap"));
  nsx_datapath_free(&dp);
  scratch_cleanup();
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

  scratch_dir("datapath");
  ASSERT(chdir(scratch_root) == 0);
  setenv("NMAPDIR", "", 1);
  setenv("HOME", scratch_at("h"), 1);
  ASSERT_EQ_INT(nsx_datapath_init(&dp, "data/./sub//", "/nonexistent/nsx"),
                0);
  ASSERT_EQ_STR(dp.dirs[0], scratch_at("data/sub"));
  ASSERT_EQ_STR(dp.dirs[1], scratch_at("h/.nmap"));
  ASSERT_EQ_STR(dp.dirs[2], "/nonexistent");
  ASSERT_EQ_STR(dp.dirs[3], "/share/nmap");
  ASSERT_EQ_STR(dp.dirs[4], NSX_DEFAULT_DATADIR);
  ASSERT_EQ_INT(dp.n, 5);
  nsx_datapath_free(&dp);

  setenv("NMAPDIR", scratch_at("same"), 1);
  ASSERT_EQ_INT(nsx_datapath_init(&dp, "same/", "/nsx"), 0);
  ASSERT_EQ_STR(dp.dirs[0], scratch_at("same"));
  ASSERT_EQ_STR(dp.dirs[1], scratch_at("h/.nmap"));
  ASSERT_EQ_STR(dp.dirs[2], "/");
  ASSERT_EQ_STR(dp.dirs[3], "/share/nmap");
  nsx_datapath_free(&dp);

  unsetenv("NMAPDIR");
  ASSERT_EQ_INT(nsx_datapath_init(&dp, NSX_DEFAULT_DATADIR "/", "/nsx"), 0);
  ASSERT_EQ_STR(dp.dirs[0], NSX_DEFAULT_DATADIR);
  ASSERT_EQ_INT(dp.n, 4);   /* the default is not listed twice */
  nsx_datapath_free(&dp);
  ASSERT_EQ_INT(nsx_datapath_init(&dp, "", "/nsx"), 0);
  ASSERT_EQ_STR(dp.dirs[0], scratch_at("h/.nmap"));
  nsx_datapath_free(&dp);
  scratch_cleanup();
}

/* A test path: three directories of our own, in order. */
static void three(struct nsx_datapath *dp) {
  memset(dp, 0, sizeof *dp);
  dp->dirs[0] = strdup(scratch_at("a"));
  dp->dirs[1] = strdup(scratch_at("b"));
  dp->dirs[2] = strdup(scratch_at("c"));
  dp->n = 3;
  scratch_mkdirs("a");
  scratch_mkdirs("b");
  scratch_mkdirs("c");
}

TEST(datapath_find_first_wins) {
  struct nsx_datapath dp;

  scratch_dir("datapath");
  three(&dp);
  scratch_mkdirs("b/nselib");
  scratch_mkdirs("c/nselib");
  scratch_touch("b/nselib/x.lua", "b");
  scratch_touch("c/nselib/x.lua", "c");
  check_str_free(nsx_datapath_find(&dp, "nselib/x.lua"), scratch_at("b/nselib/x.lua"));
  ASSERT(remove(scratch_at("b/nselib/x.lua")) == 0);
  check_str_free(nsx_datapath_find(&dp, "nselib/x.lua"), scratch_at("c/nselib/x.lua"));
  errno = 0;
  ASSERT(nsx_datapath_find(&dp, "nselib/none.lua") == NULL);
  ASSERT_EQ_INT(errno, ENOENT);
  ASSERT(nsx_datapath_find(&dp, NULL) == NULL);
  nsx_datapath_free(&dp);
  scratch_cleanup();
}

/* find wants a file and find_dir a directory, each skipping the other
 * kind; lookup takes whichever comes first, as Nmap's own lookup does. */
TEST(datapath_files_and_dirs) {
  struct nsx_datapath dp;
  enum nsx_path_kind k;

  scratch_dir("datapath");
  three(&dp);
  scratch_mkdirs("a/scripts/x");
  scratch_touch("b/scripts", "");
  scratch_mkdirs("c/scripts");
  scratch_touch("c/scripts/x", "");
  check_str_free(nsx_datapath_find(&dp, "scripts/x"), scratch_at("c/scripts/x"));
  check_str_free(nsx_datapath_find_dir(&dp, "scripts/x"), scratch_at("a/scripts/x"));
  check_str_free(nsx_datapath_find_dir(&dp, "scripts"), scratch_at("a/scripts"));
  check_str_free(nsx_datapath_find(&dp, "scripts"), scratch_at("b/scripts"));
  check_str_free(nsx_datapath_lookup(&dp, "scripts/x", &k), scratch_at("a/scripts/x"));
  ASSERT_EQ_INT(k, NSX_PATH_DIR);
  check_str_free(nsx_datapath_lookup(&dp, "scripts", &k), scratch_at("a/scripts"));
  ASSERT_EQ_INT(k, NSX_PATH_DIR);
  ASSERT(remove(scratch_at("a/scripts/x")) == 0);
  check_str_free(nsx_datapath_lookup(&dp, "scripts/x", &k), scratch_at("c/scripts/x"));
  ASSERT_EQ_INT(k, NSX_PATH_FILE);
  ASSERT(nsx_datapath_lookup(&dp, "nothing", &k) == NULL);
  ASSERT_EQ_INT(k, NSX_PATH_NONE);
  /* A trailing '/' only finds directories. */
  check_str_free(nsx_datapath_find_dir(&dp, "scripts/"), scratch_at("a/scripts/"));
  ASSERT(nsx_datapath_find(&dp, "scripts/x/") == NULL);
  nsx_datapath_free(&dp);
  scratch_cleanup();
}

TEST(datapath_absolute_names) {
  struct nsx_datapath dp;
  enum nsx_path_kind k;

  scratch_dir("datapath");
  three(&dp);
  scratch_touch("abs.nse", "");
  scratch_touch("a/abs.nse", "");
  check_str_free(nsx_datapath_find(&dp, scratch_at("abs.nse")), scratch_at("abs.nse"));
  ASSERT(nsx_datapath_find(&dp, scratch_at("none.nse")) == NULL);
  ASSERT(nsx_datapath_find(&dp, scratch_root) == NULL);
  check_str_free(nsx_datapath_find_dir(&dp, scratch_root), scratch_root);
  ASSERT(nsx_datapath_find_dir(&dp, scratch_at("abs.nse")) == NULL);
  check_str_free(nsx_datapath_lookup(&dp, scratch_root, &k), scratch_root);
  ASSERT_EQ_INT(k, NSX_PATH_DIR);
  nsx_datapath_free(&dp);
  scratch_cleanup();
}

TEST(datapath_path_kind) {
  scratch_dir("datapath");
  scratch_touch("f", "x");
  scratch_mkdirs("d");
  ASSERT(mkfifo(scratch_at("fifo"), 0644) == 0);
  ASSERT(symlink(scratch_at("f"), scratch_at("link")) == 0);
  ASSERT(symlink(scratch_at("missing"), scratch_at("dangling")) == 0);
  ASSERT_EQ_INT(nsx_path_kind(scratch_at("f")), NSX_PATH_FILE);
  ASSERT_EQ_INT(nsx_path_kind(scratch_at("link")), NSX_PATH_FILE);
  ASSERT_EQ_INT(nsx_path_kind(scratch_at("d")), NSX_PATH_DIR);
  ASSERT_EQ_INT(nsx_path_kind(scratch_at("fifo")), NSX_PATH_NONE);
  ASSERT_EQ_INT(nsx_path_kind(scratch_at("dangling")), NSX_PATH_NONE);
  ASSERT_EQ_INT(nsx_path_kind(scratch_at("missing")), NSX_PATH_NONE);
  ASSERT_EQ_INT(nsx_path_kind("/dev/null"), NSX_PATH_NONE);
  ASSERT_EQ_INT(nsx_path_kind(""), NSX_PATH_NONE);
  ASSERT_EQ_INT(nsx_path_kind(NULL), NSX_PATH_NONE);
  /* Permissions mean nothing to root, so this part needs another user. */
  if (geteuid() != 0) {
    ASSERT(chmod(scratch_at("f"), 0) == 0);
    ASSERT_EQ_INT(nsx_path_kind(scratch_at("f")), NSX_PATH_NONE);
  }
  scratch_cleanup();
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
