/* The 'zlib' Lua module: the lzlib-style API that Nmap exposes to NSE
 * (one-shot compress/decompress, inflate and deflate stream objects,
 * checksums and the usual constants), written against zlib directly.
 * Sources and sinks are plain Lua values called with lua_call; no scheduler
 * or socket code lives here. */
#include <lauxlib.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <zlib.h>

#include "lua/modules.h"

#define INFLATE_MT "nsx.zlib.inflate"
#define DEFLATE_MT "nsx.zlib.deflate"

/* The most bytes that one decoding call (decompress, or one format of an
 * inflate stream's read) may produce. Deflate expands up to about 1032:1,
 * so a hostile server's few megabytes could otherwise become gigabytes in
 * one Lua string while many scripts run at once. 64 MiB is generous: it is
 * 32 times the body size http.lua accepts by default (and http.lua passes
 * its cap to read, so it never gets near this), yet small enough that a
 * zip bomb costs no more than a big but ordinary buffer before the read
 * raises an ordinary Lua error. The limit is per call: a caller that wants
 * more reads the stream in pieces. */
#define MAX_DECODED ((size_t)64 << 20)

/* Bytes requested from an inflate source per call, and the size of each
 * stream's staging buffer for decoded or encoded output. */
#define BLOCK 16384

enum { ZS_CLOSED, ZS_OPEN, ZS_END };
enum { ZS_INFLATE, ZS_DEFLATE };

/* Slots of each stream userdata's user values. UV_IO anchors the source or
 * sink, UV_CHUNK the string that 'in_next' points into, UV_DICT the
 * dictionary an inflate stream may be asked for. */
enum { UV_IO = 1, UV_CHUNK, UV_DICT, UV_COUNT = UV_DICT };

/* One stream. While 'state' is ZS_CLOSED the z_stream holds nothing and
 * must not be passed to zlib; otherwise it was initialised for 'kind'.
 * Input not yet handed to zlib is 'in_left' bytes at 'in_next' (zlib takes
 * at most UINT_MAX at a time). Decoded bytes not yet read are
 * out[out_pos .. out_len). */
struct lzstream {
  z_stream zs;
  unsigned char kind;
  unsigned char state;
  unsigned char src_eof;     /* the source has reported its end */
  unsigned char allow_empty; /* input ending early ends the stream */
  const unsigned char *in_next;
  size_t in_left;
  size_t out_pos, out_len;
  unsigned char out[BLOCK];
};

/* Releases zlib's state; safe to call any number of times. */
static void zs_end(struct lzstream *z) {
  if (z->state == ZS_CLOSED) return;
  if (z->kind == ZS_INFLATE)
    inflateEnd(&z->zs);
  else
    deflateEnd(&z->zs);
  z->state = ZS_CLOSED;
  z->in_next = NULL;
  z->in_left = 0;
  z->out_pos = z->out_len = 0;
}

/* Pushes a new stream userdata in the closed state, with 'mt' as its
 * metatable. Nothing is acquired yet, so an error later leaves only
 * garbage for the collector. [-0, +1, m] */
static struct lzstream *zs_new(lua_State *L, int kind, const char *mt) {
  struct lzstream *z = lua_newuserdatauv(L, sizeof *z, UV_COUNT);

  memset(z, 0, offsetof(struct lzstream, out));
  z->kind = (unsigned char)kind;
  z->state = ZS_CLOSED;
  luaL_setmetatable(L, mt);
  return z;
}

/* Checks that argument 'arg' is a stream of either type. [-0, +0, v] */
static struct lzstream *zs_any(lua_State *L, int arg) {
  struct lzstream *z = luaL_testudata(L, arg, INFLATE_MT);

  if (!z) z = luaL_testudata(L, arg, DEFLATE_MT);
  if (!z) luaL_typeerror(L, arg, "zlib stream");
  return z;
}

/* Checks that argument 'arg' is an open stream of type 'mt'.
 * [-0, +0, v] */
