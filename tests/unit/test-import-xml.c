/* The import reader on XML: Nmap 7.93's -oX (service names, versions,
 * CPEs, host names, MACs, host states, hosthints, scripts passed over),
 * masscan's -oX (real 1.3.2 output, IPv6 with CRLF), and damaged
 * documents: every cut-off point of a real one, bad entities, bad tags,
 * bad values, misplaced elements, units bigger than the buffer. */
#include <sys/socket.h>

#include "test-import.h"
#include "unit.h"

static char *fixture_dump(const char *name) {
  size_t len;
  char *text = imp_slurp(imp_fixture(name), &len);
  char *out = imp_dump(NSX_IMPORT_AUTO, text, len, 0);

  ASSERT_EQ_STR(imp_dump(NSX_IMPORT_AUTO, text, len, 1), out);
  ASSERT_EQ_STR(imp_dump(NSX_IMPORT_AUTO, text, len, 13), out);
  return out;
}

/* Reads fixture 'name' and checks record 'want' (0-based) with 'check'. */
static void with_record(const char *name, int want,
                        void (*check)(const struct nsx_import_rec *)) {
  char err[256];
  struct nsx_import *imp = nsx_import_open_path(imp_fixture(name),
                                                NSX_IMPORT_AUTO, err,
                                                sizeof err);
  struct nsx_import_rec r;
  int i;

  ASSERT(imp != NULL);
  for (i = 0; i <= want; i++)
    ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 1);
  check(&r);
  nsx_import_close(imp);
}

/* A document around 'body' (the inside of one <host>). */
static char *doc(const char *body) {
  char *s = malloc(strlen(body) + 512);

  sprintf(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<!DOCTYPE nmaprun>\n"
             "<nmaprun scanner=\"nmap\" args=\"nmap -&#45;x\">\n"
             "<host>%s</host>\n"
             "</nmaprun>\n", body);
  return s;
}

TEST(import_xml_nmap_service_scan) {
  ASSERT_EQ_STR(fixture_dump("nmap-netns.xml"),
                "10.254.0.2 21/tcp open syn-ack svc=ftp\n"
                "10.254.0.2 22/tcp open syn-ack svc=ssh\n"
                "10.254.0.2 80/tcp open syn-ack svc=http\n"
                "10.254.0.2 443/tcp closed reset svc=https\n"
                "10.254.0.2 53/udp open udp-response svc=echo\n");
}

static void check_ssh(const struct nsx_import_rec *r) {
  ASSERT_EQ_INT(r->format, NSX_IMPORT_XML);
  ASSERT_EQ_INT(r->line, 36);
  ASSERT_EQ_INT(r->family, AF_INET);
  ASSERT_EQ_STR(r->mac, "BE:1A:94:22:51:5F");
  ASSERT_EQ_STR(r->host_state, "up");
  ASSERT_EQ_STR(r->host_reason, "arp-response");
  ASSERT(r->hostname == NULL && r->ptr == NULL);
  ASSERT_EQ_INT(r->reason_ttl, 64);
  ASSERT_EQ_INT(r->timestamp, 1795748984);
  ASSERT_EQ_STR(r->svc.name, "ssh");
  ASSERT_EQ_STR(r->svc.product, "OpenSSH");
  ASSERT_EQ_STR(r->svc.version, "9.2p1 Debian 2");
  ASSERT_EQ_STR(r->svc.extrainfo, "protocol 2.0");
  ASSERT_EQ_STR(r->svc.ostype, "Linux");
  ASSERT_EQ_STR(r->svc.method, "probed");
  ASSERT_EQ_INT(r->svc.conf, 10);
  ASSERT(r->svc.tunnel == NULL && r->svc.servicefp == NULL);
  ASSERT(r->svc.hostname == NULL && r->svc.devicetype == NULL);
  ASSERT_EQ_INT(r->svc.rpcnum, -1);
  ASSERT_EQ_INT(r->svc.ncpe, 2);
  ASSERT_EQ_STR(r->svc.cpe[0], "cpe:/a:openbsd:openssh:9.2p1");
  ASSERT_EQ_STR(r->svc.cpe[1], "cpe:/o:linux:linux_kernel");
  ASSERT(r->banner == NULL && r->banner_type == NULL);
}

