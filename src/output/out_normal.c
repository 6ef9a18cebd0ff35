/* Normal output, laid out as Nmap 7.93 lays it out: the scan report per
 * host with its port table, script results under their port, host script
 * results after the table, and pre-/post-scan blocks (spec/output.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/host.h"
#include "output/out.h"
#include "target/proto.h"

const char *nsx_out_sigdigits(double x, char *buf, size_t len) {
  int decimals = 0;

  if (x > 0) {
    decimals = 1 - (int)floor(log10(x));
    if (decimals < 0) decimals = 0;
  }
  snprintf(buf, len, "%.*f", decimals, x);
  return buf;
}

/* Writes the "| id: ..." lines of a list of results. */
/* Writes the "| id: ..." lines of a list of results. A result with no
 * text gets Nmap's "Bug in ID: no string output." line, in files only
 * (the engine has already said so on stderr, once), and for port results
 * before the table (write_port_bugs) rather than here. */
static void write_results(struct nsx_writer *w, const struct nsx_results *rs,
                          int debug, int bugs_here) {
  struct nsx_strbuf b = {0};

  for (size_t i = 0; i < rs->n; i++) {
    const struct nsx_script_result *r = &rs->v[i];
    if (!nsx_result_shown(r, debug)) continue;
    b.len = 0;
    if (nsx_result_layout(&b, r->id, r->res.text, r->res.textlen) ==
        NSX_RESULT_NOTEXT) {
      if (!w->screen && bugs_here)
        fprintf(w->f, "Bug in %s: no string output.\n", r->id);
      continue;
    }
    if (b.len) fwrite(b.data, 1, b.len, w->f);
  }
  nsx_strbuf_free(&b);
}

/* Nmap formats the port table before printing it, so in a file the "Bug
 * in" lines of empty port results come before the table. */
static void write_port_bugs(struct nsx_writer *w, struct nsx_host *h,
                            int debug) {
  if (w->screen) return;
  for (size_t i = 0; i < h->nports; i++) {
    const struct nsx_results *rs = &h->ports[i].results;
    for (size_t k = 0; k < rs->n; k++)
      if (nsx_result_shown(&rs->v[k], debug) && rs->v[k].res.textlen == 0)
        fprintf(w->f, "Bug in %s: no string output.\n", rs->v[k].id);
  }
}

static void normal_begin(struct nsx_writer *w, struct nsx_engine *E) {
  struct nsx_output *o = w->out;
  char when[64];

  (void)E;
  if (w->screen) {
    strftime(when, sizeof when, "%Y-%m-%d %H:%M %Z", localtime(&o->start));
    fprintf(w->f, "Starting nsx %s at %s\n", NSX_VERSION, when);
  } else {
    strftime(when, sizeof when, "%a %b %d %H:%M:%S %Y", localtime(&o->start));
    fprintf(w->f, "# nsx %s scan initiated %s as: %s\n", NSX_VERSION, when,
            o->cmdline ? o->cmdline : "nsx");
  }
  fflush(w->f);
}

static void normal_phase(struct nsx_writer *w, struct nsx_engine *E,
                         enum nsx_phase phase,
                         const struct nsx_results *rs) {
  if (nsx_results_shown(rs, E->opt.debug) == 0) return;
  fprintf(w->f, "%s script results:\n",
          phase == NSX_PHASE_PRE ? "Pre-scan" : "Post-scan");
  write_results(w, rs, E->opt.debug, 1);
  fflush(w->f);
}

static int shown_state(int state) {
  return state == NSX_PS_OPEN || state == NSX_PS_OPEN_FILTERED ||
         state == NSX_PS_UNFILTERED;
}

/* "ssl/http", "unknown", ... */
static const char *service_name(const struct nsx_port *p, char *buf,
                                size_t len) {
  const char *name = p->version && p->version->name ? p->version->name
                     : p->service                   ? p->service
                                                    : "unknown";
  if (!(p->version && p->version->tunnel_ssl)) return name;
  snprintf(buf, len, "ssl/%s", name);
  return buf;
}