static struct lzstream *zs_check(lua_State *L, int arg, const char *mt) {
  struct lzstream *z = luaL_checkudata(L, arg, mt);

  if (z->state == ZS_CLOSED)
    luaL_argerror(L, arg, "attempt to use a closed zlib stream");
  return z;
}

/* Raises the error zlib reported for 'z', prefixed by 'what'. [-0, +0, v] */
static int zs_fail(lua_State *L, struct lzstream *z, const char *what,
                   int ret) {
  if (ret == Z_MEM_ERROR) return luaL_error(L, "%s: out of memory", what);
  return luaL_error(L, "%s: %s", what,
                    z->zs.msg ? z->zs.msg : zError(ret));
}

/* Used after every call into Lua code: a source or sink may have closed
 * the stream it feeds, and zlib's state is then gone. [-0, +0, v] */
static void zs_recheck(lua_State *L, struct lzstream *z) {
  if (z->state == ZS_CLOSED)
    luaL_error(L, "zlib stream was closed by its own source or sink");
}

/* Hands zlib the next piece of input for the stream at 'ud', calling the
 * source when the current chunk is used up. A source is called as
 * 'source(BLOCK)' or 'source:read(BLOCK)'; nil or "" means its end.
 * Returns 1 if zlib got input, 0 at the source's end. [-0, +0, e] */
static int inflate_fetch(lua_State *L, int ud, struct lzstream *z) {
  uInt n;

  if (z->in_left == 0) {
    const char *s;
    size_t len;

    if (z->src_eof) return 0;
    if (lua_getiuservalue(L, ud, UV_IO) == LUA_TFUNCTION) {
      lua_pushinteger(L, BLOCK);
      lua_call(L, 1, 1); /* chunk */
    } else {
      lua_getfield(L, -1, "read"); /* source, read */
      lua_insert(L, -2);           /* read, source */
      lua_pushinteger(L, BLOCK);
      lua_call(L, 2, 1); /* chunk */
    }
    zs_recheck(L, z);
    if (lua_isnil(L, -1) ||
        (lua_type(L, -1) == LUA_TSTRING && lua_rawlen(L, -1) == 0)) {
      lua_pop(L, 1);
      z->src_eof = 1;
      return 0;
    }
    if (lua_type(L, -1) != LUA_TSTRING)
      return luaL_error(L, "inflate source returned a %s",
                        luaL_typename(L, -1));
    s = lua_tolstring(L, -1, &len);
    lua_setiuservalue(L, ud, UV_CHUNK); /* pops the chunk, now anchored */
    z->in_next = (const unsigned char *)s;
    z->in_left = len;
  }
  n = z->in_left > UINT_MAX ? UINT_MAX : (uInt)z->in_left;
  z->zs.next_in = (Bytef *)z->in_next;
  z->zs.avail_in = n;
  z->in_next += n;
  z->in_left -= n;
  return 1;
}

/* Makes sure the inflate stream at 'ud' has decoded bytes waiting in its
 * buffer. Returns 1 if it has, 0 at the end of the compressed stream.
 * Raises on corrupt data and on a missing dictionary. Input that ends
 * before the stream does raises too, except for inflate streams
 * ('allow_empty'), which end there with what they decoded.
 * Bytes after the end of the first stream are ignored. [-0, +0, e] */
