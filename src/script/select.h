/* Script selection for --script (spec/engine.md §3): rules are matched
 * against scripts/script.db (categories, name globs, boolean expressions)
 * and then looked up as files and directories. The result is a list of
 * files; loading them (and runlevels) is the loader's business. */
#ifndef NSX_SELECT_H
#define NSX_SELECT_H

#include <lua.h>
#include <stddef.h>

#include "script/datapath.h"

/* One chosen script file. */
struct nsx_selected {
  char *path;            /* as found: absolute along the data path, as
                          * typed when relative to the current directory */
  char *id;              /* the file name without ".nse" (engine.md §2) */
  unsigned by_name : 1;  /* chosen by a name, glob or path: verbosity +1 */
  unsigned forced : 1;   /* chosen by a '+' rule: rule functions skipped */
};

struct nsx_selection {
  struct nsx_selected *v;  /* script.db order, then path rules in order */
  size_t n;
  char **warnings;         /* lines for the caller to log (no "Warning:"
                            * prefix), e.g. a missing script.db or an */
  size_t nwarnings;        /* entry whose file is gone */
  unsigned db_read : 1;    /* whether script.db had to be consulted */
};

enum {
  /* -sV: add the rule "version", which may match nothing without error. */
  NSX_SELECT_VERSION = 1u << 0
};

/* Selects the scripts named by 'rules', the --script text (NULL means no
 * rules; -sC with no --script is the rule "default", which the caller
 * passes). 'L' is used to read script.db, which is loaded as Lua in an
 * environment holding only 'Entry'; it is only read when some rule needs
 * it. If script.db is missing or does not load, every scripts/ *.nse file
 * is taken as present with no categories, and a warning says so.
 * Returns 0 with 'out' filled (free it with nsx_selection_free), or -1
 * with a one-line message in 'err' and 'out' empty. The messages are
 * Nmap's: "'<rule>' did not match a category, filename, or directory",
 * "directory '<path>' found, but will not match without '/'",
 * "duplicate script ID: '<id>'", or "out of memory". [-0, +0, -] */
int nsx_select(lua_State *L, const struct nsx_datapath *dp,
               const char *rules, unsigned flags, struct nsx_selection *out,
               char *err, size_t errlen);

/* Frees what nsx_select put in 'sel' and empties it. */
void nsx_selection_free(struct nsx_selection *sel);

#endif
