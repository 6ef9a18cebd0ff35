/* Script results: what an action's return values become (engine.md §6),
 * rendered while the Lua values still exist into the three forms the
 * writers need (text, the children of XML <script>, JSON), plus the
 * escaping and the "| id: ..." layout those writers share. Where results
 * go and the document structure around them belong to out_*.c. */
#ifndef NSX_OUTPUT_FORMAT_H
#define NSX_OUTPUT_FORMAT_H

#include <stddef.h>

#include <lua.h>

/* A growable byte string. 'data' is NULL while empty, else always ends in
 * a NUL byte at data[len] (not counted), so it can be used as a C string
 * when it holds no NUL of its own. Start from all zeroes. */
struct nsx_strbuf {
  char *data;
  size_t len, cap;
};

/* Append 'n' bytes. Returns 0, or -ENOMEM (the buffer is unchanged). */
int nsx_strbuf_add(struct nsx_strbuf *b, const void *p, size_t n);

/* Release the bytes and reset 'b' to all zeroes. Idempotent. */
void nsx_strbuf_free(struct nsx_strbuf *b);

/* Limits of the walk over a structured value. Tables nested deeper than
 * NSX_RESULT_MAXDEPTH, a table met again inside itself (a cycle), and more
 * than NSX_RESULT_MAXITEMS entries in all are reported instead of hanging:
 * see 'struct nsx_result'. On a cycle Nmap itself recurses until Lua runs
 * out of stack, which takes over a minute, loses the text and leaves the
 * XML malformed. */
#define NSX_RESULT_MAXDEPTH 1000
#define NSX_RESULT_MAXITEMS (1L << 22)

/* One script result. Every pointer is malloc'd, NUL-terminated (the
 * length excludes the NUL; the bytes may hold NULs of their own), and
 * owned by the struct until nsx_result_free; a caller may take one by
 * copying it and setting the field to NULL.
 *
 * 'stored' is 0 when the action gave nothing to store (its first value
 * nil and its second falsy): then every pointer is NULL.
 * Otherwise 'text' is the §1 text before any escaping, never NULL, and
 * empty for `return ""` or `return {}` (the writers then print
 * "Bug in <id>: no string output." and no lines; see nsx_result_layout).
 * 'has_tab' says a structured value exists; then 'xml' holds exactly what
 * goes between `<script id=".." output="..">` and `</script>` (possibly
 * "", which still gets the separate closing tag), and 'json' that value
 * as JSON. Without it both are NULL and XML gets `<script .../>`.
 *
 * Errors in __pairs, __index or __tostring met while formatting do not
 * fail the capture, as in Nmap: a failed text walk leaves 'text' empty
 * and sets 'text_error'; a failed structure walk keeps what was written
 * before the error, closes every open table (so the XML and JSON stay
 * well formed) and sets 'tab_error'. A cycle or too deep a nesting is such
 * an error for the text; in 'xml' and 'json' it becomes the marker string
 * "<cycle>" or "<too deep>" in place of the table. Metamethods run once
 * per walk (text, then structure), and may not yield (that error is
 * handled like any other).
 *
 * JSON: a table with ipairs items only is an array; any other table,
 * the empty one included, is an object whose keys are the items' numbers
 * ("1", "2"...) and then the string keys, in the XML's order. Keys the
 * XML drops are dropped too, and __tostring is ignored as in the XML.
 * Integers and finite floats are numbers (floats in the fewest digits
 * that read back exactly, with ".0" when they would look integral);
 * booleans are booleans; strings go through nsx_json_quote; anything
 * else (inf, nan, functions, userdata...) is the string tostring gives. */
struct nsx_result {
  char *text;
  size_t textlen;
  char *xml;
  size_t xmllen;
  char *json;
  size_t jsonlen;
  char *text_error;  /* why 'text' is empty despite a value, or NULL */
  char *tab_error;   /* why 'xml' and 'json' stop early, or NULL */
  unsigned stored : 1;
  unsigned has_tab : 1;
};