static int inflate_fill(lua_State *L, int ud, struct lzstream *z) {
  while (z->out_pos == z->out_len) {
    int ret;
    uInt avail_in;

    if (z->state == ZS_END) return 0;
    z->zs.next_out = z->out;
    z->zs.avail_out = BLOCK;
    avail_in = z->zs.avail_in;
    ret = inflate(&z->zs, Z_NO_FLUSH);
    z->out_pos = 0;
    z->out_len = BLOCK - z->zs.avail_out;
    switch (ret) {
    case Z_OK:
      break;
    case Z_STREAM_END:
      z->state = ZS_END;
      break;
    case Z_NEED_DICT:
      if (lua_getiuservalue(L, ud, UV_DICT) != LUA_TSTRING)
        return luaL_error(L, "inflate: stream needs a dictionary");
      ret = inflateSetDictionary(&z->zs, (const Bytef *)lua_tostring(L, -1),
                                 (uInt)lua_rawlen(L, -1));
      lua_pop(L, 1);
      if (ret != Z_OK) return luaL_error(L, "inflate: wrong dictionary");
      break;
    case Z_BUF_ERROR:
      /* No progress was possible: zlib has used all its input. */
      if (avail_in != 0) return zs_fail(L, z, "inflate", ret);
      if (inflate_fetch(L, ud, z)) break;
      if (z->allow_empty) {
        /* An inflate stream ends where its input ends, keeping what it
         * decoded, as Nmap's does: http.lua then shows a cut-off body as
         * Nmap would. zlib.decompress raises instead. */
        z->state = ZS_END;
        return z->out_len > 0;
      }
      return luaL_error(L, "inflate: compressed data is truncated");
    default:
      return zs_fail(L, z, "inflate", ret);
    }
  }
  return 1;
}

/* Raises if one read has decoded more than MAX_DECODED. [-0, +0, v] */
static void check_size(lua_State *L, size_t have, size_t more) {
  if (more > MAX_DECODED - have)
    luaL_error(L, "inflate: decoded data exceeds the %d MiB limit",
               (int)(MAX_DECODED >> 20));
}

/* Reads up to 'n' bytes and pushes them. Returns 0 if the stream had
 * already ended (the caller then replaces the "" pushed with nil, as
 * file:read does). [-0, +1, e] */
static int read_count(lua_State *L, int ud, struct lzstream *z,
                      lua_Integer n) {
  luaL_Buffer b;
  size_t got = 0, want = (size_t)n;

  luaL_buffinit(L, &b);
  if (want == 0) {
    luaL_pushresult(&b);
    return inflate_fill(L, ud, z);
  }
  while (got < want && inflate_fill(L, ud, z)) {
    size_t k = z->out_len - z->out_pos;

    if (k > want - got) k = want - got;
    check_size(L, got, k);
    luaL_addlstring(&b, (const char *)z->out + z->out_pos, k);
    z->out_pos += k;
    got += k;
  }
  luaL_pushresult(&b);
  return got > 0;
}

/* Reads one line and pushes it, with its '\n' if 'keep' is set. Returns 0
 * if the stream had already ended. [-0, +1, e] */
static int read_line(lua_State *L, int ud, struct lzstream *z, int keep) {
  luaL_Buffer b;
  size_t got = 0;
  int found = 0;

  luaL_buffinit(L, &b);
  while (!found && inflate_fill(L, ud, z)) {
    const unsigned char *p = z->out + z->out_pos;
    size_t k = z->out_len - z->out_pos;
    const unsigned char *nl = memchr(p, '\n', k);

    if (nl) {
      k = (size_t)(nl - p) + 1;
      found = 1;
    }
    check_size(L, got, k);
    luaL_addlstring(&b, (const char *)p, found && !keep ? k - 1 : k);
    z->out_pos += k;
    got += k;
  }
  luaL_pushresult(&b);
  return got > 0;
}

/* Reads the rest of the stream and pushes it ("" at its end). [-0, +1, e] */
static void read_all(lua_State *L, int ud, struct lzstream *z) {
  luaL_Buffer b;
  size_t got = 0;

  luaL_buffinit(L, &b);
  while (inflate_fill(L, ud, z)) {
    size_t k = z->out_len - z->out_pos;

    check_size(L, got, k);
    luaL_addlstring(&b, (const char *)z->out + z->out_pos, k);
    z->out_pos = z->out_len;
    got += k;
  }
  luaL_pushresult(&b);
}

