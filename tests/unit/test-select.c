/* Tests for --script selection. Most use a small data directory of their
 * own (five scripts and a script.db); the select_nmap_* tests compare with
 * what nmap 7.93 itself selects (nmap --script-help) on Debian's
 * /usr/share/nmap, and are skipped when either is missing. */
#include <lauxlib.h>
#include <limits.h>
#include <lualib.h>
#include <unistd.h>

#include "script/select.h"
#include "scratch.h"
#include "unit.h"

static struct nsx_selection last;

static const char fixture_db[] =
    "Entry { filename = \"alpha.nse\", categories = { \"default\", "
    "\"safe\", } }\n"
    "Entry { filename = \"beta.nse\", categories = { \"intrusive\", } }\n"
    "Entry { filename = \"gamma-x.nse\", categories = { \"safe\", } }\n"
    "Entry { filename = \"http-one.nse\", categories = { \"default\", "
    "\"discovery\", } }\n"
    "Entry { filename = \"http-two.nse\", categories = { \"intrusive\", "
    "\"vuln\", } }\n";

static const char *const fixture_scripts[] = {
  "alpha", "beta", "gamma-x", "http-one", "http-two", NULL
};

/* A data directory <root>/data holding scripts/ and, unless 'db' is NULL,
 * scripts/script.db with 'db' in it; 'dp' searches only that. */
static void fixture(struct nsx_datapath *dp, const char *db) {
  char rel[64];
  int i;

  scratch_dir("select");
  scratch_mkdirs("data/scripts");
  for (i = 0; fixture_scripts[i] != NULL; i++) {
    snprintf(rel, sizeof rel, "data/scripts/%s.nse", fixture_scripts[i]);
    scratch_touch(rel, "");
  }
  if (db != NULL) scratch_touch("data/scripts/script.db", db);
  memset(dp, 0, sizeof *dp);
  dp->dirs[0] = strdup(scratch_at("data"));
  dp->n = 1;
  ASSERT(chdir(scratch_root) == 0);
}

/* Frees what a test used and removes its directory (the runner ends a
 * passing test with _exit, so atexit handlers only run on failure).
 * Closes 'L'. */
static void done(struct nsx_datapath *dp, lua_State *L) {
  nsx_selection_free(&last);
  nsx_datapath_free(dp);
  lua_close(L);
  if (scratch_root[0] != '\0') scratch_cleanup();
}

static lua_State *state(void) {
  lua_State *L = luaL_newstate();

  ASSERT(L != NULL);
  luaL_openlibs(L);
  return L;
}

/* Runs nsx_select and returns "id[+n][+f],..." (by name, forced), or
 * "ERR: <message>". The selection stays in 'last' for further checks.
 * [-0, +0, -] */
static const char *sel(lua_State *L, const struct nsx_datapath *dp,
                       const char *rules, unsigned flags) {
  static char out[65536];
  char err[512];
  size_t i, n = 0;
  int top = lua_gettop(L);

  nsx_selection_free(&last);
  if (nsx_select(L, dp, rules, flags, &last, err, sizeof err) != 0) {
    ASSERT_EQ_INT(last.n, 0);
    ASSERT(last.v == NULL && last.warnings == NULL);
    snprintf(out, sizeof out, "ERR: %s", err);
    return out;
  }
  ASSERT_EQ_INT(lua_gettop(L), top);
  out[0] = '\0';
  for (i = 0; i < last.n; i++) {
    ASSERT(n + strlen(last.v[i].id) + 8 < sizeof out);
    n += (size_t)sprintf(out + n, "%s%s%s%s", i ? "," : "", last.v[i].id,
                         last.v[i].by_name ? "+n" : "",
                         last.v[i].forced ? "+f" : "");
  }
  return out;
}

