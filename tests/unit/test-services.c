/* The nmap-services table: loading (the real file and small inline ones),
 * names, wildcard lookups and the --top-ports ranking, which must equal
 * the list Nmap 7.93 scans by default (tests/fixtures/top1000-tcp.txt). */
#include <errno.h>

#include "target/portspec.h"
#include "target/services.h"
#include "unit.h"

#define SERVICES NSX_DEFAULT_DATADIR "/nmap-services"

static struct nsx_services *load_ok(void) {
  char err[256] = "";
  struct nsx_services *svc = nsx_services_load(SERVICES, err, sizeof err);

  if (svc == NULL) UNIT_FAIL("load: %s", err);
  return svc;
}

static struct nsx_services *parse_ok(const char *text) {
  char err[256] = "";
  struct nsx_services *svc =
      nsx_services_parse(text, strlen(text), "test", err, sizeof err);

  if (svc == NULL) UNIT_FAIL("parse: %s", err);
  return svc;
}

static const char *parse_err(const char *text) {
  static char err[256];
  struct nsx_services *svc;

  strcpy(err, "(none)");
  svc = nsx_services_parse(text, strlen(text), "test", err, sizeof err);
  if (svc != NULL) UNIT_FAIL("'%s' parsed, but should not", text);
  return err;
}

/* Ports matching 'pattern' as "a,b,c". */
static const char *lookup(const struct nsx_services *svc, const char *pattern,
                          enum nsx_proto proto) {
  static char out[4096];
  static uint16_t ports[65536];
  size_t n = nsx_services_lookup(svc, pattern, proto, ports, 65536), i;
  size_t used = 0;

  out[0] = '\0';
  for (i = 0; i < n && used < sizeof out; i++)
    used += (size_t)snprintf(out + used, sizeof out - used, "%s%u",
                             i ? "," : "", ports[i]);
  return out;
}

/* The fixture's list (its second line), read relative to this source. */
static char *fixture(const char *name) {
  char path[4096], *line = malloc(65536), *p;
  const char *dir = getenv("NSX_TEST_DIR");
  FILE *f;

  if (dir != NULL) {
    snprintf(path, sizeof path, "%s/fixtures/%s", dir, name);
  } else {
    snprintf(path, sizeof path, "%s", __FILE__);
    p = strstr(path, "/unit/test-services.c");
    ASSERT(p != NULL);
    snprintf(p, sizeof path - (size_t)(p - path), "/fixtures/%s", name);
  }
  f = fopen(path, "r");
  if (f == NULL) UNIT_FAIL("cannot open %s", path);
  do {
    ASSERT(fgets(line, 65536, f) != NULL);
  } while (line[0] == '#');
  fclose(f);
  line[strcspn(line, "\r\n")] = '\0';
  return line;
}

TEST(services_load_real_file) {
  struct nsx_services *svc = load_ok();

  ASSERT_EQ_INT(nsx_services_count(svc, NSX_PROTO_TCP), 8366);
  ASSERT_EQ_INT(nsx_services_count(svc, NSX_PROTO_UDP), 19022);
  ASSERT_EQ_INT(nsx_services_count(svc, NSX_PROTO_SCTP), 52);
  ASSERT_EQ_STR(nsx_services_name(svc, 80, NSX_PROTO_TCP), "http");
  ASSERT_EQ_STR(nsx_services_name(svc, 8008, NSX_PROTO_UDP), "http-alt");
  ASSERT_EQ_STR(nsx_services_name(svc, 80, NSX_PROTO_SCTP), "http");
  ASSERT_EQ_STR(nsx_services_name(svc, 22, NSX_PROTO_TCP), "ssh");
  ASSERT_EQ_STR(nsx_services_name(svc, 53, NSX_PROTO_UDP), "domain");
  ASSERT_EQ_STR(nsx_services_name(svc, 1, NSX_PROTO_TCP), "tcpmux");
  ASSERT(nsx_services_name(svc, 36, NSX_PROTO_TCP) == NULL);
  ASSERT(nsx_services_name(svc, 0, NSX_PROTO_TCP) == NULL);
  ASSERT(nsx_services_name(svc, 65536, NSX_PROTO_TCP) == NULL);
  ASSERT(nsx_services_name(svc, 80, (enum nsx_proto)7) == NULL);
  ASSERT_EQ_INT(nsx_services_count(svc, (enum nsx_proto)7), 0);
  nsx_services_free(svc);
  nsx_services_free(NULL);
}

