/* Loading script files (spec/engine.md §2): each file is compiled once
 * into a factory, function(_ENV) returning the file's body as a closure,
 * so every thread can re-run the body in an environment of its own. The
 * body runs once at load time to read the script's fields. */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lstdnse.h"
#include "script/loader.h"

static const char HEAD[] = "return function(_ENV) return function(...) ";
static const char TAIL[] = "\nend end";

static void set_err(char *err, size_t errlen, const char *fmt, const char *a,
                    const char *b) {
  snprintf(err, errlen, fmt, a, b);
}

/* Reads a whole file. Returns NULL on failure. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  size_t cap = 65536, used = 0, n;
  char *buf = NULL, *p;

  if (!f) return NULL;
  do {
    if (!(p = realloc(buf, cap))) goto fail;
    buf = p;
    n = fread(buf + used, 1, cap - used, f);
    used += n;
    if (used == cap) cap *= 2;
  } while (n > 0);
  if (ferror(f)) goto fail;
  fclose(f);
  *len = used;
  return buf;
fail:
  free(buf);
  fclose(f);
  return NULL;
}

/* The file wrapped in HEAD ... TAIL. HEAD adds no line, so line numbers
 * stay right; a first line starting with '#' (a shebang) becomes a
 * comment, and the TAIL starts on a line of its own, so a last line that
 * is a comment without newline does no harm (both are syntax errors in
 * Nmap). */
static char *read_wrapped(const char *path, size_t *len) {
  size_t n, off;
  char *body = read_file(path, &n), *out;

  if (!body) return NULL;
  out = malloc(sizeof HEAD + 2 + n + sizeof TAIL);
  if (out) {
    memcpy(out, HEAD, sizeof HEAD - 1);
    off = sizeof HEAD - 1;
    if (n > 0 && body[0] == '#') {
      memcpy(out + off, "--", 2);
      off += 2;
    }
    memcpy(out + off, body, n);
    off += n;
    memcpy(out + off, TAIL, sizeof TAIL - 1);
    *len = off + sizeof TAIL - 1;
  }
  free(body);
  return out;
}

/* Compiles 'path' and pushes its factory. [-0, +(0|1), m] */
static int compile(lua_State *L, const char *path, char *err, size_t errlen) {
  size_t len;
  char *src = read_wrapped(path, &len), chunk[4096];
  int rc;

  if (!src) {
    set_err(err, errlen, "cannot read script '%s'%s", path, "");
    return -1;
  }
  snprintf(chunk, sizeof chunk, "@%s", path);
  rc = luaL_loadbufferx(L, src, len, chunk, "t");
  free(src);
  if (rc == LUA_OK) rc = lua_pcall(L, 0, 1, 0);
  if (rc != LUA_OK) {
    set_err(err, errlen, "%s%s", lua_tostring(L, -1), "");
    lua_pop(L, 1);
    return -1;
  }
  return 0;
}

/* Copies the array of strings env[field] into *v, *n. Returns 0, or -1
 * if it is not a table of strings. [-0, +0, m] */
static int string_array(lua_State *L, int env, const char *field,
                        char ***v, size_t *n) {
  size_t len;

  *v = NULL;
  *n = 0;
  lua_getfield(L, env, field);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return 0;
  }
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return -2;
  }
  len = (size_t)lua_rawlen(L, -1);
  *v = calloc(len ? len : 1, sizeof **v);
  for (size_t i = 1; *v && i <= len; i++) {
    if (lua_rawgeti(L, -1, (lua_Integer)i) != LUA_TSTRING) {
      lua_pop(L, 2);
      return -1;
    }
    (*v)[(*n)++] = strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return 0;
}

static const char *const RULES[] = {"prerule", "hostrule", "portrule",
                                    "postrule"};

/* Checks the fields the body defined in the table at 'env'. */
static int check_fields(lua_State *L, int env, struct nsx_script *s,
                        char *err, size_t errlen) {
  int t, rc;

  t = lua_getfield(L, env, "action");
  lua_pop(L, 1);
  if (t == LUA_TNIL) {
    set_err(err, errlen, "%s is missing required field: 'action'", s->path,
            "");
    return -1;
  }
  if (t != LUA_TFUNCTION) {
    snprintf(err, errlen, "%s field 'action' is of improper type '%s', "
             "expected type 'function'", s->path, lua_typename(L, t));
    return -1;
  }
  rc = string_array(L, env, "categories", &s->categories, &s->ncategories);
  if (rc < 0) {
    set_err(err, errlen, rc == -2 ? "%s field 'categories' is of improper "
            "type, expected type 'table'" : "%s has non-string entries in "
            "the 'categories' array", s->path, "");
    return -1;
  }
  rc = string_array(L, env, "dependencies", &s->deps, &s->ndeps);
  if (rc < 0) {
    set_err(err, errlen, rc == -2 ? "%s field 'dependencies' is of improper "
            "type, expected type 'table'" : "%s has non-string entries in "
            "the 'dependencies' array", s->path, "");
    return -1;
  }
  if (lua_getfield(L, env, "description") == LUA_TSTRING)
    s->description = strdup(lua_tostring(L, -1));
  lua_pop(L, 1);
  s->rules = 0;
  for (int i = 0; i < 4; i++) {
    t = lua_getfield(L, env, RULES[i]);
    lua_pop(L, 1);
    if (t == LUA_TNIL) continue;
    if (t != LUA_TFUNCTION) {
      set_err(err, errlen, "%s: %s must be a function!", s->path, RULES[i]);
      return -1;
    }
    s->rules |= 1u << i;
  }
  if (!s->rules) {
    set_err(err, errlen, "%s is missing required function: 'rule'", s->path,
            "");
    return -1;
  }
  return 0;
}