TEST(select_categories) {
  struct nsx_datapath dp;
  lua_State *L = state();

  fixture(&dp, fixture_db);
  ASSERT_EQ_STR(sel(L, &dp, "default", 0), "alpha,http-one");
  ASSERT_EQ_INT(last.db_read, 1);
  ASSERT_EQ_INT(last.nwarnings, 0);
  ASSERT_EQ_STR(last.v[0].path, scratch_at("data/scripts/alpha.nse"));
  ASSERT_EQ_STR(sel(L, &dp, "DEFAULT", 0), "alpha,http-one");
  ASSERT_EQ_STR(sel(L, &dp, " Safe ", 0), "alpha,gamma-x");
  ASSERT_EQ_STR(sel(L, &dp, "vuln", 0), "http-two");
  ASSERT_EQ_STR(sel(L, &dp, "all", 0),
                "alpha,beta,gamma-x,http-one,http-two");
  ASSERT_EQ_STR(sel(L, &dp, "ALL", 0),
                "alpha,beta,gamma-x,http-one,http-two");
  ASSERT_EQ_STR(sel(L, &dp, "true", 0),
                "alpha,beta,gamma-x,http-one,http-two");
  ASSERT_EQ_STR(sel(L, &dp, "false", 0),
                "ERR: 'false' did not match a category, filename, or "
                "directory");
  done(&dp, L);
}

TEST(select_globs) {
  struct nsx_datapath dp;
  lua_State *L = state();

  fixture(&dp, fixture_db);
  ASSERT_EQ_STR(sel(L, &dp, "http-*", 0), "http-one+n,http-two+n");
  ASSERT_EQ_STR(sel(L, &dp, "http-one.nse", 0), "http-one+n");
  ASSERT_EQ_STR(sel(L, &dp, "http-*.nse", 0), "http-one+n,http-two+n");
  ASSERT_EQ_STR(sel(L, &dp, "*", 0),
                "alpha+n,beta+n,gamma-x+n,http-one+n,http-two+n");
  ASSERT_EQ_STR(sel(L, &dp, "*-x", 0), "gamma-x+n");
  ASSERT_EQ_STR(sel(L, &dp, "*t*", 0), "beta+n,http-one+n,http-two+n");
  ASSERT_EQ_STR(sel(L, &dp, "h*p-*o", 0), "http-two+n");
  /* Globs are case-sensitive, and '.', '-' and '?' are literal. */
  ASSERT_EQ_STR(sel(L, &dp, "HTTP-*", 0),
                "ERR: 'HTTP-*' did not match a category, filename, or "
                "directory");
  ASSERT_EQ_STR(sel(L, &dp, "alph?", 0),
                "ERR: 'alph?' did not match a category, filename, or "
                "directory");
  ASSERT_EQ_STR(sel(L, &dp, "gamma.x", 0),
                "ERR: 'gamma.x' did not match a category, filename, or "
                "directory");
  done(&dp, L);
}

TEST(select_expressions) {
  struct nsx_datapath dp;
  lua_State *L = state();

  fixture(&dp, fixture_db);
  ASSERT_EQ_STR(sel(L, &dp, "default and safe", 0), "alpha");
  ASSERT_EQ_STR(sel(L, &dp, "default AND Safe", 0), "alpha");
  ASSERT_EQ_STR(sel(L, &dp, "not safe", 0), "beta,http-one,http-two");
  ASSERT_EQ_STR(sel(L, &dp, "not(default)", 0), "beta,gamma-x,http-two");
  ASSERT_EQ_STR(sel(L, &dp, "not not default", 0), "alpha,http-one");
  ASSERT_EQ_STR(sel(L, &dp, "default or intrusive", 0),
                "alpha,beta,http-one,http-two");
  ASSERT_EQ_STR(sel(L, &dp, "  ( default )  ", 0), "alpha,http-one");
  ASSERT_EQ_STR(sel(L, &dp, "default and(safe)", 0), "alpha");
  ASSERT_EQ_STR(sel(L, &dp, "(default)and(safe)", 0), "alpha");
  ASSERT_EQ_STR(sel(L, &dp, "default\tand\nsafe", 0), "alpha");
  ASSERT_EQ_STR(sel(L, &dp, "all and not all or vuln", 0), "http-two");
  /* Both operators group to the right with equal strength, as in Nmap:
   * "a and b or c" is "a and (b or c)". */
  ASSERT_EQ_STR(sel(L, &dp, "safe and default or vuln", 0), "alpha");
  ASSERT_EQ_STR(sel(L, &dp, "(safe and default) or vuln", 0),
                "alpha,http-two");
  ASSERT_EQ_STR(sel(L, &dp, "vuln or safe and default", 0),
                "alpha,http-two");
  ASSERT_EQ_STR(sel(L, &dp, "not default or intrusive", 0),
                "beta,gamma-x,http-two");
  /* A name that is in no script is a glob that matches nothing. */
  ASSERT_EQ_STR(sel(L, &dp, "nothing or default", 0), "alpha,http-one");
  ASSERT_EQ_STR(sel(L, &dp, "safe and not alpha", 0), "gamma-x");
  /* A glob that matches makes the selection "by name", whatever the
   * logic around it; a category match does not. */
  ASSERT_EQ_STR(sel(L, &dp, "alpha or default", 0), "alpha+n,http-one");
  ASSERT_EQ_STR(sel(L, &dp, "not beta", 0),
                "alpha,gamma-x,http-one,http-two");
  ASSERT_EQ_STR(sel(L, &dp, "default and not gamma-x", 0), "alpha,http-one");
  /* Keywords need a space, a parenthesis or the end after them. */
  ASSERT_EQ_STR(sel(L, &dp, "notsafe", 0),
                "ERR: 'notsafe' did not match a category, filename, or "
                "directory");
  done(&dp, L);
}