/* Initialises 'z' (closed, at the top of the stack) for inflating
 * 'wbits' data from the value at 'src' (a string, or a function or object
 * to call), with the dictionary at 'dict' (0 for none). [-0, +0, e] */
static void inflate_open(lua_State *L, struct lzstream *z, int src,
                         int wbits, int wbarg, int dict) {
  int ud = lua_gettop(L), ret;

  lua_pushvalue(L, src); /* source */
  if (lua_type(L, src) == LUA_TSTRING) {
    size_t len;

    z->in_next = (const unsigned char *)lua_tolstring(L, src, &len);
    z->in_left = len;
    z->src_eof = 1;
    lua_setiuservalue(L, ud, UV_CHUNK);
  } else {
    lua_setiuservalue(L, ud, UV_IO);
  }
  if (dict) {
    lua_pushvalue(L, dict); /* dictionary */
    lua_setiuservalue(L, ud, UV_DICT);
  }
  ret = inflateInit2(&z->zs, wbits);
  if (ret == Z_STREAM_ERROR) luaL_argerror(L, wbarg, "invalid windowBits");
  if (ret != Z_OK) zs_fail(L, z, "inflate", ret);
  z->state = ZS_OPEN;
  if (dict && wbits < 0) {
    /* Raw deflate has no header to ask for the dictionary: set it now. */
    ret = inflateSetDictionary(&z->zs, (const Bytef *)lua_tostring(L, dict),
                               (uInt)lua_rawlen(L, dict));
    if (ret != Z_OK) luaL_argerror(L, dict, "cannot set dictionary");
  }
}

/* zlib.inflate(source [, windowBits [, dictionary]]): a stream decoding
 * 'source', which is a string, a function returning more compressed data
 * on each call, or an object with a 'read' method. windowBits 1..15 also
 * accept a gzip header (+32), as Nmap's lzlib does. [-0, +1, e] */
static int lzlib_inflate(lua_State *L) {
  struct lzstream *z;
  lua_Integer wbits = luaL_optinteger(L, 2, 15);
  int t = lua_type(L, 1), dict = 0;

  luaL_argexpected(L, t == LUA_TSTRING || t == LUA_TNUMBER ||
                          t == LUA_TFUNCTION || t == LUA_TTABLE ||
                          t == LUA_TUSERDATA,
                   1, "string, function or object with a read method");
  luaL_argcheck(L, wbits >= -15 && wbits <= 47, 2, "invalid windowBits");
  if (!lua_isnoneornil(L, 3)) {
    luaL_checkstring(L, 3);
    dict = 3;
  }
  if (wbits > 0 && wbits < 16) wbits += 32;
  if (t == LUA_TNUMBER) lua_tostring(L, 1); /* as file:write would */
  z = zs_new(L, ZS_INFLATE, INFLATE_MT);
  inflate_open(L, z, 1, (int)wbits, 2, dict);
  z->allow_empty = 1;
  return 1;
}

/* stream:read(...): like file:read, with formats "l" (the default), "L",
 * "a" (each with or without a leading '*') and byte counts. Returns nil
 * for a format that finds the end of the stream, and stops there.
 * [-0, +n, e] */
static int linflate_read(lua_State *L) {
  struct lzstream *z = zs_check(L, 1, INFLATE_MT);
  int nargs = lua_gettop(L) - 1, i, ok = 1;

  if (nargs == 0) {
    if (!read_line(L, 1, z, 0)) {
      lua_pop(L, 1);
      lua_pushnil(L);
    }
    return 1;
  }
  luaL_checkstack(L, nargs + LUA_MINSTACK, "too many formats");
  for (i = 2; i <= nargs + 1 && ok; i++) {
    if (lua_type(L, i) == LUA_TNUMBER) {
      lua_Integer n = luaL_checkinteger(L, i);

      luaL_argcheck(L, n >= 0, i, "negative byte count");
      ok = read_count(L, 1, z, n);
    } else {
      const char *p = luaL_checkstring(L, i);

      if (*p == '*') p++;
      switch (*p) {
      case 'l':
        ok = read_line(L, 1, z, 0);
        break;
      case 'L':
        ok = read_line(L, 1, z, 1);
        break;
      case 'a':
        read_all(L, 1, z);
        break;
      default:
        return luaL_argerror(L, i, "invalid format");
      }
    }
  }
  if (!ok) {
    lua_pop(L, 1);
    lua_pushnil(L);
  }
  return i - 2;
}

