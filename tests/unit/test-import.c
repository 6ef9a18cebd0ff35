/* The import reader: -iL lists (Nmap's word and comment rules, host:port
 * entries, bad ports and brackets, overlong words, binary bytes), masscan
 * -oL (real output from masscan 1.3.2 and damaged lines), format
 * detection, and the reader's API (fds, paths, fed input). The shared
 * helpers of test-import*.c are defined here. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-import.h"
#include "unit.h"

const char *imp_rec_text(const struct nsx_import_rec *r, char *buf,
                         size_t len) {
  size_t n = (size_t)snprintf(buf, len, "%s", r->target);

  if (r->has_port && n < len)
    n += (size_t)snprintf(buf + n, len - n, " %u/%s %s", r->port,
                          nsx_proto_name(r->proto), r->state);
  if (r->has_port && r->reason && n < len)
    n += (size_t)snprintf(buf + n, len - n, " %s", r->reason);
  if (r->svc.name && n < len)
    n += (size_t)snprintf(buf + n, len - n, " svc=%s", r->svc.name);
  if (r->banner_type && n < len)
    n += (size_t)snprintf(buf + n, len - n, " banner=%s", r->banner_type);
  if (r->hostname && n < len)
    n += (size_t)snprintf(buf + n, len - n, " user=%s", r->hostname);
  if (r->ptr && n < len)
    snprintf(buf + n, len - n, " ptr=%s", r->ptr);
  return buf;
}

/* Appends the reader's records and errors to a growing string. */
static char *drain(struct nsx_import *imp, const char *text, size_t len,
                   size_t chunk) {
  size_t cap = 4096, used = 0, off = 0;
  char *out = malloc(cap), err[512], line[2048];
  struct nsx_import_rec r;
  int rc, ended = text == NULL;

  ASSERT(out != NULL);
  out[0] = '\0';
  for (;;) {
    rc = nsx_import_next(imp, &r, err, sizeof err);
    if (rc == -EAGAIN) {
      size_t want = chunk ? chunk : len - off, took;
      ASSERT(!ended);
      if (want > len - off) want = len - off;
      took = nsx_import_feed(imp, text + off, want);
      off += took;
      if (off == len) {
        nsx_import_feed_end(imp);
        ended = 1;
      }
      continue;
    }
    if (rc == 0) break;
    if (rc == 1) imp_rec_text(&r, line, sizeof line);
    else snprintf(line, sizeof line, "error: %s", err);
    ASSERT(rc == 1 || (rc == -1 && err[0] != '\0'));
    if (used + strlen(line) + 2 > cap) {
      cap = (used + strlen(line) + 2) * 2;
      out = realloc(out, cap);
      ASSERT(out != NULL);
    }
    used += (size_t)sprintf(out + used, "%s\n", line);
  }
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 0);
  return out;
}

char *imp_dump(enum nsx_import_format fmt, const char *text, size_t len,
               size_t chunk) {
  struct nsx_import *imp = nsx_import_new(fmt, "t");
  char *out;

  ASSERT(imp != NULL);
  out = drain(imp, text, len, chunk);
  nsx_import_close(imp);
  return out;
}

char *imp_dump_str(enum nsx_import_format fmt, const char *text) {
  return imp_dump(fmt, text, strlen(text), 0);
}

char *imp_dump_fd(int fd, enum nsx_import_format fmt) {
  struct nsx_import *imp = nsx_import_open_fd(fd, fmt, "t");
  char *out;

  ASSERT(imp != NULL);
  out = drain(imp, NULL, 0, 0);
  nsx_import_close(imp);
  return out;
}

const char *imp_fixture(const char *name) {
  static char path[4096];
  const char *dir = getenv("NSX_TEST_DIR");
  char *p;

  if (dir != NULL) {
    snprintf(path, sizeof path, "%s/fixtures/import/%s", dir, name);
  } else {
    snprintf(path, sizeof path, "%s", __FILE__);
    p = strstr(path, "/unit/test-import.c");
    ASSERT(p != NULL);
    snprintf(p, sizeof path - (size_t)(p - path), "/fixtures/import/%s",
             name);
  }
  return path;
}

