/* XML output (-oX), laid out as Nmap 7.93 writes it and as nmap.dtd
 * allows: the document head at the start, <prescript>, one <host> per host
 * written and flushed when the host is done, <postscript>, and <runstats>.
 * The children of each <script> come ready-made from format.c; this file
 * only places them (spec/output.md §4). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/host.h"
#include "output/out.h"
#include "script/datapath.h"
#include "target/portspec.h"
#include "target/proto.h"

/* Nmap's XML format version, which tools read to know the layout. */
#define XML_OUTPUT_VERSION "1.05"

/* Writes 'n' bytes of 's' escaped. Script output ('output' set) goes
 * through Nmap's protection step first; so does every other string from
 * outside (names, arguments, version fields), so that a control byte can
 * never make the document ill-formed: an escaped control character such as
 * "&#x1;" is not allowed in XML 1.0. */
static void put_esc(FILE *f, const char *s, size_t n, int output) {
  struct nsx_strbuf b = {0};

  if (output)
    nsx_xml_escape_output(&b, s, n);
  else
    nsx_xml_escape(&b, s, n);
  /* On out-of-memory 'b' holds whole escapes only: still well formed. */
  if (b.len) fwrite(b.data, 1, b.len, f);
  nsx_strbuf_free(&b);
}

/* ' name="value"', the value protected and escaped; nothing for NULL. */
static void attr(FILE *f, const char *name, const char *value) {
  if (!value) return;
  fprintf(f, " %s=\"", name);
  put_esc(f, value, strlen(value), 1);
  fputc('"', f);
}

/* Wall-clock seconds of a monotonic time taken during the scan. */
static long long wall(const struct nsx_output *o, uint64_t ms) {
  long long d = ms >= o->start_ms ? (long long)((ms - o->start_ms) / 1000)
                                  : -(long long)((o->start_ms - ms) / 1000);
  return (long long)o->start + d;
}

/* "Fri Nov 27 02:50:06 2026", as Nmap's startstr and timestr. */
static const char *timestr(time_t t, char *buf, size_t len) {
  struct tm tm;

  localtime_r(&t, &tm);
  strftime(buf, len, "%a %b %d %H:%M:%S %Y", &tm);
  return buf;
}

/* One <script> element (§4): an empty element without structured output,
 * else the ready-made children and a separate closing tag. */
static void write_script(FILE *f, const struct nsx_script_result *r) {
  fputs("<script id=\"", f);
  put_esc(f, r->id, strlen(r->id), 0);
  fputs("\" output=\"", f);
  if (r->res.text) put_esc(f, r->res.text, r->res.textlen, 1);
  if (!r->res.has_tab || !r->res.xml) {
    fputs("\"/>", f);
    return;
  }
  fputs("\">", f);
  fwrite(r->res.xml, 1, r->res.xmllen, f);
  fputs("</script>", f);
}

static void write_scripts(FILE *f, struct nsx_results *rs, int debug) {
  nsx_results_sort(rs);
  for (size_t i = 0; i < rs->n; i++)
    if (nsx_result_shown(&rs->v[i], debug)) write_script(f, &rs->v[i]);
}

static void xml_begin(struct nsx_writer *w, struct nsx_engine *E) {
  struct nsx_output *o = w->out;
  const char *args = o->cmdline ? o->cmdline : "nsx";
  char when[64], *xsl = E->dp ? nsx_datapath_find(E->dp, "nmap.xsl") : NULL;

  timestr(o->start, when, sizeof when);
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!DOCTYPE nmaprun>\n", w->f);
  if (xsl) {
    fputs("<?xml-stylesheet href=\"file://", w->f);
    put_esc(w->f, xsl, strlen(xsl), 1);
    fputs("\" type=\"text/xsl\"?>\n", w->f);
    free(xsl);
  }
  /* Escaping the arguments also keeps "--" out of the comment. */
  fprintf(w->f, "<!-- nsx %s scan initiated %s as: ", NSX_VERSION, when);
  put_esc(w->f, args, strlen(args), 1);
  fputs(" -->\n", w->f);
  /* nmap.dtd allows only scanner="nmap"; the version says it is nsx. */
  fputs("<nmaprun scanner=\"nmap\"", w->f);
  attr(w->f, "args", args);
  fprintf(w->f, " start=\"%lld\"", (long long)o->start);
  attr(w->f, "startstr", when);
  fprintf(w->f, " version=\"%s\" xmloutputversion=\"%s\">\n", NSX_VERSION,
          XML_OUTPUT_VERSION);
  if (o->ports) {
    /* nsx scans TCP only, whatever protocols the -p list names. */
    size_t n = nsx_portlist_format(o->ports, NSX_PROTO_TCP, NULL, 0);
    char *services = malloc(n + 1);
    if (services) nsx_portlist_format(o->ports, NSX_PROTO_TCP, services, n + 1);
    fprintf(w->f, "<scaninfo type=\"connect\" protocol=\"tcp\" "
            "numservices=\"%zu\"", o->ports->n[NSX_PROTO_TCP]);
    attr(w->f, "services", services ? services : "");
    fputs("/>\n", w->f);
    free(services);
  }
  fprintf(w->f, "<verbose level=\"%d\"/>\n<debugging level=\"%d\"/>\n",
          E->opt.verbose, E->opt.debug);
  fflush(w->f);
}

