/* The script-args parser: a hand-written recursive-descent version of the
 * PEG grammar Nmap 7.93 uses, which gives the same tables on every input,
 * malformed ones included, and says where a failed parse went wrong.
 * Positions are in the "wrapped" text "{" text "}" that Nmap parses; the
 * braces are virtual, so nothing is copied. */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "script/args.h"

#define NONE ((size_t)-1)
#define END (-1)

struct ap {
  lua_State *L;
  const char *s;   /* the text between the virtual braces */
  size_t len;
  size_t fail;     /* farthest position where a table failed to close */
  size_t deep;     /* position of a '{' nested too deeply, or NONE */
  int depth;       /* tables open, the outer virtual one included */
};

/* The byte at wrapped position 'i', or END past the final '}'. */
static int at(const struct ap *p, size_t i) {
  if (i == 0) return '{';
  if (i <= p->len) return (unsigned char)p->s[i - 1];
  return i == p->len + 1 ? '}' : END;
}

/* Nmap's grammar uses the C locale's isspace; "horizontal" space is all of
 * it but the newline. */
static int is_hws(int c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/* Bytes that end an unquoted string (after any blanks). */
static int is_delim(int c) {
  return c == '\n' || c == ',' || c == '{' || c == '}' || c == '=';
}

static size_t skip_hws(const struct ap *p, size_t i) {
  while (is_hws(at(p, i))) i++;
  return i;
}

static size_t skip_space(const struct ap *p, size_t i) {
  int c;
  while (c = at(p, i), is_hws(c) || c == '\n') i++;
  return i;
}

/* A string quoted with " or ' at 'i': a backslash escapes the quote and
 * itself; before any other byte it stays, with that byte. Pushes the
 * contents and returns the position after the closing quote, or returns
 * NONE, pushing nothing, when 'i' holds no complete quoted string.
 * [-0, +(0|1), m] */
static size_t qstring(struct ap *p, size_t i) {
  int q = at(p, i), c, d;
  size_t j, k;
  luaL_Buffer b;

  if (q != '"' && q != '\'') return NONE;
  for (j = i + 1; (c = at(p, j)) != q; j++) {
    if (c == END) return NONE;
    if (c == '\\' && at(p, ++j) == END) return NONE;
  }
  luaL_buffinit(p->L, &b);
  for (k = i + 1; k < j; k++) {
    c = at(p, k);
    if (c == '\\') {
      d = at(p, ++k);
      if (d != '\\' && d != q) luaL_addchar(&b, '\\');
      c = d;
    }
    luaL_addchar(&b, (char)c);
  }
  luaL_pushresult(&b);
  return j + 1;
}

/* An unquoted string: blanks, then everything up to a delimiter, then
 * blanks; the blanks are not part of the value. It may be empty, so this
 * never fails. Pushes the value, returns the position after the trailing
 * blanks. [-0, +1, m] */
static size_t uqstring(struct ap *p, size_t i) {
  size_t start = skip_hws(p, i), j = start, k;
  int c;

  while ((c = at(p, j)) != END && !is_delim(c)) {
    if (!is_hws(c)) {
      j++;
      continue;
    }
    /* A run of blanks belongs to the value unless a delimiter follows. */
    k = skip_hws(p, j);
    if (at(p, k) != END && is_delim(at(p, k))) break;
    j = k;
  }
  /* Virtual braces are delimiters, so [start, j) lies inside 's'. */
  lua_pushlstring(p->L, p->s + start - 1, j - start);
  return skip_hws(p, j);
}

/* A quoted string if there is one at 'i', else an unquoted one.
 * [-0, +1, m] */
static size_t string(struct ap *p, size_t i) {
  size_t r = qstring(p, i);
  return r != NONE ? r : uqstring(p, i);
}

static size_t table(struct ap *p, size_t i);

/* A nested table or a string. If a '{' does not start a well-formed table
 * the value is the empty unquoted string before it, as in Nmap (the caller
 * then fails on the '{'). Fails only when nesting is too deep.
 * [-0, +(0|1), m] */
static size_t value(struct ap *p, size_t i) {
  size_t r;

  if (at(p, i) == '{') {
    r = table(p, i);
    if (r != NONE || p->deep != NONE) return r;
  }
  return string(p, i);
}

/* One field at 'i' into the table at index 't': "key = value" if a '='
 * follows the first string, else a bare value appended after the '*n'
 * values already there. [-0, +0, m] */
static size_t field(struct ap *p, size_t i, int t, lua_Integer *n) {
  lua_State *L = p->L;
  int top = lua_gettop(L);
  size_t j, k;

  j = string(p, i);                            /* key */
  k = skip_hws(p, j);
  if (at(p, k) == '=') {
    j = value(p, skip_hws(p, k + 1));          /* key, value */
    if (j == NONE) {
      lua_settop(L, top);
      return NONE;
    }
    lua_rawset(L, t);
    return j;
  }
  lua_settop(L, top);
  if ((j = value(p, i)) == NONE) return NONE;  /* value */
  lua_rawseti(L, t, ++*n);
  return j;
}

/* A table at 'i' ('{' fields '}'). There is always at least one field,
 * since a field may be an empty string: "{}" is {""}, as in Nmap. Pushes
 * the table and returns the position after its '}', or returns NONE,
 * pushing nothing, and records how far it got. [-0, +(0|1), m] */
static size_t table(struct ap *p, size_t i) {
  lua_State *L = p->L;
  lua_Integer n = 0;
  size_t j, k;
  int t, c;

  if (p->depth > NSX_ARGS_MAXDEPTH) {
    p->deep = i;
    return NONE;
  }
  luaL_checkstack(L, 4, "script-args nesting");
  lua_newtable(L);                             /* t */
  t = lua_gettop(L);
  p->depth++;
  j = skip_space(p, i + 1);
  for (;;) {
    if ((j = field(p, j, t, &n)) == NONE) goto fail;
    k = skip_hws(p, j);
    c = at(p, k);
    if (c != '\n' && c != ',') break;
    j = skip_space(p, k + 1);
  }
  j = skip_space(p, j);
  if (at(p, j) == '}') {
    p->depth--;
    return j + 1;
  }
  if (p->fail == NONE || j > p->fail) p->fail = j;
fail:
  p->depth--;
  lua_settop(L, t - 1);
  return NONE;
}

/* One source of text inside what was parsed, for messages. */
struct seg {
  const char *label;
  size_t off, len;
};

/* Writes 'n' bytes of 's' into 'out' (size 'cap') with C-style escapes. */
static void escape(char *out, size_t cap, const char *s, size_t n) {
  size_t w = 0, i;
  unsigned char c;

  for (i = 0; i < n && w + 5 < cap; i++) {
    c = (unsigned char)s[i];
    if (c == '\n' || c == '\t' || c == '\r' || c == '"' || c == '\\') {
      out[w++] = '\\';
      out[w++] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : c;
    } else if (c < 0x20 || c == 0x7f) {
      w += (size_t)snprintf(out + w, cap - w, "\\x%02x", c);
    } else {
      out[w++] = (char)c;
    }
  }
  out[w] = '\0';
}

/* Formats the failure recorded in 'p' for the user, naming the source
 * among 'segs' that holds the bad position and quoting a piece of it. */
static void report(const struct ap *p, const struct seg *segs, size_t nseg,
                   char *err, size_t errlen) {
  enum { WINDOW = 60 };
  char what[64], excerpt[WINDOW * 4 + 8], line[32] = "";
  const struct seg *g = &segs[nseg - 1];
  size_t pos, o, from, to, lines, i;
  int c;

  if (err == NULL || errlen == 0) return;
  pos = p->deep != NONE ? p->deep : p->fail;
  o = pos > p->len ? p->len : pos - 1;   /* offset in the parsed text */
  for (i = 0; i < nseg; i++)
    if (o < segs[i].off + segs[i].len) {
      g = &segs[i];
      break;
    }
  if (o < g->off) o = g->off;   /* never: a joining ',' is always valid */
  c = o < p->len ? (unsigned char)p->s[o] : END;
  if (p->deep != NONE)
    snprintf(what, sizeof what, "tables nested deeper than %d",
             NSX_ARGS_MAXDEPTH);
  else if (c == END)
    snprintf(what, sizeof what, "unexpected end of input");
  else if (c == '\n')
    snprintf(what, sizeof what, "unexpected newline");
  else if (c < 0x20 || c >= 0x7f)
    snprintf(what, sizeof what, "unexpected byte 0x%02x", (unsigned)c);
  else if (c == '\'')
    snprintf(what, sizeof what, "unexpected \"'\"");
  else
    snprintf(what, sizeof what, "unexpected '%c'", c);
  o -= g->off;
  if (strcmp(g->label, "script-args-file") == 0) {
    for (lines = 1, i = 0; i < o; i++) lines += p->s[g->off + i] == '\n';
    snprintf(line, sizeof line, " (line %zu)", lines);
  }
  from = 0;
  to = g->len;
  if (g->len > WINDOW) {
    from = o > WINDOW / 2 ? o - WINDOW / 2 : 0;
    if (from + WINDOW < g->len) to = from + WINDOW;
  }
  escape(excerpt, sizeof excerpt, p->s + g->off + from, to - from);
  snprintf(err, errlen, "%s: %s at offset %zu%s in \"%s%s%s\"%s", g->label,
           what, o, line, from > 0 ? "..." : "", excerpt,
           to < g->len ? "..." : "",
           c == END && p->deep == NONE ? " (missing '}')" : "");
}

/* [-0, +(0|1), m] */
static int parse(lua_State *L, const char *text, size_t len,
                 const struct seg *segs, size_t nseg, char *err,
                 size_t errlen) {
  struct ap p;

  p.L = L;
  p.s = text;
  p.len = len;
  p.fail = NONE;
  p.deep = NONE;
  p.depth = 0;
  /* Like Nmap's pattern, this does not require the end of the input after
   * the outer table, so text after a stray '}' is ignored. */
  if (table(&p, 0) != NONE) return 0;
  report(&p, segs, nseg, err, errlen);
  return -1;
}

int nsx_args_parse(lua_State *L, const char *text, size_t len, char *err,
                   size_t errlen) {
  struct seg g = {"script-args", 0, len};
  return parse(L, text != NULL ? text : "", text != NULL ? len : 0, &g, 1,
               err, errlen);
}

int nsx_args_load(lua_State *L, const char *file, const char *cli, char *err,
                  size_t errlen) {
  struct seg segs[2];
  size_t flen = 0, clen = 0, total, nseg = 0;
  char *buf;
  int r;

  /* Nmap 7.93 passes an empty --script-args whenever there is a file
   * ("Arguments from CLI: " with -d), so the joined text then ends in ','
   * and the table gets an extra "" value. Do the same. */
  if (file != NULL && cli == NULL) cli = "";
  if (file != NULL) {
    flen = strlen(file);
    while (flen > 0 && file[flen - 1] == ',') flen--;
    segs[nseg++] = (struct seg){"script-args-file", 0, flen};
  }
  if (cli != NULL) {
    clen = strlen(cli);
    segs[nseg++] = (struct seg){"script-args", file != NULL ? flen + 1 : 0,
                                clen};
  }
  total = flen + clen + (file != NULL && cli != NULL);
  if (total == 0) {
    lua_newtable(L);                           /* args */
    return 0;
  }
  /* The joined text lives in a userdata, so a memory error raised while
   * parsing leaks nothing. */
  buf = lua_newuserdatauv(L, total, 0);        /* buf */
  if (file != NULL) memcpy(buf, file, flen);
  if (file != NULL && cli != NULL) buf[flen] = ',';
  if (cli != NULL) memcpy(buf + total - clen, cli, clen);
  r = parse(L, buf, total, segs, nseg, err, errlen);
  if (r == 0)
    lua_remove(L, -2);                         /* args */
  else
    lua_pop(L, 1);
  return r;
}
