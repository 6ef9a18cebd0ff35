/* Port lists from -p, --exclude-ports and --top-ports. Expected lists are
 * the "services" attributes Nmap 7.93 printed in <scaninfo> for
 * "nmap -sT -sU -Pn -p SPEC -oX - 127.0.0.1" (and --exclude-ports,
 * --top-ports) with the stock nmap-services. */
#include <errno.h>

#include "target/portspec.h"
#include "unit.h"

#define SERVICES NSX_DEFAULT_DATADIR "/nmap-services"

static struct nsx_services *svc;

static const struct nsx_services *services(void) {
  char err[256];

  if (svc == NULL) svc = nsx_services_load(SERVICES, err, sizeof err);
  if (svc == NULL) UNIT_FAIL("load: %s", err);
  return svc;
}

/* The list of 'proto' in 'pl' as Nmap formats it. */
static const char *fmt(const struct nsx_portlist *pl, enum nsx_proto proto) {
  static char out[3][1 << 17];
  static int k;
  char *s = out[k++ % 3];

  nsx_portlist_format(pl, proto, s, sizeof out[0]);
  return s;
}

/* Parses 'spec' or fails; the list stays valid until the next call. */
static struct nsx_portlist *parse_ok(const char *spec) {
  static struct nsx_portlist pl;
  char err[256] = "";

  nsx_portlist_free(&pl);
  if (nsx_portspec_parse(spec, services(), &pl, err, sizeof err) != 0)
    UNIT_FAIL("parse '%s': %s", spec, err);
  return &pl;
}

static const char *parse_err(const char *spec) {
  static char err[256];
  struct nsx_portlist pl;
  int rc;

  nsx_portlist_init(&pl);
  strcpy(err, "(none)");
  rc = nsx_portspec_parse(spec, services(), &pl, err, sizeof err);
  if (rc != -EINVAL) UNIT_FAIL("'%s' gave %d, not -EINVAL", spec, rc);
  ASSERT(pl.ports[0] == NULL && pl.n[0] == 0);
  return err;
}

/* Checks the TCP and UDP lists (the same spec applies to SCTP unless a
 * prefix says otherwise). */
static void check(const char *spec, const char *tcp, const char *udp) {
  struct nsx_portlist *pl = parse_ok(spec);

  if (strcmp(fmt(pl, NSX_PROTO_TCP), tcp) != 0)
    UNIT_FAIL("'%s' tcp: \"%s\" != \"%s\"", spec, fmt(pl, NSX_PROTO_TCP), tcp);
  if (strcmp(fmt(pl, NSX_PROTO_UDP), udp) != 0)
    UNIT_FAIL("'%s' udp: \"%s\" != \"%s\"", spec, fmt(pl, NSX_PROTO_UDP), udp);
}

TEST(portspec_numbers) {
  check("80", "80", "80");
  check("0", "0", "0");
  check("65535", "65535", "65535");
  check("80-80", "80", "80");
  check("0-2", "0-2", "0-2");
  check("-5", "1-5", "1-5");
  check("65530-", "65530-65535", "65530-65535");
  check("-", "1-65535", "1-65535");
  check("0-", "0-65535", "0-65535");
  check("ssh,22,21-23", "21-23", "21-23");
  check("443,80,8080,80", "80,443,8080", "80,443,8080");
  check("010", "10", "10");
  ASSERT_EQ_INT(parse_ok("-")->n[NSX_PROTO_SCTP], 65535);
  ASSERT_EQ_INT(parse_ok("0-")->n[NSX_PROTO_TCP], 65536);
}

TEST(portspec_blanks_and_trailing_comma) {
  check("80, 81", "80-81", "80-81");
  check(" 80", "80", "80");
  check("80 ", "80", "80");
  check("80,", "80", "80");
  check("\t80 ,\t81 , ", "80-81", "80-81");
  check("T: 80", "80", "");
  check("T:80,", "80", "");
  check("[ 80 ]", "80", "80");
}

TEST(portspec_prefixes) {
  struct nsx_portlist *pl;

  check("T:80,U:53", "80", "53");
  check("T:80,T:81", "80-81", "");
  check("U:53,T:[ssh]", "22", "53");
  check("T:ssh,U:", "22", "");
  check("T:", "", "");
  check("22,T:80,U:53,81", "22,80", "22,53,81");
  pl = parse_ok("S:80,T:1-2");
  ASSERT_EQ_STR(fmt(pl, NSX_PROTO_SCTP), "80");
  ASSERT_EQ_STR(fmt(pl, NSX_PROTO_TCP), "1-2");
  ASSERT_EQ_STR(fmt(pl, NSX_PROTO_UDP), "");
  pl = parse_ok("U:1,S:http");
  ASSERT_EQ_STR(fmt(pl, NSX_PROTO_SCTP), "80");
}