static void check_ftp(const struct nsx_import_rec *r) {
  ASSERT_EQ_STR(r->svc.method, "table");
  ASSERT_EQ_INT(r->svc.conf, 3);
  ASSERT_EQ_INT(r->svc.ncpe, 0);
  ASSERT(r->svc.servicefp != NULL);
  ASSERT(strncmp(r->svc.servicefp, "SF-Port21-TCP:V=7.93%I=7%D=11/27", 32)
         == 0);
  ASSERT(strstr(r->svc.servicefp, "%r(NULL,25,\"220\\x20\\(vsFTPd\\x203"
                                  "\\.0\\.3\\)\\x20\\\"quoted\\\"\\x20&\\x20"
                                  "<tag>\\r\\n\")") != NULL);
  ASSERT_EQ_INT(strlen(r->svc.servicefp), 2092);
}

TEST(import_xml_nmap_service_fields) {
  with_record("nmap-netns.xml", 1, check_ssh);
  with_record("nmap-netns.xml", 0, check_ftp);
}

static void check_localhost(const struct nsx_import_rec *r) {
  ASSERT_EQ_STR(r->hostname, "localhost");
  ASSERT_EQ_STR(r->ptr, "localhost");
  ASSERT_EQ_STR(r->host_reason, "user-set");
  ASSERT_EQ_STR(r->svc.product, "SimpleHTTPServer");
  ASSERT_EQ_STR(r->svc.extrainfo, "Python 3.11.7");
}

TEST(import_xml_nmap_hostnames_and_scripts) {
  ASSERT_EQ_STR(fixture_dump("nmap-localhost.xml"),
                "127.0.0.1 18080/tcp open syn-ack svc=http user=localhost "
                "ptr=localhost\n"
                "127.0.0.1 18081/tcp open syn-ack svc=http user=localhost "
                "ptr=localhost\n"
                "127.0.0.1 18082/tcp closed conn-refused user=localhost "
                "ptr=localhost\n");
  with_record("nmap-localhost.xml", 1, check_localhost);
}

static void check_v6(const struct nsx_import_rec *r) {
  ASSERT_EQ_INT(r->family, AF_INET6);
  ASSERT_EQ_STR(r->svc.version, "0.6");
}

TEST(import_xml_nmap_ipv6_and_host_only_records) {
  ASSERT_EQ_STR(fixture_dump("nmap-v6.xml"),
                "fd00:254::2 22/tcp closed conn-refused svc=ssh\n"
                "fd00:254::2 8080/tcp open syn-ack svc=http\n");
  with_record("nmap-v6.xml", 1, check_v6);
  ASSERT_EQ_STR(fixture_dump("nmap-ping.xml"), "10.254.0.1\n10.254.0.2\n");
  ASSERT_EQ_STR(fixture_dump("nmap-list.xml"), "10.254.0.1\n10.254.0.2\n");
  ASSERT_EQ_STR(fixture_dump("nmap-extraports.xml"),
                "10.254.0.2 21/tcp open syn-ack svc=ftp\n"
                "10.254.0.2 22/tcp open syn-ack svc=ssh\n"
                "10.254.0.2 80/tcp open syn-ack svc=http\n");
}

static void check_down(const struct nsx_import_rec *r) {
  ASSERT_EQ_STR(r->target, "10.254.0.3");
  ASSERT_EQ_STR(r->host_state, "down");
  ASSERT_EQ_STR(r->host_reason, "no-response");
  ASSERT_EQ_INT(r->has_port, 0);
  ASSERT_EQ_INT(r->line, 19);
}

TEST(import_xml_nmap_down_hosts) {
  ASSERT_EQ_STR(fixture_dump("nmap-ping-v.xml"),
                "10.254.0.2\n10.254.0.3\n10.254.0.4\n");
  with_record("nmap-ping-v.xml", 1, check_down);
}

TEST(import_xml_masscan) {
  ASSERT_EQ_STR(fixture_dump("masscan-oX.xml"),
                "10.254.0.2 80/tcp open syn-ack\n"
                "10.254.0.2 21/tcp open syn-ack\n"
                "10.254.0.2 22/tcp open syn-ack\n"
                "10.254.0.2 53/udp open udp-response\n");
  ASSERT_EQ_STR(fixture_dump("masscan-banners-oX.xml"),
                "10.254.0.2 80/tcp open syn-ack\n"
                "10.254.0.2 443/tcp closed reset\n"
                "10.254.0.2 21/tcp open syn-ack\n"
                "10.254.0.2 22/tcp open syn-ack\n"
                "10.254.0.2 53/udp open udp-response\n"
                "10.254.0.2 22/tcp open syn-ack banner=ssh\n"
                "10.254.0.2 21/tcp open syn-ack banner=ftp\n"
                "10.254.0.2 80/tcp open syn-ack banner=http.server\n"
                "10.254.0.2 80/tcp open syn-ack banner=title\n"
                "10.254.0.2 80/tcp open syn-ack banner=http\n");
}

