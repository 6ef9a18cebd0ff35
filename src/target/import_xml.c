/* The streaming XML tokenizer (see import_xml.h). A unit is taken only
 * once all its bytes are in the reader's buffer, so a fed reader can stop
 * anywhere and resume; a unit bigger than the buffer (a long <script
 * output="..."> attribute, a long comment) is passed over byte by byte
 * and reported as truncated. */
#include "target/import_int.h"

#include <errno.h>
#include <string.h>

enum { XS_NONE, XS_TAG, XS_COMMENT, XS_PI, XS_DECL, XS_CDATA, XS_TEXT };

int nsx__xml_is(const char *s, size_t n, const char *lit) {
  return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

const struct xml_attr *nsx__xml_attr(const struct xml_unit *u,
                                     const char *name) {
  size_t i;

  for (i = 0; i < u->nattr; i++)
    if (nsx__xml_is(u->attr[i].name, u->attr[i].nlen, name))
      return &u->attr[i];
  return NULL;
}

/* Parses the entity at '&' in 's' (of 'n' bytes): stores its code point
 * and length. Returns 0, or -1 if it is not one of XML's. */
static int entity(const char *s, size_t n, unsigned long *cp, size_t *len) {
  static const struct { const char *name; char c; } named[] = {
    {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'},
    {"&apos;", '\''}
  };
  size_t i, k;

  for (k = 0; k < sizeof named / sizeof named[0]; k++) {
    size_t l = strlen(named[k].name);
    if (n >= l && memcmp(s, named[k].name, l) == 0) {
      *cp = (unsigned char)named[k].c;
      *len = l;
      return 0;
    }
  }
  if (n < 4 || s[1] != '#') return -1;
  *cp = 0;
  if (s[2] == 'x') {
    for (i = 3; i < n && i < 12 && strchr("0123456789abcdefABCDEF", s[i]) &&
                s[i] != '\0'; i++)
      *cp = *cp * 16 + (unsigned long)(s[i] <= '9' ? s[i] - '0'
                                                   : (s[i] | 0x20) - 'a' + 10);
    if (i == 3) return -1;
  } else {
    for (i = 2; i < n && i < 11 && s[i] >= '0' && s[i] <= '9'; i++)
      *cp = *cp * 10 + (unsigned long)(s[i] - '0');
    if (i == 2) return -1;
  }
  if (i >= n || s[i] != ';' || *cp == 0 || *cp > 0x10ffff ||
      (*cp >= 0xd800 && *cp < 0xe000))
    return -1;
  *len = i + 1;
  return 0;
}

/* Offset of the first bad entity in 's', or -1 if there is none. */
static long bad_entity(const char *s, size_t n) {
  const char *p = s, *end = s + n;
  unsigned long cp;
  size_t len;

  while ((p = memchr(p, '&', (size_t)(end - p))) != NULL) {
    if (entity(p, (size_t)(end - p), &cp, &len) < 0) return p - s;
    p += len;
  }
  return -1;
}

int nsx__xml_decode(const char *s, size_t n, char *out, size_t *outlen) {
  size_t i = 0, o = 0, len;
  unsigned long cp;

  while (i < n) {
    if (s[i] != '&') {
      out[o++] = s[i++];
      continue;
    }
    if (entity(s + i, n - i, &cp, &len) < 0) return -1;
    i += len;
    o += nsx__utf8_put(out + o, cp);
  }
  *outlen = o;
  return 0;
}

static int name_start(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == ':' || c >= 0x80;
}

static int name_char(int c) {
  return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int blank(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Length of the element name at 's', 0 if none. */
static size_t name_len(const char *s, size_t n) {
  size_t i = 0;

  if (n == 0 || !name_start((unsigned char)s[0])) return 0;
  while (i < n && name_char((unsigned char)s[i])) i++;
  return i;
}

/* Finds the '>' that closes the tag at 's' (which starts with '<'),
 * skipping quoted values. Returns its offset, or -1 if the bytes run out,
 * or -2 - offset of a '<' that shows the tag is malformed. */
static long tag_end(const char *s, size_t n) {
  size_t i;
  char quote = 0;

  for (i = 1; i < n; i++) {
    if (s[i] == '<') return -2 - (long)i;
    if (quote) {
      if (s[i] == quote) quote = 0;
    } else if (s[i] == '"' || s[i] == '\'') {
      quote = s[i];
    } else if (s[i] == '>') {
      return (long)i;
    }
  }
  return -1;
}

/* Reads the tag s[0..len] ('<' to '>') into 'u'. Returns 0, or -1 with a
 * message. */
static int parse_tag(struct nsx_import *imp, struct xml_unit *u,
                     const char *s, size_t len) {
  size_t i = 1, nl, vs, anl, astart = 1;
  const char *an;
  char q[128];
  long bad;

  u->kind = XML_START;
  if (s[1] == '/') {
    u->kind = XML_END;
    i = 2;
  }
  nl = name_len(s + i, len - i);
  u->name = s + i;
  u->nlen = nl;
  if (nl == 0)
    return nsx__import_fail(imp, u->line, "malformed tag '%s'",
                            nsx__import_quote(s, len + 1, q, sizeof q));
  i += nl;
  for (;;) {
    size_t before = i;
    while (i < len && blank((unsigned char)s[i])) i++;
    astart = i;
    if (i == len) return 0;
    if (u->kind == XML_END)
      return nsx__import_fail(imp, u->line, "malformed end tag '%s'",
                              nsx__import_quote(s, len + 1, q, sizeof q));
    if (s[i] == '/' && i + 1 == len) {
      u->kind = XML_EMPTY;
      return 0;
    }
    nl = name_len(s + i, len - i);
    if (nl == 0 || i == before) break;
    an = s + i;
    anl = nl;
    i += nl;
    while (i < len && blank((unsigned char)s[i])) i++;
    if (i == len || s[i] != '=') break;
    i++;
    while (i < len && blank((unsigned char)s[i])) i++;
    if (i == len || (s[i] != '"' && s[i] != '\'')) break;
    vs = ++i;
    while (i < len && s[i] != s[vs - 1]) i++;
    if (i == len) break;
    bad = bad_entity(s + vs, i - vs);
    if (bad >= 0) {
      const char *e = s + vs + bad, *semi;
      size_t el = i - vs - (size_t)bad;
      semi = memchr(e, ';', el);
      if (semi != NULL && semi - e < 12) el = (size_t)(semi - e) + 1;
      if (el > 12) el = 12;
      return nsx__import_fail(imp, nsx__import_line_at(imp, (size_t)(e - s)),
                              "bad entity '%s' in <%.*s %.*s=...>",
                              nsx__import_quote(e, el, q, sizeof q),
                              (int)(u->nlen > 32 ? 32 : u->nlen), u->name,
                              (int)(anl > 32 ? 32 : anl), an);
    }
    if (u->nattr < XML_MAX_ATTRS) {
      u->attr[u->nattr].name = an;
      u->attr[u->nattr].nlen = anl;
      u->attr[u->nattr].val = s + vs;
      u->attr[u->nattr].vlen = i - vs;
      u->nattr++;
    }
    i++;
  }
  return nsx__import_fail(imp, nsx__import_line_at(imp, astart),
                          "malformed attribute in <%.*s ...> near '%s'",
                          (int)(u->nlen > 32 ? 32 : u->nlen), u->name,
                          nsx__import_quote(s + astart, len - astart, q,
                                            sizeof q));
}

/* Starts passing over a unit of kind 'kind' that does not fit: notes what
 * it is and consumes the buffer. */
static void start_skip(struct nsx_import *imp, int kind) {
  struct xml_lexer *lx = &imp->xml;
  const char *s = imp->buf + imp->r;
  size_t n = imp->w - imp->r, i;

  lx->skip = kind;
  lx->line = imp->line;
  lx->quote = 0;
  lx->nlen = 0;
  lx->end_tag = 0;
  lx->slash = 0;
  if (kind == XS_TAG) {
    lx->end_tag = s[1] == '/';
    lx->nlen = name_len(s + 1 + lx->end_tag, n - 1 - lx->end_tag);
    if (lx->nlen > sizeof lx->name) lx->nlen = sizeof lx->name;
    memcpy(lx->name, s + 1 + lx->end_tag, lx->nlen);
    for (i = 1; i < n; i++) {
      if (lx->quote) {
        if (s[i] == lx->quote) lx->quote = 0;
      } else if (s[i] == '"' || s[i] == '\'') {
        lx->quote = s[i];
      }
    }
  }
  lx->last[0] = n >= 2 ? (unsigned char)s[n - 2] : 0;
  lx->last[1] = n >= 1 ? (unsigned char)s[n - 1] : 0;
  if (kind == XS_TEXT) n = 0;   /* text is dropped as it is skipped */
  nsx__import_consume(imp, n);
}

/* Passes over the unit being skipped. Returns 1 with a truncated unit in
 * 'u' (a tag), 2 when done with nothing to return, or what
 * nsx__import_more returned. */
static int skip_run(struct nsx_import *imp, struct xml_unit *u) {
  struct xml_lexer *lx = &imp->xml;
  int rc;

  for (;;) {
    const char *s = imp->buf + imp->r;
    size_t n = imp->w - imp->r, i;
    for (i = 0; i < n; i++) {
      unsigned char c = (unsigned char)s[i];
      int done = 0;
      switch (lx->skip) {
      case XS_TAG:
        if (lx->quote) {
          if (c == (unsigned char)lx->quote) lx->quote = 0;
        } else if (c == '"' || c == '\'') {
          lx->quote = (char)c;
        } else if (c == '>') {
          done = 1;
        }
        if (!done) lx->slash = c == '/';
        break;
      case XS_COMMENT: done = c == '>' && lx->last[0] == '-' &&
                              lx->last[1] == '-'; break;
      case XS_PI: done = c == '>' && lx->last[1] == '?'; break;
      case XS_DECL: done = c == '>'; break;
      case XS_CDATA: done = c == '>' && lx->last[0] == ']' &&
                            lx->last[1] == ']'; break;
      case XS_TEXT:
        if (c == '<') {
          nsx__import_consume(imp, i);
          lx->skip = XS_NONE;
          return 2;
        }
        break;
      }
      lx->last[0] = lx->last[1];
      lx->last[1] = c;
      if (!done) continue;
      nsx__import_consume(imp, i + 1);
      if (lx->skip != XS_TAG) {
        lx->skip = XS_NONE;
        return 2;
      }
      lx->skip = XS_NONE;
      memset(u, 0, sizeof *u);
      u->kind = lx->end_tag ? XML_END : lx->slash ? XML_EMPTY : XML_START;
      u->name = lx->name;
      u->nlen = lx->nlen;
      u->truncated = 1;
      u->line = lx->line;
      return 1;
    }
    nsx__import_consume(imp, n);
    rc = nsx__import_more(imp);
    if (rc == 0) {
      lx->skip = XS_NONE;
      return nsx__import_fail(imp, lx->line, "unexpected end of the "
                              "document inside a unit too long to read");
    }
    if (rc < 0) return rc;
  }
}

/* Handles a unit whose end is not in the buffer: reads more (returning 2
 * to try again), or skips it if it cannot fit, or reports the end of the
 * document inside it. */
static int incomplete(struct nsx_import *imp, int kind, const char *what) {
  int rc = nsx__import_more(imp);

  if (rc == 1 || (rc == 0 && kind == XS_TEXT)) return 2;  /* text may end it */
  if (rc == -ENOBUFS) {
    start_skip(imp, kind);
    return 2;
  }
  if (rc == 0) {
    unsigned long line = imp->line;
    nsx__import_consume(imp, imp->w - imp->r);
    return nsx__import_fail(imp, line, "unexpected end of the document "
                            "inside %s", what);
  }
  return rc;
}

/* Offset of 'pat' in 's', or -1. */
static long find(const char *s, size_t n, size_t from, const char *pat) {
  size_t pl = strlen(pat), i;

  for (i = from; i + pl <= n; i++)
    if (s[i] == pat[0] && memcmp(s + i, pat, pl) == 0) return (long)i;
  return -1;
}

int nsx__xml_next(struct nsx_import *imp, struct xml_unit *u) {
  struct xml_lexer *lx = &imp->xml;
  const char *s, *lt;
  size_t n;
  long e;
  int rc;

  for (;;) {
    if (lx->skip != XS_NONE) {
      rc = skip_run(imp, u);
      if (rc != 2) return rc;
    }
    s = imp->buf + imp->r;
    n = imp->w - imp->r;
    /* Enough bytes to tell "<!--" and "<![CDATA[" from other units, and
     * a byte-order mark from text; no more, so that a record is returned
     * as soon as its own bytes have arrived. */
    if (!imp->eof &&
        (n == 0 || (s[0] == '<' && n < 9 && (n < 2 || s[1] == '!')) ||
         (!lx->bom_checked && n < 3 && memcmp(s, "\xef\xbb\xbf", n) == 0))) {
      rc = nsx__import_more(imp);
      if (rc == 1) continue;
      if (rc != 0) return rc;
      s = imp->buf + imp->r;
      n = imp->w - imp->r;
    }
    if (n == 0) return 0;
    if (!lx->bom_checked) {
      lx->bom_checked = 1;
      if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
        nsx__import_consume(imp, 3);
        continue;
      }
    }
    memset(u, 0, sizeof *u);
    u->line = imp->line;
    if (s[0] != '<') {
      lt = memchr(s, '<', n);
      if (lt == NULL && !imp->eof) {
        if ((rc = incomplete(imp, XS_TEXT, "text")) != 2) return rc;
        continue;
      }
      u->kind = XML_TEXT;
      u->text = s;
      u->tlen = lt ? (size_t)(lt - s) : n;
      nsx__import_consume(imp, u->tlen);
      e = bad_entity(u->text, u->tlen);
      if (e >= 0) {
        char q[64];
        return nsx__import_fail(imp, u->line, "bad entity '%s' in text",
                                nsx__import_quote(u->text + e,
                                                  u->tlen - (size_t)e < 8
                                                      ? u->tlen - (size_t)e
                                                      : 8, q, sizeof q));
      }
      return 1;
    }
    if (n >= 4 && memcmp(s, "<!--", 4) == 0) {
      if ((e = find(s, n, 4, "-->")) < 0) {
        if ((rc = incomplete(imp, XS_COMMENT, "a comment")) != 2) return rc;
        continue;
      }
      nsx__import_consume(imp, (size_t)e + 3);
      continue;
    }
    if (n >= 9 && memcmp(s, "<![CDATA[", 9) == 0) {
      if ((e = find(s, n, 9, "]]>")) < 0) {
        if ((rc = incomplete(imp, XS_CDATA, "CDATA")) != 2) return rc;
        continue;
      }
      u->kind = XML_TEXT;
      u->text = s + 9;
      u->tlen = (size_t)e - 9;
      u->cdata = 1;
      nsx__import_consume(imp, (size_t)e + 3);
      return 1;
    }
    if (n >= 2 && (s[1] == '?' || s[1] == '!')) {
      int pi = s[1] == '?';
      e = pi ? find(s, n, 2, "?>") : find(s, n, 2, ">");
      if (e < 0) {
        if ((rc = incomplete(imp, pi ? XS_PI : XS_DECL,
                             pi ? "a processing instruction"
                                : "a declaration")) != 2)
          return rc;
        continue;
      }
      nsx__import_consume(imp, (size_t)e + (pi ? 2 : 1));
      continue;
    }
    e = tag_end(s, n);
    if (e == -1) {
      if ((rc = incomplete(imp, XS_TAG, "a tag")) != 2) return rc;
      continue;
    }
    if (e < -1) {
      char q[128];
      size_t len = (size_t)(-2 - e);
      u->kind = s[1] == '/' ? XML_END : XML_START;
      u->name = s + 1 + (s[1] == '/');
      u->nlen = name_len(u->name, len - 1 - (s[1] == '/'));
      nsx__import_consume(imp, len);
      return nsx__import_fail(imp, u->line, "unterminated tag '%s'",
                              nsx__import_quote(s, len, q, sizeof q));
    }
    rc = parse_tag(imp, u, s, (size_t)e);
    nsx__import_consume(imp, (size_t)e + 1);
    return rc < 0 ? -1 : 1;
  }
}
