/* Target expressions and exclusion sets. Expected address lists were taken
 * from "nmap -sL -n EXPR" (and "nmap -6 -sL -n EXPR") of Nmap 7.93. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>

#include "target/hostspec.h"
#include "unit.h"

/* Parses 'text' or fails the test. */
static struct nsx_hostspec *parse_ok(const char *text) {
  char err[256] = "";
  struct nsx_hostspec *spec = nsx_hostspec_parse(text, err, sizeof err);

  if (spec == NULL) UNIT_FAIL("parse '%s': %s", text, err);
  return spec;
}

static void ntop(const struct sockaddr_storage *ss, char *buf, size_t len) {
  if (ss->ss_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf,
              (socklen_t)len);
  else
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf,
              (socklen_t)len);
}

/* The first 'max' addresses of 'spec', space-separated, with "..." if
 * there are more. */
static const char *walk(struct nsx_hostspec *spec, size_t max) {
  static char out[8192];
  struct sockaddr_storage ss;
  char buf[INET6_ADDRSTRLEN];
  size_t n = 0, used = 0;

  out[0] = '\0';
  while (nsx_hostspec_next(spec, &ss) == 1) {
    if (n++ == max) {
      snprintf(out + used, sizeof out - used, " ...");
      break;
    }
    ntop(&ss, buf, sizeof buf);
    used += (size_t)snprintf(out + used, sizeof out - used, "%s%s",
                             used ? " " : "", buf);
  }
  return out;
}

/* Parses, checks the count, and returns the first 'max' addresses. */
static const char *expand(const char *text, uint64_t count, size_t max) {
  static char out[8192];
  struct nsx_hostspec *spec = parse_ok(text);

  ASSERT_EQ_INT(nsx_hostspec_count(spec), count);
  snprintf(out, sizeof out, "%s", walk(spec, max));
  nsx_hostspec_free(spec);
  return out;
}

/* The message for a parse that must fail. */
static const char *parse_err(const char *text) {
  static char err[256];
  struct nsx_hostspec *spec;

  strcpy(err, "(none)");
  spec = nsx_hostspec_parse(text, err, sizeof err);
  if (spec != NULL) UNIT_FAIL("'%s' parsed, but should not", text);
  return err;
}

static void sa4(struct sockaddr_storage *ss, const char *text) {
  struct sockaddr_in *sin = (struct sockaddr_in *)ss;

  memset(ss, 0, sizeof *ss);
  sin->sin_family = AF_INET;
  ASSERT(inet_pton(AF_INET, text, &sin->sin_addr) == 1);
}

static void sa6(struct sockaddr_storage *ss, const char *text) {
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

  memset(ss, 0, sizeof *ss);
  sin6->sin6_family = AF_INET6;
  ASSERT(inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1);
}

TEST(hostspec_ipv4_single) {
  ASSERT_EQ_STR(expand("127.0.0.1", 1, 10), "127.0.0.1");
  ASSERT_EQ_STR(expand("010.0.0.1", 1, 10), "10.0.0.1");
  ASSERT_EQ_STR(expand("0.0.0.0", 1, 10), "0.0.0.0");
  ASSERT_EQ_STR(expand("255.255.255.255", 1, 10), "255.255.255.255");
}

TEST(hostspec_ipv4_ranges_like_nmap) {
  ASSERT_EQ_STR(expand("10.0.0-1.1-3", 6, 10),
                "10.0.0.1 10.0.0.2 10.0.0.3 10.0.1.1 10.0.1.2 10.0.1.3");
  ASSERT_EQ_STR(expand("10.0.0.250-", 6, 10),
                "10.0.0.250 10.0.0.251 10.0.0.252 10.0.0.253 10.0.0.254 "
                "10.0.0.255");
  ASSERT_EQ_STR(expand("10.0.0.-3", 4, 10),
                "10.0.0.0 10.0.0.1 10.0.0.2 10.0.0.3");
  ASSERT_EQ_STR(expand("10.0.0.5,1,3,1", 3, 10),
                "10.0.0.1 10.0.0.3 10.0.0.5");
  ASSERT_EQ_STR(expand("10.0.0.0-3,2-5", 6, 10),
                "10.0.0.0 10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5");
  ASSERT_EQ_STR(expand("10.0.0.1-1", 1, 10), "10.0.0.1");
  ASSERT_EQ_STR(expand("10.0-1.0.1,3,5-7", 10, 10),
                "10.0.0.1 10.0.0.3 10.0.0.5 10.0.0.6 10.0.0.7 "
                "10.1.0.1 10.1.0.3 10.1.0.5 10.1.0.6 10.1.0.7");
  ASSERT_EQ_STR(expand("-.0.0.1", 256, 2), "0.0.0.1 1.0.0.1 ...");
}

