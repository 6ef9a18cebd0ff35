/* A streaming tokenizer for the XML that Nmap and masscan write: start,
 * end and empty-element tags with attributes, text, CDATA, and comments,
 * processing instructions and DOCTYPE (all passed over). It checks
 * entities (&amp; &lt; &gt; &quot; &apos; &#N; &#xN;) but neither nesting
 * nor names: import_nmap.c gives the elements their meaning. */
#ifndef NSX_IMPORT_XML_H
#define NSX_IMPORT_XML_H

#include <stddef.h>

struct nsx_import;

enum xml_kind { XML_START, XML_END, XML_EMPTY, XML_TEXT };

/* Attributes kept per tag; later ones are ignored (Nmap writes at most
 * about ten). */
#define XML_MAX_ATTRS 32

struct xml_attr {
  const char *name, *val;   /* raw bytes in the reader's buffer */
  size_t nlen, vlen;
};

/* One item of the document. Its pointers are into the reader's buffer and
 * stay valid until the next nsx__xml_next call. */
struct xml_unit {
  enum xml_kind kind;
  const char *name;         /* element name (not for XML_TEXT) */
  size_t nlen;
  struct xml_attr attr[XML_MAX_ATTRS];
  size_t nattr;
  const char *text;         /* XML_TEXT: raw, entities not decoded */
  size_t tlen;
  unsigned truncated : 1;   /* too big for the buffer: attrs or text lost */
  unsigned cdata : 1;       /* XML_TEXT from CDATA: no entities in it */
  unsigned long line;       /* where it starts */
};

/* The tokenizer's state between calls: what is being passed over when a
 * unit does not fit in the buffer. */
struct xml_lexer {
  int skip;                 /* enum in import_xml.c; 0 when none */
  char quote;               /* the quote a skipped tag is inside, or 0 */
  unsigned char last[2];    /* the last bytes skipped, to find "-->" */
  unsigned long line;       /* where the skipped unit started */
  char name[32];            /* its element name, cut */
  size_t nlen;
  unsigned end_tag : 1;
  unsigned slash : 1;       /* the byte before '>' was '/' */
  unsigned bom_checked : 1;
};

/* The next unit. Returns 1, 0 at the end of the input, -EAGAIN when a fed
 * reader needs more, or -1 when the input is malformed there: a message
 * is written, the bad part skipped, and 'u' tells what it was if known
 * ('nlen' 0 if not). */
int nsx__xml_next(struct nsx_import *imp, struct xml_unit *u);

/* Replaces the entities of the 'n' raw bytes at 's' and writes the result
 * to 'out', which needs 'n' bytes (the result is never longer), storing
 * its length in '*outlen'. Returns 0, or -1 if an entity is bad. */
int nsx__xml_decode(const char *s, size_t n, char *out, size_t *outlen);

/* The attribute 'name' of 'u', or NULL. */
const struct xml_attr *nsx__xml_attr(const struct xml_unit *u,
                                     const char *name);

/* 1 if the 'n' bytes at 's' are exactly the string 'lit'. */
int nsx__xml_is(const char *s, size_t n, const char *lit);

#endif
