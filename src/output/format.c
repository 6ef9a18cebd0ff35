/* Script results: engine.md §6's table, the text of output.md §2, the XML
 * children of §4 and a JSON rendering, all taken from one action's return
 * values while they still exist; plus the escaping and line layout the
 * writers share. Whole documents are left to out_normal.c, out_xml.c and
 * out_json.c. */
#include "output/format.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#define BOX_NAME "nsx.result_box"

int nsx_strbuf_add(struct nsx_strbuf *b, const void *p, size_t n) {
  if (n >= b->cap - b->len) {  /* room for 'n' bytes and the NUL */
    size_t cap = b->cap ? b->cap : 64;
    char *q;
    if (n > SIZE_MAX / 4 - b->len) return -ENOMEM;
    while (cap - b->len <= n) cap *= 2;
    q = realloc(b->data, cap);
    if (!q) return -ENOMEM;
    b->data = q;
    b->cap = cap;
  }
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

void nsx_strbuf_free(struct nsx_strbuf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* Append "\xHH" for byte 'c'. */
static int add_hex(struct nsx_strbuf *b, unsigned char c) {
  char tmp[5];
  snprintf(tmp, sizeof tmp, "\\x%02X", c);
  return nsx_strbuf_add(b, tmp, 4);
}

int nsx_screen_escape(struct nsx_strbuf *b, const char *s, size_t n) {
  size_t i, run = 0;
  int rc;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c >= 0x20 && c <= 0x7e) || c == '\t' || c == '\n') continue;
    if ((rc = nsx_strbuf_add(b, s + run, i - run)) != 0) return rc;
    if ((rc = add_hex(b, c)) != 0) return rc;
    run = i + 1;
  }
  return nsx_strbuf_add(b, s + run, n - run);
}

/* Both XML escapes. With 'protect', Nmap's protection step runs first and
 * the escaping then sees its output, so 'prev' is the previous character
 * of that output (a hex digit after a "\xHH"). */
static int xml_escape(struct nsx_strbuf *b, const char *s, size_t n,
                      int protect) {
  size_t i, run = 0;
  unsigned char prev = 0;
  int rc;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char tmp[16];
    const char *rep = tmp;
    if (protect && !((c >= 0x20 && c <= 0x7e) || c == '\t' || c == '\r' ||
                     c == '\n')) {
      snprintf(tmp, sizeof tmp, "\\x%02X", c);
      c = '0';
    } else if (c == '&') {
      rep = "&amp;";
    } else if (c == '<') {
      rep = "&lt;";
    } else if (c == '>') {
      rep = "&gt;";
    } else if (c == '"') {
      rep = "&quot;";
    } else if (c == '\'') {
      rep = "&apos;";
    } else if (c < 0x20 || c > 0x7f) {
      snprintf(tmp, sizeof tmp, "&#x%x;", c);
    } else if (c == '-' && prev == '-') {
      rep = "&#45;";
    } else {
      prev = c;
      continue;
    }
    prev = c;
    if ((rc = nsx_strbuf_add(b, s + run, i - run)) != 0) return rc;
    if ((rc = nsx_strbuf_add(b, rep, strlen(rep))) != 0) return rc;
    run = i + 1;
  }
  return nsx_strbuf_add(b, s + run, n - run);
}

int nsx_xml_escape(struct nsx_strbuf *b, const char *s, size_t n) {
  return xml_escape(b, s, n, 0);
}

int nsx_xml_escape_output(struct nsx_strbuf *b, const char *s, size_t n) {
  return xml_escape(b, s, n, 1);
}

