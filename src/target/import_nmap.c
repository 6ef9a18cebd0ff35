/* Nmap's -oX documents (and masscan's imitation of them) turned into
 * records: one per <port> of a <host>, with the host's address, names and
 * status and the port's <state> and <service>, or one per <host> that has
 * no port. Scripts, OS guesses, traces and <hosthint> are passed over.
 * Elements are recognised by name and context, not by a full nesting
 * check, so a damaged document loses only the hosts or ports it damages. */
#include "target/import_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Longest host name kept; Nmap's are DNS names (253 bytes). */
#define NAME_CAP 1024

struct nmap_doc {
  unsigned masscan : 1;     /* <nmaprun scanner="masscan"> */
  unsigned hint : 1;        /* inside <hosthint>, which repeats a host */
  unsigned in_host : 1, host_bad : 1;
  unsigned in_port : 1, port_bad : 1, in_cpe : 1;
  unsigned long host_line, port_line;
  size_t nrec;              /* records returned for this host */
  char addr[64];
  int family;
  char mac[32], hstate[32], hreason[64];
  char user[NAME_CAP], ptr[NAME_CAP];
  int64_t endtime;
  uint16_t port;
  enum nsx_proto proto;
  const char *state;
  int ttl;
  struct import_arena pa;   /* this port's strings */
  const char *reason;
  struct nsx_import_service svc;
  const char *banner_type, *banner;
  size_t banner_len, cpe_start;
};

struct nmap_doc *nsx__nmap_doc_new(void) {
  struct nmap_doc *d = calloc(1, sizeof *d);

  if (d == NULL) return NULL;
  d->pa.cap = IMPORT_BUF_CAP;
  d->pa.mem = malloc(d->pa.cap);
  if (d->pa.mem == NULL) {
    free(d);
    return NULL;
  }
  return d;
}

void nsx__nmap_doc_free(struct nmap_doc *d) {
  if (d == NULL) return;
  free(d->pa.mem);
  free(d);
}

static int is(const struct xml_unit *u, const char *name) {
  return nsx__xml_is(u->name, u->nlen, name);
}

/* Decodes attribute 'name' of 'u' into 'out' (of 'cap' bytes, with a
 * NUL). Returns its length, -1 if it is missing, -2 if it is too long. */
static long attr_into(const struct xml_unit *u, const char *name, char *out,
                      size_t cap) {
  const struct xml_attr *a = nsx__xml_attr(u, name);
  size_t len;

  if (a == NULL) return -1;
  if (a->vlen >= cap) return -2;
  if (nsx__xml_decode(a->val, a->vlen, out, &len) < 0) return -1;
  out[len] = '\0';
  return (long)len;
}

/* Decodes attribute 'name' of 'u' into the port's arena, or NULL. */
static const char *attr_keep(struct nmap_doc *d, const struct xml_unit *u,
                             const char *name, size_t *len) {
  const struct xml_attr *a = nsx__xml_attr(u, name);
  char *out;
  size_t n;

  if (a == NULL || a->vlen + 1 > d->pa.cap - d->pa.used) return NULL;
  out = d->pa.mem + d->pa.used;
  if (nsx__xml_decode(a->val, a->vlen, out, &n) < 0) return NULL;
  out[n] = '\0';
  d->pa.used += n + 1;
  if (len) *len = n;
  return out;
}

/* Attribute 'name' of 'u' as a number from 0 to 'max', or -1. */
static long attr_num(const struct xml_unit *u, const char *name, long max) {
  const struct xml_attr *a = nsx__xml_attr(u, name);
  long v = 0;
  size_t i;

  if (a == NULL || a->vlen == 0 || a->vlen > 10) return -1;
  for (i = 0; i < a->vlen; i++) {
    if (a->val[i] < '0' || a->val[i] > '9') return -1;
    v = v * 10 + (a->val[i] - '0');
  }
  return v > max ? -1 : v;
}

static void host_begin(struct nmap_doc *d, const struct xml_unit *u) {
  long n;

  d->in_host = 1;
  d->host_bad = 0;
  d->in_port = 0;
  d->host_line = u->line;
  d->nrec = 0;
  d->addr[0] = d->mac[0] = d->hstate[0] = d->hreason[0] = '\0';
  d->user[0] = d->ptr[0] = '\0';
  d->family = AF_UNSPEC;
  d->endtime = -1;
  n = attr_num(u, "endtime", 0x7fffffffL);
  if (n >= 0) d->endtime = n;
}

