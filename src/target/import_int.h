/* What the import reader's files share: the reader itself, its input
 * buffer, and the helpers its format parsers use to take bytes, report
 * errors and keep strings. Only src/target/import*.c include this. */
#ifndef NSX_IMPORT_INT_H
#define NSX_IMPORT_INT_H

#include <stdarg.h>

#include "target/import.h"
#include "target/import_xml.h"

/* The input buffer. A unit (line, word, tag, JSON record) must fit in it
 * whole; bigger ones are skipped with an error, or streamed past. A fuzz
 * build may make it smaller to reach those paths more often. */
#ifndef IMPORT_BUF_CAP
#define IMPORT_BUF_CAP (256 * 1024)
#endif

/* Room for strings a record holds after its bytes have left the buffer:
 * unescaped JSON and banner text, an Nmap XML port's service fields. */
#define IMPORT_ARENA_CAP (IMPORT_BUF_CAP + 4096)

/* Bytes looked at to guess the format, at most. */
#define IMPORT_SNIFF_LEN 4096

/* Tokens of one JSON record, at most. */
#define IMPORT_JSON_TOKENS 4096

/* A string kept by the reader. */
struct import_arena {
  char *mem;
  size_t cap, used;
};

struct import_jtok {
  unsigned char type;       /* JT_OBJ, JT_ARR, JT_STR, JT_PRIM */
  size_t start, end;        /* bytes of the token, quotes excluded */
  size_t next;              /* the token after this one's subtree */
};

/* How the bytes after a unit too big for the buffer are passed over. */
enum import_skip {
  SKIP_NONE,
  SKIP_LINE,                /* to the end of the line */
  SKIP_WORD,                /* to the next blank or '#' */
  SKIP_JSON,                /* to the end of the JSON record */
  SKIP_XML                  /* see struct xml_skip */
};

struct nsx_import {
  enum nsx_import_format fmt;
  char name[128];
  int fd;
  unsigned own_fd : 1;
  unsigned push : 1;        /* fed by nsx_import_feed */
  unsigned eof : 1;         /* no more input will come */
  unsigned done : 1;        /* 0 is all nsx_import_next returns now */
  unsigned pending : 1;     /* 'prec' is to be returned next */
  char *buf;
  size_t r, w;              /* unread bytes are buf[r..w) */
  size_t hint;              /* buf[r..r+hint) holds no line end */
  unsigned long line;       /* the line buf[r] is on */
  char *err;                /* the caller's, during nsx_import_next */
  size_t errlen;
  struct import_arena rec;  /* reset at each call */
  struct nsx_import_rec prec;
  enum import_skip skip;
  int skip_depth;           /* SKIP_JSON: nesting left to close */
  unsigned skip_str : 1;    /* SKIP_JSON: inside a string */
  unsigned skip_esc : 1;    /* SKIP_JSON: after a backslash */
  /* JSON: the record whose ports are being returned, still in buf[r..). */
  struct import_jtok *tok;
  size_t ntok, jnext, jlen, jip;
  unsigned long jline;
  int jactive;
  /* XML: the tokenizer and the Nmap document state (import_nmap.c). */
  struct xml_lexer xml;
  struct nmap_doc *doc;
};

/* Makes more input available in buf[r..w): compacts the buffer and reads.
 * Returns 1 if bytes were added, 0 at the end of the input, -EAGAIN if a
 * fed reader has none yet, -ENOBUFS if the buffer is full of one unit,
 * or -EIO after a read error (message written; the reader is done). */
int nsx__import_more(struct nsx_import *imp);

/* Drops the first 'n' unread bytes, counting their lines. */
void nsx__import_consume(struct nsx_import *imp, size_t n);

/* The line of unread byte 'off' (from buf[r]). */
unsigned long nsx__import_line_at(const struct nsx_import *imp, size_t off);

/* Writes "NAME:LINE: MESSAGE" to the caller's 'err'; returns -1. */
int nsx__import_fail(struct nsx_import *imp, unsigned long line,
                     const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes code point 'cp' (at most 0x10ffff) as UTF-8 to 'out', which has
 * room for 4 bytes; returns the bytes written. */
size_t nsx__utf8_put(char *out, unsigned long cp);

/* Writes 'n' bytes at 's' to 'out' (of 'outlen' bytes) for a message:
 * printable ASCII as is, other bytes as \xNN, cut at 60 bytes with "...".
 * Returns 'out'. */
char *nsx__import_quote(const char *s, size_t n, char *out, size_t outlen);

/* Copies 'n' bytes and a NUL into 'a'. NULL if it does not fit. */
char *nsx__arena_put(struct import_arena *a, const char *s, size_t n);

/* Copies 'n' bytes into 'a', replacing masscan's \xNN escapes by the bytes
 * they stand for, and adds a NUL; stores the length in '*outlen'. NULL if
 * it does not fit. */
char *nsx__arena_unescape_x(struct import_arena *a, const char *s, size_t n,
                            size_t *outlen);

/* Passes over input as 'imp->skip' says (SKIP_LINE or SKIP_WORD), then
 * sets it to SKIP_NONE. Returns 1 when done, or what nsx__import_more
 * returned when it could not finish (0 at the end of the input). */
int nsx__import_skip(struct nsx_import *imp);

/* Waits for a whole line at buf[r]. Returns 1 with its length without
 * the line end in '*len' and with it in '*total' (to consume), 0 at the
 * end of the input, -EAGAIN, -EIO, or -1 for a line too long for the
 * buffer (message written; the rest of the line will be skipped). */
int nsx__import_getline(struct nsx_import *imp, size_t *len, size_t *total);

/* 1 for the bytes that separate words in a list: blanks and line ends. */
static inline int nsx__import_blank(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

/* Clears 'rec': every pointer NULL, every number -1, has_port 0. */
void nsx__import_rec_init(struct nsx_import *imp, struct nsx_import_rec *rec,
                          unsigned long line);

/* AF_INET or AF_INET6 if the 'n' bytes at 's' are one literal address,
 * else AF_UNSPEC. */
int nsx__import_family(const char *s, size_t n);

/* Nmap's reason for a port masscan found: "syn-ack" for an open TCP port,
 * "reset" for a closed one, and so on. */
const char *nsx__import_masscan_reason(const char *state, enum nsx_proto p);

/* The canonical spelling of a port state name ("open" ... "closed|
 * filtered"), or NULL if 'n' bytes at 's' are not one. */
const char *nsx__import_state(const char *s, size_t n);

/* The format parsers: the same contract as nsx_import_next. */
int nsx__import_list_next(struct nsx_import *imp, struct nsx_import_rec *rec);
int nsx__import_mlist_next(struct nsx_import *imp,
                           struct nsx_import_rec *rec);
int nsx__import_json_next(struct nsx_import *imp, struct nsx_import_rec *rec);
int nsx__import_xml_next(struct nsx_import *imp, struct nsx_import_rec *rec);

/* The XML parser's own state, made at open and freed at close. */
struct nmap_doc *nsx__nmap_doc_new(void);
void nsx__nmap_doc_free(struct nmap_doc *doc);

#endif
