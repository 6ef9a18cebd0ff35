/* The import reader on masscan's JSON: -oJ and -oD from masscan 1.3.2,
 * the 1.0.x dialect (trailing commas, bare keys, "{finished: 1}"), IPv6,
 * escapes, and damaged input: cut records, bad escapes, bad values,
 * garbage between records, records bigger than the buffer. */
#include <sys/socket.h>

#include "test-import.h"
#include "unit.h"

static char *fixture_dump(const char *name) {
  size_t len;
  char *text = imp_slurp(imp_fixture(name), &len);
  char *out = imp_dump(NSX_IMPORT_AUTO, text, len, 0);

  /* Fed in pieces, the reader must say exactly the same. */
  ASSERT_EQ_STR(imp_dump(NSX_IMPORT_AUTO, text, len, 1), out);
  ASSERT_EQ_STR(imp_dump(NSX_IMPORT_AUTO, text, len, 61), out);
  return out;
}

TEST(import_json_real_oJ) {
  ASSERT_EQ_STR(fixture_dump("masscan-oJ.json"),
                "10.254.0.2 21/tcp open syn-ack\n"
                "10.254.0.2 80/tcp open syn-ack\n"
                "10.254.0.2 53/udp open udp-response\n"
                "10.254.0.2 22/tcp open syn-ack\n");
}

TEST(import_json_real_banners) {
  struct nsx_import *imp;
  struct nsx_import_rec r;
  char err[256];

  ASSERT_EQ_STR(fixture_dump("masscan-banners-oJ.json"),
                "10.254.0.2 443/tcp closed reset\n"
                "10.254.0.2 80/tcp open syn-ack\n"
                "10.254.0.2 21/tcp open syn-ack\n"
                "10.254.0.2 22/tcp open syn-ack\n"
                "10.254.0.2 53/udp open udp-response\n"
                "10.254.0.2 22/tcp open syn-ack banner=ssh\n"
                "10.254.0.2 21/tcp open syn-ack banner=ftp\n"
                "10.254.0.2 80/tcp open syn-ack banner=http.server\n"
                "10.254.0.2 80/tcp open syn-ack banner=title\n"
                "10.254.0.2 80/tcp open syn-ack banner=http\n");
  imp = nsx_import_open_path(imp_fixture("masscan-banners-oJ.json"),
                             NSX_IMPORT_AUTO, err, sizeof err);
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 1);
  ASSERT_EQ_INT(r.line, 2);
  ASSERT_EQ_INT(r.reason_ttl, 64);
  ASSERT_EQ_INT(r.timestamp, 1795748798);
  ASSERT_EQ_INT(r.format, NSX_IMPORT_JSON);
  while (nsx_import_next(imp, &r, err, sizeof err) == 1) {
    if (r.banner_type == NULL || strcmp(r.banner_type, "ftp") != 0)
      continue;
    ASSERT_EQ_STR(r.banner, "220 (vsFTPd 3.0.3) \"quoted\" & <tag>\n");
    ASSERT_EQ_INT(r.banner_len, 36);
    ASSERT_EQ_INT(r.line, 14);
  }
  nsx_import_close(imp);
}

TEST(import_json_real_oD) {
  ASSERT_EQ_STR(fixture_dump("masscan-banners-oD.ndjson"),
                "10.254.0.2 80/tcp open syn-ack\n"
                "10.254.0.2 443/tcp closed reset\n"
                "10.254.0.2 21/tcp open syn-ack\n"
                "10.254.0.2 21/tcp open syn-ack banner=ftp\n");
}

TEST(import_json_old_dialect) {
  ASSERT_EQ_STR(fixture_dump("masscan-old-oJ.json"),
                "192.0.2.1 80/tcp open syn-ack\n"
                "192.0.2.1 443/tcp open syn-ack\n"
                "192.0.2.9 25/tcp open syn-ack\n"
                "192.0.2.1 80/tcp open syn-ack banner=title\n");
}

TEST(import_json_ipv6) {
  struct nsx_import *imp;
  struct nsx_import_rec r;
  char err[256];

  ASSERT_EQ_STR(fixture_dump("masscan-ipv6-oJ.json"),
                "2001:db8::1 443/tcp open syn-ack\n"
                "2001:db8::1 443/tcp open syn-ack banner=X509\n");
  imp = nsx_import_open_path(imp_fixture("masscan-ipv6-oJ.json"),
                             NSX_IMPORT_JSON, err, sizeof err);
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 1);
  ASSERT_EQ_INT(r.family, AF_INET6);
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 1);
  ASSERT_EQ_STR(r.banner, "MIIB\n");
  nsx_import_close(imp);
}

TEST(import_json_several_ports_in_one_record) {
  ASSERT_EQ_STR(imp_dump_str(NSX_IMPORT_JSON,
                             "[{\"ip\":\"10.0.0.1\",\"ports\":["
                             "{\"port\":1,\"proto\":\"tcp\",\"status\":"
                             "\"open\"},"
                             "{\"port\":99999,\"status\":\"open\"},"
                             "7,"
                             "{\"port\":2,\"proto\":\"sctp\",\"status\":"
                             "\"closed\"},"
                             "{\"port\":0,\"proto\":\"icmp\",\"status\":"
                             "\"open\"}]}]"),
                "10.0.0.1 1/tcp open syn-ack\n"
                "error: t:1: invalid \"port\" (a number from 0 to 65535)\n"
                "10.0.0.1 2/sctp closed abort\n"
                "10.0.0.1\n");
}