TEST(services_lookup_like_nmap) {
  struct nsx_services *svc = load_ok();
  uint16_t few[2];

  /* As "nmap -p http" and so on report them in <scaninfo>. */
  ASSERT_EQ_STR(lookup(svc, "http", NSX_PROTO_TCP), "80,8008");
  ASSERT_EQ_STR(lookup(svc, "http", NSX_PROTO_UDP), "80");
  ASSERT_EQ_STR(lookup(svc, "http*", NSX_PROTO_TCP),
                "80,280,443,591,593,4180,8000,8008,8080,8443,8990,8991");
  ASSERT_EQ_STR(lookup(svc, "http*", NSX_PROTO_UDP),
                "80,280,443,591,593,4180,8008,8080,8990,8991");
  ASSERT_EQ_STR(lookup(svc, "ftp?", NSX_PROTO_TCP), "990");
  ASSERT_EQ_STR(lookup(svc, "sql*", NSX_PROTO_TCP), "66,118,150,156,9088,9089");
  ASSERT_EQ_STR(lookup(svc, "http-*", NSX_PROTO_UDP),
                "280,591,593,8008,8080,8990");
  ASSERT_EQ_STR(lookup(svc, "nosuchsvc", NSX_PROTO_TCP), "");
  ASSERT_EQ_STR(lookup(svc, "HTTP", NSX_PROTO_TCP), "");
  ASSERT_EQ_STR(lookup(svc, "IIS", NSX_PROTO_TCP), "1027");
  ASSERT_EQ_INT(nsx_services_lookup(svc, "*", NSX_PROTO_TCP, NULL, 0), 8366);
  /* Only 'max' are written, but all are counted. */
  few[1] = 7;
  ASSERT_EQ_INT(nsx_services_lookup(svc, "http*", NSX_PROTO_TCP, few, 1), 12);
  ASSERT_EQ_INT(few[0], 80);
  ASSERT_EQ_INT(few[1], 7);
  nsx_services_free(svc);
}

TEST(services_wildmatch) {
  ASSERT(nsx_services_wildmatch("", ""));
  ASSERT(!nsx_services_wildmatch("", "a"));
  ASSERT(nsx_services_wildmatch("*", ""));
  ASSERT(nsx_services_wildmatch("*", "anything"));
  ASSERT(nsx_services_wildmatch("a*b*c", "aXbYc"));
  ASSERT(nsx_services_wildmatch("a*b*c", "abc"));
  ASSERT(!nsx_services_wildmatch("a*b*c", "abcd"));
  ASSERT(nsx_services_wildmatch("*c", "abcabc"));
  ASSERT(nsx_services_wildmatch("a*bc", "abcbc"));
  ASSERT(nsx_services_wildmatch("?", "x"));
  ASSERT(!nsx_services_wildmatch("?", ""));
  ASSERT(!nsx_services_wildmatch("?", "xy"));
  ASSERT(nsx_services_wildmatch("h?t*", "http"));
  ASSERT(nsx_services_wildmatch("**", "x"));
  ASSERT(!nsx_services_wildmatch("http", "HTTP"));
  ASSERT(!nsx_services_wildmatch("x*yz", "xyzy"));
  ASSERT(nsx_services_wildmatch("*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaab"));
  ASSERT(!nsx_services_wildmatch("*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaa"));
}

TEST(services_top_order) {
  struct nsx_services *svc = load_ok();
  uint16_t top[12];
  static const uint16_t want[12] = {80, 23,   443, 21,  22,  25,
                                    3389, 110, 445, 139, 143, 53};
  int i;

  /* Frequencies descending: 80 0.484143, 23 0.221265, 443 0.208669... */
  ASSERT_EQ_INT(nsx_services_top(svc, NSX_PROTO_TCP, 12, top), 12);
  for (i = 0; i < 12; i++) ASSERT_EQ_INT(top[i], want[i]);
  ASSERT_EQ_INT(nsx_services_top(svc, NSX_PROTO_TCP, 0, top), 0);
  nsx_services_free(svc);
}