/* Length of the valid UTF-8 sequence at 's' (1 to 4), or 0 when the byte
 * there starts none: RFC 3629's table, so no overlong forms, surrogates
 * or code points past U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0], lo = 0x80, hi = 0xbf;
  size_t len, i;
  if (c < 0x80) return 1;
  if (c < 0xc2) return 0;
  if (c < 0xe0) {
    len = 2;
  } else if (c < 0xf0) {
    len = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c < 0xf5) {
    len = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi) return 0;
  for (i = 2; i < len; i++)
    if ((s[i] & 0xc0) != 0x80) return 0;
  return len;
}

int nsx_json_quote(struct nsx_strbuf *b, const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, run = 0, len;
  int rc;
  if ((rc = nsx_strbuf_add(b, "\"", 1)) != 0) return rc;
  while (i < n) {
    unsigned char c = u[i];
    char tmp[8];
    const char *rep = tmp;
    if (c >= 0x20 && c != '"' && c != '\\' && (len = utf8_len(u + i, n - i))) {
      i += len;
      continue;
    }
    switch (c) {
    case '"': rep = "\\\""; break;
    case '\\': rep = "\\\\"; break;
    case '\n': rep = "\\n"; break;
    case '\r': rep = "\\r"; break;
    case '\t': rep = "\\t"; break;
    case '\b': rep = "\\b"; break;
    case '\f': rep = "\\f"; break;
    default: snprintf(tmp, sizeof tmp, "\\u%04x", c); break;
    }
    if ((rc = nsx_strbuf_add(b, s + run, i - run)) != 0) return rc;
    if ((rc = nsx_strbuf_add(b, rep, strlen(rep))) != 0) return rc;
    run = ++i;
  }
  if ((rc = nsx_strbuf_add(b, s + run, n - run)) != 0) return rc;
  return nsx_strbuf_add(b, "\"", 1);
}

int nsx_result_layout(struct nsx_strbuf *b, const char *id, const char *text,
                      size_t n) {
  size_t start = 0, end, idlen = strlen(id);
  int rc, first = 1;
  if (n == 0) return NSX_RESULT_NOTEXT;
  while (start < n) {
    const char *nl = memchr(text + start, '\n', n - start);
    int last;
    end = nl ? (size_t)(nl - text) : n;
    last = end + 1 >= n;  /* no line after this one */
    rc = nsx_strbuf_add(b, last ? "|_" : "| ", 2);
    if (!rc && first) rc = nsx_strbuf_add(b, id, idlen);
    if (!rc && first) rc = nsx_strbuf_add(b, ": ", 2);
    if (!rc) rc = nsx_screen_escape(b, text + start, end - start);
    if (!rc) rc = nsx_strbuf_add(b, "\n", 1);
    if (rc) return rc;
    first = 0;
    start = end + 1;
  }
  return 0;
}

/* The renderings being built, anchored on the Lua stack in a userdata
 * that frees them when an error unwinds the capture. */
struct box {
  struct nsx_strbuf text, xml, json, text_error, tab_error;
};

/* One walk over a value: where it writes and what it has seen. The
 * structure walk also keeps, per open container (the root is level 0),
 * its JSON closing bracket and whether it has members yet. */
struct walk {
  lua_State *L;
  struct box *box;
  int path;     /* a table whose keys are the tables on the current path */
  int oom;      /* the error being raised is out-of-memory */
  long items;
  int depth;    /* open containers */
  char close[NSX_RESULT_MAXDEPTH + 1];
  char nonempty[NSX_RESULT_MAXDEPTH + 1];
};

/* A pairs() traversal: slots 'it' (function), 'it'+1 (state) and 'it'+2
 * (control); 'raw' means plain lua_next over the state. */
struct iter {
  int it, raw;
};

/* __gc and __close of the box: free what it still owns. [-0, +0, -] */
static int box__gc(lua_State *L) {
  struct box *bx = luaL_checkudata(L, 1, BOX_NAME);
  nsx_strbuf_free(&bx->text);
  nsx_strbuf_free(&bx->xml);
  nsx_strbuf_free(&bx->json);
  nsx_strbuf_free(&bx->text_error);
  nsx_strbuf_free(&bx->tab_error);
  return 0;
}

/* [-0, +1, m] */
static int box__tostring(lua_State *L) {
  lua_pushfstring(L, BOX_NAME ": %p", lua_touserdata(L, 1));
  return 1;
}