TEST(hostspec_ipv4_wildcards) {
  ASSERT_EQ_STR(expand("10.0.0.*", 256, 3), "10.0.0.0 10.0.0.1 10.0.0.2 ...");
  ASSERT_EQ_STR(expand("10.0.0.-", 256, 3), "10.0.0.0 10.0.0.1 10.0.0.2 ...");
  ASSERT_EQ_STR(expand("*.*.*.1", 1u << 24, 3),
                "0.0.0.1 0.0.1.1 0.0.2.1 ...");
}

TEST(hostspec_ipv4_last_of_wildcard) {
  struct nsx_hostspec *spec = parse_ok("10.0.0.*");
  struct sockaddr_storage ss;
  char buf[64];
  int i;

  for (i = 0; i < 256; i++) ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 1);
  ntop(&ss, buf, sizeof buf);
  ASSERT_EQ_STR(buf, "10.0.0.255");
  ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 0);
  ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 0);
  nsx_hostspec_rewind(spec);
  ASSERT_EQ_STR(walk(spec, 1), "10.0.0.0 ...");
  nsx_hostspec_free(spec);
}

TEST(hostspec_ipv4_cidr) {
  ASSERT_EQ_STR(expand("10.0.0.0/30", 4, 10),
                "10.0.0.0 10.0.0.1 10.0.0.2 10.0.0.3");
  ASSERT_EQ_STR(expand("10.0.0.1/31", 2, 10), "10.0.0.0 10.0.0.1");
  ASSERT_EQ_STR(expand("10.0.0.1/32", 1, 10), "10.0.0.1");
  ASSERT_EQ_STR(expand("10.0.0.1/032", 1, 10), "10.0.0.1");
  ASSERT_EQ_STR(expand("192.168.77.200/29", 8, 2),
                "192.168.77.200 192.168.77.201 ...");
  ASSERT_EQ_STR(expand("10.1.2.3/8", 1u << 24, 2), "10.0.0.0 10.0.0.1 ...");
  ASSERT_EQ_STR(expand("10.0.0.1/0", UINT64_C(1) << 32, 2),
                "0.0.0.0 0.0.0.1 ...");
  ASSERT_EQ_STR(expand("10.0.0.1/1", UINT64_C(1) << 31, 1), "0.0.0.0 ...");
  ASSERT_EQ_STR(expand("200.0.0.1/1", UINT64_C(1) << 31, 1), "128.0.0.0 ...");
}

TEST(hostspec_ipv4_cidr_with_ranges_like_nmap) {
  ASSERT_EQ_STR(expand("10.0-1.0.1/31", 4, 10),
                "10.0.0.0 10.0.0.1 10.1.0.0 10.1.0.1");
  ASSERT_EQ_STR(expand("10.0.0.1-5/24", 256, 2), "10.0.0.0 10.0.0.1 ...");
  ASSERT_EQ_STR(expand("10.0.0.*/31", 256, 2), "10.0.0.0 10.0.0.1 ...");
  ASSERT_EQ_STR(expand("10.0.0-1.5/23", 512, 2), "10.0.0.0 10.0.0.1 ...");
}

TEST(hostspec_ipv4_cidr_crossing_octets) {
  /* "nmap -sL -n 10.0.3,8.1/22": 2048 addresses, 10.0.0.0-10.0.3.255 and
   * then 10.0.8.0-10.0.11.255. */
  struct nsx_hostspec *spec = parse_ok("10.0.3,8.1/22");
  struct sockaddr_storage ss;
  char buf[64];
  int i;

  ASSERT_EQ_INT(nsx_hostspec_count(spec), 2048);
  for (i = 1; i <= 1025; i++) {
    ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 1);
    ntop(&ss, buf, sizeof buf);
    if (i == 1024) ASSERT_EQ_STR(buf, "10.0.3.255");
    if (i == 1025) ASSERT_EQ_STR(buf, "10.0.8.0");
  }
  for (; i <= 2048; i++) ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 1);
  ntop(&ss, buf, sizeof buf);
  ASSERT_EQ_STR(buf, "10.0.11.255");
  ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 0);
  nsx_hostspec_free(spec);
}

TEST(hostspec_ipv4_addresses_have_no_port) {
  struct nsx_hostspec *spec = parse_ok("127.0.0.1");
  struct sockaddr_storage ss;

  memset(&ss, 0xff, sizeof ss);
  ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 1);
  ASSERT_EQ_INT(ss.ss_family, AF_INET);
  ASSERT_EQ_INT(((struct sockaddr_in *)&ss)->sin_port, 0);
  ASSERT(nsx_hostspec_name(spec) == NULL);
  ASSERT_EQ_INT(nsx_hostspec_prefix(spec), -1);
  nsx_hostspec_free(spec);
}