char *imp_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;

  if (f == NULL) UNIT_FAIL("cannot open %s", path);
  ASSERT(fseek(f, 0, SEEK_END) == 0);
  n = ftell(f);
  ASSERT(n >= 0);
  rewind(f);
  buf = malloc((size_t)n + 1);
  ASSERT(buf != NULL);
  ASSERT(fread(buf, 1, (size_t)n, f) == (size_t)n);
  buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}

size_t imp_count(const char *dump, const char *prefix) {
  size_t n = 0, pl = strlen(prefix);
  const char *p = dump;

  while (*p) {
    n += strncmp(p, prefix, pl) == 0;
    p = strchr(p, '\n');
    if (p == NULL) break;
    p++;
  }
  return n;
}

/* The dump of fixture 'name' read through a file descriptor. */
static char *fixture_dump(const char *name) {
  int fd = open(imp_fixture(name), O_RDONLY);
  char *out;

  if (fd < 0) UNIT_FAIL("cannot open %s", imp_fixture(name));
  out = imp_dump_fd(fd, NSX_IMPORT_AUTO);
  close(fd);
  return out;
}

TEST(import_list_words_and_comments) {
  ASSERT_EQ_STR(imp_dump_str(NSX_IMPORT_LIST,
                             "# comment line\n"
                             "10.0.0.1 10.0.0.2\t10.0.0.3#trailing comment\n"
                             "  10.0.0.4,5 # c 10.9.9.9\n"
                             "\n"
                             "10.0.1.0/31\r\n"
                             "localhost\n"
                             "scanme.nmap.org/28"),
                "10.0.0.1\n10.0.0.2\n10.0.0.3\n10.0.0.4,5\n10.0.1.0/31\n"
                "localhost\nscanme.nmap.org/28\n");
}

TEST(import_list_line_numbers_and_families) {
  struct nsx_import *imp = nsx_import_new(NSX_IMPORT_LIST, "t");
  const char *text = "10.0.0.1\n\n# x\n  ::1 10.0.0.0/8\nname\n";
  struct nsx_import_rec r;
  char err[256];

  nsx_import_feed(imp, text, strlen(text));
  nsx_import_feed_end(imp);
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 1);
  ASSERT_EQ_INT(r.line, 1);
  ASSERT_EQ_INT(r.family, AF_INET);
  ASSERT_EQ_INT(r.format, NSX_IMPORT_LIST);
  ASSERT_EQ_INT(r.has_port, 0);
  ASSERT(r.state == NULL && r.svc.name == NULL && r.reason_ttl == -1);
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 1);
  ASSERT_EQ_STR(r.target, "::1");
  ASSERT_EQ_INT(r.line, 4);
  ASSERT_EQ_INT(r.family, AF_INET6);
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 1);
  ASSERT_EQ_INT(r.family, AF_UNSPEC);
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 1);
  ASSERT_EQ_STR(r.target, "name");
  ASSERT_EQ_INT(r.line, 5);
  ASSERT_EQ_INT(r.family, AF_UNSPEC);
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 0);
  nsx_import_close(imp);
}

TEST(import_list_host_port_entries) {
  ASSERT_EQ_STR(imp_dump_str(NSX_IMPORT_LIST,
                             "192.0.2.1:80 [2001:db8::1]:443\n"
                             "host.example:22/tcp 10.0.0.1:53/udp\n"
                             "10.0.0.0/24:8080/SCTP 2001:db8::5\n"
                             "[fe80::1%eth0]:22 [::1] 10.0.0.1:0 h:65535\n"),
                "192.0.2.1 80/tcp open user-set\n"
                "2001:db8::1 443/tcp open user-set\n"
                "host.example 22/tcp open user-set\n"
                "10.0.0.1 53/udp open user-set\n"
                "10.0.0.0/24 8080/sctp open user-set\n"
                "2001:db8::5\n"
                "fe80::1%eth0 22/tcp open user-set\n"
                "::1\n"
                "10.0.0.1 0/tcp open user-set\n"
                "h 65535/tcp open user-set\n");
}

