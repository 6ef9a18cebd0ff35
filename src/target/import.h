/* Reading targets and earlier scan results as one stream of records: -iL
 * lists (target expressions and host:port[/proto] entries), masscan's -oL,
 * -oJ, -oD and -oX output, and Nmap's -oX XML. Input is parsed as it is
 * read, in constant memory. Turning records into hosts and ports, and
 * resolving names, is the caller's job (engine/targets.c). */
#ifndef NSX_IMPORT_H
#define NSX_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "target/proto.h"

enum nsx_import_format {
  NSX_IMPORT_AUTO,          /* decided from the first bytes of the input */
  NSX_IMPORT_LIST,          /* -iL: target expressions, host:port[/proto] */
  NSX_IMPORT_MASSCAN_LIST,  /* masscan -oL */
  NSX_IMPORT_JSON,          /* masscan -oJ (an array) and -oD (a line each) */
  NSX_IMPORT_XML            /* nmap -oX and masscan -oX */
};

/* Longest target word in a list; longer ones are refused (Nmap's limit). */
#define NSX_IMPORT_MAX_WORD 1023

/* The most <cpe> values kept per port; later ones are dropped. */
#define NSX_IMPORT_MAX_CPE 8

/* What Nmap's <service> element said about a port, or all NULL (and the
 * numbers -1) when there was none. These are the fields of Nmap's
 * port.version table. */
struct nsx_import_service {
  const char *name;         /* "http" */
  const char *product, *version, *extrainfo;
  const char *hostname, *ostype, *devicetype;
  const char *tunnel;       /* "ssl" or NULL */
  const char *method;       /* "table" or "probed" */
  const char *servicefp;    /* the fingerprint of an unrecognised service */
  int conf;                 /* 0-10, or -1 if not given */
  int rpcnum, lowver, highver;          /* SunRPC, -1 if not given */
  const char *cpe[NSX_IMPORT_MAX_CPE];  /* "cpe:/a:openbsd:openssh:9.2p1" */
  size_t ncpe;
};

/* One target, or one port of one target. Every pointer is owned by the
 * reader and stays valid until the next call on it. Fields the input does
 * not give are NULL, or -1 for numbers.
 *  - list: a target expression alone, or with a port: "open", reason
 *    "user-set" (the user says it is there: no discovery, no port scan);
 *  - masscan (-oL, -oJ, -oD, -oX): one record per line or JSON record or
 *    <host>, in masscan's order (a host's ports are not together); the
 *    state as masscan found it with Nmap's reason ("syn-ack", "reset",
 *    "udp-response", ...); banner records repeat an open port; ICMP and
 *    ARP findings are host records;
 *  - Nmap XML: one record per <port> of a <host>, with the host's fields
 *    and the port's state, reason and <service> as Nmap wrote them, or one
 *    record for a <host> without ports (-sn, -sL, down hosts). */
struct nsx_import_rec {
  enum nsx_import_format format;  /* the input's (never AUTO) */
  unsigned long line;             /* where the record starts in the input */
  /* The target. For XML, JSON and masscan lists it is one address, for a
   * list any target expression (name, range, CIDR block). 'family' is
   * AF_INET or AF_INET6 when 'target' is one literal address without a
   * zone, AF_UNSPEC when it must go through nsx_hostspec_parse. */
  const char *target;
  int family;
  const char *hostname;           /* the name it was given by (type="user") */
  const char *ptr;                /* its reverse DNS name (type="PTR") */
  const char *mac;                /* "BE:1A:94:22:51:5F" */
  const char *host_state;         /* Nmap XML <status>: "up", "down", ... */
  const char *host_reason;        /* "arp-response", "user-set", ... */
  /* The port, when 'has_port' is set; else the record is the host alone. */
  int has_port;
  uint16_t port;
  enum nsx_proto proto;
  /* Nmap's spelling: "open", "closed", "filtered", "unfiltered",
   * "open|filtered" or "closed|filtered". */
  const char *state;
  const char *reason;             /* "syn-ack", "reset", "user-set", ... */
  int reason_ttl;
  struct nsx_import_service svc;
  /* masscan --banners: its protocol name ("ssh", "title", "X509", which
   * are masscan's, not Nmap service names) and the text, unescaped. The
   * text may hold NUL bytes: 'banner_len' is its length. */
  const char *banner_type, *banner;
  size_t banner_len;
  int64_t timestamp;              /* masscan's time, Nmap's endtime; or -1 */
};

struct nsx_import;

/* A reader that pulls its input from 'fd' (not closed by the reader; a
 * pipe is fine: records come out as soon as their bytes arrive, and
 * reads block). 'name' labels messages ("targets.txt:12: ..."). Returns
 * NULL when out of memory. */
struct nsx_import *nsx_import_open_fd(int fd, enum nsx_import_format fmt,
                                      const char *name);

/* Like nsx_import_open_fd on the file at 'path', which the reader owns;
 * "-" is standard input (named "stdin" in messages, and left open).
 * Returns NULL with a one-line message in 'err' if it cannot be opened. */
struct nsx_import *nsx_import_open_path(const char *path,
                                        enum nsx_import_format fmt,
                                        char *err, size_t errlen);

/* A reader that is fed its input by nsx_import_feed, for callers that get
 * bytes from an event loop. Returns NULL when out of memory. */
struct nsx_import *nsx_import_new(enum nsx_import_format fmt,
                                  const char *name);

/* Hands 'len' bytes to a reader made by nsx_import_new. Returns how many
 * it took, which is fewer when its buffer is full: then call
 * nsx_import_next until it returns -EAGAIN and feed the rest. */
size_t nsx_import_feed(struct nsx_import *imp, const void *data, size_t len);

/* Tells a fed reader that no more input will come. */
void nsx_import_feed_end(struct nsx_import *imp);

/* Reads the next record into '*rec'. Returns
 *    1  a record;
 *    0  the end of the input (and again on later calls);
 *   -1  a bad record, document part or read error: 'err' holds one line
 *       ("NAME:LINE: what is wrong") and the bad part has been skipped;
 *       call again to go on;
 *   -EAGAIN  (fed readers only) more input is needed.
 * Never allocates. */
int nsx_import_next(struct nsx_import *imp, struct nsx_import_rec *rec,
                    char *err, size_t errlen);

/* The input's format: as given, or once the first call to nsx_import_next
 * has looked at the input, the one detected (AUTO until then). */
enum nsx_import_format nsx_import_format(const struct nsx_import *imp);

/* "list", "masscan-list", "json", "xml" or "auto". */
const char *nsx_import_format_name(enum nsx_import_format fmt);

/* Frees the reader (closing the file nsx_import_open_path opened). NULL is
 * ignored. */
void nsx_import_close(struct nsx_import *imp);

#endif