TEST(hostspec_ipv4_errors) {
  ASSERT_EQ_STR(parse_err("256.1.1.1"),
                "invalid target '256.1.1.1': octet '256' out of range "
                "(0-255)");
  ASSERT_EQ_STR(parse_err("1.2.3"),
                "invalid target '1.2.3': IPv4 address needs 4 octets, "
                "found 3");
  ASSERT_EQ_STR(parse_err("10.0.0.5-3"),
                "invalid target '10.0.0.5-3': octet range 5-3 is backwards");
  ASSERT_EQ_STR(parse_err("10.0.0.0/33"),
                "invalid target '10.0.0.0/33': prefix length '/33' out of "
                "range (0-32)");
  ASSERT_EQ_STR(parse_err("1.2.3.4.5"),
                "invalid target '1.2.3.4.5': more than 4 octets");
  ASSERT_EQ_STR(parse_err("10.0.0.1,"),
                "invalid target '10.0.0.1,': empty entry in octet 4");
  ASSERT_EQ_STR(parse_err("10.0.0.,1"),
                "invalid target '10.0.0.,1': empty entry in octet 4");
  ASSERT_EQ_STR(parse_err("10..0.1"),
                "invalid target '10..0.1': empty entry in octet 2");
  ASSERT_EQ_STR(parse_err("10.0.0."),
                "invalid target '10.0.0.': empty entry in octet 4");
  ASSERT_EQ_STR(parse_err("10.0.0.*5"),
                "invalid target '10.0.0.*5': unexpected '5' in octet 4");
  ASSERT_EQ_STR(parse_err("10.0.0.1-2-3"),
                "invalid target '10.0.0.1-2-3': unexpected '-' in octet 4");
  ASSERT_EQ_STR(parse_err("10.0.0.1/"),
                "invalid target '10.0.0.1/': invalid prefix length '/'");
  ASSERT_EQ_STR(parse_err("10.0.0.1/a"),
                "invalid target '10.0.0.1/a': invalid prefix length '/a'");
  ASSERT_EQ_STR(parse_err("10.0.0.1/-1"),
                "invalid target '10.0.0.1/-1': invalid prefix length '/-1'");
  ASSERT_EQ_STR(parse_err("10.0.0.1/24/1"),
                "invalid target '10.0.0.1/24/1': invalid prefix length "
                "'/24/1'");
  ASSERT_EQ_STR(parse_err("10.0.0.1/99999999999999999999"),
                "invalid target '10.0.0.1/99999999999999999999': prefix "
                "length '/999999999999' out of range (0-32)");
  ASSERT_EQ_STR(parse_err("1.2.3.99999999999999999999"),
                "invalid target '1.2.3.99999999999999999999': octet "
                "'999999999999' out of range (0-255)");
  ASSERT_EQ_STR(parse_err("123"),
                "invalid target '123': IPv4 address needs 4 octets, found 1");
  ASSERT_EQ_STR(parse_err("-"),
                "invalid target '-': IPv4 address needs 4 octets, found 1");
  ASSERT_EQ_STR(parse_err(","),
                "invalid target ',': empty entry in octet 1");
  ASSERT_EQ_STR(parse_err("."), "invalid target '.': empty entry in octet 1");
}

TEST(hostspec_empty_and_garbage) {
  char err[64] = "";

  ASSERT(nsx_hostspec_parse("", err, sizeof err) == NULL);
  ASSERT_EQ_STR(err, "empty target");
  ASSERT(nsx_hostspec_parse(NULL, err, sizeof err) == NULL);
  ASSERT_EQ_STR(err, "empty target");
  /* No error buffer, or a tiny one: still no crash. */
  ASSERT(nsx_hostspec_parse("256.0.0.1", NULL, 0) == NULL);
  ASSERT(nsx_hostspec_parse("256.0.0.1", err, 1) == NULL);
  ASSERT_EQ_STR(err, "");
  ASSERT(nsx_hostspec_parse("256.0.0.1", err, 10) == NULL);
  ASSERT_EQ_STR(err, "invalid t");
  ASSERT_EQ_STR(parse_err("/24"),
                "invalid target '/24': missing address before '/'");
  ASSERT_EQ_STR(parse_err("10.0.0.1 "),
                "invalid target '10.0.0.1 ': invalid character ' ' in "
                "hostname");
  ASSERT_EQ_STR(parse_err("host!"),
                "invalid target 'host!': invalid character '!' in hostname");
  ASSERT_EQ_STR(parse_err("*.example.com"),
                "invalid target '*.example.com': invalid character '*' in "
                "hostname");
  ASSERT_EQ_STR(parse_err("a\tb"),
                "invalid target 'a\tb': invalid character 0x09 in hostname");
  ASSERT_EQ_STR(parse_err("caf\xc3\xa9"),
                "invalid target 'caf\xc3\xa9': invalid character 0xc3 in "
                "hostname");
  ASSERT_EQ_STR(parse_err("a..b"),
                "invalid target 'a..b': empty label in hostname");
  ASSERT_EQ_STR(parse_err(".example.com"),
                "invalid target '.example.com': empty label in hostname");
  ASSERT_EQ_STR(parse_err("localhost/129"),
                "invalid target 'localhost/129': prefix length '/129' out "
                "of range (0-128)");
}

