/* Fuzzes Nmap's -p syntax (target/portspec.c) with the real nmap-services
 * table, loaded once: nsx_portspec_parse, nsx_portspec_select (-p,
 * --exclude-ports, --top-ports), subtraction, top-N and formatting.
 * Invariants: an error comes with a message and leaves the list as it
 * was; every list is strictly ascending; nsx_portlist_has agrees with the
 * arrays; the scaninfo text of a list parses back to the same list; a
 * subtraction removes exactly the excluded ports; a top-N list has at
 * most N ports, all of them named in nmap-services. */
#include <string.h>

#include "fuzz.h"
#include "target/portspec.h"
#include "target/services.h"

enum { INPUT_MAX = 4096 };

static struct nsx_services *svc;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  char err[256];
  (void)argc;
  (void)argv;
  svc = nsx_services_load(NSX_DEFAULT_DATADIR "/nmap-services", err,
                          sizeof err);
  if (!svc) fprintf(stderr, "fuzz-portspec: %s (names untested)\n", err);
  return 0;
}

static void check_list(const struct nsx_portlist *pl) {
  for (int p = 0; p < NSX_PROTO_COUNT; p++) {
    FUZZ_CHECK((pl->n[p] == 0) == (pl->ports[p] == NULL),
               "proto %d: n %zu with ports %p", p, pl->n[p],
               (void *)pl->ports[p]);
    FUZZ_CHECK(pl->n[p] <= 65536, "proto %d: %zu ports", p, pl->n[p]);
    for (size_t i = 0; i < pl->n[p]; i++) {
      FUZZ_CHECK(i == 0 || pl->ports[p][i - 1] < pl->ports[p][i],
                 "proto %d: port %zu not ascending", p, i);
      if (i < 64 || i % 997 == 0)  /* a sample keeps big lists fast */
        FUZZ_CHECK(nsx_portlist_has(pl, (enum nsx_proto)p, pl->ports[p][i]),
                   "proto %d: has() misses %u", p, pl->ports[p][i]);
    }
  }
}

static int same(const struct nsx_portlist *a, const struct nsx_portlist *b,
                int p) {
  return a->n[p] == b->n[p] &&
         (a->n[p] == 0 ||
          memcmp(a->ports[p], b->ports[p], a->n[p] * sizeof(uint16_t)) == 0);
}

/* Copies 'src' into 'dst' (both initialised). */
static void copy(struct nsx_portlist *dst, const struct nsx_portlist *src) {
  nsx_portlist_free(dst);
  for (int p = 0; p < NSX_PROTO_COUNT; p++) {
    dst->n[p] = src->n[p];
    if (!src->n[p]) continue;
    dst->ports[p] = malloc(src->n[p] * sizeof(uint16_t));
    if (!dst->ports[p]) abort();
    memcpy(dst->ports[p], src->ports[p], src->n[p] * sizeof(uint16_t));
  }
}

/* The scaninfo text of each protocol parses back to the same ports. */
static void check_format(const struct nsx_portlist *pl) {
  static const char *const prefix[] = {"T:", "U:", "S:"};
  static char text[65536 * 12 + 8];
  struct nsx_portlist back;
  char err[256];

  for (int p = 0; p < NSX_PROTO_COUNT; p++) {
    size_t len;
    int rc;

    strcpy(text, prefix[p]);
    len = nsx_portlist_format(pl, (enum nsx_proto)p, text + 2,
                              sizeof text - 2);
    FUZZ_CHECK(len < sizeof text - 2, "format: %zu bytes", len);
    FUZZ_CHECK(strlen(text + 2) == len, "format length %zu, text %zu", len,
               strlen(text + 2));
    if (len == 0) {
      FUZZ_CHECK(pl->n[p] == 0, "empty text for %zu ports", pl->n[p]);
      continue;
    }
    nsx_portlist_init(&back);
    rc = nsx_portspec_parse(text, NULL, &back, err, sizeof err);
    FUZZ_CHECK(rc == 0, "formatted list does not parse: %s", err);
    FUZZ_CHECK(same(pl, &back, p), "proto %d: format/parse changed the "
               "list (%zu vs %zu ports)", p, pl->n[p], back.n[p]);
    for (int q = 0; q < NSX_PROTO_COUNT; q++)
      FUZZ_CHECK(q == p || back.n[q] == 0, "prefix leaked to proto %d", q);
    nsx_portlist_free(&back);
  }
}