TEST(services_top1000_tcp_equals_nmap) {
  struct nsx_services *svc = load_ok();
  struct nsx_portlist pl;
  char *want = fixture("top1000-tcp.txt");
  static char got[65536];

  nsx_portlist_init(&pl);
  ASSERT_EQ_INT(nsx_portlist_top(&pl, svc, 1000, NULL, NULL), 0);
  ASSERT_EQ_INT(pl.n[NSX_PROTO_TCP], 1000);
  nsx_portlist_format(&pl, NSX_PROTO_TCP, got, sizeof got);
  ASSERT_EQ_STR(got, want);
  nsx_portlist_free(&pl);
  free(want);
  nsx_services_free(svc);
}

TEST(services_top_more_than_listed) {
  struct nsx_services *svc = load_ok();
  static uint16_t all[65536];
  size_t i;

  ASSERT_EQ_INT(nsx_services_top(svc, NSX_PROTO_SCTP, 65536, all), 52);
  /* Every SCTP frequency is 0: ties come in port order. */
  for (i = 1; i < 52; i++) ASSERT(all[i - 1] < all[i]);
  ASSERT_EQ_INT(nsx_services_top(svc, NSX_PROTO_UDP, 65536, all), 19022);
  ASSERT_EQ_INT(all[0], 631);
  nsx_services_free(svc);
}

TEST(services_parse_small) {
  struct nsx_services *svc = parse_ok(
      "# comment\n"
      "\n"
      "   \t\n"
      "zeta\t9/tcp\t0.5\t# the last field is a comment\n"
      "alpha 7/tcp 0.25\r\n"                  /* CRLF */
      "beta\t7/tcp\t0.9\n"                    /* duplicate: first wins */
      "gamma\t8/tcp\n"                        /* no frequency: 0 */
      "delta\t8/udp # comment, no frequency\n"
      "ddp-thing\t5/ddp\t0.1\n"               /* other protocol: skipped */
      "eps\t65535/sctp\t1\n"
      "zero\t0/tcp\t0.00000000001\n"          /* digits past 1e-9 dropped */
      "big\t10/tcp\t2.5");                    /* no final newline */
  uint16_t top[8];

  ASSERT_EQ_INT(nsx_services_count(svc, NSX_PROTO_TCP), 5);
  ASSERT_EQ_STR(nsx_services_name(svc, 7, NSX_PROTO_TCP), "alpha");
  ASSERT_EQ_STR(nsx_services_name(svc, 8, NSX_PROTO_TCP), "gamma");
  ASSERT_EQ_STR(nsx_services_name(svc, 9, NSX_PROTO_TCP), "zeta");
  ASSERT_EQ_STR(nsx_services_name(svc, 0, NSX_PROTO_TCP), "zero");
  ASSERT_EQ_STR(nsx_services_name(svc, 8, NSX_PROTO_UDP), "delta");
  ASSERT_EQ_STR(nsx_services_name(svc, 65535, NSX_PROTO_SCTP), "eps");
  ASSERT(nsx_services_name(svc, 5, NSX_PROTO_TCP) == NULL);
  ASSERT_EQ_INT(nsx_services_top(svc, NSX_PROTO_TCP, 8, top), 5);
  ASSERT_EQ_INT(top[0], 10);
  ASSERT_EQ_INT(top[1], 9);
  ASSERT_EQ_INT(top[2], 7);
  ASSERT_EQ_INT(top[3], 0); /* 0.00000000001 counts as 0, tied with 8 */
  ASSERT_EQ_INT(top[4], 8);
  nsx_services_free(svc);
}

TEST(services_parse_empty) {
  struct nsx_services *svc = parse_ok("");
  uint16_t top[1];

  ASSERT_EQ_INT(nsx_services_count(svc, NSX_PROTO_TCP), 0);
  ASSERT_EQ_INT(nsx_services_top(svc, NSX_PROTO_TCP, 1, top), 0);
  ASSERT_EQ_INT(nsx_services_lookup(svc, "*", NSX_PROTO_TCP, top, 1), 0);
  nsx_services_free(svc);
}