/* The iterator that stream:lines() returns; upvalue 1 is the stream.
 * [-0, +1, e] */
static int linflate_lines_next(lua_State *L) {
  struct lzstream *z;

  lua_settop(L, 0);
  lua_pushvalue(L, lua_upvalueindex(1)); /* stream */
  z = zs_check(L, 1, INFLATE_MT);
  if (!read_line(L, 1, z, 0)) {
    lua_pop(L, 1);
    lua_pushnil(L);
  }
  return 1;
}

/* stream:lines(): an iterator over the remaining lines, without their
 * newlines. [-0, +1, e] */
static int linflate_lines(lua_State *L) {
  zs_check(L, 1, INFLATE_MT);
  lua_settop(L, 1);
  lua_pushcclosure(L, linflate_lines_next, 1);
  return 1;
}

/* Where deflate output goes: the Lua sink of the stream at 'ud', or the
 * buffer 'b' (for zlib.compress). */
struct lzsink {
  struct lzstream *z;
  int ud;
  luaL_Buffer *b;
};

/* Passes 'n' encoded bytes to 'k'. [-0, +0, e] */
static void sink_emit(lua_State *L, struct lzsink *k, const unsigned char *p,
                      size_t n) {
  if (k->b) {
    luaL_addlstring(k->b, (const char *)p, n);
    return;
  }
  if (lua_getiuservalue(L, k->ud, UV_IO) == LUA_TFUNCTION) {
    lua_pushlstring(L, (const char *)p, n); /* sink, data */
    lua_call(L, 1, 0);
  } else {
    lua_getfield(L, -1, "write"); /* sink, write */
    lua_insert(L, -2);            /* write, sink */
    lua_pushlstring(L, (const char *)p, n);
    lua_call(L, 2, 0);
  }
  zs_recheck(L, k->z);
}

/* Deflates 'len' bytes at 'in' with 'flush' and passes the output on.
 * The input pointer lives in locals, not only in the z_stream, because a
 * sink may itself write to the stream and leave other values there.
 * [-0, +0, e] */
static void deflate_feed(lua_State *L, struct lzsink *k, const char *in,
                         size_t len, int flush) {
  struct lzstream *z = k->z;
  int done = 0;

  while (!done) {
    uInt n = len > UINT_MAX ? UINT_MAX : (uInt)len;
    int f = len > n ? Z_NO_FLUSH : flush, ret;
    size_t produced;

    z->zs.next_in = (Bytef *)in;
    z->zs.avail_in = n;
    z->zs.next_out = z->out;
    z->zs.avail_out = BLOCK;
    ret = deflate(&z->zs, f);
    if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR)
      zs_fail(L, z, "deflate", ret);
    in += n - z->zs.avail_in;
    len -= n - z->zs.avail_in;
    produced = BLOCK - z->zs.avail_out;
    if (ret == Z_BUF_ERROR || ret == Z_STREAM_END)
      done = len == 0; /* nothing left to do, or all was flushed */
    else if (f == Z_NO_FLUSH)
      done = len == 0;
    else if (f != Z_FINISH)
      done = len == 0 && z->zs.avail_out != 0;
    if (produced) sink_emit(L, k, z->out, produced);
  }
}

/* Checks deflate's optional arguments from 'arg' on (level, method,
 * windowBits, memLevel, strategy) and initialises 'z'. [-0, +0, e] */