static void check_subtract(const struct nsx_portlist *a,
                           const struct nsx_portlist *b) {
  struct nsx_portlist d;

  nsx_portlist_init(&d);
  copy(&d, a);
  nsx_portlist_subtract(&d, b);
  check_list(&d);
  /* The difference by a merge of the two sorted lists. */
  for (int p = 0; p < NSX_PROTO_COUNT; p++) {
    size_t j = 0, k = 0;
    for (size_t i = 0; i < a->n[p]; i++) {
      unsigned port = a->ports[p][i];
      while (j < b->n[p] && b->ports[p][j] < port) j++;
      if (j < b->n[p] && b->ports[p][j] == port) continue;
      FUZZ_CHECK(k < d.n[p] && d.ports[p][k] == port,
                 "subtract: proto %d lost port %u", p, port);
      k++;
    }
    FUZZ_CHECK(d.n[p] == k, "subtract: %zu left, want %zu", d.n[p], k);
  }
  nsx_portlist_free(&d);
}

static void check_top(const struct nsx_portlist *within, size_t n) {
  struct nsx_portlist t;
  int rc;

  if (!svc) return;
  nsx_portlist_init(&t);
  rc = nsx_portlist_top(&t, svc, n, within, NULL);
  FUZZ_CHECK(rc == 0, "top: %d", rc);
  check_list(&t);
  for (int p = 0; p < NSX_PROTO_COUNT; p++) {
    FUZZ_CHECK(t.n[p] <= n, "top %zu gave %zu", n, t.n[p]);
    for (size_t i = 0; i < t.n[p]; i++) {
      FUZZ_CHECK(nsx_portlist_has(within, (enum nsx_proto)p, t.ports[p][i]),
                 "top: port %u not in 'within'", t.ports[p][i]);
      FUZZ_CHECK(nsx_services_name(svc, t.ports[p][i], (enum nsx_proto)p),
                 "top: port %u has no name", t.ports[p][i]);
    }
  }
  nsx_portlist_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct nsx_portlist a, b, keep;
  char err[256], *text, *excl;
  size_t top;
  uint8_t mode;
  int rc;

  if (size < 2 || size > INPUT_MAX) return 0;
  /* Byte 0: the mode and --top-ports; then "-p text" NUL "exclude". */
  mode = data[0];
  text = fuzz_cstr(data + 1, size - 1);
  excl = memchr(data + 1, '\0', size - 1)
             ? text + strlen(text) + 1 : NULL;
  top = mode >> 2;
  nsx_portlist_init(&a);
  nsx_portlist_init(&b);
  nsx_portlist_init(&keep);

  /* Parsing into a non-empty list: an error leaves it unchanged. */
  rc = nsx_portspec_parse("T:7,U:9", NULL, &a, err, sizeof err);
  FUZZ_CHECK(rc == 0, "seed list: %s", err);
  copy(&keep, &a);
  memset(err, 'x', sizeof err);
  rc = nsx_portspec_parse(text, (mode & 1) ? svc : NULL, &a, err,
                          sizeof err);
  if (rc < 0) {
    FUZZ_CHECK(rc == -22 /* EINVAL */, "parse: %d", rc);
    FUZZ_CHECK(fuzz_msg_ok(err, sizeof err), "error without a message");
    for (int p = 0; p < NSX_PROTO_COUNT; p++)
      FUZZ_CHECK(same(&a, &keep, p), "failed parse changed the list");
  } else {
    check_list(&a);
    check_format(&a);
    if (excl && nsx_portspec_parse(excl, svc, &b, err, sizeof err) == 0) {
      check_list(&b);
      check_subtract(&a, &b);
    }
    check_top(&a, top);
  }

  /* The whole selection, as main() makes it. */
  nsx_portlist_free(&b);
  memset(err, 'x', sizeof err);
  rc = nsx_portspec_select(&b, (mode & 2) ? NULL : text, excl,
                           (mode & 1) ? top : 0, svc, err, sizeof err);
  if (rc < 0)
    FUZZ_CHECK(fuzz_msg_ok(err, sizeof err), "error without a message");
  else
    check_list(&b);

  nsx_portlist_free(&a);
  nsx_portlist_free(&b);
  nsx_portlist_free(&keep);
  free(text);
  return 0;
}