TEST(hostspec_very_long_input) {
  size_t n = 100000, i;
  char *s = malloc(n + 1);
  const char *e;

  /* A long number: rejected, and the message quotes a bounded prefix. */
  memset(s, '1', n);
  s[n] = '\0';
  e = parse_err(s);
  ASSERT(strstr(e, "...': octet '111111111111' out of range (0-255)") != NULL);
  ASSERT(strlen(e) < 200);
  /* A long label. */
  memset(s, 'a', n);
  e = parse_err(s);
  ASSERT(strstr(e, "hostname label longer than 63 characters") != NULL);
  /* Many short labels: too long a name. */
  for (i = 0; i < n; i++) s[i] = i % 2 ? '.' : 'a';
  s[n - 1] = 'a';
  e = parse_err(s);
  ASSERT(strstr(e, "hostname longer than 253 characters") != NULL);
  /* A long but valid octet list. */
  for (i = 0; i + 1 < n; i += 2) {
    s[i] = (char)('0' + (i / 2) % 10);
    s[i + 1] = ',';
  }
  memcpy(s, "1.2.3.", 6);
  s[n - 1] = '\0'; /* drop the trailing comma */
  {
    struct nsx_hostspec *spec = parse_ok(s);
    ASSERT_EQ_INT(nsx_hostspec_count(spec), 10);
    nsx_hostspec_free(spec);
  }
  /* A long IPv6-looking string. */
  memset(s, ':', n - 1);
  e = parse_err(s);
  ASSERT(strstr(e, "IPv6 address too long") != NULL);
  free(s);
}

TEST(hostspec_hostname_limits) {
  char name[300];
  struct nsx_hostspec *spec;

  /* 63-character labels are fine, 64 are not. */
  memset(name, 'a', 63);
  strcpy(name + 63, ".com");
  spec = parse_ok(name);
  nsx_hostspec_free(spec);
  memset(name, 'a', 64);
  strcpy(name + 64, ".com");
  ASSERT(strstr(parse_err(name), "label longer than 63") != NULL);
  /* 253 characters, plus an optional trailing dot. */
  memset(name, 'a', 253);
  for (int i = 50; i < 253; i += 50) name[i] = '.';
  name[253] = '\0';
  spec = parse_ok(name);
  nsx_hostspec_free(spec);
  strcpy(name + 253, ".");
  spec = parse_ok(name);
  nsx_hostspec_free(spec);
  strcpy(name + 253, "a");
  ASSERT(strstr(parse_err(name), "longer than 253") != NULL);
}

TEST(hostspec_name) {
  struct nsx_hostspec *spec = parse_ok("localhost");
  struct sockaddr_storage ss;

  ASSERT_EQ_STR(nsx_hostspec_name(spec), "localhost");
  ASSERT_EQ_INT(nsx_hostspec_prefix(spec), -1);
  ASSERT_EQ_INT(nsx_hostspec_count(spec), 1);
  ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), -EAGAIN);
  sa4(&ss, "127.0.0.1");
  ((struct sockaddr_in *)&ss)->sin_port = htons(80);
  ASSERT_EQ_INT(nsx_hostspec_resolved(spec, (struct sockaddr *)&ss), 0);
  ASSERT_EQ_STR(nsx_hostspec_name(spec), "localhost");
  ASSERT_EQ_INT(nsx_hostspec_count(spec), 1);
  ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 1);
  ASSERT_EQ_INT(((struct sockaddr_in *)&ss)->sin_port, 0);
  nsx_hostspec_rewind(spec);
  ASSERT_EQ_STR(walk(spec, 5), "127.0.0.1");
  nsx_hostspec_free(spec);
}