TEST(import_list_bad_entries_are_skipped) {
  char *out = imp_dump_str(NSX_IMPORT_LIST,
                           "10.0.0.1:99999\n"
                           "10.0.0.1: :80\n"
                           "10.0.0.1:80/icmp 10.0.0.1:8a 10.0.0.1:123456\n"
                           "[::1 [::1]80 [::1]:-1 [zz::1]:80 []:80\n"
                           "1.2.3:80 bad!host:80 10.0.0.300\n"
                           "10.0.0.1:80/ 10.0.0.1:80/tcp/x\n"
                           "10.0.0.9:080\n");

  ASSERT_EQ_INT(imp_count(out, "error: "), 16);
  ASSERT(strstr(out, "error: t:1: port 99999 out of range (0-65535) in "
                     "'10.0.0.1:99999'\n") != NULL);
  ASSERT(strstr(out, "error: t:2: missing port in '10.0.0.1:'\n") != NULL);
  ASSERT(strstr(out, "error: t:2: missing target in ':80'\n") != NULL);
  ASSERT(strstr(out, "error: t:3: invalid protocol 'icmp' in "
                     "'10.0.0.1:80/icmp' (tcp, udp or sctp)\n") != NULL);
  ASSERT(strstr(out, "error: t:3: invalid port '8a'") != NULL);
  ASSERT(strstr(out, "error: t:4: missing ']' in '[::1'\n") != NULL);
  ASSERT(strstr(out, "error: t:4: expected ':PORT' after ']' in "
                     "'[::1]80'\n") != NULL);
  ASSERT(strstr(out, "error: t:5: invalid target '1.2.3'") != NULL);
  ASSERT(strstr(out, "error: t:5: invalid target 'bad!host'") != NULL);
  ASSERT(strstr(out, "error: t:5: invalid target '10.0.0.300'") != NULL);
  /* Leading zeros are a number like any other, as in Nmap's -p. */
  ASSERT(strstr(out, "\n10.0.0.9 80/tcp open user-set\n") != NULL);
  ASSERT_EQ_INT(imp_count(out, "10.0.0.9"), 1);
}

TEST(import_list_overlong_words_and_binary_bytes) {
  size_t n = 5000, i;
  char *text = malloc(n + 64), *out;

  memset(text, 'a', 2000);
  memcpy(text + 2000, "#x\n10.0.0.1 ", 12);
  memset(text + 2012, 'b', 1024);
  strcpy(text + 3036, " 10.0.0.2\n\x01\x02\x7f\xff 10.0.0.3\n");
  out = imp_dump_str(NSX_IMPORT_LIST, text);
  ASSERT_EQ_INT(imp_count(out, "error: t:1: target longer than 1023 "
                          "bytes: 'aaaa"), 1);
  ASSERT_EQ_INT(imp_count(out, "error: t:2: target longer than 1023 "
                          "bytes: 'bbbb"), 1);
  ASSERT(strstr(out, "error: t:3: invalid byte 0x01 in target "
                     "'\\x01\\x02\\x7f\\xff'\n") != NULL);
  ASSERT_EQ_INT(imp_count(out, "10.0.0."), 3);
  ASSERT_EQ_INT(imp_count(out, "error: "), 3);
  /* A 1023-byte word is allowed (and is then a bad name, not too long). */
  for (i = 0; i < 1023; i++) text[i] = 'c';
  text[1023] = '\0';
  out = imp_dump_str(NSX_IMPORT_LIST, text);
  ASSERT(strstr(out, "hostname longer than") != NULL ||
         strstr(out, "label longer than") != NULL);
}

TEST(import_list_comment_longer_than_the_buffer) {
  size_t n = 600 * 1024;
  char *text = malloc(n + 32);

  text[0] = '#';
  memset(text + 1, 'x', n - 1);
  strcpy(text + n, "\n10.0.0.1\n");
  ASSERT_EQ_STR(imp_dump(NSX_IMPORT_LIST, text, strlen(text), 0),
                "10.0.0.1\n");
  ASSERT_EQ_STR(imp_dump(NSX_IMPORT_LIST, text, strlen(text), 1000),
                "10.0.0.1\n");
}

