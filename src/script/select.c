/* Script selection: splits --script into rules, parses each rule as a
 * boolean expression (a recursive-descent version of Nmap 7.93's grammar),
 * matches the expressions against script.db, and resolves the rules that
 * matched nothing as files or directories. script.db is not read when no
 * rule can match it. Loading the chosen files is left to the loader. */
#include <dirent.h>
#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "script/select.h"

/* Recursion limit of the expression parser: each parenthesis costs two
 * levels, each "not" and each "and"/"or" one. Nmap's parser is much more
 * limited in practice: it re-parses exponentially, and takes 20 s for
 * eight nested parentheses. */
enum { MAXDEPTH = 1000 };

enum op { E_TRUE, E_FALSE, E_WORD, E_NOT, E_AND, E_OR };

struct node {
  enum op op;
  int a, b;            /* operands: E_NOT uses 'a', E_AND and E_OR both */
  const char *w;       /* E_WORD: the word, inside the rule's text */
  size_t wlen, glen;   /* its length, and its glob's (".nse" removed) */
};

struct rule {
  char *text;          /* trimmed, without the '+' */
  struct node *nodes;
  int root;            /* -1 when the text is no expression: a path only */
  unsigned forced : 1, used : 1;
};

struct entry {
  char *file;          /* the file name as script.db lists it */
  char **cats;
  size_t ncats;
  const char *base;    /* inside 'file': the name globs are matched with */
  size_t blen;
};

struct db {
  struct entry *v;
  size_t n, cap;
  int oom;
};

struct ident {
  dev_t dev;
  ino_t ino;
};

struct ctx {
  const struct nsx_datapath *dp;
  struct nsx_selection *out;
  struct ident *ids;   /* parallel to out->v: each file is taken once */
  struct rule *rules;
  size_t nrules;
  struct db db;
  char *err;
  size_t errlen;
};

