/* --script-trace: one log line per socket event, as Nmap writes them:
 *   NSE: TCP 127.0.0.1:52434 > 127.0.0.1:80 | CONNECT
 * and data as a hex dump, 16 bytes a line, with the printable bytes
 * beside it, followed by an empty line. */
#include <ctype.h>
#include <stdio.h>

#include "engine/progress.h"
#include "engine/trace.h"
#include "net/addr.h"

/* "TCP a:p > b:q | " or with '<' for received data. */
static void prefix(FILE *f, struct nsx_sock *s, int received) {
  struct sockaddr_storage local, remote;
  char a[NSX_ADDRSTRLEN] = "0.0.0.0", b[NSX_ADDRSTRLEN] = "0.0.0.0";
  int pa = 0, pb = 0;

  if (nsx_sock_names(s, &local, &remote) == 0) {
    nsx_addr_ntop((struct sockaddr *)&local, a, sizeof a);
    nsx_addr_ntop((struct sockaddr *)&remote, b, sizeof b);
    pa = nsx_addr_port((struct sockaddr *)&local);
    pb = nsx_addr_port((struct sockaddr *)&remote);
  }
  fprintf(f, "NSE: %s %s:%d %c %s:%d | ",
          s->proto == NSX_SOCK_UDP ? "UDP" : "TCP", a, pa,
          received ? '<' : '>', b, pb);
}

void nsx_trace_event(struct nsx_engine *E, struct nsx_sock *s,
                     const char *what) {
  if (!E->opt.script_trace || !s) return;
  nsx_progress_clear();
  prefix(E->log, s, 0);
  fprintf(E->log, "%s\n", what);
  fflush(E->log);
}

void nsx_trace_data(struct nsx_engine *E, struct nsx_sock *s, int received,
                    const char *data, size_t len) {
  FILE *f = E->log;

  if (!E->opt.script_trace || !s) return;
  nsx_progress_clear();
  prefix(f, s, received);
  for (size_t off = 0; off < len; off += 16) {
    size_t n = len - off < 16 ? len - off : 16;
    fprintf(f, "%08zx: ", off);
    for (size_t i = 0; i < 16; i++) {
      if (i < n)
        fprintf(f, "%02x ", (unsigned char)data[off + i]);
      else
        fputs("   ", f);
    }
    for (size_t i = 0; i < n; i++) {
      unsigned char c = (unsigned char)data[off + i];
      fputc(c >= 0x20 && c < 0x7f ? c : ' ', f);
    }
    fputc('\n', f);
  }
  if (len == 0) fputc('\n', f);
  fputc('\n', f);
  fflush(f);
}