TEST(services_parse_unsorted) {
  struct nsx_services *svc = parse_ok("c 30/tcp 0.1\n"
                                      "a 10/tcp 0.3\n"
                                      "b 20/tcp 0.2\n"
                                      "a2 10/tcp 0.9\n"
                                      "d 20/udp 0.2\n");
  uint16_t top[4];

  ASSERT_EQ_INT(nsx_services_count(svc, NSX_PROTO_TCP), 3);
  ASSERT_EQ_STR(nsx_services_name(svc, 10, NSX_PROTO_TCP), "a");
  ASSERT_EQ_STR(lookup(svc, "*", NSX_PROTO_TCP), "10,20,30");
  ASSERT_EQ_INT(nsx_services_top(svc, NSX_PROTO_TCP, 4, top), 3);
  ASSERT_EQ_INT(top[0], 10);
  ASSERT_EQ_INT(top[1], 20);
  ASSERT_EQ_INT(top[2], 30);
  nsx_services_free(svc);
}

TEST(services_parse_errors) {
  ASSERT_EQ_STR(parse_err("http\n"),
                "test:1: expected 'port/protocol' after 'http'");
  ASSERT_EQ_STR(parse_err("# c\nhttp   # comment\n"),
                "test:2: expected 'port/protocol' after 'http'");
  ASSERT_EQ_STR(parse_err("http 80x/tcp 0.1\n"),
                "test:1: bad port/protocol '80x/tcp'");
  ASSERT_EQ_STR(parse_err("http 80 0.1\n"),
                "test:1: bad port/protocol '80'");
  ASSERT_EQ_STR(parse_err("http /tcp 0.1\n"),
                "test:1: bad port/protocol '/tcp'");
  ASSERT_EQ_STR(parse_err("http 65536/tcp 0.1\n"),
                "test:1: bad port/protocol '65536/tcp'");
  ASSERT_EQ_STR(parse_err("http 99999999999999999999/tcp\n"),
                "test:1: bad port/protocol '99999999999999999999/tcp'");
  ASSERT_EQ_STR(parse_err("http 80/tcp abc\n"),
                "test:1: bad frequency 'abc'");
  ASSERT_EQ_STR(parse_err("http 80/tcp 0.1.2\n"),
                "test:1: bad frequency '0.1.2'");
  ASSERT_EQ_STR(parse_err("http 80/tcp .\n"), "test:1: bad frequency '.'");
  ASSERT_EQ_STR(parse_err("http 80/tcp -1\n"), "test:1: bad frequency '-1'");
  ASSERT_EQ_STR(parse_err("http 80/tcp 1e5\n"), "test:1: bad frequency '1e5'");
  ASSERT_EQ_STR(parse_err("http 80/tcp 99999999999\n"),
                "test:1: bad frequency '99999999999'");
}

TEST(services_load_errors) {
  char err[256];

  ASSERT(nsx_services_load("/nonexistent/nmap-services", err, sizeof err) ==
         NULL);
  ASSERT_EQ_STR(err, "cannot open '/nonexistent/nmap-services': No such file "
                     "or directory");
  ASSERT(nsx_services_load("/", err, sizeof err) == NULL);
  ASSERT_EQ_STR(err, "cannot read '/': not a regular file");
  ASSERT(nsx_services_load("/nonexistent", NULL, 0) == NULL);
}

TEST(services_proto_names) {
  ASSERT_EQ_STR(nsx_proto_name(NSX_PROTO_TCP), "tcp");
  ASSERT_EQ_STR(nsx_proto_name(NSX_PROTO_UDP), "udp");
  ASSERT_EQ_STR(nsx_proto_name(NSX_PROTO_SCTP), "sctp");
  ASSERT_EQ_STR(nsx_proto_name((enum nsx_proto)9), "?");
  ASSERT_EQ_INT(nsx_proto_parse("tcp"), NSX_PROTO_TCP);
  ASSERT_EQ_INT(nsx_proto_parse("udp"), NSX_PROTO_UDP);
  ASSERT_EQ_INT(nsx_proto_parse("sctp"), NSX_PROTO_SCTP);
  ASSERT_EQ_INT(nsx_proto_parse("TCP"), -1);
  ASSERT_EQ_INT(nsx_proto_parse(""), -1);
}
