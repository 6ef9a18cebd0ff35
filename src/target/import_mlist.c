/* masscan -oL: "#masscan" then one line per finding, "STATE PROTO PORT IP
 * TIME" ("open tcp 80 192.0.2.1 1700000000"), or with --banners "banner
 * PROTO PORT IP TIME SERVICE TEXT" where TEXT has masscan's \xNN escapes;
 * then "# end". ICMP and ARP findings (--ping) name a host, not a port. */
#include "target/import_int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* Splits the next blank-separated field off '*s' (of '*n' bytes). */
static int field(const char **s, size_t *n, const char **f, size_t *flen) {
  const char *p = *s, *end = *s + *n;

  while (p < end && (*p == ' ' || *p == '\t')) p++;
  *f = p;
  while (p < end && *p != ' ' && *p != '\t') p++;
  *flen = (size_t)(p - *f);
  if (p < end) p++;               /* one separator, for the banner text */
  *n = (size_t)(end - p);
  *s = p;
  return *flen > 0;
}

/* Parses the digits of 'f' into '*v', at most 'max'. */
static int number(const char *f, size_t n, unsigned long long max,
                  unsigned long long *v) {
  size_t i;

  *v = 0;
  if (n == 0 || n > 20) return -1;
  for (i = 0; i < n; i++) {
    if (f[i] < '0' || f[i] > '9') return -1;
    *v = *v * 10 + (unsigned long long)(f[i] - '0');
    if (*v > max) return -1;
  }
  return 0;
}

/* Turns one line into 'rec'. Returns 1, or -1 with a message. */
static int parse_line(struct nsx_import *imp, struct nsx_import_rec *rec,
                      const char *s, size_t n) {
  const char *f[6] = {0};
  size_t fl[6] = {0}, i;
  unsigned long long v;
  char q[128];
  int proto = -1, banner;

  for (i = 0; i < 6; i++) {
    if (!field(&s, &n, &f[i], &fl[i]) && i < 4)
      return nsx__import_fail(imp, rec->line, "expected 'STATE PROTO PORT "
                              "ADDRESS TIME', got '%s'",
                              nsx__import_quote(f[0], (size_t)(s + n - f[0]),
                                                q, sizeof q));
    if (i == 4 && fl[4] == 0) break;
  }
  banner = nsx__xml_is(f[0], fl[0], "banner");
  if (!banner) {
    rec->state = nsx__import_state(f[0], fl[0]);
    if (rec->state == NULL || (strcmp(rec->state, "open") != 0 &&
                               strcmp(rec->state, "closed") != 0))
      return nsx__import_fail(imp, rec->line, "unknown port state '%s' "
                              "(open, closed or banner)",
                              nsx__import_quote(f[0], fl[0], q, sizeof q));
  } else {
    rec->state = "open";
  }
  if (nsx__xml_is(f[1], fl[1], "tcp")) proto = NSX_PROTO_TCP;
  else if (nsx__xml_is(f[1], fl[1], "udp")) proto = NSX_PROTO_UDP;
  else if (nsx__xml_is(f[1], fl[1], "sctp")) proto = NSX_PROTO_SCTP;
  else if (!nsx__xml_is(f[1], fl[1], "icmp") &&
           !nsx__xml_is(f[1], fl[1], "arp"))
    return nsx__import_fail(imp, rec->line, "unknown protocol '%s'",
                            nsx__import_quote(f[1], fl[1], q, sizeof q));
  if (number(f[2], fl[2], 65535, &v) < 0)
    return nsx__import_fail(imp, rec->line, "invalid port '%s' (a number "
                            "from 0 to 65535)",
                            nsx__import_quote(f[2], fl[2], q, sizeof q));
  rec->family = nsx__import_family(f[3], fl[3]);
  if (rec->family == AF_UNSPEC)
    return nsx__import_fail(imp, rec->line, "invalid address '%s'",
                            nsx__import_quote(f[3], fl[3], q, sizeof q));
  rec->target = nsx__arena_put(&imp->rec, f[3], fl[3]);
  if (fl[4] > 0) {
    if (number(f[4], fl[4], (unsigned long long)INT64_MAX, &v) < 0)
      return nsx__import_fail(imp, rec->line, "invalid time '%s'",
                              nsx__import_quote(f[4], fl[4], q, sizeof q));
    rec->timestamp = (int64_t)v;
  }
  if (proto < 0) {
    rec->state = NULL;
    return 1;
  }
  number(f[2], fl[2], 65535, &v);
  rec->has_port = 1;
  rec->port = (uint16_t)v;
  rec->proto = (enum nsx_proto)proto;
  rec->reason = nsx__import_masscan_reason(rec->state, rec->proto);
  if (banner) {
    if (fl[4] == 0 || fl[5] == 0)
      return nsx__import_fail(imp, rec->line, "banner line without a "
                              "service name");
    rec->banner_type = nsx__arena_put(&imp->rec, f[5], fl[5]);
    rec->banner = nsx__arena_unescape_x(&imp->rec, s, n, &rec->banner_len);
  }
  return 1;
}

int nsx__import_mlist_next(struct nsx_import *imp,
                           struct nsx_import_rec *rec) {
  size_t len, total, i;
  const char *s;
  int rc;

  for (;;) {
    if (imp->skip != SKIP_NONE && (rc = nsx__import_skip(imp)) != 1)
      return rc;
    rc = nsx__import_getline(imp, &len, &total);
    if (rc != 1) return rc;
    s = imp->buf + imp->r;
    for (i = 0; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
      ;
    if (i == len || s[i] == '#') {
      nsx__import_consume(imp, total);
      continue;
    }
    nsx__import_rec_init(imp, rec, imp->line);
    nsx__import_consume(imp, total);
    return parse_line(imp, rec, s, len);
  }
}