static void check_masscan_v6(const struct nsx_import_rec *r) {
  ASSERT_EQ_INT(r->family, AF_INET6);
  ASSERT_EQ_STR(r->banner_type, "X509");
  ASSERT_EQ_STR(r->banner, "MIIB\n");
  ASSERT_EQ_INT(r->banner_len, 5);
  ASSERT(r->svc.name == NULL);
  ASSERT_EQ_INT(r->reason_ttl, 56);
  ASSERT_EQ_INT(r->timestamp, 1700000003);
  ASSERT_EQ_INT(r->line, 6);
}

static void check_masscan_ftp(const struct nsx_import_rec *r) {
  ASSERT_EQ_STR(r->banner, "220 (vsFTPd 3.0.3) \"quoted\" & <tag>\n");
}

TEST(import_xml_masscan_ipv6_crlf) {
  ASSERT_EQ_STR(fixture_dump("masscan-ipv6-oX.xml"),
                "2001:db8::1 443/tcp open syn-ack\n"
                "2001:db8::1 443/tcp open syn-ack banner=X509\n");
  with_record("masscan-ipv6-oX.xml", 1, check_masscan_v6);
  with_record("masscan-banners-oX.xml", 6, check_masscan_ftp);
}

/* Every prefix of a real document: no crash, the records are a prefix of
 * the whole document's, and at most two errors say where it was cut. */
TEST(import_xml_every_truncation) {
  size_t len, cut;
  char *text = imp_slurp(imp_fixture("nmap-netns.xml"), &len);
  char *full = imp_dump(NSX_IMPORT_XML, text, len, 0), *out, *p, *q;

  for (cut = 0; cut < len; cut++) {
    out = imp_dump(NSX_IMPORT_XML, text, cut, 0);
    ASSERT(imp_count(out, "error: ") <= 2);
    /* Records (not errors) must match the start of 'full'. */
    for (p = out, q = full; *p; p = strchr(p, '\n') + 1) {
      size_t l = (size_t)(strchr(p, '\n') - p);
      if (strncmp(p, "error: ", 7) == 0) continue;
      if (strncmp(p, q, l + 1) != 0)
        UNIT_FAIL("cut at %zu: '%.*s' out of order", cut, (int)l, p);
      q = strchr(q, '\n') + 1;
    }
    free(out);
  }
  out = imp_dump(NSX_IMPORT_XML, text, 2600, 0);
  ASSERT_EQ_STR(out, "error: t:35: unexpected end of the document inside "
                     "a tag\n"
                     "error: t:35: the document ends inside the <host> of "
                     "line 30, which is dropped\n");
}

TEST(import_xml_entities) {
  char *out;
  struct nsx_import *imp = nsx_import_new(NSX_IMPORT_XML, "t");
  char *text = doc("<address addr='10.0.0.1' addrtype=\"ipv4\"/>"
                   "<hostnames><hostname name=\"a&#45;b\" type='user'/>"
                   "</hostnames><ports><port protocol=\"tcp\" portid=\"80\">"
                   "<state state=\"open\" reason=\"syn-ack\"/>"
                   "<service name=\"http\" version=\"1 &amp; &#x41;&#66; "
                   "&lt;&gt;&quot;&apos; &#xe9;&#x20AC;&#x1F600;\" "
                   "product=\"\"><cpe>cpe:/a:x&amp;y</cpe><cpe><![CDATA["
                   "cpe:/a:&amp;]]></cpe><cpe>  </cpe></service>"
                   "</port></ports>");
  struct nsx_import_rec r;
  char err[256];

  nsx_import_feed(imp, text, strlen(text));
  nsx_import_feed_end(imp);
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 1);
  ASSERT_EQ_STR(r.hostname, "a-b");
  ASSERT_EQ_STR(r.svc.version, "1 & AB <>\"' \xc3\xa9\xe2\x82\xac"
                               "\xf0\x9f\x98\x80");
  ASSERT_EQ_STR(r.svc.product, "");
  ASSERT_EQ_INT(r.svc.ncpe, 2);
  ASSERT_EQ_STR(r.svc.cpe[0], "cpe:/a:x&y");
  ASSERT_EQ_STR(r.svc.cpe[1], "cpe:/a:&amp;");
  ASSERT(r.host_state == NULL);
  nsx_import_close(imp);

  out = imp_dump_str(NSX_IMPORT_XML,
                     doc("<address addr=\"10.0.0.1\" addrtype=\"ipv4\"/>"
                         "<ports><port protocol=\"tcp\" portid=\"1\">"
                         "<state state=\"open\"/><service name=\"a&foo;\"/>"
                         "</port>\n<port protocol=\"tcp\" portid=\"2\">"
                         "<state state=\"open\"/><service name=\"&#0;\"/>"
                         "</port>\n<port protocol=\"tcp\" portid=\"3\">"
                         "<state state=\"open\"/><service name=\"&#x110000;"
                         "\"/></port>\n<port protocol=\"tcp\" portid=\"4\">"
                         "<state state=\"open\"/><service name=\"&amp\"/>"
                         "</port>\n<port protocol=\"tcp\" portid=\"5\">"
                         "<state state=\"open\"/><script id=\"x\" "
                         "output=\"&bad;\"/></port>\n<port protocol=\"tcp\" "
                         "portid=\"6\"><state state=\"open\"/>AT&T</port>"
                         "</ports>"));
  ASSERT_EQ_STR(out,
                "error: t:4: bad entity '&foo;' in <service name=...>\n"
                "error: t:5: bad entity '&#0;' in <service name=...>\n"
                "error: t:6: bad entity '&#x110000;' in <service "
                "name=...>\n"
                "error: t:7: bad entity '&amp' in <service name=...>\n"
                "error: t:8: bad entity '&bad;' in <script output=...>\n"
                "10.0.0.1 5/tcp open\n"
                "error: t:9: bad entity '&T' in text\n"
                "10.0.0.1 6/tcp open\n");
}