/* Writes a message into the caller's buffer; returns -1 for "return". */
static int fail(struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(struct ctx *c, const char *fmt, ...) {
  va_list ap;

  if (c->err != NULL && c->errlen > 0) {
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static int warn(struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int warn(struct ctx *c, const char *fmt, ...) {
  struct nsx_selection *o = c->out;
  char buf[1024], **w, *s;
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  w = realloc(o->warnings, (o->nwarnings + 1) * sizeof *w);
  if (w == NULL) return fail(c, "out of memory");
  o->warnings = w;
  if ((s = strdup(buf)) == NULL) return fail(c, "out of memory");
  w[o->nwarnings++] = s;
  return 0;
}

/* The C locale's isspace, which is what Nmap's patterns use. */
static int is_space(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int same_ci(const char *a, const char *b, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
  return 1;
}

/* The expression parser. Nmap's grammar is a PEG:
 *   expression <- disjunct / conjunct / value
 *   disjunct   <- (conjunct / value) "or" expression
 *   conjunct   <- value "and" expression
 *   value      <- "not" value / "(" expression ")" / "true" / "false"
 *               / category / path
 * Because a PEG choice commits, this is the same as: a value, then
 * optionally "and" or "or" and an expression, falling back to the value
 * alone when what follows the keyword is no expression. So both operators
 * group to the right with equal strength: "a and b or c" is
 * "a and (b or c)" (checked with nmap --script-help; spec/engine.md's "and
 * binds tighter" holds only for "a or b and c"). Keywords are
 * case-insensitive and must be followed by a space, a parenthesis, ',' or
 * the end. A category and a glob consume the same word, so the parse does
 * not depend on the script and is done once per rule. */
struct px {
  const char *s;
  size_t len;
  struct node *v;
  size_t n, cap;
  int depth;
  int bad;             /* 1: out of memory, 2: nested too deeply */
};

static size_t skip(const struct px *p, size_t i) {
  while (i < p->len && is_space((unsigned char)p->s[i])) i++;
  return i;
}

static int keyword(const struct px *p, size_t i, const char *kw) {
  size_t n = strlen(kw);
  int c;

  if (p->len - i < n || !same_ci(p->s + i, kw, n)) return 0;
  if (i + n == p->len) return 1;
  c = (unsigned char)p->s[i + n];
  return is_space(c) || c == '(' || c == ')' || c == ',';
}

/* Printable, not a space and not a parenthesis: what a glob is made of. */
static int is_word(int c) {
  return c >= 0x21 && c <= 0x7e && c != '(' && c != ')';
}

static int node(struct px *p, enum op op, int a, int b, size_t w,
                size_t wlen) {
  struct node *v;

  if (p->n == p->cap) {
    p->cap = p->cap ? 2 * p->cap : 8;
    if ((v = realloc(p->v, p->cap * sizeof *v)) == NULL) {
      p->bad = 1;
      return -1;
    }
    p->v = v;
  }
  v = &p->v[p->n];
  v->op = op;
  v->a = a;
  v->b = b;
  v->w = p->s + w;
  v->wlen = wlen;
  v->glen = wlen;
  if (wlen >= 4 && memcmp(v->w + wlen - 4, ".nse", 4) == 0) v->glen -= 4;
  return (int)p->n++;
}

static int expr(struct px *p, size_t i, size_t *end);

static int value(struct px *p, size_t i, size_t *end) {
  size_t e, j;
  int x;

  if (++p->depth > MAXDEPTH) {
    p->bad = 2;
    return -1;
  }
  x = -1;
  if (keyword(p, i, "not")) {
    if ((x = value(p, skip(p, i + 3), &e)) >= 0) {
      x = node(p, E_NOT, x, -1, 0, 0);
      *end = e;
      goto done;
    }
    if (p->bad) goto done;
  }
  if (i < p->len && p->s[i] == '(') {
    if ((x = expr(p, skip(p, i + 1), &e)) >= 0) {
      j = skip(p, e);
      if (j < p->len && p->s[j] == ')') {
        *end = j + 1;
        goto done;
      }
      x = -1;
    }
    goto done;
  }
  /* "all" is tried as a category before the script's own, so it is
   * never a glob either. */
  if (keyword(p, i, "true")) {
    x = node(p, E_TRUE, -1, -1, 0, 0);
    *end = i + 4;
  } else if (keyword(p, i, "all")) {
    x = node(p, E_TRUE, -1, -1, 0, 0);
    *end = i + 3;
  } else if (keyword(p, i, "false")) {
    x = node(p, E_FALSE, -1, -1, 0, 0);
    *end = i + 5;
  } else {
    for (j = i; j < p->len && is_word((unsigned char)p->s[j]); j++) continue;
    if (j > i) {
      x = node(p, E_WORD, -1, -1, i, j - i);
      *end = j;
    }
  }
done:
  p->depth--;
  return p->bad ? -1 : x;
}

static int expr(struct px *p, size_t i, size_t *end) {
  size_t e, j, e2;
  int v, r;
  enum op op;

  if (++p->depth > MAXDEPTH) {
    p->bad = 2;
    return -1;
  }
  r = v = value(p, i, &e);
  if (v >= 0) {
    *end = e;
    j = skip(p, e);
    op = keyword(p, j, "and") ? E_AND : keyword(p, j, "or") ? E_OR : E_TRUE;
    if (op != E_TRUE) {
      r = expr(p, skip(p, j + (op == E_AND ? 3 : 2)), &e2);
      if (r >= 0) {
        r = node(p, op, v, r, 0, 0);
        *end = e2;
      } else {
        r = v;
      }
    }
  }
  p->depth--;
  return p->bad ? -1 : r;
}

/* Parses the text of 'r'. A rule that is no expression, or that is one
 * word holding a '/', gets root -1: only the path pass can match it.
 * Returns 0 or -1 with the error set. */
static int parse_rule(struct ctx *c, struct rule *r) {
  struct px p = {r->text, strlen(r->text), NULL, 0, 0, 0, 0};
  size_t end = 0;
  int root;

  root = expr(&p, skip(&p, 0), &end);
  if (p.bad == 1) {
    free(p.v);
    return fail(c, "out of memory");
  }
  if (p.bad == 2) {
    free(p.v);
    return fail(c, "script rule nested too deeply: '%.60s%s'", r->text,
                strlen(r->text) > 60 ? "..." : "");
  }
  if (root >= 0 && skip(&p, end) != p.len) root = -1;
  /* Can a lone word with a '/' match a script.db entry? As a glob it is
   * matched against the entry's file name with everything up to the last
   * '/' removed, so no. As a category only if a category holds a '/':
   * script.db is made from the scripts' categories, which are words like
   * "safe" (nmap --script-updatedb lower-cases them and nothing else), so
   * we take it that none does. Such a rule then reaches the path pass, as
   * in Nmap, and a run naming scripts by path never reads script.db. A
   * "name.nse" without '/' is different: its glob matches the entry
   * "name.nse", so script.db decides its order and by-name flag. */
  if (root >= 0 && p.v[root].op == E_WORD &&
      memchr(p.v[root].w, '/', p.v[root].wlen) != NULL)
    root = -1;
  r->nodes = p.v;
  r->root = root;
  return 0;
}

/* Anchored glob where '*' is any run of bytes and all else is literal:
 * Nmap's escaped Lua pattern. */
static int glob(const char *pat, size_t plen, const char *s, size_t slen) {
  size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;

  while (si < slen) {
    if (pi < plen && pat[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (pi < plen && pat[pi] == s[si]) {
      pi++;
      si++;
    } else if (star != (size_t)-1) {
      pi = star + 1;
      si = ++mark;
    } else {
      return 0;
    }
  }
  while (pi < plen && pat[pi] == '*') pi++;
  return pi == plen;
}

/* Evaluates node 'i' for entry 'e'. Every word is evaluated, with no
 * short cut, because Nmap runs every glob of a matching parse: a glob
 * that matches the name makes the selection "by name" even under "not".
 * A word that is one of the entry's categories is not tried as a glob. */
static int eval(const struct node *v, int i, const struct entry *e,
                int *by_name) {
  const struct node *n = &v[i];
  size_t k;
  int x, y;

  switch (n->op) {
  case E_TRUE: return 1;
  case E_FALSE: return 0;
  case E_NOT: return !eval(v, n->a, e, by_name);
  case E_AND:
  case E_OR:
    x = eval(v, n->a, e, by_name);
    y = eval(v, n->b, e, by_name);
    return n->op == E_AND ? x && y : x || y;
  case E_WORD:
    for (k = 0; k < e->ncats; k++)
      if (strlen(e->cats[k]) == n->wlen && same_ci(e->cats[k], n->w, n->wlen))
        return 1;
    x = glob(n->w, n->glen, e->base, e->blen);
    *by_name |= x;
    return x;
  }
  return 0;
}

/* Splits 'text' on ',' into c->rules: trimmed, a leading '+' taken off
 * (after trimming, so "+ x" is the rule " x", as in Nmap), empty rules
 * dropped, and repeated rules kept once, at their first place, with the
 * '+' of their last occurrence (Nmap keys its forced flags by rule). */
static int add_rule(struct ctx *c, const char *s, size_t n) {
  struct rule *r;
  int forced = 0;
  size_t i;

  while (n > 0 && is_space((unsigned char)*s)) s++, n--;
  while (n > 0 && is_space((unsigned char)s[n - 1])) n--;
  if (n > 0 && *s == '+') s++, n--, forced = 1;
  if (n == 0) return 0;
  for (i = 0; i < c->nrules; i++)
    if (strlen(c->rules[i].text) == n && memcmp(c->rules[i].text, s, n) == 0) {
      c->rules[i].forced = forced;
      return 0;
    }
  r = realloc(c->rules, (c->nrules + 1) * sizeof *r);
  if (r == NULL) return fail(c, "out of memory");
  c->rules = r;
  r = &r[c->nrules];
  memset(r, 0, sizeof *r);
  if ((r->text = strndup(s, n)) == NULL) return fail(c, "out of memory");
  r->forced = forced;
  c->nrules++;
  return parse_rule(c, r);
}

static int split_rules(struct ctx *c, const char *text, unsigned flags) {
  const char *comma;

  while (text != NULL) {
    comma = strchr(text, ',');
    if (add_rule(c, text, comma ? (size_t)(comma - text) : strlen(text)))
      return -1;
    text = comma ? comma + 1 : NULL;
  }
  return flags & NSX_SELECT_VERSION ? add_rule(c, "version", 7) : 0;
}

/* "<dir>/<name>", without doubling a '/' that 'dir' ends with. */
static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir);
  char *p = malloc(n + strlen(name) + 2);

  if (p != NULL)
    sprintf(p, "%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", name);
  return p;
}

/* The script id of 'path' (engine.md §2): the file name without ".nse",
 * else without its last extension, else the whole file name. */
static char *script_id(const char *path) {
  const char *b = strrchr(path, '/'), *dot;
  size_t n;

  b = b != NULL ? b + 1 : path;
  n = strlen(b);
  if (n > 4 && strcmp(b + n - 4, ".nse") == 0)
    n -= 4;
  else if ((dot = strrchr(b, '.')) != NULL && dot > b)
    n = (size_t)(dot - b);
  return strndup(b, n);
}

/* Nmap's script lookup: an absolute name as given; else "scripts/<name>"
 * along the data path; else <name> relative to the current directory.
 * Sets '*path' (malloc'd; NULL if nothing) and '*kind'. Returns -1 only
 * when out of memory. */
static int fetch(struct ctx *c, const char *name, char **path,
                 enum nsx_path_kind *kind) {
  char *rel;

  *path = NULL;
  *kind = NSX_PATH_NONE;
  if (name[0] != '/') {
    if ((rel = join("scripts", name)) == NULL) return fail(c, "out of memory");
    *path = nsx_datapath_lookup(c->dp, rel, kind);
    free(rel);
    if (*path != NULL) return 0;
  }
  if ((*kind = nsx_path_kind(name)) == NSX_PATH_NONE) return 0;
  if ((*path = strdup(name)) == NULL) return fail(c, "out of memory");
  return 0;
}

/* Takes 'path' (owned) into the selection unless that file is there. */
static int add_script(struct ctx *c, char *path, int by_name, int forced) {
  struct nsx_selection *o = c->out;
  struct nsx_selected *v;
  struct ident id = {0, 0}, *ids;
  struct stat st;
  size_t i;

  if (stat(path, &st) == 0) {
    id.dev = st.st_dev;
    id.ino = st.st_ino;
  }
  for (i = 0; i < o->n; i++)
    if (id.ino != 0 ? c->ids[i].dev == id.dev && c->ids[i].ino == id.ino
                    : strcmp(o->v[i].path, path) == 0) {
      free(path);
      return 0;
    }
  v = realloc(o->v, (o->n + 1) * sizeof *v);
  if (v != NULL) o->v = v;
  ids = realloc(c->ids, (o->n + 1) * sizeof *ids);
  if (ids != NULL) c->ids = ids;
  if (v == NULL || ids == NULL) {
    free(path);
    return fail(c, "out of memory");
  }
  v = &o->v[o->n];
  v->path = path;
  v->by_name = by_name != 0;
  v->forced = forced != 0;
  if ((v->id = script_id(path)) == NULL) {
    free(path);
    return fail(c, "out of memory");
  }
  c->ids[o->n++] = id;
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n) {
  while (n > 0) free(names[--n]);
  free(names);
}

/* The names of the regular files "*.nse" in 'dir', sorted (Nmap takes
 * them in directory order, which is arbitrary). On failure nothing is
 * left to free. */
static int list_nse(struct ctx *c, const char *dir, char ***names,
                    size_t *n) {
  struct dirent *d;
  char **v, *full;
  size_t len;
  DIR *dh;
  int ok;

  *names = NULL;
  *n = 0;
  if ((dh = opendir(dir)) == NULL)
    return fail(c, "cannot read directory '%s'", dir);
  while ((d = readdir(dh)) != NULL) {
    len = strlen(d->d_name);
    if (len < 4 || strcmp(d->d_name + len - 4, ".nse") != 0) continue;
    if ((full = join(dir, d->d_name)) == NULL) goto oom;
    ok = nsx_path_kind(full) == NSX_PATH_FILE;
    free(full);
    if (!ok) continue;
    if ((v = realloc(*names, (*n + 1) * sizeof *v)) == NULL) goto oom;
    *names = v;
    if ((v[*n] = strdup(d->d_name)) == NULL) goto oom;
    ++*n;
  }
  closedir(dh);
  if (*n > 0) qsort(*names, *n, sizeof **names, cmp_names);
  return 0;
oom:
  closedir(dh);
  free_names(*names, *n);
  *names = NULL;
  *n = 0;
  return fail(c, "out of memory");
}

/* Appends an entry for 'file' (copied) with no categories yet. */
static struct entry *db_add(struct db *db, const char *file, size_t ncats) {
  struct entry *e;
  const char *b;

  if (db->n == db->cap) {
    size_t cap = db->cap ? 2 * db->cap : 1024;
    if ((e = realloc(db->v, cap * sizeof *e)) == NULL) return NULL;
    db->v = e;
    db->cap = cap;
  }
  e = &db->v[db->n];
  memset(e, 0, sizeof *e);
  if ((e->file = strdup(file)) == NULL) return NULL;
  if ((e->cats = calloc(ncats + 1, sizeof *e->cats)) == NULL) {
    free(e->file);
    return NULL;
  }
  for (b = e->file + strlen(e->file); b > e->file && b[-1] != '/' &&
                                      b[-1] != '\\'; b--)
    continue;
  e->base = b;
  e->blen = strlen(b);
  if (e->blen >= 4 && strcmp(b + e->blen - 4, ".nse") == 0) e->blen -= 4;
  db->n++;
  return e;
}

static void db_free(struct db *db) {
  size_t i, k;

  for (i = 0; i < db->n; i++) {
    for (k = 0; k < db->v[i].ncats; k++) free(db->v[i].cats[k]);
    free(db->v[i].cats);
    free(db->v[i].file);
  }
  free(db->v);
  memset(db, 0, sizeof *db);
}

/* script.db's Entry{filename=, categories=}: checks the entry as Nmap does
 * and copies it into the C list that upvalue 1 points at. Everything that
 * can raise is done before anything is allocated. [-0, +0, e] */
static int db_entry(lua_State *L) {
  struct db *db = lua_touserdata(L, lua_upvalueindex(1));
  struct entry *e;
  const char *file;
  size_t n, i, len;

  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_pushliteral(L, "categories");
  lua_rawget(L, 1);                            /* entry, categories */
  lua_pushliteral(L, "filename");
  lua_rawget(L, 1);                            /* entry, cats, filename */
  file = lua_type(L, 3) == LUA_TSTRING ? lua_tolstring(L, 3, &len) : NULL;
  if (lua_type(L, 2) != LUA_TTABLE || file == NULL || strlen(file) != len)
    return luaL_error(L, "an entry lacks a string 'filename' or a table "
                         "'categories'");
  for (n = 0; lua_rawgeti(L, 2, (lua_Integer)n + 1) != LUA_TNIL; n++) {
    if (lua_type(L, -1) != LUA_TSTRING)
      return luaL_error(L, "entry '%s' has a category that is no string",
                        file);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);                               /* entry, cats, filename */
  if ((e = db_add(db, file, n)) == NULL) goto oom;
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, 2, (lua_Integer)i + 1);     /* ..., category */
    e->cats[i] = strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    if (e->cats[i] == NULL) goto oom;
    e->ncats++;
  }
  return 0;
oom:
  db->oom = 1;
  return luaL_error(L, "not enough memory");
}

/* Runs script.db with an environment holding only Entry. Arguments, both
 * light userdata: the C list to fill and the file's path. [-2, +0, e] */
static int db_load(lua_State *L) {
  struct db *db = lua_touserdata(L, 1);
  const char *path = lua_touserdata(L, 2);

  if (luaL_loadfilex(L, path, "t") != LUA_OK) return lua_error(L);
  lua_createtable(L, 0, 1);                    /* chunk, env */
  lua_pushlightuserdata(L, db);
  lua_pushcclosure(L, db_entry, 1);            /* chunk, env, Entry */
  lua_setfield(L, -2, "Entry");                /* chunk, env */
  if (lua_setupvalue(L, -2, 1) == NULL) lua_pop(L, 1);
  lua_call(L, 0, 0);
  return 0;
}

/* Fills c->db from script.db, or, when it is missing or fails to load,
 * from the names of scripts/ *.nse with no categories, warning about it.
 * [-0, +0, -] */
static int read_db(struct ctx *c, lua_State *L) {
  char *path, *dir, **names, why[512];
  size_t n, i;
  int st;

  c->out->db_read = 1;
  if ((path = nsx_datapath_find(c->dp, "scripts/script.db")) != NULL) {
    if (!lua_checkstack(L, 3)) {
      free(path);
      return fail(c, "out of memory");
    }
    lua_pushcfunction(L, db_load);
    lua_pushlightuserdata(L, &c->db);
    lua_pushlightuserdata(L, path);
    st = lua_pcall(L, 2, 0, 0);
    if (st == LUA_OK) {
      free(path);
      return 0;
    }
    snprintf(why, sizeof why, "could not be loaded (%s)",
             lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?");
    lua_pop(L, 1);
    st = st == LUA_ERRMEM || c->db.oom;
    db_free(&c->db);
    if (st) {
      free(path);
      return fail(c, "out of memory");
    }
  } else {
    snprintf(why, sizeof why, "was not found along the data path");
  }
  dir = nsx_datapath_find_dir(c->dp, "scripts");
  st = warn(c, "script database '%s' %s; scripts are matched by "
               "file name only, with no categories, from '%s'",
            path != NULL ? path : "scripts/script.db", why,
            dir != NULL ? dir : "(no scripts directory found)");
  free(path);
  if (st == 0 && dir != NULL && (st = list_nse(c, dir, &names, &n)) == 0) {
    for (i = 0; i < n && st == 0; i++)
      if (db_add(&c->db, names[i], 0) == NULL) st = fail(c, "out of memory");
    free_names(names, n);
  }
  free(dir);
  return st;
}

/* The database pass: each entry is matched against the rules in order.
 * The first rule that matches decides 'by_name' and 'forced' (Nmap
 * creates the script then); later ones that match are marked used too. */
static int db_pass(struct ctx *c) {
  enum nsx_path_kind kind;
  struct entry *e;
  struct rule *r;
  size_t i, k;
  char *path;
  int by, first;

  for (i = 0; i < c->db.n; i++) {
    e = &c->db.v[i];
    first = 1;
    for (k = 0; k < c->nrules; k++) {
      r = &c->rules[k];
      by = 0;
      if (r->root < 0 || !eval(r->nodes, r->root, e, &by)) continue;
      r->used = 1;
      if (!first) continue;
      first = 0;
      if (fetch(c, e->file, &path, &kind)) return -1;
      if (kind != NSX_PATH_FILE) {
        free(path);
        if (warn(c, "could not load '%s' listed in script.db: no "
                    "such file in scripts/ along the data path",
                 e->file))
          return -1;
        break;
      }
      if (add_script(c, path, by, r->forced)) return -1;
    }
  }
  return 0;
}

/* The path pass, in rule order, for rules that matched no entry. */
static int path_pass(struct ctx *c, unsigned flags) {
  enum nsx_path_kind kind;
  char *path, *name, **names;
  struct rule *r;
  size_t k, i, n;
  int st;

  for (k = 0; k < c->nrules; k++) {
    r = &c->rules[k];
    if (r->used) continue;
    name = r->text;
    if (fetch(c, name, &path, &kind)) return -1;
    if (kind == NSX_PATH_NONE) {
      if ((name = malloc(strlen(r->text) + 5)) == NULL)
        return fail(c, "out of memory");
      sprintf(name, "%s.nse", r->text);
      st = fetch(c, name, &path, &kind);
      free(name);
      name = NULL;
      if (st) return -1;
    }
    if (kind == NSX_PATH_NONE) {
      if ((flags & NSX_SELECT_VERSION) && strcmp(r->text, "version") == 0)
        continue;
      return fail(c, "'%s' did not match a category, filename, or directory",
                  r->text);
    }
    if (kind == NSX_PATH_FILE) {
      if (add_script(c, path, 1, r->forced)) return -1;
      continue;
    }
    if (name == NULL || name[strlen(name) - 1] != '/') {
      st = fail(c, "directory '%s' found, but will not match without '/'",
                path);
      free(path);
      return st;
    }
    st = list_nse(c, path, &names, &n);
    for (i = 0; i < n && st == 0; i++) {
      char *file = join(path, names[i]);
      st = file != NULL ? add_script(c, file, 0, r->forced)
                        : fail(c, "out of memory");
    }
    free_names(names, n);
    free(path);
    if (st) return -1;
  }
  return 0;
}

int nsx_select(lua_State *L, const struct nsx_datapath *dp,
               const char *rules, unsigned flags, struct nsx_selection *out,
               char *err, size_t errlen) {
  struct ctx c;
  size_t i, j;
  int st, need_db = 0;

  memset(out, 0, sizeof *out);
  memset(&c, 0, sizeof c);
  c.dp = dp;
  c.out = out;
  c.err = err;
  c.errlen = errlen;
  st = split_rules(&c, rules, flags);
  for (i = 0; i < c.nrules; i++) need_db |= c.rules[i].root >= 0;
  if (st == 0 && need_db) st = read_db(&c, L);
  if (st == 0) st = db_pass(&c);
  if (st == 0) st = path_pass(&c, flags);
  for (i = 0; st == 0 && i < out->n; i++)
    for (j = 0; st == 0 && j < i; j++)
      if (strcmp(out->v[i].id, out->v[j].id) == 0)
        st = fail(&c, "duplicate script ID: '%s'", out->v[i].id);
  for (i = 0; i < c.nrules; i++) {
    free(c.rules[i].text);
    free(c.rules[i].nodes);
  }
  free(c.rules);
  free(c.ids);
  db_free(&c.db);
  if (st) nsx_selection_free(out);
  return st;
}

void nsx_selection_free(struct nsx_selection *sel) {
  size_t i;

  for (i = 0; i < sel->n; i++) {
    free(sel->v[i].path);
    free(sel->v[i].id);
  }
  for (i = 0; i < sel->nwarnings; i++) free(sel->warnings[i]);
  free(sel->v);
  free(sel->warnings);
  memset(sel, 0, sizeof *sel);
}
