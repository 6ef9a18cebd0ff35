/* masscan's JSON: -oJ, an array of records ("[", records joined by ",",
 * "]"; versions before 1.1 left trailing commas, no brackets, bare keys
 * and a closing "{finished: 1}"), and -oD, one record per line. A record
 * is { "ip", "timestamp", "ports": [ { "port", "proto", "status",
 * "reason", "ttl" } or { "port", "proto", "service": { "name", "banner" }
 * } ] } in -oJ and { "ip", "timestamp", "port", "proto", "rec_type",
 * "data": { "status", "reason", "ttl" } or { "service_name", "banner" } }
 * in -oD. Each record is parsed whole once its last byte has arrived. */
#include "target/import_int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

enum { JT_OBJ, JT_ARR, JT_STR, JT_PRIM };

enum { JSON_MAX_DEPTH = 32 };

struct jparse {
  const char *s;
  size_t n, pos;
  struct import_jtok *tok;
  size_t ntok;
  const char *why;          /* what went wrong, at 'pos' */
};

static int jws(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int jword(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+' ||
         c == '.' || c == '$';
}

/* Finds the end of the record that starts with '{' at 's'. Returns 1 with
 * its length in '*len', or 0 if it needs more bytes. A line that starts a
 * new masscan record ('{' then '"ip"' or 'ip') while this one is still
 * open ends it early: masscan was stopped mid-record. 'eof' says no more
 * bytes will come; before that, the answer never depends on where the
 * input was cut. */
static int scan(const char *s, size_t n, int eof, size_t *len) {
  size_t i, j;
  int depth = 0, str = 0, esc = 0;

  for (i = 0; i < n; i++) {
    char c = s[i];
    if (str) {
      if (esc) esc = 0;
      else if (c == '\\') esc = 1;
      else if (c == '"') str = 0;
      continue;
    }
    if (c == '"') {
      str = 1;
    } else if (c == '{' || c == '[') {
      depth++;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        *len = i + 1;
        return 1;
      }
    } else if (c == '\n' && i > 0) {
      for (j = i + 1; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
        ;
      if (j == n && !eof) return 0;
      if (j < n && s[j] == '{') {
        for (j++; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
          ;
        if (n - j < 4 && !eof) return 0;
        if (n - j >= 4 && (memcmp(s + j, "\"ip\"", 4) == 0 ||
                           memcmp(s + j, "ip:", 3) == 0)) {
          *len = i + 1;
          return 1;
        }
      }
    }
  }
  return 0;
}

static int add(struct jparse *jp, int type, size_t start) {
  if (jp->ntok == IMPORT_JSON_TOKENS) {
    jp->why = "record has too many values";
    return -1;
  }
  jp->tok[jp->ntok].type = (unsigned char)type;
  jp->tok[jp->ntok].start = start;
  jp->tok[jp->ntok].end = start;
  jp->tok[jp->ntok].next = jp->ntok + 1;
  return (int)jp->ntok++;
}

static void skip_ws(struct jparse *jp, int commas) {
  while (jp->pos < jp->n &&
         (jws(jp->s[jp->pos]) || (commas && jp->s[jp->pos] == ',')))
    jp->pos++;
}

/* Parses a string at '"' into a token, checking its escapes. */
static int jstring(struct jparse *jp) {
  const char *s = jp->s;
  int t = add(jp, JT_STR, jp->pos + 1);
  size_t i;

  if (t < 0) return -1;
  for (i = jp->pos + 1; i < jp->n; i++) {
    if (s[i] == '"') {
      jp->tok[t].end = i;
      jp->pos = i + 1;
      return 0;
    }
    if (s[i] != '\\') continue;
    if (++i == jp->n) break;
    if (s[i] == 'u') {
      size_t k;
      for (k = 1; k <= 4; k++)
        if (i + k >= jp->n || !strchr("0123456789abcdefABCDEF", s[i + k]) ||
            s[i + k] == '\0') {
          jp->pos = i;
          jp->why = "bad \\u escape";
          return -1;
        }
      i += 4;
    } else if (!strchr("\"\\/bfnrt", s[i]) || s[i] == '\0') {
      jp->pos = i;
      jp->why = "bad escape in string";
      return -1;
    }
  }
  jp->pos = jp->n;
  jp->why = "unterminated string";
  return -1;
}

static int jvalue(struct jparse *jp, int depth);

/* Parses '{...}' or '[...]' at the bracket. Commas are optional and may
 * trail; object keys may be bare words. */
static int jcontainer(struct jparse *jp, int depth) {
  int obj = jp->s[jp->pos] == '{';
  char close = obj ? '}' : ']';
  int t = add(jp, obj ? JT_OBJ : JT_ARR, jp->pos);

  if (t < 0) return -1;
  if (depth >= JSON_MAX_DEPTH) {
    jp->why = "nested too deeply";
    return -1;
  }
  jp->pos++;
  for (;;) {
    skip_ws(jp, 1);
    if (jp->pos == jp->n) {
      jp->why = "record cut short";
      return -1;
    }
    if (jp->s[jp->pos] == close) break;
    if (obj) {
      if (jp->s[jp->pos] == '"') {
        if (jstring(jp) < 0) return -1;
      } else if (jword((unsigned char)jp->s[jp->pos])) {
        int k = add(jp, JT_STR, jp->pos);
        if (k < 0) return -1;
        while (jp->pos < jp->n && jword((unsigned char)jp->s[jp->pos]))
          jp->pos++;
        jp->tok[k].end = jp->pos;
      } else {
        jp->why = "expected a key";
        return -1;
      }
      skip_ws(jp, 0);
      if (jp->pos == jp->n || jp->s[jp->pos] != ':') {
        jp->why = "expected ':' after a key";
        return -1;
      }
      jp->pos++;
    }
    if (jvalue(jp, depth + 1) < 0) return -1;
  }
  jp->tok[t].end = ++jp->pos;
  jp->tok[t].next = jp->ntok;
  return 0;
}

static int jvalue(struct jparse *jp, int depth) {
  char c;
  int t;

  skip_ws(jp, 0);
  if (jp->pos == jp->n) {
    jp->why = "record cut short";
    return -1;
  }
  c = jp->s[jp->pos];
  if (c == '{' || c == '[') return jcontainer(jp, depth);
  if (c == '"') return jstring(jp);
  if (!jword((unsigned char)c)) {
    jp->why = "unexpected character";
    return -1;
  }
  if ((t = add(jp, JT_PRIM, jp->pos)) < 0) return -1;
  while (jp->pos < jp->n && jword((unsigned char)jp->s[jp->pos])) jp->pos++;
  jp->tok[t].end = jp->pos;
  return 0;
}

/* The value of member 'key' of object token 'obj', or 0 if none. */
static size_t get(const struct nsx_import *imp, size_t obj, const char *key) {
  const char *s = imp->buf + imp->r;
  size_t i = obj + 1;

  if (imp->tok[obj].type != JT_OBJ) return 0;
  while (i < imp->tok[obj].next) {
    const struct import_jtok *k = &imp->tok[i];
    if (nsx__xml_is(s + k->start, k->end - k->start, key)) return i + 1;
    i = imp->tok[i + 1].next;
  }
  return 0;
}

static int hexv(char c) {
  return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The text of string or primitive token 't', unescaped, in the record
 * arena; NULL for other tokens. */
static const char *text(struct nsx_import *imp, size_t t, size_t *len) {
  const struct import_jtok *k = &imp->tok[t];
  const char *s = imp->buf + imp->r + k->start;
  size_t n = k->end - k->start, i, o = 0;
  char *out;

  if (t == 0 || (k->type != JT_STR && k->type != JT_PRIM)) return NULL;
  if (k->type == JT_PRIM || !memchr(s, '\\', n)) {
    out = nsx__arena_put(&imp->rec, s, n);
    if (len) *len = n;
    return out;
  }
  if (n + 1 > imp->rec.cap - imp->rec.used) return NULL;
  out = imp->rec.mem + imp->rec.used;
  for (i = 0; i < n; i++) {
    unsigned long cp;
    if (s[i] != '\\') {
      out[o++] = s[i];
      continue;
    }
    switch (s[++i]) {
    case 'b': out[o++] = '\b'; break;
    case 'f': out[o++] = '\f'; break;
    case 'n': out[o++] = '\n'; break;
    case 'r': out[o++] = '\r'; break;
    case 't': out[o++] = '\t'; break;
    case 'u':
      cp = (unsigned long)(hexv(s[i + 1]) << 12 | hexv(s[i + 2]) << 8 |
                           hexv(s[i + 3]) << 4 | hexv(s[i + 4]));
      i += 4;
      if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < n && s[i + 1] == '\\' &&
          s[i + 2] == 'u') {
        unsigned long lo = (unsigned long)(
            hexv(s[i + 3]) << 12 | hexv(s[i + 4]) << 8 |
            hexv(s[i + 5]) << 4 | hexv(s[i + 6]));
        if (lo >= 0xdc00 && lo < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          i += 6;
        }
      }
      /* UTF-8; never longer than the escape it replaces. */
      o += nsx__utf8_put(out + o, cp);
      break;
    default: out[o++] = s[i]; break;
    }
  }
  out[o] = '\0';
  imp->rec.used += o + 1;
  if (len) *len = o;
  return out;
}

/* Member 'key' of 'obj' as a number (masscan quotes some), or -1. */
static long long num(struct nsx_import *imp, size_t obj, const char *key,
                     long long max) {
  size_t t = get(imp, obj, key), n, i;
  const char *s;
  long long v = 0;

  if (t == 0 || imp->tok[t].type == JT_OBJ || imp->tok[t].type == JT_ARR)
    return -1;
  s = imp->buf + imp->r + imp->tok[t].start;
  n = imp->tok[t].end - imp->tok[t].start;
  if (n == 0 || n > 19) return -2;
  for (i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -2;
    v = v * 10 + (s[i] - '0');
  }
  return v > max ? -2 : v;
}

/* Fills 'rec' from port object 'p' (with -oD's "data" object 'd', or 0).
 * Returns 1, or -1 with a message. */
static int port_rec(struct nsx_import *imp, struct nsx_import_rec *rec,
                    size_t p, size_t d) {
  const char *proto = text(imp, get(imp, p, "proto"), NULL);
  size_t st = get(imp, p, "status"), svc = get(imp, p, "service"), n;
  long long port = num(imp, p, "port", 65535), ttl;
  const char *status;
  char q[128];

  if (d != 0) {
    st = get(imp, d, "status");
    svc = get(imp, d, "service_name") ? d : 0;
  }
  if (proto == NULL) proto = "tcp";
  if (strcmp(proto, "icmp") == 0 || strcmp(proto, "arp") == 0) return 1;
  if (port < 0)
    return nsx__import_fail(imp, rec->line, port == -1 ? "port record "
                            "without a \"port\"" : "invalid \"port\" (a "
                            "number from 0 to 65535)");
  if (nsx_proto_parse(proto) < 0)
    return nsx__import_fail(imp, rec->line, "unknown protocol '%s'",
                            nsx__import_quote(proto, strlen(proto), q,
                                              sizeof q));
  rec->has_port = 1;
  rec->port = (uint16_t)port;
  rec->proto = (enum nsx_proto)nsx_proto_parse(proto);
  status = st ? text(imp, st, &n) : NULL;
  if (status != NULL) {
    rec->state = nsx__import_state(status, n);
    if (rec->state == NULL)
      return nsx__import_fail(imp, rec->line, "unknown port status '%s'",
                              nsx__import_quote(status, n, q, sizeof q));
  } else if (svc != 0) {
    rec->state = "open";
  } else {
    return nsx__import_fail(imp, rec->line, "port record without a "
                            "\"status\" or \"service\"");
  }
  rec->reason = nsx__import_masscan_reason(rec->state, rec->proto);
  ttl = num(imp, d ? d : p, "ttl", 255);
  if (ttl >= 0) rec->reason_ttl = (int)ttl;
  if (svc != 0) {
    rec->banner_type = text(imp, get(imp, svc, d ? "service_name" : "name"),
                            NULL);
    rec->banner = text(imp, get(imp, svc, "banner"), &rec->banner_len);
    if (rec->banner == NULL) rec->banner = "";
  }
  return 1;
}

/* Fills 'rec' with the host of the active record. Returns 0 or -1. */
static int host_rec(struct nsx_import *imp, struct nsx_import_rec *rec) {
  size_t n;
  long long ts;
  char q[128];

  nsx__import_rec_init(imp, rec, imp->jline);
  rec->target = text(imp, imp->jip, &n);
  if (rec->target == NULL || n == 0 ||
      (rec->family = nsx__import_family(rec->target, n)) == AF_UNSPEC)
    return nsx__import_fail(imp, rec->line, "invalid \"ip\" '%s'",
                            rec->target ? nsx__import_quote(rec->target, n,
                                                            q, sizeof q)
                                        : "");
  ts = num(imp, 0, "timestamp", INT64_MAX);
  if (ts >= 0) rec->timestamp = ts;
  return 0;
}

/* Ends the active record. */
static void finish(struct nsx_import *imp) {
  nsx__import_consume(imp, imp->jlen);
  imp->jactive = 0;
}

/* Returns the next port of the active record, or its host alone. */
static int emit(struct nsx_import *imp, struct nsx_import_rec *rec) {
  size_t ports = get(imp, 0, "ports"), p;
  int rc;

  if (ports != 0 && imp->tok[ports].type == JT_ARR) {
    if (imp->jnext == 0) imp->jnext = ports + 1;
    while (imp->jnext < imp->tok[ports].next) {
      p = imp->jnext;
      imp->jnext = imp->tok[p].next;
      if (imp->tok[p].type != JT_OBJ) continue;
      if (host_rec(imp, rec) < 0) {
        finish(imp);
        return -1;
      }
      return port_rec(imp, rec, p, 0);
    }
    finish(imp);
    return 2;
  }
  rc = host_rec(imp, rec);
  if (rc == 0 && get(imp, 0, "port") != 0) {
    size_t d = get(imp, 0, "data");
    rc = port_rec(imp, rec, 0, d && imp->tok[d].type == JT_OBJ ? d : 0);
  } else if (rc == 0) {
    rc = 1;
  }
  finish(imp);
  return rc;
}

/* Parses the record of 'len' bytes at buf[r] and makes it active, or
 * returns -1 with a message (the record is skipped) or 2 for a record
 * that names no address ("{finished: 1}"). */
static int start(struct nsx_import *imp, size_t len) {
  struct jparse jp = {imp->buf + imp->r, len, 0, imp->tok, 0, NULL};

  imp->jline = imp->line;
  imp->jlen = len;
  if (jvalue(&jp, 0) < 0) {
    /* A record cut short is reported on its last line, not the next. */
    nsx__import_fail(imp, nsx__import_line_at(imp, jp.pos < len ? jp.pos
                                                                : len - 1),
                     "bad JSON record: %s", jp.why);
    nsx__import_consume(imp, len);
    return -1;
  }
  imp->ntok = jp.ntok;
  imp->jip = get(imp, 0, "ip");
  imp->jnext = 0;
  if (imp->jip == 0) {
    int quiet = get(imp, 0, "finished") != 0 || imp->ntok == 1;
    nsx__import_consume(imp, len);
    if (quiet) return 2;
    return nsx__import_fail(imp, imp->jline, "record without an \"ip\"");
  }
  imp->jactive = 1;
  return 0;
}

/* Passes over the rest of a record too big for the buffer. Returns 1 when
 * done, or what nsx__import_more returned. */
static int skip_record(struct nsx_import *imp) {
  int rc;

  for (;;) {
    const char *s = imp->buf + imp->r;
    size_t n = imp->w - imp->r, i;
    for (i = 0; i < n && imp->skip_depth > 0; i++) {
      char c = s[i];
      if (imp->skip_str) {
        if (imp->skip_esc) imp->skip_esc = 0;
        else if (c == '\\') imp->skip_esc = 1;
        else if (c == '"') imp->skip_str = 0;
      } else if (c == '"') {
        imp->skip_str = 1;
      } else if (c == '{' || c == '[') {
        imp->skip_depth++;
      } else if (c == '}' || c == ']') {
        imp->skip_depth--;
      }
    }
    nsx__import_consume(imp, i);
    if (imp->skip_depth == 0) {
      imp->skip = SKIP_NONE;
      return 1;
    }
    rc = nsx__import_more(imp);
    if (rc == 0) imp->skip = SKIP_NONE;
    if (rc <= 0) return rc;
  }
}

int nsx__import_json_next(struct nsx_import *imp,
                          struct nsx_import_rec *rec) {
  const char *s, *p, *end;
  size_t len;
  int rc;

  for (;;) {
    if (imp->jactive) {
      rc = emit(imp, rec);
      if (rc != 2) return rc;
      continue;
    }
    if (imp->skip == SKIP_JSON && (rc = skip_record(imp)) != 1) return rc;
    if (imp->skip == SKIP_LINE && (rc = nsx__import_skip(imp)) != 1)
      return rc;
    s = p = imp->buf + imp->r;
    end = imp->buf + imp->w;
    while (p < end && (jws(*p) || *p == ',' || *p == '[' || *p == ']'))
      p++;
    nsx__import_consume(imp, (size_t)(p - s));
    if (p == end) {
      rc = nsx__import_more(imp);
      if (rc == 1) continue;
      return rc;
    }
    if (*p != '{') {
      /* The whole line is skipped, and quoted in the message. */
      char q[128];
      unsigned long line = imp->line;
      size_t total;
      if ((rc = nsx__import_getline(imp, &len, &total)) != 1) return rc;
      nsx__import_quote(imp->buf + imp->r, len, q, sizeof q);
      nsx__import_consume(imp, total);
      return nsx__import_fail(imp, line, "expected a JSON record ('{'), "
                              "got '%s'", q);
    }
    if (!scan(p, (size_t)(end - p), imp->eof, &len)) {
      rc = nsx__import_more(imp);
      if (rc == 1) continue;
      if (rc == -ENOBUFS) {
        nsx__import_fail(imp, imp->line, "JSON record longer than %d bytes",
                         IMPORT_BUF_CAP);
        nsx__import_consume(imp, 1);
        imp->skip = SKIP_JSON;
        imp->skip_depth = 1;
        imp->skip_str = imp->skip_esc = 0;
        return -1;
      }
      if (rc == 0) {
        unsigned long line = imp->line;
        nsx__import_consume(imp, imp->w - imp->r);
        return nsx__import_fail(imp, line, "JSON record cut short by the "
                                "end of the input");
      }
      return rc;
    }
    rc = start(imp, len);
    if (rc == 2) continue;
    if (rc < 0) return rc;
  }
}