static void deflate_open(lua_State *L, struct lzstream *z, int arg) {
  lua_Integer level = luaL_optinteger(L, arg, Z_DEFAULT_COMPRESSION);
  lua_Integer method = luaL_optinteger(L, arg + 1, Z_DEFLATED);
  lua_Integer wbits = luaL_optinteger(L, arg + 2, 15);
  lua_Integer memlevel = luaL_optinteger(L, arg + 3, 8);
  lua_Integer strategy = luaL_optinteger(L, arg + 4, Z_DEFAULT_STRATEGY);
  int ret;

  luaL_argcheck(L, level >= -1 && level <= 9, arg, "level must be -1..9");
  luaL_argcheck(L, method == Z_DEFLATED, arg + 1, "method must be 8");
  luaL_argcheck(L, wbits >= -15 && wbits <= 31, arg + 2,
                "invalid windowBits");
  luaL_argcheck(L, memlevel >= 1 && memlevel <= 9, arg + 3,
                "memLevel must be 1..9");
  luaL_argcheck(L, strategy >= 0 && strategy <= Z_FIXED, arg + 4,
                "invalid strategy");
  ret = deflateInit2(&z->zs, (int)level, (int)method, (int)wbits,
                     (int)memlevel, (int)strategy);
  if (ret == Z_STREAM_ERROR) luaL_argerror(L, arg + 2, "invalid windowBits");
  if (ret != Z_OK) zs_fail(L, z, "deflate", ret);
  z->state = ZS_OPEN;
}

/* zlib.deflate(sink [, level, method, windowBits, memLevel, strategy
 * [, dictionary]]): a stream whose output goes to 'sink', a function or
 * an object with a 'write' method. [-0, +1, e] */
static int lzlib_deflate(lua_State *L) {
  struct lzstream *z;
  int t = lua_type(L, 1);

  luaL_argexpected(L, t == LUA_TFUNCTION || t == LUA_TTABLE ||
                          t == LUA_TUSERDATA,
                   1, "function or object with a write method");
  if (!lua_isnoneornil(L, 7)) luaL_checkstring(L, 7);
  lua_settop(L, 7); /* the stream goes above every argument */
  z = zs_new(L, ZS_DEFLATE, DEFLATE_MT);
  lua_pushvalue(L, 1); /* sink */
  lua_setiuservalue(L, -2, UV_IO);
  deflate_open(L, z, 2);
  if (!lua_isnoneornil(L, 7)) {
    size_t len;
    const char *d = lua_tolstring(L, 7, &len);

    if (deflateSetDictionary(&z->zs, (const Bytef *)d, (uInt)len) != Z_OK)
      luaL_argerror(L, 7, "cannot set dictionary");
  }
  return 1;
}