TEST(portspec_names_like_nmap) {
  check("http", "80,8008", "80");
  check("http*", "80,280,443,591,593,4180,8000,8008,8080,8443,8990-8991",
        "80,280,443,591,593,4180,8008,8080,8990-8991");
  check("ftp?", "990", "990");
  check("sql*", "66,118,150,156,9088-9089", "66,118,150,156,9088-9089");
  check("http-*", "280,591,593,8000,8080,8990", "280,591,593,8008,8080,8990");
  check("IIS", "1027", "");
  check("9pfs", "564", "564");
  ASSERT_EQ_INT(parse_ok("*")->n[NSX_PROTO_TCP], 8366);
  ASSERT_EQ_INT(parse_ok("T:*")->n[NSX_PROTO_UDP], 0);
}

TEST(portspec_brackets_like_nmap) {
  const char *all_tcp;

  check("[1-100]", "1-35,37-100",
        "1-3,5,7,9,11,13,17-25,27,29,31,33,35,37-39,41-59,61-86,88-99");
  check("T:[1-10]", "1-10", "");
  check("[http*]", "80,280,443,591,593,4180,8000,8008,8080,8443,8990-8991",
        "80,280,443,591,593,4180,8008,8080,8990-8991");
  check("[ssh,http]", "22,80,8008", "22,80");
  check("1-5,[1-100]", "1-35,37-100",
        "1-5,7,9,11,13,17-25,27,29,31,33,35,37-39,41-59,61-86,88-99");
  check("T:[80-100],U:[50-60]", "80-100", "50-59");
  check("[80,T:81]", "80-81", "80");
  check("[T:80]", "80", "");
  check("[80],[81]", "80-81", "80-81");
  check("[1,2,3,4,5,6,7,8]", "1-8", "1-3,5,7");
  all_tcp = fmt(parse_ok("[-]"), NSX_PROTO_TCP);
  ASSERT_EQ_INT(parse_ok("[-]")->n[NSX_PROTO_TCP], 8366);
  ASSERT_EQ_STR(fmt(parse_ok("[0-]"), NSX_PROTO_TCP), all_tcp);
  ASSERT_EQ_STR(fmt(parse_ok("[*]"), NSX_PROTO_TCP), all_tcp);
  ASSERT_EQ_INT(parse_ok("[80-]")->n[NSX_PROTO_TCP], 8288);
  ASSERT_EQ_INT(parse_ok("[36]")->n[NSX_PROTO_TCP], 0);
}