/* Push a new empty box marked to-be-closed. [-0, +1, m] */
static struct box *box_push(lua_State *L) {
  struct box *bx = lua_newuserdatauv(L, sizeof *bx, 0);
  memset(bx, 0, sizeof *bx);
  if (luaL_newmetatable(L, BOX_NAME)) {
    lua_pushcfunction(L, box__gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, box__gc);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, box__tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_setmetatable(L, -2);  /* box */
  lua_toclose(L, -1);
  return bx;
}

/* Raise an out-of-memory error that the walks do not swallow.
 * [-0, +1, e] */
static void oom(struct walk *w) {
  w->oom = 1;
  lua_pushliteral(w->L, "not enough memory");
  lua_error(w->L);
}

/* Append to 'b' or raise. [-0, +0, e] */
static void put(struct walk *w, struct nsx_strbuf *b, const void *p,
                size_t n) {
  if (nsx_strbuf_add(b, p, n) != 0) oom(w);
}

/* Raise if an escaping function failed. [-0, +0, e] */
static void check(struct walk *w, int rc) {
  if (rc != 0) oom(w);
}

/* Count one more entry against the limit. [-0, +0, e] */
static void count(struct walk *w) {
  if (++w->items > NSX_RESULT_MAXITEMS)
    luaL_error(w->L, "script output has more than %d entries",
               (int)NSX_RESULT_MAXITEMS);
}

/* Is the table at 't' on the current path? [-0, +0, -] */
static int on_path(struct walk *w, int t) {
  int found;
  lua_pushvalue(w->L, t);
  found = lua_rawget(w->L, w->path) != LUA_TNIL;
  lua_pop(w->L, 1);
  return found;
}

/* Put the table at 't' on the current path or take it off. [-0, +0, m] */
static void set_path(struct walk *w, int t, int on) {
  lua_pushvalue(w->L, t);
  if (on)
    lua_pushboolean(w->L, 1);
  else
    lua_pushnil(w->L);
  lua_rawset(w->L, w->path);
}

/* Start pairs(t) as Lua 5.4 does: __pairs(t) truncated to 3 values, else
 * next, t, nil. [-0, +3, e] */
static void iter_start(lua_State *L, int t, struct iter *it) {
  it->raw = luaL_getmetafield(L, t, "__pairs") == LUA_TNIL;
  if (it->raw) {
    lua_pushnil(L);  /* unused */
    lua_pushvalue(L, t);
    lua_pushnil(L);
  } else {
    lua_pushvalue(L, t);
    lua_call(L, 1, 3);  /* f, s, control */
  }
  it->it = lua_gettop(L) - 2;
}

/* Step a traversal like a generic for: push the next key and value and
 * return 1, or push nothing and return 0 once the key is nil.
 * [-0, +(0|2), e] */
static int iter_next(lua_State *L, struct iter *it) {
  if (it->raw) {
    lua_pushvalue(L, it->it + 2);
    if (!lua_next(L, it->it + 1)) return 0;
  } else {
    lua_pushvalue(L, it->it);
    lua_pushvalue(L, it->it + 1);
    lua_pushvalue(L, it->it + 2);
    lua_call(L, 2, 2);  /* key, value */
    if (lua_isnil(L, -2)) {
      lua_pop(L, 2);
      return 0;
    }
  }
  lua_pushvalue(L, -2);
  lua_replace(L, it->it + 2);  /* the control value is now the key */
  return 1;
}

static void text_value(struct walk *w, int v, int depth);

/* Start a line of a table's text: newline and the indentation of nesting
 * 'depth'. [-0, +0, e] */
static void text_line(struct walk *w, int depth) {
  static const char spaces[] = "\n                                ";
  size_t n = 2 * (size_t)depth + 2;
  put(w, &w->box->text, spaces, 1);
  while (n > 0) {
    size_t k = n < sizeof spaces - 2 ? n : sizeof spaces - 2;
    put(w, &w->box->text, spaces + 1, k);
    n -= k;
  }
}

/* Append format(t) for a table without __tostring (§2). [-0, +0, e] */
static void text_table(struct walk *w, int t, int depth) {
  lua_State *L = w->L;
  lua_Integer i;
  struct iter it;
  if (depth > NSX_RESULT_MAXDEPTH)
    luaL_error(L, "script output nested more than %d deep",
               NSX_RESULT_MAXDEPTH);
  if (on_path(w, t)) luaL_error(L, "script output table contains itself");
  set_path(w, t, 1);
  for (i = 1; lua_geti(L, t, i) != LUA_TNIL; i++) {  /* t[i] */
    count(w);
    text_line(w, depth);
    text_value(w, lua_gettop(L), depth + 1);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);  /* the nil */
  iter_start(L, t, &it);
  while (iter_next(L, &it)) {  /* key, value */
    if (lua_type(L, -2) == LUA_TSTRING) {
      size_t klen;
      const char *k = lua_tolstring(L, -2, &klen);
      count(w);
      text_line(w, depth);
      put(w, &w->box->text, k, klen);
      put(w, &w->box->text, ": ", 2);
      text_value(w, lua_gettop(L), depth + 1);
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 3);  /* the traversal */
  set_path(w, t, 0);
}

/* Append format(v) for the value at 'v' (§2). [-0, +0, e] */
static void text_value(struct walk *w, int v, int depth) {
  lua_State *L = w->L;
  const char *s;
  size_t len;
  luaL_checkstack(L, 8, "script output nested too deeply");
  if (lua_type(L, v) == LUA_TTABLE) {
    if (luaL_getmetafield(L, v, "__tostring") == LUA_TNIL) {
      text_table(w, v, depth);
      return;
    }
    lua_pop(L, 1);  /* the metamethod */
  }
  s = luaL_tolstring(L, v, &len);
  put(w, &w->box->text, s, len);
  lua_pop(L, 1);
}

/* Collect the entries of the table at 't' in output order into a new
 * sequence pushed on top: the ipairs values, then a key and a value for
 * each string key in pairs order. Nothing is written, so an error here
 * leaves the renderings whole. [-0, +1, e] */
static void collect(struct walk *w, int t, lua_Integer *narr,
                    lua_Integer *nkeys) {
  lua_State *L = w->L;
  lua_Integer n = 0, m = 0;
  struct iter it;
  int list;
  lua_newtable(L);
  list = lua_gettop(L);
  while (lua_geti(L, t, n + 1) != LUA_TNIL) {  /* t[n + 1] */
    count(w);
    lua_rawseti(L, list, ++n);
  }
  lua_pop(L, 1);  /* the nil */
  iter_start(L, t, &it);
  while (iter_next(L, &it)) {  /* key, value */
    if (lua_type(L, -2) == LUA_TSTRING) {
      count(w);
      lua_rawseti(L, list, n + 2 * m + 2);  /* key */
      lua_rawseti(L, list, n + 2 * m + 1);
      m++;
    } else {
      lua_pop(L, 2);
    }
  }
  lua_pop(L, 3);  /* the traversal */
  *narr = n;
  *nkeys = m;
}

/* Open a member of the innermost container in the JSON: separator, and
 * the key when the container is an object ('key', or the item number
 * 'ikey' when 'key' is NULL). [-0, +0, e] */
static void json_member(struct walk *w, const char *key, size_t klen,
                        lua_Integer ikey) {
  struct nsx_strbuf *j = &w->box->json;
  int d = w->depth - 1;
  char num[32];
  if (w->nonempty[d]) put(w, j, ",", 1);
  w->nonempty[d] = 1;
  if (w->close[d] != '}') return;
  if (!key) {
    klen = (size_t)snprintf(num, sizeof num, LUA_INTEGER_FMT, ikey);
    key = num;
  }
  check(w, nsx_json_quote(j, key, klen));
  put(w, j, ":", 1);
}

/* Write the non-table value at 'v' as JSON; 's' is its tostring.
 * Integers and finite floats become numbers (floats with the fewest
 * digits that read back the same, and a ".0" when they would look like
 * integers), booleans stay booleans, everything else is a string
 * (non-finite floats as Lua prints them). [-0, +0, e] */
static void json_scalar(struct walk *w, int v, const char *s, size_t len) {
  struct nsx_strbuf *j = &w->box->json;
  lua_State *L = w->L;
  char num[40];
  double d;
  int prec;
  if (lua_type(L, v) == LUA_TBOOLEAN ||
      (lua_type(L, v) == LUA_TNUMBER && lua_isinteger(L, v))) {
    put(w, j, s, len);
    return;
  }
  if (lua_type(L, v) != LUA_TNUMBER || !isfinite(d = lua_tonumber(L, v))) {
    check(w, nsx_json_quote(j, s, len));
    return;
  }
  for (prec = 15; prec < 17; prec++) {
    snprintf(num, sizeof num, "%.*g", prec, d);
    if (strtod(num, NULL) == d) break;
  }
  if (prec == 17) snprintf(num, sizeof num, "%.17g", d);
  if (!strpbrk(num, ".e")) strcat(num, ".0");
  put(w, j, num, strlen(num));
}

/* Close the innermost container. [-0, +0, e] */
static void tab_close(struct walk *w) {
  int d = --w->depth;
  put(w, &w->box->json, &w->close[d], 1);
  if (d > 0) put(w, &w->box->xml, "</table>\n", 9);
}

static void tab_child(struct walk *w, int v, const char *key, size_t klen,
                      lua_Integer ikey);

/* Write the table at 't', whose entries 'collect' left at 'list', as a
 * new container; its XML opening tag is already written. [-0, +0, e] */
static void tab_table(struct walk *w, int t, int list, lua_Integer narr,
                      lua_Integer nkeys) {
  lua_State *L = w->L;
  lua_Integer i;
  int d = w->depth++;
  w->close[d] = nkeys || !narr ? '}' : ']';
  w->nonempty[d] = 0;
  put(w, &w->box->json, nkeys || !narr ? "{" : "[", 1);
  set_path(w, t, 1);
  for (i = 1; i <= narr; i++) {
    lua_rawgeti(L, list, i);
    tab_child(w, lua_gettop(L), NULL, 0, i);
    lua_pop(L, 1);
  }
  for (i = 0; i < nkeys; i++) {
    size_t len;
    const char *k;
    lua_rawgeti(L, list, narr + 2 * i + 1);  /* key */
    lua_rawgeti(L, list, narr + 2 * i + 2);  /* key, value */
    k = lua_tolstring(L, -2, &len);
    tab_child(w, lua_gettop(L), k, len, 0);
    lua_pop(L, 2);
  }
  set_path(w, t, 0);
  tab_close(w);
}

/* Write the key="" attribute of a string key, if any. [-0, +0, e] */
static void xml_key(struct walk *w, const char *key, size_t klen) {
  struct nsx_strbuf *x = &w->box->xml;
  if (!key) return;
  put(w, x, " key=\"", 6);
  check(w, nsx_xml_escape_output(x, key, klen));
  put(w, x, "\"", 1);
}

/* Write the value at 'v' as a member of the innermost container, under
 * string key 'key', or as item 'ikey' when 'key' is NULL. Whatever can
 * fail other than memory (metamethods, limits) happens before anything is
 * written for it. [-0, +0, e] */
static void tab_child(struct walk *w, int v, const char *key, size_t klen,
                      lua_Integer ikey) {
  lua_State *L = w->L;
  struct nsx_strbuf *x = &w->box->xml;
  const char *s, *marker = NULL;
  size_t len;
  luaL_checkstack(L, 8, "script output nested too deeply");
  if (lua_type(L, v) == LUA_TTABLE) {
    lua_Integer narr, nkeys;
    if (w->depth > NSX_RESULT_MAXDEPTH)
      marker = "<too deep>";
    else if (on_path(w, v))
      marker = "<cycle>";
    if (!marker) {
      collect(w, v, &narr, &nkeys);  /* list */
      put(w, x, "<table", 6);
      xml_key(w, key, klen);
      put(w, x, ">\n", 2);
      json_member(w, key, klen, ikey);
      tab_table(w, v, lua_gettop(L), narr, nkeys);
      lua_pop(L, 1);  /* the list */
      return;
    }
  }
  if (marker)
    s = lua_pushstring(L, marker);
  else
    s = luaL_tolstring(L, v, NULL);
  len = lua_rawlen(L, -1);
  put(w, x, "<elem", 5);
  xml_key(w, key, klen);
  put(w, x, ">", 1);
  check(w, nsx_xml_escape_output(x, s, len));
  put(w, x, "</elem>\n", 8);
  json_member(w, key, klen, ikey);
  if (marker)
    check(w, nsx_json_quote(&w->box->json, s, len));
  else
    json_scalar(w, v, s, len);
  lua_pop(L, 1);  /* the string */
}

/* lua_CFunction (walk, value): append format(value) to the text.
 * [-0, +0, e] */
static int lwalk_text(lua_State *L) {
  struct walk *w = lua_touserdata(L, 1);
  lua_newtable(L);
  w->path = lua_gettop(L);
  text_value(w, 2, 0);
  return 0;
}

/* lua_CFunction (walk, value): write the structured value to the XML and
 * the JSON. [-0, +0, e] */
static int lwalk_tab(lua_State *L) {
  struct walk *w = lua_touserdata(L, 1);
  struct box *bx = w->box;
  lua_Integer narr, nkeys;
  const char *s;
  size_t len;
  lua_newtable(L);
  w->path = lua_gettop(L);
  if (lua_type(L, 2) == LUA_TTABLE) {
    collect(w, 2, &narr, &nkeys);  /* list */
    tab_table(w, 2, lua_gettop(L), narr, nkeys);
    return 0;
  }
  s = luaL_tolstring(L, 2, &len);  /* a scalar goes straight in <script> */
  check(w, nsx_xml_escape_output(&bx->xml, s, len));
  json_scalar(w, 2, s, len);
  return 0;
}

/* Copy the message of the error object on top into 'b' and pop it.
 * [-1, +0, e] */
static void error_to(struct walk *w, struct nsx_strbuf *b) {
  lua_State *L = w->L;
  int t = lua_type(L, -1);
  const char *s;
  size_t len;
  if (t == LUA_TSTRING || t == LUA_TNUMBER)
    lua_pushvalue(L, -1);  /* error, copy to convert */
  else
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, -1));
  s = lua_tolstring(L, -1, &len);
  put(w, b, s, len);
  lua_pop(L, 2);
}