enum { COL_PORT, COL_STATE, COL_SERVICE, COL_REASON, NCOLS };

struct row {
  char port[24], service[128];
  const char *cell[NCOLS];
};

/* "80/tcp": printf costs more than the rest of a row here. */
static void port_cell(char *buf, size_t len, unsigned number,
                      const char *proto) {
  char digits[8];
  size_t n = 0, i = 0, plen = strlen(proto);

  do {
    digits[n++] = (char)('0' + number % 10);
    number /= 10;
  } while (number && n < sizeof digits);
  if (n + 1 + plen >= len) plen = len - n - 2;
  while (n) buf[i++] = digits[--n];
  buf[i++] = '/';
  memcpy(buf + i, proto, plen);
  buf[i + plen] = '\0';
}

static void row_fill(struct row *r, const struct nsx_port *p) {
  port_cell(r->port, sizeof r->port, p->number,
            nsx_proto_name((enum nsx_proto)p->proto));
  r->cell[COL_PORT] = r->port;
  r->cell[COL_STATE] = nsx_port_state_name(p->state);
  r->cell[COL_SERVICE] = service_name(p, r->service, sizeof r->service);
  r->cell[COL_REASON] = p->reason ? p->reason : "";
}

/* Prints the chosen columns, each padded to its width but the last. */
static void row_print(FILE *f, const char *const *cell, const int *use,
                      const size_t *width) {
  int last = NCOLS - 1;

  while (last > 0 && !use[last]) last--;
  for (int c = 0; c < NCOLS; c++) {
    if (!use[c]) continue;
    if (c == last) {
      fputs(cell[c], f);
    } else {
      size_t n = strlen(cell[c]);
      fwrite(cell[c], 1, n, f);
      for (; n <= width[c]; n++) putc(' ', f);   /* pad, then one space */
    }
  }
  fputc('\n', f);
}

/* The port table (no VERSION column: nsx does no version detection, and
 * Nmap shows the column only with -sV). States other than open, open|filtered and unfiltered
 * with more than 25 ports (50 with -v, ...) are summed up on a "Not shown"
 * line instead, as Nmap does. */
static void write_ports(struct nsx_writer *w, struct nsx_engine *E,
                        struct nsx_host *h) {
  static const char *const header[NCOLS] = {"PORT", "STATE", "SERVICE",
                                            "REASON"};
  size_t count[NSX_PROTO_COUNT][NSX_PS_COUNT] = {{0}};
  int ignored[NSX_PROTO_COUNT][NSX_PS_COUNT] = {{0}};
  int use[NCOLS] = {1, 1, 1, 0}, any_ignored = 0;
  size_t width[NCOLS], limit, shown = 0, i;
  struct row r;
  const char *sep = "";

  if (h->nports == 0) return;
  use[COL_REASON] = E->opt.reason || E->opt.verbose >= 2 || E->opt.debug > 0;
  limit = 25 * (size_t)(E->opt.verbose + 1);
  for (i = 0; i < h->nports; i++) count[h->ports[i].proto][h->ports[i].state]++;
  for (int p = 0; p < NSX_PROTO_COUNT; p++)
    for (int s = 0; s < NSX_PS_COUNT; s++) {
      ignored[p][s] = !shown_state(s) && count[p][s] > limit &&
                      E->opt.debug < 3;
      any_ignored |= ignored[p][s];
    }
  for (int c = 0; c < NCOLS; c++) width[c] = strlen(header[c]);
  for (i = 0; i < h->nports; i++) {
    struct nsx_port *p = &h->ports[i];
    if (ignored[p->proto][p->state]) continue;
    shown++;
    row_fill(&r, p);
    for (int c = 0; c < NCOLS; c++)
      if (strlen(r.cell[c]) > width[c]) width[c] = strlen(r.cell[c]);
  }
  if (shown == 0)
    fprintf(w->f, "All %zu scanned ports on %s are in ignored states.\n",
            h->nports, h->targetname ? h->targetname
                       : h->name[0]  ? h->name : h->ip);
  if (!any_ignored) {
    fputc('\n', w->f);
  } else {
    fputs("Not shown: ", w->f);
    for (int p = 0; p < NSX_PROTO_COUNT; p++)
      for (int s = 0; s < NSX_PS_COUNT; s++) {
        const char *reason = NULL;
        if (!ignored[p][s]) continue;
        for (i = 0; i < h->nports && !reason; i++)
          if (h->ports[i].proto == p && h->ports[i].state == s)
            reason = h->ports[i].reason;
        fprintf(w->f, "%s%zu %s %s ports", sep, count[p][s],
                nsx_port_state_name(s), nsx_proto_name((enum nsx_proto)p));
        if (reason) fprintf(w->f, " (%s)", reason);
        sep = ", ";
      }
    fputc('\n', w->f);
  }
  if (shown == 0) return;
  for (i = 0; i < h->nports; i++) nsx_results_sort(&h->ports[i].results);
  write_port_bugs(w, h, E->opt.debug);
  row_print(w->f, header, use, width);
  for (i = 0; i < h->nports; i++) {
    struct nsx_port *p = &h->ports[i];
    if (ignored[p->proto][p->state]) continue;
    row_fill(&r, p);
    row_print(w->f, r.cell, use, width);
    nsx_results_sort(&p->results);
    write_results(w, &p->results, E->opt.debug, 0);
  }
}

