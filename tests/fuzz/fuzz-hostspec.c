/* Fuzzes target expressions (target/hostspec.c): parsing, iteration
 * bounded to MAX_ADDRS addresses, counting, rewinding, names resolved to a
 * chosen address, and exclusion sets. Invariants: an error comes with a
 * message; IPv4 addresses come strictly ascending and IPv6 ones strictly
 * ascending within the block; a fully walked expression yields exactly
 * nsx_hostspec_count addresses; a rewind replays the same sequence; an
 * exclusion set built from the expression matches every address it
 * yields, and, when fully walked, exactly those among their neighbours. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "fuzz.h"
#include "target/hostspec.h"

enum { MAX_ADDRS = 4096, INPUT_MAX = 1024 };

/* An address as 16 big-endian bytes (IPv4 in the last 4), for ordering. */
static void key_of(const struct sockaddr_storage *ss, uint8_t key[16]) {
  memset(key, 0, 16);
  if (ss->ss_family == AF_INET)
    memcpy(key + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
  else
    memcpy(key, ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr, 16);
}

static int cmp_key(const void *a, const void *b) {
  return memcmp(a, b, 16);
}

static void to_addr(const uint8_t key[16], int family,
                    struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  ss->ss_family = (sa_family_t)family;
  if (family == AF_INET)
    memcpy(&((struct sockaddr_in *)ss)->sin_addr, key + 12, 4);
  else
    memcpy(((struct sockaddr_in6 *)ss)->sin6_addr.s6_addr, key, 16);
}

/* Walks up to MAX_ADDRS addresses into 'keys'; returns how many, and sets
 * '*family' and '*complete' (the walk reached the end). */
static size_t walk(struct nsx_hostspec *hs, uint8_t (*keys)[16], int *family,
                   int *complete) {
  struct sockaddr_storage ss;
  size_t n = 0;
  int rc;

  *complete = 0;
  while (n < MAX_ADDRS && (rc = nsx_hostspec_next(hs, &ss)) == 1) {
    FUZZ_CHECK(ss.ss_family == AF_INET || ss.ss_family == AF_INET6,
               "family %d", ss.ss_family);
    FUZZ_CHECK(n == 0 || ss.ss_family == *family, "mixed families");
    *family = ss.ss_family;
    key_of(&ss, keys[n]);
    FUZZ_CHECK(n == 0 || memcmp(keys[n - 1], keys[n], 16) < 0,
               "address %zu not above the previous one", n);
    n++;
  }
  if (n < MAX_ADDRS) {
    FUZZ_CHECK(rc == 0, "next returned %d", rc);
    *complete = 1;
  } else {
    *complete = nsx_hostspec_next(hs, &ss) == 0;
  }
  return n;
}

static void check_exclude(struct nsx_hostspec *hs, uint8_t (*keys)[16],
                          size_t n, int family, int complete) {
  struct nsx_exclude *ex = nsx_exclude_new();
  struct sockaddr_storage ss;
  uint8_t probe[16];
  int rc;

  if (!ex) abort();
  rc = nsx_exclude_add(ex, hs);
  FUZZ_CHECK(rc == 0, "exclude_add returned %d", rc);
  for (size_t i = 0; i < n; i++) {
    to_addr(keys[i], family, &ss);
    FUZZ_CHECK(nsx_exclude_match(ex, (struct sockaddr *)&ss),
               "address %zu of the expression not excluded", i);
  }
  /* Neighbours of a complete walk: excluded exactly when yielded. The
   * keys are sorted already (checked by walk), so bsearch works. */
  for (size_t i = 0; complete && i < n && i < 64; i++) {
    for (int d = -1; d <= 1; d += 2) {
      int j = 15, in;
      memcpy(probe, keys[i], 16);
      /* +1 or -1 on the 128-bit (or 32-bit) number, wrapping. */
      if (d > 0)
        while (j >= (family == AF_INET ? 12 : 0) && ++probe[j] == 0) j--;
      else
        while (j >= (family == AF_INET ? 12 : 0) && probe[j]-- == 0) j--;
      in = bsearch(probe, keys, n, 16, cmp_key) != NULL;
      to_addr(probe, family, &ss);
      FUZZ_CHECK(nsx_exclude_match(ex, (struct sockaddr *)&ss) == in,
                 "neighbour %d of address %zu: match %d, yielded %d", d, i,
                 !in, in);
    }
  }
  nsx_exclude_free(ex);
}

static void run(struct nsx_hostspec *hs) {
  static uint8_t keys[MAX_ADDRS][16], again[MAX_ADDRS][16];
  uint64_t count = nsx_hostspec_count(hs);
  size_t n, m;
  int family = 0, family2 = 0, complete, complete2;

  FUZZ_CHECK(count > 0, "count 0");
  n = walk(hs, keys, &family, &complete);
  FUZZ_CHECK(n > 0, "no address at all");
  if (complete)
    FUZZ_CHECK(count == n, "count %llu, walked %zu",
               (unsigned long long)count, n);
  else
    FUZZ_CHECK(count > MAX_ADDRS, "count %llu, but more than %d walked",
               (unsigned long long)count, MAX_ADDRS);
  nsx_hostspec_rewind(hs);
  m = walk(hs, again, &family2, &complete2);
  FUZZ_CHECK(m == n && complete == complete2 && family == family2 &&
             memcmp(keys, again, n * 16) == 0, "rewind changed the walk");
  check_exclude(hs, keys, n, family, complete);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct sockaddr_storage ss;
  char err[256], *text;
  struct nsx_hostspec *hs;
  struct nsx_exclude *ex;
  uint8_t sel;

  if (size < 1 || size > INPUT_MAX) return 0;
  /* The first byte picks the address a name resolves to. */
  sel = data[0];
  text = fuzz_cstr(data + 1, size - 1);
  memset(err, 'x', sizeof err);
  hs = nsx_hostspec_parse(text, err, sizeof err);
  if (!hs) {
    FUZZ_CHECK(fuzz_msg_ok(err, sizeof err), "error without a message");
    free(text);
    return 0;
  }
  if (nsx_hostspec_name(hs)) {
    int prefix = nsx_hostspec_prefix(hs), rc;
    FUZZ_CHECK(nsx_hostspec_next(hs, &ss) == -EAGAIN, "unresolved name");
    FUZZ_CHECK(prefix >= -1 && prefix <= 128, "prefix %d", prefix);
    memset(&ss, 0, sizeof ss);
    if (sel & 1) {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
      sin6->sin6_family = AF_INET6;
      for (int i = 0; i < 16; i++)
        sin6->sin6_addr.s6_addr[i] = (uint8_t)(sel * (i + 1));
      sin6->sin6_scope_id = sel >> 4;
    } else {
      struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
      sin->sin_family = AF_INET;
      sin->sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)sel << 8 | sel);
    }
    rc = nsx_hostspec_resolved(hs, (struct sockaddr *)&ss);
    if (rc < 0) {
      FUZZ_CHECK(rc == -EINVAL && !(sel & 1) && prefix > 32,
                 "resolved returned %d", rc);
    } else {
      run(hs);
      FUZZ_CHECK(nsx_hostspec_name(hs) != NULL, "name lost");
    }
  } else {
    run(hs);
  }
  nsx_hostspec_free(hs);

  /* The text path of exclusions refuses names and takes the rest. */
  ex = nsx_exclude_new();
  if (!ex) abort();
  memset(err, 'x', sizeof err);
  if (nsx_exclude_add_text(ex, text, err, sizeof err) < 0)
    FUZZ_CHECK(fuzz_msg_ok(err, sizeof err), "error without a message");
  nsx_exclude_free(ex);
  free(text);
  return 0;
}
