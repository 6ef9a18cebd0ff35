/* The import reader streams: a million targets (or a few hundred thousand
 * hosts of XML and JSON) written into a pipe by another process are read
 * with a peak resident size that stays under 64 MB, so nothing of the
 * input is kept (it stays near 2.5 MB). This bounds memory, not time.
 * And a record comes out as soon as its bytes are in, not when more
 * input arrives. */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-import.h"
#include "unit.h"

#define PEAK_LIMIT_KB (64 * 1024)

/* AddressSanitizer keeps freed memory in quarantine (256 MB by default),
 * so a peak taken under it says nothing about the reader. */
#if defined(__SANITIZE_ADDRESS__)
#define CHECK_PEAK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHECK_PEAK 0
#endif
#endif
#ifndef CHECK_PEAK
#define CHECK_PEAK 1
#endif

/* Under a sanitizer, fewer items keep the tests within the time limit. */
#define SCALE(n) (CHECK_PEAK ? (n) : (n) / 5)

typedef void (*writer_fn)(FILE *out, long n);

/* Reads what 'writer' writes for 'n' items through a pipe, counting
 * records and errors. */
static void stream(writer_fn writer, long n, enum nsx_import_format fmt,
                   long *records, long *errors) {
  int fds[2];
  pid_t pid;
  struct nsx_import *imp;
  struct nsx_import_rec r;
  char err[512];
  int rc, status;

  ASSERT(pipe(fds) == 0);
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    FILE *out = fdopen(fds[1], "w");
    close(fds[0]);
    writer(out, n);
    fclose(out);
    _exit(0);
  }
  close(fds[1]);
  imp = nsx_import_open_fd(fds[0], fmt, "pipe");
  *records = *errors = 0;
  while ((rc = nsx_import_next(imp, &r, err, sizeof err)) != 0) {
    if (rc == 1) (*records)++;
    else if (++*errors < 5) fprintf(stderr, "# %s\n", err);
  }
  nsx_import_close(imp);
  close(fds[0]);
  ASSERT(waitpid(pid, &status, 0) == pid);
  ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static long peak_kb(void) {
  struct rusage ru;

  ASSERT(getrusage(RUSAGE_SELF, &ru) == 0);
  return ru.ru_maxrss;
}

static void check_peak(void) {
  if (CHECK_PEAK && peak_kb() > PEAK_LIMIT_KB)
    UNIT_FAIL("peak RSS %ld kB over %d kB", peak_kb(), PEAK_LIMIT_KB);
}

static void write_list(FILE *out, long n) {
  long i;

  for (i = 0; i < n; i++) {
    switch (i % 5) {
    case 0: fprintf(out, "10.%ld.%ld.%ld\n", i >> 16 & 255, i >> 8 & 255,
                    i & 255); break;
    case 1: fprintf(out, "10.%ld.%ld.%ld:%ld/udp\n", i >> 16 & 255,
                    i >> 8 & 255, i & 255, i % 65536); break;
    case 2: fprintf(out, "[2001:db8::%lx:%lx]:443 # c\n", i >> 16,
                    i & 0xffff); break;
    case 3: fprintf(out, "host%ld.example:22\n", i); break;
    default: fprintf(out, "192.168.%ld.0/24\n", i & 255); break;
    }
  }
}

static void write_masscan(FILE *out, long n) {
  long i;

  fprintf(out, "#masscan\n");
  for (i = 0; i < n; i++)
    fprintf(out, "open tcp %ld 10.%ld.%ld.%ld 1700000000\n", i % 65536,
            i >> 16 & 255, i >> 8 & 255, i & 255);
  fprintf(out, "# end\n");
}

static void write_json(FILE *out, long n) {
  long i;

  fprintf(out, "[\n");
  for (i = 0; i < n; i++)
    fprintf(out, "%s{   \"ip\": \"10.%ld.%ld.%ld\",   \"timestamp\": "
            "\"1700000000\", \"ports\": [ {\"port\": %ld, \"proto\": \"tcp\", "
            "\"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 64} ] }\n",
            i ? ",\n" : "", i >> 16 & 255, i >> 8 & 255, i & 255, i % 65536);
  fprintf(out, "]\n");
}

