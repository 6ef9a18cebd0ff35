/* Command-line parsing (see options.h). Nmap's conventions: long options
 * as --name value or --name=value, short options with the value attached
 * or separate (-p80, -p 80), multi-letter short options (-Pn, -sT, -oN),
 * repeated letters for levels (-vv, -dd) or a digit (-v2, -d3). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"

double nsx_cli_time(const char *s) {
  char *end;
  double v;

  if (!s || !*s) return -1;
  errno = 0;
  v = strtod(s, &end);
  if (errno || end == s || v < 0) return -1;
  if (*end == '\0' || strcmp(end, "s") == 0) return v;
  if (strcmp(end, "ms") == 0) return v / 1000;
  if (strcmp(end, "m") == 0) return v * 60;
  if (strcmp(end, "h") == 0) return v * 3600;
  return -1;
}

static int number(const char *s, long lo, long hi, long *out) {
  char *end;
  long v;

  if (!s || !*s) return -1;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

/* A size in bytes with an optional k, m or g suffix (powers of 1024). */
static int size_value(const char *s, long lo, long *out) {
  char *end;
  double v;
  double mult = 1;

  if (!s || !*s) return -1;
  errno = 0;
  v = strtod(s, &end);
  if (errno || end == s || v < 0) return -1;
  if (*end == 'k' || *end == 'K') mult = 1024.0, end++;
  else if (*end == 'm' || *end == 'M') mult = 1048576.0, end++;
  else if (*end == 'g' || *end == 'G') mult = 1073741824.0, end++;
  if (*end == 'b' || *end == 'B') end++;
  if (*end || v * mult > 9.2e18 || v * mult < (double)lo) return -1;
  *out = (long)(v * mult);
  return 0;
}

enum arg { NONE, VALUE };

struct longopt {
  const char *name;
  enum arg arg;
  int id;
};

enum {
  O_SCRIPT, O_SCRIPT_ARGS, O_SCRIPT_ARGS_FILE, O_SCRIPT_TIMEOUT,
  O_HOST_TIMEOUT, O_DATADIR, O_TOP_PORTS, O_EXCLUDE_PORTS, O_MAX_THREADS,
  O_MAX_SOCKETS, O_MAX_HOSTGROUP, O_MAX_PARALLELISM, O_MIN_PARALLELISM,
  O_MAX_RECEIVE, O_SCRIPT_MEMORY, O_CONNECT_TIMEOUT, O_TTL, O_DATA_LENGTH,
  O_VERSION_INTENSITY, O_SCRIPT_TRACE, O_REASON, O_STATS_EVERY,
  O_NO_STATUS, O_SCRIPT_HELP, O_MAX_RATE, O_MAX_HOST_CONNS, O_HOST_ERROR_BUDGET, O_SHARD,
  O_HELP, O_VERSION
};

static const struct longopt LONGOPTS[] = {
  {"script", VALUE, O_SCRIPT},
  {"script-args", VALUE, O_SCRIPT_ARGS},
  {"script-args-file", VALUE, O_SCRIPT_ARGS_FILE},
  {"script-timeout", VALUE, O_SCRIPT_TIMEOUT},
  {"host-timeout", VALUE, O_HOST_TIMEOUT},
  {"datadir", VALUE, O_DATADIR},
  {"top-ports", VALUE, O_TOP_PORTS},
  {"exclude-ports", VALUE, O_EXCLUDE_PORTS},
  {"max-threads", VALUE, O_MAX_THREADS},
  {"max-sockets", VALUE, O_MAX_SOCKETS},
  {"max-hostgroup", VALUE, O_MAX_HOSTGROUP},
  {"max-parallelism", VALUE, O_MAX_PARALLELISM},
  {"min-parallelism", VALUE, O_MIN_PARALLELISM},
  {"max-receive", VALUE, O_MAX_RECEIVE},
  {"script-memory", VALUE, O_SCRIPT_MEMORY},
  {"connect-timeout", VALUE, O_CONNECT_TIMEOUT},
  {"ttl", VALUE, O_TTL},
  {"data-length", VALUE, O_DATA_LENGTH},
  {"version-intensity", VALUE, O_VERSION_INTENSITY},
  {"script-trace", NONE, O_SCRIPT_TRACE},
  {"reason", NONE, O_REASON},
  {"stats-every", VALUE, O_STATS_EVERY},
  {"no-status", NONE, O_NO_STATUS},
  {"script-help", VALUE, O_SCRIPT_HELP},
  {"max-rate", VALUE, O_MAX_RATE},
  {"max-host-conns", VALUE, O_MAX_HOST_CONNS},
  {"host-error-budget", VALUE, O_HOST_ERROR_BUDGET},
  {"shard", VALUE, O_SHARD},
  {"help", NONE, O_HELP},
  {"version", NONE, O_VERSION},
  {NULL, NONE, 0}
};

