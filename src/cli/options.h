/* The command line: Nmap's options where Nmap has them, nsx's own where
 * it goes beyond (options.c). */
#ifndef NSX_OPTIONS_H
#define NSX_OPTIONS_H

#include <stddef.h>

#include "engine/engine.h"

struct nsx_cli {
  struct nsx_options opt;
  const char *scripts;           /* --script, or NULL */
  const char *script_args;       /* --script-args */
  const char *script_args_file;  /* --script-args-file */
  const char *script_help;       /* --script-help */
  const char *ports;             /* -p */
  const char *exclude_ports;     /* --exclude-ports */
  long top_ports;                /* --top-ports; 0 = default 1000 */
  const char *datadir;           /* --datadir */
  const char *normal_file;       /* -oN */
  const char *xml_file;          /* -oX */
  const char *json_file;         /* -oJ */
  const char *all_base;          /* -oA: BASE.nmap, BASE.xml, BASE.jsonl */
  const char **targets;
  size_t ntargets;
  const char *inputs[8];         /* -iL files */
  size_t ninputs;
  unsigned no_portscan : 1;      /* -sn */
  unsigned default_scripts : 1;  /* -sC: add the "default" category */
  unsigned no_status : 1;        /* --no-status */
  double stats_every;            /* --stats-every, seconds; 0 = off */
  unsigned help : 1;
  unsigned version : 1;
  long max_sockets;              /* --max-sockets; 0 = from the fd limit */
  long max_probes;               /* --max-parallelism; 0 = automatic */
};

/* Parses argv into 'cli' (starting from nsx_engine_defaults). Returns 0,
 * or -1 with a one-line message naming the bad option in 'err'. */
int nsx_cli_parse(struct nsx_cli *cli, int argc, char **argv, char *err,
                  size_t errlen);

/* Parses a time like Nmap's: "30", "30s", "500ms", "5m", "2h" (seconds).
 * Returns -1 if malformed. */
double nsx_cli_time(const char *s);

void nsx_cli_usage(FILE *f);

#endif