TEST(portspec_errors) {
  ASSERT_EQ_STR(parse_err(""), "empty port list");
  ASSERT_EQ_STR(parse_err("   "), "empty port list");
  ASSERT_EQ_STR(parse_err("70000"),
                "invalid port '70000': port out of range (0-65535)");
  ASSERT_EQ_STR(parse_err("65536"),
                "invalid port '65536': port out of range (0-65535)");
  ASSERT_EQ_STR(parse_err("99999999999999999999"),
                "invalid port '99999999999999999999': port out of range "
                "(0-65535)");
  ASSERT_EQ_STR(parse_err("70000-80000"),
                "invalid port range '70000-80000': port out of range "
                "(0-65535)");
  ASSERT_EQ_STR(parse_err("1-70000"),
                "invalid port range '1-70000': port out of range (0-65535)");
  ASSERT_EQ_STR(parse_err("80-70"),
                "invalid port range '80-70': start is greater than end");
  ASSERT_EQ_STR(parse_err("-0"),
                "invalid port range '-0': start is greater than end");
  ASSERT_EQ_STR(parse_err("1-2-3"),
                "invalid port range '1-2-3': more than one '-'");
  ASSERT_EQ_STR(parse_err("--"), "invalid port range '--': more than one '-'");
  ASSERT_EQ_STR(parse_err(",80"), "empty entry in port list at ',80'");
  ASSERT_EQ_STR(parse_err("80,,81"), "empty entry in port list at ',81'");
  ASSERT_EQ_STR(parse_err("80, ,81"), "empty entry in port list at ',81'");
  ASSERT_EQ_STR(parse_err("[80,]"), "empty entry in port list at ']'");
  ASSERT_EQ_STR(parse_err("80]"), "unexpected ']' in port list at '80]'");
  ASSERT_EQ_STR(parse_err("[80]]"),
                "unexpected ']' in port list at '[80]]'");
  ASSERT_EQ_STR(parse_err("[]"), "empty '[]' in port list");
  ASSERT_EQ_STR(parse_err("T:[ ]"), "empty '[]' in port list");
  ASSERT_EQ_STR(parse_err("[[80]]"), "nested '[' in port list at '[80]]'");
  ASSERT_EQ_STR(parse_err("[80,[81]]"), "nested '[' in port list at '[81]]'");
  ASSERT_EQ_STR(parse_err("[80"), "unclosed '[' in port list at '[80'");
  ASSERT_EQ_STR(parse_err("T:[80,81"), "unclosed '[' in port list at '[80,81'");
  ASSERT_EQ_STR(parse_err("80[81]"), "unexpected '[' in port list at '80[81]'");
  ASSERT_EQ_STR(parse_err("8 0"), "unexpected '0' in port list at '8 0'");
  ASSERT_EQ_STR(parse_err("t:80"),
                "unknown protocol prefix 't:' (expected T:, U: or S:)");
  ASSERT_EQ_STR(parse_err("80,P:6"),
                "unknown protocol prefix 'P:' (expected T:, U: or S:)");
  ASSERT_EQ_STR(parse_err("nosuchsvc"), "unknown service 'nosuchsvc'");
  ASSERT_EQ_STR(parse_err("HTTP"), "unknown service 'HTTP'");
  ASSERT_EQ_STR(parse_err("U:IIS"), "unknown service 'IIS'");
  ASSERT_EQ_STR(parse_err("x*yz"), "no service matches 'x*yz'");
  ASSERT_EQ_STR(parse_err("ssh-9"), "unknown service 'ssh-9'");
  ASSERT_EQ_STR(parse_err("0x50"), "invalid port '0x50'");
  ASSERT_EQ_STR(parse_err("22-ssh"), "invalid port '22-ssh'");
  ASSERT_EQ_STR(parse_err("T:80U:53"), "invalid port '80U:53'");
  ASSERT_EQ_STR(parse_err("T:U:53"), "unknown service 'U:53'");
  ASSERT_EQ_STR(parse_err("80;81"), "invalid port '80;81'");
}

TEST(portspec_long_input) {
  size_t n = 200000, i;
  char *s = malloc(n + 1), err[256];
  struct nsx_portlist pl;

  /* 100000 valid entries. */
  for (i = 0; i < n; i += 2) {
    s[i] = (char)('1' + (i / 2) % 9);
    s[i + 1] = ',';
  }
  s[n] = '\0';
  ASSERT_EQ_INT(parse_ok(s)->n[NSX_PROTO_TCP], 9);
  /* One huge number, one huge name: the message quotes a bounded prefix. */
  memset(s, '7', n);
  nsx_portlist_init(&pl);
  ASSERT_EQ_INT(nsx_portspec_parse(s, services(), &pl, err, sizeof err),
                -EINVAL);
  ASSERT(strstr(err, "...': port out of range (0-65535)") != NULL);
  memset(s, 'x', n);
  ASSERT_EQ_INT(nsx_portspec_parse(s, services(), &pl, err, sizeof err),
                -EINVAL);
  ASSERT(strncmp(err, "unknown service 'xxxx", 21) == 0);
  ASSERT(strlen(err) < 100);
  /* A tiny error buffer still gets a NUL. */
  ASSERT_EQ_INT(nsx_portspec_parse("70000", services(), &pl, err, 4), -EINVAL);
  ASSERT_EQ_STR(err, "inv");
  ASSERT_EQ_INT(nsx_portspec_parse("70000", services(), &pl, NULL, 0), -EINVAL);
  free(s);
}

TEST(portspec_without_services) {
  struct nsx_portlist pl;
  char err[256];

  nsx_portlist_init(&pl);
  ASSERT_EQ_INT(nsx_portspec_parse("T:1-3,U:53", NULL, &pl, err, sizeof err),
                0);
  ASSERT_EQ_STR(fmt(&pl, NSX_PROTO_TCP), "1-3");
  ASSERT_EQ_INT(nsx_portspec_parse("http", NULL, &pl, err, sizeof err),
                -EINVAL);
  ASSERT_EQ_STR(err, "service name 'http' given, but nmap-services is not "
                     "loaded");
  ASSERT_EQ_INT(nsx_portspec_parse("[1-5]", NULL, &pl, err, sizeof err),
                -EINVAL);
  ASSERT_EQ_STR(err, "'[1-5]' given, but nmap-services is not loaded");
  /* The failed parse left the list alone. */
  ASSERT_EQ_STR(fmt(&pl, NSX_PROTO_TCP), "1-3");
  ASSERT_EQ_STR(fmt(&pl, NSX_PROTO_UDP), "53");
  nsx_portlist_free(&pl);
  ASSERT_EQ_INT(pl.n[NSX_PROTO_TCP], 0);
  ASSERT(pl.ports[NSX_PROTO_TCP] == NULL);
}