/* Fills 'rec' with what is known of the host. */
static void host_fill(struct nsx_import *imp, struct nmap_doc *d,
                      struct nsx_import_rec *rec, unsigned long line) {
  nsx__import_rec_init(imp, rec, line);
  rec->target = d->addr;
  rec->family = d->family;
  if (d->user[0]) rec->hostname = d->user;
  if (d->ptr[0]) rec->ptr = d->ptr;
  if (d->mac[0]) rec->mac = d->mac;
  if (d->hstate[0]) rec->host_state = d->hstate;
  if (d->hreason[0]) rec->host_reason = d->hreason;
  rec->timestamp = d->endtime;
}

static int address(struct nsx_import *imp, struct nmap_doc *d,
                   const struct xml_unit *u) {
  char type[16], tmp[128], q[160];
  long n;
  const char *pct;

  if (attr_into(u, "addrtype", type, sizeof type) < 0) type[0] = '\0';
  if (strcmp(type, "mac") == 0) {
    if (attr_into(u, "addr", d->mac, sizeof d->mac) < 0) d->mac[0] = '\0';
    return 0;
  }
  if (d->addr[0]) return 0;            /* the first IP address is the host */
  n = attr_into(u, "addr", tmp, sizeof tmp);
  if (n < 0) {
    d->host_bad = 1;
    return nsx__import_fail(imp, u->line, "<address> without a valid "
                            "'addr'; host skipped");
  }
  /* masscan says addrtype="ipv4" for IPv6 too: trust the text. A zone is
   * kept but not part of the check. */
  pct = memchr(tmp, '%', (size_t)n);
  d->family = nsx__import_family(tmp, pct ? (size_t)(pct - tmp) : (size_t)n);
  if (d->family == AF_UNSPEC || (size_t)n >= sizeof d->addr) {
    d->host_bad = 1;
    return nsx__import_fail(imp, u->line, "invalid address '%s'; host "
                            "skipped",
                            nsx__import_quote(tmp, (size_t)n, q, sizeof q));
  }
  if (pct != NULL) d->family = AF_UNSPEC;
  memcpy(d->addr, tmp, (size_t)n + 1);
  return 0;
}

static void hostname(struct nmap_doc *d, const struct xml_unit *u) {
  char type[16];
  char *dst;

  if (attr_into(u, "type", type, sizeof type) < 0) return;
  if (strcmp(type, "user") == 0) dst = d->user;
  else if (strcmp(type, "PTR") == 0) dst = d->ptr;
  else return;
  if (dst[0] == '\0' && attr_into(u, "name", dst, NAME_CAP) < 0)
    dst[0] = '\0';
}

static int port_begin(struct nsx_import *imp, struct nmap_doc *d,
                      const struct xml_unit *u) {
  char proto[16], q[64];
  long n;
  int p;

  d->in_port = 1;
  d->port_bad = 1;
  d->in_cpe = 0;
  d->port_line = u->line;
  d->state = NULL;
  d->reason = NULL;
  d->ttl = -1;
  d->pa.used = 0;
  memset(&d->svc, 0, sizeof d->svc);
  d->svc.conf = d->svc.rpcnum = d->svc.lowver = d->svc.highver = -1;
  d->banner_type = d->banner = NULL;
  d->banner_len = 0;
  if (d->host_bad) return 0;
  if (u->truncated)
    return nsx__import_fail(imp, u->line, "<port> tag too long; skipped");
  if (attr_into(u, "protocol", proto, sizeof proto) < 0) proto[0] = '\0';
  p = nsx_proto_parse(proto);
  if (p < 0)
    return nsx__import_fail(imp, u->line, "unsupported port protocol '%s' "
                            "(tcp, udp or sctp); port skipped",
                            nsx__import_quote(proto, strlen(proto), q,
                                              sizeof q));
  n = attr_num(u, "portid", 65535);
  if (n < 0) {
    const struct xml_attr *a = nsx__xml_attr(u, "portid");
    return nsx__import_fail(imp, u->line, "invalid portid '%s' (a number "
                            "from 0 to 65535); port skipped",
                            a ? nsx__import_quote(a->val, a->vlen, q,
                                                  sizeof q) : "");
  }
  d->port = (uint16_t)n;
  d->proto = (enum nsx_proto)p;
  d->port_bad = 0;
  return 0;
}

static int state(struct nsx_import *imp, struct nmap_doc *d,
                 const struct xml_unit *u) {
  const struct xml_attr *a = nsx__xml_attr(u, "state");
  char q[64];

  d->state = a ? nsx__import_state(a->val, a->vlen) : NULL;
  if (d->state == NULL) {
    d->port_bad = 1;
    return nsx__import_fail(imp, u->line, "invalid port state '%s'; port "
                            "skipped",
                            a ? nsx__import_quote(a->val, a->vlen, q,
                                                  sizeof q) : "");
  }
  if (d->masscan) d->reason = nsx__import_masscan_reason(d->state, d->proto);
  else d->reason = attr_keep(d, u, "reason", NULL);
  d->ttl = (int)attr_num(u, "reason_ttl", 255);
  return 0;
}