static int bad(char *err, size_t errlen, const char *opt, const char *value,
               const char *want) {
  snprintf(err, errlen, "invalid value for %s: '%s' (%s)", opt,
           value ? value : "", want);
  return -1;
}

static int apply_long(struct nsx_cli *c, int id, const char *name,
                      const char *v, char *err, size_t errlen) {
  struct nsx_options *o = &c->opt;
  long n;
  double t;

  switch (id) {
  case O_SCRIPT: c->scripts = v; break;
  case O_SCRIPT_ARGS: c->script_args = v; break;
  case O_SCRIPT_ARGS_FILE: c->script_args_file = v; break;
  case O_SCRIPT_TIMEOUT:
  case O_HOST_TIMEOUT:
    if ((t = nsx_cli_time(v)) < 0)
      return bad(err, errlen, name, v, "a time such as 30, 30s, 500ms, 5m");
    if (id == O_SCRIPT_TIMEOUT) o->script_timeout = t;
    else o->host_timeout = t;
    break;
  case O_CONNECT_TIMEOUT:
    if ((t = nsx_cli_time(v)) <= 0)
      return bad(err, errlen, name, v, "a time above zero, such as 1s");
    o->connect_timeout_ms = (int)(t * 1000 < 1 ? 1 : t * 1000);
    break;
  case O_DATADIR: c->datadir = v; break;
  case O_EXCLUDE_PORTS: c->exclude_ports = v; break;
  case O_TOP_PORTS:
    if (number(v, 1, 65536, &n) < 0)
      return bad(err, errlen, name, v, "a number from 1 to 65536");
    c->top_ports = n;
    break;
  case O_MAX_THREADS:
  case O_MIN_PARALLELISM:
    if (number(v, 1, 100000000, &n) < 0)
      return bad(err, errlen, name, v, "a positive number");
    if (id == O_MAX_THREADS || (size_t)n > o->max_threads)
      o->max_threads = (size_t)n;
    break;
  case O_MAX_SOCKETS:
    if (number(v, 1, 10000000, &n) < 0)
      return bad(err, errlen, name, v, "a positive number");
    c->max_sockets = n;
    break;
  case O_MAX_HOSTGROUP:
    if (number(v, 1, 100000000, &n) < 0)
      return bad(err, errlen, name, v, "a positive number");
    o->max_hostgroup = (size_t)n;
    break;
  case O_MAX_PARALLELISM:
    if (number(v, 1, 1000000, &n) < 0)
      return bad(err, errlen, name, v, "a positive number");
    c->max_probes = n;
    break;
  case O_MAX_RECEIVE:
    if (size_value(v, 1024, &n) < 0)
      return bad(err, errlen, name, v, "a size of at least 1k, e.g. 4m");
    o->max_receive = (size_t)n;
    break;
  case O_SCRIPT_MEMORY:
    if (size_value(v, 0, &n) < 0 || (n > 0 && n < (1L << 20)))
      return bad(err, errlen, name, v, "0 (no limit) or a size of at least "
                 "1m, e.g. 256m");
    o->script_memory = (size_t)n;
    break;
  case O_TTL:
    if (number(v, 0, 255, &n) < 0)
      return bad(err, errlen, name, v, "a number from 0 to 255");
    o->ttl = (int)n;
    break;
  case O_DATA_LENGTH:
    if (number(v, 0, 65400, &n) < 0)
      return bad(err, errlen, name, v, "a number from 0 to 65400");
    o->data_length = (int)n;
    break;
  case O_VERSION_INTENSITY:
    if (number(v, 0, 9, &n) < 0)
      return bad(err, errlen, name, v, "a number from 0 to 9");
    o->version_intensity = (int)n;
    break;
  case O_SCRIPT_TRACE: o->script_trace = 1; break;
  case O_REASON: o->reason = 1; break;
  case O_STATS_EVERY:
    if ((t = nsx_cli_time(v)) <= 0)
      return bad(err, errlen, name, v, "a time above zero, such as 10s");
    c->stats_every = t;
    break;
  case O_NO_STATUS: c->no_status = 1; break;
  case O_SCRIPT_HELP: c->script_help = v; break;
  case O_MAX_RATE: {
    char *end;
    double r;
    errno = 0;
    r = strtod(v, &end);
    if (errno || end == v || *end || r <= 0)
      return bad(err, errlen, name, v, "connections a second, above zero");
    o->max_rate = r;
    break;
  }
  case O_MAX_HOST_CONNS:
    if (number(v, 1, 1000000, &n) < 0)
      return bad(err, errlen, name, v, "a positive number");
    o->max_host_conns = (size_t)n;
    break;
  case O_HOST_ERROR_BUDGET:
    if (number(v, 1, 1000000000, &n) < 0)
      return bad(err, errlen, name, v, "a positive number");
    o->host_error_budget = (unsigned)n;
    break;
  case O_SHARD: {
    unsigned k, total;
    char extra;
    if (sscanf(v, "%u/%u%c", &k, &total, &extra) != 2 || total < 1 ||
        k < 1 || k > total)
      return bad(err, errlen, name, v, "K/N with 1 <= K <= N, e.g. 2/8");
    o->shard = k;
    o->nshards = total;
    break;
  }
  case O_HELP: c->help = 1; break;
  case O_VERSION: c->version = 1; break;
  }
  return 0;
}

