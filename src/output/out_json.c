/* JSON Lines output (-oJ): one JSON object per line, described by
 * doc/nsx-jsonl.schema.json. A "start" record, one "host" record per host
 * with its port states, one "script" record per script result, and an
 * "end" record. Records are written and flushed per host (and per pre- or
 * post-scan phase), since that is when the writers hear of results; the
 * rendering of each structured value comes ready-made from format.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "engine/host.h"
#include "output/out.h"
#include "target/proto.h"

/* A record being built. Once an append has failed (out of memory) the
 * record is incomplete, and it is dropped rather than written. */
struct rec {
  struct nsx_strbuf b;
  int failed;
};

static void add(struct rec *r, const void *p, size_t n) {
  if (!r->failed && nsx_strbuf_add(&r->b, p, n) != 0) r->failed = 1;
}

static void quote(struct rec *r, const char *s, size_t n) {
  if (!r->failed && nsx_json_quote(&r->b, s, n) != 0) r->failed = 1;
}

/* Appends 's' quoted; a NULL 's' is written as JSON null. */
static void put_str(struct rec *b, const char *s, size_t n) {
  if (!s)
    add(b, "null", 4);
  else
    quote(b, s, n);
}

/* Appends ',"key":' and the quoted string, or nothing when 's' is NULL. */
static void member_str(struct rec *b, const char *key, const char *s) {
  if (!s) return;
  add(b, ",\"", 2);
  add(b, key, strlen(key));
  add(b, "\":", 2);
  put_str(b, s, strlen(s));
}