/* stream:write(...): compresses each string argument. [-0, +1, e] */
static int ldeflate_write(lua_State *L) {
  struct lzsink k = {zs_check(L, 1, DEFLATE_MT), 1, NULL};
  int n = lua_gettop(L), i;

  for (i = 2; i <= n; i++) luaL_checkstring(L, i);
  for (i = 2; i <= n; i++) {
    size_t len;
    const char *s = lua_tolstring(L, i, &len);

    deflate_feed(L, &k, s, len, Z_NO_FLUSH);
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* stream:flush([mode]): mode "sync" (the default), "full" or "finish";
 * "finish" ends the stream and closes it. [-0, +1, e] */
static int ldeflate_flush(lua_State *L) {
  static const char *const names[] = {"sync", "full", "finish", NULL};
  static const int modes[] = {Z_SYNC_FLUSH, Z_FULL_FLUSH, Z_FINISH};
  struct lzsink k = {zs_check(L, 1, DEFLATE_MT), 1, NULL};
  int mode = modes[luaL_checkoption(L, 2, "sync", names)];

  deflate_feed(L, &k, "", 0, mode);
  if (mode == Z_FINISH) zs_end(k.z);
  lua_pushboolean(L, 1);
  return 1;
}

/* stream:close(): for a deflate stream, finishes it first (the sink gets
 * the rest of the output). Closing twice is harmless. [-0, +1, e] */
static int ldeflate_close(lua_State *L) {
  struct lzstream *z = luaL_checkudata(L, 1, DEFLATE_MT);

  if (z->state != ZS_CLOSED) {
    struct lzsink k = {z, 1, NULL};

    deflate_feed(L, &k, "", 0, Z_FINISH);
    zs_end(z);
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* inflate stream:close(). Closing twice is harmless. [-0, +1, -] */
static int linflate_close(lua_State *L) {
  zs_end(luaL_checkudata(L, 1, INFLATE_MT));
  lua_pushboolean(L, 1);
  return 1;
}

/* stream:adler(): the checksum of the data so far (for a gzip stream,
 * zlib keeps its CRC-32 here). [-0, +1, v] */
static int linflate_adler(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)zs_check(L, 1, INFLATE_MT)->zs.adler);
  return 1;
}

/* [-0, +1, v] */
static int ldeflate_adler(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)zs_check(L, 1, DEFLATE_MT)->zs.adler);
  return 1;
}

/* __gc and __close of both stream types: frees zlib's state without
 * calling any sink, so unfinished deflate output is dropped. [-0, +0, v] */
static int lzstream__gc(lua_State *L) {
  zs_end(zs_any(L, 1));
  return 0;
}

/* [-0, +1, v] */
static int lzstream__tostring(lua_State *L) {
  struct lzstream *z = zs_any(L, 1);
  const char *kind = z->kind == ZS_INFLATE ? "inflate" : "deflate";

  if (z->state == ZS_CLOSED)
    lua_pushfstring(L, "zlib %s stream (closed)", kind);
  else
    lua_pushfstring(L, "zlib %s stream (%p)", kind, (void *)z);
  return 1;
}

/* zlib.compress(s [, level, method, windowBits, memLevel, strategy]).
 * [-0, +1, e] */
static int lzlib_compress(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  struct lzsink k = {NULL, 0, NULL};
  luaL_Buffer b;

  lua_settop(L, 6);
  k.z = zs_new(L, ZS_DEFLATE, DEFLATE_MT);
  deflate_open(L, k.z, 2);
  k.b = &b;
  luaL_buffinitsize(L, &b, deflateBound(&k.z->zs, (uLong)len));
  deflate_feed(L, &k, s, len, Z_FINISH);
  luaL_pushresult(&b);
  zs_end(k.z);
  return 1;
}

/* zlib.decompress(s [, windowBits]): windowBits is passed to zlib as it
 * is (15: zlib header; negative: raw deflate; 31: gzip; 47: either), as
 * Nmap does. Empty or truncated input raises. [-0, +1, e] */
static int lzlib_decompress(lua_State *L) {
  lua_Integer wbits;
  struct lzstream *z;

  luaL_checkstring(L, 1);
  wbits = luaL_optinteger(L, 2, 15);
  luaL_argcheck(L, wbits >= -15 && wbits <= 47, 2, "invalid windowBits");
  lua_settop(L, 1);
  z = zs_new(L, ZS_INFLATE, INFLATE_MT);
  inflate_open(L, z, 1, (int)wbits, 2, 0);
  read_all(L, 2, z);
  zs_end(z);
  return 1;
}

/* zlib.adler32([adler, s]): the initial value with no arguments,
 * otherwise 'adler' updated with 's'. [-0, +1, v] */
static int lzlib_adler32(lua_State *L) {
  uLong a;
  size_t len;
  const char *s;

  if (lua_gettop(L) == 0) {
    lua_pushinteger(L, (lua_Integer)adler32(0, NULL, 0));
    return 1;
  }
  a = (uLong)luaL_checkinteger(L, 1) & 0xffffffffUL;
  s = luaL_checklstring(L, 2, &len);
  lua_pushinteger(L, (lua_Integer)adler32_z(a, (const Bytef *)s, len));
  return 1;
}

