/* Fuzzes the nmap-services parser (target/services.c) and the queries on
 * the table it builds. Invariants: an error comes with a message; per
 * protocol, "*" matches exactly the ports counted, each of them with a
 * name that matches itself as a pattern and finds its port again; the top
 * ports are distinct, listed, and as many as asked for or as listed. */
#include <string.h>

#include "fuzz.h"
#include "target/services.h"

enum { INPUT_MAX = 65536 };

static uint16_t all[65536], top[65536], found[65536];

static void check_proto(const struct nsx_services *svc, enum nsx_proto p,
                        size_t ntop) {
  size_t n = nsx_services_count(svc, p), k, t;

  FUZZ_CHECK(n <= 65536, "%zu ports", n);
  k = nsx_services_lookup(svc, "*", p, all, 65536);
  FUZZ_CHECK(k == n, "'*' matches %zu of %zu ports", k, n);
  for (size_t i = 0; i < k; i++) {
    const char *name = nsx_services_name(svc, all[i], p);
    size_t m;
    int hit = 0;

    FUZZ_CHECK(i == 0 || all[i - 1] < all[i], "lookup not ascending");
    FUZZ_CHECK(name != NULL, "port %u listed without a name", all[i]);
    if (i >= 32) continue;  /* a sample is enough for the costly checks */
    FUZZ_CHECK(nsx_services_wildmatch(name, name) ||
               strpbrk(name, "*?") != NULL, "'%s' does not match itself",
               name);
    m = nsx_services_lookup(svc, name, p, found, 65536);
    for (size_t j = 0; j < m && j < 65536; j++) hit |= found[j] == all[i];
    FUZZ_CHECK(hit, "'%s' does not find port %u", name, all[i]);
  }
  t = nsx_services_top(svc, p, ntop, top);
  FUZZ_CHECK(t == (ntop < n ? ntop : n), "top %zu of %zu gave %zu", ntop, n,
             t);
  for (size_t i = 0; i < t; i++) {
    FUZZ_CHECK(nsx_services_name(svc, top[i], p) != NULL,
               "top port %u unlisted", top[i]);
    for (size_t j = 0; j < i && j < 256; j++)
      FUZZ_CHECK(top[j] != top[i], "top port %u twice", top[i]);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct nsx_services *svc;
  char err[256];

  if (size > INPUT_MAX) return 0;
  memset(err, 'x', sizeof err);
  svc = nsx_services_parse((const char *)data, size, "fuzz", err,
                           sizeof err);
  if (!svc) {
    FUZZ_CHECK(fuzz_msg_ok(err, sizeof err), "error without a message");
    return 0;
  }
  for (int p = 0; p < NSX_PROTO_COUNT; p++)
    check_proto(svc, (enum nsx_proto)p, size ? data[0] : 0);
  FUZZ_CHECK(nsx_services_name(svc, 0, NSX_PROTO_TCP) == NULL ||
             nsx_services_count(svc, NSX_PROTO_TCP) > 0, "phantom port 0");
  nsx_services_free(svc);
  return 0;
}