/* -v, -vv, -v3 and the same for -d. */
static int level(const char *a, int *out) {
  char letter = a[1];
  const char *p = a + 1;
  long n;

  if (a[2] >= '0' && a[2] <= '9') {
    if (number(a + 2, 0, 10, &n) < 0) return -1;
    *out = (int)n;
    return 0;
  }
  while (*p == letter) p++;
  if (*p) return -1;
  *out += (int)(p - (a + 1));
  return 0;
}

/* -oA writes three files, so it cannot go to stdout, and only one output
 * may (Nmap's rules). */
static int check_outputs(const struct nsx_cli *c, char *err, size_t errlen) {
  const char *const names[] = {"-oN", "-oX", "-oJ"};
  const char *const files[] = {c->normal_file, c->xml_file, c->json_file};
  const char *first = NULL;

  if (c->all_base && (!*c->all_base || strcmp(c->all_base, "-") == 0)) {
    snprintf(err, errlen, "-oA needs a base file name, not '%s': it writes "
             "BASE.nmap, BASE.xml and BASE.jsonl", c->all_base);
    return -1;
  }
  for (size_t k = 0; k < 3; k++) {
    if (!files[k] || strcmp(files[k], "-") != 0) continue;
    if (first) {
      snprintf(err, errlen, "only one output can go to stdout ('-'), not "
               "both %s and %s", first, names[k]);
      return -1;
    }
    first = names[k];
  }
  return 0;
}