TEST(import_list_from_a_pipe) {
  int fds[2];
  const char *text = "10.0.0.1\n[::1]:22\n";
  char *out;

  ASSERT(pipe(fds) == 0);
  ASSERT(write(fds[1], text, strlen(text)) == (ssize_t)strlen(text));
  close(fds[1]);
  out = imp_dump_fd(fds[0], NSX_IMPORT_AUTO);
  close(fds[0]);
  ASSERT_EQ_STR(out, "10.0.0.1\n::1 22/tcp open user-set\n");
}

TEST(import_open_path) {
  char err[256];
  struct nsx_import *imp;
  struct nsx_import_rec r;

  ASSERT(nsx_import_open_path("/nonexistent/x", NSX_IMPORT_AUTO, err,
                              sizeof err) == NULL);
  ASSERT_EQ_STR(err, "/nonexistent/x: No such file or directory");
  imp = nsx_import_open_path(imp_fixture("masscan-oL.txt"), NSX_IMPORT_AUTO,
                             err, sizeof err);
  ASSERT(imp != NULL);
  ASSERT_EQ_INT(nsx_import_format(imp), NSX_IMPORT_AUTO);
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 1);
  ASSERT_EQ_INT(nsx_import_format(imp), NSX_IMPORT_MASSCAN_LIST);
  nsx_import_close(imp);
  imp = nsx_import_open_path("-", NSX_IMPORT_LIST, err, sizeof err);
  ASSERT(imp != NULL);
  nsx_import_close(imp);
  ASSERT(fcntl(STDIN_FILENO, F_GETFD) >= 0 || errno != EBADF);
  nsx_import_close(NULL);
}

TEST(import_read_error_is_reported_once) {
  int fd = open("/", O_RDONLY | O_DIRECTORY);
  struct nsx_import *imp = nsx_import_open_fd(fd, NSX_IMPORT_LIST, "dir");
  struct nsx_import_rec r;
  char err[256];

  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), -1);
  ASSERT_EQ_STR(err, "dir:1: read error: Is a directory");
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 0);
  nsx_import_close(imp);
  close(fd);
}

/* The format AUTO picks for 'text'. */
static enum nsx_import_format detect(const char *text, size_t len) {
  struct nsx_import *imp = nsx_import_new(NSX_IMPORT_AUTO, "t");
  struct nsx_import_rec r;
  enum nsx_import_format fmt;
  char err[256];

  nsx_import_feed(imp, text, len);
  nsx_import_feed_end(imp);
  nsx_import_next(imp, &r, err, sizeof err);
  fmt = nsx_import_format(imp);
  nsx_import_close(imp);
  return fmt;
}

#define DETECT(s) detect(s, sizeof s - 1)

TEST(import_detects_formats) {
  ASSERT_EQ_INT(DETECT("10.0.0.1\n"), NSX_IMPORT_LIST);
  ASSERT_EQ_INT(DETECT(""), NSX_IMPORT_LIST);
  ASSERT_EQ_INT(DETECT("# open tcp 80 1.2.3.4 5\n\n[::1]:80\n"),
                NSX_IMPORT_LIST);
  ASSERT_EQ_INT(DETECT("[2001:db8::1]:443\n"), NSX_IMPORT_LIST);
  ASSERT_EQ_INT(DETECT("open\n"), NSX_IMPORT_LIST);
  ASSERT_EQ_INT(DETECT("#masscan\n# end\n"), NSX_IMPORT_MASSCAN_LIST);
  ASSERT_EQ_INT(DETECT("# grep\nopen tcp 80 1.2.3.4 5\n"),
                NSX_IMPORT_MASSCAN_LIST);
  ASSERT_EQ_INT(DETECT("banner tcp 22 ::1 5 ssh x\n"),
                NSX_IMPORT_MASSCAN_LIST);
  ASSERT_EQ_INT(DETECT("[\n{ \"ip\": \"1.2.3.4\" }\n]\n"), NSX_IMPORT_JSON);
  ASSERT_EQ_INT(DETECT("[\n]\n"), NSX_IMPORT_JSON);
  ASSERT_EQ_INT(DETECT("["), NSX_IMPORT_JSON);
  ASSERT_EQ_INT(DETECT("{\"ip\":\"1.2.3.4\"}\n"), NSX_IMPORT_JSON);
  ASSERT_EQ_INT(DETECT("\xef\xbb\xbf<?xml version=\"1.0\"?>"),
                NSX_IMPORT_XML);
  ASSERT_EQ_INT(DETECT("  \r\n<nmaprun>"), NSX_IMPORT_XML);
}

