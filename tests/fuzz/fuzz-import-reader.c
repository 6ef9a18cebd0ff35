/* Fuzzes the import reader (target/import*.c): -iL lists, masscan -oL,
 * masscan JSON and Nmap/masscan XML. The first byte picks the format
 * (or AUTO) and a chunk size; the rest is the input. Invariants: every
 * call returns 1, 0, -1 or (fed readers) -EAGAIN; an error has a message
 * naming the input; a record has a target and, with a port, a valid state
 * and protocol; an address family agrees with the text; the calls end
 * (at most two per input byte, plus a few); and feeding the input in
 * chunks gives exactly what feeding it whole gives. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "target/import.h"

static uint64_t mix(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = p;
  size_t i;

  for (i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ULL;
  return h;
}

static uint64_t mix_str(uint64_t h, const char *s) {
  return s ? mix(h, s, strlen(s) + 1) : mix(h, "\xff", 1);
}

static void check_rec(const struct nsx_import_rec *r) {
  static const char *const states[] = {
    "open", "closed", "filtered", "unfiltered", "open|filtered",
    "closed|filtered"
  };
  size_t i;
  int ok = 0;

  FUZZ_CHECK(r->target != NULL && r->target[0] != '\0', "no target");
  FUZZ_CHECK(r->format != NSX_IMPORT_AUTO, "format AUTO");
  FUZZ_CHECK(r->family == AF_UNSPEC || r->family == AF_INET ||
             r->family == AF_INET6, "family %d", r->family);
  FUZZ_CHECK(r->family != AF_INET || strchr(r->target, ':') == NULL,
             "IPv4 '%s'", r->target);
  FUZZ_CHECK(r->family != AF_INET6 || strchr(r->target, ':') != NULL,
             "IPv6 '%s'", r->target);
  FUZZ_CHECK(r->line >= 1, "line %lu", r->line);
  FUZZ_CHECK(r->svc.ncpe <= NSX_IMPORT_MAX_CPE, "%zu cpe", r->svc.ncpe);
  for (i = 0; i < r->svc.ncpe; i++)
    FUZZ_CHECK(r->svc.cpe[i] != NULL, "cpe %zu NULL", i);
  FUZZ_CHECK(r->svc.conf >= -1 && r->svc.conf <= 10, "conf %d", r->svc.conf);
  FUZZ_CHECK(r->banner != NULL || r->banner_len == 0, "banner_len");
  if (!r->has_port) return;
  FUZZ_CHECK(r->proto == NSX_PROTO_TCP || r->proto == NSX_PROTO_UDP ||
             r->proto == NSX_PROTO_SCTP, "proto %d", (int)r->proto);
  FUZZ_CHECK(r->state != NULL, "port without a state");
  for (i = 0; i < sizeof states / sizeof states[0]; i++)
    ok |= strcmp(r->state, states[i]) == 0;
  FUZZ_CHECK(ok, "state '%s'", r->state);
}

/* Reads 'data' with a fed reader, 'chunk' bytes at a time (all if 0), and
 * returns a hash of everything it said. */
static uint64_t run(enum nsx_import_format fmt, const uint8_t *data,
                    size_t size, size_t chunk) {
  struct nsx_import *imp = nsx_import_new(fmt, "fuzz");
  struct nsx_import_rec r;
  uint64_t h = 14695981039346656037ULL;
  size_t off = 0, calls = 0, records = 0;
  char err[512];
  int rc;

  if (imp == NULL) abort();
  for (;;) {
    rc = nsx_import_next(imp, &r, err, sizeof err);
    FUZZ_CHECK(rc == 1 || rc == 0 || rc == -1 || rc == -EAGAIN, "rc %d", rc);
    if (rc == -EAGAIN) {
      size_t want = chunk && chunk < size - off ? chunk : size - off;
      FUZZ_CHECK(off < size || want == 0, "EAGAIN after the end");
      off += nsx_import_feed(imp, data + off, want);
      if (off == size) nsx_import_feed_end(imp);
      continue;
    }
    h = mix(h, &rc, sizeof rc);
    if (rc == 0) break;
    FUZZ_CHECK(++calls <= 2 * size + 16, "%zu calls for %zu bytes", calls,
               size);
    if (rc == -1) {
      FUZZ_CHECK(fuzz_msg_ok(err, sizeof err), "error without a message");
      FUZZ_CHECK(strncmp(err, "fuzz:", 5) == 0, "message '%s'", err);
      h = mix_str(h, err);
      continue;
    }
    records++;
    check_rec(&r);
    h = mix_str(h, r.target);
    h = mix(h, &r.line, sizeof r.line);
    h = mix(h, &r.has_port, sizeof r.has_port);
    h = mix(h, &r.port, sizeof r.port);
    h = mix_str(h, r.state);
    h = mix_str(h, r.reason);
    h = mix_str(h, r.hostname);
    h = mix_str(h, r.svc.name);
    h = mix_str(h, r.svc.version);
    h = mix(h, &r.svc.ncpe, sizeof r.svc.ncpe);
    h = mix(h, &r.banner_len, sizeof r.banner_len);
    if (r.banner) h = mix(h, r.banner, r.banner_len);
  }
  FUZZ_CHECK(nsx_import_next(imp, &r, err, sizeof err) == 0, "not ended");
  nsx_import_close(imp);
  return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const enum nsx_import_format fmts[] = {
    NSX_IMPORT_AUTO, NSX_IMPORT_LIST, NSX_IMPORT_MASSCAN_LIST,
    NSX_IMPORT_JSON, NSX_IMPORT_XML, NSX_IMPORT_AUTO, NSX_IMPORT_AUTO,
    NSX_IMPORT_AUTO
  };
  enum nsx_import_format fmt;
  size_t chunk;
  uint64_t whole, pieces;

  if (size == 0 || size > 1 << 20) return 0;
  fmt = fmts[data[0] & 7];
  chunk = 1 + (data[0] >> 3);
  whole = run(fmt, data + 1, size - 1, 0);
  pieces = run(fmt, data + 1, size - 1, chunk);
  FUZZ_CHECK(whole == pieces, "fed in %zu-byte chunks, the reader said "
             "something else", chunk);
  return 0;
}