static void write_xml(FILE *out, long n) {
  long i;

  fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE "
               "nmaprun>\n<nmaprun scanner=\"nmap\">\n");
  for (i = 0; i < n; i++)
    fprintf(out, "<host starttime=\"1\" endtime=\"2\"><status state=\"up\" "
            "reason=\"syn-ack\" reason_ttl=\"0\"/>\n<address addr=\"10.%ld.%ld"
            ".%ld\" addrtype=\"ipv4\"/>\n<hostnames>\n<hostname name=\"h%ld."
            "example\" type=\"PTR\"/>\n</hostnames>\n<ports><port protocol="
            "\"tcp\" portid=\"22\"><state state=\"open\" reason=\"syn-ack\" "
            "reason_ttl=\"64\"/><service name=\"ssh\" product=\"OpenSSH\" "
            "version=\"9.2p1\" method=\"probed\" conf=\"10\"><cpe>cpe:/a:"
            "openbsd:openssh:9.2p1</cpe></service><script id=\"banner\" "
            "output=\"SSH-2.0-OpenSSH_9.2p1&#xa;\"/></port>\n<port protocol="
            "\"tcp\" portid=\"80\"><state state=\"closed\" reason=\"reset\" "
            "reason_ttl=\"64\"/></port>\n</ports>\n</host>\n",
            i >> 16 & 255, i >> 8 & 255, i & 255, i);
  fprintf(out, "</nmaprun>\n");
}

TEST(import_stream_million_line_list) {
  long recs, errs;

  stream(write_list, SCALE(1000000), NSX_IMPORT_AUTO, &recs, &errs);
  ASSERT_EQ_INT(errs, 0);
  ASSERT_EQ_INT(recs, SCALE(1000000));
  check_peak();
}

TEST(import_stream_million_masscan_lines) {
  long recs, errs;

  stream(write_masscan, SCALE(1000000), NSX_IMPORT_AUTO, &recs, &errs);
  ASSERT_EQ_INT(errs, 0);
  ASSERT_EQ_INT(recs, SCALE(1000000));
  check_peak();
}

TEST(import_stream_json_records) {
  long recs, errs;

  stream(write_json, SCALE(300000), NSX_IMPORT_AUTO, &recs, &errs);
  ASSERT_EQ_INT(errs, 0);
  ASSERT_EQ_INT(recs, SCALE(300000));
  check_peak();
}

TEST(import_stream_xml_hosts) {
  long recs, errs;

  stream(write_xml, SCALE(200000), NSX_IMPORT_AUTO, &recs, &errs);
  ASSERT_EQ_INT(errs, 0);
  ASSERT_EQ_INT(recs, 2 * SCALE(200000));
  check_peak();
}

/* Records come out as soon as their bytes have arrived: the writer
 * sends 'first', waits until the reader has returned 'want' from it, then
 * sends 'rest'. Were the reader to wait for more input, this would hang
 * (and the runner's time limit would fail the test). */
static void early(const char *first, const char *rest, const char *want,
                  int total) {
  int data[2], ack[2], n = 1, rc;
  pid_t pid;
  struct nsx_import *imp;
  struct nsx_import_rec r;
  char err[256], c = 0;

  ASSERT(pipe(data) == 0 && pipe(ack) == 0);
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    close(data[0]);
    close(ack[1]);
    if (write(data[1], first, strlen(first)) != (ssize_t)strlen(first))
      _exit(1);
    if (read(ack[0], &c, 1) != 1) _exit(1);
    if (write(data[1], rest, strlen(rest)) != (ssize_t)strlen(rest))
      _exit(1);
    _exit(0);
  }
  close(data[1]);
  close(ack[0]);
  imp = nsx_import_open_fd(data[0], NSX_IMPORT_AUTO, "pipe");
  ASSERT_EQ_INT(nsx_import_next(imp, &r, err, sizeof err), 1);
  ASSERT_EQ_STR(r.target, want);
  ASSERT(write(ack[1], &c, 1) == 1);
  while ((rc = nsx_import_next(imp, &r, err, sizeof err)) == 1) n++;
  ASSERT_EQ_INT(rc, 0);
  ASSERT_EQ_INT(n, total);
  nsx_import_close(imp);
  close(data[0]);
  close(ack[1]);
  waitpid(pid, NULL, 0);
}

TEST(import_stream_records_come_before_the_end) {
  early("10.0.0.1\n", "10.0.0.2\n", "10.0.0.1", 2);
  early("[::1]:80\n", "10.0.0.2\n", "::1", 2);
  early("#masscan\nopen tcp 80 10.0.0.1 1\n", "open tcp 80 10.0.0.2 1\n",
        "10.0.0.1", 2);
  early("[\n{\"ip\": \"10.0.0.1\", \"port\": 1, \"status\": \"open\"}\n",
        ",\n{\"ip\": \"10.0.0.2\", \"port\": 1, \"status\": \"open\"}\n]\n",
        "10.0.0.1", 2);
  early("<?xml version=\"1.0\"?>\n<nmaprun scanner=\"masscan\">\n"
        "<host><address addr=\"10.0.0.1\" addrtype=\"ipv4\"/><ports><port "
        "protocol=\"tcp\" portid=\"80\"><state state=\"open\"/></port>",
        "</ports></host>\n</nmaprun>\n", "10.0.0.1", 1);
}