static void normal_host(struct nsx_writer *w, struct nsx_engine *E,
                        struct nsx_host *h) {
  char lat[64];
  const char *label = h->targetname ? h->targetname
                      : h->name[0]  ? h->name : NULL;

  if (label)
    fprintf(w->f, "Nmap scan report for %s (%s)\n", label, h->ip);
  else
    fprintf(w->f, "Nmap scan report for %s\n", h->ip);
  if (h->srtt > 0)
    fprintf(w->f, "Host is up (%ss latency).\n",
            nsx_out_sigdigits(h->srtt, lat, sizeof lat));
  else
    fputs("Host is up.\n", w->f);
  if (h->targetname && h->name[0] && strcmp(h->targetname, h->name) != 0)
    fprintf(w->f, "rDNS record for %s: %s\n", h->ip, h->name);
  if (h->timed_out)
    fputs("Skipped the rest of this host: --host-timeout reached.\n", w->f);
  else if (h->over_budget)
    fprintf(w->f, "Skipped the rest of this host: %u errors "
            "(--host-error-budget).\n", h->errors);
  else if (h->interrupted)
    fputs("Scan of this host interrupted; results found so far follow.\n",
          w->f);
  write_ports(w, E, h);
  if (nsx_results_shown(&h->results, E->opt.debug)) {
    nsx_results_sort(&h->results);
    fputs("\nHost script results:\n", w->f);
    write_results(w, &h->results, E->opt.debug, 1);
  }
  fputc('\n', w->f);
  fflush(w->f);
}

static void normal_end(struct nsx_writer *w, struct nsx_engine *E) {
  struct nsx_output *o = w->out;
  double secs = (double)(nsx_now_ms() - o->start_ms) / 1000.0;
  char summary[256], when[64];
  time_t now = time(NULL);

  snprintf(summary, sizeof summary,
           "%llu IP address%s (%llu host%s up) scanned in %.2f seconds%s",
           (unsigned long long)E->hosts_seen, E->hosts_seen == 1 ? "" : "es",
           (unsigned long long)E->hosts_up, E->hosts_up == 1 ? "" : "s",
           secs, E->interrupted ? " (interrupted)" : "");
  if (w->screen) {
    fprintf(w->f, "nsx done: %s\n", summary);
  } else {
    strftime(when, sizeof when, "%a %b %d %H:%M:%S %Y", localtime(&now));
    fprintf(w->f, "# nsx done at %s -- %s\n", when, summary);
  }
  fflush(w->f);
}

const struct nsx_writer_ops nsx_out_normal = {
  normal_begin, normal_phase, normal_host, normal_end
};