static void xml_phase(struct nsx_writer *w, struct nsx_engine *E,
                      enum nsx_phase phase, const struct nsx_results *rs) {
  const char *tag = phase == NSX_PHASE_PRE ? "prescript" : "postscript";

  /* The DTD wants at least one <script> inside. */
  if (nsx_results_shown(rs, E->opt.debug) == 0) return;
  fprintf(w->f, "<%s>", tag);
  write_scripts(w->f, (struct nsx_results *)rs, E->opt.debug);
  fprintf(w->f, "</%s>", tag);
  fflush(w->f);
}

/* The states that never fold into <extraports>, as in normal output. */
static int shown_state(int state) {
  return state == NSX_PS_OPEN || state == NSX_PS_OPEN_FILTERED ||
         state == NSX_PS_UNFILTERED;
}

/* Writes the ports of 'proto' in 'state' whose reason is 'reason' as
 * ranges: "1-40,42". Ports are sorted by (proto, number). */
static void write_ranges(FILE *f, const struct nsx_host *h, int proto,
                         int state, const char *reason) {
  const char *sep = "";
  long first = -1, last = -1;

  for (size_t i = 0; i <= h->nports; i++) {
    const struct nsx_port *p = i < h->nports ? &h->ports[i] : NULL;
    if (p && (p->proto != proto || p->state != state ||
              strcmp(p->reason ? p->reason : "", reason) != 0))
      continue;
    if (p && first >= 0 && p->number == last + 1) {
      last = p->number;
      continue;
    }
    if (first >= 0) {
      if (first == last)
        fprintf(f, "%s%ld", sep, first);
      else
        fprintf(f, "%s%ld-%ld", sep, first, last);
      sep = ",";
    }
    if (p) first = last = p->number;
  }
}

/* <extraports> for one ignored state: its count over every protocol, and
 * one <extrareasons> per (reason, protocol), in order of first use. */
static void write_extraports(FILE *f, const struct nsx_host *h, int state,
                             size_t count) {
  fprintf(f, "<extraports state=\"%s\" count=\"%zu\">\n",
          nsx_port_state_name(state), count);
  for (size_t i = 0; i < h->nports; i++) {
    const struct nsx_port *p = &h->ports[i];
    const char *reason = p->reason ? p->reason : "";
    size_t n = 0, j;
    if (p->state != state) continue;
    for (j = 0; j < i; j++)  /* seen already? */
      if (h->ports[j].state == state && h->ports[j].proto == p->proto &&
          strcmp(h->ports[j].reason ? h->ports[j].reason : "", reason) == 0)
        break;
    if (j < i) continue;
    for (j = i; j < h->nports; j++)
      if (h->ports[j].state == state && h->ports[j].proto == p->proto &&
          strcmp(h->ports[j].reason ? h->ports[j].reason : "", reason) == 0)
        n++;
    fputs("<extrareasons", f);
    attr(f, "reason", reason);
    fprintf(f, " count=\"%zu\" proto=\"%s\" ports=\"", n,
            nsx_proto_name((enum nsx_proto)p->proto));
    write_ranges(f, h, p->proto, state, reason);
    fputs("\"/>\n", f);
  }
  fputs("</extraports>\n", f);
}

/* <service>: the table name (method="table", conf 3), or what a script
 * gave nmap.set_port_version (method="probed", conf 10) or an imported
 * scan said. As in Nmap, a
 * port gets none when it has no name: nmap-services does not know it, or
 * a script set a version without a name (and without a fingerprint or
 * tunnel), which replaces the table name; http-server-header does that. */
static void write_service(FILE *f, const struct nsx_port *p) {
  const struct nsx_version *v = p->version;

  if (!v) {
    if (!p->service) return;
    fputs("<service", f);
    attr(f, "name", p->service);
    fputs(" method=\"table\" conf=\"3\"/>", f);
    return;
  }
  if (!v->name && !v->service_fp && !v->tunnel_ssl) return;
  fputs("<service", f);
  attr(f, "name", v->name ? v->name : "unknown");
  attr(f, "product", v->product);
  attr(f, "version", v->version);
  attr(f, "extrainfo", v->extrainfo);
  attr(f, "hostname", v->hostname);
  attr(f, "ostype", v->ostype);
  attr(f, "devicetype", v->devicetype);
  attr(f, "servicefp", v->service_fp);
  if (v->tunnel_ssl) fputs(" tunnel=\"ssl\"", f);
  fprintf(f, " method=\"%s\" conf=\"%d\"", v->probed ? "probed" : "table",
          v->conf);
  if (v->ncpe == 0) {
    fputs("/>", f);
    return;
  }
  fputc('>', f);
  for (size_t i = 0; i < v->ncpe; i++) {
    fputs("<cpe>", f);
    put_esc(f, v->cpe[i], strlen(v->cpe[i]), 1);
    fputs("</cpe>", f);
  }
  fputs("</service>", f);
}