/* Run 'fn' on the value at 'v' in protected mode with a fresh walk state.
 * Errors other than out-of-memory are swallowed: returns 1 with the error
 * object pushed, else 0. [-0, +(0|1), e] */
static int walk_run(lua_State *L, struct walk *w, lua_CFunction fn, int v) {
  int st;
  w->oom = 0;
  w->items = 0;
  w->depth = 0;
  lua_pushcfunction(L, fn);
  lua_pushlightuserdata(L, w);
  lua_pushvalue(L, v);
  st = lua_pcall(L, 2, 0, 0);
  if (st == LUA_OK) return 0;
  if (st == LUA_ERRMEM || w->oom) lua_error(L);
  return 1;
}

void nsx_result_capture(lua_State *L, int nret, struct nsx_result *res) {
  int base = lua_gettop(L) - nret, r1 = base + 1, r2 = base + 2;
  int stored = 1, has_tab = 0;
  struct walk w;
  struct box *bx;
  const char *s;
  size_t len;
  memset(res, 0, sizeof *res);
  luaL_checkstack(L, 8, NULL);
  for (; nret < 2; nret++) lua_pushnil(L);
  lua_settop(L, r2);  /* r1, r2 */
  bx = box_push(L);
  memset(&w, 0, sizeof w);
  w.L = L;
  w.box = bx;
  if (lua_toboolean(L, r2)) {
    has_tab = !lua_isnil(L, r1);
    s = luaL_tolstring(L, r2, &len);  /* may raise: the caller's error */
    put(&w, &bx->text, s, len);
    lua_pop(L, 1);
  } else if (lua_type(L, r1) == LUA_TSTRING) {
    s = lua_tolstring(L, r1, &len);
    put(&w, &bx->text, s, len);
  } else if (lua_isnil(L, r1)) {
    stored = 0;
  } else {
    has_tab = 1;
  }
  /* An empty string counts as no string: Nmap formats the value then. */
  if (has_tab && bx->text.len == 0 && walk_run(L, &w, lwalk_text, r1)) {
    bx->text.len = 0;  /* Nmap: the text is lost, "Bug in <id>" */
    error_to(&w, &bx->text_error);
  }
  if (has_tab && walk_run(L, &w, lwalk_tab, r1)) {
    while (w.depth > 0) tab_close(&w);
    if (bx->json.len == 0) put(&w, &bx->json, "null", 4);
    error_to(&w, &bx->tab_error);
  }
  if (stored) put(&w, &bx->text, "", 0);
  if (has_tab) {
    put(&w, &bx->xml, "", 0);
    put(&w, &bx->json, "", 0);
  }
  res->text = bx->text.data;
  res->textlen = bx->text.len;
  res->xml = bx->xml.data;
  res->xmllen = bx->xml.len;
  res->json = bx->json.data;
  res->jsonlen = bx->json.len;
  res->text_error = bx->text_error.data;
  res->tab_error = bx->tab_error.data;
  res->stored = (unsigned)stored;
  res->has_tab = (unsigned)has_tab;
  memset(bx, 0, sizeof *bx);  /* 'res' owns it all now */
  lua_settop(L, base);  /* closes the empty box */
}