/* Appends ',"key":' and a number or literal written with printf. */
static void member_fmt(struct rec *b, const char *key,
                       const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void member_fmt(struct rec *b, const char *key,
                       const char *fmt, ...) {
  char tmp[64];
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  add(b, ",\"", 2);
  add(b, key, strlen(key));
  add(b, "\":", 2);
  add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Starts a record: '{"type":"TYPE","time":"2026-11-27T02:50:06.123Z"'
 * (now, in UTC; RFC 3339). */
/* Starts a record stamped with 'at' (seconds since the epoch), or with
 * the time now when 'at' is 0. */
static void record_start_at(struct rec *b, const char *type, double at) {
  struct timespec ts;
  struct tm tm;
  char when[32], tmp[96];

  if (at > 0) {
    ts.tv_sec = (time_t)at;
    ts.tv_nsec = (long)((at - (double)ts.tv_sec) * 1e9);
  } else {
    clock_gettime(CLOCK_REALTIME, &ts);
  }
  gmtime_r(&ts.tv_sec, &tm);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(tmp, sizeof tmp, "{\"type\":\"%s\",\"time\":\"%s.%03ldZ\"", type,
           when, (long)(ts.tv_nsec / 1000000) % 1000);
  add(b, tmp, strlen(tmp));
}

static void record_start(struct rec *b, const char *type) {
  record_start_at(b, type, 0);
}

/* Ends a record and writes it as one line, then empties 'b' for the next
 * one. An incomplete record would not parse: it is dropped with a message
 * instead. */
static void record_end(FILE *f, struct rec *b) {
  add(b, "}\n", 2);
  if (b->failed)
    fputs("nsx: out of memory: a JSON record was dropped\n", stderr);
  else
    fwrite(b->b.data, 1, b->b.len, f);
  b->b.len = 0;
  b->failed = 0;
}

/* The host's identity members: ip, targetname, hostname. */
static void host_members(struct rec *b, const struct nsx_host *h) {
  member_str(b, "ip", h->ip);
  member_str(b, "targetname", h->targetname);
  if (h->name && h->name[0]) member_str(b, "hostname", h->name);
}

static const char *status_name(enum nsx_result_status s) {
  switch (s) {
  case NSX_STATUS_OK: return "ok";
  case NSX_STATUS_ERROR: return "error";
  case NSX_STATUS_TIMEOUT: return "timeout";
  }
  return "error";
}

/* One "script" record per result of 'rs'; 'h' and 'p' say where they
 * belong (NULL for pre- and post-scan results). */
static void write_results(FILE *f, struct rec *b, const char *phase,
                          const struct nsx_host *h, const struct nsx_port *p,
                          struct nsx_results *rs) {
  nsx_results_sort(rs);
  for (size_t i = 0; i < rs->n; i++) {
    const struct nsx_script_result *r = &rs->v[i];
    record_start_at(b, "script", r->done);
    member_str(b, "phase", phase);
    member_str(b, "id", r->id);
    if (h) host_members(b, h);
    if (p) {
      member_fmt(b, "port", "%u", p->number);
      member_str(b, "protocol", nsx_proto_name((enum nsx_proto)p->proto));
    }
    add(b, ",\"output\":", 10);
    if (r->res.text)
      quote(b, r->res.text, r->res.textlen);
    else
      add(b, "\"\"", 2);
    if (r->res.has_tab && r->res.json) {
      add(b, ",\"structured\":", 14);
      add(b, r->res.json, r->res.jsonlen);
    }
    member_str(b, "status", status_name(r->status));
    if (r->error) member_str(b, "error", r->error);
    member_fmt(b, "elapsed", "%.3f", r->elapsed);
    record_end(f, b);
  }
}

static void json_begin(struct nsx_writer *w, struct nsx_engine *E) {
  struct nsx_output *o = w->out;
  struct rec b = {{0}, 0};

  (void)E;
  record_start(&b, "start");
  member_str(&b, "scanner", "nsx");
  member_str(&b, "version", NSX_VERSION);
  member_str(&b, "args", o->cmdline ? o->cmdline : "nsx");
  member_fmt(&b, "start", "%lld", (long long)o->start);
  record_end(w->f, &b);
  nsx_strbuf_free(&b.b);
  fflush(w->f);
}

static void json_phase(struct nsx_writer *w, struct nsx_engine *E,
                       enum nsx_phase phase, const struct nsx_results *rs) {
  struct rec b = {{0}, 0};

  (void)E;
  write_results(w->f, &b,
                phase == NSX_PHASE_PRE ? "prerule" : "postrule", NULL, NULL,
                (struct nsx_results *)rs);
  nsx_strbuf_free(&b.b);
  fflush(w->f);
}

/* The states that are listed port by port whatever their number. */
static int shown_state(int state) {
  return state == NSX_PS_OPEN || state == NSX_PS_OPEN_FILTERED ||
         state == NSX_PS_UNFILTERED;
}

/* One element of a host's "ports" array, with a "version" object when a
 * script set one through nmap.set_port_version. */
static void write_port(struct rec *b, const struct nsx_port *p) {
  const struct nsx_version *v = p->version;
  char tmp[32];

  snprintf(tmp, sizeof tmp, "{\"port\":%u", p->number);
  add(b, tmp, strlen(tmp));
  member_str(b, "protocol", nsx_proto_name((enum nsx_proto)p->proto));
  member_str(b, "state", nsx_port_state_name(p->state));
  member_str(b, "reason", p->reason);
  /* A version set without a name replaces the table name (as in XML). */
  member_str(b, "service", v ? v->name : p->service);
  if (v) {
    add(b, ",\"version\":{\"method\":", strlen(",\"version\":{\"method\":"));
    quote(b, v->probed ? "probed" : "table", v->probed ? 6 : 5);
    member_str(b, "name", v->name);
    member_str(b, "product", v->product);
    member_str(b, "version", v->version);
    member_str(b, "extrainfo", v->extrainfo);
    member_str(b, "hostname", v->hostname);
    member_str(b, "ostype", v->ostype);
    member_str(b, "devicetype", v->devicetype);
    member_str(b, "servicefp", v->service_fp);
    if (v->tunnel_ssl) member_str(b, "tunnel", "ssl");
    if (v->ncpe) {
      add(b, ",\"cpe\":[", 8);
      for (size_t i = 0; i < v->ncpe; i++) {
        if (i) add(b, ",", 1);
        put_str(b, v->cpe[i], strlen(v->cpe[i]));
      }
      add(b, "]", 1);
    }
    add(b, "}", 1);
  }
  add(b, "}", 1);
}

/* The "host" record: identity, state, and the ports. States that normal
 * output folds into a "Not shown" line (more than 25 ports, 25 more per
 * -v level) are only counted, in "extraports", as in the XML. */
static void write_host(struct rec *b, struct nsx_engine *E,
                       const struct nsx_host *h, int scanned) {
  size_t count[NSX_PROTO_COUNT][NSX_PS_COUNT] = {{0}};
  size_t limit = 25 * (size_t)(E->opt.verbose + 1), i;
  const char *sep = "";
  int ignored[NSX_PS_COUNT] = {0};

  record_start(b, "host");
  host_members(b, h);
  member_str(b, "addrtype", h->addr.ss_family == AF_INET6 ? "ipv6" : "ipv4");
  member_str(b, "state", "up");
  member_str(b, "reason", h->reason ? h->reason : "user-set");
  if (h->srtt > 0) member_fmt(b, "srtt", "%.6f", h->srtt);
  member_fmt(b, "elapsed", "%.3f",
             (double)((h->end_ms ? h->end_ms : nsx_now_ms()) - h->start_ms) /
                 1000.0);
  if (h->timed_out) member_fmt(b, "timedout", "true");
  if (h->interrupted) member_fmt(b, "interrupted", "true");
  if (!scanned) return;  /* -sn: no port scan, no port members */
  for (i = 0; i < h->nports; i++)
    count[h->ports[i].proto][h->ports[i].state]++;
  for (int s = 0; s < NSX_PS_COUNT; s++) {
    size_t n = 0;
    for (int p = 0; p < NSX_PROTO_COUNT; p++) n += count[p][s];
    ignored[s] = !shown_state(s) && n > limit && E->opt.debug < 3;
  }
  add(b, ",\"ports\":[", 10);
  for (i = 0; i < h->nports; i++) {
    if (ignored[h->ports[i].state]) continue;
    add(b, sep, strlen(sep));
    write_port(b, &h->ports[i]);
    sep = ",";
  }
  add(b, "],\"extraports\":[", 16);
  sep = "";
  for (int s = 0; s < NSX_PS_COUNT; s++)
    for (int p = 0; p < NSX_PROTO_COUNT && ignored[s]; p++) {
      char tmp[128];
      if (!count[p][s]) continue;
      snprintf(tmp, sizeof tmp,
               "%s{\"state\":\"%s\",\"protocol\":\"%s\",\"count\":%zu}", sep,
               nsx_port_state_name(s), nsx_proto_name((enum nsx_proto)p),
               count[p][s]);
      add(b, tmp, strlen(tmp));
      sep = ",";
    }
  add(b, "]", 1);
}

static void json_host(struct nsx_writer *w, struct nsx_engine *E,
                      struct nsx_host *h) {
  struct rec b = {{0}, 0};

  write_host(&b, E, h, w->out->ports != NULL);
  record_end(w->f, &b);
  for (size_t i = 0; i < h->nports; i++)
    write_results(w->f, &b, "portrule", h, &h->ports[i],
                  &h->ports[i].results);
  write_results(w->f, &b, "hostrule", h, NULL, &h->results);
  nsx_strbuf_free(&b.b);
  fflush(w->f);
}

static void json_end(struct nsx_writer *w, struct nsx_engine *E) {
  struct nsx_output *o = w->out;
  struct rec b = {{0}, 0};
  unsigned long long seen = E->hosts_seen, up = E->hosts_up;

  record_start(&b, "end");
  member_fmt(&b, "elapsed", "%.3f",
             (double)(nsx_now_ms() - o->start_ms) / 1000.0);
  member_fmt(&b, "hosts_total", "%llu", seen);
  member_fmt(&b, "hosts_up", "%llu", up);
  member_fmt(&b, "hosts_down", "%llu", seen > up ? seen - up : 0);
  member_fmt(&b, "interrupted", "%s", E->interrupted ? "true" : "false");
  record_end(w->f, &b);
  nsx_strbuf_free(&b.b);
  fflush(w->f);
}

const struct nsx_writer_ops nsx_out_json = {
  json_begin, json_phase, json_host, json_end
};