static void service(struct nmap_doc *d, const struct xml_unit *u) {
  struct nsx_import_service *s = &d->svc;
  const char *v;
  size_t n;

  if (d->masscan) {
    d->banner_type = attr_keep(d, u, "name", NULL);
    v = attr_keep(d, u, "banner", &n);
    if (v != NULL) {
      d->banner = nsx__arena_unescape_x(&d->pa, v, n, &d->banner_len);
      if (d->banner == NULL) d->banner = "";
    }
    return;
  }
  s->name = attr_keep(d, u, "name", NULL);
  s->product = attr_keep(d, u, "product", NULL);
  s->version = attr_keep(d, u, "version", NULL);
  s->extrainfo = attr_keep(d, u, "extrainfo", NULL);
  s->hostname = attr_keep(d, u, "hostname", NULL);
  s->ostype = attr_keep(d, u, "ostype", NULL);
  s->devicetype = attr_keep(d, u, "devicetype", NULL);
  s->tunnel = attr_keep(d, u, "tunnel", NULL);
  s->method = attr_keep(d, u, "method", NULL);
  s->servicefp = attr_keep(d, u, "servicefp", NULL);
  s->conf = (int)attr_num(u, "conf", 10);
  s->rpcnum = (int)attr_num(u, "rpcnum", 0x7fffffff);
  s->lowver = (int)attr_num(u, "lowver", 0x7fffffff);
  s->highver = (int)attr_num(u, "highver", 0x7fffffff);
}

/* Fills 'rec' with the port just closed. Returns 1, 2 for nothing to
 * return, or -1. */
static int port_end(struct nsx_import *imp, struct nmap_doc *d,
                    struct nsx_import_rec *rec) {
  d->in_port = 0;
  d->in_cpe = 0;
  if (d->port_bad || d->host_bad) return 2;
  if (d->addr[0] == '\0') {
    d->host_bad = 1;                  /* said once for the host */
    return nsx__import_fail(imp, d->port_line, "<port> of a host without "
                            "an address; host skipped");
  }
  if (d->state == NULL)
    return nsx__import_fail(imp, d->port_line, "port %u/%s without a "
                            "<state>; skipped", d->port,
                            nsx_proto_name(d->proto));
  host_fill(imp, d, rec, d->port_line);
  rec->has_port = 1;
  rec->port = d->port;
  rec->proto = d->proto;
  rec->state = d->state;
  rec->reason = d->reason;
  rec->reason_ttl = d->ttl;
  rec->svc = d->svc;
  rec->banner_type = d->banner_type;
  rec->banner = d->banner;
  rec->banner_len = d->banner_len;
  d->nrec++;
  return 1;
}

/* </host>: the host alone if none of its ports made a record. */
static int host_end(struct nsx_import *imp, struct nmap_doc *d,
                    struct nsx_import_rec *rec) {
  d->in_host = 0;
  if (d->host_bad || d->nrec > 0) return 2;
  if (d->addr[0] == '\0')
    return nsx__import_fail(imp, d->host_line, "<host> without an address; "
                            "skipped");
  host_fill(imp, d, rec, d->host_line);
  return 1;
}

static void cpe_text(struct nmap_doc *d, const struct xml_unit *u) {
  size_t n;

  if (u->truncated || u->tlen + 1 > d->pa.cap - d->pa.used) return;
  if (u->cdata) {
    memcpy(d->pa.mem + d->pa.used, u->text, u->tlen);
    d->pa.used += u->tlen;
  } else if (nsx__xml_decode(u->text, u->tlen, d->pa.mem + d->pa.used,
                             &n) == 0) {
    d->pa.used += n;
  }
}

static void cpe_end(struct nmap_doc *d) {
  struct nsx_import_service *s = &d->svc;
  char *start = d->pa.mem + d->cpe_start;

  d->in_cpe = 0;
  if (d->pa.used == d->pa.cap) return;
  d->pa.mem[d->pa.used++] = '\0';
  while (*start == ' ' || *start == '\n' || *start == '\t' || *start == '\r')
    start++;
  if (*start != '\0' && s->ncpe < NSX_IMPORT_MAX_CPE)
    s->cpe[s->ncpe++] = start;
}

/* A start (or empty) tag. Returns what port_end or host_end return, 2 for
 * nothing, or -1. */