/* A rule that is no expression goes to the path pass, and fails there. */
TEST(select_malformed_rules) {
  static const char *const bad[] = {
    "not", "and", "or", "default and", "default or", "(default",
    "default)", "x(y", "default safe", "()", "not ()", NULL
  };
  struct nsx_datapath dp;
  lua_State *L = state();
  char want[256];
  int i;

  fixture(&dp, fixture_db);
  for (i = 0; bad[i] != NULL; i++) {
    snprintf(want, sizeof want,
             "ERR: '%s' did not match a category, filename, or directory",
             bad[i]);
    ASSERT_EQ_STR(sel(L, &dp, bad[i], 0), want);
  }
  /* ...where a file of that name is taken, spaces and all. */
  scratch_touch("default safe.nse", "");
  ASSERT_EQ_STR(sel(L, &dp, "default safe", 0), "default safe+n");
  ASSERT_EQ_STR(last.v[0].path, "default safe.nse");
  done(&dp, L);
}

/* Nesting is limited (Nmap's own parser is exponential and never gets
 * this far), and the message quotes the start of the rule. */
TEST(select_nested_too_deeply) {
  struct nsx_datapath dp;
  lua_State *L = state();
  static char rule[16384];
  int i;

  fixture(&dp, fixture_db);
  for (i = 0; i < 400; i++) rule[i] = '(';
  strcpy(rule + 400, "safe");
  for (i = 0; i < 400; i++) rule[404 + i] = ')';
  rule[804] = '\0';
  ASSERT_EQ_STR(sel(L, &dp, rule, 0), "alpha,gamma-x");
  for (i = 0; i < 600; i++) rule[i] = '(';
  strcpy(rule + 600, "safe");
  ASSERT_EQ_STR(sel(L, &dp, rule, 0),
                "ERR: script rule nested too deeply: '((((((((((((((((((((("
                "(((((((((((((((((((((((((((((((((((((((...'");
  for (i = 0; i < 2000; i++) memcpy(rule + 4 * i, "not ", 4);
  strcpy(rule + 8000, "safe");
  ASSERT(strstr(sel(L, &dp, rule, 0), "nested too deeply") != NULL);
  for (i = 0; i < 900; i++) memcpy(rule + 8 * i, "safe or ", 8);
  strcpy(rule + 7200, "vuln");
  ASSERT_EQ_STR(sel(L, &dp, rule, 0), "alpha,gamma-x,http-two");
  done(&dp, L);
}

/* Rules: split on ',', trimmed, '+' taken off; the first rule that matches
 * a script decides its flags; a repeated rule has the '+' of its last
 * occurrence; each script is taken once, in script.db order. */
