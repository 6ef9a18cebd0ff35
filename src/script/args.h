/* The NSE script-args parser (spec/engine.md §4): turns the text of
 * --script-args and --script-args-file into the Lua table that becomes
 * nmap.registry.args. Reading the file and storing the table are left to
 * the caller; stdnse.get_script_args looks values up in Lua. */
#ifndef NSX_ARGS_H
#define NSX_ARGS_H

#include <lua.h>
#include <stddef.h>

/* Tables nested deeper than this are refused. Nmap 7.93's parser runs out
 * of LPeg backtrack stack one level further, so the same inputs pass. */
enum { NSX_ARGS_MAXDEPTH = 64 };

/* Parses 'text' ('len' bytes, NUL bytes allowed) as the inside of a table,
 * exactly as Nmap parses "{" .. text .. "}": fields "key=value" or a bare
 * value, separated by ',' or newlines; values are quoted or unquoted
 * strings or nested {...} tables. All keys and values are strings. As in
 * Nmap, anything after the '}' that closes the outer table is ignored
 * (so "a=1}junk" gives {a="1"}).
 * Returns 0 and pushes the table, or -1, pushing nothing, with a one-line
 * message in 'err' naming the offset (0-based, in 'text') and the problem,
 * e.g.  script-args: unexpected '=' at offset 3 in "a=b=c".
 * [-0, +(0|1), m] */
int nsx_args_parse(lua_State *L, const char *text, size_t len, char *err,
                   size_t errlen);

/* Builds the arguments of a run the way Nmap does: the --script-args-file
 * contents ('file_contents', trailing commas removed) and then the
 * --script-args text ('cli'), joined with ',' so that command-line keys
 * win, parsed with nsx_args_parse. Either may be NULL; when the joined text
 * is empty the result is an empty table. As in Nmap 7.93, a file with no
 * 'cli' is joined with an empty 'cli', so "a=1" in the file alone gives
 * {"", a="1"}. The file must already be read;
 * it is taken up to its first NUL byte. Returns 0 and pushes the table, or
 * -1 with a message in 'err' that says which of the two sources is at fault
 * and where, pushing nothing. [-0, +(0|1), m] */
int nsx_args_load(lua_State *L, const char *file_contents_or_NULL,
                  const char *cli_or_NULL, char *err, size_t errlen);

#endif