TEST(hostspec_name_with_prefix_like_nmap) {
  /* "nmap -sL -n localhost/30". */
  struct nsx_hostspec *spec = parse_ok("localhost/30");
  struct sockaddr_storage ss;

  ASSERT_EQ_STR(nsx_hostspec_name(spec), "localhost");
  ASSERT_EQ_INT(nsx_hostspec_prefix(spec), 30);
  ASSERT_EQ_INT(nsx_hostspec_count(spec), 4);
  sa4(&ss, "127.0.0.1");
  ASSERT_EQ_INT(nsx_hostspec_resolved(spec, (struct sockaddr *)&ss), 0);
  ASSERT_EQ_INT(nsx_hostspec_count(spec), 4);
  ASSERT_EQ_STR(walk(spec, 10), "127.0.0.0 127.0.0.1 127.0.0.2 127.0.0.3");
  /* Resolving again restarts the walk. */
  sa4(&ss, "10.9.8.7");
  ASSERT_EQ_INT(nsx_hostspec_resolved(spec, (struct sockaddr *)&ss), 0);
  ASSERT_EQ_STR(walk(spec, 10), "10.9.8.4 10.9.8.5 10.9.8.6 10.9.8.7");
  nsx_hostspec_free(spec);

  spec = parse_ok("LOCALHOST/31");
  ASSERT_EQ_STR(nsx_hostspec_name(spec), "LOCALHOST");
  nsx_hostspec_free(spec);
  spec = parse_ok("example.com.");
  ASSERT_EQ_STR(nsx_hostspec_name(spec), "example.com.");
  nsx_hostspec_free(spec);
  spec = parse_ok("local_host-1.x");
  ASSERT_EQ_STR(nsx_hostspec_name(spec), "local_host-1.x");
  nsx_hostspec_free(spec);
  spec = parse_ok("1e100.net/0");
  ASSERT_EQ_STR(nsx_hostspec_name(spec), "1e100.net");
  ASSERT_EQ_INT(nsx_hostspec_count(spec), UINT64_C(1) << 32);
  nsx_hostspec_free(spec);
}

TEST(hostspec_name_prefix_by_family) {
  struct nsx_hostspec *spec = parse_ok("example.com/40");
  struct sockaddr_storage ss;

  /* Before resolution, /40 can only be an IPv6 block. */
  ASSERT_EQ_INT(nsx_hostspec_count(spec), UINT64_MAX);
  sa4(&ss, "192.0.2.1");
  ASSERT_EQ_INT(nsx_hostspec_resolved(spec, (struct sockaddr *)&ss), -EINVAL);
  ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), -EAGAIN);
  sa6(&ss, "2001:db8::1");
  ASSERT_EQ_INT(nsx_hostspec_resolved(spec, (struct sockaddr *)&ss), 0);
  ASSERT_EQ_INT(nsx_hostspec_count(spec), UINT64_MAX);
  ASSERT_EQ_STR(walk(spec, 2), "2001:db8:: 2001:db8::1 ...");
  nsx_hostspec_free(spec);

  spec = parse_ok("example.com/126");
  sa6(&ss, "2001:db8::7");
  ((struct sockaddr_in6 *)&ss)->sin6_scope_id = 3;
  ASSERT_EQ_INT(nsx_hostspec_resolved(spec, (struct sockaddr *)&ss), 0);
  ASSERT_EQ_INT(nsx_hostspec_count(spec), 4);
  ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 1);
  ASSERT_EQ_INT(((struct sockaddr_in6 *)&ss)->sin6_scope_id, 3);
  ASSERT_EQ_STR(walk(spec, 9), "2001:db8::5 2001:db8::6 2001:db8::7");
  memset(&ss, 0, sizeof ss);
  ss.ss_family = AF_UNIX;
  ASSERT_EQ_INT(nsx_hostspec_resolved(spec, (struct sockaddr *)&ss),
                -EAFNOSUPPORT);
  nsx_hostspec_free(spec);

  /* A numeric spec has nothing to resolve. */
  spec = parse_ok("10.0.0.1");
  sa4(&ss, "10.0.0.2");
  ASSERT_EQ_INT(nsx_hostspec_resolved(spec, (struct sockaddr *)&ss), -EINVAL);
  ASSERT_EQ_STR(walk(spec, 9), "10.0.0.1");
  nsx_hostspec_free(spec);
}

TEST(hostspec_ipv6_like_nmap) {
  ASSERT_EQ_STR(expand("::1", 1, 10), "::1");
  ASSERT_EQ_STR(expand("::1/126", 4, 10), ":: ::1 ::2 ::3");
  ASSERT_EQ_STR(expand("2001:db8::ff/120", 256, 2),
                "2001:db8:: 2001:db8::1 ...");
  ASSERT_EQ_STR(expand("::ffff:10.0.0.1", 1, 10), "::ffff:10.0.0.1");
  ASSERT_EQ_STR(expand("::ffff:10.0.0.1/127", 2, 10),
                "::ffff:10.0.0.0 ::ffff:10.0.0.1");
  ASSERT_EQ_STR(expand("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", 2, 10),
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe "
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  ASSERT_EQ_STR(expand("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, 10),
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  ASSERT_EQ_STR(expand("2001:DB8::1/128", 1, 10), "2001:db8::1");
}

TEST(hostspec_ipv6_big_blocks_are_lazy) {
  ASSERT_EQ_STR(expand("2001:db8::/64", UINT64_MAX, 2),
                "2001:db8:: 2001:db8::1 ...");
  ASSERT_EQ_STR(expand("2001:db8::/65", UINT64_C(1) << 63, 1),
                "2001:db8:: ...");
  ASSERT_EQ_STR(expand("::1/0", UINT64_MAX, 3), ":: ::1 ::2 ...");
  ASSERT_EQ_STR(expand("8000::1/1", UINT64_MAX, 1), "8000:: ...");
  ASSERT_EQ_STR(expand("2001:db8::1:ffff/112", 65536, 2),
                "2001:db8::1:0 2001:db8::1:1 ...");
}

TEST(hostspec_ipv6_carry_across_bytes) {
  struct nsx_hostspec *spec = parse_ok("2001:db8::/120");
  struct sockaddr_storage ss;
  char buf[64];
  int i;

  /* The walk carries from byte 15 into byte 14 only at the block's end. */
  for (i = 0; i < 256; i++) ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 1);
  ntop(&ss, buf, sizeof buf);
  ASSERT_EQ_STR(buf, "2001:db8::ff");
  ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 0);
  nsx_hostspec_free(spec);
  ASSERT_EQ_STR(expand("2001:db8::fe/119", 512, 1), "2001:db8:: ...");
  spec = parse_ok("2001:db8::1fe/119");
  for (i = 0; i < 257; i++) ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 1);
  ntop(&ss, buf, sizeof buf);
  ASSERT_EQ_STR(buf, "2001:db8::100");
  nsx_hostspec_free(spec);
}