TEST(import_xml_bad_values) {
  char *out = imp_dump_str(NSX_IMPORT_XML, doc(
      "<status state=\"up\" reason=\"user-set\"/>\n"
      "<address addr=\"10.0.0.1\" addrtype=\"ipv4\"/>\n"
      "<ports><port protocol=\"tcp\" portid=\"65536\"><state state=\"open\"/>"
      "</port>\n"
      "<port protocol=\"ip\" portid=\"1\"><state state=\"open\"/></port>\n"
      "<port protocol=\"tcp\" portid=\"-1\"><state state=\"open\"/></port>\n"
      "<port protocol=\"tcp\" portid=\"7\"><state state=\"ajar\"/>"
      "<service name=\"x\"/></port>\n"
      "<port protocol=\"tcp\" portid=\"8\"></port>\n"
      "<port protocol=\"udp\" portid=\"9\"><state state=\"open|filtered\" "
      "reason=\"no-response\"/></port>\n"
      "<port protocol=\"tcp\" portid=\"10\"><state state=\"open\"/>\n"
      "<port protocol=\"sctp\" portid=\"11\"><state state=\"filtered\"/>"
      "</port></ports>"));

  ASSERT_EQ_STR(out,
                "error: t:6: invalid portid '65536' (a number from 0 to "
                "65535); port skipped\n"
                "error: t:7: unsupported port protocol 'ip' (tcp, udp or "
                "sctp); port skipped\n"
                "error: t:8: invalid portid '-1' (a number from 0 to 65535);"
                " port skipped\n"
                "error: t:9: invalid port state 'ajar'; port skipped\n"
                "error: t:10: port 8/tcp without a <state>; skipped\n"
                "10.0.0.1 9/udp open|filtered no-response\n"
                "error: t:13: <port> inside the <port> of line 12, which is "
                "dropped\n"
                "10.0.0.1 11/sctp filtered\n");
}

TEST(import_xml_misplaced_elements) {
  char *out = imp_dump_str(NSX_IMPORT_XML,
      "<nmaprun>\n"
      "<port protocol=\"tcp\" portid=\"1\"><state state=\"open\"/></port>\n"
      "<host><ports><port protocol=\"tcp\" portid=\"2\"><state "
      "state=\"open\"/></port></ports></host>\n"
      "<host><address addr=\"10.0.0.999\" addrtype=\"ipv4\"/><ports><port "
      "protocol=\"tcp\" portid=\"3\"><state state=\"open\"/></port></ports>"
      "</host>\n"
      "<host><address addrtype=\"ipv4\"/></host>\n"
      "<host><address addr=\"10.0.0.1\" addrtype=\"ipv4\"/>\n"
      "<host><address addr=\"10.0.0.2\" addrtype=\"ipv6\"/><ports><port "
      "protocol=\"tcp\" portid=\"4\"><state state=\"open\"/></host>\n"
      "<host/>\n"
      "<hosthint><address addr=\"10.0.0.3\" addrtype=\"ipv4\"/></hosthint>\n"
      "<host><address addr=\"fe80::1%eth0\" addrtype=\"ipv6\"/>"
      "<address addr=\"10.0.0.4\" addrtype=\"ipv4\"/></host>\n"
      "<host><address addr=\"10.0.0.5\" addrtype=\"ipv4\"/>\n");

  ASSERT_EQ_STR(out,
                "error: t:3: <port> of a host without an address; host "
                "skipped\n"
                "error: t:4: invalid address '10.0.0.999'; host skipped\n"
                "error: t:5: <address> without a valid 'addr'; host "
                "skipped\n"
                "error: t:7: <host> inside the <host> of line 6, which is "
                "dropped\n"
                "error: t:7: <port> not closed before </host>; skipped\n"
                "10.0.0.2\n"
                "error: t:8: <host> without an address; skipped\n"
                "fe80::1%eth0\n"
                "error: t:12: the document ends inside the <host> of line "
                "11, which is dropped\n");
}