static int on_start(struct nsx_import *imp, struct nmap_doc *d,
                    const struct xml_unit *u, struct nsx_import_rec *rec) {
  int rc = 2, empty = u->kind == XML_EMPTY;
  char scanner[16];

  if (is(u, "hosthint")) {
    d->hint = !empty;
    return 2;
  }
  if (d->hint) return 2;
  if (is(u, "nmaprun")) {
    d->masscan = attr_into(u, "scanner", scanner, sizeof scanner) >= 0 &&
                 strcmp(scanner, "masscan") == 0;
  } else if (is(u, "host")) {
    if (d->in_host)
      rc = nsx__import_fail(imp, u->line, "<host> inside the <host> of line "
                            "%lu, which is dropped", d->host_line);
    host_begin(d, u);
    if (empty && rc != -1) rc = host_end(imp, d, rec);
  } else if (!d->in_host) {
    return 2;
  } else if (is(u, "port")) {
    if (d->in_port && !d->port_bad)
      rc = nsx__import_fail(imp, u->line, "<port> inside the <port> of line "
                            "%lu, which is dropped", d->port_line);
    if (port_begin(imp, d, u) < 0) rc = -1;
    if (empty && rc != -1) rc = port_end(imp, d, rec);
  } else if (d->in_port) {
    if (d->port_bad) return 2;
    if (is(u, "state")) {
      rc = u->truncated ? nsx__import_fail(imp, u->line, "<state> too long")
                        : state(imp, d, u);
      if (rc < 0) d->port_bad = 1;
      else rc = 2;
    } else if (is(u, "service")) {
      service(d, u);
    } else if (is(u, "cpe") && !empty) {
      d->in_cpe = 1;
      d->cpe_start = d->pa.used;
    }
  } else if (is(u, "address")) {
    rc = address(imp, d, u);
    if (rc == 0) rc = 2;
  } else if (is(u, "hostname")) {
    hostname(d, u);
  } else if (is(u, "status")) {
    if (attr_into(u, "state", d->hstate, sizeof d->hstate) < 0)
      d->hstate[0] = '\0';
    if (attr_into(u, "reason", d->hreason, sizeof d->hreason) < 0)
      d->hreason[0] = '\0';
  }
  return rc;
}

static int on_end(struct nsx_import *imp, struct nmap_doc *d,
                  const struct xml_unit *u, struct nsx_import_rec *rec) {
  if (is(u, "hosthint")) {
    d->hint = 0;
    return 2;
  }
  if (d->hint || !d->in_host) return 2;
  if (is(u, "cpe") && d->in_cpe) {
    cpe_end(d);
  } else if (is(u, "port") && d->in_port) {
    return port_end(imp, d, rec);
  } else if (is(u, "host")) {
    if (d->in_port && !d->port_bad && !d->host_bad) {
      d->in_port = 0;
      if (host_end(imp, d, &imp->prec) == 1) imp->pending = 1;
      return nsx__import_fail(imp, d->port_line, "<port> not closed before "
                              "</host>; skipped");
    }
    return host_end(imp, d, rec);
  }
  return 2;
}

/* A malformed unit: what it damages is skipped too. */
static void on_bad(struct nmap_doc *d, const struct xml_unit *u) {
  if (u->nlen == 0 || d->hint) return;
  if (u->kind == XML_START && is(u, "host")) {
    d->in_host = 1;
    d->host_bad = 1;
    d->in_port = 0;
  } else if (d->in_host && u->kind == XML_START && is(u, "port")) {
    d->in_port = 1;
    d->port_bad = 1;
  } else if (d->in_port && (is(u, "state") || is(u, "service"))) {
    d->port_bad = 1;
  } else if (d->in_host && !d->in_port && is(u, "address")) {
    d->host_bad = 1;
  }
}

int nsx__import_xml_next(struct nsx_import *imp,
                         struct nsx_import_rec *rec) {
  struct nmap_doc *d = imp->doc;
  struct xml_unit u;
  int rc;

  for (;;) {
    rc = nsx__xml_next(imp, &u);
    if (rc == 0) {
      if (d->in_host) {
        d->in_host = 0;
        return nsx__import_fail(imp, imp->line, "the document ends inside "
                                "the <host> of line %lu%s", d->host_line,
                                d->nrec ? "" : ", which is dropped");
      }
      return 0;
    }
    if (rc == -1) {
      on_bad(d, &u);
      return -1;
    }
    if (rc < 0) return rc;
    switch (u.kind) {
    case XML_START:
    case XML_EMPTY: rc = on_start(imp, d, &u, rec); break;
    case XML_END: rc = on_end(imp, d, &u, rec); break;
    case XML_TEXT:
      if (d->in_cpe && d->in_port && !d->hint) cpe_text(d, &u);
      rc = 2;
      break;
    }
    if (rc != 2) return rc;
  }
}