/* <ports>: states with more ports than normal output shows (25, or 25 per
 * level of -v) fold into <extraports>, as Nmap folds them. */
static void write_ports(FILE *f, struct nsx_engine *E, struct nsx_host *h) {
  size_t count[NSX_PS_COUNT] = {0}, limit, i;
  int ignored[NSX_PS_COUNT] = {0};

  limit = 25 * (size_t)(E->opt.verbose + 1);
  for (i = 0; i < h->nports; i++) count[h->ports[i].state]++;
  fputs("<ports>", f);
  for (int s = 0; s < NSX_PS_COUNT; s++) {
    ignored[s] = !shown_state(s) && count[s] > limit && E->opt.debug < 3;
    if (ignored[s]) write_extraports(f, h, s, count[s]);
  }
  for (i = 0; i < h->nports; i++) {
    struct nsx_port *p = &h->ports[i];
    if (ignored[p->state]) continue;
    fprintf(f, "<port protocol=\"%s\" portid=\"%u\"><state state=\"%s\"",
            nsx_proto_name((enum nsx_proto)p->proto), p->number,
            nsx_port_state_name(p->state));
    attr(f, "reason", p->reason ? p->reason : "user-set");
    fputs(" reason_ttl=\"0\"/>", f);
    write_service(f, p);
    write_scripts(f, &p->results, E->opt.debug);
    fputs("</port>\n", f);
  }
  fputs("</ports>\n", f);
}

/* <times>, in microseconds, from what the engine measured: the same
 * values the host table gives scripts (host.c). */
static void write_times(FILE *f, const struct nsx_host *h) {
  double to = h->srtt * 3;

  if (to < 0.1) to = 0.1;
  if (to > 10) to = 10;
  fprintf(f, "<times srtt=\"%.0f\" rttvar=\"%.0f\" to=\"%.0f\"/>\n",
          h->srtt * 1e6, h->srtt / 2 * 1e6, to * 1e6);
}

static void xml_host(struct nsx_writer *w, struct nsx_engine *E,
                     struct nsx_host *h) {
  struct nsx_output *o = w->out;
  FILE *f = w->f;

  fprintf(f, "<host starttime=\"%lld\" endtime=\"%lld\"",
          wall(o, h->start_ms), wall(o, h->end_ms ? h->end_ms : nsx_now_ms()));
  if (h->timed_out) fputs(" timedout=\"true\"", f);
  fputs("><status state=\"up\"", f);
  attr(f, "reason", h->reason ? h->reason : "user-set");
  fputs(" reason_ttl=\"0\"/>\n<address", f);
  attr(f, "addr", h->ip);
  fprintf(f, " addrtype=\"%s\"/>\n<hostnames>\n",
          h->addr.ss_family == AF_INET6 ? "ipv6" : "ipv4");
  if (h->targetname) {
    fputs("<hostname", f);
    attr(f, "name", h->targetname);
    fputs(" type=\"user\"/>\n", f);
  }
  if (h->name && h->name[0]) {
    fputs("<hostname", f);
    attr(f, "name", h->name);
    fputs(" type=\"PTR\"/>\n", f);
  }
  fputs("</hostnames>\n", f);
  /* Without a port scan (-sn) Nmap writes no <ports> at all. */
  if (o->ports) write_ports(f, E, h);
  if (nsx_results_shown(&h->results, E->opt.debug)) {
    fputs("<hostscript>", f);
    write_scripts(f, &h->results, E->opt.debug);
    fputs("</hostscript>", f);
  }
  if (h->srtt > 0) write_times(f, h);
  fputs("</host>\n", f);
  fflush(f);
}

static void xml_end(struct nsx_writer *w, struct nsx_engine *E) {
  struct nsx_output *o = w->out;
  double secs = (double)(nsx_now_ms() - o->start_ms) / 1000.0;
  time_t now = time(NULL);
  char when[64], summary[384];
  unsigned long long seen = E->hosts_seen, up = E->hosts_up;

  timestr(now, when, sizeof when);
  snprintf(summary, sizeof summary,
           "nsx done at %s; %llu IP address%s (%llu host%s up) scanned in "
           "%.2f seconds", when, seen, seen == 1 ? "" : "es", up,
           up == 1 ? "" : "s", secs);
  fprintf(w->f, "<runstats><finished time=\"%lld\"", (long long)now);
  attr(w->f, "timestr", when);
  attr(w->f, "summary", summary);
  fprintf(w->f, " elapsed=\"%.2f\"", secs);
  if (E->interrupted)
    fputs(" exit=\"error\" errormsg=\"Interrupted by a signal; the hosts "
          "in flight are reported as far as they got.\"", w->f);
  else
    fputs(" exit=\"success\"", w->f);
  fprintf(w->f, "/><hosts up=\"%llu\" down=\"%llu\" total=\"%llu\"/>\n"
          "</runstats>\n</nmaprun>\n", up, seen > up ? seen - up : 0, seen);
  fflush(w->f);
}

const struct nsx_writer_ops nsx_out_xml = {
  xml_begin, xml_phase, xml_host, xml_end
};