TEST(select_rule_list) {
  struct nsx_datapath dp;
  lua_State *L = state();

  fixture(&dp, fixture_db);
  ASSERT_EQ_STR(sel(L, &dp, "safe,alpha", 0), "alpha,gamma-x");
  ASSERT_EQ_STR(sel(L, &dp, "alpha,safe", 0), "alpha+n,gamma-x");
  ASSERT_EQ_STR(sel(L, &dp, "safe,+alpha", 0), "alpha,gamma-x");
  ASSERT_EQ_STR(sel(L, &dp, "+alpha,safe", 0), "alpha+n+f,gamma-x");
  ASSERT_EQ_STR(sel(L, &dp, "alpha,+alpha", 0), "alpha+n+f");
  ASSERT_EQ_STR(sel(L, &dp, "+alpha,alpha", 0), "alpha+n");
  ASSERT_EQ_STR(sel(L, &dp, "http-two,alpha,alpha.nse", 0),
                "alpha+n,http-two+n");
  ASSERT_EQ_STR(sel(L, &dp, " +vuln , gamma-x ", 0), "gamma-x+n,http-two+f");
  /* "+ x" keeps its space, which the expression parser then skips. */
  ASSERT_EQ_STR(sel(L, &dp, "+ beta", 0), "beta+n+f");
  ASSERT_EQ_STR(sel(L, &dp, "", 0), "");
  ASSERT_EQ_STR(sel(L, &dp, NULL, 0), "");
  ASSERT_EQ_STR(sel(L, &dp, ", + ,,", 0), "");
  ASSERT_EQ_INT(last.db_read, 0);
  ASSERT_EQ_STR(sel(L, &dp, "default,nothing", 0),
                "ERR: 'nothing' did not match a category, filename, or "
                "directory");
  done(&dp, L);
}

TEST(select_path_pass) {
  struct nsx_datapath dp;
  lua_State *L = state();
  char rule[PATH_MAX + 8];

  fixture(&dp, fixture_db);
  scratch_mkdirs("extra");
  scratch_touch("extra/one.nse", "");
  scratch_touch("extra/two.nse", "");
  scratch_touch("extra/notes.txt", "");
  scratch_mkdirs("extra/sub.nse");
  scratch_mkdirs("data/scripts/pack");
  scratch_touch("data/scripts/pack/deep.nse", "");
  /* Absolute, with and without ".nse". */
  ASSERT_EQ_STR(sel(L, &dp, scratch_at("extra/one.nse"), 0), "one+n");
  ASSERT_EQ_STR(last.v[0].path, scratch_at("extra/one.nse"));
  ASSERT_EQ_STR(sel(L, &dp, scratch_at("extra/one"), 0), "one+n");
  ASSERT_EQ_STR(last.v[0].path, scratch_at("extra/one.nse"));
  snprintf(rule, sizeof rule, "+%s", scratch_at("extra/two"));
  ASSERT_EQ_STR(sel(L, &dp, rule, 0), "two+n+f");
  /* Relative to the current directory, kept as typed. */
  ASSERT_EQ_STR(sel(L, &dp, "extra/two", 0), "two+n");
  ASSERT_EQ_STR(last.v[0].path, "extra/two.nse");
  /* In rule order, after the script.db matches. */
  ASSERT_EQ_STR(sel(L, &dp, "extra/two.nse,extra/one,vuln", 0),
                "http-two,two+n,one+n");
  /* scripts/<rule> along the data path comes before the cwd. */
  ASSERT_EQ_STR(sel(L, &dp, "pack/deep", 0), "deep+n");
  ASSERT_EQ_STR(last.v[0].path, scratch_at("data/scripts/pack/deep.nse"));
  scratch_touch("alpha.nse", "");
  ASSERT_EQ_STR(sel(L, &dp, "./alpha.nse", 0), "alpha+n");
  ASSERT_EQ_STR(last.v[0].path, scratch_at("data/scripts/./alpha.nse"));
  /* A directory with '/': its *.nse files (not sub-directories), sorted,
   * not by name. */
  ASSERT_EQ_STR(sel(L, &dp, "extra/", 0), "one,two");
  ASSERT_EQ_STR(last.v[0].path, "extra/one.nse");
  ASSERT_EQ_STR(sel(L, &dp, "+extra/", 0), "one+f,two+f");
  ASSERT_EQ_STR(sel(L, &dp, "pack/", 0), "deep");
  ASSERT_EQ_STR(last.v[0].path, scratch_at("data/scripts/pack/deep.nse"));
  snprintf(rule, sizeof rule, "%s/", scratch_at("extra"));
  ASSERT_EQ_STR(sel(L, &dp, rule, 0), "one,two");
  ASSERT_EQ_STR(last.v[1].path, scratch_at("extra/two.nse"));
  /* A file named by path and found in a directory rule is taken once. */
  ASSERT_EQ_STR(sel(L, &dp, "extra/two,extra/", 0), "two+n,one");
  /* Without the '/', a directory is an error, as in Nmap. */
  ASSERT_EQ_STR(sel(L, &dp, "extra", 0),
                "ERR: directory 'extra' found, but will not match without "
                "'/'");
  ASSERT(strstr(sel(L, &dp, "pack", 0), "data/scripts/pack' found") != NULL);
  ASSERT(strstr(sel(L, &dp, "extra/sub", 0),
                "directory 'extra/sub.nse' found") != NULL);
  ASSERT_EQ_STR(sel(L, &dp, "extra/three", 0),
                "ERR: 'extra/three' did not match a category, filename, or "
                "directory");
  ASSERT_EQ_STR(sel(L, &dp, "extra/notes.txt/", 0),
                "ERR: 'extra/notes.txt/' did not match a category, "
                "filename, or directory");
  /* Any readable file named by path is taken, ".nse" or not. */
  ASSERT_EQ_STR(sel(L, &dp, "extra/notes.txt", 0), "notes+n");
  done(&dp, L);
}