int nsx_cli_parse(struct nsx_cli *c, int argc, char **argv, char *err,
                  size_t errlen) {
  int i, only_targets = 0;

  memset(c, 0, sizeof *c);
  nsx_engine_defaults(&c->opt);
  c->targets = calloc((size_t)argc + 1, sizeof *c->targets);
  if (!c->targets) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *v;

    if (only_targets || a[0] != '-' || a[1] == '\0') {
      c->targets[c->ntargets++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_targets = 1;
      continue;
    }
    if (a[1] == '-') {
      const char *name = a + 2, *eq = strchr(name, '=');
      size_t len = eq ? (size_t)(eq - name) : strlen(name);
      const struct longopt *lo;
      for (lo = LONGOPTS; lo->name; lo++)
        if (strlen(lo->name) == len && strncmp(lo->name, name, len) == 0)
          break;
      if (!lo->name) {
        snprintf(err, errlen, "unknown option '%.*s'", (int)(len + 2), a);
        return -1;
      }
      v = NULL;
      if (lo->arg == VALUE) {
        if (eq) v = eq + 1;
        else if (i + 1 < argc) v = argv[++i];
        else {
          snprintf(err, errlen, "option '--%s' needs a value", lo->name);
          return -1;
        }
      } else if (eq) {
        snprintf(err, errlen, "option '--%s' takes no value", lo->name);
        return -1;
      }
      if (apply_long(c, lo->id, a, v, err, errlen) < 0) return -1;
      continue;
    }
    /* Short options. */
    if (strcmp(a, "-Pn") == 0) c->opt.skip_ping = 1;
    else if (strcmp(a, "-n") == 0) c->opt.no_resolve = 1;
    else if (strcmp(a, "-sT") == 0) {}
    else if (strcmp(a, "-sn") == 0) c->no_portscan = 1;
    else if (strcmp(a, "-sC") == 0) c->default_scripts = 1;
    else if (strcmp(a, "-6") == 0) c->opt.family = AF_INET6;
    else if (strcmp(a, "-h") == 0) c->help = 1;
    else if (strcmp(a, "-V") == 0) c->version = 1;
    else if (a[1] == 'v' || a[1] == 'd') {
      if (level(a, a[1] == 'v' ? &c->opt.verbose : &c->opt.debug) < 0) {
        snprintf(err, errlen, "invalid option '%s' (use -%c, -%c%c or -%c2)",
                 a, a[1], a[1], a[1], a[1]);
        return -1;
      }
    } else if (a[1] == 'T' && a[2] >= '0' && a[2] <= '5' && !a[3]) {
      c->opt.timing = a[2] - '0';
    } else if (a[1] == 'p' || a[1] == 'e' ||
               (a[1] == 'o' && a[2] && strchr("NXJA", a[2])) ||
               (a[1] == 'i' && a[2] == 'L')) {
      int skip = a[1] == 'o' || a[1] == 'i' ? 3 : 2;
      v = a[skip] ? a + skip : (i + 1 < argc ? argv[++i] : NULL);
      if (!v) {
        snprintf(err, errlen, "option '%.*s' needs a value", skip, a);
        return -1;
      }
      if (a[1] == 'i') {
        if (c->ninputs == sizeof c->inputs / sizeof c->inputs[0]) {
          snprintf(err, errlen, "too many -iL options");
          return -1;
        }
        c->inputs[c->ninputs++] = v;
      } else if (a[1] == 'p') c->ports = v;
      else if (a[1] == 'e') c->opt.interface = v;
      else if (a[2] == 'N') c->normal_file = v;
      else if (a[2] == 'X') c->xml_file = v;
      else if (a[2] == 'J') c->json_file = v;
      else c->all_base = v;
    } else if (a[1] == 'o' && (a[2] == 'G' || a[2] == 'S')) {
      snprintf(err, errlen, "option '-o%c' is not supported: nsx has no "
               "%s output (use -oN, -oX or -oJ)", a[2],
               a[2] == 'G' ? "grepable" : "script kiddie");
      return -1;
    } else if (a[1] == 's' || a[1] == 'P' || a[1] == 'o' || a[1] == 'O' ||
               a[1] == 'A') {
      snprintf(err, errlen, "option '%s' is not supported: nsx scans with "
               "TCP connect (-sT) and runs scripts; it sends no raw "
               "packets and does no version or OS detection", a);
      return -1;
    } else {
      snprintf(err, errlen, "unknown option '%s'", a);
      return -1;
    }
  }
  return check_outputs(c, err, errlen);
}