TEST(hostspec_ipv6_zone) {
  unsigned lo = if_nametoindex("lo");
  struct nsx_hostspec *spec;
  struct sockaddr_storage ss;

  spec = parse_ok("fe80::1%1");
  ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 1);
  ASSERT_EQ_INT(((struct sockaddr_in6 *)&ss)->sin6_scope_id, 1);
  nsx_hostspec_free(spec);
  if (lo == 0) return; /* No loopback interface in this sandbox. */
  spec = parse_ok("fe80::1%lo");
  ASSERT_EQ_INT(nsx_hostspec_count(spec), 1);
  ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 1);
  ASSERT_EQ_INT(((struct sockaddr_in6 *)&ss)->sin6_scope_id, lo);
  nsx_hostspec_free(spec);
  spec = parse_ok("fe80::1%lo/127");
  ASSERT_EQ_INT(nsx_hostspec_count(spec), 2);
  ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 1);
  ASSERT_EQ_INT(((struct sockaddr_in6 *)&ss)->sin6_scope_id, lo);
  ASSERT_EQ_INT(nsx_hostspec_next(spec, &ss), 1);
  ASSERT_EQ_INT(((struct sockaddr_in6 *)&ss)->sin6_scope_id, lo);
  nsx_hostspec_rewind(spec);
  ASSERT_EQ_STR(walk(spec, 5), "fe80:: fe80::1");
  nsx_hostspec_free(spec);
}

TEST(hostspec_ipv6_errors) {
  ASSERT_EQ_STR(parse_err(":::1"),
                "invalid target ':::1': not a valid IPv6 address");
  ASSERT_EQ_STR(parse_err("[::1]"),
                "invalid target '[::1]': not a valid IPv6 address");
  ASSERT_EQ_STR(parse_err("2001:db8::1-3"),
                "invalid target '2001:db8::1-3': not a valid IPv6 address");
  ASSERT_EQ_STR(parse_err("12345::1"),
                "invalid target '12345::1': not a valid IPv6 address");
  ASSERT_EQ_STR(parse_err("1:2:3:4:5:6:7:8:9"),
                "invalid target '1:2:3:4:5:6:7:8:9': not a valid IPv6 "
                "address");
  ASSERT_EQ_STR(parse_err(":"), "invalid target ':': not a valid IPv6 address");
  ASSERT_EQ_STR(parse_err("2001:db8::/129"),
                "invalid target '2001:db8::/129': prefix length '/129' out of "
                "range (0-128)");
  ASSERT_EQ_STR(parse_err("::1/"),
                "invalid target '::1/': invalid prefix length '/'");
  ASSERT_EQ_STR(parse_err("fe80::1%"),
                "invalid target 'fe80::1%': empty zone after '%'");
  ASSERT_EQ_STR(parse_err("fe80::1%nosuchif0"),
                "invalid target 'fe80::1%nosuchif0': unknown interface "
                "'nosuchif0' in zone");
  ASSERT_EQ_STR(parse_err("fe80::1%abcdefghijklmnopq"),
                "invalid target 'fe80::1%abcdefghijklmnopq': zone too long");
  ASSERT_EQ_STR(parse_err("fe80::1%99999999999"),
                "invalid target 'fe80::1%99999999999': zone number "
                "'99999999999' out of range");
  ASSERT_EQ_STR(parse_err("%lo"),
                "invalid target '%lo': invalid character '%' in hostname");
  ASSERT_EQ_STR(parse_err("::1%lo%lo"),
                "invalid target '::1%lo%lo': unknown interface 'lo%lo' in "
                "zone");
}