TEST(import_detects_fixtures) {
  static const struct { const char *file; enum nsx_import_format fmt; }
  cases[] = {
    {"masscan-oL.txt", NSX_IMPORT_MASSCAN_LIST},
    {"masscan-banners-oL.txt", NSX_IMPORT_MASSCAN_LIST},
    {"masscan-oJ.json", NSX_IMPORT_JSON},
    {"masscan-banners-oD.ndjson", NSX_IMPORT_JSON},
    {"masscan-old-oJ.json", NSX_IMPORT_JSON},
    {"masscan-oX.xml", NSX_IMPORT_XML},
    {"nmap-netns.xml", NSX_IMPORT_XML},
    {"targets.txt", NSX_IMPORT_LIST},
  };
  size_t i, len;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *text = imp_slurp(imp_fixture(cases[i].file), &len);
    if (detect(text, len) != cases[i].fmt)
      UNIT_FAIL("%s detected as %s", cases[i].file,
                nsx_import_format_name(detect(text, len)));
  }
}

TEST(import_binary_input_is_refused) {
  static const char bin[] = "\x01\x02\x00\x03 10.0.0.1\n";
  char *out = imp_dump(NSX_IMPORT_AUTO, bin, sizeof bin - 1, 0);

  ASSERT_EQ_STR(out, "error: t:1: binary data (a NUL byte at offset 2), "
                     "not a target list or scan output\n");
  out = imp_dump(NSX_IMPORT_AUTO, "masscan/1.1\x00\x01", 13, 0);
  ASSERT(strstr(out, "masscan binary output (-oB) is not read") != NULL);
}

TEST(import_masscan_list_real_output) {
  ASSERT_EQ_STR(fixture_dump("masscan-oL.txt"),
                "10.254.0.2 80/tcp open syn-ack\n"
                "10.254.0.2 22/tcp open syn-ack\n"
                "10.254.0.2 21/tcp open syn-ack\n"
                "10.254.0.2 53/udp open udp-response\n");
}