/* The id is the file name without ".nse", else without its extension. */
TEST(select_script_ids) {
  struct nsx_datapath dp;
  lua_State *L = state();

  fixture(&dp, fixture_db);
  scratch_mkdirs("x.d");
  scratch_touch("x.d/noext", "");
  scratch_touch("x.d/a.b.nse", "");
  scratch_touch("x.d/c.lua", "");
  scratch_touch("x.d/.nse", "");
  ASSERT_EQ_STR(sel(L, &dp, "x.d/noext,x.d/a.b,x.d/c.lua,x.d/.nse", 0),
                "noext+n,a.b+n,c+n,.nse+n");
  done(&dp, L);
}

/* Two files with one id are an error; one file reached twice is not. */
TEST(select_duplicates) {
  struct nsx_datapath dp;
  lua_State *L = state();

  fixture(&dp, fixture_db);
  scratch_mkdirs("other");
  scratch_touch("other/alpha.nse", "");
  ASSERT_EQ_STR(sel(L, &dp, "alpha,other/alpha", 0),
                "ERR: duplicate script ID: 'alpha'");
  ASSERT_EQ_STR(sel(L, &dp, "other/,safe", 0),
                "ERR: duplicate script ID: 'alpha'");
  ASSERT_EQ_STR(sel(L, &dp, "other/alpha,./other/alpha.nse,other//alpha", 0),
                "alpha+n");
  ASSERT_EQ_STR(sel(L, &dp, "alpha,data/scripts/alpha.nse", 0), "alpha+n");
  ASSERT(symlink(scratch_at("other/alpha.nse"), scratch_at("link.nse")) == 0);
  ASSERT_EQ_STR(sel(L, &dp, "other/alpha,link", 0), "alpha+n");
  done(&dp, L);
}

/* Rules that can only be paths do not read script.db: here it is broken,
 * and no warning comes. A "name.nse" without '/' still needs it. */
TEST(select_db_skipped_for_paths) {
  struct nsx_datapath dp;
  lua_State *L = state();

  fixture(&dp, "this is not Lua");
  scratch_mkdirs("extra");
  scratch_touch("extra/one.nse", "");
  ASSERT_EQ_STR(sel(L, &dp, "extra/one.nse", 0), "one+n");
  ASSERT_EQ_INT(last.db_read, 0);
  ASSERT_EQ_INT(last.nwarnings, 0);
  ASSERT_EQ_STR(sel(L, &dp, scratch_at("extra/one"), 0), "one+n");
  ASSERT_EQ_STR(sel(L, &dp, "+extra/,data/scripts/alpha.nse", 0),
                "one+f,alpha+n");
  ASSERT_EQ_INT(last.db_read, 0);
  ASSERT_EQ_STR(sel(L, &dp, "extra/*.nse", 0),
                "ERR: 'extra/*.nse' did not match a category, filename, or "
                "directory");
  ASSERT_EQ_INT(last.db_read, 0);
  ASSERT_EQ_STR(sel(L, &dp, "alpha.nse", 0), "alpha+n");
  ASSERT_EQ_INT(last.db_read, 1);
  ASSERT_EQ_INT(last.nwarnings, 1);
  /* "not x/y" is an expression, true for every script. */
  ASSERT_EQ_STR(sel(L, &dp, "not extra/one", 0),
                "alpha,beta,gamma-x,http-one,http-two");
  ASSERT_EQ_INT(last.db_read, 1);
  done(&dp, L);
}