TEST(portspec_has_and_format) {
  struct nsx_portlist *pl = parse_ok("T:1-3,5,7-9,U:0,65535");
  char buf[8];

  ASSERT(nsx_portlist_has(pl, NSX_PROTO_TCP, 1));
  ASSERT(nsx_portlist_has(pl, NSX_PROTO_TCP, 9));
  ASSERT(!nsx_portlist_has(pl, NSX_PROTO_TCP, 4));
  ASSERT(!nsx_portlist_has(pl, NSX_PROTO_TCP, 0));
  ASSERT(nsx_portlist_has(pl, NSX_PROTO_UDP, 0));
  ASSERT(nsx_portlist_has(pl, NSX_PROTO_UDP, 65535));
  ASSERT(!nsx_portlist_has(pl, NSX_PROTO_SCTP, 1));
  ASSERT(!nsx_portlist_has(pl, (enum nsx_proto)5, 1));
  ASSERT_EQ_STR(fmt(pl, NSX_PROTO_TCP), "1-3,5,7-9");
  ASSERT_EQ_STR(fmt(pl, NSX_PROTO_UDP), "0,65535");
  ASSERT_EQ_INT(nsx_portlist_format(pl, NSX_PROTO_TCP, buf, sizeof buf), 9);
  ASSERT_EQ_STR(buf, "1-3,5,7");
  ASSERT_EQ_INT(nsx_portlist_format(pl, NSX_PROTO_TCP, buf, 1), 9);
  ASSERT_EQ_STR(buf, "");
  ASSERT_EQ_INT(nsx_portlist_format(pl, NSX_PROTO_TCP, NULL, 0), 9);
  ASSERT_EQ_INT(nsx_portlist_format(pl, NSX_PROTO_SCTP, buf, sizeof buf), 0);
  ASSERT_EQ_STR(buf, "");
}

/* Runs nsx_portspec_select and returns the TCP and UDP lists as
 * "tcp|udp". */
static const char *select_ok(const char *ports, const char *exclude,
                             size_t top) {
  static char out[1 << 18];
  struct nsx_portlist pl;
  char err[256];

  nsx_portlist_init(&pl);
  if (nsx_portspec_select(&pl, ports, exclude, top, services(), err,
                          sizeof err) != 0)
    UNIT_FAIL("select: %s", err);
  snprintf(out, sizeof out, "%s|%s", fmt(&pl, NSX_PROTO_TCP),
           fmt(&pl, NSX_PROTO_UDP));
  nsx_portlist_free(&pl);
  return out;
}

TEST(portspec_exclude_like_nmap) {
  ASSERT_EQ_STR(select_ok("1-100", "[1-100]", 0),
                "36|4,6,8,10,12,14-16,26,28,30,32,34,36,40,60,87,100");
  ASSERT_EQ_STR(select_ok("1-10", "T:1-5", 0), "6-10|1-10");
  ASSERT_EQ_STR(select_ok("1-10", "1-65535", 0), "|");
  ASSERT_EQ_STR(select_ok("80,443", "ssh", 0), "80,443|80,443");
  ASSERT_EQ_STR(select_ok("80,443", "http", 0), "443|443");
}

TEST(portspec_top_like_nmap) {
  ASSERT_EQ_STR(select_ok(NULL, NULL, 10),
                "21-23,25,80,110,139,443,445,3389|"
                "53,67,123,135,137-138,161,445,631,1434");
  ASSERT_EQ_STR(select_ok("1-100", NULL, 10),
                "21-23,25-26,53,79-81,88|7,9,19,49,53,67-69,80,88");
  ASSERT_EQ_STR(select_ok("T:1-100", NULL, 10), "21-23,25-26,53,79-81,88|");
  ASSERT_EQ_STR(select_ok(NULL, "80", 10),
                "21-23,25,110,139,143,443,445,3389|"
                "53,67,123,135,137-138,161,445,631,1434");
  ASSERT_EQ_STR(select_ok("36,80", NULL, 10), "80|80");
}