/* zlib.crc32([crc, s]): as adler32, for CRC-32. [-0, +1, v] */
static int lzlib_crc32(lua_State *L) {
  uLong c;
  size_t len;
  const char *s;

  if (lua_gettop(L) == 0) {
    lua_pushinteger(L, (lua_Integer)crc32(0, NULL, 0));
    return 1;
  }
  c = (uLong)luaL_checkinteger(L, 1) & 0xffffffffUL;
  s = luaL_checklstring(L, 2, &len);
  lua_pushinteger(L, (lua_Integer)crc32_z(c, (const Bytef *)s, len));
  return 1;
}

/* zlib.version(): the version of the zlib nsx runs with. [-0, +1, m] */
static int lzlib_version(lua_State *L) {
  lua_pushstring(L, zlibVersion());
  return 1;
}

static const luaL_Reg inflate_methods[] = {
  {"read", linflate_read},   {"lines", linflate_lines},
  {"close", linflate_close}, {"adler", linflate_adler},
  {NULL, NULL}
};

static const luaL_Reg deflate_methods[] = {
  {"write", ldeflate_write}, {"flush", ldeflate_flush},
  {"close", ldeflate_close}, {"adler", ldeflate_adler},
  {NULL, NULL}
};

static const luaL_Reg functions[] = {
  {"compress", lzlib_compress}, {"decompress", lzlib_decompress},
  {"inflate", lzlib_inflate},   {"deflate", lzlib_deflate},
  {"adler32", lzlib_adler32},   {"crc32", lzlib_crc32},
  {"version", lzlib_version},   {NULL, NULL}
};

/* The constants Nmap's module carries, under lzlib's names. */
static const struct {
  const char *name;
  int value;
} constants[] = {
  {"BEST_COMPRESSION", Z_BEST_COMPRESSION},
  {"BEST_SPEED", Z_BEST_SPEED},
  {"DEFAULT_COMPRESSION", Z_DEFAULT_COMPRESSION},
  {"NO_COMPRESSION", Z_NO_COMPRESSION},
  {"DEFAULT_STRATEGY", Z_DEFAULT_STRATEGY},
  {"FILTERED", Z_FILTERED},
  {"HUFFMAN_ONLY", Z_HUFFMAN_ONLY},
  {"RLE", Z_RLE},
  {"FIXED", Z_FIXED},
  {"DEFAULT_MEMLEVEL", 8},
  {"MINIMUM_MEMLEVEL", 1},
  {"MAXIMUM_MEMLEVEL", 9},
  {"DEFAULT_WINDOWBITS", 15},
  {"MINIMUM_WINDOWBITS", 8},
  {"MAXIMUM_WINDOWBITS", 15},
  {"GZIP_WINDOWBITS", 16},
  {"RAW_WINDOWBITS", -1},
};

/* Creates the metatable 'name' with 'methods' as its __index.
 * [-0, +0, m] */
static void new_type(lua_State *L, const char *name, const luaL_Reg *methods) {
  luaL_newmetatable(L, name);              /* mt */
  lua_newtable(L);                         /* mt, methods */
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");          /* mt */
  lua_pushcfunction(L, lzstream__gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, lzstream__gc);
  lua_setfield(L, -2, "__close");
  lua_pushcfunction(L, lzstream__tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
}

/* [-0, +1, m] */
int luaopen_zlib(lua_State *L) {
  size_t i;

  new_type(L, INFLATE_MT, inflate_methods);
  new_type(L, DEFLATE_MT, deflate_methods);
  luaL_newlib(L, functions); /* zlib */
  for (i = 0; i < sizeof constants / sizeof constants[0]; i++) {
    lua_pushinteger(L, constants[i].value);
    lua_setfield(L, -2, constants[i].name);
  }
  return 1;
}