TEST(import_json_escapes) {
  struct nsx_import *imp = nsx_import_new(NSX_IMPORT_JSON, "t");
  static const char text[] =
      "{\"ip\":\"10.0.0.1\",\"port\":7,\"proto\":\"tcp\",\"data\":{"
      "\"service_name\":\"x\",\"banner\":\"a\\u0000b\\\"\\\\\\/\\n\\t"
      "\\u00e9\\u20ac\\ud83d\\ude00\"}}";
  struct nsx_import_rec r;
  char err[256];

  nsx_import_feed(imp, text, sizeof text - 1);
  nsx_import_feed_end(imp);
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 1);
  ASSERT_EQ_INT(r.banner_len, 17);
  ASSERT(memcmp(r.banner, "a\0b\"\\/\n\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
                17) == 0);
  ASSERT_EQ_STR(r.state, "open");
  nsx_import_close(imp);
}

TEST(import_json_damaged_records) {
  char *out = imp_dump_str(NSX_IMPORT_JSON,
                           "[\n"
                           "{ \"ip\": \"10.0.0.1\", \"ports\": [ {\"port\": "
                           "80,\n"
                           "{ \"ip\": \"10.0.0.2\", \"ports\": [ {\"port\": "
                           "22, \"proto\": \"tcp\", \"status\": \"open\"} ] }"
                           "\n,\n"
                           "{ \"ip\": \"10.0.0.3\", \"x\": \"\\q\" }\n"
                           "{ \"ip\": \"10.0.0.4\" \"ports\" 5 }\n"
                           "{ \"ip\": \"10.0.0.300\", \"port\": 1 }\n"
                           "{ \"ports\": [] }\n"
                           "garbage here\n"
                           "{ \"ip\": \"10.0.0.5\", \"port\": 2, \"proto\":"
                           " \"tcp\", \"data\": {\"status\": \"weird\"} }\n"
                           "{ \"ip\": \"10.0.0.6\", \"port\": 3 }\n"
                           "{ \"ip\": \"10.0.0.7\", \"x\": \"\\u12\" }\n"
                           "{ \"ip\": \"10.0.0.8\", \"port\": 4, \"proto\": "
                           "\"gre\", \"status\": \"open\" }\n"
                           "{ \"ip\": \"10.0.0.9\", \"port\": 5, \"proto\": "
                           "\"udp\", \"status\": \"open\" }\n"
                           "{ \"ip\": \"10.0.0.10\", \"ports\": [\n");

  ASSERT_EQ_STR(out,
                "error: t:2: bad JSON record: record cut short\n"
                "10.0.0.2 22/tcp open syn-ack\n"
                "error: t:5: bad JSON record: bad escape in string\n"
                "error: t:6: bad JSON record: expected ':' after a key\n"
                "error: t:7: invalid \"ip\" '10.0.0.300'\n"
                "error: t:8: record without an \"ip\"\n"
                "error: t:9: expected a JSON record ('{'), got 'garbage "
                "here'\n"
                "error: t:10: unknown port status 'weird'\n"
                "error: t:11: port record without a \"status\" or "
                "\"service\"\n"
                "error: t:12: bad JSON record: bad \\u escape\n"
                "error: t:13: unknown protocol 'gre'\n"
                "10.0.0.9 5/udp open udp-response\n"
                "error: t:15: JSON record cut short by the end of the "
                "input\n");
}

TEST(import_json_deep_nesting_and_many_values) {
  char *text = malloc(200000), *out;
  size_t n = 0, i;

  n += (size_t)sprintf(text, "{\"ip\":\"10.0.0.1\",\"x\":");
  for (i = 0; i < 100; i++) text[n++] = '[';
  for (i = 0; i < 100; i++) text[n++] = ']';
  n += (size_t)sprintf(text + n, "}\n{\"ip\":\"10.0.0.2\",\"x\":[");
  for (i = 0; i < 5000; i++) n += (size_t)sprintf(text + n, "%zu,", i);
  n += (size_t)sprintf(text + n, "]}\n{\"ip\":\"10.0.0.3\"}\n");
  out = imp_dump(NSX_IMPORT_JSON, text, n, 0);
  ASSERT_EQ_STR(out, "error: t:1: bad JSON record: nested too deeply\n"
                     "error: t:2: bad JSON record: record has too many "
                     "values\n"
                     "10.0.0.3\n");
}

TEST(import_json_record_longer_than_the_buffer) {
  size_t big = 400 * 1024, n;
  char *text = malloc(big + 256), *out;

  n = (size_t)sprintf(text, "[\n{\"ip\":\"10.0.0.1\",\"port\":1,\"proto\":"
                            "\"tcp\",\"data\":{\"service_name\":\"x\","
                            "\"banner\":\"");
  memset(text + n, '}', big);   /* braces inside a string do not count */
  n += big;
  n += (size_t)sprintf(text + n, "\"}},\n{\"ip\":\"10.0.0.2\",\"port\":2,"
                                 "\"proto\":\"tcp\",\"status\":\"open\"}\n]"
                                 "\n");
  out = imp_dump(NSX_IMPORT_AUTO, text, n, 0);
  ASSERT_EQ_STR(out, "error: t:2: JSON record longer than 262144 bytes\n"
                     "10.0.0.2 2/tcp open syn-ack\n");
  ASSERT_EQ_STR(imp_dump(NSX_IMPORT_AUTO, text, n, 4093), out);
}