static int match4(const struct nsx_exclude *ex, const char *text) {
  struct sockaddr_storage ss;

  sa4(&ss, text);
  return nsx_exclude_match(ex, (struct sockaddr *)&ss);
}

static int match6(const struct nsx_exclude *ex, const char *text) {
  struct sockaddr_storage ss;

  sa6(&ss, text);
  return nsx_exclude_match(ex, (struct sockaddr *)&ss);
}

static void add_ok(struct nsx_exclude *ex, const char *text) {
  char err[256] = "";

  if (nsx_exclude_add_text(ex, text, err, sizeof err) != 0)
    UNIT_FAIL("exclude '%s': %s", text, err);
}

TEST(hostspec_exclude_basic) {
  struct nsx_exclude *ex = nsx_exclude_new();
  struct sockaddr_storage ss;

  ASSERT(ex != NULL);
  ASSERT_EQ_INT(match4(ex, "10.0.0.1"), 0);
  add_ok(ex, "10.0.0.0/24");
  add_ok(ex, "192.168.1.1");
  add_ok(ex, "172.16.0-3.1,5");
  add_ok(ex, "2001:db8::/64");
  add_ok(ex, "fe80::1");
  ASSERT_EQ_INT(match4(ex, "10.0.0.0"), 1);
  ASSERT_EQ_INT(match4(ex, "10.0.0.255"), 1);
  ASSERT_EQ_INT(match4(ex, "10.0.1.0"), 0);
  ASSERT_EQ_INT(match4(ex, "9.255.255.255"), 0);
  ASSERT_EQ_INT(match4(ex, "192.168.1.1"), 1);
  ASSERT_EQ_INT(match4(ex, "192.168.1.2"), 0);
  ASSERT_EQ_INT(match4(ex, "172.16.2.5"), 1);
  ASSERT_EQ_INT(match4(ex, "172.16.2.3"), 0);
  ASSERT_EQ_INT(match4(ex, "172.16.4.1"), 0);
  ASSERT_EQ_INT(match6(ex, "2001:db8::1"), 1);
  ASSERT_EQ_INT(match6(ex, "2001:db8::ffff:ffff:ffff:ffff"), 1);
  ASSERT_EQ_INT(match6(ex, "2001:db8:0:1::"), 0);
  ASSERT_EQ_INT(match6(ex, "fe80::1"), 1);
  ASSERT_EQ_INT(match6(ex, "fe80::2"), 0);
  /* Families do not mix: ::10.0.0.1 is not 10.0.0.1. */
  ASSERT_EQ_INT(match6(ex, "::10.0.0.1"), 0);
  ASSERT_EQ_INT(match6(ex, "::ffff:10.0.0.1"), 0);
  memset(&ss, 0, sizeof ss);
  ss.ss_family = AF_UNIX;
  ASSERT_EQ_INT(nsx_exclude_match(ex, (struct sockaddr *)&ss), 0);
  nsx_exclude_free(ex);
  nsx_exclude_free(NULL);
}

TEST(hostspec_exclude_names) {
  struct nsx_exclude *ex = nsx_exclude_new();
  struct nsx_hostspec *spec = parse_ok("localhost/31");
  struct sockaddr_storage ss;
  char err[256];

  ASSERT_EQ_INT(nsx_exclude_add_text(ex, "localhost", err, sizeof err),
                -EINVAL);
  ASSERT_EQ_STR(err, "invalid target 'localhost': a hostname must be "
                     "resolved before it can be excluded");
  ASSERT_EQ_INT(nsx_exclude_add_text(ex, "1.2.3", err, sizeof err), -EINVAL);
  ASSERT_EQ_STR(err, "invalid target '1.2.3': IPv4 address needs 4 octets, "
                     "found 3");
  ASSERT_EQ_INT(nsx_exclude_add(ex, spec), -EAGAIN);
  sa4(&ss, "127.0.0.1");
  ASSERT_EQ_INT(nsx_hostspec_resolved(spec, (struct sockaddr *)&ss), 0);
  ASSERT_EQ_INT(nsx_exclude_add(ex, spec), 0);
  nsx_hostspec_free(spec);
  ASSERT_EQ_INT(match4(ex, "127.0.0.0"), 1);
  ASSERT_EQ_INT(match4(ex, "127.0.0.1"), 1);
  ASSERT_EQ_INT(match4(ex, "127.0.0.2"), 0);
  nsx_exclude_free(ex);
}