/* No script.db: every scripts/ *.nse is there, with no categories. */
TEST(select_db_missing) {
  struct nsx_datapath dp;
  lua_State *L = state();

  fixture(&dp, NULL);
  ASSERT_EQ_STR(sel(L, &dp, "alpha", 0), "alpha+n");
  ASSERT_EQ_INT(last.nwarnings, 1);
  ASSERT(strstr(last.warnings[0], "script database 'scripts/script.db' "
                                  "was not found along the data path") !=
         NULL);
  ASSERT(strstr(last.warnings[0], scratch_at("data/scripts")) != NULL);
  ASSERT_EQ_STR(sel(L, &dp, "*", 0),
                "alpha+n,beta+n,gamma-x+n,http-one+n,http-two+n");
  ASSERT_EQ_STR(sel(L, &dp, "all", 0),
                "alpha,beta,gamma-x,http-one,http-two");
  ASSERT_EQ_STR(sel(L, &dp, "default", 0),
                "ERR: 'default' did not match a category, filename, or "
                "directory");
  /* Not even a scripts directory: paths still work. */
  ASSERT_EQ_INT(scratch_rm("data/scripts"), 0);
  scratch_touch("one.nse", "");
  ASSERT_EQ_STR(sel(L, &dp, "one", 0), "one+n");
  ASSERT_EQ_INT(last.nwarnings, 1);
  ASSERT(strstr(last.warnings[0], "no scripts directory") != NULL);
  ASSERT_EQ_STR(sel(L, &dp, "./one.nse", 0), "one+n");
  ASSERT_EQ_INT(last.nwarnings, 0);
  done(&dp, L);
}

/* A script.db that does not load is reported and replaced the same way. */
TEST(select_db_broken) {
  static const char *const broken[] = {
    "Entry { filename = ",                                 /* syntax */
    "Entry { filename = 1, categories = {} }",             /* types */
    "Entry { filename = \"a.nse\" }",
    "Entry { filename = \"a.nse\", categories = { 1 } }",
    "Entry \"a.nse\"",
    "print('hi')",                                          /* no globals */
    "error('boom')",
    "\x1bLua",                                              /* binary */
    NULL
  };
  struct nsx_datapath dp;
  lua_State *L = state();
  int i;

  for (i = 0; broken[i] != NULL; i++) {
    fixture(&dp, broken[i]);
    ASSERT_EQ_STR(sel(L, &dp, "alpha,gamma-x", 0), "alpha+n,gamma-x+n");
    ASSERT_EQ_INT(last.nwarnings, 1);
    ASSERT(strstr(last.warnings[0], "could not be loaded") != NULL);
    ASSERT(strstr(last.warnings[0], scratch_at("data/scripts/script.db")) != NULL);
    ASSERT_EQ_INT(lua_gettop(L), 0);
    nsx_datapath_free(&dp);
    scratch_cleanup();
  }
  nsx_selection_free(&last);
  lua_close(L);
}

/* An entry whose file is gone: a warning, and the rule that matched it
 * counts as used (no "did not match" error), as in Nmap. */
TEST(select_db_entry_without_file) {
  struct nsx_datapath dp;
  lua_State *L = state();
  char db[sizeof fixture_db + 128];

  snprintf(db, sizeof db, "%sEntry { filename = \"ghost.nse\", "
           "categories = { \"safe\", } }\n", fixture_db);
  fixture(&dp, db);
  ASSERT_EQ_STR(sel(L, &dp, "ghost", 0), "");
  ASSERT_EQ_INT(last.nwarnings, 1);
  ASSERT_EQ_STR(last.warnings[0], "could not load 'ghost.nse' "
                "listed in script.db: no such file in scripts/ along the "
                "data path");
  ASSERT_EQ_STR(sel(L, &dp, "safe", 0), "alpha,gamma-x");
  ASSERT_EQ_INT(last.nwarnings, 1);
  /* Nmap falls back to the cwd for such an entry too. */
  scratch_touch("ghost.nse", "");
  ASSERT_EQ_STR(sel(L, &dp, "safe", 0), "alpha,gamma-x,ghost");
  ASSERT_EQ_STR(last.v[2].path, "ghost.nse");
  done(&dp, L);
}