int nsx_script_load(lua_State *L, struct nsx_script *s, char *err,
                    size_t errlen) {
  int top = lua_gettop(L), rc, nres, env;
  lua_State *co;

  if (compile(L, s->path, err, errlen) < 0) return -1;
  lua_pushvalue(L, -1);
  s->factory_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_createtable(L, 0, 4);                         /* factory, env */
  env = lua_gettop(L);
  lua_pushstring(L, s->path);
  lua_setfield(L, env, "SCRIPT_PATH");
  lua_pushstring(L, s->id);
  lua_setfield(L, env, "SCRIPT_NAME");
  lua_newtable(L);
  lua_setfield(L, env, "categories");
  lua_newtable(L);
  lua_setfield(L, env, "dependencies");
  lua_createtable(L, 0, 1);
  lua_pushglobaltable(L);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, env);
  co = lua_newthread(L);                            /* factory, env, co */
  lua_pushvalue(L, env - 1);
  lua_pushvalue(L, env);
  lua_xmove(L, co, 2);
  rc = lua_pcall(co, 1, 1, 0);                      /* co: body */
  if (rc == LUA_OK) rc = lua_resume(co, L, 0, &nres);
  if (rc == LUA_YIELD) {
    set_err(err, errlen, "%s: the script yielded while loading; blocking "
            "calls cannot run at file scope", s->path, "");
    goto fail;
  }
  if (rc != LUA_OK) {
    if (nsx_lstdnse_is_silent(co, -1)) {
      lua_settop(L, top);
      return 1;
    }
    lua_xmove(co, L, 1);
    set_err(err, errlen, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1)
            : "(error object is not a string)", "");
    goto fail;
  }
  if (check_fields(L, env, s, err, errlen) < 0) goto fail;
  lua_settop(L, top);
  return 0;
fail:
  lua_settop(L, top);
  return -1;
}

void nsx_script_free(lua_State *L, struct nsx_script *s) {
  if (L && s->factory_ref != LUA_NOREF && s->factory_ref != 0)
    luaL_unref(L, LUA_REGISTRYINDEX, s->factory_ref);
  for (size_t i = 0; i < s->ndeps; i++) free(s->deps[i]);
  for (size_t i = 0; i < s->ncategories; i++) free(s->categories[i]);
  free(s->deps);
  free(s->categories);
  free(s->description);
  free(s->path);
  free(s->id);
  memset(s, 0, sizeof *s);
  s->factory_ref = LUA_NOREF;
}

static struct nsx_script *find(struct nsx_script *v, size_t n,
                               const char *id) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i].id, id) == 0) return &v[i];
  return NULL;
}

/* Depth-first runlevel of v[i]; 'path' holds the chain for cycle
 * messages. 0 = being computed. */
static int level(struct nsx_script *v, size_t n, size_t i, size_t *chain,
                 size_t depth, char *err, size_t errlen) {
  int best = 0;

  if (v[i].runlevel > 0) return v[i].runlevel;
  for (size_t d = 0; d < depth; d++) {
    if (chain[d] != i) continue;
    size_t off = (size_t)snprintf(err, errlen, "circular dependency in "
                                  "chain `");
    for (size_t k = d; k < depth && off < errlen; k++)
      off += (size_t)snprintf(err + off, errlen - off, "%s->", v[chain[k]].id);
    if (off < errlen) snprintf(err + off, errlen - off, "%s`", v[i].id);
    return -1;
  }
  chain[depth] = i;
  for (size_t k = 0; k < v[i].ndeps; k++) {
    struct nsx_script *dep = find(v, n, v[i].deps[k]);
    int l;
    if (!dep) continue;          /* unselected dependencies are ignored */
    l = level(v, n, (size_t)(dep - v), chain, depth + 1, err, errlen);
    if (l < 0) return -1;
    if (l > best) best = l;
  }
  v[i].runlevel = best + 1;
  return v[i].runlevel;
}

int nsx_scripts_runlevels(struct nsx_script *v, size_t n, int *maxlevel,
                          char *err, size_t errlen) {
  size_t *chain = calloc(n + 1, sizeof *chain);
  int rc = 0;

  *maxlevel = 0;
  if (!chain) return -1;
  for (size_t i = 0; i < n; i++) v[i].runlevel = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    int l = level(v, n, i, chain, 0, err, errlen);
    if (l < 0) rc = -1;
    else if (l > *maxlevel) *maxlevel = l;
  }
  free(chain);
  return rc;
}