/* lua_CFunction (result, values...): nsx_result_capture. [-0, +0, e] */
static int lcapture(lua_State *L) {
  struct nsx_result *res = lua_touserdata(L, 1);
  nsx_result_capture(L, lua_gettop(L) - 1, res);
  return 0;
}

/* The common results, a string or nothing, need no walk and cannot raise:
 * captured without a protected call. Returns 1 if it took the values. */
static int capture_plain(lua_State *L, int nret, struct nsx_result *res) {
  int r1 = lua_gettop(L) - nret + 1;
  const char *s;
  size_t len;

  if (nret >= 2 && lua_toboolean(L, r1 + 1)) return 0;
  if (nret == 0 || lua_isnil(L, r1)) {
    lua_pop(L, nret);
    return 1;
  }
  if (lua_type(L, r1) != LUA_TSTRING) return 0;
  s = lua_tolstring(L, r1, &len);
  if (len == 0 || !(res->text = malloc(len + 1)))
    return 0;   /* the general path handles "" and reports out-of-memory */
  memcpy(res->text, s, len);
  res->text[len] = '\0';
  res->textlen = len;
  res->stored = 1;
  lua_pop(L, nret);
  return 1;
}

int nsx_result_pcapture(lua_State *L, int nret, struct nsx_result *res,
                        int msgh) {
  int st;
  memset(res, 0, sizeof *res);
  if (capture_plain(L, nret, res)) return LUA_OK;
  if (msgh != 0) msgh = lua_absindex(L, msgh);
  if (!lua_checkstack(L, 2)) {
    lua_pop(L, nret);
    lua_pushnil(L);
    return LUA_ERRMEM;
  }
  lua_pushcfunction(L, lcapture);
  lua_pushlightuserdata(L, res);
  lua_rotate(L, -(nret + 2), 2);  /* lcapture, res, values */
  st = lua_pcall(L, nret + 1, 0, msgh);
  if (st != LUA_OK) memset(res, 0, sizeof *res);
  return st;
}

void nsx_result_free(struct nsx_result *res) {
  free(res->text);
  free(res->xml);
  free(res->json);
  free(res->text_error);
  free(res->tab_error);
  memset(res, 0, sizeof *res);
}