/* -sV adds "version", which may match nothing. */
TEST(select_version_flag) {
  struct nsx_datapath dp;
  lua_State *L = state();

  fixture(&dp, fixture_db);
  ASSERT_EQ_STR(sel(L, &dp, NULL, NSX_SELECT_VERSION), "");
  ASSERT_EQ_STR(sel(L, &dp, "vuln", NSX_SELECT_VERSION), "http-two");
  ASSERT_EQ_STR(sel(L, &dp, "version", 0),
                "ERR: 'version' did not match a category, filename, or "
                "directory");
  scratch_touch("data/scripts/script.db",
        "Entry { filename = \"alpha.nse\", categories = { \"version\", } }\n");
  ASSERT_EQ_STR(sel(L, &dp, NULL, NSX_SELECT_VERSION), "alpha");
  ASSERT_EQ_STR(sel(L, &dp, "+version", NSX_SELECT_VERSION), "alpha");
  done(&dp, L);
}

static int strp_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs nmap --script-help on Debian's data and returns the names it
 * lists, sorted when 'sort' is set, or its error message, in the same form
 * as sel(). Returns NULL when nmap is not there. */
static const char *nmap_select(const char *rules, int sort) {
  static char out[65536];
  char cmd[1024], line[4096], prev[4096] = "", *names[1024], *nl;
  size_t n = 0, i, len = 0;
  FILE *p;

  if (access("/usr/bin/nmap", X_OK) != 0 ||
      access("/usr/share/nmap/scripts/script.db", R_OK) != 0)
    return NULL;
  snprintf(cmd, sizeof cmd, "/usr/bin/nmap --datadir /usr/share/nmap "
           "--script-help '%s' 2>&1", rules);
  ASSERT((p = popen(cmd, "r")) != NULL);
  out[0] = '\0';
  while (fgets(line, sizeof line, p) != NULL) {
    if ((nl = strchr(line, '\n')) != NULL) *nl = '\0';
    if (strncmp(line, "Categories:", 11) == 0 && n < 1024)
      names[n++] = strdup(prev);
    if ((nl = strstr(line, "nse_main.lua:")) != NULL && out[0] == '\0' &&
        (nl = strstr(nl, ": ")) != NULL)
      snprintf(out, sizeof out, "ERR: %s", nl + 2);
    strcpy(prev, line);
  }
  pclose(p);
  if (out[0] != '\0') return out;
  if (sort) qsort(names, n, sizeof *names, strp_cmp);
  for (i = 0; i < n; i++) {
    len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", i ? "," : "",
                            names[i]);
    free(names[i]);
  }
  return out;
}

/* The ids sel() gives, without the flags, sorted if asked. [-0, +0, -] */
static const char *ours(lua_State *L, const struct nsx_datapath *dp,
                        const char *rules, int sort) {
  static char out[65536];
  char *ids[1024];
  size_t i, len = 0;
  const char *r = sel(L, dp, rules, 0);

  if (strncmp(r, "ERR: ", 5) == 0) return r;
  ASSERT(last.n < 1024);
  for (i = 0; i < last.n; i++) ids[i] = last.v[i].id;
  if (sort) qsort(ids, last.n, sizeof *ids, strp_cmp);
  out[0] = '\0';
  for (i = 0; i < last.n; i++)
    len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", i ? "," : "",
                            ids[i]);
  return out;
}

static void compare_with_nmap(const char *const *rules, int sort) {
  struct nsx_datapath dp;
  lua_State *L = state();
  const char *theirs;
  char *mine;
  int i;

  ASSERT_EQ_INT(nsx_datapath_init(&dp, "/usr/share/nmap", "nsx"), 0);
  for (i = 0; rules[i] != NULL; i++) {
    if ((theirs = nmap_select(rules[i], sort)) == NULL) {
      printf("# skipped: no nmap or no /usr/share/nmap\n");
      break;
    }
    mine = strdup(ours(L, &dp, rules[i], sort));
    if (strcmp(mine, theirs) != 0)
      UNIT_FAIL("rule '%s':\n#  nsx:  %.300s\n#  nmap: %.300s", rules[i],
                mine, theirs);
    free(mine);
  }
  done(&dp, L);
}