TEST(import_xml_bad_tags_resynchronise) {
  char *out = imp_dump_str(NSX_IMPORT_XML, doc(
      "<address addr=\"10.0.0.1\" addrtype=\"ipv4\"/>\n"
      "<ports><port protocol=\"tcp\" portid=\"1\"><state state=\"open\"/>"
      "<service name=\"a<b\"/></port>\n"
      "<port protocol=\"tcp\" portid=\"2\"><state state=\"open\" x/></port>\n"
      "<port protocol=\"tcp\" portid=\"3\"><state state=\"open\"/></port "
      "x>\n"
      "<port protocol=\"tcp\" portid=\"4\"><state state=\"open\"/><5/>"
      "</port>\n"
      "<!-- <port protocol=\"tcp\" portid=\"6\"> --><?pi <port> ?>\n"
      "<port protocol='tcp' portid='7'><state state='open'/></port>\n"
      "</ports>"));

  ASSERT_EQ_STR(out,
                "error: t:5: unterminated tag '<service name=\"a'\n"
                "error: t:5: unterminated tag '<b\"/>'\n"
                "error: t:6: malformed attribute in <state ...> near "
                "'x/'\n"
                "error: t:7: malformed end tag '</port x>'\n"
                "error: t:8: <port> inside the <port> of line 7, which is "
                "dropped\n"
                "error: t:8: malformed tag '<5/>'\n"
                "10.0.0.1 4/tcp open\n"
                "10.0.0.1 7/tcp open\n");
}

TEST(import_xml_units_longer_than_the_buffer) {
  size_t big = 600 * 1024, n;
  char *body = malloc(3 * big + 4096), *text, *out;

  n = (size_t)sprintf(body, "<address addr=\"10.0.0.1\" addrtype=\"ipv4\"/>"
                            "<ports><port protocol=\"tcp\" portid=\"80\">"
                            "<state state=\"open\"/><service name=\"http\"/>"
                            "<script id=\"x\" output=\"");
  memset(body + n, '>', big);   /* '>' inside quotes does not end a tag */
  n += big;
  n += (size_t)sprintf(body + n, "\"><elem>");
  memset(body + n, 'y', big);
  n += big;
  n += (size_t)sprintf(body + n, "</elem></script></port><!--");
  memset(body + n, '-', big);
  n += big;
  sprintf(body + n, "--><port protocol=\"tcp\" portid=\"81\"><state state="
                    "\"open\"/></port></ports>");
  text = doc(body);
  out = imp_dump(NSX_IMPORT_XML, text, strlen(text), 0);
  ASSERT_EQ_STR(out, "10.0.0.1 80/tcp open svc=http\n"
                     "10.0.0.1 81/tcp open\n");
  ASSERT_EQ_STR(imp_dump(NSX_IMPORT_XML, text, strlen(text), 65536), out);
  /* The document ends inside the long comment. */
  text[strlen(text) - 150] = '\0';
  out = imp_dump(NSX_IMPORT_XML, text, strlen(text), 0);
  ASSERT_EQ_STR(out, "10.0.0.1 80/tcp open svc=http\n"
                     "error: t:4: unexpected end of the document inside a "
                     "unit too long to read\n"
                     "error: t:4: the document ends inside the <host> of "
                     "line 4\n");
  /* A <port> tag too long to read loses that port only. */
  sprintf(body, "<address addr=\"10.0.0.1\" addrtype=\"ipv4\"/><ports><port "
                "protocol=\"tcp\" portid=\"1\" x=\"");
  n = strlen(body);
  memset(body + n, 'z', big);
  sprintf(body + n + big, "\"><state state=\"open\"/></port><port protocol="
                          "\"tcp\" portid=\"2\"><state state=\"open\"/>"
                          "</port></ports>");
  out = imp_dump_str(NSX_IMPORT_XML, doc(body));
  ASSERT_EQ_STR(out, "error: t:4: <port> tag too long; skipped\n"
                     "10.0.0.1 2/tcp open\n");
}