void nsx_cli_usage(FILE *f) {
  fputs(
"Usage: nsx [options] TARGETS...\n"
"Runs Nmap Scripting Engine scripts against targets, on an event-driven\n"
"engine. Nmap's scripts and libraries are used from the data directory.\n"
"\n"
"TARGETS: addresses, CIDR blocks (10.0.0.0/24), ranges (127.0.0.1-20,\n"
"  10.0-1.0.1,5), names, IPv6 addresses; ADDR:PORT[/PROTO] (and\n"
"  [IPV6]:PORT) scans that port with no discovery.\n"
"  -iL FILE               targets from FILE ('-' for stdin): a list of\n"
"                         targets and ADDR:PORT entries, masscan -oL/-oJ/\n"
"                         -oD/-oX output, or Nmap -oX (its ports and\n"
"                         services are used as they are: no discovery)\n"
"\n"
"SCRIPTS:\n"
"  --script LIST          scripts, categories, globs, directories or\n"
"                         expressions (\"default or safe\"), comma-separated\n"
"  -sC                    the default category (with --script: added)\n"
"  --script-args ARGS     arguments for scripts (k=v,k2={a,b},...)\n"
"  --script-args-file F   arguments read from a file\n"
"  --script-timeout T     end a script thread after T (30s, 5m, 500ms)\n"
"  --script-trace         log every socket operation and its data\n"
"  --script-help LIST     show the description of the scripts LIST selects\n"
"  --datadir DIR          where nselib/, scripts/ and nmap-services are\n"
"                         (also $NMAPDIR; default " NSX_DEFAULT_DATADIR ")\n"
"\n"
"PORTS AND DISCOVERY (TCP connect scan):\n"
"  -p PORTS               ports: 22,80,1000-2000,T:443,http*,- (all)\n"
"  --top-ports N          the N most common ports (default 1000)\n"
"  --exclude-ports PORTS  ports not to scan\n"
"  -sT                    TCP connect scan (the only kind; accepted)\n"
"  -sn                    no port scan: host and pre/post-scan scripts\n"
"  -Pn                    treat every host as up\n"
"  -n                     no reverse DNS\n"
"  -6                     IPv6 targets and sockets\n"
"  --connect-timeout T    wait for a port's answer (default 1s)\n"
"  --host-timeout T       give up on a host after T\n"
"\n"
"LIMITS (nsx's own):\n"
"  --max-threads N        script threads at once (default 100000)\n"
"  --min-parallelism N    Nmap's name: at least N script threads at once\n"
"  --max-sockets N        script sockets open at once (default: from the\n"
"                         open-file limit, which nsx raises to its maximum)\n"
"  --max-parallelism N    port-scan connects in flight\n"
"  --max-hostgroup N      hosts in flight (default 4096)\n"
"  --max-rate N           at most N new connections a second (port scan and\n"
"                         scripts together)\n"
"  --max-host-conns N     script sockets open to one host at once\n"
"  --host-error-budget N  after N connect timeouts, resets, TLS failures or\n"
"                         script errors on a host, skip the rest of it\n"
"  --shard K/N            scan only shard K of N: hosts split by a hash of\n"
"                         their address (pre/post-scan scripts in shard 1)\n"
"  --max-receive SIZE     most bytes one receive may buffer (default 64m)\n"
"  --script-memory SIZE   most memory one script thread may hold (default\n"
"                         512m; 0 = no limit); over it, the thread fails\n"
"\n"
"OUTPUT:\n"
"  -oN FILE               normal output to FILE too ('-' for stdout)\n"
"  -oX FILE               Nmap-compatible XML, valid against nmap.dtd\n"
"  -oJ FILE               JSON Lines: a record per host and per script\n"
"                         result (doc/nsx-jsonl.schema.json)\n"
"  -oA BASE               all three: BASE.nmap, BASE.xml, BASE.jsonl (no\n"
"                         .gnmap: nsx has no grepable output, -oG)\n"
"                         A FILE of '-' is stdout, which then shows only\n"
"                         that output (one of -oN, -oX, -oJ at most)\n"
"  -v[N], -vv             more verbose; -d[N], -dd: debugging\n"
"  --reason               show why each port has its state\n"
"  --stats-every T        a status line on stderr every T (for logs)\n"
"  --no-status            no status line on the terminal (by default one\n"
"                         line on stderr is redrawn every second)\n"
"\n"
"  -T0..5                 timing level scripts can read (default 3)\n"
"  -e IFACE, --ttl N, --data-length N, --version-intensity N\n"
"                         values scripts can read through the nmap API\n"
"  -h, --help             this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 when the scan ran and every script and target was\n"
"accepted; 1 when it ran but some were rejected (reported on stderr);\n"
"2 when nothing could be scanned (bad options, no usable scripts);\n"
"130 after SIGINT or SIGTERM, once the results found so far are written.\n"
"SIGUSR1 prints the live thread table on stderr.\n",
      f);
}