/* Apply engine.md §6 to the action's return values: the 'nret' values on
 * top of the stack (0 means none; only the first two count), which are
 * popped. Fills '*res', which needs no initialisation and must later go
 * to nsx_result_free.
 *   second value truthy: structured value = first (if not nil), text =
 *                        tostring(second), or format(first) when that
 *                        is empty (as Nmap does);
 *   first is a string:   text only;
 *   first is nil:        nothing stored;
 *   any other first:     structured value, text = format(first) (§2).
 * Raises on out-of-memory and when tostring of the second value raises
 * (Nmap aborts its whole script engine there; the caller should report it
 * as the script's error). On a raise '*res' is left all zeroes and the
 * partial renderings are released when the stack unwinds. Must run in
 * protected mode, for instance from a C function under lua_pcall, or
 * through nsx_result_pcapture. Never yields. [-nret, +0, e] */
void nsx_result_capture(lua_State *L, int nret, struct nsx_result *res);

/* nsx_result_capture under lua_pcall with message handler 'msgh' (a stack
 * index, or 0 for none; it must lie below the 'nret' values). Returns
 * LUA_OK, or the lua_pcall status with the error object pushed and
 * '*res' all zeroes. Out-of-memory met inside the walks comes back as
 * LUA_ERRRUN with the message "not enough memory"; LUA_ERRMEM with a nil
 * error object means the stack could not even grow by two slots.
 * [-nret, +(0|1), -] */
int nsx_result_pcapture(lua_State *L, int nret, struct nsx_result *res,
                        int msgh);

/* Release everything 'res' owns and zero it. Idempotent. */
void nsx_result_free(struct nsx_result *res);

/* The escaping functions below append to 'b'; on -ENOMEM it may hold part
 * of the output.
 *
 * Normal-output escaping (§1.2): bytes outside 0x20..0x7E except '\t' and
 * '\n' become "\xHH" (upper-case hex). Returns 0 or -ENOMEM. */
int nsx_screen_escape(struct nsx_strbuf *b, const char *s, size_t n);

/* XML escaping as Nmap writes attribute values and element text:
 * & < > " ' as entities, bytes below 0x20 or above 0x7F as "&#xN;"
 * (lower-case hex, no leading zeroes) and a '-' that follows a '-' as
 * "&#45;". Used as is for the script id. Returns 0 or -ENOMEM. */
int nsx_xml_escape(struct nsx_strbuf *b, const char *s, size_t n);

/* The same after Nmap's protection step, for script output (the `output`
 * attribute, <elem> text and key="" attributes): bytes outside
 * 0x20..0x7E other than '\t' '\r' '\n' first become "\xHH" (upper-case).
 * Returns 0 or -ENOMEM. */
int nsx_xml_escape_output(struct nsx_strbuf *b, const char *s, size_t n);

/* Append 's' as a quoted JSON string. Valid UTF-8 is kept as is; '"',
 * '\\' and control bytes are escaped (\n \r \t \b \f, else \u00xx); every
 * byte that is not part of a valid UTF-8 sequence (stray continuation
 * bytes, overlong forms, surrogates, values past U+10FFFF, truncated
 * sequences) becomes \u00xx, i.e. it is read as Latin-1. That keeps the
 * output valid UTF-8, at the price that such a byte and the character
 * U+00xx look alike. Returns 0 or -ENOMEM. */
int nsx_json_quote(struct nsx_strbuf *b, const char *s, size_t n);

/* Returned by nsx_result_layout for an empty text. */
#define NSX_RESULT_NOTEXT 1

/* Lay out a result for normal output (§1.4-1.5): split 'text' on '\n' (a
 * final '\n' adds no line), screen-escape each line and append
 * "|_<id>: line\n" for a single line, else "| <id>: first\n", "| mid\n"...,
 * "|_last\n". The id is written as is. Returns 0, NSX_RESULT_NOTEXT when
 * 'n' is 0 (nothing appended; the caller prints "Bug in <id>: no string
 * output." to stderr, as Nmap does), or -ENOMEM. */
int nsx_result_layout(struct nsx_strbuf *b, const char *id, const char *text,
                      size_t n);

#endif