TEST(portspec_default_is_top_1000) {
  struct nsx_portlist pl;
  char err[256];

  nsx_portlist_init(&pl);
  ASSERT_EQ_INT(nsx_portspec_select(&pl, NULL, NULL, 0, services(), err,
                                    sizeof err),
                0);
  ASSERT_EQ_INT(pl.n[NSX_PROTO_TCP], 1000);
  ASSERT_EQ_INT(pl.n[NSX_PROTO_UDP], 1000);
  /* "nmap -sY -Pn 127.0.0.1": every one of the 52 SCTP ports. */
  ASSERT_EQ_STR(fmt(&pl, NSX_PROTO_SCTP),
                "7,9,20-22,80,179,443,1167,1812-1813,2049,2225,2427,"
                "2904-2905,2944-2945,3097,3565,3863-3864,3868,4739-4740,"
                "5060-5061,5090-5091,5672,5675,6704-6706,7626,8471,9082,"
                "9084,9899-9902,11997-11999,14001,20049,29118,29168-29169,"
                "36412,36422");
  /* Excluding keeps 1000: the next most frequent port moves in. */
  ASSERT_EQ_INT(nsx_portspec_select(&pl, NULL, "80", 0, services(), err,
                                    sizeof err),
                0);
  ASSERT_EQ_INT(pl.n[NSX_PROTO_TCP], 1000);
  ASSERT(!nsx_portlist_has(&pl, NSX_PROTO_TCP, 80));
  /* All of them. */
  ASSERT_EQ_INT(nsx_portspec_select(&pl, NULL, NULL, 65536, services(), err,
                                    sizeof err),
                0);
  ASSERT_EQ_INT(pl.n[NSX_PROTO_TCP], 8366);
  ASSERT_EQ_INT(pl.n[NSX_PROTO_UDP], 19022);
  nsx_portlist_free(&pl);
}

TEST(portspec_select_errors) {
  struct nsx_portlist pl;
  char err[256];

  nsx_portlist_init(&pl);
  ASSERT_EQ_INT(nsx_portspec_select(&pl, "80", NULL, 0, services(), err,
                                    sizeof err),
                0);
  ASSERT_EQ_INT(nsx_portspec_select(&pl, "80-70", NULL, 0, services(), err,
                                    sizeof err),
                -EINVAL);
  ASSERT_EQ_STR(err, "-p: invalid port range '80-70': start is greater than "
                     "end");
  ASSERT_EQ_INT(nsx_portspec_select(&pl, "80", "x*yz", 0, services(), err,
                                    sizeof err),
                -EINVAL);
  ASSERT_EQ_STR(err, "--exclude-ports: no service matches 'x*yz'");
  ASSERT_EQ_INT(nsx_portspec_select(&pl, NULL, NULL, 0, NULL, err,
                                    sizeof err),
                -EINVAL);
  ASSERT_EQ_STR(err, "choosing the top 1000 ports needs nmap-services");
  /* Failures left the first result alone. */
  ASSERT_EQ_STR(fmt(&pl, NSX_PROTO_TCP), "80");
  nsx_portlist_free(&pl);
}

TEST(portspec_subtract_and_top_in_place) {
  struct nsx_portlist a, b;
  char err[256];

  nsx_portlist_init(&a);
  nsx_portlist_init(&b);
  ASSERT_EQ_INT(nsx_portspec_parse("T:1-10,U:5", services(), &a, err,
                                   sizeof err), 0);
  ASSERT_EQ_INT(nsx_portspec_parse("2,4-6,100,U:5", services(), &b, err,
                                   sizeof err), 0);
  nsx_portlist_subtract(&a, &b);
  ASSERT_EQ_STR(fmt(&a, NSX_PROTO_TCP), "1,3,7-10");
  ASSERT_EQ_STR(fmt(&a, NSX_PROTO_UDP), "");
  ASSERT(a.ports[NSX_PROTO_UDP] == NULL);
  ASSERT_EQ_STR(fmt(&a, NSX_PROTO_SCTP), "");
  /* 'within' may be the output list itself. */
  ASSERT_EQ_INT(nsx_portlist_top(&a, services(), 2, &a, NULL), 0);
  ASSERT_EQ_STR(fmt(&a, NSX_PROTO_TCP), "7,9");
  ASSERT_EQ_INT(nsx_portlist_top(&a, services(), 0, NULL, NULL), 0);
  ASSERT_EQ_INT(a.n[NSX_PROTO_TCP], 0);
  nsx_portlist_free(&a);
  nsx_portlist_free(&b);
}