TEST(hostspec_exclude_scattered_ranges) {
  struct nsx_exclude *ex = nsx_exclude_new();

  /* 65536 separate pieces: kept as octet sets. */
  add_ok(ex, "*.*.*.1");
  /* 16 * 256 * 2 pieces: also octet sets. */
  add_ok(ex, "10.0-15.*.7,9");
  /* Everything. */
  ASSERT_EQ_INT(match4(ex, "1.2.3.1"), 1);
  ASSERT_EQ_INT(match4(ex, "1.2.3.2"), 0);
  ASSERT_EQ_INT(match4(ex, "10.15.200.9"), 1);
  ASSERT_EQ_INT(match4(ex, "10.16.200.9"), 0);
  ASSERT_EQ_INT(match4(ex, "10.15.200.8"), 0);
  add_ok(ex, "0.0.0.0/0");
  ASSERT_EQ_INT(match4(ex, "1.2.3.2"), 1);
  ASSERT_EQ_INT(match4(ex, "255.255.255.255"), 1);
  ASSERT_EQ_INT(match6(ex, "::1"), 0);
  add_ok(ex, "ffff::1");
  add_ok(ex, "::/0");
  add_ok(ex, "::1");
  ASSERT_EQ_INT(match6(ex, "::1"), 1);
  ASSERT_EQ_INT(match6(ex, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
  nsx_exclude_free(ex);
}

TEST(hostspec_exclude_touching_blocks_join) {
  struct nsx_exclude *ex = nsx_exclude_new();

  add_ok(ex, "10.0.0.128/25");
  add_ok(ex, "10.0.0.0/25");
  add_ok(ex, "10.0.1.0-9");
  add_ok(ex, "10.0.0.5");
  ASSERT_EQ_INT(match4(ex, "10.0.0.127"), 1);
  ASSERT_EQ_INT(match4(ex, "10.0.0.128"), 1);
  ASSERT_EQ_INT(match4(ex, "10.0.1.9"), 1);
  ASSERT_EQ_INT(match4(ex, "10.0.1.10"), 0);
  ASSERT_EQ_INT(match4(ex, "9.255.255.255"), 0);
  add_ok(ex, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124");
  add_ok(ex, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffe0/124");
  add_ok(ex, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  ASSERT_EQ_INT(match6(ex, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffe0"), 1);
  ASSERT_EQ_INT(match6(ex, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
  ASSERT_EQ_INT(match6(ex, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffdf"), 0);
  nsx_exclude_free(ex);
}

static uint32_t lcg(uint32_t *state) {
  *state = *state * 1664525u + 1013904223u;
  return *state;
}

TEST(hostspec_exclude_random_against_brute_force) {
  enum { N = 3000, PROBES = 20000 };
  struct nsx_exclude *ex = nsx_exclude_new();
  static uint32_t lo[N], hi[N];
  uint32_t seed = 12345, a, b;
  char text[64];
  int i, k, want;

  /* Random blocks in a small corner of the space, so they overlap and
   * touch a lot; every level of the merge is exercised. */
  for (i = 0; i < N; i++) {
    unsigned bits = 24 + lcg(&seed) % 9;
    a = 0x0a000000u | (lcg(&seed) & 0xfffffu);
    a &= bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
    lo[i] = a;
    hi[i] = a | (bits == 32 ? 0 : 0xffffffffu >> bits);
    snprintf(text, sizeof text, "%u.%u.%u.%u/%u", a >> 24, a >> 16 & 255,
             a >> 8 & 255, a & 255, bits);
    add_ok(ex, text);
  }
  for (k = 0; k < PROBES; k++) {
    struct sockaddr_in sin;
    b = 0x0a000000u | (lcg(&seed) & 0x1fffffu);
    want = 0;
    for (i = 0; i < N && !want; i++) want = b >= lo[i] && b <= hi[i];
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(b);
    ASSERT_EQ_INT(nsx_exclude_match(ex, (struct sockaddr *)&sin), want);
  }
  nsx_exclude_free(ex);
}

TEST(hostspec_exclude_many_addresses_fast) {
  enum { N = 200000 };
  struct nsx_exclude *ex = nsx_exclude_new();
  struct nsx_hostspec *spec = parse_ok("10.0.0.0/13");
  struct sockaddr_storage ss;
  int i, hits = 0;

  /* Every other address of a /13, added one by one in descending order,
   * the worst order for a sorted array. */
  for (i = N - 1; i >= 0; i--) {
    struct nsx_hostspec *one;
    char text[32];
    uint32_t a = 0x0a000000u + 2u * (uint32_t)i;
    snprintf(text, sizeof text, "%u.%u.%u.%u", a >> 24, a >> 16 & 255,
             a >> 8 & 255, a & 255);
    one = parse_ok(text);
    ASSERT_EQ_INT(nsx_exclude_add(ex, one), 0);
    nsx_hostspec_free(one);
  }
  while (nsx_hostspec_next(spec, &ss) == 1)
    hits += nsx_exclude_match(ex, (struct sockaddr *)&ss);
  ASSERT_EQ_INT(hits, N);
  nsx_hostspec_free(spec);
  nsx_exclude_free(ex);
}