TEST(import_masscan_list_banners) {
  struct nsx_import *imp;
  struct nsx_import_rec r;
  char err[256];
  int n = 0, banners = 0;

  ASSERT_EQ_STR(fixture_dump("masscan-banners-oL.txt"),
                "10.254.0.2 22/tcp open syn-ack\n"
                "10.254.0.2 443/tcp closed reset\n"
                "10.254.0.2 21/tcp open syn-ack\n"
                "10.254.0.2 80/tcp open syn-ack\n"
                "10.254.0.2 53/udp open udp-response\n"
                "10.254.0.2 22/tcp open syn-ack banner=ssh\n"
                "10.254.0.2 80/tcp open syn-ack banner=http.server\n"
                "10.254.0.2 80/tcp open syn-ack banner=title\n"
                "10.254.0.2 80/tcp open syn-ack banner=http\n"
                "10.254.0.2 21/tcp open syn-ack banner=ftp\n");
  imp = nsx_import_open_path(imp_fixture("masscan-banners-oL.txt"),
                             NSX_IMPORT_MASSCAN_LIST, err, sizeof err);
  while (nsx_import_next(imp, &r, err, sizeof err) == 1) {
    n++;
    ASSERT_EQ_INT(r.timestamp >= 1795748792, 1);
    ASSERT_EQ_INT(r.family, AF_INET);
    if (r.banner == NULL) continue;
    banners++;
    ASSERT_EQ_INT(r.banner_len, strlen(r.banner));
    if (strcmp(r.banner_type, "ftp") == 0)
      ASSERT_EQ_STR(r.banner, "220 (vsFTPd 3.0.3) \"quoted\" & <tag>\n");
    if (strcmp(r.banner_type, "ssh") == 0) {
      ASSERT_EQ_STR(r.banner, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
      ASSERT_EQ_INT(r.line, 7);
    }
  }
  ASSERT_EQ_INT(n, 10);
  ASSERT_EQ_INT(banners, 5);
  nsx_import_close(imp);
}

TEST(import_masscan_list_bad_lines) {
  char *out = imp_dump_str(NSX_IMPORT_MASSCAN_LIST,
                           "#masscan\n"
                           "open tcp 99999 10.0.0.1 1700000000\n"
                           "open foo 80 10.0.0.1 1700000000\n"
                           "open tcp 80 10.0.0.300 1700000000\n"
                           "weird tcp 80 10.0.0.1 1700000000\n"
                           "open tcp 80\n"
                           "open tcp 80 10.0.0.1 17x\n"
                           "banner tcp 80 10.0.0.1 1700000000\n"
                           "\x01\x02\x03\n"
                           "open tcp 80 10.0.0.1\r\n"
                           "closed sctp 5060 2001:db8::7 1700000001\n"
                           "open icmp 0 10.0.0.2 1700000002\n"
                           "banner tcp 25 10.0.0.1 1 smtp 220 a\\x00b\\x5cx"
                           "\\x4\n"
                           "# end\n");

  ASSERT_EQ_STR(out,
                "error: t:2: invalid port '99999' (a number from 0 to "
                "65535)\n"
                "error: t:3: unknown protocol 'foo'\n"
                "error: t:4: invalid address '10.0.0.300'\n"
                "error: t:5: unknown port state 'weird' (open, closed or "
                "banner)\n"
                "error: t:6: expected 'STATE PROTO PORT ADDRESS TIME', got "
                "'open tcp 80'\n"
                "error: t:7: invalid time '17x'\n"
                "error: t:8: banner line without a service name\n"
                "error: t:9: expected 'STATE PROTO PORT ADDRESS TIME', got "
                "'\\x01\\x02\\x03'\n"
                "10.0.0.1 80/tcp open syn-ack\n"
                "2001:db8::7 5060/sctp closed abort\n"
                "10.0.0.2\n"
                "10.0.0.1 25/tcp open syn-ack banner=smtp\n");
}

TEST(import_masscan_list_banner_bytes) {
  static const char text[] = "banner udp 53 10.0.0.1 1 dns a\\x00b\\x5cx\\x4\n";
  struct nsx_import *imp = nsx_import_new(NSX_IMPORT_MASSCAN_LIST, "t");
  struct nsx_import_rec r;
  char err[256];

  nsx_import_feed(imp, text, sizeof text - 1);
  nsx_import_feed_end(imp);
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 1);
  /* "\x4" is not an escape (one hex digit), so it stays as it is. */
  ASSERT_EQ_INT(r.banner_len, 8);
  ASSERT(memcmp(r.banner, "a\0b\\x\\x4", 9) == 0);
  ASSERT_EQ_STR(r.reason, "udp-response");
  nsx_import_close(imp);
}

TEST(import_masscan_list_line_longer_than_the_buffer) {
  size_t n = 300 * 1024;
  char *text = malloc(n + 128), *out;

  strcpy(text, "#masscan\nbanner tcp 80 10.0.0.1 1 http ");
  memset(text + strlen(text), 'x', n);
  strcpy(text + n, "\nopen tcp 22 10.0.0.1 1\n");
  out = imp_dump(NSX_IMPORT_AUTO, text, strlen(text), 0);
  ASSERT_EQ_STR(out, "error: t:2: line longer than 262144 bytes\n"
                     "10.0.0.1 22/tcp open syn-ack\n");
  ASSERT_EQ_STR(imp_dump(NSX_IMPORT_AUTO, text, strlen(text), 777), out);
}