TEST(select_nmap_expressions) {
  static const char *const rules[] = {
    "default", "default or safe", "http-* and not intrusive",
    "(default or safe) and not http-*", "vuln and safe or broadcast",
    "broadcast or vuln and safe", "NOT intrusive", "not(default)",
    "*-brute and not (http-* or smb-*)", NULL
  };
  compare_with_nmap(rules, 0);
}

TEST(select_nmap_lists) {
  static const char *const rules[] = {
    "ssl-cert,+banner", "all", "*", "http-title.nse", "smb-vuln-*,default",
    "safe and default,banner", "version", "nothing", "HTTP-TITLE",
    "default and", "false", NULL
  };
  compare_with_nmap(rules, 0);
}

/* Paths: nmap lists a directory in readdir order, so compare sorted. */
TEST(select_nmap_paths) {
  static const char script[] = "description = 'x'\ncategories = {'safe'}\n"
                               "portrule = function() end\n"
                               "action = function() end\n";
  const char *rules[5];
  char dir[PATH_MAX + 2], file[PATH_MAX + 2], bare[PATH_MAX + 2], both[9000];

  scratch_dir("select");
  scratch_mkdirs("d");
  scratch_touch("d/zeta.nse", script);
  scratch_touch("d/alpha-nsx.nse", script);
  scratch_touch("d/mid.nse", script);
  scratch_touch("d/readme.txt", "");
  scratch_touch("lone-nsx.nse", script);
  snprintf(dir, sizeof dir, "%s/", scratch_at("d"));
  snprintf(file, sizeof file, "%s", scratch_at("lone-nsx"));
  snprintf(bare, sizeof bare, "%s", scratch_at("d"));
  snprintf(both, sizeof both, "%s,banner,%s", dir, scratch_at("lone-nsx.nse"));
  rules[0] = dir;
  rules[1] = file;
  rules[2] = bare;
  rules[3] = both;
  rules[4] = NULL;
  compare_with_nmap(rules, 1);
}

/* How each script was chosen, against nmap -d2's "selected by" lines. */
TEST(select_nmap_flags) {
  static const char *const rules[] = {
    "ssl-cert,+banner", "safe,banner", "banner,+safe", "banner,+banner",
    "default or banner", NULL
  };
  struct nsx_datapath dp;
  lua_State *L = state();
  char cmd[512], line[1024], want[256];
  size_t k;
  FILE *p;
  int i, found;

  if (access("/usr/bin/nmap", X_OK) != 0 ||
      access("/usr/share/nmap/scripts/script.db", R_OK) != 0) {
    printf("# skipped: no nmap or no /usr/share/nmap\n");
    return;
  }
  ASSERT_EQ_INT(nsx_datapath_init(&dp, "/usr/share/nmap", "nsx"), 0);
  for (i = 0; rules[i] != NULL; i++) {
    ASSERT(strncmp(sel(L, &dp, rules[i], 0), "ERR", 3) != 0);
    snprintf(cmd, sizeof cmd, "/usr/bin/nmap -d2 --datadir /usr/share/nmap "
             "--script-help '%s' 2>&1", rules[i]);
    ASSERT((p = popen(cmd, "r")) != NULL);
    found = 0;
    while (fgets(line, sizeof line, p) != NULL) {
      if (strstr(line, " was selected by ") == NULL) continue;
      for (k = 0; k < last.n; k++) {
        snprintf(want, sizeof want, "NSE: Script %s.nse was selected by %s%s",
                 last.v[k].id, last.v[k].by_name ? "name" : "category",
                 last.v[k].forced ? " and forced to run." : ".");
        if (strncmp(line, want, strlen(want)) == 0) break;
      }
      if (k == last.n)
        UNIT_FAIL("rule '%s': nsx disagrees with nmap's %s", rules[i], line);
      found++;
    }
    pclose(p);
    ASSERT_EQ_INT(found, last.n);
  }
  done(&dp, L);
}
